//! The exported objects: one `BackupService` per signed-in account, the unlocked-epoch handle
//! and restored-wallet handles. Each method is a one-line call into `cairn-core` plus type
//! conversion; secrets arriving as `String` are wiped right after use.

use std::path::PathBuf;
use std::sync::Arc;

use cairn_cloud::cloudkit::CloudKitStore;
use cairn_cloud::google_drive::DriveConfig;
use cairn_cloud::google_drive::GoogleDriveStore;
use cairn_cloud::huawei_drive::HuaweiDriveStore;
use cairn_cloud::local_folder::LocalFolderStore;
use cairn_cloud::memory::MemoryStore;
use cairn_core::{
    BackupPassword, BackupRequest, CloudStore, ConfirmDeleteEpoch, ConfirmDeleteWallet, EpochId, ExportScope,
    PassphraseBackup, PasswordPolicy, PrivateKey, RecordId, SecretString,
};
use cairn_crypto::PrivateKeyKind;
use cairn_crypto::private_key::KindLabel;
use tokio::sync::Mutex;
use zeroize::Zeroize;

use crate::cancel::{CancellationToken, cancellable};
use crate::error::{CairnError, invalid_input};
use crate::foreign::{CloudKitBridge, CloudKitBridgeAdapter, TokenProvider, TokenProviderAdapter};
use crate::observe::{ProgressAdapter, ProgressListener};
use crate::records::*;

fn parse_epoch(text: &str) -> Result<EpochId, CairnError> {
    text.parse().map_err(|_| invalid_input("epoch id"))
}

fn parse_record(text: &str) -> Result<RecordId, CairnError> {
    text.parse().map_err(|_| invalid_input("record id"))
}

fn parse_epoch_opt(text: Option<String>) -> Result<Option<EpochId>, CairnError> {
    text.as_deref().map(parse_epoch).transpose()
}

fn drive_config(api_base: &str) -> Result<DriveConfig, CairnError> {
    let url = url::Url::parse(api_base).map_err(|_| invalid_input("API base URL"))?;
    Ok(DriveConfig::new(url))
}

/// Takes the host's password string; the `String` is wiped inside `from_user_input`.
fn password(typed: String) -> BackupPassword {
    BackupPassword::from_user_input(typed)
}

/// Backups of one signed-in cloud account.
#[derive(Debug, uniffi::Object)]
pub struct BackupService {
    inner: cairn_core::BackupService,
}

impl BackupService {
    fn over(store: Arc<dyn CloudStore>) -> Arc<Self> {
        Arc::new(BackupService { inner: cairn_core::BackupService::with_defaults(store) })
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl BackupService {
    /// Google Drive's app-data folder. `api_base` is `https://www.googleapis.com` in production
    /// or an emulator's address.
    #[uniffi::constructor]
    pub fn google_drive(api_base: String, tokens: Arc<dyn TokenProvider>) -> Result<Arc<Self>, CairnError> {
        let adapter = Arc::new(TokenProviderAdapter(tokens));
        let config = drive_config(&api_base)?;
        let store = GoogleDriveStore::with_transport(config, adapter, crate::http::http_transport()?);
        Ok(Self::over(Arc::new(store)))
    }

    /// Huawei Drive's app-data folder (`https://driveapis.cloud.huawei.com.cn` or an emulator).
    #[uniffi::constructor]
    pub fn huawei_drive(api_base: String, tokens: Arc<dyn TokenProvider>) -> Result<Arc<Self>, CairnError> {
        let adapter = Arc::new(TokenProviderAdapter(tokens));
        let config = drive_config(&api_base)?;
        let store = HuaweiDriveStore::with_transport(config, adapter, crate::http::http_transport()?);
        Ok(Self::over(Arc::new(store)))
    }

    /// iCloud through the host's CloudKit shim.
    #[uniffi::constructor]
    pub fn icloud(bridge: Arc<dyn CloudKitBridge>) -> Arc<Self> {
        Self::over(Arc::new(CloudKitStore::new(Arc::new(CloudKitBridgeAdapter(bridge)))))
    }

    /// A local folder (development, desktop, tests).
    #[uniffi::constructor]
    pub fn local_folder(path: String) -> Result<Arc<Self>, CairnError> {
        let store = LocalFolderStore::open(PathBuf::from(path)).map_err(|_| invalid_input("local folder"))?;
        Ok(Self::over(Arc::new(store)))
    }

    /// Process memory only (tests, previews): gone when the service is.
    #[uniffi::constructor]
    pub fn in_memory() -> Arc<Self> {
        Self::over(Arc::new(MemoryStore::new()))
    }

    /// Sends this service's progress (and its unlocked handles') to `listener`; `None` stops it.
    pub fn set_progress_listener(&self, listener: Option<Arc<dyn ProgressListener>>) {
        self.inner.set_progress_listener(
            listener.map(|l| Arc::new(ProgressAdapter(l)) as Arc<dyn cairn_core::ProgressListener>),
        );
    }

    /// Epochs, their records and unreadable objects, from one listing (no password).
    #[uniffi::method(default(cancel = None))]
    pub async fn inventory(&self, cancel: Option<Arc<CancellationToken>>) -> Result<Inventory, CairnError> {
        cancellable(cancel, async { Ok(self.inner.inventory().await?.into()) }).await
    }

    /// Sets the account's first backup password (fails with `BackupExists` if it has one).
    #[uniffi::method(default(cancel = None))]
    pub async fn create_first_password(
        &self,
        password_text: String,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<Arc<UnlockedBackup>, CairnError> {
        let password = password(password_text);
        cancellable(cancel, async {
            let unlocked = self.inner.create_first_password(password, &PasswordPolicy::default()).await?;
            Ok(UnlockedBackup::wrap(unlocked))
        })
        .await
    }

    /// "Forgot password": a new epoch under a new password becomes the active one.
    #[uniffi::method(default(cancel = None))]
    pub async fn start_new_epoch(
        &self,
        password_text: String,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<Arc<UnlockedBackup>, CairnError> {
        let password = password(password_text);
        cancellable(cancel, async {
            let unlocked = self.inner.start_new_epoch(password, &PasswordPolicy::default()).await?;
            Ok(UnlockedBackup::wrap(unlocked))
        })
        .await
    }

    /// Unlocks the active epoch, or `epoch_id`.
    #[uniffi::method(default(cancel = None))]
    pub async fn unlock(
        &self,
        password_text: String,
        epoch_id: Option<String>,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<Arc<UnlockedBackup>, CairnError> {
        let password = password(password_text);
        let epoch = parse_epoch_opt(epoch_id)?;
        cancellable(cancel, async { Ok(UnlockedBackup::wrap(self.inner.unlock(password, epoch).await?)) })
            .await
    }

    /// Checks a password without downloading any wallet.
    #[uniffi::method(default(cancel = None))]
    pub async fn check_password(
        &self,
        password_text: String,
        epoch_id: Option<String>,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<PasswordCheck, CairnError> {
        let password = password(password_text);
        let epoch = parse_epoch_opt(epoch_id)?;
        cancellable(cancel, async { Ok(self.inner.check_password(password, epoch).await?.into()) }).await
    }

    /// Health of the app's wallets from one listing.
    pub async fn health(&self, wallets: Vec<WalletHealthQuery>) -> Result<Vec<WalletHealth>, CairnError> {
        let queries = wallets.into_iter().map(TryInto::try_into).collect::<Result<Vec<_>, _>>()?;
        Ok(self.inner.health(&queries).await.into_iter().map(Into::into).collect())
    }

    /// Deletes every copy of one wallet's backup (ids as the app showed them).
    pub async fn delete_wallet_backup(
        &self,
        epoch_id: String,
        record_id: String,
    ) -> Result<DeleteReport, CairnError> {
        let confirm =
            ConfirmDeleteWallet { epoch_id: parse_epoch(&epoch_id)?, record_id: parse_record(&record_id)? };
        Ok(self.inner.delete_wallet_backup(confirm).await?.into())
    }

    /// Deletes a whole epoch; `wallet_count` is what the user confirmed (refused if it changed).
    pub async fn delete_epoch(
        &self,
        epoch_id: String,
        wallet_count: u64,
    ) -> Result<DeleteReport, CairnError> {
        let wallet_count = usize::try_from(wallet_count).map_err(|_| invalid_input("wallet count"))?;
        let confirm = ConfirmDeleteEpoch { epoch_id: parse_epoch(&epoch_id)?, wallet_count };
        Ok(self.inner.delete_epoch(confirm).await?.into())
    }

    /// The account's encrypted objects (all, or one epoch's) as one export file.
    pub async fn export(&self, epoch_id: Option<String>) -> Result<ExportFile, CairnError> {
        let scope = parse_epoch_opt(epoch_id)?.map_or(ExportScope::Everything, ExportScope::Epoch);
        Ok(self.inner.export(scope).await?.into())
    }

    /// Uploads an export file's objects into this account, each verified by read-back.
    pub async fn import(&self, file: Vec<u8>) -> Result<ImportReport, CairnError> {
        Ok(self.inner.import(&file).await?.into())
    }
}

/// An unlocked epoch: backs up, restores, changes the password. Closing it drops the epoch key.
#[derive(uniffi::Object)]
pub struct UnlockedBackup {
    inner: Mutex<cairn_core::UnlockedBackup>,
    epoch_id: String,
}

impl std::fmt::Debug for UnlockedBackup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnlockedBackup").field("epoch_id", &self.epoch_id).finish_non_exhaustive()
    }
}

impl UnlockedBackup {
    fn wrap(inner: cairn_core::UnlockedBackup) -> Arc<Self> {
        let epoch_id = inner.epoch_id().to_string();
        Arc::new(UnlockedBackup { inner: Mutex::new(inner), epoch_id })
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl UnlockedBackup {
    /// The epoch this handle opened.
    pub fn epoch_id(&self) -> String {
        self.epoch_id.clone()
    }

    /// Backs up a BIP39 wallet (phrase as typed). With a `passphrase`, `include_passphrase`
    /// decides whether it is stored or only its fingerprint is.
    #[uniffi::method(default(cancel = None))]
    pub async fn backup_mnemonic(
        &self,
        mut phrase: String,
        passphrase: Option<String>,
        include_passphrase: bool,
        label: String,
        chain_hints: Vec<String>,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<BackupReceipt, CairnError> {
        let secret = SecretString::new(std::mem::take(&mut phrase));
        let passphrase = passphrase.map(SecretString::new);
        let choice = if include_passphrase { PassphraseBackup::Include } else { PassphraseBackup::Exclude };
        let request =
            BackupRequest::mnemonic_phrase(&secret, passphrase, choice, label)?.with_chain_hints(chain_hints);
        cancellable(cancel, async { Ok(self.inner.lock().await.backup_wallet(&request).await?.into()) }).await
    }

    /// Backs up a raw private key; `key_kind` is `None` for secp256k1 (hex or WIF), else the
    /// app's label for an opaque key (`ed25519`, `solana`, …).
    #[uniffi::method(default(cancel = None))]
    pub async fn backup_private_key(
        &self,
        mut key: String,
        key_kind: Option<String>,
        label: String,
        chain_hints: Vec<String>,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<BackupReceipt, CairnError> {
        let kind = match key_kind {
            None => PrivateKeyKind::Secp256k1,
            Some(text) => {
                PrivateKeyKind::Opaque(KindLabel::new(&text).map_err(cairn_core::CairnError::from)?)
            }
        };
        let parsed = PrivateKey::parse(&key, kind);
        key.zeroize();
        let request = BackupRequest::private_key(parsed.map_err(cairn_core::CairnError::from)?, label)
            .with_chain_hints(chain_hints);
        cancellable(cancel, async { Ok(self.inner.lock().await.backup_wallet(&request).await?.into()) }).await
    }

    /// Downloads and decrypts every wallet of the epoch; damaged ones are listed as failures.
    #[uniffi::method(default(cancel = None))]
    pub async fn restore_all(
        &self,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<RestoreReport, CairnError> {
        cancellable(cancel, async { Ok(self.inner.lock().await.restore_all().await?.into()) }).await
    }

    /// Changes this epoch's password (verified by read-back before older wraps are retired).
    #[uniffi::method(default(cancel = None))]
    pub async fn change_password(
        &self,
        new_password: String,
        cancel: Option<Arc<CancellationToken>>,
    ) -> Result<PasswordChange, CairnError> {
        let new_password = password(new_password);
        cancellable(cancel, async {
            let mut unlocked = self.inner.lock().await;
            Ok(unlocked.change_password(new_password, &PasswordPolicy::default()).await?.into())
        })
        .await
    }

    /// Retires superseded copies and wraps.
    #[uniffi::method(default(cancel = None))]
    pub async fn cleanup(&self, cancel: Option<Arc<CancellationToken>>) -> Result<CleanupReport, CairnError> {
        cancellable(cancel, async { Ok(self.inner.lock().await.cleanup().await?.into()) }).await
    }
}

/// One restored wallet. The secret stays in Rust until asked for, and `wipe()` (or closing the
/// handle) drops it.
#[derive(uniffi::Object)]
pub struct RestoredWallet {
    secret: std::sync::Mutex<Option<cairn_core::RestoredWallet>>,
    info: RestoredWalletInfo,
}

impl std::fmt::Debug for RestoredWallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestoredWallet").field("record_id", &self.info.record_id).finish_non_exhaustive()
    }
}

impl RestoredWallet {
    pub(crate) fn wrap(wallet: cairn_core::RestoredWallet) -> Arc<Self> {
        let info = RestoredWalletInfo::from(&wallet);
        Arc::new(RestoredWallet { secret: std::sync::Mutex::new(Some(wallet)), info })
    }

    fn read(
        &self,
        pick: impl FnOnce(&cairn_core::RestoredWallet) -> Option<SecretString>,
    ) -> Result<Option<String>, CairnError> {
        // A poisoned lock only means another reader panicked; the wallet itself is intact.
        let guard = self.secret.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let wallet = guard.as_ref().ok_or_else(|| invalid_input("the wallet handle was wiped"))?;
        Ok(pick(wallet).map(|secret| secret.expose_str().to_owned()))
    }
}

#[uniffi::export]
impl RestoredWallet {
    /// Ids, label, kind and dates (nothing secret).
    pub fn info(&self) -> RestoredWalletInfo {
        self.info.clone()
    }

    /// The recovery phrase (`None` for a private-key wallet). Fails once wiped.
    pub fn reveal_phrase(&self) -> Result<Option<String>, CairnError> {
        self.read(cairn_core::RestoredWallet::expose_phrase)
    }

    /// The private key as it was written (`None` for a mnemonic wallet). Fails once wiped.
    pub fn reveal_private_key(&self) -> Result<Option<String>, CairnError> {
        self.read(cairn_core::RestoredWallet::expose_private_key)
    }

    /// The BIP39 passphrase, when it was backed up. Fails once wiped.
    pub fn reveal_stored_passphrase(&self) -> Result<Option<String>, CairnError> {
        self.read(cairn_core::RestoredWallet::expose_stored_passphrase)
    }

    /// Drops the secret now (its memory is zeroized); later reveals fail.
    pub fn wipe(&self) {
        let mut guard = self.secret.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = None;
    }

    /// Whether `wipe()` was called.
    pub fn is_wiped(&self) -> bool {
        self.secret.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_none()
    }
}
