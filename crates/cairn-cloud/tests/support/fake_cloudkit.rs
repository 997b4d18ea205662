//! An in-memory CloudKit private database with one custom zone, behind the `CloudKitBridge`
//! trait, as the Swift shim would present it. It keeps CloudKit's rules that matter to the
//! store: change tags change on every save and are checked under `.ifServerRecordUnchanged`;
//! the zone must exist; absent records are `unknownItem`; a byte quota gives `quotaExceeded`;
//! listing pages carry a continuation that can be expired. Any operation can also be made to
//! fail with any code, as many times as wanted.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;

use async_trait::async_trait;
use cairn_cloud::cloudkit::{
    CloudKitBridge, CloudKitFailure, CloudKitPage, CloudKitRecord, CloudKitRecordInfo, CloudKitSavePolicy,
    ck_account_status, ck_error,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    AccountStatus,
    CreateZone,
    List,
    Fetch,
    Save,
    Delete,
}

#[derive(Debug)]
struct Stored {
    change_tag: u64,
    modified_millis: i64,
    payload: Vec<u8>,
    app_properties: HashMap<String, String>,
}

#[derive(Debug)]
struct State {
    account_status: i64,
    zone_exists: bool,
    records: BTreeMap<String, Stored>,
    next_tag: u64,
    clock_millis: i64,
    quota_bytes: Option<u64>,
    page_size: usize,
    failures: VecDeque<(Op, CloudKitFailure)>,
    calls: Vec<Op>,
    /// A write by "another device" applied right before the next save is handled.
    concurrent_write_before_save: Option<(String, Vec<u8>)>,
    /// Continuations issued before this epoch are expired (`changeTokenExpired`).
    token_epoch: u64,
}

#[derive(Debug)]
pub struct FakeCloudKit {
    state: Mutex<State>,
}

impl Default for FakeCloudKit {
    fn default() -> Self {
        FakeCloudKit {
            state: Mutex::new(State {
                account_status: ck_account_status::AVAILABLE,
                zone_exists: false,
                records: BTreeMap::new(),
                next_tag: 1,
                clock_millis: 1_767_323_045_000,
                quota_bytes: None,
                page_size: 200,
                failures: VecDeque::new(),
                calls: Vec::new(),
                concurrent_write_before_save: None,
                token_epoch: 0,
            }),
        }
    }
}

impl FakeCloudKit {
    pub fn set_account_status(&self, status: i64) {
        self.state.lock().unwrap().account_status = status;
    }

    pub fn set_quota(&self, bytes: u64) {
        self.state.lock().unwrap().quota_bytes = Some(bytes);
    }

    pub fn set_page_size(&self, size: usize) {
        self.state.lock().unwrap().page_size = size;
    }

    /// The user wiped the app's iCloud data in Settings: zone and records are gone.
    pub fn delete_zone(&self) {
        let mut state = self.state.lock().unwrap();
        state.zone_exists = false;
        state.records.clear();
    }

    pub fn zone_exists(&self) -> bool {
        self.state.lock().unwrap().zone_exists
    }

    pub fn fail(&self, op: Op, failure: CloudKitFailure, times: usize) {
        let mut state = self.state.lock().unwrap();
        for _ in 0..times {
            state.failures.push_back((op, failure.clone()));
        }
    }

    pub fn write_concurrently_before_next_save(&self, name: &str, payload: &[u8]) {
        self.state.lock().unwrap().concurrent_write_before_save = Some((name.to_owned(), payload.to_vec()));
    }

    /// Expires every continuation handed out so far.
    pub fn expire_continuations(&self) {
        self.state.lock().unwrap().token_epoch += 1;
    }

    pub fn calls(&self) -> Vec<Op> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn count(&self, op: Op) -> usize {
        self.calls().iter().filter(|o| **o == op).count()
    }

    pub fn clear_calls(&self) {
        self.state.lock().unwrap().calls.clear();
    }

    pub fn payload(&self, name: &str) -> Option<Vec<u8>> {
        self.state.lock().unwrap().records.get(name).map(|r| r.payload.clone())
    }

    /// Records the call and pops an injected failure for it, if any; then checks the zone.
    fn enter(&self, op: Op) -> Result<std::sync::MutexGuard<'_, State>, CloudKitFailure> {
        let mut state = self.state.lock().unwrap();
        state.calls.push(op);
        if let Some(index) = state.failures.iter().position(|(o, _)| *o == op) {
            let (_, failure) = state.failures.remove(index).unwrap();
            return Err(failure);
        }
        let needs_zone = !matches!(op, Op::AccountStatus | Op::CreateZone);
        if needs_zone && state.account_status != ck_account_status::AVAILABLE {
            return Err(CloudKitFailure::code(ck_error::NOT_AUTHENTICATED));
        }
        if needs_zone && !state.zone_exists {
            return Err(CloudKitFailure::code(ck_error::ZONE_NOT_FOUND));
        }
        Ok(state)
    }
}

fn info(name: &str, stored: &Stored) -> CloudKitRecordInfo {
    CloudKitRecordInfo {
        record_name: name.to_owned(),
        change_tag: format!("tag{}", stored.change_tag),
        modified_millis: stored.modified_millis,
        size: stored.payload.len() as u64,
        app_properties: stored.app_properties.clone(),
    }
}

fn write(state: &mut State, name: &str, payload: Vec<u8>, app_properties: HashMap<String, String>) {
    let tag = state.next_tag;
    state.next_tag += 1;
    state.clock_millis += 1000;
    let modified_millis = state.clock_millis;
    state
        .records
        .insert(name.to_owned(), Stored { change_tag: tag, modified_millis, payload, app_properties });
}

#[async_trait]
impl CloudKitBridge for FakeCloudKit {
    async fn account_status(&self) -> Result<i64, CloudKitFailure> {
        let state = self.enter(Op::AccountStatus)?;
        Ok(state.account_status)
    }

    async fn create_zone(&self) -> Result<(), CloudKitFailure> {
        let mut state = self.enter(Op::CreateZone)?;
        state.zone_exists = true;
        Ok(())
    }

    async fn list_records(&self, continuation: Option<Vec<u8>>) -> Result<CloudKitPage, CloudKitFailure> {
        let state = self.enter(Op::List)?;
        // Continuation format: "<epoch>:<last record name>".
        let after = match continuation {
            None => None,
            Some(bytes) => {
                let text = String::from_utf8(bytes).unwrap();
                let (epoch, last) = text.split_once(':').unwrap();
                if epoch.parse::<u64>().unwrap() != state.token_epoch {
                    return Err(CloudKitFailure::code(ck_error::CHANGE_TOKEN_EXPIRED));
                }
                Some(last.to_owned())
            }
        };
        let records: Vec<_> = state
            .records
            .iter()
            .filter(|(name, _)| after.as_ref().is_none_or(|last| name.as_str() > last.as_str()))
            .take(state.page_size)
            .map(|(name, stored)| info(name, stored))
            .collect();
        let last = records.last().map(|r| r.record_name.clone());
        let more = last.as_ref().is_some_and(|last| state.records.keys().any(|k| k > last));
        let continuation =
            if more { last.map(|l| format!("{}:{l}", state.token_epoch).into_bytes()) } else { None };
        Ok(CloudKitPage { records, continuation })
    }

    async fn fetch_record(&self, record_name: String) -> Result<CloudKitRecord, CloudKitFailure> {
        let state = self.enter(Op::Fetch)?;
        let stored = state.records.get(&record_name).ok_or(CloudKitFailure::code(ck_error::UNKNOWN_ITEM))?;
        Ok(CloudKitRecord {
            record_name: record_name.clone(),
            change_tag: Some(format!("tag{}", stored.change_tag)),
            modified_millis: stored.modified_millis,
            payload: stored.payload.clone(),
            app_properties: stored.app_properties.clone(),
        })
    }

    async fn save_record(
        &self,
        record: CloudKitRecord,
        policy: CloudKitSavePolicy,
    ) -> Result<CloudKitRecordInfo, CloudKitFailure> {
        let mut state = self.enter(Op::Save)?;
        if let Some((name, payload)) = state.concurrent_write_before_save.take() {
            write(&mut state, &name, payload, HashMap::new());
        }
        if policy == CloudKitSavePolicy::IfServerRecordUnchanged {
            let server_tag = state.records.get(&record.record_name).map(|s| format!("tag{}", s.change_tag));
            if server_tag != record.change_tag {
                return Err(CloudKitFailure::code(ck_error::SERVER_RECORD_CHANGED));
            }
        }
        if let Some(quota) = state.quota_bytes {
            let others: u64 = state
                .records
                .iter()
                .filter(|(name, _)| **name != record.record_name)
                .map(|(_, s)| s.payload.len() as u64)
                .sum();
            if others + record.payload.len() as u64 > quota {
                return Err(CloudKitFailure::code(ck_error::QUOTA_EXCEEDED));
            }
        }
        write(&mut state, &record.record_name, record.payload, record.app_properties);
        Ok(info(&record.record_name, &state.records[&record.record_name]))
    }

    async fn delete_record(&self, record_name: String) -> Result<(), CloudKitFailure> {
        let mut state = self.enter(Op::Delete)?;
        state.records.remove(&record_name).map(|_| ()).ok_or(CloudKitFailure::code(ck_error::UNKNOWN_ITEM))
    }
}
