//! Google Drive v3 (appDataFolder) against cloud-apis.md §7 G1–G10, G18–G27, G32, over HTTP.

mod common;

use common::{Env, assert_google_error, md5_hex, multipart_related, sha256_hex};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn g1_list_with_query_and_fields_returns_only_requested_fields() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let body = b"ciphertext-1".to_vec();
    env.drive_put(&a.google, "wallet-1.bin", json!({"walletId": "w1", "fmt": "v1"}), &body).await;
    env.drive_put(&a.google, "wallet-2.bin", json!({"walletId": "w2"}), b"other").await;
    let q = enc("name='wallet-1.bin' and trashed=false");
    let fields = enc("nextPageToken,files(id,name,appProperties,size,md5Checksum,modifiedTime)");
    let (status, v) =
        env.get_json(&a.google, &format!("/drive/v3/files?spaces=appDataFolder&q={q}&fields={fields}")).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let obj = v.as_object().unwrap();
    assert_eq!(
        obj.keys().collect::<Vec<_>>(),
        vec!["files"],
        "no nextPageToken on the last page, no kind: {v}"
    );
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    let f = &files[0];
    let mut keys: Vec<_> = f.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["appProperties", "id", "md5Checksum", "modifiedTime", "name", "size"]);
    assert_eq!(f["name"], "wallet-1.bin");
    assert_eq!(f["size"], json!(body.len().to_string()), "int64 as string");
    assert_eq!(f["md5Checksum"], md5_hex(&body));
    assert_eq!(f["appProperties"], json!({"walletId": "w1", "fmt": "v1"}));
    assert!(f["modifiedTime"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn g2_default_fields_for_list_and_get() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let id = env.drive_put(&a.google, "w.bin", json!({}), b"x").await;
    let (status, v) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["kind"], "drive#fileList");
    assert_eq!(v["incompleteSearch"], false);
    let f = &v["files"][0];
    let mut keys: Vec<_> = f.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    assert_eq!(keys, ["id", "kind", "mimeType", "name"]);
    let (_, g) = env.get_json(&a.google, &format!("/drive/v3/files/{id}")).await;
    assert_eq!(
        g,
        json!({"kind": "drive#file", "id": id, "name": "w.bin", "mimeType": "application/octet-stream"})
    );
}

#[tokio::test]
async fn g3_paging_with_page_tokens() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    for i in 0..3 {
        env.drive_put(&a.google, &format!("w{i}.bin"), json!({}), b"x").await;
    }
    let (_, p1) =
        env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder&pageSize=2&orderBy=name").await;
    assert_eq!(p1["files"].as_array().unwrap().len(), 2);
    let tok = p1["nextPageToken"].as_str().unwrap();
    let (_, p2) = env
        .get_json(
            &a.google,
            &format!("/drive/v3/files?spaces=appDataFolder&pageSize=2&orderBy=name&pageToken={tok}"),
        )
        .await;
    assert_eq!(p2["files"].as_array().unwrap().len(), 1);
    assert_eq!(p2["files"][0]["name"], "w2.bin");
    assert!(p2.get("nextPageToken").is_none());
    // A token is bound to its query: reusing it with another query is a 400.
    let (status, v) = env
        .get_json(
            &a.google,
            &format!("/drive/v3/files?spaces=appDataFolder&pageSize=2&orderBy=name%20desc&pageToken={tok}"),
        )
        .await;
    assert_google_error(status, &v, 400, "invalid");
    let (status, v) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder&pageToken=garbage").await;
    assert_google_error(status, &v, 400, "invalid");
    assert_eq!(v["error"]["errors"][0]["location"], "pageToken");
}

#[tokio::test]
async fn g3_client_loop_survives_empty_and_partial_pages() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    for i in 0..5 {
        env.drive_put(&a.google, &format!("w{i}.bin"), json!({}), b"x").await;
    }
    let (status, _) = env
        .control(Method::POST, "/__control/settings", Some(json!({"empty_pages": true, "max_page_size": 2})))
        .await;
    assert_eq!(status, StatusCode::OK);
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = Vec::new();
    loop {
        let mut path =
            "/drive/v3/files?spaces=appDataFolder&pageSize=100&fields=nextPageToken,files(name)".to_owned();
        if let Some(t) = &token {
            path.push_str(&format!("&pageToken={t}"));
        }
        let (status, v) = env.get_json(&a.google, &path).await;
        assert_eq!(status, StatusCode::OK);
        let files = v["files"].as_array().cloned().unwrap_or_default();
        pages.push(files.len());
        names.extend(files.iter().map(|f| f["name"].as_str().unwrap().to_owned()));
        match v["nextPageToken"].as_str() {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(names, ["w0.bin", "w1.bin", "w2.bin", "w3.bin", "w4.bin"]);
    assert_eq!(pages, [2, 0, 2, 0, 1], "partial pages of 2 with an empty page between");
}

#[tokio::test]
async fn g4_page_size_bounds() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    for bad in ["1001", "0", "-1", "abc"] {
        let (status, v) =
            env.get_json(&a.google, &format!("/drive/v3/files?spaces=appDataFolder&pageSize={bad}")).await;
        assert_google_error(status, &v, 400, "invalid");
        assert_eq!(v["error"]["errors"][0]["location"], "pageSize");
    }
    let (status, _) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder&pageSize=1000").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn g5_app_properties_has_query() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.drive_put(&a.google, "a", json!({"walletId": "w1"}), b"x").await;
    env.drive_put(&a.google, "b", json!({"walletId": "w2"}), b"x").await;
    env.drive_put(&a.google, "c", json!({"other": "w1"}), b"x").await;
    let q = enc("appProperties has { key='walletId' and value='w1' }");
    let (status, v) = env.get_json(&a.google, &format!("/drive/v3/files?spaces=appDataFolder&q={q}")).await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<_> = v["files"].as_array().unwrap().iter().map(|f| f["name"].clone()).collect();
    assert_eq!(names, [json!("a")]);
}

#[tokio::test]
async fn g6_default_space_does_not_show_app_data() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.drive_put(&a.google, "a", json!({}), b"x").await;
    // With only the drive.appdata scope the default `drive` space is refused.
    let (status, v) = env.get_json(&a.google, "/drive/v3/files").await;
    assert_google_error(status, &v, 403, "insufficientScopes");
    // With the full drive scope My Drive is visible but (not modelled) empty: no app data.
    let (_, t) = env
        .control(
            Method::POST,
            "/__control/accounts/alice/tokens",
            Some(json!({"scope": "https://www.googleapis.com/auth/drive"})),
        )
        .await;
    let full = t["access_token"].as_str().unwrap();
    let (status, v) = env.get_json(full, "/drive/v3/files").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["files"], json!([]));
    let (_, v) = env.get_json(full, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(v["files"].as_array().unwrap().len(), 1);
    let (status, v) = env.get_json(full, "/drive/v3/files?spaces=photos").await;
    assert_google_error(status, &v, 400, "invalid");
}

#[tokio::test]
async fn g7_string_escapes_and_bad_queries() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.drive_put(&a.google, "O'Brien", json!({}), b"x").await;
    env.drive_put(&a.google, "quinn's paper\\essay", json!({}), b"x").await;
    let q = enc("name = 'O\\'Brien'");
    let (_, v) = env.get_json(&a.google, &format!("/drive/v3/files?spaces=appDataFolder&q={q}")).await;
    assert_eq!(v["files"][0]["name"], "O'Brien");
    assert_eq!(v["files"].as_array().unwrap().len(), 1);
    let q = enc("name contains 'quinn\\'s paper\\\\essay'");
    let (_, v) = env.get_json(&a.google, &format!("/drive/v3/files?spaces=appDataFolder&q={q}")).await;
    assert_eq!(v["files"].as_array().unwrap().len(), 1);
    for bad in ["name = 'O'Brien'", "name > 'a'", "bogus = 'x'", "name = 'a' and", "trashed = maybe"] {
        let (status, v) =
            env.get_json(&a.google, &format!("/drive/v3/files?spaces=appDataFolder&q={}", enc(bad))).await;
        assert_google_error(status, &v, 400, "invalid");
        assert_eq!(v["error"]["message"], "Invalid Value");
        assert_eq!(v["error"]["errors"][0]["location"], "q", "{bad}");
        assert_eq!(v["error"]["errors"][0]["locationType"], "parameter");
    }
}

#[tokio::test]
async fn query_operators_times_not_or_parens() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    for (name, time) in
        [("old", "2020-01-01T00:00:00Z"), ("mid", "2023-06-01T00:00:00Z"), ("new", "2026-01-01T00:00:00Z")]
    {
        let (status, v) = env
            .drive_create(
                &a.google,
                json!({"name": name, "parents": ["appDataFolder"], "modifiedTime": time}),
                b"x",
                "id",
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
    }
    let list = |q: &str| {
        let path = format!("/drive/v3/files?spaces=appDataFolder&orderBy=name&q={}", enc(q));
        let env = &env;
        let token = a.google.clone();
        async move {
            let (status, v) = env.get_json(&token, &path).await;
            assert_eq!(status, StatusCode::OK, "{v}");
            v["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(list("modifiedTime > '2022-01-01T00:00:00'").await, ["mid", "new"]);
    assert_eq!(list("modifiedTime <= '2023-06-01T00:00:00Z'").await, ["mid", "old"]);
    assert_eq!(list("not name = 'mid' and 'appDataFolder' in parents").await, ["new", "old"]);
    assert_eq!(list("(name = 'old' or name = 'new') and trashed = false").await, ["new", "old"]);
    assert_eq!(list("name != 'old'").await, ["mid", "new"]);
    assert_eq!(list("name contains 'ne'").await, ["new"]);
    assert_eq!(list("mimeType = 'application/octet-stream' and name contains 'o'").await, ["old"]);
}

#[tokio::test]
async fn g8_order_by() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    for (name, time) in
        [("a", "2024-01-01T00:00:00Z"), ("b", "2026-01-01T00:00:00Z"), ("c", "2025-01-01T00:00:00Z")]
    {
        env.drive_create(
            &a.google,
            json!({"name": name, "parents": ["appDataFolder"], "modifiedTime": time}),
            b"x",
            "id",
        )
        .await;
    }
    let (_, v) =
        env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder&orderBy=modifiedTime%20desc").await;
    let names: Vec<_> =
        v["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap().to_owned()).collect();
    assert_eq!(names, ["b", "c", "a"]);
    let (_, v) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder&orderBy=name%20desc").await;
    assert_eq!(v["files"][0]["name"], "c");
    let (status, v) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder&orderBy=bogus").await;
    assert_google_error(status, &v, 400, "invalid");
    assert_eq!(v["error"]["errors"][0]["location"], "orderBy");
}

#[tokio::test]
async fn g9_multipart_create_and_real_parent_id() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let media = vec![7u8; 1000];
    let (status, v) = env
        .drive_create(
            &a.google,
            json!({"name": "wallet-x.bin", "parents": ["appDataFolder"], "mimeType": "application/octet-stream", "appProperties": {"walletId": "x", "fmt": "v1"}}),
            &media,
            "id,name,appProperties,md5Checksum,size,modifiedTime,createdTime,version,headRevisionId,sha256Checksum,quotaBytesUsed",
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["size"], "1000");
    assert_eq!(v["quotaBytesUsed"], "1000");
    assert_eq!(v["version"].as_str().unwrap().parse::<u64>().unwrap(), 1);
    assert_eq!(v["md5Checksum"], md5_hex(&media));
    assert_eq!(v["sha256Checksum"], sha256_hex(&media));
    assert!(v["headRevisionId"].is_string());
    assert_eq!(v["createdTime"], v["modifiedTime"]);
    let id = v["id"].as_str().unwrap();
    assert!(id.len() >= 28, "{id}");
    let (_, g) = env.get_json(&a.google, &format!("/drive/v3/files/{id}?fields=parents,spaces")).await;
    let parent = g["parents"][0].as_str().unwrap().to_owned();
    assert_ne!(parent, "appDataFolder", "the real folder id, not the alias");
    assert_eq!(g["spaces"], json!(["appDataFolder"]));
    // The alias works as a file id and resolves to the same folder.
    let (status, folder) = env.get_json(&a.google, "/drive/v3/files/appDataFolder?fields=id,mimeType").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(folder["id"], parent.as_str());
    assert_eq!(folder["mimeType"], "application/vnd.google-apps.folder");
    // The real id works in q.
    let (_, l) = env
        .get_json(
            &a.google,
            &format!("/drive/v3/files?spaces=appDataFolder&q={}", enc(&format!("'{parent}' in parents"))),
        )
        .await;
    assert_eq!(l["files"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn g9_folders_inside_app_data() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let resp = env
        .http
        .post(env.url("/drive/v3/files?fields=id,mimeType"))
        .bearer_auth(&a.google)
        .json(&json!({"name": "backups", "mimeType": "application/vnd.google-apps.folder", "parents": ["appDataFolder"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let folder: Value = resp.json().await.unwrap();
    let folder_id = folder["id"].as_str().unwrap();
    let (status, child) =
        env.drive_create(&a.google, json!({"name": "w", "parents": [folder_id]}), b"abc", "id,parents").await;
    assert_eq!(status, StatusCode::OK, "{child}");
    assert_eq!(child["parents"], json!([folder_id]));
    let (_, l) = env
        .get_json(
            &a.google,
            &format!("/drive/v3/files?spaces=appDataFolder&q={}", enc(&format!("'{folder_id}' in parents"))),
        )
        .await;
    assert_eq!(l["files"].as_array().unwrap().len(), 1);
    // Folders have no content.
    let (status, v) = env.get_json(&a.google, &format!("/drive/v3/files/{folder_id}?alt=media")).await;
    assert_google_error(status, &v, 403, "fileNotDownloadable");
    // Deleting the folder deletes the child.
    let r = env
        .http
        .delete(env.url(&format!("/drive/v3/files/{folder_id}")))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let (status, _) =
        env.get_json(&a.google, &format!("/drive/v3/files/{}", child["id"].as_str().unwrap())).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Unknown parents are 404; no parent (My Drive) is refused for an app-data client.
    let (status, v) =
        env.drive_create(&a.google, json!({"name": "w", "parents": ["nope"]}), b"abc", "id").await;
    assert_google_error(status, &v, 404, "notFound");
    let (status, v) = env.drive_create(&a.google, json!({"name": "w"}), b"abc", "id").await;
    assert_google_error(status, &v, 403, "insufficientPermissions");
}

#[tokio::test]
async fn g10_malformed_multipart_is_bad_request() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let meta = json!({"name": "w", "parents": ["appDataFolder"]});
    let (ct, good) = multipart_related(&meta, b"data", "application/octet-stream");
    // Media first.
    let media_first = format!(
        "--b\r\nContent-Type: application/octet-stream\r\n\r\ndata\r\n--b\r\nContent-Type: application/json\r\n\r\n{meta}\r\n--b--\r\n"
    );
    // Missing closing boundary.
    let mut truncated = good.clone();
    truncated.truncate(good.len() - 10);
    let cases: Vec<(String, Vec<u8>)> = vec![
        ("multipart/related; boundary=b".into(), media_first.into_bytes()),
        (ct.clone(), truncated),
        ("multipart/related".into(), good.clone()),
        ("application/json".into(), meta.to_string().into_bytes()),
        (ct.clone(), b"--foo_bar_baz\r\nContent-Type: application/json\r\n\r\n{}\r\n--foo_bar_baz--".to_vec()),
        (ct.clone(), b"--foo_bar_baz\r\nContent-Type: application/json\r\n\r\n{not json\r\n--foo_bar_baz\r\n\r\nx\r\n--foo_bar_baz--".to_vec()),
    ];
    for (i, (ct, body)) in cases.into_iter().enumerate() {
        let resp = env
            .http
            .post(env.url("/upload/drive/v3/files?uploadType=multipart"))
            .bearer_auth(&a.google)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap();
        assert_eq!(status, StatusCode::BAD_REQUEST, "case {i}: {v}");
        let reason = v["error"]["errors"][0]["reason"].as_str().unwrap();
        assert!(reason == "badRequest" || reason == "parseError", "case {i}: {v}");
    }
    let (_, l) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(l["files"], json!([]), "nothing was stored");
}

#[tokio::test]
async fn g18_media_download_and_ranges() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let (_, v) = env
        .drive_create(
            &a.google,
            json!({"name": "w", "parents": ["appDataFolder"], "mimeType": "application/x-cairn"}),
            &data,
            "id",
        )
        .await;
    let id = v["id"].as_str().unwrap();
    let r = env
        .http
        .get(env.url(&format!("/drive/v3/files/{id}?alt=media")))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/x-cairn");
    assert_eq!(r.bytes().await.unwrap().to_vec(), data);
    let r = env
        .http
        .get(env.url(&format!("/drive/v3/files/{id}?alt=media")))
        .bearer_auth(&a.google)
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.headers()["content-range"], "bytes 0-9/1000");
    assert_eq!(r.bytes().await.unwrap().to_vec(), data[..10].to_vec());
    let r = env
        .http
        .get(env.url(&format!("/drive/v3/files/{id}?alt=media")))
        .bearer_auth(&a.google)
        .header("range", "bytes=2000-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let (status, v) = env.get_json(&a.google, &format!("/drive/v3/files/{id}?alt=bogus")).await;
    assert_google_error(status, &v, 400, "invalid");
}

#[tokio::test]
async fn g19_unknown_ids_give_the_exact_not_found_body() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let expected = json!({"error": {"code": 404, "message": "File not found: nope.", "errors": [{
        "domain": "global", "reason": "notFound", "message": "File not found: nope.",
        "locationType": "parameter", "location": "fileId"}]}});
    for (method, path) in [
        (Method::GET, "/drive/v3/files/nope"),
        (Method::GET, "/drive/v3/files/nope?alt=media"),
        (Method::DELETE, "/drive/v3/files/nope"),
        (Method::PATCH, "/drive/v3/files/nope"),
    ] {
        let r = env
            .http
            .request(method.clone(), env.url(path))
            .bearer_auth(&a.google)
            .json(&json!({}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(r.json::<Value>().await.unwrap(), expected);
    }
}

#[tokio::test]
async fn g20_metadata_patch_clears_null_app_properties() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let id = env.drive_put(&a.google, "w", json!({"fmt": "v1", "keep": "k"}), b"x").await;
    let (_, before) = env
        .get_json(&a.google, &format!("/drive/v3/files/{id}?fields=version,modifiedTime,md5Checksum"))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let r =
        env.http
            .patch(env.url(&format!(
                "/drive/v3/files/{id}?fields=appProperties,version,modifiedTime,md5Checksum,name"
            )))
            .bearer_auth(&a.google)
            .json(&json!({"appProperties": {"fmt": null, "gen": "2"}, "name": "renamed"}))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let after: Value = r.json().await.unwrap();
    assert_eq!(after["appProperties"], json!({"keep": "k", "gen": "2"}));
    assert_eq!(after["name"], "renamed");
    let v0: u64 = before["version"].as_str().unwrap().parse().unwrap();
    let v1: u64 = after["version"].as_str().unwrap().parse().unwrap();
    assert!(v1 > v0);
    assert!(after["modifiedTime"].as_str().unwrap() > before["modifiedTime"].as_str().unwrap());
    assert_eq!(after["md5Checksum"], before["md5Checksum"], "metadata-only update keeps content");
    // `appProperties: null` changes nothing.
    let r = env
        .http
        .patch(env.url(&format!("/drive/v3/files/{id}?fields=appProperties")))
        .bearer_auth(&a.google)
        .json(&json!({"appProperties": null}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["appProperties"], json!({"keep": "k", "gen": "2"}));
    // Read-only fields and parents are not writable in an update.
    for body in [
        json!({"size": "5"}),
        json!({"parents": ["appDataFolder"]}),
        json!({"createdTime": "2020-01-01T00:00:00Z"}),
    ] {
        let r = env
            .http
            .patch(env.url(&format!("/drive/v3/files/{id}")))
            .bearer_auth(&a.google)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        assert_google_error(status, &r.json::<Value>().await.unwrap(), 403, "fieldNotWritable");
    }
    // Malformed JSON.
    let r = env
        .http
        .patch(env.url(&format!("/drive/v3/files/{id}")))
        .bearer_auth(&a.google)
        .header("content-type", "application/json")
        .body("{oops")
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_google_error(status, &r.json::<Value>().await.unwrap(), 400, "parseError");
}

#[tokio::test]
async fn app_properties_limits() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let long = "v".repeat(121); // "key1" + 121 bytes = 125 > 124
    let (status, v) = env
        .drive_create(
            &a.google,
            json!({"name": "w", "parents": ["appDataFolder"], "appProperties": {"key1": long}}),
            b"x",
            "id",
        )
        .await;
    assert_google_error(status, &v, 400, "invalid");
    let many: serde_json::Map<String, Value> = (0..31).map(|i| (format!("k{i}"), json!("v"))).collect();
    let (status, v) = env
        .drive_create(
            &a.google,
            json!({"name": "w", "parents": ["appDataFolder"], "appProperties": many}),
            b"x",
            "id",
        )
        .await;
    assert_google_error(status, &v, 400, "invalid");
    let thirty: serde_json::Map<String, Value> = (0..30).map(|i| (format!("k{i}"), json!("v"))).collect();
    let (status, _) = env
        .drive_create(
            &a.google,
            json!({"name": "w", "parents": ["appDataFolder"], "appProperties": thirty}),
            b"x",
            "id",
        )
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn g21_multipart_update_changes_content_but_not_id() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let (_, v) = env
        .drive_create(
            &a.google,
            json!({"name": "w", "parents": ["appDataFolder"]}),
            b"old",
            "id,md5Checksum,headRevisionId,version",
        )
        .await;
    let id = v["id"].as_str().unwrap();
    let (ct, body) = multipart_related(
        &json!({"appProperties": {"gen": "2"}}),
        b"new content",
        "application/octet-stream",
    );
    let r = env
        .http
        .patch(env.url(&format!("/upload/drive/v3/files/{id}?uploadType=multipart&fields=id,md5Checksum,size,headRevisionId,version,appProperties")))
        .bearer_auth(&a.google)
        .header("content-type", ct)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["id"], id);
    assert_eq!(u["md5Checksum"], md5_hex(b"new content"));
    assert_eq!(u["size"], "11");
    assert_ne!(u["headRevisionId"], v["headRevisionId"]);
    assert_ne!(u["version"], v["version"]);
    assert_eq!(u["appProperties"], json!({"gen": "2"}));
    // Media update.
    let r = env
        .http
        .patch(env.url(&format!("/upload/drive/v3/files/{id}?uploadType=media&fields=md5Checksum")))
        .bearer_auth(&a.google)
        .body("third")
        .send()
        .await
        .unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["md5Checksum"], md5_hex(b"third"));
    // A media-only create cannot target app data (no parents): refused for an app-data client.
    let r = env
        .http
        .post(env.url("/upload/drive/v3/files?uploadType=media"))
        .bearer_auth(&a.google)
        .body("x")
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_google_error(status, &r.json::<Value>().await.unwrap(), 403, "insufficientPermissions");
    // No uploadType.
    let r = env
        .http
        .post(env.url("/upload/drive/v3/files"))
        .bearer_auth(&a.google)
        .body("x")
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_google_error(status, &r.json::<Value>().await.unwrap(), 400, "invalid");
}

#[tokio::test]
async fn g22_delete_is_permanent() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let id = env.drive_put(&a.google, "w", json!({}), b"x").await;
    let r = env
        .http
        .delete(env.url(&format!("/drive/v3/files/{id}")))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.bytes().await.unwrap().is_empty());
    let (status, v) = env.get_json(&a.google, &format!("/drive/v3/files/{id}")).await;
    assert_google_error(status, &v, 404, "notFound");
    let (_, l) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder&q=trashed%3Dtrue").await;
    assert_eq!(l["files"], json!([]), "no trash");
}

#[tokio::test]
async fn g23_trash_and_share_are_not_supported() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let id = env.drive_put(&a.google, "w", json!({}), b"x").await;
    let r = env
        .http
        .patch(env.url(&format!("/drive/v3/files/{id}")))
        .bearer_auth(&a.google)
        .json(&json!({"trashed": true}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_google_error(status, &v, 403, "notSupportedForAppDataFolderFiles");
    assert_eq!(v["error"]["message"], "Files within the Application Data folder cannot be trashed.");
    let r = env
        .http
        .post(env.url(&format!("/drive/v3/files/{id}/permissions")))
        .bearer_auth(&a.google)
        .json(&json!({"role": "reader", "type": "anyone"}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let v: Value = r.json().await.unwrap();
    assert_google_error(status, &v, 403, "notSupportedForAppDataFolderFiles");
    assert_eq!(v["error"]["message"], "Method not supported for files within the Application Data folder.");
    // Moving out of app data is refused too.
    let r = env
        .http
        .patch(env.url(&format!("/drive/v3/files/{id}?addParents=root&removeParents=appDataFolder")))
        .bearer_auth(&a.google)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    let status = r.status();
    assert_google_error(status, &r.json::<Value>().await.unwrap(), 403, "notSupportedForAppDataFolderFiles");
    // Trashed on create, too.
    let (status, v) = env
        .drive_create(
            &a.google,
            json!({"name": "w", "parents": ["appDataFolder"], "trashed": true}),
            b"x",
            "id",
        )
        .await;
    assert_google_error(status, &v, 403, "notSupportedForAppDataFolderFiles");
}

#[tokio::test]
async fn g24_g25_about_storage_quota() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.drive_put(&a.google, "w", json!({}), &[0u8; 300]).await;
    env.control(
        Method::POST,
        "/__control/quota",
        Some(json!({"account": "alice", "limit": 10_000, "usage": 1_000})),
    )
    .await;
    let (status, v) = env.get_json(&a.google, "/drive/v3/about?fields=storageQuota").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        v,
        json!({"storageQuota": {"limit": "10000", "usage": "1300", "usageInDrive": "300", "usageInDriveTrash": "0"}})
    );
    let (_, v) =
        env.get_json(&a.google, "/drive/v3/about?fields=user(emailAddress),storageQuota/limit").await;
    assert_eq!(v, json!({"user": {"emailAddress": "alice@example.com"}, "storageQuota": {"limit": "10000"}}));
    // Unlimited: no `limit`.
    env.control(Method::POST, "/__control/quota", Some(json!({"account": "alice", "limit": null}))).await;
    let (_, v) = env.get_json(&a.google, "/drive/v3/about?fields=storageQuota").await;
    assert!(v["storageQuota"].get("limit").is_none(), "{v}");
    let (status, v) = env.get_json(&a.google, "/drive/v3/about").await;
    assert_google_error(status, &v, 400, "required");
    assert_eq!(v["error"]["errors"][0]["location"], "fields");
    let (status, v) = env.get_json(&a.google, "/drive/v3/about?fields=bogus").await;
    assert_google_error(status, &v, 400, "invalidParameter");
}

#[tokio::test]
async fn g26_missing_garbage_and_expired_tokens_get_auth_error() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let check = |status: StatusCode, v: Value| {
        assert_google_error(status, &v, 401, "authError");
        assert_eq!(v["error"]["errors"][0]["location"], "Authorization");
        assert_eq!(v["error"]["errors"][0]["locationType"], "header");
        assert_eq!(v["error"]["message"], "Invalid Credentials");
    };
    let r = env.http.get(env.url("/drive/v3/files?spaces=appDataFolder")).send().await.unwrap();
    assert!(r.headers().contains_key("www-authenticate"));
    let status = r.status();
    check(status, r.json().await.unwrap());
    let (status, v) = env.get_json("garbage", "/drive/v3/files?spaces=appDataFolder").await;
    check(status, v);
    // A Huawei token is not a Google token.
    let (status, v) = env.get_json(&a.huawei, "/drive/v3/files?spaces=appDataFolder").await;
    check(status, v);
    // Expiry follows the emulator clock.
    let (status, _) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(status, StatusCode::OK);
    env.control(Method::POST, "/__control/clock", Some(json!({"advance_secs": 3600}))).await;
    let (status, v) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    check(status, v);
    // The token may also come as a query parameter.
    let (_, t) = env.control(Method::POST, "/__control/accounts/alice/tokens", Some(json!({}))).await;
    let fresh = t["access_token"].as_str().unwrap();
    let r = env
        .http
        .get(env.url(&format!("/drive/v3/files?spaces=appDataFolder&access_token={fresh}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A token without a Drive scope is refused with 403.
    let (_, t) = env
        .control(Method::POST, "/__control/accounts/alice/tokens", Some(json!({"scope": "openid email"})))
        .await;
    let (status, v) =
        env.get_json(t["access_token"].as_str().unwrap(), "/drive/v3/files?spaces=appDataFolder").await;
    assert_google_error(status, &v, 403, "insufficientPermissions");
}

#[tokio::test]
async fn g27_storage_quota_exceeded_body() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.control(
        Method::POST,
        "/__control/quota",
        Some(json!({"account": "alice", "limit": 1000, "usage": 900})),
    )
    .await;
    let (status, v) = env
        .drive_create(&a.google, json!({"name": "w", "parents": ["appDataFolder"]}), &[0u8; 101], "id")
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        v,
        json!({"error": {"code": 403, "message": "The user's Drive storage quota has been exceeded.", "errors": [{
            "domain": "usageLimits", "reason": "storageQuotaExceeded",
            "message": "The user's Drive storage quota has been exceeded."}]}})
    );
    let (status, _) = env
        .drive_create(&a.google, json!({"name": "w", "parents": ["appDataFolder"]}), &[0u8; 100], "id")
        .await;
    assert_eq!(status, StatusCode::OK, "exactly at the limit is fine");
}

#[tokio::test]
async fn g32_invalid_field_selection_names_the_field() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let id = env.drive_put(&a.google, "w", json!({}), b"x").await;
    for (path, bad) in [
        ("/drive/v3/files?spaces=appDataFolder&fields=files(id,bogus)", "files/bogus"),
        ("/drive/v3/files?spaces=appDataFolder&fields=nope", "nope"),
        (&format!("/drive/v3/files/{id}?fields=id,bogus") as &str, "bogus"),
    ] {
        let (status, v) = env.get_json(&a.google, path).await;
        assert_google_error(status, &v, 400, "invalidParameter");
        assert!(v["error"]["message"].as_str().unwrap().contains(bad), "{v}");
        assert_eq!(v["error"]["errors"][0]["location"], "fields");
    }
    let (status, v) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder&fields=files(").await;
    assert_google_error(status, &v, 400, "invalidParameter");
    // Real but unmodelled fields are accepted; `*` gives everything the emulator knows.
    let (status, v) =
        env.get_json(&a.google, &format!("/drive/v3/files/{id}?fields=id,webViewLink,capabilities")).await;
    assert_eq!((status, v), (StatusCode::OK, json!({"id": id})));
    let (_, v) = env.get_json(&a.google, &format!("/drive/v3/files/{id}?fields=*")).await;
    assert!(v["md5Checksum"].is_string() && v["owners"].is_array(), "{v}");
    // prettyPrint=false gives compact JSON.
    let r = env
        .http
        .get(env.url(&format!("/drive/v3/files/{id}?prettyPrint=false")))
        .bearer_auth(&a.google)
        .send()
        .await
        .unwrap();
    assert!(!r.text().await.unwrap().contains('\n'));
}

#[tokio::test]
async fn accounts_and_clients_are_isolated() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let b = env.account("bob").await;
    let id = env.drive_put(&a.google, "alice.bin", json!({}), b"x").await;
    let (_, l) = env.get_json(&b.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(l["files"], json!([]));
    let (status, _) = env.get_json(&b.google, &format!("/drive/v3/files/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = env
        .http
        .delete(env.url(&format!("/drive/v3/files/{id}")))
        .bearer_auth(&b.google)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Another OAuth client of the same user sees an empty appDataFolder.
    let (_, c) =
        env.control(Method::POST, "/__control/clients", Some(json!({"client_id": "other-app"}))).await;
    assert_eq!(c["client_id"], "other-app");
    let (_, t) = env
        .control(Method::POST, "/__control/accounts/alice/tokens", Some(json!({"client_id": "other-app"})))
        .await;
    let other = t["access_token"].as_str().unwrap();
    let (_, l) = env.get_json(other, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(l["files"], json!([]));
    let (_, l) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(l["files"].as_array().unwrap().len(), 1);
}
