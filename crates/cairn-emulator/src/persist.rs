//! Optional persistence: a JSON snapshot (`state.json`) plus content-addressed blobs
//! (`blobs/<sha256>`), each written to a temporary file, synced and renamed into place, so a
//! crash leaves either the old or the new snapshot. Upload sessions, fault rules and the
//! request log are not persisted.

use std::collections::HashSet;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::config::Settings;
use crate::ids::IdGen;
use crate::state::{AccessToken, Account, OAuthClient, RefreshToken, Space, SpaceKey, State};

const FORMAT: u32 = 1;
const STATE_FILE: &str = "state.json";
const BLOB_DIR: &str = "blobs";

/// Why a data folder could not be used.
#[derive(Debug, Error)]
pub enum PersistError {
    /// Reading or writing the folder failed.
    #[error("data folder I/O failed at {path}: {source}")]
    Io {
        /// The file or folder involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The snapshot exists but cannot be used.
    #[error("the snapshot in the data folder is unusable: {0}")]
    Corrupt(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PersistError + '_ {
    move |source| PersistError::Io { path: path.to_owned(), source }
}

#[derive(Serialize, Deserialize)]
struct Snapshot {
    format: u32,
    clock_offset_ms: i64,
    settings: Settings,
    next_account_seq: u64,
    id_position: u64,
    accounts: Vec<Account>,
    clients: Vec<OAuthClient>,
    access_tokens: Vec<(String, AccessToken)>,
    refresh_tokens: Vec<(String, RefreshToken)>,
    spaces: Vec<(SpaceKey, Space)>,
}

/// What the writer needs, captured under the state lock.
pub(crate) struct Pending {
    json: Vec<u8>,
    blobs: Vec<(String, Bytes)>,
}

/// Captures the state for writing (cheap: content is reference-counted).
pub(crate) fn capture(st: &State) -> Result<Pending, PersistError> {
    let snapshot = Snapshot {
        format: FORMAT,
        clock_offset_ms: st.clock_offset_ms,
        settings: st.settings.clone(),
        next_account_seq: st.next_account_seq,
        id_position: st.ids.position(),
        accounts: st.accounts.values().cloned().collect(),
        clients: st.clients.values().cloned().collect(),
        access_tokens: st.access_tokens.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        refresh_tokens: st.refresh_tokens.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        spaces: st.spaces.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
    };
    let json = serde_json::to_vec(&snapshot).map_err(|e| PersistError::Corrupt(e.to_string()))?;
    let blobs = st
        .spaces
        .values()
        .flat_map(|s| s.files.values())
        .filter_map(|f| f.content.as_ref().map(|b| (b.sha256.clone(), b.bytes.clone())))
        .collect();
    Ok(Pending { json, blobs })
}

fn write_atomically(path: &Path, data: &[u8]) -> Result<(), PersistError> {
    let tmp = path.with_extension("tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // The snapshot holds tokens: readable by the owner only.
        options.mode(0o600);
    }
    let mut f = options.open(&tmp).map_err(io_err(&tmp))?;
    f.write_all(data).map_err(io_err(&tmp))?;
    f.sync_all().map_err(io_err(&tmp))?;
    drop(f);
    fs::rename(&tmp, path).map_err(io_err(path))?;
    Ok(())
}

/// Writes a captured snapshot (blocking I/O).
pub(crate) fn write(dir: &Path, pending: &Pending) -> Result<(), PersistError> {
    let blob_dir = dir.join(BLOB_DIR);
    fs::create_dir_all(&blob_dir).map_err(io_err(&blob_dir))?;
    let mut referenced = HashSet::new();
    for (sha, bytes) in &pending.blobs {
        let path = blob_dir.join(sha);
        if referenced.insert(sha.clone()) && !path.exists() {
            write_atomically(&path, bytes)?;
        }
    }
    write_atomically(&dir.join(STATE_FILE), &pending.json)?;
    if let Ok(entries) = fs::read_dir(&blob_dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if !referenced.contains(&name) {
                // Best effort: an unreferenced blob only costs disk space.
                let _ = fs::remove_file(entry.path());
            }
        }
    }
    if let Ok(d) = fs::File::open(dir) {
        // Make the rename durable where the platform allows syncing a directory.
        let _ = d.sync_all();
    }
    Ok(())
}

/// Loads a snapshot into `st` if the folder has one.
pub(crate) fn load(dir: &Path, st: &mut State) -> Result<bool, PersistError> {
    fs::create_dir_all(dir).map_err(io_err(dir))?;
    let path = dir.join(STATE_FILE);
    let raw = match fs::read(&path) {
        Ok(raw) => raw,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(PersistError::Io { path, source: e }),
    };
    let snap: Snapshot = serde_json::from_slice(&raw).map_err(|e| PersistError::Corrupt(e.to_string()))?;
    if snap.format != FORMAT {
        return Err(PersistError::Corrupt(format!("unknown snapshot format {}", snap.format)));
    }
    let blob_dir = dir.join(BLOB_DIR);
    let mut spaces = Vec::with_capacity(snap.spaces.len());
    let mut mem = 0u64;
    for (key, mut space) in snap.spaces {
        for file in space.files.values_mut() {
            if let Some(blob) = file.content.as_mut() {
                if blob.sha256.len() != 64 || !blob.sha256.bytes().all(|c| c.is_ascii_hexdigit()) {
                    return Err(PersistError::Corrupt("bad blob name".into()));
                }
                let bpath = blob_dir.join(&blob.sha256);
                let data = fs::read(&bpath).map_err(io_err(&bpath))?;
                if hex::encode(Sha256::digest(&data)) != blob.sha256
                    || u64::try_from(data.len()).ok() != Some(blob.size)
                {
                    return Err(PersistError::Corrupt(format!(
                        "blob {} does not match its digest",
                        blob.sha256
                    )));
                }
                mem = mem.saturating_add(blob.size);
                blob.bytes = Bytes::from(data);
            }
        }
        spaces.push((key, space));
    }
    st.clock_offset_ms = snap.clock_offset_ms;
    st.settings = snap.settings;
    st.next_account_seq = snap.next_account_seq;
    st.ids = IdGen::new(snap.id_position);
    st.accounts = snap.accounts.into_iter().map(|a| (a.id.clone(), a)).collect();
    for c in snap.clients {
        st.clients.insert(c.id.clone(), c);
    }
    st.access_tokens = snap.access_tokens.into_iter().collect();
    st.refresh_tokens = snap.refresh_tokens.into_iter().collect();
    st.spaces = spaces.into_iter().collect();
    st.mem_bytes = mem;
    Ok(true)
}
