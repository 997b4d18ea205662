//! The one public error type, and the one place internal errors are translated into it.
//!
//! Every failure an app can meet maps to a stable snake_case [`ErrorKind`], a short human
//! [`message`](CairnError::message) and a troubleshooting [`hint`](CairnError::hint) in the
//! words of DESIGN §1.6. Nothing here ever carries secret material: variants hold only kinds,
//! counts, public ids and the (already secret-free) errors of the lower crates.

use std::time::Duration;

use cairn_cloud::{CloudError, NetworkErrorKind, ProviderUnavailableReason};
use cairn_crypto::format::{FormatError, PlaintextError};
use cairn_crypto::password::PasswordPolicyError;
use cairn_crypto::{Bip32Error, KdfError, MnemonicError, PrivateKeyError};

/// Stable, machine-readable error kinds (also the CLI's JSON `kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The backup password does not open the epoch.
    WrongPassword,
    /// The signed-in account holds no Cairn backups.
    NoBackupsFound,
    /// A first backup password was requested but the account already has one.
    BackupExists,
    /// The named wallet backup or epoch does not exist.
    NotFound,
    /// Cloud storage is full.
    QuotaExceeded,
    /// No cloud account is signed in.
    NotSignedIn,
    /// The cloud session expired; sign in again.
    ReauthRequired,
    /// The provider is throttling requests.
    RateLimited,
    /// The network or the provider's servers failed.
    Network,
    /// A backup object (or export file) is damaged or not a Cairn backup.
    Corrupted,
    /// Made by a newer version of Cairn.
    UnsupportedVersion,
    /// The backup asks for KDF parameters beyond the hard bounds.
    KdfParamsOutOfBounds,
    /// The new backup password does not meet the policy.
    PasswordPolicy,
    /// The recovery phrase is not a valid BIP39 mnemonic.
    InvalidMnemonic,
    /// The private key is not valid.
    InvalidPrivateKey,
    /// The BIP39 passphrase does not match the backed-up wallet.
    PassphraseMismatch,
    /// The cloud provider cannot be used here (HMS Core, iCloud, region, …).
    ProviderUnavailable,
    /// The uploaded copy did not read back identical; nothing was replaced.
    VerificationFailed,
    /// Another device changed the backup concurrently.
    Conflict,
    /// The request itself is invalid (label too long, a confirmation that does not match, …).
    InvalidInput,
    /// The cloud answered in an unexpected way.
    CloudError,
    /// An internal failure (random number generator, KDF allocation, a bug).
    Internal,
}

impl ErrorKind {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::WrongPassword => "wrong_password",
            Self::NoBackupsFound => "no_backups_found",
            Self::BackupExists => "backup_exists",
            Self::NotFound => "not_found",
            Self::QuotaExceeded => "quota_exceeded",
            Self::NotSignedIn => "not_signed_in",
            Self::ReauthRequired => "reauth_required",
            Self::RateLimited => "rate_limited",
            Self::Network => "network",
            Self::Corrupted => "corrupted",
            Self::UnsupportedVersion => "unsupported_version",
            Self::KdfParamsOutOfBounds => "kdf_params_out_of_bounds",
            Self::PasswordPolicy => "password_policy",
            Self::InvalidMnemonic => "invalid_mnemonic",
            Self::InvalidPrivateKey => "invalid_private_key",
            Self::PassphraseMismatch => "passphrase_mismatch",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::VerificationFailed => "verification_failed",
            Self::Conflict => "conflict",
            Self::InvalidInput => "invalid_input",
            Self::CloudError => "cloud_error",
            Self::Internal => "internal",
        }
    }

    /// Every kind, for documentation and exhaustive tests.
    pub const ALL: [ErrorKind; 22] = [
        Self::WrongPassword,
        Self::NoBackupsFound,
        Self::BackupExists,
        Self::NotFound,
        Self::QuotaExceeded,
        Self::NotSignedIn,
        Self::ReauthRequired,
        Self::RateLimited,
        Self::Network,
        Self::Corrupted,
        Self::UnsupportedVersion,
        Self::KdfParamsOutOfBounds,
        Self::PasswordPolicy,
        Self::InvalidMnemonic,
        Self::InvalidPrivateKey,
        Self::PassphraseMismatch,
        Self::ProviderUnavailable,
        Self::VerificationFailed,
        Self::Conflict,
        Self::InvalidInput,
        Self::CloudError,
        Self::Internal,
    ];
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a read-back verification found wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerificationStage {
    /// The uploaded object could not be downloaded again.
    ReadBack,
    /// The downloaded bytes differ from the uploaded ones.
    BytesDiffer,
    /// The downloaded object did not decrypt (or unlock) as expected.
    Decrypt,
    /// It decrypted, but to a different wallet or epoch key.
    ContentDiffers,
}

/// What conflicting change another device made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictReason {
    /// Another device created a backup password at the same time, with a different password.
    ConcurrentEpochCreated,
    /// The unlocked epoch is no longer the active one (a newer password was started elsewhere).
    EpochNoLongerActive,
    /// The epoch holds a different number of wallets than the delete confirmation named.
    DeleteConfirmationStale,
    /// The cloud store reported a concurrent write.
    ConcurrentWrite,
}

/// Why a stored object counts as damaged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// The backup format refused the object.
    Format(FormatError),
    /// The object's header disagrees with its name in the cloud (moved or renamed object).
    NameMismatch,
    /// An export file that is not a valid container.
    ExportFile(&'static str),
}

/// The public error of every Cairn operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CairnError {
    /// Wrong backup password.
    #[error("wrong backup password")]
    WrongPassword,
    /// The account has no Cairn backups (or not the epoch that was asked for).
    #[error("no backups found for this account")]
    NoBackupsFound,
    /// Creating a first password, but one already exists.
    #[error("this account already has a backup password")]
    BackupExists,
    /// The named wallet backup or epoch does not exist.
    #[error("that backup does not exist (any more)")]
    NotFound,
    /// Storage full.
    #[error("cloud storage is full")]
    QuotaExceeded {
        /// Bytes used, when the provider said.
        used: Option<u64>,
        /// Account limit, when the provider said.
        limit: Option<u64>,
    },
    /// Not signed in.
    #[error("not signed in to the cloud account")]
    NotSignedIn,
    /// Session expired.
    #[error("the cloud session expired")]
    ReauthRequired,
    /// Throttled.
    #[error("the cloud provider is limiting requests")]
    RateLimited {
        /// How long the provider asked to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// Network or server failure.
    #[error("could not reach the cloud")]
    Network {
        /// What failed at the transport level, when known.
        kind: Option<NetworkErrorKind>,
    },
    /// Damaged backup object or export file.
    #[error("the backup is damaged")]
    Corrupted {
        /// Why.
        damage: Damage,
    },
    /// Newer format version.
    #[error("this backup was made by a newer version of the app (format version {found})")]
    UnsupportedVersion {
        /// The version byte found.
        found: u8,
    },
    /// KDF parameters beyond the hard bounds.
    #[error("the backup asks for unsafe password-hashing parameters: {reason}")]
    KdfParamsOutOfBounds {
        /// Which bound.
        reason: &'static str,
    },
    /// Password policy refusal.
    #[error("{0}")]
    PasswordPolicy(PasswordPolicyError),
    /// Invalid mnemonic.
    #[error("invalid recovery phrase: {0}")]
    InvalidMnemonic(MnemonicError),
    /// Invalid private key.
    #[error("invalid private key: {0}")]
    InvalidPrivateKey(PrivateKeyError),
    /// Wrong BIP39 passphrase for the backed-up wallet.
    #[error("the passphrase does not match this wallet")]
    PassphraseMismatch,
    /// Provider cannot be used.
    #[error("the cloud provider is unavailable ({reason:?})")]
    ProviderUnavailable {
        /// Why.
        reason: ProviderUnavailableReason,
    },
    /// Read-back verification failed.
    #[error("the uploaded backup could not be verified ({stage:?}); the previous backup is unchanged")]
    VerificationFailed {
        /// Which step failed.
        stage: VerificationStage,
    },
    /// Concurrent change by another device.
    #[error("another device changed the backup at the same time ({reason:?})")]
    Conflict {
        /// What happened.
        reason: ConflictReason,
    },
    /// Invalid request.
    #[error("invalid request: {what}")]
    InvalidInput {
        /// What is wrong (never the input itself).
        what: String,
    },
    /// Unexpected cloud answer.
    #[error("unexpected cloud error (status {status:?}, reason {provider_reason:?})")]
    Cloud {
        /// HTTP status or provider code.
        status: Option<u16>,
        /// Sanitised provider reason identifier.
        provider_reason: Option<String>,
    },
    /// Internal failure.
    #[error("internal error: {what}")]
    Internal {
        /// What failed (no secrets).
        what: String,
    },
}

impl CairnError {
    /// The stable kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::WrongPassword => ErrorKind::WrongPassword,
            Self::NoBackupsFound => ErrorKind::NoBackupsFound,
            Self::BackupExists => ErrorKind::BackupExists,
            Self::NotFound => ErrorKind::NotFound,
            Self::QuotaExceeded { .. } => ErrorKind::QuotaExceeded,
            Self::NotSignedIn => ErrorKind::NotSignedIn,
            Self::ReauthRequired => ErrorKind::ReauthRequired,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
            Self::Network { .. } => ErrorKind::Network,
            Self::Corrupted { .. } => ErrorKind::Corrupted,
            Self::UnsupportedVersion { .. } => ErrorKind::UnsupportedVersion,
            Self::KdfParamsOutOfBounds { .. } => ErrorKind::KdfParamsOutOfBounds,
            Self::PasswordPolicy(_) => ErrorKind::PasswordPolicy,
            Self::InvalidMnemonic(_) => ErrorKind::InvalidMnemonic,
            Self::InvalidPrivateKey(_) => ErrorKind::InvalidPrivateKey,
            Self::PassphraseMismatch => ErrorKind::PassphraseMismatch,
            Self::ProviderUnavailable { .. } => ErrorKind::ProviderUnavailable,
            Self::VerificationFailed { .. } => ErrorKind::VerificationFailed,
            Self::Conflict { .. } => ErrorKind::Conflict,
            Self::InvalidInput { .. } => ErrorKind::InvalidInput,
            Self::Cloud { .. } => ErrorKind::CloudError,
            Self::Internal { .. } => ErrorKind::Internal,
        }
    }

    /// A short sentence for the user.
    pub fn message(&self) -> String {
        let text = match self {
            Self::WrongPassword => "That backup password is not correct.",
            Self::NoBackupsFound => "No backups found for this account.",
            Self::BackupExists => "This account already has a backup password.",
            Self::NotFound => "That backup no longer exists.",
            Self::QuotaExceeded { .. } => "Your cloud storage is full.",
            Self::NotSignedIn => "You are not signed in to your cloud account.",
            Self::ReauthRequired => "Your cloud session has expired.",
            Self::RateLimited { .. } => "The cloud service is busy and asked us to slow down.",
            Self::Network { .. } => "Could not reach your cloud storage.",
            Self::Corrupted { .. } => "The backup is damaged and cannot be read.",
            Self::UnsupportedVersion { .. } => "This backup was made by a newer version of the app.",
            Self::KdfParamsOutOfBounds { .. } => "This backup asks for unsafe settings and was not opened.",
            Self::PasswordPolicy(policy) => return capitalised(&policy.to_string()),
            Self::InvalidMnemonic(error) => return capitalised(&error.to_string()),
            Self::InvalidPrivateKey(error) => return capitalised(&error.to_string()),
            Self::PassphraseMismatch => "The passphrase does not match this wallet.",
            Self::ProviderUnavailable { reason } => provider_message(*reason),
            Self::VerificationFailed { .. } => {
                "The backup could not be confirmed after upload; your previous backup is unchanged."
            }
            Self::Conflict { reason } => match reason {
                ConflictReason::ConcurrentEpochCreated => {
                    "Another device set a different backup password for this account at the same time."
                }
                ConflictReason::EpochNoLongerActive => "A newer backup password was set on another device.",
                ConflictReason::DeleteConfirmationStale => {
                    "The backups changed since you confirmed the deletion; nothing was deleted."
                }
                ConflictReason::ConcurrentWrite => "Another device changed your backups at the same time.",
            },
            Self::InvalidInput { what } => return capitalised(&format!("invalid input: {what}")),
            Self::Cloud { .. } => "The cloud service answered unexpectedly.",
            Self::Internal { .. } => "Something went wrong inside the app.",
        };
        text.to_owned()
    }

    /// What the user can do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            Self::WrongPassword => {
                "The backup password is case- and symbol-sensitive: check caps lock, the keyboard \
                 language and accidental spaces, then try again."
            }
            Self::NoBackupsFound => {
                "No backups found for this account: check you are signed in to the account you used \
                 for the backup."
            }
            Self::BackupExists => {
                "This account already has a backup password: enter it to add this wallet, or start a \
                 new password if you have forgotten it."
            }
            Self::NotFound => "Refresh the list of backups; it may have been deleted from another device.",
            Self::QuotaExceeded { .. } => {
                "Free up space in your cloud storage or upgrade your plan, then retry."
            }
            Self::NotSignedIn => "Sign in to your cloud account, then retry.",
            Self::ReauthRequired => "Your session expired: sign in to your cloud account again, then retry.",
            Self::RateLimited { .. } => {
                "The cloud provider asked us to slow down: wait a minute, then retry."
            }
            Self::Network { .. } | Self::Cloud { .. } => "Check your internet connection, then retry.",
            Self::Corrupted { .. } => {
                "This copy cannot be used. Other wallets are unaffected; back this wallet up again \
                 from a device that still has it, or use your written-down recovery phrase."
            }
            Self::UnsupportedVersion { .. } => "Update the app to the latest version, then restore again.",
            Self::KdfParamsOutOfBounds { .. } => {
                "This backup was not made by a genuine Cairn app, or was tampered with; it was not opened."
            }
            Self::PasswordPolicy(_) => {
                "Choose a backup password of at least 6 characters that differs from your wallet \
                 password. Any characters are fine; longer is stronger."
            }
            Self::InvalidMnemonic(_) => "Check every word of the recovery phrase and their order.",
            Self::InvalidPrivateKey(_) => {
                "Check the private key for typos and that the right key type is chosen."
            }
            Self::PassphraseMismatch => {
                "The passphrase (the 25th word) is case-, space- and symbol-sensitive: check it and try again."
            }
            Self::ProviderUnavailable { reason } => provider_hint(*reason),
            Self::VerificationFailed { .. } => {
                "The upload could not be confirmed; your previous backup is unchanged. Retry; if it \
                 keeps failing, check your connection and free cloud space."
            }
            Self::Conflict { .. } => {
                "Another device changed your backups at the same time: unlock again and retry."
            }
            Self::InvalidInput { .. } => "Correct the input and retry.",
            Self::Internal { .. } => "Restart the app and retry; if it keeps happening, report it.",
        }
    }

    /// Whether retrying the same operation later may succeed without user action.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Network { .. }
                | Self::RateLimited { .. }
                | Self::Conflict { .. }
                | Self::VerificationFailed { .. }
        )
    }

    pub(crate) fn corrupted(damage: Damage) -> Self {
        Self::Corrupted { damage }
    }

    pub(crate) fn invalid(what: impl Into<String>) -> Self {
        Self::InvalidInput { what: what.into() }
    }

    pub(crate) fn internal(what: impl Into<String>) -> Self {
        Self::Internal { what: what.into() }
    }

    pub(crate) fn verification(stage: VerificationStage) -> Self {
        Self::VerificationFailed { stage }
    }

    pub(crate) fn conflict(reason: ConflictReason) -> Self {
        Self::Conflict { reason }
    }
}

/// First letter upper case, final full stop: lower-crate error texts as sentences.
fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    let mut sentence: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !sentence.ends_with('.') {
        sentence.push('.');
    }
    sentence
}

fn provider_message(reason: ProviderUnavailableReason) -> &'static str {
    use ProviderUnavailableReason as R;
    match reason {
        R::HmsCoreMissing | R::HmsCoreOutdated | R::HmsCoreDisabled | R::HmsCoreInvalid => {
            "HMS Core is missing, outdated or disabled on this device."
        }
        R::ICloudSignedOut => "No iCloud account is signed in on this device.",
        R::ICloudUnavailable | R::ICloudTemporarilyUnavailable => "iCloud is not available right now.",
        R::ICloudRestricted => "iCloud access is restricted on this device.",
        R::GoogleServicesMissing => "Google Play services are missing on this device.",
        R::HuaweiCloudAgreementNotAccepted => "The HUAWEI Cloud user agreement has not been accepted.",
        R::RegionUnsupported => "The cloud service is not offered in your account's region.",
        R::PermissionNotGranted => "The app was not allowed to store its data in your cloud.",
        R::AppNotConfigured => "This app is not set up for this cloud provider.",
        R::AccountRestricted => "Your cloud account's access is restricted.",
        R::DeviceUnsupported => "This device is too old for the cloud service.",
    }
}

fn provider_hint(reason: ProviderUnavailableReason) -> &'static str {
    use ProviderUnavailableReason as R;
    match reason {
        R::HmsCoreMissing | R::HmsCoreOutdated | R::HmsCoreDisabled | R::HmsCoreInvalid => {
            "Open AppGallery, search \"HMS Core\", install or update it, then restart the app."
        }
        R::ICloudSignedOut => "Sign in to iCloud in Settings, then retry.",
        R::ICloudUnavailable | R::ICloudTemporarilyUnavailable => "Wait a moment, then retry.",
        R::ICloudRestricted => "Allow iCloud for this app in Screen Time or device management settings.",
        R::GoogleServicesMissing => "Install or update Google Play services, then restart the app.",
        R::HuaweiCloudAgreementNotAccepted => {
            "Open HUAWEI Cloud (cloud.huawei.com) and accept the user agreement, then retry."
        }
        R::RegionUnsupported => "Use another cloud provider or a file export for this backup.",
        R::PermissionNotGranted => "Sign in again and allow the app to store its data, then retry.",
        R::AppNotConfigured => "Update the app; if it persists, contact the app's support.",
        R::AccountRestricted => "Check your cloud account's settings or contact the provider.",
        R::DeviceUnsupported => "Use a file export, or back up from another device.",
    }
}

impl From<CloudError> for CairnError {
    fn from(error: CloudError) -> Self {
        match error {
            CloudError::ReSignInRequired => Self::ReauthRequired,
            CloudError::NotSignedIn => Self::NotSignedIn,
            CloudError::QuotaExceeded { used, limit } => Self::QuotaExceeded { used, limit },
            CloudError::RateLimited { retry_after } => Self::RateLimited { retry_after },
            CloudError::NotFound => Self::NotFound,
            CloudError::Conflict => Self::conflict(ConflictReason::ConcurrentWrite),
            CloudError::Network { kind } => Self::Network { kind: Some(kind) },
            CloudError::ProviderUnavailable { reason } => Self::ProviderUnavailable { reason },
            // A response we refused to trust (bad checksum, malformed JSON): transport trouble.
            CloudError::CorruptedResponse { .. } => Self::Network { kind: None },
            CloudError::InvalidObject { violation } => {
                Self::internal(format!("object refused by the store rules: {violation:?}"))
            }
            CloudError::Unexpected { status, provider_reason } => Self::Cloud { status, provider_reason },
        }
    }
}

impl From<FormatError> for CairnError {
    fn from(error: FormatError) -> Self {
        match error {
            FormatError::WrongPassword => Self::WrongPassword,
            FormatError::UnsupportedVersion { found } => Self::UnsupportedVersion { found },
            FormatError::KdfParamsOutOfBounds { reason } => Self::KdfParamsOutOfBounds { reason },
            FormatError::Kdf(kdf) => Self::from(kdf),
            FormatError::RandomUnavailable => Self::internal("system random number generator unavailable"),
            FormatError::Primitive(primitive) => Self::internal(format!("primitive failed: {primitive:?}")),
            damaged => Self::corrupted(Damage::Format(damaged)),
        }
    }
}

impl From<KdfError> for CairnError {
    fn from(error: KdfError) -> Self {
        match error {
            KdfError::OutOfBounds { reason } => Self::KdfParamsOutOfBounds { reason },
            KdfError::TooWeak { reason } => Self::invalid(format!("KDF parameters too weak: {reason}")),
            KdfError::Failed { reason } => Self::internal(format!("KDF failed: {reason}")),
        }
    }
}

impl From<PlaintextError> for CairnError {
    fn from(error: PlaintextError) -> Self {
        match error {
            PlaintextError::PrivateKey(key) => Self::InvalidPrivateKey(key),
            other => Self::invalid(other.to_string()),
        }
    }
}

impl From<MnemonicError> for CairnError {
    fn from(error: MnemonicError) -> Self {
        match error {
            MnemonicError::Rng(_) => Self::internal("system random number generator unavailable"),
            other => Self::InvalidMnemonic(other),
        }
    }
}

impl From<PrivateKeyError> for CairnError {
    fn from(error: PrivateKeyError) -> Self {
        Self::InvalidPrivateKey(error)
    }
}

impl From<PasswordPolicyError> for CairnError {
    fn from(error: PasswordPolicyError) -> Self {
        Self::PasswordPolicy(error)
    }
}

impl From<Bip32Error> for CairnError {
    fn from(error: Bip32Error) -> Self {
        Self::internal(error.to_string())
    }
}

impl From<tokio::task::JoinError> for CairnError {
    fn from(_: tokio::task::JoinError) -> Self {
        Self::internal("a background task failed")
    }
}

impl From<getrandom::Error> for CairnError {
    fn from(_: getrandom::Error) -> Self {
        Self::internal("system random number generator unavailable")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_unique_snake_case() {
        let names: std::collections::BTreeSet<_> = ErrorKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(names.len(), ErrorKind::ALL.len());
        for name in names {
            assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{name}");
        }
    }

    #[test]
    fn design_wordings() {
        assert!(
            CairnError::NoBackupsFound.hint().contains("check you are signed in to the account you used")
        );
        let wrong = CairnError::WrongPassword.hint();
        for needle in ["case-", "caps lock", "keyboard language", "spaces"] {
            assert!(wrong.contains(needle), "{needle}");
        }
        let quota = CairnError::from(CloudError::QuotaExceeded { used: None, limit: None });
        assert_eq!(quota.kind(), ErrorKind::QuotaExceeded);
        assert!(quota.hint().contains("upgrade") && quota.hint().contains("retry"));
        let hms = CairnError::from(CloudError::ProviderUnavailable {
            reason: ProviderUnavailableReason::HmsCoreOutdated,
        });
        assert_eq!(hms.kind().as_str(), "provider_unavailable");
        assert!(hms.hint().contains("AppGallery") && hms.hint().contains("\"HMS Core\""));
        assert!(hms.hint().contains("restart the app"));
    }

    #[test]
    fn conversions() {
        assert_eq!(CairnError::from(FormatError::WrongPassword).kind(), ErrorKind::WrongPassword);
        assert_eq!(CairnError::from(FormatError::Corrupted).kind(), ErrorKind::Corrupted);
        assert_eq!(CairnError::from(FormatError::AuthenticationFailed).kind(), ErrorKind::Corrupted);
        assert_eq!(
            CairnError::from(FormatError::UnsupportedVersion { found: 2 }).kind(),
            ErrorKind::UnsupportedVersion
        );
        assert_eq!(
            CairnError::from(FormatError::KdfParamsOutOfBounds { reason: "x" }).kind(),
            ErrorKind::KdfParamsOutOfBounds
        );
        assert_eq!(CairnError::from(CloudError::ReSignInRequired).kind(), ErrorKind::ReauthRequired);
        assert_eq!(CairnError::from(CloudError::NotSignedIn).kind(), ErrorKind::NotSignedIn);
        assert_eq!(
            CairnError::from(CloudError::RateLimited { retry_after: None }).kind(),
            ErrorKind::RateLimited
        );
        assert_eq!(
            CairnError::from(CloudError::Network { kind: NetworkErrorKind::Timeout }).kind(),
            ErrorKind::Network
        );
        assert_eq!(CairnError::from(MnemonicError::BadChecksum).kind(), ErrorKind::InvalidMnemonic);
        assert_eq!(CairnError::from(PrivateKeyError::InvalidHex).kind(), ErrorKind::InvalidPrivateKey);
        assert_eq!(
            CairnError::from(PasswordPolicyError::TooShort { min_chars: 6 }).kind(),
            ErrorKind::PasswordPolicy
        );
    }

    #[test]
    fn every_error_has_message_and_hint() {
        let samples = [
            CairnError::WrongPassword,
            CairnError::NoBackupsFound,
            CairnError::BackupExists,
            CairnError::NotFound,
            CairnError::QuotaExceeded { used: None, limit: None },
            CairnError::NotSignedIn,
            CairnError::ReauthRequired,
            CairnError::RateLimited { retry_after: None },
            CairnError::Network { kind: None },
            CairnError::corrupted(Damage::NameMismatch),
            CairnError::UnsupportedVersion { found: 2 },
            CairnError::KdfParamsOutOfBounds { reason: "memory above 256 MiB" },
            CairnError::PasswordPolicy(PasswordPolicyError::TooShort { min_chars: 6 }),
            CairnError::InvalidMnemonic(MnemonicError::UnknownWord { position: 3 }),
            CairnError::InvalidPrivateKey(PrivateKeyError::BadWifChecksum),
            CairnError::PassphraseMismatch,
            CairnError::ProviderUnavailable { reason: ProviderUnavailableReason::HmsCoreMissing },
            CairnError::verification(VerificationStage::BytesDiffer),
            CairnError::conflict(ConflictReason::ConcurrentEpochCreated),
            CairnError::conflict(ConflictReason::EpochNoLongerActive),
            CairnError::conflict(ConflictReason::DeleteConfirmationStale),
            CairnError::conflict(ConflictReason::ConcurrentWrite),
            CairnError::invalid("label too long"),
            CairnError::Cloud { status: Some(418), provider_reason: None },
            CairnError::internal("rng"),
        ];
        let mut kinds = std::collections::BTreeSet::new();
        for error in samples {
            let message = error.message();
            assert!(message.ends_with('.'), "{message}");
            assert!(message.chars().next().is_some_and(char::is_uppercase), "{message}");
            assert!(!message.contains("Reason") && !message.contains("Stage"), "{message}");
            assert!(error.hint().ends_with('.') || error.hint().ends_with("retry"), "{}", error.hint());
            kinds.insert(error.kind());
        }
        assert_eq!(kinds.len(), ErrorKind::ALL.len(), "every kind has a sample");
        assert_eq!(
            CairnError::PasswordPolicy(PasswordPolicyError::TooShort { min_chars: 6 }).message(),
            "The backup password must be at least 6 characters long."
        );
    }
}
