// Renders cairn-app's provider choice and, once signed in, the session's Screen. Every
// decision (what to offer, the next screen, how an error reads and which buttons it gets,
// password strength) is cairn-app's; these views lay it out and forward taps to AppModel.

import Cairn
import SwiftUI
import UIKit

struct ContentView: View {
    @ObservedObject var model: AppModel

    var body: some View {
        NavigationStack {
            ScrollView {
                VStack(alignment: .leading, spacing: 12) {
                    switch model.state {
                    case let .chooseProvider(options, accounts, problem):
                        ProviderChoice(options: options, accounts: accounts, problem: problem, model: model, perform: perform)
                    case let .session(provider, screen):
                        SessionScreen(screen: screen, model: model) { perform($0, provider: provider) }
                    }
                }
                .padding()
            }
            // Redacted wherever the system redacts sensitive content. (The app-switcher snapshot
            // is not covered: a production wallet also blanks its window when inactive.)
            .privacySensitive()
        }
    }

    /// What each of cairn-app's recovery actions means on iOS.
    private func perform(_ action: RecoveryAction, provider: CloudProvider? = nil) {
        Task {
            switch action {
            case .retry: await model.retry()
            case .reEnterPassword, .correctInput, .dismiss: model.dismissError()
            case .forgotPassword: model.forgotPassword()
            case .startFirstBackup: model.beginFirstBackup()
            case .signInAgain, .switchAccount, .chooseAnotherProvider: await model.showProviders()
            case .openICloudSettings:
                await UIApplication.shared.open(URL(string: UIApplication.openSettingsURLString)!)
            case .freeUpStorage:
                let page = provider == .iCloud ? UIApplication.openSettingsURLString : "https://one.google.com/storage"
                await UIApplication.shared.open(URL(string: page)!)
                model.dismissError()
            // HMS Core and Play services do not exist on iOS; app updates come from the App Store.
            case .installOrUpdateHmsCore, .installOrUpdatePlayServices, .updateApp: model.dismissError()
            }
        }
    }
}

private struct ProviderChoice: View {
    let options: [ProviderOption]
    let accounts: [EmulatorAccount]
    let problem: String?
    let model: AppModel
    let perform: (RecoveryAction, CloudProvider?) -> Void
    @State private var account: String?

    var body: some View {
        Text("Back up to cloud").font(.title2.bold())
        Text(Backend.description).font(.footnote)
        if let problem { Text(problem).foregroundStyle(.red) }
        if !accounts.isEmpty {
            Text("Dev menu: emulator account").font(.headline)
            Picker("Account", selection: $account) {
                Text("Choose…").tag(String?.none)
                ForEach(accounts, id: \.id) { Text("\($0.displayName) <\($0.email)>").tag(Optional($0.id)) }
            }
        }
        ForEach(options, id: \.provider) { option in
            if option.available {
                Button(option.recommended ? "\(option.displayName) (recommended)" : option.displayName) {
                    Task { await model.open(provider: option.provider, accountId: account) }
                }
                .buttonStyle(.borderedProminent)
            } else {
                Text(option.displayName).font(.headline)
                if let presentation = option.presentation {
                    ErrorCard(presentation: presentation) { perform($0, option.provider) }
                }
            }
        }
    }
}

private struct SessionScreen: View {
    let screen: Screen
    let model: AppModel
    let onAction: (RecoveryAction) -> Void
    @State private var walletLabel = ""
    @State private var phrase = ""
    @State private var selectedEpoch: String?

    var body: some View {
        switch screen {
        case let .working(task):
            ProgressView(caption(task))
        case let .firstBackup(form):
            Text("First backup").font(.title2.bold())
            Text("Choose a backup password. It encrypts the wallet on this phone before anything is uploaded, and nobody can reset it. It is not your device passcode.")
            if let error = form.error { ErrorCard(presentation: error, onAction: onAction) }
            WalletFields(label: $walletLabel, phrase: $phrase)
            NewPasswordFields(submitLabel: "Back up") { password, confirmation in
                let wallet = WalletFields.input(label: walletLabel, phrase: phrase)
                phrase = ""
                Task { await model.submitFirstBackup(password: password, confirmation: confirmation, wallet: wallet) }
            }
        case let .home(overview, notice):
            Text("Cloud backup").font(.title2.bold())
            if let notice { Text(text(notice)).foregroundStyle(.tint) }
            Text("\(overview.activeWallets) wallet(s) under your current backup password")
            if overview.olderPasswordWallets > 0 {
                Text("\(overview.olderPasswordWallets) wallet(s) only under an older password")
            }
            if overview.damagedObjects > 0 { Text("\(overview.damagedObjects) damaged backup object(s): see backup health") }
            Text("Last backup: \(formatTime(overview.lastBackupAt))")
            ForEach(overview.epochs, id: \.epochId) { EpochRow(epoch: $0) }
            Button("Back up another wallet") { model.beginAddWallet() }.buttonStyle(.borderedProminent)
            Button("Restore wallets") { Task { await model.beginRestore() } }.buttonStyle(.borderedProminent)
            Button("Backup health") { Task { await model.checkHealth() } }.buttonStyle(.bordered)
            Button("Forgot backup password?") { model.forgotPassword() }
            Button("Sign out / switch account") { Task { await model.showProviders() } }
        case let .addWallet(prompt):
            Text("Back up another wallet").font(.title2.bold())
            Text("Enter your backup password. It is checked before anything is uploaded.")
            if let error = prompt.error { ErrorCard(presentation: error, onAction: onAction) }
            WalletFields(label: $walletLabel, phrase: $phrase)
            PasswordEntry(submitLabel: "Verify and back up") { password in
                let wallet = WalletFields.input(label: walletLabel, phrase: phrase)
                phrase = ""
                Task { await model.submitAddWallet(password: password, wallet: wallet) }
            }
            forgotAndCancel(prominent: prompt.suggestForgotPassword)
        case let .restore(epochs, prompt):
            Text("Restore wallets").font(.title2.bold())
            Picker("Backup password", selection: epochSelection(epochs, prompt)) {
                ForEach(epochs, id: \.epochId) { epoch in
                    Text(epoch.isActive ? "Current password (\(epoch.walletCount) wallets)" : "Older password (\(epoch.walletCount) wallets)")
                        .tag(Optional(epoch.epochId))
                }
            }
            .pickerStyle(.inline)
            if let error = prompt.error { ErrorCard(presentation: error, onAction: onAction) }
            PasswordEntry(submitLabel: "Restore") { password in
                let epoch = selectedEpoch ?? prompt.epochId
                Task { await model.submitRestore(password: password, epochId: epoch) }
            }
            forgotAndCancel(prominent: prompt.suggestForgotPassword)
        case let .restoreResults(results):
            Text("Restored \(results.wallets.count) wallet(s)").font(.title2.bold())
            if results.fromOlderPassword {
                Text("These come from an older backup password: back them up again under the current one.")
            }
            ForEach(Array(results.wallets.enumerated()), id: \.offset) { _, wallet in RestoredWalletRow(wallet: wallet) }
            ForEach(results.failures, id: \.recordId) { ErrorCard(presentation: $0.presentation, onAction: onAction) }
            Button("Done (wipe from memory)") { model.closeResults() }.buttonStyle(.borderedProminent)
        case let .forgotPassword(existingEpochs, explanation):
            Text("Forgot your backup password?").font(.title2.bold())
            Text(explanation)
            ForEach(existingEpochs, id: \.epochId) { EpochRow(epoch: $0) }
            Button("Set a new backup password") { model.beginNewPassword() }.buttonStyle(.borderedProminent)
            Button("Cancel") { model.goHome() }
        case let .newPassword(form):
            Text("New backup password").font(.title2.bold())
            if let error = form.error { ErrorCard(presentation: error, onAction: onAction) }
            NewPasswordFields(submitLabel: "Set new password") { password, confirmation in
                Task { await model.submitNewPassword(password: password, confirmation: confirmation) }
            }
            Button("Cancel") { model.goHome() }
        case let .health(report):
            HealthView(report: report)
            Button("Back") { model.goHome() }
        case let .noBackupsFound(presentation), let .error(presentation):
            ErrorCard(presentation: presentation, onAction: onAction)
        }
    }

    private func epochSelection(_ epochs: [EpochView], _ prompt: PasswordPrompt) -> Binding<String?> {
        Binding(
            get: { selectedEpoch ?? prompt.epochId ?? epochs.first(where: \.isActive)?.epochId },
            set: { selectedEpoch = $0 }
        )
    }

    @ViewBuilder
    private func forgotAndCancel(prominent: Bool) -> some View {
        if prominent {
            Button("Forgot backup password?") { model.forgotPassword() }.buttonStyle(.borderedProminent)
        } else {
            Button("Forgot backup password?") { model.forgotPassword() }
        }
        Button("Cancel") { model.goHome() }
    }

    private func caption(_ task: AppTask) -> String {
        switch task {
        case .loading: return "Reading your backups…"
        case .creatingFirstPassword: return "Setting your backup password…"
        case .verifyingPassword: return "Checking your backup password…"
        case .backingUp: return "Backing up and verifying…"
        case .restoring: return "Restoring your wallets…"
        case .startingNewPassword: return "Setting your new backup password…"
        case .checkingHealth: return "Checking your backups…"
        }
    }

    private func text(_ notice: Notice) -> String {
        switch notice {
        case .firstBackupDone: return "Backed up and verified: your backup password is set."
        case .walletBackedUp: return "Wallet backed up and verified."
        case let .newPasswordStarted(_, older):
            return "New backup password set. \(older) wallet(s) remain under the old one; back them up again."
        case .restoreClosed: return "Restored wallets closed and wiped from memory."
        }
    }
}

private struct EpochRow: View {
    let epoch: EpochView

    var body: some View {
        Text("\(epoch.isActive ? "Current password" : "Older password"): \(epoch.walletCount) wallet(s), last backup \(formatTime(epoch.lastBackupAt))")
            .font(.footnote)
    }
}

/// One restored wallet: the phrase is read from Rust only while the user asks to see it.
private struct RestoredWalletRow: View {
    let wallet: RestoredWalletHandle
    @State private var shown: String?

    var body: some View {
        let info = wallet.info()
        VStack(alignment: .leading, spacing: 4) {
            Text(info.label).font(.headline)
            Text("Backed up \(formatTime(info.backedUpAt))").font(.footnote)
            if let shown {
                Text(shown).textSelection(.disabled)
                Button("Hide") { self.shown = nil }
            } else {
                Button("Show secret") { shown = (try? wallet.revealPhrase()) ?? (try? wallet.revealPrivateKey()) ?? nil }
            }
        }
    }
}

private struct HealthView: View {
    let report: HealthReport

    var body: some View {
        Text("Backup health").font(.title2.bold())
        Text("\(report.needsAttention) wallet(s) need attention; \(report.cloudOnly) rely on the cloud backup alone")
        if report.damagedObjects > 0 { Text("\(report.damagedObjects) damaged backup object(s)") }
        if let quota = report.quota {
            Text("Storage used: \(quota.used) bytes" + (quota.limit.map { " of \($0)" } ?? ""))
        }
        ForEach(report.wallets, id: \.appWalletId) { wallet in
            VStack(alignment: .leading, spacing: 4) {
                Text(wallet.appWalletId).font(.footnote)
                switch wallet.status {
                case let .backedUpVerified(at): Text("Backed up and verified \(formatTime(at))")
                case let .stale(backedUpAt, _): Text("Changed since the last backup (\(formatTime(backedUpAt)))")
                case .olderPasswordOnly: Text("Only under an older backup password")
                case .missing: Text("Not backed up")
                case let .unreachable(_, message, hint): Text("\(message) \(hint)")
                }
                if wallet.cloudOnly { Text("Only in the cloud: write the phrase down too.").font(.footnote) }
            }
        }
    }
}
