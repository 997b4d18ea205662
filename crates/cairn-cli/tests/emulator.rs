//! The CLI against a real `cairn emulator serve` process: both Drive and Huawei, the Google
//! sign-in flow, and every error kind the emulator's faults and quotas can produce.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{EmulatorProcess, KEY_HEX, PHRASE, PHRASE_24, Sandbox, http_raw};
use serde_json::json;

fn with<'a>(base: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    base.iter().chain(extra).copied().collect()
}

#[test]
fn drive_and_huawei_through_the_emulator() {
    let emu = EmulatorProcess::start();
    let sb = Sandbox::new();
    let pw = sb.secret("pw", "emulated password");
    let phrase = sb.secret("phrase", PHRASE);
    for service in ["drive", "huawei"] {
        let args = emu.args("carol@example.com", service);
        let backup = sb.run(&with(&args, &["backup", "--mnemonic-file", &phrase, "--password-file", &pw]));
        assert_eq!(backup.code, 0, "{service}: {backup:?}");
        assert_eq!(
            backup.json()["backed_up"]["created_epoch"],
            true,
            "{service}: each service is its own cloud"
        );
        let list = sb.run(&with(&args, &["list"])).json();
        assert_eq!(list["inventory"]["epochs"][0]["wallet_count"], 1, "{service}");
        let restored = sb.run(&with(&args, &["restore", "--reveal", "--password-file", &pw])).json();
        assert_eq!(restored["restored"]["wallets"][0]["phrase"], PHRASE, "{service}");
        let status = sb.run(&with(&args, &["status"])).json();
        assert!(status["status"]["quota"]["used"].as_u64().unwrap() > 0, "{service}: {status}");
        // Another account of the same emulator sees nothing.
        let other = emu.args("dave@example.com", service);
        let none = sb.run(&with(&other, &["restore", "--password-file", &pw]));
        assert_eq!((none.code, none.error_kind().as_str()), (4, "no_backups_found"), "{service}");
    }
    // The account was created once and found again by email.
    let (_, accounts) = emu.control("GET", "/__control/accounts", &json!({}));
    let carols =
        accounts["accounts"].as_array().unwrap().iter().filter(|a| a["email"] == "carol@example.com").count();
    assert_eq!(carols, 1);

    // The Huawei provider proper: a token handed over in a file, the emulator as base URL.
    let (_, minted) =
        emu.control("POST", "/__control/accounts/carol@example.com/tokens", &json!({"provider": "huawei"}));
    let token = minted["access_token"].as_str().unwrap();
    let token_file = sb.secret("huawei-token", token);
    let huawei =
        ["--provider", "huawei", "--huawei-api-base", &emu.url, "--huawei-token-file", &token_file, "--json"];
    let list = sb.run(&with(&huawei, &["list"]));
    assert_eq!(list.json()["inventory"]["epochs"][0]["wallet_count"], 1, "{list:?}");
    // HUAWEI Cloud agreement not accepted: the provider cannot be used, with its own hint.
    let (status, _) = emu.control(
        "POST",
        "/__control/accounts/carol@example.com",
        &json!({"huawei_agreement_signed": false}),
    );
    assert_eq!(status, 200);
    let refused = sb.run(&with(&huawei, &["list"]));
    assert_eq!((refused.code, refused.error_kind().as_str()), (7, "provider_unavailable"), "{refused:?}");
    emu.control("POST", "/__control/accounts/carol@example.com", &json!({"huawei_agreement_signed": true}));
    assert_eq!(sb.run(&with(&huawei, &["list"])).code, 0);
    let unsigned = sb.run(&["--provider", "huawei", "--huawei-api-base", &emu.url, "--json", "list"]);
    assert_eq!((unsigned.code, unsigned.error_kind().as_str()), (7, "not_signed_in"));
    sb.assert_no_leak(&[PHRASE, "emulated password", token]);
}

#[test]
fn google_drive_desktop_sign_in_against_the_emulator() {
    let emu = EmulatorProcess::start();
    let sb = Sandbox::new();
    emu.control("POST", "/__control/accounts", &json!({"id": "erin", "email": "erin@example.com"}));
    let secret = sb.secret("client-secret", "emulator-client-secret");
    let pw = sb.secret("pw", "google password");
    let phrase = sb.secret("phrase", PHRASE);
    let gdrive = [
        "--provider",
        "gdrive",
        "--google-client-id",
        "cairn-emulator.apps.googleusercontent.com",
        "--google-client-secret-file",
        &secret,
        "--google-oauth-base",
        &emu.url,
        "--google-api-base",
        &emu.url,
        "--json",
    ];
    // First run: no stored token, so the CLI prints the authorization URL and waits for the
    // browser. The "browser" here follows the emulator's redirect to the CLI's loopback listener.
    let mut child = std::process::Command::new(common::BIN)
        .args(with(&gdrive, &["backup", "--mnemonic-file", &phrase, "--password-file", &pw]))
        .env("XDG_CONFIG_HOME", sb.path("config"))
        .env("XDG_DATA_HOME", sb.path("data"))
        .env("PATH", "/nonexistent")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let url = loop {
        let mut line = String::new();
        assert!(std::io::BufRead::read_line(&mut stderr, &mut line).unwrap() > 0, "no sign-in URL printed");
        if let Some(url) = line.trim().strip_prefix("http") {
            break format!("http{url}");
        }
    };
    let (status, location, _) = http_raw("GET", &url, None);
    assert_eq!(status, 302);
    let (status, _, _) = http_raw("GET", &location.unwrap(), None);
    assert_eq!(status, 200);
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    let doc: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(doc["backed_up"]["created_epoch"], true);

    // The refresh token is kept in a 0600 file; the next run signs in silently with it.
    use std::os::unix::fs::PermissionsExt;
    let token_path = sb.path("config").join("cairn").join("google-refresh-token");
    let mode = std::fs::metadata(&token_path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let list = sb.run(&with(&gdrive, &["list"]));
    assert_eq!(list.json()["inventory"]["epochs"][0]["wallet_count"], 1, "{list:?}");
    let (_, files) = emu.control("GET", "/__control/accounts/erin/files", &json!({}));
    assert!(files["files"].as_array().unwrap().len() >= 2);

    // Access revoked by the user: the stored token no longer works.
    emu.control("POST", "/__control/accounts/erin/revoke-tokens", &json!({}));
    let refresh = std::fs::read_to_string(&token_path).unwrap();
    let revoked = sb.run(&with(&gdrive, &["list"]));
    assert_eq!((revoked.code, revoked.error_kind().as_str()), (7, "reauth_required"), "{revoked:?}");
    assert!(!token_path.exists(), "the dead refresh token is forgotten so the next run signs in again");
    sb.assert_no_leak(&[PHRASE, "google password", refresh.trim(), "emulator-client-secret"]);
}

#[test]
fn every_error_kind_the_emulator_can_cause() {
    let emu = EmulatorProcess::start();
    let sb = Sandbox::new();
    let account = "frank@example.com";
    let args = emu.args(account, "drive");
    let no_retry = with(&args, &["--retries", "0"]);
    let pw = sb.secret("pw", "frank's password");
    let short = sb.secret("short", "abc");
    let phrase = sb.secret("phrase", PHRASE);
    let phrase2 = sb.secret("phrase2", PHRASE_24);
    let passphrase = sb.secret("passphrase", "TREZOR");
    let bad_passphrase = sb.secret("bad-passphrase", "trezor");
    let bad_phrase = sb.secret("bad-phrase", &PHRASE.replace("about", "abandon"));
    let bad_key = sb.secret("bad-key", &"f".repeat(64));
    let fault = |rule: serde_json::Value| {
        let (status, body) = emu.control("POST", "/__control/faults", &rule);
        assert_eq!(status, 200, "{body}");
    };
    let clear = || emu.control("DELETE", "/__control/faults", &json!({}));
    let kind_of = |extra: &[&str]| {
        let run = sb.run(&with(&no_retry, extra));
        (run.code, run.error_kind())
    };

    // Input errors, before any cloud call.
    assert_eq!(
        kind_of(&["backup", "--mnemonic-file", &phrase, "--password-file", &short]),
        (9, "password_policy".into())
    );
    assert_eq!(
        kind_of(&["backup", "--mnemonic-file", &bad_phrase, "--password-file", &pw]),
        (9, "invalid_mnemonic".into())
    );
    assert_eq!(
        kind_of(&[
            "backup",
            "--private-key-file",
            &bad_key,
            "--key-kind",
            "secp256k1",
            "--password-file",
            &pw
        ]),
        (9, "invalid_private_key".into())
    );
    assert_eq!(kind_of(&["restore", "--password-file", &pw]), (4, "no_backups_found".into()));

    // A wallet with a BIP39 passphrase that stays out of the backup.
    let backup = sb.run(&with(
        &no_retry,
        &[
            "backup",
            "--mnemonic-file",
            &phrase,
            "--passphrase-file",
            &passphrase,
            "--label",
            "p",
            "--password-file",
            &pw,
        ],
    ));
    assert_eq!(backup.code, 0, "{backup:?}");
    let restored = sb.run(&with(&no_retry, &["restore", "--password-file", &pw])).json();
    assert_eq!(restored["restored"]["wallets"][0]["passphrase"], "required");
    assert_eq!(
        kind_of(&["restore", "--passphrase-file", &bad_passphrase, "--password-file", &pw]),
        (3, "passphrase_mismatch".into())
    );
    let good =
        sb.run(&with(&no_retry, &["restore", "--passphrase-file", &passphrase, "--password-file", &pw]));
    assert_eq!(good.code, 0, "{good:?}");
    assert_eq!(kind_of(&["check-password", "--password-file", &short]), (3, "wrong_password".into()));

    // Storage full: the backup fails, the earlier one still restores.
    let (status, _) = emu.control("POST", "/__control/quota", &json!({"account": account, "limit": 1}));
    assert_eq!(status, 200);
    assert_eq!(
        kind_of(&["backup", "--mnemonic-file", &phrase2, "--password-file", &pw]),
        (6, "quota_exceeded".into())
    );
    assert_eq!(sb.run(&with(&no_retry, &["restore", "--password-file", &pw])).code, 0);
    emu.control("POST", "/__control/quota", &json!({"account": account, "limit": null}));

    // Session expired: every Drive call answers 401 and the token cannot be refreshed.
    fault(json!({"path_prefix": "/drive/v3", "status": 401, "count": "always"}));
    assert_eq!(kind_of(&["list"]), (7, "reauth_required".into()));
    clear();

    // Throttled: without retries the error surfaces; with one retry the short Retry-After is
    // waited out and the command succeeds.
    fault(json!({"path_prefix": "/drive/v3/files", "status": 429, "retry_after_secs": 1, "count": "always"}));
    assert_eq!(kind_of(&["list"]), (5, "rate_limited".into()));
    clear();
    fault(json!({"path_prefix": "/drive/v3/files", "status": 429, "retry_after_secs": 1, "count": 1}));
    let retried = sb.run(&with(&args, &["--retries", "1", "list"]));
    assert_eq!(retried.code, 0, "{retried:?}");
    clear();

    // Dropped connection.
    fault(json!({"path_prefix": "/drive/v3/files", "drop_connection": true, "count": "always"}));
    assert_eq!(kind_of(&["list"]), (5, "network".into()));
    clear();

    // A download damaged in transit fails its checksum: a retryable network error, since the
    // stored copy may be fine.
    fault(json!({"method": "GET", "path": "/drive/v3/files/*", "corrupt_body": true, "count": "always"}));
    assert_eq!(kind_of(&["restore", "--password-file", &pw]), (5, "network".into()));
    clear();

    // A stored object damaged at rest (rewritten through the Drive API): the restore reports
    // that wallet as corrupted (exit 8) and reveals nothing.
    let name = backup.json()["backed_up"]["object_name"].as_str().unwrap().to_owned();
    let (_, files) = emu.control("GET", &format!("/__control/accounts/{account}/files"), &json!({}));
    let id = files["files"].as_array().unwrap().iter().find(|f| f["name"] == name.as_str()).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, minted) =
        emu.control("POST", &format!("/__control/accounts/{account}/tokens"), &json!({"provider": "google"}));
    let token = minted["access_token"].as_str().unwrap();
    let (status, mut bytes) =
        common::http_bytes("GET", &format!("{}/drive/v3/files/{id}?alt=media", emu.url), token, b"");
    assert_eq!(status, 200);
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    let (status, _) = common::http_bytes(
        "PATCH",
        &format!("{}/upload/drive/v3/files/{id}?uploadType=media", emu.url),
        token,
        &bytes,
    );
    assert_eq!(status, 200);
    let damaged = sb.run(&with(&no_retry, &["restore", "--password-file", &pw]));
    assert_eq!(damaged.code, 8, "{damaged:?}");
    let doc = damaged.json();
    assert_eq!(doc["restored"]["failures"][0]["kind"], "corrupted", "{doc}");
    assert!(doc["restored"]["wallets"].as_array().unwrap().is_empty());

    // The read-back after an upload fails: the backup is not reported as done and the earlier
    // verified copy of the same wallet stays. Before its upload a backup downloads each object
    // once for the inventory and the password wrap once more to unlock, so the download after
    // those is the read-back.
    let clean = sb.run(&with(&no_retry, &["backup", "--mnemonic-file", &phrase2, "--password-file", &pw]));
    assert_eq!(clean.code, 0, "{clean:?}");
    let (_, files) = emu.control("GET", &format!("/__control/accounts/{account}/files"), &json!({}));
    let objects = files["files"].as_array().unwrap().len();
    fault(json!({"method": "GET", "path": "/drive/v3/files/*", "drop_connection": true,
                 "skip": objects + 1, "count": "always"}));
    let unverified =
        sb.run(&with(&no_retry, &["backup", "--mnemonic-file", &phrase2, "--password-file", &pw]));
    assert_eq!(
        (unverified.code, unverified.error_kind().as_str()),
        (8, "verification_failed"),
        "{unverified:?}"
    );
    clear();
    let list = sb.run(&with(&no_retry, &["list"])).json();
    // The wallet damaged at rest above is listed as a problem; the re-backed-up one counts once.
    assert_eq!(list["inventory"]["epochs"][0]["wallet_count"], 1, "{list}");
    assert_eq!(list["inventory"]["problems"][0]["kind"], "corrupted", "{list}");
    let restored = sb.run(&with(&no_retry, &["restore", "--reveal", "--password-file", &pw])).json();
    assert!(
        restored["restored"]["wallets"].as_array().unwrap().iter().any(|w| w["phrase"] == PHRASE_24),
        "the earlier verified copy still restores: {restored}"
    );

    // Human output of an error: message and hint on stderr, nothing on stdout.
    fault(json!({"path_prefix": "/drive/v3/files", "drop_connection": true, "count": "always"}));
    let human_args: Vec<&str> = no_retry.iter().copied().filter(|a| *a != "--json").chain(["list"]).collect();
    let human = sb.run(&human_args);
    assert_eq!(human.code, 5);
    assert!(human.stdout.is_empty());
    assert!(human.stderr.contains("error:") && human.stderr.contains("hint:"), "{}", human.stderr);
    clear();
    sb.assert_no_leak(&[PHRASE, PHRASE_24, KEY_HEX, "frank's password", "TREZOR"]);
}

#[test]
fn serve_stops_cleanly_on_sigterm_and_keeps_its_data() {
    let sb = Sandbox::new();
    let data = sb.path("emulator-data");
    let data = data.to_str().unwrap().to_owned();
    let pw = sb.secret("pw", "persisted password");
    let phrase = sb.secret("phrase", PHRASE);
    let mut emu = EmulatorProcess::start_with(&["--data", &data]);
    let (status, health) = emu.control("GET", "/__control/health", &json!({}));
    assert_eq!((status, health["ok"].as_bool()), (200, Some(true)));
    let backup = sb.run(&with(
        &emu.args("gina@example.com", "drive"),
        &["backup", "--mnemonic-file", &phrase, "--password-file", &pw],
    ));
    assert_eq!(backup.code, 0, "{backup:?}");
    let pid = emu.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = emu.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));

    // A new process on the same data folder still holds the account and its backup.
    let again = EmulatorProcess::start_with(&["--data", &data]);
    let list = sb.run(&with(&again.args("gina@example.com", "drive"), &["list"]));
    assert_eq!(list.json()["inventory"]["epochs"][0]["wallet_count"], 1, "{list:?}");
}
