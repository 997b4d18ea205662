//! The request loop the REST adapters share: bearer auth with one single-flight refresh per
//! rejected token, bounded body reads, and bounded retries of transient failures.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{RequestBuilder, StatusCode};

use crate::error::{CloudError, CorruptionDetail, NetworkErrorKind};
use crate::retry::RetryPolicy;
use crate::time::parse_retry_after;
use crate::token::{AccessToken, AuthSession, TokenProvider};

/// Error bodies are only read for their reason code; anything past this is ignored.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// A complete, bounded HTTP response.
#[derive(Debug)]
pub(crate) struct HttpReply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl HttpReply {
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        let value = self.headers.get(RETRY_AFTER)?.to_str().ok()?;
        parse_retry_after(value, SystemTime::now())
    }
}

/// How a provider classifies a non-success response.
#[derive(Debug)]
pub(crate) enum Verdict {
    /// The access token was rejected: refresh once and replay.
    AuthRejected,
    /// Worth retrying after a backoff; `error` is returned if the retry bound runs out.
    Transient { error: CloudError, retry_after: Option<Duration> },
    /// Final.
    Permanent(CloudError),
}

/// Settings common to the REST adapters.
#[derive(Debug, Clone)]
pub struct HttpSettings {
    /// Time allowed for establishing a connection.
    pub connect_timeout: Duration,
    /// Time allowed for one whole request, response body included.
    pub request_timeout: Duration,
    /// Retry bounds for transient failures.
    pub retry: RetryPolicy,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            retry: RetryPolicy::standard(),
        }
    }
}

pub(crate) struct RestClient {
    http: reqwest::Client,
    auth: AuthSession,
    retry: RetryPolicy,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient").field("retry", &self.retry).finish_non_exhaustive()
    }
}

impl RestClient {
    pub(crate) fn new(settings: HttpSettings, tokens: Arc<dyn TokenProvider>) -> Result<Self, CloudError> {
        let http = crate::tls::http_client_builder()?
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.request_timeout)
            .redirect(reqwest::redirect::Policy::limited(5))
            .build()
            .map_err(|_| CloudError::network(NetworkErrorKind::Connect))?;
        Ok(RestClient { http, auth: AuthSession::new(tokens), retry: settings.retry })
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends the request `build` makes (called again for every attempt, with the current
    /// token) until it succeeds, fails permanently, or the retry bound is reached. A success
    /// body larger than `body_limit` is refused.
    pub(crate) async fn execute(
        &self,
        build: &(dyn Fn(&AccessToken) -> RequestBuilder + Send + Sync),
        body_limit: u64,
        classify: fn(&HttpReply) -> Verdict,
    ) -> Result<HttpReply, CloudError> {
        let mut retry = self.retry.start();
        let mut issued = self.auth.current().await?;
        let mut refreshed = false;
        loop {
            let verdict = match send_once(build(&issued.token), body_limit).await {
                Ok(reply) if reply.status.is_success() => return Ok(reply),
                Ok(reply) => classify(&reply),
                Err(error @ CloudError::Network { .. }) => Verdict::Transient { error, retry_after: None },
                Err(error) => Verdict::Permanent(error),
            };
            match verdict {
                Verdict::AuthRejected if refreshed => return Err(CloudError::ReSignInRequired),
                Verdict::AuthRejected => {
                    issued = self.auth.refresh(issued).await?;
                    refreshed = true;
                }
                Verdict::Transient { error, retry_after } => {
                    if !retry.wait_before_retry(retry_after).await {
                        return Err(error);
                    }
                }
                Verdict::Permanent(error) => return Err(error),
            }
        }
    }
}

fn transport_error(error: &reqwest::Error) -> CloudError {
    let kind = if error.is_timeout() {
        NetworkErrorKind::Timeout
    } else if error.is_connect() {
        NetworkErrorKind::Connect
    } else {
        NetworkErrorKind::Interrupted
    };
    CloudError::network(kind)
}

async fn send_once(request: RequestBuilder, body_limit: u64) -> Result<HttpReply, CloudError> {
    let mut response = request.send().await.map_err(|e| transport_error(&e))?;
    let status = response.status();
    let headers = response.headers().clone();
    let limit = if status.is_success() { body_limit } else { MAX_ERROR_BODY as u64 };
    if status.is_success() && response.content_length().is_some_and(|len| len > limit) {
        return Err(CloudError::corrupted(CorruptionDetail::BodyTooLarge));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| transport_error(&e))? {
        let room = usize::try_from(limit).unwrap_or(usize::MAX).saturating_sub(body.len());
        if chunk.len() > room {
            if status.is_success() {
                return Err(CloudError::corrupted(CorruptionDetail::BodyTooLarge));
            }
            body.extend_from_slice(chunk.get(..room).unwrap_or_default());
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(HttpReply { status, headers, body })
}

/// Escapes a value for a single-quoted string in a Drive `q` or Huawei `queryParam`
/// expression: backslash and single quote get a backslash.
pub(crate) fn quote_query_value(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for ch in value.chars() {
        if matches!(ch, '\\' | '\'') {
            quoted.push('\\');
        }
        quoted.push(ch);
    }
    quoted.push('\'');
    quoted
}

/// A `multipart/related` body of JSON metadata followed by the content (RFC 2387), as Drive
/// and Huawei expect for single-request uploads. Returns the content type and the body.
pub(crate) fn multipart_related(metadata: &[u8], content: &[u8]) -> Result<(String, Vec<u8>), CloudError> {
    // A random boundary that occurs in neither part; retried in the (astronomically unlikely)
    // case it does.
    for _ in 0..8 {
        let mut random = [0u8; 18];
        getrandom::fill(&mut random).map_err(|_| CloudError::network(NetworkErrorKind::Interrupted))?;
        let boundary = format!("cairn-{}", hex::encode(random));
        let marker = boundary.as_bytes();
        if contains(metadata, marker) || contains(content, marker) {
            continue;
        }
        let mut body = Vec::with_capacity(metadata.len() + content.len() + 256);
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        body.extend_from_slice(b"Content-Type: application/json; charset=UTF-8\r\n\r\n");
        body.extend_from_slice(metadata);
        body.extend_from_slice(format!("\r\n--{boundary}\r\n").as_bytes());
        body.extend_from_slice(b"Content-Type: application/octet-stream\r\n\r\n");
        body.extend_from_slice(content);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        return Ok((format!("multipart/related; boundary={boundary}"), body));
    }
    Err(CloudError::network(NetworkErrorKind::Interrupted))
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_escaped() {
        assert_eq!(quote_query_value("wallet-1.bin"), "'wallet-1.bin'");
        assert_eq!(quote_query_value("O'Brien"), r"'O\'Brien'");
        assert_eq!(quote_query_value(r"quinn's paper\essay"), r"'quinn\'s paper\\essay'");
        assert_eq!(quote_query_value(r"\'"), r"'\\\''");
    }

    #[test]
    fn multipart_layout() {
        let (content_type, body) = multipart_related(br#"{"name":"x"}"#, b"\x00\x01bytes").unwrap();
        let boundary = content_type.strip_prefix("multipart/related; boundary=").unwrap();
        let text = String::from_utf8_lossy(&body);
        let expected = format!(
            "--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{{\"name\":\"x\"}}\r\n\
             --{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n\u{0}\u{1}bytes\r\n--{boundary}--\r\n"
        );
        assert_eq!(text, expected);
    }
}
