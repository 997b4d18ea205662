//! Desktop sign-in (authorization code + PKCE S256 + loopback redirect) and refresh against
//! an OAuth server we did not write: navikt's mock-oauth2-server, run as a real JVM process.
//! It checks PKCE (a wrong verifier is `invalid_grant`), so a completed exchange proves our
//! challenge and verifier agree. Google-specific behaviour is tested against the emulator.

// Test code: helpers outside #[test] functions may panic on a broken expectation too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::time::Duration;

use cairn_cloud::TokenProvider;
use cairn_cloud::google_drive::DRIVE_APPDATA_SCOPE;
use cairn_cloud::google_oauth::{DesktopTokenProvider, GoogleOAuthConfig, SignInError, sign_in};
use support::mock_oauth2_server::MockOAuth2Server;
use url::Url;

fn config(server: &MockOAuth2Server) -> GoogleOAuthConfig {
    let mut config = GoogleOAuthConfig::with_endpoints(
        "cairn-desktop-test".into(),
        Some("desktop-client-secret".into()),
        Url::parse(&server.authorize_url()).unwrap(),
        Url::parse(&server.token_url()).unwrap(),
    );
    // The mock is an OpenID provider and insists on `openid`.
    config.scopes = vec!["openid".into(), DRIVE_APPDATA_SCOPE.into()];
    config.sign_in_timeout = Duration::from_secs(60);
    config
}

fn redirect_uri(auth_url: &Url) -> String {
    auth_url.query_pairs().find(|(k, _)| k == "redirect_uri").unwrap().1.into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pkce_sign_in_and_refresh_against_mock_oauth2_server() {
    let Some(server) = MockOAuth2Server::start().await else { return };
    let config = config(&server);

    let mut browser = None;
    let mut seen_url = None;
    let tokens = sign_in(&config, |url| {
        seen_url = Some(url.clone());
        let url = url.clone();
        browser = Some(tokio::spawn(async move {
            // Another local process pokes the listener first with a forged redirect: it must
            // be turned away without ending the sign-in.
            let forged = format!("{}?state=forged&code=attacker-code", redirect_uri(&url));
            let forged_status = reqwest::get(forged).await.unwrap().status();
            // Then the real browser: the mock auto-approves and redirects to the loopback
            // listener, which reqwest follows like a browser would.
            let page = reqwest::get(url).await.unwrap();
            (forged_status, page.status(), page.text().await.unwrap())
        }));
    })
    .await
    .unwrap();

    let (forged_status, status, page) = browser.unwrap().await.unwrap();
    assert_eq!(forged_status, 400);
    assert_eq!(status, 200);
    assert!(page.contains("Signed in"), "{page}");

    let auth_url = seen_url.unwrap();
    let query: std::collections::HashMap<_, _> = auth_url.query_pairs().into_owned().collect();
    assert_eq!(query["response_type"], "code");
    assert_eq!(query["code_challenge_method"], "S256");
    assert_eq!(query["code_challenge"].len(), 43, "base64url of a SHA-256 digest");
    assert!(query["state"].len() >= 16);
    assert!(query["redirect_uri"].starts_with("http://127.0.0.1:"));
    assert!(query["scope"].split(' ').any(|s| s == DRIVE_APPDATA_SCOPE));

    let first = tokens.access_token.expose_secret().to_owned();
    assert!(!first.is_empty());
    assert!(tokens.refresh_token.is_some());
    assert!(tokens.expires_at.is_some());
    let shown = format!("{tokens:?}");
    assert!(!shown.contains(&first), "access token in Debug output");
    assert!(!shown.contains(tokens.refresh_token.as_ref().unwrap().expose_secret()));

    let provider = DesktopTokenProvider::from_sign_in(&config, tokens).unwrap();
    // The fresh token is served from the cache; a rejection forces a refresh grant.
    assert_eq!(provider.access_token().await.unwrap().expose_secret(), first);
    let refreshed = provider.refresh_access_token(provider.access_token().await.unwrap()).await.unwrap();
    assert_ne!(refreshed.expose_secret(), first);
    assert_eq!(provider.access_token().await.unwrap().expose_secret(), refreshed.expose_secret());
    assert!(!format!("{provider:?}").contains(refreshed.expose_secret()));
}

#[tokio::test]
async fn sign_in_times_out_without_a_browser() {
    let mut config = GoogleOAuthConfig::with_endpoints(
        "id".into(),
        None,
        Url::parse("http://127.0.0.1:9/authorize").unwrap(),
        Url::parse("http://127.0.0.1:9/token").unwrap(),
    );
    config.sign_in_timeout = Duration::from_millis(300);
    let result = sign_in(&config, |_| {}).await;
    assert_eq!(result.unwrap_err(), SignInError::TimedOut);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_consent_is_reported() {
    // What the browser is sent back with when the user clicks "Cancel" on the consent screen.
    let config = GoogleOAuthConfig::with_endpoints(
        "id".into(),
        None,
        Url::parse("http://127.0.0.1:9/authorize").unwrap(),
        Url::parse("http://127.0.0.1:9/token").unwrap(),
    );
    let result = sign_in(&config, |url| {
        let state = url.query_pairs().find(|(k, _)| k == "state").unwrap().1.into_owned();
        let back = format!("{}?error=access_denied&state={state}", redirect_uri(url));
        tokio::spawn(async move { reqwest::get(back).await.unwrap().status() });
    })
    .await;
    assert_eq!(result.unwrap_err(), SignInError::AccessDenied);
}
