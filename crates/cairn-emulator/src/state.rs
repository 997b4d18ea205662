//! Everything the emulator remembers: accounts, OAuth clients and tokens, each account's app-data
//! spaces (one per provider and OAuth client), upload sessions, runtime settings and the clock
//! offset. One mutex guards it all; handlers never hold it across an `.await`.

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use md5::Md5;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::clock::system_now_ms;
use crate::config::{Limits, Settings};
use crate::ids::{IdGen, RandomUnavailable, random_token};

pub(crate) const GOOGLE_APPDATA_SCOPE: &str = "https://www.googleapis.com/auth/drive.appdata";
pub(crate) const GOOGLE_DRIVE_SCOPE: &str = "https://www.googleapis.com/auth/drive";
pub(crate) const HUAWEI_APPDATA_SCOPE: &str = "https://www.huawei.com/auth/drive.appdata";
pub(crate) const HUAWEI_DRIVE_SCOPE: &str = "https://www.huawei.com/auth/drive";
pub(crate) const GOOGLE_FOLDER_MIME: &str = "application/vnd.google-apps.folder";
pub(crate) const HUAWEI_FOLDER_MIME: &str = "application/vnd.huawei-apps.folder";

/// Which service a token, space or session belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Provider {
    Google,
    Huawei,
}

/// A storage quota: `limit` (None = unlimited) and usage by things other than app data.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Quota {
    pub limit: Option<u64>,
    pub other_usage: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Account {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub permission_id: String,
    pub google_quota: Quota,
    pub huawei_quota: Quota,
    pub huawei_agreement_signed: bool,
    pub huawei_region_supported: bool,
    pub created_ms: i64,
}

/// A registered OAuth client (Google) or app (Huawei). No `Debug`: it holds a secret.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct OAuthClient {
    pub id: String,
    /// `None` for public clients (Android/iOS types), which send no secret.
    pub secret: Option<String>,
    /// Extra redirect URIs beyond loopback ones, which are always allowed.
    pub redirect_uris: Vec<String>,
    /// "Testing" publishing status: refresh tokens die after this many seconds (7 days there).
    pub refresh_token_lifetime_secs: Option<u64>,
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct AccessToken {
    pub provider: Provider,
    pub account: String,
    pub client_id: String,
    pub scope: String,
    pub issued_ms: i64,
    pub expires_ms: i64,
    /// The refresh-token grant this came from (revoking either revokes both).
    pub grant_id: Option<String>,
}

#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct RefreshToken {
    pub grant_id: String,
    pub account: String,
    pub client_id: String,
    pub scope: String,
    pub created_ms: i64,
    pub last_used_ms: i64,
    pub expires_ms: Option<i64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum PkceMethod {
    Plain,
    S256,
}

#[derive(Clone)]
pub(crate) struct AuthCode {
    pub account: String,
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub challenge: Option<(String, PkceMethod)>,
    pub expires_ms: i64,
    pub used: bool,
}

/// A file's content with the digests both services report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Blob {
    #[serde(skip)]
    pub bytes: Bytes,
    pub size: u64,
    pub md5: String,
    pub sha256: String,
}

impl Blob {
    pub(crate) fn new(bytes: Bytes) -> Self {
        let md5 = hex::encode(Md5::digest(&bytes));
        let sha256 = hex::encode(Sha256::digest(&bytes));
        Self { size: u64::try_from(bytes.len()).unwrap_or(u64::MAX), bytes, md5, sha256 }
    }
}

/// One file or folder, provider-neutral; each personality renders its own field names.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FileEntry {
    pub id: String,
    pub name: String,
    pub mime_type: String,
    pub parents: Vec<String>,
    pub app_properties: BTreeMap<String, String>,
    pub properties: BTreeMap<String, String>,
    pub description: Option<String>,
    pub starred: bool,
    pub trashed: bool,
    pub directly_trashed: bool,
    pub created_ms: i64,
    pub modified_ms: i64,
    pub version: u64,
    pub head_revision_id: Option<String>,
    pub content: Option<Blob>,
    pub seq: u64,
}

impl FileEntry {
    pub(crate) fn is_folder(&self) -> bool {
        self.mime_type == GOOGLE_FOLDER_MIME || self.mime_type == HUAWEI_FOLDER_MIME
    }

    pub(crate) fn size(&self) -> u64 {
        self.content.as_ref().map_or(0, |b| b.size)
    }
}

/// Where one app's data lives: (provider, account, OAuth client / app id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct SpaceKey {
    pub provider: Provider,
    pub account: String,
    pub client_id: String,
}

/// One app-data folder and its contents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Space {
    pub folder_id: String,
    pub files: BTreeMap<String, FileEntry>,
    pub next_seq: u64,
}

/// Metadata changes requested by a create or update, already validated.
#[derive(Debug, Clone, Default)]
pub(crate) struct MetadataPatch {
    pub name: Option<String>,
    pub mime_type: Option<String>,
    pub description: Option<String>,
    pub starred: Option<bool>,
    pub trashed: Option<bool>,
    /// `None` value = remove the key.
    pub app_properties: BTreeMap<String, Option<String>>,
    pub properties: BTreeMap<String, Option<String>>,
    pub modified_ms: Option<i64>,
    pub created_ms: Option<i64>,
    /// Real parent ids (create only; moves use add/remove lists).
    pub parents: Option<Vec<String>>,
    pub add_parents: Vec<String>,
    pub remove_parents: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) enum UploadTarget {
    Create(MetadataPatch),
    Update { file_id: String, patch: MetadataPatch },
}

/// A resumable upload in progress.
#[derive(Debug)]
pub(crate) struct UploadSession {
    pub space: SpaceKey,
    pub target: UploadTarget,
    pub declared_total: Option<u64>,
    pub content_type: Option<String>,
    pub data: Vec<u8>,
    pub created_ms: i64,
    pub finished_file: Option<String>,
    pub fields: Option<String>,
    pub server_id: String,
}

/// Why a write cannot be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CapacityError {
    /// The account's provider quota (real-service behaviour).
    Quota,
    /// The emulator's per-account object cap.
    TooManyObjects,
    /// The emulator's total memory cap.
    MemoryFull,
}

/// Who a valid bearer token speaks for.
#[derive(Debug, Clone)]
pub(crate) struct Principal {
    pub account: String,
    pub client_id: String,
    pub scope: String,
}

impl Principal {
    pub(crate) fn has_scope(&self, scope: &str) -> bool {
        self.scope.split_whitespace().any(|s| s == scope)
    }

    pub(crate) fn space(&self, provider: Provider) -> SpaceKey {
        SpaceKey { provider, account: self.account.clone(), client_id: self.client_id.clone() }
    }
}

/// A freshly minted access token, for the control API's answer and the token endpoint.
pub(crate) struct IssuedAccess {
    pub token: String,
    pub expires_in: u64,
}

pub(crate) struct State {
    pub limits: Limits,
    pub settings: Settings,
    pub initial_settings: Settings,
    pub clock_offset_ms: i64,
    pub accounts: BTreeMap<String, Account>,
    pub clients: BTreeMap<String, OAuthClient>,
    pub access_tokens: HashMap<String, AccessToken>,
    pub refresh_tokens: HashMap<String, RefreshToken>,
    pub auth_codes: HashMap<String, AuthCode>,
    pub spaces: BTreeMap<SpaceKey, Space>,
    pub uploads: HashMap<String, UploadSession>,
    /// Bytes held by stored content plus upload buffers (bounded by `limits.max_total_bytes`).
    pub mem_bytes: u64,
    pub ids: IdGen,
    pub next_account_seq: u64,
}

pub(crate) const DEFAULT_CLIENT_ID: &str = "cairn-emulator.apps.googleusercontent.com";
pub(crate) const DEFAULT_HUAWEI_APP_ID: &str = "100000001";

impl State {
    pub(crate) fn new(limits: Limits, settings: Settings, seed: u64, default_client_secret: String) -> Self {
        let mut s = Self {
            limits,
            initial_settings: settings.clone(),
            settings,
            clock_offset_ms: 0,
            accounts: BTreeMap::new(),
            clients: BTreeMap::new(),
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            auth_codes: HashMap::new(),
            spaces: BTreeMap::new(),
            uploads: HashMap::new(),
            mem_bytes: 0,
            ids: IdGen::new(seed),
            next_account_seq: 1,
        };
        s.install_default_client(default_client_secret);
        s
    }

    pub(crate) fn install_default_client(&mut self, secret: String) {
        self.clients.entry(DEFAULT_CLIENT_ID.to_owned()).or_insert(OAuthClient {
            id: DEFAULT_CLIENT_ID.to_owned(),
            secret: Some(secret),
            redirect_uris: Vec::new(),
            refresh_token_lifetime_secs: None,
        });
    }

    /// Emulator time in milliseconds.
    pub(crate) fn now_ms(&self) -> i64 {
        system_now_ms().saturating_add(self.clock_offset_ms)
    }

    /// Forgets everything except the default OAuth client (whose secret stays the same).
    pub(crate) fn reset(&mut self) {
        let default_secret =
            self.clients.get(DEFAULT_CLIENT_ID).and_then(|c| c.secret.clone()).unwrap_or_default();
        self.settings = self.initial_settings.clone();
        self.clock_offset_ms = 0;
        self.accounts.clear();
        self.clients.clear();
        self.access_tokens.clear();
        self.refresh_tokens.clear();
        self.auth_codes.clear();
        self.spaces.clear();
        self.uploads.clear();
        self.mem_bytes = 0;
        self.next_account_seq = 1;
        self.install_default_client(default_secret);
    }

    pub(crate) fn space_mut(&mut self, key: &SpaceKey) -> &mut Space {
        let ids = &mut self.ids;
        self.spaces.entry(key.clone()).or_insert_with(|| Space {
            folder_id: match key.provider {
                Provider::Google => ids.google_folder_id(),
                Provider::Huawei => ids.huawei_file_id(),
            },
            files: BTreeMap::new(),
            next_seq: 1,
        })
    }

    /// App-data bytes an account stores with one provider (all of its clients).
    pub(crate) fn app_usage(&self, provider: Provider, account: &str) -> u64 {
        self.spaces
            .iter()
            .filter(|(k, _)| k.provider == provider && k.account == account)
            .flat_map(|(_, s)| s.files.values())
            .map(FileEntry::size)
            .sum()
    }

    fn object_count(&self, account: &str) -> usize {
        self.spaces.iter().filter(|(k, _)| k.account == account).map(|(_, s)| s.files.len()).sum()
    }

    /// Can `account` store `added` bytes in place of `replaced` bytes (and `new_objects` more)?
    pub(crate) fn check_capacity(
        &self,
        provider: Provider,
        account: &str,
        added: u64,
        replaced: u64,
        new_objects: usize,
    ) -> Result<(), CapacityError> {
        if new_objects > 0 && self.object_count(account) + new_objects > self.limits.max_objects_per_account {
            return Err(CapacityError::TooManyObjects);
        }
        let growth = added.saturating_sub(replaced);
        if self.mem_bytes.saturating_add(growth) > self.limits.max_total_bytes {
            return Err(CapacityError::MemoryFull);
        }
        if let Some(acc) = self.accounts.get(account) {
            let quota = match provider {
                Provider::Google => &acc.google_quota,
                Provider::Huawei => &acc.huawei_quota,
            };
            if let Some(limit) = quota.limit {
                let usage = quota.other_usage.saturating_add(self.app_usage(provider, account));
                if growth > 0 && usage.saturating_add(growth) > limit {
                    return Err(CapacityError::Quota);
                }
            }
        }
        Ok(())
    }

    /// Creates a file in a space. Capacity and parents must have been checked by the caller.
    pub(crate) fn create_file(
        &mut self,
        key: &SpaceKey,
        patch: MetadataPatch,
        content: Option<Bytes>,
    ) -> String {
        let now = self.now_ms();
        let id = match key.provider {
            Provider::Google => self.ids.google_file_id(),
            Provider::Huawei => self.ids.huawei_file_id(),
        };
        let revision = content.as_ref().map(|_| self.ids.revision_id());
        let blob = content.map(Blob::new);
        self.mem_bytes = self.mem_bytes.saturating_add(blob.as_ref().map_or(0, |b| b.size));
        let space = self.space_mut(key);
        let parents = patch.parents.clone().unwrap_or_else(|| vec![space.folder_id.clone()]);
        let seq = space.next_seq;
        space.next_seq += 1;
        let mut entry = FileEntry {
            id: id.clone(),
            name: patch.name.clone().unwrap_or_else(|| "Untitled".to_owned()),
            mime_type: patch.mime_type.clone().unwrap_or_else(|| "application/octet-stream".to_owned()),
            parents,
            app_properties: BTreeMap::new(),
            properties: BTreeMap::new(),
            description: patch.description.clone(),
            starred: patch.starred.unwrap_or(false),
            trashed: false,
            directly_trashed: false,
            created_ms: patch.created_ms.unwrap_or(now),
            modified_ms: patch.modified_ms.unwrap_or(now),
            version: 1,
            head_revision_id: revision,
            content: blob,
            seq,
        };
        apply_props(&mut entry.app_properties, &patch.app_properties);
        apply_props(&mut entry.properties, &patch.properties);
        space.files.insert(id.clone(), entry);
        id
    }

    /// Applies a metadata patch and/or new content to an existing file.
    pub(crate) fn update_file(
        &mut self,
        key: &SpaceKey,
        file_id: &str,
        patch: &MetadataPatch,
        content: Option<Bytes>,
    ) -> bool {
        let now = self.now_ms();
        let revision = content.as_ref().map(|_| self.ids.revision_id());
        let blob = content.map(Blob::new);
        let Some(space) = self.spaces.get_mut(key) else { return false };
        let Some(entry) = space.files.get_mut(file_id) else { return false };
        if let Some(name) = &patch.name {
            entry.name.clone_from(name);
        }
        if let Some(mime) = &patch.mime_type {
            entry.mime_type.clone_from(mime);
        }
        if let Some(d) = &patch.description {
            entry.description = Some(d.clone());
        }
        if let Some(s) = patch.starred {
            entry.starred = s;
        }
        if let Some(t) = patch.trashed {
            entry.trashed = t;
            entry.directly_trashed = t;
        }
        apply_props(&mut entry.app_properties, &patch.app_properties);
        apply_props(&mut entry.properties, &patch.properties);
        entry.parents.retain(|p| !patch.remove_parents.contains(p));
        for p in &patch.add_parents {
            if !entry.parents.contains(p) {
                entry.parents.push(p.clone());
            }
        }
        let mut freed = 0;
        let mut added = 0;
        if let Some(blob) = blob {
            freed = entry.size();
            added = blob.size;
            entry.content = Some(blob);
            entry.head_revision_id = revision;
        }
        entry.version += 1;
        entry.modified_ms = patch.modified_ms.unwrap_or(now);
        self.mem_bytes = self.mem_bytes.saturating_sub(freed).saturating_add(added);
        true
    }

    /// Deletes a file and, for folders, everything under it. Returns false if it did not exist.
    pub(crate) fn delete_file(&mut self, key: &SpaceKey, file_id: &str) -> bool {
        let Some(space) = self.spaces.get_mut(key) else { return false };
        if !space.files.contains_key(file_id) {
            return false;
        }
        let mut doomed = vec![file_id.to_owned()];
        let mut i = 0;
        while let Some(current) = doomed.get(i).cloned() {
            doomed
                .extend(space.files.values().filter(|f| f.parents.contains(&current)).map(|f| f.id.clone()));
            i += 1;
        }
        let mut freed = 0;
        for id in doomed {
            if let Some(f) = space.files.remove(&id) {
                freed += f.size();
            }
        }
        self.mem_bytes = self.mem_bytes.saturating_sub(freed);
        true
    }

    /// Deletes every space of an account (optionally only one provider / client).
    pub(crate) fn wipe_app_data(
        &mut self,
        account: &str,
        provider: Option<Provider>,
        client_id: Option<&str>,
    ) -> usize {
        let doomed: Vec<SpaceKey> = self
            .spaces
            .keys()
            .filter(|k| {
                k.account == account
                    && provider.is_none_or(|p| p == k.provider)
                    && client_id.is_none_or(|c| c == k.client_id)
            })
            .cloned()
            .collect();
        let mut removed = 0;
        for key in doomed {
            if let Some(space) = self.spaces.remove(&key) {
                removed += space.files.len();
                let freed: u64 = space.files.values().map(FileEntry::size).sum();
                self.mem_bytes = self.mem_bytes.saturating_sub(freed);
            }
        }
        let uploads_before: u64 =
            self.uploads.values().map(|u| u64::try_from(u.data.len()).unwrap_or(0)).sum();
        self.uploads.retain(|_, u| {
            !(u.space.account == account
                && provider.is_none_or(|p| p == u.space.provider)
                && client_id.is_none_or(|c| c == u.space.client_id))
        });
        let uploads_after: u64 =
            self.uploads.values().map(|u| u64::try_from(u.data.len()).unwrap_or(0)).sum();
        self.mem_bytes = self.mem_bytes.saturating_sub(uploads_before - uploads_after);
        removed
    }

    /// Removes an account with its data and tokens.
    pub(crate) fn delete_account(&mut self, account: &str) -> bool {
        if self.accounts.remove(account).is_none() {
            return false;
        }
        self.wipe_app_data(account, None, None);
        self.access_tokens.retain(|_, t| t.account != account);
        self.refresh_tokens.retain(|_, t| t.account != account);
        self.auth_codes.retain(|_, c| c.account != account);
        true
    }

    /// Drops expired and excess entries so token maps stay bounded.
    fn prune_tokens(&mut self) {
        let now = self.now_ms();
        if self.access_tokens.len() >= self.limits.max_access_tokens {
            self.access_tokens.retain(|_, t| t.expires_ms > now);
        }
        while self.access_tokens.len() >= self.limits.max_access_tokens {
            let oldest = self.access_tokens.iter().min_by_key(|(_, t)| t.issued_ms).map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    self.access_tokens.remove(&k);
                }
                None => break,
            }
        }
        if self.auth_codes.len() >= self.limits.max_access_tokens {
            self.auth_codes.retain(|_, c| c.expires_ms > now && !c.used);
        }
    }

    /// Mints an access token.
    pub(crate) fn issue_access_token(
        &mut self,
        provider: Provider,
        account: &str,
        client_id: &str,
        scope: &str,
        lifetime_secs: u64,
        grant_id: Option<String>,
    ) -> Result<IssuedAccess, RandomUnavailable> {
        self.prune_tokens();
        let token = match provider {
            Provider::Google => random_token("ya29.a0", 120)?,
            Provider::Huawei => random_token("DQEB", 120)?,
        };
        let now = self.now_ms();
        let lifetime_ms = i64::try_from(lifetime_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        self.access_tokens.insert(
            token.clone(),
            AccessToken {
                provider,
                account: account.to_owned(),
                client_id: client_id.to_owned(),
                scope: scope.to_owned(),
                issued_ms: now,
                expires_ms: now.saturating_add(lifetime_ms),
                grant_id,
            },
        );
        Ok(IssuedAccess { token, expires_in: lifetime_secs })
    }

    /// Mints a refresh token; the oldest beyond the per-client limit is silently invalidated, as
    /// Google does.
    pub(crate) fn issue_refresh_token(
        &mut self,
        account: &str,
        client_id: &str,
        scope: &str,
    ) -> Result<(String, String), RandomUnavailable> {
        let token = random_token("1//0g", 100)?;
        let grant_id = random_token("grant-", 16)?;
        let now = self.now_ms();
        let expires_ms = self
            .clients
            .get(client_id)
            .and_then(|c| c.refresh_token_lifetime_secs)
            .map(|s| now.saturating_add(i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX)));
        let mut same: Vec<(String, i64)> = self
            .refresh_tokens
            .iter()
            .filter(|(_, r)| r.account == account && r.client_id == client_id)
            .map(|(k, r)| (k.clone(), r.created_ms))
            .collect();
        if same.len() >= self.settings.refresh_tokens_per_client_limit {
            same.sort_by_key(|(_, created)| *created);
            let excess = same.len() + 1 - self.settings.refresh_tokens_per_client_limit.max(1);
            for (k, _) in same.into_iter().take(excess) {
                self.refresh_tokens.remove(&k);
            }
        }
        self.refresh_tokens.insert(
            token.clone(),
            RefreshToken {
                grant_id: grant_id.clone(),
                account: account.to_owned(),
                client_id: client_id.to_owned(),
                scope: scope.to_owned(),
                created_ms: now,
                last_used_ms: now,
                expires_ms,
            },
        );
        Ok((token, grant_id))
    }

    /// Revokes the grant behind a token (access or refresh): Google invalidates both kinds.
    pub(crate) fn revoke_grant_of(&mut self, token: &str) -> bool {
        let grant = if let Some(r) = self.refresh_tokens.get(token) {
            Some(r.grant_id.clone())
        } else if let Some(a) = self.access_tokens.get(token) {
            a.grant_id.clone()
        } else {
            return false;
        };
        self.access_tokens.remove(token);
        if let Some(grant) = grant {
            self.refresh_tokens.retain(|_, r| r.grant_id != grant);
            self.access_tokens.retain(|_, a| a.grant_id.as_deref() != Some(grant.as_str()));
        }
        true
    }

    /// Is this refresh token usable now?
    pub(crate) fn refresh_token_alive(&self, r: &RefreshToken) -> bool {
        let now = self.now_ms();
        let idle_ms =
            i64::try_from(self.settings.refresh_token_idle_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        r.expires_ms.is_none_or(|e| now < e) && now.saturating_sub(r.last_used_ms) < idle_ms
    }

    /// Resolves a bearer token for a provider; `None` if unknown, expired or revoked.
    pub(crate) fn principal(&self, provider: Provider, token: &str) -> Option<Principal> {
        let t = self.access_tokens.get(token)?;
        if t.provider != provider || t.expires_ms <= self.now_ms() || !self.accounts.contains_key(&t.account)
        {
            return None;
        }
        Some(Principal { account: t.account.clone(), client_id: t.client_id.clone(), scope: t.scope.clone() })
    }

    /// The account a token belongs to, whatever its state (for the request log and fault rules).
    pub(crate) fn account_of_token(&self, token: &str) -> Option<String> {
        self.access_tokens.get(token).map(|t| t.account.clone())
    }

    /// Drops expired upload sessions, releasing their buffers.
    pub(crate) fn expire_uploads(&mut self) {
        let now = self.now_ms();
        let ttl =
            i64::try_from(self.settings.upload_session_ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let mut freed = 0u64;
        self.uploads.retain(|_, u| {
            let keep = now.saturating_sub(u.created_ms) < ttl;
            if !keep {
                freed += u64::try_from(u.data.len()).unwrap_or(0);
            }
            keep
        });
        self.mem_bytes = self.mem_bytes.saturating_sub(freed);
    }

    /// Registers a new account (ids must be unique; the caller checks limits).
    pub(crate) fn add_account(&mut self, id: String, email: String, display_name: String) -> &Account {
        let seq = self.next_account_seq;
        self.next_account_seq += 1;
        let now = self.now_ms();
        let account = Account {
            permission_id: format!("{:020}", 1_000_000_000_000_000_000u64.saturating_add(seq)),
            id: id.clone(),
            email,
            display_name,
            google_quota: Quota { limit: Some(self.settings.google_default_limit), other_usage: 0 },
            huawei_quota: Quota { limit: Some(self.settings.huawei_default_capacity), other_usage: 0 },
            huawei_agreement_signed: true,
            huawei_region_supported: true,
            created_ms: now,
        };
        self.accounts.entry(id).or_insert(account)
    }
}

fn apply_props(map: &mut BTreeMap<String, String>, changes: &BTreeMap<String, Option<String>>) {
    for (k, v) in changes {
        match v {
            Some(v) => {
                map.insert(k.clone(), v.clone());
            }
            None => {
                map.remove(k);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        State::new(Limits::default(), Settings::default(), 1, "secret".into())
    }

    fn key(account: &str) -> SpaceKey {
        SpaceKey { provider: Provider::Google, account: account.into(), client_id: DEFAULT_CLIENT_ID.into() }
    }

    #[test]
    fn memory_accounting_follows_creates_updates_and_deletes() {
        let mut s = state();
        s.add_account("a".into(), "a@x".into(), "A".into());
        let k = key("a");
        let id = s.create_file(&k, MetadataPatch::default(), Some(Bytes::from_static(b"12345")));
        assert_eq!(s.mem_bytes, 5);
        assert!(s.update_file(&k, &id, &MetadataPatch::default(), Some(Bytes::from_static(b"12"))));
        assert_eq!(s.mem_bytes, 2);
        assert_eq!(s.app_usage(Provider::Google, "a"), 2);
        assert!(s.delete_file(&k, &id));
        assert_eq!(s.mem_bytes, 0);
        assert!(!s.delete_file(&k, &id));
    }

    #[test]
    fn quota_and_object_caps_are_enforced() {
        let mut s = state();
        s.limits.max_objects_per_account = 1;
        s.add_account("a".into(), "a@x".into(), "A".into());
        if let Some(a) = s.accounts.get_mut("a") {
            a.google_quota = Quota { limit: Some(10), other_usage: 6 };
        }
        assert_eq!(s.check_capacity(Provider::Google, "a", 5, 0, 1), Err(CapacityError::Quota));
        assert_eq!(s.check_capacity(Provider::Google, "a", 4, 0, 1), Ok(()));
        s.create_file(&key("a"), MetadataPatch::default(), Some(Bytes::from_static(b"1234")));
        assert_eq!(s.check_capacity(Provider::Google, "a", 0, 0, 1), Err(CapacityError::TooManyObjects));
        // Huawei quota is separate.
        assert_eq!(s.check_capacity(Provider::Huawei, "a", 5, 0, 0), Ok(()));
    }

    #[test]
    fn deleting_a_folder_deletes_its_children() {
        let mut s = state();
        s.add_account("a".into(), "a@x".into(), "A".into());
        let k = key("a");
        let folder = s.create_file(
            &k,
            MetadataPatch { mime_type: Some(GOOGLE_FOLDER_MIME.into()), ..MetadataPatch::default() },
            None,
        );
        let child = s.create_file(
            &k,
            MetadataPatch { parents: Some(vec![folder.clone()]), ..MetadataPatch::default() },
            Some(Bytes::from_static(b"x")),
        );
        assert!(s.delete_file(&k, &folder));
        assert!(!s.spaces[&k].files.contains_key(&child));
        assert_eq!(s.mem_bytes, 0);
    }

    #[test]
    fn revoking_either_token_kills_the_grant() {
        let mut s = state();
        s.add_account("a".into(), "a@x".into(), "A".into());
        let (refresh, grant) = s.issue_refresh_token("a", DEFAULT_CLIENT_ID, GOOGLE_APPDATA_SCOPE).unwrap();
        let access = s
            .issue_access_token(
                Provider::Google,
                "a",
                DEFAULT_CLIENT_ID,
                GOOGLE_APPDATA_SCOPE,
                60,
                Some(grant),
            )
            .unwrap();
        assert!(s.principal(Provider::Google, &access.token).is_some());
        assert!(s.principal(Provider::Huawei, &access.token).is_none());
        assert!(s.revoke_grant_of(&access.token));
        assert!(!s.refresh_tokens.contains_key(&refresh));
        assert!(s.principal(Provider::Google, &access.token).is_none());
    }

    #[test]
    fn refresh_tokens_beyond_the_limit_evict_the_oldest() {
        let mut s = state();
        s.settings.refresh_tokens_per_client_limit = 2;
        s.add_account("a".into(), "a@x".into(), "A".into());
        let (first, _) = s.issue_refresh_token("a", DEFAULT_CLIENT_ID, "s").unwrap();
        s.clock_offset_ms += 10;
        s.issue_refresh_token("a", DEFAULT_CLIENT_ID, "s").unwrap();
        s.clock_offset_ms += 10;
        s.issue_refresh_token("a", DEFAULT_CLIENT_ID, "s").unwrap();
        assert_eq!(s.refresh_tokens.len(), 2);
        assert!(!s.refresh_tokens.contains_key(&first));
    }
}
