//! The control API under `/__control/` (documented in the README; a public interface): accounts
//! and their tokens, quotas, OAuth clients, fault rules, the request log, the clock, runtime
//! settings, reset and app-data wipes. Answers are JSON; errors are `{"error": "…"}`.

use axum::http::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::clock::format_rfc3339;
use crate::config::Settings;
use crate::errors::{ApiError, ControlError, HttpResponse, json_response};
use crate::faults::FaultSpec;
use crate::http::{Personality, Req, Shared, method_not_allowed};
use crate::ids::random_token;
use crate::state::{
    Account, DEFAULT_CLIENT_ID, DEFAULT_HUAWEI_APP_ID, GOOGLE_APPDATA_SCOPE, HUAWEI_APPDATA_SCOPE,
    OAuthClient, Provider, Quota, State,
};

type Result<T> = std::result::Result<T, ApiError>;

fn ok(value: &Value) -> Result<HttpResponse> {
    Ok(json_response(StatusCode::OK, value, true))
}

fn body<T: DeserializeOwned + Default>(req: &Req) -> Result<T> {
    if req.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    serde_json::from_slice(&req.body)
        .map_err(|e| ControlError::bad_request(format!("invalid JSON body: {e}")).into())
}

fn internal() -> ApiError {
    ControlError::new(500, "the OS random source failed").into()
}

fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|c| c.is_ascii_alphanumeric() || b"._@+-".contains(&c))
}

fn quota_view(st: &State, account: &Account, provider: Provider) -> Value {
    let q = match provider {
        Provider::Google => &account.google_quota,
        Provider::Huawei => &account.huawei_quota,
    };
    let app = st.app_usage(provider, &account.id);
    json!({
        "limit": q.limit,
        "usage": q.other_usage,
        "app_usage": app,
        "total_usage": q.other_usage.saturating_add(app),
    })
}

fn account_view(st: &State, a: &Account) -> Value {
    json!({
        "id": a.id,
        "email": a.email,
        "display_name": a.display_name,
        "permission_id": a.permission_id,
        "google_quota": quota_view(st, a, Provider::Google),
        "huawei_quota": quota_view(st, a, Provider::Huawei),
        "huawei_agreement_signed": a.huawei_agreement_signed,
        "huawei_region_supported": a.huawei_region_supported,
        "created_time": format_rfc3339(a.created_ms),
    })
}

fn client_view(c: &OAuthClient) -> Value {
    json!({
        "client_id": c.id,
        "client_secret": c.secret,
        "redirect_uris": c.redirect_uris,
        "refresh_token_lifetime_secs": c.refresh_token_lifetime_secs,
    })
}

pub(crate) fn health(shared: &Shared, _req: Req) -> Result<HttpResponse> {
    let st = shared.state();
    ok(&json!({"ok": true, "now": format_rfc3339(st.now_ms()), "accounts": st.accounts.len()}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaSpec {
    limit: Option<u64>,
    #[serde(default)]
    usage: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewAccount {
    id: Option<String>,
    email: Option<String>,
    display_name: Option<String>,
    client_id: Option<String>,
    huawei_app_id: Option<String>,
    google_scope: Option<String>,
    huawei_scope: Option<String>,
    google_quota: Option<QuotaSpec>,
    huawei_quota: Option<QuotaSpec>,
}

/// `GET|POST /__control/accounts`.
pub(crate) fn accounts(shared: &Shared, req: Req) -> Result<HttpResponse> {
    match req.method {
        Method::GET => {
            let st = shared.state();
            let list: Vec<Value> = st.accounts.values().map(|a| account_view(&st, a)).collect();
            ok(&json!({"accounts": list}))
        }
        Method::POST => create_account(shared, &req),
        _ => Err(method_not_allowed(Personality::Control)),
    }
}

fn create_account(shared: &Shared, req: &Req) -> Result<HttpResponse> {
    let spec: NewAccount = body(req)?;
    let mut st = shared.state();
    if st.accounts.len() >= st.limits.max_accounts {
        return Err(ControlError::new(
            507,
            format!("the emulator holds at most {} accounts", st.limits.max_accounts),
        )
        .into());
    }
    let id = spec.id.clone().unwrap_or_else(|| format!("user-{}", st.next_account_seq));
    if !valid_id(&id) {
        return Err(ControlError::bad_request("account ids are 1-64 characters of [A-Za-z0-9._@+-]").into());
    }
    if st.accounts.contains_key(&id) {
        return Err(ControlError::new(409, format!("account {id} already exists")).into());
    }
    let email = spec
        .email
        .clone()
        .unwrap_or_else(|| if id.contains('@') { id.clone() } else { format!("{id}@example.com") });
    if email.len() > 254
        || !email.contains('@')
        || st.accounts.values().any(|a| a.email.eq_ignore_ascii_case(&email))
    {
        return Err(ControlError::bad_request("email must be unique and look like an address").into());
    }
    let client_id = spec.client_id.clone().unwrap_or_else(|| DEFAULT_CLIENT_ID.to_owned());
    let Some(client) = st.clients.get(&client_id).cloned() else {
        return Err(ControlError::not_found(format!("no OAuth client {client_id}")).into());
    };
    let display = spec.display_name.clone().unwrap_or_else(|| id.clone());
    if display.len() > 256 {
        return Err(ControlError::bad_request("display_name is at most 256 bytes").into());
    }
    st.add_account(id.clone(), email, display);
    if let Some(a) = st.accounts.get_mut(&id) {
        if let Some(q) = &spec.google_quota {
            a.google_quota = Quota { limit: q.limit, other_usage: q.usage };
        }
        if let Some(q) = &spec.huawei_quota {
            a.huawei_quota = Quota { limit: q.limit, other_usage: q.usage };
        }
    }
    let google_scope = spec.google_scope.clone().unwrap_or_else(|| GOOGLE_APPDATA_SCOPE.to_owned());
    let huawei_scope = spec.huawei_scope.clone().unwrap_or_else(|| HUAWEI_APPDATA_SCOPE.to_owned());
    let huawei_app = spec.huawei_app_id.clone().unwrap_or_else(|| DEFAULT_HUAWEI_APP_ID.to_owned());
    let (refresh, grant) = st.issue_refresh_token(&id, &client_id, &google_scope).map_err(|_| internal())?;
    let google_lifetime = st.settings.access_token_lifetime_secs;
    let google = st
        .issue_access_token(Provider::Google, &id, &client_id, &google_scope, google_lifetime, Some(grant))
        .map_err(|_| internal())?;
    let huawei_lifetime = st.settings.huawei_token_lifetime_secs;
    let huawei = st
        .issue_access_token(Provider::Huawei, &id, &huawei_app, &huawei_scope, huawei_lifetime, None)
        .map_err(|_| internal())?;
    let view = st.accounts.get(&id).map(|a| account_view(&st, a)).unwrap_or(Value::Null);
    ok(&json!({
        "account": view,
        "google": {
            "client_id": client.id,
            "client_secret": client.secret,
            "access_token": google.token,
            "expires_in": google.expires_in,
            "refresh_token": refresh,
            "scope": google_scope,
            "token_type": "Bearer",
        },
        "huawei": {
            "app_id": huawei_app,
            "access_token": huawei.token,
            "expires_in": huawei.expires_in,
            "scope": huawei_scope,
        },
    }))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountUpdate {
    email: Option<String>,
    display_name: Option<String>,
    huawei_agreement_signed: Option<bool>,
    huawei_region_supported: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenRequest {
    provider: Option<Provider>,
    client_id: Option<String>,
    scope: Option<String>,
    lifetime_secs: Option<u64>,
    #[serde(default)]
    refresh_token: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scoped {
    provider: Option<Provider>,
    client_id: Option<String>,
}

/// `/__control/accounts/{id}[/tokens|/revoke-tokens|/wipe-appdata|/files]`.
pub(crate) fn account_item(shared: &Shared, req: Req) -> Result<HttpResponse> {
    let rest = req.tail("/__control/accounts/");
    let (id, action) = match rest.split_once('/') {
        Some((id, action)) => (id.to_owned(), action.to_owned()),
        None => (rest.clone(), String::new()),
    };
    let mut st = shared.state();
    if !st.accounts.contains_key(&id) {
        return Err(ControlError::not_found(format!("no account {id}")).into());
    }
    match (req.method.clone(), action.as_str()) {
        (Method::GET, "") => {
            let view = st.accounts.get(&id).map(|a| account_view(&st, a)).unwrap_or(Value::Null);
            ok(&view)
        }
        (Method::DELETE, "") => {
            st.delete_account(&id);
            ok(&json!({"deleted": id}))
        }
        (Method::POST | Method::PATCH, "") => {
            let upd: AccountUpdate = body(&req)?;
            if let Some(email) = &upd.email
                && (email.len() > 254
                    || !email.contains('@')
                    || st.accounts.values().any(|a| a.id != id && a.email.eq_ignore_ascii_case(email)))
            {
                return Err(ControlError::bad_request("email must be unique and look like an address").into());
            }
            if let Some(a) = st.accounts.get_mut(&id) {
                if let Some(e) = upd.email {
                    a.email = e;
                }
                if let Some(d) = upd.display_name {
                    a.display_name = d.chars().take(256).collect();
                }
                if let Some(v) = upd.huawei_agreement_signed {
                    a.huawei_agreement_signed = v;
                }
                if let Some(v) = upd.huawei_region_supported {
                    a.huawei_region_supported = v;
                }
            }
            let view = st.accounts.get(&id).map(|a| account_view(&st, a)).unwrap_or(Value::Null);
            ok(&view)
        }
        (Method::POST, "tokens") => {
            let t: TokenRequest = body(&req)?;
            let provider = t.provider.unwrap_or(Provider::Google);
            let (client_id, default_scope, default_lifetime) = match provider {
                Provider::Google => (
                    t.client_id.clone().unwrap_or_else(|| DEFAULT_CLIENT_ID.to_owned()),
                    GOOGLE_APPDATA_SCOPE,
                    st.settings.access_token_lifetime_secs,
                ),
                Provider::Huawei => (
                    t.client_id.clone().unwrap_or_else(|| DEFAULT_HUAWEI_APP_ID.to_owned()),
                    HUAWEI_APPDATA_SCOPE,
                    st.settings.huawei_token_lifetime_secs,
                ),
            };
            if provider == Provider::Google && !st.clients.contains_key(&client_id) {
                return Err(ControlError::not_found(format!("no OAuth client {client_id}")).into());
            }
            if t.refresh_token && provider == Provider::Huawei {
                return Err(ControlError::bad_request("refresh tokens exist for Google only").into());
            }
            let scope = t.scope.clone().unwrap_or_else(|| default_scope.to_owned());
            let mut out =
                json!({"provider": provider, "client_id": client_id, "scope": scope, "token_type": "Bearer"});
            let grant = if t.refresh_token {
                let (refresh, grant) =
                    st.issue_refresh_token(&id, &client_id, &scope).map_err(|_| internal())?;
                if let Some(o) = out.as_object_mut() {
                    o.insert("refresh_token".into(), json!(refresh));
                }
                Some(grant)
            } else {
                None
            };
            let access = st
                .issue_access_token(
                    provider,
                    &id,
                    &client_id,
                    &scope,
                    t.lifetime_secs.unwrap_or(default_lifetime),
                    grant,
                )
                .map_err(|_| internal())?;
            if let Some(o) = out.as_object_mut() {
                o.insert("access_token".into(), json!(access.token));
                o.insert("expires_in".into(), json!(access.expires_in));
            }
            ok(&out)
        }
        (Method::POST, "revoke-tokens") => {
            let s: Scoped = body(&req)?;
            let before = st.access_tokens.len() + st.refresh_tokens.len();
            let matches = |account: &str, p: Provider, c: &str| {
                account == id
                    && s.provider.is_none_or(|x| x == p)
                    && s.client_id.as_deref().is_none_or(|x| x == c)
            };
            st.access_tokens.retain(|_, t| !matches(&t.account, t.provider, &t.client_id));
            st.refresh_tokens.retain(|_, t| !matches(&t.account, Provider::Google, &t.client_id));
            let revoked = before - st.access_tokens.len() - st.refresh_tokens.len();
            ok(&json!({"revoked": revoked}))
        }
        (Method::POST, "wipe-appdata") => {
            let s: Scoped = body(&req)?;
            let removed = st.wipe_app_data(&id, s.provider, s.client_id.as_deref());
            ok(&json!({"removed_files": removed}))
        }
        (Method::GET, "files") => {
            let mut files = Vec::new();
            for (key, space) in st.spaces.iter().filter(|(k, _)| k.account == id) {
                for f in space.files.values() {
                    files.push(json!({
                        "provider": key.provider,
                        "client_id": key.client_id,
                        "id": f.id,
                        "name": f.name,
                        "mime_type": f.mime_type,
                        "size": f.size(),
                        "md5": f.content.as_ref().map(|b| b.md5.clone()),
                        "sha256": f.content.as_ref().map(|b| b.sha256.clone()),
                        "app_properties": f.app_properties,
                        "parents": f.parents,
                        "version": f.version,
                        "modified_time": format_rfc3339(f.modified_ms),
                    }));
                }
            }
            ok(&json!({"files": files}))
        }
        _ => Err(ControlError::not_found("no such account action").into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct QuotaRequest {
    account: String,
    provider: Option<Provider>,
    /// Absent: unchanged. `null`: unlimited.
    #[serde(default, deserialize_with = "double_option")]
    limit: Option<Option<u64>>,
    usage: Option<u64>,
}

fn double_option<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<Option<u64>>, D::Error> {
    Option::<u64>::deserialize(d).map(Some)
}

/// `POST /__control/quota`.
pub(crate) fn quota(shared: &Shared, req: Req) -> Result<HttpResponse> {
    if req.method != Method::POST {
        return Err(method_not_allowed(Personality::Control));
    }
    let q: QuotaRequest = body(&req)?;
    let provider = q.provider.unwrap_or(Provider::Google);
    let mut st = shared.state();
    let Some(a) = st.accounts.get_mut(&q.account) else {
        return Err(ControlError::not_found(format!("no account {}", q.account)).into());
    };
    let quota = match provider {
        Provider::Google => &mut a.google_quota,
        Provider::Huawei => &mut a.huawei_quota,
    };
    if let Some(limit) = q.limit {
        quota.limit = limit;
    }
    if let Some(usage) = q.usage {
        quota.other_usage = usage;
    }
    let view = st.accounts.get(&q.account).map(|a| quota_view(&st, a, provider)).unwrap_or(Value::Null);
    ok(&json!({"account": q.account, "provider": provider, "quota": view}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewClient {
    client_id: Option<String>,
    client_secret: Option<String>,
    #[serde(default)]
    public: bool,
    #[serde(default)]
    redirect_uris: Vec<String>,
    refresh_token_lifetime_secs: Option<u64>,
}

/// `GET|POST /__control/clients`.
pub(crate) fn clients(shared: &Shared, req: Req) -> Result<HttpResponse> {
    let mut st = shared.state();
    match req.method {
        Method::GET => {
            let list: Vec<Value> = st.clients.values().map(client_view).collect();
            ok(&json!({"clients": list}))
        }
        Method::POST => {
            let spec: NewClient = body(&req)?;
            if st.clients.len() >= st.limits.max_clients {
                return Err(ControlError::new(507, "too many OAuth clients").into());
            }
            let id = match spec.client_id {
                Some(id) => id,
                None => {
                    format!("{}.apps.googleusercontent.com", random_token("", 24).map_err(|_| internal())?)
                }
            };
            if id.is_empty() || id.len() > 200 || st.clients.contains_key(&id) {
                return Err(ControlError::new(409, "client ids are unique, 1-200 bytes").into());
            }
            if spec.redirect_uris.len() > 32 || spec.redirect_uris.iter().any(|u| u.len() > 2048) {
                return Err(ControlError::bad_request("at most 32 redirect URIs of up to 2048 bytes").into());
            }
            let secret = match (spec.public, spec.client_secret) {
                (true, Some(_)) => {
                    return Err(ControlError::bad_request("a public client has no secret").into());
                }
                (true, None) => None,
                (false, Some(s)) => Some(s),
                (false, None) => Some(random_token("GOCSPX-", 28).map_err(|_| internal())?),
            };
            let client = OAuthClient {
                id: id.clone(),
                secret,
                redirect_uris: spec.redirect_uris,
                refresh_token_lifetime_secs: spec.refresh_token_lifetime_secs,
            };
            let view = client_view(&client);
            st.clients.insert(id, client);
            ok(&view)
        }
        _ => Err(method_not_allowed(Personality::Control)),
    }
}

/// `GET|POST|DELETE /__control/faults`.
pub(crate) fn faults(shared: &Shared, req: Req) -> Result<HttpResponse> {
    match req.method {
        Method::GET => ok(&json!({"rules": shared.faults().rules})),
        Method::DELETE => {
            shared.faults().clear();
            ok(&json!({"rules": []}))
        }
        Method::POST => {
            let spec: FaultSpec = serde_json::from_slice(&req.body)
                .map_err(|e| ControlError::bad_request(format!("invalid fault rule: {e}")))?;
            spec.validate().map_err(ControlError::bad_request)?;
            let max = shared.state().limits.max_fault_rules;
            let mut book = shared.faults();
            if book.rules.len() >= max {
                return Err(ControlError::new(507, format!("at most {max} fault rules")).into());
            }
            let rule = book.add(spec);
            ok(&serde_json::to_value(rule).unwrap_or(Value::Null))
        }
        _ => Err(method_not_allowed(Personality::Control)),
    }
}

/// `DELETE /__control/faults/{id}`.
pub(crate) fn fault_item(shared: &Shared, req: Req) -> Result<HttpResponse> {
    if req.method != Method::DELETE {
        return Err(method_not_allowed(Personality::Control));
    }
    let id: u64 = req
        .tail("/__control/faults/")
        .parse()
        .map_err(|_| ControlError::bad_request("rule ids are numbers"))?;
    if shared.faults().remove(id) {
        ok(&json!({"deleted": id}))
    } else {
        Err(ControlError::not_found(format!("no rule {id}")).into())
    }
}

/// `GET|DELETE /__control/requests`.
pub(crate) fn requests(shared: &Shared, req: Req) -> Result<HttpResponse> {
    match req.method {
        Method::GET => {
            let since = req.param("since").and_then(|s| s.parse().ok()).unwrap_or(0);
            let limit = req.param("limit").and_then(|s| s.parse::<usize>().ok()).unwrap_or(1000).min(10_000);
            let log = shared.log();
            ok(
                &json!({"requests": log.since(since, limit), "last_seq": log.last_seq(), "evicted": log.evicted()}),
            )
        }
        Method::DELETE => {
            shared.log().clear();
            ok(&json!({"requests": []}))
        }
        _ => Err(method_not_allowed(Personality::Control)),
    }
}

/// `POST /__control/reset`.
pub(crate) fn reset(shared: &Shared, req: Req) -> Result<HttpResponse> {
    if req.method != Method::POST {
        return Err(method_not_allowed(Personality::Control));
    }
    shared.state().reset();
    shared.faults().clear();
    shared.log().clear();
    ok(&json!({"ok": true}))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockRequest {
    advance_secs: Option<i64>,
    advance_ms: Option<i64>,
    offset_ms: Option<i64>,
}

/// `GET|POST /__control/clock`.
pub(crate) fn clock(shared: &Shared, req: Req) -> Result<HttpResponse> {
    let mut st = shared.state();
    match req.method {
        Method::GET => {}
        Method::POST => {
            let c: ClockRequest = body(&req)?;
            if let Some(o) = c.offset_ms {
                st.clock_offset_ms = o;
            }
            let delta =
                c.advance_secs.unwrap_or(0).saturating_mul(1000).saturating_add(c.advance_ms.unwrap_or(0));
            st.clock_offset_ms = st.clock_offset_ms.saturating_add(delta);
        }
        _ => return Err(method_not_allowed(Personality::Control)),
    }
    let now = st.now_ms();
    ok(&json!({"now": format_rfc3339(now), "now_ms": now, "offset_ms": st.clock_offset_ms}))
}

/// `GET|POST /__control/settings` (POST merges the given keys).
pub(crate) fn settings(shared: &Shared, req: Req) -> Result<HttpResponse> {
    let mut st = shared.state();
    match req.method {
        Method::GET => {}
        Method::POST => {
            let patch: Value = serde_json::from_slice(&req.body)
                .map_err(|e| ControlError::bad_request(format!("invalid JSON body: {e}")))?;
            let Value::Object(patch) = patch else {
                return Err(ControlError::bad_request("settings are a JSON object").into());
            };
            let mut current = serde_json::to_value(&st.settings).map_err(|_| internal())?;
            if let Some(obj) = current.as_object_mut() {
                for (k, v) in patch {
                    if !obj.contains_key(&k) {
                        return Err(ControlError::bad_request(format!("unknown setting {k}")).into());
                    }
                    obj.insert(k, v);
                }
            }
            let merged: Settings = serde_json::from_value(current)
                .map_err(|e| ControlError::bad_request(format!("invalid settings: {e}")))?;
            if merged.refresh_tokens_per_client_limit == 0 {
                return Err(
                    ControlError::bad_request("refresh_tokens_per_client_limit must be at least 1").into()
                );
            }
            st.settings = merged;
        }
        _ => return Err(method_not_allowed(Personality::Control)),
    }
    ok(&serde_json::to_value(&st.settings).unwrap_or(Value::Null))
}
