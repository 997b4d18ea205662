//! The cairn-emulator in-process on an ephemeral loopback port, accounts from its control API,
//! and Drive / Huawei stores pointed at it (retry waits skipped, so fault tests take no time).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cairn_cloud::google_drive::{DriveConfig, GoogleDriveStore};
use cairn_cloud::huawei_drive::HuaweiDriveStore;
use cairn_cloud::{AccessToken, CloudStore, HttpSettings, RetryPolicy, Sleeper, StaticTokenProvider};
use cairn_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::{Value, json};
use url::Url;

/// Returns at once: retries happen, the waits do not.
#[derive(Debug)]
struct NoSleep;

#[async_trait]
impl Sleeper for NoSleep {
    async fn sleep(&self, _duration: Duration) {}
}

pub struct Emu {
    pub handle: EmulatorHandle,
    pub base: Url,
    http: reqwest::Client,
}

pub struct Account {
    pub id: String,
    pub google_access: String,
    pub huawei_access: String,
}

impl Emu {
    pub async fn start() -> Emu {
        let handle = Emulator::start(EmulatorConfig::default()).await.expect("emulator starts");
        let base = Url::parse(handle.base_url()).unwrap();
        Emu { handle, base, http: reqwest::Client::new() }
    }

    pub async fn post(&self, path: &str, body: Value) -> Value {
        let url = format!("{}{}", self.base.as_str().trim_end_matches('/'), path);
        let response = self.http.post(url).json(&body).send().await.unwrap();
        let status = response.status();
        let value: Value = response.json().await.unwrap();
        assert!(status.is_success(), "control {path}: {status} {value}");
        value
    }

    pub async fn account(&self, id: &str) -> Account {
        let v = self.post("/__control/accounts", json!({ "id": id })).await;
        Account {
            id: id.to_owned(),
            google_access: v["google"]["access_token"].as_str().unwrap().to_owned(),
            huawei_access: v["huawei"]["access_token"].as_str().unwrap().to_owned(),
        }
    }

    pub async fn fault(&self, rule: Value) {
        self.post("/__control/faults", rule).await;
    }

    pub async fn clear_faults(&self) {
        let url = format!("{}/__control/faults", self.base.as_str().trim_end_matches('/'));
        let response = self.http.delete(url).send().await.unwrap();
        assert!(response.status().is_success());
    }

    pub async fn quota(&self, account: &str, provider: &str, limit: u64) {
        self.post("/__control/quota", json!({ "account": account, "provider": provider, "limit": limit }))
            .await;
    }

    fn config(&self) -> DriveConfig {
        let mut config = DriveConfig::new(self.base.clone());
        config.http = HttpSettings {
            retry: RetryPolicy::standard().with_sleeper(Arc::new(NoSleep)),
            ..HttpSettings::default()
        };
        config
    }

    pub fn drive(&self, token: &str) -> Arc<dyn CloudStore> {
        let tokens = Arc::new(StaticTokenProvider::new(AccessToken::new(token.to_owned())));
        Arc::new(GoogleDriveStore::new(self.config(), tokens).unwrap())
    }

    pub fn huawei(&self, token: &str) -> Arc<dyn CloudStore> {
        let tokens = Arc::new(StaticTokenProvider::new(AccessToken::new(token.to_owned())));
        Arc::new(HuaweiDriveStore::new(self.config(), tokens).unwrap())
    }
}
