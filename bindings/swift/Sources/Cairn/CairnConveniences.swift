// Hand-written conveniences over the generated `Cairn.swift`: the fields every `CairnError`
// case carries, and Task cancellation that reaches the Rust work.

import Foundation

// `CairnError` has one case per kind (`.WrongPassword(errorMessage:hint:)`, …), so a `catch
// CairnError.WrongPassword` or a `switch` is the idiomatic check. These read what every case has;
// the switches are exhaustive, so a new kind fails this build.
extension CairnError {
    /// The stable kind.
    public var kind: ErrorKind {
        switch self {
        case .WrongPassword: return .wrongPassword
        case .NoBackupsFound: return .noBackupsFound
        case .BackupExists: return .backupExists
        case .NotFound: return .notFound
        case .QuotaExceeded: return .quotaExceeded
        case .NotSignedIn: return .notSignedIn
        case .ReauthRequired: return .reauthRequired
        case .RateLimited: return .rateLimited
        case .Network: return .network
        case .Corrupted: return .corrupted
        case .UnsupportedVersion: return .unsupportedVersion
        case .KdfParamsOutOfBounds: return .kdfParamsOutOfBounds
        case .PasswordPolicy: return .passwordPolicy
        case .InvalidMnemonic: return .invalidMnemonic
        case .InvalidPrivateKey: return .invalidPrivateKey
        case .PassphraseMismatch: return .passphraseMismatch
        case .ProviderUnavailable: return .providerUnavailable
        case .VerificationFailed: return .verificationFailed
        case .Conflict: return .conflict
        case .InvalidInput: return .invalidInput
        case .CloudError: return .cloudError
        case .Internal: return .internal
        case .Cancelled: return .cancelled
        }
    }

    /// The short sentence for the user (never contains a secret).
    public var message: String {
        switch self {
        case .WrongPassword(let text, _),
            .NoBackupsFound(let text, _),
            .BackupExists(let text, _),
            .NotFound(let text, _),
            .QuotaExceeded(let text, _),
            .NotSignedIn(let text, _),
            .ReauthRequired(let text, _),
            .RateLimited(let text, _),
            .Network(let text, _),
            .Corrupted(let text, _),
            .UnsupportedVersion(let text, _),
            .KdfParamsOutOfBounds(let text, _),
            .PasswordPolicy(let text, _),
            .InvalidMnemonic(let text, _),
            .InvalidPrivateKey(let text, _),
            .PassphraseMismatch(let text, _),
            .ProviderUnavailable(let text, _),
            .VerificationFailed(let text, _),
            .Conflict(let text, _),
            .InvalidInput(let text, _),
            .CloudError(let text, _),
            .Internal(let text, _),
            .Cancelled(let text, _):
            return text
        }
    }

    /// What the user can do about it (one sentence, safe to show).
    public var hint: String {
        switch self {
        case .WrongPassword(_, let text),
            .NoBackupsFound(_, let text),
            .BackupExists(_, let text),
            .NotFound(_, let text),
            .QuotaExceeded(_, let text),
            .NotSignedIn(_, let text),
            .ReauthRequired(_, let text),
            .RateLimited(_, let text),
            .Network(_, let text),
            .Corrupted(_, let text),
            .UnsupportedVersion(_, let text),
            .KdfParamsOutOfBounds(_, let text),
            .PasswordPolicy(_, let text),
            .InvalidMnemonic(_, let text),
            .InvalidPrivateKey(_, let text),
            .PassphraseMismatch(_, let text),
            .ProviderUnavailable(_, let text),
            .VerificationFailed(_, let text),
            .Conflict(_, let text),
            .InvalidInput(_, let text),
            .CloudError(_, let text),
            .Internal(_, let text),
            .Cancelled(_, let text):
            return text
        }
    }
}

/// Runs Cairn calls so that cancelling the surrounding `Task` stops the Rust work: `body` gets
/// a fresh `CancellationToken` to pass as `cancel:` to the long calls; when the task is cancelled
/// the token is tripped, the Rust future is dropped (downloads stop, the handle is released)
/// and this throws `CancellationError`. (UniFFI's generated async code does not forward Swift
/// cancellation by itself.)
///
///     let report = try await withCairnCancellation { try await unlocked.restoreAll(cancel: $0) }
public func withCairnCancellation<T>(_ body: (CancellationToken) async throws -> T) async throws -> T {
    let token = CancellationToken()
    do {
        return try await withTaskCancellationHandler {
            try await body(token)
        } onCancel: {
            token.cancel()
        }
    } catch CairnError.Cancelled {
        throw CancellationError()
    }
}
