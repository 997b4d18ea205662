//! The shared app logic (`cairn-app`) for Kotlin and Swift: provider choice, emulator
//! configuration, error presentation, password feedback and the per-account screen state
//! machine. Conversions only; the logic and its tests live in `crates/cairn-app`.
//!
//! Secrets arrive as `String` and move straight into the core's secret types (wiped on drop);
//! screens carry no secret except restored-wallet handles, which the session wipes when the
//! results screen is left (or `wipe()` does earlier).

use std::fmt;
use std::sync::Arc;

use cairn_app as app;
use cairn_cloud::cloudkit::CloudKitStore;
use cairn_cloud::google_drive::{DriveConfig, GoogleDriveStore};
use cairn_cloud::huawei_drive::HuaweiDriveStore;
use cairn_cloud::memory::MemoryStore;
use cairn_core::{BackupPassword, CloudStore, SecretString};
use cairn_crypto::Language;
use cairn_crypto::private_key::{KeyEncoding, WifNetwork};

use crate::error::{CairnError, ErrorKind};
use crate::foreign::{
    CloudKitBridge, CloudKitBridgeAdapter, ProviderUnavailableReason, TokenProvider, TokenProviderAdapter,
};
use crate::records::{BackupReceipt, RestoredWalletInfo, WalletHealth, WalletHealthQuery, WalletKind};

fn invalid(what: &str) -> CairnError {
    cairn_core::CairnError::InvalidInput { what: what.to_owned() }.into()
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

// ---------------------------------------------------------------- provider choice

/// The platform the app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Platform {
    Android,
    Ios,
    HarmonyOs,
    Desktop,
}

impl From<Platform> for app::Platform {
    fn from(p: Platform) -> Self {
        match p {
            Platform::Android => Self::Android,
            Platform::Ios => Self::Ios,
            Platform::HarmonyOs => Self::HarmonyOs,
            Platform::Desktop => Self::Desktop,
        }
    }
}

/// A cloud the backups can live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CloudProvider {
    GoogleDrive,
    HuaweiDrive,
    ICloud,
}

impl From<CloudProvider> for app::CloudProvider {
    fn from(p: CloudProvider) -> Self {
        match p {
            CloudProvider::GoogleDrive => Self::GoogleDrive,
            CloudProvider::HuaweiDrive => Self::HuaweiDrive,
            CloudProvider::ICloud => Self::ICloud,
        }
    }
}

impl From<app::CloudProvider> for CloudProvider {
    fn from(p: app::CloudProvider) -> Self {
        match p {
            app::CloudProvider::GoogleDrive => Self::GoogleDrive,
            app::CloudProvider::HuaweiDrive => Self::HuaweiDrive,
            app::CloudProvider::ICloud => Self::ICloud,
        }
    }
}

/// Raw probe results: `GoogleApiAvailability` and `HuaweiApiAvailability` codes (Android) and
/// the `CKAccountStatus` raw value (iOS). `null` = not probed in this build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PlatformProbes {
    pub google_play_services: Option<i32>,
    pub hms_core: Option<i32>,
    pub icloud_account_status: Option<i64>,
}

/// One provider for the "where to back up" screen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ProviderOption {
    pub provider: CloudProvider,
    pub display_name: String,
    pub available: bool,
    pub unavailable_reason: Option<ProviderUnavailableReason>,
    pub presentation: Option<ErrorPresentation>,
    pub recommended: bool,
}

fn reason_out(reason: cairn_cloud::ProviderUnavailableReason) -> ProviderUnavailableReason {
    use ProviderUnavailableReason as R;
    use cairn_cloud::ProviderUnavailableReason as C;
    match reason {
        C::HmsCoreMissing => R::HmsCoreMissing,
        C::HmsCoreOutdated => R::HmsCoreOutdated,
        C::HmsCoreDisabled => R::HmsCoreDisabled,
        C::HmsCoreInvalid => R::HmsCoreInvalid,
        C::DeviceUnsupported => R::DeviceUnsupported,
        C::ICloudUnavailable => R::ICloudUnavailable,
        C::ICloudSignedOut => R::ICloudSignedOut,
        C::ICloudRestricted => R::ICloudRestricted,
        C::ICloudTemporarilyUnavailable => R::ICloudTemporarilyUnavailable,
        C::GoogleServicesMissing => R::GoogleServicesMissing,
        C::HuaweiCloudAgreementNotAccepted => R::HuaweiCloudAgreementNotAccepted,
        C::RegionUnsupported => R::RegionUnsupported,
        C::PermissionNotGranted => R::PermissionNotGranted,
        C::AppNotConfigured => R::AppNotConfigured,
        C::AccountRestricted => R::AccountRestricted,
    }
}

/// The providers to offer on `platform`, available ones first; the first available one is
/// `recommended`. Unavailable ones carry the reason and what to show (e.g. the HMS Core guidance).
#[uniffi::export]
pub fn provider_options(platform: Platform, probes: PlatformProbes) -> Vec<ProviderOption> {
    let probes = app::PlatformProbes {
        google_play_services: probes.google_play_services,
        hms_core: probes.hms_core,
        icloud_account_status: probes.icloud_account_status,
    };
    app::provider_options(platform.into(), probes)
        .into_iter()
        .map(|o| ProviderOption {
            provider: o.provider.into(),
            display_name: o.provider.display_name().to_owned(),
            available: o.available,
            unavailable_reason: o.unavailable_reason.map(reason_out),
            presentation: o.presentation.map(Into::into),
            recommended: o.recommended,
        })
        .collect()
}

// ---------------------------------------------------------------- error presentation

/// Something the user can do about a problem; the shell maps each to a button.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RecoveryAction {
    Retry,
    ReEnterPassword,
    ForgotPassword,
    SignInAgain,
    SwitchAccount,
    FreeUpStorage,
    InstallOrUpdateHmsCore,
    InstallOrUpdatePlayServices,
    OpenICloudSettings,
    ChooseAnotherProvider,
    UpdateApp,
    CorrectInput,
    StartFirstBackup,
    Dismiss,
}

impl From<app::RecoveryAction> for RecoveryAction {
    fn from(a: app::RecoveryAction) -> Self {
        use app::RecoveryAction as A;
        match a {
            A::Retry => Self::Retry,
            A::ReEnterPassword => Self::ReEnterPassword,
            A::ForgotPassword => Self::ForgotPassword,
            A::SignInAgain => Self::SignInAgain,
            A::SwitchAccount => Self::SwitchAccount,
            A::FreeUpStorage => Self::FreeUpStorage,
            A::InstallOrUpdateHmsCore => Self::InstallOrUpdateHmsCore,
            A::InstallOrUpdatePlayServices => Self::InstallOrUpdatePlayServices,
            A::OpenICloudSettings => Self::OpenICloudSettings,
            A::ChooseAnotherProvider => Self::ChooseAnotherProvider,
            A::UpdateApp => Self::UpdateApp,
            A::CorrectInput => Self::CorrectInput,
            A::StartFirstBackup => Self::StartFirstBackup,
            A::Dismiss => Self::Dismiss,
        }
    }
}

impl From<RecoveryAction> for app::RecoveryAction {
    fn from(a: RecoveryAction) -> Self {
        use RecoveryAction as A;
        match a {
            A::Retry => Self::Retry,
            A::ReEnterPassword => Self::ReEnterPassword,
            A::ForgotPassword => Self::ForgotPassword,
            A::SignInAgain => Self::SignInAgain,
            A::SwitchAccount => Self::SwitchAccount,
            A::FreeUpStorage => Self::FreeUpStorage,
            A::InstallOrUpdateHmsCore => Self::InstallOrUpdateHmsCore,
            A::InstallOrUpdatePlayServices => Self::InstallOrUpdatePlayServices,
            A::OpenICloudSettings => Self::OpenICloudSettings,
            A::ChooseAnotherProvider => Self::ChooseAnotherProvider,
            A::UpdateApp => Self::UpdateApp,
            A::CorrectInput => Self::CorrectInput,
            A::StartFirstBackup => Self::StartFirstBackup,
            A::Dismiss => Self::Dismiss,
        }
    }
}

/// A short English button label for `action`.
#[uniffi::export]
pub fn recovery_action_label(action: RecoveryAction) -> String {
    app::RecoveryAction::from(action).label().to_owned()
}

/// How a screen shows one failure: title, message, hint and the buttons to offer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ErrorPresentation {
    pub kind: ErrorKind,
    pub title: String,
    pub message: String,
    pub hint: String,
    pub primary: RecoveryAction,
    pub secondary: Vec<RecoveryAction>,
    pub retryable: bool,
}

impl From<app::ErrorPresentation> for ErrorPresentation {
    fn from(p: app::ErrorPresentation) -> Self {
        ErrorPresentation {
            kind: p.kind.into(),
            title: p.title,
            message: p.message,
            hint: p.hint,
            primary: p.primary.into(),
            secondary: p.secondary.into_iter().map(Into::into).collect(),
            retryable: p.retryable,
        }
    }
}

/// Presents an error thrown by the plain bindings (`kind`, its message and hint) the way the
/// screens do. A kind the core does not produce (e.g. `Cancelled`) is shown as internal.
#[uniffi::export]
pub fn present_failure(
    kind: ErrorKind,
    message: String,
    hint: String,
    provider: Option<CloudProvider>,
) -> ErrorPresentation {
    let core_kind = cairn_core::ErrorKind::ALL
        .into_iter()
        .find(|k| ErrorKind::from(*k) == kind)
        .unwrap_or(cairn_core::ErrorKind::Internal);
    let retryable = matches!(
        core_kind,
        cairn_core::ErrorKind::Network
            | cairn_core::ErrorKind::RateLimited
            | cairn_core::ErrorKind::Conflict
            | cairn_core::ErrorKind::VerificationFailed
    );
    app::present_parts(core_kind, None, message, hint, retryable, provider.map(Into::into)).into()
}

// ---------------------------------------------------------------- password form

/// The strength estimate's score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StrengthScore {
    VeryWeak,
    Weak,
    Fair,
    Strong,
    VeryStrong,
}

/// What an attacker would try early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum StrengthWarning {
    CommonPassword,
    ContainsCommonPassword,
    Repeated,
    Sequence,
    KeyboardPattern,
    Date,
    LeadingOrTrailingSpace,
}

/// Live feedback for the new-password form (no password text inside).
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct PasswordFeedback {
    pub score: StrengthScore,
    /// 0 (very weak) ..= 4 (very strong).
    pub score_value: u8,
    pub label: String,
    pub crack_time: String,
    pub crack_cost_usd: f64,
    pub guesses_bits: f64,
    pub warnings: Vec<StrengthWarning>,
    pub warning_texts: Vec<String>,
    pub policy_problem: Option<String>,
    pub confirmation_entered: bool,
    pub confirmation_matches: bool,
    pub can_submit: bool,
}

/// Strength, crack time, warnings, policy problem and confirmation match for the form. Both
/// strings are wiped after use.
#[uniffi::export]
pub fn password_feedback(password: String, confirmation: String) -> PasswordFeedback {
    let feedback = app::password_feedback(
        &BackupPassword::from_user_input(password),
        &BackupPassword::from_user_input(confirmation),
    );
    use cairn_crypto::password::{StrengthScore as S, StrengthWarning as W};
    PasswordFeedback {
        score: match feedback.score {
            S::VeryWeak => StrengthScore::VeryWeak,
            S::Weak => StrengthScore::Weak,
            S::Fair => StrengthScore::Fair,
            S::Strong => StrengthScore::Strong,
            S::VeryStrong => StrengthScore::VeryStrong,
        },
        score_value: feedback.score.value(),
        label: feedback.label,
        crack_time: feedback.crack_time,
        crack_cost_usd: feedback.crack_cost_usd,
        guesses_bits: feedback.guesses_bits,
        warnings: feedback
            .warnings
            .iter()
            .map(|w| match w {
                W::CommonPassword => StrengthWarning::CommonPassword,
                W::ContainsCommonPassword => StrengthWarning::ContainsCommonPassword,
                W::Repeated => StrengthWarning::Repeated,
                W::Sequence => StrengthWarning::Sequence,
                W::KeyboardPattern => StrengthWarning::KeyboardPattern,
                W::Date => StrengthWarning::Date,
                W::LeadingOrTrailingSpace => StrengthWarning::LeadingOrTrailingSpace,
            })
            .collect(),
        warning_texts: feedback.warning_texts,
        policy_problem: feedback.policy_problem,
        confirmation_entered: feedback.confirmation_entered,
        confirmation_matches: feedback.confirmation_matches,
        can_submit: feedback.can_submit,
    }
}

// ---------------------------------------------------------------- emulator (debug builds)

/// Where the app runs, for reaching the emulator on the developer's machine.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum DevTarget {
    AndroidEmulator,
    IosSimulator,
    HarmonyEmulator,
    Desktop,
    Device { host: String },
}

impl From<DevTarget> for app::DevTarget {
    fn from(t: DevTarget) -> Self {
        match t {
            DevTarget::AndroidEmulator => Self::AndroidEmulator,
            DevTarget::IosSimulator => Self::IosSimulator,
            DevTarget::HarmonyEmulator => Self::HarmonyEmulator,
            DevTarget::Desktop => Self::Desktop,
            DevTarget::Device { host } => Self::Device { host },
        }
    }
}

/// The emulator's addresses as seen from the device.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EmulatorEndpoints {
    pub base_url: String,
    pub drive_api_base: String,
    pub huawei_api_base: String,
    pub oauth_base: String,
    pub control_base: String,
}

impl From<app::EmulatorEndpoints> for EmulatorEndpoints {
    fn from(e: app::EmulatorEndpoints) -> Self {
        EmulatorEndpoints {
            base_url: e.base_url,
            drive_api_base: e.drive_api_base,
            huawei_api_base: e.huawei_api_base,
            oauth_base: e.oauth_base,
            control_base: e.control_base,
        }
    }
}

impl From<EmulatorEndpoints> for app::EmulatorEndpoints {
    fn from(e: EmulatorEndpoints) -> Self {
        app::EmulatorEndpoints {
            base_url: e.base_url,
            drive_api_base: e.drive_api_base,
            huawei_api_base: e.huawei_api_base,
            oauth_base: e.oauth_base,
            control_base: e.control_base,
        }
    }
}

/// One emulator account for the dev menu.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EmulatorAccount {
    pub id: String,
    pub email: String,
    pub display_name: String,
}

/// The emulator's endpoints for `target` and `port` (Android emulator: `http://10.0.2.2:<port>`,
/// iOS simulator: `http://localhost:<port>`).
#[uniffi::export]
pub fn emulator_endpoints(target: DevTarget, port: u16) -> Result<EmulatorEndpoints, CairnError> {
    Ok(app::emulator_endpoints(&target.into(), port)?.into())
}

/// The endpoints of an emulator at `base_url` (as `cairn emulator serve` printed it).
#[uniffi::export]
pub fn emulator_endpoints_at(base_url: String) -> Result<EmulatorEndpoints, CairnError> {
    Ok(app::emulator_endpoints_at(&base_url)?.into())
}

/// The emulator's accounts (control API), for the dev menu.
#[uniffi::export(async_runtime = "tokio")]
pub async fn list_emulator_accounts(
    endpoints: EmulatorEndpoints,
) -> Result<Vec<EmulatorAccount>, CairnError> {
    crate::http::http_transport()?;
    let accounts = app::list_emulator_accounts(&endpoints.into()).await?;
    Ok(accounts
        .into_iter()
        .map(|a| EmulatorAccount { id: a.id, email: a.email, display_name: a.display_name })
        .collect())
}

// ---------------------------------------------------------------- wallets in and out

/// The secret of a wallet to back up.
#[derive(Clone, uniffi::Enum)]
pub enum WalletSecretInput {
    /// A BIP39 phrase; `passphrase` stored only with `include_passphrase`.
    Mnemonic { phrase: String, passphrase: Option<String>, include_passphrase: bool },
    /// A raw private key; `key_kind` null = secp256k1 (hex or WIF), else the app's label.
    PrivateKey { key: String, key_kind: Option<String> },
}

impl fmt::Debug for WalletSecretInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WalletSecretInput([redacted])")
    }
}

/// One wallet to back up. `app_wallet_id` lets the session track it for the health screen.
#[derive(Clone, uniffi::Record)]
pub struct WalletInput {
    pub app_wallet_id: Option<String>,
    pub label: String,
    pub chain_hints: Vec<String>,
    pub secret: WalletSecretInput,
}

impl fmt::Debug for WalletInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WalletInput").field("app_wallet_id", &self.app_wallet_id).finish_non_exhaustive()
    }
}

impl From<WalletInput> for app::WalletInput {
    fn from(w: WalletInput) -> Self {
        // The strings move into secret types (wiped on drop) without a copy.
        let secret = match w.secret {
            WalletSecretInput::Mnemonic { phrase, passphrase, include_passphrase } => {
                app::WalletSecretInput::Mnemonic {
                    phrase: SecretString::new(phrase),
                    passphrase: passphrase.map(SecretString::new),
                    include_passphrase,
                }
            }
            WalletSecretInput::PrivateKey { key, key_kind } => {
                app::WalletSecretInput::PrivateKey { key: SecretString::new(key), key_kind }
            }
        };
        app::WalletInput {
            app_wallet_id: w.app_wallet_id,
            label: w.label,
            chain_hints: w.chain_hints,
            secret,
        }
    }
}

fn language_name(language: Language) -> &'static str {
    match language {
        Language::English => "english",
        Language::Japanese => "japanese",
        Language::Korean => "korean",
        Language::Spanish => "spanish",
        Language::ChineseSimplified => "chinese_simplified",
        Language::ChineseTraditional => "chinese_traditional",
        Language::French => "french",
        Language::Italian => "italian",
        Language::Czech => "czech",
        Language::Portuguese => "portuguese",
    }
}

fn encoding_name(encoding: KeyEncoding) -> &'static str {
    match encoding {
        KeyEncoding::Hex => "hex",
        KeyEncoding::Wif { network: WifNetwork::Mainnet, .. } => "wif",
        KeyEncoding::Wif { network: WifNetwork::Testnet, .. } => "wif_testnet",
        KeyEncoding::Text => "text",
    }
}

/// A restored wallet on the results screen: the secret stays in Rust, is read on demand, and
/// is wiped by `wipe()` or when the session leaves the results screen. (Every `Screen` value
/// for the same results shares one secret: wiping through any of them wipes it.)
#[derive(uniffi::Object)]
pub struct RestoredWalletHandle {
    inner: Arc<app::RestoredWalletHandle>,
    info: RestoredWalletInfo,
}

impl fmt::Debug for RestoredWalletHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestoredWalletHandle")
            .field("record_id", &self.info.record_id)
            .finish_non_exhaustive()
    }
}

impl RestoredWalletHandle {
    fn wrap(inner: Arc<app::RestoredWalletHandle>) -> Arc<Self> {
        let i = inner.info();
        let kind = match &i.kind {
            cairn_core::WalletKind::Mnemonic { language, words } => WalletKind::Mnemonic {
                language: language_name(*language).to_owned(),
                words: u32::try_from(*words).unwrap_or(u32::MAX),
            },
            cairn_core::WalletKind::PrivateKey { kind_label, encoding } => WalletKind::PrivateKey {
                kind_label: kind_label.clone(),
                encoding: encoding_name(*encoding).to_owned(),
            },
        };
        let info = RestoredWalletInfo {
            epoch_id: i.epoch_id.to_string(),
            record_id: i.record_id.to_string(),
            backed_up_at: i.backed_up_at,
            updated_at: i.updated_at,
            label: i.label.clone(),
            chain_hints: i.chain_hints.clone(),
            kind,
        };
        Arc::new(RestoredWalletHandle { inner, info })
    }
}

fn exposed(
    secret: Result<Option<SecretString>, cairn_core::CairnError>,
) -> Result<Option<String>, CairnError> {
    Ok(secret?.map(|s| s.expose_str().to_owned()))
}

#[uniffi::export]
impl RestoredWalletHandle {
    /// Ids, label, kind and dates (nothing secret).
    pub fn info(&self) -> RestoredWalletInfo {
        self.info.clone()
    }

    /// Whether the wallet's BIP39 passphrase must be asked for (`check_passphrase`).
    pub fn passphrase_required(&self) -> bool {
        self.inner.info().passphrase_status == cairn_core::PassphraseStatus::Required
    }

    /// The recovery phrase (null for a key wallet). Fails once wiped.
    pub fn reveal_phrase(&self) -> Result<Option<String>, CairnError> {
        exposed(self.inner.reveal_phrase())
    }

    /// The private key as written (null for a mnemonic wallet). Fails once wiped.
    pub fn reveal_private_key(&self) -> Result<Option<String>, CairnError> {
        exposed(self.inner.reveal_private_key())
    }

    /// The BIP39 passphrase when it was backed up. Fails once wiped.
    pub fn reveal_stored_passphrase(&self) -> Result<Option<String>, CairnError> {
        exposed(self.inner.reveal_stored_passphrase())
    }

    /// Checks a typed passphrase against the stored fingerprint (`PassphraseMismatch` if wrong).
    pub fn check_passphrase(&self, passphrase: String) -> Result<(), CairnError> {
        Ok(self.inner.check_passphrase(&SecretString::new(passphrase))?)
    }

    /// Wipes the secret now; later reveals fail.
    pub fn wipe(&self) {
        self.inner.wipe();
    }

    /// Whether it was wiped.
    pub fn is_wiped(&self) -> bool {
        self.inner.is_wiped()
    }
}

// ---------------------------------------------------------------- screens

/// What the app is busy with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum AppTask {
    Loading,
    CreatingFirstPassword,
    VerifyingPassword,
    BackingUp,
    Restoring,
    StartingNewPassword,
    CheckingHealth,
}

/// One epoch (one backup password) as the screens list it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EpochView {
    pub epoch_id: String,
    pub is_active: bool,
    pub born_at: u64,
    pub password_set_at: Option<u64>,
    pub wallet_count: u64,
    pub last_backup_at: Option<u64>,
}

/// The account at a glance.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Overview {
    pub active_epoch: Option<String>,
    pub active_wallets: u64,
    pub older_password_wallets: u64,
    pub epochs: Vec<EpochView>,
    pub damaged_objects: u64,
    pub last_backup_at: Option<u64>,
}

/// A one-off message on the home screen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Notice {
    FirstBackupDone { receipt: BackupReceipt },
    WalletBackedUp { receipt: BackupReceipt },
    NewPasswordStarted { epoch_id: String, older_password_wallets: u64 },
    RestoreClosed { wiped: u64 },
}

/// A password prompt (add wallet, restore).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PasswordPrompt {
    pub epoch_id: Option<String>,
    pub attempts: u32,
    pub error: Option<ErrorPresentation>,
    pub suggest_forgot_password: bool,
}

/// A new-password form's state.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PasswordForm {
    pub error: Option<ErrorPresentation>,
}

/// A wallet that could not be restored.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RestoreFailureView {
    pub record_id: String,
    pub presentation: ErrorPresentation,
    pub copies_tried: u64,
}

/// The restore results.
#[derive(Debug, uniffi::Record)]
pub struct RestoreResults {
    pub epoch_id: String,
    pub from_older_password: bool,
    pub wallets: Vec<Arc<RestoredWalletHandle>>,
    pub failures: Vec<RestoreFailureView>,
}

/// Storage use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct StorageQuota {
    pub used: u64,
    pub limit: Option<u64>,
}

/// The health screen.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HealthReport {
    pub wallets: Vec<WalletHealth>,
    pub needs_attention: u64,
    pub cloud_only: u64,
    pub damaged_objects: u64,
    pub quota: Option<StorageQuota>,
}

/// What the app shows (see crates/cairn-app/README.md for the transitions).
#[derive(Debug, uniffi::Enum)]
pub enum Screen {
    Working { task: AppTask },
    FirstBackup { form: PasswordForm },
    Home { overview: Overview, notice: Option<Notice> },
    AddWallet { prompt: PasswordPrompt },
    Restore { epochs: Vec<EpochView>, prompt: PasswordPrompt },
    RestoreResults { results: RestoreResults },
    ForgotPassword { existing_epochs: Vec<EpochView>, explanation: String },
    NewPassword { form: PasswordForm },
    Health { report: HealthReport },
    NoBackupsFound { presentation: ErrorPresentation },
    Error { presentation: ErrorPresentation },
}

fn epoch_view(e: app::EpochView) -> EpochView {
    EpochView {
        epoch_id: e.epoch_id.to_string(),
        is_active: e.is_active,
        born_at: e.born_at,
        password_set_at: e.password_set_at,
        wallet_count: count(e.wallet_count),
        last_backup_at: e.last_backup_at,
    }
}

fn prompt(p: app::PasswordPrompt) -> PasswordPrompt {
    PasswordPrompt {
        epoch_id: p.epoch_id.map(|id| id.to_string()),
        attempts: p.attempts,
        error: p.error.map(Into::into),
        suggest_forgot_password: p.suggest_forgot_password,
    }
}

fn form(f: app::PasswordForm) -> PasswordForm {
    PasswordForm { error: f.error.map(Into::into) }
}

impl From<app::Screen> for Screen {
    fn from(screen: app::Screen) -> Self {
        use app::Screen as S;
        match screen {
            S::Working { task } => Screen::Working {
                task: match task {
                    app::AppTask::Loading => AppTask::Loading,
                    app::AppTask::CreatingFirstPassword => AppTask::CreatingFirstPassword,
                    app::AppTask::VerifyingPassword => AppTask::VerifyingPassword,
                    app::AppTask::BackingUp => AppTask::BackingUp,
                    app::AppTask::Restoring => AppTask::Restoring,
                    app::AppTask::StartingNewPassword => AppTask::StartingNewPassword,
                    app::AppTask::CheckingHealth => AppTask::CheckingHealth,
                },
            },
            S::FirstBackup { form: f } => Screen::FirstBackup { form: form(f) },
            S::Home { overview, notice } => Screen::Home {
                overview: Overview {
                    active_epoch: overview.active_epoch.map(|id| id.to_string()),
                    active_wallets: count(overview.active_wallets),
                    older_password_wallets: count(overview.older_password_wallets),
                    epochs: overview.epochs.into_iter().map(epoch_view).collect(),
                    damaged_objects: count(overview.damaged_objects),
                    last_backup_at: overview.last_backup_at,
                },
                notice: notice.map(|n| match n {
                    app::Notice::FirstBackupDone { receipt } => {
                        Notice::FirstBackupDone { receipt: receipt.into() }
                    }
                    app::Notice::WalletBackedUp { receipt } => {
                        Notice::WalletBackedUp { receipt: receipt.into() }
                    }
                    app::Notice::NewPasswordStarted { epoch_id, older_password_wallets } => {
                        Notice::NewPasswordStarted {
                            epoch_id: epoch_id.to_string(),
                            older_password_wallets: count(older_password_wallets),
                        }
                    }
                    app::Notice::RestoreClosed { wiped } => Notice::RestoreClosed { wiped: count(wiped) },
                }),
            },
            S::AddWallet { prompt: p } => Screen::AddWallet { prompt: prompt(p) },
            S::Restore { epochs, prompt: p } => {
                Screen::Restore { epochs: epochs.into_iter().map(epoch_view).collect(), prompt: prompt(p) }
            }
            S::RestoreResults { results } => Screen::RestoreResults {
                results: RestoreResults {
                    epoch_id: results.epoch_id.to_string(),
                    from_older_password: results.from_older_password,
                    wallets: results.wallets.into_iter().map(RestoredWalletHandle::wrap).collect(),
                    failures: results
                        .failures
                        .into_iter()
                        .map(|f| RestoreFailureView {
                            record_id: f.record_id.to_string(),
                            presentation: f.presentation.into(),
                            copies_tried: count(f.copies_tried),
                        })
                        .collect(),
                },
            },
            S::ForgotPassword { existing_epochs, explanation } => Screen::ForgotPassword {
                existing_epochs: existing_epochs.into_iter().map(epoch_view).collect(),
                explanation,
            },
            S::NewPassword { form: f } => Screen::NewPassword { form: form(f) },
            S::Health { report } => Screen::Health {
                report: HealthReport {
                    wallets: report.wallets.into_iter().map(Into::into).collect(),
                    needs_attention: count(report.needs_attention),
                    cloud_only: count(report.cloud_only),
                    damaged_objects: count(report.damaged_objects),
                    quota: report.quota.map(|q| StorageQuota { used: q.used, limit: q.limit }),
                },
            },
            S::NoBackupsFound { presentation } => {
                Screen::NoBackupsFound { presentation: presentation.into() }
            }
            S::Error { presentation } => Screen::Error { presentation: presentation.into() },
        }
    }
}

// ---------------------------------------------------------------- the session

/// The app logic of one signed-in account: a screen state machine over its backup service.
/// Every action returns the next `Screen`; failures are screens, not exceptions (only a
/// malformed argument such as an epoch id that does not parse throws `InvalidInput`).
#[derive(uniffi::Object)]
pub struct AppSession {
    inner: app::AppSession,
}

impl fmt::Debug for AppSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppSession").field("provider", &self.inner.provider()).finish_non_exhaustive()
    }
}

fn drive_config(api_base: &str) -> Result<DriveConfig, CairnError> {
    let url = url::Url::parse(api_base).map_err(|_| invalid("API base URL"))?;
    Ok(DriveConfig::new(url))
}

impl AppSession {
    fn over(store: Arc<dyn CloudStore>, provider: Option<app::CloudProvider>) -> Arc<Self> {
        let service = cairn_core::BackupService::with_defaults(store);
        Arc::new(AppSession { inner: app::AppSession::new(service, provider) })
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl AppSession {
    /// Google Drive (`api_base`: `https://www.googleapis.com` or the emulator's drive base).
    #[uniffi::constructor]
    pub fn google_drive(api_base: String, tokens: Arc<dyn TokenProvider>) -> Result<Arc<Self>, CairnError> {
        let adapter = Arc::new(TokenProviderAdapter(tokens));
        let config = drive_config(&api_base)?;
        let store = GoogleDriveStore::with_transport(config, adapter, crate::http::http_transport()?);
        Ok(Self::over(Arc::new(store), Some(app::CloudProvider::GoogleDrive)))
    }

    /// Huawei Drive (`https://driveapis.cloud.huawei.com.cn` or the emulator's huawei base).
    #[uniffi::constructor]
    pub fn huawei_drive(api_base: String, tokens: Arc<dyn TokenProvider>) -> Result<Arc<Self>, CairnError> {
        let adapter = Arc::new(TokenProviderAdapter(tokens));
        let config = drive_config(&api_base)?;
        let store = HuaweiDriveStore::with_transport(config, adapter, crate::http::http_transport()?);
        Ok(Self::over(Arc::new(store), Some(app::CloudProvider::HuaweiDrive)))
    }

    /// iCloud through the host's CloudKit bridge.
    #[uniffi::constructor]
    pub fn icloud(bridge: Arc<dyn CloudKitBridge>) -> Arc<Self> {
        let store = CloudKitStore::new(Arc::new(CloudKitBridgeAdapter(bridge)));
        Self::over(Arc::new(store), Some(app::CloudProvider::ICloud))
    }

    /// Debug builds: an emulator account, signed in by minting tokens from the control API.
    #[uniffi::constructor]
    pub fn emulator(
        endpoints: EmulatorEndpoints,
        account_id: String,
        provider: CloudProvider,
    ) -> Result<Arc<Self>, CairnError> {
        crate::http::http_transport()?;
        let store = app::emulator_store(&endpoints.into(), &account_id, provider.into())?;
        Ok(Self::over(store, Some(provider.into())))
    }

    /// Process memory only (previews, tests).
    #[uniffi::constructor]
    pub fn in_memory() -> Arc<Self> {
        Self::over(Arc::new(MemoryStore::new()), None)
    }

    /// The current screen (`Working` while an action runs).
    pub fn screen(&self) -> Screen {
        self.inner.screen().into()
    }

    /// The cloud this session uses (null for memory).
    pub fn provider(&self) -> Option<CloudProvider> {
        self.inner.provider().map(Into::into)
    }

    /// Start / refresh: first-backup form for an empty account, else home.
    pub async fn refresh(&self) -> Screen {
        self.inner.refresh().await.into()
    }

    /// The first-backup form (e.g. after "no backups found": set up a new backup).
    pub fn begin_first_backup(&self) -> Screen {
        self.inner.begin_first_backup().into()
    }

    /// Sets the first password (checked against policy and confirmation) and backs up `wallet`.
    pub async fn submit_first_backup(
        &self,
        password: String,
        confirmation: String,
        wallet: WalletInput,
    ) -> Screen {
        let (password, confirmation) =
            (BackupPassword::from_user_input(password), BackupPassword::from_user_input(confirmation));
        self.inner.submit_first_backup(password, confirmation, wallet.into()).await.into()
    }

    /// The add-wallet prompt.
    pub fn begin_add_wallet(&self) -> Screen {
        self.inner.begin_add_wallet().into()
    }

    /// Verifies `password` against the active epoch, then backs up `wallet`.
    pub async fn submit_add_wallet(&self, password: String, wallet: WalletInput) -> Screen {
        self.inner.submit_add_wallet(BackupPassword::from_user_input(password), wallet.into()).await.into()
    }

    /// The restore prompt (or "no backups found" for an empty account).
    pub async fn begin_restore(&self) -> Screen {
        self.inner.begin_restore().await.into()
    }

    /// Restores the epoch `epoch_id` (null = the active one) with `password`.
    pub async fn submit_restore(
        &self,
        password: String,
        epoch_id: Option<String>,
    ) -> Result<Screen, CairnError> {
        let password = BackupPassword::from_user_input(password);
        let epoch = epoch_id.map(|text| text.parse().map_err(|_| invalid("epoch id"))).transpose()?;
        Ok(self.inner.submit_restore(password, epoch).await.into())
    }

    /// Leaves the results (wiping every restored wallet) → home.
    pub fn close_results(&self) -> Screen {
        self.inner.close_results().into()
    }

    /// "I forgot my password": the explanation screen.
    pub fn forgot_password(&self) -> Screen {
        self.inner.forgot_password().into()
    }

    /// The new-password form.
    pub fn begin_new_password(&self) -> Screen {
        self.inner.begin_new_password().into()
    }

    /// Starts a new epoch under a new password (older backups stay restorable with the old one).
    pub async fn submit_new_password(&self, password: String, confirmation: String) -> Screen {
        let (password, confirmation) =
            (BackupPassword::from_user_input(password), BackupPassword::from_user_input(confirmation));
        self.inner.submit_new_password(password, confirmation).await.into()
    }

    /// The health screen for the tracked wallets.
    pub async fn check_health(&self) -> Screen {
        self.inner.check_health().await.into()
    }

    /// Home (cached overview, no network).
    pub fn go_home(&self) -> Screen {
        self.inner.go_home().into()
    }

    /// Leaves an error screen (back to the interrupted prompt, else home).
    pub fn dismiss_error(&self) -> Screen {
        self.inner.dismiss_error().into()
    }

    /// "Try again" on an error screen.
    pub async fn retry(&self) -> Screen {
        self.inner.retry().await.into()
    }

    /// The wallets tracked for health (persist them across launches).
    pub fn app_wallets(&self) -> Vec<WalletHealthQuery> {
        self.inner
            .app_wallets()
            .into_iter()
            .map(|q| WalletHealthQuery {
                app_wallet_id: q.app_wallet_id,
                backup: q.backup.map(|b| crate::records::BackupRef {
                    epoch_id: b.epoch_id.to_string(),
                    record_id: b.record_id.to_string(),
                }),
                changed_at: q.changed_at,
                has_manual_backup: q.has_manual_backup,
            })
            .collect()
    }

    /// Hands the persisted wallets back (ids must parse).
    pub fn set_app_wallets(&self, wallets: Vec<WalletHealthQuery>) -> Result<(), CairnError> {
        let queries = wallets.into_iter().map(TryInto::try_into).collect::<Result<Vec<_>, _>>()?;
        self.inner.set_app_wallets(queries);
        Ok(())
    }

    /// Ends the session, wiping restored wallets still on screen. (Named so as not to clash
    /// with Kotlin's `AutoCloseable.close()`, which frees the object; freeing it wipes too.)
    pub fn end_session(&self) {
        self.inner.close();
    }
}
