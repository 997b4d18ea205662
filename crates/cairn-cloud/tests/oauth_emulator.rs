//! Desktop Google sign-in against the emulator's Google OAuth personality (Google's exact
//! behaviour: PKCE checks, `invalid_grant` on revoked or idle refresh tokens, `invalid_client`),
//! and the resulting token provider driving a Drive store.

// Test code: helpers outside #[test] functions may panic on a broken expectation too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;

use cairn_cloud::google_oauth::{
    DesktopTokenProvider, GoogleOAuthConfig, RefreshToken, SignInError, TokenEndpointError, sign_in,
};
use cairn_cloud::{CloudStore, ProviderUnavailableReason, TokenError, TokenProvider};
use serde_json::json;
use support::RecordingSleeper;
use support::contract::props;
use support::emulator::Emu;
use url::Url;

fn config(emu: &Emu, secret: &str) -> GoogleOAuthConfig {
    GoogleOAuthConfig::with_endpoints(
        cairn_emulator::DEFAULT_CLIENT_ID.into(),
        Some(secret.into()),
        Url::parse(&emu.url("/o/oauth2/v2/auth")).unwrap(),
        Url::parse(&emu.url("/token")).unwrap(),
    )
}

/// Plays the browser: follows the authorization URL and its redirect to our loopback listener.
fn browser(url: &Url) {
    let url = url.clone();
    tokio::spawn(async move {
        let _ = reqwest::get(url).await;
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_then_use_drive() {
    let emu = Emu::start().await;
    emu.create_account("carol").await;
    let config = config(&emu, cairn_emulator::DEFAULT_CLIENT_SECRET);
    let tokens = sign_in(&config, browser).await.unwrap();
    assert!(tokens.refresh_token.is_some(), "installed apps always get a refresh token");
    assert_eq!(tokens.scopes, vec![cairn_cloud::google_drive::DRIVE_APPDATA_SCOPE.to_owned()]);

    let log = emu.log().await;
    let authorize = log.iter().find(|e| e.path == "/o/oauth2/v2/auth").unwrap();
    assert_eq!(authorize.query["code_challenge_method"], "S256");
    assert_eq!(authorize.query["response_type"], "code");
    assert!(authorize.query["redirect_uri"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    assert_eq!(log.iter().filter(|e| e.path == "/token" && e.status == Some(200)).count(), 1);

    let provider = Arc::new(DesktopTokenProvider::from_sign_in(&config, tokens).unwrap());
    let sleeper = Arc::new(RecordingSleeper::default());
    let store = emu.google_store(provider.clone(), sleeper);
    store.put("epoch", b"sealed", &props(&[])).await.unwrap();
    assert_eq!(store.get("epoch").await.unwrap().bytes, b"sealed");
    assert_eq!(emu.files("carol").await.len(), 1, "the signed-in account got the object");

    // A rejected access token makes the provider use its refresh token.
    let before = provider.access_token().await.unwrap();
    let after = provider.refresh_access_token(before.clone()).await.unwrap();
    assert_ne!(before.expose_secret(), after.expose_secret());
    assert_eq!(store.get("epoch").await.unwrap().bytes, b"sealed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn denied_consent() {
    let emu = Emu::start().await;
    emu.create_account("carol").await;
    emu.settings(json!({"oauth_deny": true})).await;
    let result = sign_in(&config(&emu, cairn_emulator::DEFAULT_CLIENT_SECRET), browser).await;
    assert_eq!(result.unwrap_err(), SignInError::AccessDenied);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_client_secret() {
    let emu = Emu::start().await;
    emu.create_account("carol").await;
    let result = sign_in(&config(&emu, "not-the-secret"), browser).await;
    assert_eq!(result.unwrap_err(), SignInError::TokenEndpoint(TokenEndpointError::InvalidClient));
}

#[tokio::test]
async fn revoked_or_idle_refresh_tokens_need_a_new_sign_in() {
    let emu = Emu::start().await;
    let account = emu.create_account("carol").await;
    let config = config(&emu, cairn_emulator::DEFAULT_CLIENT_SECRET);

    let provider =
        DesktopTokenProvider::new(&config, RefreshToken::new(account.google_refresh.clone())).unwrap();
    assert!(!provider.access_token().await.unwrap().expose_secret().is_empty());
    emu.post("/__control/accounts/carol/revoke-tokens", json!({})).await;
    let revoked = provider.refresh_access_token(provider.access_token().await.unwrap()).await;
    assert_eq!(revoked.unwrap_err(), TokenError::ReSignInRequired);

    // A refresh token unused for longer than the idle limit (Google: 6 months) stops working.
    let fresh = emu.post("/__control/accounts/carol/tokens", json!({"refresh_token": true})).await;
    emu.settings(json!({"refresh_token_idle_secs": 60})).await;
    emu.post("/__control/clock", json!({"advance_secs": 3600})).await;
    let idle = DesktopTokenProvider::new(
        &config,
        RefreshToken::new(fresh["refresh_token"].as_str().unwrap().into()),
    )
    .unwrap();
    assert_eq!(idle.access_token().await.unwrap_err(), TokenError::ReSignInRequired);
}

#[tokio::test]
async fn token_endpoint_failures_are_typed() {
    let emu = Emu::start().await;
    let account = emu.create_account("carol").await;
    let refresh = RefreshToken::new(account.google_refresh.clone());

    emu.fault(json!({"method": "POST", "path": "/token", "status": 503})).await;
    let provider =
        DesktopTokenProvider::new(&config(&emu, cairn_emulator::DEFAULT_CLIENT_SECRET), refresh.clone())
            .unwrap();
    assert_eq!(provider.access_token().await.unwrap_err(), TokenError::Network);
    // The next attempt goes through.
    assert!(provider.access_token().await.is_ok());

    let wrong_client = DesktopTokenProvider::new(&config(&emu, "wrong"), refresh).unwrap();
    assert_eq!(
        wrong_client.access_token().await.unwrap_err(),
        TokenError::ProviderUnavailable(ProviderUnavailableReason::AppNotConfigured)
    );

    emu.fault(json!({"method": "POST", "path": "/token", "drop_connection": true})).await;
    assert_eq!(
        provider.refresh_access_token(provider.access_token().await.unwrap()).await.unwrap_err(),
        TokenError::Network
    );
}
