#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod dev;
mod password;
mod present;
mod provider;
mod session;
mod wallet;

pub use dev::{
    DevTarget, EmulatorAccount, EmulatorEndpoints, EmulatorTokenProvider, emulator_endpoints,
    emulator_endpoints_at, emulator_store, list_emulator_accounts,
};
pub use password::{
    PasswordFeedback, duration_words, password_feedback, password_feedback_with, score_label, warning_text,
};
pub use present::{ErrorPresentation, RecoveryAction, present, present_parts};
pub use provider::{
    CloudProvider, HmsAvailability, ICloudAccountStatus, Platform, PlatformProbes, ProviderOption,
    gms_connection_result, hms_connection_result, provider_options,
};
pub use session::{
    AppSession, AppTask, EpochView, HealthReport, Notice, Overview, PasswordForm, PasswordPrompt,
    RestoreFailureView, RestoreResults, SUGGEST_FORGOT_AFTER, Screen, needs_sign_in,
};
pub use wallet::{RestoredWalletHandle, RestoredWalletInfo, WalletInput, WalletSecretInput};

// Re-exported so shells' glue needs only this crate for the types the API takes and returns.
pub use cairn_cloud::ProviderUnavailableReason;
pub use cairn_crypto::password::{StrengthScore, StrengthWarning};
