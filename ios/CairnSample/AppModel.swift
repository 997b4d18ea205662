// Glue between SwiftUI and cairn-app's AppSession: forwards each action and publishes the
// Screen it returns. Decides nothing itself.

import Cairn
import SwiftUI
import UIKit

enum AppState {
    /// Where to back up: cairn-app's options, and the emulator build's dev menu.
    case chooseProvider(options: [ProviderOption], accounts: [EmulatorAccount], problem: String?)
    /// A signed-in account: cairn-app's screen.
    case session(provider: CloudProvider, screen: Screen)
}

@MainActor
final class AppModel: ObservableObject {
    @Published private(set) var state: AppState = .chooseProvider(options: [], accounts: [], problem: nil)
    private var session: AppSession?

    func showProviders(problem: String? = nil) async {
        closeSession()
        let options = providerOptions(platform: .ios, probes: await Backend.probes())
        state = .chooseProvider(options: options, accounts: [], problem: problem)
        guard Backend.usesEmulator else { return }
        do {
            state = .chooseProvider(options: options, accounts: try await Backend.accounts(), problem: problem)
        } catch {
            state = .chooseProvider(options: options, accounts: [], problem: error.localizedDescription)
        }
    }

    func open(provider: CloudProvider, accountId: String?) async {
        closeSession()
        do {
            session = try Backend.openSession(provider: provider, accountId: accountId, presenter: Self.topViewController)
        } catch {
            await showProviders(problem: error.localizedDescription)
            return
        }
        await act { await $0.refresh() }
    }

    // One line per session action; cairn-app decides the next screen.
    func beginFirstBackup() { now { $0.beginFirstBackup() } }
    func submitFirstBackup(password: String, confirmation: String, wallet: WalletInput) async {
        await act { await $0.submitFirstBackup(password: password, confirmation: confirmation, wallet: wallet) }
    }
    func beginAddWallet() { now { $0.beginAddWallet() } }
    func submitAddWallet(password: String, wallet: WalletInput) async {
        await act { await $0.submitAddWallet(password: password, wallet: wallet) }
    }
    func beginRestore() async { await act { await $0.beginRestore() } }
    func submitRestore(password: String, epochId: String?) async {
        await act { session in
            do {
                return try await session.submitRestore(password: password, epochId: epochId)
            } catch let error as CairnError {
                // Only a malformed epoch id throws; shown like any other failure.
                return .error(presentation: presentFailure(
                    kind: error.kind, message: error.message, hint: error.hint, provider: session.provider()))
            } catch {
                return session.dismissError()
            }
        }
    }
    func closeResults() { now { $0.closeResults() } }
    func forgotPassword() { now { $0.forgotPassword() } }
    func beginNewPassword() { now { $0.beginNewPassword() } }
    func submitNewPassword(password: String, confirmation: String) async {
        await act { await $0.submitNewPassword(password: password, confirmation: confirmation) }
    }
    func checkHealth() async { await act { await $0.checkHealth() } }
    func goHome() { now { $0.goHome() } }
    func dismissError() { now { $0.dismissError() } }
    func retry() async { await act { await $0.retry() } }

    private func now(_ action: (AppSession) -> Screen) {
        guard let session, let provider = session.provider() else { return }
        state = .session(provider: provider, screen: action(session))
    }

    private func act(_ action: @escaping (AppSession) async -> Screen) async {
        guard let session, let provider = session.provider() else { return }
        let next = Task { await action(session) }
        // Let the action enter the session; it then reports `working(task:)` (the spinner's
        // caption) until it returns the next screen.
        await Task.yield()
        state = .session(provider: provider, screen: session.screen())
        state = .session(provider: provider, screen: await next.value)
    }

    private func closeSession() {
        // Wipes restored wallets still on screen.
        session?.close()
        session = nil
    }

    private static func topViewController() -> UIViewController? {
        let scene = UIApplication.shared.connectedScenes.first { $0.activationState == .foregroundActive } as? UIWindowScene
        var top = scene?.keyWindow?.rootViewController
        while let presented = top?.presentedViewController { top = presented }
        return top
    }
}
