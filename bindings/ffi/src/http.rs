//! The host's HTTP client (OkHttp, URLSession), installed once with `set_http_client`: the
//! mobile library ships no HTTP or TLS stack of its own (ADR 0007). Plumbing only: bounds,
//! retries, status handling and token refresh stay in `cairn-cloud`.

use std::fmt;
use std::sync::Arc;

use cairn_cloud::{HttpMethod as CoreMethod, HttpTransport, TransportError};

use crate::error::CairnError;

/// The HTTP methods Cairn sends (Drive and Huawei updates are `PATCH`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HttpMethod {
    Get,
    Post,
    Patch,
    Delete,
}

impl From<CoreMethod> for HttpMethod {
    fn from(method: CoreMethod) -> Self {
        match method {
            CoreMethod::Get => Self::Get,
            CoreMethod::Post => Self::Post,
            CoreMethod::Patch => Self::Patch,
            CoreMethod::Delete => Self::Delete,
        }
    }
}

/// One header.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

impl fmt::Debug for HttpHeader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpHeader").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A request for the host to send. An object rather than a record so no generated
/// `toString`/`description` can print the `Authorization` header or the body.
#[derive(uniffi::Object)]
pub struct HttpRequest {
    inner: cairn_cloud::HttpRequest,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // cairn-cloud's Debug shows no header value, query or body.
        self.inner.fmt(f)
    }
}

#[uniffi::export]
impl HttpRequest {
    pub fn method(&self) -> HttpMethod {
        self.inner.method.into()
    }

    /// Absolute `https` URL (`http` only for a local emulator).
    pub fn url(&self) -> String {
        self.inner.url.as_str().to_owned()
    }

    /// Headers to send, `Authorization` included.
    pub fn headers(&self) -> Vec<HttpHeader> {
        let headers = self.inner.headers.iter();
        headers.map(|(name, value)| HttpHeader { name: name.clone(), value: value.clone() }).collect()
    }

    /// The body (empty for none).
    pub fn body(&self) -> Vec<u8> {
        self.inner.body.clone()
    }

    /// Time allowed for the whole exchange, response body included.
    pub fn timeout_ms(&self) -> u64 {
        u64::try_from(self.inner.timeout.as_millis()).unwrap_or(u64::MAX)
    }

    /// Stop reading and fail with `HttpError.BodyTooLarge` past this many body bytes.
    pub fn max_response_bytes(&self) -> u64 {
        self.inner.max_response_bytes
    }
}

/// The host's answer: any status, redirects already followed.
#[derive(Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<HttpHeader>,
    pub body: Vec<u8>,
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// Why the host produced no response (`HttpException` in Kotlin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum HttpError {
    #[error("the request timed out")]
    Timeout,
    /// DNS, refused connection, TLS handshake or certificate failure.
    #[error("could not connect")]
    Connect,
    #[error("the device is offline")]
    Offline,
    /// The connection broke, or any other I/O failure.
    #[error("the exchange was interrupted")]
    Interrupted,
    /// The body was longer than `max_response_bytes`.
    #[error("the response body is too large")]
    BodyTooLarge,
    /// The client could not express the request.
    #[error("the request was refused by the HTTP client")]
    InvalidRequest,
}

/// An exception the host did not declare: a failed exchange, retried like a dropped connection.
impl From<uniffi::UnexpectedUniFFICallbackError> for HttpError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        HttpError::Interrupted
    }
}

impl From<HttpError> for TransportError {
    fn from(error: HttpError) -> Self {
        match error {
            HttpError::Timeout => Self::Timeout,
            HttpError::Connect => Self::Connect,
            HttpError::Offline => Self::Offline,
            HttpError::Interrupted => Self::Interrupted,
            HttpError::BodyTooLarge => Self::BodyTooLarge,
            HttpError::InvalidRequest => Self::InvalidRequest,
        }
    }
}

/// The app's HTTP client. Kotlin and Swift ship defaults (`CairnHttp.installDefault()`,
/// `CairnHTTP.installDefault()`); an app may supply its own (its configured OkHttpClient).
#[uniffi::export(foreign)]
#[async_trait::async_trait]
pub trait HttpClient: Send + Sync {
    /// Sends `request` and returns the whole response, whatever its status.
    async fn send(&self, request: Arc<HttpRequest>) -> Result<HttpResponse, HttpError>;
}

/// Installs the app's HTTP client for every service built afterwards (call once at app start;
/// a later call replaces it for services built after that).
#[uniffi::export]
pub fn set_http_client(client: Arc<dyn HttpClient>) {
    cairn_cloud::install_http_transport(Arc::new(HostTransport(client)));
}

/// A host `HttpClient` as `cairn-cloud` wants it.
struct HostTransport(Arc<dyn HttpClient>);

#[async_trait::async_trait]
impl HttpTransport for HostTransport {
    async fn send(
        &self,
        request: cairn_cloud::HttpRequest,
    ) -> Result<cairn_cloud::HttpResponse, TransportError> {
        let limit = request.max_response_bytes;
        let response = self.0.send(Arc::new(HttpRequest { inner: request })).await?;
        // Checked here too: the host's client may not have enforced it.
        if response.body.len() as u64 > limit {
            return Err(TransportError::BodyTooLarge);
        }
        let headers = response.headers.into_iter().map(|header| (header.name, header.value)).collect();
        Ok(cairn_cloud::HttpResponse { status: response.status, headers, body: response.body })
    }
}

/// The installed host client, or the typed error telling the developer to install one.
pub(crate) fn http_transport() -> Result<Arc<dyn HttpTransport>, CairnError> {
    cairn_cloud::installed_http_transport().ok_or_else(|| CairnError::ProviderUnavailable {
        error_message: "no HTTP client is installed".to_owned(),
        hint: "install an HTTP client: CairnHttp.installDefault() (Kotlin) or CairnHTTP.installDefault() \
               (Swift), once at app start"
            .to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    // The only test in this crate that touches the process-wide client: nothing installs one.
    #[test]
    fn services_without_a_client_fail_with_the_install_hint() {
        struct NoTokens;
        #[async_trait::async_trait]
        impl crate::TokenProvider for NoTokens {
            async fn access_token(&self) -> Result<String, crate::TokenError> {
                Err(crate::TokenError::NotSignedIn)
            }
            async fn refresh_access_token(&self, _: String) -> Result<String, crate::TokenError> {
                Err(crate::TokenError::NotSignedIn)
            }
        }
        let error =
            crate::BackupService::google_drive("https://www.googleapis.com".into(), Arc::new(NoTokens))
                .unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::ProviderUnavailable);
        assert!(error.hint().contains("CairnHttp.installDefault()"), "{}", error.hint());
    }

    #[test]
    fn requests_show_no_secret_to_the_host_debug_output() {
        let url = url::Url::parse("https://example.com/x?pageToken=page-secret").unwrap();
        let inner = cairn_cloud::HttpRequest::new(CoreMethod::Post, url)
            .header("Authorization", "Bearer token-secret")
            .body("application/json", b"body-secret".to_vec());
        let request = HttpRequest { inner };
        let shown = format!("{request:?} {:?}", request.headers());
        assert!(!shown.contains("secret"), "{shown}");
        assert_eq!(request.headers().first().map(|h| h.value.as_str()), Some("Bearer token-secret"));
        assert_eq!(request.method(), HttpMethod::Post);
        assert_eq!(request.max_response_bytes(), 64 * 1024);
    }
}
