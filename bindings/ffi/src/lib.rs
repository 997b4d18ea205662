//! Thin UniFFI bindings over `cairn-core` (see README): no logic lives here.

uniffi::setup_scaffolding!();

mod app;
mod error;
mod foreign;
mod records;
mod service;

pub use app::*;
pub use error::{CairnError, ErrorKind};
pub use foreign::{
    CloudKitBridge, CloudKitError, CloudKitPage, CloudKitRecord, CloudKitRecordInfo, CloudKitSavePolicy,
    ProviderUnavailableReason, TokenError, TokenProvider,
};
pub use records::*;
pub use service::{BackupService, RestoredWallet, UnlockedBackup};
