//! Error presentation: every `CairnError` becomes a title, the core's message and hint, and the
//! actions a screen offers (a primary button and others). Shells render it; they never inspect
//! error kinds themselves.

use cairn_cloud::ProviderUnavailableReason;
use cairn_core::{CairnError, ErrorKind};

use crate::provider::CloudProvider;

/// Something the user can do about a problem. The shell maps each to a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecoveryAction {
    /// Try the same thing again (`AppSession::retry`).
    Retry,
    /// Type the backup password again (stay on the prompt).
    ReEnterPassword,
    /// "I forgot my backup password": start a new one (a new epoch; older backups stay
    /// restorable with the old password).
    ForgotPassword,
    /// Sign in to the cloud account again, then `AppSession::refresh`.
    SignInAgain,
    /// Sign out and choose another cloud account.
    SwitchAccount,
    /// Open the provider's storage settings and free up or buy space.
    FreeUpStorage,
    /// Open AppGallery, search "HMS Core", install or update it, restart the app.
    InstallOrUpdateHmsCore,
    /// Install or update Google Play services.
    InstallOrUpdatePlayServices,
    /// Open the iCloud settings (sign in / allow iCloud for this app).
    OpenICloudSettings,
    /// Choose another cloud provider.
    ChooseAnotherProvider,
    /// Update the app.
    UpdateApp,
    /// Correct what was typed (recovery phrase, key, passphrase, password form).
    CorrectInput,
    /// Set up a first backup on this account instead.
    StartFirstBackup,
    /// Close the message.
    Dismiss,
}

impl RecoveryAction {
    /// A short English button label (shells may localise by action).
    pub const fn label(self) -> &'static str {
        match self {
            RecoveryAction::Retry => "Try again",
            RecoveryAction::ReEnterPassword => "Re-enter password",
            RecoveryAction::ForgotPassword => "I forgot my password",
            RecoveryAction::SignInAgain => "Sign in again",
            RecoveryAction::SwitchAccount => "Use another account",
            RecoveryAction::FreeUpStorage => "Manage storage",
            RecoveryAction::InstallOrUpdateHmsCore => "Open AppGallery",
            RecoveryAction::InstallOrUpdatePlayServices => "Update Google Play services",
            RecoveryAction::OpenICloudSettings => "Open iCloud settings",
            RecoveryAction::ChooseAnotherProvider => "Choose another cloud",
            RecoveryAction::UpdateApp => "Update the app",
            RecoveryAction::CorrectInput => "Edit",
            RecoveryAction::StartFirstBackup => "Set up a new backup",
            RecoveryAction::Dismiss => "Close",
        }
    }
}

/// How a screen shows one failure. Never carries secrets: the texts come from the error's
/// kind and its secret-free message and hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorPresentation {
    /// The stable kind.
    pub kind: ErrorKind,
    /// A short heading.
    pub title: String,
    /// What happened (the core's sentence).
    pub message: String,
    /// What the user can do (the core's hint, made provider-specific for storage).
    pub hint: String,
    /// The main button.
    pub primary: RecoveryAction,
    /// Further buttons, most useful first.
    pub secondary: Vec<RecoveryAction>,
    /// Whether the same operation may succeed later without the user changing anything.
    pub retryable: bool,
}

/// Presents a core error. `provider` (when known) makes storage and sign-in guidance name the
/// right cloud.
pub fn present(error: &CairnError, provider: Option<CloudProvider>) -> ErrorPresentation {
    let reason = match error {
        CairnError::ProviderUnavailable { reason } => Some(*reason),
        _ => None,
    };
    let mut message = error.message();
    if let CairnError::QuotaExceeded { used: Some(used), limit: Some(limit) } = error {
        message = format!("{} ({} of {} used.)", message.trim_end_matches('.'), bytes(*used), bytes(*limit));
    }
    present_parts(error.kind(), reason, message, error.hint().to_owned(), error.is_retryable(), provider)
}

/// Presents an error the host only has as parts (kind, message, hint), e.g. one thrown by the
/// plain bindings. `reason` refines `ProviderUnavailable`.
pub fn present_parts(
    kind: ErrorKind,
    reason: Option<ProviderUnavailableReason>,
    message: String,
    hint: String,
    retryable: bool,
    provider: Option<CloudProvider>,
) -> ErrorPresentation {
    use RecoveryAction as A;
    let (title, primary, secondary): (&str, RecoveryAction, Vec<RecoveryAction>) = match kind {
        ErrorKind::WrongPassword => ("Wrong backup password", A::ReEnterPassword, vec![A::ForgotPassword]),
        ErrorKind::NoBackupsFound => {
            ("No backups in this account", A::SwitchAccount, vec![A::StartFirstBackup, A::Retry])
        }
        ErrorKind::BackupExists => {
            ("This account already has a backup password", A::ReEnterPassword, vec![A::ForgotPassword])
        }
        ErrorKind::NotFound => ("Backup not found", A::Retry, vec![A::Dismiss]),
        ErrorKind::QuotaExceeded => ("Cloud storage full", A::FreeUpStorage, vec![A::Retry, A::Dismiss]),
        ErrorKind::NotSignedIn => ("Not signed in", A::SignInAgain, vec![A::SwitchAccount]),
        ErrorKind::ReauthRequired => ("Sign in again", A::SignInAgain, vec![A::SwitchAccount]),
        ErrorKind::RateLimited => ("Cloud busy", A::Retry, vec![A::Dismiss]),
        ErrorKind::Network | ErrorKind::CloudError => ("Connection problem", A::Retry, vec![A::Dismiss]),
        ErrorKind::Corrupted => ("Backup damaged", A::Dismiss, vec![A::Retry]),
        ErrorKind::UnsupportedVersion => ("Update needed", A::UpdateApp, vec![A::Dismiss]),
        ErrorKind::KdfParamsOutOfBounds => ("Backup refused", A::Dismiss, vec![]),
        ErrorKind::PasswordPolicy => ("Choose another password", A::CorrectInput, vec![]),
        ErrorKind::InvalidMnemonic => ("Check the recovery phrase", A::CorrectInput, vec![]),
        ErrorKind::InvalidPrivateKey => ("Check the private key", A::CorrectInput, vec![]),
        ErrorKind::PassphraseMismatch => ("Check the passphrase", A::CorrectInput, vec![]),
        ErrorKind::ProviderUnavailable => provider_actions(reason),
        ErrorKind::VerificationFailed => ("Backup not confirmed", A::Retry, vec![A::Dismiss]),
        ErrorKind::Conflict => ("Changed on another device", A::Retry, vec![A::Dismiss]),
        ErrorKind::InvalidInput => ("Check your input", A::CorrectInput, vec![A::Dismiss]),
        _ => ("Something went wrong", A::Retry, vec![A::Dismiss]),
    };
    // iCloud has no in-app sign-in: the account lives in the system settings.
    let (primary, secondary) = match (kind, provider) {
        (ErrorKind::NotSignedIn | ErrorKind::ReauthRequired, Some(CloudProvider::ICloud)) => (
            RecoveryAction::OpenICloudSettings,
            vec![RecoveryAction::Retry, RecoveryAction::ChooseAnotherProvider],
        ),
        _ => (primary, secondary),
    };
    let hint = match (kind, provider) {
        (ErrorKind::QuotaExceeded, Some(provider)) => storage_guidance(provider).to_owned(),
        _ => hint,
    };
    ErrorPresentation { kind, title: title.to_owned(), message, hint, primary, secondary, retryable }
}

fn provider_actions(
    reason: Option<ProviderUnavailableReason>,
) -> (&'static str, RecoveryAction, Vec<RecoveryAction>) {
    use ProviderUnavailableReason as R;
    use RecoveryAction as A;
    match reason {
        Some(R::HmsCoreMissing | R::HmsCoreOutdated | R::HmsCoreDisabled | R::HmsCoreInvalid) => {
            ("HMS Core needed", A::InstallOrUpdateHmsCore, vec![A::ChooseAnotherProvider])
        }
        Some(R::GoogleServicesMissing) => {
            ("Google Play services needed", A::InstallOrUpdatePlayServices, vec![A::ChooseAnotherProvider])
        }
        Some(R::ICloudSignedOut | R::ICloudRestricted) => {
            ("iCloud not available", A::OpenICloudSettings, vec![A::ChooseAnotherProvider])
        }
        Some(R::ICloudUnavailable | R::ICloudTemporarilyUnavailable) => {
            ("iCloud not available", A::Retry, vec![A::OpenICloudSettings, A::ChooseAnotherProvider])
        }
        Some(R::PermissionNotGranted) => {
            ("Permission needed", A::SignInAgain, vec![A::ChooseAnotherProvider])
        }
        Some(R::HuaweiCloudAgreementNotAccepted) => {
            ("Agreement needed", A::Retry, vec![A::ChooseAnotherProvider])
        }
        Some(R::AppNotConfigured) => ("Provider not set up", A::UpdateApp, vec![A::ChooseAnotherProvider]),
        _ => ("Cloud not available", A::ChooseAnotherProvider, vec![A::Dismiss]),
    }
}

/// Where each provider's storage is managed. Facts about the providers' own settings screens.
fn storage_guidance(provider: CloudProvider) -> &'static str {
    match provider {
        CloudProvider::GoogleDrive => {
            "Your Google storage (shared by Drive, Gmail and Photos) is full. Delete large files or buy \
             more storage at one.google.com/storage, then retry. Backups are only a few kilobytes."
        }
        CloudProvider::HuaweiDrive => {
            "Your HUAWEI Cloud storage is full. Open Settings > HUAWEI ID > Cloud to free up space or \
             upgrade, then retry. Backups are only a few kilobytes."
        }
        CloudProvider::ICloud => {
            "Your iCloud storage is full. Open Settings > [your name] > iCloud > Manage Account Storage \
             to free up space or upgrade, then retry. Backups are only a few kilobytes."
        }
    }
}

fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KB", "MB", "GB", "TB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    let name = UNITS.get(unit).copied().unwrap_or("B");
    if unit == 0 { format!("{n} B") } else { format!("{value:.1} {name}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cairn_core::{ConflictReason, Damage, VerificationStage};

    fn sample(kind: ErrorKind) -> CairnError {
        use cairn_crypto::MnemonicError;
        use cairn_crypto::password::PasswordPolicyError;
        match kind {
            ErrorKind::WrongPassword => CairnError::WrongPassword,
            ErrorKind::NoBackupsFound => CairnError::NoBackupsFound,
            ErrorKind::BackupExists => CairnError::BackupExists,
            ErrorKind::NotFound => CairnError::NotFound,
            ErrorKind::QuotaExceeded => {
                CairnError::QuotaExceeded { used: Some(15_000_000_000), limit: Some(15_000_000_000) }
            }
            ErrorKind::NotSignedIn => CairnError::NotSignedIn,
            ErrorKind::ReauthRequired => CairnError::ReauthRequired,
            ErrorKind::RateLimited => CairnError::RateLimited { retry_after: None },
            ErrorKind::Network => CairnError::Network { kind: None },
            ErrorKind::Corrupted => CairnError::Corrupted { damage: Damage::NameMismatch },
            ErrorKind::UnsupportedVersion => CairnError::UnsupportedVersion { found: 9 },
            ErrorKind::KdfParamsOutOfBounds => CairnError::KdfParamsOutOfBounds { reason: "memory" },
            ErrorKind::PasswordPolicy => {
                CairnError::PasswordPolicy(PasswordPolicyError::TooShort { min_chars: 6 })
            }
            ErrorKind::InvalidMnemonic => CairnError::InvalidMnemonic(MnemonicError::BadChecksum),
            ErrorKind::InvalidPrivateKey => {
                CairnError::InvalidPrivateKey(cairn_crypto::PrivateKeyError::InvalidHex)
            }
            ErrorKind::PassphraseMismatch => CairnError::PassphraseMismatch,
            ErrorKind::ProviderUnavailable => {
                CairnError::ProviderUnavailable { reason: ProviderUnavailableReason::HmsCoreDisabled }
            }
            ErrorKind::VerificationFailed => {
                CairnError::VerificationFailed { stage: VerificationStage::BytesDiffer }
            }
            ErrorKind::Conflict => CairnError::Conflict { reason: ConflictReason::EpochNoLongerActive },
            ErrorKind::InvalidInput => CairnError::InvalidInput { what: "label too long".into() },
            ErrorKind::CloudError => CairnError::Cloud { status: Some(500), provider_reason: None },
            _ => CairnError::Internal { what: "rng".into() },
        }
    }

    #[test]
    fn every_kind_has_a_title_an_action_and_the_core_texts() {
        for kind in ErrorKind::ALL {
            let error = sample(kind);
            assert_eq!(error.kind(), kind);
            let shown = present(&error, None);
            assert_eq!(shown.kind, kind);
            assert!(!shown.title.is_empty());
            assert!(!shown.secondary.contains(&shown.primary), "{kind}");
            assert_eq!(shown.hint, error.hint(), "{kind}");
            assert_eq!(shown.retryable, error.is_retryable());
        }
    }

    #[test]
    fn the_demanding_user_table() {
        let wrong = present(&CairnError::WrongPassword, None);
        assert_eq!(
            (wrong.primary, wrong.secondary.clone()),
            (RecoveryAction::ReEnterPassword, vec![RecoveryAction::ForgotPassword])
        );
        let none = present(&CairnError::NoBackupsFound, None);
        assert_eq!(none.primary, RecoveryAction::SwitchAccount);
        assert!(none.hint.contains("signed in to the account you used"));
        assert_eq!(present(&CairnError::ReauthRequired, None).primary, RecoveryAction::SignInAgain);
        assert_eq!(present(&CairnError::NotSignedIn, None).primary, RecoveryAction::SignInAgain);
        let hms = present(&sample(ErrorKind::ProviderUnavailable), None);
        assert_eq!(hms.primary, RecoveryAction::InstallOrUpdateHmsCore);
        assert!(
            hms.hint.contains("Open AppGallery, search \"HMS Core\", install or update it, then restart")
        );
    }

    #[test]
    fn storage_full_names_the_provider_and_the_numbers() {
        let error = sample(ErrorKind::QuotaExceeded);
        let google = present(&error, Some(CloudProvider::GoogleDrive));
        assert_eq!(google.primary, RecoveryAction::FreeUpStorage);
        assert!(google.hint.contains("one.google.com"), "{}", google.hint);
        assert!(google.message.contains("15.0 GB of 15.0 GB used"), "{}", google.message);
        assert!(present(&error, Some(CloudProvider::ICloud)).hint.contains("Manage Account Storage"));
        assert!(present(&error, Some(CloudProvider::HuaweiDrive)).hint.contains("HUAWEI ID"));
        let unknown = present(&CairnError::QuotaExceeded { used: None, limit: None }, None);
        assert_eq!(unknown.message, "Your cloud storage is full.");
    }

    #[test]
    fn signed_out_of_icloud_opens_the_settings_not_a_sign_in() {
        let shown = present(&CairnError::NotSignedIn, Some(CloudProvider::ICloud));
        assert_eq!(shown.primary, RecoveryAction::OpenICloudSettings);
        assert!(!shown.secondary.contains(&RecoveryAction::SignInAgain));
        assert_eq!(
            present(&CairnError::NotSignedIn, Some(CloudProvider::GoogleDrive)).primary,
            RecoveryAction::SignInAgain
        );
    }

    #[test]
    fn byte_sizes() {
        assert_eq!(bytes(999), "999 B");
        assert_eq!(bytes(1_500), "1.5 KB");
        assert_eq!(bytes(u64::MAX), "18446744.1 TB");
    }
}
