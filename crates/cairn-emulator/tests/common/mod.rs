//! Shared helpers for the HTTP-level tests: a plain reqwest client (no redirects, no proxy)
//! against an emulator on an ephemeral loopback port.
// Test helpers outside `#[test]` functions: failing loudly is what a test helper should do.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cairn_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub struct Env {
    pub emu: EmulatorHandle,
    pub http: reqwest::Client,
    pub base: String,
}

/// Credentials of one emulator account, as the control API returned them.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub google: String,
    pub huawei: String,
    pub refresh: String,
    pub client_id: String,
    pub client_secret: Option<String>,
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).no_proxy().build().unwrap()
}

impl Env {
    pub async fn start() -> Env {
        Self::start_with(EmulatorConfig::default()).await
    }

    pub async fn start_with(config: EmulatorConfig) -> Env {
        let emu = Emulator::start(config).await.unwrap();
        let base = emu.base_url().to_owned();
        Env { emu, http: client(), base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Calls the control API; returns status and JSON body.
    pub async fn control(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut rb = self.http.request(method, self.url(path));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let resp = rb.send().await.unwrap();
        let status = resp.status();
        let v = resp.json::<Value>().await.unwrap_or(Value::Null);
        (status, v)
    }

    pub async fn account(&self, id: &str) -> Account {
        let (status, v) = self.control(Method::POST, "/__control/accounts", Some(json!({"id": id}))).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        Account {
            id: id.to_owned(),
            google: v["google"]["access_token"].as_str().unwrap().to_owned(),
            huawei: v["huawei"]["access_token"].as_str().unwrap().to_owned(),
            refresh: v["google"]["refresh_token"].as_str().unwrap().to_owned(),
            client_id: v["google"]["client_id"].as_str().unwrap().to_owned(),
            client_secret: v["google"]["client_secret"].as_str().map(str::to_owned),
        }
    }

    pub async fn fault(&self, rule: Value) -> Value {
        let (status, v) = self.control(Method::POST, "/__control/faults", Some(rule)).await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v
    }

    pub async fn requests(&self) -> Vec<Value> {
        let (_, v) = self.control(Method::GET, "/__control/requests", None).await;
        v["requests"].as_array().unwrap().clone()
    }

    /// Multipart create in the Drive app-data folder; returns the File JSON.
    pub async fn drive_create(
        &self,
        token: &str,
        meta: Value,
        media: &[u8],
        fields: &str,
    ) -> (StatusCode, Value) {
        let (ct, body) = multipart_related(&meta, media, "application/octet-stream");
        let resp = self
            .http
            .post(self.url(&format!("/upload/drive/v3/files?uploadType=multipart&fields={fields}")))
            .bearer_auth(token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Creates `name` in appDataFolder with optional appProperties; returns its id.
    pub async fn drive_put(&self, token: &str, name: &str, props: Value, media: &[u8]) -> String {
        let (status, v) = self
            .drive_create(
                token,
                json!({"name": name, "parents": ["appDataFolder"], "appProperties": props}),
                media,
                "id",
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{v}");
        v["id"].as_str().unwrap().to_owned()
    }

    pub async fn get_json(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let resp = self.http.get(self.url(path)).bearer_auth(token).send().await.unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }

    /// Multipart create in the Huawei applicationData container.
    pub async fn huawei_put(&self, token: &str, meta: Value, media: &[u8]) -> (StatusCode, Value) {
        let (ct, body) = multipart_related(&meta, media, "application/octet-stream");
        let resp = self
            .http
            .post(self.url("/upload/drive/v1/files?uploadType=multipart&fields=*"))
            .bearer_auth(token)
            .header("content-type", ct)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json().await.unwrap_or(Value::Null))
    }
}

/// An RFC 2387 body: JSON metadata part, then the media part.
pub fn multipart_related(meta: &Value, media: &[u8], media_type: &str) -> (String, Vec<u8>) {
    let boundary = "foo_bar_baz";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(meta.to_string().as_bytes());
    body.extend_from_slice(format!("\r\n--{boundary}\r\nContent-Type: {media_type}\r\n\r\n").as_bytes());
    body.extend_from_slice(media);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/related; boundary={boundary}"), body)
}

/// Asserts a Google error body's code and first reason; returns the body.
pub fn assert_google_error(status: StatusCode, body: &Value, code: u16, reason: &str) {
    assert_eq!(status.as_u16(), code, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert_eq!(body["error"]["errors"][0]["reason"], reason, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(body["error"]["errors"][0]["domain"].is_string(), "{body}");
}

/// Asserts a Huawei error body's status and 8-digit code.
pub fn assert_huawei_error(status: StatusCode, body: &Value, http: u16, code: &str) {
    assert_eq!(status.as_u16(), http, "{body}");
    assert_eq!(body["error"]["errorDetail"][0]["errorCode"], code, "{body}");
}

pub fn md5_hex(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    hex::encode(Md5::digest(data))
}

pub fn sha256_hex(data: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(data))
}
