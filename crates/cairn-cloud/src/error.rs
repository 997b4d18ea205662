//! The one error type every adapter speaks.
//!
//! Each variant answers "what can the app tell the user, and may it try again?". Provider
//! detail survives only as short, sanitised identifiers (an HTTP status and a provider reason
//! such as `dailyLimitExceeded` or `21004001`); bodies, URLs and tokens never enter an error.

use std::time::Duration;

/// Why a provider cannot be used on this device or for this account right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderUnavailableReason {
    /// HMS Core (Huawei Mobile Services) is not installed.
    HmsCoreMissing,
    /// HMS Core is installed but too old.
    HmsCoreOutdated,
    /// HMS Core is installed but disabled in system settings.
    HmsCoreDisabled,
    /// The installed HMS Core is not the official build.
    HmsCoreInvalid,
    /// The device is too old for the provider's services.
    DeviceUnsupported,
    /// iCloud could not be reached or its state could not be determined.
    ICloudUnavailable,
    /// No iCloud account is signed in on the device.
    ICloudSignedOut,
    /// iCloud access is blocked by Parental Controls or device management.
    ICloudRestricted,
    /// The iCloud account exists but is not ready yet (CloudKit asks apps to wait).
    ICloudTemporarilyUnavailable,
    /// Google Play services are missing on the device.
    GoogleServicesMissing,
    /// The user has not signed the HUAWEI Cloud user agreement (https://cloud.huawei.com/).
    HuaweiCloudAgreementNotAccepted,
    /// The provider's service is not offered in the account's country or region.
    RegionUnsupported,
    /// The user did not grant the app-data permission (scope) this app needs.
    PermissionNotGranted,
    /// The app is not set up for this provider (API not enabled, container not provisioned,
    /// entitlement missing): a developer configuration problem, not a user one.
    AppNotConfigured,
    /// The provider restricts this account's access (policy, managed account, data migration).
    AccountRestricted,
}

/// Everything a `CloudStore` operation can fail with, whatever the provider.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloudError {
    /// The session expired and could not be renewed silently; the user must sign in again.
    #[error("the cloud session expired; sign in again")]
    ReSignInRequired,
    /// No account is signed in for this provider.
    #[error("not signed in to the cloud account")]
    NotSignedIn,
    /// The account's storage is full. Never retried automatically.
    #[error("cloud storage is full (used {used:?} of {limit:?} bytes)")]
    QuotaExceeded {
        /// Bytes in use, when the provider said.
        used: Option<u64>,
        /// The account's limit, when the provider said.
        limit: Option<u64>,
    },
    /// The provider asked us to slow down; retried automatically within the retry bound.
    #[error("the cloud provider is rate-limiting requests (retry after {retry_after:?})")]
    RateLimited {
        /// How long the provider asked us to wait, when it said.
        retry_after: Option<Duration>,
    },
    /// No object with that name exists.
    #[error("no such object in the cloud")]
    NotFound,
    /// A concurrent writer changed the object between our read and our write.
    #[error("the object was changed concurrently")]
    Conflict,
    /// The network failed (offline, connection dropped, timeout, provider 5xx). Retryable.
    #[error("network error talking to the cloud provider ({kind:?})")]
    Network {
        /// What went wrong at the transport level.
        kind: NetworkErrorKind,
    },
    /// The provider cannot be used here (missing services, region, agreement, …).
    #[error("the cloud provider is unavailable: {reason:?}")]
    ProviderUnavailable {
        /// Why.
        reason: ProviderUnavailableReason,
    },
    /// The provider answered with something we refuse to trust (malformed, oversized,
    /// inconsistent with its own metadata).
    #[error("the cloud provider sent a corrupted or unexpected response ({detail:?})")]
    CorruptedResponse {
        /// What was wrong with it.
        detail: CorruptionDetail,
    },
    /// The request itself breaks a `CloudStore` rule (name, size, properties); nothing was sent.
    #[error("invalid object: {violation:?}")]
    InvalidObject {
        /// The rule that was broken.
        violation: ObjectRuleViolation,
    },
    /// A provider failure with no better mapping. Carries only the status and the provider's
    /// short reason identifier (sanitised), never a body.
    #[error("unexpected cloud provider error (status {status:?}, reason {provider_reason:?})")]
    Unexpected {
        /// HTTP status, or the provider's numeric code where there is no HTTP (CloudKit).
        status: Option<u16>,
        /// The provider's reason identifier, e.g. `dailyLimitExceeded`, `21004001`, `CKError 15`.
        provider_reason: Option<String>,
    },
}

impl CloudError {
    /// Whether the same operation may succeed if tried again later without user action.
    /// Adapters already retried these within the retry bound before returning them.
    pub fn is_retryable(&self) -> bool {
        matches!(self, CloudError::RateLimited { .. } | CloudError::Network { .. } | CloudError::Conflict)
    }

    pub(crate) fn network(kind: NetworkErrorKind) -> Self {
        CloudError::Network { kind }
    }

    pub(crate) fn corrupted(detail: CorruptionDetail) -> Self {
        CloudError::CorruptedResponse { detail }
    }

    pub(crate) fn unavailable(reason: ProviderUnavailableReason) -> Self {
        CloudError::ProviderUnavailable { reason }
    }

    pub(crate) fn invalid(violation: ObjectRuleViolation) -> Self {
        CloudError::InvalidObject { violation }
    }

    pub(crate) fn unexpected(status: Option<u16>, provider_reason: Option<&str>) -> Self {
        CloudError::Unexpected { status, provider_reason: provider_reason.and_then(sanitize_reason) }
    }
}

/// Transport-level failure kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NetworkErrorKind {
    /// Could not connect (offline, refused, DNS).
    Connect,
    /// The request or response did not complete in time.
    Timeout,
    /// The connection broke mid-exchange (dropped, truncated body).
    Interrupted,
    /// The provider's servers failed (HTTP 5xx or the provider's "temporary error" codes).
    ServerError,
    /// The device reports it is offline (CloudKit `networkUnavailable`).
    Offline,
}

/// What was wrong with a provider response we refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CorruptionDetail {
    /// The body exceeded the bound for that kind of response.
    BodyTooLarge,
    /// The body was not the JSON shape the provider documents.
    MalformedJson,
    /// A field we asked for was absent.
    MissingField(&'static str),
    /// A number or timestamp field could not be parsed.
    BadField(&'static str),
    /// The downloaded bytes disagree with the size or checksum the provider reported.
    ContentMismatch,
    /// Listing did not terminate: a page token repeated, or the page/object bound was hit.
    EndlessListing,
    /// A returned object name or property breaks the store's own rules.
    InvalidStoredObject,
    /// The local store's file is not in the expected format.
    BadLocalFile,
}

/// A rule of the `CloudStore` contract that a request broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectRuleViolation {
    /// Names must not be empty.
    NameEmpty,
    /// Names are at most [`crate::MAX_NAME_LEN`] bytes.
    NameTooLong,
    /// Names use only ASCII letters, digits, `-`, `_` and `.`.
    NameCharacter,
    /// Names must not start with `.` (reserved for the local store's temporary files).
    NameLeadingDot,
    /// Objects are at most [`crate::MAX_OBJECT_BYTES`] bytes.
    TooLarge {
        /// The object's size.
        size: u64,
        /// The bound.
        max: u64,
    },
    /// At most [`crate::MAX_APP_PROPERTIES`] app properties.
    TooManyProperties,
    /// Property keys are non-empty and use the same alphabet as names.
    PropertyKey,
    /// Key plus value of one property are at most [`crate::MAX_APP_PROPERTY_BYTES`] bytes.
    PropertyTooLong,
}

/// Failure reported by a [`crate::TokenProvider`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Nobody is signed in.
    #[error("not signed in")]
    NotSignedIn,
    /// The sign-in cannot be renewed silently (revoked, expired, password changed).
    #[error("sign in again")]
    ReSignInRequired,
    /// The platform's sign-in service cannot be used.
    #[error("sign-in provider unavailable: {0:?}")]
    ProviderUnavailable(ProviderUnavailableReason),
    /// The sign-in service could not be reached; retry later.
    #[error("network error during sign-in")]
    Network,
}

impl From<TokenError> for CloudError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::NotSignedIn => CloudError::NotSignedIn,
            TokenError::ReSignInRequired => CloudError::ReSignInRequired,
            TokenError::ProviderUnavailable(reason) => CloudError::ProviderUnavailable { reason },
            TokenError::Network => CloudError::network(NetworkErrorKind::Connect),
        }
    }
}

/// Keeps a provider reason only if it looks like an identifier; anything else (free text, an
/// echoed header, a hostile payload) is dropped rather than carried into logs.
pub(crate) fn sanitize_reason(reason: &str) -> Option<String> {
    let plausible = !reason.is_empty()
        && reason.len() <= 64
        && reason.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b' '));
    plausible.then(|| reason.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_sanitised() {
        assert_eq!(sanitize_reason("dailyLimitExceeded").as_deref(), Some("dailyLimitExceeded"));
        assert_eq!(sanitize_reason("21004001").as_deref(), Some("21004001"));
        assert_eq!(sanitize_reason("Bearer ya29.abc/def"), None);
        assert_eq!(sanitize_reason(""), None);
        assert_eq!(sanitize_reason(&"a".repeat(65)), None);
        assert_eq!(sanitize_reason("{\"x\":1}"), None);
    }

    #[test]
    fn retryable_classification() {
        assert!(CloudError::RateLimited { retry_after: None }.is_retryable());
        assert!(CloudError::network(NetworkErrorKind::Timeout).is_retryable());
        assert!(CloudError::Conflict.is_retryable());
        assert!(!CloudError::QuotaExceeded { used: None, limit: None }.is_retryable());
        assert!(!CloudError::ReSignInRequired.is_retryable());
        assert!(!CloudError::NotSignedIn.is_retryable());
        assert!(!CloudError::NotFound.is_retryable());
        assert!(!CloudError::corrupted(CorruptionDetail::MalformedJson).is_retryable());
        assert!(!CloudError::unavailable(ProviderUnavailableReason::HmsCoreMissing).is_retryable());
        assert!(!CloudError::unexpected(Some(400), Some("badRequest")).is_retryable());
    }

    #[test]
    fn token_errors_map() {
        assert_eq!(CloudError::from(TokenError::NotSignedIn), CloudError::NotSignedIn);
        assert_eq!(CloudError::from(TokenError::ReSignInRequired), CloudError::ReSignInRequired);
        assert_eq!(
            CloudError::from(TokenError::ProviderUnavailable(ProviderUnavailableReason::HmsCoreOutdated)),
            CloudError::unavailable(ProviderUnavailableReason::HmsCoreOutdated)
        );
        assert!(CloudError::from(TokenError::Network).is_retryable());
    }
}
