//! Traits the host implements (sign-in tokens, the CloudKit shim) and the adapters that turn
//! them into `cairn-cloud`'s traits.

use std::collections::HashMap;
use std::sync::Arc;

use cairn_cloud::cloudkit as ck;
use cairn_cloud::{AccessToken, ProviderUnavailableReason as CoreReason, TokenError as CoreTokenError};

/// Why a cloud provider cannot be used; mirrors `cairn_cloud::ProviderUnavailableReason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ProviderUnavailableReason {
    HmsCoreMissing,
    HmsCoreOutdated,
    HmsCoreDisabled,
    HmsCoreInvalid,
    DeviceUnsupported,
    ICloudUnavailable,
    ICloudSignedOut,
    ICloudRestricted,
    ICloudTemporarilyUnavailable,
    GoogleServicesMissing,
    HuaweiCloudAgreementNotAccepted,
    RegionUnsupported,
    PermissionNotGranted,
    AppNotConfigured,
    AccountRestricted,
}

impl From<ProviderUnavailableReason> for CoreReason {
    fn from(reason: ProviderUnavailableReason) -> Self {
        use ProviderUnavailableReason as R;
        match reason {
            R::HmsCoreMissing => Self::HmsCoreMissing,
            R::HmsCoreOutdated => Self::HmsCoreOutdated,
            R::HmsCoreDisabled => Self::HmsCoreDisabled,
            R::HmsCoreInvalid => Self::HmsCoreInvalid,
            R::DeviceUnsupported => Self::DeviceUnsupported,
            R::ICloudUnavailable => Self::ICloudUnavailable,
            R::ICloudSignedOut => Self::ICloudSignedOut,
            R::ICloudRestricted => Self::ICloudRestricted,
            R::ICloudTemporarilyUnavailable => Self::ICloudTemporarilyUnavailable,
            R::GoogleServicesMissing => Self::GoogleServicesMissing,
            R::HuaweiCloudAgreementNotAccepted => Self::HuaweiCloudAgreementNotAccepted,
            R::RegionUnsupported => Self::RegionUnsupported,
            R::PermissionNotGranted => Self::PermissionNotGranted,
            R::AppNotConfigured => Self::AppNotConfigured,
            R::AccountRestricted => Self::AccountRestricted,
        }
    }
}

/// What a host's `TokenProvider` reports instead of a token (`TokenException` in Kotlin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum TokenError {
    /// Nobody is signed in.
    #[error("not signed in")]
    NotSignedIn,
    /// The sign-in cannot be renewed silently; the user must sign in again.
    #[error("sign in again")]
    ReSignInRequired,
    /// The platform's sign-in service cannot be used (HMS Core missing or outdated, …).
    #[error("sign-in provider unavailable")]
    ProviderUnavailable { reason: ProviderUnavailableReason },
    /// The sign-in service could not be reached.
    #[error("network error during sign-in")]
    Network,
}

/// An exception the host did not declare: treated like a sign-in service that failed to answer,
/// so the request fails with a retryable network error rather than crashing.
impl From<uniffi::UnexpectedUniFFICallbackError> for TokenError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        TokenError::Network
    }
}

impl From<TokenError> for CoreTokenError {
    fn from(error: TokenError) -> Self {
        match error {
            TokenError::NotSignedIn => Self::NotSignedIn,
            TokenError::ReSignInRequired => Self::ReSignInRequired,
            TokenError::ProviderUnavailable { reason } => Self::ProviderUnavailable(reason.into()),
            TokenError::Network => Self::Network,
        }
    }
}

/// Supplies access tokens for one signed-in account (Google Sign-In, HMS Account Kit, …).
/// Calls are never concurrent for one service: a burst of rejected requests makes one refresh.
#[uniffi::export(foreign)]
#[async_trait::async_trait]
pub trait TokenProvider: Send + Sync {
    /// The current access token (may be cached by the host).
    async fn access_token(&self) -> Result<String, TokenError>;
    /// A new access token because the provider rejected `rejected` (HTTP 401). Must not hand
    /// back the same token.
    async fn refresh_access_token(&self, rejected: String) -> Result<String, TokenError>;
}

/// A host `TokenProvider` as `cairn-cloud` wants it.
pub(crate) struct TokenProviderAdapter(pub(crate) Arc<dyn TokenProvider>);

#[async_trait::async_trait]
impl cairn_cloud::TokenProvider for TokenProviderAdapter {
    async fn access_token(&self) -> Result<AccessToken, CoreTokenError> {
        Ok(AccessToken::new(self.0.access_token().await?))
    }

    async fn refresh_access_token(&self, rejected: AccessToken) -> Result<AccessToken, CoreTokenError> {
        let rejected = rejected.expose_secret().to_owned();
        Ok(AccessToken::new(self.0.refresh_access_token(rejected).await?))
    }
}

/// A CloudKit failure as the shim reports it (`CloudKitException` in Kotlin).
#[derive(Debug, Clone, PartialEq, thiserror::Error, uniffi::Error)]
pub enum CloudKitError {
    /// `CKError`: its code, `retryAfterSeconds`, and per-item codes of a partial failure.
    #[error("CKError {code}")]
    Failure { code: i64, retry_after_seconds: Option<f64>, item_codes: Vec<i64> },
}

/// A shim exception that is not a `CKError`: reported as CloudKit's `internalError` (1).
impl From<uniffi::UnexpectedUniFFICallbackError> for CloudKitError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        CloudKitError::Failure { code: 1, retry_after_seconds: None, item_codes: Vec::new() }
    }
}

impl From<CloudKitError> for ck::CloudKitFailure {
    fn from(error: CloudKitError) -> Self {
        match error {
            CloudKitError::Failure { code, retry_after_seconds, item_codes } => {
                ck::CloudKitFailure { code, retry_after_seconds, item_codes }
            }
        }
    }
}

/// One CloudKit record: the object's content and properties plus CloudKit's bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CloudKitRecord {
    pub record_name: String,
    pub change_tag: Option<String>,
    pub modified_millis: i64,
    pub payload: Vec<u8>,
    pub app_properties: HashMap<String, String>,
}

/// A record's metadata as listed (no payload).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CloudKitRecordInfo {
    pub record_name: String,
    pub change_tag: String,
    pub modified_millis: i64,
    pub size: u64,
    pub app_properties: HashMap<String, String>,
}

/// One page of a zone listing; `continuation` is `None` on the last page.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CloudKitPage {
    pub records: Vec<CloudKitRecordInfo>,
    pub continuation: Option<Vec<u8>>,
}

/// `CKModifyRecordsOperation.RecordSavePolicy` values the store uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CloudKitSavePolicy {
    IfServerRecordUnchanged,
    AllKeys,
}

/// What the Swift shim implements over the private database and one custom zone; one CloudKit
/// operation per method (see `cairn_cloud::cloudkit::CloudKitBridge`).
#[uniffi::export(foreign)]
#[async_trait::async_trait]
pub trait CloudKitBridge: Send + Sync {
    async fn account_status(&self) -> Result<i64, CloudKitError>;
    async fn create_zone(&self) -> Result<(), CloudKitError>;
    async fn list_records(&self, continuation: Option<Vec<u8>>) -> Result<CloudKitPage, CloudKitError>;
    async fn fetch_record(&self, record_name: String) -> Result<CloudKitRecord, CloudKitError>;
    async fn save_record(
        &self,
        record: CloudKitRecord,
        policy: CloudKitSavePolicy,
    ) -> Result<CloudKitRecordInfo, CloudKitError>;
    async fn delete_record(&self, record_name: String) -> Result<(), CloudKitError>;
}

/// A host `CloudKitBridge` as `cairn-cloud` wants it.
pub(crate) struct CloudKitBridgeAdapter(pub(crate) Arc<dyn CloudKitBridge>);

fn info_in(info: CloudKitRecordInfo) -> ck::CloudKitRecordInfo {
    ck::CloudKitRecordInfo {
        record_name: info.record_name,
        change_tag: info.change_tag,
        modified_millis: info.modified_millis,
        size: info.size,
        app_properties: info.app_properties,
    }
}

#[async_trait::async_trait]
impl ck::CloudKitBridge for CloudKitBridgeAdapter {
    async fn account_status(&self) -> Result<i64, ck::CloudKitFailure> {
        Ok(self.0.account_status().await?)
    }

    async fn create_zone(&self) -> Result<(), ck::CloudKitFailure> {
        Ok(self.0.create_zone().await?)
    }

    async fn list_records(
        &self,
        continuation: Option<Vec<u8>>,
    ) -> Result<ck::CloudKitPage, ck::CloudKitFailure> {
        let page = self.0.list_records(continuation).await?;
        Ok(ck::CloudKitPage {
            records: page.records.into_iter().map(info_in).collect(),
            continuation: page.continuation,
        })
    }

    async fn fetch_record(&self, record_name: String) -> Result<ck::CloudKitRecord, ck::CloudKitFailure> {
        let record = self.0.fetch_record(record_name).await?;
        Ok(ck::CloudKitRecord {
            record_name: record.record_name,
            change_tag: record.change_tag,
            modified_millis: record.modified_millis,
            payload: record.payload,
            app_properties: record.app_properties,
        })
    }

    async fn save_record(
        &self,
        record: ck::CloudKitRecord,
        policy: ck::CloudKitSavePolicy,
    ) -> Result<ck::CloudKitRecordInfo, ck::CloudKitFailure> {
        let record = CloudKitRecord {
            record_name: record.record_name,
            change_tag: record.change_tag,
            modified_millis: record.modified_millis,
            payload: record.payload,
            app_properties: record.app_properties,
        };
        let policy = match policy {
            ck::CloudKitSavePolicy::IfServerRecordUnchanged => CloudKitSavePolicy::IfServerRecordUnchanged,
            ck::CloudKitSavePolicy::AllKeys => CloudKitSavePolicy::AllKeys,
        };
        Ok(info_in(self.0.save_record(record, policy).await?))
    }

    async fn delete_record(&self, record_name: String) -> Result<(), ck::CloudKitFailure> {
        Ok(self.0.delete_record(record_name).await?)
    }
}
