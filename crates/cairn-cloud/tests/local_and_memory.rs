//! The local folder store (atomic writes, concurrent writers in threads and in other
//! processes, safe names) and the memory store.
// Test code: helpers outside #[test] functions may panic on a broken expectation too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::sync::Arc;

use cairn_cloud::local_folder::LocalFolderStore;
use cairn_cloud::memory::{MemoryOperation, MemoryStore};
use cairn_cloud::{CloudError, CloudStore, CorruptionDetail, NetworkErrorKind};
use support::contract::props;

#[tokio::test]
async fn memory_store_keeps_the_contract() {
    support::contract::contract(&MemoryStore::new()).await;
}

#[tokio::test]
async fn local_folder_keeps_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    support::contract::contract(&LocalFolderStore::open(dir.path().join("nested/store")).unwrap()).await;
}

#[tokio::test]
async fn memory_store_quota_and_injected_failures() {
    let store = MemoryStore::with_limit(10);
    store.put("a", &[0; 6], &props(&[])).await.unwrap();
    assert_eq!(
        store.put("b", &[0; 6], &props(&[])).await.unwrap_err(),
        CloudError::QuotaExceeded { used: Some(6), limit: Some(10) }
    );
    // Replacing an object only counts its new size.
    store.put("a", &[0; 10], &props(&[])).await.unwrap();

    let offline = CloudError::Network { kind: NetworkErrorKind::Offline };
    store.fail_next(MemoryOperation::Get, offline.clone());
    store.fail_next(MemoryOperation::Put, CloudError::Conflict);
    assert_eq!(store.list().await.unwrap().len(), 1);
    assert_eq!(store.get("a").await.unwrap_err(), offline);
    assert_eq!(store.get("a").await.unwrap().bytes.len(), 10);
    assert_eq!(store.put("a", b"x", &props(&[])).await.unwrap_err(), CloudError::Conflict);
    store.put("a", b"x", &props(&[])).await.unwrap();
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn local_folder_files_stay_inside_the_folder() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("store");
    let store = LocalFolderStore::open(&root).unwrap();
    store.put("obj", b"x", &props(&[])).await.unwrap();
    assert!(store.put("../outside", b"x", &props(&[])).await.is_err());
    let entries: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(entries, ["store"]);
    let inside: Vec<_> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(inside, ["obj"]);
}

#[tokio::test]
async fn local_folder_refuses_damaged_and_foreign_files() {
    let dir = tempfile::tempdir().unwrap();
    let store = LocalFolderStore::open(dir.path()).unwrap();
    store.put("good", b"payload", &props(&[("k", "v")])).await.unwrap();
    std::fs::write(dir.path().join("foreign"), b"just a text file").unwrap();
    std::fs::write(dir.path().join("README with spaces.txt"), b"x").unwrap();
    let mut truncated = std::fs::read(dir.path().join("good")).unwrap();
    truncated.truncate(16);
    std::fs::write(dir.path().join("truncated"), truncated).unwrap();
    std::fs::create_dir(dir.path().join("subdir")).unwrap();
    // An oversized file is refused before it is read.
    let huge = std::fs::File::create(dir.path().join("huge")).unwrap();
    huge.set_len(64 * 1024 * 1024).unwrap();

    let names: Vec<_> = store.list().await.unwrap().into_iter().map(|m| m.name).collect();
    assert_eq!(names, ["good"]);
    for (name, detail) in [
        ("foreign", CorruptionDetail::BadLocalFile),
        ("truncated", CorruptionDetail::BadLocalFile),
        ("subdir", CorruptionDetail::BadLocalFile),
        ("huge", CorruptionDetail::BodyTooLarge),
    ] {
        assert_eq!(store.get(name).await.unwrap_err(), CloudError::CorruptedResponse { detail }, "{name}");
    }
}

/// Many writers race on the same names. Every read sees one writer's complete object (content
/// and properties from the same put), never a mix or a torn file, and no temp file is left.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn local_folder_concurrent_writers_in_threads() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(LocalFolderStore::open(dir.path()).unwrap());
    let mut tasks = Vec::new();
    for writer in 0..16u8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for round in 0..20u8 {
                let name = format!("shared-{}", round % 3);
                // Content and property both name the writer, so a mix would show.
                let content = vec![writer; 1000 + usize::from(writer) * 100];
                store.put(&name, &content, &props(&[("writer", &writer.to_string())])).await.unwrap();
                let object = store.get(&name).await.unwrap();
                let owner = object.bytes[0];
                assert!(object.bytes.iter().all(|b| *b == owner));
                assert_eq!(object.bytes.len(), 1000 + usize::from(owner) * 100);
                assert_eq!(object.meta.app_properties["writer"], owner.to_string());
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let names: BTreeSet<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, BTreeSet::from(["shared-0".into(), "shared-1".into(), "shared-2".into()]));
}

const CHILD_DIR_VAR: &str = "CAIRN_CLOUD_TEST_CHILD_DIR";
const CHILD_ID_VAR: &str = "CAIRN_CLOUD_TEST_CHILD_ID";

/// Helper run only as a child process by `local_folder_concurrent_writers_in_processes`.
#[tokio::test]
#[ignore = "child process of local_folder_concurrent_writers_in_processes"]
async fn local_folder_child_writer() {
    let dir = std::env::var(CHILD_DIR_VAR).expect("run by the parent test");
    let id: u8 = std::env::var(CHILD_ID_VAR).unwrap().parse().unwrap();
    let store = LocalFolderStore::open(dir).unwrap();
    for round in 0..30u8 {
        let content = vec![id; 5000 + usize::from(round) * 7];
        store.put("contended", &content, &props(&[("writer", &id.to_string())])).await.unwrap();
        let object = store.get("contended").await.unwrap();
        let owner = object.bytes[0];
        assert!(object.bytes.iter().all(|b| *b == owner));
        assert_eq!(object.meta.app_properties["writer"], owner.to_string());
    }
}

#[tokio::test]
async fn local_folder_concurrent_writers_in_processes() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = (1..=4u8)
        .map(|id| {
            Command::new(&exe)
                .args(["--exact", "local_folder_child_writer", "--ignored", "--quiet", "--test-threads=1"])
                .env(CHILD_DIR_VAR, dir.path())
                .env(CHILD_ID_VAR, id.to_string())
                // Captured, so the children's test summaries don't mix into ours.
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "a child writer failed:\n{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let store = LocalFolderStore::open(dir.path()).unwrap();
    let object = store.get("contended").await.unwrap();
    let owner = object.bytes[0];
    assert!((1..=4).contains(&owner));
    assert!(object.bytes.iter().all(|b| *b == owner));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(leftovers, ["contended"]);
}
