//! Google Drive v3, `appDataFolder` space (scope [`DRIVE_APPDATA_SCOPE`]).

use std::sync::Arc;

use serde_json::Value;

use crate::error::{CloudError, CorruptionDetail, NetworkErrorKind, ProviderUnavailableReason};
use crate::http::{HttpReply, Verdict};
use crate::rest_drive::{Dialect, RestDrive, delegate_cloud_store_to_rest_drive, u64_field};
use crate::store::Quota;
use crate::token::TokenProvider;
use crate::transport::HttpTransport;

pub use crate::rest_drive::DriveConfig;

/// The production API host (metadata and uploads).
pub const GOOGLE_API_BASE: &str = "https://www.googleapis.com";
/// The only scope this adapter needs (non-sensitive: the app's own hidden folder).
pub const DRIVE_APPDATA_SCOPE: &str = "https://www.googleapis.com/auth/drive.appdata";

static GOOGLE: Dialect = Dialect {
    files_path: &["drive", "v3", "files"],
    upload_path: &["upload", "drive", "v3", "files"],
    about_path: &["drive", "v3", "about"],
    space: ("spaces", "appDataFolder"),
    query_param: "q",
    name_field: "name",
    trashed_field: "trashed",
    parents_field: "parents",
    parent_alias: "appDataFolder",
    properties_field: "appProperties",
    modified_field: "modifiedTime",
    checksum_field: "sha256Checksum",
    page_token_param: "pageToken",
    next_page_token_field: "nextPageToken",
    list_extra_fields: "",
    download: ("alt", "media"),
    max_page_size: 1000,
    about_fields: "storageQuota",
    parse_quota,
    classify,
    is_cursor_expired: |_| false,
};

fn parse_quota(about: &Value) -> Result<Quota, CloudError> {
    let quota = about
        .get("storageQuota")
        .ok_or(CloudError::corrupted(CorruptionDetail::MissingField("storageQuota")))?;
    let used = u64_field(quota.get("usage"), "usage")?;
    // No `limit` means unlimited storage.
    let limit = match quota.get("limit") {
        None | Some(Value::Null) => None,
        limit => Some(u64_field(limit, "limit")?),
    };
    Ok(Quota { used, limit })
}

/// The `reason` of the first entry of Google's error body (v1 error format); everything else
/// in the body is ignored.
fn google_reason(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let errors = value.get("error")?.get("errors")?.as_array()?;
    errors.first()?.get("reason")?.as_str().map(str::to_owned)
}

/// Google's documented handling: retry 429, 5xx and the rate-limit reasons; refresh on 401;
/// everything else is final (cloud-apis.md §1.11).
fn classify(reply: &HttpReply) -> Verdict {
    let reason = google_reason(&reply.body);
    let status = reply.status;
    let retry_after = reply.retry_after();
    match (status, reason.as_deref()) {
        (401, _) => Verdict::AuthRejected,
        (403 | 429, Some("userRateLimitExceeded" | "rateLimitExceeded")) | (429, _) => {
            Verdict::Transient { error: CloudError::RateLimited { retry_after }, retry_after }
        }
        (403, Some("storageQuotaExceeded" | "quotaExceeded")) => {
            Verdict::Permanent(CloudError::QuotaExceeded { used: None, limit: None })
        }
        // Retrying within seconds cannot lift a daily limit: surface it at once.
        (403, Some("dailyLimitExceeded")) => {
            Verdict::Permanent(CloudError::RateLimited { retry_after: None })
        }
        (403, Some("insufficientPermissions" | "insufficientScopes" | "appNotAuthorizedToFile")) => {
            Verdict::Permanent(CloudError::unavailable(ProviderUnavailableReason::PermissionNotGranted))
        }
        (403, Some("domainPolicy")) => {
            Verdict::Permanent(CloudError::unavailable(ProviderUnavailableReason::AccountRestricted))
        }
        (404, _) => Verdict::Permanent(CloudError::NotFound),
        (409 | 412, _) => Verdict::Permanent(CloudError::Conflict),
        (500..=599, _) => {
            Verdict::Transient { error: CloudError::network(NetworkErrorKind::ServerError), retry_after }
        }
        _ => Verdict::Permanent(CloudError::unexpected(Some(status), reason.as_deref())),
    }
}

/// Google Drive adapter for one signed-in account.
#[derive(Debug)]
pub struct GoogleDriveStore {
    drive: RestDrive,
}

impl GoogleDriveStore {
    /// A store against production Drive over the bundled reqwest transport.
    #[cfg(feature = "bundled-http")]
    pub fn production(tokens: Arc<dyn TokenProvider>) -> Result<Self, CloudError> {
        #[allow(clippy::expect_used)] // a constant, covered by a test; not input
        let base = url::Url::parse(GOOGLE_API_BASE).expect("GOOGLE_API_BASE is a valid URL");
        Self::new(DriveConfig::new(base), tokens)
    }

    /// A store against the Drive at `config.api_base` (production or an emulator) over the
    /// bundled reqwest transport.
    #[cfg(feature = "bundled-http")]
    pub fn new(config: DriveConfig, tokens: Arc<dyn TokenProvider>) -> Result<Self, CloudError> {
        let transport = crate::reqwest_transport::ReqwestTransport::new(config.http.connect_timeout)?;
        Ok(Self::with_transport(config, tokens, Arc::new(transport)))
    }

    /// A store against the Drive at `config.api_base` that sends every request through
    /// `transport` (on phones, the host's HTTP client).
    pub fn with_transport(
        config: DriveConfig,
        tokens: Arc<dyn TokenProvider>,
        transport: Arc<dyn HttpTransport>,
    ) -> Self {
        GoogleDriveStore { drive: RestDrive::new(config, &GOOGLE, tokens, transport) }
    }
}

delegate_cloud_store_to_rest_drive!(GoogleDriveStore);

#[cfg(test)]
mod tests {
    use url::Url;

    use super::*;

    fn reply(status: u16, reason: Option<&str>) -> HttpReply {
        let body = match reason {
            Some(reason) => format!(
                r#"{{"error":{{"code":{status},"message":"m","errors":[{{"domain":"global","reason":"{reason}","message":"m"}}]}}}}"#
            ),
            None => "not json".to_owned(),
        };
        HttpReply { status, headers: Vec::new(), body: body.into_bytes() }
    }

    #[test]
    fn production_base_parses() {
        assert!(Url::parse(GOOGLE_API_BASE).is_ok());
    }

    #[test]
    fn classification_table() {
        let permanent = |status, reason| match classify(&reply(status, reason)) {
            Verdict::Permanent(error) => error,
            other => panic!("{status} {reason:?}: {other:?}"),
        };
        let transient = |status, reason| match classify(&reply(status, reason)) {
            Verdict::Transient { error, .. } => error,
            other => panic!("{status} {reason:?}: {other:?}"),
        };
        assert!(matches!(classify(&reply(401, Some("authError"))), Verdict::AuthRejected));
        assert!(matches!(classify(&reply(401, None)), Verdict::AuthRejected));
        assert_eq!(
            transient(403, Some("userRateLimitExceeded")),
            CloudError::RateLimited { retry_after: None }
        );
        assert_eq!(transient(403, Some("rateLimitExceeded")), CloudError::RateLimited { retry_after: None });
        assert_eq!(transient(429, None), CloudError::RateLimited { retry_after: None });
        for status in [500, 502, 503, 504] {
            assert_eq!(
                transient(status, Some("backendError")),
                CloudError::network(NetworkErrorKind::ServerError)
            );
        }
        assert_eq!(
            permanent(403, Some("storageQuotaExceeded")),
            CloudError::QuotaExceeded { used: None, limit: None }
        );
        assert_eq!(permanent(403, Some("dailyLimitExceeded")), CloudError::RateLimited { retry_after: None });
        assert_eq!(
            permanent(403, Some("insufficientScopes")),
            CloudError::unavailable(ProviderUnavailableReason::PermissionNotGranted)
        );
        assert_eq!(permanent(404, Some("notFound")), CloudError::NotFound);
        assert_eq!(
            permanent(400, Some("invalid")),
            CloudError::Unexpected { status: Some(400), provider_reason: Some("invalid".into()) }
        );
        assert_eq!(
            permanent(403, Some("notSupportedForAppDataFolderFiles")),
            CloudError::Unexpected {
                status: Some(403),
                provider_reason: Some("notSupportedForAppDataFolderFiles".into())
            }
        );
        assert_eq!(permanent(400, None), CloudError::Unexpected { status: Some(400), provider_reason: None });
    }
}
