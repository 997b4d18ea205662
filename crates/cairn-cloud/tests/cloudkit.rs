//! `CloudKitStore` over the in-memory fake bridge: every CKError and CKAccountStatus value the
//! store handles specially, plus the ordinary flows.
// Test code: helpers outside #[test] functions may panic on a broken expectation too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use cairn_cloud::cloudkit::{CloudKitFailure, CloudKitStore, ck_account_status, ck_error};
use cairn_cloud::{
    AppProperties, CloudError, CloudStore, NetworkErrorKind, ProviderUnavailableReason, RetryPolicy,
};
use support::fake_cloudkit::{FakeCloudKit, Op};
use support::{RecordingSleeper, recorded_retry};

fn setup() -> (Arc<FakeCloudKit>, CloudKitStore, Arc<RecordingSleeper>) {
    let fake = Arc::new(FakeCloudKit::default());
    let (retry, sleeper) = recorded_retry();
    let store = CloudKitStore::with_retry(fake.clone(), retry);
    (fake, store, sleeper)
}

fn props(pairs: &[(&str, &str)]) -> AppProperties {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn failure(code: i64) -> CloudKitFailure {
    CloudKitFailure::code(code)
}

#[tokio::test]
async fn round_trip_creates_the_zone_on_first_use() {
    let (fake, store, _) = setup();
    assert!(!fake.zone_exists());
    let meta = store.put("epoch-1", b"sealed", &props(&[("kind", "epoch")])).await.unwrap();
    assert!(fake.zone_exists());
    assert_eq!(meta.name, "epoch-1");
    assert_eq!(meta.size, 6);
    assert_eq!(fake.count(Op::CreateZone), 1);

    let object = store.get("epoch-1").await.unwrap();
    assert_eq!(object.bytes, b"sealed");
    assert_eq!(object.meta.app_properties, props(&[("kind", "epoch")]));
    assert_eq!(object.meta.version, meta.version);

    let replaced = store.put("epoch-1", b"sealed-2", &props(&[])).await.unwrap();
    assert_ne!(replaced.version, meta.version);
    assert_eq!(store.get("epoch-1").await.unwrap().bytes, b"sealed-2");
    assert!(store.get("epoch-1").await.unwrap().meta.app_properties.is_empty());

    store.put("record-a", b"a", &props(&[])).await.unwrap();
    let names: Vec<_> = store.list().await.unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["epoch-1", "record-a"]);
    assert_eq!(store.quota().await.unwrap().used, 9);
    assert_eq!(store.quota().await.unwrap().limit, None);

    store.delete("epoch-1").await.unwrap();
    store.delete("epoch-1").await.unwrap();
    assert_eq!(store.get("epoch-1").await.unwrap_err(), CloudError::NotFound);
    assert_eq!(store.list().await.unwrap().len(), 1);
}

#[tokio::test]
async fn listing_pages_through_every_record() {
    let (fake, store, _) = setup();
    fake.set_page_size(7);
    for i in 0..30 {
        store.put(&format!("r{i:02}"), &[i as u8], &props(&[])).await.unwrap();
    }
    fake.clear_calls();
    let listed = store.list().await.unwrap();
    assert_eq!(listed.len(), 30);
    assert_eq!(listed[29].name, "r29");
    assert_eq!(fake.count(Op::List), 5);
}

#[tokio::test]
async fn expired_change_token_restarts_the_listing() {
    let (fake, store, _) = setup();
    fake.set_page_size(2);
    for i in 0..5 {
        store.put(&format!("r{i}"), b"x", &props(&[])).await.unwrap();
    }
    // The next listing's second page gets changeTokenExpired; the store starts over.
    fake.expire_continuations();
    fake.fail(Op::List, failure(ck_error::CHANGE_TOKEN_EXPIRED), 1);
    assert_eq!(store.list().await.unwrap().len(), 5);
    // Expired over and over: give up with a typed error rather than loop.
    fake.fail(Op::List, failure(ck_error::CHANGE_TOKEN_EXPIRED), 10);
    assert!(matches!(store.list().await.unwrap_err(), CloudError::Unexpected { .. }));
}

#[tokio::test]
async fn deleted_zone_is_recreated_once_and_the_operation_retried() {
    let (fake, store, _) = setup();
    store.put("w", b"1", &props(&[])).await.unwrap();
    fake.delete_zone();
    fake.clear_calls();
    // userDeletedZone (28) from the first call, zoneNotFound (26) after it: both recreate.
    fake.fail(Op::Fetch, failure(ck_error::USER_DELETED_ZONE), 1);
    store.put("w", b"2", &props(&[])).await.unwrap();
    assert_eq!(store.get("w").await.unwrap().bytes, b"2");
    assert_eq!(fake.count(Op::CreateZone), 1);

    // A zone that keeps vanishing is recreated only once per operation.
    fake.fail(Op::Fetch, failure(ck_error::ZONE_NOT_FOUND), 5);
    fake.clear_calls();
    assert!(matches!(store.get("w").await.unwrap_err(), CloudError::Unexpected { .. }));
    assert_eq!(fake.count(Op::CreateZone), 1);
    assert_eq!(fake.count(Op::Fetch), 2);
}

#[tokio::test]
async fn concurrent_change_is_a_conflict() {
    let (fake, store, _) = setup();
    store.put("w", b"mine-1", &props(&[])).await.unwrap();
    fake.write_concurrently_before_next_save("w", b"other-device");
    assert_eq!(store.put("w", b"mine-2", &props(&[])).await.unwrap_err(), CloudError::Conflict);
    assert_eq!(fake.payload("w").unwrap(), b"other-device");
    // A create racing another device's create of the same name is a conflict too.
    fake.write_concurrently_before_next_save("new", b"other-device");
    assert_eq!(store.put("new", b"mine", &props(&[])).await.unwrap_err(), CloudError::Conflict);
}

#[tokio::test]
async fn quota_exceeded_is_not_retried() {
    let (fake, store, sleeper) = setup();
    fake.set_quota(10);
    store.put("a", &[0; 8], &props(&[])).await.unwrap();
    fake.clear_calls();
    let error = store.put("b", &[0; 8], &props(&[])).await.unwrap_err();
    assert_eq!(error, CloudError::QuotaExceeded { used: Some(8), limit: None });
    assert_eq!(fake.count(Op::Save), 1);
    assert!(sleeper.delays().is_empty());
}

#[tokio::test]
async fn rate_limits_wait_at_least_retry_after() {
    for code in [ck_error::REQUEST_RATE_LIMITED, ck_error::SERVICE_UNAVAILABLE, ck_error::ZONE_BUSY] {
        let (fake, store, sleeper) = setup();
        store.put("w", b"x", &props(&[])).await.unwrap();
        let limited = CloudKitFailure { code, retry_after_seconds: Some(3.0), item_codes: vec![] };
        fake.fail(Op::Fetch, limited, 2);
        assert_eq!(store.get("w").await.unwrap().bytes, b"x");
        let delays = sleeper.delays();
        assert_eq!(delays.len(), 2, "code {code}");
        assert!(delays.iter().all(|d| *d >= Duration::from_secs(3)), "code {code}: {delays:?}");
    }
}

#[tokio::test]
async fn retries_stop_at_the_bound() {
    let (fake, store, sleeper) = setup();
    store.put("w", b"x", &props(&[])).await.unwrap();
    fake.clear_calls();
    fake.fail(Op::Fetch, failure(ck_error::NETWORK_FAILURE), 100);
    let error = store.get("w").await.unwrap_err();
    assert_eq!(error, CloudError::Network { kind: NetworkErrorKind::Interrupted });
    let policy = RetryPolicy::standard();
    assert_eq!(fake.count(Op::Fetch), policy.max_attempts as usize);
    assert!(sleeper.total() <= policy.max_total_delay);

    // A retry-after longer than the whole budget ends retries at once.
    let (fake, store, sleeper) = setup();
    store.put("w", b"x", &props(&[])).await.unwrap();
    fake.clear_calls();
    let limited = CloudKitFailure {
        code: ck_error::REQUEST_RATE_LIMITED,
        retry_after_seconds: Some(3600.0),
        item_codes: vec![],
    };
    fake.fail(Op::Fetch, limited, 1);
    assert_eq!(
        store.get("w").await.unwrap_err(),
        CloudError::RateLimited { retry_after: Some(Duration::from_secs(3600)) }
    );
    assert_eq!(fake.count(Op::Fetch), 1);
    assert!(sleeper.delays().is_empty());
}

/// Every code a single failed `get` can report, and what it becomes. Retryable codes are
/// injected more often than the retry bound allows, so the final error shows.
#[tokio::test]
async fn every_error_code_maps() {
    use ck_error::*;
    let unexpected =
        |code: i64| CloudError::Unexpected { status: None, provider_reason: Some(format!("CKError {code}")) };
    let unavailable = |reason| CloudError::ProviderUnavailable { reason };
    let cases: Vec<(i64, CloudError)> = vec![
        (INTERNAL_ERROR, unexpected(1)),
        (NETWORK_UNAVAILABLE, CloudError::Network { kind: NetworkErrorKind::Offline }),
        (NETWORK_FAILURE, CloudError::Network { kind: NetworkErrorKind::Interrupted }),
        (BAD_CONTAINER, unavailable(ProviderUnavailableReason::AppNotConfigured)),
        (SERVICE_UNAVAILABLE, CloudError::RateLimited { retry_after: None }),
        (REQUEST_RATE_LIMITED, CloudError::RateLimited { retry_after: None }),
        (MISSING_ENTITLEMENT, unavailable(ProviderUnavailableReason::AppNotConfigured)),
        // notAuthenticated while the account looks available: sign in to iCloud.
        (NOT_AUTHENTICATED, CloudError::NotSignedIn),
        (PERMISSION_FAILURE, unavailable(ProviderUnavailableReason::AppNotConfigured)),
        (UNKNOWN_ITEM, CloudError::NotFound),
        (INVALID_ARGUMENTS, unexpected(12)),
        (RESULTS_TRUNCATED, unexpected(13)),
        (SERVER_RECORD_CHANGED, CloudError::Conflict),
        (SERVER_REJECTED_REQUEST, unexpected(15)),
        (ASSET_FILE_NOT_FOUND, unexpected(16)),
        (ASSET_FILE_MODIFIED, unexpected(17)),
        (INCOMPATIBLE_VERSION, unexpected(18)),
        (CONSTRAINT_VIOLATION, CloudError::Conflict),
        (OPERATION_CANCELLED, unexpected(20)),
        (CHANGE_TOKEN_EXPIRED, unexpected(21)),
        (ZONE_BUSY, CloudError::RateLimited { retry_after: None }),
        (BAD_DATABASE, unavailable(ProviderUnavailableReason::AppNotConfigured)),
        (QUOTA_EXCEEDED, CloudError::QuotaExceeded { used: None, limit: None }),
        (LIMIT_EXCEEDED, unexpected(27)),
        (TOO_MANY_PARTICIPANTS, unexpected(29)),
        (ALREADY_SHARED, unexpected(30)),
        (REFERENCE_VIOLATION, unexpected(31)),
        (MANAGED_ACCOUNT_RESTRICTED, unavailable(ProviderUnavailableReason::ICloudRestricted)),
        (PARTICIPANT_MAY_NEED_VERIFICATION, unexpected(33)),
        (SERVER_RESPONSE_LOST, CloudError::Network { kind: NetworkErrorKind::Interrupted }),
        (ASSET_NOT_AVAILABLE, CloudError::Network { kind: NetworkErrorKind::Interrupted }),
        (
            ACCOUNT_TEMPORARILY_UNAVAILABLE,
            unavailable(ProviderUnavailableReason::ICloudTemporarilyUnavailable),
        ),
        (99, unexpected(99)),
    ];
    for (code, expected) in cases {
        let (fake, store, _) = setup();
        store.put("w", b"x", &props(&[])).await.unwrap();
        fake.fail(Op::Fetch, failure(code), 50);
        assert_eq!(store.get("w").await.unwrap_err(), expected, "CKError {code}");
    }
}

#[tokio::test]
async fn partial_failures_report_the_items_code() {
    let cases = [
        // On put, the store adds what it knows of the usage: this app's records.
        (vec![ck_error::QUOTA_EXCEEDED], CloudError::QuotaExceeded { used: Some(1), limit: None }),
        (vec![ck_error::BATCH_REQUEST_FAILED, ck_error::SERVER_RECORD_CHANGED], CloudError::Conflict),
        (vec![ck_error::UNKNOWN_ITEM], CloudError::NotFound),
        (vec![], CloudError::Unexpected { status: None, provider_reason: Some("CKError 2".into()) }),
    ];
    for (items, expected) in cases {
        let (fake, store, _) = setup();
        store.put("w", b"x", &props(&[])).await.unwrap();
        let partial =
            CloudKitFailure { code: ck_error::PARTIAL_FAILURE, retry_after_seconds: None, item_codes: items };
        fake.fail(Op::Save, partial, 1);
        assert_eq!(store.put("w", b"y", &props(&[])).await.unwrap_err(), expected);
    }
    // A partial failure whose item was rate-limited is retried like the plain code.
    let (fake, store, sleeper) = setup();
    store.put("w", b"x", &props(&[])).await.unwrap();
    let partial = CloudKitFailure {
        code: ck_error::PARTIAL_FAILURE,
        retry_after_seconds: Some(2.0),
        item_codes: vec![ck_error::REQUEST_RATE_LIMITED],
    };
    fake.fail(Op::Save, partial, 1);
    store.put("w", b"y", &props(&[])).await.unwrap();
    assert_eq!(sleeper.delays().len(), 1);
    assert!(sleeper.delays()[0] >= Duration::from_secs(2));
}

#[tokio::test]
async fn account_statuses_gate_every_operation() {
    let cases = [
        (
            ck_account_status::COULD_NOT_DETERMINE,
            CloudError::ProviderUnavailable { reason: ProviderUnavailableReason::ICloudUnavailable },
        ),
        (
            ck_account_status::RESTRICTED,
            CloudError::ProviderUnavailable { reason: ProviderUnavailableReason::ICloudRestricted },
        ),
        (ck_account_status::NO_ACCOUNT, CloudError::NotSignedIn),
        (
            ck_account_status::TEMPORARILY_UNAVAILABLE,
            CloudError::ProviderUnavailable {
                reason: ProviderUnavailableReason::ICloudTemporarilyUnavailable,
            },
        ),
        (17, CloudError::Unexpected { status: None, provider_reason: Some("CKAccountStatus 17".into()) }),
    ];
    for (status, expected) in cases {
        let (fake, store, _) = setup();
        fake.set_account_status(status);
        assert_eq!(store.put("w", b"x", &props(&[])).await.unwrap_err(), expected, "status {status}");
        assert_eq!(store.list().await.unwrap_err(), expected, "status {status}");
        // Nothing but the status check reached CloudKit.
        assert!(
            fake.calls().iter().all(|op| *op == Op::AccountStatus),
            "status {status}: {:?}",
            fake.calls()
        );
        // Once the account is available again, operations proceed.
        fake.set_account_status(ck_account_status::AVAILABLE);
        store.put("w", b"x", &props(&[])).await.unwrap();
    }
}

#[tokio::test]
async fn sign_out_mid_session_is_reported_precisely() {
    let (fake, store, _) = setup();
    store.put("w", b"x", &props(&[])).await.unwrap();
    fake.set_account_status(ck_account_status::NO_ACCOUNT);
    // The fake now answers notAuthenticated; the store asks for the status and says why.
    assert_eq!(store.get("w").await.unwrap_err(), CloudError::NotSignedIn);
    fake.set_account_status(ck_account_status::TEMPORARILY_UNAVAILABLE);
    fake.clear_calls();
    assert_eq!(
        store.get("w").await.unwrap_err(),
        CloudError::ProviderUnavailable { reason: ProviderUnavailableReason::ICloudTemporarilyUnavailable }
    );
    assert_eq!(fake.calls(), vec![Op::AccountStatus]);
}

#[tokio::test]
async fn rules_are_checked_before_calling_cloudkit() {
    let (fake, store, _) = setup();
    assert!(matches!(store.put("../x", b"x", &props(&[])).await, Err(CloudError::InvalidObject { .. })));
    assert!(matches!(store.get("").await, Err(CloudError::InvalidObject { .. })));
    let too_big = vec![0u8; cairn_cloud::MAX_OBJECT_BYTES as usize + 1];
    assert!(matches!(store.put("x", &too_big, &props(&[])).await, Err(CloudError::InvalidObject { .. })));
    assert!(fake.calls().is_empty());
}
