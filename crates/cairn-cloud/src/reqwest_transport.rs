//! The bundled transport (feature `bundled-http`): reqwest over rustls with cairn-cloud's own
//! provider (`tls.rs`). Desktop builds only; phones use the host's HTTP client (ADR 0007).

use std::time::Duration;

use async_trait::async_trait;

use crate::error::{CloudError, NetworkErrorKind};
use crate::transport::{HttpMethod, HttpRequest, HttpResponse, HttpTransport, TransportError};

/// Redirects followed per request.
const MAX_REDIRECTS: usize = 5;

/// [`HttpTransport`] over reqwest.
#[derive(Debug, Clone)]
pub struct ReqwestTransport {
    client: reqwest::Client,
}

impl ReqwestTransport {
    /// A transport that allows `connect_timeout` for each connection and follows at most five
    /// redirects.
    pub fn new(connect_timeout: Duration) -> Result<Self, CloudError> {
        let client = crate::tls::http_client_builder()?
            .connect_timeout(connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(MAX_REDIRECTS))
            .build()
            .map_err(|_| CloudError::network(NetworkErrorKind::Connect))?;
        Ok(ReqwestTransport { client })
    }
}

fn transport_error(error: &reqwest::Error) -> TransportError {
    if error.is_timeout() {
        TransportError::Timeout
    } else if error.is_connect() {
        TransportError::Connect
    } else if error.is_builder() {
        TransportError::InvalidRequest
    } else {
        TransportError::Interrupted
    }
}

#[async_trait]
impl HttpTransport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let method = match request.method {
            HttpMethod::Get => reqwest::Method::GET,
            HttpMethod::Post => reqwest::Method::POST,
            HttpMethod::Patch => reqwest::Method::PATCH,
            HttpMethod::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.client.request(method, request.url).timeout(request.timeout);
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if !request.body.is_empty() {
            builder = builder.body(request.body);
        }
        let mut response = builder.send().await.map_err(|e| transport_error(&e))?;
        let status = response.status();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
            .collect();
        let limit = request.max_response_bytes;
        if status.is_success() && response.content_length().is_some_and(|len| len > limit) {
            return Err(TransportError::BodyTooLarge);
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(&e))? {
            let room = usize::try_from(limit).unwrap_or(usize::MAX).saturating_sub(body.len());
            if chunk.len() > room {
                // An error body is only read for its reason code: cut it instead of failing.
                if status.is_success() {
                    return Err(TransportError::BodyTooLarge);
                }
                body.extend_from_slice(chunk.get(..room).unwrap_or_default());
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse { status: status.as_u16(), headers, body })
    }
}
