//! Start-up configuration: where to listen, optional persistence, hard bounds, and the initial
//! runtime settings (which the control API can change later).

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

const MIB: u64 = 1024 * 1024;

/// How to run an emulator. `EmulatorConfig::default()` listens on an ephemeral port of
/// 127.0.0.1, keeps everything in memory and uses [`Limits::default`] and [`Settings::default`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EmulatorConfig {
    /// Address to listen on. Loopback by default; binding `0.0.0.0` (e.g. for an Android
    /// emulator reaching the host as 10.0.2.2) happens only when set here explicitly.
    pub bind: SocketAddr,
    /// Base URL written into resumable-upload `Location` headers and returned by
    /// `EmulatorHandle::base_url`. By default it is derived from each request's `Host` header
    /// (so a client that reached us as 10.0.2.2 gets 10.0.2.2 back).
    pub public_base_url: Option<String>,
    /// Folder for a JSON snapshot plus content blobs, reloaded at start-up.
    pub data_dir: Option<PathBuf>,
    /// Hard bounds on memory and counts.
    pub limits: Limits,
    /// Initial runtime settings (token lifetimes, paging quirks, OAuth consent mode, …).
    pub settings: Settings,
    /// Seed for file ids (deterministic ids across runs). Tokens are always OS-random.
    pub seed: Option<u64>,
    /// Print one line per request (method, path, status, never tokens or bodies) to stderr.
    pub verbose: bool,
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            public_base_url: None,
            data_dir: None,
            limits: Limits::default(),
            settings: Settings::default(),
            seed: None,
            verbose: false,
        }
    }
}

impl EmulatorConfig {
    /// Listens on `addr` instead of an ephemeral loopback port.
    #[must_use]
    pub fn with_bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// Persists state under `dir` and reloads it at start-up.
    #[must_use]
    pub fn with_data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Uses a fixed public base URL (e.g. `http://10.0.2.2:8089`).
    #[must_use]
    pub fn with_public_base_url(mut self, url: impl Into<String>) -> Self {
        self.public_base_url = Some(url.into());
        self
    }

    /// Replaces the limits.
    #[must_use]
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Replaces the initial settings.
    #[must_use]
    pub fn with_settings(mut self, settings: Settings) -> Self {
        self.settings = settings;
        self
    }

    /// Fixes the id seed.
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Logs one line per request to stderr.
    #[must_use]
    pub fn with_verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }
}

/// Hard bounds. Exceeding one gives the real service's error for the nearest real condition
/// (see the README's "Bounds" section), never unbounded memory.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Limits {
    /// Largest object content (default 5 MiB: plenty for wallet records).
    pub max_object_bytes: u64,
    /// Largest request body (object + metadata + multipart framing).
    pub max_request_bytes: u64,
    /// Files and folders per account, over all providers and clients.
    pub max_objects_per_account: usize,
    /// Accounts.
    pub max_accounts: usize,
    /// Bytes of stored content plus upload buffers, over everything.
    pub max_total_bytes: u64,
    /// Open resumable-upload sessions.
    pub max_upload_sessions: usize,
    /// Entries kept in the request log (a ring buffer).
    pub request_log_capacity: usize,
    /// Active fault rules.
    pub max_fault_rules: usize,
    /// Registered OAuth clients.
    pub max_clients: usize,
    /// Live access tokens and pending authorization codes (expired ones are pruned first).
    pub max_access_tokens: usize,
    /// Concurrent connections.
    pub max_connections: usize,
    /// A request body that has not fully arrived after this long is answered with 408.
    pub body_read_timeout_ms: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_object_bytes: 5 * MIB,
            max_request_bytes: 5 * MIB + 256 * 1024,
            max_objects_per_account: 10_000,
            max_accounts: 1_000,
            max_total_bytes: 512 * MIB,
            max_upload_sessions: 1_000,
            request_log_capacity: 1_000,
            max_fault_rules: 256,
            max_clients: 100,
            max_access_tokens: 100_000,
            max_connections: 512,
            body_read_timeout_ms: 30_000,
        }
    }
}

/// Runtime-tunable behaviour (`POST /__control/settings` changes it; reset restores these).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Settings {
    /// Google access-token lifetime (`expires_in`); Google uses 3599.
    pub access_token_lifetime_secs: u64,
    /// Huawei access-token lifetime (60 min per the docs).
    pub huawei_token_lifetime_secs: u64,
    /// Authorization-code lifetime.
    pub auth_code_lifetime_secs: u64,
    /// A refresh token unused this long stops working (Google: 6 months).
    pub refresh_token_idle_secs: u64,
    /// Live refresh tokens per account and client; older ones are silently invalidated (Google: 100).
    pub refresh_tokens_per_client_limit: usize,
    /// Resumable sessions expire after this (Google: about a week).
    pub upload_session_ttl_secs: u64,
    /// Huawei list cursors expire after this (answer 410 `CURSOR_EXPIRED`).
    pub huawei_cursor_ttl_secs: u64,
    /// Refuse non-final resumable chunks that are not multiples of 256 KiB (400) instead of
    /// keeping the largest 256 KiB multiple as the real server may.
    pub strict_chunk_alignment: bool,
    /// Cap on items per list page below what the client asked ("partial pages are possible").
    pub max_page_size: Option<u32>,
    /// Serve an empty page (with a next-page token) before every non-first page.
    pub empty_pages: bool,
    /// Account the authorization endpoint signs in when there is no `login_hint`.
    pub oauth_default_account: Option<String>,
    /// The authorization endpoint answers `error=access_denied` (the user pressed "Cancel").
    pub oauth_deny: bool,
    /// Google quota limit given to new accounts (15 GiB, the free tier).
    pub google_default_limit: u64,
    /// Huawei capacity given to new accounts (5 GiB, the free tier).
    pub huawei_default_capacity: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            access_token_lifetime_secs: 3599,
            huawei_token_lifetime_secs: 3600,
            auth_code_lifetime_secs: 600,
            refresh_token_idle_secs: 183 * 24 * 3600,
            refresh_tokens_per_client_limit: 100,
            upload_session_ttl_secs: 7 * 24 * 3600,
            huawei_cursor_ttl_secs: 3600,
            strict_chunk_alignment: false,
            max_page_size: None,
            empty_pages: false,
            oauth_default_account: None,
            oauth_deny: false,
            google_default_limit: 15 * 1024 * MIB,
            huawei_default_capacity: 5 * 1024 * MIB,
        }
    }
}
