//! Usage errors, JSON error shapes, and the demo.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{PHRASE, Sandbox};

#[test]
fn usage_errors_exit_2() {
    let sb = Sandbox::new();
    let unknown = sb.run(&["frobnicate"]);
    assert_eq!(unknown.code, 2);
    assert!(unknown.stdout.is_empty());
    let json = sb.run(&["--json", "frobnicate"]);
    assert_eq!((json.code, json.error_kind().as_str()), (2, "usage"));
    // Secrets are never accepted as arguments: there is no such option.
    let phrase_arg = sb.run(&["--json", "backup", "--mnemonic", PHRASE]);
    assert_eq!((phrase_arg.code, phrase_arg.error_kind().as_str()), (2, "usage"));
    let password_arg = sb.run(&["--json", "--password", "hunter22", "list"]);
    assert_eq!(password_arg.code, 2);
    // The JSON error of a usage mistake does not echo the arguments.
    assert!(!phrase_arg.stdout.contains("abandon") && !password_arg.stdout.contains("hunter22"));
    let neither = sb.run(&["--json", "backup"]);
    assert_eq!(neither.code, 2);
    let both_stdin = sb.run(&["--json", "backup", "--mnemonic-file", "-", "--password-file", "-"]);
    assert_eq!((both_stdin.code, both_stdin.error_kind().as_str()), (2, "usage"));
    let no_terminal = sb.run(&["--json", "--store", sb.path("s").to_str().unwrap(), "check-password"]);
    // No backups yet is reported before any password is asked.
    assert_eq!(no_terminal.error_kind(), "no_backups_found");
    let phrase = sb.secret("phrase", PHRASE);
    let no_password =
        sb.run(&["--json", "--store", sb.path("s").to_str().unwrap(), "backup", "--mnemonic-file", &phrase]);
    assert_eq!(
        (no_password.code, no_password.error_kind().as_str()),
        (2, "usage"),
        "no terminal and no file"
    );
    let bad_epoch = sb.run(&["--json", "restore", "--epoch", "xyz"]);
    assert_eq!((bad_epoch.code, bad_epoch.error_kind().as_str()), (2, "usage"));
    let emulator_without_endpoint = sb.run(&["--json", "--provider", "emulator", "list"]);
    assert_eq!(emulator_without_endpoint.error_kind(), "usage");
    let gdrive_without_client = sb.run(&["--json", "--provider", "gdrive", "list"]);
    assert_eq!(gdrive_without_client.error_kind(), "usage");
    let missing_import = sb.run(&["--json", "import", sb.path("nope").to_str().unwrap(), "--upload"]);
    assert_eq!((missing_import.code, missing_import.error_kind().as_str()), (9, "invalid_input"));
    let garbage = sb.path("garbage");
    std::fs::write(&garbage, b"not an export file at all").unwrap();
    let garbage_import = sb.run(&["--json", "import", garbage.to_str().unwrap(), "--upload"]);
    assert_eq!((garbage_import.code, garbage_import.error_kind().as_str()), (8, "corrupted"));
    let help = sb.run(&["--help"]);
    assert_eq!(help.code, 0);
    assert!(help.stdout.contains("backup") && help.stdout.contains("demo"));
}

#[test]
fn demo_exits_zero_and_tells_every_step() {
    let sb = Sandbox::new();
    let demo = sb.run(&["demo"]);
    assert_eq!(demo.code, 0, "{demo:?}");
    for step in [
        "New wallet",
        "First backup",
        "Second wallet",
        "New phone",
        "Wrong password",
        "different account",
        "storage full",
        "Forgotten password",
        "old password is remembered",
        "Every step behaved as expected",
    ] {
        assert!(demo.stdout.contains(step), "missing {step:?} in {}", demo.stdout);
    }
    assert!(demo.stdout.contains("quota_exceeded") && demo.stdout.contains("wrong_password"));
    let json = sb.run(&["--json", "demo"]);
    assert_eq!(json.code, 0);
    let doc = json.json();
    assert_eq!(doc["demo"]["ok"], true);
    assert_eq!(doc["demo"]["steps"].as_array().unwrap().len(), 9);
}
