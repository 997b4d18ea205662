//! Responses no real provider (and so no emulator) sends, from a deliberately hostile HTTP
//! server on a loopback port: endless paging, oversized and endless bodies, downloads that
//! disagree with their metadata, malformed fields, an oversized token response. Every one must
//! end in a typed error, quickly, with bounded memory.

// Test code: helpers outside #[test] functions may panic on a broken expectation too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cairn_cloud::google_drive::{DriveConfig, GoogleDriveStore};
use cairn_cloud::google_oauth::{DesktopTokenProvider, GoogleOAuthConfig, RefreshToken};
use cairn_cloud::huawei_drive::HuaweiDriveStore;
use cairn_cloud::{
    CloudError, CloudStore, CorruptionDetail, HttpSettings, RetryPolicy, TokenError, TokenProvider,
};
use support::RecordingSleeper;
use support::emulator::static_tokens;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

enum Reply {
    Json(String),
    Bytes(Vec<u8>),
    /// A 200 without Content-Length that never ends.
    Endless,
}

type Handler = Arc<dyn Fn(&str, usize) -> Reply + Send + Sync>;

/// Serves `handler(request target, request number)` to every request, one per connection.
async fn hostile(handler: Handler) -> (Url, Arc<AtomicUsize>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { return };
            let handler = handler.clone();
            let n = counter.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut buf = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(read) => head.extend_from_slice(&buf[..read]),
                    }
                }
                let line = String::from_utf8_lossy(&head).lines().next().unwrap_or_default().to_owned();
                let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
                let (content_type, body) = match handler(&target, n) {
                    Reply::Json(text) => ("application/json", text.into_bytes()),
                    Reply::Bytes(bytes) => ("application/octet-stream", bytes),
                    Reply::Endless => {
                        let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n").await;
                        let chunk = vec![b' '; 64 * 1024];
                        while stream.write_all(&chunk).await.is_ok() {}
                        return;
                    }
                };
                let header = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(header.as_bytes()).await;
                let _ = stream.write_all(&body).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    (base, served)
}

fn drive(base: Url) -> GoogleDriveStore {
    let mut config = DriveConfig::new(base);
    config.http = HttpSettings {
        retry: RetryPolicy::standard().with_sleeper(Arc::new(RecordingSleeper::default())),
        ..HttpSettings::default()
    };
    GoogleDriveStore::new(config, static_tokens("t")).unwrap()
}

fn file(name: &str, size: &str) -> String {
    format!(
        r#"{{"id":"f-{name}","name":"{name}","size":"{size}","modifiedTime":"2026-01-02T03:04:05.678Z","version":"1"}}"#
    )
}

fn corrupted(detail: CorruptionDetail) -> CloudError {
    CloudError::CorruptedResponse { detail }
}

#[tokio::test]
async fn a_repeated_page_token_ends_the_listing() {
    let (base, served) =
        hostile(Arc::new(|_, _| Reply::Json(r#"{"files":[],"nextPageToken":"again"}"#.into()))).await;
    assert_eq!(drive(base).list().await.unwrap_err(), corrupted(CorruptionDetail::EndlessListing));
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn endless_fresh_page_tokens_stop_at_the_page_bound() {
    let (base, served) =
        hostile(Arc::new(|_, n| Reply::Json(format!(r#"{{"files":[],"nextPageToken":"t{n}"}}"#)))).await;
    assert_eq!(drive(base).list().await.unwrap_err(), corrupted(CorruptionDetail::EndlessListing));
    assert_eq!(served.load(Ordering::SeqCst), 1000);
}

#[tokio::test]
async fn too_many_objects_are_refused() {
    let (base, _) = hostile(Arc::new(|_, n| {
        let files: Vec<_> = (0..1000).map(|i| file(&format!("o{n}-{i}"), "1")).collect();
        Reply::Json(format!(r#"{{"files":[{}],"nextPageToken":"p{n}"}}"#, files.join(",")))
    }))
    .await;
    assert_eq!(drive(base).list().await.unwrap_err(), corrupted(CorruptionDetail::EndlessListing));
}

#[tokio::test]
async fn oversized_and_endless_bodies_are_cut_off() {
    let huge = Arc::new(format!(r#"{{"files":[],"padding":"{}"}}"#, "x".repeat(5 * 1024 * 1024)));
    let (base, _) = hostile(Arc::new(move |_, _| Reply::Json(huge.to_string()))).await;
    assert_eq!(drive(base).list().await.unwrap_err(), corrupted(CorruptionDetail::BodyTooLarge));

    let (base, _) = hostile(Arc::new(|_, _| Reply::Endless)).await;
    assert_eq!(drive(base).list().await.unwrap_err(), corrupted(CorruptionDetail::BodyTooLarge));
}

#[tokio::test]
async fn downloads_must_match_their_metadata() {
    // Listed as 10 bytes, served as 11.
    let (base, _) = hostile(Arc::new(|target, _| {
        if target.contains("alt=media") {
            Reply::Bytes(vec![7; 11])
        } else {
            Reply::Json(format!(r#"{{"files":[{}]}}"#, file("obj", "10")))
        }
    }))
    .await;
    assert_eq!(drive(base).get("obj").await.unwrap_err(), corrupted(CorruptionDetail::ContentMismatch));

    // Listed as small, served endlessly.
    let (base, _) = hostile(Arc::new(|target, _| {
        if target.contains("alt=media") {
            Reply::Endless
        } else {
            Reply::Json(format!(r#"{{"files":[{}]}}"#, file("obj", "10")))
        }
    }))
    .await;
    assert_eq!(drive(base).get("obj").await.unwrap_err(), corrupted(CorruptionDetail::BodyTooLarge));

    // Listed as larger than any object may be: refused before downloading.
    let (base, served) =
        hostile(Arc::new(|_, _| Reply::Json(format!(r#"{{"files":[{}]}}"#, file("obj", "999999999999")))))
            .await;
    assert_eq!(drive(base).get("obj").await.unwrap_err(), corrupted(CorruptionDetail::BodyTooLarge));
    assert_eq!(served.load(Ordering::SeqCst), 1, "no download attempted");
}

#[tokio::test]
async fn malformed_metadata_is_a_typed_error() {
    let cases = [
        (r#"not json"#.to_owned(), CorruptionDetail::MalformedJson),
        (r#"{"files":{"not":"a list"}}"#.to_owned(), CorruptionDetail::MalformedJson),
        (format!(r#"{{"files":[{}]}}"#, file("a", "twelve")), CorruptionDetail::BadField("size")),
        (format!(r#"{{"files":[{}]}}"#, file("a", "-1")), CorruptionDetail::BadField("size")),
        (r#"{"files":[{"name":"a","size":"1","modifiedTime":"2026-01-02T03:04:05Z"}]}"#.to_owned(), CorruptionDetail::MissingField("id")),
        (
            r#"{"files":[{"id":"x","name":"a","size":"1","modifiedTime":"yesterday"}]}"#.to_owned(),
            CorruptionDetail::BadField("modifiedTime"),
        ),
        (
            r#"{"files":[{"id":"x","name":"a","size":"1","modifiedTime":"2026-01-02T03:04:05Z","appProperties":{"k":1}}]}"#
                .to_owned(),
            CorruptionDetail::BadField("appProperties"),
        ),
        (
            r#"{"files":[{"id":"x","name":"a","size":"1","modifiedTime":"2026-01-02T03:04:05Z","sha256Checksum":"zz"}]}"#
                .to_owned(),
            CorruptionDetail::BadField("sha256Checksum"),
        ),
    ];
    for (body, detail) in cases {
        let body = Arc::new(body);
        let reply = body.clone();
        let (base, _) = hostile(Arc::new(move |_, _| Reply::Json(reply.to_string()))).await;
        assert_eq!(drive(base).list().await.unwrap_err(), corrupted(detail), "{body}");
    }
    // Huawei's dialect is held to the same standard.
    let (base, _) =
        hostile(Arc::new(|_, _| Reply::Json(r#"{"files":[{"id":"x","fileName":"a","size":1}]}"#.into())))
            .await;
    let store = HuaweiDriveStore::new(DriveConfig::new(base), static_tokens("t")).unwrap();
    assert_eq!(store.list().await.unwrap_err(), corrupted(CorruptionDetail::MissingField("editedTime")));
}

#[tokio::test]
async fn an_oversized_token_response_is_refused() {
    let huge = Arc::new(format!(r#"{{"access_token":"{}","token_type":"Bearer"}}"#, "a".repeat(1024 * 1024)));
    let (base, _) = hostile(Arc::new(move |_, _| Reply::Json(huge.to_string()))).await;
    let config = GoogleOAuthConfig::with_endpoints(
        "id".into(),
        None,
        base.join("auth").unwrap(),
        base.join("token").unwrap(),
    );
    let provider = DesktopTokenProvider::new(&config, RefreshToken::new("r".into())).unwrap();
    assert_eq!(provider.access_token().await.unwrap_err(), TokenError::Network);
}
