//! Google OAuth for installed apps against cloud-apis.md §7 O1–O10.
// Helpers outside `#[test]` functions may fail loudly too.
#![allow(clippy::unwrap_used)]

mod common;

use common::{Env, assert_google_error};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const REDIRECT: &str = "http://127.0.0.1:53682/";
const SCOPE: &str = "https://www.googleapis.com/auth/drive.appdata";
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";

fn challenge(verifier: &str) -> String {
    let digest = Sha256::digest(verifier.as_bytes());
    // Unpadded base64url, written out here to stay independent of the emulator's encoder.
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in digest.chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(char::from(A[usize::try_from((n >> (18 - 6 * i)) & 63).unwrap()]));
        }
    }
    out
}

fn query_of(location: &str) -> Vec<(String, String)> {
    let url = url::Url::parse(location).unwrap();
    url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn param(pairs: &[(String, String)], name: &str) -> Option<String> {
    pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// Runs the authorization endpoint and returns the redirect's query.
async fn authorize(env: &Env, extra: &[(&str, &str)]) -> (StatusCode, Vec<(String, String)>) {
    let mut url = url::Url::parse(&env.url("/o/oauth2/v2/auth")).unwrap();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("client_id", cairn_emulator::DEFAULT_CLIENT_ID)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("response_type", "code")
            .append_pair("scope", SCOPE)
            .append_pair("state", "S-123");
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    let r = env.http.get(url).send().await.unwrap();
    let status = r.status();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_owned());
    (status, location.map(|l| query_of(&l)).unwrap_or_default())
}

async fn token(env: &Env, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let r = env.http.post(env.url("/token")).form(form).send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap())
}

fn code_form<'a>(code: &'a str, verifier: Option<&'a str>) -> Vec<(&'a str, &'a str)> {
    let mut form = vec![
        ("code", code),
        ("client_id", cairn_emulator::DEFAULT_CLIENT_ID),
        ("client_secret", cairn_emulator::DEFAULT_CLIENT_SECRET),
        ("redirect_uri", REDIRECT),
        ("grant_type", "authorization_code"),
    ];
    if let Some(v) = verifier {
        form.push(("code_verifier", v));
    }
    form
}

#[tokio::test]
async fn o1_o3_o6_code_pkce_exchange_refresh_and_use() {
    let env = Env::start().await;
    env.account("alice").await;
    let ch = challenge(VERIFIER);
    let (status, q) = authorize(&env, &[("code_challenge", &ch), ("code_challenge_method", "S256")]).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(param(&q, "state").as_deref(), Some("S-123"));
    assert_eq!(param(&q, "scope").as_deref(), Some(SCOPE));
    let code = param(&q, "code").unwrap();
    assert!(code.starts_with("4/"));
    let (status, t) = token(&env, &code_form(&code, Some(VERIFIER))).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["token_type"], "Bearer");
    assert_eq!(t["expires_in"], 3599);
    assert_eq!(t["scope"], SCOPE);
    let access = t["access_token"].as_str().unwrap();
    let refresh = t["refresh_token"].as_str().unwrap();
    let (status, _) = env.get_json(access, "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(status, StatusCode::OK);
    // O6: refresh gives a new access token and no refresh token.
    let (status, r) = token(
        &env,
        &[
            ("client_id", cairn_emulator::DEFAULT_CLIENT_ID),
            ("client_secret", cairn_emulator::DEFAULT_CLIENT_SECRET),
            ("refresh_token", refresh),
            ("grant_type", "refresh_token"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert!(r.get("refresh_token").is_none());
    assert_ne!(r["access_token"], t["access_token"]);
    assert!(r["expires_in"].as_u64().unwrap() > 0);
    let (status, _) = env.get_json(r["access_token"].as_str().unwrap(), "/drive/v3/about?fields=user").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn client_authentication_with_http_basic() {
    let env = Env::start().await;
    env.account("alice").await;
    let (_, q) = authorize(&env, &[]).await;
    let code = param(&q, "code").unwrap();
    let r = env
        .http
        .post(env.url("/token"))
        .basic_auth(cairn_emulator::DEFAULT_CLIENT_ID, Some(cairn_emulator::DEFAULT_CLIENT_SECRET))
        .form(&[("code", code.as_str()), ("redirect_uri", REDIRECT), ("grant_type", "authorization_code")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn o2_deny_switch_and_login_hint() {
    let env = Env::start().await;
    env.account("alice").await;
    env.account("bob").await;
    // login_hint picks the account (by id or email).
    let (_, q) = authorize(&env, &[("login_hint", "bob@example.com")]).await;
    let (status, t) = token(&env, &code_form(&param(&q, "code").unwrap(), None)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, about) =
        env.get_json(t["access_token"].as_str().unwrap(), "/drive/v3/about?fields=user(emailAddress)").await;
    assert_eq!(about["user"]["emailAddress"], "bob@example.com");
    // Without a hint: the configured default account, else the first created.
    let (_, q) = authorize(&env, &[]).await;
    let (_, t) = token(&env, &code_form(&param(&q, "code").unwrap(), None)).await;
    let (_, about) =
        env.get_json(t["access_token"].as_str().unwrap(), "/drive/v3/about?fields=user(emailAddress)").await;
    assert_eq!(about["user"]["emailAddress"], "alice@example.com");
    env.control(Method::POST, "/__control/settings", Some(json!({"oauth_default_account": "bob"}))).await;
    let (_, q) = authorize(&env, &[]).await;
    let (_, t) = token(&env, &code_form(&param(&q, "code").unwrap(), None)).await;
    let (_, about) =
        env.get_json(t["access_token"].as_str().unwrap(), "/drive/v3/about?fields=user(emailAddress)").await;
    assert_eq!(about["user"]["emailAddress"], "bob@example.com");
    // O2.
    env.control(Method::POST, "/__control/settings", Some(json!({"oauth_deny": true}))).await;
    let (status, q) = authorize(&env, &[]).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(param(&q, "error").as_deref(), Some("access_denied"));
    assert_eq!(param(&q, "state").as_deref(), Some("S-123"));
    assert!(param(&q, "code").is_none());
}

#[tokio::test]
async fn authorization_request_validation() {
    let env = Env::start().await;
    env.account("alice").await;
    let (status, q) =
        authorize(&env, &[("code_challenge", "short"), ("code_challenge_method", "S256")]).await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(param(&q, "error").as_deref(), Some("invalid_request"));
    let (_, q) =
        authorize(&env, &[("code_challenge", &challenge(VERIFIER)), ("code_challenge_method", "S512")]).await;
    assert_eq!(param(&q, "error").as_deref(), Some("invalid_request"));
    // Unknown client and non-loopback redirect are error pages, never redirects.
    let r = env
        .http
        .get(env.url("/o/oauth2/v2/auth?client_id=nope&redirect_uri=http%3A%2F%2F127.0.0.1%3A1%2F&response_type=code&scope=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get("location").is_none());
    let r = env
        .http
        .get(env.url(&format!(
            "/o/oauth2/v2/auth?client_id={}&redirect_uri=https%3A%2F%2Fevil.example%2F&response_type=code&scope=x",
            cairn_emulator::DEFAULT_CLIENT_ID
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("redirect_uri_mismatch"));
    // Registered custom-scheme redirects work for their client.
    env.control(Method::POST, "/__control/clients", Some(json!({"client_id": "android-app", "public": true, "redirect_uris": ["com.example.app:/oauth2redirect"]}))).await;
    let r = env
        .http
        .get(env.url("/o/oauth2/v2/auth?client_id=android-app&redirect_uri=com.example.app%3A%2Foauth2redirect&response_type=code&scope=x&state=q"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FOUND);
    let location = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("com.example.app:/oauth2redirect?state=q&code="), "{location}");
    // A public client exchanges its code without a secret.
    let code = param(&query_of(&location), "code").unwrap();
    let (status, t) = token(
        &env,
        &[
            ("code", &code),
            ("client_id", "android-app"),
            ("redirect_uri", "com.example.app:/oauth2redirect"),
            ("grant_type", "authorization_code"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{t}");
}

#[tokio::test]
async fn o4_reused_and_malformed_codes() {
    let env = Env::start().await;
    env.account("alice").await;
    let (_, q) = authorize(&env, &[]).await;
    let code = param(&q, "code").unwrap();
    let (status, _) = token(&env, &code_form(&code, None)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) = token(&env, &code_form(&code, None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v, json!({"error": "invalid_grant", "error_description": "Bad Request"}));
    let (status, v) = token(&env, &code_form("garbage", None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v, json!({"error": "invalid_grant", "error_description": "Malformed auth code."}));
    // Expired code.
    let (_, q) = authorize(&env, &[]).await;
    env.control(Method::POST, "/__control/clock", Some(json!({"advance_secs": 601}))).await;
    let (status, v) = token(&env, &code_form(&param(&q, "code").unwrap(), None)).await;
    assert_eq!((status, v["error"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_grant")));
    // Redirect mismatch.
    let (_, q) = authorize(&env, &[]).await;
    let code = param(&q, "code").unwrap();
    let mut form = code_form(&code, None);
    form[3] = ("redirect_uri", "http://127.0.0.1:9/");
    let (status, v) = token(&env, &form).await;
    assert_eq!((status, v["error"].clone()), (StatusCode::BAD_REQUEST, json!("redirect_uri_mismatch")));
}

#[tokio::test]
async fn o5_pkce_verifier_errors() {
    let env = Env::start().await;
    env.account("alice").await;
    let ch = challenge(VERIFIER);
    let pkce = [("code_challenge", ch.as_str()), ("code_challenge_method", "S256")];
    let (_, q) = authorize(&env, &pkce).await;
    let wrong = "A".repeat(43);
    let (status, v) = token(&env, &code_form(&param(&q, "code").unwrap(), Some(&wrong))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(v, json!({"error": "invalid_grant", "error_description": "Invalid code verifier."}));
    let (_, q) = authorize(&env, &pkce).await;
    let (_, v) = token(&env, &code_form(&param(&q, "code").unwrap(), None)).await;
    assert_eq!(v, json!({"error": "invalid_grant", "error_description": "Missing code verifier."}));
    let (_, q) = authorize(&env, &[]).await;
    let (_, v) = token(&env, &code_form(&param(&q, "code").unwrap(), Some(VERIFIER))).await;
    assert_eq!(
        v,
        json!({"error": "invalid_grant", "error_description": "code_verifier or verifier is not needed"})
    );
    // plain method.
    let (_, q) = authorize(&env, &[("code_challenge", VERIFIER), ("code_challenge_method", "plain")]).await;
    let (status, _) = token(&env, &code_form(&param(&q, "code").unwrap(), Some(VERIFIER))).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn o7_o9_revoke_then_refresh_fails() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let refresh_form = |rt: &str| {
        vec![
            ("client_id".to_owned(), cairn_emulator::DEFAULT_CLIENT_ID.to_owned()),
            ("client_secret".to_owned(), cairn_emulator::DEFAULT_CLIENT_SECRET.to_owned()),
            ("refresh_token".to_owned(), rt.to_owned()),
            ("grant_type".to_owned(), "refresh_token".to_owned()),
        ]
    };
    let r = env.http.post(env.url(&format!("/revoke?token={}", a.refresh))).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = env.http.post(env.url("/token")).form(&refresh_form(&a.refresh)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."})
    );
    // The access token of the same grant died with it.
    let (status, v) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_google_error(status, &v, 401, "authError");
    // Revoking twice / unknown tokens: 400 invalid_token.
    let r = env.http.post(env.url("/revoke")).form(&[("token", a.refresh.as_str())]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_token");
    // Idle expiry (6 months) and testing-mode lifetime (7 days).
    let (_, t) = env
        .control(Method::POST, "/__control/accounts/alice/tokens", Some(json!({"refresh_token": true})))
        .await;
    let rt = t["refresh_token"].as_str().unwrap().to_owned();
    env.control(Method::POST, "/__control/clock", Some(json!({"advance_secs": 184 * 24 * 3600}))).await;
    let r = env.http.post(env.url("/token")).form(&refresh_form(&rt)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    env.control(
        Method::POST,
        "/__control/clients",
        Some(
            json!({"client_id": "testing-app", "client_secret": "s", "refresh_token_lifetime_secs": 604_800}),
        ),
    )
    .await;
    let (_, t) = env
        .control(
            Method::POST,
            "/__control/accounts/alice/tokens",
            Some(json!({"client_id": "testing-app", "refresh_token": true})),
        )
        .await;
    let rt = t["refresh_token"].as_str().unwrap().to_owned();
    let form = [
        ("client_id", "testing-app"),
        ("client_secret", "s"),
        ("refresh_token", rt.as_str()),
        ("grant_type", "refresh_token"),
    ];
    let r = env.http.post(env.url("/token")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    env.control(Method::POST, "/__control/clock", Some(json!({"advance_secs": 7 * 24 * 3600 + 1}))).await;
    let r = env.http.post(env.url("/token")).form(&form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn o8_client_and_grant_errors() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    let (status, v) = token(
        &env,
        &[
            ("client_id", cairn_emulator::DEFAULT_CLIENT_ID),
            ("client_secret", "wrong"),
            ("grant_type", "refresh_token"),
            ("refresh_token", &a.refresh),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(v["error"], "invalid_client");
    let (status, v) =
        token(&env, &[("client_id", "unknown"), ("client_secret", "x"), ("grant_type", "refresh_token")])
            .await;
    assert_eq!((status, v["error"].clone()), (StatusCode::UNAUTHORIZED, json!("invalid_client")));
    let (status, v) =
        token(&env, &[("client_id", cairn_emulator::DEFAULT_CLIENT_ID), ("grant_type", "refresh_token")])
            .await;
    assert_eq!((status, v["error"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_request")));
    let (status, v) = token(&env, &[("grant_type", "refresh_token")]).await;
    assert_eq!((status, v["error"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_request")));
    let base = [
        ("client_id", cairn_emulator::DEFAULT_CLIENT_ID),
        ("client_secret", cairn_emulator::DEFAULT_CLIENT_SECRET),
    ];
    let (status, v) = token(&env, &[base[0], base[1], ("grant_type", "password")]).await;
    assert_eq!((status, v["error"].clone()), (StatusCode::BAD_REQUEST, json!("unsupported_grant_type")));
    let (status, v) = token(&env, &base).await;
    assert_eq!((status, v["error"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_request")));
    let (status, v) = token(&env, &[base[0], base[1], ("grant_type", "refresh_token")]).await;
    assert_eq!((status, v["error"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_request")));
    // A refresh token of another client.
    env.control(
        Method::POST,
        "/__control/clients",
        Some(json!({"client_id": "other", "client_secret": "s2"})),
    )
    .await;
    let (status, v) = token(
        &env,
        &[
            ("client_id", "other"),
            ("client_secret", "s2"),
            ("grant_type", "refresh_token"),
            ("refresh_token", &a.refresh),
        ],
    )
    .await;
    assert_eq!((status, v["error"].clone()), (StatusCode::BAD_REQUEST, json!("unauthorized_client")));
    // GET is not the token endpoint's method.
    let r = env.http.get(env.url("/token")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn o10_expired_access_token_then_refresh_then_replay() {
    let env = Env::start().await;
    let a = env.account("alice").await;
    env.drive_put(&a.google, "w", json!({}), b"x").await;
    env.control(Method::POST, "/__control/clock", Some(json!({"advance_secs": 3600}))).await;
    let (status, v) = env.get_json(&a.google, "/drive/v3/files?spaces=appDataFolder").await;
    assert_google_error(status, &v, 401, "authError");
    let (status, t) = token(
        &env,
        &[
            ("client_id", &a.client_id),
            ("client_secret", a.client_secret.as_deref().unwrap()),
            ("refresh_token", &a.refresh),
            ("grant_type", "refresh_token"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (status, v) =
        env.get_json(t["access_token"].as_str().unwrap(), "/drive/v3/files?spaces=appDataFolder").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["files"].as_array().unwrap().len(), 1, "same account, same data after refresh");
}

#[tokio::test]
async fn refresh_token_limit_invalidates_the_oldest() {
    let env = Env::start().await;
    env.account("alice").await;
    env.control(Method::POST, "/__control/settings", Some(json!({"refresh_tokens_per_client_limit": 2})))
        .await;
    let mut tokens = Vec::new();
    for _ in 0..3 {
        env.control(Method::POST, "/__control/clock", Some(json!({"advance_ms": 5}))).await;
        let (_, q) = authorize(&env, &[]).await;
        let (_, t) = token(&env, &code_form(&param(&q, "code").unwrap(), None)).await;
        tokens.push(t["refresh_token"].as_str().unwrap().to_owned());
    }
    let refresh = |rt: String| {
        let env = &env;
        async move {
            token(
                env,
                &[
                    ("client_id", cairn_emulator::DEFAULT_CLIENT_ID),
                    ("client_secret", cairn_emulator::DEFAULT_CLIENT_SECRET),
                    ("refresh_token", &rt),
                    ("grant_type", "refresh_token"),
                ],
            )
            .await
            .0
        }
    };
    // The control-API token and then the first of these were evicted, oldest first.
    assert_eq!(refresh(tokens[0].clone()).await, StatusCode::BAD_REQUEST);
    assert_eq!(refresh(tokens[1].clone()).await, StatusCode::OK);
    assert_eq!(refresh(tokens[2].clone()).await, StatusCode::OK);
}
