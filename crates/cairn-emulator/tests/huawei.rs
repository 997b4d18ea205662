//! Huawei Drive Kit v1 (applicationData) against cloud-apis.md §7 H1–H20.
// Helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Env, assert_huawei_error, multipart_related, sha256_hex};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn put_file(env: &Env, token: &str, name: &str, settings: Value, data: &[u8]) -> String {
    let (status, v) = env
        .huawei_put(
            token,
            json!({"fileName": name, "parentFolder": ["applicationData"], "appSettings": settings}),
            data,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn h1_multipart_create() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let data = b"huawei ciphertext".to_vec();
    let (status, v) =
        env.huawei_put(&a.huawei, json!({"fileName": "w.bin", "parentFolder": ["applicationData"], "appSettings": {"walletId": "w1"}}), &data).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["category"], "drive#file");
    assert_eq!(v["fileName"], "w.bin");
    assert_eq!(v["size"], json!(data.len()));
    assert_eq!(v["sha256"], sha256_hex(&data));
    assert_eq!(v["containers"], json!(["applicationData"]));
    assert_eq!(v["appSettings"], json!({"walletId": "w1"}));
    assert!(v["id"].is_string() && v["editedTime"].is_string() && v["createdTime"].is_string());
    // The media part may carry any Content-Type (the official guide labels it JSON).
    let (ct, body) = multipart_related(
        &json!({"fileName": "j.bin", "parentFolder": ["applicationData"]}),
        b"{}",
        "application/json; charset=UTF-8",
    );
    let r = env
        .http
        .post(env.url("/upload/drive/v1/files?uploadType=multipart&fields=id,size"))
        .bearer_auth(&a.huawei)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn h2_h3_list_with_query_and_containers() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    put_file(&env, &a.huawei, "w.bin", json!({}), b"abc").await;
    put_file(&env, &a.huawei, "other.bin", json!({}), b"abc").await;
    let q = enc("fileName = 'w.bin' and recycled = false and 'applicationData' in parentFolder");
    let fields = enc("category,nextCursor,files(id,fileName,size)");
    let (status, v) = env
        .get_json(
            &a.huawei,
            &format!("/drive/v1/files?containers=applicationData&queryParam={q}&fields={fields}"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["category"], "drive#fileList");
    assert!(v.get("nextCursor").is_none());
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    let mut keys: Vec<_> = files[0].as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["fileName", "id", "size"]);
    // H3: the default container is `drive`, which does not list app data.
    let (status, v) =
        env.get_json(&a.huawei, &format!("/drive/v1/files?queryParam={q}&fields={fields}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["files"], json!([]));
    // Bad queries and containers are 400 PARAM_INVALID.
    for path in [
        format!("/drive/v1/files?containers=applicationData&queryParam={}", enc("name = 'x'")),
        "/drive/v1/files?containers=bogus".to_owned(),
        "/drive/v1/files?containers=applicationData&orderBy=name".to_owned(),
        "/drive/v1/files?containers=applicationData&pageSize=0".to_owned(),
        "/drive/v1/files?containers=applicationData&fields=files(bogus)".to_owned(),
    ] {
        let (status, v) = env.get_json(&a.huawei, &path).await;
        assert_huawei_error(status, &v, 400, "21004002");
    }
}

#[tokio::test]
async fn h4_paging_with_cursor_and_page_token() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    for i in 0..150 {
        put_file(&env, &a.huawei, &format!("w{i:03}.bin"), json!({}), b"x").await;
    }
    let (_, p1) = env
        .get_json(
            &a.huawei,
            "/drive/v1/files?containers=applicationData&pageSize=1000&orderBy=fileName&fields=*",
        )
        .await;
    assert_eq!(p1["files"].as_array().unwrap().len(), 100, "pages are capped at 100");
    let cursor = p1["nextCursor"].as_str().unwrap();
    let (_, p2) = env
        .get_json(&a.huawei, &format!("/drive/v1/files?containers=applicationData&pageSize=1000&orderBy=fileName&fields=*&cursor={cursor}"))
        .await;
    assert_eq!(p2["files"].as_array().unwrap().len(), 50);
    assert_eq!(p2["files"][0]["fileName"], "w100.bin");
    assert!(p2.get("nextCursor").is_none());
    // rclone's spelling: pageToken in, nextPageToken out.
    let (_, p1) =
        env.get_json(&a.huawei, "/drive/v1/files?containers=applicationData&pageSize=60&pageToken=").await;
    let tok = p1["nextCursor"].as_str().unwrap();
    let (_, p2) = env
        .get_json(
            &a.huawei,
            &format!("/drive/v1/files?containers=applicationData&pageSize=60&pageToken={tok}"),
        )
        .await;
    assert_eq!(p2["files"].as_array().unwrap().len(), 60);
    assert_eq!(p2["nextPageToken"], p2["nextCursor"]);
}

#[tokio::test]
async fn h5_download_with_range() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let data: Vec<u8> = (0..100u8).collect();
    let id = put_file(&env, &a.huawei, "w.bin", json!({}), &data).await;
    let r = env
        .http
        .get(env.url(&format!("/drive/v1/files/{id}?form=content")))
        .bearer_auth(&a.huawei)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), data);
    let r = env
        .http
        .get(env.url(&format!("/drive/v1/files/{id}?form=content")))
        .bearer_auth(&a.huawei)
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes().await.unwrap().to_vec(), data[10..20].to_vec());
    let (status, v) = env.get_json(&a.huawei, &format!("/drive/v1/files/{id}?fields=*")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["sha256"], sha256_hex(&data));
    let (_, v) = env.get_json(&a.huawei, &format!("/drive/v1/files/{id}")).await;
    let mut keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["category", "fileName", "id", "mimeType"]);
    // The container alias works as an id and names the real parent.
    let (status, folder) =
        env.get_json(&a.huawei, "/drive/v1/files/applicationData?fields=id,mimeType").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(folder["mimeType"], "application/vnd.huawei-apps.folder");
    let (_, f) = env.get_json(&a.huawei, &format!("/drive/v1/files/{id}?fields=parentFolder")).await;
    assert_eq!(f["parentFolder"], json!([folder["id"].clone()]));
}

#[tokio::test]
async fn h6_h7_about() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    put_file(&env, &a.huawei, "w.bin", json!({}), &[0u8; 100]).await;
    env.control(
        Method::POST,
        "/__control/quota",
        Some(json!({"account": "alice", "provider": "huawei", "limit": 5000, "usage": 50})),
    )
    .await;
    let (status, v) = env.get_json(&a.huawei, "/drive/v1/about?fields=*").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["category"], "drive#about");
    assert_eq!(v["storageQuota"], json!({"userCapacity": "5000", "usedSpace": "150"}));
    let host = env.base.trim_start_matches("http://");
    assert_eq!(v["domain"], host, "the domain points back at the emulator");
    assert_eq!(v["user"]["category"], "drive#user");
    let (status, v) = env.get_json(&a.huawei, "/drive/v1/about").await;
    assert_huawei_error(status, &v, 400, "21004001");
    assert_eq!(v["error"]["errorDetail"][0]["reason"], "LACK_OF_PARAM");
}

#[tokio::test]
async fn h8_delete() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let id = put_file(&env, &a.huawei, "w.bin", json!({}), b"x").await;
    let r = env
        .http
        .delete(env.url(&format!("/drive/v1/files/{id}")))
        .bearer_auth(&a.huawei)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) = env.get_json(&a.huawei, &format!("/drive/v1/files/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = env
        .http
        .delete(env.url(&format!("/drive/v1/files/{id}")))
        .bearer_auth(&a.huawei)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn h9_h10_resumable_upload() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let total = 600_000usize;
    let data: Vec<u8> = (0..total).map(|i| u8::try_from(i % 241).unwrap()).collect();
    let r = env
        .http
        .post(env.url("/upload/drive/v1/files?uploadType=resume&fields=*"))
        .bearer_auth(&a.huawei)
        .header("x-upload-content-length", total.to_string())
        .header("x-upload-content-type", "application/octet-stream")
        .header("content-type", "application/json;charset=UTF-8")
        .body(
            json!({"fileName": "big.bin", "parentFolder": ["applicationData"], "appSettings": {"k": "v"}})
                .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let prefix = format!("{}/upload/drive/v1/", env.base);
    assert!(
        location.starts_with(&prefix) && location.contains("/files?uploadType=resume&uploadId="),
        "{location}"
    );
    let r = env
        .http
        .put(&location)
        .bearer_auth(&a.huawei)
        .header("content-range", format!("bytes 0-262143/{total}"))
        .body(data[..262_144].to_vec())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    let r = env
        .http
        .put(&location)
        .bearer_auth(&a.huawei)
        .header("content-range", format!("bytes 262144-599999/{total}"))
        .body(data[262_144..].to_vec())
        .send()
        .await
        .unwrap();
    assert!(r.status() == StatusCode::OK || r.status() == StatusCode::CREATED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["sha256"], sha256_hex(&data));
    assert_eq!(v["appSettings"], json!({"k": "v"}));
    // rclone's final status query returns the file.
    let r = env
        .http
        .put(&location)
        .bearer_auth(&a.huawei)
        .header("content-range", format!("bytes */{total}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A wrong serverId or an unknown uploadId is "parameter expired".
    let bad = location.replacen("/upload/drive/v1/", "/upload/drive/v1/x", 1);
    let r = env.http.put(&bad).header("content-range", format!("bytes */{total}")).send().await.unwrap();
    let status = r.status();
    assert_huawei_error(status, &r.json::<Value>().await.unwrap(), 400, "21004004");
    // Resumable update of the same file keeps the id.
    let id = v["id"].as_str().unwrap();
    let r = env
        .http
        .patch(env.url(&format!("/upload/drive/v1/files/{id}?uploadType=resume")))
        .bearer_auth(&a.huawei)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let r = env.http.put(format!("{location}&fields=id,sha256")).body(b"tiny".to_vec()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let u: Value = r.json().await.unwrap();
    assert_eq!((u["id"].as_str(), u["sha256"].as_str()), (Some(id), Some(sha256_hex(b"tiny").as_str())));
}

#[tokio::test]
async fn h11_injected_resume_error_then_restart() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.fault(json!({"method": "PUT", "path": "/upload/drive/v1/*/files", "status": 403, "reason": "4037"}))
        .await;
    let r = env
        .http
        .post(env.url("/upload/drive/v1/files?uploadType=resume"))
        .bearer_auth(&a.huawei)
        .body(json!({"fileName": "b", "parentFolder": ["applicationData"]}).to_string())
        .send()
        .await
        .unwrap();
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    let r = env.http.put(&location).body(b"data".to_vec()).send().await.unwrap();
    let status = r.status();
    assert_huawei_error(status, &r.json::<Value>().await.unwrap(), 403, "21004037");
    let r = env.http.put(&location).body(b"data".to_vec()).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn h12_expired_and_invalid_tokens() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    for token in ["garbage", a.google.as_str()] {
        let (status, v) = env.get_json(token, "/drive/v1/files?containers=applicationData").await;
        assert_huawei_error(status, &v, 401, "22044011");
    }
    let r = env.http.get(env.url("/drive/v1/files")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    env.control(Method::POST, "/__control/clock", Some(json!({"advance_secs": 3601}))).await;
    let (status, v) = env.get_json(&a.huawei, "/drive/v1/files?containers=applicationData").await;
    assert_huawei_error(status, &v, 401, "22044011");
    // The host's silent sign-in gives a new token (modelled by the control API).
    let (_, t) = env
        .control(Method::POST, "/__control/accounts/alice/tokens", Some(json!({"provider": "huawei"})))
        .await;
    let (status, _) =
        env.get_json(t["access_token"].as_str().unwrap(), "/drive/v1/files?containers=applicationData").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn h13_insufficient_storage() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.control(
        Method::POST,
        "/__control/quota",
        Some(json!({"account": "alice", "provider": "huawei", "limit": 100, "usage": 90})),
    )
    .await;
    let (status, v) = env
        .huawei_put(&a.huawei, json!({"fileName": "w", "parentFolder": ["applicationData"]}), &[0u8; 11])
        .await;
    assert_huawei_error(status, &v, 403, "21004039");
    // Google quota is separate.
    let id = env.drive_put(&a.google, "g", json!({}), &[0u8; 11]).await;
    assert!(!id.is_empty());
}

#[tokio::test]
async fn h14_h15_account_conditions() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.control(Method::POST, "/__control/accounts/alice", Some(json!({"huawei_agreement_signed": false})))
        .await;
    let (status, v) = env.get_json(&a.huawei, "/drive/v1/files?containers=applicationData").await;
    assert_huawei_error(status, &v, 403, "21074033");
    assert!(v["error"]["errorDetail"][0]["description"].as_str().unwrap().contains("cloud.huawei.com"));
    env.control(
        Method::POST,
        "/__control/accounts/alice",
        Some(json!({"huawei_agreement_signed": true, "huawei_region_supported": false})),
    )
    .await;
    let (status, v) = env.get_json(&a.huawei, "/drive/v1/about?fields=*").await;
    assert_huawei_error(status, &v, 403, "21004032");
    env.control(Method::POST, "/__control/accounts/alice", Some(json!({"huawei_region_supported": true})))
        .await;
    let (_, t) = env
        .control(
            Method::POST,
            "/__control/accounts/alice/tokens",
            Some(json!({"provider": "huawei", "scope": "openid"})),
        )
        .await;
    let (status, v) =
        env.get_json(t["access_token"].as_str().unwrap(), "/drive/v1/files?containers=applicationData").await;
    assert_huawei_error(status, &v, 403, "21004035");
    // Writing outside applicationData needs more than the app-data scope.
    let (status, v) = env.huawei_put(&a.huawei, json!({"fileName": "w"}), b"x").await;
    assert_huawei_error(status, &v, 403, "21004035");
}

#[tokio::test]
async fn h16_h17_parent_and_name_validation() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let (status, v) =
        env.huawei_put(&a.huawei, json!({"fileName": "w", "parentFolder": ["deleted-id"]}), b"x").await;
    assert_huawei_error(status, &v, 400, "21004009");
    assert_eq!(v["error"]["errorDetail"][0]["reason"], "PARENTFOLDER_NOT_FOUND");
    for bad in ["a<b", "a|b", "a:b", "a\"b", "a*b", "a?b", "a/b", "a\\b", "..", ".", "  ", ""] {
        let (status, v) = env
            .huawei_put(&a.huawei, json!({"fileName": bad, "parentFolder": ["applicationData"]}), b"x")
            .await;
        assert_huawei_error(status, &v, 400, "21004007");
    }
    let (status, v) = env.huawei_put(&a.huawei, json!({"parentFolder": ["applicationData"]}), b"x").await;
    assert_huawei_error(status, &v, 400, "21004001");
    // Folders: metadata-only create, then files inside, duplicate names with autoRename=3.
    let r = env
        .http
        .post(env.url("/drive/v1/files?fields=id"))
        .bearer_auth(&a.huawei)
        .json(&json!({"fileName": "dir", "mimeType": "application/vnd.huawei-apps.folder", "parentFolder": ["applicationData"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let dir = r.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let (status, _) = env.huawei_put(&a.huawei, json!({"fileName": "w", "parentFolder": [dir]}), b"x").await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = env
        .huawei_put(&a.huawei, json!({"fileName": "w", "parentFolder": [dir], "autoRename": 3}), b"x")
        .await;
    assert_huawei_error(status, &v, 409, "21004014");
    let q = enc(&format!("'{dir}' in parentFolder"));
    let (_, l) =
        env.get_json(&a.huawei, &format!("/drive/v1/files?containers=applicationData&queryParam={q}")).await;
    assert_eq!(l["files"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn h18_h19_h20_injected_errors_and_cursor_expiry() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.fault(
        json!({"path_prefix": "/drive/v1/files", "status": 429, "reason": "4292", "retry_after_secs": 60}),
    )
    .await;
    let r = env
        .http
        .get(env.url("/drive/v1/files?containers=applicationData"))
        .bearer_auth(&a.huawei)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["retry-after"], "60");
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_huawei_error(status, &v, 429, "22074292");
    assert_eq!(v["error"]["errorDetail"][0]["reason"], "APP_REQUEST_TOO_MANY");
    env.fault(json!({"path_prefix": "/drive/v1/files", "status": 500, "reason": "5006"})).await;
    let (status, v) = env.get_json(&a.huawei, "/drive/v1/files?containers=applicationData").await;
    assert_huawei_error(status, &v, 500, "21005006");
    env.fault(json!({"path_prefix": "/drive/v1/files", "status": 503})).await;
    let (status, _) = env.get_json(&a.huawei, "/drive/v1/files?containers=applicationData").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    // H20: a cursor older than the TTL is 410 CURSOR_EXPIRED.
    for i in 0..3 {
        put_file(&env, &a.huawei, &format!("w{i}"), json!({}), b"x").await;
    }
    let (_, p1) = env.get_json(&a.huawei, "/drive/v1/files?containers=applicationData&pageSize=2").await;
    let cursor = p1["nextCursor"].as_str().unwrap().to_owned();
    env.control(Method::POST, "/__control/clock", Some(json!({"advance_secs": 3601}))).await;
    let (_, t) = env
        .control(Method::POST, "/__control/accounts/alice/tokens", Some(json!({"provider": "huawei"})))
        .await;
    let (status, v) = env
        .get_json(
            t["access_token"].as_str().unwrap(),
            &format!("/drive/v1/files?containers=applicationData&pageSize=2&cursor={cursor}"),
        )
        .await;
    assert_huawei_error(status, &v, 410, "21084100");
    // Restarting the listing works.
    let (status, _) = env
        .get_json(
            t["access_token"].as_str().unwrap(),
            "/drive/v1/files?containers=applicationData&pageSize=2",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Injected by reason name instead of code.
    env.fault(json!({"path_prefix": "/drive/v1/about", "status": 410, "reason": "TEMP_DATA_CLEARED"})).await;
    let (status, v) = env.get_json(t["access_token"].as_str().unwrap(), "/drive/v1/about?fields=*").await;
    assert_huawei_error(status, &v, 410, "21084101");
}

#[tokio::test]
async fn metadata_update_recycle_and_isolation() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let b = env.account("bob").await;
    let id = put_file(&env, &a.huawei, "w", json!({"gen": "1", "old": "x"}), b"x").await;
    let r = env
        .http
        .patch(env.url(&format!("/drive/v1/files/{id}?fields=fileName,appSettings,version,recycled")))
        .bearer_auth(&a.huawei)
        .json(&json!({"fileName": "w2", "appSettings": {"gen": "2", "old": null}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["fileName"], "w2");
    assert_eq!(v["appSettings"], json!({"gen": "2"}));
    assert_eq!(v["version"], 2);
    let r = env
        .http
        .patch(env.url(&format!("/drive/v1/files/{id}?fields=recycled")))
        .bearer_auth(&a.huawei)
        .json(&json!({"recycled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["recycled"], true);
    let q = enc("recycled = false");
    let (_, l) =
        env.get_json(&a.huawei, &format!("/drive/v1/files?containers=applicationData&queryParam={q}")).await;
    assert_eq!(l["files"], json!([]));
    // Bob sees nothing of Alice's, and Google data is a separate space.
    let (_, l) = env.get_json(&b.huawei, "/drive/v1/files?containers=applicationData").await;
    assert_eq!(l["files"], json!([]));
    let (status, _) = env.get_json(&b.huawei, &format!("/drive/v1/files/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, l) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(l["files"], json!([]));
}
