#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

mod cancel;
mod clock;
mod error;
mod export;
mod health;
mod layout;
mod observe;
mod service;
mod wallet;

pub use cancel::{CancelFlag, until_cancelled};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{CairnError, ConflictReason, Damage, ErrorKind, VerificationStage};
pub use export::{EXPORT_MAGIC, EXPORT_VERSION, MAX_EXPORT_LEN, MAX_EXPORT_OBJECTS};
pub use health::{BackupRef, HealthStatus, WalletHealth, WalletHealthQuery};
pub use layout::{MAX_NAME_TIME, NAME_PREFIX};
pub use observe::{
    LogEvent, LogLevel, LogRecord, LogSink, Operation, ProgressEvent, ProgressListener, Stage, set_log_sink,
};
pub use service::{
    BackupService, CleanupReport, ConfirmDeleteEpoch, ConfirmDeleteWallet, DEFAULT_PARALLEL_DOWNLOADS,
    DeleteReport, EpochSummary, ExportFile, ExportScope, ImportReport, Inventory, ObjectProblem,
    PasswordChange, PasswordCheck, RecordSummary, RestoreFailure, RestoreReport, ServiceConfig,
    UnlockedBackup,
};
pub use wallet::{
    BackupReceipt, BackupRequest, PassphraseBackup, PassphraseStatus, RestoredWallet, WalletKind,
};

// Re-exported so apps need only this crate for the types its API takes and returns.
pub use cairn_cloud::{CloudError, CloudStore, Quota};
pub use cairn_crypto::format::{EpochId, RecordId};
pub use cairn_crypto::password::PasswordPolicy;
pub use cairn_crypto::{BackupPassword, KdfParams, Language, Mnemonic, PrivateKey, SecretString};
