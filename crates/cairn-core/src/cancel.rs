//! A cancellation switch for hosts whose async glue cannot drop a running future itself
//! (UniFFI's Swift code, N-API Promises). Cancelling drops the operation's future, which stops
//! it at its next await; see `docs/SERVICE.md` §11 for what that leaves behind.

use std::future::Future;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use tokio::sync::Notify;

/// Set once by the host; every operation run with it through [`until_cancelled`] stops.
#[derive(Debug, Default)]
pub struct CancelFlag {
    cancelled: AtomicBool,
    wake: Notify,
}

impl CancelFlag {
    /// A flag not yet set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stops every operation running with this flag (and any started with it later).
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

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

/// Runs `work` to its end (`Some`), or until `flag` is set (`None`; `work` is dropped).
pub async fn until_cancelled<F: Future>(flag: &CancelFlag, work: F) -> Option<F::Output> {
    let mut work = pin!(work);
    let mut tripped = pin!(flag.tripped());
    std::future::poll_fn(|cx| {
        if tripped.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        work.as_mut().poll(cx).map(Some)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_set_flag_stops_pending_work_and_an_unset_one_lets_it_finish() {
        let flag = std::sync::Arc::new(CancelFlag::new());
        assert_eq!(until_cancelled(&flag, async { 7 }).await, Some(7));

        let setter = std::sync::Arc::clone(&flag);
        tokio::spawn(async move {
            tokio::task::yield_now().await;
            setter.cancel();
        });
        assert_eq!(until_cancelled(&flag, std::future::pending::<u8>()).await, None);
        assert!(flag.is_cancelled());
        // Already set: stops at once.
        assert_eq!(until_cancelled(&flag, std::future::pending::<u8>()).await, None);
    }
}
