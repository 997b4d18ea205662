//! Huawei Drive Kit v1 REST, `applicationData` container (scope
//! [`HUAWEI_DRIVE_APPDATA_SCOPE`]). The access token is a HUAWEI ID token from HMS Account Kit,
//! supplied and refreshed (`silentSignIn`) by the host.

use std::sync::Arc;

use serde_json::Value;

use crate::error::{CloudError, CorruptionDetail, NetworkErrorKind, ProviderUnavailableReason};
use crate::http::{HttpReply, Verdict};
use crate::rest_drive::{Dialect, RestDrive, delegate_cloud_store_to_rest_drive, u64_field};
use crate::store::Quota;
use crate::token::TokenProvider;
use crate::transport::HttpTransport;

pub use crate::rest_drive::DriveConfig;

/// The production API host (current documentation).
pub const HUAWEI_API_BASE: &str = "https://driveapis.cloud.huawei.com.cn";
/// The scope this adapter needs.
pub const HUAWEI_DRIVE_APPDATA_SCOPE: &str = "https://www.huawei.com/auth/drive.appdata";

static HUAWEI: Dialect = Dialect {
    files_path: &["drive", "v1", "files"],
    upload_path: &["upload", "drive", "v1", "files"],
    about_path: &["drive", "v1", "about"],
    space: ("containers", "applicationData"),
    query_param: "queryParam",
    name_field: "fileName",
    trashed_field: "recycled",
    parents_field: "parentFolder",
    parent_alias: "applicationData",
    properties_field: "appSettings",
    modified_field: "editedTime",
    checksum_field: "sha256",
    page_token_param: "cursor",
    next_page_token_field: "nextCursor",
    list_extra_fields: "category,",
    download: ("form", "content"),
    max_page_size: 100,
    about_fields: "*",
    parse_quota,
    classify,
    is_cursor_expired,
};

fn parse_quota(about: &Value) -> Result<Quota, CloudError> {
    let quota = about
        .get("storageQuota")
        .ok_or(CloudError::corrupted(CorruptionDetail::MissingField("storageQuota")))?;
    let used = u64_field(quota.get("usedSpace"), "usedSpace")?;
    let limit = match quota.get("userCapacity") {
        None | Some(Value::Null) => None,
        capacity => Some(u64_field(capacity, "userCapacity")?),
    };
    Ok(Quota { used, limit })
}

/// The 8-digit result code of an error body (e.g. `21004039`). The container shape is not
/// verified against the live service, so after the expected `error.errorDetail[].errorCode`
/// any standalone 8-digit number starting with 2 is accepted, as rclone does.
fn huawei_code(body: &[u8]) -> Option<String> {
    let structured = serde_json::from_slice::<Value>(body).ok().and_then(|value| {
        let detail = value.get("error")?.get("errorDetail")?.as_array()?.first()?.get("errorCode")?.clone();
        match detail {
            Value::String(code) => Some(code),
            Value::Number(code) => Some(code.to_string()),
            _ => None,
        }
    });
    if let Some(code) = structured.filter(|c| c.len() == 8 && c.bytes().all(|b| b.is_ascii_digit())) {
        return Some(code);
    }
    let mut start = None;
    for (index, byte) in body.iter().copied().chain(std::iter::once(b' ')).enumerate() {
        match (byte.is_ascii_digit(), start) {
            (true, None) => start = Some(index),
            (false, Some(from)) => {
                let run = body.get(from..index)?;
                if run.len() == 8 && run.first() == Some(&b'2') {
                    return String::from_utf8(run.to_vec()).ok();
                }
                start = None;
            }
            _ => {}
        }
    }
    None
}

/// The last four digits, which the status-code table is keyed by.
fn short_code(code: &str) -> Option<u32> {
    code.get(4..)?.parse().ok()
}

/// Huawei's result codes (cloud-apis.md §3.4): classify by HTTP status first, then by code.
fn classify(reply: &HttpReply) -> Verdict {
    let code = huawei_code(&reply.body);
    let short = code.as_deref().and_then(short_code);
    let status = reply.status;
    let retry_after = reply.retry_after();
    let unavailable = |reason| Verdict::Permanent(CloudError::unavailable(reason));
    let server_error =
        || Verdict::Transient { error: CloudError::network(NetworkErrorKind::ServerError), retry_after };
    let rate_limited = || Verdict::Transient { error: CloudError::RateLimited { retry_after }, retry_after };
    match (status, short) {
        (401, _) => Verdict::AuthRejected,
        // The token belongs to another user than the request says: only a new sign-in helps.
        (402, _) | (400, Some(4907)) => Verdict::Permanent(CloudError::ReSignInRequired),
        (403, Some(4039)) => Verdict::Permanent(CloudError::QuotaExceeded { used: None, limit: None }),
        (403, Some(4033)) => unavailable(ProviderUnavailableReason::HuaweiCloudAgreementNotAccepted),
        (403, Some(4032)) => unavailable(ProviderUnavailableReason::RegionUnsupported),
        (403, Some(4035)) => unavailable(ProviderUnavailableReason::AppNotConfigured),
        (403, Some(4034 | 4036)) => unavailable(ProviderUnavailableReason::AccountRestricted),
        // Data migration and external-service failures pass; rclone retries them too.
        (403, Some(4031 | 4038)) => server_error(),
        (403, Some(4931)) | (429, _) => rate_limited(),
        (404, _) => Verdict::Permanent(CloudError::NotFound),
        (409, _) => Verdict::Permanent(CloudError::Conflict),
        (500..=599, _) => server_error(),
        _ => Verdict::Permanent(CloudError::unexpected(Some(status), code.as_deref())),
    }
}

/// A listing cursor the service expired (410 …4100/4101, or 400 …4004 "parameter expired"):
/// the listing starts over.
fn is_cursor_expired(error: &CloudError) -> bool {
    match error {
        CloudError::Unexpected { status: Some(410), .. } => true,
        CloudError::Unexpected { status: Some(400), provider_reason: Some(code) } => code.ends_with("4004"),
        _ => false,
    }
}

/// Huawei Drive adapter for one signed-in HUAWEI ID.
#[derive(Debug)]
pub struct HuaweiDriveStore {
    drive: RestDrive,
}

impl HuaweiDriveStore {
    /// A store against production Huawei Drive over the bundled reqwest transport.
    #[cfg(feature = "bundled-http")]
    pub fn production(tokens: Arc<dyn TokenProvider>) -> Result<Self, CloudError> {
        #[allow(clippy::expect_used)] // a constant, covered by a test; not input
        let base = url::Url::parse(HUAWEI_API_BASE).expect("HUAWEI_API_BASE is a valid URL");
        Self::new(DriveConfig::new(base), tokens)
    }

    /// A store against the Huawei Drive at `config.api_base` (production or an emulator) over the
    /// bundled reqwest transport.
    #[cfg(feature = "bundled-http")]
    pub fn new(config: DriveConfig, tokens: Arc<dyn TokenProvider>) -> Result<Self, CloudError> {
        let transport = crate::reqwest_transport::ReqwestTransport::new(config.http.connect_timeout)?;
        Ok(Self::with_transport(config, tokens, Arc::new(transport)))
    }

    /// A store against the Huawei Drive at `config.api_base` that sends every request through
    /// `transport` (on phones, the host's HTTP client).
    pub fn with_transport(
        config: DriveConfig,
        tokens: Arc<dyn TokenProvider>,
        transport: Arc<dyn HttpTransport>,
    ) -> Self {
        HuaweiDriveStore { drive: RestDrive::new(config, &HUAWEI, tokens, transport) }
    }
}

delegate_cloud_store_to_rest_drive!(HuaweiDriveStore);

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;

    fn reply(status: u16, body: &str) -> HttpReply {
        HttpReply { status, headers: Vec::new(), body: body.into() }
    }

    fn coded(status: u16, code: &str) -> HttpReply {
        reply(
            status,
            &format!(
                r#"{{"error":{{"code":{status},"errorDetail":[{{"errorCode":"{code}","reason":"R","description":"d"}}]}}}}"#
            ),
        )
    }

    #[test]
    fn production_base_parses() {
        assert!(Url::parse(HUAWEI_API_BASE).is_ok());
    }

    #[test]
    fn codes_are_found_structured_or_loose() {
        assert_eq!(huawei_code(coded(403, "21004039").body.as_slice()).as_deref(), Some("21004039"));
        assert_eq!(huawei_code(br#"{"weird":"x 22044011 y"}"#).as_deref(), Some("22044011"));
        assert_eq!(huawei_code(b"code 21004039").as_deref(), Some("21004039"));
        assert_eq!(huawei_code(b"123456789 31004039 2100403"), None);
        assert_eq!(huawei_code(b""), None);
        assert_eq!(short_code("21074033"), Some(4033));
    }

    #[test]
    fn classification_table() {
        let permanent = |r: HttpReply| match classify(&r) {
            Verdict::Permanent(error) => error,
            other => panic!("{other:?}"),
        };
        let transient = |r: HttpReply| match classify(&r) {
            Verdict::Transient { error, .. } => error,
            other => panic!("{other:?}"),
        };
        assert!(matches!(classify(&coded(401, "22044011")), Verdict::AuthRejected));
        assert_eq!(permanent(coded(402, "21004020")), CloudError::ReSignInRequired);
        assert_eq!(permanent(coded(403, "21004039")), CloudError::QuotaExceeded { used: None, limit: None });
        assert_eq!(
            permanent(coded(403, "21074033")),
            CloudError::unavailable(ProviderUnavailableReason::HuaweiCloudAgreementNotAccepted)
        );
        assert_eq!(
            permanent(coded(403, "21004032")),
            CloudError::unavailable(ProviderUnavailableReason::RegionUnsupported)
        );
        assert_eq!(
            permanent(coded(403, "21004035")),
            CloudError::unavailable(ProviderUnavailableReason::AppNotConfigured)
        );
        assert_eq!(transient(coded(403, "21084031")), CloudError::network(NetworkErrorKind::ServerError));
        assert_eq!(transient(coded(429, "22074292")), CloudError::RateLimited { retry_after: None });
        assert_eq!(transient(coded(500, "21005006")), CloudError::network(NetworkErrorKind::ServerError));
        assert_eq!(transient(reply(503, "")), CloudError::network(NetworkErrorKind::ServerError));
        assert_eq!(permanent(coded(404, "21004040")), CloudError::NotFound);
        assert_eq!(permanent(coded(409, "21004014")), CloudError::Conflict);
        let expired = permanent(coded(410, "21084100"));
        assert!(is_cursor_expired(&expired));
        assert!(is_cursor_expired(&permanent(coded(400, "21004004"))));
        let bad_param = permanent(coded(400, "21004001"));
        assert!(!is_cursor_expired(&bad_param));
        assert_eq!(
            bad_param,
            CloudError::Unexpected { status: Some(400), provider_reason: Some("21004001".into()) }
        );
    }
}
