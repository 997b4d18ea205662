// The shared app logic (cairn-app through the generated Swift) as the iOS shell drives it:
// provider choice from the raw CKAccountStatus, password form feedback, the emulator dev
// menu, and the screen state machine over the emulator with production KDF parameters,
// signed in through the Rust-side emulator token provider. Each test uses its own account.

import Cairn
import Foundation
import XCTest

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

private let appPassword = "violet tractor sings 4 otters"
private let appNewPassword = "granite kettle hums at dawn"
private let appPhraseA = "legal winner thank year wave sausage worth useful legal winner thank yellow"
private let appPhraseB = "letter advice cage absurd amount doctor acoustic avoid letter advice cage above"

/// The emulator's control API, as these tests need it (named accounts, quota, faults).
private struct AppControl {
    let base: String

    func post(_ path: String, _ body: [String: Any]) async throws {
        try await send("POST", path, body)
    }

    func send(_ method: String, _ path: String, _ body: [String: Any]) async throws {
        guard let url = URL(string: base + "/__control" + path) else { throw TestFailure("bad URL \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = try JSONSerialization.data(withJSONObject: body)
        let (data, response) = try await URLSession.shared.data(for: request)
        guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
            throw TestFailure("\(method) \(path) answered \(String(decoding: data, as: UTF8.self))")
        }
    }
}

private func wallet(_ id: String, _ phrase: String) -> WalletInput {
    WalletInput(
        appWalletId: id, label: "wallet \(id)", chainHints: ["eip155:1"],
        secret: .mnemonic(phrase: phrase, passphrase: nil, includePassphrase: false))
}

private func screenName(_ screen: Screen) -> String {
    switch screen {
    case .working: return "working"
    case .firstBackup: return "first_backup"
    case .home: return "home"
    case .addWallet: return "add_wallet"
    case .restore: return "restore"
    case .restoreResults: return "restore_results"
    case .forgotPassword: return "forgot_password"
    case .newPassword: return "new_password"
    case .health: return "health"
    case .noBackupsFound: return "no_backups_found"
    case .error: return "error"
    }
}

final class AppFlowTests: XCTestCase {
    private func setUpEmulator() throws -> (AppControl, EmulatorEndpoints) {
        let emulator = try Emulator.fromEnvironment()
        return (AppControl(base: emulator.base), try emulatorEndpointsAt(baseUrl: emulator.base))
    }

    private func session(_ control: AppControl, _ endpoints: EmulatorEndpoints, _ account: String,
                         _ provider: CloudProvider = .googleDrive) async throws -> AppSession {
        try await control.post("/accounts", ["id": account])
        return try AppSession.emulator(endpoints: endpoints, accountId: account, provider: provider)
    }

    func testProviderChoiceFromICloudAccountStatus() {
        // CKAccountStatus.noAccount = 3: Google Drive first, iCloud with its settings action.
        let signedOut = providerOptions(
            platform: .ios, probes: PlatformProbes(googlePlayServices: nil, hmsCore: nil, icloudAccountStatus: 3))
        XCTAssertEqual(signedOut.map(\.provider), [.googleDrive, .iCloud])
        XCTAssertTrue(signedOut[0].recommended)
        XCTAssertEqual(signedOut[1].unavailableReason, .iCloudSignedOut)
        XCTAssertEqual(signedOut[1].presentation?.primary, .openICloudSettings)
        // .available = 1: iCloud first.
        let available = providerOptions(
            platform: .ios, probes: PlatformProbes(googlePlayServices: nil, hmsCore: nil, icloudAccountStatus: 1))
        XCTAssertEqual(available.first?.provider, .iCloud)
        XCTAssertTrue(available.allSatisfy(\.available))
        // HMS Core disabled (SERVICE_DISABLED = 3) on Android: AppGallery guidance.
        let android = providerOptions(
            platform: .android, probes: PlatformProbes(googlePlayServices: 0, hmsCore: 3, icloudAccountStatus: nil))
        XCTAssertEqual(android[1].presentation?.primary, .installOrUpdateHmsCore)
        XCTAssertTrue(android[1].presentation?.hint.contains("AppGallery") ?? false)
    }

    func testPasswordFeedback() {
        let weak = passwordFeedback(password: "12345", confirmation: "12345")
        XCTAssertEqual(weak.score, .veryWeak)
        XCTAssertFalse(weak.canSubmit)
        XCTAssertNotNil(weak.policyProblem)
        let mismatch = passwordFeedback(password: appPassword, confirmation: appPassword + " ")
        XCTAssertFalse(mismatch.confirmationMatches)
        XCTAssertTrue(passwordFeedback(password: appPassword, confirmation: appPassword).canSubmit)
        XCTAssertEqual(try emulatorEndpoints(target: .iosSimulator, port: 8089).baseUrl, "http://localhost:8089")
    }

    func testDevMenuListsAccounts() async throws {
        let (control, endpoints) = try setUpEmulator()
        try await control.post("/accounts", ["id": "swift-menu"])
        let accounts = try await listEmulatorAccounts(endpoints: endpoints)
        XCTAssertTrue(accounts.contains { $0.id == "swift-menu" })
    }

    func testFirstBackupVerifyBeforeAddAndRestoreOnNewPhone() async throws {
        let (control, endpoints) = try setUpEmulator()
        let phone = try await session(control, endpoints, "swift-kim")
        let first = await phone.refresh()
        XCTAssertEqual(screenName(first), "first_backup")
        guard case .home(let overview, let notice) = await phone.submitFirstBackup(
            password: appPassword, confirmation: appPassword, wallet: wallet("a", appPhraseA))
        else { return XCTFail("expected home") }
        XCTAssertEqual(overview.activeWallets, 1)
        guard case .firstBackupDone = notice else { return XCTFail("expected the first-backup notice") }

        _ = phone.beginAddWallet()
        guard case .addWallet(let prompt) = await phone.submitAddWallet(password: "violet", wallet: wallet("b", appPhraseB))
        else { return XCTFail("a wrong password stays on the prompt") }
        XCTAssertEqual(prompt.attempts, 1)
        XCTAssertEqual(prompt.error?.kind, .wrongPassword)
        XCTAssertEqual(prompt.error?.secondary, [.forgotPassword])
        guard case .home(let after, _) = await phone.submitAddWallet(password: appPassword, wallet: wallet("b", appPhraseB))
        else { return XCTFail("expected home after adding") }
        XCTAssertEqual(after.activeWallets, 2)
        phone.endSession()

        let newPhone = try AppSession.emulator(endpoints: endpoints, accountId: "swift-kim", provider: .googleDrive)
        let restore = await newPhone.beginRestore()
        XCTAssertEqual(screenName(restore), "restore")
        guard case .restoreResults(let results) = try await newPhone.submitRestore(password: appPassword, epochId: nil)
        else { return XCTFail("expected results") }
        var phrases: [String: String] = [:]
        for handle in results.wallets { phrases[handle.info().label] = try handle.revealPhrase() }
        XCTAssertEqual(phrases, ["wallet a": appPhraseA, "wallet b": appPhraseB])
        guard case .home(_, .restoreClosed(let wiped)) = newPhone.closeResults() else {
            return XCTFail("expected home after closing")
        }
        XCTAssertEqual(wiped, 2)
        XCTAssertTrue(results.wallets.allSatisfy { $0.isWiped() })
        XCTAssertThrowsError(try results.wallets[0].revealPhrase())
    }

    func testForgotPasswordAndTheOldBackupStillRestores() async throws {
        let (control, endpoints) = try setUpEmulator()
        let session = try await session(control, endpoints, "swift-lee", .huaweiDrive)
        _ = await session.refresh()
        _ = await session.submitFirstBackup(password: appPassword, confirmation: appPassword, wallet: wallet("a", appPhraseA))
        guard let oldEpoch = session.appWallets().first?.backup?.epochId else { return XCTFail("tracked wallet") }
        guard case .forgotPassword(_, let explanation) = session.forgotPassword() else { return XCTFail() }
        XCTAssertTrue(explanation.contains("remember the old password"))
        _ = session.beginNewPassword()
        guard case .home(_, .newPasswordStarted(_, let older)) = await session.submitNewPassword(
            password: appNewPassword, confirmation: appNewPassword)
        else { return XCTFail("expected the new-password notice") }
        XCTAssertEqual(older, 1)
        _ = await session.beginRestore()
        guard case .restoreResults(let results) = try await session.submitRestore(password: appPassword, epochId: oldEpoch)
        else { return XCTFail("the old backup restores with the old password") }
        XCTAssertTrue(results.fromOlderPassword)
        XCTAssertEqual(try results.wallets.first?.revealPhrase(), appPhraseA)
        _ = session.goHome()
        XCTAssertTrue(results.wallets.allSatisfy { $0.isWiped() })
    }

    func testWrongAccountStorageFullAndExpiredSession() async throws {
        let (control, endpoints) = try setUpEmulator()
        let owner = try await session(control, endpoints, "swift-mia")
        _ = await owner.refresh()
        _ = await owner.submitFirstBackup(password: appPassword, confirmation: appPassword, wallet: wallet("a", appPhraseA))

        let other = try await session(control, endpoints, "swift-ned")
        guard case .noBackupsFound(let guidance) = await other.beginRestore() else { return XCTFail("wrong account") }
        XCTAssertEqual(guidance.primary, .switchAccount)

        try await control.post("/quota", ["account": "swift-mia", "provider": "google", "limit": 100])
        _ = owner.beginAddWallet()
        guard case .error(let full) = await owner.submitAddWallet(password: appPassword, wallet: wallet("b", appPhraseB))
        else { return XCTFail("storage full") }
        XCTAssertEqual(full.kind, .quotaExceeded)
        XCTAssertEqual(full.primary, .freeUpStorage)
        XCTAssertEqual(screenName(owner.dismissError()), "add_wallet")
        try await control.post("/quota", ["account": "swift-mia", "provider": "google", "limit": NSNull()])
        let added = await owner.submitAddWallet(password: appPassword, wallet: wallet("b", appPhraseB))
        XCTAssertEqual(screenName(added), "home")

        try await control.post("/faults", [
            "path_prefix": "/drive/v3/files", "count": "always", "status": 401, "account": "swift-mia",
        ])
        guard case .error(let expired) = await owner.refresh() else { return XCTFail("expired session") }
        XCTAssertEqual(expired.primary, .signInAgain)
        try await control.send("DELETE", "/faults", [:])
        let recovered = await owner.retry()
        XCTAssertEqual(screenName(recovered), "home")
    }

    func testICloudSessionOverTheInMemoryBridge() async throws {
        let bridge = InMemoryCloudKitBridge()
        let phone = AppSession.icloud(bridge: bridge)
        XCTAssertEqual(phone.provider(), .iCloud)
        let first = await phone.refresh()
        XCTAssertEqual(screenName(first), "first_backup")
        let home = await phone.submitFirstBackup(
            password: appPassword, confirmation: appPassword, wallet: wallet("a", appPhraseA))
        XCTAssertEqual(screenName(home), "home")

        // iCloud storage full: the guidance names iCloud's storage settings.
        bridge.setQuota(bytes: 1)
        _ = phone.beginAddWallet()
        guard case .error(let full) = await phone.submitAddWallet(password: appPassword, wallet: wallet("b", appPhraseB))
        else { return XCTFail("storage full") }
        XCTAssertEqual(full.primary, .freeUpStorage)
        XCTAssertTrue(full.hint.contains("Manage Account Storage"), full.hint)
        bridge.setQuota(bytes: nil)

        // Signed out of iCloud on the device (CKAccountStatus.noAccount): open the settings.
        bridge.setAccountStatus(3)
        let newPhone = AppSession.icloud(bridge: bridge)
        guard case .error(let signedOut) = await newPhone.refresh() else { return XCTFail("signed out") }
        XCTAssertEqual(signedOut.primary, .openICloudSettings)
        bridge.setAccountStatus(1)
        let recovered = await newPhone.retry()
        XCTAssertEqual(screenName(recovered), "home")
        guard case .restore = await newPhone.beginRestore() else { return XCTFail("restore prompt") }
        guard case .restoreResults(let results) = try await newPhone.submitRestore(password: appPassword, epochId: nil)
        else { return XCTFail("restored") }
        XCTAssertEqual(try results.wallets.first?.revealPhrase(), appPhraseA)
        newPhone.endSession()
        XCTAssertTrue(results.wallets.allSatisfy { $0.isWiped() })
    }
}
