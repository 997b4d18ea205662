//! Shared helpers of the integration tests. Each test crate uses a different subset.
// Test support: panicking on a broken invariant is the right failure here.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod contract;
pub mod emulator;
pub mod fake_cloudkit;
pub mod mock_oauth2_server;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cairn_cloud::{RetryPolicy, Sleeper};

/// Records the delays the retry policy asks for and returns at once, so retry tests take no
/// wall-clock time and can assert the backoff bounds exactly.
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    delays: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    pub fn delays(&self) -> Vec<Duration> {
        self.delays.lock().unwrap().clone()
    }

    pub fn total(&self) -> Duration {
        self.delays().iter().sum()
    }
}

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, duration: Duration) {
        self.delays.lock().unwrap().push(duration);
    }
}

/// The standard retry bounds with a recording sleeper.
pub fn recorded_retry() -> (RetryPolicy, Arc<RecordingSleeper>) {
    let sleeper = Arc::new(RecordingSleeper::default());
    (RetryPolicy::standard().with_sleeper(sleeper.clone()), sleeper)
}
