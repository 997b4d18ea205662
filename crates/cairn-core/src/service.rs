//! The backup service: one per signed-in cloud account. Rules in `docs/SERVICE.md`.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;

use cairn_cloud::memory::MemoryStore;
use cairn_cloud::{AppProperties, CloudError, CloudStore, Quota};
use cairn_crypto::format::{
    EpochId, ObjectInfo, RecordId, RecordPlaintext, UnlockedEpoch, WalletSecret, create_epoch, inspect,
    rewrap_epoch, unlock_epoch,
};
use cairn_crypto::password::PasswordPolicy;
use cairn_crypto::private_key::{KindLabel, PrivateKeyKind};
use cairn_crypto::{BackupPassword, KdfParams, PrivateKey};
use subtle::ConstantTimeEq;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::clock::{Clock, SystemClock};
use crate::error::{CairnError, ConflictReason, Damage, VerificationStage};
use crate::export;
use crate::health::{BackupRef, HealthStatus, WalletHealth, WalletHealthQuery};
use crate::layout::{EpochEntry, EpochName, Listed, Listing, MAX_NAME_TIME, RecordName, unix_seconds};
use crate::observe::{self, LogEvent, Operation, ProgressEvent, ProgressListener, Stage};
use crate::wallet::{BackupReceipt, BackupRequest, RestoredWallet};

/// Default number of downloads in flight at once. Wallet objects are a few hundred bytes, so a
/// restore is bound by round trips, not bandwidth: 24 lets a typical account (≤ 24 wallets) come
/// back in one round of downloads (DESIGN: "about one KDF plus two round trips"), while still
/// bounding the burst a provider sees.
pub const DEFAULT_PARALLEL_DOWNLOADS: usize = 24;
const MAX_PARALLEL_DOWNLOADS: usize = 32;

/// How a service is set up. Production code uses [`ServiceConfig::new`].
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    kdf_params: KdfParams,
    parallel_downloads: usize,
}

impl ServiceConfig {
    /// Recommended KDF parameters (64 MiB, t=3, p=4) and 8 parallel downloads.
    pub fn new() -> Self {
        Self { kdf_params: KdfParams::recommended(), parallel_downloads: DEFAULT_PARALLEL_DOWNLOADS }
    }

    /// Other KDF parameters for new epochs and password changes; refused below the security
    /// floor of `KdfParams::for_new_epoch` (never weaker than OWASP's minimum).
    pub fn with_kdf_params(mut self, params: KdfParams) -> Result<Self, CairnError> {
        self.kdf_params =
            KdfParams::for_new_epoch(params.memory_kib(), params.iterations(), params.parallelism())?;
        Ok(self)
    }

    /// How many downloads run at once during restore, inventory and export (1..=32).
    pub fn with_parallel_downloads(mut self, parallel: usize) -> Self {
        self.parallel_downloads = parallel.clamp(1, MAX_PARALLEL_DOWNLOADS);
        self
    }

    /// Tiny KDF parameters so tests run fast. Only compiled with the `insecure-test-kdf`
    /// feature, which shipped builds never enable.
    #[cfg(feature = "insecure-test-kdf")]
    #[doc(hidden)]
    pub fn insecure_test_kdf(mut self) -> Self {
        self.kdf_params = KdfParams::insecure_for_tests();
        self
    }

    /// How many downloads run at once.
    pub fn parallel_downloads(&self) -> usize {
        self.parallel_downloads
    }

    /// The parameters new epochs are created with.
    pub fn kdf_params(&self) -> KdfParams {
        self.kdf_params
    }
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self::new()
    }
}

struct Inner {
    store: Arc<dyn CloudStore>,
    clock: Arc<dyn Clock>,
    config: ServiceConfig,
    kdf_runs: AtomicU64,
    progress: RwLock<Option<Arc<dyn ProgressListener>>>,
}

/// The backup service of one signed-in cloud account.
#[derive(Clone)]
pub struct BackupService {
    inner: Arc<Inner>,
}

impl fmt::Debug for BackupService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupService")
            .field("config", &self.inner.config)
            .field("kdf_runs", &self.kdf_runs())
            .finish_non_exhaustive()
    }
}

/// The password-free view of an account's backups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inventory {
    /// Every epoch, the active one first, then newest first.
    pub epochs: Vec<EpochSummary>,
    /// The active epoch (where new backups go), if any.
    pub active_epoch: Option<EpochId>,
    /// Cairn objects that are damaged, unreadable or misnamed (not fatal).
    pub problems: Vec<ObjectProblem>,
    /// Objects in the app's space that are not Cairn's (ignored).
    pub foreign_objects: usize,
}

impl Inventory {
    /// Whether the account holds no Cairn backup at all.
    pub fn is_empty(&self) -> bool {
        self.epochs.is_empty()
    }

    /// The active epoch's summary.
    pub fn active(&self) -> Option<&EpochSummary> {
        self.epochs.iter().find(|e| e.is_active)
    }
}

/// One epoch (one backup password) as seen without the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpochSummary {
    /// The epoch id.
    pub epoch_id: EpochId,
    /// Whether new backups go here.
    pub is_active: bool,
    /// When the epoch was first created (Unix seconds).
    pub born_at: u64,
    /// When its current password was set (the newest readable wrap; `None` if none is readable).
    pub password_set_at: Option<u64>,
    /// KDF parameters of the current password wrap.
    pub kdf_params: Option<KdfParams>,
    /// Readable password wraps (more than one after an interrupted password change).
    pub password_wraps: usize,
    /// Wallets backed up in this epoch (readable records, one per wallet).
    pub wallet_count: usize,
    /// The newest backup time among its wallets.
    pub last_backup_at: Option<u64>,
    /// Its wallets.
    pub records: Vec<RecordSummary>,
}

/// One wallet's backup, without the password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSummary {
    /// The record id.
    pub record_id: RecordId,
    /// When this wallet was first backed up in this epoch (its oldest stored copy).
    pub first_backed_up_at: u64,
    /// When its newest copy was written (the last update).
    pub backed_up_at: u64,
    /// When the provider last stored it (Unix seconds).
    pub stored_at: u64,
    /// Readable copies (more than one after an interrupted update).
    pub copies: usize,
}

/// A Cairn object that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectProblem {
    /// Its name in the cloud.
    pub name: String,
    /// What is wrong.
    pub error: CairnError,
}

/// Result of a password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordCheck {
    /// The epoch the password opens.
    pub epoch_id: EpochId,
    /// Whether that epoch is the active one.
    pub is_active: bool,
}

/// What a restore produced: every wallet that decrypted, and every one that did not.
#[derive(Debug)]
pub struct RestoreReport {
    /// The epoch restored.
    pub epoch_id: EpochId,
    /// Restored wallets, oldest backup first.
    pub wallets: Vec<RestoredWallet>,
    /// Wallets none of whose copies could be read.
    pub failures: Vec<RestoreFailure>,
}

/// A wallet that could not be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreFailure {
    /// Its record id.
    pub record_id: RecordId,
    /// Why (the newest copy's error).
    pub error: CairnError,
    /// How many copies were tried.
    pub copies_tried: usize,
}

/// What a cleanup removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupReport {
    /// Older record copies retired because a newer copy verified.
    pub retired_records: usize,
    /// Older password wraps retired because the newest one unlocked.
    pub retired_wraps: usize,
    /// Copies left in place because no newer verified copy proves them superseded.
    pub kept: usize,
}

/// Result of a password change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordChange {
    /// The epoch (unchanged id: records stay as they are).
    pub epoch_id: EpochId,
    /// When the new wrap was written.
    pub changed_at: u64,
    /// Old wraps removed after the new one verified.
    pub retired_wraps: usize,
}

/// Confirms deleting every copy of one wallet's backup. Build it from the ids the app shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmDeleteWallet {
    /// The epoch holding the wallet.
    pub epoch_id: EpochId,
    /// The wallet's record id.
    pub record_id: RecordId,
}

/// Confirms deleting a whole epoch: its password and every wallet in it. The caller names the
/// number of wallets it showed the user; if another device changed it since, nothing is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfirmDeleteEpoch {
    /// The epoch to delete.
    pub epoch_id: EpochId,
    /// How many wallets the user was told will be deleted.
    pub wallet_count: usize,
}

/// What a delete removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DeleteReport {
    /// Objects deleted.
    pub objects_deleted: usize,
}

/// Which objects an export contains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportScope {
    /// Every epoch and record of the account.
    Everything,
    /// One epoch: its password wraps and records.
    Epoch(EpochId),
}

/// An export file in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// The container bytes (`docs/SERVICE.md` §8).
    pub bytes: Vec<u8>,
    /// Objects included.
    pub objects: usize,
    /// Damaged objects left out.
    pub skipped: Vec<ObjectProblem>,
}

/// What an import into a store did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Objects uploaded and read back identical.
    pub uploaded: usize,
    /// Objects the store already held, byte for byte.
    pub already_present: usize,
}

impl BackupService {
    /// A service over `store` with the given clock and configuration.
    pub fn new(store: Arc<dyn CloudStore>, clock: Arc<dyn Clock>, config: ServiceConfig) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                clock,
                config,
                kdf_runs: AtomicU64::new(0),
                progress: RwLock::new(None),
            }),
        }
    }

    /// A production service: system clock, recommended KDF parameters.
    pub fn with_defaults(store: Arc<dyn CloudStore>) -> Self {
        Self::new(store, Arc::new(SystemClock), ServiceConfig::new())
    }

    /// How many password-key derivations (Argon2id runs) this service has started. Lets tests
    /// and benchmarks check "one KDF per unlock" without timing anything.
    pub fn kdf_runs(&self) -> u64 {
        self.inner.kdf_runs.load(Ordering::SeqCst)
    }

    /// The account's storage usage, so an app can warn before a backup hits a full quota.
    pub async fn storage_quota(&self) -> Result<Quota, CairnError> {
        Ok(self.inner.store.quota().await?)
    }

    /// The store this service works on.
    pub fn store(&self) -> &Arc<dyn CloudStore> {
        &self.inner.store
    }

    /// Sends this service's progress events (and those of its unlocked handles) to `listener`;
    /// `None` stops them. Replaces any earlier listener.
    pub fn set_progress_listener(&self, listener: Option<Arc<dyn ProgressListener>>) {
        *self.inner.progress.write().unwrap_or_else(PoisonError::into_inner) = listener;
    }

    /// Reports one step to the listener (called outside the lock) and to the log at trace level.
    fn progress(&self, operation: Operation, stage: Stage, completed: usize, total: usize) {
        let event = ProgressEvent { operation, stage, completed: completed as u64, total: total as u64 };
        let listener = self.inner.progress.read().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some(listener) = listener {
            listener.on_progress(event);
        }
        observe::log(LogEvent::Progress(event));
    }

    /// Runs one public operation: logs its start and its end (duration, error kind), and
    /// reports `Finished` when it succeeded.
    async fn observed<T>(
        &self,
        operation: Operation,
        work: impl Future<Output = Result<T, CairnError>>,
    ) -> Result<T, CairnError> {
        observe::log(LogEvent::OperationStarted { operation });
        let started = Instant::now();
        let result = work.await;
        let duration = started.elapsed();
        match &result {
            Ok(_) => {
                self.progress(operation, Stage::Finished, 0, 0);
                observe::log(LogEvent::OperationFinished { operation, duration });
            }
            Err(error) => {
                if let CairnError::VerificationFailed { stage } = error {
                    observe::log(LogEvent::VerificationFailed { operation, stage: *stage });
                }
                observe::log(LogEvent::OperationFailed { operation, kind: error.kind(), duration });
            }
        }
        result
    }

    fn now(&self) -> u64 {
        self.inner.clock.now_unix()
    }

    async fn run_kdf<T: Send + 'static>(
        &self,
        operation: Operation,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, CairnError> {
        self.progress(operation, Stage::DerivingKey, 0, 0);
        self.inner.kdf_runs.fetch_add(1, Ordering::SeqCst);
        let started = Instant::now();
        let result = tokio::task::spawn_blocking(job).await?;
        observe::log(LogEvent::KeyDerived { duration: started.elapsed() });
        Ok(result)
    }

    pub(crate) async fn listing(&self) -> Result<Listing, CairnError> {
        let started = Instant::now();
        let objects = self.inner.store.list().await?;
        observe::log(LogEvent::Listed { objects: objects.len(), duration: started.elapsed() });
        Ok(Listing::from_objects(objects))
    }

    /// The listing step of `operation`.
    async fn list_for(&self, operation: Operation) -> Result<Listing, CairnError> {
        self.progress(operation, Stage::Listing, 0, 0);
        self.listing().await
    }

    async fn get(&self, name: &str) -> Result<Vec<u8>, CairnError> {
        Ok(self.inner.store.get(name).await?.bytes)
    }

    /// Downloads `names`, at most `parallel_downloads` at once; results in the same order.
    /// Reports `Downloading` progress (done of total) for `operation`, and logs failures by kind.
    async fn fetch_all(&self, operation: Operation, names: &[String]) -> Vec<Result<Vec<u8>, CairnError>> {
        let total = names.len();
        self.progress(operation, Stage::Downloading, 0, total);
        let limit = Arc::new(Semaphore::new(self.inner.config.parallel_downloads));
        let mut tasks = JoinSet::new();
        for (index, name) in names.iter().enumerate() {
            let store = Arc::clone(&self.inner.store);
            let limit = Arc::clone(&limit);
            let name = name.clone();
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                (index, store.get(&name).await.map(|object| object.bytes).map_err(CairnError::from))
            });
        }
        let mut results: Vec<Result<Vec<u8>, CairnError>> =
            names.iter().map(|_| Err(CairnError::internal("download task lost"))).collect();
        let mut completed = 0;
        while let Some(joined) = tasks.join_next().await {
            completed += 1;
            self.progress(operation, Stage::Downloading, completed, total);
            if let Ok((index, result)) = joined
                && let Some(slot) = results.get_mut(index)
            {
                *slot = result;
            }
        }
        let mut failed: Vec<(crate::ErrorKind, usize)> = Vec::new();
        for error in results.iter().filter_map(|r| r.as_ref().err()) {
            match failed.iter_mut().find(|(kind, _)| *kind == error.kind()) {
                Some((_, count)) => *count += 1,
                None => failed.push((error.kind(), 1)),
            }
        }
        for (kind, count) in failed {
            observe::log(LogEvent::DownloadsFailed { kind, count });
        }
        results
    }

    /// Uploads `bytes` under `name`, downloads it again and compares in constant time. On any
    /// verification failure the (unverified) new object is removed again, best effort.
    async fn put_verified(
        &self,
        operation: Operation,
        name: &str,
        bytes: &[u8],
    ) -> Result<Vec<u8>, CairnError> {
        self.progress(operation, Stage::Uploading, 0, 0);
        self.inner.store.put(name, bytes, &AppProperties::new()).await?;
        self.progress(operation, Stage::Verifying, 0, 0);
        let read = match self.inner.store.get(name).await {
            Ok(object) => object.bytes,
            Err(error) => {
                self.discard(name).await;
                return Err(match error {
                    CloudError::ReSignInRequired
                    | CloudError::NotSignedIn
                    | CloudError::ProviderUnavailable { .. } => error.into(),
                    _ => CairnError::verification(VerificationStage::ReadBack),
                });
            }
        };
        let same = read.len() == bytes.len() && bool::from(read.as_slice().ct_eq(bytes));
        if !same {
            self.discard(name).await;
            return Err(CairnError::verification(VerificationStage::BytesDiffer));
        }
        Ok(read)
    }

    /// Removes an object this run wrote but could not verify. Failure leaves a leftover that
    /// is never preferred over a verified copy and is retired later (docs/SERVICE.md §6).
    async fn discard(&self, name: &str) {
        if let Err(error) = self.inner.store.delete(name).await {
            observe::log(LogEvent::DiscardFailed { kind: CairnError::from(error).kind() });
        }
    }

    /// The password-free inventory: one listing plus a download (bounded, parallel) of every
    /// Cairn object to check its header. Damaged objects are reported, not fatal.
    pub async fn inventory(&self) -> Result<Inventory, CairnError> {
        self.observed(Operation::Inventory, self.inventory_inner()).await
    }

    async fn inventory_inner(&self) -> Result<Inventory, CairnError> {
        let listing = self.list_for(Operation::Inventory).await?;
        let mut problems: Vec<ObjectProblem> = listing
            .unrecognised
            .iter()
            .map(|name| ObjectProblem {
                name: name.clone(),
                error: CairnError::corrupted(Damage::NameMismatch),
            })
            .collect();
        let wrap_names: Vec<String> =
            listing.epochs.values().flat_map(|e| e.wraps.iter().map(|w| w.meta.name.clone())).collect();
        let record_names: Vec<String> =
            listing.records.values().flat_map(|c| c.iter().map(|r| r.meta.name.clone())).collect();
        let all_names: Vec<String> = wrap_names.iter().chain(record_names.iter()).cloned().collect();
        let fetched = self.fetch_all(Operation::Inventory, &all_names).await;
        let mut verdicts = std::collections::BTreeMap::new();
        for (name, result) in all_names.iter().zip(fetched) {
            let verdict = match result {
                Ok(bytes) => check_header(name, &bytes),
                // Deleted between the listing and the download: not a problem, just gone.
                Err(CairnError::NotFound) => continue,
                Err(error) if is_transport_failure(&error) => return Err(error),
                Err(error) => Err(error),
            };
            if let Err(error) = &verdict {
                problems.push(ObjectProblem { name: name.clone(), error: error.clone() });
            }
            verdicts.insert(name.clone(), verdict);
        }
        let active = listing.active_epoch().map(|e| e.epoch_id);
        let mut epoch_ids: Vec<EpochId> = listing.epochs.keys().copied().collect();
        for (epoch_id, _) in listing.records.keys() {
            if !epoch_ids.contains(epoch_id) {
                epoch_ids.push(*epoch_id);
            }
        }
        let mut epochs = Vec::new();
        for epoch_id in epoch_ids {
            let entry = listing.epochs.get(&epoch_id);
            let good_wraps: Vec<(&Listed<EpochName>, Option<KdfParams>)> = entry
                .map(|e| {
                    e.wraps
                        .iter()
                        .filter_map(|w| match verdicts.get(&w.meta.name) {
                            Some(Ok(ObjectInfo::Epoch(info))) => Some((w, Some(info.kdf_params))),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            let mut records = Vec::new();
            for (record_id, copies) in listing.records_of(epoch_id) {
                let good: Vec<&Listed<RecordName>> = copies
                    .iter()
                    .filter(|c| matches!(verdicts.get(&c.meta.name), Some(Ok(ObjectInfo::Record(_)))))
                    .collect();
                if let (Some(first), Some(last)) = (good.first(), good.last()) {
                    records.push(RecordSummary {
                        record_id,
                        first_backed_up_at: first.name.created,
                        backed_up_at: last.name.created,
                        stored_at: unix_seconds(last.meta.modified),
                        copies: good.len(),
                    });
                }
            }
            let born_at = entry.map_or(0, EpochEntry::born);
            let newest_wrap = good_wraps.last();
            epochs.push(EpochSummary {
                epoch_id,
                is_active: Some(epoch_id) == active,
                born_at,
                password_set_at: newest_wrap.map(|(w, _)| w.name.created),
                kdf_params: newest_wrap.and_then(|(_, params)| *params),
                password_wraps: good_wraps.len(),
                wallet_count: records.len(),
                last_backup_at: records.iter().map(|r| r.backed_up_at).max(),
                records,
            });
        }
        epochs.sort_by_key(|e| std::cmp::Reverse((e.is_active, e.born_at, e.epoch_id)));
        Ok(Inventory { epochs, active_epoch: active, problems, foreign_objects: listing.foreign })
    }

    /// Sets the account's first backup password: creates the first epoch. Refused with
    /// `BackupExists` when the account already has one (verify it with [`Self::unlock`], or
    /// start over with [`Self::start_new_epoch`]).
    pub async fn create_first_password(
        &self,
        password: BackupPassword,
        policy: &PasswordPolicy,
    ) -> Result<UnlockedBackup, CairnError> {
        self.observed(Operation::FirstPassword, self.create_epoch_flow(password, policy, true)).await
    }

    /// "Forgot password": starts a new epoch under a new password; it becomes the active one.
    /// Older epochs and their records are not touched.
    pub async fn start_new_epoch(
        &self,
        password: BackupPassword,
        policy: &PasswordPolicy,
    ) -> Result<UnlockedBackup, CairnError> {
        self.observed(Operation::NewEpoch, self.create_epoch_flow(password, policy, false)).await
    }

    async fn create_epoch_flow(
        &self,
        password: BackupPassword,
        policy: &PasswordPolicy,
        first: bool,
    ) -> Result<UnlockedBackup, CairnError> {
        let operation = if first { Operation::FirstPassword } else { Operation::NewEpoch };
        policy.check(&password)?;
        let listing = self.list_for(operation).await?;
        if first && !listing.epochs.is_empty() {
            return Err(CairnError::BackupExists);
        }
        // The new epoch is one generation above every epoch this device sees, so it becomes the
        // active one whatever the device clocks say (docs/SERVICE.md §3).
        let generation = listing.newest_generation().saturating_add(1);
        let born = self.now();
        if born > MAX_NAME_TIME {
            return Err(CairnError::internal("clock beyond the supported range"));
        }
        let params = self.inner.config.kdf_params;
        let for_kdf = password.clone();
        let (bytes, unlocked) =
            self.run_kdf(operation, move || create_epoch(&for_kdf, params, born)).await??;
        let name =
            EpochName { generation, born, epoch_id: unlocked.epoch_id(), created: born, uniq: random_u32()? };
        let after = match self.put_verified(operation, &name.render(), &bytes).await {
            Ok(_) => self.listing().await?,
            Err(error) => {
                // A concurrent creator whose upload was stored first may already have withdrawn
                // our empty, losing epoch while we were reading it back (§3): then join it like
                // any loser. Every other failure stands.
                let Ok(after) = self.listing().await else { return Err(error) };
                let withdrawn = !after.epochs.contains_key(&name.epoch_id)
                    && after.active_epoch().is_some_and(|winner| winner.generation() == generation);
                if !withdrawn {
                    return Err(error);
                }
                after
            }
        };

        // Concurrent creation: every device applies the same rule to the same listing; the
        // losers withdraw their (still empty) epoch and join the winner.
        match after.active_epoch() {
            Some(winner) if winner.epoch_id == name.epoch_id => {
                self.retire_concurrent_losers(&after, winner).await;
                Ok(UnlockedBackup { service: self.clone(), epoch: Arc::new(unlocked), wrap: name })
            }
            Some(winner) => {
                let winner = winner.clone();
                self.discard(&name.render()).await;
                drop(unlocked);
                match self.unlock_entry(operation, &winner, password).await {
                    Ok(joined) => Ok(joined),
                    Err(CairnError::WrongPassword) => {
                        Err(CairnError::conflict(ConflictReason::ConcurrentEpochCreated))
                    }
                    Err(other) => Err(other),
                }
            }
            // Our object vanished between upload and listing (deleted concurrently).
            None => Err(CairnError::conflict(ConflictReason::ConcurrentWrite)),
        }
    }

    /// Removes epochs of the active epoch's generation that lost the concurrent-creation race
    /// and hold no record (their creators withdraw them too; this covers a creator that died
    /// before it could). Best effort.
    async fn retire_concurrent_losers(&self, listing: &Listing, winner: &EpochEntry) {
        for entry in listing.epochs.values() {
            let loser = entry.epoch_id != winner.epoch_id && entry.generation() == winner.generation();
            if loser && listing.records_of(entry.epoch_id).next().is_none() {
                for wrap in &entry.wraps {
                    self.discard(&wrap.meta.name).await;
                }
            }
        }
    }

    /// Unlocks the active epoch (or `epoch`, e.g. an older one whose password the user
    /// remembered) with one KDF run on a blocking thread.
    pub async fn unlock(
        &self,
        password: BackupPassword,
        epoch: Option<EpochId>,
    ) -> Result<UnlockedBackup, CairnError> {
        self.observed(Operation::Unlock, async {
            let listing = self.list_for(Operation::Unlock).await?;
            let entry = match epoch {
                None => listing.active_epoch().ok_or(CairnError::NoBackupsFound)?,
                Some(id) => listing.epochs.get(&id).ok_or(CairnError::NotFound)?,
            };
            self.unlock_entry(Operation::Unlock, entry, password).await
        })
        .await
    }

    /// "Do you still remember your backup password?": unlocks and closes again, without
    /// downloading or decrypting any wallet.
    pub async fn check_password(
        &self,
        password: BackupPassword,
        epoch: Option<EpochId>,
    ) -> Result<PasswordCheck, CairnError> {
        let operation = Operation::CheckPassword;
        self.observed(operation, async {
            let listing = self.list_for(operation).await?;
            let active = listing.active_epoch().map(|e| e.epoch_id);
            let entry = match epoch {
                None => listing.active_epoch().ok_or(CairnError::NoBackupsFound)?,
                Some(id) => listing.epochs.get(&id).ok_or(CairnError::NotFound)?,
            };
            let unlocked = self.unlock_entry(operation, entry, password).await?;
            let epoch_id = unlocked.epoch_id();
            unlocked.close();
            Ok(PasswordCheck { epoch_id, is_active: Some(epoch_id) == active })
        })
        .await
    }

    /// Tries the epoch's newest wrap; older wraps (left by an interrupted password change) are
    /// tried only if the newer ones fail, so a normal unlock is one KDF run.
    async fn unlock_entry(
        &self,
        operation: Operation,
        entry: &EpochEntry,
        password: BackupPassword,
    ) -> Result<UnlockedBackup, CairnError> {
        let mut password = password;
        let mut first_error: Option<CairnError> = None;
        for wrap in entry.wraps_newest_first() {
            self.progress(operation, Stage::Downloading, 0, 1);
            let bytes = match self.get(&wrap.meta.name).await {
                Ok(bytes) => bytes,
                Err(CairnError::NotFound) => continue,
                Err(error) => return Err(error),
            };
            self.progress(operation, Stage::Downloading, 1, 1);
            if let Err(error) = check_header(&wrap.meta.name, &bytes) {
                first_error.get_or_insert(error);
                continue;
            }
            let (result, returned) = self
                .run_kdf(operation, move || {
                    let result = unlock_epoch(&bytes, &password);
                    (result, password)
                })
                .await?;
            password = returned;
            match result {
                Ok(unlocked) => {
                    return Ok(UnlockedBackup {
                        service: self.clone(),
                        epoch: Arc::new(unlocked),
                        wrap: wrap.name,
                    });
                }
                Err(error) => {
                    first_error.get_or_insert(error.into());
                }
            }
        }
        Err(first_error.unwrap_or(CairnError::NotFound))
    }

    /// Health of the app's wallets from one listing (no password, no download). See
    /// [`WalletHealthQuery`] for what the app passes.
    pub async fn health(&self, wallets: &[WalletHealthQuery]) -> Vec<WalletHealth> {
        let listing = match self.listing().await {
            Ok(listing) => listing,
            Err(error) => {
                return wallets
                    .iter()
                    .map(|w| WalletHealth {
                        app_wallet_id: w.app_wallet_id.clone(),
                        status: HealthStatus::Unreachable { error: error.clone() },
                        cloud_only: false,
                    })
                    .collect();
            }
        };
        let active = listing.active_epoch().map(|e| e.epoch_id);
        wallets.iter().map(|query| crate::health::evaluate(query, &listing, active)).collect()
    }

    /// Deletes every copy of one wallet's backup.
    pub async fn delete_wallet_backup(
        &self,
        confirm: ConfirmDeleteWallet,
    ) -> Result<DeleteReport, CairnError> {
        let listing = self.listing().await?;
        let copies =
            listing.records.get(&(confirm.epoch_id, confirm.record_id)).ok_or(CairnError::NotFound)?;
        let mut report = DeleteReport::default();
        for copy in copies {
            self.inner.store.delete(&copy.meta.name).await?;
            report.objects_deleted += 1;
        }
        Ok(report)
    }

    /// Deletes a whole epoch: its records first, then its password wraps, so an interrupted
    /// delete leaves an epoch that is still listed and can be deleted again.
    pub async fn delete_epoch(&self, confirm: ConfirmDeleteEpoch) -> Result<DeleteReport, CairnError> {
        let listing = self.listing().await?;
        let has_wraps = listing.epochs.contains_key(&confirm.epoch_id);
        let records: Vec<_> = listing.records_of(confirm.epoch_id).collect();
        if !has_wraps && records.is_empty() {
            return Err(CairnError::NotFound);
        }
        if records.len() != confirm.wallet_count {
            return Err(CairnError::conflict(ConflictReason::DeleteConfirmationStale));
        }
        let mut report = DeleteReport::default();
        for (_, copies) in records {
            for copy in copies {
                self.inner.store.delete(&copy.meta.name).await?;
                report.objects_deleted += 1;
            }
        }
        if let Some(entry) = listing.epochs.get(&confirm.epoch_id) {
            for wrap in &entry.wraps {
                self.inner.store.delete(&wrap.meta.name).await?;
                report.objects_deleted += 1;
            }
        }
        Ok(report)
    }

    /// Writes the account's encrypted objects (all, or one epoch's) into one export file.
    /// No password needed: the objects stay encrypted exactly as in the cloud.
    pub async fn export(&self, scope: ExportScope) -> Result<ExportFile, CairnError> {
        self.observed(Operation::Export, self.export_inner(scope)).await
    }

    async fn export_inner(&self, scope: ExportScope) -> Result<ExportFile, CairnError> {
        let listing = self.list_for(Operation::Export).await?;
        let in_scope = |epoch_id: &EpochId| match scope {
            ExportScope::Everything => true,
            ExportScope::Epoch(chosen) => *epoch_id == chosen,
        };
        let names: Vec<String> = listing
            .epochs
            .iter()
            .filter(|(id, _)| in_scope(id))
            .flat_map(|(_, e)| e.wraps.iter().map(|w| w.meta.name.clone()))
            .chain(
                listing
                    .records
                    .iter()
                    .filter(|((id, _), _)| in_scope(id))
                    .flat_map(|(_, copies)| copies.iter().map(|c| c.meta.name.clone())),
            )
            .collect();
        if names.is_empty() {
            return Err(CairnError::NoBackupsFound);
        }
        let fetched = self.fetch_all(Operation::Export, &names).await;
        let mut objects = Vec::new();
        let mut skipped = Vec::new();
        for (name, result) in names.into_iter().zip(fetched) {
            match result.and_then(|bytes| check_header(&name, &bytes).map(|_| bytes)) {
                Ok(bytes) => objects.push((name, bytes)),
                Err(CairnError::NotFound) => {}
                Err(error) if is_transport_failure(&error) => return Err(error),
                Err(error) => skipped.push(ObjectProblem { name, error }),
            }
        }
        let bytes = export::encode(&objects)?;
        Ok(ExportFile { bytes, objects: objects.len(), skipped })
    }

    /// Opens an export file as a service of its own, over memory: inventory, unlock and restore
    /// work without any cloud.
    pub async fn open_export(
        file: &[u8],
        clock: Arc<dyn Clock>,
        config: ServiceConfig,
    ) -> Result<BackupService, CairnError> {
        let objects = export::decode(file)?;
        let store = Arc::new(MemoryStore::new());
        for (name, bytes) in &objects {
            store.put(name, bytes, &AppProperties::new()).await?;
        }
        Ok(BackupService::new(store, clock, config))
    }

    /// Uploads an export file's objects into this service's store (objects already present
    /// byte for byte are skipped), each read back and compared before it counts.
    pub async fn import(&self, file: &[u8]) -> Result<ImportReport, CairnError> {
        self.observed(Operation::Import, self.import_inner(file)).await
    }

    async fn import_inner(&self, file: &[u8]) -> Result<ImportReport, CairnError> {
        let objects = export::decode(file)?;
        let present: std::collections::BTreeSet<String> =
            self.inner.store.list().await?.into_iter().map(|m| m.name).collect();
        let mut report = ImportReport::default();
        for (name, bytes) in objects {
            if present.contains(&name) {
                let existing = self.get(&name).await?;
                if existing.len() == bytes.len() && bool::from(existing.as_slice().ct_eq(&bytes)) {
                    report.already_present += 1;
                    continue;
                }
                // Names carry a random part: a different object under the same name is not ours.
                return Err(CairnError::conflict(ConflictReason::ConcurrentWrite));
            }
            self.put_verified(Operation::Import, &name, &bytes).await?;
            report.uploaded += 1;
        }
        Ok(report)
    }
}

/// Whether a download failure is the cloud's (stop the whole operation) rather than one
/// object's (report it and go on).
fn is_transport_failure(error: &CairnError) -> bool {
    !matches!(
        error,
        CairnError::NotFound | CairnError::Corrupted { .. } | CairnError::UnsupportedVersion { .. }
    )
}

/// Key-free checks of a downloaded object against its name: structure, checksum, KDF bounds,
/// and header fields equal to the name's.
pub(crate) fn check_header(name: &str, bytes: &[u8]) -> Result<ObjectInfo, CairnError> {
    let info = inspect(bytes)?;
    let consistent = match (crate::layout::parse_name(name), &info) {
        (Ok(Some(crate::layout::ObjectName::Epoch(n))), ObjectInfo::Epoch(i)) => {
            n.epoch_id == i.epoch_id && n.created == i.created_at && n.born <= i.created_at
        }
        (Ok(Some(crate::layout::ObjectName::Record(n))), ObjectInfo::Record(i)) => {
            n.epoch_id == i.epoch_id && n.record_id == i.record_id && n.created == i.created_at
        }
        _ => false,
    };
    if consistent { Ok(info) } else { Err(CairnError::corrupted(Damage::NameMismatch)) }
}

fn random_u32() -> Result<u32, CairnError> {
    Ok(getrandom::u32()?)
}

/// An unlocked epoch: the epoch key lives here (in Rust) and is wiped when the last handle is
/// dropped or [`closed`](Self::close).
pub struct UnlockedBackup {
    service: BackupService,
    epoch: Arc<UnlockedEpoch>,
    wrap: EpochName,
}

impl fmt::Debug for UnlockedBackup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnlockedBackup")
            .field("epoch_id", &self.epoch.epoch_id())
            .field("epoch_key", &"[redacted]")
            .finish()
    }
}

impl UnlockedBackup {
    /// The unlocked epoch's id.
    pub fn epoch_id(&self) -> EpochId {
        self.epoch.epoch_id()
    }

    /// Wipes the epoch key now (dropping the handle does the same).
    pub fn close(self) {
        drop(self);
    }

    /// The record id a wallet has in this epoch (to find an app wallet's backup when the app
    /// did not keep its receipt).
    pub fn backup_ref_for(&self, request: &BackupRequest) -> Result<BackupRef, CairnError> {
        Ok(BackupRef { epoch_id: self.epoch_id(), record_id: self.epoch.record_id_for(&request.secret)? })
    }

    /// Backs up one wallet: encrypt → upload a new object → download it again → compare bytes
    /// in constant time → decrypt → compare the wallet in constant time → only then retire
    /// older copies of the same wallet. Returns only after that verification.
    pub async fn backup_wallet(&self, request: &BackupRequest) -> Result<BackupReceipt, CairnError> {
        self.service.observed(Operation::Backup, self.backup_inner(request)).await
    }

    async fn backup_inner(&self, request: &BackupRequest) -> Result<BackupReceipt, CairnError> {
        let operation = Operation::Backup;
        let service = &self.service;
        let plaintext = request.plaintext(service.now())?;
        let epoch_id = self.epoch_id();
        let record_id = self.epoch.record_id_for(plaintext.secret())?;
        let listing = service.list_for(operation).await?;
        if listing.active_epoch().map(|e| e.epoch_id) != Some(epoch_id) {
            return Err(CairnError::conflict(ConflictReason::EpochNoLongerActive));
        }
        let existing: Vec<Listed<RecordName>> =
            listing.records.get(&(epoch_id, record_id)).cloned().unwrap_or_default();
        // The new copy is newer than every existing one even if this device's clock lags.
        let newest = existing.last().map(|c| c.name.created);
        let created = service.now().max(newest.map_or(0, |c| c.saturating_add(1)));
        if created > MAX_NAME_TIME {
            return Err(CairnError::internal("clock beyond the supported range"));
        }
        service.progress(operation, Stage::Encrypting, 0, 0);
        let bytes = self.epoch.seal_record(&plaintext, created)?;
        let name = RecordName { epoch_id, record_id, created, uniq: random_u32()? };
        let rendered = name.render();
        let read = service.put_verified(operation, &rendered, &bytes).await?;
        if let Err(error) = verify_record(&self.epoch, &read, &plaintext) {
            service.discard(&rendered).await;
            return Err(error);
        }
        let verified_at = service.now();
        let mut retired = 0;
        let superseded: Vec<_> = existing.iter().filter(|c| c.name.age_key() < name.age_key()).collect();
        if !superseded.is_empty() {
            service.progress(operation, Stage::CleaningUp, 0, superseded.len());
        }
        for old in superseded {
            if service.inner.store.delete(&old.meta.name).await.is_ok() {
                retired += 1;
            }
        }
        Ok(BackupReceipt {
            epoch_id,
            record_id,
            backed_up_at: created,
            verified_at,
            object_name: rendered,
            retired_copies: retired,
        })
    }

    /// Restores every wallet of this epoch: one listing, then downloads in parallel (bounded).
    /// For each wallet the newest copy that decrypts and verifies wins; a wallet none of whose
    /// copies is readable is reported in `failures` without affecting the others.
    pub async fn restore_all(&self) -> Result<RestoreReport, CairnError> {
        let operation = Operation::Restore;
        self.service
            .observed(operation, async {
                let epoch_id = self.epoch_id();
                let listing = self.service.list_for(operation).await?;
                let (restored, failures) = self.open_newest_copies(operation, &listing).await?;
                let mut wallets: Vec<RestoredWallet> =
                    restored.into_iter().map(|(wallet, _)| wallet).collect();
                wallets.sort_by_key(|w| (w.backed_up_at, w.record_id));
                observe::log(LogEvent::RestoreFinished { restored: wallets.len(), failed: failures.len() });
                Ok(RestoreReport { epoch_id, wallets, failures })
            })
            .await
    }

    /// For every record of this epoch, the newest copy that opens (with its position among the
    /// copies, oldest = 0), and the records where none does.
    async fn open_newest_copies(
        &self,
        operation: Operation,
        listing: &Listing,
    ) -> Result<(Vec<(RestoredWallet, usize)>, Vec<RestoreFailure>), CairnError> {
        let epoch_id = self.epoch_id();
        struct Pending<'a> {
            record_id: RecordId,
            copies: &'a [Listed<RecordName>],
            next: usize,
            first_error: Option<CairnError>,
        }
        let mut pending: Vec<Pending<'_>> = listing
            .records_of(epoch_id)
            .map(|(record_id, copies)| Pending {
                record_id,
                copies: copies.as_slice(),
                next: copies.len(),
                first_error: None,
            })
            .collect();
        let mut restored = Vec::new();
        let mut failures = Vec::new();
        while !pending.is_empty() {
            let names: Vec<String> = pending
                .iter()
                .filter_map(|p| {
                    p.next.checked_sub(1).and_then(|i| p.copies.get(i)).map(|c| c.meta.name.clone())
                })
                .collect();
            let fetched = self.service.fetch_all(operation, &names).await;
            self.service.progress(operation, Stage::Decrypting, 0, names.len());
            let mut still = Vec::new();
            for (mut p, result) in pending.into_iter().zip(fetched) {
                p.next = p.next.saturating_sub(1);
                let Some(copy) = p.copies.get(p.next) else { continue };
                let outcome = result.and_then(|bytes| {
                    check_header(&copy.meta.name, &bytes)?;
                    let plaintext = self.epoch.open_record(&bytes)?;
                    Ok(RestoredWallet {
                        epoch_id,
                        record_id: p.record_id,
                        backed_up_at: copy.name.created,
                        object_name: copy.meta.name.clone(),
                        plaintext,
                    })
                });
                match outcome {
                    Ok(wallet) => restored.push((wallet, p.next)),
                    // The cloud failing is not one wallet's damage: the whole restore fails
                    // (retryable) rather than report a partial result as if it were complete.
                    Err(error) if is_transport_failure(&error) => return Err(error),
                    Err(error) => {
                        if !matches!(error, CairnError::NotFound) {
                            p.first_error.get_or_insert(error);
                        }
                        if p.next == 0 {
                            failures.push(RestoreFailure {
                                record_id: p.record_id,
                                error: p.first_error.unwrap_or(CairnError::NotFound),
                                copies_tried: p.copies.len() - p.next,
                            });
                        } else {
                            still.push(p);
                        }
                    }
                }
            }
            pending = still;
        }
        Ok((restored, failures))
    }

    /// Removes leftovers of interrupted operations in this epoch: record copies older than a
    /// copy that decrypts and verifies, and password wraps older than the one this handle was
    /// unlocked with (when that one is the newest). Nothing else is ever deleted.
    pub async fn cleanup(&self) -> Result<CleanupReport, CairnError> {
        let report = self.service.observed(Operation::Cleanup, self.cleanup_inner()).await?;
        observe::log(LogEvent::CleanupFinished {
            retired_records: report.retired_records,
            retired_wraps: report.retired_wraps,
            kept: report.kept,
        });
        Ok(report)
    }

    async fn cleanup_inner(&self) -> Result<CleanupReport, CairnError> {
        let operation = Operation::Cleanup;
        let listing = self.service.list_for(operation).await?;
        let mut report = CleanupReport::default();
        let (restored, _) = self.open_newest_copies(operation, &listing).await?;
        self.service.progress(operation, Stage::CleaningUp, 0, 0);
        for (wallet, index) in restored {
            let Some(copies) = listing.records.get(&(self.epoch_id(), wallet.record_id)) else { continue };
            for (position, copy) in copies.iter().enumerate() {
                if position < index {
                    self.service.inner.store.delete(&copy.meta.name).await?;
                    report.retired_records += 1;
                } else if position > index {
                    report.kept += 1;
                }
            }
        }
        if let Some(active) = listing.active_epoch()
            && active.epoch_id == self.epoch_id()
        {
            self.service.retire_concurrent_losers(&listing, active).await;
        }
        if let Some(entry) = listing.epochs.get(&self.epoch_id()) {
            let newest = entry.wraps.last().map(|w| w.name);
            if newest == Some(self.wrap) {
                for wrap in entry.wraps.iter().filter(|w| w.name != self.wrap) {
                    self.service.inner.store.delete(&wrap.meta.name).await?;
                    report.retired_wraps += 1;
                }
            } else {
                report.kept += entry.wraps.len().saturating_sub(1);
            }
        }
        Ok(report)
    }

    /// Changes this epoch's password (the old one is known: this handle was unlocked with
    /// it). Writes a new wrap of the same epoch key, reads it back, unlocks it with the new
    /// password and checks it holds the same key, and only then retires the older wraps.
    /// Records are untouched.
    pub async fn change_password(
        &mut self,
        new_password: BackupPassword,
        policy: &PasswordPolicy,
    ) -> Result<PasswordChange, CairnError> {
        let service = self.service.clone();
        service.observed(Operation::ChangePassword, self.change_password_inner(new_password, policy)).await
    }

    async fn change_password_inner(
        &mut self,
        new_password: BackupPassword,
        policy: &PasswordPolicy,
    ) -> Result<PasswordChange, CairnError> {
        let operation = Operation::ChangePassword;
        policy.check(&new_password)?;
        let service = self.service.clone();
        let epoch_id = self.epoch_id();
        let listing = service.list_for(operation).await?;
        let entry = listing.epochs.get(&epoch_id).ok_or(CairnError::NotFound)?;
        let newest_created = entry.wraps.last().map_or(0, |w| w.name.created);
        let created = service.now().max(newest_created.saturating_add(1));
        if created > MAX_NAME_TIME {
            return Err(CairnError::internal("clock beyond the supported range"));
        }
        let params = service.inner.config.kdf_params;
        let epoch = Arc::clone(&self.epoch);
        let for_wrap = new_password.clone();
        let bytes =
            service.run_kdf(operation, move || rewrap_epoch(&epoch, &for_wrap, params, created)).await??;
        let name = EpochName {
            generation: entry.generation(),
            born: entry.born(),
            epoch_id,
            created,
            uniq: random_u32()?,
        };
        let rendered = name.render();
        let read = service.put_verified(operation, &rendered, &bytes).await?;
        // The second KDF run is the verification: the new wrap must open with the new password.
        let reopened = service.run_kdf(operation, move || unlock_epoch(&read, &new_password)).await?;
        let same_key = match reopened {
            Ok(reopened) => same_epoch_key(&self.epoch, &reopened),
            Err(_) => Err(CairnError::verification(VerificationStage::Decrypt)),
        };
        if let Err(error) = same_key {
            service.discard(&rendered).await;
            return Err(error);
        }
        // Same-generation losers of a creation race would otherwise win the tie-break once the
        // epoch's first wrap is gone (docs/SERVICE.md §3).
        if listing.active_epoch().map(|e| e.epoch_id) == Some(epoch_id) {
            service.retire_concurrent_losers(&listing, entry).await;
        }
        let mut retired = 0;
        for old in entry.wraps.iter().filter(|w| w.name.age_key() < name.age_key()) {
            if service.inner.store.delete(&old.meta.name).await.is_ok() {
                retired += 1;
            }
        }
        self.wrap = name;
        Ok(PasswordChange { epoch_id, changed_at: created, retired_wraps: retired })
    }
}

/// Read-back check of a record: decrypts and compares the wallet (constant time) and metadata.
fn verify_record(epoch: &UnlockedEpoch, read: &[u8], expected: &RecordPlaintext) -> Result<(), CairnError> {
    let opened = epoch.open_record(read).map_err(|_| CairnError::verification(VerificationStage::Decrypt))?;
    let same_secret = opened.secret() == expected.secret();
    let same_metadata = opened.label() == expected.label()
        && opened.chain_hints() == expected.chain_hints()
        && opened.updated_at() == expected.updated_at();
    if same_secret && same_metadata {
        Ok(())
    } else {
        Err(CairnError::verification(VerificationStage::ContentDiffers))
    }
}

/// Whether two unlocked epochs hold the same key: a probe record sealed by one must open
/// under the other (the key itself never leaves cairn-crypto).
fn same_epoch_key(old: &UnlockedEpoch, new: &UnlockedEpoch) -> Result<(), CairnError> {
    let label = KindLabel::new("cairn-probe").map_err(|_| CairnError::internal("probe label"))?;
    let probe_key = PrivateKey::parse("key check", PrivateKeyKind::Opaque(label))?;
    let probe = RecordPlaintext::new(WalletSecret::private_key(probe_key), String::new(), Vec::new(), 0)?;
    let sealed = old.seal_record(&probe, 0)?;
    if old.epoch_id() != new.epoch_id() {
        return Err(CairnError::verification(VerificationStage::ContentDiffers));
    }
    match new.open_record(&sealed) {
        Ok(opened) if opened.secret() == probe.secret() => Ok(()),
        _ => Err(CairnError::verification(VerificationStage::ContentDiffers)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_config_uses_the_recommended_kdf_and_refuses_weaker_ones() {
        assert_eq!(ServiceConfig::new().kdf_params(), KdfParams::recommended());
        assert_eq!(ServiceConfig::default().kdf_params(), KdfParams::recommended());
        let weak = KdfParams::from_untrusted(64, 1, 1).unwrap();
        assert_eq!(
            ServiceConfig::new().with_kdf_params(weak).unwrap_err().kind(),
            crate::ErrorKind::InvalidInput
        );
        let stronger = KdfParams::from_untrusted(128 * 1024, 3, 4).unwrap();
        assert_eq!(ServiceConfig::new().with_kdf_params(stronger).unwrap().kdf_params(), stronger);
        assert_eq!(ServiceConfig::new().with_parallel_downloads(0).parallel_downloads, 1);
        assert_eq!(ServiceConfig::new().with_parallel_downloads(1000).parallel_downloads, 32);
    }
}
