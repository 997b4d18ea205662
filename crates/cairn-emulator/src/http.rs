//! What every handler shares: the emulator's shared state, the request as read (body already
//! collected under the size cap), and small helpers for parameters and headers.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use bytes::Bytes;
use tokio::sync::Notify;

use crate::errors::{ApiError, ControlError, GoogleError, HttpResponse, HuaweiError, OAuthError};
use crate::faults::FaultBook;
use crate::requestlog::RequestLog;
use crate::state::State as EmuState;

/// The account a response acted for, attached by handlers for the request log.
#[derive(Debug, Clone)]
pub(crate) struct LoggedAccount(pub String);

/// Shared by every connection.
pub(crate) struct Shared {
    pub state: Mutex<EmuState>,
    pub faults: Mutex<FaultBook>,
    pub log: Mutex<RequestLog>,
    pub dirty: AtomicBool,
    pub dirty_notify: Notify,
    pub persistent: bool,
    pub public_base_url: Option<String>,
    pub local_addr: SocketAddr,
    pub verbose: bool,
    pub max_request_bytes: u64,
    pub body_read_timeout: std::time::Duration,
}

fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock cannot leave these structures half-updated in a way that
    // matters more than stopping service would, so a poisoned lock is simply reused.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn state(&self) -> MutexGuard<'_, EmuState> {
        relock(&self.state)
    }

    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultBook> {
        relock(&self.faults)
    }

    pub(crate) fn log(&self) -> MutexGuard<'_, RequestLog> {
        relock(&self.log)
    }

    /// Asks the persistence task (if any) to write a snapshot soon.
    pub(crate) fn mark_dirty(&self) {
        if self.persistent {
            self.dirty.store(true, Ordering::Release);
            self.dirty_notify.notify_one();
        }
    }

    /// The base URL to hand back in `Location` headers.
    fn base_url_for(&self, headers: &HeaderMap) -> String {
        if let Some(url) = &self.public_base_url {
            return url.trim_end_matches('/').to_owned();
        }
        let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).filter(|h| {
            !h.is_empty()
                && h.len() <= 255
                && h.bytes().all(|c| c.is_ascii_alphanumeric() || b".-:[]_".contains(&c))
        });
        match host {
            Some(h) => format!("http://{h}"),
            None => format!("http://{}", self.local_addr),
        }
    }
}

/// Which wire shape errors take on a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Personality {
    Google,
    Huawei,
    OAuth,
    Control,
}

impl Personality {
    /// Picks the personality from the path (used for faults and unrouted requests too).
    pub(crate) fn of_path(path: &str) -> Self {
        if path.starts_with("/__control") {
            Self::Control
        } else if path.starts_with("/drive/v1") || path.starts_with("/upload/drive/v1") {
            Self::Huawei
        } else if path == "/token" || path == "/revoke" || path.starts_with("/o/oauth2") {
            Self::OAuth
        } else {
            Self::Google
        }
    }

    fn timed_out(self) -> ApiError {
        match self {
            Self::Google => {
                GoogleError::new(408, "requestTimeout", "The request body did not arrive in time.").into()
            }
            Self::Huawei => {
                HuaweiError::code(5006).with_description("The request body did not arrive in time.").into()
            }
            Self::OAuth => OAuthError::invalid_request("The request body did not arrive in time.").into(),
            Self::Control => ControlError::new(408, "the request body did not arrive in time").into(),
        }
    }

    fn too_large(self, limit: u64) -> ApiError {
        match self {
            Self::Google => GoogleError::upload_too_large(limit).into(),
            Self::Huawei => HuaweiError::code(4008)
                .with_description(format!("The request body exceeds this emulator's limit of {limit} bytes."))
                .into(),
            Self::OAuth => OAuthError::invalid_request("Request body too large.").into(),
            Self::Control => ControlError::new(413, format!("request body exceeds {limit} bytes")).into(),
        }
    }
}

/// A request whose body has been read.
pub(crate) struct Req {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub pretty: bool,
    pub base_url: String,
}

const MAX_QUERY_PAIRS: usize = 64;

impl Req {
    /// First value of a query parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The bearer token from `Authorization` (or the `access_token` / `oauth_token` parameter).
    pub(crate) fn bearer(&self) -> Option<&str> {
        bearer_of(&self.headers).or_else(|| self.param("access_token")).or_else(|| self.param("oauth_token"))
    }

    /// The last path segment after `prefix`, percent-decoded.
    pub(crate) fn tail(&self, prefix: &str) -> String {
        percent_decode(self.path.strip_prefix(prefix).unwrap_or(""))
    }
}

/// `Authorization: Bearer <token>` (scheme case-insensitive).
pub(crate) fn bearer_of(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Lenient percent-decoding (invalid escapes stay as they are; invalid UTF-8 is replaced).
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%'
            && let (Some(h), Some(l)) = (b.get(i + 1).and_then(hex_val), b.get(i + 2).and_then(hex_val))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_val(c: &u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

pub(crate) fn parse_query(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .take(MAX_QUERY_PAIRS)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// Reads the body (bounded) and runs a synchronous handler, rendering its error in the
/// route's personality. Mutating methods mark the state dirty for persistence.
pub(crate) async fn run<F>(
    shared: Arc<Shared>,
    request: Request,
    personality: Personality,
    handler: F,
) -> HttpResponse
where
    F: FnOnce(&Shared, Req) -> Result<HttpResponse, ApiError>,
{
    let (parts, body) = request.into_parts();
    let query = parse_query(parts.uri.query());
    let pretty = !query.iter().any(|(k, v)| k == "prettyPrint" && v == "false");
    let limit = shared.max_request_bytes;
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit) {
        return personality.too_large(limit).into_response(pretty);
    }
    let read = axum::body::to_bytes(Body::new(body), usize::try_from(limit).unwrap_or(usize::MAX));
    let body = match tokio::time::timeout(shared.body_read_timeout, read).await {
        Ok(Ok(b)) => b,
        Ok(Err(_)) => return personality.too_large(limit).into_response(pretty),
        Err(_) => return personality.timed_out().into_response(pretty),
    };
    let mutating = parts.method != Method::GET && parts.method != Method::HEAD;
    let req = Req {
        base_url: shared.base_url_for(&parts.headers),
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query,
        headers: parts.headers,
        body,
        pretty,
    };
    let result = handler(&shared, req);
    if mutating {
        shared.mark_dirty();
    }
    match result {
        Ok(resp) => resp,
        Err(e) => e.into_response(pretty),
    }
}

/// Axum handler shape used by the route table.
pub(crate) type Handler = fn(&Shared, Req) -> Result<HttpResponse, ApiError>;

/// A route serving every method with one handler in one personality.
pub(crate) fn route(personality: Personality, handler: Handler) -> axum::routing::MethodRouter<Arc<Shared>> {
    axum::routing::any(move |State(shared): State<Arc<Shared>>, request: Request| {
        run(shared, request, personality, handler)
    })
}

/// The answer for paths no personality serves (Google's front end answers a bare 404 too).
pub(crate) async fn not_found(request: Request) -> HttpResponse {
    let personality = Personality::of_path(request.uri().path());
    let mut resp = match personality {
        Personality::Huawei => ApiError::from(HuaweiError::code(4005)).into_response(true),
        Personality::Control => {
            ApiError::from(ControlError::not_found("no such control endpoint")).into_response(true)
        }
        _ => {
            let mut r = HttpResponse::new(Body::from("Not Found"));
            r.headers_mut()
                .insert(header::CONTENT_TYPE, header::HeaderValue::from_static("text/html; charset=UTF-8"));
            r
        }
    };
    if personality != Personality::Huawei {
        *resp.status_mut() = StatusCode::NOT_FOUND;
    }
    resp
}

/// A 405-style answer in the route's personality for a method the route does not serve.
pub(crate) fn method_not_allowed(personality: Personality) -> ApiError {
    match personality {
        Personality::Google => GoogleError::new(404, "notFound", "Not Found").into(),
        Personality::Huawei => HuaweiError::code(4005).into(),
        Personality::OAuth => OAuthError::invalid_request("Method not allowed.").into(),
        Personality::Control => ControlError::new(405, "method not allowed").into(),
    }
}

/// An empty response with a status.
pub(crate) fn empty(status: StatusCode) -> HttpResponse {
    let mut r = HttpResponse::new(Body::empty());
    *r.status_mut() = status;
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_and_parses() {
        assert_eq!(percent_decode("a%20b%zz%4"), "a b%zz%4");
        let q = parse_query(Some("q=name%3D'x'+and+trashed%3Dfalse&fields=files(id)"));
        assert_eq!(q[0].1, "name='x' and trashed=false");
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, "bearer  tok ".parse().unwrap());
        assert_eq!(bearer_of(&h), Some("tok"));
        h.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer_of(&h), None);
    }
}
