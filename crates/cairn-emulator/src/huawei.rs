//! Huawei Drive Kit v1 REST, `applicationData` container: Files.list/get/create/update/delete,
//! multipart, content and resumable (`uploadType=resume`) uploads, `form=content` downloads,
//! About.get, and the result codes of cloud-apis.md §3.4. The user's `drive` container is not
//! modelled: it lists as empty and cannot be written with an app-data token.

use std::collections::BTreeMap;

use axum::http::{HeaderValue, Method, StatusCode, header};
use bytes::Bytes;
use serde_json::{Map, Value, json};

use crate::clock::format_rfc3339;
use crate::drive::media_response;
use crate::errors::{ApiError, HttpResponse, HuaweiError, json_response};
use crate::fields::{self, Schema, Selection};
use crate::http::{LoggedAccount, Personality, Req, Shared, empty, method_not_allowed};
use crate::ids::random_token;
use crate::listing::{self, decode_token, encode_token, fingerprint, paginate, parse_order};
use crate::multipart;
use crate::query::{self, Candidate, Dialect};
use crate::state::{
    CapacityError, FileEntry, HUAWEI_APPDATA_SCOPE, HUAWEI_DRIVE_SCOPE, HUAWEI_FOLDER_MIME, MetadataPatch,
    Principal, Provider, SpaceKey, State, UploadSession, UploadTarget,
};
use crate::upload::{ChunkError, PutOutcome, parse_content_range, range_header};

const ALIAS: &str = "applicationData";
const DEFAULT_FILE_FIELDS: &str = "category,id,fileName,mimeType";
const DEFAULT_LIST_FIELDS: &str = "category,nextCursor,nextPageToken,files(category,id,fileName,mimeType)";
/// Items per page never exceed this, whatever `pageSize` asks (the old doc's 1–100 range).
const PAGE_CAP: usize = 100;
const MAX_FILE_NAME_CHARS: usize = 250;
/// Suggested chunk size returned by the resumable initiation.
const SLICE_SIZE: u64 = 4 * 256 * 1024;

static OPEN: Schema = Schema::Open;
static FILE_SCHEMA: Schema = Schema::Object(&[
    ("category", &OPEN),
    ("id", &OPEN),
    ("fileName", &OPEN),
    ("originalFilename", &OPEN),
    ("description", &OPEN),
    ("mimeType", &OPEN),
    ("size", &OPEN),
    ("sha256", &OPEN),
    ("createdTime", &OPEN),
    ("editedTime", &OPEN),
    ("editedByMeTime", &OPEN),
    ("parentFolder", &OPEN),
    ("owners", &OPEN),
    ("lastEditor", &OPEN),
    ("permissions", &OPEN),
    ("permissionIds", &OPEN),
    ("capabilities", &OPEN),
    ("ownedByMe", &OPEN),
    ("editedByMe", &OPEN),
    ("viewedByMe", &OPEN),
    ("hasShared", &OPEN),
    ("recycled", &OPEN),
    ("directlyRecycled", &OPEN),
    ("favorite", &OPEN),
    ("existThumbnail", &OPEN),
    ("thumbnailVersion", &OPEN),
    ("iconDownloadLink", &OPEN),
    ("contentDownloadLink", &OPEN),
    ("contentVersion", &OPEN),
    ("lastHistoryVersionId", &OPEN),
    ("occupiedSpace", &OPEN),
    ("version", &OPEN),
    ("writersHasSharePermission", &OPEN),
    ("writerHasCopyPermission", &OPEN),
    ("containers", &OPEN),
    ("properties", &OPEN),
    ("appSettings", &OPEN),
    ("contentExtras", &OPEN),
]);
static LIST_SCHEMA: Schema = Schema::Object(&[
    ("category", &OPEN),
    ("nextCursor", &OPEN),
    ("nextPageToken", &OPEN),
    ("files", &FILE_SCHEMA),
]);
static QUOTA_SCHEMA: Schema = Schema::Object(&[("userCapacity", &OPEN), ("usedSpace", &OPEN)]);
static ABOUT_SCHEMA: Schema = Schema::Object(&[
    ("category", &OPEN),
    ("user", &OPEN),
    ("storageQuota", &QUOTA_SCHEMA),
    ("maxThumbnailSize", &OPEN),
    ("maxFileUploadSize", &OPEN),
    ("needUpdate", &OPEN),
    ("updateUrl", &OPEN),
    ("domain", &OPEN),
    ("folderLevel", &OPEN),
]);

fn selection(req: &Req, schema: &Schema, default: &str) -> Result<Selection, HuaweiError> {
    let text = req.param("fields").filter(|f| !f.trim().is_empty()).unwrap_or(default);
    let bad = |what: String| HuaweiError::code(4002).with_description(format!("Invalid fields: {what}"));
    let sel = fields::parse(text).map_err(bad)?;
    fields::validate(&sel, schema).map_err(bad)?;
    Ok(sel)
}

fn authenticate(st: &State, req: &Req) -> Result<Principal, HuaweiError> {
    let token = req.bearer().ok_or_else(|| HuaweiError::code(4011))?;
    let p = st.principal(Provider::Huawei, token).ok_or_else(|| HuaweiError::code(4011))?;
    let account = st.accounts.get(&p.account).ok_or_else(|| HuaweiError::code(4011))?;
    if !account.huawei_region_supported {
        return Err(HuaweiError::code(4032));
    }
    if !account.huawei_agreement_signed {
        return Err(HuaweiError::code(4033));
    }
    if !(p.has_scope(HUAWEI_APPDATA_SCOPE) || p.has_scope(HUAWEI_DRIVE_SCOPE)) {
        return Err(HuaweiError::code(4035));
    }
    Ok(p)
}

fn tag(mut resp: HttpResponse, account: &str) -> HttpResponse {
    resp.extensions_mut().insert(LoggedAccount(account.to_owned()));
    resp
}

fn capacity_error(_: &CapacityError) -> HuaweiError {
    HuaweiError::code(4039)
}

fn file_json(f: &FileEntry) -> Value {
    let mut m = Map::new();
    m.insert("category".into(), json!("drive#file"));
    m.insert("id".into(), json!(f.id));
    m.insert("fileName".into(), json!(f.name));
    m.insert("mimeType".into(), json!(f.mime_type));
    m.insert("parentFolder".into(), json!(f.parents));
    m.insert("containers".into(), json!([ALIAS]));
    m.insert("createdTime".into(), json!(format_rfc3339(f.created_ms)));
    m.insert("editedTime".into(), json!(format_rfc3339(f.modified_ms)));
    m.insert("editedByMeTime".into(), json!(format_rfc3339(f.modified_ms)));
    m.insert("version".into(), json!(f.version));
    m.insert("recycled".into(), json!(f.trashed));
    m.insert("directlyRecycled".into(), json!(f.directly_trashed));
    m.insert("favorite".into(), json!(f.starred));
    m.insert("ownedByMe".into(), json!(true));
    m.insert("editedByMe".into(), json!(true));
    m.insert("viewedByMe".into(), json!(true));
    m.insert("hasShared".into(), json!(false));
    m.insert("existThumbnail".into(), json!(false));
    m.insert("thumbnailVersion".into(), json!(0));
    m.insert("writersHasSharePermission".into(), json!(false));
    m.insert("writerHasCopyPermission".into(), json!(true));
    if !f.app_properties.is_empty() {
        m.insert("appSettings".into(), json!(f.app_properties));
    }
    if !f.properties.is_empty() {
        m.insert("properties".into(), json!(f.properties));
    }
    if let Some(d) = &f.description {
        m.insert("description".into(), json!(d));
    }
    if let Some(blob) = &f.content {
        m.insert("size".into(), json!(blob.size));
        m.insert("occupiedSpace".into(), json!(blob.size));
        m.insert("sha256".into(), json!(blob.sha256));
        m.insert("originalFilename".into(), json!(f.name));
        if let Some(rev) = &f.head_revision_id {
            m.insert("contentVersion".into(), json!(rev));
        }
    }
    Value::Object(m)
}

fn folder_json(folder_id: &str) -> Value {
    json!({
        "category": "drive#file",
        "id": folder_id,
        "fileName": ALIAS,
        "mimeType": HUAWEI_FOLDER_MIME,
        "containers": [ALIAS],
        "recycled": false,
        "ownedByMe": true,
    })
}

fn respond_file(st: &State, key: &SpaceKey, id: &str, sel: &Selection, req: &Req) -> HttpResponse {
    let value = st.spaces.get(key).and_then(|s| s.files.get(id)).map_or_else(|| json!({}), file_json);
    tag(json_response(StatusCode::OK, &fields::project(&value, sel), req.pretty), &key.account)
}

fn is_app_folder(st: &State, key: &SpaceKey, id: &str) -> bool {
    id == ALIAS || st.spaces.get(key).is_some_and(|s| s.folder_id == id)
}

fn invalid(description: impl Into<String>) -> HuaweiError {
    HuaweiError::code(4002).with_description(description)
}

fn check_file_name(name: &str) -> Result<(), HuaweiError> {
    let bad = name.trim().is_empty()
        || name == "."
        || name == ".."
        || name.chars().count() > MAX_FILE_NAME_CHARS
        || name.chars().any(|c| "<>|:\"*?/\\".contains(c) || c.is_control());
    if bad {
        return Err(HuaweiError::code(4007).with_description(
            "The fileName can not be blank and can not contain '<>|:\"*?/\\', cannot equal .. or . and not exceed max limit.",
        ));
    }
    Ok(())
}

fn parse_settings(
    v: &Value,
    field: &str,
    out: &mut BTreeMap<String, Option<String>>,
) -> Result<(), HuaweiError> {
    match v {
        Value::Null => Ok(()),
        Value::Object(map) => {
            if map.len() > 100 {
                return Err(HuaweiError::code(4008).with_description(format!("Too many {field}.")));
            }
            for (k, val) in map {
                let value = match val {
                    Value::Null => None,
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    Value::Bool(b) => Some(b.to_string()),
                    _ => return Err(invalid(format!("Invalid value in {field}."))),
                };
                if k.is_empty() || k.len() > 128 || value.as_ref().is_some_and(|v| v.len() > 1024) {
                    return Err(
                        HuaweiError::code(4008).with_description(format!("A {field} entry is too long."))
                    );
                }
                out.insert(k.clone(), value);
            }
            Ok(())
        }
        _ => Err(invalid(format!("Invalid {field}."))),
    }
}

/// Parsed metadata: the patch, raw parents, add/remove parent lists and `autoRename`.
struct Metadata {
    patch: MetadataPatch,
    parents: Option<Vec<String>>,
    add_parents: Vec<String>,
    remove_parents: Vec<String>,
    auto_rename: Option<i64>,
}

fn string_list(v: &Value, field: &str) -> Result<Vec<String>, HuaweiError> {
    let list = v.as_array().ok_or_else(|| invalid(format!("Invalid {field}.")))?;
    list.iter()
        .map(|p| p.as_str().map(str::to_owned).ok_or_else(|| invalid(format!("Invalid {field}."))))
        .collect()
}

fn parse_metadata(body: &[u8]) -> Result<Metadata, HuaweiError> {
    let mut md = Metadata {
        patch: MetadataPatch::default(),
        parents: None,
        add_parents: Vec::new(),
        remove_parents: Vec::new(),
        auto_rename: None,
    };
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(md);
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|_| invalid("The request body is not valid JSON."))?;
    let obj = v.as_object().ok_or_else(|| invalid("The request body is not a JSON object."))?;
    for (k, val) in obj {
        match k.as_str() {
            "fileName" => {
                let name = val.as_str().ok_or_else(|| invalid("Invalid fileName."))?;
                check_file_name(name)?;
                md.patch.name = Some(name.to_owned());
            }
            "mimeType" => {
                md.patch.mime_type =
                    Some(val.as_str().ok_or_else(|| invalid("Invalid mimeType."))?.to_owned())
            }
            "description" => {
                md.patch.description =
                    Some(val.as_str().ok_or_else(|| invalid("Invalid description."))?.to_owned());
            }
            "favorite" => md.patch.starred = Some(val.as_bool().ok_or_else(|| invalid("Invalid favorite."))?),
            "recycled" => md.patch.trashed = Some(val.as_bool().ok_or_else(|| invalid("Invalid recycled."))?),
            "appSettings" => parse_settings(val, k, &mut md.patch.app_properties)?,
            "properties" => parse_settings(val, k, &mut md.patch.properties)?,
            "parentFolder" => md.parents = Some(string_list(val, k)?),
            "addParentFolder" => md.add_parents = string_list(val, k)?,
            "removeParentFolder" => md.remove_parents = string_list(val, k)?,
            "autoRename" => {
                md.auto_rename = Some(val.as_i64().ok_or_else(|| invalid("Invalid autoRename."))?)
            }
            // createdTime / editedTime are accepted and ignored: the server always uses its own
            // clock (rclone observed this); everything else is ignored too.
            _ => {}
        }
    }
    Ok(md)
}

fn resolve_parents(
    st: &mut State,
    key: &SpaceKey,
    parents: Option<Vec<String>>,
) -> Result<Vec<String>, HuaweiError> {
    let folder_id = st.space_mut(key).folder_id.clone();
    let Some(parents) = parents.filter(|p| !p.is_empty()) else {
        // The drive container is not writable with an app-data token.
        return Err(HuaweiError::code(4035));
    };
    if parents.len() > 1 {
        return Err(invalid("Only one parentFolder is allowed."));
    }
    let mut out = Vec::new();
    for p in parents {
        if p == ALIAS || p == folder_id {
            out.push(folder_id.clone());
        } else {
            match st.spaces.get(key).and_then(|s| s.files.get(&p)) {
                Some(f) if f.is_folder() && !f.trashed => out.push(p),
                Some(f) if f.trashed => {
                    return Err(
                        HuaweiError::code(4906).with_description("The parent folder is in the recycle bin.")
                    );
                }
                _ => return Err(HuaweiError::code(4009)),
            }
        }
    }
    Ok(out)
}

fn check_duplicate(
    st: &State,
    key: &SpaceKey,
    md: &Metadata,
    parents: &[String],
    except: Option<&str>,
) -> Result<(), HuaweiError> {
    if md.auto_rename != Some(3) {
        return Ok(());
    }
    let Some(name) = &md.patch.name else { return Ok(()) };
    let clash = st.spaces.get(key).is_some_and(|s| {
        s.files.values().any(|f| {
            &f.name == name && Some(f.id.as_str()) != except && f.parents.iter().any(|p| parents.contains(p))
        })
    });
    if clash { Err(HuaweiError::code(4014)) } else { Ok(()) }
}

// ---------------------------------------------------------------------------------------------
// /drive/v1/files

pub(crate) fn files_root(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    match req.method {
        Method::GET => list(shared, &req),
        Method::POST => create_metadata_only(shared, &req),
        _ => Err(method_not_allowed(Personality::Huawei)),
    }
}

fn list(shared: &Shared, req: &Req) -> Result<HttpResponse, ApiError> {
    let st = shared.state();
    let p = authenticate(&st, req)?;
    let sel = selection(req, &LIST_SCHEMA, DEFAULT_LIST_FIELDS)?;
    let page_size = match req.param("pageSize") {
        None => PAGE_CAP,
        Some(s) => s
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=1000).contains(n))
            .ok_or_else(|| invalid("pageSize must be between 1 and 1000."))?,
    }
    .min(PAGE_CAP);
    let containers = req.param("containers").unwrap_or("drive");
    let mut wants_app = false;
    for c in containers.split(',').map(str::trim) {
        match c {
            "applicationData" => wants_app = true,
            "drive" => {}
            _ => return Err(invalid("Invalid containers.").into()),
        }
    }
    let q_text = req.param("queryParam").unwrap_or("");
    let query = if q_text.trim().is_empty() {
        None
    } else {
        Some(query::parse(q_text, Dialect::Huawei).map_err(|_| invalid("Invalid queryParam."))?)
    };
    let order_text = req.param("orderBy").unwrap_or("");
    let order = parse_order(Some(order_text), Dialect::Huawei).map_err(|()| invalid("Invalid orderBy."))?;
    let key = p.space(Provider::Huawei);
    let email = st.accounts.get(&p.account).map_or("", |a| a.email.as_str());
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
                        trashed: f.trashed,
                        directly_trashed: f.directly_trashed,
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
    let fp = fingerprint(&["huawei", &p.account, &p.client_id, q_text, order_text, containers]);
    let used_page_token = req.param("pageToken").is_some_and(|t| !t.is_empty());
    let cursor_text = req
        .param("cursor")
        .filter(|t| !t.is_empty())
        .or_else(|| req.param("pageToken").filter(|t| !t.is_empty()));
    let now = st.now_ms();
    let token = match cursor_text {
        None => None,
        Some(t) => {
            let tok = decode_token(t, fp).map_err(|()| invalid("Invalid cursor."))?;
            let ttl =
                i64::try_from(st.settings.huawei_cursor_ttl_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
            if now.saturating_sub(tok.issued_ms) > ttl {
                return Err(HuaweiError::code(4100).into());
            }
            Some(tok)
        }
    };
    let (range, next) = paginate(items.len(), token, page_size, &st.settings, now);
    let files: Vec<Value> = items.get(range).unwrap_or(&[]).iter().map(|f| file_json(f)).collect();
    let mut out = json!({"category": "drive#fileList", "files": files});
    if let (Some(next), Some(obj)) = (next, out.as_object_mut()) {
        let token = encode_token(next, fp);
        obj.insert("nextCursor".into(), json!(token));
        if used_page_token {
            obj.insert("nextPageToken".into(), json!(token));
        }
    }
    Ok(tag(json_response(StatusCode::OK, &fields::project(&out, &sel), req.pretty), &p.account))
}

fn create_metadata_only(shared: &Shared, req: &Req) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
    let mut md = parse_metadata(&req.body)?;
    if md.patch.name.is_none() {
        return Err(HuaweiError::code(4001).with_description("fileName is required.").into());
    }
    let key = p.space(Provider::Huawei);
    let parents = resolve_parents(&mut st, &key, md.parents.take())?;
    check_duplicate(&st, &key, &md, &parents, None)?;
    md.patch.parents = Some(parents);
    st.check_capacity(Provider::Huawei, &p.account, 0, 0, 1).map_err(|e| capacity_error(&e))?;
    let id = st.create_file(&key, md.patch, None);
    Ok(respond_file(&st, &key, &id, &sel, req))
}

// ---------------------------------------------------------------------------------------------
// /drive/v1/files/{fileId}

pub(crate) fn file_item(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    let id = req.tail("/drive/v1/files/");
    match req.method {
        Method::GET => get(shared, &req, &id),
        Method::PATCH => update_metadata(shared, &req, &id),
        Method::DELETE => delete(shared, &req, &id),
        _ => Err(method_not_allowed(Personality::Huawei)),
    }
}

fn get(shared: &Shared, req: &Req, id: &str) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let key = p.space(Provider::Huawei);
    let content = match req.param("form") {
        None | Some("json") => false,
        Some("content") => true,
        Some(_) => return Err(invalid("Invalid form.").into()),
    };
    if is_app_folder(&st, &key, id) {
        if content {
            return Err(invalid("A folder has no content.").into());
        }
        let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
        let folder_id = st.space_mut(&key).folder_id.clone();
        return Ok(tag(
            json_response(StatusCode::OK, &fields::project(&folder_json(&folder_id), &sel), req.pretty),
            &p.account,
        ));
    }
    let file = st.spaces.get(&key).and_then(|s| s.files.get(id)).ok_or_else(|| HuaweiError::not_found(id))?;
    if !content {
        let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
        return Ok(respond_file(&st, &key, id, &sel, req));
    }
    let blob = file.content.as_ref().ok_or_else(|| invalid("A folder has no content."))?;
    Ok(tag(media_response(&blob.bytes, &file.mime_type, req.header("range")), &p.account))
}

fn parent_moves(
    st: &mut State,
    key: &SpaceKey,
    md: &Metadata,
    id: &str,
) -> Result<(Vec<String>, Vec<String>), HuaweiError> {
    if md.add_parents.is_empty() && md.remove_parents.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let folder_id = st.space_mut(key).folder_id.clone();
    let add = if md.add_parents.is_empty() {
        Vec::new()
    } else {
        resolve_parents(st, key, Some(md.add_parents.clone()))?
    };
    let remove: Vec<String> =
        md.remove_parents.iter().map(|p| if p == ALIAS { folder_id.clone() } else { p.clone() }).collect();
    let current =
        st.spaces.get(key).and_then(|s| s.files.get(id)).map(|f| f.parents.clone()).unwrap_or_default();
    let remaining = current.iter().filter(|p| !remove.contains(p)).count() + add.len();
    if remaining != 1 {
        return Err(invalid("A file must have exactly one parentFolder."));
    }
    Ok((add, remove))
}

fn update_metadata(shared: &Shared, req: &Req, id: &str) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let key = p.space(Provider::Huawei);
    let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
    let md = parse_metadata(&req.body)?;
    if is_app_folder(&st, &key, id) {
        return Err(HuaweiError::code(4036).into());
    }
    let parents = st
        .spaces
        .get(&key)
        .and_then(|s| s.files.get(id))
        .map(|f| f.parents.clone())
        .ok_or_else(|| HuaweiError::not_found(id))?;
    check_duplicate(&st, &key, &md, &parents, Some(id))?;
    let (add, remove) = parent_moves(&mut st, &key, &md, id)?;
    let mut patch = md.patch;
    patch.add_parents = add;
    patch.remove_parents = remove;
    st.update_file(&key, id, &patch, None);
    Ok(respond_file(&st, &key, id, &sel, req))
}

fn delete(shared: &Shared, req: &Req, id: &str) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let key = p.space(Provider::Huawei);
    if is_app_folder(&st, &key, id) {
        return Err(HuaweiError::code(4036).into());
    }
    if !st.delete_file(&key, id) {
        return Err(HuaweiError::not_found(id).into());
    }
    Ok(tag(empty(StatusCode::NO_CONTENT), &p.account))
}

// ---------------------------------------------------------------------------------------------
// /drive/v1/about

pub(crate) fn about(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    if req.method != Method::GET {
        return Err(method_not_allowed(Personality::Huawei));
    }
    let st = shared.state();
    let p = authenticate(&st, &req)?;
    if req.param("fields").is_none_or(|f| f.trim().is_empty()) {
        return Err(HuaweiError::code(4001).with_description("fields is required.").into());
    }
    let sel = selection(&req, &ABOUT_SCHEMA, "*")?;
    let account = st.accounts.get(&p.account).ok_or_else(|| HuaweiError::code(4011))?;
    let used = account.huawei_quota.other_usage.saturating_add(st.app_usage(Provider::Huawei, &p.account));
    let capacity = account.huawei_quota.limit.unwrap_or(u64::MAX);
    let domain = req.base_url.split_once("://").map_or(req.base_url.as_str(), |(_, host)| host);
    let value = json!({
        "category": "drive#about",
        "user": {
            "category": "drive#user",
            "displayName": account.display_name,
            "me": true,
            "permissionId": account.permission_id,
            "userAccount": account.email,
        },
        "storageQuota": {"userCapacity": capacity.to_string(), "usedSpace": used.to_string()},
        "maxFileUploadSize": st.limits.max_object_bytes.to_string(),
        "maxThumbnailSize": 0,
        "needUpdate": false,
        "domain": domain,
        "folderLevel": 64,
    });
    Ok(tag(json_response(StatusCode::OK, &fields::project(&value, &sel), req.pretty), &p.account))
}

// ---------------------------------------------------------------------------------------------
// /upload/drive/v1/files[/{fileId}] and /upload/drive/v1/{serverId}/files

pub(crate) fn upload_root(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    if req.method != Method::POST {
        return Err(method_not_allowed(Personality::Huawei));
    }
    upload(shared, &req, None)
}

pub(crate) fn upload_item(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    if req.method != Method::PUT && req.method != Method::PATCH {
        return Err(method_not_allowed(Personality::Huawei));
    }
    let id = req.tail("/upload/drive/v1/files/");
    upload(shared, &req, Some(&id))
}

fn upload(shared: &Shared, req: &Req, file_id: Option<&str>) -> Result<HttpResponse, ApiError> {
    match req.param("uploadType") {
        Some("multipart") => multipart_upload(shared, req, file_id),
        Some("content") => content_upload(shared, req, file_id),
        Some("resume") => resume_start(shared, req, file_id),
        None => Err(HuaweiError::code(4001).with_description("uploadType is required.").into()),
        Some(_) => Err(invalid("Invalid uploadType.").into()),
    }
}

fn store_content(
    st: &mut State,
    key: &SpaceKey,
    file_id: Option<&str>,
    mut md: Metadata,
    content: Bytes,
    media_mime: Option<String>,
) -> Result<String, HuaweiError> {
    let len = u64::try_from(content.len()).unwrap_or(u64::MAX);
    match file_id {
        None => {
            if md.patch.name.is_none() {
                return Err(HuaweiError::code(4001).with_description("fileName is required."));
            }
            let parents = resolve_parents(st, key, md.parents.take())?;
            check_duplicate(st, key, &md, &parents, None)?;
            md.patch.parents = Some(parents);
            if md.patch.mime_type.is_none() {
                md.patch.mime_type = media_mime.filter(|m| !m.is_empty());
            }
            st.check_capacity(Provider::Huawei, &key.account, len, 0, 1).map_err(|e| capacity_error(&e))?;
            Ok(st.create_file(key, md.patch, Some(content)))
        }
        Some(id) => {
            if is_app_folder(st, key, id) {
                return Err(HuaweiError::code(4036));
            }
            let (old, parents, is_folder) = st
                .spaces
                .get(key)
                .and_then(|s| s.files.get(id))
                .map(|f| (f.size(), f.parents.clone(), f.is_folder()))
                .ok_or_else(|| HuaweiError::not_found(id))?;
            if is_folder {
                return Err(invalid("A folder has no content."));
            }
            check_duplicate(st, key, &md, &parents, Some(id))?;
            let (add, remove) = parent_moves(st, key, &md, id)?;
            md.patch.add_parents = add;
            md.patch.remove_parents = remove;
            st.check_capacity(Provider::Huawei, &key.account, len, old, 0).map_err(|e| capacity_error(&e))?;
            st.update_file(key, id, &md.patch, Some(content));
            Ok(id.to_owned())
        }
    }
}

fn too_large(limit: u64) -> HuaweiError {
    HuaweiError::code(4008)
        .with_description(format!("The file exceeds this emulator's limit of {limit} bytes."))
}

fn multipart_upload(shared: &Shared, req: &Req, file_id: Option<&str>) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
    let limit = st.limits.max_object_bytes;
    let parts = multipart::parse(req.header("content-type").unwrap_or(""), &req.body)
        .map_err(|e| invalid(e.message()))?;
    let [meta, media] = parts.as_slice() else {
        return Err(invalid("A multipart upload needs exactly two parts: metadata, then content.").into());
    };
    if !meta.header("content-type").is_some_and(|ct| ct.to_ascii_lowercase().starts_with("application/json"))
    {
        return Err(invalid("The first part must be the JSON metadata.").into());
    }
    if u64::try_from(media.body.len()).unwrap_or(u64::MAX) > limit {
        return Err(too_large(limit).into());
    }
    let md = parse_metadata(&meta.body)?;
    let key = p.space(Provider::Huawei);
    let media_mime = media.header("content-type").map(str::to_owned);
    let id = store_content(&mut st, &key, file_id, md, media.body.clone(), media_mime)?;
    Ok(respond_file(&st, &key, &id, &sel, req))
}

fn content_upload(shared: &Shared, req: &Req, file_id: Option<&str>) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    let sel = selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
    let limit = st.limits.max_object_bytes;
    if u64::try_from(req.body.len()).unwrap_or(u64::MAX) > limit {
        return Err(too_large(limit).into());
    }
    let key = p.space(Provider::Huawei);
    let md = Metadata {
        patch: MetadataPatch {
            name: file_id.is_none().then(|| "Untitled".to_owned()),
            ..MetadataPatch::default()
        },
        parents: None,
        add_parents: Vec::new(),
        remove_parents: Vec::new(),
        auto_rename: None,
    };
    let mime = req.header("content-type").map(str::to_owned);
    let id = store_content(&mut st, &key, file_id, md, req.body.clone(), mime)?;
    Ok(respond_file(&st, &key, &id, &sel, req))
}

fn resume_start(shared: &Shared, req: &Req, file_id: Option<&str>) -> Result<HttpResponse, ApiError> {
    let mut st = shared.state();
    let p = authenticate(&st, req)?;
    selection(req, &FILE_SCHEMA, DEFAULT_FILE_FIELDS)?;
    let limit = st.limits.max_object_bytes;
    let declared = match req.header("x-upload-content-length") {
        None => None,
        Some(v) => Some(v.trim().parse::<u64>().map_err(|_| invalid("Invalid X-Upload-Content-Length."))?),
    };
    if declared.is_some_and(|d| d > limit) {
        return Err(too_large(limit).into());
    }
    let mut md = parse_metadata(&req.body)?;
    let key = p.space(Provider::Huawei);
    let target = match file_id {
        None => {
            if md.patch.name.is_none() {
                return Err(HuaweiError::code(4001).with_description("fileName is required.").into());
            }
            let parents = resolve_parents(&mut st, &key, md.parents.take())?;
            check_duplicate(&st, &key, &md, &parents, None)?;
            md.patch.parents = Some(parents);
            if let Some(d) = declared {
                st.check_capacity(Provider::Huawei, &p.account, d, 0, 1).map_err(|e| capacity_error(&e))?;
            }
            UploadTarget::Create(md.patch)
        }
        Some(id) => {
            if is_app_folder(&st, &key, id) {
                return Err(HuaweiError::code(4036).into());
            }
            let old = st
                .spaces
                .get(&key)
                .and_then(|s| s.files.get(id))
                .map(FileEntry::size)
                .ok_or_else(|| HuaweiError::not_found(id))?;
            let (add, remove) = parent_moves(&mut st, &key, &md, id)?;
            md.patch.add_parents = add;
            md.patch.remove_parents = remove;
            if let Some(d) = declared {
                st.check_capacity(Provider::Huawei, &p.account, d, old, 0).map_err(|e| capacity_error(&e))?;
            }
            UploadTarget::Update { file_id: id.to_owned(), patch: md.patch }
        }
    };
    st.expire_uploads();
    if st.uploads.len() >= st.limits.max_upload_sessions {
        return Err(HuaweiError::code(4292).into());
    }
    let upload_id = random_token("", 48).map_err(|_| HuaweiError::code(5006))?;
    let server_id = st.ids.short(8);
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
            server_id: server_id.clone(),
        },
    );
    let location =
        format!("{}/upload/drive/v1/{server_id}/files?uploadType=resume&uploadId={upload_id}", req.base_url);
    let mut resp = json_response(StatusCode::OK, &json!({"sliceSize": SLICE_SIZE}), req.pretty);
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(tag(resp, &p.account))
}

/// `PUT /upload/drive/v1/{serverId}/files?uploadType=resume&uploadId=…`.
pub(crate) fn session(shared: &Shared, req: Req) -> Result<HttpResponse, ApiError> {
    let server_id = req.tail("/upload/drive/v1/").trim_end_matches("/files").to_owned();
    let expired = || HuaweiError::code(4004).with_description("The uploadId is invalid or has expired.");
    let Some(upload_id) = req.param("uploadId").map(str::to_owned) else {
        return Err(HuaweiError::code(4001).with_description("uploadId is required.").into());
    };
    let mut st = shared.state();
    st.expire_uploads();
    let Some(session) = st.uploads.get(&upload_id) else { return Err(expired().into()) };
    if session.space.provider != Provider::Huawei || session.server_id != server_id {
        return Err(expired().into());
    }
    let key = session.space.clone();
    let fields_text = req.param("fields").map(str::to_owned).or_else(|| session.fields.clone());
    if req.method == Method::DELETE {
        st.upload_drop(&upload_id);
        return Ok(tag(empty(StatusCode::NO_CONTENT), &key.account));
    }
    if req.method != Method::PUT {
        return Err(method_not_allowed(Personality::Huawei));
    }
    let sel = {
        let text = fields_text.as_deref().filter(|f| !f.trim().is_empty()).unwrap_or(DEFAULT_FILE_FIELDS);
        let bad = |what: String| invalid(format!("Invalid fields: {what}"));
        let sel = fields::parse(text).map_err(bad)?;
        fields::validate(&sel, &FILE_SCHEMA).map_err(bad)?;
        sel
    };
    let range =
        parse_content_range(req.header("content-range")).map_err(|()| invalid("Invalid Content-Range."))?;
    let limit = st.limits.max_object_bytes;
    let strict = st.settings.strict_chunk_alignment;
    let outcome = st.upload_put(&upload_id, range, &req.body, limit, strict).map_err(|e| match e {
        ChunkError::UnknownSession => expired(),
        ChunkError::BadRange(m) => invalid(m),
        ChunkError::TooLarge => too_large(limit),
        ChunkError::BadChunkSize { received_in_request } => invalid(format!(
            "A non-final chunk must be at least 262144 bytes; this one had {received_in_request}."
        )),
        ChunkError::MemoryFull => HuaweiError::code(4039),
    })?;
    match outcome {
        PutOutcome::Incomplete { received } => {
            let mut resp = empty(StatusCode::PERMANENT_REDIRECT);
            if let Some(r) = range_header(received).and_then(|r| HeaderValue::from_str(&r).ok()) {
                resp.headers_mut().insert(header::RANGE, r);
            }
            Ok(tag(resp, &key.account))
        }
        PutOutcome::AlreadyFinished(id) => {
            if !st.spaces.get(&key).is_some_and(|s| s.files.contains_key(&id)) {
                return Err(HuaweiError::not_found(&id).into());
            }
            Ok(respond_file(&st, &key, &id, &sel, &req))
        }
        PutOutcome::Complete => {
            let data = st.upload_take_data(&upload_id).unwrap_or_default();
            let Some(session) = st.uploads.get(&upload_id) else { return Err(expired().into()) };
            let mime = session.content_type.clone();
            let (file_id, md) = match session.target.clone() {
                UploadTarget::Create(patch) => (
                    None,
                    Metadata {
                        parents: patch.parents.clone(),
                        patch,
                        add_parents: Vec::new(),
                        remove_parents: Vec::new(),
                        auto_rename: None,
                    },
                ),
                UploadTarget::Update { file_id, patch } => (
                    Some(file_id),
                    Metadata {
                        parents: None,
                        patch,
                        add_parents: Vec::new(),
                        remove_parents: Vec::new(),
                        auto_rename: None,
                    },
                ),
            };
            match store_content(&mut st, &key, file_id.as_deref(), md, data, mime) {
                Ok(id) => {
                    if let Some(s) = st.uploads.get_mut(&upload_id) {
                        s.finished_file = Some(id.clone());
                    }
                    Ok(respond_file(&st, &key, &id, &sel, &req))
                }
                Err(e) => {
                    st.upload_drop(&upload_id);
                    Err(e.into())
                }
            }
        }
    }
}
