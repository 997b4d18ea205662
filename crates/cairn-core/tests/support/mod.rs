//! Shared helpers of cairn-core's integration tests: services with tiny KDF parameters and a
//! controllable clock, and store wrappers around a real store that count, corrupt or hold
//! back operations.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod emulator;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use async_trait::async_trait;
use cairn_cloud::memory::MemoryStore;
use cairn_cloud::{AppProperties, CloudError, CloudStore, ObjectMeta, Quota, StoredObject};
use cairn_core::{
    BackupPassword, BackupRequest, BackupService, ManualClock, Mnemonic, PassphraseBackup, PasswordPolicy,
    PrivateKey, ServiceConfig,
};
use cairn_crypto::private_key::PrivateKeyKind;
use tokio::sync::Barrier;

pub const T0: u64 = 1_767_225_600; // 2026-01-01T00:00:00Z

pub const PHRASE_A: &str = "legal winner thank year wave sausage worth useful legal winner thank yellow";
pub const PHRASE_B: &str = "letter advice cage absurd amount doctor acoustic avoid letter advice cage above";
pub const PHRASE_C: &str = "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong";
pub const KEY_HEX: &str = "0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d";

pub fn pw(text: &str) -> BackupPassword {
    BackupPassword::from_user_input(text.to_owned())
}

pub fn policy() -> PasswordPolicy {
    PasswordPolicy::new()
}

pub fn config() -> ServiceConfig {
    ServiceConfig::new().insecure_test_kdf()
}

pub fn service_on(store: Arc<dyn CloudStore>, clock: Arc<ManualClock>) -> BackupService {
    BackupService::new(store, clock, config())
}

pub fn memory() -> Arc<MemoryStore> {
    Arc::new(MemoryStore::new())
}

pub fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(T0))
}

pub fn mnemonic_request(phrase: &str, label: &str) -> BackupRequest {
    BackupRequest::mnemonic(Mnemonic::parse(phrase).unwrap(), None, PassphraseBackup::Exclude, label).unwrap()
}

pub fn key_request(label: &str) -> BackupRequest {
    BackupRequest::private_key(PrivateKey::parse(KEY_HEX, PrivateKeyKind::Secp256k1).unwrap(), label)
        .with_chain_hints(vec!["eip155:1".to_owned()])
}

/// Counts operations and can corrupt downloads or refuse deletes, around any store.
pub struct Wrapped {
    pub inner: Arc<dyn CloudStore>,
    pub puts: AtomicUsize,
    pub gets: AtomicUsize,
    pub deletes: AtomicUsize,
    pub corrupt_gets: AtomicBool,
    pub refuse_deletes: AtomicBool,
    /// Downloads in flight now, and the most seen at once.
    pub in_flight: AtomicUsize,
    pub max_in_flight: AtomicUsize,
    /// Each download waits this long (lets parallel downloads overlap).
    pub get_delay_ms: AtomicUsize,
    /// When set, the first two `list` calls wait for each other (two devices racing).
    pub list_barrier: Option<(Barrier, AtomicUsize)>,
}

impl Wrapped {
    pub fn new(inner: Arc<dyn CloudStore>) -> Arc<Self> {
        Arc::new(Self::plain(inner))
    }

    fn plain(inner: Arc<dyn CloudStore>) -> Self {
        Self {
            inner,
            puts: AtomicUsize::new(0),
            gets: AtomicUsize::new(0),
            deletes: AtomicUsize::new(0),
            corrupt_gets: AtomicBool::new(false),
            refuse_deletes: AtomicBool::new(false),
            in_flight: AtomicUsize::new(0),
            max_in_flight: AtomicUsize::new(0),
            get_delay_ms: AtomicUsize::new(0),
            list_barrier: None,
        }
    }

    pub fn racing(inner: Arc<dyn CloudStore>) -> Arc<Self> {
        Arc::new(Self { list_barrier: Some((Barrier::new(2), AtomicUsize::new(0))), ..Self::plain(inner) })
    }
}

#[async_trait]
impl CloudStore for Wrapped {
    async fn list(&self) -> Result<Vec<ObjectMeta>, CloudError> {
        if let Some((barrier, calls)) = &self.list_barrier
            && calls.fetch_add(1, Ordering::SeqCst) < 2
        {
            barrier.wait().await;
        }
        self.inner.list().await
    }

    async fn get(&self, name: &str) -> Result<StoredObject, CloudError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        let now = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        self.max_in_flight.fetch_max(now, Ordering::SeqCst);
        let delay = self.get_delay_ms.load(Ordering::SeqCst) as u64;
        if delay > 0 {
            tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
        }
        let result = self.inner.get(name).await;
        self.in_flight.fetch_sub(1, Ordering::SeqCst);
        let mut object = result?;
        if self.corrupt_gets.load(Ordering::SeqCst)
            && let Some(byte) = object.bytes.get_mut(100)
        {
            *byte ^= 0x40;
        }
        Ok(object)
    }

    async fn put(&self, name: &str, bytes: &[u8], props: &AppProperties) -> Result<ObjectMeta, CloudError> {
        self.puts.fetch_add(1, Ordering::SeqCst);
        self.inner.put(name, bytes, props).await
    }

    async fn delete(&self, name: &str) -> Result<(), CloudError> {
        self.deletes.fetch_add(1, Ordering::SeqCst);
        if self.refuse_deletes.load(Ordering::SeqCst) {
            return Err(CloudError::Network { kind: cairn_cloud::NetworkErrorKind::Interrupted });
        }
        self.inner.delete(name).await
    }

    async fn quota(&self) -> Result<Quota, CloudError> {
        self.inner.quota().await
    }
}

/// Names of every object in a store.
pub async fn names(store: &dyn CloudStore) -> Vec<String> {
    store.list().await.unwrap().into_iter().map(|m| m.name).collect()
}

pub async fn count_prefix(store: &dyn CloudStore, prefix: &str) -> usize {
    names(store).await.iter().filter(|n| n.starts_with(prefix)).count()
}
