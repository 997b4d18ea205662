//! The shared app logic (`cairn-app`) for ArkTS / Node: provider choice, emulator
//! configuration, error presentation, password feedback and the per-account screen state
//! machine. Conversions only; the logic and its tests live in `crates/cairn-app`.
//!
//! Enums cross as stable snake_case strings; a screen is a plain object tagged by `name`
//! (`'home'`, `'restore'`, …) whose other fields depend on it (typed in `index.d.ts`). Session
//! actions resolve with the next screen and never reject, except for a malformed argument.

#[cfg(feature = "node")]
use napi::{
    Env, Result,
    bindgen_prelude::{Function, Promise, PromiseRaw},
};
#[cfg(feature = "node")]
use napi_derive::napi;
#[cfg(all(feature = "ohos", not(feature = "node")))]
use napi_derive_ohos::napi;
#[cfg(all(feature = "ohos", not(feature = "node")))]
use napi_ohos::{
    Env, Result,
    bindgen_prelude::{Function, Promise, PromiseRaw},
};

use std::sync::Arc;

use cairn_app as app;
use cairn_cloud::CloudStore;
use cairn_cloud::memory::MemoryStore;
use cairn_core::{BackupPassword, CairnError, ErrorKind, HealthStatus, SecretString};

use crate::{BackupReceipt, RestDrive, count, invalid, js_error, rest_drive_store, seconds, settle};

fn platform(name: &str) -> std::result::Result<app::Platform, CairnError> {
    Ok(match name {
        "android" => app::Platform::Android,
        "ios" => app::Platform::Ios,
        "harmony_os" => app::Platform::HarmonyOs,
        "desktop" => app::Platform::Desktop,
        _ => return Err(invalid("platform must be android, ios, harmony_os or desktop")),
    })
}

fn provider_in(name: &str) -> std::result::Result<app::CloudProvider, CairnError> {
    Ok(match name {
        "google_drive" => app::CloudProvider::GoogleDrive,
        "huawei_drive" => app::CloudProvider::HuaweiDrive,
        "icloud" => app::CloudProvider::ICloud,
        _ => return Err(invalid("provider must be google_drive, huawei_drive or icloud")),
    })
}

fn provider_name(provider: app::CloudProvider) -> &'static str {
    match provider {
        app::CloudProvider::GoogleDrive => "google_drive",
        app::CloudProvider::HuaweiDrive => "huawei_drive",
        app::CloudProvider::ICloud => "icloud",
    }
}

const ACTIONS: [(app::RecoveryAction, &str); 14] = [
    (app::RecoveryAction::Retry, "retry"),
    (app::RecoveryAction::ReEnterPassword, "re_enter_password"),
    (app::RecoveryAction::ForgotPassword, "forgot_password"),
    (app::RecoveryAction::SignInAgain, "sign_in_again"),
    (app::RecoveryAction::SwitchAccount, "switch_account"),
    (app::RecoveryAction::FreeUpStorage, "free_up_storage"),
    (app::RecoveryAction::InstallOrUpdateHmsCore, "install_or_update_hms_core"),
    (app::RecoveryAction::InstallOrUpdatePlayServices, "install_or_update_play_services"),
    (app::RecoveryAction::OpenICloudSettings, "open_icloud_settings"),
    (app::RecoveryAction::ChooseAnotherProvider, "choose_another_provider"),
    (app::RecoveryAction::UpdateApp, "update_app"),
    (app::RecoveryAction::CorrectInput, "correct_input"),
    (app::RecoveryAction::StartFirstBackup, "start_first_backup"),
    (app::RecoveryAction::Dismiss, "dismiss"),
];

fn action_name(action: app::RecoveryAction) -> String {
    ACTIONS.iter().find(|(a, _)| *a == action).map_or("dismiss", |(_, name)| name).to_owned()
}

fn reason_name(reason: cairn_cloud::ProviderUnavailableReason) -> &'static str {
    use cairn_cloud::ProviderUnavailableReason as R;
    match reason {
        R::HmsCoreMissing => "hms_core_missing",
        R::HmsCoreOutdated => "hms_core_outdated",
        R::HmsCoreDisabled => "hms_core_disabled",
        R::HmsCoreInvalid => "hms_core_invalid",
        R::DeviceUnsupported => "device_unsupported",
        R::ICloudUnavailable => "icloud_unavailable",
        R::ICloudSignedOut => "icloud_signed_out",
        R::ICloudRestricted => "icloud_restricted",
        R::ICloudTemporarilyUnavailable => "icloud_temporarily_unavailable",
        R::GoogleServicesMissing => "google_services_missing",
        R::HuaweiCloudAgreementNotAccepted => "huawei_cloud_agreement_not_accepted",
        R::RegionUnsupported => "region_unsupported",
        R::PermissionNotGranted => "permission_not_granted",
        R::AppNotConfigured => "app_not_configured",
        R::AccountRestricted => "account_restricted",
    }
}

/// How a screen shows one failure.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ErrorPresentation {
    pub kind: String,
    pub title: String,
    pub message: String,
    pub hint: String,
    pub primary: String,
    pub secondary: Vec<String>,
    pub retryable: bool,
}

impl From<app::ErrorPresentation> for ErrorPresentation {
    fn from(p: app::ErrorPresentation) -> Self {
        ErrorPresentation {
            kind: p.kind.as_str().to_owned(),
            title: p.title,
            message: p.message,
            hint: p.hint,
            primary: action_name(p.primary),
            secondary: p.secondary.into_iter().map(action_name).collect(),
            retryable: p.retryable,
        }
    }
}

/// Raw platform probe results (null / absent = not probed in this build).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct PlatformProbes {
    pub google_play_services: Option<i32>,
    pub hms_core: Option<i32>,
    pub icloud_account_status: Option<i64>,
}

/// One provider for the "where to back up" screen.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ProviderOption {
    pub provider: String,
    pub display_name: String,
    pub available: bool,
    pub unavailable_reason: Option<String>,
    pub presentation: Option<ErrorPresentation>,
    pub recommended: bool,
}

/// The providers to offer on `platform` (`android` | `ios` | `harmony_os` | `desktop`).
#[napi]
pub fn provider_options(
    env: Env,
    platform_name: String,
    probes: PlatformProbes,
) -> Result<Vec<ProviderOption>> {
    let platform = platform(&platform_name).map_err(|e| js_error(&env, &e))?;
    let probes = app::PlatformProbes {
        google_play_services: probes.google_play_services,
        hms_core: probes.hms_core,
        icloud_account_status: probes.icloud_account_status,
    };
    Ok(app::provider_options(platform, probes)
        .into_iter()
        .map(|o| ProviderOption {
            provider: provider_name(o.provider).to_owned(),
            display_name: o.provider.display_name().to_owned(),
            available: o.available,
            unavailable_reason: o.unavailable_reason.map(|r| reason_name(r).to_owned()),
            presentation: o.presentation.map(Into::into),
            recommended: o.recommended,
        })
        .collect())
}

/// A short English label for a recovery action (snake_case name).
#[napi]
pub fn recovery_action_label(env: Env, action: String) -> Result<String> {
    ACTIONS
        .iter()
        .find(|(_, name)| *name == action)
        .map(|(a, _)| a.label().to_owned())
        .ok_or_else(|| js_error(&env, &invalid("unknown recovery action")))
}

/// Presents an error thrown by the plain API (its `kind`, `message` and `hint`).
#[napi]
pub fn present_failure(
    env: Env,
    kind: String,
    message: String,
    hint: String,
    provider: Option<String>,
) -> Result<ErrorPresentation> {
    let provider = provider.map(|p| provider_in(&p)).transpose().map_err(|e| js_error(&env, &e))?;
    let kind = ErrorKind::ALL.into_iter().find(|k| k.as_str() == kind).unwrap_or(ErrorKind::Internal);
    let retryable = matches!(
        kind,
        ErrorKind::Network | ErrorKind::RateLimited | ErrorKind::Conflict | ErrorKind::VerificationFailed
    );
    Ok(app::present_parts(kind, None, message, hint, retryable, provider).into())
}

/// Live feedback for the new-password form (no password text inside).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct PasswordFeedback {
    /// `very_weak` … `very_strong`.
    pub score: String,
    pub score_value: u32,
    pub label: String,
    pub crack_time: String,
    pub crack_cost_usd: f64,
    pub guesses_bits: f64,
    pub warnings: Vec<String>,
    pub warning_texts: Vec<String>,
    pub policy_problem: Option<String>,
    pub confirmation_entered: bool,
    pub confirmation_matches: bool,
    pub can_submit: bool,
}

/// Strength, crack time, warnings, policy problem and confirmation match.
#[napi]
pub fn password_feedback(password: String, confirmation: String) -> PasswordFeedback {
    use app::{StrengthScore as S, StrengthWarning as W};
    let feedback = app::password_feedback(
        &BackupPassword::from_user_input(password),
        &BackupPassword::from_user_input(confirmation),
    );
    PasswordFeedback {
        score: match feedback.score {
            S::VeryWeak => "very_weak",
            S::Weak => "weak",
            S::Fair => "fair",
            S::Strong => "strong",
            S::VeryStrong => "very_strong",
        }
        .to_owned(),
        score_value: u32::from(feedback.score.value()),
        label: feedback.label,
        crack_time: feedback.crack_time,
        crack_cost_usd: feedback.crack_cost_usd,
        guesses_bits: feedback.guesses_bits,
        warnings: feedback
            .warnings
            .iter()
            .map(|w| {
                match w {
                    W::CommonPassword => "common_password",
                    W::ContainsCommonPassword => "contains_common_password",
                    W::Repeated => "repeated",
                    W::Sequence => "sequence",
                    W::KeyboardPattern => "keyboard_pattern",
                    W::Date => "date",
                    W::LeadingOrTrailingSpace => "leading_or_trailing_space",
                }
                .to_owned()
            })
            .collect(),
        warning_texts: feedback.warning_texts,
        policy_problem: feedback.policy_problem,
        confirmation_entered: feedback.confirmation_entered,
        confirmation_matches: feedback.confirmation_matches,
        can_submit: feedback.can_submit,
    }
}

/// The emulator's addresses as seen from the device.
#[napi(object)]
#[derive(Debug, Clone)]
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
#[napi(object)]
#[derive(Debug, Clone)]
pub struct EmulatorAccount {
    pub id: String,
    pub email: String,
    pub display_name: String,
}

/// The emulator's endpoints for `target` (`android_emulator` | `ios_simulator` |
/// `harmony_emulator` | `desktop` | `device`, the latter with `host`) and `port`.
#[napi]
pub fn emulator_endpoints(
    env: Env,
    target: String,
    port: u32,
    host: Option<String>,
) -> Result<EmulatorEndpoints> {
    let target = match (target.as_str(), host) {
        ("android_emulator", _) => Ok(app::DevTarget::AndroidEmulator),
        ("ios_simulator", _) => Ok(app::DevTarget::IosSimulator),
        ("harmony_emulator", _) => Ok(app::DevTarget::HarmonyEmulator),
        ("desktop", _) => Ok(app::DevTarget::Desktop),
        ("device", Some(host)) => Ok(app::DevTarget::Device { host }),
        _ => Err(invalid("unknown target, or a device without a host")),
    };
    let port = u16::try_from(port).map_err(|_| invalid("the port must be below 65536"));
    target
        .and_then(|target| app::emulator_endpoints(&target, port?))
        .map(Into::into)
        .map_err(|e| js_error(&env, &e))
}

/// The endpoints of an emulator at `baseUrl` (as `cairn emulator serve` printed it).
#[napi]
pub fn emulator_endpoints_at(env: Env, base_url: String) -> Result<EmulatorEndpoints> {
    app::emulator_endpoints_at(&base_url).map(Into::into).map_err(|e| js_error(&env, &e))
}

/// The emulator's accounts (control API), for the dev menu.
#[napi(ts_return_type = "Promise<EmulatorAccount[]>")]
pub fn list_emulator_accounts(
    env: &Env,
    endpoints: EmulatorEndpoints,
) -> Result<PromiseRaw<'_, Vec<EmulatorAccount>>> {
    if cairn_cloud::installed_http_transport().is_none() {
        return env
            .spawn_future_with_callback(async { Ok(()) }, |env, ()| Err(crate::http::no_client_error(env)));
    }
    let endpoints: app::EmulatorEndpoints = endpoints.into();
    settle(env, async move { app::list_emulator_accounts(&endpoints).await }, |accounts| {
        accounts
            .into_iter()
            .map(|a| EmulatorAccount { id: a.id, email: a.email, display_name: a.display_name })
            .collect()
    })
}

/// A wallet to back up: exactly one of `phrase` and `privateKey`.
#[napi(object)]
#[derive(Clone)]
pub struct WalletInput {
    pub app_wallet_id: Option<String>,
    pub label: String,
    pub chain_hints: Option<Vec<String>>,
    pub phrase: Option<String>,
    pub passphrase: Option<String>,
    pub include_passphrase: Option<bool>,
    pub private_key: Option<String>,
    pub key_kind: Option<String>,
}

impl std::fmt::Debug for WalletInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WalletInput").field("app_wallet_id", &self.app_wallet_id).finish_non_exhaustive()
    }
}

impl TryFrom<WalletInput> for app::WalletInput {
    type Error = CairnError;

    fn try_from(w: WalletInput) -> std::result::Result<Self, CairnError> {
        // The strings move into secret types (wiped on drop) without a copy.
        let secret = match (w.phrase, w.private_key) {
            (Some(phrase), None) => app::WalletSecretInput::Mnemonic {
                phrase: SecretString::new(phrase),
                passphrase: w.passphrase.map(SecretString::new),
                include_passphrase: w.include_passphrase.unwrap_or(false),
            },
            (None, Some(key)) => {
                app::WalletSecretInput::PrivateKey { key: SecretString::new(key), key_kind: w.key_kind }
            }
            _ => return Err(invalid("a wallet needs exactly one of phrase and privateKey")),
        };
        Ok(app::WalletInput {
            app_wallet_id: w.app_wallet_id,
            label: w.label,
            chain_hints: w.chain_hints.unwrap_or_default(),
            secret,
        })
    }
}

/// A restored wallet on the results screen; its secret stays in Rust, is read on demand and
/// is wiped by `wipe()` or when the session leaves the results screen.
#[napi]
pub struct RestoredWalletHandle {
    inner: Arc<app::RestoredWalletHandle>,
}

impl std::fmt::Debug for RestoredWalletHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestoredWalletHandle").field("record_id", &self.inner.info().record_id).finish()
    }
}

fn reveal(secret: std::result::Result<Option<SecretString>, CairnError>) -> Option<String> {
    secret.ok().flatten().map(|s| s.expose_str().to_owned())
}

#[napi]
impl RestoredWalletHandle {
    #[napi(getter)]
    pub fn label(&self) -> String {
        self.inner.info().label.clone()
    }

    #[napi(getter)]
    pub fn record_id(&self) -> String {
        self.inner.info().record_id.to_string()
    }

    #[napi(getter)]
    pub fn epoch_id(&self) -> String {
        self.inner.info().epoch_id.to_string()
    }

    #[napi(getter)]
    pub fn backed_up_at(&self) -> f64 {
        seconds(self.inner.info().backed_up_at)
    }

    #[napi(getter)]
    pub fn chain_hints(&self) -> Vec<String> {
        self.inner.info().chain_hints.clone()
    }

    /// `mnemonic` or `private_key`.
    #[napi(getter, ts_return_type = "'mnemonic' | 'private_key'")]
    pub fn kind(&self) -> String {
        match self.inner.info().kind {
            cairn_core::WalletKind::Mnemonic { .. } => "mnemonic",
            cairn_core::WalletKind::PrivateKey { .. } => "private_key",
        }
        .to_owned()
    }

    /// Whether the BIP39 passphrase must be asked for (`checkPassphrase`).
    #[napi(getter)]
    pub fn passphrase_required(&self) -> bool {
        self.inner.info().passphrase_status == cairn_core::PassphraseStatus::Required
    }

    #[napi(getter)]
    pub fn is_wiped(&self) -> bool {
        self.inner.is_wiped()
    }

    /// The phrase; null for a key wallet or once wiped.
    #[napi]
    pub fn reveal_phrase(&self) -> Option<String> {
        reveal(self.inner.reveal_phrase())
    }

    /// The private key; null for a mnemonic wallet or once wiped.
    #[napi]
    pub fn reveal_private_key(&self) -> Option<String> {
        reveal(self.inner.reveal_private_key())
    }

    /// The backed-up BIP39 passphrase; null if none was stored or once wiped.
    #[napi]
    pub fn reveal_stored_passphrase(&self) -> Option<String> {
        reveal(self.inner.reveal_stored_passphrase())
    }

    /// Whether a typed passphrase matches the stored fingerprint (false once wiped).
    #[napi]
    pub fn check_passphrase(&self, passphrase: String) -> bool {
        self.inner.check_passphrase(&SecretString::new(passphrase)).is_ok()
    }

    #[napi]
    pub fn wipe(&self) {
        self.inner.wipe();
    }
}

/// One epoch (one backup password) as the screens list it.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct EpochView {
    pub epoch_id: String,
    pub is_active: bool,
    pub born_at: f64,
    pub password_set_at: Option<f64>,
    pub wallet_count: u32,
    pub last_backup_at: Option<f64>,
}

/// The account at a glance.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Overview {
    pub active_epoch: Option<String>,
    pub active_wallets: u32,
    pub older_password_wallets: u32,
    pub epochs: Vec<EpochView>,
    pub damaged_objects: u32,
    pub last_backup_at: Option<f64>,
}

/// A one-off home-screen message, tagged by `name`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Notice {
    /// `first_backup_done` | `wallet_backed_up` | `new_password_started` | `restore_closed`.
    pub name: String,
    pub receipt: Option<BackupReceipt>,
    pub epoch_id: Option<String>,
    pub older_password_wallets: Option<u32>,
    pub wiped: Option<u32>,
}

/// A password prompt.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct PasswordPrompt {
    pub epoch_id: Option<String>,
    pub attempts: u32,
    pub error: Option<ErrorPresentation>,
    pub suggest_forgot_password: bool,
}

/// A wallet that could not be restored.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RestoreFailureView {
    pub record_id: String,
    pub presentation: ErrorPresentation,
    pub copies_tried: u32,
}

/// The restore results (wallet handles inside).
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct RestoreResults {
    pub epoch_id: String,
    pub from_older_password: bool,
    pub wallets: Vec<RestoredWalletHandle>,
    pub failures: Vec<RestoreFailureView>,
}

/// One wallet's health: `status` is `backed_up_verified` | `stale` | `older_password_only` |
/// `missing` | `unreachable`.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct WalletHealthView {
    pub app_wallet_id: String,
    pub status: String,
    pub at: Option<f64>,
    pub changed_at: Option<f64>,
    pub epoch_id: Option<String>,
    pub error: Option<ErrorPresentation>,
    pub cloud_only: bool,
}

/// Storage use.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct StorageQuota {
    pub used: f64,
    pub limit: Option<f64>,
}

/// The health screen.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct HealthReport {
    pub wallets: Vec<WalletHealthView>,
    pub needs_attention: u32,
    pub cloud_only: u32,
    pub damaged_objects: u32,
    pub quota: Option<StorageQuota>,
}

/// An app wallet tracked for health (persist these; hand them back with `setAppWallets`).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct AppWallet {
    pub app_wallet_id: String,
    pub epoch_id: Option<String>,
    pub record_id: Option<String>,
    pub changed_at: Option<f64>,
    pub has_manual_backup: bool,
}

/// What the app shows, tagged by `name` (see index.d.ts for which fields each screen has).
#[napi(object, object_from_js = false)]
#[derive(Debug, Default)]
pub struct Screen {
    pub name: String,
    pub task: Option<String>,
    pub form_error: Option<ErrorPresentation>,
    pub overview: Option<Overview>,
    pub notice: Option<Notice>,
    pub prompt: Option<PasswordPrompt>,
    pub epochs: Option<Vec<EpochView>>,
    pub results: Option<RestoreResults>,
    pub explanation: Option<String>,
    pub report: Option<HealthReport>,
    pub presentation: Option<ErrorPresentation>,
}

// Byte counts, like times, fit a JS number exactly below 2^53.
fn bytes(value: u64) -> f64 {
    value as f64
}

fn epoch_view(e: app::EpochView) -> EpochView {
    EpochView {
        epoch_id: e.epoch_id.to_string(),
        is_active: e.is_active,
        born_at: seconds(e.born_at),
        password_set_at: e.password_set_at.map(seconds),
        wallet_count: count(e.wallet_count),
        last_backup_at: e.last_backup_at.map(seconds),
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

fn notice(n: app::Notice) -> Notice {
    let empty = |name: &str| Notice {
        name: name.to_owned(),
        receipt: None,
        epoch_id: None,
        older_password_wallets: None,
        wiped: None,
    };
    match n {
        app::Notice::FirstBackupDone { receipt } => {
            Notice { receipt: Some(receipt.into()), ..empty("first_backup_done") }
        }
        app::Notice::WalletBackedUp { receipt } => {
            Notice { receipt: Some(receipt.into()), ..empty("wallet_backed_up") }
        }
        app::Notice::NewPasswordStarted { epoch_id, older_password_wallets } => Notice {
            epoch_id: Some(epoch_id.to_string()),
            older_password_wallets: Some(count(older_password_wallets)),
            ..empty("new_password_started")
        },
        app::Notice::RestoreClosed { wiped } => {
            Notice { wiped: Some(count(wiped)), ..empty("restore_closed") }
        }
    }
}

fn health(h: cairn_core::WalletHealth) -> WalletHealthView {
    let mut view = WalletHealthView {
        app_wallet_id: h.app_wallet_id,
        status: String::new(),
        at: None,
        changed_at: None,
        epoch_id: None,
        error: None,
        cloud_only: h.cloud_only,
    };
    match h.status {
        HealthStatus::BackedUpVerified { at } => {
            view.status = "backed_up_verified".into();
            view.at = Some(seconds(at));
        }
        HealthStatus::Stale { backed_up_at, changed_at } => {
            view.status = "stale".into();
            view.at = Some(seconds(backed_up_at));
            view.changed_at = Some(seconds(changed_at));
        }
        HealthStatus::OlderPasswordOnly { at, epoch_id } => {
            view.status = "older_password_only".into();
            view.at = Some(seconds(at));
            view.epoch_id = Some(epoch_id.to_string());
        }
        HealthStatus::Missing => view.status = "missing".into(),
        HealthStatus::Unreachable { error } => {
            view.status = "unreachable".into();
            view.error = Some(app::present(&error, None).into());
        }
    }
    view
}

fn task_name(task: app::AppTask) -> &'static str {
    match task {
        app::AppTask::Loading => "loading",
        app::AppTask::CreatingFirstPassword => "creating_first_password",
        app::AppTask::VerifyingPassword => "verifying_password",
        app::AppTask::BackingUp => "backing_up",
        app::AppTask::Restoring => "restoring",
        app::AppTask::StartingNewPassword => "starting_new_password",
        app::AppTask::CheckingHealth => "checking_health",
    }
}

impl From<app::Screen> for Screen {
    fn from(screen: app::Screen) -> Self {
        use app::Screen as S;
        let base = Screen { name: screen.name().to_owned(), ..Screen::default() };
        match screen {
            S::Working { task } => Screen { task: Some(task_name(task).to_owned()), ..base },
            S::FirstBackup { form } | S::NewPassword { form } => {
                Screen { form_error: form.error.map(Into::into), ..base }
            }
            S::Home { overview, notice: n } => Screen {
                overview: Some(Overview {
                    active_epoch: overview.active_epoch.map(|id| id.to_string()),
                    active_wallets: count(overview.active_wallets),
                    older_password_wallets: count(overview.older_password_wallets),
                    epochs: overview.epochs.into_iter().map(epoch_view).collect(),
                    damaged_objects: count(overview.damaged_objects),
                    last_backup_at: overview.last_backup_at.map(seconds),
                }),
                notice: n.map(notice),
                ..base
            },
            S::AddWallet { prompt: p } => Screen { prompt: Some(prompt(p)), ..base },
            S::Restore { epochs, prompt: p } => Screen {
                epochs: Some(epochs.into_iter().map(epoch_view).collect()),
                prompt: Some(prompt(p)),
                ..base
            },
            S::RestoreResults { results } => Screen {
                results: Some(RestoreResults {
                    epoch_id: results.epoch_id.to_string(),
                    from_older_password: results.from_older_password,
                    wallets: results
                        .wallets
                        .into_iter()
                        .map(|inner| RestoredWalletHandle { inner })
                        .collect(),
                    failures: results
                        .failures
                        .into_iter()
                        .map(|f| RestoreFailureView {
                            record_id: f.record_id.to_string(),
                            presentation: f.presentation.into(),
                            copies_tried: count(f.copies_tried),
                        })
                        .collect(),
                }),
                ..base
            },
            S::ForgotPassword { existing_epochs, explanation } => Screen {
                epochs: Some(existing_epochs.into_iter().map(epoch_view).collect()),
                explanation: Some(explanation),
                ..base
            },
            S::Health { report } => Screen {
                report: Some(HealthReport {
                    wallets: report.wallets.into_iter().map(health).collect(),
                    needs_attention: count(report.needs_attention),
                    cloud_only: count(report.cloud_only),
                    damaged_objects: count(report.damaged_objects),
                    quota: report
                        .quota
                        .map(|q| StorageQuota { used: bytes(q.used), limit: q.limit.map(bytes) }),
                }),
                ..base
            },
            S::NoBackupsFound { presentation } | S::Error { presentation } => {
                Screen { presentation: Some(presentation.into()), ..base }
            }
        }
    }
}

/// The app logic of one signed-in account: a screen state machine over its backup service.
#[napi]
pub struct AppSession {
    inner: Arc<app::AppSession>,
}

impl std::fmt::Debug for AppSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppSession").finish_non_exhaustive()
    }
}

impl AppSession {
    fn over(store: Arc<dyn CloudStore>, provider: Option<app::CloudProvider>) -> Self {
        let service = cairn_core::BackupService::with_defaults(store);
        AppSession { inner: Arc::new(app::AppSession::new(service, provider)) }
    }

    /// A Promise rejected with `error` (a malformed argument), so async methods never throw
    /// synchronously.
    fn reject<'env>(env: &'env Env, error: CairnError) -> Result<PromiseRaw<'env, Screen>> {
        settle(env, async move { Err::<app::Screen, _>(error) }, Screen::from)
    }

    fn run<'env, F>(
        &self,
        env: &'env Env,
        action: impl FnOnce(Arc<app::AppSession>) -> F,
    ) -> Result<PromiseRaw<'env, Screen>>
    where
        F: Future<Output = app::Screen> + Send + 'static,
    {
        let work = action(Arc::clone(&self.inner));
        settle(env, async move { Ok::<_, CairnError>(work.await) }, Screen::from)
    }
}

fn password(typed: String) -> BackupPassword {
    BackupPassword::from_user_input(typed)
}

#[napi]
impl AppSession {
    /// Google Drive (`baseUrl` null = production) with the host's token and refresh callback.
    #[napi(factory)]
    pub fn google_drive(
        env: Env,
        base_url: Option<String>,
        access_token: String,
        refresh_token: Option<Function<'_, (), Promise<String>>>,
    ) -> Result<AppSession> {
        let transport = crate::http::require_client(&env)?;
        let tokens = crate::BackupService::host_tokens(access_token, refresh_token)?;
        let store = rest_drive_store(RestDrive::Google, base_url, tokens, transport)
            .map_err(|e| js_error(&env, &e))?;
        Ok(Self::over(store, Some(app::CloudProvider::GoogleDrive)))
    }

    /// Huawei Drive (`baseUrl` null = production); on HarmonyOS the token comes from Account Kit.
    #[napi(factory)]
    pub fn huawei_drive(
        env: Env,
        base_url: Option<String>,
        access_token: String,
        refresh_token: Option<Function<'_, (), Promise<String>>>,
    ) -> Result<AppSession> {
        let transport = crate::http::require_client(&env)?;
        let tokens = crate::BackupService::host_tokens(access_token, refresh_token)?;
        let store = rest_drive_store(RestDrive::Huawei, base_url, tokens, transport)
            .map_err(|e| js_error(&env, &e))?;
        Ok(Self::over(store, Some(app::CloudProvider::HuaweiDrive)))
    }

    /// Debug builds: an emulator account (`google_drive` or `huawei_drive`), signed in by
    /// minting tokens from the emulator's control API.
    #[napi(factory)]
    pub fn emulator(
        env: Env,
        endpoints: EmulatorEndpoints,
        account_id: String,
        provider: String,
    ) -> Result<AppSession> {
        let provider = provider_in(&provider).map_err(|e| js_error(&env, &e))?;
        // The emulator is reached through the app's HTTP client too.
        crate::http::require_client(&env)?;
        let store =
            app::emulator_store(&endpoints.into(), &account_id, provider).map_err(|e| js_error(&env, &e))?;
        Ok(Self::over(store, Some(provider)))
    }

    /// Over an existing `BackupService` (any provider it was built with).
    #[napi(factory)]
    pub fn over_service(
        env: Env,
        service: &crate::BackupService,
        provider: Option<String>,
    ) -> Result<AppSession> {
        let provider = provider.map(|p| provider_in(&p)).transpose().map_err(|e| js_error(&env, &e))?;
        Ok(AppSession { inner: Arc::new(app::AppSession::new(service.inner.clone(), provider)) })
    }

    /// Process memory only (previews, tests).
    #[napi(factory)]
    pub fn in_memory() -> AppSession {
        Self::over(Arc::new(MemoryStore::new()), None)
    }

    /// The current screen (`working` while an action runs).
    #[napi]
    pub fn screen(&self) -> Screen {
        self.inner.screen().into()
    }

    #[napi(ts_return_type = "Promise<Screen>")]
    pub fn refresh<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Screen>> {
        self.run(env, |s| async move { s.refresh().await })
    }

    #[napi]
    pub fn begin_first_backup(&self) -> Screen {
        self.inner.begin_first_backup().into()
    }

    #[napi(ts_return_type = "Promise<Screen>")]
    pub fn submit_first_backup<'env>(
        &self,
        env: &'env Env,
        password_text: String,
        confirmation: String,
        wallet: WalletInput,
    ) -> Result<PromiseRaw<'env, Screen>> {
        let (password_text, confirmation) = (password(password_text), password(confirmation));
        let wallet = match app::WalletInput::try_from(wallet) {
            Ok(wallet) => wallet,
            Err(error) => return Self::reject(env, error),
        };
        self.run(env, |s| async move { s.submit_first_backup(password_text, confirmation, wallet).await })
    }

    #[napi]
    pub fn begin_add_wallet(&self) -> Screen {
        self.inner.begin_add_wallet().into()
    }

    #[napi(ts_return_type = "Promise<Screen>")]
    pub fn submit_add_wallet<'env>(
        &self,
        env: &'env Env,
        password_text: String,
        wallet: WalletInput,
    ) -> Result<PromiseRaw<'env, Screen>> {
        let password_text = password(password_text);
        let wallet = match app::WalletInput::try_from(wallet) {
            Ok(wallet) => wallet,
            Err(error) => return Self::reject(env, error),
        };
        self.run(env, |s| async move { s.submit_add_wallet(password_text, wallet).await })
    }

    #[napi(ts_return_type = "Promise<Screen>")]
    pub fn begin_restore<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Screen>> {
        self.run(env, |s| async move { s.begin_restore().await })
    }

    #[napi(ts_return_type = "Promise<Screen>")]
    pub fn submit_restore<'env>(
        &self,
        env: &'env Env,
        password_text: String,
        epoch_id: Option<String>,
    ) -> Result<PromiseRaw<'env, Screen>> {
        let password_text = password(password_text);
        let epoch = match crate::parse_epoch(epoch_id) {
            Ok(epoch) => epoch,
            Err(error) => return Self::reject(env, error),
        };
        self.run(env, |s| async move { s.submit_restore(password_text, epoch).await })
    }

    #[napi]
    pub fn close_results(&self) -> Screen {
        self.inner.close_results().into()
    }

    #[napi]
    pub fn forgot_password(&self) -> Screen {
        self.inner.forgot_password().into()
    }

    #[napi]
    pub fn begin_new_password(&self) -> Screen {
        self.inner.begin_new_password().into()
    }

    #[napi(ts_return_type = "Promise<Screen>")]
    pub fn submit_new_password<'env>(
        &self,
        env: &'env Env,
        password_text: String,
        confirmation: String,
    ) -> Result<PromiseRaw<'env, Screen>> {
        let (password_text, confirmation) = (password(password_text), password(confirmation));
        self.run(env, |s| async move { s.submit_new_password(password_text, confirmation).await })
    }

    #[napi(ts_return_type = "Promise<Screen>")]
    pub fn check_health<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Screen>> {
        self.run(env, |s| async move { s.check_health().await })
    }

    #[napi]
    pub fn go_home(&self) -> Screen {
        self.inner.go_home().into()
    }

    #[napi]
    pub fn dismiss_error(&self) -> Screen {
        self.inner.dismiss_error().into()
    }

    #[napi(ts_return_type = "Promise<Screen>")]
    pub fn retry<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Screen>> {
        self.run(env, |s| async move { s.retry().await })
    }

    /// The wallets tracked for health.
    #[napi]
    pub fn app_wallets(&self) -> Vec<AppWallet> {
        self.inner
            .app_wallets()
            .into_iter()
            .map(|q| AppWallet {
                app_wallet_id: q.app_wallet_id,
                epoch_id: q.backup.map(|b| b.epoch_id.to_string()),
                record_id: q.backup.map(|b| b.record_id.to_string()),
                changed_at: q.changed_at.map(seconds),
                has_manual_backup: q.has_manual_backup,
            })
            .collect()
    }

    /// Hands persisted wallets back (ids must parse; both or neither of epochId/recordId).
    #[napi]
    pub fn set_app_wallets(&self, env: Env, wallets: Vec<AppWallet>) -> Result<()> {
        let parse = |w: AppWallet| -> std::result::Result<cairn_core::WalletHealthQuery, CairnError> {
            let backup = match (w.epoch_id, w.record_id) {
                (Some(epoch), Some(record)) => Some(cairn_core::BackupRef {
                    epoch_id: epoch.parse().map_err(|_| invalid("not an epoch id"))?,
                    record_id: record.parse().map_err(|_| invalid("not a record id"))?,
                }),
                (None, None) => None,
                _ => return Err(invalid("epochId and recordId go together")),
            };
            let changed_at = match w.changed_at {
                Some(t) if (0.0..=9.007_199_254_740_991e15).contains(&t) => Some(t as u64),
                Some(_) => return Err(invalid("changedAt must be Unix seconds")),
                None => None,
            };
            Ok(cairn_core::WalletHealthQuery {
                app_wallet_id: w.app_wallet_id,
                backup,
                changed_at,
                has_manual_backup: w.has_manual_backup,
            })
        };
        let queries = wallets.into_iter().map(parse).collect::<std::result::Result<Vec<_>, _>>();
        self.inner.set_app_wallets(queries.map_err(|e| js_error(&env, &e))?);
        Ok(())
    }

    /// Ends the session, wiping restored wallets still on screen.
    #[napi]
    pub fn close(&self) {
        self.inner.close();
    }
}
