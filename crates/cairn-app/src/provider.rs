//! Which cloud providers this device can offer, from the raw results of the platform's own
//! service probes. The shells only call the probe APIs and pass the numbers in; every decision
//! (what is available, why not, what to tell the user, what to offer first) is made here.

use cairn_cloud::ProviderUnavailableReason;
use cairn_cloud::cloudkit::ck_account_status;
use cairn_core::CairnError;

use crate::present::{ErrorPresentation, present};

/// The platform the app runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// Android (Google Play services and/or HMS Core).
    Android,
    /// iOS / iPadOS.
    Ios,
    /// HarmonyOS NEXT (Account Kit is part of the system; there is no HMS Core APK).
    HarmonyOs,
    /// A desktop or CLI host (development).
    Desktop,
}

/// A cloud the backups can live in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CloudProvider {
    /// Google Drive's hidden app-data folder.
    GoogleDrive,
    /// Huawei Drive Kit's application-data container.
    HuaweiDrive,
    /// iCloud (CloudKit private database).
    ICloud,
}

impl CloudProvider {
    /// The name users know.
    pub const fn display_name(self) -> &'static str {
        match self {
            CloudProvider::GoogleDrive => "Google Drive",
            CloudProvider::HuaweiDrive => "HUAWEI Cloud",
            CloudProvider::ICloud => "iCloud",
        }
    }
}

/// `com.huawei.hms.api.ConnectionResult` values, as returned by
/// `HuaweiApiAvailability.getInstance().isHuaweiMobileServicesAvailable(context)`.
/// Source: the HMS Core SDK's `ConnectionResult` class (constants SUCCESS = 0 … SERVICE_UNSUPPORTED
/// = 21, as shipped in the `com.huawei.hms:base` AAR) and Huawei's `HuaweiApiAvailability`
/// reference (developer.huawei.com/consumer/en/doc/HMS-References/huaweiapiavailability).
/// The codes mirror Google's `ConnectionResult` for the shared values.
pub mod hms_connection_result {
    /// HMS Core is installed, enabled and recent enough.
    pub const SUCCESS: i32 = 0;
    /// HMS Core (APK) is not installed.
    pub const SERVICE_MISSING: i32 = 1;
    /// HMS Core is older than the version the SDK needs.
    pub const SERVICE_VERSION_UPDATE_REQUIRED: i32 = 2;
    /// HMS Core is disabled in the system settings.
    pub const SERVICE_DISABLED: i32 = 3;
    /// The installed HMS Core is not the genuine build.
    pub const SERVICE_INVALID: i32 = 9;
    /// The device (EMUI/Android version) cannot run HMS Core.
    pub const SERVICE_UNSUPPORTED: i32 = 21;
}

/// `com.google.android.gms.common.ConnectionResult` values returned by
/// `GoogleApiAvailability.isGooglePlayServicesAvailable(context)`.
/// Source: developers.google.com/android/reference/com/google/android/gms/common/ConnectionResult.
pub mod gms_connection_result {
    /// Google Play services are present and usable.
    pub const SUCCESS: i32 = 0;
    /// Not installed.
    pub const SERVICE_MISSING: i32 = 1;
    /// Too old.
    pub const SERVICE_VERSION_UPDATE_REQUIRED: i32 = 2;
    /// Disabled.
    pub const SERVICE_DISABLED: i32 = 3;
    /// Not the genuine build.
    pub const SERVICE_INVALID: i32 = 9;
    /// Being updated right now.
    pub const SERVICE_UPDATING: i32 = 18;
}

/// What `isHuaweiMobileServicesAvailable` said, decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HmsAvailability {
    /// `SUCCESS`.
    Available,
    /// `SERVICE_MISSING`.
    Missing,
    /// `SERVICE_VERSION_UPDATE_REQUIRED`.
    UpdateRequired,
    /// `SERVICE_DISABLED`.
    Disabled,
    /// `SERVICE_INVALID`.
    Invalid,
    /// `SERVICE_UNSUPPORTED`.
    DeviceUnsupported,
    /// Any other code (the availability check itself failed: binding, timeout, …).
    Other(i32),
}

impl HmsAvailability {
    /// Decodes a raw `ConnectionResult` code.
    pub const fn from_code(code: i32) -> Self {
        use hms_connection_result as c;
        match code {
            c::SUCCESS => Self::Available,
            c::SERVICE_MISSING => Self::Missing,
            c::SERVICE_VERSION_UPDATE_REQUIRED => Self::UpdateRequired,
            c::SERVICE_DISABLED => Self::Disabled,
            c::SERVICE_INVALID => Self::Invalid,
            c::SERVICE_UNSUPPORTED => Self::DeviceUnsupported,
            other => Self::Other(other),
        }
    }

    /// Why Huawei Drive cannot be used, or `None` when it can. An unknown code gets the
    /// "missing" reason: reinstalling or updating HMS Core from AppGallery is the fix that
    /// covers a failed check too.
    pub const fn unavailable_reason(self) -> Option<ProviderUnavailableReason> {
        match self {
            Self::Available => None,
            Self::Missing | Self::Other(_) => Some(ProviderUnavailableReason::HmsCoreMissing),
            Self::UpdateRequired => Some(ProviderUnavailableReason::HmsCoreOutdated),
            Self::Disabled => Some(ProviderUnavailableReason::HmsCoreDisabled),
            Self::Invalid => Some(ProviderUnavailableReason::HmsCoreInvalid),
            Self::DeviceUnsupported => Some(ProviderUnavailableReason::DeviceUnsupported),
        }
    }
}

/// `CKContainer.accountStatus` decoded (raw values in `cairn_cloud::cloudkit::ck_account_status`:
/// couldNotDetermine 0, available 1, restricted 2, noAccount 3, temporarilyUnavailable 4, as in
/// Apple's `CKAccountStatus` declaration; developer.apple.com/documentation/cloudkit/ckaccountstatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ICloudAccountStatus {
    /// `.available`.
    Available,
    /// `.noAccount`.
    NoAccount,
    /// `.restricted`.
    Restricted,
    /// `.temporarilyUnavailable`.
    TemporarilyUnavailable,
    /// `.couldNotDetermine`, or a value newer than this code knows.
    CouldNotDetermine,
}

impl ICloudAccountStatus {
    /// Decodes a raw `CKAccountStatus` value.
    pub const fn from_code(code: i64) -> Self {
        match code {
            ck_account_status::AVAILABLE => Self::Available,
            ck_account_status::NO_ACCOUNT => Self::NoAccount,
            ck_account_status::RESTRICTED => Self::Restricted,
            ck_account_status::TEMPORARILY_UNAVAILABLE => Self::TemporarilyUnavailable,
            _ => Self::CouldNotDetermine,
        }
    }

    /// Why iCloud cannot be used, or `None` when it can.
    pub const fn unavailable_reason(self) -> Option<ProviderUnavailableReason> {
        match self {
            Self::Available => None,
            Self::NoAccount => Some(ProviderUnavailableReason::ICloudSignedOut),
            Self::Restricted => Some(ProviderUnavailableReason::ICloudRestricted),
            Self::TemporarilyUnavailable => Some(ProviderUnavailableReason::ICloudTemporarilyUnavailable),
            Self::CouldNotDetermine => Some(ProviderUnavailableReason::ICloudUnavailable),
        }
    }
}

/// The raw results of the platform's probes. `None` means "not probed here": the shell's build
/// has no such SDK (no HMS SDK in a Play-only build, no CloudKit entitlement) and the provider
/// is not offered — except Google Play services on Android, whose absence Google sign-in
/// reports by itself, so an unprobed Android device is assumed to have them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlatformProbes {
    /// `GoogleApiAvailability.isGooglePlayServicesAvailable` (Android only).
    pub google_play_services: Option<i32>,
    /// `HuaweiApiAvailability.isHuaweiMobileServicesAvailable` (Android only).
    pub hms_core: Option<i32>,
    /// `CKContainer.accountStatus` raw value (iOS / macOS only).
    pub icloud_account_status: Option<i64>,
}

/// One provider the app can show on its "where to back up" screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderOption {
    /// Which cloud.
    pub provider: CloudProvider,
    /// Whether it can be used now.
    pub available: bool,
    /// Why not, when it cannot.
    pub unavailable_reason: Option<ProviderUnavailableReason>,
    /// What to show for an unavailable provider (title, guidance, action such as
    /// "install or update HMS Core"); `None` when available.
    pub presentation: Option<ErrorPresentation>,
    /// The one option to preselect (the first available one in platform order).
    pub recommended: bool,
}

fn option(provider: CloudProvider, reason: Option<ProviderUnavailableReason>) -> ProviderOption {
    ProviderOption {
        provider,
        available: reason.is_none(),
        unavailable_reason: reason,
        presentation: reason
            .map(|reason| present(&CairnError::ProviderUnavailable { reason }, Some(provider))),
        recommended: false,
    }
}

fn gms_reason(code: Option<i32>) -> Option<ProviderUnavailableReason> {
    match code {
        None | Some(gms_connection_result::SUCCESS) => None,
        Some(_) => Some(ProviderUnavailableReason::GoogleServicesMissing),
    }
}

/// The providers to offer, available ones first, in the platform's preferred order (Android:
/// Google Drive, then Huawei Drive; iOS: iCloud, then Google Drive so an Android user's backup
/// restores on an iPhone; HarmonyOS: Huawei Drive; desktop: Google Drive, Huawei Drive).
pub fn provider_options(platform: Platform, probes: PlatformProbes) -> Vec<ProviderOption> {
    let mut options = match platform {
        Platform::Android => {
            let mut options =
                vec![option(CloudProvider::GoogleDrive, gms_reason(probes.google_play_services))];
            if let Some(code) = probes.hms_core {
                options.push(option(
                    CloudProvider::HuaweiDrive,
                    HmsAvailability::from_code(code).unavailable_reason(),
                ));
            }
            options
        }
        Platform::Ios => {
            let mut options = Vec::new();
            if let Some(code) = probes.icloud_account_status {
                options.push(option(
                    CloudProvider::ICloud,
                    ICloudAccountStatus::from_code(code).unavailable_reason(),
                ));
            }
            options.push(option(CloudProvider::GoogleDrive, None));
            options
        }
        Platform::HarmonyOs => vec![option(CloudProvider::HuaweiDrive, None)],
        Platform::Desktop => {
            vec![option(CloudProvider::GoogleDrive, None), option(CloudProvider::HuaweiDrive, None)]
        }
    };
    // Stable: keeps the platform order within the available and the unavailable ones.
    options.sort_by_key(|o| !o.available);
    if let Some(first) = options.iter_mut().find(|o| o.available) {
        first.recommended = true;
    }
    options
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hms_codes_decode_to_the_documented_reasons() {
        use ProviderUnavailableReason as R;
        let cases = [
            (0, None),
            (1, Some(R::HmsCoreMissing)),
            (2, Some(R::HmsCoreOutdated)),
            (3, Some(R::HmsCoreDisabled)),
            (9, Some(R::HmsCoreInvalid)),
            (21, Some(R::DeviceUnsupported)),
            (8, Some(R::HmsCoreMissing)),
            (-1, Some(R::HmsCoreMissing)),
        ];
        for (code, reason) in cases {
            assert_eq!(HmsAvailability::from_code(code).unavailable_reason(), reason, "code {code}");
        }
        assert_eq!(HmsAvailability::from_code(8), HmsAvailability::Other(8));
    }

    #[test]
    fn icloud_codes_decode_to_the_documented_reasons() {
        use ProviderUnavailableReason as R;
        let cases = [
            (0, Some(R::ICloudUnavailable)),
            (1, None),
            (2, Some(R::ICloudRestricted)),
            (3, Some(R::ICloudSignedOut)),
            (4, Some(R::ICloudTemporarilyUnavailable)),
            (99, Some(R::ICloudUnavailable)),
        ];
        for (code, reason) in cases {
            assert_eq!(ICloudAccountStatus::from_code(code).unavailable_reason(), reason, "code {code}");
        }
    }

    #[test]
    fn huawei_phone_without_play_services_recommends_huawei_drive() {
        let probes =
            PlatformProbes { google_play_services: Some(1), hms_core: Some(0), ..Default::default() };
        let options = provider_options(Platform::Android, probes);
        assert_eq!(options.len(), 2);
        assert_eq!(options[0].provider, CloudProvider::HuaweiDrive);
        assert!(options[0].available && options[0].recommended);
        assert!(!options[1].available && !options[1].recommended);
        assert_eq!(options[1].unavailable_reason, Some(ProviderUnavailableReason::GoogleServicesMissing));
    }

    #[test]
    fn outdated_hms_core_is_offered_with_the_appgallery_guidance() {
        let probes =
            PlatformProbes { google_play_services: Some(0), hms_core: Some(2), ..Default::default() };
        let options = provider_options(Platform::Android, probes);
        assert_eq!(options[0].provider, CloudProvider::GoogleDrive);
        assert!(options[0].recommended);
        let huawei = &options[1];
        assert!(!huawei.available);
        let shown = huawei.presentation.as_ref().unwrap();
        assert_eq!(shown.primary, crate::RecoveryAction::InstallOrUpdateHmsCore);
        assert!(shown.hint.contains("AppGallery") && shown.hint.contains("HMS Core"));
        assert!(shown.hint.contains("restart"));
    }

    #[test]
    fn play_only_android_build_offers_google_only() {
        let options = provider_options(Platform::Android, PlatformProbes::default());
        assert_eq!(options.len(), 1);
        assert!(options[0].available);
    }

    #[test]
    fn iphone_signed_out_of_icloud_recommends_google_drive_and_says_why() {
        let probes = PlatformProbes { icloud_account_status: Some(3), ..Default::default() };
        let options = provider_options(Platform::Ios, probes);
        assert_eq!(options[0].provider, CloudProvider::GoogleDrive);
        assert!(options[0].recommended);
        assert_eq!(options[1].provider, CloudProvider::ICloud);
        assert_eq!(
            options[1].presentation.as_ref().unwrap().primary,
            crate::RecoveryAction::OpenICloudSettings
        );
        let available = PlatformProbes { icloud_account_status: Some(1), ..Default::default() };
        let options = provider_options(Platform::Ios, available);
        assert_eq!(options[0].provider, CloudProvider::ICloud);
        assert!(options.iter().all(|o| o.available));
    }

    #[test]
    fn harmony_and_desktop() {
        let harmony =
            provider_options(Platform::HarmonyOs, PlatformProbes { hms_core: Some(1), ..Default::default() });
        assert_eq!(harmony.len(), 1);
        assert!(harmony[0].available && harmony[0].provider == CloudProvider::HuaweiDrive);
        let desktop = provider_options(Platform::Desktop, PlatformProbes::default());
        assert_eq!(
            desktop.iter().map(|o| o.provider).collect::<Vec<_>>(),
            [CloudProvider::GoogleDrive, CloudProvider::HuaweiDrive]
        );
    }
}
