//! Shared helpers: sessions with tiny KDF parameters over memory or over the real emulator
//! (in-process, ephemeral loopback port) signed in through `cairn-app`'s own emulator token
//! provider, and a small control-API client.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use cairn_app::{
    AppSession, CloudProvider, EmulatorEndpoints, Screen, WalletInput, WalletSecretInput,
    emulator_endpoints_at, emulator_store,
};
use cairn_cloud::CloudStore;
use cairn_cloud::memory::MemoryStore;
use cairn_core::{BackupPassword, BackupService, SecretString, ServiceConfig, SystemClock};
use cairn_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use serde_json::{Value, json};

pub const PASSWORD: &str = "violet tractor sings 4 otters";
pub const NEW_PASSWORD: &str = "granite kettle hums at dawn";
pub const PHRASE_A: &str = "legal winner thank year wave sausage worth useful legal winner thank yellow";
pub const PHRASE_B: &str = "letter advice cage absurd amount doctor acoustic avoid letter advice cage above";
pub const KEY_HEX: &str = "0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d";

pub fn pw(text: &str) -> BackupPassword {
    BackupPassword::from_user_input(text.to_owned())
}

pub fn mnemonic(id: &str, phrase: &str) -> WalletInput {
    WalletInput {
        app_wallet_id: Some(id.to_owned()),
        label: format!("wallet {id}"),
        chain_hints: vec!["eip155:1".to_owned()],
        secret: WalletSecretInput::Mnemonic {
            phrase: SecretString::new(phrase.to_owned()),
            passphrase: None,
            include_passphrase: false,
        },
    }
}

pub fn private_key(id: &str, key: &str) -> WalletInput {
    WalletInput {
        app_wallet_id: Some(id.to_owned()),
        label: format!("key {id}"),
        chain_hints: Vec::new(),
        secret: WalletSecretInput::PrivateKey { key: SecretString::new(key.to_owned()), key_kind: None },
    }
}

pub fn service(store: Arc<dyn CloudStore>) -> BackupService {
    BackupService::new(store, Arc::new(SystemClock), ServiceConfig::new().insecure_test_kdf())
}

pub fn memory_session() -> (AppSession, Arc<MemoryStore>) {
    let store = Arc::new(MemoryStore::new());
    (AppSession::new(service(store.clone()), None), store)
}

pub struct Emu {
    pub handle: EmulatorHandle,
    pub endpoints: EmulatorEndpoints,
    http: reqwest::Client,
}

impl Emu {
    pub async fn start() -> Emu {
        let handle = Emulator::start(EmulatorConfig::default()).await.expect("emulator starts");
        let endpoints = emulator_endpoints_at(handle.base_url()).unwrap();
        Emu { handle, endpoints, http: reqwest::Client::new() }
    }

    pub async fn control(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{}", self.endpoints.control_base, path);
        let mut request = self.http.request(method, url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let value: Value = response.json().await.unwrap();
        assert!(status.is_success(), "control {path}: {status} {value}");
        value
    }

    pub async fn account(&self, id: &str) {
        self.control(reqwest::Method::POST, "/accounts", Some(json!({ "id": id }))).await;
    }

    pub async fn fault(&self, rule: Value) {
        self.control(reqwest::Method::POST, "/faults", Some(rule)).await;
    }

    pub async fn clear_faults(&self) {
        self.control(reqwest::Method::DELETE, "/faults", None).await;
    }

    pub async fn quota(&self, account: &str, provider: &str, limit: Option<u64>) {
        let body = json!({ "account": account, "provider": provider, "limit": limit });
        self.control(reqwest::Method::POST, "/quota", Some(body)).await;
    }

    /// A session for `account` as a debug build makes it: the emulator store signed in through
    /// `EmulatorTokenProvider` (tiny KDF parameters for speed).
    pub fn session(&self, account: &str, provider: CloudProvider) -> AppSession {
        let store = emulator_store(&self.endpoints, account, provider).unwrap();
        AppSession::new(service(store), Some(provider))
    }
}

/// Fails with the screen's name when it is not the expected one.
#[track_caller]
pub fn expect_name(screen: &Screen, name: &str) {
    assert_eq!(screen.name(), name, "unexpected screen: {screen:?}");
}

/// The `Debug` rendering of a screen never contains the given secrets.
#[track_caller]
pub fn assert_no_secrets(screen: &Screen, secrets: &[&str]) {
    let rendered = format!("{screen:?}");
    for secret in secrets {
        assert!(!rendered.contains(secret), "a secret leaked into {}", screen.name());
    }
}
