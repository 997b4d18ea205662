//! Error bodies in each personality's wire shape: Google's v1 JSON error format, Huawei Drive's
//! result-code body, RFC 6749 token-endpoint errors, and the control API's own small shape.

use axum::body::Body;
use axum::http::{HeaderValue, Response, StatusCode, header};
use serde_json::{Value, json};

pub(crate) type HttpResponse = Response<Body>;

/// Serialises `value` (pretty like Google's default `prettyPrint=true`, or compact).
pub(crate) fn json_response(status: StatusCode, value: &Value, pretty: bool) -> HttpResponse {
    let bytes = if pretty { serde_json::to_vec_pretty(value) } else { serde_json::to_vec(value) };
    // Serialising a `Value` cannot fail; an empty object is the harmless fallback.
    let bytes = bytes.unwrap_or_else(|_| b"{}".to_vec());
    let mut resp = Response::new(Body::from(bytes));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=UTF-8"));
    resp
}

fn status_code(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

/// One Google API error (`{"error":{"code","message","errors":[{domain,reason,message,…}]}}`).
#[derive(Debug, Clone)]
pub(crate) struct GoogleError {
    pub status: u16,
    pub reason: String,
    pub message: String,
    /// `(locationType, location)`, e.g. `("parameter", "fileId")`.
    pub location: Option<(&'static str, String)>,
    pub retry_after_secs: Option<u64>,
}

/// Google's error domain for a reason: the quota family lives in `usageLimits`.
fn google_domain(reason: &str) -> &'static str {
    match reason {
        "storageQuotaExceeded"
        | "userRateLimitExceeded"
        | "rateLimitExceeded"
        | "dailyLimitExceeded"
        | "dailyLimitExceededUnreg"
        | "quotaExceeded"
        | "sharingRateLimitExceeded" => "usageLimits",
        _ => "global",
    }
}

/// The message Google sends with a reason (cloud-apis.md §1.11), used for injected faults.
pub(crate) fn google_default_message(reason: &str, status: u16) -> String {
    let text = match reason {
        "authError" => "Invalid Credentials",
        "storageQuotaExceeded" => "The user's Drive storage quota has been exceeded.",
        "userRateLimitExceeded" => "User Rate Limit Exceeded",
        "rateLimitExceeded" => "Rate Limit Exceeded",
        "dailyLimitExceeded" => "Daily Limit Exceeded",
        "insufficientPermissions" => {
            "Insufficient Permission: Request had insufficient authentication scopes."
        }
        "notSupportedForAppDataFolderFiles" => {
            "Method not supported for files within the Application Data folder."
        }
        "backendError" => "Backend Error",
        "internalError" => "Internal Error",
        "invalid" => "Invalid Value",
        "notFound" => "Not Found",
        "badRequest" => "Bad Request",
        _ => {
            return StatusCode::from_u16(status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or("Error")
                .to_owned();
        }
    };
    text.to_owned()
}

impl GoogleError {
    pub(crate) fn new(status: u16, reason: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.to_owned(),
            message: message.into(),
            location: None,
            retry_after_secs: None,
        }
    }

    fn at(mut self, location_type: &'static str, location: impl Into<String>) -> Self {
        self.location = Some((location_type, location.into()));
        self
    }

    pub(crate) fn invalid_credentials() -> Self {
        Self::new(401, "authError", "Invalid Credentials").at("header", "Authorization")
    }

    pub(crate) fn file_not_found(id: &str) -> Self {
        Self::new(404, "notFound", format!("File not found: {id}.")).at("parameter", "fileId")
    }

    /// `400 invalid "Invalid Value"` for a parameter (`q`, `pageSize`, `orderBy`, `pageToken`, …).
    pub(crate) fn invalid_value(parameter: &str) -> Self {
        Self::new(400, "invalid", "Invalid Value").at("parameter", parameter)
    }

    pub(crate) fn invalid_field_selection(selection: &str) -> Self {
        Self::new(400, "invalidParameter", format!("Invalid field selection {selection}"))
            .at("parameter", "fields")
    }

    pub(crate) fn required_parameter(parameter: &str, message: impl Into<String>) -> Self {
        Self::new(400, "required", message).at("parameter", parameter)
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, "badRequest", message)
    }

    pub(crate) fn parse_error() -> Self {
        Self::new(400, "parseError", "Parse Error")
    }

    pub(crate) fn storage_quota_exceeded() -> Self {
        Self::new(403, "storageQuotaExceeded", "The user's Drive storage quota has been exceeded.")
    }

    pub(crate) fn app_data_cannot_trash() -> Self {
        Self::new(
            403,
            "notSupportedForAppDataFolderFiles",
            "Files within the Application Data folder cannot be trashed.",
        )
    }

    pub(crate) fn app_data_method_not_supported() -> Self {
        Self::new(
            403,
            "notSupportedForAppDataFolderFiles",
            "Method not supported for files within the Application Data folder.",
        )
    }

    pub(crate) fn insufficient_permissions() -> Self {
        Self::new(
            403,
            "insufficientPermissions",
            "Insufficient Permission: Request had insufficient authentication scopes.",
        )
    }

    pub(crate) fn insufficient_scopes_for_spaces() -> Self {
        Self::new(
            403,
            "insufficientScopes",
            "The granted scopes do not give access to all of the requested spaces.",
        )
        .at("parameter", "spaces")
    }

    pub(crate) fn field_not_writable(message: impl Into<String>) -> Self {
        Self::new(403, "fieldNotWritable", message)
    }

    pub(crate) fn too_many_children() -> Self {
        Self::new(
            403,
            "numChildrenInNonRootLimitExceeded",
            "The limit for this folder's number of children (files and folders) has been exceeded.",
        )
    }

    pub(crate) fn not_downloadable() -> Self {
        Self::new(
            403,
            "fileNotDownloadable",
            "Only files with binary content can be downloaded. Use Export with Docs Editors files.",
        )
        .at("parameter", "alt")
    }

    pub(crate) fn upload_too_large(limit: u64) -> Self {
        Self::new(
            413,
            "uploadTooLarge",
            format!("The request body exceeds this emulator's limit of {limit} bytes."),
        )
    }

    pub(crate) fn backend_error() -> Self {
        Self::new(500, "backendError", "Backend Error")
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut item = json!({
            "domain": google_domain(&self.reason),
            "reason": self.reason,
            "message": self.message,
        });
        if let (Some((location_type, location)), Some(obj)) = (&self.location, item.as_object_mut()) {
            obj.insert("locationType".into(), json!(location_type));
            obj.insert("location".into(), json!(location));
        }
        json!({"error": {"code": self.status, "message": self.message, "errors": [item]}})
    }
}

/// The Huawei result-code table (cloud-apis.md §3.4): last four digits → HTTP status, the full
/// 8-digit code seen on the wire, and the reason constant. Codes whose full form or reason was
/// never observed use the `2100xxxx` prefix and an emulator-chosen reason (see the README).
pub(crate) fn huawei_code_info(code: u32) -> (u16, u32, &'static str, &'static str) {
    match code % 10_000 {
        4001 => (400, 21_004_001, "LACK_OF_PARAM", "Missing input parameter."),
        4002 => (400, 21_004_002, "PARAM_INVALID", "Parameter verification failed."),
        4003 => (400, 21_004_003, "PARAM_ILLEGAL", "Invalid parameter."),
        4004 => (400, 21_004_004, "PARAM_EXPIRED", "Input parameter expired."),
        4005 => (400, 21_004_005, "URL_ROUTE_FAILED", "URL routing failed."),
        4006 => (400, 21_004_006, "UNSUPPORTED_CHARACTER", "Unsupported characters."),
        4007 => (400, 21_004_007, "ILLEGAL_CHARACTER", "Illegal characters."),
        4008 => (400, 21_004_008, "PARAM_TOO_LONG", "Parameter length exceeds the limit."),
        4009 => (400, 21_004_009, "PARENTFOLDER_NOT_FOUND", "The parent folder does not exist."),
        4906 => (400, 21_004_906, "PARENTFOLDER_RECYCLED", "The parent folder is in the recycle bin."),
        4907 => (
            400,
            21_004_907,
            "USER_ACCOUNT_ERROR",
            "The user id does not match the authentication information.",
        ),
        4908 => (400, 21_004_908, "USER_KEY_INVALID", "The user key is invalid."),
        4909 => (400, 21_004_909, "ID_EXISTED", "The id already exists."),
        4015 => (401, 21_004_015, "LOGIN_FAILED", "Login failed."),
        4016 => (401, 21_004_016, "SESSION_EXPIRED", "The session has expired."),
        4017 => (401, 21_004_017, "FORCED_RELOGIN", "Sign in again."),
        4931 => (403, 21_004_931, "ABNORMAL_DOWNLOAD", "Abnormal download behaviour."),
        4011 => (401, 22_044_011, "AUTH_FAILED", "User authentication failed."),
        4012 => (401, 21_004_012, "APP_NOT_AUTHORIZED", "The app is not authorized."),
        4014 => (409, 21_004_014, "FILENAME_EXISTED", "A file with this name already exists."),
        4020 => (402, 21_004_020, "UNAUTHORIZED_ACCESS", "Unauthorized access."),
        4031 => (403, 21_084_031, "DATA_MIGRATING", "Security policy update in progress."),
        4032 => (
            403,
            21_004_032,
            "SERVICE_NOT_SUPPORT",
            "The service is not supported in this country or region.",
        ),
        4033 => (
            403,
            21_074_033,
            "AGREEMENT_NOT_SIGNED",
            "The user has not signed the HUAWEI Cloud user agreement. Sign it at https://cloud.huawei.com/.",
        ),
        4034 => (403, 21_004_034, "FUNCTION_RESTRICTED", "The function is restricted."),
        4035 => (403, 21_004_035, "INSUFFICIENT_SCOPE", "No permission: insufficient scope."),
        4036 => (403, 21_004_036, "INSUFFICIENT_PERMISSION", "Resource operation restricted."),
        4037 => {
            (403, 21_004_037, "RESUME_UPLOAD_ERROR", "Server error during the resumable upload; restart it.")
        }
        4038 => (403, 21_084_038, "OUTER_SERVICE_ERROR", "External service error."),
        4039 => (403, 21_004_039, "INSUFFICIENT_STORAGE", "The user's storage space is insufficient."),
        4040 => (404, 21_004_040, "FILE_NOT_FOUND", "The file does not exist."),
        4100 => (410, 21_084_100, "CURSOR_EXPIRED", "The cursor has expired."),
        4101 => (410, 21_084_101, "TEMP_DATA_CLEARED", "Temporary data was cleared."),
        4292 => (429, 22_074_292, "APP_REQUEST_TOO_MANY", "Too many requests."),
        5002 => (500, 21_085_002, "OUTER_SERVICE_UNAVAILABLE", "External service unavailable."),
        5006 => (500, 21_005_006, "SERVER_TEMP_ERROR", "Temporary server error."),
        other => {
            let status = if (4000..5000).contains(&other) { 400 } else { 500 };
            (status, 21_000_000 + other, "UNKNOWN_ERROR", "Error.")
        }
    }
}

/// One Huawei Drive error. The exact container was never seen in a live trace (cloud-apis.md
/// §3.4, [R]); this body carries the code and reason both where the spec expects them
/// (`errorDetail[]`) and as top-level text, so lenient parsers find them either way.
#[derive(Debug, Clone)]
pub(crate) struct HuaweiError {
    pub status: u16,
    pub code: u32,
    pub reason: String,
    pub description: String,
    pub retry_after_secs: Option<u64>,
}

impl HuaweiError {
    /// From a 4-digit result code (or a full 8-digit one) in the table.
    pub(crate) fn code(code: u32) -> Self {
        let (status, full, reason, description) = huawei_code_info(code);
        let full = if code >= 10_000_000 { code } else { full };
        Self {
            status,
            code: full,
            reason: reason.to_owned(),
            description: description.to_owned(),
            retry_after_secs: None,
        }
    }

    pub(crate) fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    pub(crate) fn not_found(id: &str) -> Self {
        Self::code(4040).with_description(format!("File not found: {id}."))
    }

    pub(crate) fn to_value(&self) -> Value {
        json!({"error": {
            "code": self.status,
            "description": self.description,
            "message": self.description,
            "errorDetail": [{
                "errorCode": self.code.to_string(),
                "reason": self.reason,
                "description": self.description,
            }],
        }})
    }
}

/// RFC 6749 §5.2 token-endpoint error with Google's texts.
#[derive(Debug, Clone)]
pub(crate) struct OAuthError {
    pub status: u16,
    pub error: String,
    pub description: String,
    pub retry_after_secs: Option<u64>,
}

impl OAuthError {
    pub(crate) fn new(status: u16, error: &str, description: &str) -> Self {
        Self { status, error: error.to_owned(), description: description.to_owned(), retry_after_secs: None }
    }

    pub(crate) fn invalid_request(description: &str) -> Self {
        Self::new(400, "invalid_request", description)
    }

    pub(crate) fn invalid_grant(description: &str) -> Self {
        Self::new(400, "invalid_grant", description)
    }

    pub(crate) fn to_value(&self) -> Value {
        json!({"error": self.error, "error_description": self.description})
    }
}

/// Control API errors: `{"error": "<text>"}` with a plain HTTP status.
#[derive(Debug, Clone)]
pub(crate) struct ControlError {
    pub status: u16,
    pub message: String,
}

impl ControlError {
    pub(crate) fn new(status: u16, message: impl Into<String>) -> Self {
        Self { status, message: message.into() }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }
}

/// Any handler's failure, rendered in the right personality.
#[derive(Debug, Clone)]
pub(crate) enum ApiError {
    Google(GoogleError),
    Huawei(HuaweiError),
    OAuth(OAuthError),
    Control(ControlError),
}

impl From<GoogleError> for ApiError {
    fn from(e: GoogleError) -> Self {
        Self::Google(e)
    }
}
impl From<HuaweiError> for ApiError {
    fn from(e: HuaweiError) -> Self {
        Self::Huawei(e)
    }
}
impl From<OAuthError> for ApiError {
    fn from(e: OAuthError) -> Self {
        Self::OAuth(e)
    }
}
impl From<ControlError> for ApiError {
    fn from(e: ControlError) -> Self {
        Self::Control(e)
    }
}

impl ApiError {
    #[cfg(test)]
    pub(crate) fn status(&self) -> u16 {
        match self {
            Self::Google(e) => e.status,
            Self::Huawei(e) => e.status,
            Self::OAuth(e) => e.status,
            Self::Control(e) => e.status,
        }
    }

    pub(crate) fn into_response(self, pretty: bool) -> HttpResponse {
        let (status, value, retry_after) = match &self {
            Self::Google(e) => (e.status, e.to_value(), e.retry_after_secs),
            Self::Huawei(e) => (e.status, e.to_value(), e.retry_after_secs),
            Self::OAuth(e) => (e.status, e.to_value(), e.retry_after_secs),
            Self::Control(e) => (e.status, json!({"error": e.message}), None),
        };
        let mut resp = json_response(status_code(status), &value, pretty);
        if let Some(secs) = retry_after {
            resp.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == 401
            && let Self::Google(_) = self
        {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"https://accounts.google.com/\""),
            );
        }
        resp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn google_bodies_have_the_documented_shape() {
        let v = GoogleError::file_not_found("abc").to_value();
        assert_eq!(v["error"]["code"], 404);
        assert_eq!(v["error"]["message"], "File not found: abc.");
        assert_eq!(v["error"]["errors"][0]["reason"], "notFound");
        assert_eq!(v["error"]["errors"][0]["domain"], "global");
        assert_eq!(v["error"]["errors"][0]["location"], "fileId");
        let q = GoogleError::storage_quota_exceeded().to_value();
        assert_eq!(q["error"]["errors"][0]["domain"], "usageLimits");
        assert!(q["error"]["errors"][0].get("location").is_none());
    }

    #[test]
    fn huawei_codes_map_to_statuses() {
        assert_eq!(HuaweiError::code(4039).status, 403);
        assert_eq!(HuaweiError::code(4011).code, 22_044_011);
        assert_eq!(HuaweiError::code(4292).status, 429);
        assert_eq!(HuaweiError::code(21_004_001).code, 21_004_001);
        let v = HuaweiError::code(4100).to_value();
        assert_eq!(v["error"]["errorDetail"][0]["errorCode"], "21084100");
        assert_eq!(v["error"]["errorDetail"][0]["reason"], "CURSOR_EXPIRED");
        assert_eq!(HuaweiError::code(4999).status, 400);
        assert_eq!(HuaweiError::code(4906).status, 400);
    }
}
