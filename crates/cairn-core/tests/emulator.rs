//! The backup service over the real Drive and Huawei adapters against the cairn-emulator on a
//! loopback port, including injected faults.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use cairn_core::{CairnError, ErrorKind, VerificationStage};
use serde_json::json;
use support::emulator::Emu;
use support::*;

#[tokio::test]
async fn drive_backup_restore_wrong_account_and_new_phone() {
    let emu = Emu::start().await;
    let alice = emu.account("alice").await;
    let bob = emu.account("bob").await;
    let clock = clock();

    let phone = service_on(emu.drive(&alice.google_access), clock.clone());
    let unlocked = phone.create_first_password(pw("drive password"), &policy()).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "Main")).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_B, "Savings")).await.unwrap();
    unlocked.backup_wallet(&key_request("Key")).await.unwrap();

    // Signed in to the wrong account: nothing there, and the hint says so.
    let wrong_account = service_on(emu.drive(&bob.google_access), clock.clone());
    assert!(wrong_account.inventory().await.unwrap().is_empty());
    let error = wrong_account.unlock(pw("drive password"), None).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::NoBackupsFound);

    let new_phone = service_on(emu.drive(&alice.google_access), clock);
    let inventory = new_phone.inventory().await.unwrap();
    assert_eq!(inventory.active().unwrap().wallet_count, 3);
    let report = new_phone.unlock(pw("drive password"), None).await.unwrap().restore_all().await.unwrap();
    assert_eq!(new_phone.kdf_runs(), 1);
    let mut labels: Vec<&str> = report.wallets.iter().map(|w| w.label()).collect();
    labels.sort();
    assert_eq!(labels, ["Key", "Main", "Savings"]);
}

#[tokio::test]
async fn drive_faults_give_typed_errors_and_keep_the_verified_copy() {
    let emu = Emu::start().await;
    let alice = emu.account("alice").await;
    let clock = clock();
    let store = emu.drive(&alice.google_access);
    let service = service_on(store.clone(), clock.clone());
    let unlocked = service.create_first_password(pw("fault tests"), &policy()).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "v1")).await.unwrap();

    // Corrupted download during read-back: the adapter's checksum catches it, we report
    // verification failure and the previous copy stays.
    clock.advance(10);
    emu.fault(json!({"method": "GET", "path": "/drive/v3/files/*", "count": "always", "corrupt_body": true, "account": "alice"}))
        .await;
    let error = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "v2")).await.unwrap_err();
    assert_eq!(error, CairnError::VerificationFailed { stage: VerificationStage::ReadBack });
    emu.clear_faults().await;

    // Connection dropped during every upload attempt: a typed network error, nothing replaced.
    clock.advance(10);
    emu.fault(json!({"method": "POST", "path_prefix": "/upload/drive/v3/files", "count": "always", "drop_connection": true, "account": "alice"}))
        .await;
    let error = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "dropped")).await.unwrap_err();
    assert_eq!(error.kind().as_str(), "network");
    emu.clear_faults().await;

    // The upload's answer is cut off once: the store may retry; whatever the outcome, success
    // is reported only for a copy that reads back, and the restore then shows that copy.
    clock.advance(10);
    emu.fault(json!({"method": "POST", "path_prefix": "/upload/drive/v3/files", "count": 1, "truncate_body": true, "account": "alice"}))
        .await;
    let outcome = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "cut")).await;
    emu.clear_faults().await;
    let after_cut = unlocked.restore_all().await.unwrap();
    assert_eq!(after_cut.wallets.len(), 1);
    if outcome.is_ok() {
        assert_eq!(after_cut.wallets[0].label(), "cut");
    }
    // Put the wallet back to "v1" for the checks below; this also retires any leftover.
    clock.advance(10);
    unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "v1")).await.unwrap();

    // Storage full.
    emu.quota("alice", "google", 100).await;
    clock.advance(10);
    let error = unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "v3")).await.unwrap_err();
    assert_eq!(error.kind().as_str(), "quota_exceeded");
    emu.quota("alice", "google", 1 << 30).await;

    // Session revoked for good.
    emu.fault(
        json!({"path_prefix": "/drive/v3/files", "count": "always", "status": 401, "account": "alice"}),
    )
    .await;
    let error = service.inventory().await.unwrap_err();
    assert_eq!(error.kind().as_str(), "reauth_required");
    emu.clear_faults().await;

    let report = unlocked.restore_all().await.unwrap();
    assert_eq!(report.wallets.len(), 1);
    assert_eq!(report.wallets[0].label(), "v1");
    assert_eq!(count_prefix(store.as_ref(), "cairn-r-").await, 1);
}

#[tokio::test]
async fn huawei_round_trip_and_rate_limit() {
    let emu = Emu::start().await;
    let carol = emu.account("carol").await;
    let clock = clock();
    let service = service_on(emu.huawei(&carol.huawei_access), clock.clone());
    let mut unlocked = service.create_first_password(pw("huawei pass"), &policy()).await.unwrap();
    unlocked.backup_wallet(&mnemonic_request(PHRASE_C, "hw")).await.unwrap();
    clock.advance(5);
    unlocked.change_password(pw("huawei pass 2"), &policy()).await.unwrap();

    emu.fault(json!({"path_prefix": "/drive/v1/files", "count": "always", "status": 429, "reason": "4292", "retry_after_secs": 1, "account": "carol"}))
        .await;
    let error = service.unlock(pw("huawei pass 2"), None).await.unwrap_err();
    assert_eq!(error.kind().as_str(), "rate_limited");
    emu.clear_faults().await;

    let phone = service_on(emu.huawei(&carol.huawei_access), clock);
    let report = phone.unlock(pw("huawei pass 2"), None).await.unwrap().restore_all().await.unwrap();
    assert_eq!(report.wallets[0].expose_phrase().unwrap().expose_str(), PHRASE_C);
}

#[tokio::test]
async fn drive_two_devices_back_up_at_once_and_nothing_is_lost() {
    let emu = Emu::start().await;
    let dave = emu.account("dave").await;
    let clock = clock();
    let phone = service_on(emu.drive(&dave.google_access), clock.clone());
    let tablet = service_on(emu.drive(&dave.google_access), clock.clone());
    let on_phone = phone.create_first_password(pw("two devices"), &policy()).await.unwrap();
    let on_tablet = tablet.unlock(pw("two devices"), None).await.unwrap();
    let (a, b) = (mnemonic_request(PHRASE_A, "a"), mnemonic_request(PHRASE_B, "b"));
    let (ra, rb) = tokio::join!(on_phone.backup_wallet(&a), on_tablet.backup_wallet(&b));
    ra.unwrap();
    rb.unwrap();
    clock.advance(1);
    let (c1, c2) = (mnemonic_request(PHRASE_C, "c"), key_request("k"));
    let (ra, rb) = tokio::join!(on_phone.backup_wallet(&c1), on_tablet.backup_wallet(&c2));
    ra.unwrap();
    rb.unwrap();
    let report = service_on(emu.drive(&dave.google_access), clock)
        .unlock(pw("two devices"), None)
        .await
        .unwrap()
        .restore_all()
        .await
        .unwrap();
    assert_eq!(report.wallets.len(), 4);
}
