//! How the REST adapters reach the network: one small trait, [`HttpTransport`], so the HTTP
//! stack is chosen by whoever builds the store. On phones it is the host's (OkHttp,
//! URLSession: the system trust store, user and enterprise CAs, proxies, VPNs, Android's
//! network-security-config, iOS App Transport Security), so the mobile library ships no TLS
//! (ADR 0007). Desktop builds (CLI, emulator, tests, the N-API module) use reqwest through the
//! `bundled-http` feature.
//!
//! A transport only moves bytes. Everything that decides what a response means stays in Rust
//! and is applied to whatever the transport returns: body bounds (re-checked), status
//! validation and classification, retries and `Retry-After`, the single-flight token refresh.

use std::fmt;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use async_trait::async_trait;
use url::Url;

use crate::error::{CloudError, CorruptionDetail, NetworkErrorKind, ProviderUnavailableReason};

/// The methods the adapters use. (Drive and Huawei updates are `PATCH`, which rules out
/// transports that cannot send it, such as Android's `HttpURLConnection`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`
    Get,
    /// `POST`
    Post,
    /// `PATCH`
    Patch,
    /// `DELETE`
    Delete,
}

impl HttpMethod {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }
}

/// One request. Its `Debug` shows the method, the URL without its query, header names and the
/// body length: never the `Authorization` value or the body.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// The method.
    pub method: HttpMethod,
    /// Absolute `http`/`https` URL.
    pub url: Url,
    /// Header name/value pairs, in order (names as sent, compare case-insensitively).
    pub headers: Vec<(String, String)>,
    /// The body; empty for none.
    pub body: Vec<u8>,
    /// Time allowed for the whole exchange, response body included.
    pub timeout: Duration,
    /// The transport must not hand back a body longer than this: it fails with
    /// [`TransportError::BodyTooLarge`] (or, for a non-2xx status, may cut the body here).
    /// Rust checks the length again.
    pub max_response_bytes: u64,
}

impl HttpRequest {
    /// A request without headers or body, with a 60 s timeout and a 64 KiB response bound.
    pub fn new(method: HttpMethod, url: Url) -> Self {
        HttpRequest {
            method,
            url,
            headers: Vec::new(),
            body: Vec::new(),
            timeout: Duration::from_secs(60),
            max_response_bytes: 64 * 1024,
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Sets the body and its content type.
    pub fn body(mut self, content_type: &str, body: Vec<u8>) -> Self {
        self.body = body;
        self.header("Content-Type", content_type)
    }
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The query carries object names and page tokens: left out like the header values.
        let mut url = self.url.clone();
        url.set_query(None);
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &url.as_str())
            .field("header_names", &names)
            .field("body_bytes", &self.body.len())
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

/// One complete response, as the transport received it (any status, redirects followed).
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The status code as received; Rust refuses values outside 100–599.
    pub status: u16,
    /// Header name/value pairs.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)).map(|(_, value)| value.as_str())
    }

    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(name, _)| name.as_str()).collect();
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("header_names", &names)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// Why a transport produced no response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TransportError {
    /// The exchange did not complete within the request's timeout.
    #[error("the HTTP request timed out")]
    Timeout,
    /// No connection (DNS, refused, TLS handshake or certificate failure).
    #[error("could not connect")]
    Connect,
    /// The device reports that it is offline.
    #[error("the device is offline")]
    Offline,
    /// The connection broke mid-exchange, or the transport failed in another way.
    #[error("the HTTP exchange was interrupted")]
    Interrupted,
    /// The response body exceeded the request's `max_response_bytes`.
    #[error("the response body is too large")]
    BodyTooLarge,
    /// The transport could not express the request (a header or URL it refuses).
    #[error("the transport refused the request")]
    InvalidRequest,
    /// No HTTP transport is installed (mobile: the app did not install its HTTP client).
    #[error("no HTTP client is installed")]
    NotInstalled,
}

/// The one place a transport failure becomes a [`CloudError`].
impl From<TransportError> for CloudError {
    fn from(error: TransportError) -> Self {
        match error {
            TransportError::Timeout => CloudError::network(NetworkErrorKind::Timeout),
            TransportError::Connect => CloudError::network(NetworkErrorKind::Connect),
            TransportError::Offline => CloudError::network(NetworkErrorKind::Offline),
            TransportError::Interrupted => CloudError::network(NetworkErrorKind::Interrupted),
            TransportError::BodyTooLarge => CloudError::corrupted(CorruptionDetail::BodyTooLarge),
            TransportError::InvalidRequest => CloudError::unexpected(None, Some("http_request_refused")),
            // A developer configuration problem, not something the user can fix.
            TransportError::NotInstalled => {
                CloudError::unavailable(ProviderUnavailableReason::AppNotConfigured)
            }
        }
    }
}

/// Sends one HTTP request. Implementations follow redirects (a handful at most), apply the
/// request's timeout, and stop reading at `max_response_bytes`.
#[async_trait]
pub trait HttpTransport: Send + Sync {
    /// Sends `request` and returns the complete response, whatever its status.
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError>;
}

static INSTALLED: RwLock<Option<Arc<dyn HttpTransport>>> = RwLock::new(None);

/// Installs the process-wide transport (on phones, the host's HTTP client, once at app start).
/// Replaces an earlier one; stores already built keep the transport they were built with.
pub fn install_http_transport(transport: Arc<dyn HttpTransport>) {
    let mut slot = INSTALLED.write().unwrap_or_else(std::sync::PoisonError::into_inner);
    *slot = Some(transport);
}

/// The transport installed with [`install_http_transport`], if any.
pub fn installed_http_transport() -> Option<Arc<dyn HttpTransport>> {
    INSTALLED.read().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
}

/// The installed transport, else (with `bundled-http`) a shared reqwest one, else
/// [`TransportError::NotInstalled`].
pub fn http_transport() -> Result<Arc<dyn HttpTransport>, TransportError> {
    if let Some(installed) = installed_http_transport() {
        return Ok(installed);
    }
    bundled_default()
}

#[cfg(feature = "bundled-http")]
fn bundled_default() -> Result<Arc<dyn HttpTransport>, TransportError> {
    static SHARED: std::sync::OnceLock<Arc<dyn HttpTransport>> = std::sync::OnceLock::new();
    if let Some(shared) = SHARED.get() {
        return Ok(shared.clone());
    }
    let transport = crate::reqwest_transport::ReqwestTransport::new(Duration::from_secs(10))
        .map_err(|_| TransportError::Connect)?;
    Ok(SHARED.get_or_init(|| Arc::new(transport)).clone())
}

#[cfg(not(feature = "bundled-http"))]
fn bundled_default() -> Result<Arc<dyn HttpTransport>, TransportError> {
    Err(TransportError::NotInstalled)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token_body_or_query() {
        let url = Url::parse("https://example.com/files?pageToken=page-secret").unwrap();
        let request = HttpRequest::new(HttpMethod::Patch, url)
            .header("Authorization", "Bearer token-secret")
            .body("application/json", b"body-secret".to_vec());
        let shown = format!("{request:?}");
        for secret in ["token-secret", "body-secret", "page-secret", "Bearer"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("Authorization") && shown.contains("Patch") && shown.contains("/files"));
        let response = HttpResponse { status: 200, headers: vec![], body: b"reply-secret".to_vec() };
        assert!(!format!("{response:?}").contains("reply-secret"));
    }

    #[test]
    fn headers_are_found_case_insensitively() {
        let response = HttpResponse {
            status: 429,
            headers: vec![("retry-after".into(), "7".into()), ("Retry-After".into(), "9".into())],
            body: vec![],
        };
        assert_eq!(response.header("RETRY-AFTER"), Some("7"));
        assert_eq!(response.header("x-missing"), None);
        assert!(!response.is_success());
    }

    #[test]
    fn every_transport_error_maps_to_a_typed_cloud_error() {
        use TransportError as T;
        let net = |kind| CloudError::network(kind);
        assert_eq!(CloudError::from(T::Timeout), net(NetworkErrorKind::Timeout));
        assert_eq!(CloudError::from(T::Connect), net(NetworkErrorKind::Connect));
        assert_eq!(CloudError::from(T::Offline), net(NetworkErrorKind::Offline));
        assert_eq!(CloudError::from(T::Interrupted), net(NetworkErrorKind::Interrupted));
        assert_eq!(CloudError::from(T::BodyTooLarge), CloudError::corrupted(CorruptionDetail::BodyTooLarge));
        assert!(!CloudError::from(T::InvalidRequest).is_retryable());
        assert_eq!(
            CloudError::from(T::NotInstalled),
            CloudError::unavailable(ProviderUnavailableReason::AppNotConfigured)
        );
    }
}
