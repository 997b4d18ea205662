//! A folder on disk as a store: the desktop default, and a way to keep backups on a USB stick
//! or a synced folder.
//!
//! One file per object, named exactly like the object (names are validated to a portable,
//! traversal-free alphabet), holding a small header with the app properties followed by the
//! content. Metadata and content live in one file so a single `rename` replaces both at once.
//!
//! Writes are atomic and safe against concurrent writers, in this process or others: each
//! writer fills its own uniquely named temporary file in the same folder, flushes it to disk,
//! renames it over the target and flushes the folder. A reader sees the old object or the new
//! one, never a mix; with concurrent writers the last rename wins.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use crate::error::{CloudError, CorruptionDetail, NetworkErrorKind};
use crate::store::{
    AppProperties, CloudStore, MAX_OBJECT_BYTES, ObjectMeta, Quota, StoredObject, sha256_hex,
    validate_app_properties, validate_name, validate_put,
};

const MAGIC: &[u8; 10] = b"CAIRN-OBJ\x01";
/// Bound on the serialised app properties (30 × 124 bytes plus JSON punctuation fits easily).
const MAX_HEADER_JSON: usize = 16 * 1024;
const TEMP_PREFIX: &str = ".tmp-";
/// Temporary files older than this are leftovers of a crashed writer and get removed by `list`.
const STALE_TEMP_AGE: Duration = Duration::from_secs(3600);

/// Failure of the local store.
#[derive(Debug, thiserror::Error)]
pub enum LocalFolderError {
    /// The folder could not be created or opened.
    #[error("cannot use the folder: {0}")]
    Folder(#[source] io::Error),
}

/// Objects as files in one folder.
#[derive(Debug, Clone)]
pub struct LocalFolderStore {
    root: Arc<PathBuf>,
}

impl LocalFolderStore {
    /// Uses `root`, creating it (and its parents) if needed.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, LocalFolderError> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(LocalFolderError::Folder)?;
        if !root.is_dir() {
            return Err(LocalFolderError::Folder(io::Error::new(
                io::ErrorKind::NotADirectory,
                "not a folder",
            )));
        }
        Ok(LocalFolderStore { root: Arc::new(root) })
    }

    /// The folder this store writes to.
    pub fn root(&self) -> &Path {
        &self.root
    }

    async fn blocking<T, F>(&self, work: F) -> Result<T, CloudError>
    where
        F: FnOnce(&Path) -> Result<T, CloudError> + Send + 'static,
        T: Send + 'static,
    {
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || work(&root))
            .await
            .map_err(|_| CloudError::network(NetworkErrorKind::Interrupted))?
    }
}

/// I/O failures become `Network { Interrupted }` (retryable: a busy or briefly unavailable
/// disk), except a full disk, which is the local equivalent of a full cloud.
fn io_error(error: io::Error) -> CloudError {
    match error.kind() {
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => {
            CloudError::QuotaExceeded { used: None, limit: None }
        }
        io::ErrorKind::NotFound => CloudError::NotFound,
        _ => CloudError::network(NetworkErrorKind::Interrupted),
    }
}

fn bad_file() -> CloudError {
    CloudError::corrupted(CorruptionDetail::BadLocalFile)
}

fn encode(bytes: &[u8], properties: &AppProperties) -> Result<Vec<u8>, CloudError> {
    let json = serde_json::to_vec(properties).map_err(|_| bad_file())?;
    let json_len = u32::try_from(json.len()).map_err(|_| bad_file())?;
    let mut out = Vec::with_capacity(MAGIC.len() + 4 + json.len() + bytes.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&json_len.to_be_bytes());
    out.extend_from_slice(&json);
    out.extend_from_slice(bytes);
    Ok(out)
}

/// Splits a file into properties and content; `None` if it is not one of our object files.
fn decode(file: &[u8]) -> Option<(AppProperties, &[u8])> {
    let rest = file.strip_prefix(MAGIC.as_slice())?;
    let (len_bytes, rest) = rest.split_first_chunk::<4>()?;
    let json_len = usize::try_from(u32::from_be_bytes(*len_bytes)).ok()?;
    if json_len > MAX_HEADER_JSON || json_len > rest.len() {
        return None;
    }
    let (json, content) = rest.split_at(json_len);
    let properties: AppProperties = serde_json::from_slice(json).ok()?;
    validate_app_properties(&properties).ok()?;
    Some((properties, content))
}

/// Reads at most the largest legal object file, refusing anything bigger before reading it.
fn read_bounded(path: &Path) -> Result<(Vec<u8>, SystemTime), CloudError> {
    let limit = MAX_OBJECT_BYTES + (MAGIC.len() + 4 + MAX_HEADER_JSON) as u64;
    let file = File::open(path).map_err(io_error)?;
    let metadata = file.metadata().map_err(io_error)?;
    if !metadata.is_file() {
        return Err(bad_file());
    }
    if metadata.len() > limit {
        return Err(CloudError::corrupted(CorruptionDetail::BodyTooLarge));
    }
    let modified = metadata.modified().map_err(io_error)?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io_error)?;
    if bytes.len() as u64 > limit {
        return Err(CloudError::corrupted(CorruptionDetail::BodyTooLarge));
    }
    Ok((bytes, modified))
}

fn object_at(path: &Path, name: &str) -> Result<StoredObject, CloudError> {
    let (file, modified) = read_bounded(path)?;
    let (app_properties, content) = decode(&file).ok_or_else(bad_file)?;
    let digest = Sha256::digest(&file);
    let meta = ObjectMeta {
        name: name.to_owned(),
        provider_id: name.to_owned(),
        version: Some(hex::encode(digest.get(..16).unwrap_or_default())),
        size: content.len() as u64,
        sha256: Some(sha256_hex(content)),
        modified,
        app_properties,
    };
    Ok(StoredObject { meta, bytes: content.to_vec() })
}

fn random_suffix() -> Result<String, CloudError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|_| CloudError::network(NetworkErrorKind::Interrupted))?;
    Ok(hex::encode(bytes))
}

/// Makes a rename durable: on Unix a directory's entries reach the disk only when the
/// directory itself is flushed.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

fn write_atomically(root: &Path, name: &str, contents: &[u8]) -> Result<(), CloudError> {
    let temp = root.join(format!("{TEMP_PREFIX}{}", random_suffix()?));
    let result = (|| {
        let mut file = OpenOptions::new().write(true).create_new(true).open(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        drop(file);
        fs::rename(&temp, root.join(name))?;
        sync_dir(root)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(io_error)
}

fn remove_stale_temp(path: &Path) {
    let stale = fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|modified| SystemTime::now().duration_since(modified).ok())
        .is_some_and(|age| age > STALE_TEMP_AGE);
    if stale {
        let _ = fs::remove_file(path);
    }
}

#[async_trait]
impl CloudStore for LocalFolderStore {
    async fn list(&self) -> Result<Vec<ObjectMeta>, CloudError> {
        self.blocking(|root| {
            let mut objects = Vec::new();
            for entry in fs::read_dir(root).map_err(io_error)? {
                let entry = entry.map_err(io_error)?;
                let Ok(name) = entry.file_name().into_string() else { continue };
                if name.starts_with(TEMP_PREFIX) {
                    remove_stale_temp(&entry.path());
                    continue;
                }
                // Files that are not objects of ours (foreign names, other formats, objects
                // deleted meanwhile) are not part of the store.
                if validate_name(&name).is_err() {
                    continue;
                }
                match object_at(&entry.path(), &name) {
                    Ok(object) => objects.push(object.meta),
                    Err(CloudError::CorruptedResponse { .. } | CloudError::NotFound) => continue,
                    Err(other) => return Err(other),
                }
                if objects.len() > crate::store::MAX_LISTED_OBJECTS {
                    return Err(CloudError::corrupted(CorruptionDetail::EndlessListing));
                }
            }
            objects.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(objects)
        })
        .await
    }

    async fn get(&self, name: &str) -> Result<StoredObject, CloudError> {
        validate_name(name)?;
        let name = name.to_owned();
        self.blocking(move |root| object_at(&root.join(&name), &name)).await
    }

    async fn put(
        &self,
        name: &str,
        bytes: &[u8],
        app_properties: &AppProperties,
    ) -> Result<ObjectMeta, CloudError> {
        validate_put(name, bytes, app_properties)?;
        let contents = encode(bytes, app_properties)?;
        let name = name.to_owned();
        self.blocking(move |root| {
            write_atomically(root, &name, &contents)?;
            let modified = fs::metadata(root.join(&name)).and_then(|m| m.modified()).map_err(io_error)?;
            let (app_properties, content) = decode(&contents).ok_or_else(bad_file)?;
            let digest = Sha256::digest(&contents);
            Ok(ObjectMeta {
                name: name.clone(),
                provider_id: name,
                version: Some(hex::encode(digest.get(..16).unwrap_or_default())),
                size: content.len() as u64,
                sha256: Some(sha256_hex(content)),
                modified,
                app_properties,
            })
        })
        .await
    }

    async fn delete(&self, name: &str) -> Result<(), CloudError> {
        validate_name(name)?;
        let name = name.to_owned();
        self.blocking(move |root| match fs::remove_file(root.join(&name)) {
            Ok(()) => sync_dir(root).map_err(io_error),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(error) => Err(io_error(error)),
        })
        .await
    }

    async fn quota(&self) -> Result<Quota, CloudError> {
        let objects = self.list().await?;
        Ok(Quota { used: objects.iter().map(|o| o.size).sum(), limit: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_round_trips_and_rejects_garbage() {
        let props: AppProperties = [("kind".into(), "epoch".into())].into();
        let file = encode(b"payload", &props).unwrap();
        let (decoded, content) = decode(&file).unwrap();
        assert_eq!(decoded, props);
        assert_eq!(content, b"payload");
        assert!(decode(b"").is_none());
        assert!(decode(b"CAIRN-OBJ\x01").is_none());
        assert!(decode(&file[..file.len() - 8 - 7]).is_none());
        let mut huge_len = file.clone();
        huge_len[10..14].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(decode(&huge_len).is_none());
        let mut bad_json = file.clone();
        bad_json[14] = b'[';
        assert!(decode(&bad_json).is_none());
        let bad_props = encode(b"x", &[("bad key".into(), "v".into())].into()).unwrap();
        assert!(decode(&bad_props).is_none());
    }
}
