//! The one error the bindings throw (sealed `CairnException` in Kotlin, enum `CairnError` in Swift).

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
    /// The host cancelled the call (never produced by `cairn-core`).
    Cancelled,
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

/// Declares the error enum with one variant per kind, so the two lists cannot drift apart.
macro_rules! cairn_error {
    ($($(#[doc = $doc:literal])* $kind:ident,)*) => {
        /// Every failure of the bindings: one variant per [`ErrorKind`], each with a short sentence
        /// for the user (`error_message`) and what they can do (`hint`). Kotlin gets a sealed
        /// `CairnException` with one subclass per kind, Swift an enum with associated values.
        /// (Named `*Error` so Kotlin gets `CairnException`.) Texts never carry secrets.
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
        pub enum CairnError {
            $(
                $(#[doc = $doc])*
                #[error("{error_message}")]
                $kind { error_message: String, hint: String },
            )*
        }

        impl CairnError {
            /// The kind, for Rust-side checks.
            pub fn kind(&self) -> ErrorKind {
                match self {
                    $(Self::$kind { .. } => ErrorKind::$kind,)*
                }
            }

            /// The user-facing sentence.
            pub fn error_message(&self) -> &str {
                match self {
                    $(Self::$kind { error_message, .. } => error_message,)*
                }
            }

            /// What the user can do.
            pub fn hint(&self) -> &str {
                match self {
                    $(Self::$kind { hint, .. } => hint,)*
                }
            }

            fn of_kind(kind: ErrorKind, error_message: String, hint: String) -> Self {
                match kind {
                    $(ErrorKind::$kind => Self::$kind { error_message, hint },)*
                }
            }
        }
    };
}

cairn_error! {
    /// The backup password does not open the backup.
    WrongPassword,
    /// The signed-in account holds no Cairn backups.
    NoBackupsFound,
    /// The account already has a backup password.
    BackupExists,
    /// The wallet backup or epoch does not exist.
    NotFound,
    /// Cloud storage is full.
    QuotaExceeded,
    /// No cloud account is signed in.
    NotSignedIn,
    /// The sign-in expired; the user must sign in again.
    ReauthRequired,
    /// The provider asked to slow down.
    RateLimited,
    /// The cloud could not be reached.
    Network,
    /// A stored backup is damaged.
    Corrupted,
    /// A backup from a newer app version.
    UnsupportedVersion,
    /// A stored backup asks for KDF parameters outside the accepted bounds.
    KdfParamsOutOfBounds,
    /// The new password is too weak.
    PasswordPolicy,
    /// The recovery phrase is not valid BIP39.
    InvalidMnemonic,
    /// The private key does not parse.
    InvalidPrivateKey,
    /// The BIP39 passphrase does not match the one backed up.
    PassphraseMismatch,
    /// The cloud provider cannot be used on this device (HMS Core missing, iCloud off, ...).
    ProviderUnavailable,
    /// A new backup could not be verified by read-back; the previous one is unchanged.
    VerificationFailed,
    /// Another device changed the backup at the same time.
    Conflict,
    /// The request itself is invalid (never echoes the input).
    InvalidInput,
    /// An unexpected cloud answer.
    CloudError,
    /// An internal failure.
    Internal,
    /// The host cancelled the call (Swift maps it to `CancellationError`).
    Cancelled,
}

/// The one place a `cairn-core` error becomes a bindings error.
impl From<cairn_core::CairnError> for CairnError {
    fn from(error: cairn_core::CairnError) -> Self {
        CairnError::of_kind(error.kind().into(), error.message(), error.hint().to_owned())
    }
}

impl CairnError {
    /// The host cancelled the call through a `CancellationToken`.
    pub(crate) fn cancelled() -> Self {
        CairnError::Cancelled {
            error_message: "the operation was cancelled".to_owned(),
            hint: "start it again when ready; an unfinished backup is never reported as verified".to_owned(),
        }
    }
}

/// An input the bindings themselves reject (an id that does not parse, a wiped handle).
pub(crate) fn invalid_input(what: &str) -> CairnError {
    cairn_core::CairnError::InvalidInput { what: what.to_owned() }.into()
}
