//! `GoogleDriveStore` over real HTTP against the cairn-emulator on a loopback port: the store
//! contract, paging, duplicates, every error mapping via injected faults (with request counts
//! from the emulator's log), retry bounds with a recording sleeper, single-flight refresh, and
//! no token in any error.

// Test code: helpers outside #[test] functions may panic on a broken expectation too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cairn_cloud::google_drive::GoogleDriveStore;
use cairn_cloud::google_oauth::{DesktopTokenProvider, GoogleOAuthConfig, RefreshToken, SignInTokens};
use cairn_cloud::{
    AccessToken, CloudError, CloudStore, CorruptionDetail, HttpSettings, NetworkErrorKind,
    ProviderUnavailableReason, RetryPolicy, TokenError, TokenProvider,
};
use serde_json::json;
use support::RecordingSleeper;
use support::contract::{contract, props};
use support::emulator::{Account, Emu, static_tokens};
use url::Url;

const FILES: &str = "/drive/v3/files";
const UPLOAD: &str = "/upload/drive/v3/files";

struct Setup {
    emu: Emu,
    account: Account,
    store: GoogleDriveStore,
    sleeper: Arc<RecordingSleeper>,
}

async fn setup() -> Setup {
    let emu = Emu::start().await;
    let account = emu.create_account("alice").await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let store = emu.google_store(static_tokens(&account.google_access), sleeper.clone());
    Setup { emu, account, store, sleeper }
}

/// No error text or debug form may carry any of the account's tokens.
fn assert_no_secret(error: &CloudError, account: &Account) {
    let shown = format!("{error} {error:?}");
    for secret in
        [&account.google_access, &account.google_refresh, &account.client_secret, &account.huawei_access]
    {
        assert!(!shown.contains(secret.as_str()), "secret leaked into {shown}");
    }
}

#[tokio::test]
async fn keeps_the_store_contract() {
    let s = setup().await;
    contract(&s.store).await;
    // Everything went to the app-data folder, with the requested fields and query.
    let log = s.emu.log().await;
    let lists: Vec<_> = log.iter().filter(|e| e.method == "GET" && e.path == FILES).collect();
    assert!(!lists.is_empty());
    for list in &lists {
        assert_eq!(list.query["spaces"], "appDataFolder");
        assert!(list.query["q"].as_str().unwrap().ends_with("trashed = false"), "{:?}", list.query);
        assert!(list.query["fields"].as_str().unwrap().starts_with("nextPageToken,files("));
    }
    let uploads: Vec<_> = log.iter().filter(|e| e.path.starts_with(UPLOAD)).collect();
    assert!(uploads.iter().all(|e| e.query["uploadType"] == "multipart"));
    assert!(uploads.iter().any(|e| e.method == "POST") && uploads.iter().any(|e| e.method == "PATCH"));
    let files = s.emu.files("alice").await;
    let names: Vec<_> = files.iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(files.iter().all(|f| f["provider"] == "google"));
}

#[tokio::test]
async fn properties_and_content_round_trip() {
    let s = setup().await;
    let meta = s
        .store
        .put("epoch-1", b"\x00\x01sealed\xff", &props(&[("kind", "epoch"), ("v", "1")]))
        .await
        .unwrap();
    assert!(meta.version.is_some());
    assert!(meta.sha256.is_some());
    let files = s.emu.files("alice").await;
    assert_eq!(files[0]["app_properties"], json!({"kind": "epoch", "v": "1"}));
    // Replace drops keys no longer present (sent as null in the patch).
    let replaced = s.store.put("epoch-1", b"second", &props(&[("v", "2")])).await.unwrap();
    assert_eq!(replaced.provider_id, meta.provider_id, "an update keeps the file id");
    assert_ne!(replaced.version, meta.version);
    let object = s.store.get("epoch-1").await.unwrap();
    assert_eq!(object.bytes, b"second");
    assert_eq!(object.meta.app_properties, props(&[("v", "2")]));
    assert_eq!(s.emu.files("alice").await[0]["app_properties"], json!({"v": "2"}));
}

#[tokio::test]
async fn listing_follows_page_tokens_across_empty_pages() {
    let s = setup().await;
    let store = GoogleDriveStore::new(
        s.emu.drive_config(3, s.sleeper.clone()),
        static_tokens(&s.account.google_access),
    )
    .unwrap();
    for i in 0..10 {
        store.put(&format!("obj-{i:02}"), &[i], &props(&[])).await.unwrap();
    }
    s.emu.clear_log().await;
    let names: Vec<_> = store.list().await.unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(names, (0..10).map(|i| format!("obj-{i:02}")).collect::<Vec<_>>());
    let pages = s.emu.log().await.into_iter().filter(|e| e.path == FILES).collect::<Vec<_>>();
    assert_eq!(pages.len(), 4, "10 objects at 3 per page");
    assert!(pages.iter().all(|p| p.query["pageSize"] == "3"));
    assert!(pages.iter().skip(1).all(|p| p.query.get("pageToken").is_some()));

    // The service may return empty pages before the end; they must not end the listing.
    s.emu.settings(json!({"empty_pages": true})).await;
    s.emu.clear_log().await;
    assert_eq!(store.list().await.unwrap().len(), 10);
    assert!(s.emu.count("GET", FILES).await > 4);
}

/// Uploads a file straight to the emulator, bypassing the store (another client's doing).
async fn raw_create(emu: &Emu, token: &str, name: &str, content: &[u8]) {
    let metadata = json!({"name": name, "parents": ["appDataFolder"]}).to_string();
    let mut body = Vec::new();
    body.extend_from_slice(b"--b\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n");
    body.extend_from_slice(metadata.as_bytes());
    body.extend_from_slice(b"\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n");
    body.extend_from_slice(content);
    body.extend_from_slice(b"\r\n--b--\r\n");
    let response = reqwest::Client::new()
        .post(emu.url("/upload/drive/v3/files?uploadType=multipart"))
        .bearer_auth(token)
        .header("Content-Type", "multipart/related; boundary=b")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn duplicate_names_resolve_to_the_newest() {
    let s = setup().await;
    raw_create(&s.emu, &s.account.google_access, "dup", b"older").await;
    s.emu.post("/__control/clock", json!({"advance_secs": 10})).await;
    raw_create(&s.emu, &s.account.google_access, "dup", b"newer").await;
    s.emu.post("/__control/clock", json!({"advance_secs": 10})).await;
    raw_create(&s.emu, &s.account.google_access, "other", b"x").await;

    let listed = s.store.list().await.unwrap();
    assert_eq!(listed.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["dup", "other"]);
    assert_eq!(s.store.get("dup").await.unwrap().bytes, b"newer");
    // put replaces the newest; the older duplicate stays as it was.
    s.store.put("dup", b"replaced", &props(&[])).await.unwrap();
    assert_eq!(s.store.get("dup").await.unwrap().bytes, b"replaced");
    let sizes: Vec<_> =
        s.emu.files("alice").await.iter().filter(|f| f["name"] == "dup").map(|f| f["size"].clone()).collect();
    assert_eq!(sizes.len(), 2);
    assert!(sizes.contains(&json!(5)) || sizes.contains(&json!("5")), "{sizes:?}");
    // delete removes every duplicate.
    s.store.delete("dup").await.unwrap();
    let left: Vec<_> =
        s.emu.files("alice").await.iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(left, ["other"]);
}

#[tokio::test]
async fn accounts_are_separate() {
    let s = setup().await;
    s.store.put("mine", b"alice", &props(&[])).await.unwrap();
    let bob = s.emu.create_account("bob").await;
    let bob_store = s.emu.google_store(static_tokens(&bob.google_access), s.sleeper.clone());
    assert!(bob_store.list().await.unwrap().is_empty());
    assert_eq!(bob_store.get("mine").await.unwrap_err(), CloudError::NotFound);
}

/// One injected fault on the first matching request(s) and what the store reports.
struct Case {
    rule: serde_json::Value,
    /// `None`: the listing succeeds in the end.
    expected: Option<CloudError>,
    /// Requests the faulted method+path must have seen in all.
    attempts: usize,
}

async fn run_list_case(case: Case) {
    let s = setup().await;
    s.store.put("a", b"1", &props(&[])).await.unwrap();
    s.emu.clear_log().await;
    s.emu.fault(case.rule.clone()).await;
    let result = s.store.list().await;
    let attempts = s.emu.count("GET", FILES).await;
    match (&result, &case.expected) {
        (Ok(listed), None) => assert_eq!(listed.len(), 1, "{}", case.rule),
        (Err(error), Some(expected)) => {
            assert_eq!(error, expected, "{}", case.rule);
            assert_no_secret(error, &s.account);
        }
        (other, expected) => panic!("{}: expected {expected:?}, got {other:?}", case.rule),
    }
    assert_eq!(attempts, case.attempts, "{}", case.rule);
    let sleeps = s.sleeper.delays();
    assert_eq!(sleeps.len(), attempts - 1, "one wait between attempts: {}", case.rule);
    assert!(s.sleeper.total() <= Duration::from_secs(60));
}

#[tokio::test]
async fn error_mappings_and_retry_counts() {
    let ok: Option<CloudError> = None;
    let cases = vec![
        Case {
            rule: json!({"method": "GET", "path": FILES, "status": 429, "count": "always"}),
            expected: Some(CloudError::RateLimited { retry_after: None }),
            attempts: 5,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "status": 403, "reason": "userRateLimitExceeded", "count": 2}),
            expected: ok.clone(),
            attempts: 3,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "status": 403, "reason": "rateLimitExceeded", "count": "always"}),
            expected: Some(CloudError::RateLimited { retry_after: None }),
            attempts: 5,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "status": 500, "reason": "backendError", "count": 3}),
            expected: ok.clone(),
            attempts: 4,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "status": 503, "count": "always"}),
            expected: Some(CloudError::Network { kind: NetworkErrorKind::ServerError }),
            attempts: 5,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "status": 403, "reason": "dailyLimitExceeded"}),
            expected: Some(CloudError::RateLimited { retry_after: None }),
            attempts: 1,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "status": 403, "reason": "insufficientPermissions"}),
            expected: Some(CloudError::ProviderUnavailable {
                reason: ProviderUnavailableReason::PermissionNotGranted,
            }),
            attempts: 1,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "status": 403, "reason": "insufficientScopes"}),
            expected: Some(CloudError::ProviderUnavailable {
                reason: ProviderUnavailableReason::PermissionNotGranted,
            }),
            attempts: 1,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "status": 400, "reason": "invalid"}),
            expected: Some(CloudError::Unexpected {
                status: Some(400),
                provider_reason: Some("invalid".into()),
            }),
            attempts: 1,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "status": 403, "reason": "notSupportedForAppDataFolderFiles"}),
            expected: Some(CloudError::Unexpected {
                status: Some(403),
                provider_reason: Some("notSupportedForAppDataFolderFiles".into()),
            }),
            attempts: 1,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "drop_connection": true, "count": 2}),
            expected: ok.clone(),
            attempts: 3,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "truncate_body": true, "count": 1}),
            expected: ok.clone(),
            attempts: 2,
        },
        Case {
            rule: json!({"method": "GET", "path": FILES, "corrupt_body": true}),
            expected: Some(CloudError::CorruptedResponse { detail: CorruptionDetail::MalformedJson }),
            attempts: 1,
        },
    ];
    for case in cases {
        run_list_case(case).await;
    }
}

#[tokio::test]
async fn dropped_connections_exhaust_into_a_network_error() {
    let s = setup().await;
    s.emu.fault(json!({"method": "GET", "path": FILES, "drop_connection": true, "count": "always"})).await;
    let error = s.store.list().await.unwrap_err();
    assert!(matches!(error, CloudError::Network { .. }), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(s.emu.count("GET", FILES).await, 5);
}

#[tokio::test]
async fn retry_after_is_honoured_and_bounded() {
    let s = setup().await;
    s.emu
        .fault(json!({"method": "GET", "path": FILES, "status": 429, "retry_after_secs": 7, "count": 1}))
        .await;
    s.store.list().await.unwrap();
    assert_eq!(s.sleeper.delays().len(), 1);
    assert!(s.sleeper.delays()[0] >= Duration::from_secs(7));

    // A Retry-After beyond the whole budget ends retries at once and is reported.
    let s = setup().await;
    s.emu.fault(json!({"method": "GET", "path": FILES, "status": 429, "retry_after_secs": 120, "count": "always"})).await;
    assert_eq!(
        s.store.list().await.unwrap_err(),
        CloudError::RateLimited { retry_after: Some(Duration::from_secs(120)) }
    );
    assert_eq!(s.emu.count("GET", FILES).await, 1);
    assert!(s.sleeper.delays().is_empty());
}

#[tokio::test]
async fn storage_quota_is_not_retried_and_reports_usage() {
    let s = setup().await;
    s.store.put("first", &[1; 1000], &props(&[])).await.unwrap();
    s.emu.post("/__control/quota", json!({"account": "alice", "limit": 1500})).await;
    s.emu.clear_log().await;
    let error = s.store.put("second", &[2; 1000], &props(&[])).await.unwrap_err();
    assert_eq!(error, CloudError::QuotaExceeded { used: Some(1000), limit: Some(1500) });
    assert!(!error.is_retryable());
    assert_eq!(s.emu.count("POST", UPLOAD).await, 1, "quota errors are never retried");
    assert!(s.sleeper.delays().is_empty());
    assert_no_secret(&error, &s.account);
    // An injected quota error on update behaves the same.
    s.emu.clear_log().await;
    s.emu.fault(json!({"method": "PATCH", "path_prefix": UPLOAD, "status": 403, "reason": "storageQuotaExceeded"})).await;
    let error = s.store.put("first", &[3; 10], &props(&[])).await.unwrap_err();
    assert!(matches!(error, CloudError::QuotaExceeded { used: Some(_), limit: Some(1500) }), "{error:?}");
    assert_eq!(s.emu.count("PATCH", UPLOAD).await, 1);
}

#[tokio::test]
async fn quota_reports_usage_and_limit() {
    let s = setup().await;
    s.emu.post("/__control/quota", json!({"account": "alice", "limit": 10_000, "usage": 500})).await;
    s.store.put("x", &[0; 100], &props(&[])).await.unwrap();
    let quota = s.store.quota().await.unwrap();
    assert_eq!(quota.limit, Some(10_000));
    assert_eq!(quota.used, 600);
    s.emu.post("/__control/quota", json!({"account": "alice", "limit": null})).await;
    assert_eq!(s.store.quota().await.unwrap().limit, None, "no limit means unlimited");
}

#[tokio::test]
async fn damaged_downloads_are_fetched_again_then_refused() {
    let s = setup().await;
    s.store.put("obj", b"the sealed payload", &props(&[])).await.unwrap();
    let media = format!("{FILES}/*");
    s.emu.fault(json!({"method": "GET", "path": media, "corrupt_body": true, "count": 1})).await;
    assert_eq!(s.store.get("obj").await.unwrap().bytes, b"the sealed payload");
    s.emu.fault(json!({"method": "GET", "path": media, "truncate_body": true, "count": 1})).await;
    assert_eq!(s.store.get("obj").await.unwrap().bytes, b"the sealed payload");
    s.emu.fault(json!({"method": "GET", "path": media, "corrupt_body": true, "count": "always"})).await;
    assert_eq!(
        s.store.get("obj").await.unwrap_err(),
        CloudError::CorruptedResponse { detail: CorruptionDetail::ContentMismatch }
    );
}

#[tokio::test]
async fn slow_responses_time_out_and_are_retried() {
    let s = setup().await;
    let mut config = s.emu.drive_config(100, s.sleeper.clone());
    config.http = HttpSettings {
        request_timeout: Duration::from_millis(300),
        retry: RetryPolicy::standard().with_sleeper(s.sleeper.clone()),
        ..HttpSettings::default()
    };
    let store = GoogleDriveStore::new(config, static_tokens(&s.account.google_access)).unwrap();
    s.emu.fault(json!({"method": "GET", "path": FILES, "delay_ms": 2000, "count": 1})).await;
    let started = Instant::now();
    store.list().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "the slow attempt was abandoned");
    assert_eq!(s.sleeper.delays().len(), 1);
}

#[tokio::test]
async fn rejected_token_without_refresh_needs_a_new_sign_in() {
    let s = setup().await;
    let store = s.emu.google_store(static_tokens("ya29.not-a-token-the-emulator-issued"), s.sleeper.clone());
    let error = store.list().await.unwrap_err();
    assert_eq!(error, CloudError::ReSignInRequired);
    assert!(!format!("{error:?}{error}").contains("not-a-token"));
    assert_eq!(s.emu.count("GET", FILES).await, 1);
}

/// A host token provider that refreshes through the emulator's token endpoint and counts calls.
struct CountingRefresher {
    emu_token_url: String,
    account: Account,
    initial: AccessToken,
    refreshes: AtomicUsize,
}

#[async_trait]
impl TokenProvider for CountingRefresher {
    async fn access_token(&self) -> Result<AccessToken, TokenError> {
        Ok(self.initial.clone())
    }

    async fn refresh_access_token(&self, _rejected: AccessToken) -> Result<AccessToken, TokenError> {
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        let response = reqwest::Client::new()
            .post(&self.emu_token_url)
            .form(&[
                ("grant_type", "refresh_token"),
                ("refresh_token", &self.account.google_refresh),
                ("client_id", &self.account.client_id),
                ("client_secret", &self.account.client_secret),
            ])
            .send()
            .await
            .map_err(|_| TokenError::Network)?;
        if !response.status().is_success() {
            return Err(TokenError::ReSignInRequired);
        }
        let body: serde_json::Value = response.json().await.map_err(|_| TokenError::Network)?;
        Ok(AccessToken::new(body["access_token"].as_str().ok_or(TokenError::Network)?.to_owned()))
    }
}

/// An access token that expired: issued with a one-minute lifetime, then the emulator's clock
/// moves two minutes on.
async fn expired_token(emu: &Emu, account: &str) -> String {
    let issued =
        emu.post(&format!("/__control/accounts/{account}/tokens"), json!({"lifetime_secs": 60})).await;
    emu.post("/__control/clock", json!({"advance_secs": 120})).await;
    issued["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_after_expiry_share_one_refresh() {
    let s = setup().await;
    for i in 0..3 {
        s.store.put(&format!("obj-{i}"), &[i], &props(&[])).await.unwrap();
    }
    let stale = expired_token(&s.emu, "alice").await;
    let refresher = Arc::new(CountingRefresher {
        emu_token_url: s.emu.url("/token"),
        account: s.account.clone(),
        initial: AccessToken::new(stale.clone()),
        refreshes: AtomicUsize::new(0),
    });
    let store = Arc::new(s.emu.google_store(refresher.clone(), s.sleeper.clone()));
    s.emu.clear_log().await;
    // The first request of every task is held back briefly, so all ten are in flight with the
    // stale token before the first rejection comes back: a real burst, deterministically.
    s.emu.fault(json!({"method": "GET", "path": FILES, "delay_ms": 300, "count": 10})).await;
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let store = store.clone();
            tokio::spawn(async move {
                if i % 2 == 0 {
                    store.list().await.map(|l| l.len())
                } else {
                    store.get("obj-1").await.map(|o| o.bytes.len())
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    assert_eq!(refresher.refreshes.load(Ordering::SeqCst), 1, "one refresh for the whole burst");
    let log = s.emu.log().await;
    let rejected = log.iter().filter(|e| e.status == Some(401)).count();
    assert_eq!(rejected, 10, "each request was rejected once with the stale token, then replayed");
    assert_eq!(log.iter().filter(|e| e.path == "/token").count(), 1);
}

#[tokio::test]
async fn a_second_rejection_after_refresh_needs_a_new_sign_in() {
    let s = setup().await;
    let refresher = Arc::new(CountingRefresher {
        emu_token_url: s.emu.url("/token"),
        account: s.account.clone(),
        initial: AccessToken::new(s.account.google_access.clone()),
        refreshes: AtomicUsize::new(0),
    });
    let store = s.emu.google_store(refresher.clone(), s.sleeper.clone());
    s.emu.fault(json!({"method": "GET", "path": FILES, "status": 401, "count": "always"})).await;
    let error = store.list().await.unwrap_err();
    assert_eq!(error, CloudError::ReSignInRequired);
    assert_eq!(refresher.refreshes.load(Ordering::SeqCst), 1);
    assert_eq!(s.emu.count("GET", FILES).await, 2, "original + one replay");
    assert_no_secret(&error, &s.account);
}

fn emulator_oauth(emu: &Emu, account: &Account) -> GoogleOAuthConfig {
    GoogleOAuthConfig::with_endpoints(
        account.client_id.clone(),
        Some(account.client_secret.clone()),
        Url::parse(&emu.url("/o/oauth2/v2/auth")).unwrap(),
        Url::parse(&emu.url("/token")).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn desktop_provider_refreshes_once_for_a_burst_and_reports_revocation() {
    let s = setup().await;
    s.store.put("obj", b"x", &props(&[])).await.unwrap();
    let stale = expired_token(&s.emu, "alice").await;
    let tokens = SignInTokens {
        access_token: AccessToken::new(stale),
        // The provider believes the token is still good; the service says otherwise.
        expires_at: Some(Instant::now() + Duration::from_secs(3000)),
        refresh_token: Some(RefreshToken::new(s.account.google_refresh.clone())),
        scopes: vec![],
    };
    let provider =
        Arc::new(DesktopTokenProvider::from_sign_in(&emulator_oauth(&s.emu, &s.account), tokens).unwrap());
    let store = Arc::new(s.emu.google_store(provider.clone(), s.sleeper.clone()));
    s.emu.clear_log().await;
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.get("obj").await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().bytes, b"x");
    }
    let log = s.emu.log().await;
    let grants: Vec<_> = log.iter().filter(|e| e.path == "/token").collect();
    assert_eq!(grants.len(), 1, "exactly one refresh grant");
    assert_eq!(grants[0].query.get("grant_type"), None, "grant parameters travel in the form body");

    // The user revokes the app's access: the next refresh is invalid_grant → sign in again.
    s.emu.post("/__control/accounts/alice/revoke-tokens", json!({})).await;
    let error = store.get("obj").await.unwrap_err();
    assert_eq!(error, CloudError::ReSignInRequired);
    assert_no_secret(&error, &s.account);
    assert!(!format!("{provider:?}").contains(&s.account.google_refresh));
}
