//! # cairn-emulator
//!
//! A local HTTP server that behaves like Google Drive v3 (appDataFolder profile), Google's
//! OAuth 2.0 endpoints for installed apps, and Huawei Drive Kit v1 (applicationData), plus a
//! control API under `/__control/` for accounts, quotas, fault injection, the clock and a
//! request log. Tests, demos and sample apps point their base URLs at it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), cairn_emulator::StartError> {
//! let emulator = cairn_emulator::Emulator::start(cairn_emulator::EmulatorConfig::default()).await?;
//! let base = emulator.base_url(); // e.g. "http://127.0.0.1:41234"
//! # let _ = base;
//! emulator.shutdown().await.ok();
//! # Ok(()) }
//! ```
//!
//! The wire behaviour follows `shared/reference/cloud-apis.md`; the README lists which parts of
//! its conformance checklist are covered and by which tests.

mod clock;
mod config;
mod control;
mod drive;
mod errors;
mod faults;
mod fields;
mod http;
mod huawei;
mod ids;
mod listing;
mod multipart;
mod oauth;
mod persist;
mod query;
mod requestlog;
mod server;
mod state;
mod upload;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;

pub use config::{EmulatorConfig, Limits, Settings};
pub use persist::PersistError;

use crate::faults::FaultBook;
use crate::http::Shared;
use crate::requestlog::RequestLog;
use crate::state::State;

/// The OAuth client every emulator knows from the start (a "Desktop app" type client).
pub const DEFAULT_CLIENT_ID: &str = state::DEFAULT_CLIENT_ID;
/// The default client's secret. Desktop client secrets are not confidential at Google either;
/// this one is fixed so sample apps can be configured once.
pub const DEFAULT_CLIENT_SECRET: &str = "emulator-client-secret";
/// The Huawei app id used for Huawei tokens unless another is asked for.
pub const DEFAULT_HUAWEI_APP_ID: &str = state::DEFAULT_HUAWEI_APP_ID;
/// The Drive scope that gives access to the app-data folder.
pub const GOOGLE_APPDATA_SCOPE: &str = state::GOOGLE_APPDATA_SCOPE;
/// The Huawei Drive scope that gives access to the app-data folder.
pub const HUAWEI_APPDATA_SCOPE: &str = state::HUAWEI_APPDATA_SCOPE;

/// Why the emulator could not start.
#[derive(Debug, Error)]
pub enum StartError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The data folder could not be read.
    #[error(transparent)]
    Persist(#[from] PersistError),
    /// The OS random source failed.
    #[error("the operating system's random source failed")]
    Random,
}

/// Entry point: `Emulator::start(config).await`.
#[derive(Debug)]
pub struct Emulator;

/// A running emulator. Dropping it stops the server (without waiting); `shutdown` waits and
/// writes the final snapshot when a data folder is configured.
#[derive(Debug)]
pub struct EmulatorHandle {
    base_url: String,
    local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    server: Option<JoinHandle<()>>,
    persistence: Option<JoinHandle<Result<(), PersistError>>>,
}

impl Emulator {
    /// Binds the configured address and starts serving in the background on the current tokio
    /// runtime.
    pub async fn start(config: EmulatorConfig) -> Result<EmulatorHandle, StartError> {
        let seed = match config.seed {
            Some(s) => s,
            None => ids::random_seed().map_err(|_| StartError::Random)?,
        };
        let mut state = State::new(
            config.limits.clone(),
            config.settings.clone(),
            seed,
            DEFAULT_CLIENT_SECRET.to_owned(),
        );
        if let Some(dir) = &config.data_dir {
            persist::load(dir, &mut state)?;
        }
        let listener = TcpListener::bind(config.bind)
            .await
            .map_err(|source| StartError::Bind { addr: config.bind, source })?;
        let local_addr =
            listener.local_addr().map_err(|source| StartError::Bind { addr: config.bind, source })?;
        let shown = if local_addr.ip().is_unspecified() {
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), local_addr.port())
        } else {
            local_addr
        };
        let base_url = config
            .public_base_url
            .clone()
            .map_or_else(|| format!("http://{shown}"), |u| u.trim_end_matches('/').to_owned());
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            faults: Mutex::new(FaultBook::default()),
            log: Mutex::new(RequestLog::new(config.limits.request_log_capacity)),
            dirty: AtomicBool::new(false),
            dirty_notify: Notify::new(),
            persistent: config.data_dir.is_some(),
            public_base_url: config.public_base_url.clone(),
            local_addr: shown,
            verbose: config.verbose,
            max_request_bytes: config.limits.max_request_bytes,
            body_read_timeout: Duration::from_millis(config.limits.body_read_timeout_ms),
        });
        let (tx, rx) = watch::channel(false);
        let persistence =
            config.data_dir.clone().map(|dir| tokio::spawn(persist_loop(shared.clone(), dir, rx.clone())));
        let server = tokio::spawn(server::serve(listener, shared, rx));
        if config.verbose {
            eprintln!("[cairn-emulator] listening on {base_url}");
        }
        Ok(EmulatorHandle { base_url, local_addr, shutdown: tx, server: Some(server), persistence })
    }
}

impl EmulatorHandle {
    /// `http://host:port` without a trailing slash; every personality lives under it.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The socket address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Stops accepting, closes connections and (with a data folder) writes a final snapshot.
    pub async fn shutdown(mut self) -> Result<(), PersistError> {
        let _ = self.shutdown.send(true);
        if let Some(server) = self.server.take() {
            // A panicked server task has nothing left to clean up.
            let _ = server.await;
        }
        match self.persistence.take() {
            Some(p) => p.await.unwrap_or(Ok(())),
            None => Ok(()),
        }
    }
}

impl Drop for EmulatorHandle {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

/// Writes snapshots shortly after changes, and once more at shutdown.
async fn persist_loop(
    shared: Arc<Shared>,
    dir: PathBuf,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), PersistError> {
    let mut last = Ok(());
    loop {
        let stopping = tokio::select! {
            () = shared.dirty_notify.notified() => false,
            changed = shutdown.changed() => changed.is_err() || *shutdown.borrow(),
        };
        if !stopping {
            // Coalesce bursts of writes into one snapshot.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if shared.dirty.swap(false, Ordering::AcqRel) || stopping {
            let pending = persist::capture(&shared.state());
            let dir = dir.clone();
            let result = match pending {
                Ok(p) => tokio::task::spawn_blocking(move || persist::write(&dir, &p))
                    .await
                    .unwrap_or_else(|e| Err(PersistError::Corrupt(format!("snapshot writer failed: {e}")))),
                Err(e) => Err(e),
            };
            if let Err(e) = &result
                && shared.verbose
            {
                eprintln!("[cairn-emulator] snapshot failed: {e}");
            }
            last = result;
        }
        if stopping {
            return last;
        }
    }
}
