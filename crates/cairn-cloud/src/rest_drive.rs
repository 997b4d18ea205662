//! The logic Google Drive v3 and Huawei Drive Kit v1 share. Huawei's REST API is a near-clone
//! of Drive's with renamed fields, so one implementation is driven by a table of names
//! ([`Dialect`]) and a per-provider error classifier.
//!
//! Objects are files directly in the app's hidden folder, found by exact name. Uploads are
//! single-request multipart (objects are small); a lookup precedes every get/put/delete, since
//! the providers address files by id, not by name.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value, json};
use url::Url;

use crate::error::{CloudError, CorruptionDetail};
use crate::http::{HttpReply, HttpSettings, RestClient, Verdict, multipart_related, quote_query_value};
use crate::store::{
    AppProperties, MAX_LISTED_OBJECTS, MAX_OBJECT_BYTES, ObjectMeta, Quota, StoredObject, resolve_duplicates,
    sha256_hex, validate_name, validate_put,
};
use crate::time::parse_rfc3339;
use crate::token::{AccessToken, TokenProvider};
use crate::transport::{HttpMethod as Method, HttpRequest, HttpTransport};

/// Bound on one metadata or listing response (a full page of small metadata is far less).
const MAX_METADATA_BODY: u64 = 4 * 1024 * 1024;
/// Bound on pages per listing, so a server that never stops paging cannot keep us looping.
const MAX_PAGES: usize = 1000;
/// Bound on all listing responses of one listing together (pages are bounded one by one, this
/// bounds their sum), and on one page token.
const MAX_LISTING_BYTES: usize = 32 * 1024 * 1024;
const MAX_PAGE_TOKEN: usize = 4096;
/// How often a listing restarts after the provider expired its cursor.
const MAX_LISTING_RESTARTS: usize = 2;

/// The wire names of one provider.
pub(crate) struct Dialect {
    pub(crate) files_path: &'static [&'static str],
    pub(crate) upload_path: &'static [&'static str],
    pub(crate) about_path: &'static [&'static str],
    /// Query parameter selecting the hidden space, and its value.
    pub(crate) space: (&'static str, &'static str),
    pub(crate) query_param: &'static str,
    pub(crate) name_field: &'static str,
    pub(crate) trashed_field: &'static str,
    pub(crate) parents_field: &'static str,
    /// The alias of the hidden folder as a parent id.
    pub(crate) parent_alias: &'static str,
    pub(crate) properties_field: &'static str,
    pub(crate) modified_field: &'static str,
    /// The file's SHA-256 (hex) field.
    pub(crate) checksum_field: &'static str,
    pub(crate) page_token_param: &'static str,
    pub(crate) next_page_token_field: &'static str,
    pub(crate) list_extra_fields: &'static str,
    /// Query parameter asking for content instead of metadata.
    pub(crate) download: (&'static str, &'static str),
    pub(crate) max_page_size: u32,
    pub(crate) about_fields: &'static str,
    pub(crate) parse_quota: fn(&Value) -> Result<Quota, CloudError>,
    pub(crate) classify: fn(&HttpReply) -> Verdict,
    /// Whether a status is the provider's "listing cursor expired, start over".
    pub(crate) is_cursor_expired: fn(&CloudError) -> bool,
}

/// Where and how to reach a REST drive.
#[derive(Debug, Clone)]
pub struct DriveConfig {
    /// API base URL: the provider's production host, or an emulator's address.
    pub api_base: Url,
    /// Page size for listings (clamped to what the provider accepts).
    pub page_size: u32,
    /// Timeouts and retry bounds.
    pub http: HttpSettings,
}

impl DriveConfig {
    /// Default settings against `api_base`.
    pub fn new(api_base: Url) -> Self {
        DriveConfig { api_base, page_size: 1000, http: HttpSettings::default() }
    }
}

/// Implements `CloudStore` for an adapter holding a `RestDrive` in its `drive` field: Google
/// Drive and Huawei Drive differ only in their `Dialect`, so their stores just delegate.
macro_rules! delegate_cloud_store_to_rest_drive {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::CloudStore for $store {
            async fn list(&self) -> Result<Vec<$crate::store::ObjectMeta>, $crate::error::CloudError> {
                self.drive.list().await
            }

            async fn get(
                &self,
                name: &str,
            ) -> Result<$crate::store::StoredObject, $crate::error::CloudError> {
                self.drive.get(name).await
            }

            async fn put(
                &self,
                name: &str,
                bytes: &[u8],
                app_properties: &$crate::store::AppProperties,
            ) -> Result<$crate::store::ObjectMeta, $crate::error::CloudError> {
                self.drive.put(name, bytes, app_properties).await
            }

            async fn delete(&self, name: &str) -> Result<(), $crate::error::CloudError> {
                self.drive.delete(name).await
            }

            async fn quota(&self) -> Result<$crate::store::Quota, $crate::error::CloudError> {
                self.drive.quota().await
            }
        }
    };
}
pub(crate) use delegate_cloud_store_to_rest_drive;

pub(crate) struct RestDrive {
    client: RestClient,
    config: DriveConfig,
    dialect: &'static Dialect,
}

impl std::fmt::Debug for RestDrive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestDrive").field("config", &self.config).finish_non_exhaustive()
    }
}

fn malformed() -> CloudError {
    CloudError::corrupted(CorruptionDetail::MalformedJson)
}

fn missing(field: &'static str) -> CloudError {
    CloudError::corrupted(CorruptionDetail::MissingField(field))
}

/// An int64 the provider may send as a JSON string (Google, documented) or a number.
pub(crate) fn u64_field(value: Option<&Value>, field: &'static str) -> Result<u64, CloudError> {
    match value {
        None | Some(Value::Null) => Err(missing(field)),
        Some(Value::String(text)) => {
            text.parse().map_err(|_| CloudError::corrupted(CorruptionDetail::BadField(field)))
        }
        Some(Value::Number(number)) => {
            number.as_u64().ok_or(CloudError::corrupted(CorruptionDetail::BadField(field)))
        }
        Some(_) => Err(CloudError::corrupted(CorruptionDetail::BadField(field))),
    }
}

fn parse_json(body: &[u8]) -> Result<Value, CloudError> {
    serde_json::from_slice(body).map_err(|_| malformed())
}

impl RestDrive {
    pub(crate) fn new(
        config: DriveConfig,
        dialect: &'static Dialect,
        tokens: Arc<dyn TokenProvider>,
        transport: Arc<dyn HttpTransport>,
    ) -> Self {
        let client = RestClient::new(config.http.clone(), tokens, transport);
        RestDrive { client, config, dialect }
    }

    fn url(&self, path: &[&str]) -> Url {
        let mut url = self.config.api_base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(path);
        }
        url
    }

    async fn call(
        &self,
        method: Method,
        url: Url,
        body: Option<(String, Vec<u8>)>,
        limit: u64,
    ) -> Result<HttpReply, CloudError> {
        let build = move |token: &AccessToken| {
            let bearer = format!("Bearer {}", token.expose_secret());
            let request = HttpRequest::new(method, url.clone()).header("Authorization", &bearer);
            match &body {
                Some((content_type, bytes)) => request.body(content_type, bytes.clone()),
                None => request,
            }
        };
        self.client.execute(&build, limit, self.dialect.classify).await
    }

    fn file_meta(&self, file: &Value) -> Result<ObjectMeta, CloudError> {
        let d = self.dialect;
        let text = |key: &'static str| file.get(key).and_then(Value::as_str);
        let id = text("id").filter(|id| !id.is_empty() && id.len() <= 256).ok_or(missing("id"))?;
        let name = text(d.name_field).ok_or(missing(d.name_field))?;
        let modified = text(d.modified_field).ok_or(missing(d.modified_field)).and_then(|t| {
            parse_rfc3339(t).ok_or(CloudError::corrupted(CorruptionDetail::BadField(d.modified_field)))
        })?;
        let app_properties = match file.get(d.properties_field) {
            None | Some(Value::Null) => AppProperties::new(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect::<Option<AppProperties>>()
                .ok_or(CloudError::corrupted(CorruptionDetail::BadField(d.properties_field)))?,
            Some(_) => return Err(CloudError::corrupted(CorruptionDetail::BadField(d.properties_field))),
        };
        let sha256 = match file.get(d.checksum_field) {
            None | Some(Value::Null) => None,
            Some(Value::String(hex)) if hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
                Some(hex.to_ascii_lowercase())
            }
            Some(_) => return Err(CloudError::corrupted(CorruptionDetail::BadField(d.checksum_field))),
        };
        let version = match file.get("version") {
            Some(Value::String(v)) => Some(v.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        };
        Ok(ObjectMeta {
            name: name.to_owned(),
            provider_id: id.to_owned(),
            version,
            size: u64_field(file.get("size"), "size")?,
            sha256,
            modified,
            app_properties,
        })
    }

    /// Every file whose name matches (or every file, for `None`), across all pages.
    async fn list_files(&self, name: Option<&str>) -> Result<Vec<ObjectMeta>, CloudError> {
        let mut restarts = 0;
        loop {
            match self.list_files_once(name).await {
                Err(error) if (self.dialect.is_cursor_expired)(&error) && restarts < MAX_LISTING_RESTARTS => {
                    restarts += 1;
                }
                other => return other,
            }
        }
    }

    async fn list_files_once(&self, name: Option<&str>) -> Result<Vec<ObjectMeta>, CloudError> {
        let d = self.dialect;
        let mut query = format!("{} = false", d.trashed_field);
        if let Some(name) = name {
            query = format!("{} = {} and {query}", d.name_field, quote_query_value(name));
        }
        let fields =
            format!("{}{},files({})", d.list_extra_fields, d.next_page_token_field, self.file_fields());
        let page_size = self.config.page_size.clamp(1, d.max_page_size).to_string();
        let mut files = Vec::new();
        let mut page_token: Option<String> = None;
        let mut seen_tokens = HashSet::new();
        let mut listed_bytes = 0usize;
        for _ in 0..MAX_PAGES {
            let mut url = self.url(d.files_path);
            {
                let mut pairs = url.query_pairs_mut();
                pairs
                    .append_pair(d.space.0, d.space.1)
                    .append_pair(d.query_param, &query)
                    .append_pair("fields", &fields)
                    .append_pair("pageSize", &page_size);
                if let Some(token) = &page_token {
                    pairs.append_pair(d.page_token_param, token);
                }
            }
            let reply = self.call(Method::Get, url, None, MAX_METADATA_BODY).await?;
            listed_bytes = listed_bytes.saturating_add(reply.body.len());
            if listed_bytes > MAX_LISTING_BYTES {
                return Err(CloudError::corrupted(CorruptionDetail::EndlessListing));
            }
            let page = parse_json(&reply.body)?;
            match page.get("files") {
                None | Some(Value::Null) => {}
                Some(Value::Array(entries)) => {
                    for file in entries {
                        files.push(self.file_meta(file)?);
                        if files.len() > MAX_LISTED_OBJECTS {
                            return Err(CloudError::corrupted(CorruptionDetail::EndlessListing));
                        }
                    }
                }
                Some(_) => return Err(malformed()),
            }
            // Pages may be empty before the end: only a missing token ends the listing.
            let next = page.get(d.next_page_token_field).and_then(Value::as_str).filter(|t| !t.is_empty());
            match next {
                None => return Ok(files),
                Some(token) => {
                    if token.len() > MAX_PAGE_TOKEN {
                        return Err(CloudError::corrupted(CorruptionDetail::BadField(
                            d.next_page_token_field,
                        )));
                    }
                    if !seen_tokens.insert(token.to_owned()) {
                        return Err(CloudError::corrupted(CorruptionDetail::EndlessListing));
                    }
                    page_token = Some(token.to_owned());
                }
            }
        }
        Err(CloudError::corrupted(CorruptionDetail::EndlessListing))
    }

    /// The object called `name` (the newest, if the provider holds duplicates) and the ids of
    /// its older duplicates.
    async fn find(&self, name: &str) -> Result<Option<(ObjectMeta, Vec<String>)>, CloudError> {
        let files = self.list_files(Some(name)).await?;
        // The name filter is exact, but a server returning other names must not make us read
        // or overwrite the wrong object.
        let matching = files.into_iter().filter(|f| f.name == name).collect();
        Ok(resolve_duplicates(matching).into_iter().next())
    }

    async fn upload(
        &self,
        existing: Option<&ObjectMeta>,
        name: &str,
        bytes: &[u8],
        app_properties: &AppProperties,
    ) -> Result<ObjectMeta, CloudError> {
        let d = self.dialect;
        let mut properties = Map::new();
        if let Some(existing) = existing {
            // Updates patch properties key by key; keys to drop are sent as null.
            for key in existing.app_properties.keys() {
                properties.insert(key.clone(), Value::Null);
            }
        }
        for (key, value) in app_properties {
            properties.insert(key.clone(), Value::String(value.clone()));
        }
        let mut metadata = Map::new();
        metadata.insert(d.name_field.to_owned(), json!(name));
        metadata.insert(d.properties_field.to_owned(), Value::Object(properties));
        let (method, mut url) = match existing {
            None => {
                metadata.insert(d.parents_field.to_owned(), json!([d.parent_alias]));
                metadata.insert("mimeType".to_owned(), json!("application/octet-stream"));
                (Method::Post, self.url(d.upload_path))
            }
            Some(existing) => {
                let mut url = self.url(d.upload_path);
                if let Ok(mut segments) = url.path_segments_mut() {
                    segments.push(&existing.provider_id);
                }
                (Method::Patch, url)
            }
        };
        let metadata = serde_json::to_vec(&Value::Object(metadata)).map_err(|_| malformed())?;
        let body = multipart_related(&metadata, bytes)?;
        url.query_pairs_mut()
            .append_pair("uploadType", "multipart")
            .append_pair("fields", &self.file_fields());
        let reply = self.call(method, url, Some(body), MAX_METADATA_BODY).await?;
        let mut meta = self.file_meta(&parse_json(&reply.body)?)?;
        let sent_sha256 = sha256_hex(bytes);
        let stored_differs = meta.sha256.as_ref().is_some_and(|stored| *stored != sent_sha256);
        if meta.name != name || meta.size != bytes.len() as u64 || stored_differs {
            return Err(CloudError::corrupted(CorruptionDetail::ContentMismatch));
        }
        meta.sha256 = Some(sent_sha256);
        Ok(meta)
    }

    /// The file fields every request asks for.
    fn file_fields(&self) -> String {
        let d = self.dialect;
        format!(
            "id,{},size,{},{},{},version",
            d.name_field, d.modified_field, d.properties_field, d.checksum_field
        )
    }

    fn file_url(&self, id: &str) -> Url {
        let mut url = self.url(self.dialect.files_path);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.push(id);
        }
        url
    }

    async fn delete_id(&self, id: &str) -> Result<(), CloudError> {
        match self.call(Method::Delete, self.file_url(id), None, MAX_METADATA_BODY).await {
            Ok(_) | Err(CloudError::NotFound) => Ok(()),
            Err(other) => Err(other),
        }
    }

    pub(crate) async fn list(&self) -> Result<Vec<ObjectMeta>, CloudError> {
        let files = self.list_files(None).await?;
        // Files with names outside our rules (left by other tools) are not objects of ours.
        Ok(resolve_duplicates(files)
            .into_iter()
            .map(|(meta, _duplicates)| meta)
            .filter(|meta| validate_name(&meta.name).is_ok())
            .collect())
    }

    pub(crate) async fn get(&self, name: &str) -> Result<StoredObject, CloudError> {
        validate_name(name)?;
        let (meta, _) = self.find(name).await?.ok_or(CloudError::NotFound)?;
        if meta.size > MAX_OBJECT_BYTES {
            return Err(CloudError::corrupted(CorruptionDetail::BodyTooLarge));
        }
        let mut url = self.file_url(&meta.provider_id);
        url.query_pairs_mut().append_pair(self.dialect.download.0, self.dialect.download.1);
        // A download that disagrees with the listed size or checksum is fetched once more
        // (a damaged transfer); a second mismatch means the stored object itself disagrees.
        for _ in 0..2 {
            let reply = self.call(Method::Get, url.clone(), None, MAX_OBJECT_BYTES).await?;
            let size_ok = reply.body.len() as u64 == meta.size;
            if size_ok && meta.sha256.as_ref().is_none_or(|expected| *expected == sha256_hex(&reply.body)) {
                return Ok(StoredObject { meta, bytes: reply.body });
            }
        }
        Err(CloudError::corrupted(CorruptionDetail::ContentMismatch))
    }

    pub(crate) async fn put(
        &self,
        name: &str,
        bytes: &[u8],
        app_properties: &AppProperties,
    ) -> Result<ObjectMeta, CloudError> {
        validate_put(name, bytes, app_properties)?;
        let existing = self.find(name).await?;
        let existing = existing.as_ref().map(|(meta, _)| meta);
        let result = match self.upload(existing, name, bytes, app_properties).await {
            // The file vanished between lookup and update (deleted concurrently): create it.
            Err(CloudError::NotFound) if existing.is_some() => {
                self.upload(None, name, bytes, app_properties).await
            }
            other => other,
        };
        match result {
            Err(CloudError::QuotaExceeded { used: None, limit: None }) => {
                Err(self.quota_exceeded_with_usage().await)
            }
            other => other,
        }
    }

    /// The quota error with the account's usage filled in, when the provider will tell.
    async fn quota_exceeded_with_usage(&self) -> CloudError {
        match self.quota().await {
            Ok(quota) => CloudError::QuotaExceeded { used: Some(quota.used), limit: quota.limit },
            Err(_) => CloudError::QuotaExceeded { used: None, limit: None },
        }
    }

    pub(crate) async fn delete(&self, name: &str) -> Result<(), CloudError> {
        validate_name(name)?;
        if let Some((meta, duplicates)) = self.find(name).await? {
            self.delete_id(&meta.provider_id).await?;
            for id in duplicates {
                self.delete_id(&id).await?;
            }
        }
        Ok(())
    }

    pub(crate) async fn quota(&self) -> Result<Quota, CloudError> {
        let mut url = self.url(self.dialect.about_path);
        url.query_pairs_mut().append_pair("fields", self.dialect.about_fields);
        let reply = self.call(Method::Get, url, None, MAX_METADATA_BODY).await?;
        (self.dialect.parse_quota)(&parse_json(&reply.body)?)
    }
}
