//! The screen flows over real HTTP against the cairn-emulator (Google Drive and Huawei Drive
//! personalities), signed in the way a debug build is: `emulator_store` with cairn-app's
//! `EmulatorTokenProvider` minting tokens from the control API. Faults (storage full, a
//! session that cannot be renewed, slow responses) come from the emulator's control API.

mod support;

use std::time::Duration;

use cairn_app::{
    AppTask, CloudProvider, EmulatorTokenProvider, Notice, RecoveryAction, Screen, list_emulator_accounts,
};
use cairn_cloud::{TokenError, TokenProvider};
use cairn_core::ErrorKind;
use serde_json::json;
use support::*;

#[tokio::test]
async fn dev_menu_lists_the_emulator_accounts() {
    let emu = Emu::start().await;
    emu.account("alice").await;
    emu.account("bob").await;
    let accounts = list_emulator_accounts(&emu.endpoints).await.unwrap();
    let ids: Vec<&str> = accounts.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["alice", "bob"]);
    assert_eq!(accounts[0].email, "alice@example.com");

    // Nobody listening: a typed network error, not a panic or a hang.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let closed = cairn_app::emulator_endpoints(&cairn_app::DevTarget::Desktop, port).unwrap();
    assert_eq!(list_emulator_accounts(&closed).await.unwrap_err().kind(), ErrorKind::Network);
    // Something that is not the emulator's control API.
    let mut wrong = emu.endpoints.clone();
    wrong.control_base = format!("{}/drive/v3", emu.endpoints.base_url);
    assert_eq!(list_emulator_accounts(&wrong).await.unwrap_err().kind(), ErrorKind::CloudError);
}

#[tokio::test]
async fn emulator_token_provider_mints_a_new_token_on_refresh() {
    let emu = Emu::start().await;
    emu.account("alice").await;
    let tokens = EmulatorTokenProvider::new(&emu.endpoints, "alice", CloudProvider::GoogleDrive).unwrap();
    let first = tokens.access_token().await.unwrap();
    assert_eq!(
        tokens.access_token().await.unwrap().expose_secret(),
        first.expose_secret(),
        "cached until rejected"
    );
    let second = tokens.refresh_access_token(first.clone()).await.unwrap();
    assert_ne!(second.expose_secret(), first.expose_secret());
    assert_eq!(tokens.access_token().await.unwrap().expose_secret(), second.expose_secret());
    let gone = EmulatorTokenProvider::new(&emu.endpoints, "nobody", CloudProvider::HuaweiDrive).unwrap();
    assert_eq!(gone.access_token().await.unwrap_err(), TokenError::NotSignedIn);
}

#[tokio::test]
async fn drive_first_backup_add_and_restore_on_a_new_phone() {
    let emu = Emu::start().await;
    emu.account("alice").await;
    let phone = emu.session("alice", CloudProvider::GoogleDrive);
    expect_name(&phone.refresh().await, "first_backup");
    let home = phone.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;
    assert!(matches!(home, Screen::Home { notice: Some(Notice::FirstBackupDone { .. }), .. }), "{home:?}");
    phone.begin_add_wallet();
    let wrong = phone.submit_add_wallet(pw("violet tractor"), private_key("k", KEY_HEX)).await;
    let Screen::AddWallet { prompt } = &wrong else { panic!("{wrong:?}") };
    assert_eq!(prompt.attempts, 1);
    let added = phone.submit_add_wallet(pw(PASSWORD), private_key("k", KEY_HEX)).await;
    let Screen::Home { overview, .. } = &added else { panic!("{added:?}") };
    assert_eq!(overview.active_wallets, 2);

    // New phone: a fresh session, its own token, same account.
    let new_phone = emu.session("alice", CloudProvider::GoogleDrive);
    expect_name(&new_phone.refresh().await, "home");
    expect_name(&new_phone.begin_restore().await, "restore");
    let results = new_phone.submit_restore(pw(PASSWORD), None).await;
    let Screen::RestoreResults { results: restored } = &results else { panic!("{results:?}") };
    assert_eq!(restored.wallets.len(), 2);
    // Wallets backed up in the same second come back in record-id order: find them by label.
    let by_label = |label: &str| restored.wallets.iter().find(|w| w.info().label == label).unwrap();
    assert_eq!(by_label("wallet a").reveal_phrase().unwrap().unwrap().expose_str(), PHRASE_A);
    assert_eq!(by_label("key k").reveal_private_key().unwrap().unwrap().expose_str(), KEY_HEX);
    assert!(by_label("key k").reveal_phrase().unwrap().is_none());
    assert_no_secrets(&results, &[PASSWORD, PHRASE_A, KEY_HEX]);
    new_phone.close_results();
    assert!(restored.wallets.iter().all(|w| w.is_wiped()));
}

#[tokio::test]
async fn huawei_drive_forgot_password_and_the_old_backup_restores() {
    let emu = Emu::start().await;
    emu.account("carol").await;
    let session = emu.session("carol", CloudProvider::HuaweiDrive);
    session.refresh().await;
    session.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;
    let old_epoch = session.app_wallets()[0].backup.unwrap().epoch_id;
    expect_name(&session.forgot_password(), "forgot_password");
    session.begin_new_password();
    let home = session.submit_new_password(pw(NEW_PASSWORD), pw(NEW_PASSWORD)).await;
    assert!(
        matches!(
            home,
            Screen::Home { notice: Some(Notice::NewPasswordStarted { older_password_wallets: 1, .. }), .. }
        ),
        "{home:?}"
    );

    let other_device = emu.session("carol", CloudProvider::HuaweiDrive);
    let Screen::Restore { epochs, .. } = other_device.begin_restore().await else { panic!() };
    assert_eq!(epochs.len(), 2);
    let results = other_device.submit_restore(pw(PASSWORD), Some(old_epoch)).await;
    let Screen::RestoreResults { results } = &results else { panic!("{results:?}") };
    assert!(results.from_older_password);
    assert_eq!(results.wallets[0].reveal_phrase().unwrap().unwrap().expose_str(), PHRASE_A);
    let empty_new = other_device.begin_restore().await;
    expect_name(&empty_new, "restore");
    let Screen::RestoreResults { results: current } =
        other_device.submit_restore(pw(NEW_PASSWORD), None).await
    else {
        panic!()
    };
    assert!(current.wallets.is_empty() && !current.from_older_password);
}

#[tokio::test]
async fn signed_in_to_the_wrong_account() {
    let emu = Emu::start().await;
    emu.account("alice").await;
    emu.account("bob").await;
    let alice = emu.session("alice", CloudProvider::GoogleDrive);
    alice.refresh().await;
    alice.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;

    let bob = emu.session("bob", CloudProvider::GoogleDrive);
    let screen = bob.begin_restore().await;
    let Screen::NoBackupsFound { presentation } = &screen else { panic!("{screen:?}") };
    assert_eq!(presentation.primary, RecoveryAction::SwitchAccount);
    // Switching account = a new session for the other account.
    let switched = emu.session("alice", CloudProvider::GoogleDrive);
    expect_name(&switched.begin_restore().await, "restore");
}

#[tokio::test]
async fn storage_full_guides_to_storage_and_the_retry_after_freeing_space_works() {
    let emu = Emu::start().await;
    emu.account("dave").await;
    let session = emu.session("dave", CloudProvider::GoogleDrive);
    session.refresh().await;
    session.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;
    emu.quota("dave", "google", Some(100)).await;

    session.begin_add_wallet();
    let screen = session.submit_add_wallet(pw(PASSWORD), mnemonic("b", PHRASE_B)).await;
    let Screen::Error { presentation } = &screen else { panic!("{screen:?}") };
    assert_eq!(presentation.kind, ErrorKind::QuotaExceeded);
    assert_eq!(presentation.primary, RecoveryAction::FreeUpStorage);
    assert!(presentation.hint.contains("one.google.com"), "{}", presentation.hint);
    assert_no_secrets(&screen, &[PASSWORD, PHRASE_B]);

    // Dismiss → the add prompt again (the password is typed again); space freed → it works.
    let back = session.dismiss_error();
    let Screen::AddWallet { prompt } = &back else { panic!("{back:?}") };
    assert_eq!((prompt.attempts, prompt.error.is_none()), (0, true));
    emu.quota("dave", "google", None).await;
    let added = session.submit_add_wallet(pw(PASSWORD), mnemonic("b", PHRASE_B)).await;
    let Screen::Home { overview, .. } = &added else { panic!("{added:?}") };
    assert_eq!(overview.active_wallets, 2);

    // Storage full on Huawei names HUAWEI Cloud's settings.
    let huawei = emu.session("dave", CloudProvider::HuaweiDrive);
    emu.quota("dave", "huawei", Some(1)).await;
    huawei.refresh().await;
    let screen = huawei.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;
    let Screen::Error { presentation } = &screen else { panic!("{screen:?}") };
    assert_eq!(presentation.kind, ErrorKind::QuotaExceeded);
    assert!(presentation.hint.contains("HUAWEI ID"), "{}", presentation.hint);
    expect_name(&huawei.dismiss_error(), "first_backup");
}

#[tokio::test]
async fn expired_session_asks_to_sign_in_again_and_retry_recovers() {
    let emu = Emu::start().await;
    emu.account("erin").await;
    let session = emu.session("erin", CloudProvider::GoogleDrive);
    session.refresh().await;
    session.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;

    // Every Drive call answers 401, even after the token provider mints a new token.
    emu.fault(json!({"path_prefix": "/drive/v3/files", "count": "always", "status": 401, "account": "erin"}))
        .await;
    let screen = session.refresh().await;
    let Screen::Error { presentation } = &screen else { panic!("{screen:?}") };
    assert_eq!(presentation.kind, ErrorKind::ReauthRequired);
    assert_eq!(presentation.primary, RecoveryAction::SignInAgain);
    assert!(cairn_app::needs_sign_in(presentation.kind));

    let health = session.check_health().await;
    assert_eq!(health.error().unwrap().kind, ErrorKind::ReauthRequired);
    session.begin_restore().await;
    let restore = session.retry().await;
    assert_eq!(restore.error().unwrap().primary, RecoveryAction::SignInAgain);

    // Signed in again (the fault is gone): "try again" repeats opening the restore.
    emu.clear_faults().await;
    expect_name(&session.retry().await, "restore");

    // Mid-flow: the password prompt comes back after the sign-in.
    emu.fault(json!({"path_prefix": "/drive/v3/files", "count": "always", "status": 401, "account": "erin"}))
        .await;
    session.begin_add_wallet();
    let screen = session.submit_add_wallet(pw(PASSWORD), mnemonic("b", PHRASE_B)).await;
    assert_eq!(screen.error().unwrap().primary, RecoveryAction::SignInAgain);
    emu.clear_faults().await;
    expect_name(&session.retry().await, "add_wallet");
}

#[tokio::test]
async fn the_working_screen_shows_while_an_action_runs() {
    let emu = Emu::start().await;
    emu.account("fay").await;
    let session = std::sync::Arc::new(emu.session("fay", CloudProvider::GoogleDrive));
    emu.fault(
        json!({"method": "GET", "path": "/drive/v3/files", "count": 1, "delay_ms": 1500, "account": "fay"}),
    )
    .await;
    // Start from a settled screen: a new session is already "loading" before its first refresh.
    expect_name(&session.begin_first_backup(), "first_backup");
    let running = tokio::spawn({
        let session = session.clone();
        async move { session.check_health().await }
    });
    // The listing is held back 1.5 s by the emulator; the screen must say so meanwhile.
    let mut saw_working = false;
    for _ in 0..500 {
        if matches!(session.screen(), Screen::Working { task: AppTask::CheckingHealth }) {
            saw_working = true;
            break;
        }
        if running.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let done = running.await.unwrap();
    assert!(saw_working, "the working screen was never visible");
    expect_name(&done, "health");
}
