//! Every screen transition of `AppSession` over an in-memory store: the pure logic, including
//! the failure paths a demanding user walks into (wrong password, mismatched confirmation,
//! invalid phrase, forgotten password → new epoch → old backup still restorable).

mod support;

use cairn_app::{AppTask, Notice, RecoveryAction, SUGGEST_FORGOT_AFTER, Screen};
use cairn_core::{BackupRef, ErrorKind, HealthStatus, WalletHealthQuery};
use support::*;

const SECRETS: [&str; 5] = [PASSWORD, NEW_PASSWORD, PHRASE_A, PHRASE_B, KEY_HEX];

#[tokio::test]
async fn a_new_session_is_loading_and_an_empty_account_asks_for_a_first_backup() {
    let (session, _) = memory_session();
    assert!(matches!(session.screen(), Screen::Working { task: AppTask::Loading }));
    let screen = session.refresh().await;
    expect_name(&screen, "first_backup");
    assert!(screen.error().is_none());
    expect_name(&session.screen(), "first_backup");
}

#[tokio::test]
async fn first_backup_form_problems_keep_the_form_and_upload_nothing() {
    let (session, store) = memory_session();
    session.refresh().await;

    let short = session.submit_first_backup(pw("12345"), pw("12345"), mnemonic("a", PHRASE_A)).await;
    expect_name(&short, "first_backup");
    let shown = short.error().unwrap();
    assert_eq!(shown.kind, ErrorKind::PasswordPolicy);
    assert_eq!(shown.primary, RecoveryAction::CorrectInput);
    assert!(shown.message.contains("at least 6 characters"), "{}", shown.message);

    let differ = session
        .submit_first_backup(pw(PASSWORD), pw("violet tractor sings 4 otter"), mnemonic("a", PHRASE_A))
        .await;
    expect_name(&differ, "first_backup");
    assert_eq!(differ.error().unwrap().title, "Passwords differ");

    let bad_phrase = "legal winner thank year wave sausage worth useful legal winner thank thank";
    let invalid = session.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", bad_phrase)).await;
    expect_name(&invalid, "first_backup");
    assert_eq!(invalid.error().unwrap().kind, ErrorKind::InvalidMnemonic);

    let bad_key = session.submit_first_backup(pw(PASSWORD), pw(PASSWORD), private_key("k", "zz")).await;
    assert_eq!(bad_key.error().unwrap().kind, ErrorKind::InvalidPrivateKey);

    assert!(store.is_empty(), "no password or wallet may be uploaded for a refused form");
    for screen in [short, differ, invalid, bad_key] {
        assert_no_secrets(&screen, &SECRETS);
    }
}

#[tokio::test]
async fn first_backup_then_verify_before_add_with_attempt_counting() {
    let (session, store) = memory_session();
    session.refresh().await;
    let home = session.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;
    let Screen::Home { overview, notice: Some(Notice::FirstBackupDone { receipt }) } = &home else {
        panic!("expected home after the first backup: {home:?}")
    };
    assert_eq!(overview.active_wallets, 1);
    assert_eq!(overview.active_epoch, Some(receipt.epoch_id));
    assert!(receipt.verified_at >= receipt.backed_up_at);
    let objects_after_first = store.len();

    expect_name(&session.begin_add_wallet(), "add_wallet");
    for attempt in 1..=SUGGEST_FORGOT_AFTER {
        let screen = session.submit_add_wallet(pw("not the password"), mnemonic("b", PHRASE_B)).await;
        let Screen::AddWallet { prompt } = &screen else { panic!("stays on the prompt: {screen:?}") };
        assert_eq!(prompt.attempts, attempt);
        let shown = prompt.error.as_ref().unwrap();
        assert_eq!(shown.kind, ErrorKind::WrongPassword);
        if attempt < SUGGEST_FORGOT_AFTER {
            assert!(!prompt.suggest_forgot_password);
            assert_eq!(shown.primary, RecoveryAction::ReEnterPassword);
            assert_eq!(shown.secondary, vec![RecoveryAction::ForgotPassword]);
        } else {
            assert!(prompt.suggest_forgot_password);
            assert_eq!(shown.primary, RecoveryAction::ForgotPassword);
            assert_eq!(shown.secondary, vec![RecoveryAction::ReEnterPassword]);
        }
        assert_no_secrets(&screen, &SECRETS);
    }
    assert_eq!(store.len(), objects_after_first, "a wrong password uploads nothing");

    let added = session.submit_add_wallet(pw(PASSWORD), private_key("k", KEY_HEX)).await;
    let Screen::Home { overview, notice: Some(Notice::WalletBackedUp { receipt }) } = &added else {
        panic!("expected home after adding: {added:?}")
    };
    assert_eq!(overview.active_wallets, 2);
    assert_eq!(store.len(), objects_after_first + 1);
    let tracked = session.app_wallets();
    assert_eq!(tracked.len(), 2);
    assert!(tracked.iter().any(|w| w.app_wallet_id == "k" && w.backup == Some(BackupRef::from(receipt))));

    // An invalid wallet on the add prompt is reported there, before any password work.
    session.begin_add_wallet();
    let invalid = session.submit_add_wallet(pw(PASSWORD), private_key("x", "not a key")).await;
    let Screen::AddWallet { prompt } = &invalid else { panic!("{invalid:?}") };
    assert_eq!(prompt.error.as_ref().unwrap().kind, ErrorKind::InvalidPrivateKey);
    assert_eq!(prompt.attempts, 0);
}

#[tokio::test]
async fn restore_wrong_password_then_results_wiped_when_left() {
    let (device_a, store) = memory_session();
    device_a.refresh().await;
    device_a.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;
    device_a.begin_add_wallet();
    device_a.submit_add_wallet(pw(PASSWORD), mnemonic("b", PHRASE_B)).await;

    // The "new phone": another session over the same account.
    let device_b = cairn_app::AppSession::new(service(store.clone()), None);
    expect_name(&device_b.refresh().await, "home");
    let restore = device_b.begin_restore().await;
    let Screen::Restore { epochs, prompt } = &restore else { panic!("{restore:?}") };
    assert_eq!(epochs.len(), 1);
    assert_eq!(prompt.epoch_id, Some(epochs[0].epoch_id));
    assert_eq!(epochs[0].wallet_count, 2);

    let wrong = device_b.submit_restore(pw("Violet tractor sings 4 otters"), None).await;
    let Screen::Restore { prompt, .. } = &wrong else { panic!("{wrong:?}") };
    assert_eq!(prompt.attempts, 1);
    assert!(prompt.error.as_ref().unwrap().hint.contains("caps lock"));

    let results = device_b.submit_restore(pw(PASSWORD), None).await;
    let Screen::RestoreResults { results: restored } = &results else { panic!("{results:?}") };
    assert!(!restored.from_older_password);
    assert!(restored.failures.is_empty());
    // Same-second backups come back in record-id order: compare by label.
    let mut pairs: Vec<(String, String)> = restored
        .wallets
        .iter()
        .map(|w| (w.info().label.clone(), w.reveal_phrase().unwrap().unwrap().expose_str().to_owned()))
        .collect();
    pairs.sort();
    assert_eq!(
        pairs,
        [("wallet a".to_owned(), PHRASE_A.to_owned()), ("wallet b".to_owned(), PHRASE_B.to_owned())]
    );
    assert_no_secrets(&results, &SECRETS);

    // Asking for the screen again hands out the same handles.
    let Screen::RestoreResults { results: again } = device_b.screen() else { panic!() };
    assert!(std::sync::Arc::ptr_eq(&again.wallets[0], &restored.wallets[0]));

    let home = device_b.close_results();
    assert!(matches!(home, Screen::Home { notice: Some(Notice::RestoreClosed { wiped: 2 }), .. }));
    for wallet in &restored.wallets {
        assert!(wallet.is_wiped());
        assert_eq!(wallet.reveal_phrase().unwrap_err().kind(), ErrorKind::InvalidInput);
    }

    // Leaving by any other way wipes too, and so does closing the session.
    device_b.begin_restore().await;
    let Screen::RestoreResults { results: second } = device_b.submit_restore(pw(PASSWORD), None).await else {
        panic!()
    };
    assert!(!second.wallets[0].is_wiped());
    device_b.go_home();
    assert!(second.wallets.iter().all(|w| w.is_wiped()));
    device_b.begin_restore().await;
    let Screen::RestoreResults { results: third } = device_b.submit_restore(pw(PASSWORD), None).await else {
        panic!()
    };
    drop(device_b);
    assert!(third.wallets.iter().all(|w| w.is_wiped()));
}

#[tokio::test]
async fn forgot_password_new_epoch_and_the_old_backup_stays_restorable() {
    let (session, _) = memory_session();
    session.refresh().await;
    session.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;
    session.begin_add_wallet();
    session.submit_add_wallet(pw(PASSWORD), mnemonic("b", PHRASE_B)).await;
    let old_epoch = session.app_wallets()[0].backup.unwrap().epoch_id;

    let forgot = session.forgot_password();
    let Screen::ForgotPassword { existing_epochs, explanation } = &forgot else { panic!("{forgot:?}") };
    assert_eq!(existing_epochs.len(), 1);
    assert!(explanation.contains("remember the old password"));
    expect_name(&session.begin_new_password(), "new_password");

    let weak = session.submit_new_password(pw("abc"), pw("abc")).await;
    expect_name(&weak, "new_password");
    assert_eq!(weak.error().unwrap().kind, ErrorKind::PasswordPolicy);
    let differ = session.submit_new_password(pw(NEW_PASSWORD), pw(PASSWORD)).await;
    assert_eq!(differ.error().unwrap().title, "Passwords differ");

    let home = session.submit_new_password(pw(NEW_PASSWORD), pw(NEW_PASSWORD)).await;
    let Screen::Home {
        overview,
        notice: Some(Notice::NewPasswordStarted { epoch_id, older_password_wallets }),
    } = &home
    else {
        panic!("{home:?}")
    };
    assert_ne!(*epoch_id, old_epoch);
    assert_eq!(*older_password_wallets, 2);
    assert_eq!(overview.active_wallets, 0);
    assert_eq!(overview.epochs.len(), 2);

    // Health: both wallets are only under the old password now.
    let Screen::Health { report } = session.check_health().await else { panic!() };
    assert_eq!(report.needs_attention, 2);
    assert!(report.wallets.iter().all(|w| matches!(w.status, HealthStatus::OlderPasswordOnly { .. })));

    // The old password no longer adds wallets (the active epoch is the new one) …
    session.begin_add_wallet();
    let refused = session.submit_add_wallet(pw(PASSWORD), mnemonic("a", PHRASE_A)).await;
    assert_eq!(refused.error().unwrap().kind, ErrorKind::WrongPassword);
    // … the new one does.
    expect_name(&session.submit_add_wallet(pw(NEW_PASSWORD), mnemonic("a", PHRASE_A)).await, "home");
    let Screen::Health { report } = session.check_health().await else { panic!() };
    assert_eq!(report.needs_attention, 1);
    let a = report.wallets.iter().find(|w| w.app_wallet_id == "a").unwrap();
    assert!(matches!(a.status, HealthStatus::BackedUpVerified { .. }));

    // The old backup: listed, and restorable with the old password.
    let restore = session.begin_restore().await;
    let Screen::Restore { epochs, prompt } = &restore else { panic!("{restore:?}") };
    assert_eq!(epochs.len(), 2);
    assert!(epochs[0].is_active && !epochs[1].is_active);
    assert_eq!(prompt.epoch_id, Some(*epoch_id));
    let wrong_epoch = session.submit_restore(pw(PASSWORD), None).await;
    assert_eq!(wrong_epoch.error().unwrap().kind, ErrorKind::WrongPassword);
    let old = session.submit_restore(pw(PASSWORD), Some(old_epoch)).await;
    let Screen::RestoreResults { results } = &old else { panic!("{old:?}") };
    assert!(results.from_older_password);
    assert_eq!(results.epoch_id, old_epoch);
    assert_eq!(results.wallets.len(), 2);
    let b = results.wallets.iter().find(|w| w.info().label == "wallet b").unwrap();
    assert_eq!(b.reveal_phrase().unwrap().unwrap().expose_str(), PHRASE_B);
    session.close_results();
}

#[tokio::test]
async fn choosing_another_epoch_restarts_the_attempt_count() {
    let (session, _) = memory_session();
    session.refresh().await;
    session.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;
    let old_epoch = session.app_wallets()[0].backup.unwrap().epoch_id;
    session.begin_new_password();
    session.submit_new_password(pw(NEW_PASSWORD), pw(NEW_PASSWORD)).await;
    session.begin_restore().await;
    let first = session.submit_restore(pw("wrong one"), None).await;
    let Screen::Restore { prompt, .. } = &first else { panic!() };
    assert_eq!(prompt.attempts, 1);
    let other = session.submit_restore(pw("wrong two"), Some(old_epoch)).await;
    let Screen::Restore { prompt, .. } = &other else { panic!() };
    assert_eq!((prompt.attempts, prompt.epoch_id), (1, Some(old_epoch)));
    let again = session.submit_restore(pw("wrong three"), Some(old_epoch)).await;
    let Screen::Restore { prompt, .. } = &again else { panic!() };
    assert_eq!(prompt.attempts, 2);
}

#[tokio::test]
async fn empty_account_restore_is_the_wrong_account_screen() {
    let (session, _) = memory_session();
    let screen = session.begin_restore().await;
    let Screen::NoBackupsFound { presentation } = &screen else { panic!("{screen:?}") };
    assert_eq!(presentation.primary, RecoveryAction::SwitchAccount);
    assert!(presentation.secondary.contains(&RecoveryAction::StartFirstBackup));
    assert!(presentation.hint.contains("signed in to the account you used"));
    expect_name(&session.begin_first_backup(), "first_backup");
    // Adding to an account without a password goes to the first-backup form.
    session.begin_add_wallet();
    expect_name(&session.submit_add_wallet(pw(PASSWORD), mnemonic("a", PHRASE_A)).await, "first_backup");
}

#[tokio::test]
async fn another_device_set_the_password_first() {
    let (device_a, store) = memory_session();
    let device_b = cairn_app::AppSession::new(service(store.clone()), None);
    expect_name(&device_a.refresh().await, "first_backup");
    expect_name(&device_b.refresh().await, "first_backup");
    device_a.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;
    let screen =
        device_b.submit_first_backup(pw(NEW_PASSWORD), pw(NEW_PASSWORD), mnemonic("b", PHRASE_B)).await;
    let Screen::AddWallet { prompt } = &screen else { panic!("{screen:?}") };
    assert_eq!(prompt.error.as_ref().unwrap().kind, ErrorKind::BackupExists);
    // Device B enters device A's password: verified, then added.
    let added = device_b.submit_add_wallet(pw(PASSWORD), mnemonic("b", PHRASE_B)).await;
    let Screen::Home { overview, .. } = &added else { panic!("{added:?}") };
    assert_eq!(overview.active_wallets, 2);
}

#[tokio::test]
async fn health_tracks_app_wallets_stale_missing_and_handed_back() {
    let (session, store) = memory_session();
    session.refresh().await;
    session.submit_first_backup(pw(PASSWORD), pw(PASSWORD), mnemonic("a", PHRASE_A)).await;
    let mut wallets = session.app_wallets();
    let reference = wallets[0].backup;
    wallets[0].changed_at = Some(u64::MAX / 2);
    wallets[0].has_manual_backup = true;
    wallets.push(WalletHealthQuery {
        app_wallet_id: "never".into(),
        backup: None,
        changed_at: None,
        has_manual_backup: false,
    });
    // A new session (next app launch) gets the persisted list back.
    let relaunched = cairn_app::AppSession::new(service(store.clone()), None);
    relaunched.set_app_wallets(wallets);
    relaunched.refresh().await;
    let screen = relaunched.check_health().await;
    let Screen::Health { report } = &screen else { panic!("{screen:?}") };
    assert_eq!(report.wallets.len(), 2);
    assert!(matches!(report.wallets[0].status, HealthStatus::Stale { .. }));
    assert!(!report.wallets[0].cloud_only);
    assert_eq!(report.wallets[1].status, HealthStatus::Missing);
    assert_eq!(report.needs_attention, 2);
    assert_eq!(report.damaged_objects, 0);
    assert!(report.quota.is_some());
    assert_eq!(relaunched.app_wallets()[0].backup, reference);
    expect_name(&relaunched.go_home(), "home");
}
