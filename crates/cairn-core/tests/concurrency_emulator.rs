//! Two devices on one account, over real HTTP against the cairn-emulator (Drive and Huawei): each device has its
//! own service, HTTP client, access token and clock. They create the first password at the
//! same moment, then back up different wallets and the same wallet at once, round after
//! round. Nothing may be lost, every wallet restores exactly once, and after `cleanup` each
//! wallet has exactly one stored copy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use std::collections::BTreeMap;
use std::sync::Arc;

use cairn_cloud::CloudStore;
use cairn_core::{
    BackupRequest, BackupService, CairnError, ConflictReason, Language, ManualClock, Mnemonic,
    PassphraseBackup, UnlockedBackup,
};
use serde_json::json;
use support::emulator::Emu;
use support::*;

const ROUNDS: u8 = 6;
const PASSWORD: &str = "two devices, one account";

fn wallet(seed: u8, label: &str) -> (BackupRequest, String) {
    let mnemonic = Mnemonic::from_entropy(Language::English, &[seed; 16]).unwrap();
    let phrase = mnemonic.expose_phrase().expose_str().to_owned();
    let request = BackupRequest::mnemonic(mnemonic, None, PassphraseBackup::Exclude, label).unwrap();
    (request, phrase)
}

/// A second sign-in of the same account: a token of its own from the control API.
async fn second_token(emu: &Emu, account: &str, provider: &str) -> String {
    let minted =
        emu.post(&format!("/__control/accounts/{account}/tokens"), json!({"provider": provider})).await;
    minted["access_token"].as_str().unwrap().to_owned()
}

/// Backs up, and if the other device's concurrent first-password creation won the same-instant
/// tie-break after this handle was returned (docs/SERVICE.md §3), unlocks again and retries once,
/// as an app does on `conflict`.
async fn backup_with_rejoin(
    service: &BackupService,
    handle: &mut UnlockedBackup,
    request: &BackupRequest,
) -> Result<(), CairnError> {
    match handle.backup_wallet(request).await {
        Err(CairnError::Conflict { reason: ConflictReason::EpochNoLongerActive }) => {
            *handle = service.unlock(pw(PASSWORD), None).await?;
            handle.backup_wallet(request).await.map(|_| ())
        }
        other => other.map(|_| ()),
    }
}

async fn first_password_or_unlock(
    service: &BackupService,
    created: Result<UnlockedBackup, CairnError>,
) -> UnlockedBackup {
    match created {
        Err(CairnError::BackupExists) => service.unlock(pw(PASSWORD), None).await.unwrap(),
        other => other.unwrap(),
    }
}

#[derive(Clone, Copy)]
enum Provider {
    Drive,
    Huawei,
}

/// A store for one signed-in device: its own HTTP client and its own access token.
async fn device_store(emu: &Emu, account: &str, provider: Provider) -> Arc<dyn CloudStore> {
    match provider {
        Provider::Drive => emu.drive(&second_token(emu, account, "google").await),
        Provider::Huawei => emu.huawei(&second_token(emu, account, "huawei").await),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_on_one_drive_account_lose_nothing() {
    two_devices_on_one_account(Provider::Drive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_devices_on_one_huawei_account_lose_nothing() {
    two_devices_on_one_account(Provider::Huawei).await;
}

async fn two_devices_on_one_account(provider: Provider) {
    let emu = Emu::start().await;
    emu.account("erin").await;
    let (phone_clock, tablet_clock) = (clock(), Arc::new(ManualClock::new(T0 + 1)));
    let phone = service_on(device_store(&emu, "erin", provider).await, phone_clock.clone());
    let tablet = service_on(device_store(&emu, "erin", provider).await, tablet_clock.clone());

    // Both set the first password at once (same person, same password): they end on one epoch.
    let policy = policy();
    let (on_phone, on_tablet) = tokio::join!(
        phone.create_first_password(pw(PASSWORD), &policy),
        tablet.create_first_password(pw(PASSWORD), &policy)
    );
    // A device whose first listing already saw the other's epoch is told `backup_exists` and
    // enters the password instead (docs/SERVICE.md §3), as an app does.
    let mut on_phone = first_password_or_unlock(&phone, on_phone).await;
    let mut on_tablet = first_password_or_unlock(&tablet, on_tablet).await;

    let mut expected: BTreeMap<String, String> = BTreeMap::new(); // phrase -> a label it may carry
    let mut same_wallet_labels: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for round in 0..ROUNDS {
        phone_clock.advance(3);
        tablet_clock.advance(3);
        // Different wallets at once.
        let (phone_wallet, phone_phrase) = wallet(10 + round, &format!("phone-{round}"));
        let (tablet_wallet, tablet_phrase) = wallet(40 + round, &format!("tablet-{round}"));
        let (a, b) = tokio::join!(
            backup_with_rejoin(&phone, &mut on_phone, &phone_wallet),
            backup_with_rejoin(&tablet, &mut on_tablet, &tablet_wallet)
        );
        a.unwrap();
        b.unwrap();
        expected.insert(phone_phrase, format!("phone-{round}"));
        expected.insert(tablet_phrase, format!("tablet-{round}"));

        // The same wallet at once (a wallet shared by both devices, re-labelled on each), plus a
        // wallet that exists from the start and is re-backed up every round by both.
        phone_clock.advance(3);
        tablet_clock.advance(3);
        let shared_labels = [format!("shared-phone-{round}"), format!("shared-tablet-{round}")];
        let (shared_on_phone, shared_phrase) = wallet(99, &shared_labels[0]);
        let (shared_on_tablet, _) = wallet(99, &shared_labels[1]);
        let (a, b) = tokio::join!(
            backup_with_rejoin(&phone, &mut on_phone, &shared_on_phone),
            backup_with_rejoin(&tablet, &mut on_tablet, &shared_on_tablet)
        );
        a.unwrap();
        b.unwrap();
        expected.insert(shared_phrase.clone(), String::new());
        same_wallet_labels.insert(shared_phrase, shared_labels.to_vec());
    }

    // A third device restores: every wallet exactly once, the right words.
    let laptop = service_on(device_store(&emu, "erin", provider).await, clock());
    let inventory = laptop.inventory().await.unwrap();
    assert_eq!(inventory.epochs.len(), 1, "the two first-password creations converged on one epoch");
    let unlocked = laptop.unlock(pw(PASSWORD), None).await.unwrap();
    let report = unlocked.restore_all().await.unwrap();
    assert!(report.failures.is_empty());
    assert_eq!(report.wallets.len(), expected.len(), "every wallet once, no duplicates");
    let last_round = ROUNDS - 1;
    for restored in &report.wallets {
        let phrase = restored.expose_phrase().unwrap().expose_str().to_owned();
        let label = expected.get(&phrase).expect("only wallets that were backed up");
        if label.is_empty() {
            // The shared wallet carries the label of one of the last round's two backups.
            let allowed = &same_wallet_labels[&phrase];
            assert!(allowed.contains(&restored.label().to_owned()), "shared wallet: {}", restored.label());
            assert!(restored.label().ends_with(&format!("-{last_round}")));
        } else {
            assert_eq!(restored.label(), label);
        }
    }

    // Leftovers of the races are cleaned up: one copy per wallet, one password wrap.
    unlocked.cleanup().await.unwrap();
    let store = laptop.store().clone();
    assert_eq!(count_prefix(store.as_ref(), "cairn-r-").await, expected.len());
    assert_eq!(count_prefix(store.as_ref(), "cairn-e-").await, 1);
    let again = laptop.unlock(pw(PASSWORD), None).await.unwrap().restore_all().await.unwrap();
    assert_eq!(again.wallets.len(), expected.len());
}
