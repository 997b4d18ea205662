//! An in-process store for tests of the layers above: same rules as the real adapters, an
//! optional quota, and one-shot injected failures.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use async_trait::async_trait;

use crate::error::CloudError;
use crate::store::{
    AppProperties, CloudStore, ObjectMeta, Quota, StoredObject, sha256_hex, validate_name, validate_put,
};

/// Which operation an injected failure applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemoryOperation {
    /// [`CloudStore::list`].
    List,
    /// [`CloudStore::get`].
    Get,
    /// [`CloudStore::put`].
    Put,
    /// [`CloudStore::delete`].
    Delete,
    /// [`CloudStore::quota`].
    Quota,
}

#[derive(Debug, Default)]
struct MemoryState {
    objects: BTreeMap<String, StoredObject>,
    limit: Option<u64>,
    next_version: u64,
    failures: VecDeque<(MemoryOperation, CloudError)>,
}

/// Objects kept in memory. Cloning is not offered: share it behind an `Arc`.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<MemoryState>,
}

impl MemoryStore {
    /// An empty store without a quota limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store whose `put`s fail with `QuotaExceeded` beyond `limit` bytes in total.
    pub fn with_limit(limit: u64) -> Self {
        let store = Self::default();
        store.lock().limit = Some(limit);
        store
    }

    /// Makes the next `operation` fail with `error` (queued failures are used in order, each once).
    pub fn fail_next(&self, operation: MemoryOperation, error: CloudError) {
        self.lock().failures.push_back((operation, error));
    }

    /// Number of objects stored.
    pub fn len(&self) -> usize {
        self.lock().objects.len()
    }

    /// Whether the store holds no objects.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, MemoryState> {
        // A panic while holding the lock cannot leave the map half-updated (every update is a
        // single insert/remove), so a poisoned lock is still consistent.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn take_failure(state: &mut MemoryState, operation: MemoryOperation) -> Result<(), CloudError> {
        match state.failures.iter().position(|(op, _)| *op == operation) {
            Some(index) => match state.failures.remove(index) {
                Some((_, error)) => Err(error),
                None => Ok(()),
            },
            None => Ok(()),
        }
    }
}

#[async_trait]
impl CloudStore for MemoryStore {
    async fn list(&self) -> Result<Vec<ObjectMeta>, CloudError> {
        let mut state = self.lock();
        Self::take_failure(&mut state, MemoryOperation::List)?;
        Ok(state.objects.values().map(|object| object.meta.clone()).collect())
    }

    async fn get(&self, name: &str) -> Result<StoredObject, CloudError> {
        validate_name(name)?;
        let mut state = self.lock();
        Self::take_failure(&mut state, MemoryOperation::Get)?;
        state.objects.get(name).cloned().ok_or(CloudError::NotFound)
    }

    async fn put(
        &self,
        name: &str,
        bytes: &[u8],
        app_properties: &AppProperties,
    ) -> Result<ObjectMeta, CloudError> {
        validate_put(name, bytes, app_properties)?;
        let mut state = self.lock();
        Self::take_failure(&mut state, MemoryOperation::Put)?;
        if let Some(limit) = state.limit {
            let others: u64 =
                state.objects.iter().filter(|(key, _)| *key != name).map(|(_, o)| o.meta.size).sum();
            if others + bytes.len() as u64 > limit {
                return Err(CloudError::QuotaExceeded { used: Some(others), limit: Some(limit) });
            }
        }
        state.next_version += 1;
        let meta = ObjectMeta {
            name: name.to_owned(),
            provider_id: name.to_owned(),
            version: Some(state.next_version.to_string()),
            size: bytes.len() as u64,
            sha256: Some(sha256_hex(bytes)),
            modified: SystemTime::now(),
            app_properties: app_properties.clone(),
        };
        state.objects.insert(name.to_owned(), StoredObject { meta: meta.clone(), bytes: bytes.to_vec() });
        Ok(meta)
    }

    async fn delete(&self, name: &str) -> Result<(), CloudError> {
        validate_name(name)?;
        let mut state = self.lock();
        Self::take_failure(&mut state, MemoryOperation::Delete)?;
        state.objects.remove(name);
        Ok(())
    }

    async fn quota(&self) -> Result<Quota, CloudError> {
        let mut state = self.lock();
        Self::take_failure(&mut state, MemoryOperation::Quota)?;
        Ok(Quota { used: state.objects.values().map(|o| o.meta.size).sum(), limit: state.limit })
    }
}
