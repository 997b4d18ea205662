//! Bounded exponential backoff with full jitter, shared by every adapter.
//!
//! Only failures the provider calls transient are retried (HTTP 429 and 5xx, the documented
//! rate-limit reasons, transport errors). The bound is on both attempts and total waiting, so a
//! user-facing operation never hangs for long: with the defaults, at most 5 attempts and 60 s
//! of waiting in all.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

/// Waits between attempts. Injectable so tests can record delays instead of sleeping.
#[async_trait]
pub trait Sleeper: Send + Sync {
    /// Waits for `duration`.
    async fn sleep(&self, duration: Duration);
}

/// Sleeps on the tokio timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration).await;
    }
}

/// How hard to retry transient failures.
#[derive(Clone)]
pub struct RetryPolicy {
    /// Attempts in all, including the first (1 disables retries).
    pub max_attempts: u32,
    /// Cap of the first backoff window; each retry doubles it.
    pub base_delay: Duration,
    /// Largest single backoff window (Google suggests 32–64 s).
    pub max_delay: Duration,
    /// Most time spent waiting across all retries of one operation. A `Retry-After` that
    /// would exceed what is left ends the retries at once.
    pub max_total_delay: Duration,
    /// What waits.
    pub sleeper: Arc<dyn Sleeper>,
}

impl RetryPolicy {
    /// The documented default: 5 attempts, windows of 1, 2, 4, 8 s (capped at 32 s), at most
    /// 60 s waiting in total.
    pub fn standard() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(32),
            max_total_delay: Duration::from_secs(60),
            sleeper: Arc::new(TokioSleeper),
        }
    }

    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Self::standard() }
    }

    /// The same bounds with another sleeper.
    pub fn with_sleeper(mut self, sleeper: Arc<dyn Sleeper>) -> Self {
        self.sleeper = sleeper;
        self
    }

    /// Starts the bookkeeping for one operation.
    pub(crate) fn start(&self) -> RetryState<'_> {
        RetryState { policy: self, retries_done: 0, waited: Duration::ZERO }
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::standard()
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("base_delay", &self.base_delay)
            .field("max_delay", &self.max_delay)
            .field("max_total_delay", &self.max_total_delay)
            .finish_non_exhaustive()
    }
}

/// Per-operation retry bookkeeping.
pub(crate) struct RetryState<'a> {
    policy: &'a RetryPolicy,
    retries_done: u32,
    waited: Duration,
}

impl RetryState<'_> {
    /// After a transient failure: waits and returns `true` if another attempt is allowed,
    /// or returns `false` at once when the attempt or time bound is reached.
    pub(crate) async fn wait_before_retry(&mut self, retry_after: Option<Duration>) -> bool {
        match self.next_delay(retry_after, random_fraction()) {
            Some(delay) => {
                self.retries_done += 1;
                self.waited += delay;
                self.policy.sleeper.sleep(delay).await;
                true
            }
            None => false,
        }
    }

    /// The delay before the next attempt: a uniformly random point of the exponential window
    /// ("full jitter"), but never shorter than the provider's `Retry-After`.
    fn next_delay(&self, retry_after: Option<Duration>, fraction: f64) -> Option<Duration> {
        if self.retries_done + 1 >= self.policy.max_attempts {
            return None;
        }
        let window = self
            .policy
            .base_delay
            .checked_mul(1u32.checked_shl(self.retries_done).unwrap_or(u32::MAX))
            .unwrap_or(self.policy.max_delay)
            .min(self.policy.max_delay);
        let jittered = window.mul_f64(fraction.clamp(0.0, 1.0));
        let delay = retry_after.map_or(jittered, |asked| asked.max(jittered));
        let left = self.policy.max_total_delay.saturating_sub(self.waited);
        (delay <= left).then_some(delay)
    }
}

/// A uniform value in [0, 1) from the OS generator; 0.5 if it is unavailable (jitter is a
/// load-spreading nicety, never a reason to fail).
fn random_fraction() -> f64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64,
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_double_and_cap() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_secs(1),
            max_delay: Duration::from_secs(8),
            max_total_delay: Duration::from_secs(1000),
            sleeper: Arc::new(TokioSleeper),
        };
        let mut state = policy.start();
        let mut full = Vec::new();
        for _ in 0..6 {
            let delay = state.next_delay(None, 1.0).unwrap();
            full.push(delay.as_secs());
            state.retries_done += 1;
            state.waited += delay;
        }
        assert_eq!(full, vec![1, 2, 4, 8, 8, 8]);
        let state = policy.start();
        assert_eq!(state.next_delay(None, 0.0), Some(Duration::ZERO));
        assert_eq!(state.next_delay(None, 0.25), Some(Duration::from_millis(250)));
    }

    #[test]
    fn retry_after_is_a_floor_and_the_total_is_a_bound() {
        let policy = RetryPolicy::standard();
        let mut state = policy.start();
        assert_eq!(state.next_delay(Some(Duration::from_secs(3)), 0.5), Some(Duration::from_secs(3)));
        assert_eq!(state.next_delay(Some(Duration::from_secs(61)), 0.5), None);
        state.waited = Duration::from_secs(59);
        assert_eq!(state.next_delay(Some(Duration::from_secs(2)), 0.0), None);
        assert_eq!(state.next_delay(None, 0.5), Some(Duration::from_millis(500)));
    }

    #[test]
    fn attempts_are_bounded() {
        let policy = RetryPolicy::standard();
        let mut state = policy.start();
        for _ in 0..4 {
            assert!(state.next_delay(None, 0.0).is_some());
            state.retries_done += 1;
        }
        assert_eq!(state.next_delay(None, 0.0), None);
        assert_eq!(RetryPolicy::none().start().next_delay(None, 0.0), None);
    }

    #[test]
    fn fraction_in_range() {
        for _ in 0..1000 {
            let f = random_fraction();
            assert!((0.0..1.0).contains(&f));
        }
    }
}
