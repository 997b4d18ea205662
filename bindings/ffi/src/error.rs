//! The one error the bindings throw (`CairnException` in Kotlin, `CairnError` in Swift).

use cairn_core::ErrorKind as CoreKind;

/// Stable, machine-readable error kinds; mirrors `cairn_core::ErrorKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ErrorKind {
    WrongPassword,
    NoBackupsFound,
    BackupExists,
    NotFound,
    QuotaExceeded,
    NotSignedIn,
    ReauthRequired,
    RateLimited,
    Network,
    Corrupted,
    UnsupportedVersion,
    KdfParamsOutOfBounds,
    PasswordPolicy,
    InvalidMnemonic,
    InvalidPrivateKey,
    PassphraseMismatch,
    ProviderUnavailable,
    VerificationFailed,
    Conflict,
    InvalidInput,
    CloudError,
    Internal,
}

impl From<CoreKind> for ErrorKind {
    fn from(kind: CoreKind) -> Self {
        match kind {
            CoreKind::WrongPassword => Self::WrongPassword,
            CoreKind::NoBackupsFound => Self::NoBackupsFound,
            CoreKind::BackupExists => Self::BackupExists,
            CoreKind::NotFound => Self::NotFound,
            CoreKind::QuotaExceeded => Self::QuotaExceeded,
            CoreKind::NotSignedIn => Self::NotSignedIn,
            CoreKind::ReauthRequired => Self::ReauthRequired,
            CoreKind::RateLimited => Self::RateLimited,
            CoreKind::Network => Self::Network,
            CoreKind::Corrupted => Self::Corrupted,
            CoreKind::UnsupportedVersion => Self::UnsupportedVersion,
            CoreKind::KdfParamsOutOfBounds => Self::KdfParamsOutOfBounds,
            CoreKind::PasswordPolicy => Self::PasswordPolicy,
            CoreKind::InvalidMnemonic => Self::InvalidMnemonic,
            CoreKind::InvalidPrivateKey => Self::InvalidPrivateKey,
            CoreKind::PassphraseMismatch => Self::PassphraseMismatch,
            CoreKind::ProviderUnavailable => Self::ProviderUnavailable,
            CoreKind::VerificationFailed => Self::VerificationFailed,
            CoreKind::Conflict => Self::Conflict,
            CoreKind::InvalidInput => Self::InvalidInput,
            CoreKind::CloudError => Self::CloudError,
            // `ErrorKind` is non-exhaustive; a kind added later reads as internal until mirrored.
            _ => Self::Internal,
        }
    }
}

/// Every failure of the bindings. One variant with fields, because Kotlin's exception
/// `message` is the `field=value` rendering: the user-facing sentence is `error_message`.
/// (Named `*Error` so Kotlin gets `CairnException`.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum CairnError {
    /// A Cairn failure: what kind, a short sentence for the user, and what they can do.
    #[error("{kind:?}: {error_message}")]
    Failure { kind: ErrorKind, error_message: String, hint: String },
}

impl From<cairn_core::CairnError> for CairnError {
    fn from(error: cairn_core::CairnError) -> Self {
        CairnError::Failure {
            kind: error.kind().into(),
            error_message: error.message(),
            hint: error.hint().to_owned(),
        }
    }
}

impl CairnError {
    /// The kind, for Rust-side checks.
    pub fn kind(&self) -> ErrorKind {
        match self {
            CairnError::Failure { kind, .. } => *kind,
        }
    }
}

/// An input the bindings themselves reject (an id that does not parse, a wiped handle).
pub(crate) fn invalid_input(what: &str) -> CairnError {
    cairn_core::CairnError::InvalidInput { what: what.to_owned() }.into()
}
