//! Desktop sign-in with Google: OAuth 2.0 authorization code + PKCE (S256) with a loopback
//! redirect, as Google prescribes for installed desktop apps, and a [`TokenProvider`] that
//! refreshes with the resulting refresh token.
//!
//! Opening the browser is the caller's job ([`sign_in`] hands it the URL); persisting the
//! refresh token is too ([`SignInTokens`] returns it, and
//! [`DesktopTokenProvider::refresh_token`] gives the current one if the server rotated it).

use std::fmt;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use oauth2::basic::{BasicClient, BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthType, AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, HttpRequest, HttpResponse,
    PkceCodeChallenge, RedirectUrl, RefreshToken as OAuthRefreshToken, RequestTokenError, Scope,
    TokenResponse, TokenUrl,
};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;
use url::Url;
use zeroize::Zeroizing;

use crate::error::{ProviderUnavailableReason, TokenError, sanitize_reason};
use crate::google_drive::DRIVE_APPDATA_SCOPE;
use crate::token::{AccessToken, TokenProvider};

/// Google's authorization endpoint.
pub const GOOGLE_AUTH_URL: &str = "https://accounts.google.com/o/oauth2/v2/auth";
/// Google's token endpoint.
pub const GOOGLE_TOKEN_URL: &str = "https://oauth2.googleapis.com/token";
/// Token endpoint responses are small JSON; anything bigger is refused.
const MAX_TOKEN_RESPONSE: usize = 64 * 1024;
/// The browser's redirect request is a request line plus headers; more is not a redirect.
const MAX_CALLBACK_REQUEST: usize = 16 * 1024;
/// An access token this close to its expiry is refreshed before use.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);

/// A refresh token: long-lived, so treat it like a password. Redacted in `Debug`, wiped on drop.
#[derive(Clone)]
pub struct RefreshToken(Zeroizing<String>);

impl RefreshToken {
    /// Wraps a stored refresh token.
    pub fn new(token: String) -> Self {
        RefreshToken(Zeroizing::new(token))
    }

    /// The token text, for persisting it (e.g. a 0600 file). Keep the borrow short.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken([redacted])")
    }
}

/// The OAuth client and endpoints.
#[derive(Clone)]
pub struct GoogleOAuthConfig {
    /// The Desktop-app OAuth client id.
    pub client_id: String,
    /// The Desktop client's secret (Google documents it as not confidential for installed
    /// apps; still kept out of `Debug`). `None` for public clients.
    pub client_secret: Option<String>,
    /// Authorization endpoint ([`GOOGLE_AUTH_URL`] or an emulator's).
    pub auth_url: Url,
    /// Token endpoint ([`GOOGLE_TOKEN_URL`] or an emulator's).
    pub token_url: Url,
    /// Scopes to request; by default only `drive.appdata`.
    pub scopes: Vec<String>,
    /// How long [`sign_in`] waits for the browser to come back.
    pub sign_in_timeout: Duration,
    /// Time allowed for one token-endpoint request.
    pub request_timeout: Duration,
}

impl fmt::Debug for GoogleOAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GoogleOAuthConfig")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "[redacted]"))
            .field("auth_url", &self.auth_url.as_str())
            .field("token_url", &self.token_url.as_str())
            .field("scopes", &self.scopes)
            .finish_non_exhaustive()
    }
}

impl GoogleOAuthConfig {
    /// Google's production endpoints for `client_id`, requesting `drive.appdata`.
    pub fn google(client_id: String, client_secret: Option<String>) -> Self {
        #[allow(clippy::expect_used)] // constants, covered by a test; not input
        let (auth_url, token_url) = (
            Url::parse(GOOGLE_AUTH_URL).expect("GOOGLE_AUTH_URL is a valid URL"),
            Url::parse(GOOGLE_TOKEN_URL).expect("GOOGLE_TOKEN_URL is a valid URL"),
        );
        Self::with_endpoints(client_id, client_secret, auth_url, token_url)
    }

    /// Custom endpoints (an emulator, another OAuth server), requesting `drive.appdata`.
    pub fn with_endpoints(
        client_id: String,
        client_secret: Option<String>,
        auth_url: Url,
        token_url: Url,
    ) -> Self {
        GoogleOAuthConfig {
            client_id,
            client_secret,
            auth_url,
            token_url,
            scopes: vec![DRIVE_APPDATA_SCOPE.to_owned()],
            sign_in_timeout: Duration::from_secs(300),
            request_timeout: Duration::from_secs(30),
        }
    }
}

/// Why signing in failed. Carries no token, code or secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInError {
    /// The user declined (`error=access_denied`).
    #[error("the user did not allow access")]
    AccessDenied,
    /// The authorization server redirected back with another error code.
    #[error("authorization failed ({error:?})")]
    AuthorizationFailed {
        /// The OAuth `error` value, sanitised.
        error: Option<String>,
    },
    /// The browser did not come back in time.
    #[error("timed out waiting for the browser to finish signing in")]
    TimedOut,
    /// The loopback listener could not be started.
    #[error("cannot listen for the sign-in redirect on 127.0.0.1")]
    Listener,
    /// The configuration is unusable (a URL the OAuth library refuses).
    #[error("invalid OAuth configuration")]
    Configuration,
    /// The code exchange failed.
    #[error("token exchange failed: {0}")]
    TokenEndpoint(#[from] TokenEndpointError),
}

/// A token-endpoint failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenEndpointError {
    /// `invalid_grant`: the code or refresh token is expired, revoked, used, or the PKCE
    /// verifier does not match. Only a new interactive sign-in helps.
    #[error("the grant was rejected; sign in again")]
    InvalidGrant,
    /// `invalid_client`, `unauthorized_client`, `invalid_request`, `unsupported_grant_type`:
    /// the app's OAuth client or request is misconfigured.
    #[error("the OAuth client was rejected")]
    InvalidClient,
    /// Another OAuth error code (e.g. `invalid_scope`): sign in again.
    #[error("the token endpoint refused the request ({error:?})")]
    Rejected {
        /// The OAuth `error` value, sanitised.
        error: Option<String>,
    },
    /// The endpoint could not be reached or failed (5xx).
    #[error("network error reaching the token endpoint")]
    Network,
    /// The endpoint answered with something that is not a token response.
    #[error("malformed token endpoint response")]
    MalformedResponse,
}

impl From<TokenEndpointError> for TokenError {
    fn from(error: TokenEndpointError) -> Self {
        match error {
            TokenEndpointError::InvalidGrant => TokenError::ReSignInRequired,
            TokenEndpointError::InvalidClient => {
                TokenError::ProviderUnavailable(ProviderUnavailableReason::AppNotConfigured)
            }
            TokenEndpointError::Rejected { .. } => TokenError::ReSignInRequired,
            TokenEndpointError::Network | TokenEndpointError::MalformedResponse => TokenError::Network,
        }
    }
}

/// What a successful sign-in yields.
#[derive(Debug, Clone)]
pub struct SignInTokens {
    /// The access token.
    pub access_token: AccessToken,
    /// When it expires, if the server said.
    pub expires_at: Option<Instant>,
    /// The refresh token (Google always issues one to installed apps). Persist it to stay
    /// signed in across runs.
    pub refresh_token: Option<RefreshToken>,
    /// Scopes granted, when the server listed them.
    pub scopes: Vec<String>,
}

/// Transport failure of the bounded HTTP client handed to the `oauth2` crate.
#[derive(Debug, thiserror::Error)]
enum TransportError {
    #[error("request failed")]
    Request,
    #[error("response too large")]
    TooLarge,
    #[error("the token endpoint is failing or overloaded")]
    Unavailable,
}

/// Sends one token-endpoint request, reading at most [`MAX_TOKEN_RESPONSE`] bytes back.
async fn bounded_send(http: reqwest::Client, request: HttpRequest) -> Result<HttpResponse, TransportError> {
    let request = reqwest::Request::try_from(request).map_err(|_| TransportError::Request)?;
    let mut response = http.execute(request).await.map_err(|_| TransportError::Request)?;
    // A failing or overloaded endpoint may still send an OAuth-shaped error body; it must not
    // read as a verdict on the grant.
    if response.status().is_server_error() || response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
        return Err(TransportError::Unavailable);
    }
    let mut builder = oauth2::http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        builder = builder.header(name, value);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|_| TransportError::Request)? {
        if body.len() + chunk.len() > MAX_TOKEN_RESPONSE {
            return Err(TransportError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    builder.body(body).map_err(|_| TransportError::Request)
}

fn token_http_client(timeout: Duration) -> Result<reqwest::Client, TokenEndpointError> {
    crate::tls::http_client_builder()
        .map_err(|_| TokenEndpointError::Network)?
        .timeout(timeout)
        // The token endpoint must answer itself; following redirects would re-send the grant.
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|_| TokenEndpointError::Network)
}

fn endpoint_error(
    error: RequestTokenError<TransportError, oauth2::basic::BasicErrorResponse>,
) -> TokenEndpointError {
    match error {
        RequestTokenError::ServerResponse(response) => match response.error() {
            BasicErrorResponseType::InvalidGrant => TokenEndpointError::InvalidGrant,
            // The app's OAuth setup (client, grant type, request shape) is wrong: a new sign-in
            // would fail the same way.
            BasicErrorResponseType::InvalidClient
            | BasicErrorResponseType::UnauthorizedClient
            | BasicErrorResponseType::InvalidRequest
            | BasicErrorResponseType::UnsupportedGrantType => TokenEndpointError::InvalidClient,
            BasicErrorResponseType::Extension(code)
                if matches!(
                    code.as_str(),
                    "server_error" | "temporarily_unavailable" | "internal_failure"
                ) =>
            {
                TokenEndpointError::Network
            }
            other => TokenEndpointError::Rejected { error: sanitize_reason(other.as_ref()) },
        },
        RequestTokenError::Request(TransportError::TooLarge) => TokenEndpointError::MalformedResponse,
        RequestTokenError::Request(TransportError::Request | TransportError::Unavailable) => {
            TokenEndpointError::Network
        }
        // A non-JSON error page (a proxy's or a 5xx's) lands here as well as garbage.
        RequestTokenError::Parse(..) | RequestTokenError::Other(_) => TokenEndpointError::MalformedResponse,
    }
}

type ConfiguredClient = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn oauth_client(config: &GoogleOAuthConfig) -> Result<ConfiguredClient, SignInError> {
    let mut client = BasicClient::new(ClientId::new(config.client_id.clone()))
        .set_auth_uri(AuthUrl::from_url(config.auth_url.clone()))
        .set_token_uri(TokenUrl::from_url(config.token_url.clone()))
        // Google takes client credentials in the form body (client_secret_post).
        .set_auth_type(AuthType::RequestBody);
    if let Some(secret) = &config.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.clone()));
    }
    Ok(client)
}

fn tokens_from(response: &BasicTokenResponse) -> SignInTokens {
    SignInTokens {
        access_token: AccessToken::new(response.access_token().secret().clone()),
        expires_at: response.expires_in().and_then(|lifetime| Instant::now().checked_add(lifetime)),
        refresh_token: response.refresh_token().map(|t| RefreshToken::new(t.secret().clone())),
        scopes: response.scopes().map(|s| s.iter().map(|s| s.to_string()).collect()).unwrap_or_default(),
    }
}

/// What the browser's redirect to the loopback listener carried.
enum Callback {
    Code(Zeroizing<String>),
    Error(String),
}

/// Runs the interactive sign-in: listens on `127.0.0.1:<ephemeral port>`, calls
/// `open_browser` with the authorization URL (open it in the user's browser, or print it),
/// waits for the redirect, checks `state`, and exchanges the code with the PKCE verifier.
///
/// Requests to the listener with a wrong or missing `state` (another local process, a stale
/// tab) get an error page and are otherwise ignored, so they cannot abort or hijack the flow.
pub async fn sign_in(
    config: &GoogleOAuthConfig,
    open_browser: impl FnOnce(&Url),
) -> Result<SignInTokens, SignInError> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(|_| SignInError::Listener)?;
    let port = listener.local_addr().map_err(|_| SignInError::Listener)?.port();
    let redirect =
        RedirectUrl::new(format!("http://127.0.0.1:{port}/")).map_err(|_| SignInError::Configuration)?;
    let client = oauth_client(config)?.set_redirect_uri(redirect);

    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, state) = client
        .authorize_url(CsrfToken::new_random)
        .add_scopes(config.scopes.iter().cloned().map(Scope::new))
        .set_pkce_challenge(challenge)
        .url();
    open_browser(&auth_url);

    let callback = tokio::time::timeout(config.sign_in_timeout, wait_for_callback(&listener, state.secret()))
        .await
        .map_err(|_| SignInError::TimedOut)??;
    let code = match callback {
        Callback::Code(code) => code,
        Callback::Error(error) if error == "access_denied" => return Err(SignInError::AccessDenied),
        Callback::Error(error) => {
            return Err(SignInError::AuthorizationFailed { error: sanitize_reason(&error) });
        }
    };

    let http = token_http_client(config.request_timeout)?;
    let send = |request: HttpRequest| bounded_send(http.clone(), request);
    let response = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .set_pkce_verifier(verifier)
        .request_async(&send)
        .await
        .map_err(endpoint_error)?;
    Ok(tokens_from(&response))
}

/// Equality of two secrets without a timing signal: compare their hashes.
fn same_secret(a: &str, b: &str) -> bool {
    Sha256::digest(a.as_bytes()) == Sha256::digest(b.as_bytes())
}

async fn wait_for_callback(listener: &TcpListener, expected_state: &str) -> Result<Callback, SignInError> {
    loop {
        let (stream, _) = listener.accept().await.map_err(|_| SignInError::Listener)?;
        // A connection that never sends its request must not stall the flow.
        let handled =
            tokio::time::timeout(Duration::from_secs(10), handle_connection(stream, expected_state)).await;
        if let Ok(Some(callback)) = handled {
            return Ok(callback);
        }
    }
}

/// Reads one request; answers it; returns the callback if it is the genuine redirect.
async fn handle_connection(mut stream: TcpStream, expected_state: &str) -> Option<Callback> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut buffer).await.ok()?;
        if read == 0 || head.len() + read > MAX_CALLBACK_REQUEST {
            return None;
        }
        head.extend_from_slice(buffer.get(..read)?);
    }
    let request_line = head.split(|b| *b == b'\r').next()?;
    let request_line = std::str::from_utf8(request_line).ok()?;
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    let callback = if method == "GET" { parse_callback(target, expected_state) } else { None };
    let (status, page) = match &callback {
        Some(Callback::Code(_)) => ("200 OK", "Signed in. You can close this window and return to the app."),
        Some(Callback::Error(_)) => ("200 OK", "Sign-in was not completed. You can close this window."),
        None => ("400 Bad Request", "This is not a sign-in response for the running sign-in."),
    };
    let body = format!("<!doctype html><meta charset=\"utf-8\"><title>Cairn</title><p>{page}</p>\n");
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    callback
}

fn parse_callback(target: &str, expected_state: &str) -> Option<Callback> {
    let url = Url::parse("http://127.0.0.1/").ok()?.join(target).ok()?;
    let mut state = None;
    let mut code = None;
    let mut error = None;
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "state" => state = Some(Zeroizing::new(value.into_owned())),
            "code" => code = Some(Zeroizing::new(value.into_owned())),
            "error" => error = Some(value.into_owned()),
            _ => {}
        }
    }
    if !same_secret(state?.as_str(), expected_state) {
        return None;
    }
    match (code, error) {
        (_, Some(error)) => Some(Callback::Error(error)),
        (Some(code), None) if !code.is_empty() => Some(Callback::Code(code)),
        _ => None,
    }
}

struct ProviderState {
    refresh_token: RefreshToken,
    access: Option<(AccessToken, Option<Instant>)>,
}

/// A [`TokenProvider`] for desktop: serves the access token until it nears expiry and gets new
/// ones with the refresh token. `invalid_grant` (revoked, expired, password changed) becomes
/// [`TokenError::ReSignInRequired`].
pub struct DesktopTokenProvider {
    client: ConfiguredClient,
    http: reqwest::Client,
    scopes: Vec<String>,
    state: Mutex<ProviderState>,
}

impl fmt::Debug for DesktopTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DesktopTokenProvider").field("scopes", &self.scopes).finish_non_exhaustive()
    }
}

impl DesktopTokenProvider {
    /// A provider for a stored refresh token; the first `access_token` call refreshes.
    pub fn new(config: &GoogleOAuthConfig, refresh_token: RefreshToken) -> Result<Self, SignInError> {
        Self::with_state(config, ProviderState { refresh_token, access: None })
    }

    fn with_state(config: &GoogleOAuthConfig, state: ProviderState) -> Result<Self, SignInError> {
        Ok(DesktopTokenProvider {
            client: oauth_client(config)?,
            http: token_http_client(config.request_timeout)?,
            scopes: config.scopes.clone(),
            state: Mutex::new(state),
        })
    }

    /// A provider continuing from a fresh sign-in. Without a refresh token there is nothing
    /// to continue with: the result is `ReSignInRequired`-equivalent, reported as `InvalidGrant`.
    pub fn from_sign_in(config: &GoogleOAuthConfig, tokens: SignInTokens) -> Result<Self, SignInError> {
        let refresh_token =
            tokens.refresh_token.ok_or(SignInError::TokenEndpoint(TokenEndpointError::InvalidGrant))?;
        let access = Some((tokens.access_token, tokens.expires_at));
        Self::with_state(config, ProviderState { refresh_token, access })
    }

    /// The refresh token currently in use (changes only if the server rotates tokens);
    /// persist it after a session so the next run stays signed in.
    pub async fn refresh_token(&self) -> RefreshToken {
        self.state.lock().await.refresh_token.clone()
    }

    async fn refresh(&self, state: &mut ProviderState) -> Result<AccessToken, TokenError> {
        let send = |request: HttpRequest| bounded_send(self.http.clone(), request);
        let refresh_token = OAuthRefreshToken::new(state.refresh_token.expose_secret().to_owned());
        let response = self
            .client
            .exchange_refresh_token(&refresh_token)
            .add_scopes(self.scopes.iter().cloned().map(Scope::new))
            .request_async(&send)
            .await
            .map_err(|error| TokenError::from(endpoint_error(error)))?;
        let tokens = tokens_from(&response);
        // Google keeps the refresh token; servers that rotate it send a new one.
        if let Some(rotated) = tokens.refresh_token {
            state.refresh_token = rotated;
        }
        state.access = Some((tokens.access_token.clone(), tokens.expires_at));
        Ok(tokens.access_token)
    }
}

#[async_trait]
impl TokenProvider for DesktopTokenProvider {
    async fn access_token(&self) -> Result<AccessToken, TokenError> {
        let mut state = self.state.lock().await;
        if let Some((token, expires_at)) = &state.access {
            let fresh = expires_at.is_none_or(|at| Instant::now() + EXPIRY_MARGIN < at);
            if fresh {
                return Ok(token.clone());
            }
        }
        self.refresh(&mut state).await
    }

    async fn refresh_access_token(&self, _rejected: AccessToken) -> Result<AccessToken, TokenError> {
        let mut state = self.state.lock().await;
        state.access = None;
        self.refresh(&mut state).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_urls_parse() {
        let config = GoogleOAuthConfig::google("id".into(), Some("very-secret".into()));
        assert_eq!(config.scopes, vec![DRIVE_APPDATA_SCOPE.to_owned()]);
        let shown = format!("{config:?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(format!("{:?}", RefreshToken::new("1//secret".into())).contains("[redacted]"));
    }

    #[test]
    fn callbacks_need_the_right_state() {
        let code = |target| match parse_callback(target, "S1") {
            Some(Callback::Code(code)) => Some(code.to_string()),
            _ => None,
        };
        assert_eq!(code("/?state=S1&code=4%2F0Aabc&scope=x").as_deref(), Some("4/0Aabc"));
        assert_eq!(code("/?code=abc"), None);
        assert_eq!(code("/?state=S2&code=abc"), None);
        assert_eq!(code("/?state=S1&code="), None);
        assert_eq!(code("/favicon.ico"), None);
        assert!(
            matches!(parse_callback("/?state=S1&error=access_denied", "S1"), Some(Callback::Error(e)) if e == "access_denied")
        );
        assert!(parse_callback("/?state=S2&error=access_denied", "S1").is_none());
    }
}
