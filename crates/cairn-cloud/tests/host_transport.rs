//! The REST adapters over a host-supplied `HttpTransport` (what the mobile library does with
//! OkHttp / URLSession), against the real emulator. The "host" here forwards to the bundled
//! reqwest transport and can misbehave the ways a buggy host client might: a status outside
//! HTTP's range, a body longer than it was allowed to return, a transport failure. Each must
//! end in a typed error, decided by Rust, never a panic.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cairn_cloud::google_drive::GoogleDriveStore;
use cairn_cloud::huawei_drive::HuaweiDriveStore;
use cairn_cloud::{
    CloudError, CloudStore, CorruptionDetail, HttpRequest, HttpResponse, HttpTransport, NetworkErrorKind,
    ReqwestTransport, TransportError,
};
use support::RecordingSleeper;
use support::contract::{contract, props};
use support::emulator::{Emu, static_tokens};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Misbehaviour {
    None,
    Status(u16),
    /// Pads every body to one byte past the request's `max_response_bytes`.
    OversizedBody,
    Fail(TransportError),
}

/// A host transport: forwards to reqwest, records what it was asked, misbehaves on demand.
struct Host {
    inner: ReqwestTransport,
    misbehaviour: Mutex<Misbehaviour>,
    seen: Mutex<Vec<HttpRequest>>,
}

impl Host {
    fn new() -> Arc<Host> {
        Arc::new(Host {
            inner: ReqwestTransport::new(Duration::from_secs(5)).unwrap(),
            misbehaviour: Mutex::new(Misbehaviour::None),
            seen: Mutex::new(Vec::new()),
        })
    }

    fn misbehave(&self, how: Misbehaviour) {
        *self.misbehaviour.lock().unwrap() = how;
        self.seen.lock().unwrap().clear();
    }

    fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

#[async_trait]
impl HttpTransport for Host {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.seen.lock().unwrap().push(request.clone());
        let how = *self.misbehaviour.lock().unwrap();
        if let Misbehaviour::Fail(error) = how {
            return Err(error);
        }
        let limit = request.max_response_bytes;
        let mut response = self.inner.send(request).await?;
        match how {
            Misbehaviour::Status(status) => response.status = status,
            Misbehaviour::OversizedBody => response.body.resize(usize::try_from(limit).unwrap() + 1, b' '),
            _ => {}
        }
        Ok(response)
    }
}

struct Setup {
    emu: Emu,
    host: Arc<Host>,
    store: GoogleDriveStore,
    sleeper: Arc<RecordingSleeper>,
}

async fn setup() -> Setup {
    let emu = Emu::start().await;
    let account = emu.create_account("alice").await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let host = Host::new();
    let config = emu.drive_config(1000, sleeper.clone());
    let store = GoogleDriveStore::with_transport(config, static_tokens(&account.google_access), host.clone());
    Setup { emu, host, store, sleeper }
}

#[tokio::test]
async fn the_store_contract_holds_over_a_host_transport() {
    let Setup { emu: _emu, host, store, .. } = setup().await;
    contract(&store).await;
    let seen = host.seen.lock().unwrap().clone();
    assert!(seen.len() > 10, "every request goes through the host: {}", seen.len());
    for request in &seen {
        let auth = request.headers.iter().find(|(name, _)| name.eq_ignore_ascii_case("authorization"));
        assert!(auth.is_some_and(|(_, value)| value.starts_with("Bearer ")), "{request:?}");
        // The request timeout and a response bound are handed down with every request.
        assert_eq!(request.timeout, Duration::from_secs(60));
        assert!(request.max_response_bytes >= 64 * 1024 && request.max_response_bytes <= 4 * 1024 * 1024);
    }
    assert!(seen.iter().any(|r| r.method == cairn_cloud::HttpMethod::Patch), "updates are PATCH");
}

#[tokio::test]
async fn huawei_works_over_a_host_transport() {
    let emu = Emu::start().await;
    let account = emu.create_account("bob").await;
    let host = Host::new();
    let config = emu.drive_config(100, Arc::new(RecordingSleeper::default()));
    let store = HuaweiDriveStore::with_transport(config, static_tokens(&account.huawei_access), host.clone());
    store.put("wallet-1.bin", b"ciphertext", &props(&[("k", "v")])).await.unwrap();
    assert_eq!(store.get("wallet-1.bin").await.unwrap().bytes, b"ciphertext");
    assert!(host.requests() >= 3);
}

#[tokio::test]
async fn a_status_outside_http_is_a_typed_error_and_not_retried() {
    let Setup { emu: _emu, host, store, sleeper } = setup().await;
    for status in [0, 99, 600, 999, u16::MAX] {
        host.misbehave(Misbehaviour::Status(status));
        let error = store.list().await.unwrap_err();
        assert_eq!(
            error,
            CloudError::Unexpected {
                status: Some(status),
                provider_reason: Some("invalid_http_status".into())
            }
        );
        assert!(!error.is_retryable());
        assert_eq!(host.requests(), 1, "status {status}");
    }
    assert!(sleeper.delays().is_empty());
}

#[tokio::test]
async fn a_body_longer_than_allowed_is_refused_by_rust() {
    let Setup { emu: _emu, host, store, .. } = setup().await;
    store.put("wallet-1.bin", b"ciphertext", &props(&[])).await.unwrap();
    host.misbehave(Misbehaviour::OversizedBody);
    assert_eq!(
        store.list().await.unwrap_err(),
        CloudError::CorruptedResponse { detail: CorruptionDetail::BodyTooLarge }
    );
    assert_eq!(
        store.get("wallet-1.bin").await.unwrap_err(),
        CloudError::CorruptedResponse { detail: CorruptionDetail::BodyTooLarge }
    );
}

#[tokio::test]
async fn host_failures_map_to_network_errors_and_are_retried_within_the_bound() {
    let Setup { emu, host, store, sleeper } = setup().await;
    for (failure, kind) in [
        (TransportError::Timeout, NetworkErrorKind::Timeout),
        (TransportError::Connect, NetworkErrorKind::Connect),
        (TransportError::Offline, NetworkErrorKind::Offline),
        (TransportError::Interrupted, NetworkErrorKind::Interrupted),
    ] {
        host.misbehave(Misbehaviour::Fail(failure));
        assert_eq!(store.quota().await.unwrap_err(), CloudError::Network { kind });
        assert_eq!(host.requests(), 5, "{failure:?}: the standard bound is 5 attempts");
    }
    assert!(!sleeper.delays().is_empty());
    host.misbehave(Misbehaviour::Fail(TransportError::InvalidRequest));
    assert!(matches!(store.quota().await.unwrap_err(), CloudError::Unexpected { status: None, .. }));
    assert_eq!(host.requests(), 1);
    // Once the host recovers, one request does it.
    emu.clear_log().await;
    host.misbehave(Misbehaviour::None);
    store.quota().await.unwrap();
    assert_eq!(emu.count("GET", "/drive/v3/about").await, 1);
}
