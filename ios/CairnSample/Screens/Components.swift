// Reusable pieces of the screens: cairn-app's error presentation with its actions, the
// new-password form with cairn-app's live feedback, the password prompt, the wallet fields.

import Cairn
import SwiftUI

struct ErrorCard: View {
    let presentation: ErrorPresentation
    let onAction: (RecoveryAction) -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            Text(presentation.title).font(.headline)
            Text(presentation.message)
            Text(presentation.hint).font(.footnote)
            HStack {
                Button(recoveryActionLabel(action: presentation.primary)) { onAction(presentation.primary) }
                    .buttonStyle(.borderedProminent)
                ForEach(presentation.secondary, id: \.self) { action in
                    Button(recoveryActionLabel(action: action)) { onAction(action) }.buttonStyle(.bordered)
                }
            }
        }
        .padding()
        .background(Color.red.opacity(0.08), in: RoundedRectangle(cornerRadius: 12))
    }
}

/// New backup password + confirmation; submit is enabled when cairn-app says `canSubmit`.
struct NewPasswordFields: View {
    let submitLabel: String
    let onSubmit: (String, String) -> Void
    @State private var password = ""
    @State private var confirmation = ""

    var body: some View {
        let feedback = passwordFeedback(password: password, confirmation: confirmation)
        VStack(alignment: .leading, spacing: 8) {
            SecureField("Backup password", text: $password).textContentType(.newPassword)
            if !password.isEmpty {
                ProgressView(value: Double(feedback.scoreValue), total: 4)
                Text("\(feedback.label) — \(feedback.crackTime)").font(.footnote)
                ForEach(feedback.warningTexts, id: \.self) { Text($0).font(.footnote) }
                if let problem = feedback.policyProblem { Text(problem).foregroundStyle(.red) }
            }
            SecureField("Confirm backup password", text: $confirmation).textContentType(.newPassword)
            if feedback.confirmationEntered && !feedback.confirmationMatches {
                Text("The passwords do not match.").foregroundStyle(.red)
            }
            Button(submitLabel) {
                onSubmit(password, confirmation)
                password = ""
                confirmation = ""
            }
            .buttonStyle(.borderedProminent)
            .disabled(!feedback.canSubmit)
        }
    }
}

/// The existing backup password, asked again (add a wallet, restore).
struct PasswordEntry: View {
    let submitLabel: String
    let onSubmit: (String) -> Void
    @State private var password = ""

    var body: some View {
        VStack(alignment: .leading, spacing: 8) {
            SecureField("Backup password", text: $password).textContentType(.password)
            Button(submitLabel) {
                onSubmit(password)
                password = ""
            }
            .buttonStyle(.borderedProminent)
            .disabled(password.isEmpty)
        }
    }
}

/// The wallet to back up: a name and its recovery phrase (the sample's stand-in for a wallet).
struct WalletFields: View {
    @Binding var label: String
    @Binding var phrase: String

    var body: some View {
        TextField("Wallet name", text: $label)
        SecureField("Recovery phrase", text: $phrase)
            .textInputAutocapitalization(.never)
            .autocorrectionDisabled()
    }

    /// cairn-app validates the phrase; the shell only packs what was typed.
    static func input(label: String, phrase: String) -> WalletInput {
        WalletInput(
            appWalletId: UUID().uuidString,
            label: label.trimmingCharacters(in: .whitespaces),
            chainHints: [],
            secret: .mnemonic(phrase: phrase, passphrase: nil, includePassphrase: false)
        )
    }
}

/// Unix seconds as a local date and time.
func formatTime(_ seconds: UInt64?) -> String {
    guard let seconds else { return "—" }
    return Date(timeIntervalSince1970: TimeInterval(seconds)).formatted(date: .abbreviated, time: .shortened)
}
