//! Every subcommand against the local folder provider, through the built binary.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{KEY_HEX, PHRASE, PHRASE_24, Sandbox};

#[test]
fn every_subcommand_on_a_local_folder() {
    let sb = Sandbox::new();
    let store = sb.path("store");
    let store = store.to_str().unwrap();
    let pw1 = sb.secret("pw1", "first Backup pw");
    let pw2 = sb.secret("pw2", "second Backup pw");
    let pw3 = sb.secret("pw3", "third Backup pw");
    let wrong = sb.secret("wrong", "first backup pw");
    let phrase = sb.secret("phrase", PHRASE_24);
    let key = sb.secret("key", KEY_HEX);
    let base = ["--store", store, "--json"];
    let with = |extra: &[&str]| -> Vec<String> { base.iter().chain(extra).map(|s| s.to_string()).collect() };
    let run = |extra: &[&str]| {
        let args = with(extra);
        sb.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };

    // Empty account.
    let list = run(&["list"]);
    assert_eq!(list.code, 0, "{list:?}");
    assert_eq!(list.json()["inventory"]["epochs"].as_array().unwrap().len(), 0);
    let status = run(&["status"]);
    assert_eq!(status.json()["status"]["health"], "no_backups");
    let check = run(&["check-password", "--password-file", &pw1]);
    assert_eq!((check.code, check.error_kind().as_str()), (4, "no_backups_found"));

    // First backup creates the epoch; the second verifies the password first.
    let first = run(&[
        "backup",
        "--mnemonic-file",
        &phrase,
        "--label",
        "Savings",
        "--chain",
        "eip155:1",
        "--password-file",
        &pw1,
    ]);
    assert_eq!(first.code, 0, "{first:?}");
    let receipt = &first.json()["backed_up"];
    assert_eq!(receipt["created_epoch"], true);
    assert!(receipt["password_strength"]["score"].as_u64().unwrap() <= 4);
    assert_eq!(receipt["record_id"].as_str().unwrap().len(), 64);
    assert!(receipt["verified_at"].as_u64().unwrap() > 1_600_000_000);
    let epoch1 = receipt["epoch_id"].as_str().unwrap().to_owned();

    let refused =
        run(&["backup", "--private-key-file", &key, "--key-kind", "secp256k1", "--password-file", &wrong]);
    assert_eq!((refused.code, refused.error_kind().as_str()), (3, "wrong_password"));
    let second = run(&[
        "backup",
        "--private-key-file",
        &key,
        "--key-kind",
        "secp256k1",
        "--label",
        "Hot",
        "--password-file",
        &pw1,
    ]);
    assert_eq!(second.code, 0, "{second:?}");
    assert_eq!(second.json()["backed_up"]["created_epoch"], false);
    assert_eq!(second.json()["backed_up"]["epoch_id"], epoch1.as_str());

    // Inventory without a password.
    let list = run(&["list"]).json();
    assert_eq!(list["inventory"]["active_epoch"], epoch1.as_str());
    assert_eq!(list["inventory"]["epochs"][0]["wallet_count"], 2);
    let status = run(&["status"]).json();
    assert_eq!(status["status"]["health"], "ok");
    assert_eq!(status["status"]["active_wallets"], 2);

    // Restore: labels and kinds only, then revealed.
    let restored = run(&["restore", "--password-file", &pw1]);
    assert_eq!(restored.code, 0, "{restored:?}");
    let wallets = restored.json()["restored"]["wallets"].as_array().unwrap().clone();
    assert_eq!(wallets.len(), 2);
    let savings = wallets.iter().find(|w| w["label"] == "Savings").unwrap();
    assert_eq!(savings["kind"]["words"], 24);
    assert_eq!(savings["chain_hints"][0], "eip155:1");
    assert!(savings.get("phrase").is_none());
    assert_eq!(savings["passphrase"], "none");
    // A passphrase given for a wallet that has none does not match it.
    let stray = sb.secret("stray-passphrase", "not this wallet's");
    let savings_id = savings["record_id"].as_str().unwrap();
    let mismatch =
        run(&["restore", "--wallet", savings_id, "--passphrase-file", &stray, "--password-file", &pw1]);
    assert_eq!((mismatch.code, mismatch.error_kind().as_str()), (3, "passphrase_mismatch"));
    let one = run(&["restore", "--wallet", savings_id, "--password-file", &pw1]).json();
    assert_eq!(one["restored"]["wallets"].as_array().unwrap().len(), 1);
    let hot = wallets.iter().find(|w| w["label"] == "Hot").unwrap();
    assert_eq!(hot["kind"]["key_kind"], "secp256k1");
    let revealed = run(&["restore", "--reveal", "--password-file", &pw1]).json();
    let revealed = revealed["restored"]["wallets"].as_array().unwrap().clone();
    assert!(revealed.iter().any(|w| w["phrase"] == PHRASE_24));
    assert!(revealed.iter().any(|w| w["private_key"] == KEY_HEX));
    let human = sb.run(&["--store", store, "restore", "--password-file", &pw1]);
    assert_eq!(human.code, 0);
    assert!(human.stdout.contains("Savings") && human.stdout.contains("24-word"), "{}", human.stdout);

    // Check and change the password.
    let check = run(&["check-password", "--password-file", &pw1]).json();
    assert_eq!(check["password_ok"]["is_active"], true);
    let changed = run(&["change-password", "--password-file", &pw1, "--new-password-file", &pw2]);
    assert_eq!(changed.code, 0, "{changed:?}");
    assert_eq!(changed.json()["password_changed"]["epoch_id"], epoch1.as_str());
    assert_eq!(run(&["check-password", "--password-file", &pw1]).error_kind(), "wrong_password");
    assert_eq!(run(&["check-password", "--password-file", &pw2]).code, 0);

    // Export, offline import, import --upload into another store.
    let export_path = sb.path("backup.cairn");
    let export_path = export_path.to_str().unwrap();
    let exported = run(&["export", "--out", export_path]);
    assert_eq!(exported.code, 0, "{exported:?}");
    assert!(exported.json()["exported"]["objects"].as_u64().unwrap() >= 3);
    let again = run(&["export", "--out", export_path]);
    assert_eq!((again.code, again.error_kind().as_str()), (9, "invalid_input"));
    let offline = sb.run(&[
        "--json",
        "--store",
        "/nonexistent/never/used",
        "import",
        export_path,
        "--password-file",
        &pw2,
    ]);
    assert_eq!(offline.code, 0, "{offline:?}");
    assert_eq!(offline.json()["restored"]["wallets"].as_array().unwrap().len(), 2);
    let other = sb.path("other-store");
    let other = other.to_str().unwrap();
    let uploaded = sb.run(&["--json", "--store", other, "import", export_path, "--upload"]);
    assert_eq!(uploaded.code, 0, "{uploaded:?}");
    assert!(uploaded.json()["imported"]["uploaded"].as_u64().unwrap() >= 3);
    let other_list = sb.run(&["--json", "--store", other, "list"]).json();
    assert_eq!(other_list["inventory"]["epochs"][0]["wallet_count"], 2);

    // Forgotten password: a new epoch; the old one restores with its password.
    let fresh = run(&["new-password", "--password-file", &pw3]);
    assert_eq!(fresh.code, 0, "{fresh:?}");
    let epoch2 = fresh.json()["new_epoch"]["epoch_id"].as_str().unwrap().to_owned();
    assert_ne!(epoch2, epoch1);
    let status = run(&["status"]).json();
    assert_eq!(status["status"]["active_epoch"], epoch2.as_str());
    assert_eq!(status["status"]["older_password_wallets"], 2);
    assert_eq!(run(&["restore", "--password-file", &pw2]).error_kind(), "wrong_password");
    let old = run(&["restore", "--epoch", &epoch1, "--password-file", &pw2]);
    assert_eq!(old.json()["restored"]["wallets"].as_array().unwrap().len(), 2);
    let third = run(&["backup", "--mnemonic-file", "-", "--password-file", &pw3]);
    assert_eq!(
        (third.code, third.error_kind().as_str()),
        (9, "invalid_mnemonic"),
        "empty stdin is no phrase"
    );
    let third = sb.run_with_stdin(
        &["--store", store, "--json", "backup", "--mnemonic-file", "-", "--password-file", &pw3],
        Some(PHRASE),
    );
    assert_eq!(third.code, 0, "{third:?}");
    assert_eq!(third.json()["backed_up"]["epoch_id"], epoch2.as_str());

    // Delete needs its confirmation.
    let record = wallets[0]["record_id"].as_str().unwrap();
    let unconfirmed = run(&["delete", "--wallet", record]);
    assert_eq!((unconfirmed.code, unconfirmed.error_kind().as_str()), (2, "usage"));
    assert_eq!(run(&["list"]).json()["inventory"]["epochs"][1]["wallet_count"], 2);
    let deleted = run(&["delete", "--wallet", record, "--yes-delete"]);
    assert_eq!(deleted.code, 0, "{deleted:?}");
    assert!(deleted.json()["deleted"]["objects_deleted"].as_u64().unwrap() >= 1);
    let deleted = run(&["delete", "--epoch", &epoch1, "--yes-delete"]);
    assert_eq!(deleted.code, 0, "{deleted:?}");
    let list = run(&["list"]).json();
    let epochs = list["inventory"]["epochs"].as_array().unwrap();
    assert_eq!(epochs.len(), 1);
    assert_eq!(epochs[0]["epoch_id"], epoch2.as_str());
    let gone = run(&["delete", "--epoch", &epoch1, "--yes-delete"]);
    assert_eq!((gone.code, gone.error_kind().as_str()), (4, "not_found"));

    sb.assert_no_leak(&[
        PHRASE,
        PHRASE_24,
        KEY_HEX,
        "first Backup pw",
        "second Backup pw",
        "third Backup pw",
        "legal winner",
    ]);
}

#[test]
fn default_store_is_under_the_data_home() {
    let sb = Sandbox::new();
    let pw = sb.secret("pw", "a fine password");
    let phrase = sb.secret("phrase", PHRASE);
    let run = sb.run(&["--json", "backup", "--mnemonic-file", &phrase, "--password-file", &pw]);
    assert_eq!(run.code, 0, "{run:?}");
    let store = sb.path("data").join("cairn").join("store");
    assert!(std::fs::read_dir(&store).unwrap().count() >= 2, "objects land in {store:?}");
}

#[test]
fn a_damaged_object_is_reported_as_corrupted() {
    let sb = Sandbox::new();
    let store = sb.path("store");
    let pw = sb.secret("pw", "a fine password");
    let phrase = sb.secret("phrase", PHRASE);
    let s = store.to_str().unwrap();
    let run = sb.run(&["--json", "--store", s, "backup", "--mnemonic-file", &phrase, "--password-file", &pw]);
    assert_eq!(run.code, 0, "{run:?}");
    let name = run.json()["backed_up"]["object_name"].as_str().unwrap().to_owned();
    let path = store.join(&name);
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&path, bytes).unwrap();
    let restored = sb.run(&["--json", "--store", s, "restore", "--password-file", &pw]);
    assert_eq!(restored.code, 8, "{restored:?}");
    let doc = restored.json();
    let failures = doc["restored"]["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["kind"], "corrupted");
    assert!(doc["restored"]["wallets"].as_array().unwrap().is_empty());
}
