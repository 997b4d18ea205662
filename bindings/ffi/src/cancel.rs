//! Host-driven cancellation. Kotlin cancels UniFFI futures itself; Swift's generated async code
//! does not, so long calls also accept a `CancellationToken` the host's cancellation handler
//! trips. Plumbing only (`cairn_core::until_cancelled`): the call's future is dropped, which
//! stops its downloads (their tasks are aborted) and releases the handle.

use std::future::Future;
use std::sync::Arc;

use cairn_core::{CancelFlag, until_cancelled};

use crate::error::CairnError;

/// Cancels the calls it was passed to. One token may serve several calls; once cancelled it
/// stays cancelled (calls started with it fail at once with `CairnError.Cancelled`).
#[derive(Debug, Default, uniffi::Object)]
pub struct CancellationToken {
    flag: CancelFlag,
}

#[uniffi::export]
impl CancellationToken {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Stops every call running with this token; they fail with `Cancelled`.
    pub fn cancel(&self) {
        self.flag.cancel();
    }

    /// Whether `cancel()` was called.
    pub fn is_cancelled(&self) -> bool {
        self.flag.is_cancelled()
    }
}

/// Runs `work` until it finishes or `token` is cancelled (then `work` is dropped).
pub(crate) async fn cancellable<T>(
    token: Option<Arc<CancellationToken>>,
    work: impl Future<Output = Result<T, CairnError>>,
) -> Result<T, CairnError> {
    match token {
        None => work.await,
        Some(token) => {
            until_cancelled(&token.flag, work).await.unwrap_or_else(|| Err(CairnError::cancelled()))
        }
    }
}
