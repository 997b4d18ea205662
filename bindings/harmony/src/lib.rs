//! Cairn's N-API module. One source, two runtimes: the default `node` feature builds it with
//! napi-rs as a Node.js addon (what the TypeScript tests load); the `ohos` feature builds it with
//! napi-ohos for HarmonyOS (ArkTS). Only the two `use` blocks below differ.
//!
//! No business logic lives here: each method converts its arguments, calls `cairn-core`, and
//! converts the answer. Every async method returns a Promise; a failure rejects it with an `Error`
//! carrying `kind` / `code` (the stable snake_case kind), `message` and `hint`.

#[cfg(all(feature = "node", feature = "ohos"))]
compile_error!("enable exactly one of the `node` and `ohos` features");
#[cfg(not(any(feature = "node", feature = "ohos")))]
compile_error!("enable one of the `node` (napi-rs) and `ohos` (napi-ohos) features");

// The derive macros expand to absolute `napi::` / `napi_ohos::` paths, so each backend is used
// under its real crate name. `Result` keeps its name: the macros recognise a fallible method by
// that identifier (under an alias an `Err` would be returned to JS as a value, not thrown).
#[cfg(feature = "node")]
use napi::{
    Env, Error as NapiError, JsValue, Result, Status,
    bindgen_prelude::{Function, JsObjectValue, Object, Promise, PromiseRaw, ToNapiValue},
    threadsafe_function::ThreadsafeFunction,
};
#[cfg(feature = "node")]
use napi_derive::napi;
#[cfg(all(feature = "ohos", not(feature = "node")))]
use napi_derive_ohos::napi;
#[cfg(all(feature = "ohos", not(feature = "node")))]
use napi_ohos::{
    Env, Error as NapiError, JsValue, Result, Status,
    bindgen_prelude::{Function, JsObjectValue, Object, Promise, PromiseRaw, ToNapiValue},
    threadsafe_function::ThreadsafeFunction,
};

pub mod app;
mod cancel;
pub mod http;
pub mod observe;

use std::future::Future;
use std::sync::Arc;

use async_trait::async_trait;
use cairn_cloud::google_drive::{DriveConfig, GOOGLE_API_BASE, GoogleDriveStore};
use cairn_cloud::huawei_drive::{HUAWEI_API_BASE, HuaweiDriveStore};
use cairn_cloud::local_folder::LocalFolderStore;
use cairn_cloud::{AccessToken, CloudStore, HttpTransport, TokenError, TokenProvider};
use cairn_core::{BackupPassword, CairnError, PassphraseBackup, PasswordPolicy, SecretString, WalletKind};

/// The host's "give me a fresh token" callback: called with no arguments, resolves to a token.
/// Weak, so a service left alive does not keep the JS event loop running.
type RefreshCallback = ThreadsafeFunction<(), Promise<String>, (), Status, false, true>;

/// Tokens from the host (Account Kit on HarmonyOS, anything in Node): a current token, and an
/// optional callback the adapter calls once when the provider rejects it (HTTP 401).
struct HostTokens {
    current: AccessToken,
    refresh: Option<RefreshCallback>,
}

#[async_trait]
impl TokenProvider for HostTokens {
    async fn access_token(&self) -> std::result::Result<AccessToken, TokenError> {
        Ok(self.current.clone())
    }

    async fn refresh_access_token(
        &self,
        _rejected: AccessToken,
    ) -> std::result::Result<AccessToken, TokenError> {
        let Some(refresh) = &self.refresh else { return Err(TokenError::ReSignInRequired) };
        // A callback that throws, rejects or resolves to nothing means the host could not renew
        // the sign-in silently: the user must sign in again.
        let promise = refresh.call_async(()).await.map_err(|_| TokenError::ReSignInRequired)?;
        let token = promise.await.map_err(|_| TokenError::ReSignInRequired)?;
        if token.is_empty() {
            return Err(TokenError::ReSignInRequired);
        }
        Ok(AccessToken::new(token))
    }
}

/// Builds the JS error for a Cairn failure: an `Error` whose `message` is the user-facing text,
/// with `kind` and `code` (stable snake_case) and `hint` (what the user can do).
fn js_error(env: &Env, error: &CairnError) -> NapiError {
    let build = || -> Result<NapiError> {
        let mut object = env.create_error(NapiError::new(Status::GenericFailure, error.message()))?;
        let kind = error.kind().as_str();
        object.set_named_property("name", "CairnError")?;
        object.set_named_property("kind", kind)?;
        object.set_named_property("code", kind)?;
        object.set_named_property("hint", error.hint())?;
        Ok(NapiError::from(object.to_unknown()))
    };
    build().unwrap_or_else(|failure| failure)
}

/// Runs a `cairn-core` future on the runtime's tokio pool and settles a Promise on the JS thread:
/// `convert` the value, or reject with [`js_error`].
fn settle<'env, T, V, F>(
    env: &'env Env,
    work: F,
    convert: impl FnOnce(T) -> V + 'static,
) -> Result<PromiseRaw<'env, V>>
where
    T: Send + 'static,
    V: ToNapiValue,
    F: Future<Output = std::result::Result<T, CairnError>> + Send + 'static,
{
    env.spawn_future_with_callback(async move { Ok(work.await) }, move |env, outcome| match outcome {
        Ok(value) => Ok(convert(value)),
        Err(error) => Err(js_error(env, &error)),
    })
}

fn invalid(what: &str) -> CairnError {
    CairnError::InvalidInput { what: what.to_owned() }
}

fn parse_base_url(base_url: &str) -> std::result::Result<url::Url, CairnError> {
    url::Url::parse(base_url).map_err(|_| invalid("the base URL is not a valid URL"))
}

/// The REST drives a host-token service can talk to.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RestDrive {
    Google,
    Huawei,
}

/// The store for `drive` at `base_url` (`None` = the production service) with the host's tokens,
/// sending through the app's HTTP client; shared by `BackupService` and `AppSession` factories.
pub(crate) fn rest_drive_store(
    drive: RestDrive,
    base_url: Option<String>,
    tokens: Arc<dyn TokenProvider>,
    transport: Arc<dyn HttpTransport>,
) -> std::result::Result<Arc<dyn CloudStore>, CairnError> {
    let production = match drive {
        RestDrive::Google => GOOGLE_API_BASE,
        RestDrive::Huawei => HUAWEI_API_BASE,
    };
    let config = DriveConfig::new(parse_base_url(base_url.as_deref().unwrap_or(production))?);
    let store: Arc<dyn CloudStore> = match drive {
        RestDrive::Google => Arc::new(GoogleDriveStore::with_transport(config, tokens, transport)),
        RestDrive::Huawei => Arc::new(HuaweiDriveStore::with_transport(config, tokens, transport)),
    };
    Ok(store)
}

fn parse_epoch(epoch_id: Option<String>) -> std::result::Result<Option<cairn_core::EpochId>, CairnError> {
    epoch_id.map(|text| text.parse().map_err(|_| invalid("not an epoch id"))).transpose()
}

// Times are Unix seconds, which a JS number holds exactly.
fn seconds(value: u64) -> f64 {
    value as f64
}

fn count(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// One signed-in account's backups. Built with one provider: Google Drive or Huawei Drive
/// (production or an emulator's base URL) with the host's token, or a local folder.
#[napi]
pub struct BackupService {
    inner: cairn_core::BackupService,
}

impl std::fmt::Debug for BackupService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BackupService").finish_non_exhaustive()
    }
}

impl BackupService {
    fn over(store: impl CloudStore + 'static) -> Self {
        Self::over_shared(Arc::new(store))
    }

    fn over_shared(store: Arc<dyn CloudStore>) -> Self {
        BackupService { inner: cairn_core::BackupService::with_defaults(store) }
    }

    fn host_tokens(
        access_token: String,
        refresh: Option<Function<'_, (), Promise<String>>>,
    ) -> Result<Arc<HostTokens>> {
        let refresh = match refresh {
            Some(function) => {
                Some(function.build_threadsafe_function().callee_handled::<false>().weak::<true>().build()?)
            }
            None => None,
        };
        Ok(Arc::new(HostTokens { current: AccessToken::new(access_token), refresh }))
    }
}

#[napi]
impl BackupService {
    /// Google Drive (appDataFolder). `baseUrl` null = production; an emulator's address in tests.
    /// `refreshToken` is called when the token is rejected and must resolve to a new one.
    #[napi]
    pub fn google_drive(
        env: Env,
        base_url: Option<String>,
        access_token: String,
        refresh_token: Option<Function<'_, (), Promise<String>>>,
    ) -> Result<BackupService> {
        let transport = http::require_client(&env)?;
        let tokens = Self::host_tokens(access_token, refresh_token)?;
        rest_drive_store(RestDrive::Google, base_url, tokens, transport)
            .map(Self::over_shared)
            .map_err(|error| js_error(&env, &error))
    }

    /// Huawei Drive Kit (applicationData). On HarmonyOS the token comes from Account Kit.
    #[napi]
    pub fn huawei_drive(
        env: Env,
        base_url: Option<String>,
        access_token: String,
        refresh_token: Option<Function<'_, (), Promise<String>>>,
    ) -> Result<BackupService> {
        let transport = http::require_client(&env)?;
        let tokens = Self::host_tokens(access_token, refresh_token)?;
        rest_drive_store(RestDrive::Huawei, base_url, tokens, transport)
            .map(Self::over_shared)
            .map_err(|error| js_error(&env, &error))
    }

    /// A local folder (development and tests).
    #[napi]
    pub fn local_folder(env: Env, path: String) -> Result<BackupService> {
        LocalFolderStore::open(path)
            .map(Self::over)
            .map_err(|_| js_error(&env, &invalid("the folder cannot be created or opened")))
    }

    /// Calls `listener` with every progress step of this service's operations (and of its
    /// unlocked backups); `null` stops it.
    #[napi]
    pub fn set_progress_listener(
        &self,
        listener: Option<Function<'_, observe::ProgressEvent, ()>>,
    ) -> Result<()> {
        self.inner.set_progress_listener(observe::progress_listener(listener)?);
        Ok(())
    }

    /// The account's backups, without the password.
    #[napi(ts_return_type = "Promise<Inventory>")]
    pub fn inventory<'env>(&self, env: &'env Env) -> Result<PromiseRaw<'env, Inventory>> {
        let service = self.inner.clone();
        settle(env, async move { service.inventory().await }, Inventory::from)
    }

    /// Sets the account's first backup password; fails with `backup_exists` if it has one.
    #[napi]
    pub fn create_first_password<'env>(
        &self,
        env: &'env Env,
        password: String,
    ) -> Result<PromiseRaw<'env, UnlockedBackup>> {
        let service = self.inner.clone();
        let password = BackupPassword::from_user_input(password);
        settle(
            env,
            async move { service.create_first_password(password, &PasswordPolicy::default()).await },
            UnlockedBackup::new,
        )
    }

    /// Starts a new epoch under a new password (the old one is forgotten by the user).
    #[napi]
    pub fn start_new_epoch<'env>(
        &self,
        env: &'env Env,
        password: String,
    ) -> Result<PromiseRaw<'env, UnlockedBackup>> {
        let service = self.inner.clone();
        let password = BackupPassword::from_user_input(password);
        settle(
            env,
            async move { service.start_new_epoch(password, &PasswordPolicy::default()).await },
            UnlockedBackup::new,
        )
    }

    /// Unlocks the active epoch (or `epochId`) with the password.
    #[napi]
    pub fn unlock<'env>(
        &self,
        env: &'env Env,
        password: String,
        epoch_id: Option<String>,
    ) -> Result<PromiseRaw<'env, UnlockedBackup>> {
        let service = self.inner.clone();
        let password = BackupPassword::from_user_input(password);
        settle(
            env,
            async move { service.unlock(password, parse_epoch(epoch_id)?).await },
            UnlockedBackup::new,
        )
    }

    /// Checks a password against the active epoch (or `epochId`) without keeping it unlocked.
    #[napi]
    pub fn check_password<'env>(
        &self,
        env: &'env Env,
        password: String,
        epoch_id: Option<String>,
    ) -> Result<PromiseRaw<'env, PasswordCheck>> {
        let service = self.inner.clone();
        let password = BackupPassword::from_user_input(password);
        settle(env, async move { service.check_password(password, parse_epoch(epoch_id)?).await }, |check| {
            PasswordCheck { epoch_id: check.epoch_id.to_string(), is_active: check.is_active }
        })
    }
}

type SharedUnlocked = Arc<tokio::sync::Mutex<Option<cairn_core::UnlockedBackup>>>;

fn closed() -> CairnError {
    invalid("this unlocked backup was closed")
}

/// An unlocked epoch: the key stays in Rust until `close()` (or garbage collection).
#[napi]
pub struct UnlockedBackup {
    epoch_id: String,
    inner: SharedUnlocked,
}

impl std::fmt::Debug for UnlockedBackup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnlockedBackup").field("epoch_id", &self.epoch_id).finish_non_exhaustive()
    }
}

impl UnlockedBackup {
    fn new(unlocked: cairn_core::UnlockedBackup) -> Self {
        UnlockedBackup {
            epoch_id: unlocked.epoch_id().to_string(),
            inner: Arc::new(tokio::sync::Mutex::new(Some(unlocked))),
        }
    }
}

#[napi]
impl UnlockedBackup {
    /// The unlocked epoch's id.
    #[napi(getter)]
    pub fn epoch_id(&self) -> String {
        self.epoch_id.clone()
    }

    /// Backs up a BIP39 phrase (as typed) and verifies it by reading it back. The passphrase, if
    /// any, is stored only when `includePassphrase` is true (else only its fingerprint).
    #[napi]
    pub fn backup_mnemonic<'env>(
        &self,
        env: &'env Env,
        phrase: String,
        label: String,
        passphrase: Option<String>,
        include_passphrase: Option<bool>,
    ) -> Result<PromiseRaw<'env, BackupReceipt>> {
        let unlocked = self.inner.clone();
        let phrase = SecretString::new(phrase);
        let passphrase = passphrase.map(SecretString::new);
        let passphrase_backup = if include_passphrase.unwrap_or(false) {
            PassphraseBackup::Include
        } else {
            PassphraseBackup::Exclude
        };
        settle(
            env,
            async move {
                let request = cairn_core::BackupRequest::mnemonic_phrase(
                    &phrase,
                    passphrase,
                    passphrase_backup,
                    label,
                )?;
                let guard = unlocked.lock().await;
                guard.as_ref().ok_or_else(closed)?.backup_wallet(&request).await
            },
            BackupReceipt::from,
        )
    }

    /// Restores every wallet of this epoch. Aborting `signal` (also before the call) stops it:
    /// the Promise rejects with an `AbortError` (`kind` `cancelled`).
    #[napi(ts_args_type = "signal?: AbortSignal", ts_return_type = "Promise<RestoreReport>")]
    pub fn restore_all<'env>(
        &self,
        env: &'env Env,
        signal: Option<Object<'env>>,
    ) -> Result<PromiseRaw<'env, RestoreReport>> {
        let unlocked = self.inner.clone();
        let flag = cancel::flag_for(env, signal)?;
        let work = async move {
            let guard = unlocked.lock().await;
            guard.as_ref().ok_or_else(closed)?.restore_all().await
        };
        env.spawn_future_with_callback(
            async move { Ok(cairn_core::until_cancelled(&flag, work).await) },
            |env, outcome| match outcome {
                Some(Ok(report)) => Ok(RestoreReport::from(report)),
                Some(Err(error)) => Err(js_error(env, &error)),
                None => Err(cancel::abort_error(env)),
            },
        )
    }

    /// Re-wraps this epoch under a new password (wallets are untouched).
    #[napi]
    pub fn change_password<'env>(
        &self,
        env: &'env Env,
        new_password: String,
    ) -> Result<PromiseRaw<'env, PasswordChange>> {
        let unlocked = self.inner.clone();
        let password = BackupPassword::from_user_input(new_password);
        settle(
            env,
            async move {
                let mut guard = unlocked.lock().await;
                guard.as_mut().ok_or_else(closed)?.change_password(password, &PasswordPolicy::default()).await
            },
            |change| PasswordChange {
                epoch_id: change.epoch_id.to_string(),
                changed_at: seconds(change.changed_at),
                retired_wraps: count(change.retired_wraps),
            },
        )
    }

    /// Forgets the epoch key now instead of at garbage collection.
    #[napi]
    pub fn close(&self) {
        if let Ok(mut guard) = self.inner.try_lock() {
            guard.take();
        } else {
            // An operation is running: drop the key as soon as it finishes.
            let unlocked = self.inner.clone();
            std::thread::spawn(move || drop(unlocked.blocking_lock().take()));
        }
    }
}

/// One restored wallet. Its secret stays in Rust, is read on demand and wiped by `wipe()`.
#[napi]
pub struct RestoredWallet {
    label: String,
    record_id: String,
    backed_up_at: f64,
    kind: &'static str,
    inner: std::sync::Mutex<Option<cairn_core::RestoredWallet>>,
}

impl std::fmt::Debug for RestoredWallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestoredWallet").field("record_id", &self.record_id).finish_non_exhaustive()
    }
}

impl From<cairn_core::RestoredWallet> for RestoredWallet {
    fn from(wallet: cairn_core::RestoredWallet) -> Self {
        RestoredWallet {
            label: wallet.label().to_owned(),
            record_id: wallet.record_id().to_string(),
            backed_up_at: seconds(wallet.backed_up_at()),
            kind: match wallet.kind() {
                WalletKind::Mnemonic { .. } => "mnemonic",
                WalletKind::PrivateKey { .. } => "private_key",
            },
            inner: std::sync::Mutex::new(Some(wallet)),
        }
    }
}

impl RestoredWallet {
    fn read(
        &self,
        reveal: impl FnOnce(&cairn_core::RestoredWallet) -> Option<SecretString>,
    ) -> Option<String> {
        let guard = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        guard.as_ref().and_then(reveal).map(|secret| secret.expose_str().to_owned())
    }
}

#[napi]
impl RestoredWallet {
    /// The wallet's label.
    #[napi(getter)]
    pub fn label(&self) -> String {
        self.label.clone()
    }

    /// Its record id.
    #[napi(getter)]
    pub fn record_id(&self) -> String {
        self.record_id.clone()
    }

    /// When the restored copy was written (Unix seconds).
    #[napi(getter)]
    pub fn backed_up_at(&self) -> f64 {
        self.backed_up_at
    }

    /// `mnemonic` or `private_key`.
    #[napi(getter, ts_return_type = "'mnemonic' | 'private_key'")]
    pub fn kind(&self) -> String {
        self.kind.to_owned()
    }

    /// Whether `wipe()` was called.
    #[napi(getter)]
    pub fn is_wiped(&self) -> bool {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_none()
    }

    /// The recovery phrase (null for a private-key wallet or after `wipe()`).
    #[napi]
    pub fn reveal_phrase(&self) -> Option<String> {
        self.read(cairn_core::RestoredWallet::expose_phrase)
    }

    /// The private key as it was backed up (null for a mnemonic wallet or after `wipe()`).
    #[napi]
    pub fn reveal_private_key(&self) -> Option<String> {
        self.read(cairn_core::RestoredWallet::expose_private_key)
    }

    /// Wipes the secret from Rust memory; later reveals return null.
    #[napi]
    pub fn wipe(&self) {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
    }
}

/// The password-free view of an account's backups.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Inventory {
    pub epochs: Vec<EpochSummary>,
    pub active_epoch: Option<String>,
    pub problems: Vec<ObjectProblem>,
    pub foreign_objects: u32,
}

/// One epoch (one backup password).
#[napi(object)]
#[derive(Debug, Clone)]
pub struct EpochSummary {
    pub epoch_id: String,
    pub is_active: bool,
    pub born_at: f64,
    pub password_set_at: Option<f64>,
    pub password_wraps: u32,
    pub wallet_count: u32,
    pub last_backup_at: Option<f64>,
    pub records: Vec<RecordSummary>,
}

/// One wallet's backup, without the password.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RecordSummary {
    pub record_id: String,
    pub first_backed_up_at: f64,
    pub backed_up_at: f64,
    pub stored_at: f64,
    pub copies: u32,
}

/// A damaged or unreadable Cairn object.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct ObjectProblem {
    pub name: String,
    pub kind: String,
    pub message: String,
    pub hint: String,
}

/// Proof that a wallet is in the cloud and read back to the same secret.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct BackupReceipt {
    pub epoch_id: String,
    pub record_id: String,
    pub backed_up_at: f64,
    pub verified_at: f64,
    pub object_name: String,
    pub retired_copies: u32,
}

/// Which epoch a password opens.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct PasswordCheck {
    pub epoch_id: String,
    pub is_active: bool,
}

/// A finished password change.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct PasswordChange {
    pub epoch_id: String,
    pub changed_at: f64,
    pub retired_wraps: u32,
}

/// A wallet that could not be restored.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct RestoreFailure {
    pub record_id: String,
    pub kind: String,
    pub message: String,
    pub hint: String,
    pub copies_tried: u32,
}

/// What a restore produced.
#[napi(object, object_from_js = false)]
#[derive(Debug)]
pub struct RestoreReport {
    pub epoch_id: String,
    pub wallets: Vec<RestoredWallet>,
    pub failures: Vec<RestoreFailure>,
}

impl From<cairn_core::Inventory> for Inventory {
    fn from(inventory: cairn_core::Inventory) -> Self {
        Inventory {
            epochs: inventory.epochs.into_iter().map(EpochSummary::from).collect(),
            active_epoch: inventory.active_epoch.map(|id| id.to_string()),
            problems: inventory
                .problems
                .into_iter()
                .map(|problem| ObjectProblem {
                    name: problem.name,
                    kind: problem.error.kind().as_str().to_owned(),
                    message: problem.error.message(),
                    hint: problem.error.hint().to_owned(),
                })
                .collect(),
            foreign_objects: count(inventory.foreign_objects),
        }
    }
}

impl From<cairn_core::EpochSummary> for EpochSummary {
    fn from(epoch: cairn_core::EpochSummary) -> Self {
        EpochSummary {
            epoch_id: epoch.epoch_id.to_string(),
            is_active: epoch.is_active,
            born_at: seconds(epoch.born_at),
            password_set_at: epoch.password_set_at.map(seconds),
            password_wraps: count(epoch.password_wraps),
            wallet_count: count(epoch.wallet_count),
            last_backup_at: epoch.last_backup_at.map(seconds),
            records: epoch
                .records
                .into_iter()
                .map(|record| RecordSummary {
                    record_id: record.record_id.to_string(),
                    first_backed_up_at: seconds(record.first_backed_up_at),
                    backed_up_at: seconds(record.backed_up_at),
                    stored_at: seconds(record.stored_at),
                    copies: count(record.copies),
                })
                .collect(),
        }
    }
}

impl From<cairn_core::BackupReceipt> for BackupReceipt {
    fn from(receipt: cairn_core::BackupReceipt) -> Self {
        BackupReceipt {
            epoch_id: receipt.epoch_id.to_string(),
            record_id: receipt.record_id.to_string(),
            backed_up_at: seconds(receipt.backed_up_at),
            verified_at: seconds(receipt.verified_at),
            object_name: receipt.object_name,
            retired_copies: count(receipt.retired_copies),
        }
    }
}

impl From<cairn_core::RestoreReport> for RestoreReport {
    fn from(report: cairn_core::RestoreReport) -> Self {
        RestoreReport {
            epoch_id: report.epoch_id.to_string(),
            wallets: report.wallets.into_iter().map(RestoredWallet::from).collect(),
            failures: report
                .failures
                .into_iter()
                .map(|failure| RestoreFailure {
                    record_id: failure.record_id.to_string(),
                    kind: failure.error.kind().as_str().to_owned(),
                    message: failure.error.message(),
                    hint: failure.error.hint().to_owned(),
                    copies_tried: count(failure.copies_tried),
                })
                .collect(),
        }
    }
}
