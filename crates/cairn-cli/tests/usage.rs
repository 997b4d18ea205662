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
    // Without --json too: a phrase typed as arguments by mistake is not echoed back.
    let mut typed = vec!["backup"];
    typed.extend(PHRASE.split(' '));
    let stray = sb.run(&typed);
    assert_eq!(stray.code, 2);
    assert!(!stray.all().contains("abandon") && stray.stderr.contains("error:"), "{stray:?}");
    let stray_command = sb.run(&["abandon", "about"]);
    assert_eq!(stray_command.code, 2);
    assert!(!stray_command.all().contains("abandon"), "{stray_command:?}");
    let human_password = sb.run(&["--password", "hunter22", "list"]);
    assert_eq!(human_password.code, 2);
    assert!(!human_password.all().contains("hunter22"), "{human_password:?}");
    let unknown_option = sb.run(&["list", "--frobnicate"]);
    assert!(unknown_option.stderr.contains("--frobnicate"), "options are named: {unknown_option:?}");
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

/// Runs `cairn args` on a pseudo-terminal (util-linux `script`), typing each answer once the
/// output shows its prompt; returns the exit code and everything the terminal showed.
fn on_terminal(sb: &Sandbox, args: &str, answers: &[(&str, &str)]) -> (i32, String) {
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};
    let mut child = std::process::Command::new("script")
        .args(["-qec", &format!("{} {args}", common::BIN), "/dev/null"])
        .env("XDG_DATA_HOME", sb.path("data"))
        .env("XDG_CONFIG_HOME", sb.path("config"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("util-linux `script` runs the CLI on a pseudo-terminal");
    let shown = Arc::new(Mutex::new(Vec::new()));
    let mut stdout = child.stdout.take().unwrap();
    let reader = {
        let shown = shown.clone();
        std::thread::spawn(move || {
            let mut chunk = [0u8; 512];
            while let Ok(n) = stdout.read(&mut chunk) {
                if n == 0 {
                    break;
                }
                shown.lock().unwrap().extend_from_slice(&chunk[..n]);
            }
        })
    };
    let mut stdin = child.stdin.take().unwrap();
    let started = std::time::Instant::now();
    for (i, (prompt, answer)) in answers.iter().enumerate() {
        // The prompt must appear once more than it was already answered.
        let answered = answers[..i].iter().filter(|(p, _)| p == prompt).count();
        loop {
            let text = String::from_utf8_lossy(&shown.lock().unwrap()).into_owned();
            if text.matches(prompt).count() > answered {
                break;
            }
            assert!(started.elapsed().as_secs() < 60, "prompt {prompt:?} never came: {text:?}");
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        stdin.write_all(format!("{answer}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }
    let status = child.wait().unwrap();
    drop(stdin);
    reader.join().unwrap();
    let text = String::from_utf8_lossy(&shown.lock().unwrap()).into_owned();
    (status.code().unwrap_or(-1), text)
}

#[test]
fn passwords_typed_on_a_terminal_are_not_echoed() {
    let sb = Sandbox::new();
    let store = sb.path("store");
    let phrase = sb.secret("phrase", PHRASE);
    let backup = format!("--store {} backup --mnemonic-file {phrase}", store.display());
    let (code, shown) = on_terminal(
        &sb,
        &backup,
        &[("New backup password:", "typed Secret 1"), ("Type it again:", "typed Secret 1")],
    );
    assert_eq!(code, 0, "{shown}");
    assert!(shown.contains("Backed up and verified"), "{shown}");
    assert!(!shown.contains("typed Secret 1"), "the password was echoed: {shown}");

    let check = format!("--store {} check-password", store.display());
    let (code, shown) = on_terminal(&sb, &check, &[("Backup password:", "typed secret 1")]);
    assert_eq!(code, 3, "{shown}");
    assert!(shown.contains("wrong_password") && !shown.contains("typed secret 1"), "{shown}");

    let renew = format!("--store {} new-password", store.display());
    let (code, shown) = on_terminal(
        &sb,
        &renew,
        &[("New backup password:", "one password"), ("Type it again:", "another one")],
    );
    assert_eq!(code, 2, "different confirmations are refused: {shown}");
    assert!(!shown.contains("one password") && !shown.contains("another one"), "{shown}");
}
