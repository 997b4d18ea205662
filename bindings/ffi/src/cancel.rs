//! Host-driven cancellation. Kotlin cancels UniFFI futures itself; Swift's generated async code
//! does not, so long calls also accept a `CancellationToken` the host's cancellation handler
//! trips. Plumbing only: the call's future is dropped, which stops its downloads (their tasks
//! are aborted) and releases the handle.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use tokio::sync::Notify;

use crate::error::CairnError;

/// Cancels the calls it was passed to. One token may serve several calls; once cancelled it
/// stays cancelled (calls started with it fail at once with `CairnError.Cancelled`).
#[derive(Debug, Default, uniffi::Object)]
pub struct CancellationToken {
    cancelled: AtomicBool,
    wake: Notify,
}

#[uniffi::export]
impl CancellationToken {
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Stops every call running with this token; they fail with `Cancelled`.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
    }

    /// Whether `cancel()` was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }
}

impl CancellationToken {
    async fn tripped(&self) {
        loop {
            let mut notified = pin!(self.wake.notified());
            // Registered before the flag is read, so a `cancel()` in between is not missed.
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

/// Runs `work` until it finishes or `token` is cancelled (then `work` is dropped).
pub(crate) async fn cancellable<T>(
    token: Option<Arc<CancellationToken>>,
    work: impl Future<Output = Result<T, CairnError>>,
) -> Result<T, CairnError> {
    let Some(token) = token else { return work.await };
    let mut work = pin!(work);
    let mut tripped = pin!(token.tripped());
    std::future::poll_fn(|cx| {
        if tripped.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Err(CairnError::cancelled()));
        }
        work.as_mut().poll(cx)
    })
    .await
}
