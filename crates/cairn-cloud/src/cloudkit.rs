//! iCloud through an app-side CloudKit shim.
//!
//! CloudKit has no REST API usable with a user's sign-in from Rust, so the host app implements
//! [`CloudKitBridge`] in Swift (the bindings export it as a foreign trait): one record per
//! object, record name = object name, in one custom zone of the private database. The bridge
//! stays dumb: it performs single operations and reports CloudKit's outcome as plain numbers
//! (`CKError.Code` and `CKAccountStatus` raw values). All policy — zone creation, retries,
//! conflicts, what each code means for the user — lives here, once, in Rust.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;

use crate::error::{CloudError, CorruptionDetail, NetworkErrorKind, ProviderUnavailableReason};
use crate::retry::RetryPolicy;
use crate::store::{
    AppProperties, CloudStore, MAX_LISTED_OBJECTS, MAX_OBJECT_BYTES, ObjectMeta, Quota, StoredObject,
    sha256_hex, validate_app_properties, validate_name, validate_put,
};
use crate::time::{from_unix_millis, unix_millis};

/// `CKError.Code` raw values (CloudKit's `CKError.h`).
#[allow(missing_docs)]
pub mod ck_error {
    pub const INTERNAL_ERROR: i64 = 1;
    pub const PARTIAL_FAILURE: i64 = 2;
    pub const NETWORK_UNAVAILABLE: i64 = 3;
    pub const NETWORK_FAILURE: i64 = 4;
    pub const BAD_CONTAINER: i64 = 5;
    pub const SERVICE_UNAVAILABLE: i64 = 6;
    pub const REQUEST_RATE_LIMITED: i64 = 7;
    pub const MISSING_ENTITLEMENT: i64 = 8;
    pub const NOT_AUTHENTICATED: i64 = 9;
    pub const PERMISSION_FAILURE: i64 = 10;
    pub const UNKNOWN_ITEM: i64 = 11;
    pub const INVALID_ARGUMENTS: i64 = 12;
    pub const RESULTS_TRUNCATED: i64 = 13;
    pub const SERVER_RECORD_CHANGED: i64 = 14;
    pub const SERVER_REJECTED_REQUEST: i64 = 15;
    pub const ASSET_FILE_NOT_FOUND: i64 = 16;
    pub const ASSET_FILE_MODIFIED: i64 = 17;
    pub const INCOMPATIBLE_VERSION: i64 = 18;
    pub const CONSTRAINT_VIOLATION: i64 = 19;
    pub const OPERATION_CANCELLED: i64 = 20;
    pub const CHANGE_TOKEN_EXPIRED: i64 = 21;
    pub const BATCH_REQUEST_FAILED: i64 = 22;
    pub const ZONE_BUSY: i64 = 23;
    pub const BAD_DATABASE: i64 = 24;
    pub const QUOTA_EXCEEDED: i64 = 25;
    pub const ZONE_NOT_FOUND: i64 = 26;
    pub const LIMIT_EXCEEDED: i64 = 27;
    pub const USER_DELETED_ZONE: i64 = 28;
    pub const TOO_MANY_PARTICIPANTS: i64 = 29;
    pub const ALREADY_SHARED: i64 = 30;
    pub const REFERENCE_VIOLATION: i64 = 31;
    pub const MANAGED_ACCOUNT_RESTRICTED: i64 = 32;
    pub const PARTICIPANT_MAY_NEED_VERIFICATION: i64 = 33;
    pub const SERVER_RESPONSE_LOST: i64 = 34;
    pub const ASSET_NOT_AVAILABLE: i64 = 35;
    pub const ACCOUNT_TEMPORARILY_UNAVAILABLE: i64 = 36;
}

/// `CKAccountStatus` raw values.
#[allow(missing_docs)]
pub mod ck_account_status {
    pub const COULD_NOT_DETERMINE: i64 = 0;
    pub const AVAILABLE: i64 = 1;
    pub const RESTRICTED: i64 = 2;
    pub const NO_ACCOUNT: i64 = 3;
    pub const TEMPORARILY_UNAVAILABLE: i64 = 4;
}

/// A CloudKit failure as the bridge reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudKitFailure {
    /// `CKError.Code` raw value (`error.code.rawValue`).
    pub code: i64,
    /// `error.retryAfterSeconds`, when CloudKit gave one.
    pub retry_after_seconds: Option<f64>,
    /// For `partialFailure` (2) and `batchRequestFailed` (22): the per-item codes from
    /// `partialErrorsByItemID`, in any order.
    pub item_codes: Vec<i64>,
}

impl CloudKitFailure {
    /// A failure with just a code.
    pub fn code(code: i64) -> Self {
        CloudKitFailure { code, retry_after_seconds: None, item_codes: Vec::new() }
    }
}

/// One record as stored: the object's content and properties plus CloudKit's bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudKitRecord {
    /// `CKRecord.ID.recordName`; equal to the object name.
    pub record_name: String,
    /// `recordChangeTag`; `None` for a record not yet saved.
    pub change_tag: Option<String>,
    /// `modificationDate` in milliseconds since 1970 (ignored when saving).
    pub modified_millis: i64,
    /// The object's content (a `Bytes` field, or a `CKAsset` above ~900 KB: the shim decides).
    pub payload: Vec<u8>,
    /// The object's app properties (e.g. one `String` field holding JSON).
    pub app_properties: HashMap<String, String>,
}

/// A record's metadata, as listed (no payload).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudKitRecordInfo {
    /// `recordName`.
    pub record_name: String,
    /// `recordChangeTag`.
    pub change_tag: String,
    /// `modificationDate` in milliseconds since 1970.
    pub modified_millis: i64,
    /// Payload size in bytes.
    pub size: u64,
    /// App properties.
    pub app_properties: HashMap<String, String>,
}

/// One page of a zone listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudKitPage {
    /// Records of this page.
    pub records: Vec<CloudKitRecordInfo>,
    /// Opaque token for the next page (an archived `CKServerChangeToken` or query cursor);
    /// `None` on the last page.
    pub continuation: Option<Vec<u8>>,
}

/// How a save treats an existing server record (`CKModifyRecordsOperation.RecordSavePolicy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CloudKitSavePolicy {
    /// `.ifServerRecordUnchanged` (0): fail with `serverRecordChanged` if the server's change
    /// tag differs from the record's (or, for a record without a tag, if one exists).
    IfServerRecordUnchanged,
    /// `.allKeys` (2): overwrite whatever is there.
    AllKeys,
}

/// What the Swift shim implements over `CKContainer.privateCloudDatabase` and one custom zone.
/// Each method performs one CloudKit operation and reports failures as [`CloudKitFailure`].
#[async_trait]
pub trait CloudKitBridge: Send + Sync {
    /// `CKContainer.accountStatus()` as its raw value (see [`ck_account_status`]).
    async fn account_status(&self) -> Result<i64, CloudKitFailure>;
    /// Creates the custom zone (idempotent: an existing zone is success).
    async fn create_zone(&self) -> Result<(), CloudKitFailure>;
    /// One page of the zone's records, starting after `continuation` (`None`: from the start).
    async fn list_records(&self, continuation: Option<Vec<u8>>) -> Result<CloudKitPage, CloudKitFailure>;
    /// The record named `record_name` (`unknownItem` if absent).
    async fn fetch_record(&self, record_name: String) -> Result<CloudKitRecord, CloudKitFailure>;
    /// Saves `record` under `policy` and returns the saved record's metadata.
    async fn save_record(
        &self,
        record: CloudKitRecord,
        policy: CloudKitSavePolicy,
    ) -> Result<CloudKitRecordInfo, CloudKitFailure>;
    /// Deletes the record (`unknownItem` if absent).
    async fn delete_record(&self, record_name: String) -> Result<(), CloudKitFailure>;
}

/// How a failure is handled.
enum Handling {
    /// Create the zone and try once more.
    RecreateZone,
    /// Back off (honouring CloudKit's retry-after) within the retry bound.
    Retry {
        error: CloudError,
        retry_after: Option<Duration>,
    },
    /// Ask for the account status to say precisely why (signed out, restricted, not ready).
    CheckAccount,
    /// The listing's change token expired: start over.
    RestartListing,
    Final(CloudError),
}

fn ck_reason(code: i64) -> Option<String> {
    Some(format!("CKError {code}"))
}

fn retry_after(failure: &CloudKitFailure) -> Option<Duration> {
    failure
        .retry_after_seconds
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(|s| Duration::from_secs_f64(s.min(24.0 * 3600.0)))
}

/// The CKError table (cloud-apis.md §4.3).
fn handling(failure: &CloudKitFailure) -> Handling {
    use ck_error::*;
    let code = match failure.code {
        // One record per operation: the item's own code says what happened. Prefer a code
        // other than batchRequestFailed, which only says "another item failed".
        PARTIAL_FAILURE | BATCH_REQUEST_FAILED => {
            match failure
                .item_codes
                .iter()
                .copied()
                .find(|c| *c != BATCH_REQUEST_FAILED && *c != PARTIAL_FAILURE)
            {
                Some(item) => item,
                None => {
                    return Handling::Final(CloudError::unexpected(None, ck_reason(failure.code).as_deref()));
                }
            }
        }
        code => code,
    };
    let after = retry_after(failure);
    let unavailable = |reason| Handling::Final(CloudError::unavailable(reason));
    match code {
        ZONE_NOT_FOUND | USER_DELETED_ZONE => Handling::RecreateZone,
        NETWORK_UNAVAILABLE => {
            Handling::Retry { error: CloudError::network(NetworkErrorKind::Offline), retry_after: after }
        }
        NETWORK_FAILURE | SERVER_RESPONSE_LOST | ASSET_NOT_AVAILABLE => {
            Handling::Retry { error: CloudError::network(NetworkErrorKind::Interrupted), retry_after: after }
        }
        SERVICE_UNAVAILABLE | REQUEST_RATE_LIMITED | ZONE_BUSY => {
            Handling::Retry { error: CloudError::RateLimited { retry_after: after }, retry_after: after }
        }
        NOT_AUTHENTICATED => Handling::CheckAccount,
        ACCOUNT_TEMPORARILY_UNAVAILABLE => {
            unavailable(ProviderUnavailableReason::ICloudTemporarilyUnavailable)
        }
        MANAGED_ACCOUNT_RESTRICTED => unavailable(ProviderUnavailableReason::ICloudRestricted),
        BAD_CONTAINER | MISSING_ENTITLEMENT | PERMISSION_FAILURE | BAD_DATABASE => {
            unavailable(ProviderUnavailableReason::AppNotConfigured)
        }
        QUOTA_EXCEEDED => Handling::Final(CloudError::QuotaExceeded { used: None, limit: None }),
        UNKNOWN_ITEM => Handling::Final(CloudError::NotFound),
        SERVER_RECORD_CHANGED | CONSTRAINT_VIOLATION => Handling::Final(CloudError::Conflict),
        CHANGE_TOKEN_EXPIRED => Handling::RestartListing,
        _ => Handling::Final(CloudError::unexpected(None, ck_reason(code).as_deref())),
    }
}

/// What an account status means for using CloudKit now.
fn account_error(status: i64) -> Option<CloudError> {
    use ck_account_status::*;
    match status {
        AVAILABLE => None,
        NO_ACCOUNT => Some(CloudError::NotSignedIn),
        RESTRICTED => Some(CloudError::unavailable(ProviderUnavailableReason::ICloudRestricted)),
        TEMPORARILY_UNAVAILABLE => {
            Some(CloudError::unavailable(ProviderUnavailableReason::ICloudTemporarilyUnavailable))
        }
        COULD_NOT_DETERMINE => Some(CloudError::unavailable(ProviderUnavailableReason::ICloudUnavailable)),
        other => Some(CloudError::unexpected(None, Some(&format!("CKAccountStatus {other}")))),
    }
}

/// A `CloudStore` over a [`CloudKitBridge`].
pub struct CloudKitStore {
    bridge: Arc<dyn CloudKitBridge>,
    retry: RetryPolicy,
    /// Set once the account was seen `available`; cleared when CloudKit says otherwise.
    /// While unset, every operation asks for the account status first, so nothing is sent
    /// while iCloud is signed out or "temporarily unavailable" (as Apple asks).
    account_ok: AtomicBool,
}

impl std::fmt::Debug for CloudKitStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CloudKitStore").field("retry", &self.retry).finish_non_exhaustive()
    }
}

/// Bound on listing pages (200 records per page allows far more than the object bound).
const MAX_PAGES: usize = 1000;

impl CloudKitStore {
    /// A store over `bridge` with the standard retry bound.
    pub fn new(bridge: Arc<dyn CloudKitBridge>) -> Self {
        Self::with_retry(bridge, RetryPolicy::standard())
    }

    /// A store over `bridge` with `retry` bounds.
    pub fn with_retry(bridge: Arc<dyn CloudKitBridge>, retry: RetryPolicy) -> Self {
        CloudKitStore { bridge, retry, account_ok: AtomicBool::new(false) }
    }

    /// Checks the iCloud account: `Ok` when CloudKit can be used now.
    pub async fn check_account(&self) -> Result<(), CloudError> {
        let mut retry = self.retry.start();
        loop {
            match self.bridge.account_status().await {
                Ok(status) => {
                    let error = account_error(status);
                    self.account_ok.store(error.is_none(), Ordering::SeqCst);
                    return error.map_or(Ok(()), Err);
                }
                Err(failure) => match handling(&failure) {
                    Handling::Retry { error, retry_after } => {
                        if !retry.wait_before_retry(retry_after).await {
                            return Err(error);
                        }
                    }
                    Handling::Final(error) => return Err(error),
                    _ => return Err(CloudError::unexpected(None, ck_reason(failure.code).as_deref())),
                },
            }
        }
    }

    /// Runs one bridge operation with the whole policy: account check, zone re-creation (once),
    /// bounded retries. `RestartListing` is passed back for the listing loop to handle.
    async fn run<T, F, Fut>(&self, operation: F) -> Result<T, Result<CloudError, ListingRestart>>
    where
        F: Fn() -> Fut + Send + Sync,
        Fut: Future<Output = Result<T, CloudKitFailure>> + Send,
        T: Send,
    {
        if !self.account_ok.load(Ordering::SeqCst) {
            self.check_account().await.map_err(Ok)?;
        }
        let mut retry = self.retry.start();
        let mut zone_recreated = false;
        loop {
            let failure = match operation().await {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            match handling(&failure) {
                Handling::RecreateZone if !zone_recreated => {
                    zone_recreated = true;
                    if let Err(zone_failure) = self.bridge.create_zone().await {
                        return Err(Ok(self.final_error(&zone_failure).await));
                    }
                }
                Handling::RecreateZone => {
                    return Err(Ok(CloudError::unexpected(None, ck_reason(failure.code).as_deref())));
                }
                Handling::Retry { error, retry_after } => {
                    if !retry.wait_before_retry(retry_after).await {
                        return Err(Ok(error));
                    }
                }
                Handling::RestartListing => return Err(Err(ListingRestart)),
                Handling::CheckAccount | Handling::Final(_) => {
                    return Err(Ok(self.final_error(&failure).await));
                }
            }
        }
    }

    /// The error to report for a failure that is not retried here.
    async fn final_error(&self, failure: &CloudKitFailure) -> CloudError {
        match handling(failure) {
            Handling::Final(error) => {
                if matches!(error, CloudError::ProviderUnavailable { .. }) {
                    self.account_ok.store(false, Ordering::SeqCst);
                }
                error
            }
            Handling::CheckAccount => {
                self.account_ok.store(false, Ordering::SeqCst);
                match self.bridge.account_status().await.ok().and_then(account_error) {
                    Some(error) => error,
                    // CloudKit says "not authenticated" although the account looks available
                    // (e.g. iCloud switched off for this app): the user must sign in to iCloud.
                    None => CloudError::NotSignedIn,
                }
            }
            Handling::Retry { error, .. } => error,
            Handling::RecreateZone | Handling::RestartListing => {
                CloudError::unexpected(None, ck_reason(failure.code).as_deref())
            }
        }
    }

    async fn run_simple<T, F, Fut>(&self, operation: F) -> Result<T, CloudError>
    where
        F: Fn() -> Fut + Send + Sync,
        Fut: Future<Output = Result<T, CloudKitFailure>> + Send,
        T: Send,
    {
        self.run(operation).await.map_err(|error| {
            error.unwrap_or_else(|ListingRestart| {
                CloudError::unexpected(None, ck_reason(ck_error::CHANGE_TOKEN_EXPIRED).as_deref())
            })
        })
    }

    async fn fetch(&self, name: &str) -> Result<Option<CloudKitRecord>, CloudError> {
        match self.run_simple(|| self.bridge.fetch_record(name.to_owned())).await {
            Ok(record) => Ok(Some(record)),
            Err(CloudError::NotFound) => Ok(None),
            Err(other) => Err(other),
        }
    }
}

/// Marker: the listing's change token expired.
struct ListingRestart;

fn info_to_meta(info: CloudKitRecordInfo, sha256: Option<String>) -> Result<ObjectMeta, CloudError> {
    let modified = from_unix_millis(info.modified_millis)
        .ok_or(CloudError::corrupted(CorruptionDetail::BadField("modificationDate")))?;
    let app_properties: AppProperties = info.app_properties.into_iter().collect();
    Ok(ObjectMeta {
        provider_id: info.record_name.clone(),
        name: info.record_name,
        version: Some(info.change_tag),
        size: info.size,
        sha256,
        modified,
        app_properties,
    })
}

#[async_trait]
impl CloudStore for CloudKitStore {
    async fn list(&self) -> Result<Vec<ObjectMeta>, CloudError> {
        let mut restarts = 0;
        'listing: loop {
            let mut objects = Vec::new();
            let mut continuation: Option<Vec<u8>> = None;
            for _ in 0..MAX_PAGES {
                let token = continuation.clone();
                let page = match self.run(|| self.bridge.list_records(token.clone())).await {
                    Ok(page) => page,
                    Err(Err(ListingRestart)) if restarts < 2 => {
                        restarts += 1;
                        continue 'listing;
                    }
                    Err(error) => {
                        return Err(error.unwrap_or_else(|ListingRestart| {
                            CloudError::unexpected(None, ck_reason(ck_error::CHANGE_TOKEN_EXPIRED).as_deref())
                        }));
                    }
                };
                for info in page.records {
                    // Records whose names or properties break the store rules are not ours.
                    if validate_name(&info.record_name).is_err() {
                        continue;
                    }
                    let meta = info_to_meta(info, None)?;
                    if validate_app_properties(&meta.app_properties).is_err() {
                        return Err(CloudError::corrupted(CorruptionDetail::InvalidStoredObject));
                    }
                    objects.push(meta);
                    if objects.len() > MAX_LISTED_OBJECTS {
                        return Err(CloudError::corrupted(CorruptionDetail::EndlessListing));
                    }
                }
                match page.continuation {
                    None => {
                        objects.sort_by(|a, b| a.name.cmp(&b.name));
                        objects.dedup_by(|later, earlier| later.name == earlier.name);
                        return Ok(objects);
                    }
                    Some(next) if Some(&next) == continuation.as_ref() => {
                        return Err(CloudError::corrupted(CorruptionDetail::EndlessListing));
                    }
                    Some(next) => continuation = Some(next),
                }
            }
            return Err(CloudError::corrupted(CorruptionDetail::EndlessListing));
        }
    }

    async fn get(&self, name: &str) -> Result<StoredObject, CloudError> {
        validate_name(name)?;
        let record = self.fetch(name).await?.ok_or(CloudError::NotFound)?;
        if record.record_name != name {
            return Err(CloudError::corrupted(CorruptionDetail::InvalidStoredObject));
        }
        if record.payload.len() as u64 > MAX_OBJECT_BYTES {
            return Err(CloudError::corrupted(CorruptionDetail::BodyTooLarge));
        }
        let sha256 = Some(sha256_hex(&record.payload));
        let info = CloudKitRecordInfo {
            record_name: record.record_name,
            change_tag: record.change_tag.unwrap_or_default(),
            modified_millis: record.modified_millis,
            size: record.payload.len() as u64,
            app_properties: record.app_properties,
        };
        let meta = info_to_meta(info, sha256)?;
        Ok(StoredObject { meta, bytes: record.payload })
    }

    /// Reads the current change tag, then saves only if the server record is still that one:
    /// a concurrent writer in between makes this `Conflict` instead of silently losing a write.
    async fn put(
        &self,
        name: &str,
        bytes: &[u8],
        app_properties: &AppProperties,
    ) -> Result<ObjectMeta, CloudError> {
        validate_put(name, bytes, app_properties)?;
        let change_tag = self.fetch(name).await?.and_then(|record| record.change_tag);
        let record = CloudKitRecord {
            record_name: name.to_owned(),
            change_tag,
            modified_millis: unix_millis(std::time::SystemTime::now()),
            payload: bytes.to_vec(),
            app_properties: app_properties.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        };
        let saved = self
            .run_simple(|| {
                self.bridge.save_record(record.clone(), CloudKitSavePolicy::IfServerRecordUnchanged)
            })
            .await;
        let saved = match saved {
            Err(CloudError::QuotaExceeded { .. }) => {
                let used = self.quota().await.ok().map(|quota| quota.used);
                return Err(CloudError::QuotaExceeded { used, limit: None });
            }
            other => other?,
        };
        let meta = info_to_meta(saved, Some(sha256_hex(bytes)))?;
        if meta.name != name || meta.size != bytes.len() as u64 {
            return Err(CloudError::corrupted(CorruptionDetail::ContentMismatch));
        }
        Ok(meta)
    }

    async fn delete(&self, name: &str) -> Result<(), CloudError> {
        validate_name(name)?;
        match self.run_simple(|| self.bridge.delete_record(name.to_owned())).await {
            Ok(()) | Err(CloudError::NotFound) => Ok(()),
            Err(other) => Err(other),
        }
    }

    /// CloudKit does not expose the iCloud quota: `used` is this app's records, `limit` unknown.
    async fn quota(&self) -> Result<Quota, CloudError> {
        let objects = self.list().await?;
        Ok(Quota { used: objects.iter().map(|o| o.size).sum(), limit: None })
    }
}
