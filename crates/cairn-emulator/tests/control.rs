//! The control API: fault rules (every action), the request log (bounded, no secrets), reset,
//! clock, accounts, wipe, persistence across restarts, bounds, and concurrency.

mod common;

use std::time::{Duration, Instant};

use cairn_emulator::{Emulator, EmulatorConfig, Limits, StartError};
use common::{Env, assert_google_error, client, md5_hex, multipart_related};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[tokio::test]
async fn fault_status_reason_retry_after_count_and_skip() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let rule = env
        .fault(json!({"method": "GET", "path_prefix": "/drive/v3/files", "skip": 1, "count": 2, "status": 429, "reason": "rateLimitExceeded", "retry_after_secs": 7}))
        .await;
    assert_eq!(rule["remaining"], 2);
    let (status, _) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(status, StatusCode::OK, "the first match is skipped");
    for _ in 0..2 {
        let r = env
            .http
            .get(env.url("/drive/v3/files?spaces=appDataFolder"))
            .bearer_auth(&a.google)
            .send()
            .await
            .unwrap();
        assert_eq!(r.headers()["retry-after"], "7");
        let status = r.status();
        let v: Value = r.json().await.unwrap();
        assert_google_error(status, &v, 429, "rateLimitExceeded");
        assert_eq!(v["error"]["errors"][0]["domain"], "usageLimits");
        assert_eq!(v["error"]["message"], "Rate Limit Exceeded");
    }
    let (status, _) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(status, StatusCode::OK, "count exhausted");
    let (_, rules) = env.control(Method::GET, "/__control/faults", None).await;
    assert_eq!(rules["rules"], json!([]));
    // The log marks faulted requests.
    let log = env.requests().await;
    let outcomes: Vec<_> = log
        .iter()
        .filter(|e| e["path"] == "/drive/v3/files")
        .map(|e| e["outcome"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(outcomes, ["ok", "fault", "fault", "ok"]);
}

#[tokio::test]
async fn g28_g29_g31_injected_google_reasons_have_real_bodies() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    for (status, reason, domain, message) in [
        (403, "userRateLimitExceeded", "usageLimits", "User Rate Limit Exceeded"),
        (429, "rateLimitExceeded", "usageLimits", "Rate Limit Exceeded"),
        (403, "dailyLimitExceeded", "usageLimits", "Daily Limit Exceeded"),
        (500, "backendError", "global", "Backend Error"),
        (401, "authError", "global", "Invalid Credentials"),
    ] {
        env.fault(json!({"path": "/drive/v3/about", "status": status, "reason": reason})).await;
        let (s, v) = env.get_json(&a.google, "/drive/v3/about?fields=user").await;
        assert_google_error(s, &v, status, reason);
        assert_eq!(v["error"]["errors"][0]["domain"], domain);
        assert_eq!(v["error"]["message"], message);
    }
    // "always" rules fire until deleted.
    let rule = env.fault(json!({"path": "/drive/v3/**", "count": "always", "status": 503})).await;
    for _ in 0..3 {
        let (s, _) = env.get_json(&a.google, "/drive/v3/about?fields=user").await;
        assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
    }
    let (s, _) = env.control(Method::DELETE, &format!("/__control/faults/{}", rule["id"]), None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = env.get_json(&a.google, "/drive/v3/about?fields=user").await;
    assert_eq!(s, StatusCode::OK);
}

#[tokio::test]
async fn fault_on_oauth_endpoint_uses_the_oauth_shape() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.fault(json!({"path": "/token", "status": 400, "reason": "invalid_grant", "message": "Token has been expired or revoked."})).await;
    let r = env
        .http
        .post(env.url("/token"))
        .form(&[
            ("client_id", a.client_id.as_str()),
            ("client_secret", a.client_secret.as_deref().unwrap()),
            ("grant_type", "refresh_token"),
            ("refresh_token", a.refresh.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    );
}

#[tokio::test]
async fn fault_matching_by_account() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let b = env.account("bob").await;
    env.fault(json!({"account": "bob", "count": "always", "status": 500})).await;
    let (s, _) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = env.get_json(&b.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
    let (s, _) = env.get_json(&b.huawei, "/drive/v1/files?containers=applicationData").await;
    assert_eq!(s, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn dropped_connection_gives_no_response_and_nothing_is_stored() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.fault(json!({"method": "POST", "path_prefix": "/upload/drive/v3/files", "drop_connection": true}))
        .await;
    let (ct, body) = multipart_related(
        &json!({"name": "w", "parents": ["appDataFolder"]}),
        b"data",
        "application/octet-stream",
    );
    let fresh = client();
    let result = fresh
        .post(env.url("/upload/drive/v3/files?uploadType=multipart"))
        .bearer_auth(&a.google)
        .header("content-type", ct)
        .body(body)
        .send()
        .await;
    assert!(result.is_err(), "no HTTP response at all");
    let (_, l) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(l["files"], json!([]));
    let dropped: Vec<_> = env.requests().await.into_iter().filter(|e| e["outcome"] == "dropped").collect();
    assert_eq!(dropped.len(), 1);
    assert_eq!(dropped[0]["status"], Value::Null);
    assert_eq!(dropped[0]["account"], "alice");
}

#[tokio::test]
async fn delay_then_normal_answer() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.fault(json!({"path": "/drive/v3/about", "delay_ms": 250})).await;
    let started = Instant::now();
    let (s, _) = env.get_json(&a.google, "/drive/v3/about?fields=user").await;
    assert_eq!(s, StatusCode::OK);
    assert!(started.elapsed() >= Duration::from_millis(240), "the answer was held back");
    // A delay can precede an error, too.
    env.fault(json!({"path": "/drive/v3/about", "delay_ms": 10, "status": 503})).await;
    let (s, _) = env.get_json(&a.google, "/drive/v3/about?fields=user").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE);
}

#[tokio::test]
async fn corrupted_and_truncated_bodies() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let data: Vec<u8> = (0..200u8).collect();
    let id = env.drive_put(&a.google, "w", json!({}), &data).await;
    env.fault(json!({"path": "/drive/v3/files/*", "corrupt_body": true})).await;
    let r = env
        .http
        .get(env.url(&format!("/drive/v3/files/{id}?alt=media")))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let got = r.bytes().await.unwrap();
    assert_eq!(got.len(), data.len());
    assert_ne!(md5_hex(&got), md5_hex(&data), "content no longer matches md5Checksum");
    // Corrupted JSON does not parse.
    env.fault(json!({"path": "/drive/v3/files", "corrupt_body": true})).await;
    let r = env
        .http
        .get(env.url("/drive/v3/files?spaces=appDataFolder"))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert!(serde_json::from_slice::<Value>(&r.bytes().await.unwrap()).is_err());
    // Truncated: the declared length is not delivered.
    env.fault(json!({"path": "/drive/v3/files/*", "truncate_body": true, "truncate_at": 50})).await;
    let r = env
        .http
        .get(env.url(&format!("/drive/v3/files/{id}?alt=media")))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-length"], "200");
    assert!(r.bytes().await.is_err(), "body ends early");
    let outcomes: Vec<_> =
        env.requests().await.iter().map(|e| e["outcome"].as_str().unwrap().to_owned()).collect();
    assert!(outcomes.contains(&"corrupted".to_owned()) && outcomes.contains(&"truncated".to_owned()));
    // The next request is served normally.
    let r = env
        .http
        .get(env.url(&format!("/drive/v3/files/{id}?alt=media")))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().to_vec(), data);
}

#[tokio::test]
async fn invalid_fault_rules_are_refused() {
    let env = Env::start().await;
    for bad in [
        json!({}),
        json!({"status": 200}),
        json!({"drop_connection": true, "status": 500}),
        json!({"path": "/__control/reset", "status": 500}),
        json!({"status": 500, "bogus": 1}),
        json!({"status": 500, "count": 0}),
        json!("not an object"),
    ] {
        let (s, v) = env.control(Method::POST, "/__control/faults", Some(bad.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad} -> {v}");
        assert!(v["error"].is_string());
    }
}

#[tokio::test]
async fn request_log_never_holds_tokens_codes_or_secrets() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.drive_put(&a.google, "w", json!({}), b"x").await;
    env.get_json(&a.google, &format!("/drive/v3/files?spaces=appDataFolder&access_token={}", a.google)).await;
    env.get_json(&a.huawei, "/drive/v1/files?containers=applicationData").await;
    let r = env
        .http
        .post(env.url("/upload/drive/v3/files?uploadType=resumable"))
        .bearer_auth(&a.google)
        .body(json!({"name": "r", "parents": ["appDataFolder"]}).to_string())
        .send()
        .await
        .unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let upload_id = location.split("upload_id=").nth(1).unwrap().to_owned();
    env.http.put(&location).body("abc").send().await.unwrap();
    let auth = env
        .http
        .get(env.url(&format!(
            "/o/oauth2/v2/auth?client_id={}&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2F&response_type=code&scope=x&state=st4te-secret",
            cairn_emulator::DEFAULT_CLIENT_ID
        )))
        .send()
        .await
        .unwrap();
    let loc = auth.headers()["location"].to_str().unwrap().to_owned();
    let code =
        url::Url::parse(&loc).unwrap().query_pairs().find(|(k, _)| k == "code").unwrap().1.into_owned();
    let r = env
        .http
        .post(env.url("/token"))
        .form(&[
            ("code", code.as_str()),
            ("client_id", cairn_emulator::DEFAULT_CLIENT_ID),
            ("client_secret", cairn_emulator::DEFAULT_CLIENT_SECRET),
            ("redirect_uri", "http://127.0.0.1:9/"),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .await
        .unwrap();
    let t: Value = r.json().await.unwrap();
    env.http
        .post(env.url(&format!("/revoke?token={}", t["refresh_token"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    let text = env.http.get(env.url("/__control/requests")).send().await.unwrap().text().await.unwrap();
    for secret in [
        a.google.as_str(),
        a.huawei.as_str(),
        a.refresh.as_str(),
        upload_id.as_str(),
        code.as_str(),
        "st4te-secret",
        cairn_emulator::DEFAULT_CLIENT_SECRET,
        t["access_token"].as_str().unwrap(),
        t["refresh_token"].as_str().unwrap(),
    ] {
        assert!(!text.contains(secret), "the request log leaked a credential");
    }
    let log: Value = serde_json::from_str(&text).unwrap();
    let entries = log["requests"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["query"]["upload_id"] == "[redacted]"));
    assert!(entries.iter().any(|e| e["path"] == "/token" && e["account"] == "alice" && e["status"] == 200));
    assert!(entries.iter().all(|e| e.get("body").is_none() && e.get("headers").is_none()));
    // `since` pages through the log.
    let last = log["last_seq"].as_u64().unwrap();
    let (_, later) = env.control(Method::GET, &format!("/__control/requests?since={}", last - 1), None).await;
    assert_eq!(
        later["requests"].as_array().unwrap().len(),
        2,
        "the entry after `since`, plus the previous log read"
    );
}

#[tokio::test]
async fn request_log_is_a_bounded_ring() {
    let mut limits = Limits::default();
    limits.request_log_capacity = 5;
    let env = Env::start_with(EmulatorConfig::default().with_limits(limits)).await;
    let a = env.account("alice").await;
    for _ in 0..12 {
        env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    }
    let (_, v) = env.control(Method::GET, "/__control/requests", None).await;
    assert_eq!(v["requests"].as_array().unwrap().len(), 5);
    assert!(v["evicted"].as_u64().unwrap() >= 8);
    env.control(Method::DELETE, "/__control/requests", None).await;
    let (_, v) = env.control(Method::GET, "/__control/requests", None).await;
    assert_eq!(v["requests"].as_array().unwrap().len(), 1, "only the DELETE itself");
}

#[tokio::test]
async fn reset_forgets_everything() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.drive_put(&a.google, "w", json!({}), b"x").await;
    env.fault(json!({"path": "/drive/v1/about", "count": "always", "status": 500})).await;
    env.control(Method::POST, "/__control/settings", Some(json!({"empty_pages": true}))).await;
    env.control(Method::POST, "/__control/clock", Some(json!({"advance_secs": 100}))).await;
    let (s, _) = env.control(Method::POST, "/__control/reset", None).await;
    assert_eq!(s, StatusCode::OK);
    let (status, v) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_google_error(status, &v, 401, "authError");
    let (_, accounts) = env.control(Method::GET, "/__control/accounts", None).await;
    assert_eq!(accounts["accounts"], json!([]));
    let (_, rules) = env.control(Method::GET, "/__control/faults", None).await;
    assert_eq!(rules["rules"], json!([]));
    let (_, settings) = env.control(Method::GET, "/__control/settings", None).await;
    assert_eq!(settings["empty_pages"], false);
    let (_, clock) = env.control(Method::GET, "/__control/clock", None).await;
    assert_eq!(clock["offset_ms"], 0);
    // The same id can be created again, with fresh data.
    let a2 = env.account("alice").await;
    let (_, l) = env.get_json(&a2.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(l["files"], json!([]));
}

#[tokio::test]
async fn wipe_app_data_is_the_user_deleted_data_case() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.drive_put(&a.google, "g1", json!({}), b"x").await;
    env.drive_put(&a.google, "g2", json!({}), b"x").await;
    env.huawei_put(&a.huawei, json!({"fileName": "h", "parentFolder": ["applicationData"]}), b"x").await;
    let (_, v) = env
        .control(Method::POST, "/__control/accounts/alice/wipe-appdata", Some(json!({"provider": "google"})))
        .await;
    assert_eq!(v["removed_files"], 2);
    let (_, l) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(l["files"], json!([]));
    let (_, l) = env.get_json(&a.huawei, "/drive/v1/files?containers=applicationData").await;
    assert_eq!(l["files"].as_array().unwrap().len(), 1, "Huawei data untouched");
    let (_, about) = env.get_json(&a.google, "/drive/v3/about?fields=storageQuota/usageInDrive").await;
    assert_eq!(about["storageQuota"]["usageInDrive"], "0");
    let (s, _) = env.control(Method::POST, "/__control/accounts/nobody/wipe-appdata", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn account_management() {
    let env = Env::start().await;
    let (s, v) = env
        .control(
            Method::POST,
            "/__control/accounts",
            Some(json!({"id": "carol", "email": "carol@example.org", "display_name": "Carol", "google_quota": {"limit": 1000, "usage": 10}})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["account"]["email"], "carol@example.org");
    assert_eq!(v["account"]["google_quota"]["limit"], 1000);
    assert_eq!(v["google"]["client_id"], cairn_emulator::DEFAULT_CLIENT_ID);
    assert_eq!(v["google"]["client_secret"], cairn_emulator::DEFAULT_CLIENT_SECRET);
    assert_eq!(v["google"]["expires_in"], 3599);
    assert_eq!(v["huawei"]["expires_in"], 3600);
    let (s, _) = env.control(Method::POST, "/__control/accounts", Some(json!({"id": "carol"}))).await;
    assert_eq!(s, StatusCode::CONFLICT);
    for bad in [
        json!({"id": "bad id"}),
        json!({"id": ""}),
        json!({"unknown": 1}),
        json!({"id": "x", "email": "carol@example.org"}),
    ] {
        let (s, _) = env.control(Method::POST, "/__control/accounts", Some(bad.clone())).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
    }
    let (_, v) = env.control(Method::POST, "/__control/accounts", None).await;
    assert_eq!(v["account"]["id"], "user-2", "ids default to user-N");
    let (s, v) = env.control(Method::GET, "/__control/accounts/carol", None).await;
    assert_eq!((s, v["display_name"].clone()), (StatusCode::OK, json!("Carol")));
    let (s, _) = env.control(Method::DELETE, "/__control/accounts/carol", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = env.control(Method::GET, "/__control/accounts/carol", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = env.control(Method::POST, "/__control/nope", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = env.control(Method::GET, "/__control/health", None).await;
    assert_eq!((s, v["ok"].clone()), (StatusCode::OK, json!(true)));
}

#[tokio::test]
async fn revoke_tokens_signs_the_account_out() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let (_, v) = env
        .control(Method::POST, "/__control/accounts/alice/revoke-tokens", Some(json!({"provider": "google"})))
        .await;
    assert!(v["revoked"].as_u64().unwrap() >= 2);
    let (status, _) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = env.get_json(&a.huawei, "/drive/v1/files?containers=applicationData").await;
    assert_eq!(status, StatusCode::OK, "only Google tokens were revoked");
}

#[tokio::test]
async fn settings_are_validated() {
    let env = Env::start().await;
    let (s, _) = env.control(Method::POST, "/__control/settings", Some(json!({"bogus": true}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, _) = env.control(Method::POST, "/__control/settings", Some(json!({"empty_pages": "yes"}))).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (s, v) = env
        .control(Method::POST, "/__control/settings", Some(json!({"access_token_lifetime_secs": 60})))
        .await;
    assert_eq!((s, v["access_token_lifetime_secs"].clone()), (StatusCode::OK, json!(60)));
    let (_, v) = env.control(Method::POST, "/__control/accounts", Some(json!({"id": "x"}))).await;
    assert_eq!(v["google"]["expires_in"], 60);
}

#[tokio::test]
async fn location_follows_the_host_header() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let r = env
        .http
        .post(env.url("/upload/drive/v3/files?uploadType=resumable"))
        .bearer_auth(&a.google)
        .header("host", "10.0.2.2:8089")
        .body(json!({"name": "r", "parents": ["appDataFolder"]}).to_string())
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["location"].to_str().unwrap().starts_with("http://10.0.2.2:8089/upload/drive/v3/files?")
    );
    let custom =
        Env::start_with(EmulatorConfig::default().with_public_base_url("http://example.test:1/")).await;
    assert_eq!(custom.emu.base_url(), "http://example.test:1");
}

#[tokio::test]
async fn persistence_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || EmulatorConfig::default().with_data_dir(dir.path());
    let env = Env::start_with(config()).await;
    let a = env.account("alice").await;
    let data = b"survives".to_vec();
    let id = env.drive_put(&a.google, "w", json!({"walletId": "1"}), &data).await;
    let (_, h) =
        env.huawei_put(&a.huawei, json!({"fileName": "h", "parentFolder": ["applicationData"]}), b"hw").await;
    env.control(Method::POST, "/__control/quota", Some(json!({"account": "alice", "limit": 12345}))).await;
    env.emu.shutdown().await.unwrap();

    let env = Env::start_with(config()).await;
    let r = env
        .http
        .get(env.url(&format!("/drive/v3/files/{id}?alt=media")))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "tokens and data survived");
    assert_eq!(r.bytes().await.unwrap().to_vec(), data);
    let (_, about) = env.get_json(&a.google, "/drive/v3/about?fields=storageQuota/limit").await;
    assert_eq!(about["storageQuota"]["limit"], "12345");
    let (_, hv) = env
        .get_json(&a.huawei, &format!("/drive/v1/files/{}?fields=sha256", h["id"].as_str().unwrap()))
        .await;
    assert!(hv["sha256"].is_string());
    // New ids continue without colliding.
    let id2 = env.drive_put(&a.google, "w2", json!({}), b"x").await;
    assert_ne!(id, id2);
    // Deleting persists too.
    let r = env
        .http
        .delete(env.url(&format!("/drive/v3/files/{id}")))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    env.emu.shutdown().await.unwrap();
    let env = Env::start_with(config()).await;
    let (_, l) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder&fields=files(name)").await;
    assert_eq!(l["files"], json!([{"name": "w2"}]));
    env.emu.shutdown().await.unwrap();
    let blobs = std::fs::read_dir(dir.path().join("blobs")).unwrap().count();
    assert_eq!(blobs, 2, "unreferenced blobs are removed");
}

#[tokio::test]
async fn corrupt_snapshots_refuse_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let env = Env::start_with(EmulatorConfig::default().with_data_dir(dir.path())).await;
    let a = env.account("alice").await;
    env.drive_put(&a.google, "w", json!({}), b"blob").await;
    env.emu.shutdown().await.unwrap();
    let blob = std::fs::read_dir(dir.path().join("blobs")).unwrap().next().unwrap().unwrap().path();
    std::fs::write(&blob, b"tampered").unwrap();
    let err = Emulator::start(EmulatorConfig::default().with_data_dir(dir.path())).await.unwrap_err();
    assert!(matches!(err, StartError::Persist(_)), "{err}");
    std::fs::write(dir.path().join("state.json"), b"{ not json").unwrap();
    let err = Emulator::start(EmulatorConfig::default().with_data_dir(dir.path())).await.unwrap_err();
    assert!(matches!(err, StartError::Persist(_)), "{err}");
}

#[tokio::test]
async fn bounds_body_objects_accounts_sessions_memory() {
    let mut limits = Limits::default();
    limits.max_object_bytes = 1000;
    limits.max_request_bytes = 2000;
    limits.max_objects_per_account = 2;
    limits.max_accounts = 2;
    limits.max_upload_sessions = 1;
    limits.max_total_bytes = 1500;
    let env = Env::start_with(EmulatorConfig::default().with_limits(limits)).await;
    let a = env.account("alice").await;
    // Body over the request cap: the real 413 shape, without reading it all.
    let (status, v) = env
        .drive_create(&a.google, json!({"name": "w", "parents": ["appDataFolder"]}), &[0u8; 3000], "id")
        .await;
    assert_google_error(status, &v, 413, "uploadTooLarge");
    // Object over the object cap but within the request cap.
    let (status, v) = env
        .drive_create(&a.google, json!({"name": "w", "parents": ["appDataFolder"]}), &[0u8; 1001], "id")
        .await;
    assert_google_error(status, &v, 413, "uploadTooLarge");
    // Huawei's table has no 413: "parameter length exceeds limit" is 400 …4008.
    let r = env
        .http
        .post(env.url("/drive/v1/files"))
        .bearer_auth(&a.huawei)
        .body(vec![b' '; 5000])
        .send()
        .await
        .unwrap();
    let status = r.status();
    common::assert_huawei_error(status, &r.json::<Value>().await.unwrap(), 400, "21004008");
    // Memory cap across everything: 1000 + 600 > 1500.
    env.drive_put(&a.google, "one", json!({}), &[0u8; 1000]).await;
    let (status, v) = env
        .drive_create(&a.google, json!({"name": "two", "parents": ["appDataFolder"]}), &[0u8; 600], "id")
        .await;
    assert_google_error(status, &v, 403, "storageQuotaExceeded");
    // Object cap per account (folders count too).
    env.drive_put(&a.google, "two", json!({}), b"x").await;
    let (status, v) =
        env.drive_create(&a.google, json!({"name": "three", "parents": ["appDataFolder"]}), b"x", "id").await;
    assert_google_error(status, &v, 403, "numChildrenInNonRootLimitExceeded");
    // Account cap.
    env.account("bob").await;
    let (s, _) = env.control(Method::POST, "/__control/accounts", Some(json!({"id": "carol"}))).await;
    assert_eq!(s.as_u16(), 507);
    // Session cap.
    let start = || {
        env.http
            .post(env.url("/upload/drive/v3/files?uploadType=resumable"))
            .bearer_auth(&a.google)
            .body(json!({"name": "r", "parents": ["appDataFolder"]}).to_string())
            .send()
    };
    assert_eq!(start().await.unwrap().status(), StatusCode::OK);
    let r = start().await.unwrap();
    let status = r.status();
    assert_google_error(status, &r.json::<Value>().await.unwrap(), 429, "rateLimitExceeded");
}

#[tokio::test]
async fn malformed_requests_never_break_the_server() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let cases: Vec<(Method, String, Vec<u8>, &str)> = vec![
        (Method::POST, "/drive/v3/files".into(), vec![0xff, 0xfe, 0x00], "application/json"),
        (Method::POST, "/drive/v3/files".into(), b"[1,2,3]".to_vec(), "application/json"),
        (Method::POST, "/drive/v3/files".into(), b"{\"name\": 5}".to_vec(), "application/json"),
        (Method::POST, "/drive/v3/files".into(), b"{\"parents\": \"appDataFolder\"}".to_vec(), "application/json"),
        (Method::PATCH, "/drive/v3/files/%ZZ%00".into(), b"{}".to_vec(), "application/json"),
        (Method::GET, "/drive/v3/files?q=%FF%FE&spaces=appDataFolder".into(), Vec::new(), ""),
        (Method::GET, format!("/drive/v3/files?spaces=appDataFolder&q={}", "(".repeat(5000)), Vec::new(), ""),
        (Method::GET, "/drive/v3/files?spaces=appDataFolder&fields=a(b(c(d(e(f(g(h(i(j(k(l(m(n(o(p(q(r(s)))))))))))))))))))".into(), Vec::new(), ""),
        (Method::PUT, "/upload/drive/v3/files?upload_id=x%00y".into(), b"abc".to_vec(), ""),
        (Method::POST, "/upload/drive/v3/files?uploadType=multipart".into(), b"--x\r\n".repeat(1000), "multipart/related; boundary=x"),
        (Method::POST, "/upload/drive/v1/files?uploadType=multipart".into(), b"garbage".to_vec(), "multipart/related; boundary=\"\""),
        (Method::POST, "/token".into(), vec![0xff; 100], "application/x-www-form-urlencoded"),
        (Method::POST, "/token".into(), b"{".to_vec(), "application/json"),
        (Method::DELETE, "/__control/faults/abc".into(), Vec::new(), ""),
        (Method::POST, "/__control/clock".into(), b"{\"advance_secs\": 9223372036854775807}".to_vec(), "application/json"),
        (Method::GET, "/drive/v3/files/x?alt=media".into(), Vec::new(), ""),
        (Method::OPTIONS, "/drive/v3/files".into(), Vec::new(), ""),
    ];
    for (method, path, body, ct) in cases {
        let mut rb = env.http.request(method.clone(), env.url(&path)).bearer_auth(&a.google).body(body);
        if !ct.is_empty() {
            rb = rb.header("content-type", ct);
        }
        let r = rb.send().await.unwrap();
        let status = r.status();
        assert!(status.is_client_error() || status.is_success(), "{method} {path}: {status}");
    }
    env.control(Method::POST, "/__control/clock", Some(json!({"offset_ms": 0}))).await;
    let (status, _) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(status, StatusCode::OK, "still serving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_are_consistent() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let b = env.account("bob").await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let http = env.http.clone();
        let url = env.url("/upload/drive/v3/files?uploadType=multipart&fields=id");
        let token = if i % 2 == 0 { a.google.clone() } else { b.google.clone() };
        tasks.push(tokio::spawn(async move {
            let (ct, body) = multipart_related(
                &json!({"name": format!("w{i}"), "parents": ["appDataFolder"]}),
                &[1u8; 2048],
                "application/octet-stream",
            );
            http.post(url)
                .bearer_auth(token)
                .header("content-type", ct)
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    for acct in [&a, &b] {
        let (_, l) = env.get_json(&acct.google, "/drive/v3/files?spaces=appDataFolder&pageSize=1000").await;
        assert_eq!(l["files"].as_array().unwrap().len(), 20);
        let (_, about) = env.get_json(&acct.google, "/drive/v3/about?fields=storageQuota/usageInDrive").await;
        assert_eq!(about["storageQuota"]["usageInDrive"], (20 * 2048).to_string());
    }
}

#[tokio::test]
async fn a_stalled_body_gets_408_instead_of_holding_the_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut limits = Limits::default();
    limits.body_read_timeout_ms = 300;
    let env = Env::start_with(EmulatorConfig::default().with_limits(limits)).await;
    let a = env.account("alice").await;
    let mut stream = tokio::net::TcpStream::connect(env.emu.local_addr()).await.unwrap();
    let head = format!(
        "POST /drive/v3/files HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"na",
        a.google
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(20), stream.read(&mut buf)).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(!text.contains(&a.google), "error texts never echo the token");
}

#[tokio::test]
async fn error_bodies_never_echo_presented_credentials() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let fake = "ya29.a0-not-a-real-token-but-secret-looking";
    let r =
        env.http.get(env.url("/drive/v3/files?spaces=appDataFolder")).bearer_auth(fake).send().await.unwrap();
    assert!(!r.text().await.unwrap().contains(fake));
    let r = env.http.get(env.url("/drive/v1/files")).bearer_auth(fake).send().await.unwrap();
    assert!(!r.text().await.unwrap().contains(fake));
    let r = env
        .http
        .post(env.url("/token"))
        .form(&[
            ("client_id", a.client_id.as_str()),
            ("client_secret", "wrong-secret-value"),
            ("grant_type", "refresh_token"),
            ("refresh_token", fake),
        ])
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(!text.contains(fake) && !text.contains("wrong-secret-value"), "{text}");
    let r = env.http.post(env.url(&format!("/revoke?token={fake}"))).send().await.unwrap();
    assert!(!r.text().await.unwrap().contains(fake));
}
