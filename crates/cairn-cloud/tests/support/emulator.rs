//! The cairn-emulator started in-process on an ephemeral loopback port, and a small client of
//! its control API (`/__control/`, documented in the emulator's README).

use std::sync::Arc;

use cairn_cloud::google_drive::{DriveConfig, GoogleDriveStore};
use cairn_cloud::huawei_drive::HuaweiDriveStore;
use cairn_cloud::{AccessToken, HttpSettings, RetryPolicy, StaticTokenProvider, TokenProvider};
use cairn_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::{Value, json};
use url::Url;

use super::RecordingSleeper;

pub struct Emu {
    pub handle: EmulatorHandle,
    pub base: Url,
    http: reqwest::Client,
}

/// Tokens of one emulator account, as `POST /__control/accounts` returns them.
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub google_access: String,
    pub google_refresh: String,
    pub client_id: String,
    pub client_secret: String,
    pub huawei_access: String,
}

/// One entry of the emulator's request log.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    pub path: String,
    pub status: Option<u16>,
    pub query: Value,
}

impl Emu {
    pub async fn start() -> Emu {
        let handle = Emulator::start(EmulatorConfig::default()).await.expect("emulator starts");
        let base = Url::parse(handle.base_url()).unwrap();
        Emu { handle, base, http: reqwest::Client::new() }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base.as_str().trim_end_matches('/'), path)
    }

    async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, self.url(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let value: Value = response.json().await.unwrap();
        assert!(status.is_success(), "control {path}: {status} {value}");
        value
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        self.control(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn get(&self, path: &str) -> Value {
        self.control(reqwest::Method::GET, path, None).await
    }

    pub async fn create_account(&self, id: &str) -> Account {
        let v = self.post("/__control/accounts", json!({ "id": id })).await;
        let text = |path: &[&str]| {
            let mut cursor = &v;
            for key in path {
                cursor = &cursor[*key];
            }
            cursor.as_str().unwrap_or_else(|| panic!("{path:?} in {v}")).to_owned()
        };
        Account {
            id: id.to_owned(),
            google_access: text(&["google", "access_token"]),
            google_refresh: text(&["google", "refresh_token"]),
            client_id: text(&["google", "client_id"]),
            client_secret: text(&["google", "client_secret"]),
            huawei_access: text(&["huawei", "access_token"]),
        }
    }

    /// Adds a fault rule (see the emulator README for the fields).
    pub async fn fault(&self, rule: Value) {
        self.post("/__control/faults", rule).await;
    }

    pub async fn clear_log(&self) {
        self.control(reqwest::Method::DELETE, "/__control/requests", None).await;
    }

    /// The request log, without control-API calls.
    pub async fn log(&self) -> Vec<Logged> {
        let v = self.get("/__control/requests?limit=10000").await;
        v["requests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| Logged {
                method: e["method"].as_str().unwrap_or_default().to_owned(),
                path: e["path"].as_str().unwrap_or_default().to_owned(),
                status: e["status"].as_u64().map(|s| s as u16),
                query: e["query"].clone(),
            })
            .filter(|e| !e.path.starts_with("/__control"))
            .collect()
    }

    /// How many logged requests match `method` and a path starting with `prefix`.
    pub async fn count(&self, method: &str, prefix: &str) -> usize {
        self.log().await.iter().filter(|e| e.method == method && e.path.starts_with(prefix)).count()
    }

    pub async fn settings(&self, patch: Value) {
        self.post("/__control/settings", patch).await;
    }

    /// Files the account holds, as the control API lists them.
    pub async fn files(&self, account: &str) -> Vec<Value> {
        self.get(&format!("/__control/accounts/{account}/files")).await["files"].as_array().unwrap().clone()
    }

    pub fn drive_config(&self, page_size: u32, sleeper: Arc<RecordingSleeper>) -> DriveConfig {
        let mut config = DriveConfig::new(self.base.clone());
        config.page_size = page_size;
        config.http =
            HttpSettings { retry: RetryPolicy::standard().with_sleeper(sleeper), ..HttpSettings::default() };
        config
    }

    pub fn google_store(
        &self,
        tokens: Arc<dyn TokenProvider>,
        sleeper: Arc<RecordingSleeper>,
    ) -> GoogleDriveStore {
        GoogleDriveStore::new(self.drive_config(100, sleeper), tokens).unwrap()
    }

    pub fn huawei_store(
        &self,
        tokens: Arc<dyn TokenProvider>,
        sleeper: Arc<RecordingSleeper>,
    ) -> HuaweiDriveStore {
        HuaweiDriveStore::new(self.drive_config(100, sleeper), tokens).unwrap()
    }
}

pub fn static_tokens(token: &str) -> Arc<dyn TokenProvider> {
    Arc::new(StaticTokenProvider::new(AccessToken::new(token.to_owned())))
}
