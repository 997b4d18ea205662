//! Progress listener and log sink the host implements, mirrored from `cairn_core`'s observe
//! types. Only enums, counts and secret-free text built by `cairn-core` cross here.

use std::sync::Arc;

use cairn_core::{LogLevel as CoreLevel, Operation as CoreOperation, Stage as CoreStage};

/// The operation a progress event belongs to (`Operation` in `cairn-core`; renamed so Swift
/// code importing Foundation, which has an `Operation` class, needs no qualification).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum CairnOperation {
    FirstPassword,
    NewEpoch,
    Unlock,
    CheckPassword,
    Backup,
    Restore,
    ChangePassword,
    Cleanup,
    Inventory,
    Export,
    Import,
}

impl From<CoreOperation> for CairnOperation {
    fn from(operation: CoreOperation) -> Self {
        match operation {
            CoreOperation::FirstPassword => Self::FirstPassword,
            CoreOperation::NewEpoch => Self::NewEpoch,
            CoreOperation::Unlock => Self::Unlock,
            CoreOperation::CheckPassword => Self::CheckPassword,
            CoreOperation::Backup => Self::Backup,
            CoreOperation::Restore => Self::Restore,
            CoreOperation::ChangePassword => Self::ChangePassword,
            CoreOperation::Cleanup => Self::Cleanup,
            CoreOperation::Inventory => Self::Inventory,
            CoreOperation::Export => Self::Export,
            CoreOperation::Import => Self::Import,
        }
    }
}

/// Where an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Stage {
    DerivingKey,
    Listing,
    Encrypting,
    Uploading,
    Verifying,
    Downloading,
    Decrypting,
    CleaningUp,
    Finished,
}

impl From<CoreStage> for Stage {
    fn from(stage: CoreStage) -> Self {
        match stage {
            CoreStage::DerivingKey => Self::DerivingKey,
            CoreStage::Listing => Self::Listing,
            CoreStage::Encrypting => Self::Encrypting,
            CoreStage::Uploading => Self::Uploading,
            CoreStage::Verifying => Self::Verifying,
            CoreStage::Downloading => Self::Downloading,
            CoreStage::Decrypting => Self::Decrypting,
            CoreStage::CleaningUp => Self::CleaningUp,
            CoreStage::Finished => Self::Finished,
        }
    }
}

/// One progress step; `completed` / `total` count downloads while `Downloading`, else 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct ProgressEvent {
    pub operation: CairnOperation,
    pub stage: Stage,
    pub completed: u64,
    pub total: u64,
}

/// What a listener or sink may throw. Whatever the host throws (declared or not) becomes this
/// and is dropped: an observer's failure must never stop or fail a backup or a restore.
/// (Without a `Result` here, UniFFI would panic inside Rust on a host exception.)
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum ObserverError {
    /// The host's listener or sink failed; Cairn carries on.
    #[error("the host's listener failed")]
    Failed,
}

impl From<uniffi::UnexpectedUniFFICallbackError> for ObserverError {
    fn from(_: uniffi::UnexpectedUniFFICallbackError) -> Self {
        ObserverError::Failed
    }
}

/// Receives a service's progress. Called on Cairn's worker threads: hand the event to the UI
/// thread and return. An exception it throws is ignored.
#[uniffi::export(foreign)]
pub trait ProgressListener: Send + Sync {
    fn on_progress(&self, event: ProgressEvent) -> Result<(), ObserverError>;
}

pub(crate) struct ProgressAdapter(pub(crate) Arc<dyn ProgressListener>);

impl cairn_core::ProgressListener for ProgressAdapter {
    fn on_progress(&self, event: cairn_core::ProgressEvent) {
        // A failing listener is the host's problem, not the operation's.
        let _ignored = self.0.on_progress(ProgressEvent {
            operation: event.operation.into(),
            stage: event.stage.into(),
            completed: event.completed,
            total: event.total,
        });
    }
}

/// Severity, most severe first; a sink set with `max_level` gets that level and the ones above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl From<LogLevel> for CoreLevel {
    fn from(level: LogLevel) -> Self {
        match level {
            LogLevel::Error => Self::Error,
            LogLevel::Warn => Self::Warn,
            LogLevel::Info => Self::Info,
            LogLevel::Debug => Self::Debug,
            LogLevel::Trace => Self::Trace,
        }
    }
}

impl From<CoreLevel> for LogLevel {
    fn from(level: CoreLevel) -> Self {
        match level {
            CoreLevel::Error => Self::Error,
            CoreLevel::Warn => Self::Warn,
            CoreLevel::Info => Self::Info,
            CoreLevel::Debug => Self::Debug,
            CoreLevel::Trace => Self::Trace,
        }
    }
}

/// One log line, rendered by `cairn-core` from a closed set of typed events: operation and
/// stage names, counts, durations and error kinds, never input text, ids, names or secrets.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LogRecord {
    pub level: LogLevel,
    pub target: String,
    pub message: String,
}

/// Where Cairn's log records go (Logcat, `os_log`, …). Called on worker threads; return
/// quickly. An exception it throws is ignored.
#[uniffi::export(foreign)]
pub trait LogSink: Send + Sync {
    fn log(&self, record: LogRecord) -> Result<(), ObserverError>;
}

struct LogSinkAdapter(Arc<dyn LogSink>);

impl cairn_core::LogSink for LogSinkAdapter {
    fn log(&self, record: cairn_core::LogRecord) {
        // A failing sink loses that line; the operation carries on.
        let _ignored = self.0.log(LogRecord {
            level: record.level.into(),
            target: record.target.to_owned(),
            message: record.message,
        });
    }
}

/// Installs the process-wide log sink (replacing any earlier one); `None` turns logging off.
#[uniffi::export]
pub fn set_log_sink(sink: Option<Arc<dyn LogSink>>, max_level: LogLevel) {
    let sink = sink.map(|sink| Arc::new(LogSinkAdapter(sink)) as Arc<dyn cairn_core::LogSink>);
    cairn_core::set_log_sink(sink, max_level.into());
}
