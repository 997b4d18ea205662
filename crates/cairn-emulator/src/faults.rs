//! Fault rules: matched by method, path (prefix or glob) and account, with a skip count and a
//! fire count; actions are a synthesized error (in the path's personality), `Retry-After`,
//! delay, a dropped connection, or a corrupted / truncated response body.

use serde::{Deserialize, Serialize};

use crate::errors::{
    ApiError, GoogleError, HuaweiError, OAuthError, google_default_message, huawei_code_info,
};

/// How many times a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Count {
    Times(u32),
    Always(AlwaysWord),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum AlwaysWord {
    Always,
}

/// A rule as posted to `/__control/faults`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FaultSpec {
    pub method: Option<String>,
    pub path_prefix: Option<String>,
    pub path: Option<String>,
    pub account: Option<String>,
    #[serde(default)]
    pub skip: u32,
    pub count: Option<Count>,
    pub status: Option<u16>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub retry_after_secs: Option<u64>,
    pub delay_ms: Option<u64>,
    #[serde(default)]
    pub drop_connection: bool,
    #[serde(default)]
    pub corrupt_body: bool,
    #[serde(default)]
    pub truncate_body: bool,
    pub truncate_at: Option<u64>,
}

/// A stored rule with its counters.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct FaultRule {
    pub id: u64,
    #[serde(flatten)]
    pub spec: FaultSpec,
    /// `None` = fires forever.
    pub remaining: Option<u32>,
    pub skip_remaining: u32,
    pub fired: u64,
}

/// What the server must do for one request.
#[derive(Debug, Clone)]
pub(crate) struct FaultAction {
    pub rule_id: u64,
    pub delay_ms: u64,
    pub drop_connection: bool,
    pub error: Option<ApiError>,
    pub corrupt_body: bool,
    pub truncate_at: Option<Option<u64>>,
}

const MAX_DELAY_MS: u64 = 120_000;

impl FaultSpec {
    /// Checks the rule makes sense; returns a message for the control API's 400.
    pub(crate) fn validate(&self) -> Result<(), String> {
        if self.path_prefix.is_some() && self.path.is_some() {
            return Err("give either path_prefix or path, not both".into());
        }
        if let Some(p) = self.path_prefix.as_deref().or(self.path.as_deref())
            && (!p.starts_with('/') || p.starts_with("/__control"))
        {
            return Err("paths start with '/' and the control API cannot be faulted".into());
        }
        if let Some(p) = self.path_prefix.as_deref().or(self.path.as_deref())
            && (p.len() > 512 || p.bytes().filter(|c| *c == b'*').count() > 8)
        {
            return Err("path patterns are at most 512 bytes with at most 8 '*'".into());
        }
        if let Some(s) = self.status
            && !(400..=599).contains(&s)
        {
            return Err("status must be 400..=599".into());
        }
        if self.status.is_none() && (self.reason.is_some() || self.message.is_some()) {
            return Err("reason and message need a status".into());
        }
        if self.delay_ms.is_some_and(|d| d > MAX_DELAY_MS) {
            return Err(format!("delay_ms is at most {MAX_DELAY_MS}"));
        }
        if self.drop_connection && (self.status.is_some() || self.corrupt_body || self.truncate_body) {
            return Err(
                "drop_connection cannot be combined with status, corrupt_body or truncate_body".into()
            );
        }
        if self.corrupt_body && self.truncate_body {
            return Err("choose corrupt_body or truncate_body".into());
        }
        if self.truncate_at.is_some() && !self.truncate_body {
            return Err("truncate_at needs truncate_body".into());
        }
        if self.count == Some(Count::Times(0)) {
            return Err("count must be at least 1 (or \"always\")".into());
        }
        let any_action = self.status.is_some()
            || self.delay_ms.is_some()
            || self.drop_connection
            || self.corrupt_body
            || self.truncate_body
            || self.retry_after_secs.is_some();
        if !any_action {
            return Err(
                "a rule needs an action: status, delay_ms, drop_connection, corrupt_body or truncate_body"
                    .into(),
            );
        }
        if self.retry_after_secs.is_some() && self.status.is_none() {
            return Err("retry_after_secs needs a status".into());
        }
        if let (Some(_), Some(reason)) = (self.status, self.reason.as_deref())
            && reason.len() > 200
        {
            return Err("reason too long".into());
        }
        Ok(())
    }

    fn matches(&self, method: &str, path: &str, account: Option<&str>) -> bool {
        if let Some(m) = &self.method
            && !m.eq_ignore_ascii_case(method)
        {
            return false;
        }
        if let Some(prefix) = &self.path_prefix
            && !path.starts_with(prefix.as_str())
        {
            return false;
        }
        if let Some(pattern) = &self.path
            && !glob_match(pattern.as_bytes(), path.as_bytes())
        {
            return false;
        }
        if let Some(want) = &self.account
            && account != Some(want.as_str())
        {
            return false;
        }
        true
    }
}

/// `*` matches within one path segment, `**` matches anything (including `/`).
pub(crate) fn glob_match(pattern: &[u8], text: &[u8]) -> bool {
    match pattern.split_first() {
        None => text.is_empty(),
        Some((b'*', rest)) => {
            if let Some((b'*', rest2)) = rest.split_first() {
                (0..=text.len()).any(|i| text.get(i..).is_some_and(|t| glob_match(rest2, t)))
            } else {
                let seg_end = text.iter().position(|c| *c == b'/').unwrap_or(text.len());
                (0..=seg_end).any(|i| text.get(i..).is_some_and(|t| glob_match(rest, t)))
            }
        }
        Some((c, rest)) => text.split_first().is_some_and(|(t, trest)| t == c && glob_match(rest, trest)),
    }
}

/// The active rules.
#[derive(Debug, Default)]
pub(crate) struct FaultBook {
    pub rules: Vec<FaultRule>,
    next_id: u64,
}

impl FaultBook {
    pub(crate) fn add(&mut self, spec: FaultSpec) -> FaultRule {
        self.next_id += 1;
        let remaining = match spec.count {
            None => Some(1),
            Some(Count::Times(n)) => Some(n),
            Some(Count::Always(_)) => None,
        };
        let rule = FaultRule { id: self.next_id, skip_remaining: spec.skip, spec, remaining, fired: 0 };
        self.rules.push(rule.clone());
        rule
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn remove(&mut self, id: u64) -> bool {
        let before = self.rules.len();
        self.rules.retain(|r| r.id != id);
        before != self.rules.len()
    }

    /// Finds the first rule that fires for this request and consumes one use of it.
    pub(crate) fn take(&mut self, method: &str, path: &str, account: Option<&str>) -> Option<FaultAction> {
        let mut fired_index = None;
        for (i, rule) in self.rules.iter_mut().enumerate() {
            if !rule.spec.matches(method, path, account) {
                continue;
            }
            if rule.skip_remaining > 0 {
                rule.skip_remaining -= 1;
                continue;
            }
            fired_index = Some(i);
            break;
        }
        let i = fired_index?;
        let rule = self.rules.get_mut(i)?;
        rule.fired += 1;
        if let Some(n) = rule.remaining.as_mut() {
            *n = n.saturating_sub(1);
        }
        let spec = rule.spec.clone();
        let id = rule.id;
        if rule.remaining == Some(0) {
            self.rules.remove(i);
        }
        Some(FaultAction {
            rule_id: id,
            delay_ms: spec.delay_ms.unwrap_or(0),
            drop_connection: spec.drop_connection,
            error: spec.status.map(|status| synthesize(path, status, &spec)),
            corrupt_body: spec.corrupt_body,
            truncate_at: spec.truncate_body.then_some(spec.truncate_at),
        })
    }
}

fn default_google_reason(status: u16) -> &'static str {
    match status {
        400 => "badRequest",
        401 => "authError",
        403 => "forbidden",
        404 => "notFound",
        429 => "rateLimitExceeded",
        500..=599 => "backendError",
        _ => "error",
    }
}

fn default_huawei_code(status: u16) -> u32 {
    match status {
        400 => 4002,
        401 => 4011,
        403 => 4036,
        404 => 4040,
        410 => 4100,
        429 => 4292,
        503 => 5002,
        _ => 5006,
    }
}

/// Builds the error body a rule asks for, in the personality of the path.
fn synthesize(path: &str, status: u16, spec: &FaultSpec) -> ApiError {
    let retry_after_secs = spec.retry_after_secs;
    if path.starts_with("/drive/v1/") || path.starts_with("/upload/drive/v1/") || path == "/drive/v1" {
        let code = spec
            .reason
            .as_deref()
            .and_then(|r| r.parse::<u32>().ok())
            .or_else(|| {
                let wanted = spec.reason.as_deref()?;
                known_huawei_codes().into_iter().find(|c| huawei_code_info(*c).2 == wanted)
            })
            .unwrap_or_else(|| default_huawei_code(status));
        let mut e = HuaweiError::code(code);
        e.status = status;
        if let Some(reason) = spec.reason.as_deref().filter(|r| r.parse::<u32>().is_err()) {
            e.reason = reason.to_owned();
        }
        if let Some(m) = &spec.message {
            e.description.clone_from(m);
        }
        e.retry_after_secs = retry_after_secs;
        return ApiError::Huawei(e);
    }
    if path == "/token" || path == "/revoke" || path.starts_with("/o/oauth2") {
        let error = spec.reason.clone().unwrap_or_else(|| {
            match status {
                400 => "invalid_grant",
                401 => "invalid_client",
                _ => "internal_failure",
            }
            .to_owned()
        });
        let mut e =
            OAuthError::new(status, &error, spec.message.as_deref().unwrap_or("Injected by a fault rule."));
        e.retry_after_secs = retry_after_secs;
        return ApiError::OAuth(e);
    }
    let reason = spec.reason.clone().unwrap_or_else(|| default_google_reason(status).to_owned());
    let message = spec.message.clone().unwrap_or_else(|| google_default_message(&reason, status));
    let mut e = GoogleError::new(status, &reason, message);
    e.retry_after_secs = retry_after_secs;
    if reason == "authError" {
        let mut auth = GoogleError::invalid_credentials();
        auth.status = status;
        auth.retry_after_secs = retry_after_secs;
        if let Some(m) = &spec.message {
            auth.message.clone_from(m);
        }
        e = auth;
    }
    ApiError::Google(e)
}

fn known_huawei_codes() -> [u32; 36] {
    [
        4001, 4002, 4003, 4004, 4005, 4006, 4007, 4008, 4009, 4906, 4907, 4908, 4909, 4011, 4012, 4014, 4015,
        4016, 4017, 4020, 4031, 4032, 4033, 4034, 4035, 4036, 4037, 4038, 4039, 4931, 4040, 4100, 4101, 4292,
        5002, 5006,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(json: &str) -> FaultSpec {
        let s: FaultSpec = serde_json::from_str(json).unwrap();
        s.validate().unwrap();
        s
    }

    #[test]
    fn glob_semantics() {
        assert!(glob_match(b"/drive/v3/files/*", b"/drive/v3/files/abc"));
        assert!(!glob_match(b"/drive/v3/files/*", b"/drive/v3/files/abc/permissions"));
        assert!(glob_match(b"/drive/**", b"/drive/v3/files/abc/permissions"));
        assert!(glob_match(b"/upload/*/v3/files", b"/upload/drive/v3/files"));
        assert!(!glob_match(b"/a", b"/ab"));
    }

    #[test]
    fn skip_count_and_account_matching() {
        let mut book = FaultBook::default();
        book.add(spec(r#"{"method":"get","path_prefix":"/drive/v3/files","account":"bob","skip":1,"count":2,"status":429}"#));
        assert!(book.take("GET", "/drive/v3/files", Some("alice")).is_none());
        assert!(book.take("GET", "/drive/v3/files", Some("bob")).is_none()); // skipped
        assert!(book.take("POST", "/drive/v3/files", Some("bob")).is_none());
        let a = book.take("GET", "/drive/v3/files", Some("bob")).unwrap();
        assert_eq!(a.error.as_ref().map(ApiError::status), Some(429));
        assert!(book.take("GET", "/drive/v3/files/x", Some("bob")).is_some());
        assert!(book.take("GET", "/drive/v3/files", Some("bob")).is_none());
        assert!(book.rules.is_empty());
    }

    #[test]
    fn always_rules_stay() {
        let mut book = FaultBook::default();
        book.add(spec(r#"{"path":"/drive/v1/**","count":"always","status":403,"reason":"4039"}"#));
        for _ in 0..5 {
            let a = book.take("GET", "/drive/v1/files", None).unwrap();
            match a.error {
                Some(ApiError::Huawei(e)) => assert_eq!((e.status, e.code), (403, 21_004_039)),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn invalid_specs_are_refused() {
        for bad in [
            r#"{}"#,
            r#"{"status":200}"#,
            r#"{"drop_connection":true,"status":500}"#,
            r#"{"reason":"x"}"#,
            r#"{"path":"/__control/reset","status":500}"#,
            r#"{"status":500,"count":0}"#,
            r#"{"delay_ms":99999999}"#,
            r#"{"truncate_at":3,"status":500}"#,
        ] {
            let s: FaultSpec = serde_json::from_str(bad).unwrap();
            assert!(s.validate().is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<FaultSpec>(r#"{"bogus":1}"#).is_err());
    }

    #[test]
    fn personalities_follow_the_path() {
        let mut book = FaultBook::default();
        book.add(spec(r#"{"count":"always","status":403,"reason":"userRateLimitExceeded"}"#));
        match book.take("GET", "/drive/v3/files", None).and_then(|a| a.error) {
            Some(ApiError::Google(e)) => assert_eq!(e.message, "User Rate Limit Exceeded"),
            other => panic!("{other:?}"),
        }
        match book.take("POST", "/token", None).and_then(|a| a.error) {
            Some(ApiError::OAuth(e)) => assert_eq!(e.error, "userRateLimitExceeded"),
            other => panic!("{other:?}"),
        }
    }
}
