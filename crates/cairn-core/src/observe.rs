//! What the service tells the host while it works: progress events (per service) and log
//! records (one process-wide sink). Rules in `docs/SERVICE.md` §11.
//!
//! Secrets cannot reach either: a [`ProgressEvent`] and a [`LogEvent`] hold only enums, counts
//! and durations: no `String`, no object name, no id, no error text. The one place text is
//! produced is [`LogEvent::record`], and it formats only those fields.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use crate::error::{ErrorKind, VerificationStage};

/// The operation an event belongs to.
// Exhaustive on purpose: the bindings mirror it, and a new operation must fail their build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Setting the account's first backup password (a new epoch).
    FirstPassword,
    /// "Forgot password": a new epoch under a new password.
    NewEpoch,
    /// Unlocking an epoch.
    Unlock,
    /// Checking a password (unlock and close).
    CheckPassword,
    /// Backing up one wallet.
    Backup,
    /// Restoring every wallet of an epoch.
    Restore,
    /// Changing an epoch's password.
    ChangePassword,
    /// Retiring superseded copies and wraps.
    Cleanup,
    /// The password-free inventory.
    Inventory,
    /// Writing an export file.
    Export,
    /// Uploading an export file's objects.
    Import,
}

impl Operation {
    /// Stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::FirstPassword => "first_password",
            Self::NewEpoch => "new_epoch",
            Self::Unlock => "unlock",
            Self::CheckPassword => "check_password",
            Self::Backup => "backup",
            Self::Restore => "restore",
            Self::ChangePassword => "change_password",
            Self::Cleanup => "cleanup",
            Self::Inventory => "inventory",
            Self::Export => "export",
            Self::Import => "import",
        }
    }
}

/// Where an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stage {
    /// Running the password KDF (the slow step of unlock, first password, password change).
    DerivingKey,
    /// Listing the account's objects.
    Listing,
    /// Encrypting a wallet.
    Encrypting,
    /// Uploading a new object.
    Uploading,
    /// Reading a new object back and comparing it.
    Verifying,
    /// Downloading objects; `completed` of `total` are done.
    Downloading,
    /// Decrypting downloaded wallets.
    Decrypting,
    /// Deleting superseded objects.
    CleaningUp,
    /// The operation succeeded (the last event of a successful operation).
    Finished,
}

impl Stage {
    /// Stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::DerivingKey => "deriving_key",
            Self::Listing => "listing",
            Self::Encrypting => "encrypting",
            Self::Uploading => "uploading",
            Self::Verifying => "verifying",
            Self::Downloading => "downloading",
            Self::Decrypting => "decrypting",
            Self::CleaningUp => "cleaning_up",
            Self::Finished => "finished",
        }
    }
}

/// One progress step. `completed` / `total` count downloads during [`Stage::Downloading`]
/// and are 0 otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProgressEvent {
    /// The operation.
    pub operation: Operation,
    /// Its current stage.
    pub stage: Stage,
    /// Items done in this stage.
    pub completed: u64,
    /// Items in this stage.
    pub total: u64,
}

/// Receives a service's progress events. Called on the service's worker threads, in order for
/// one operation; it must return quickly (hand the event to the UI thread, don't block).
pub trait ProgressListener: Send + Sync {
    /// One step of an operation.
    fn on_progress(&self, event: ProgressEvent);
}

/// Severity of a log record; a sink set with `max_level` receives that level and the more
/// severe ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// An operation failed.
    Error,
    /// Something went wrong that the service handled (a failed download, a leftover).
    Warn,
    /// Operation start and end, cleanup and restore results.
    Info,
    /// Timings of single steps (KDF, listing).
    Debug,
    /// Every progress step.
    Trace,
}

/// Everything the service ever logs: a closed set of events whose fields are enums, counts and
/// durations only, so no input text, object name, id, token, password or phrase can be logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogEvent {
    /// An operation began.
    OperationStarted {
        /// Which.
        operation: Operation,
    },
    /// An operation succeeded.
    OperationFinished {
        /// Which.
        operation: Operation,
        /// How long it took.
        duration: Duration,
    },
    /// An operation failed.
    OperationFailed {
        /// Which.
        operation: Operation,
        /// The error's stable kind.
        kind: ErrorKind,
        /// How long it ran.
        duration: Duration,
    },
    /// One password-KDF run finished.
    KeyDerived {
        /// How long Argon2id took.
        duration: Duration,
    },
    /// The account was listed.
    Listed {
        /// Objects listed.
        objects: usize,
        /// How long the listing took (all pages, retries included).
        duration: Duration,
    },
    /// Downloads of one batch failed with this kind (after the cloud layer's retries).
    DownloadsFailed {
        /// The failure kind.
        kind: ErrorKind,
        /// How many downloads failed with it.
        count: usize,
    },
    /// A read-back verification failed; the new object was discarded.
    VerificationFailed {
        /// The operation that wrote it.
        operation: Operation,
        /// What the read-back found.
        stage: VerificationStage,
    },
    /// An unverified object could not be removed again (a leftover cleanup retires later).
    DiscardFailed {
        /// Why.
        kind: ErrorKind,
    },
    /// A restore finished.
    RestoreFinished {
        /// Wallets restored.
        restored: usize,
        /// Wallets none of whose copies could be read.
        failed: usize,
    },
    /// A cleanup finished.
    CleanupFinished {
        /// Record copies retired.
        retired_records: usize,
        /// Password wraps retired.
        retired_wraps: usize,
        /// Copies kept.
        kept: usize,
    },
    /// A progress step (trace level).
    Progress(ProgressEvent),
}

/// A rendered log record, what a [`LogSink`] receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// Severity.
    pub level: LogLevel,
    /// Which part of Cairn (`cairn::service`, `cairn::kdf`, `cairn::cloud`).
    pub target: &'static str,
    /// One line of text built only from the event's fields.
    pub message: String,
}

/// Receives log records (e.g. forwards them to Logcat, `os_log`, hilog). Called on worker
/// threads; must return quickly.
pub trait LogSink: Send + Sync {
    /// One record.
    fn log(&self, record: LogRecord);
}

struct Millis(Duration);

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", self.0.as_millis())
    }
}

impl LogEvent {
    /// The event's severity.
    pub fn level(&self) -> LogLevel {
        match self {
            Self::OperationFailed { .. } => LogLevel::Error,
            Self::DownloadsFailed { .. } | Self::VerificationFailed { .. } | Self::DiscardFailed { .. } => {
                LogLevel::Warn
            }
            Self::OperationStarted { .. }
            | Self::OperationFinished { .. }
            | Self::RestoreFinished { .. }
            | Self::CleanupFinished { .. } => LogLevel::Info,
            Self::KeyDerived { .. } | Self::Listed { .. } => LogLevel::Debug,
            Self::Progress(_) => LogLevel::Trace,
        }
    }

    /// Renders the event: the only place log text is made.
    pub fn record(&self) -> LogRecord {
        let (target, message) = match *self {
            Self::OperationStarted { operation } => {
                ("cairn::service", format!("{} started", operation.as_str()))
            }
            Self::OperationFinished { operation, duration } => {
                ("cairn::service", format!("{} finished in {}", operation.as_str(), Millis(duration)))
            }
            Self::OperationFailed { operation, kind, duration } => (
                "cairn::service",
                format!("{} failed after {}: {}", operation.as_str(), Millis(duration), kind.as_str()),
            ),
            Self::KeyDerived { duration } => ("cairn::kdf", format!("key derived in {}", Millis(duration))),
            Self::Listed { objects, duration } => {
                ("cairn::cloud", format!("listed {objects} objects in {}", Millis(duration)))
            }
            Self::DownloadsFailed { kind, count } => {
                ("cairn::cloud", format!("{count} downloads failed: {}", kind.as_str()))
            }
            Self::VerificationFailed { operation, stage } => (
                "cairn::service",
                format!("{}: read-back verification failed at {}", operation.as_str(), stage_name(stage)),
            ),
            Self::DiscardFailed { kind } => {
                ("cairn::cloud", format!("an unverified upload was left behind: {}", kind.as_str()))
            }
            Self::RestoreFinished { restored, failed } => {
                ("cairn::service", format!("restore: {restored} wallets restored, {failed} unreadable"))
            }
            Self::CleanupFinished { retired_records, retired_wraps, kept } => (
                "cairn::service",
                format!(
                    "cleanup: {retired_records} record copies and {retired_wraps} wraps retired, {kept} kept"
                ),
            ),
            Self::Progress(event) => (
                "cairn::progress",
                format!(
                    "{} {} {}/{}",
                    event.operation.as_str(),
                    event.stage.as_str(),
                    event.completed,
                    event.total
                ),
            ),
        };
        LogRecord { level: self.level(), target, message }
    }
}

fn stage_name(stage: VerificationStage) -> &'static str {
    match stage {
        VerificationStage::ReadBack => "read_back",
        VerificationStage::BytesDiffer => "bytes_differ",
        VerificationStage::Decrypt => "decrypt",
        VerificationStage::ContentDiffers => "content_differs",
    }
}

type Installed = Option<(Arc<dyn LogSink>, LogLevel)>;

/// Process-wide, like a platform logger: set once at app start, shared by every service.
static SINK: RwLock<Installed> = RwLock::new(None);

/// Installs the process-wide log sink (replacing any earlier one) with the most verbose level
/// it receives; `None` turns logging off.
pub fn set_log_sink(sink: Option<Arc<dyn LogSink>>, max_level: LogLevel) {
    let mut installed = SINK.write().unwrap_or_else(PoisonError::into_inner);
    *installed = sink.map(|sink| (sink, max_level));
}

/// Sends one event to the installed sink, if its level is enabled. The sink is called outside
/// the lock, so it may itself replace the sink.
pub(crate) fn log(event: LogEvent) {
    let target = {
        let installed = SINK.read().unwrap_or_else(PoisonError::into_inner);
        match installed.as_ref() {
            Some((sink, max)) if event.level() <= *max => Some(Arc::clone(sink)),
            _ => None,
        }
    };
    if let Some(sink) = target {
        sink.log(event.record());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_order_from_severe_to_verbose() {
        assert!(LogLevel::Error < LogLevel::Warn);
        assert!(LogLevel::Debug < LogLevel::Trace);
        let failed = LogEvent::OperationFailed {
            operation: Operation::Unlock,
            kind: ErrorKind::WrongPassword,
            duration: Duration::from_millis(120),
        };
        let record = failed.record();
        assert_eq!(record.level, LogLevel::Error);
        assert_eq!(record.message, "unlock failed after 120 ms: wrong_password");
        let progress = LogEvent::Progress(ProgressEvent {
            operation: Operation::Restore,
            stage: Stage::Downloading,
            completed: 2,
            total: 5,
        });
        assert_eq!(progress.record().message, "restore downloading 2/5");
        assert_eq!(progress.level(), LogLevel::Trace);
    }
}
