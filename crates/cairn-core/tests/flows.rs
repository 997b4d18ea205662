//! Every flow of the backup service over the in-memory store (plus wrappers that count,
//! corrupt, race or refuse operations around it).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::sync::Arc;
use std::sync::atomic::Ordering;

use cairn_cloud::memory::{MemoryOperation, MemoryStore};
use cairn_cloud::{AppProperties, CloudError, CloudStore, NetworkErrorKind};
use cairn_core::{
    BackupRef, BackupRequest, BackupService, CairnError, ConfirmDeleteEpoch, ConfirmDeleteWallet,
    ConflictReason, ErrorKind, ExportScope, HealthStatus, Mnemonic, PassphraseBackup, PassphraseStatus,
    PasswordPolicy, SecretString, VerificationStage, WalletHealthQuery, WalletKind,
};
use support::*;

#[tokio::test]
async fn first_backup_then_restore_on_a_new_phone() {
    let store = memory();
    let clock = clock();
    let phone = service_on(store.clone(), clock.clone());
    let unlocked = phone.create_first_password(pw("correct horse"), &policy()).await.unwrap();
    let first = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "Main wallet")).await.unwrap();
    clock.advance(60);
    let second = unlocked.backup_wallet(&key_request("Trading key")).await.unwrap();
    assert_eq!(first.epoch_id, second.epoch_id);
    assert_eq!(first.verified_at, T0);
    assert_eq!(second.verified_at, T0 + 60);
    unlocked.close();

    // New phone: password-free inventory, then one password entry restores everything.
    let new_phone = service_on(store.clone(), clock.clone());
    let inventory = new_phone.inventory().await.unwrap();
    assert_eq!(inventory.epochs.len(), 1);
    let active = inventory.active().unwrap();
    assert_eq!(active.wallet_count, 2);
    assert_eq!(active.last_backup_at, Some(T0 + 60));
    assert_eq!(active.born_at, T0);
    assert!(inventory.problems.is_empty());
    assert_eq!(new_phone.kdf_runs(), 0, "inventory needs no password");

    let restored = new_phone.unlock(pw("correct horse"), None).await.unwrap().restore_all().await.unwrap();
    assert_eq!(new_phone.kdf_runs(), 1);
    assert!(restored.failures.is_empty());
    let labels: Vec<&str> = restored.wallets.iter().map(|w| w.label()).collect();
    assert_eq!(labels, ["Main wallet", "Trading key"]);
    let main = &restored.wallets[0];
    assert_eq!(main.expose_phrase().unwrap().expose_str(), PHRASE_A);
    assert_eq!(main.kind(), WalletKind::Mnemonic { language: cairn_core::Language::English, words: 12 });
    assert_eq!(main.passphrase_status().unwrap(), PassphraseStatus::None);
    assert_eq!(main.record_id(), first.record_id);
    let key = &restored.wallets[1];
    assert_eq!(key.expose_private_key().unwrap().expose_str(), KEY_HEX);
    assert_eq!(key.chain_hints(), ["eip155:1"]);
    assert!(key.expose_phrase().is_none());
}

#[tokio::test]
async fn restoring_thirty_wallets_runs_exactly_one_kdf_with_bounded_downloads() {
    let store = memory();
    let clock = clock();
    let phone = service_on(store.clone(), clock.clone());
    let unlocked = phone.create_first_password(pw("twenty wallets"), &policy()).await.unwrap();
    // More wallets than the download limit, so the limit is seen holding.
    for n in 0..30 {
        let mnemonic =
            Mnemonic::generate(cairn_crypto::WordCount::Words24, cairn_core::Language::English).unwrap();
        let request =
            BackupRequest::mnemonic(mnemonic, None, PassphraseBackup::Exclude, format!("w{n}")).unwrap();
        unlocked.backup_wallet(&request).await.unwrap();
    }
    let wrapped = Wrapped::new(store.clone());
    let new_phone = service_on(wrapped.clone(), clock);
    let before = new_phone.kdf_runs();
    let unlocked = new_phone.unlock(pw("twenty wallets"), None).await.unwrap();
    wrapped.get_delay_ms.store(20, Ordering::SeqCst);
    let report = unlocked.restore_all().await.unwrap();
    assert_eq!(report.wallets.len(), 30);
    assert_eq!(new_phone.kdf_runs() - before, 1);
    assert_eq!(wrapped.gets.load(Ordering::SeqCst), 31, "one wrap and one copy per wallet");
    assert_eq!(wrapped.max_in_flight.load(Ordering::SeqCst), cairn_core::DEFAULT_PARALLEL_DOWNLOADS);
}

#[tokio::test]
async fn a_cloud_failure_during_restore_fails_the_restore_instead_of_dropping_wallets() {
    let store = memory();
    let clock = clock();
    let service = service_on(store.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("network gone"), &policy()).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "a")).await.unwrap();
    store.fail_next(MemoryOperation::Get, CloudError::Network { kind: NetworkErrorKind::Interrupted });
    let error = unlocked.restore_all().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Network);
    assert!(error.is_retryable());
    assert_eq!(unlocked.restore_all().await.unwrap().wallets.len(), 1);
}

#[tokio::test]
async fn first_password_is_refused_when_an_epoch_exists_or_the_policy_fails() {
    let store = memory();
    let service = service_on(store.clone(), clock());
    let short = service.create_first_password(pw("abc"), &policy()).await.unwrap_err();
    assert_eq!(short.kind(), ErrorKind::PasswordPolicy);
    let same_as_wallet = PasswordPolicy::new().with_wallet_password("wallet pin 1234".to_owned());
    let same = service.create_first_password(pw("wallet pin 1234"), &same_as_wallet).await.unwrap_err();
    assert_eq!(same.kind(), ErrorKind::PasswordPolicy);
    assert!(store.is_empty(), "a refused password uploads nothing");
    assert_eq!(service.kdf_runs(), 0);

    service.create_first_password(pw("first one"), &policy()).await.unwrap();
    let again = service.create_first_password(pw("second one"), &policy()).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::BackupExists);
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn verify_before_add_wrong_password_uploads_nothing() {
    let memory = memory();
    let clock = clock();
    service_on(memory.clone(), clock.clone())
        .create_first_password(pw("right password"), &policy())
        .await
        .unwrap();
    let wrapped = Wrapped::new(memory.clone());
    let service = service_on(wrapped.clone(), clock);
    let error = service.unlock(pw("Right password"), None).await.unwrap_err();
    assert_eq!(error, CairnError::WrongPassword);
    assert_eq!(error.kind().as_str(), "wrong_password");
    assert!(error.hint().contains("caps lock"));
    assert_eq!(wrapped.puts.load(Ordering::SeqCst), 0);
    assert_eq!(memory.len(), 1);
}

#[tokio::test]
async fn read_back_corruption_is_verification_failed_and_keeps_the_old_copy() {
    let memory = memory();
    let wrapped = Wrapped::new(memory.clone());
    let clock = clock();
    let service = service_on(wrapped.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("read back!"), &policy()).await.unwrap();
    let first = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "old label")).await.unwrap();
    clock.advance(10);

    wrapped.corrupt_gets.store(true, Ordering::SeqCst);
    let error = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "new label")).await.unwrap_err();
    assert_eq!(error, CairnError::VerificationFailed { stage: VerificationStage::BytesDiffer });
    wrapped.corrupt_gets.store(false, Ordering::SeqCst);

    let records = count_prefix(memory.as_ref(), "cairn-r-").await;
    assert_eq!(records, 1, "the unverified copy was withdrawn, the verified one kept");
    assert!(names(memory.as_ref()).await.contains(&first.object_name));
    let report = unlocked.restore_all().await.unwrap();
    assert_eq!(report.wallets.len(), 1);
    assert_eq!(report.wallets[0].label(), "old label");
}

#[tokio::test]
async fn failed_upload_keeps_the_old_copy_and_reports_quota() {
    let memory = Arc::new(MemoryStore::with_limit(900));
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("quota test"), &policy()).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "a")).await.unwrap();
    clock.advance(5);
    // 164 + 392 bytes stored; another 392-byte copy would pass 900.
    let error = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "b")).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::QuotaExceeded);
    assert!(error.hint().contains("Free up space"));
    let quota = service.storage_quota().await.unwrap();
    assert_eq!((quota.used, quota.limit), (164 + 392, Some(900)));
    let report = unlocked.restore_all().await.unwrap();
    assert_eq!(report.wallets[0].label(), "a");
}

#[tokio::test]
async fn interrupted_supersede_restores_the_newest_and_cleanup_retires_the_old() {
    let memory = memory();
    let wrapped = Wrapped::new(memory.clone());
    let clock = clock();
    let service = service_on(wrapped.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("interrupted"), &policy()).await.unwrap();
    let old = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "v1")).await.unwrap();
    clock.advance(100);
    // The retire step fails (as if the process died right after verification).
    wrapped.refuse_deletes.store(true, Ordering::SeqCst);
    let new = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "v2")).await.unwrap();
    wrapped.refuse_deletes.store(false, Ordering::SeqCst);
    assert_eq!(new.retired_copies, 0);
    assert_eq!(old.record_id, new.record_id);
    assert_eq!(count_prefix(memory.as_ref(), "cairn-r-").await, 2);

    let inventory = service.inventory().await.unwrap();
    assert_eq!(inventory.active().unwrap().wallet_count, 1, "two copies, one wallet");
    assert_eq!(inventory.active().unwrap().records[0].copies, 2);

    let fresh = service_on(memory.clone(), clock.clone());
    let unlocked = fresh.unlock(pw("interrupted"), None).await.unwrap();
    let report = unlocked.restore_all().await.unwrap();
    assert_eq!(report.wallets.len(), 1);
    assert_eq!(report.wallets[0].label(), "v2");
    let cleanup = unlocked.cleanup().await.unwrap();
    assert_eq!(cleanup.retired_records, 1);
    assert_eq!(names(memory.as_ref()).await.iter().filter(|n| n.starts_with("cairn-r-")).count(), 1);
    assert!(names(memory.as_ref()).await.contains(&new.object_name));
}

#[tokio::test]
async fn a_damaged_newest_copy_falls_back_to_the_older_one_and_is_not_cleaned_up() {
    let memory = memory();
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("fallbacks"), &policy()).await.unwrap();
    let old = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "good")).await.unwrap();
    // A newer leftover whose bytes were damaged (e.g. a truncated upload): same name pattern.
    let mut bytes = memory.get(&old.object_name).await.unwrap().bytes;
    bytes[200] ^= 1;
    let newer_name = old.object_name.replace(&format!("{:010x}", T0), &format!("{:010x}", T0 + 5));
    memory.put(&newer_name, &bytes, &AppProperties::new()).await.unwrap();

    let report = unlocked.restore_all().await.unwrap();
    assert_eq!(report.wallets.len(), 1);
    assert_eq!(report.wallets[0].label(), "good");
    let cleanup = unlocked.cleanup().await.unwrap();
    assert_eq!(cleanup.retired_records, 0, "an older verified copy never retires a newer one");
    assert_eq!(cleanup.kept, 1);
    assert_eq!(count_prefix(memory.as_ref(), "cairn-r-").await, 2);
}

#[tokio::test]
async fn a_damaged_wallet_is_reported_without_failing_the_others() {
    let memory = memory();
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("partial restore"), &policy()).await.unwrap();
    let a = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "a")).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_B, "b")).await.unwrap();
    let c = unlocked.backup_wallet(&key_request("c")).await.unwrap();
    let mut bytes = memory.get(&a.object_name).await.unwrap().bytes;
    bytes[150] ^= 0x01;
    memory.put(&a.object_name, &bytes, &AppProperties::new()).await.unwrap();
    let mut newer = memory.get(&c.object_name).await.unwrap().bytes;
    newer[5] = 2; // a future format version
    memory.put(&c.object_name, &newer, &AppProperties::new()).await.unwrap();

    let report = unlocked.restore_all().await.unwrap();
    assert_eq!(report.wallets.len(), 1);
    assert_eq!(report.wallets[0].label(), "b");
    let mut kinds: Vec<_> = report.failures.iter().map(|f| (f.record_id, f.error.kind())).collect();
    kinds.sort();
    let mut expected =
        vec![(a.record_id, ErrorKind::Corrupted), (c.record_id, ErrorKind::UnsupportedVersion)];
    expected.sort();
    assert_eq!(kinds, expected);

    let inventory = service.inventory().await.unwrap();
    assert_eq!(inventory.active().unwrap().wallet_count, 1);
    assert_eq!(inventory.problems.len(), 2);
}

#[tokio::test]
async fn two_concurrent_first_password_creations_converge_on_one_epoch() {
    let memory = memory();
    let racing = Wrapped::racing(memory.clone());
    let clock = clock();
    let a = service_on(racing.clone(), clock.clone());
    let b = service_on(racing.clone(), clock.clone());
    let p = policy();
    let (ra, rb) = tokio::join!(
        a.create_first_password(pw("same password"), &p),
        b.create_first_password(pw("same password"), &p)
    );
    let (ua, ub) = (ra.unwrap(), rb.unwrap());
    assert_eq!(racing.puts.load(Ordering::SeqCst), 2, "both devices really created an epoch");
    assert_eq!(ua.epoch_id(), ub.epoch_id(), "both devices end on the same epoch");
    assert_eq!(count_prefix(memory.as_ref(), "cairn-e-").await, 1);
    // Both can add wallets and nothing is lost.
    let (req_a, req_b) = (mnemonic_request(PHRASE_A, "from a"), mnemonic_request(PHRASE_B, "from b"));
    let (wa, wb) = tokio::join!(ua.backup_wallet(&req_a), ub.backup_wallet(&req_b));
    wa.unwrap();
    wb.unwrap();
    let report = service_on(memory.clone(), clock).unlock(pw("same password"), None).await.unwrap();
    assert_eq!(report.restore_all().await.unwrap().wallets.len(), 2);
}

#[tokio::test]
async fn concurrent_first_passwords_that_differ_leave_one_epoch_and_a_conflict() {
    let memory = memory();
    let racing = Wrapped::racing(memory.clone());
    let clock = clock();
    let a = service_on(racing.clone(), clock.clone());
    let b = service_on(racing.clone(), clock.clone());
    let p = policy();
    let (ra, rb) = tokio::join!(
        a.create_first_password(pw("password A"), &p),
        b.create_first_password(pw("password B"), &p)
    );
    let (winner, loser) = match (ra, rb) {
        (Ok(w), Err(l)) | (Err(l), Ok(w)) => (w, l),
        other => panic!("expected one winner and one conflict, got {other:?}"),
    };
    assert_eq!(loser, CairnError::Conflict { reason: ConflictReason::ConcurrentEpochCreated });
    assert_eq!(racing.puts.load(Ordering::SeqCst), 2, "both devices really created an epoch");
    assert_eq!(count_prefix(memory.as_ref(), "cairn-e-").await, 1);
    let inventory = service_on(memory.clone(), clock).inventory().await.unwrap();
    assert_eq!(inventory.active_epoch, Some(winner.epoch_id()));
}

#[tokio::test]
async fn concurrent_backups_of_different_and_of_the_same_wallet_all_survive() {
    let memory = memory();
    let clock = clock();
    let a = service_on(memory.clone(), clock.clone());
    let ua = a.create_first_password(pw("two devices"), &policy()).await.unwrap();
    let b = service_on(memory.clone(), clock.clone());
    let ub = b.unlock(pw("two devices"), None).await.unwrap();
    let (req_a, req_b) = (mnemonic_request(PHRASE_A, "a"), mnemonic_request(PHRASE_B, "b"));
    let (ra, rb) = tokio::join!(ua.backup_wallet(&req_a), ub.backup_wallet(&req_b));
    ra.unwrap();
    rb.unwrap();
    clock.advance(1);
    let (req_c1, req_c2) = (mnemonic_request(PHRASE_C, "c from a"), mnemonic_request(PHRASE_C, "c from b"));
    let (ra, rb) = tokio::join!(ua.backup_wallet(&req_c1), ub.backup_wallet(&req_c2));
    assert_eq!(ra.unwrap().record_id, rb.unwrap().record_id);
    let report = ua.restore_all().await.unwrap();
    let mut labels: Vec<&str> = report.wallets.iter().map(|w| w.label()).collect();
    labels.sort();
    assert_eq!(labels.len(), 3);
    assert_eq!(&labels[..2], ["a", "b"]);
    assert!(labels[2].starts_with("c from"));
}

#[tokio::test]
async fn forgotten_password_starts_a_new_epoch_and_the_old_one_stays_restorable() {
    let memory = memory();
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let old = service.create_first_password(pw("old password"), &policy()).await.unwrap();
    let old_receipt = old.backup_wallet(&mnemonic_request(PHRASE_A, "old wallet")).await.unwrap();
    let old_names = names(memory.as_ref()).await;

    clock.advance(86_400);
    let new = service.start_new_epoch(pw("new password"), &policy()).await.unwrap();
    assert_ne!(new.epoch_id(), old.epoch_id());
    new.backup_wallet(&mnemonic_request(PHRASE_B, "new wallet")).await.unwrap();
    // The old handle may no longer add wallets: new backups go to the active epoch.
    let stale = old.backup_wallet(&mnemonic_request(PHRASE_C, "late")).await.unwrap_err();
    assert_eq!(stale, CairnError::Conflict { reason: ConflictReason::EpochNoLongerActive });

    let inventory = service.inventory().await.unwrap();
    assert_eq!(inventory.active_epoch, Some(new.epoch_id()));
    assert_eq!(inventory.epochs.len(), 2);
    assert_eq!(inventory.epochs[0].epoch_id, new.epoch_id());
    assert_eq!(inventory.epochs[1].wallet_count, 1);
    let all = names(memory.as_ref()).await;
    assert!(old_names.iter().all(|n| all.contains(n)), "old epoch untouched");

    let phone = service_on(memory.clone(), clock.clone());
    assert_eq!(phone.unlock(pw("old password"), None).await.unwrap_err(), CairnError::WrongPassword);
    let remembered = phone.unlock(pw("old password"), Some(old.epoch_id())).await.unwrap();
    let report = remembered.restore_all().await.unwrap();
    assert_eq!(report.wallets.len(), 1);
    assert_eq!(report.wallets[0].label(), "old wallet");
    assert_eq!(report.wallets[0].record_id(), old_receipt.record_id);
    // An export of the old epoch alone carries its wrap and its record, nothing of the new one.
    let old_only = phone.export(ExportScope::Epoch(old.epoch_id())).await.unwrap();
    assert_eq!(old_only.objects, 2);
    let offline = BackupService::open_export(&old_only.bytes, clock.clone(), config()).await.unwrap();
    assert_eq!(offline.inventory().await.unwrap().epochs.len(), 1);
    assert_eq!(offline.unlock(pw("new password"), None).await.unwrap_err(), CairnError::WrongPassword);
    let current = phone.unlock(pw("new password"), None).await.unwrap().restore_all().await.unwrap();
    assert_eq!(current.wallets.len(), 1);
    assert_eq!(current.wallets[0].label(), "new wallet");
}

#[tokio::test]
async fn a_new_epoch_is_active_even_when_this_device_clock_lags() {
    let memory = memory();
    let ahead = Arc::new(cairn_core::ManualClock::new(T0 + 1_000_000));
    service_on(memory.clone(), ahead).create_first_password(pw("made ahead"), &policy()).await.unwrap();
    let behind = service_on(memory.clone(), clock());
    let new = behind.start_new_epoch(pw("made behind"), &policy()).await.unwrap();
    assert_eq!(behind.inventory().await.unwrap().active_epoch, Some(new.epoch_id()));
}

#[tokio::test]
async fn change_password_rewraps_verifies_and_retires_the_old_wrap() {
    let memory = memory();
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let mut unlocked = service.create_first_password(pw("first password"), &policy()).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "kept")).await.unwrap();
    let records_before: Vec<String> =
        names(memory.as_ref()).await.into_iter().filter(|n| n.starts_with("cairn-r-")).collect();
    clock.advance(30);
    let short = unlocked.change_password(pw("tiny"), &policy()).await.unwrap_err();
    assert_eq!(short.kind(), ErrorKind::PasswordPolicy);
    let change = unlocked.change_password(pw("second password"), &policy()).await.unwrap();
    assert_eq!(change.retired_wraps, 1);
    assert_eq!(change.epoch_id, unlocked.epoch_id());
    assert_eq!(count_prefix(memory.as_ref(), "cairn-e-").await, 1);
    let records_after: Vec<String> =
        names(memory.as_ref()).await.into_iter().filter(|n| n.starts_with("cairn-r-")).collect();
    assert_eq!(records_before, records_after, "records untouched");

    let phone = service_on(memory.clone(), clock);
    assert_eq!(phone.unlock(pw("first password"), None).await.unwrap_err(), CairnError::WrongPassword);
    let report = phone.unlock(pw("second password"), None).await.unwrap().restore_all().await.unwrap();
    assert_eq!(report.wallets[0].label(), "kept");
    let inventory = phone.inventory().await.unwrap();
    assert_eq!(inventory.active().unwrap().password_set_at, Some(T0 + 30));
    assert_eq!(inventory.active().unwrap().born_at, T0);
}

#[tokio::test]
async fn interrupted_password_change_keeps_both_passwords_until_cleanup() {
    let memory = memory();
    let wrapped = Wrapped::new(memory.clone());
    let clock = clock();
    let service = service_on(wrapped.clone(), clock.clone());
    let mut unlocked = service.create_first_password(pw("old secret"), &policy()).await.unwrap();
    unlocked.backup_wallet(&key_request("k")).await.unwrap();
    clock.advance(10);
    wrapped.refuse_deletes.store(true, Ordering::SeqCst);
    let change = unlocked.change_password(pw("new secret"), &policy()).await.unwrap();
    wrapped.refuse_deletes.store(false, Ordering::SeqCst);
    assert_eq!(change.retired_wraps, 0);
    assert_eq!(count_prefix(memory.as_ref(), "cairn-e-").await, 2);

    let phone = service_on(memory.clone(), clock.clone());
    // The old password still opens the old wrap (after the newest wrap refused it).
    let with_old = phone.unlock(pw("old secret"), None).await.unwrap();
    assert_eq!(phone.kdf_runs(), 2);
    assert_eq!(with_old.cleanup().await.unwrap().retired_wraps, 0, "old-wrap unlock proves nothing newer");
    let with_new = phone.unlock(pw("new secret"), None).await.unwrap();
    assert_eq!(phone.kdf_runs(), 3, "the newest wrap is tried first: one KDF");
    assert_eq!(with_new.restore_all().await.unwrap().wallets.len(), 1);
    assert_eq!(with_new.cleanup().await.unwrap().retired_wraps, 1);
    assert_eq!(count_prefix(memory.as_ref(), "cairn-e-").await, 1);
    assert_eq!(phone.unlock(pw("old secret"), None).await.unwrap_err(), CairnError::WrongPassword);
}

#[tokio::test]
async fn failed_rewrap_verification_keeps_the_old_password() {
    let memory = memory();
    let wrapped = Wrapped::new(memory.clone());
    let clock = clock();
    let service = service_on(wrapped.clone(), clock.clone());
    let mut unlocked = service.create_first_password(pw("stays valid"), &policy()).await.unwrap();
    clock.advance(10);
    wrapped.corrupt_gets.store(true, Ordering::SeqCst);
    let error = unlocked.change_password(pw("never applied"), &policy()).await.unwrap_err();
    wrapped.corrupt_gets.store(false, Ordering::SeqCst);
    assert_eq!(error.kind(), ErrorKind::VerificationFailed);
    assert_eq!(count_prefix(memory.as_ref(), "cairn-e-").await, 1);
    service.unlock(pw("stays valid"), None).await.unwrap();
}

#[tokio::test]
async fn check_password_touches_no_wallet() {
    let memory = memory();
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("remember me"), &policy()).await.unwrap();
    for (phrase, label) in [(PHRASE_A, "a"), (PHRASE_B, "b")] {
        unlocked.backup_wallet(&mnemonic_request(phrase, label)).await.unwrap();
    }
    let wrapped = Wrapped::new(memory.clone());
    let checker = service_on(wrapped.clone(), clock);
    let check = checker.check_password(pw("remember me"), None).await.unwrap();
    assert!(check.is_active);
    assert_eq!(check.epoch_id, unlocked.epoch_id());
    assert_eq!(wrapped.gets.load(Ordering::SeqCst), 1, "only the epoch object is read");
    assert_eq!(
        checker.check_password(pw("remember me "), None).await.unwrap_err(),
        CairnError::WrongPassword
    );
    assert_eq!(checker.kdf_runs(), 2);
}

#[tokio::test]
async fn wrong_account_and_empty_account_say_no_backups_found() {
    let service = service_on(memory(), clock());
    let error = service.unlock(pw("anything"), None).await.unwrap_err();
    assert_eq!(error.kind().as_str(), "no_backups_found");
    assert!(error.hint().contains("check you are signed in to the account you used for the backup"));
    assert!(service.inventory().await.unwrap().is_empty());
    assert_eq!(
        service.check_password(pw("anything"), None).await.unwrap_err().kind(),
        ErrorKind::NoBackupsFound
    );
    assert_eq!(service.export(ExportScope::Everything).await.unwrap_err().kind(), ErrorKind::NoBackupsFound);
}

#[tokio::test]
async fn health_per_wallet() {
    let memory = memory();
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let old = service.create_first_password(pw("health one"), &policy()).await.unwrap();
    let in_old = BackupRef::from(&old.backup_wallet(&mnemonic_request(PHRASE_C, "old")).await.unwrap());
    clock.advance(100);
    let new = service.start_new_epoch(pw("health two"), &policy()).await.unwrap();
    let fresh = BackupRef::from(&new.backup_wallet(&mnemonic_request(PHRASE_A, "fresh")).await.unwrap());
    let stale = BackupRef::from(&new.backup_wallet(&mnemonic_request(PHRASE_B, "stale")).await.unwrap());
    assert_eq!(new.backup_ref_for(&mnemonic_request(PHRASE_A, "renamed")).unwrap(), fresh);
    let query = |id: &str, backup, changed_at, manual| WalletHealthQuery {
        app_wallet_id: id.to_owned(),
        backup,
        changed_at,
        has_manual_backup: manual,
    };
    let queries = [
        query("fresh", Some(fresh), Some(T0), false),
        query("stale", Some(stale), Some(T0 + 500), true),
        query("old", Some(in_old), None, true),
        query("never", None, None, false),
    ];
    let health = service.health(&queries).await;
    assert_eq!(health[0].status, HealthStatus::BackedUpVerified { at: T0 + 100 });
    assert!(health[0].cloud_only);
    assert_eq!(health[1].status, HealthStatus::Stale { backed_up_at: T0 + 100, changed_at: T0 + 500 });
    assert!(!health[1].cloud_only);
    assert_eq!(health[2].status, HealthStatus::OlderPasswordOnly { at: T0, epoch_id: old.epoch_id() });
    assert_eq!(health[3].status, HealthStatus::Missing);
    assert!(!health[3].cloud_only);

    memory.fail_next(MemoryOperation::List, CloudError::Network { kind: NetworkErrorKind::Offline });
    let offline = service.health(&queries).await;
    assert!(offline.iter().all(
        |h| matches!(&h.status, HealthStatus::Unreachable { error } if error.kind() == ErrorKind::Network)
    ));
    assert_eq!(service.kdf_runs(), 2, "health needs no password");
}

#[tokio::test]
async fn deletes_need_a_matching_confirmation() {
    let memory = memory();
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("delete things"), &policy()).await.unwrap();
    let a = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "a")).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_B, "b")).await.unwrap();

    let deleted = service
        .delete_wallet_backup(ConfirmDeleteWallet { epoch_id: a.epoch_id, record_id: a.record_id })
        .await
        .unwrap();
    assert_eq!(deleted.objects_deleted, 1);
    let again =
        service.delete_wallet_backup(ConfirmDeleteWallet { epoch_id: a.epoch_id, record_id: a.record_id });
    assert_eq!(again.await.unwrap_err().kind(), ErrorKind::NotFound);
    assert_eq!(unlocked.restore_all().await.unwrap().wallets.len(), 1);

    let stale = service.delete_epoch(ConfirmDeleteEpoch { epoch_id: a.epoch_id, wallet_count: 2 }).await;
    assert_eq!(stale.unwrap_err(), CairnError::Conflict { reason: ConflictReason::DeleteConfirmationStale });
    assert_eq!(memory.len(), 2);
    let gone =
        service.delete_epoch(ConfirmDeleteEpoch { epoch_id: a.epoch_id, wallet_count: 1 }).await.unwrap();
    assert_eq!(gone.objects_deleted, 2);
    assert!(memory.is_empty());
}

#[tokio::test]
async fn export_then_restore_offline_and_import_into_another_store() {
    let memory = memory();
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("export me"), &policy()).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "a")).await.unwrap();
    unlocked.backup_wallet(&key_request("k")).await.unwrap();
    memory.put("notes.txt", b"not ours", &AppProperties::new()).await.unwrap();

    let file = service.export(ExportScope::Everything).await.unwrap();
    assert_eq!(file.objects, 3);
    assert!(file.skipped.is_empty());
    assert!(file.bytes.starts_with(b"CAIRNEXP"));

    let offline = BackupService::open_export(&file.bytes, clock.clone(), config()).await.unwrap();
    let report = offline.unlock(pw("export me"), None).await.unwrap().restore_all().await.unwrap();
    assert_eq!(report.wallets.len(), 2);

    let other = memory_store_service(clock.clone());
    let first = other.import(&file.bytes).await.unwrap();
    assert_eq!((first.uploaded, first.already_present), (3, 0));
    let second = other.import(&file.bytes).await.unwrap();
    assert_eq!((second.uploaded, second.already_present), (0, 3));
    assert_eq!(
        other.unlock(pw("export me"), None).await.unwrap().restore_all().await.unwrap().wallets.len(),
        2
    );

    let mut damaged = file.bytes.clone();
    let middle = damaged.len() / 2;
    damaged[middle] ^= 0x10;
    let error = BackupService::open_export(&damaged, clock.clone(), config()).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Corrupted);
    for cut in [0, 5, 13, damaged.len() - 1] {
        assert!(BackupService::open_export(&file.bytes[..cut], clock.clone(), config()).await.is_err());
    }

    let one_epoch = service.export(ExportScope::Epoch(unlocked.epoch_id())).await.unwrap();
    assert_eq!(one_epoch.objects, 3);
}

fn memory_store_service(clock: Arc<cairn_core::ManualClock>) -> BackupService {
    service_on(Arc::new(MemoryStore::new()), clock)
}

#[tokio::test]
async fn bip39_passphrase_kept_out_of_the_backup_is_checked_on_restore() {
    let memory = memory();
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("passphrases"), &policy()).await.unwrap();
    let secret_word = SecretString::new("TREZOR".to_owned());
    let excluded = BackupRequest::mnemonic(
        Mnemonic::parse(PHRASE_A).unwrap(),
        Some(secret_word.clone()),
        PassphraseBackup::Exclude,
        "hidden",
    )
    .unwrap();
    let included = BackupRequest::mnemonic(
        Mnemonic::parse(PHRASE_B).unwrap(),
        Some(SecretString::new("stored one".to_owned())),
        PassphraseBackup::Include,
        "stored",
    )
    .unwrap();
    unlocked.backup_wallet(&excluded).await.unwrap();
    unlocked.backup_wallet(&included).await.unwrap();
    let report = unlocked.restore_all().await.unwrap();
    let hidden = report.wallets.iter().find(|w| w.label() == "hidden").unwrap();
    let stored = report.wallets.iter().find(|w| w.label() == "stored").unwrap();

    assert_eq!(hidden.passphrase_status().unwrap(), PassphraseStatus::Required);
    assert!(hidden.expose_stored_passphrase().is_none());
    let wrong = SecretString::new("trezor".to_owned());
    assert_eq!(hidden.check_passphrase(&wrong).unwrap_err().kind().as_str(), "passphrase_mismatch");
    assert_eq!(hidden.expose_seed(None).unwrap_err(), CairnError::PassphraseMismatch);
    hidden.check_passphrase(&secret_word).unwrap();
    let seed = hidden.expose_seed(Some(&secret_word)).unwrap();
    assert_eq!(seed.master_fingerprint().unwrap(), hidden.fingerprint().unwrap());

    assert_eq!(stored.passphrase_status().unwrap(), PassphraseStatus::Stored);
    assert_eq!(stored.expose_stored_passphrase().unwrap().expose_str(), "stored one");
    stored.expose_seed(None).unwrap();
}

#[tokio::test]
async fn invalid_wallet_input_is_typed() {
    let bad_phrase = SecretString::new(PHRASE_A.replace("yellow", "zebra"));
    let error =
        BackupRequest::mnemonic_phrase(&bad_phrase, None, PassphraseBackup::Exclude, "x").unwrap_err();
    assert_eq!(error.kind().as_str(), "invalid_mnemonic");
    let bad_key = cairn_core::PrivateKey::parse("00", cairn_crypto::private_key::PrivateKeyKind::Secp256k1);
    assert_eq!(CairnError::from(bad_key.unwrap_err()).kind().as_str(), "invalid_private_key");

    let service = service_on(memory(), clock());
    let unlocked = service.create_first_password(pw("input checks"), &policy()).await.unwrap();
    let long_label = mnemonic_request(PHRASE_A, &"x".repeat(300));
    assert_eq!(unlocked.backup_wallet(&long_label).await.unwrap_err().kind(), ErrorKind::InvalidInput);
    let bad_hint = mnemonic_request(PHRASE_A, "ok").with_chain_hints(vec!["has space".to_owned()]);
    assert_eq!(unlocked.backup_wallet(&bad_hint).await.unwrap_err().kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn hostile_and_foreign_objects_are_reported_not_fatal() {
    let memory = memory();
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("hostile world"), &policy()).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "a")).await.unwrap();
    memory.put("notes.txt", b"hello", &AppProperties::new()).await.unwrap();
    memory.put("cairn-what", b"hello", &AppProperties::new()).await.unwrap();
    let inventory = service.inventory().await.unwrap();
    assert_eq!(inventory.foreign_objects, 1);
    assert_eq!(inventory.problems.len(), 1);
    assert_eq!(inventory.problems[0].name, "cairn-what");
    assert_eq!(inventory.active().unwrap().wallet_count, 1);

    // A planted "newer" epoch with absurd KDF parameters: refused before any KDF work.
    let planted_bytes = {
        let mut bytes = memory
            .get(&names(memory.as_ref()).await.into_iter().find(|n| n.starts_with("cairn-e-")).unwrap())
            .await
            .unwrap()
            .bytes;
        bytes[7] ^= 0xff; // another epoch id
        bytes[24..28].copy_from_slice(&(1u32 << 30).to_be_bytes()); // 1 TiB of memory
        let digest = <sha2::Sha256 as sha2::Digest>::digest(&bytes[..132]);
        bytes[132..].copy_from_slice(&digest);
        bytes
    };
    let planted_epoch: cairn_core::EpochId = hex_epoch(&planted_bytes[7..23]);
    let planted_name =
        format!("cairn-e-{:08x}-{:010x}-{planted_epoch}-{:010x}-00000000", 2, T0 + 50, T0 + 50);
    // Header created_at must match the name for the object to be considered at all.
    let mut with_time = planted_bytes.clone();
    with_time[52..60].copy_from_slice(&(T0 + 50).to_be_bytes());
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&with_time[..132]);
    with_time[132..].copy_from_slice(&digest);
    memory.put(&planted_name, &with_time, &AppProperties::new()).await.unwrap();

    let phone = service_on(memory.clone(), clock);
    let error = phone.unlock(pw("hostile world"), None).await.unwrap_err();
    assert_eq!(error.kind().as_str(), "kdf_params_out_of_bounds");
    assert_eq!(phone.kdf_runs(), 0, "no KDF ran for the hostile parameters");
    // The real epoch is still reachable by id.
    let real = phone.unlock(pw("hostile world"), Some(unlocked.epoch_id())).await.unwrap();
    assert_eq!(real.restore_all().await.unwrap().wallets.len(), 1);
}

fn hex_epoch(bytes: &[u8]) -> cairn_core::EpochId {
    cairn_core::EpochId::from_bytes(bytes.try_into().unwrap())
}

#[tokio::test]
async fn no_secret_appears_in_debug_or_errors() {
    let memory = memory();
    let clock = clock();
    let service = service_on(memory.clone(), clock.clone());
    let password = "Sup3r secret pw";
    let unlocked = service.create_first_password(pw(password), &policy()).await.unwrap();
    let request = BackupRequest::mnemonic(
        Mnemonic::parse(PHRASE_A).unwrap(),
        Some(SecretString::new("my passphrase".to_owned())),
        PassphraseBackup::Include,
        "Private label",
    )
    .unwrap();
    let receipt = unlocked.backup_wallet(&request).await.unwrap();
    let key = key_request("Key label");
    unlocked.backup_wallet(&key).await.unwrap();
    let report = unlocked.restore_all().await.unwrap();
    let wrong = service.unlock(pw("wrong wrong"), None).await.unwrap_err();
    let bad_phrase = SecretString::new(PHRASE_A.replace("yellow", "zebra"));
    let bad = BackupRequest::mnemonic_phrase(&bad_phrase, None, PassphraseBackup::Exclude, "x").unwrap_err();

    let printed = [
        format!("{unlocked:?}"),
        format!("{request:?}"),
        format!("{key:?}"),
        format!("{report:?}"),
        format!("{receipt:?}"),
        format!("{service:?}"),
        format!("{wrong:?} {wrong} {} {}", wrong.message(), wrong.hint()),
        format!("{bad:?} {bad} {} {}", bad.message(), bad.hint()),
        format!("{:?}", service.inventory().await.unwrap()),
    ];
    for text in printed {
        for secret in [
            "legal",
            "winner",
            "yellow",
            "zebra",
            password,
            "my passphrase",
            "Private label",
            "Key label",
            &KEY_HEX[..16],
            "0c28fca3",
        ] {
            assert!(!text.contains(secret), "{secret:?} leaked into {text}");
        }
    }
}

#[tokio::test]
async fn production_kdf_parameters_are_used_by_default() {
    let store = memory();
    let service = BackupService::new(store.clone(), clock(), cairn_core::ServiceConfig::new());
    let unlocked = service.create_first_password(pw("real parameters"), &policy()).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "a")).await.unwrap();
    let inventory = service.inventory().await.unwrap();
    assert_eq!(inventory.active().unwrap().kdf_params, Some(cairn_core::KdfParams::recommended()));
    let restored = service.unlock(pw("real parameters"), None).await.unwrap().restore_all().await.unwrap();
    assert_eq!(restored.wallets.len(), 1);
    assert_eq!(service.kdf_runs(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn the_kdf_runs_off_the_async_executor() {
    // One executor thread: if the KDF ran on it, the ticker could not tick during the unlock.
    let store = memory();
    let service = BackupService::new(store.clone(), clock(), cairn_core::ServiceConfig::new());
    service.create_first_password(pw("blocking check"), &policy()).await.unwrap();
    let done = std::sync::atomic::AtomicBool::new(false);
    let ticks = std::sync::atomic::AtomicUsize::new(0);
    let unlock = async {
        let result = service.unlock(pw("blocking check"), None).await;
        done.store(true, Ordering::SeqCst);
        result
    };
    let ticker = async {
        while !done.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(1)).await;
            ticks.fetch_add(1, Ordering::SeqCst);
        }
    };
    let (unlocked, ()) = tokio::join!(unlock, ticker);
    unlocked.unwrap();
    assert!(
        ticks.load(Ordering::SeqCst) >= 5,
        "executor was blocked: {} ticks",
        ticks.load(Ordering::SeqCst)
    );
}
