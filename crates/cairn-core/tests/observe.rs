//! Progress events and the log sink over every flow, against the emulator (a real HTTP server),
//! failures included: the records say useful things and never carry a secret, an object name,
//! an id or a token.
//!
//! The log sink is process-wide, so this binary has a single test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::{Arc, Mutex};

use cairn_core::{
    BackupRequest, ErrorKind, ExportScope, LogLevel, LogRecord, LogSink, Operation, PassphraseBackup,
    ProgressEvent, ProgressListener, SecretString, Stage, set_log_sink,
};
use serde_json::json;
use support::emulator::Emu;
use support::*;

#[derive(Default)]
struct Capture {
    records: Mutex<Vec<LogRecord>>,
    events: Mutex<Vec<ProgressEvent>>,
}

impl LogSink for Capture {
    fn log(&self, record: LogRecord) {
        self.records.lock().unwrap().push(record);
    }
}

impl ProgressListener for Capture {
    fn on_progress(&self, event: ProgressEvent) {
        self.events.lock().unwrap().push(event);
    }
}

impl Capture {
    fn take_events(&self) -> Vec<ProgressEvent> {
        std::mem::take(&mut *self.events.lock().unwrap())
    }

    fn messages(&self) -> Vec<String> {
        self.records.lock().unwrap().iter().map(|r| format!("{} {}", r.target, r.message)).collect()
    }
}

const PASSWORD: &str = "Orchid-Lantern-Basalt-6631";
const NEW_PASSWORD: &str = "Quarry-Velvet-Nimbus-2087";
const WRONG_PASSWORD: &str = "Harbor-Tinsel-Gravel-9154";
const PASSPHRASE: &str = "Meadow-Passphrase-Xq";

fn stages(events: &[ProgressEvent], operation: Operation) -> Vec<Stage> {
    events.iter().filter(|e| e.operation == operation).map(|e| e.stage).collect()
}

#[tokio::test]
async fn every_flow_reports_progress_and_logs_no_secret() {
    let capture = Arc::new(Capture::default());
    set_log_sink(Some(capture.clone()), LogLevel::Trace);

    let emu = Emu::start().await;
    let alice = emu.account("alice").await;
    let service = service_on(emu.drive(&alice.google_access), clock());
    service.set_progress_listener(Some(capture.clone()));

    // First password, a mnemonic with a stored passphrase, a private key.
    let mut unlocked = service.create_first_password(pw(PASSWORD), &policy()).await.unwrap();
    let events = capture.take_events();
    let first = stages(&events, Operation::FirstPassword);
    assert_eq!(first.first(), Some(&Stage::Listing));
    assert!(first.contains(&Stage::DerivingKey));
    assert!(first.contains(&Stage::Uploading));
    assert!(first.contains(&Stage::Verifying));
    assert_eq!(first.last(), Some(&Stage::Finished));

    let phrase = SecretString::new(PHRASE_A.to_owned());
    let request = BackupRequest::mnemonic_phrase(
        &phrase,
        Some(SecretString::new(PASSPHRASE.to_owned())),
        PassphraseBackup::Include,
        "Main",
    )
    .unwrap();
    let receipt = unlocked.backup_wallet(&request).await.unwrap();
    unlocked.backup_wallet(&key_request("Key")).await.unwrap();
    let backup = stages(&capture.take_events(), Operation::Backup);
    for stage in [Stage::Listing, Stage::Encrypting, Stage::Uploading, Stage::Verifying, Stage::Finished] {
        assert!(backup.contains(&stage), "backup lacks {stage:?}: {backup:?}");
    }

    // Restore: downloads counted up to the total, then decrypted, then finished.
    let report = unlocked.restore_all().await.unwrap();
    assert_eq!(report.wallets.len(), 2);
    let events = capture.take_events();
    let downloads: Vec<(u64, u64)> = events
        .iter()
        .filter(|e| e.operation == Operation::Restore && e.stage == Stage::Downloading)
        .map(|e| (e.completed, e.total))
        .collect();
    assert_eq!(downloads, [(0, 2), (1, 2), (2, 2)]);
    let restore = stages(&events, Operation::Restore);
    assert_eq!(restore.first(), Some(&Stage::Listing));
    assert!(restore.contains(&Stage::Decrypting));
    assert_eq!(restore.last(), Some(&Stage::Finished));

    // Unlock and check on a "new phone", a wrong password, password change, cleanup.
    let other = service_on(emu.drive(&alice.google_access), clock());
    other.set_progress_listener(Some(capture.clone()));
    other.check_password(pw(PASSWORD), None).await.unwrap();
    let wrong = other.unlock(pw(WRONG_PASSWORD), None).await.unwrap_err();
    assert_eq!(wrong.kind(), ErrorKind::WrongPassword);
    let unlock = stages(&capture.take_events(), Operation::Unlock);
    assert!(unlock.contains(&Stage::DerivingKey));
    assert!(!unlock.contains(&Stage::Finished), "a failed unlock never reports Finished");
    unlocked.change_password(pw(NEW_PASSWORD), &policy()).await.unwrap();
    unlocked.backup_wallet(&request).await.unwrap();
    unlocked.cleanup().await.unwrap();
    let cleanup = stages(&capture.take_events(), Operation::Cleanup);
    assert!(cleanup.contains(&Stage::CleaningUp));

    // Inventory, export, import, a new epoch.
    service.inventory().await.unwrap();
    let file = service.export(ExportScope::Everything).await.unwrap();
    let bob = emu.account("bob").await;
    service_on(emu.drive(&bob.google_access), clock()).import(&file.bytes).await.unwrap();
    service.start_new_epoch(pw(PASSWORD), &policy()).await.unwrap();

    // Failures: a corrupted read-back (verification), a full drive (quota), a dead connection.
    let unlocked = service.unlock(pw(PASSWORD), None).await.unwrap();
    emu.fault(json!({"method": "GET", "path": "/drive/v3/files/*", "count": "always", "corrupt_body": true, "account": "alice"}))
        .await;
    let error = unlocked.backup_wallet(&mnemonic_request(PHRASE_B, "B")).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::VerificationFailed);
    emu.clear_faults().await;
    emu.quota("alice", "google", 100).await;
    let error = unlocked.backup_wallet(&mnemonic_request(PHRASE_B, "B")).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::QuotaExceeded);
    emu.quota("alice", "google", 1 << 30).await;
    emu.fault(json!({"method": "GET", "path_prefix": "/drive/v3/files/", "count": "always", "drop_connection": true, "account": "alice"}))
        .await;
    let error = service.inventory().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Network);
    emu.clear_faults().await;

    set_log_sink(None, LogLevel::Trace);
    let messages = capture.messages();
    let has = |text: &str| messages.iter().any(|m| m.contains(text));
    for expected in [
        "first_password started",
        "first_password finished in",
        "backup finished in",
        "restore: 2 wallets restored, 0 unreadable",
        "unlock failed after",
        ": wrong_password",
        "key derived in",
        "listed ",
        "change_password finished",
        "cleanup: ",
        "import finished",
        "new_epoch finished",
        "backup: read-back verification failed at read_back",
        "backup failed after",
        ": quota_exceeded",
        "downloads failed: network",
        "inventory failed after",
        "restore downloading 2/2",
    ] {
        assert!(has(expected), "no record contains {expected:?}; records: {messages:#?}");
    }

    // No secret, token, id or object name in any record.
    let mut forbidden: Vec<String> = vec![
        PASSWORD.into(),
        NEW_PASSWORD.into(),
        WRONG_PASSWORD.into(),
        PASSPHRASE.into(),
        KEY_HEX.into(),
        alice.google_access.clone(),
        bob.google_access.clone(),
        receipt.object_name.clone(),
        receipt.epoch_id.to_string(),
        receipt.record_id.to_string(),
        "cairn-".into(),
        "Main".into(),
    ];
    forbidden.extend(PHRASE_A.split(' ').chain(PHRASE_B.split(' ')).map(str::to_owned));
    for message in &messages {
        let words: Vec<&str> = message.split(|c: char| !c.is_ascii_alphanumeric()).collect();
        for secret in &forbidden {
            let leaked = if secret.contains(|c: char| !c.is_ascii_alphabetic()) {
                message.contains(secret.as_str())
            } else {
                words.contains(&secret.as_str())
            };
            assert!(!leaked, "a log record carries a forbidden value: {message}");
        }
    }

    // A sink set to Info gets no Debug or Trace records.
    let quiet = Arc::new(Capture::default());
    set_log_sink(Some(quiet.clone()), LogLevel::Info);
    service.inventory().await.unwrap();
    set_log_sink(None, LogLevel::Trace);
    let levels: Vec<LogLevel> = quiet.records.lock().unwrap().iter().map(|r| r.level).collect();
    assert!(levels.contains(&LogLevel::Info));
    assert!(levels.iter().all(|level| *level <= LogLevel::Info), "{levels:?}");
}
