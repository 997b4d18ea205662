//! Google Drive v3, appDataFolder profile: files list/get/create/update/delete, multipart,
//! media and resumable uploads, `alt=media` downloads, about, and the app-data restrictions.
//! "My Drive" is not modelled: it behaves as an empty drive that the app may not write to.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::clock::{format_rfc3339, parse_rfc3339};
use crate::errors::{ApiError, GoogleError, HttpResponse, json_response};
use crate::fields::{self, Schema, Selection};
use crate::http::{LoggedAccount, Personality, Req, Shared, empty, method_not_allowed};
use crate::ids::random_token;
use crate::listing::{self, decode_token, encode_token, fingerprint, paginate, parse_order};
use crate::multipart;
use crate::query::{self, Candidate, Dialect};
use crate::state::{
    Account, CapacityError, FileEntry, GOOGLE_APPDATA_SCOPE, GOOGLE_DRIVE_SCOPE, GOOGLE_FOLDER_MIME,
    MetadataPatch, Principal, Provider, SpaceKey, State, UploadSession, UploadTarget,
};
use crate::upload::{
    self, ByteRange, ChunkError, PutOutcome, parse_content_range, parse_range, range_header,
};

const ALIAS: &str = "appDataFolder";
const DEFAULT_FILE_FIELDS: &str = "kind,id,name,mimeType";
const DEFAULT_LIST_FIELDS: &str = "kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType)";
/// The API's own maximum upload size (discovery `maxSize`), reported by about.
const MAX_UPLOAD_SIZE: &str = "5497558138880";
const MAX_PROPERTIES: usize = 30;
const MAX_PROPERTY_BYTES: usize = 124;

static OPEN: Schema = Schema::Open;
/// Every field name of the v3 `File` resource (discovery document); the emulator fills a subset.
static FILE_SCHEMA: Schema = Schema::Object(&[
    ("kind", &OPEN),
    ("id", &OPEN),
    ("name", &OPEN),
    ("mimeType", &OPEN),
    ("description", &OPEN),
    ("starred", &OPEN),
    ("trashed", &OPEN),
    ("explicitlyTrashed", &OPEN),
    ("trashingUser", &OPEN),
    ("trashedTime", &OPEN),
    ("parents", &OPEN),
    ("properties", &OPEN),
    ("appProperties", &OPEN),
    ("spaces", &OPEN),
    ("version", &OPEN),
    ("webContentLink", &OPEN),
    ("webViewLink", &OPEN),
    ("iconLink", &OPEN),
    ("hasThumbnail", &OPEN),
    ("thumbnailLink", &OPEN),
    ("thumbnailVersion", &OPEN),
    ("viewedByMe", &OPEN),
    ("viewedByMeTime", &OPEN),
    ("createdTime", &OPEN),
    ("modifiedTime", &OPEN),
    ("modifiedByMeTime", &OPEN),
    ("modifiedByMe", &OPEN),
    ("sharedWithMeTime", &OPEN),
    ("sharingUser", &OPEN),
    ("owners", &OPEN),
    ("teamDriveId", &OPEN),
    ("driveId", &OPEN),
    ("lastModifyingUser", &OPEN),
    ("shared", &OPEN),
    ("ownedByMe", &OPEN),
    ("capabilities", &OPEN),
    ("viewersCanCopyContent", &OPEN),
    ("copyRequiresWriterPermission", &OPEN),
    ("writersCanShare", &OPEN),
    ("permissions", &OPEN),
    ("permissionIds", &OPEN),
    ("hasAugmentedPermissions", &OPEN),
    ("folderColorRgb", &OPEN),
    ("originalFilename", &OPEN),
    ("fullFileExtension", &OPEN),
    ("fileExtension", &OPEN),
    ("md5Checksum", &OPEN),
    ("sha1Checksum", &OPEN),
    ("sha256Checksum", &OPEN),
    ("size", &OPEN),
    ("quotaBytesUsed", &OPEN),
    ("headRevisionId", &OPEN),
    ("contentHints", &OPEN),
    ("imageMediaMetadata", &OPEN),
    ("videoMediaMetadata", &OPEN),
    ("isAppAuthorized", &OPEN),
    ("exportLinks", &OPEN),
    ("shortcutDetails", &OPEN),
    ("contentRestrictions", &OPEN),
    ("resourceKey", &OPEN),
    ("linkShareMetadata", &OPEN),
    ("labelInfo", &OPEN),
    ("inheritedPermissionsDisabled", &OPEN),
    ("downloadRestrictions", &OPEN),
]);
static FILE_LIST_SCHEMA: Schema = Schema::Object(&[
    ("kind", &OPEN),
    ("nextPageToken", &OPEN),
    ("incompleteSearch", &OPEN),
    ("files", &FILE_SCHEMA),
]);
static QUOTA_SCHEMA: Schema = Schema::Object(&[
    ("limit", &OPEN),
    ("usage", &OPEN),
    ("usageInDrive", &OPEN),
    ("usageInDriveTrash", &OPEN),
]);
static ABOUT_SCHEMA: Schema = Schema::Object(&[
    ("kind", &OPEN),
    ("user", &OPEN),
    ("storageQuota", &QUOTA_SCHEMA),
    ("driveThemes", &OPEN),
    ("canCreateDrives", &OPEN),
    ("canCreateTeamDrives", &OPEN),
    ("importFormats", &OPEN),
    ("exportFormats", &OPEN),
    ("appInstalled", &OPEN),
    ("folderColorPalette", &OPEN),
    ("maxImportSizes", &OPEN),
    ("maxUploadSize", &OPEN),
    ("teamDriveThemes", &OPEN),
]);

/// Fields the API computes; a request body setting them is refused.
const READ_ONLY_FIELDS: &[&str] = &[
    "id",
    "size",
    "md5Checksum",
    "sha1Checksum",
    "sha256Checksum",
    "version",
    "headRevisionId",
    "quotaBytesUsed",
    "spaces",
    "owners",
    "capabilities",
    "ownedByMe",
    "explicitlyTrashed",
    "webViewLink",
    "webContentLink",
    "iconLink",
    "lastModifyingUser",
    "permissions",
    "fullFileExtension",
    "fileExtension",
    "isAppAuthorized",
];

fn selection(req: &Req, schema: &Schema, default: &str) -> Result<Selection, GoogleError> {
    let text = req.param("fields").filter(|f| !f.trim().is_empty()).unwrap_or(default);
    let sel = fields::parse(text).map_err(|bad| GoogleError::invalid_field_selection(&bad))?;
    fields::validate(&sel, schema).map_err(|bad| GoogleError::invalid_field_selection(&bad))?;
    Ok(sel)
}

fn authenticate(st: &State, req: &Req) -> Result<Principal, GoogleError> {
    let token = req.bearer().ok_or_else(GoogleError::invalid_credentials)?;
    let p = st.principal(Provider::Google, token).ok_or_else(GoogleError::invalid_credentials)?;
    if p.has_scope(GOOGLE_APPDATA_SCOPE) || p.has_scope(GOOGLE_DRIVE_SCOPE) {
        Ok(p)
    } else {
        Err(GoogleError::insufficient_permissions())
    }
}

fn tag(mut resp: HttpResponse, account: &str) -> HttpResponse {
    resp.extensions_mut().insert(LoggedAccount(account.to_owned()));
    resp
}

fn capacity_error(e: &CapacityError) -> GoogleError {
    match e {
        CapacityError::Quota | CapacityError::MemoryFull => GoogleError::storage_quota_exceeded(),
        CapacityError::TooManyObjects => GoogleError::too_many_children(),
    }
}

fn string_of(n: u64) -> Value {
    Value::String(n.to_string())
}

/// The full `File` resource the emulator can produce for an entry.
fn file_json(f: &FileEntry, account: Option<&Account>) -> Value {
    let mut m = Map::new();
    m.insert("kind".into(), json!("drive#file"));
    m.insert("id".into(), json!(f.id));
    m.insert("name".into(), json!(f.name));
    m.insert("mimeType".into(), json!(f.mime_type));
    m.insert("parents".into(), json!(f.parents));
    m.insert("spaces".into(), json!([ALIAS]));
    m.insert("starred".into(), json!(f.starred));
    m.insert("trashed".into(), json!(false));
    m.insert("explicitlyTrashed".into(), json!(false));
    m.insert("version".into(), string_of(f.version));
    m.insert("createdTime".into(), json!(format_rfc3339(f.created_ms)));
    m.insert("modifiedTime".into(), json!(format_rfc3339(f.modified_ms)));
    m.insert("modifiedByMeTime".into(), json!(format_rfc3339(f.modified_ms)));
    m.insert("modifiedByMe".into(), json!(true));
    m.insert("viewedByMe".into(), json!(true));
    m.insert("ownedByMe".into(), json!(true));
    m.insert("shared".into(), json!(false));
    m.insert("isAppAuthorized".into(), json!(true));
    m.insert("hasThumbnail".into(), json!(false));
    if let Some(a) = account {
        let user = json!({
            "kind": "drive#user",
            "displayName": a.display_name,
            "me": true,
            "permissionId": a.permission_id,
            "emailAddress": a.email,
        });
        m.insert("owners".into(), json!([user.clone()]));
        m.insert("lastModifyingUser".into(), user);
    }
    if !f.app_properties.is_empty() {
        m.insert("appProperties".into(), json!(f.app_properties));
    }
    if !f.properties.is_empty() {
        m.insert("properties".into(), json!(f.properties));
    }
    if let Some(d) = &f.description {
        m.insert("description".into(), json!(d));
    }
    match &f.content {
        Some(blob) => {
            m.insert("size".into(), string_of(blob.size));
            m.insert("quotaBytesUsed".into(), string_of(blob.size));
            m.insert("md5Checksum".into(), json!(blob.md5));
            m.insert("sha256Checksum".into(), json!(blob.sha256));
            m.insert("originalFilename".into(), json!(f.name));
            if let Some(rev) = &f.head_revision_id {
                m.insert("headRevisionId".into(), json!(rev));
            }
            if let Some((_, ext)) =
                f.name.rsplit_once('.').filter(|(stem, ext)| !stem.is_empty() && !ext.is_empty())
            {
                m.insert("fileExtension".into(), json!(ext));
                let full = f.name.split_once('.').map_or(ext, |(_, rest)| rest);
                m.insert("fullFileExtension".into(), json!(full));
            }
        }
        None => {
            m.insert("quotaBytesUsed".into(), json!("0"));
        }
    }
    Value::Object(m)
}

fn folder_json(folder_id: &str) -> Value {
    json!({
        "kind": "drive#file",
        "id": folder_id,
        "name": "Application Data",
        "mimeType": GOOGLE_FOLDER_MIME,
        "spaces": [ALIAS],
        "trashed": false,
        "explicitlyTrashed": false,
        "ownedByMe": true,
        "quotaBytesUsed": "0",
        "version": "1",
    })
}

fn respond_file(
    st: &State,
    key: &SpaceKey,
    id: &str,
    sel: &Selection,
    req: &Req,
    status: StatusCode,
) -> HttpResponse {
    let account = st.accounts.get(&key.account);
    let value =
        st.spaces.get(key).and_then(|s| s.files.get(id)).map_or_else(|| json!({}), |f| file_json(f, account));
    tag(json_response(status, &fields::project(&value, sel), req.pretty), &key.account)
}

fn invalid_field(name: &str) -> GoogleError {
    GoogleError::new(400, "invalid", format!("Invalid value for: {name}")).with_location("body", name)
}

impl GoogleError {
    fn with_location(mut self, location_type: &'static str, location: &str) -> Self {
        self.location = Some((location_type, location.to_owned()));
        self
    }
}

fn parse_props(
    v: &Value,
    field: &str,
    patch: &mut BTreeMap<String, Option<String>>,
) -> Result<(), GoogleError> {
    match v {
        // `"appProperties": null` changes nothing; only null entries clear keys.
        Value::Null => Ok(()),
        Value::Object(map) => {
            for (k, val) in map {
                let value = match val {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    _ => return Err(invalid_field(field)),
                };
                if k.is_empty() || k.len() + value.as_ref().map_or(0, String::len) > MAX_PROPERTY_BYTES {
                    return Err(GoogleError::new(
                        400,
                        "invalid",
                        format!("The size of a property key and value in {field} exceeds {MAX_PROPERTY_BYTES} bytes."),
                    )
                    .with_location("body", field));
                }
                patch.insert(k.clone(), value);
            }
            Ok(())
        }
        _ => Err(invalid_field(field)),
    }
}

fn check_property_count(
    existing: &BTreeMap<String, String>,
    changes: &BTreeMap<String, Option<String>>,
    field: &str,
) -> Result<(), GoogleError> {
    let mut keys: std::collections::BTreeSet<&String> = existing.keys().collect();
    for (k, v) in changes {
        if v.is_some() {
            keys.insert(k);
        } else {
            keys.remove(k);
        }
    }
    if keys.len() > MAX_PROPERTIES {
        return Err(GoogleError::new(
            400,
            "invalid",
            format!("A file can have at most {MAX_PROPERTIES} {field} per app."),
        )
        .with_location("body", field));
    }
    Ok(())
}

/// Parses a request body's metadata (create or update). Parents are returned raw.
fn parse_metadata(body: &[u8], creating: bool) -> Result<(MetadataPatch, Option<Vec<String>>), GoogleError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok((MetadataPatch::default(), None));
    }
    let v: Value = serde_json::from_slice(body).map_err(|_| GoogleError::parse_error())?;
    let obj = v.as_object().ok_or_else(GoogleError::parse_error)?;
    let mut patch = MetadataPatch::default();
    let mut parents = None;
    for (k, val) in obj {
        match k.as_str() {
            "name" | "mimeType" | "description" => {
                let s = match val {
                    Value::String(s) => s.clone(),
                    Value::Null => continue,
                    _ => return Err(invalid_field(k)),
                };
                match k.as_str() {
                    "name" => patch.name = Some(s),
                    "mimeType" => patch.mime_type = Some(s),
                    _ => patch.description = Some(s),
                }
            }
            "starred" => patch.starred = Some(val.as_bool().ok_or_else(|| invalid_field(k))?),
            "trashed" => match val {
                Value::Bool(true) => return Err(GoogleError::app_data_cannot_trash()),
                Value::Bool(false) | Value::Null => {}
                _ => return Err(invalid_field(k)),
            },
            "appProperties" => parse_props(val, k, &mut patch.app_properties)?,
            "properties" => parse_props(val, k, &mut patch.properties)?,
            "modifiedTime" | "createdTime" => {
                if k == "createdTime" && !creating {
                    return Err(GoogleError::field_not_writable(
                        "The resource body includes fields which are not directly writable.",
                    ));
                }
                let t = val.as_str().and_then(parse_rfc3339).ok_or_else(|| invalid_field(k))?;
                if k == "modifiedTime" {
                    patch.modified_ms = Some(t);
                } else {
                    patch.created_ms = Some(t);
                }
            }
            "parents" => {
                if !creating {
                    return Err(GoogleError::field_not_writable(
                        "The parents field is not directly writable in update requests. Use the addParents and removeParents parameters instead.",
                    ));
                }
                let list = val.as_array().ok_or_else(|| invalid_field(k))?;
                let ids: Option<Vec<String>> = list.iter().map(|p| p.as_str().map(str::to_owned)).collect();
                parents = Some(ids.ok_or_else(|| invalid_field(k))?);
            }
            name if READ_ONLY_FIELDS.contains(&name) => {
                return Err(GoogleError::field_not_writable(
                    "The resource body includes fields which are not directly writable.",
                ));
            }
            // Other real File fields (kind, folderColorRgb, …) are accepted and ignored.
            _ => {}
        }
    }
    if patch.name.as_ref().is_some_and(|n| n.len() > 32_767) {
        return Err(invalid_field("name"));
    }
    Ok((patch, parents))
}

/// Resolves requested parents to real ids inside the app-data space.
fn resolve_parents(
    st: &mut State,
    key: &SpaceKey,
    parents: Option<Vec<String>>,
) -> Result<Vec<String>, GoogleError> {
    let folder_id = st.space_mut(key).folder_id.clone();
    let Some(parents) = parents.filter(|p| !p.is_empty()) else {
        // No parent means My Drive's root, which an app-data client cannot write.
        return Err(GoogleError::insufficient_permissions());
    };
    if parents.len() > 1 {
        return Err(GoogleError::new(
            403,
            "cannotAddParent",
            "Increasing the number of parents is not allowed.",
        ));
    }
    let mut out = Vec::new();
    for p in parents {
        if p == ALIAS || p == folder_id {
            out.push(folder_id.clone());
        } else if p == "root" {
            return Err(GoogleError::insufficient_permissions());
        } else {
            match st.spaces.get(key).and_then(|s| s.files.get(&p)) {
                Some(f) if f.is_folder() => out.push(p),
                Some(_) => return Err(GoogleError::bad_request(format!("The parent {p} is not a folder."))),
                None => return Err(GoogleError::file_not_found(&p)),
            }
        }
    }
    Ok(out)
}

fn ensure_file_exists(st: &State, key: &SpaceKey, id: &str) -> Result<u64, GoogleError> {
    st.spaces
        .get(key)
        .and_then(|s| s.files.get(id))
        .map(FileEntry::size)
        .ok_or_else(|| GoogleError::file_not_found(id))
}

fn is_app_folder(st: &State, key: &SpaceKey, id: &str) -> bool {
    id == ALIAS || st.spaces.get(key).is_some_and(|s| s.folder_id == id)
}

/// `addParents` / `removeParents` query parameters (moves inside app data only).
fn apply_parent_params(
    st: &mut State,
    key: &SpaceKey,
    req: &Req,
    id: &str,
    patch: &mut MetadataPatch,
) -> Result<(), GoogleError> {
    let split = |s: Option<&str>| -> Vec<String> {
        s.map(|v| v.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let add = split(req.param("addParents"));
    let remove = split(req.param("removeParents"));
    if add.is_empty() && remove.is_empty() {
        return Ok(());
    }
    let folder_id = st.space_mut(key).folder_id.clone();
    for p in &add {
        if p == "root" {
            return Err(GoogleError::app_data_method_not_supported());
        }
    }
    let resolved_add = if add.is_empty() { Vec::new() } else { resolve_parents(st, key, Some(add))? };
    let resolved_remove: Vec<String> =
        remove.iter().map(|p| if p == ALIAS { folder_id.clone() } else { p.clone() }).collect();
    let current =
        st.spaces.get(key).and_then(|s| s.files.get(id)).map(|f| f.parents.clone()).unwrap_or_default();
    let remaining = current.iter().filter(|p| !resolved_remove.contains(p)).count() + resolved_add.len();
    if remaining == 0 {
        return Err(GoogleError::app_data_method_not_supported());
    }
    if remaining > 1 {
        return Err(GoogleError::new(
            403,
            "cannotAddParent",
            "Increasing the number of parents is not allowed.",
        ));
    }
    patch.add_parents = resolved_add;
    patch.remove_parents = resolved_remove;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// /drive/v3/files

pub(crate) fn files_root(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    match req.method {
        Method::GET => list(shared, &req),
        Method::POST => create_metadata_only(shared, &req),
        _ => Err(method_not_allowed(Personality::Google)),
    }
}

fn list(shared: &Shared, req: &Req) -> Result<HttpResponse, ApiError> {
    let st = shared.state();
    let p = authenticate(&st, req)?;
    let sel = selection(req, &FILE_LIST_SCHEMA, DEFAULT_LIST_FIELDS)?;
    let page_size = match req.param("pageSize") {
        None => 100,
        Some(s) => s
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| GoogleError::invalid_value("pageSize"))?,
    };
    let spaces_param = req.param("spaces").unwrap_or("drive");
    let mut wants_app = false;
    let mut wants_drive = false;
    for s in spaces_param.split(',').map(str::trim) {
        match s {
            "appDataFolder" => wants_app = true,
            "drive" => wants_drive = true,
            _ => return Err(GoogleError::invalid_value("spaces").into()),
        }
    }
    if wants_drive && !p.has_scope(GOOGLE_DRIVE_SCOPE) {
        return Err(GoogleError::insufficient_scopes_for_spaces().into());
    }
    if let Some(c) = req.param("corpora")
        && c != "user"
    {
        return Err(GoogleError::invalid_value("corpora").into());
    }
    let q_text = req.param("q").unwrap_or("");
    let query = if q_text.trim().is_empty() {
        None
    } else {
        Some(query::parse(q_text, Dialect::Google).map_err(|_| GoogleError::invalid_value("q"))?)
    };
    let order_text = req.param("orderBy").unwrap_or("");
    let order =
        parse_order(Some(order_text), Dialect::Google).map_err(|()| GoogleError::invalid_value("orderBy"))?;
    let key = p.space(Provider::Google);
    let account = st.accounts.get(&p.account);
    let email = account.map_or("", |a| a.email.as_str());
    let mut items: Vec<&FileEntry> = Vec::new();
    if wants_app && let Some(space) = st.spaces.get(&key) {
        items = space
            .files
            .values()
            .filter(|f| {
                query.as_ref().is_none_or(|q| {
                    q.matches(&Candidate {
                        name: &f.name,
                        mime_type: &f.mime_type,
                        modified_ms: f.modified_ms,
                        created_ms: f.created_ms,
                        trashed: false,
                        directly_trashed: false,
                        starred: f.starred,
                        parents: &f.parents,
                        app_folder_id: &space.folder_id,
                        app_folder_alias: ALIAS,
                        app_properties: &f.app_properties,
                        properties: &f.properties,
                        owner_email: email,
                    })
                })
            })
            .collect();
    }
    listing::sort(&mut items, &order);
    let fp = fingerprint(&[&p.account, &p.client_id, q_text, order_text, spaces_param]);
    let token = match req.param("pageToken").filter(|t| !t.is_empty()) {
        None => None,
        Some(t) => Some(decode_token(t, fp).map_err(|()| GoogleError::invalid_value("pageToken"))?),
    };
    let now = st.now_ms();
    let (range, next) = paginate(items.len(), token, page_size, &st.settings, now);
    let files: Vec<Value> = items.get(range).unwrap_or(&[]).iter().map(|f| file_json(f, account)).collect();
    let mut out = json!({"kind": "drive#fileList", "incompleteSearch": false, "files": files});
    if let (Some(next), Some(obj)) = (next, out.as_object_mut()) {
        obj.insert("nextPageToken".into(), json!(encode_token(next, fp)));
    }
    Ok(tag(json_response(StatusCode::OK, &fields::project(&out, &sel), req.pretty), &p.account))
}

fn create_metadata_only(shared: &Shared, req: &Req) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
    let (mut patch, parents) = parse_metadata(&req.body, true)?;
    let key = p.space(Provider::Google);
    patch.parents = Some(resolve_parents(&mut st, &key, parents)?);
    check_property_count(&BTreeMap::new(), &patch.app_properties, "appProperties")?;
    check_property_count(&BTreeMap::new(), &patch.properties, "properties")?;
    st.check_capacity(Provider::Google, &p.account, 0, 0, 1).map_err(|e| capacity_error(&e))?;
    let id = st.create_file(&key, patch, None);
    Ok(respond_file(&st, &key, &id, &sel, req, StatusCode::OK))
}

// ---------------------------------------------------------------------------------------------
// /drive/v3/files/{fileId}

pub(crate) fn file_item(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    let id = req.tail("/drive/v3/files/");
    match req.method {
        Method::GET => get(shared, &req, &id),
        Method::PATCH => update_metadata(shared, &req, &id),
        Method::DELETE => delete(shared, &req, &id),
        _ => Err(method_not_allowed(Personality::Google)),
    }
}

fn get(shared: &Shared, req: &Req, id: &str) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let key = p.space(Provider::Google);
    let media = match req.param("alt") {
        None | Some("json") => false,
        Some("media") => true,
        Some(_) => return Err(GoogleError::invalid_value("alt").into()),
    };
    if is_app_folder(&st, &key, id) {
        if media {
            return Err(GoogleError::not_downloadable().into());
        }
        let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
        let folder_id = st.space_mut(&key).folder_id.clone();
        return Ok(tag(
            json_response(StatusCode::OK, &fields::project(&folder_json(&folder_id), &sel), req.pretty),
            &p.account,
        ));
    }
    let file =
        st.spaces.get(&key).and_then(|s| s.files.get(id)).ok_or_else(|| GoogleError::file_not_found(id))?;
    if !media {
        let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
        return Ok(respond_file(&st, &key, id, &sel, req, StatusCode::OK));
    }
    let blob = file.content.as_ref().ok_or_else(GoogleError::not_downloadable)?;
    Ok(tag(media_response(&blob.bytes, &file.mime_type, req.header("range")), &p.account))
}

/// A download answer honouring a single `Range` (206) as both services do.
pub(crate) fn media_response(bytes: &Bytes, mime: &str, range: Option<&str>) -> HttpResponse {
    let size = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
    let (status, body, content_range) = match parse_range(range, size) {
        ByteRange::Full => (StatusCode::OK, bytes.clone(), None),
        ByteRange::Partial { start, end } => {
            let s = usize::try_from(start).unwrap_or(0);
            let e = usize::try_from(end).unwrap_or(0);
            (
                StatusCode::PARTIAL_CONTENT,
                bytes.slice(s..=e.min(bytes.len().saturating_sub(1))),
                Some(format!("bytes {start}-{end}/{size}")),
            )
        }
        ByteRange::Unsatisfiable => {
            (StatusCode::RANGE_NOT_SATISFIABLE, Bytes::new(), Some(format!("bytes */{size}")))
        }
    };
    let mut resp = HttpResponse::new(Body::from(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(mime) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Some(cr) = content_range.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(header::CONTENT_RANGE, cr);
    }
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    resp
}

fn update_metadata(shared: &Shared, req: &Req, id: &str) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let key = p.space(Provider::Google);
    let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
    let (mut patch, _) = parse_metadata(&req.body, false)?;
    if is_app_folder(&st, &key, id) {
        return Err(GoogleError::app_data_method_not_supported().into());
    }
    ensure_file_exists(&st, &key, id)?;
    apply_parent_params(&mut st, &key, req, id, &mut patch)?;
    check_existing_props(&st, &key, id, &patch)?;
    st.update_file(&key, id, &patch, None);
    Ok(respond_file(&st, &key, id, &sel, req, StatusCode::OK))
}

fn check_existing_props(
    st: &State,
    key: &SpaceKey,
    id: &str,
    patch: &MetadataPatch,
) -> Result<(), GoogleError> {
    if let Some(f) = st.spaces.get(key).and_then(|s| s.files.get(id)) {
        check_property_count(&f.app_properties, &patch.app_properties, "appProperties")?;
        check_property_count(&f.properties, &patch.properties, "properties")?;
    }
    Ok(())
}

fn delete(shared: &Shared, req: &Req, id: &str) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let key = p.space(Provider::Google);
    if is_app_folder(&st, &key, id) {
        return Err(GoogleError::app_data_method_not_supported().into());
    }
    if !st.delete_file(&key, id) {
        return Err(GoogleError::file_not_found(id).into());
    }
    Ok(tag(empty(StatusCode::NO_CONTENT), &p.account))
}

/// `/drive/v3/files/{id}/permissions…`: sharing app-data files is not supported.
pub(crate) fn permissions(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    let st = shared.state();
    let p = authenticate(&st, &req)?;
    let rest = req.tail("/drive/v3/files/");
    let id = rest.split('/').next().unwrap_or("");
    let key = p.space(Provider::Google);
    if !is_app_folder(&st, &key, id) {
        ensure_file_exists(&st, &key, id)?;
    }
    Err(GoogleError::app_data_method_not_supported().into())
}

// ---------------------------------------------------------------------------------------------
// /drive/v3/about

pub(crate) fn about(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    if req.method != Method::GET {
        return Err(method_not_allowed(Personality::Google));
    }
    let st = shared.state();
    let p = authenticate(&st, &req)?;
    let Some(text) = req.param("fields").filter(|f| !f.trim().is_empty()) else {
        return Err(GoogleError::required_parameter(
            "fields",
            "The 'fields' parameter is required for this method.",
        )
        .into());
    };
    let sel = fields::parse(text).map_err(|bad| GoogleError::invalid_field_selection(&bad))?;
    fields::validate(&sel, &ABOUT_SCHEMA).map_err(|bad| GoogleError::invalid_field_selection(&bad))?;
    let account = st.accounts.get(&p.account).ok_or_else(GoogleError::invalid_credentials)?;
    let in_drive = st.app_usage(Provider::Google, &p.account);
    let mut quota = json!({
        "usage": string_of(account.google_quota.other_usage.saturating_add(in_drive)),
        "usageInDrive": string_of(in_drive),
        "usageInDriveTrash": "0",
    });
    if let (Some(limit), Some(obj)) = (account.google_quota.limit, quota.as_object_mut()) {
        obj.insert("limit".into(), string_of(limit));
    }
    let value = json!({
        "kind": "drive#about",
        "user": {
            "kind": "drive#user",
            "displayName": account.display_name,
            "me": true,
            "permissionId": account.permission_id,
            "emailAddress": account.email,
        },
        "storageQuota": quota,
        "maxUploadSize": MAX_UPLOAD_SIZE,
        "appInstalled": true,
        "canCreateDrives": false,
        "importFormats": {},
        "exportFormats": {},
        "maxImportSizes": {},
        "folderColorPalette": [],
    });
    Ok(tag(json_response(StatusCode::OK, &fields::project(&value, &sel), req.pretty), &p.account))
}

// ---------------------------------------------------------------------------------------------
// /upload/drive/v3/files[/{fileId}]

pub(crate) fn upload_root(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    upload(shared, req, None)
}

pub(crate) fn upload_item(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    let id = req.tail("/upload/drive/v3/files/");
    upload(shared, req, Some(id))
}

fn upload(shared: &Shared, req: Req, file_id: Option<String>) -> Result<HttpResponse, ApiError> {
    if let Some(upload_id) = req.param("upload_id").map(str::to_owned) {
        return session_request(shared, &req, &upload_id);
    }
    let creating = match (&req.method, &file_id) {
        (&Method::POST, None) => true,
        (&Method::PATCH, Some(_)) => false,
        _ => return Err(method_not_allowed(Personality::Google)),
    };
    match req.param("uploadType") {
        Some("multipart") => multipart_upload(shared, &req, file_id.as_deref(), creating),
        Some("media") => media_upload(shared, &req, file_id.as_deref(), creating),
        Some("resumable") => resumable_start(shared, &req, file_id, creating),
        _ => Err(GoogleError::invalid_value("uploadType").into()),
    }
}

fn check_object_size(len: usize, limit: u64) -> Result<(), GoogleError> {
    if u64::try_from(len).unwrap_or(u64::MAX) > limit {
        return Err(GoogleError::upload_too_large(limit));
    }
    Ok(())
}

/// Creates or updates with content, after every check. Returns the file id.
fn store_content(
    st: &mut State,
    key: &SpaceKey,
    file_id: Option<&str>,
    mut patch: MetadataPatch,
    parents: Option<Vec<String>>,
    content: Bytes,
    media_mime: Option<String>,
) -> Result<String, GoogleError> {
    let len = u64::try_from(content.len()).unwrap_or(u64::MAX);
    match file_id {
        None => {
            patch.parents = Some(resolve_parents(st, key, parents)?);
            check_property_count(&BTreeMap::new(), &patch.app_properties, "appProperties")?;
            check_property_count(&BTreeMap::new(), &patch.properties, "properties")?;
            if patch.mime_type.is_none() {
                patch.mime_type = media_mime.filter(|m| !m.is_empty());
            }
            st.check_capacity(Provider::Google, &key.account, len, 0, 1).map_err(|e| capacity_error(&e))?;
            Ok(st.create_file(key, patch, Some(content)))
        }
        Some(id) => {
            if is_app_folder(st, key, id) {
                return Err(GoogleError::app_data_method_not_supported());
            }
            let old = ensure_file_exists(st, key, id)?;
            if st.spaces.get(key).and_then(|s| s.files.get(id)).is_some_and(FileEntry::is_folder) {
                return Err(GoogleError::bad_request("Folders cannot have content."));
            }
            check_existing_props(st, key, id, &patch)?;
            st.check_capacity(Provider::Google, &key.account, len, old, 0).map_err(|e| capacity_error(&e))?;
            st.update_file(key, id, &patch, Some(content));
            Ok(id.to_owned())
        }
    }
}

fn multipart_upload(
    shared: &Shared,
    req: &Req,
    file_id: Option<&str>,
    creating: bool,
) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
    let limit = st.limits.max_object_bytes;
    let content_type = req.header("content-type").unwrap_or("");
    let parts =
        multipart::parse(content_type, &req.body).map_err(|e| GoogleError::bad_request(e.message()))?;
    let [meta, media] = parts.as_slice() else {
        return Err(GoogleError::bad_request(
            "A multipart upload needs exactly two parts: metadata, then media.",
        )
        .into());
    };
    let meta_is_json = meta
        .header("content-type")
        .is_some_and(|ct| ct.split(';').next().unwrap_or("").trim().eq_ignore_ascii_case("application/json"));
    if !meta_is_json {
        return Err(GoogleError::bad_request(
            "The first part of a multipart upload must be the JSON metadata.",
        )
        .into());
    }
    check_object_size(media.body.len(), limit)?;
    let (patch, parents) = parse_metadata(&meta.body, creating)?;
    let key = p.space(Provider::Google);
    let mut patch = patch;
    if let Some(id) = file_id {
        apply_parent_params(&mut st, &key, req, id, &mut patch)?;
    }
    let media_mime = media.header("content-type").map(str::to_owned);
    let id = store_content(&mut st, &key, file_id, patch, parents, media.body.clone(), media_mime)?;
    Ok(respond_file(&st, &key, &id, &sel, req, StatusCode::OK))
}

fn media_upload(
    shared: &Shared,
    req: &Req,
    file_id: Option<&str>,
    _creating: bool,
) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
    check_object_size(req.body.len(), st.limits.max_object_bytes)?;
    let key = p.space(Provider::Google);
    let mime = req.header("content-type").map(str::to_owned);
    // A media-only create has no parents, so it lands in My Drive (not writable here).
    let id = store_content(&mut st, &key, file_id, MetadataPatch::default(), None, req.body.clone(), mime)?;
    Ok(respond_file(&st, &key, &id, &sel, req, StatusCode::OK))
}

fn resumable_start(
    shared: &Shared,
    req: &Req,
    file_id: Option<String>,
    creating: bool,
) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    // Validate `fields` now so the final answer cannot fail on it.
    selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
    let limit = st.limits.max_object_bytes;
    let declared = match req.header("x-upload-content-length") {
        None => None,
        Some(v) => Some(
            v.trim()
                .parse::<u64>()
                .map_err(|_| GoogleError::bad_request("Invalid X-Upload-Content-Length."))?,
        ),
    };
    if declared.is_some_and(|d| d > limit) {
        return Err(GoogleError::upload_too_large(limit).into());
    }
    let (mut patch, parents) = parse_metadata(&req.body, creating)?;
    let key = p.space(Provider::Google);
    let target = match &file_id {
        None => {
            patch.parents = Some(resolve_parents(&mut st, &key, parents)?);
            check_property_count(&BTreeMap::new(), &patch.app_properties, "appProperties")?;
            if let Some(d) = declared {
                st.check_capacity(Provider::Google, &p.account, d, 0, 1).map_err(|e| capacity_error(&e))?;
            }
            UploadTarget::Create(patch)
        }
        Some(id) => {
            if is_app_folder(&st, &key, id) {
                return Err(GoogleError::app_data_method_not_supported().into());
            }
            let old = ensure_file_exists(&st, &key, id)?;
            apply_parent_params(&mut st, &key, req, id, &mut patch)?;
            check_existing_props(&st, &key, id, &patch)?;
            if let Some(d) = declared {
                st.check_capacity(Provider::Google, &p.account, d, old, 0).map_err(|e| capacity_error(&e))?;
            }
            UploadTarget::Update { file_id: id.clone(), patch }
        }
    };
    st.expire_uploads();
    if st.uploads.len() >= st.limits.max_upload_sessions {
        return Err(GoogleError::new(429, "rateLimitExceeded", "Rate Limit Exceeded").into());
    }
    let upload_id = random_token("AEnB2U", 64).map_err(|_| GoogleError::backend_error())?;
    let now = st.now_ms();
    st.uploads.insert(
        upload_id.clone(),
        UploadSession {
            space: key,
            target,
            declared_total: declared,
            content_type: req.header("x-upload-content-type").map(str::to_owned),
            data: Vec::new(),
            created_ms: now,
            finished_file: None,
            fields: req.param("fields").map(str::to_owned),
            server_id: String::new(),
        },
    );
    let path = match &file_id {
        None => "/upload/drive/v3/files".to_owned(),
        Some(id) => format!("/upload/drive/v3/files/{id}"),
    };
    let location = format!("{}{path}?uploadType=resumable&upload_id={upload_id}", req.base_url);
    let mut resp = empty(StatusCode::OK);
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    if let Ok(v) = HeaderValue::from_str(&upload_id) {
        resp.headers_mut().insert("x-guploader-uploadid", v);
    }
    Ok(tag(resp, &p.account))
}

fn session_request(shared: &Shared, req: &Req, upload_id: &str) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    st.expire_uploads();
    let Some(session) = st.uploads.get(upload_id) else {
        return Err(GoogleError::new(404, "notFound", "Not Found").into());
    };
    if session.space.provider != Provider::Google {
        return Err(GoogleError::new(404, "notFound", "Not Found").into());
    }
    let key = session.space.clone();
    let fields_text = req.param("fields").map(str::to_owned).or_else(|| session.fields.clone());
    match req.method {
        Method::PUT => {}
        Method::DELETE => {
            st.upload_drop(upload_id);
            let mut resp = empty(StatusCode::from_u16(499).unwrap_or(StatusCode::BAD_REQUEST));
            resp.extensions_mut().insert(LoggedAccount(key.account));
            return Ok(resp);
        }
        _ => return Err(method_not_allowed(Personality::Google)),
    }
    let sel = {
        let text = fields_text.as_deref().filter(|f| !f.trim().is_empty()).unwrap_or(DEFAULT_FILE_FIELDS);
        let sel = fields::parse(text).map_err(|bad| GoogleError::invalid_field_selection(&bad))?;
        fields::validate(&sel, &FILE_SCHEMA).map_err(|bad| GoogleError::invalid_field_selection(&bad))?;
        sel
    };
    let range = parse_content_range(req.header("content-range"))
        .map_err(|()| GoogleError::bad_request("Invalid Content-Range header."))?;
    let limit = st.limits.max_object_bytes;
    let strict = st.settings.strict_chunk_alignment;
    let outcome =
        st.upload_put(upload_id, range, &req.body, limit, strict).map_err(|e| chunk_error(&e, limit))?;
    match outcome {
        PutOutcome::Incomplete { received } => {
            let mut resp = empty(StatusCode::PERMANENT_REDIRECT);
            if let Some(r) = range_header(received).and_then(|r| HeaderValue::from_str(&r).ok()) {
                resp.headers_mut().insert(header::RANGE, r);
            }
            Ok(tag(resp, &key.account))
        }
        PutOutcome::AlreadyFinished(id) => {
            if ensure_file_exists(&st, &key, &id).is_err() {
                return Err(GoogleError::file_not_found(&id).into());
            }
            Ok(respond_file(&st, &key, &id, &sel, req, StatusCode::OK))
        }
        PutOutcome::Complete => {
            let data = st.upload_take_data(upload_id).unwrap_or_default();
            let Some(session) = st.uploads.get(upload_id) else {
                return Err(GoogleError::new(404, "notFound", "Not Found").into());
            };
            let target = session.target.clone();
            let mime = session.content_type.clone();
            let result = match target {
                UploadTarget::Create(patch) => {
                    let parents = patch.parents.clone();
                    store_content(&mut st, &key, None, patch, parents, data, mime)
                }
                UploadTarget::Update { file_id, patch } => {
                    store_content(&mut st, &key, Some(&file_id), patch, None, data, mime)
                }
            };
            match result {
                Ok(id) => {
                    if let Some(s) = st.uploads.get_mut(upload_id) {
                        s.finished_file = Some(id.clone());
                    }
                    Ok(respond_file(&st, &key, &id, &sel, req, StatusCode::OK))
                }
                Err(e) => {
                    st.upload_drop(upload_id);
                    Err(e.into())
                }
            }
        }
    }
}

fn chunk_error(e: &ChunkError, limit: u64) -> GoogleError {
    match e {
        ChunkError::UnknownSession => GoogleError::new(404, "notFound", "Not Found"),
        ChunkError::BadRange(msg) => GoogleError::bad_request(*msg),
        ChunkError::TooLarge => GoogleError::upload_too_large(limit),
        ChunkError::BadChunkSize { received_in_request } => GoogleError::bad_request(format!(
            "Invalid request. The number of bytes uploaded is required to be equal or greater than {}, except for the final request (it's recommended to be the exact multiple of {}). The received request contained {} bytes, which does not meet this requirement.",
            upload::CHUNK_GRANULARITY,
            upload::CHUNK_GRANULARITY,
            received_in_request
        )),
        ChunkError::MemoryFull => GoogleError::storage_quota_exceeded(),
    }
}
