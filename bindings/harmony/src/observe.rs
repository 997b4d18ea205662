//! Progress listener and log sink for JS: `cairn-core`'s events handed to JS callbacks through
//! weak thread-safe functions (they never keep the event loop alive). Only stable snake_case
//! names, counts and `cairn-core`'s secret-free log text cross here.

#[cfg(feature = "node")]
use napi::{
    Error as NapiError, Result, Status,
    bindgen_prelude::Function,
    threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode},
};
#[cfg(feature = "node")]
use napi_derive::napi;
#[cfg(all(feature = "ohos", not(feature = "node")))]
use napi_derive_ohos::napi;
#[cfg(all(feature = "ohos", not(feature = "node")))]
use napi_ohos::{
    Error as NapiError, Result, Status,
    bindgen_prelude::Function,
    threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode},
};

use std::sync::Arc;

use cairn_core::LogLevel;

/// One progress step: `operation` and `stage` are stable snake_case names; `completed` /
/// `total` count downloads while `stage` is `downloading`, else 0.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone)]
pub struct ProgressEvent {
    pub operation: String,
    pub stage: String,
    pub completed: f64,
    pub total: f64,
}

/// One log line rendered by `cairn-core` from a closed set of typed events (never input text,
/// ids, object names or secrets). `level` is `error` … `trace`.
#[napi(object, object_from_js = false)]
#[derive(Debug, Clone)]
pub struct LogRecord {
    pub level: String,
    pub target: String,
    pub message: String,
}

type ProgressCallback = ThreadsafeFunction<ProgressEvent, (), ProgressEvent, Status, false, true>;
type LogCallback = ThreadsafeFunction<LogRecord, (), LogRecord, Status, false, true>;

struct HostProgress(ProgressCallback);

impl cairn_core::ProgressListener for HostProgress {
    fn on_progress(&self, event: cairn_core::ProgressEvent) {
        let event = ProgressEvent {
            operation: event.operation.as_str().to_owned(),
            stage: event.stage.as_str().to_owned(),
            // Counts are small; a JS number holds them exactly.
            completed: event.completed as f64,
            total: event.total as f64,
        };
        // Queued for the JS thread; a closed loop just drops the step.
        let _ = self.0.call(event, ThreadsafeFunctionCallMode::NonBlocking);
    }
}

/// The listener a `BackupService.setProgressListener` call installs (`None` for `null`).
pub(crate) fn progress_listener(
    callback: Option<Function<'_, ProgressEvent, ()>>,
) -> Result<Option<Arc<dyn cairn_core::ProgressListener>>> {
    let Some(callback) = callback else { return Ok(None) };
    let tsfn = callback.build_threadsafe_function().callee_handled::<false>().weak::<true>().build()?;
    Ok(Some(Arc::new(HostProgress(tsfn))))
}

struct HostLog(LogCallback);

fn level_name(level: LogLevel) -> &'static str {
    match level {
        LogLevel::Error => "error",
        LogLevel::Warn => "warn",
        LogLevel::Info => "info",
        LogLevel::Debug => "debug",
        LogLevel::Trace => "trace",
    }
}

impl cairn_core::LogSink for HostLog {
    fn log(&self, record: cairn_core::LogRecord) {
        let record = LogRecord {
            level: level_name(record.level).to_owned(),
            target: record.target.to_owned(),
            message: record.message,
        };
        let _ = self.0.call(record, ThreadsafeFunctionCallMode::NonBlocking);
    }
}

/// Installs the process-wide log sink (replacing any earlier one) receiving `maxLevel` and the
/// more severe levels; `null` turns logging off.
#[napi]
pub fn set_log_sink(sink: Option<Function<'_, LogRecord, ()>>, max_level: String) -> Result<()> {
    let level = match max_level.as_str() {
        "error" => LogLevel::Error,
        "warn" => LogLevel::Warn,
        "info" => LogLevel::Info,
        "debug" => LogLevel::Debug,
        "trace" => LogLevel::Trace,
        _ => {
            return Err(NapiError::new(
                Status::InvalidArg,
                "maxLevel must be 'error', 'warn', 'info', 'debug' or 'trace'",
            ));
        }
    };
    let sink = match sink {
        Some(callback) => {
            let tsfn =
                callback.build_threadsafe_function().callee_handled::<false>().weak::<true>().build()?;
            Some(Arc::new(HostLog(tsfn)) as Arc<dyn cairn_core::LogSink>)
        }
        None => None,
    };
    cairn_core::set_log_sink(sink, level);
    Ok(())
}
