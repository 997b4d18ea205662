//! Google OAuth 2.0 for installed apps: the authorization endpoint (auto-approving, since no
//! human is present), the token endpoint (authorization code with PKCE, refresh token) and
//! revocation, with Google's RFC 6749 error codes and texts (cloud-apis.md §2).

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::errors::{ApiError, HttpResponse, OAuthError, json_response};
use crate::http::{LoggedAccount, Personality, Req, Shared, method_not_allowed, parse_query, percent_decode};
use crate::ids::{constant_time_eq, random_token};
use crate::state::{AuthCode, OAuthClient, PkceMethod, Provider, State};

fn text_page(status: StatusCode, text: &str) -> HttpResponse {
    let mut r = HttpResponse::new(Body::from(text.to_owned()));
    *r.status_mut() = status;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=UTF-8"));
    r
}

fn redirect(location: &str) -> HttpResponse {
    let mut r = HttpResponse::new(Body::empty());
    *r.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// Loopback redirect URIs are always allowed for installed apps (any port).
fn is_loopback_redirect(uri: &url::Url) -> bool {
    uri.scheme() == "http" && matches!(uri.host(), Some(url::Host::Ipv4(ip)) if ip.is_loopback())
        || uri.scheme() == "http" && matches!(uri.host(), Some(url::Host::Ipv6(ip)) if ip.is_loopback())
        || uri.scheme() == "http" && matches!(uri.host(), Some(url::Host::Domain("localhost")))
}

fn valid_pkce_string(s: &str) -> bool {
    (43..=128).contains(&s.len()) && s.bytes().all(|c| c.is_ascii_alphanumeric() || b"-._~".contains(&c))
}

fn with_params(base: &url::Url, params: &[(&str, &str)]) -> String {
    let mut u = base.clone();
    {
        let mut q = u.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    u.to_string()
}

/// `GET /o/oauth2/v2/auth`.
pub(crate) fn authorize(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    if req.method != Method::GET && req.method != Method::POST {
        return Err(method_not_allowed(Personality::OAuth));
    }
    let mut st = shared.state();
    let Some(client_id) = req.param("client_id") else {
        return Ok(text_page(
            StatusCode::BAD_REQUEST,
            "Error 400: invalid_request\nMissing required parameter: client_id",
        ));
    };
    let Some(client) = st.clients.get(client_id).cloned() else {
        return Ok(text_page(
            StatusCode::UNAUTHORIZED,
            "Error 401: invalid_client\nThe OAuth client was not found.",
        ));
    };
    let Some(redirect_text) = req.param("redirect_uri") else {
        return Ok(text_page(
            StatusCode::BAD_REQUEST,
            "Error 400: invalid_request\nMissing required parameter: redirect_uri",
        ));
    };
    let allowed = url::Url::parse(redirect_text)
        .ok()
        .filter(|u| is_loopback_redirect(u) || client.redirect_uris.iter().any(|r| r == redirect_text));
    let Some(redirect_uri) = allowed else {
        return Ok(text_page(StatusCode::BAD_REQUEST, "Error 400: redirect_uri_mismatch"));
    };
    let state_param = req.param("state");
    let fail = |error: &str| {
        let mut params = vec![("error", error)];
        if let Some(s) = state_param {
            params.push(("state", s));
        }
        Ok(redirect(&with_params(&redirect_uri, &params)))
    };
    if req.param("response_type") != Some("code") {
        return fail("unsupported_response_type");
    }
    let Some(scope) = req.param("scope").filter(|s| !s.trim().is_empty()) else {
        return fail("invalid_request");
    };
    let challenge = match (req.param("code_challenge"), req.param("code_challenge_method")) {
        (None, None) => None,
        (None, Some(_)) => return fail("invalid_request"),
        (Some(c), method) => {
            let method = match method {
                None | Some("plain") => PkceMethod::Plain,
                Some("S256") => PkceMethod::S256,
                Some(_) => return fail("invalid_request"),
            };
            if !valid_pkce_string(c) {
                return fail("invalid_request");
            }
            Some((c.to_owned(), method))
        }
    };
    if st.settings.oauth_deny {
        return fail("access_denied");
    }
    let account = match req.param("login_hint") {
        Some(hint) => st
            .accounts
            .values()
            .find(|a| a.id == hint || a.email.eq_ignore_ascii_case(hint))
            .map(|a| a.id.clone()),
        None => st
            .settings
            .oauth_default_account
            .clone()
            .filter(|id| st.accounts.contains_key(id))
            .or_else(|| st.accounts.values().min_by_key(|a| a.created_ms).map(|a| a.id.clone())),
    };
    let Some(account) = account else {
        return fail("access_denied");
    };
    let code = random_token("4/0A", 72)
        .map_err(|_| OAuthError::new(500, "internal_failure", "Internal failure."))?;
    let now = st.now_ms();
    let lifetime =
        i64::try_from(st.settings.auth_code_lifetime_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    if st.auth_codes.len() >= st.limits.max_access_tokens {
        st.auth_codes.retain(|_, c| c.expires_ms > now && !c.used);
        if st.auth_codes.len() >= st.limits.max_access_tokens {
            return fail("temporarily_unavailable");
        }
    }
    st.auth_codes.insert(
        code.clone(),
        AuthCode {
            account: account.clone(),
            client_id: client.id.clone(),
            redirect_uri: redirect_text.to_owned(),
            scope: scope.to_owned(),
            challenge,
            expires_ms: now.saturating_add(lifetime),
            used: false,
        },
    );
    let mut params = Vec::new();
    if let Some(s) = state_param {
        params.push(("state", s));
    }
    params.push(("code", code.as_str()));
    params.push(("scope", scope));
    let mut resp = redirect(&with_params(&redirect_uri, &params));
    resp.extensions_mut().insert(LoggedAccount(account));
    Ok(resp)
}

/// Decodes standard base64 (with or without padding); `None` on any invalid character.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((acc >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

fn form_decode(s: &str) -> String {
    percent_decode(&s.replace('+', " "))
}

/// Parameters from the form (or JSON) body.
fn body_params(req: &Req) -> Result<Vec<(String, String)>, OAuthError> {
    let ct = req.header("content-type").unwrap_or("").to_ascii_lowercase();
    if ct.starts_with("application/json") {
        let v: Value = serde_json::from_slice(&req.body)
            .map_err(|_| OAuthError::invalid_request("Invalid JSON payload."))?;
        let obj = v.as_object().ok_or_else(|| OAuthError::invalid_request("Invalid JSON payload."))?;
        return Ok(obj.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned()))).collect());
    }
    let text =
        std::str::from_utf8(&req.body).map_err(|_| OAuthError::invalid_request("Invalid request body."))?;
    Ok(parse_query(Some(text)))
}

fn get<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty())
}

/// Who is calling: client id and secret from HTTP Basic or the body.
fn client_credentials(
    req: &Req,
    params: &[(String, String)],
) -> Result<(String, Option<String>), OAuthError> {
    if let Some(auth) = req.header("authorization")
        && let Some((scheme, rest)) = auth.split_once(' ')
        && scheme.eq_ignore_ascii_case("basic")
    {
        let raw = base64_decode(rest.trim())
            .ok_or_else(|| OAuthError::new(401, "invalid_client", "Unauthorized"))?;
        let text =
            String::from_utf8(raw).map_err(|_| OAuthError::new(401, "invalid_client", "Unauthorized"))?;
        let (id, secret) =
            text.split_once(':').ok_or_else(|| OAuthError::new(401, "invalid_client", "Unauthorized"))?;
        return Ok((form_decode(id), Some(form_decode(secret))));
    }
    let id = get(params, "client_id")
        .ok_or_else(|| OAuthError::invalid_request("Could not determine client ID from request."))?;
    Ok((id.to_owned(), get(params, "client_secret").map(str::to_owned)))
}

fn authenticate_client(st: &State, id: &str, secret: Option<&str>) -> Result<OAuthClient, OAuthError> {
    let client = st
        .clients
        .get(id)
        .cloned()
        .ok_or_else(|| OAuthError::new(401, "invalid_client", "The OAuth client was not found."))?;
    match (&client.secret, secret) {
        (None, _) => Ok(client),
        (Some(_), None) => Err(OAuthError::invalid_request("client_secret is missing.")),
        (Some(expected), Some(given)) if constant_time_eq(expected.as_bytes(), given.as_bytes()) => {
            Ok(client)
        }
        (Some(_), Some(_)) => Err(OAuthError::new(401, "invalid_client", "Unauthorized")),
    }
}

fn token_response(value: &Value, account: &str) -> HttpResponse {
    let mut resp = json_response(StatusCode::OK, value, true);
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-cache, no-store, max-age=0, must-revalidate"),
    );
    resp.headers_mut().insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    resp.extensions_mut().insert(LoggedAccount(account.to_owned()));
    resp
}

fn internal() -> OAuthError {
    OAuthError::new(500, "internal_failure", "Internal failure.")
}

/// `POST /token`.
pub(crate) fn token(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    if req.method != Method::POST {
        return Err(method_not_allowed(Personality::OAuth));
    }
    let params = body_params(&req)?;
    let mut st = shared.state();
    let (client_id, secret) = client_credentials(&req, &params)?;
    let client = authenticate_client(&st, &client_id, secret.as_deref())?;
    match get(&params, "grant_type") {
        None => Err(OAuthError::invalid_request("Missing required parameter: grant_type").into()),
        Some("authorization_code") => exchange_code(&mut st, &client, &params),
        Some("refresh_token") => refresh(&mut st, &client, &params),
        Some(other) => Err(OAuthError::new(
            400,
            "unsupported_grant_type",
            &format!("Invalid grant_type: {}", other.chars().take(64).collect::<String>()),
        )
        .into()),
    }
}

fn exchange_code(
    st: &mut State,
    client: &OAuthClient,
    params: &[(String, String)],
) -> Result<HttpResponse, ApiError> {
    let code =
        get(params, "code").ok_or_else(|| OAuthError::invalid_request("Missing required parameter: code"))?;
    let now = st.now_ms();
    let Some(entry) = st.auth_codes.get(code).cloned() else {
        let text = if code.starts_with("4/") { "Bad Request" } else { "Malformed auth code." };
        return Err(OAuthError::invalid_grant(text).into());
    };
    if entry.used
        || entry.expires_ms <= now
        || entry.client_id != client.id
        || !st.accounts.contains_key(&entry.account)
    {
        return Err(OAuthError::invalid_grant("Bad Request").into());
    }
    match get(params, "redirect_uri") {
        None => return Err(OAuthError::invalid_request("Missing parameter: redirect_uri").into()),
        Some(r) if r != entry.redirect_uri => {
            return Err(OAuthError::new(400, "redirect_uri_mismatch", "Bad Request").into());
        }
        Some(_) => {}
    }
    let verifier = get(params, "code_verifier");
    match (&entry.challenge, verifier) {
        (None, None) => {}
        (None, Some(_)) => {
            return Err(OAuthError::invalid_grant("code_verifier or verifier is not needed").into());
        }
        (Some(_), None) => return Err(OAuthError::invalid_grant("Missing code verifier.").into()),
        (Some((challenge, method)), Some(v)) => {
            let computed = match method {
                PkceMethod::Plain => v.to_owned(),
                PkceMethod::S256 => base64url_nopad(&Sha256::digest(v.as_bytes())),
            };
            if !valid_pkce_string(v) || !constant_time_eq(computed.as_bytes(), challenge.as_bytes()) {
                return Err(OAuthError::invalid_grant("Invalid code verifier.").into());
            }
        }
    }
    if let Some(c) = st.auth_codes.get_mut(code) {
        c.used = true;
    }
    let (refresh_token, grant_id) =
        st.issue_refresh_token(&entry.account, &client.id, &entry.scope).map_err(|_| internal())?;
    let lifetime = st.settings.access_token_lifetime_secs;
    let access = st
        .issue_access_token(
            Provider::Google,
            &entry.account,
            &client.id,
            &entry.scope,
            lifetime,
            Some(grant_id),
        )
        .map_err(|_| internal())?;
    let body = json!({
        "access_token": access.token,
        "expires_in": access.expires_in,
        "refresh_token": refresh_token,
        "scope": entry.scope,
        "token_type": "Bearer",
    });
    Ok(token_response(&body, &entry.account))
}

fn refresh(
    st: &mut State,
    client: &OAuthClient,
    params: &[(String, String)],
) -> Result<HttpResponse, ApiError> {
    let token = get(params, "refresh_token")
        .ok_or_else(|| OAuthError::invalid_request("Missing required parameter: refresh_token"))?;
    let expired = || OAuthError::invalid_grant("Token has been expired or revoked.");
    let entry = st.refresh_tokens.get(token).cloned().ok_or_else(expired)?;
    if !st.refresh_token_alive(&entry) || !st.accounts.contains_key(&entry.account) {
        return Err(expired().into());
    }
    if entry.client_id != client.id {
        return Err(OAuthError::new(400, "unauthorized_client", "Unauthorized").into());
    }
    let now = st.now_ms();
    if let Some(r) = st.refresh_tokens.get_mut(token) {
        r.last_used_ms = now;
    }
    let lifetime = st.settings.access_token_lifetime_secs;
    let access = st
        .issue_access_token(
            Provider::Google,
            &entry.account,
            &client.id,
            &entry.scope,
            lifetime,
            Some(entry.grant_id.clone()),
        )
        .map_err(|_| internal())?;
    let body = json!({
        "access_token": access.token,
        "expires_in": access.expires_in,
        "scope": entry.scope,
        "token_type": "Bearer",
    });
    Ok(token_response(&body, &entry.account))
}

/// `POST /revoke?token=…` (the token may also come in the form body).
pub(crate) fn revoke(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    if req.method != Method::POST && req.method != Method::GET {
        return Err(method_not_allowed(Personality::OAuth));
    }
    let params = body_params(&req)?;
    let token = req
        .param("token")
        .map(str::to_owned)
        .or_else(|| get(&params, "token").map(str::to_owned))
        .ok_or_else(|| OAuthError::invalid_request("Missing required parameter: token"))?;
    let mut st = shared.state();
    let account = st
        .refresh_tokens
        .get(&token)
        .map(|r| r.account.clone())
        .or_else(|| st.access_tokens.get(&token).map(|a| a.account.clone()));
    if !st.revoke_grant_of(&token) {
        return Err(OAuthError::new(400, "invalid_token", "Token expired or revoked").into());
    }
    let mut resp = json_response(StatusCode::OK, &json!({}), true);
    if let Some(a) = account {
        resp.extensions_mut().insert(LoggedAccount(a));
    }
    Ok(resp)
}

/// Unpadded base64url, as PKCE's S256 challenge uses.
pub(crate) fn base64url_nopad(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b0 = u32::from(chunk.first().copied().unwrap_or(0));
        let b1 = u32::from(chunk.get(1).copied().unwrap_or(0));
        let b2 = u32::from(chunk.get(2).copied().unwrap_or(0));
        let n = (b0 << 16) | (b1 << 8) | b2;
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = usize::try_from((n >> (18 - 6 * i)) & 63).unwrap_or(0);
            out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'A')));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_s256_example() {
        // RFC 7636 appendix B.
        let verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            base64url_nopad(&Sha256::digest(verifier.as_bytes())),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn base64_round_trips() {
        assert_eq!(base64_decode("aWQ6c2VjcmV0").unwrap(), b"id:secret");
        assert_eq!(base64_decode("aWQ6c2VjcmV0==").unwrap(), b"id:secret");
        assert!(base64_decode("a!b").is_none());
        assert_eq!(base64url_nopad(b"ab"), "YWI");
    }

    #[test]
    fn loopback_detection() {
        for ok in ["http://127.0.0.1:5000/", "http://[::1]:9/cb", "http://localhost:1"] {
            assert!(is_loopback_redirect(&url::Url::parse(ok).unwrap()), "{ok}");
        }
        for bad in ["https://127.0.0.1/", "http://example.com/", "com.example:/cb"] {
            assert!(!is_loopback_redirect(&url::Url::parse(bad).unwrap()), "{bad}");
        }
    }
}
