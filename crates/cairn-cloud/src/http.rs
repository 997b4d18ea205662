//! The request loop the REST adapters share: bearer auth with one single-flight refresh per
//! rejected token, bounded body reads, and bounded retries of transient failures.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::error::{CloudError, CorruptionDetail, NetworkErrorKind};
use crate::retry::RetryPolicy;
use crate::time::parse_retry_after;
use crate::token::{AccessToken, AuthSession, TokenProvider};
use crate::transport::{HttpRequest, HttpTransport};

/// A complete, bounded HTTP response (the transport's, checked by [`RestClient`]).
pub(crate) use crate::transport::HttpResponse as HttpReply;

/// Error bodies are only read for their reason code; anything past this is ignored.
const MAX_ERROR_BODY: usize = 64 * 1024;

impl HttpReply {
    pub(crate) fn retry_after(&self) -> Option<Duration> {
        parse_retry_after(self.header("retry-after")?, SystemTime::now())
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
    /// Time allowed for establishing a connection (the bundled transport; a host transport
    /// applies its own).
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
    transport: Arc<dyn HttpTransport>,
    auth: AuthSession,
    retry: RetryPolicy,
    request_timeout: Duration,
}

impl std::fmt::Debug for RestClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestClient").field("retry", &self.retry).finish_non_exhaustive()
    }
}

impl RestClient {
    pub(crate) fn new(
        settings: HttpSettings,
        tokens: Arc<dyn TokenProvider>,
        transport: Arc<dyn HttpTransport>,
    ) -> Self {
        RestClient {
            transport,
            auth: AuthSession::new(tokens),
            retry: settings.retry,
            request_timeout: settings.request_timeout,
        }
    }

    /// Sends the request `build` makes (called again for every attempt, with the current
    /// token) until it succeeds, fails permanently, or the retry bound is reached. A success
    /// body larger than `body_limit` is refused.
    pub(crate) async fn execute(
        &self,
        build: &(dyn Fn(&AccessToken) -> HttpRequest + Send + Sync),
        body_limit: u64,
        classify: fn(&HttpReply) -> Verdict,
    ) -> Result<HttpReply, CloudError> {
        let mut retry = self.retry.start();
        let mut issued = self.auth.current().await?;
        let mut refreshed = false;
        loop {
            let mut request = build(&issued.token);
            request.timeout = self.request_timeout;
            request.max_response_bytes = body_limit.max(MAX_ERROR_BODY as u64);
            let verdict = match self.send_once(request, body_limit).await {
                Ok(reply) if reply.is_success() => return Ok(reply),
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

    /// One exchange through the transport, with its answer checked here whatever the transport
    /// is: a status outside 100–599 is refused, a success body over `body_limit` is refused,
    /// an error body is cut to `MAX_ERROR_BODY`.
    async fn send_once(&self, request: HttpRequest, body_limit: u64) -> Result<HttpReply, CloudError> {
        let mut reply = self.transport.send(request).await?;
        if !(100..=599).contains(&reply.status) {
            return Err(CloudError::unexpected(Some(reply.status), Some("invalid_http_status")));
        }
        if reply.is_success() {
            if reply.body.len() as u64 > body_limit {
                return Err(CloudError::corrupted(CorruptionDetail::BodyTooLarge));
            }
        } else {
            reply.body.truncate(MAX_ERROR_BODY);
        }
        Ok(reply)
    }
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
