//! Thin UniFFI bindings over `cairn-core` (see README): no logic lives here.

uniffi::setup_scaffolding!();

mod app;
mod cancel;
mod error;
mod fingerprint;
mod foreign;
mod http;
mod observe;
mod records;
mod service;

pub use app::*;
pub use cancel::CancellationToken;
pub use error::{CairnError, ErrorKind};
pub use fingerprint::ffi_build_fingerprint;
pub use foreign::{
    CloudKitBridge, CloudKitError, CloudKitPage, CloudKitRecord, CloudKitRecordInfo, CloudKitSavePolicy,
    ProviderUnavailableReason, TokenError, TokenProvider,
};
pub use http::{HttpClient, HttpError, HttpHeader, HttpMethod, HttpRequest, HttpResponse, set_http_client};
pub use observe::{
    CairnOperation, LogLevel, LogRecord, LogSink, ObserverError, ProgressEvent, ProgressListener, Stage,
    set_log_sink,
};
pub use records::*;
pub use service::{BackupService, RestoredWallet, UnlockedBackup};
