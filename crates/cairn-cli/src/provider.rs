//! Opens the selected cloud store: a local folder, an emulator account, Google Drive (desktop
//! OAuth with a stored refresh token) or Huawei Drive (an access token from the device).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use cairn_cloud::google_drive::DriveConfig;
use cairn_cloud::google_drive::GoogleDriveStore;
use cairn_cloud::google_oauth::{self, DesktopTokenProvider, GoogleOAuthConfig, RefreshToken};
use cairn_cloud::huawei_drive::HuaweiDriveStore;
use cairn_cloud::local_folder::LocalFolderStore;
use cairn_cloud::{AccessToken, CloudStore, HttpSettings, RetryPolicy, StaticTokenProvider, TokenProvider};
use cairn_core::CairnError;
use serde_json::{Value, json};
use url::Url;

use crate::error::CliError;
use crate::secrets;
use crate::{EmulatorService, Global, ProviderKind};

/// Which store a command talks to, for messages.
pub fn describe(global: &Global) -> String {
    match global.provider {
        ProviderKind::Local => format!("local folder {}", store_dir(global).display()),
        ProviderKind::Emulator => format!(
            "emulator {} ({}, account {})",
            global.endpoint.as_deref().unwrap_or("?"),
            match global.emulator_service {
                EmulatorService::Drive => "Google Drive",
                EmulatorService::Huawei => "Huawei Drive",
            },
            global.account.as_deref().unwrap_or("?")
        ),
        ProviderKind::Gdrive => "Google Drive".into(),
        ProviderKind::Huawei => "Huawei Drive".into(),
    }
}

/// `--store`, or `$XDG_DATA_HOME/cairn/store`, or `~/.local/share/cairn/store`.
pub fn store_dir(global: &Global) -> PathBuf {
    if let Some(dir) = &global.store {
        return dir.clone();
    }
    data_home().join("cairn").join("store")
}

fn data_home() -> PathBuf {
    match std::env::var_os("XDG_DATA_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => home().join(".local").join("share"),
    }
}

fn config_home() -> PathBuf {
    match std::env::var_os("XDG_CONFIG_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => home().join(".config"),
    }
}

fn home() -> PathBuf {
    std::env::var_os("HOME").map_or_else(|| PathBuf::from("."), PathBuf::from)
}

fn http_settings(global: &Global) -> HttpSettings {
    let mut settings = HttpSettings::default();
    if let Some(retries) = global.retries {
        settings.retry = RetryPolicy { max_attempts: retries.saturating_add(1), ..RetryPolicy::standard() };
    }
    settings
}

fn parse_url(text: &str, what: &str) -> Result<Url, CliError> {
    Url::parse(text).map_err(|_| CliError::Usage(format!("{what} is not a valid URL")))
}

fn env_or(flag: &Option<String>, var: &str) -> Option<String> {
    flag.clone().or_else(|| std::env::var(var).ok().filter(|v| !v.is_empty()))
}

/// Opens the store of `global.provider`.
pub async fn open(global: &Global) -> Result<Arc<dyn CloudStore>, CliError> {
    match global.provider {
        ProviderKind::Local => {
            let dir = store_dir(global);
            let store = LocalFolderStore::open(&dir).map_err(|e| {
                CliError::Input(format!("cannot use the store folder {}: {e}", dir.display()))
            })?;
            Ok(Arc::new(store))
        }
        ProviderKind::Emulator => {
            let endpoint = env_or(&global.endpoint, "CAIRN_EMULATOR_URL")
                .ok_or_else(|| CliError::Usage("--provider emulator needs --endpoint URL".into()))?;
            let account = global
                .account
                .clone()
                .ok_or_else(|| CliError::Usage("--provider emulator needs --account EMAIL".into()))?;
            let base = parse_url(&endpoint, "--endpoint")?;
            let token = emulator_token(&base, &account, global.emulator_service).await?;
            let tokens: Arc<dyn TokenProvider> = Arc::new(StaticTokenProvider::new(token));
            let config = drive_config(base, global);
            drive_store(global.emulator_service, config, tokens)
        }
        ProviderKind::Gdrive => {
            let oauth = google_oauth_config(global)?;
            let api = match env_or(&global.google_api_base, "CAIRN_GOOGLE_API_BASE") {
                Some(text) => parse_url(&text, "--google-api-base")?,
                None => parse_url("https://www.googleapis.com", "the Google API base")?,
            };
            let tokens: Arc<dyn TokenProvider> = Arc::new(google_tokens(&oauth, global).await?);
            drive_store(EmulatorService::Drive, drive_config(api, global), tokens)
        }
        ProviderKind::Huawei => {
            let token = huawei_token(global)?;
            let api = match env_or(&global.huawei_api_base, "CAIRN_HUAWEI_API_BASE") {
                Some(text) => parse_url(&text, "--huawei-api-base")?,
                None => parse_url("https://driveapis.cloud.huawei.com.cn", "the Huawei API base")?,
            };
            let tokens: Arc<dyn TokenProvider> = Arc::new(StaticTokenProvider::new(token));
            drive_store(EmulatorService::Huawei, drive_config(api, global), tokens)
        }
    }
}

fn drive_config(base: Url, global: &Global) -> DriveConfig {
    let mut config = DriveConfig::new(base);
    config.http = http_settings(global);
    config
}

fn drive_store(
    service: EmulatorService,
    config: DriveConfig,
    tokens: Arc<dyn TokenProvider>,
) -> Result<Arc<dyn CloudStore>, CliError> {
    let store: Arc<dyn CloudStore> = match service {
        EmulatorService::Drive => Arc::new(GoogleDriveStore::new(config, tokens).map_err(CairnError::from)?),
        EmulatorService::Huawei => Arc::new(HuaweiDriveStore::new(config, tokens).map_err(CairnError::from)?),
    };
    Ok(store)
}

/// The emulator's "sign-in": finds the account by email (creating it if missing) and mints a
/// token through the control API.
pub async fn emulator_token(
    base: &Url,
    email: &str,
    service: EmulatorService,
) -> Result<AccessToken, CliError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|_| CliError::Internal("cannot start an HTTP client".into()))?;
    let control = |path: &str| format!("{}/__control/{path}", base.as_str().trim_end_matches('/'));
    let unreachable = |_| CliError::Cairn(CairnError::Network { kind: None });
    let listed: Value =
        http.get(control("accounts")).send().await.map_err(unreachable)?.json().await.map_err(unreachable)?;
    let existing = listed["accounts"]
        .as_array()
        .and_then(|accounts| accounts.iter().find(|a| a["email"].as_str() == Some(email)))
        .and_then(|a| a["id"].as_str().map(str::to_owned));
    let id = match existing {
        Some(id) => id,
        None => {
            let valid_id = !email.is_empty()
                && email.len() <= 64
                && email.bytes().all(|b| b.is_ascii_alphanumeric() || b"._@+-".contains(&b));
            let body = if valid_id { json!({"id": email, "email": email}) } else { json!({"email": email}) };
            let reply = http.post(control("accounts")).json(&body).send().await.map_err(unreachable)?;
            if !reply.status().is_success() {
                return Err(CliError::Usage(format!(
                    "the emulator refused to create the account (HTTP {})",
                    reply.status().as_u16()
                )));
            }
            let created: Value = reply.json().await.map_err(unreachable)?;
            created["account"]["id"]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| CliError::Internal("the emulator answered without an account id".into()))?
        }
    };
    let provider = match service {
        EmulatorService::Drive => "google",
        EmulatorService::Huawei => "huawei",
    };
    let reply = http
        .post(control(&format!("accounts/{id}/tokens")))
        .json(&json!({ "provider": provider }))
        .send()
        .await
        .map_err(unreachable)?;
    if !reply.status().is_success() {
        return Err(CliError::Cairn(CairnError::NotSignedIn));
    }
    let minted: Value = reply.json().await.map_err(unreachable)?;
    minted["access_token"]
        .as_str()
        .map(|t| AccessToken::new(t.to_owned()))
        .ok_or_else(|| CliError::Internal("the emulator answered without a token".into()))
}

fn google_oauth_config(global: &Global) -> Result<GoogleOAuthConfig, CliError> {
    let client_id = env_or(&global.google_client_id, "CAIRN_GOOGLE_CLIENT_ID").ok_or_else(|| {
        CliError::Usage(
            "--provider gdrive needs an OAuth desktop client: --google-client-id or CAIRN_GOOGLE_CLIENT_ID"
                .into(),
        )
    })?;
    let client_secret = match &global.google_client_secret_file {
        Some(path) => Some(secrets::read_secret_file(path)?.expose_str().trim().to_owned()),
        None => std::env::var("CAIRN_GOOGLE_CLIENT_SECRET").ok().filter(|s| !s.is_empty()),
    };
    Ok(match env_or(&global.google_oauth_base, "CAIRN_GOOGLE_OAUTH_BASE") {
        Some(base) => {
            let base = base.trim_end_matches('/');
            let auth = parse_url(&format!("{base}/o/oauth2/v2/auth"), "--google-oauth-base")?;
            let token = parse_url(&format!("{base}/token"), "--google-oauth-base")?;
            GoogleOAuthConfig::with_endpoints(client_id, client_secret, auth, token)
        }
        None => GoogleOAuthConfig::google(client_id, client_secret),
    })
}

/// Where the Google refresh token is kept (0600).
pub fn google_token_path() -> PathBuf {
    config_home().join("cairn").join("google-refresh-token")
}

async fn google_tokens(oauth: &GoogleOAuthConfig, global: &Global) -> Result<DesktopTokenProvider, CliError> {
    let path = google_token_path();
    let sign_in_failed = |e: google_oauth::SignInError| {
        CliError::Cairn(match e {
            google_oauth::SignInError::AccessDenied => CairnError::NotSignedIn,
            _ => CairnError::ReauthRequired,
        })
    };
    if path.exists() {
        let stored = secrets::read_secret_file(&path)?;
        let token = RefreshToken::new(stored.expose_str().trim().to_owned());
        return DesktopTokenProvider::new(oauth, token).map_err(sign_in_failed);
    }
    // Open a browser only for a person at a terminal; scripts and tests follow the printed URL.
    let quiet = global.json || !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let tokens = google_oauth::sign_in(oauth, |url| {
        let mut err = std::io::stderr();
        let _ = writeln!(err, "Sign in to Google Drive: open this address in your browser:\n  {url}");
        if !quiet {
            let _ = std::process::Command::new("xdg-open")
                .arg(url.as_str())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn();
        }
    })
    .await
    .map_err(sign_in_failed)?;
    let provider = DesktopTokenProvider::from_sign_in(oauth, tokens).map_err(sign_in_failed)?;
    save_private_file(&path, provider.refresh_token().await.expose_secret())?;
    Ok(provider)
}

/// Writes `contents` to a new 0600 file (replacing an old one), creating the folder 0700.
fn save_private_file(path: &Path, contents: &str) -> Result<(), CliError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    let failed =
        |e: std::io::Error| CliError::Internal(format!("cannot save {}: {}", path.display(), e.kind()));
    if let Some(dir) = path.parent() {
        std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir).map_err(failed)?;
    }
    let temp = path.with_extension("tmp");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&temp)
        .map_err(failed)?;
    file.write_all(contents.as_bytes()).map_err(failed)?;
    file.sync_all().map_err(failed)?;
    std::fs::rename(&temp, path).map_err(failed)
}

fn huawei_token(global: &Global) -> Result<AccessToken, CliError> {
    if let Some(path) = &global.huawei_token_file {
        return Ok(AccessToken::new(secrets::read_secret_file(path)?.expose_str().trim().to_owned()));
    }
    match std::env::var("CAIRN_HUAWEI_ACCESS_TOKEN") {
        Ok(token) if !token.trim().is_empty() => Ok(AccessToken::new(token.trim().to_owned())),
        _ => Err(CliError::Cairn(CairnError::NotSignedIn)),
    }
}
