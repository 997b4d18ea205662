//! The accept loop and the per-request wrapper around the route table. The wrapper is where
//! fault rules act (a dropped connection needs the service to fail, which axum's own `serve`
//! cannot express) and where the request log is written.

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Request, Response, header};
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower_service::Service;

use crate::clock::format_rfc3339;
use crate::http::{LoggedAccount, Personality, Shared, bearer_of, not_found, parse_query, route};
use crate::requestlog::{LogEntry, redact_query};
use crate::{control, drive, huawei, oauth};

/// The route table.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    use Personality::{Control, Google, Huawei, OAuth};
    Router::new()
        // Google Drive v3
        .route("/drive/v3/files", route(Google, drive::files_root))
        .route("/drive/v3/files/{id}", route(Google, drive::file_item))
        .route("/drive/v3/files/{id}/permissions", route(Google, drive::permissions))
        .route("/drive/v3/files/{id}/permissions/{pid}", route(Google, drive::permissions))
        .route("/drive/v3/about", route(Google, drive::about))
        .route("/upload/drive/v3/files", route(Google, drive::upload_root))
        .route("/upload/drive/v3/files/{id}", route(Google, drive::upload_item))
        // Google OAuth
        .route("/o/oauth2/v2/auth", route(OAuth, oauth::authorize))
        .route("/o/oauth2/auth", route(OAuth, oauth::authorize))
        .route("/token", route(OAuth, oauth::token))
        .route("/revoke", route(OAuth, oauth::revoke))
        // Huawei Drive Kit v1
        .route("/drive/v1/files", route(Huawei, huawei::files_root))
        .route("/drive/v1/files/{id}", route(Huawei, huawei::file_item))
        .route("/drive/v1/about", route(Huawei, huawei::about))
        .route("/upload/drive/v1/files", route(Huawei, huawei::upload_root))
        .route("/upload/drive/v1/files/{id}", route(Huawei, huawei::upload_item))
        .route("/upload/drive/v1/{server}/files", route(Huawei, huawei::session))
        // Control API
        .route("/__control/health", route(Control, control::health))
        .route("/__control/accounts", route(Control, control::accounts))
        .route("/__control/accounts/{id}", route(Control, control::account_item))
        .route("/__control/accounts/{id}/{action}", route(Control, control::account_item))
        .route("/__control/quota", route(Control, control::quota))
        .route("/__control/clients", route(Control, control::clients))
        .route("/__control/faults", route(Control, control::faults))
        .route("/__control/faults/{id}", route(Control, control::fault_item))
        .route("/__control/requests", route(Control, control::requests))
        .route("/__control/reset", route(Control, control::reset))
        .route("/__control/clock", route(Control, control::clock))
        .route("/__control/settings", route(Control, control::settings))
        .fallback(not_found)
        .with_state(shared)
}

/// A response body that sends a prefix and then fails, so the peer sees a cut-off message.
/// It pauses briefly between the two so the head and prefix are flushed before the abort.
struct TruncatedBody {
    prefix: Option<Bytes>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl TruncatedBody {
    fn new(prefix: Bytes) -> Self {
        Self { prefix: Some(prefix), pause: Some(Box::pin(tokio::time::sleep(Duration::from_millis(50)))) }
    }
}

impl http_body::Body for TruncatedBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = self.get_mut();
        if let Some(b) = this.prefix.take().filter(|b| !b.is_empty()) {
            return Poll::Ready(Some(Ok(Frame::data(b))));
        }
        if let Some(pause) = this.pause.as_mut() {
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            this.pause = None;
        }
        Poll::Ready(Some(Err(io::Error::new(io::ErrorKind::ConnectionAborted, "truncated by a fault rule"))))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

/// Who a request is for, before routing (for account-scoped fault rules and the log).
fn resolve_account(shared: &Shared, req: &Request<Incoming>, query: &[(String, String)]) -> Option<String> {
    let st = shared.state();
    let token = bearer_of(req.headers()).or_else(|| {
        query.iter().find(|(k, _)| k == "access_token" || k == "oauth_token").map(|(_, v)| v.as_str())
    });
    if let Some(account) = token.and_then(|t| st.account_of_token(t)) {
        return Some(account);
    }
    let upload = query.iter().find(|(k, _)| k == "upload_id" || k == "uploadId").map(|(_, v)| v.as_str())?;
    st.uploads.get(upload).map(|u| u.space.account.clone())
}

/// Flips bytes at the start, middle and end so the body no longer parses or hashes the same.
fn corrupt(bytes: &Bytes) -> Bytes {
    let mut v = bytes.to_vec();
    let n = v.len();
    for i in [0, n / 2, n.saturating_sub(1)] {
        if let Some(b) = v.get_mut(i) {
            *b ^= 0xA5;
        }
    }
    Bytes::from(v)
}

async fn handle(
    shared: Arc<Shared>,
    mut router: Router,
    req: Request<Incoming>,
) -> Result<Response<Body>, io::Error> {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let path = req.uri().path().to_owned();
    let query = parse_query(req.uri().query());
    let is_control = path.starts_with("/__control");
    let account = if is_control { None } else { resolve_account(&shared, &req, &query) };
    let action = if is_control { None } else { shared.faults().take(&method, &path, account.as_deref()) };
    let mut outcome = "ok";
    let finish = |status: Option<u16>, account: Option<String>, outcome: &'static str, rule: Option<u64>| {
        let time = format_rfc3339(shared.state().now_ms());
        if shared.verbose {
            let status_text = status.map_or_else(|| "dropped".to_owned(), |s| s.to_string());
            eprintln!(
                "[cairn-emulator] {method} {path} -> {status_text} ({outcome}) account={}",
                account.as_deref().unwrap_or("-")
            );
        }
        shared.log().push(LogEntry {
            seq: 0,
            time,
            method: method.clone(),
            path: path.clone(),
            query: redact_query(&query),
            status,
            account,
            outcome,
            fault_rule: rule,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
    };
    if let Some(a) = &action {
        if a.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(a.delay_ms)).await;
            outcome = "delayed";
        }
        if a.drop_connection {
            finish(None, account, "dropped", Some(a.rule_id));
            return Err(io::Error::new(io::ErrorKind::ConnectionAborted, "dropped by a fault rule"));
        }
    }
    let mut resp = match action.as_ref().and_then(|a| a.error.clone()) {
        Some(err) => {
            outcome = "fault";
            err.into_response(true)
        }
        None => {
            let req = req.map(Body::new);
            let ready: Result<(), Infallible> =
                std::future::poll_fn(|cx| Service::<Request<Body>>::poll_ready(&mut router, cx)).await;
            match ready {
                Ok(()) => match router.call(req).await {
                    Ok(r) => r,
                    Err(never) => match never {},
                },
                Err(never) => match never {},
            }
        }
    };
    let logged_account = resp.extensions().get::<LoggedAccount>().map(|a| a.0.clone()).or(account);
    let status = resp.status().as_u16();
    if let Some(a) = &action
        && (a.corrupt_body || a.truncate_at.is_some())
    {
        let (mut parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
        let len = bytes.len();
        if a.corrupt_body {
            outcome = "corrupted";
            resp = Response::from_parts(parts, Body::from(corrupt(&bytes)));
        } else {
            outcome = "truncated";
            let cut = a
                .truncate_at
                .flatten()
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(len / 2)
                .min(len.saturating_sub(1));
            parts.headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            resp = Response::from_parts(parts, Body::new(TruncatedBody::new(bytes.slice(..cut))));
        }
    }
    finish(Some(status), logged_account, outcome, action.as_ref().map(|a| a.rule_id));
    Ok(resp)
}

/// Accepts connections until `shutdown` flips, then aborts the open ones.
pub(crate) async fn serve(listener: TcpListener, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let router = router(shared.clone());
    let max_connections = shared.state().limits.max_connections;
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        tokio::select! {
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    break;
                }
            }
            accepted = listener.accept() => {
                let Ok((stream, _peer)) = accepted else {
                    // Accept errors (e.g. out of file descriptors) are transient; back off.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                if connections.len() >= max_connections {
                    drop(stream);
                    continue;
                }
                let shared = shared.clone();
                let router = router.clone();
                connections.spawn(async move {
                    let service = hyper::service::service_fn(move |req| handle(shared.clone(), router.clone(), req));
                    let mut builder = hyper::server::conn::http1::Builder::new();
                    builder.timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(30)).keep_alive(true);
                    // Connection errors (client went away, dropped by a fault rule) end the task.
                    let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                });
            }
        }
    }
    connections.abort_all();
    while connections.join_next().await.is_some() {}
}
