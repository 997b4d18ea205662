//! Google Drive resumable uploads against cloud-apis.md §7 G11–G17 and G30's resume path.
// Helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Env, assert_google_error, md5_hex};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const TOTAL: usize = 600_000;

fn payload() -> Vec<u8> {
    (0..TOTAL).map(|i| u8::try_from(i % 251).unwrap()).collect()
}

async fn start_session(env: &Env, token: &str, meta: Value, declared: Option<usize>) -> String {
    let mut rb =
        env.http
            .post(env.url(
                "/upload/drive/v3/files?uploadType=resumable&fields=id,name,size,md5Checksum,appProperties",
            ))
            .bearer_auth(token)
            .header("content-type", "application/json; charset=UTF-8")
            .header("x-upload-content-type", "application/octet-stream")
            .body(meta.to_string());
    if let Some(n) = declared {
        rb = rb.header("x-upload-content-length", n.to_string());
    }
    let r = rb.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(r.bytes().await.unwrap().is_empty(), "initiation has an empty body");
    location
}

async fn put(env: &Env, location: &str, range: Option<String>, body: Vec<u8>) -> reqwest::Response {
    let mut rb = env.http.put(location).body(body);
    if let Some(r) = range {
        rb = rb.header("content-range", r);
    }
    rb.send().await.unwrap()
}

#[tokio::test]
async fn g11_g12_initiate_then_single_put() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let location = start_session(
        &env,
        &a.google,
        json!({"name": "big.bin", "parents": ["appDataFolder"], "appProperties": {"k": "v"}}),
        Some(TOTAL),
    )
    .await;
    assert!(
        location.starts_with(&format!("{}/upload/drive/v3/files?uploadType=resumable&upload_id=", env.base)),
        "{location}"
    );
    let data = payload();
    let r = put(&env, &location, None, data.clone()).await;
    assert!(r.status() == StatusCode::OK || r.status() == StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["name"], "big.bin");
    assert_eq!(v["size"], TOTAL.to_string());
    assert_eq!(v["md5Checksum"], md5_hex(&data));
    assert_eq!(v["appProperties"], json!({"k": "v"}));
    let id = v["id"].as_str().unwrap();
    let r = env
        .http
        .get(env.url(&format!("/drive/v3/files/{id}?alt=media")))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert_eq!(r.bytes().await.unwrap().to_vec(), data);
    // A completed session answers status queries with the file.
    let r = put(&env, &location, Some(format!("bytes */{TOTAL}")), Vec::new()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["id"], id);
}

#[tokio::test]
async fn g13_g14_g15_chunked_upload_with_status_queries() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let location =
        start_session(&env, &a.google, json!({"name": "c.bin", "parents": ["appDataFolder"]}), Some(TOTAL))
            .await;
    let data = payload();
    // Before any data: 308 without Range.
    let r = put(&env, &location, Some(format!("bytes */{TOTAL}")), Vec::new()).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert!(r.headers().get("range").is_none());
    // G13.
    let r = put(&env, &location, Some(format!("bytes 0-262143/{TOTAL}")), data[..262_144].to_vec()).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()["range"], "bytes=0-262143");
    // G14.
    let r = put(&env, &location, Some(format!("bytes */{TOTAL}")), Vec::new()).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()["range"], "bytes=0-262143");
    // G15: the rest in one final chunk.
    let r =
        put(&env, &location, Some(format!("bytes 262144-599999/{TOTAL}")), data[262_144..].to_vec()).await;
    assert!(r.status() == StatusCode::OK || r.status() == StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["size"], TOTAL.to_string());
    assert_eq!(v["md5Checksum"], md5_hex(&data));
    let r = put(&env, &location, Some(format!("bytes */{TOTAL}")), Vec::new()).await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn resume_after_an_overlap_a_gap_and_a_partial_keep() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let location =
        start_session(&env, &a.google, json!({"name": "c.bin", "parents": ["appDataFolder"]}), None).await;
    let data = payload();
    // Unknown total; 300000 bytes sent, only one whole 256 KiB unit is kept.
    let r = put(&env, &location, Some("bytes 0-299999/*".into()), data[..300_000].to_vec()).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()["range"], "bytes=0-262143", "the server kept fewer bytes than were sent");
    // A gap is not stored; the answer says where to resume.
    let r = put(&env, &location, Some("bytes 524288-786431/*".into()), data[..262_144].to_vec()).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()["range"], "bytes=0-262143");
    // Resume from the returned range with an overlap-free final chunk.
    let r =
        put(&env, &location, Some(format!("bytes 262144-599999/{TOTAL}")), data[262_144..].to_vec()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["md5Checksum"], md5_hex(&data));
}

#[tokio::test]
async fn chunk_size_rules_and_strict_mode() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let location =
        start_session(&env, &a.google, json!({"name": "c.bin", "parents": ["appDataFolder"]}), Some(TOTAL))
            .await;
    let r = put(&env, &location, Some(format!("bytes 0-999/{TOTAL}")), vec![0; 1000]).await;
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_google_error(status, &v, 400, "badRequest");
    assert!(v["error"]["message"].as_str().unwrap().contains("262144"), "{v}");
    let r = put(&env, &location, Some(format!("bytes 0-999/{TOTAL}")), vec![0; 999]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "range and body length disagree");
    let r = put(&env, &location, Some("bytes 9-1".into()), Vec::new()).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = put(&env, &location, Some("bytes 0-9/20".into()), vec![0; 10]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "total differs from X-Upload-Content-Length");
    env.control(Method::POST, "/__control/settings", Some(json!({"strict_chunk_alignment": true}))).await;
    let r = put(&env, &location, Some(format!("bytes 0-299999/{TOTAL}")), vec![0; 300_000]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "strict mode refuses non-multiples");
}

#[tokio::test]
async fn g16_unknown_expired_and_cancelled_sessions_are_404() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let r = put(
        &env,
        &env.url("/upload/drive/v3/files?uploadType=resumable&upload_id=nope"),
        None,
        b"x".to_vec(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let location =
        start_session(&env, &a.google, json!({"name": "c.bin", "parents": ["appDataFolder"]}), None).await;
    env.control(Method::POST, "/__control/clock", Some(json!({"advance_secs": 8 * 24 * 3600}))).await;
    let r = put(&env, &location, None, b"x".to_vec()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "sessions expire after about a week");
    let (_, t) = env.control(Method::POST, "/__control/accounts/alice/tokens", Some(json!({}))).await;
    let token = t["access_token"].as_str().unwrap();
    let location =
        start_session(&env, token, json!({"name": "c.bin", "parents": ["appDataFolder"]}), None).await;
    let r = env.http.delete(&location).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 499);
    let r = put(&env, &location, None, b"x".to_vec()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn g17_resumable_update_keeps_the_id() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let (_, v) = env
        .drive_create(
            &a.google,
            json!({"name": "w", "parents": ["appDataFolder"]}),
            b"old",
            "id,version,md5Checksum",
        )
        .await;
    let id = v["id"].as_str().unwrap();
    let r = env
        .http
        .patch(env.url(&format!("/upload/drive/v3/files/{id}?uploadType=resumable")))
        .bearer_auth(&a.google)
        .header("content-type", "application/json; charset=UTF-8")
        .body(json!({"appProperties": {"gen": "3"}}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.contains(&format!("/upload/drive/v3/files/{id}?uploadType=resumable&upload_id=")),
        "{location}"
    );
    let data = payload();
    let r = put(&env, &location, Some(format!("bytes 0-262143/{TOTAL}")), data[..262_144].to_vec()).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    let r = env
        .http
        .put(format!("{location}&fields=id,version,md5Checksum,appProperties"))
        .header("content-range", format!("bytes 262144-599999/{TOTAL}"))
        .body(data[262_144..].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["id"], id);
    assert_eq!(u["md5Checksum"], md5_hex(&data));
    assert_ne!(u["version"], v["version"]);
    assert_eq!(u["appProperties"], json!({"gen": "3"}));
    // Initiating an update of a missing file is a 404.
    let r = env
        .http
        .patch(env.url("/upload/drive/v3/files/missing?uploadType=resumable"))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn quota_and_size_limits_apply_to_resumable_uploads() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.control(Method::POST, "/__control/quota", Some(json!({"account": "alice", "limit": 500_000}))).await;
    // Refused at initiation when the declared size does not fit.
    let r = env
        .http
        .post(env.url("/upload/drive/v3/files?uploadType=resumable"))
        .bearer_auth(&a.google)
        .header("x-upload-content-length", TOTAL.to_string())
        .body(json!({"name": "c", "parents": ["appDataFolder"]}).to_string())
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_google_error(status, &r.json::<Value>().await.unwrap(), 403, "storageQuotaExceeded");
    // Refused at completion when no size was declared.
    let location =
        start_session(&env, &a.google, json!({"name": "c", "parents": ["appDataFolder"]}), None).await;
    let r = put(&env, &location, None, payload()).await;
    let status = r.status();
    assert_google_error(status, &r.json::<Value>().await.unwrap(), 403, "storageQuotaExceeded");
    // Larger than the emulator's object cap: 413.
    let r = env
        .http
        .post(env.url("/upload/drive/v3/files?uploadType=resumable"))
        .bearer_auth(&a.google)
        .header("x-upload-content-length", (6u64 << 20).to_string())
        .body(json!({"name": "c", "parents": ["appDataFolder"]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    // Initiation checks metadata and auth like any create.
    let r = env
        .http
        .post(env.url("/upload/drive/v3/files?uploadType=resumable"))
        .header("x-upload-content-length", "10")
        .body(json!({"name": "c", "parents": ["appDataFolder"]}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = env
        .http
        .post(env.url("/upload/drive/v3/files?uploadType=resumable"))
        .bearer_auth(&a.google)
        .body(json!({"name": "c", "parents": ["appDataFolder"], "trashed": true}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn g30_server_error_mid_upload_then_status_query_and_resume() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let location =
        start_session(&env, &a.google, json!({"name": "c", "parents": ["appDataFolder"]}), Some(TOTAL)).await;
    let data = payload();
    let r = put(&env, &location, Some(format!("bytes 0-262143/{TOTAL}")), data[..262_144].to_vec()).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    env.fault(json!({"method": "PUT", "path_prefix": "/upload/drive/v3/files", "status": 503})).await;
    let r =
        put(&env, &location, Some(format!("bytes 262144-599999/{TOTAL}")), data[262_144..].to_vec()).await;
    let status = r.status();
    assert_google_error(status, &r.json::<Value>().await.unwrap(), 503, "backendError");
    let r = put(&env, &location, Some(format!("bytes */{TOTAL}")), Vec::new()).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(r.headers()["range"], "bytes=0-262143");
    let r =
        put(&env, &location, Some(format!("bytes 262144-599999/{TOTAL}")), data[262_144..].to_vec()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap()["md5Checksum"], md5_hex(&data));
}

#[tokio::test]
async fn upload_session_memory_is_released() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let location =
        start_session(&env, &a.google, json!({"name": "c", "parents": ["appDataFolder"]}), Some(TOTAL)).await;
    let r =
        put(&env, &location, Some(format!("bytes 0-262143/{TOTAL}")), payload()[..262_144].to_vec()).await;
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    // Wiping the account's app data also drops its open sessions.
    let (_, v) = env.control(Method::POST, "/__control/accounts/alice/wipe-appdata", Some(json!({}))).await;
    assert_eq!(v["removed_files"], 0);
    let r = put(&env, &location, Some(format!("bytes */{TOTAL}")), Vec::new()).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
