//! Debug builds against the local `cairn emulator serve`: where the emulator is seen from each
//! device, the account list for the dev menu (control API `GET /__control/accounts`), and a
//! token provider that mints tokens for a chosen emulator account, so no Google or Huawei
//! credentials are needed. Never use these against production services.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cairn_cloud::google_drive::{DriveConfig, GoogleDriveStore};
use cairn_cloud::huawei_drive::HuaweiDriveStore;
use cairn_cloud::{
    AccessToken, CloudError, CloudStore, HttpMethod, HttpRequest, HttpTransport, TokenError, TokenProvider,
    TransportError,
};
use cairn_core::CairnError;
use serde_json::Value;
use tokio::sync::Mutex;
use url::Url;

use crate::provider::CloudProvider;

/// Where the app runs, which decides how it reaches the emulator on the developer's machine.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DevTarget {
    /// The Android emulator: the host's loopback is `10.0.2.2` (bind the emulator to
    /// `0.0.0.0:<port>`).
    AndroidEmulator,
    /// The iOS simulator shares the Mac's network: `localhost`.
    IosSimulator,
    /// The HarmonyOS (DevEco) emulator. Assumed to reach the host as `10.0.2.2` like other
    /// QEMU-based emulators; not verified here — use `Device` with the host's LAN address if
    /// it cannot connect.
    HarmonyEmulator,
    /// The same machine (desktop, tests): `127.0.0.1`.
    Desktop,
    /// A physical device on the LAN: the developer's machine's address (IP or host name).
    Device {
        /// Host name or IP address (IPv6 without brackets is accepted).
        host: String,
    },
}

/// The emulator's addresses as seen from the device. One server plays every service, so all
/// bases are the same origin; they are separate fields because production uses different hosts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorEndpoints {
    /// `http://<host>:<port>` (no trailing slash).
    pub base_url: String,
    /// Google Drive API base (production: `https://www.googleapis.com`).
    pub drive_api_base: String,
    /// Huawei Drive Kit API base (production: `https://driveapis.cloud.huawei.com.cn`).
    pub huawei_api_base: String,
    /// Google OAuth base (production: `https://oauth2.googleapis.com`).
    pub oauth_base: String,
    /// The emulator's control API (`…/__control`).
    pub control_base: String,
}

/// The endpoints for `target` and the emulator's `port`.
pub fn emulator_endpoints(target: &DevTarget, port: u16) -> Result<EmulatorEndpoints, CairnError> {
    let host = match target {
        DevTarget::AndroidEmulator | DevTarget::HarmonyEmulator => "10.0.2.2".to_owned(),
        DevTarget::IosSimulator => "localhost".to_owned(),
        DevTarget::Desktop => "127.0.0.1".to_owned(),
        DevTarget::Device { host } => {
            let host = host.trim();
            if host.contains(':') && !host.starts_with('[') { format!("[{host}]") } else { host.to_owned() }
        }
    };
    if port == 0 {
        return Err(invalid("the emulator port must not be 0"));
    }
    let url = Url::parse(&format!("http://{host}:{port}")).map_err(|_| invalid("not a valid host name"))?;
    // A "host" with a path, user or query smuggled in would point the app elsewhere.
    if url.path() != "/" || url.query().is_some() || !url.username().is_empty() || url.host().is_none() {
        return Err(invalid("not a valid host name"));
    }
    let base = url.as_str().trim_end_matches('/').to_owned();
    Ok(endpoints_from_base(base))
}

/// The endpoints of an emulator at `base_url` (e.g. what `cairn emulator serve` printed).
pub fn emulator_endpoints_at(base_url: &str) -> Result<EmulatorEndpoints, CairnError> {
    let url = Url::parse(base_url).map_err(|_| invalid("not a valid emulator URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(invalid("not a valid emulator URL"));
    }
    Ok(endpoints_from_base(url.as_str().trim_end_matches('/').to_owned()))
}

fn endpoints_from_base(base: String) -> EmulatorEndpoints {
    EmulatorEndpoints {
        drive_api_base: base.clone(),
        huawei_api_base: base.clone(),
        oauth_base: base.clone(),
        control_base: format!("{base}/__control"),
        base_url: base,
    }
}

fn invalid(what: &str) -> CairnError {
    CairnError::InvalidInput { what: what.to_owned() }
}

/// One emulator account, for the dev menu.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorAccount {
    /// The account id (what the token provider needs).
    pub id: String,
    /// Its e-mail address.
    pub email: String,
    /// Its display name.
    pub display_name: String,
}

/// Control-API answers are small; anything bigger is not the emulator.
const MAX_CONTROL_BODY: usize = 4 * 1024 * 1024;
const CONTROL_TIMEOUT: Duration = Duration::from_secs(10);

/// The HTTP transport the app installed (on phones, the host's client), or on desktop builds
/// the bundled one.
fn http() -> Result<Arc<dyn HttpTransport>, CairnError> {
    cairn_cloud::http_transport().map_err(|error| CairnError::from(CloudError::from(error)))
}

fn unexpected(status: Option<u16>) -> CairnError {
    CairnError::Cloud { status, provider_reason: Some("emulator_control_api".to_owned()) }
}

/// Sends a control request and parses the JSON answer (bounded in size, whatever the
/// transport returned).
async fn control(
    http: &dyn HttpTransport,
    method: HttpMethod,
    url: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), CairnError> {
    let url = Url::parse(url).map_err(|_| invalid("not a valid emulator URL"))?;
    let mut request = HttpRequest::new(method, url);
    request.timeout = CONTROL_TIMEOUT;
    request.max_response_bytes = MAX_CONTROL_BODY as u64;
    if let Some(body) = body {
        let bytes = serde_json::to_vec(body).map_err(|_| invalid("not a valid control request"))?;
        request = request.body("application/json", bytes);
    }
    let response = http.send(request).await.map_err(|error| match error {
        TransportError::BodyTooLarge => unexpected(None),
        other => CairnError::from(CloudError::from(other)),
    })?;
    let status = response.status;
    if response.body.len() > MAX_CONTROL_BODY {
        return Err(unexpected(Some(status)));
    }
    let value = serde_json::from_slice(&response.body).map_err(|_| unexpected(Some(status)))?;
    Ok((status, value))
}

/// The emulator's accounts (`GET /__control/accounts`), for the dev menu.
pub async fn list_emulator_accounts(
    endpoints: &EmulatorEndpoints,
) -> Result<Vec<EmulatorAccount>, CairnError> {
    let client = http()?;
    let url = format!("{}/accounts", endpoints.control_base);
    let (status, value) = control(client.as_ref(), HttpMethod::Get, &url, None).await?;
    if !(200..300).contains(&status) {
        return Err(unexpected(Some(status)));
    }
    let accounts = value.get("accounts").and_then(Value::as_array).ok_or(unexpected(Some(status)))?;
    accounts
        .iter()
        .map(|account| {
            let text = |field: &str| account.get(field).and_then(Value::as_str).map(str::to_owned);
            Ok(EmulatorAccount {
                id: text("id").ok_or(unexpected(Some(status)))?,
                email: text("email").unwrap_or_default(),
                display_name: text("display_name").unwrap_or_default(),
            })
        })
        .collect()
}

/// Signs in to an emulator account the way a debug build does: each token comes from the
/// control API (`POST /__control/accounts/{id}/tokens`), and a rejected token is replaced by a
/// newly minted one. Debug builds only.
pub struct EmulatorTokenProvider {
    client: Arc<dyn HttpTransport>,
    tokens_url: String,
    provider: &'static str,
    current: Mutex<Option<AccessToken>>,
}

impl std::fmt::Debug for EmulatorTokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorTokenProvider")
            .field("tokens_url", &self.tokens_url)
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

impl EmulatorTokenProvider {
    /// Tokens for `account_id` at the emulator, for Google Drive or Huawei Drive (iCloud has no
    /// tokens: `InvalidInput`).
    pub fn new(
        endpoints: &EmulatorEndpoints,
        account_id: &str,
        provider: CloudProvider,
    ) -> Result<Self, CairnError> {
        let provider = match provider {
            CloudProvider::GoogleDrive => "google",
            CloudProvider::HuaweiDrive => "huawei",
            CloudProvider::ICloud => return Err(invalid("the emulator does not serve iCloud")),
        };
        let valid = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '+' | '-');
        if account_id.is_empty() || account_id.len() > 64 || !account_id.chars().all(valid) {
            return Err(invalid("not an emulator account id"));
        }
        Ok(Self {
            client: http()?,
            tokens_url: format!("{}/accounts/{account_id}/tokens", endpoints.control_base),
            provider,
            current: Mutex::new(None),
        })
    }

    async fn mint(&self) -> Result<AccessToken, TokenError> {
        let body = serde_json::json!({ "provider": self.provider });
        let sent = control(self.client.as_ref(), HttpMethod::Post, &self.tokens_url, Some(&body)).await;
        let (status, value) = sent.map_err(|error| match error {
            CairnError::Network { .. } => TokenError::Network,
            _ => TokenError::ReSignInRequired,
        })?;
        match status {
            200..=299 => value
                .get("access_token")
                .and_then(Value::as_str)
                .map(|token| AccessToken::new(token.to_owned()))
                .ok_or(TokenError::ReSignInRequired),
            // The account was deleted from the emulator: nobody to sign in as.
            404 => Err(TokenError::NotSignedIn),
            _ => Err(TokenError::ReSignInRequired),
        }
    }
}

#[async_trait]
impl TokenProvider for EmulatorTokenProvider {
    async fn access_token(&self) -> Result<AccessToken, TokenError> {
        let mut current = self.current.lock().await;
        if let Some(token) = current.as_ref() {
            return Ok(token.clone());
        }
        let token = self.mint().await?;
        *current = Some(token.clone());
        Ok(token)
    }

    async fn refresh_access_token(&self, _rejected: AccessToken) -> Result<AccessToken, TokenError> {
        let mut current = self.current.lock().await;
        let token = self.mint().await?;
        *current = Some(token.clone());
        Ok(token)
    }
}

/// A cloud store for an emulator account: Google Drive or Huawei Drive at the emulator, signed
/// in through an [`EmulatorTokenProvider`].
pub fn emulator_store(
    endpoints: &EmulatorEndpoints,
    account_id: &str,
    provider: CloudProvider,
) -> Result<Arc<dyn CloudStore>, CairnError> {
    let tokens = Arc::new(EmulatorTokenProvider::new(endpoints, account_id, provider)?);
    let http = http()?;
    let base = |text: &str| Url::parse(text).map_err(|_| invalid("not a valid emulator URL"));
    let store: Arc<dyn CloudStore> = match provider {
        CloudProvider::HuaweiDrive => {
            let config = DriveConfig::new(base(&endpoints.huawei_api_base)?);
            Arc::new(HuaweiDriveStore::with_transport(config, tokens, http))
        }
        _ => {
            let config = DriveConfig::new(base(&endpoints.drive_api_base)?);
            Arc::new(GoogleDriveStore::with_transport(config, tokens, http))
        }
    };
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_per_target() {
        let android = emulator_endpoints(&DevTarget::AndroidEmulator, 8089).unwrap();
        assert_eq!(android.base_url, "http://10.0.2.2:8089");
        assert_eq!(android.drive_api_base, "http://10.0.2.2:8089");
        assert_eq!(android.control_base, "http://10.0.2.2:8089/__control");
        assert_eq!(
            emulator_endpoints(&DevTarget::IosSimulator, 8089).unwrap().base_url,
            "http://localhost:8089"
        );
        assert_eq!(emulator_endpoints(&DevTarget::Desktop, 1).unwrap().base_url, "http://127.0.0.1:1");
        let harmony = emulator_endpoints(&DevTarget::HarmonyEmulator, 8080).unwrap();
        assert_eq!(harmony.base_url, "http://10.0.2.2:8080");
        // The scheme's default port is implied, as every HTTP client reads it.
        assert_eq!(emulator_endpoints(&DevTarget::HarmonyEmulator, 80).unwrap().base_url, "http://10.0.2.2");
        let lan = DevTarget::Device { host: "192.168.1.20".into() };
        assert_eq!(emulator_endpoints(&lan, 8089).unwrap().huawei_api_base, "http://192.168.1.20:8089");
        let v6 = DevTarget::Device { host: "fe80::1".into() };
        assert_eq!(emulator_endpoints(&v6, 8089).unwrap().base_url, "http://[fe80::1]:8089");
    }

    #[test]
    fn bad_hosts_and_ports_are_refused() {
        for host in ["", "evil.example/path", "user@host", "host?x=1", "a b", "host:99"] {
            let target = DevTarget::Device { host: host.into() };
            let error = emulator_endpoints(&target, 8089).unwrap_err();
            assert_eq!(error.kind(), cairn_core::ErrorKind::InvalidInput, "{host:?}");
        }
        assert!(emulator_endpoints(&DevTarget::Desktop, 0).is_err());
        assert!(emulator_endpoints_at("ftp://x").is_err());
        assert!(emulator_endpoints_at("not a url").is_err());
        assert_eq!(
            emulator_endpoints_at("http://127.0.0.1:9/").unwrap().control_base,
            "http://127.0.0.1:9/__control"
        );
    }

    #[test]
    fn token_provider_refuses_icloud_and_odd_account_ids() {
        let endpoints = emulator_endpoints(&DevTarget::Desktop, 9).unwrap();
        assert!(EmulatorTokenProvider::new(&endpoints, "alice", CloudProvider::ICloud).is_err());
        assert!(EmulatorTokenProvider::new(&endpoints, "../x", CloudProvider::GoogleDrive).is_err());
        assert!(EmulatorTokenProvider::new(&endpoints, "", CloudProvider::GoogleDrive).is_err());
        assert!(
            EmulatorTokenProvider::new(&endpoints, "alice@example.com", CloudProvider::HuaweiDrive).is_ok()
        );
    }
}
