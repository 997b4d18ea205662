//! `HuaweiDriveStore` over real HTTP against the cairn-emulator's Huawei Drive Kit personality:
//! the store contract, `cursor`/`nextCursor` paging and cursor expiry, result codes via account
//! state and injected faults, retry bounds, single-flight refresh through the host.

// Test code: helpers outside #[test] functions may panic on a broken expectation too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use cairn_cloud::huawei_drive::HuaweiDriveStore;
use cairn_cloud::{
    AccessToken, CloudError, CloudStore, NetworkErrorKind, ProviderUnavailableReason, TokenError,
    TokenProvider,
};
use serde_json::json;
use support::RecordingSleeper;
use support::contract::{contract, props};
use support::emulator::{Account, Emu, static_tokens};

const FILES: &str = "/drive/v1/files";
const UPLOAD: &str = "/upload/drive/v1/files";

struct Setup {
    emu: Emu,
    account: Account,
    store: HuaweiDriveStore,
    sleeper: Arc<RecordingSleeper>,
}

async fn setup() -> Setup {
    let emu = Emu::start().await;
    let account = emu.create_account("hua").await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let store = emu.huawei_store(static_tokens(&account.huawei_access), sleeper.clone());
    Setup { emu, account, store, sleeper }
}

fn assert_no_secret(error: &CloudError, account: &Account) {
    let shown = format!("{error} {error:?}");
    for secret in [&account.huawei_access, &account.google_access, &account.google_refresh] {
        assert!(!shown.contains(secret.as_str()), "secret leaked into {shown}");
    }
}

#[tokio::test]
async fn keeps_the_store_contract() {
    let s = setup().await;
    contract(&s.store).await;
    let log = s.emu.log().await;
    for list in log.iter().filter(|e| e.method == "GET" && e.path == FILES) {
        assert_eq!(list.query["containers"], "applicationData");
        assert!(list.query["queryParam"].as_str().unwrap().ends_with("recycled = false"), "{:?}", list.query);
        assert!(list.query["fields"].as_str().unwrap().starts_with("category,nextCursor,files("));
    }
    assert!(log.iter().filter(|e| e.path.starts_with(UPLOAD)).all(|e| e.query["uploadType"] == "multipart"));
    let files = s.emu.files("hua").await;
    assert_eq!(files.len(), 2);
    assert!(files.iter().all(|f| f["provider"] == "huawei"));
}

#[tokio::test]
async fn properties_round_trip_and_are_replaced() {
    let s = setup().await;
    s.store.put("w", b"one", &props(&[("a", "1"), ("b", "2")])).await.unwrap();
    assert_eq!(s.emu.files("hua").await[0]["app_properties"], json!({"a": "1", "b": "2"}));
    s.store.put("w", b"two", &props(&[("b", "3")])).await.unwrap();
    let object = s.store.get("w").await.unwrap();
    assert_eq!(object.bytes, b"two");
    assert_eq!(object.meta.app_properties, props(&[("b", "3")]));
}

#[tokio::test]
async fn listing_pages_with_cursors_and_restarts_when_one_expires() {
    let s = setup().await;
    let store = HuaweiDriveStore::new(
        s.emu.drive_config(3, s.sleeper.clone()),
        static_tokens(&s.account.huawei_access),
    )
    .unwrap();
    for i in 0..7 {
        store.put(&format!("w{i}"), &[i], &props(&[])).await.unwrap();
    }
    s.emu.clear_log().await;
    assert_eq!(store.list().await.unwrap().len(), 7);
    let pages: Vec<_> = s.emu.log().await.into_iter().filter(|e| e.path == FILES).collect();
    assert_eq!(pages.len(), 3);
    assert!(pages.iter().skip(1).all(|p| p.query.get("cursor").is_some()));

    // The second page's cursor has expired (410 CURSOR_EXPIRED): the listing starts over.
    s.emu.clear_log().await;
    s.emu.fault(json!({"method": "GET", "path": FILES, "skip": 1, "status": 410, "reason": "4100"})).await;
    assert_eq!(store.list().await.unwrap().len(), 7);
    assert_eq!(s.emu.count("GET", FILES).await, 5, "page 1, expired page 2, then all 3 pages again");

    // A cursor that keeps expiring ends in a typed error rather than a loop.
    s.emu
        .fault(json!({"method": "GET", "path": FILES, "status": 410, "reason": "4100", "count": "always"}))
        .await;
    assert_eq!(
        store.list().await.unwrap_err(),
        CloudError::Unexpected { status: Some(410), provider_reason: Some("21084100".into()) }
    );
}

#[tokio::test]
async fn account_states_map_to_their_reasons() {
    let s = setup().await;
    s.store.put("w", b"1", &props(&[])).await.unwrap();
    s.emu.post("/__control/accounts/hua", json!({"huawei_agreement_signed": false})).await;
    let error = s.store.list().await.unwrap_err();
    assert_eq!(
        error,
        CloudError::ProviderUnavailable {
            reason: ProviderUnavailableReason::HuaweiCloudAgreementNotAccepted
        }
    );
    assert_no_secret(&error, &s.account);
    s.emu
        .post(
            "/__control/accounts/hua",
            json!({"huawei_agreement_signed": true, "huawei_region_supported": false}),
        )
        .await;
    assert_eq!(
        s.store.get("w").await.unwrap_err(),
        CloudError::ProviderUnavailable { reason: ProviderUnavailableReason::RegionUnsupported }
    );
    s.emu.post("/__control/accounts/hua", json!({"huawei_region_supported": true})).await;
    assert_eq!(s.store.get("w").await.unwrap().bytes, b"1");
}

#[tokio::test]
async fn insufficient_storage_is_not_retried() {
    let s = setup().await;
    s.store.put("first", &[1; 800], &props(&[])).await.unwrap();
    s.emu.post("/__control/quota", json!({"account": "hua", "provider": "huawei", "limit": 1000})).await;
    s.emu.clear_log().await;
    let error = s.store.put("second", &[2; 800], &props(&[])).await.unwrap_err();
    assert_eq!(error, CloudError::QuotaExceeded { used: Some(800), limit: Some(1000) });
    assert_eq!(s.emu.count("POST", UPLOAD).await, 1);
    assert!(s.sleeper.delays().is_empty());
    let quota = s.store.quota().await.unwrap();
    assert_eq!((quota.used, quota.limit), (800, Some(1000)));
}

#[tokio::test]
async fn huawei_codes_and_retry_counts() {
    // (rule, expected error or None for eventual success, attempts of the faulted request)
    let cases: Vec<(serde_json::Value, Option<CloudError>, usize)> = vec![
        (json!({"status": 429, "count": "always"}), Some(CloudError::RateLimited { retry_after: None }), 5),
        (json!({"status": 429, "reason": "4292", "count": 2}), None, 3),
        (json!({"status": 500, "reason": "5006", "count": 3}), None, 4),
        (
            json!({"status": 503, "reason": "5002", "count": "always"}),
            Some(CloudError::Network { kind: NetworkErrorKind::ServerError }),
            5,
        ),
        (json!({"status": 403, "reason": "4031", "count": 1}), None, 2),
        (json!({"status": 403, "reason": "4038", "count": 1}), None, 2),
        (
            json!({"status": 403, "reason": "4035"}),
            Some(CloudError::ProviderUnavailable { reason: ProviderUnavailableReason::AppNotConfigured }),
            1,
        ),
        (
            json!({"status": 403, "reason": "4034"}),
            Some(CloudError::ProviderUnavailable { reason: ProviderUnavailableReason::AccountRestricted }),
            1,
        ),
        (
            json!({"status": 403, "reason": "4039"}),
            Some(CloudError::QuotaExceeded { used: None, limit: None }),
            1,
        ),
        (json!({"status": 402, "reason": "4020"}), Some(CloudError::ReSignInRequired), 1),
        (json!({"status": 409, "reason": "4014"}), Some(CloudError::Conflict), 1),
        (
            json!({"status": 400, "reason": "4001"}),
            Some(CloudError::Unexpected { status: Some(400), provider_reason: Some("21004001".into()) }),
            1,
        ),
        (json!({"drop_connection": true, "count": 1}), None, 2),
    ];
    for (mut rule, expected, attempts) in cases {
        let s = setup().await;
        s.store.put("w", b"1", &props(&[])).await.unwrap();
        s.emu.clear_log().await;
        rule["method"] = json!("GET");
        rule["path"] = json!(FILES);
        s.emu.fault(rule.clone()).await;
        let result = s.store.list().await;
        match (&result, &expected) {
            (Ok(listed), None) => assert_eq!(listed.len(), 1),
            (Err(error), Some(expected)) => {
                assert_eq!(error, expected, "{rule}");
                assert_no_secret(error, &s.account);
            }
            (other, expected) => panic!("{rule}: expected {expected:?}, got {other:?}"),
        }
        assert_eq!(s.emu.count("GET", FILES).await, attempts, "{rule}");
        assert_eq!(s.sleeper.delays().len(), attempts - 1, "{rule}");
        assert!(s.sleeper.total() <= Duration::from_secs(60));
    }
}

/// The host side of Huawei sign-in: `silentSignIn` yields a new access token. Here the
/// emulator's control API plays HMS Account Kit.
struct SilentSignIn {
    emu_control: String,
    initial: AccessToken,
    calls: AtomicUsize,
}

#[async_trait]
impl TokenProvider for SilentSignIn {
    async fn access_token(&self) -> Result<AccessToken, TokenError> {
        Ok(self.initial.clone())
    }

    async fn refresh_access_token(&self, _rejected: AccessToken) -> Result<AccessToken, TokenError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let issued: serde_json::Value = reqwest::Client::new()
            .post(&self.emu_control)
            .json(&json!({"provider": "huawei"}))
            .send()
            .await
            .map_err(|_| TokenError::Network)?
            .json()
            .await
            .map_err(|_| TokenError::Network)?;
        Ok(AccessToken::new(issued["access_token"].as_str().ok_or(TokenError::Network)?.to_owned()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn expired_token_burst_refreshes_once() {
    let s = setup().await;
    s.store.put("w", b"payload", &props(&[])).await.unwrap();
    let issued = s
        .emu
        .post("/__control/accounts/hua/tokens", json!({"provider": "huawei", "lifetime_secs": 60}))
        .await;
    s.emu.post("/__control/clock", json!({"advance_secs": 120})).await;
    let host = Arc::new(SilentSignIn {
        emu_control: s.emu.url("/__control/accounts/hua/tokens"),
        initial: AccessToken::new(issued["access_token"].as_str().unwrap().to_owned()),
        calls: AtomicUsize::new(0),
    });
    let store = Arc::new(s.emu.huawei_store(host.clone(), s.sleeper.clone()));
    s.emu.clear_log().await;
    // The first request of every task is held back briefly, so all ten are in flight with the
    // stale token before the first rejection comes back: a real burst, deterministically.
    s.emu.fault(json!({"method": "GET", "path": FILES, "delay_ms": 300, "count": 10})).await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.get("w").await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().bytes, b"payload");
    }
    assert_eq!(host.calls.load(Ordering::SeqCst), 1);
    assert_eq!(s.emu.log().await.iter().filter(|e| e.status == Some(401)).count(), 10);

    // Rejected again right after the refresh: the user has to sign in again.
    s.emu.fault(json!({"method": "GET", "path": FILES, "status": 401, "count": "always"})).await;
    assert_eq!(store.list().await.unwrap_err(), CloudError::ReSignInRequired);
    assert_eq!(host.calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn host_sign_in_problems_pass_through() {
    struct NoHmsCore;
    #[async_trait]
    impl TokenProvider for NoHmsCore {
        async fn access_token(&self) -> Result<AccessToken, TokenError> {
            Err(TokenError::ProviderUnavailable(ProviderUnavailableReason::HmsCoreMissing))
        }
        async fn refresh_access_token(&self, _rejected: AccessToken) -> Result<AccessToken, TokenError> {
            Err(TokenError::NotSignedIn)
        }
    }
    let s = setup().await;
    let store = s.emu.huawei_store(Arc::new(NoHmsCore), s.sleeper.clone());
    assert_eq!(
        store.list().await.unwrap_err(),
        CloudError::ProviderUnavailable { reason: ProviderUnavailableReason::HmsCoreMissing }
    );
    assert_eq!(s.emu.count("GET", FILES).await, 0, "nothing is sent without a token");
}
