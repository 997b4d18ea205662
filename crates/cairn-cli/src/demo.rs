//! `cairn demo`: the whole story against an in-process emulator, with production KDF settings.
//! Every step checks what it should see; the first surprise ends the demo with a non-zero exit.

use std::sync::Arc;
use std::time::Instant;

use cairn_cloud::google_drive::{DriveConfig, GoogleDriveStore};
use cairn_cloud::{CloudStore, StaticTokenProvider};
use cairn_core::{
    BackupPassword, BackupRequest, BackupService, CairnError, ErrorKind, Mnemonic, PassphraseBackup,
    PasswordPolicy, RestoreReport, ServiceConfig, SystemClock,
};
use cairn_crypto::{Language, WordCount};
use cairn_emulator::{Emulator, EmulatorConfig};
use serde_json::{Value, json};
use url::Url;

use crate::error::CliError;
use crate::{Done, EmulatorService, Global, provider, ui};

struct Story {
    json: bool,
    steps: Vec<Value>,
    started: Instant,
}

impl Story {
    fn say(&self, line: &str) {
        if !self.json {
            ui::out(line);
        }
    }

    fn done(&mut self, step: &str, detail: &str, since: Instant) {
        let seconds = since.elapsed().as_secs_f64();
        self.steps.push(json!({"step": step, "ok": true, "seconds": (seconds * 1000.0).round() / 1000.0}));
        self.say(&format!("  {} {detail} ({seconds:.2} s)", ui::green("ok")));
    }
}

fn fail(step: &str, what: impl std::fmt::Display) -> CliError {
    CliError::Demo(format!("demo step \"{step}\" did not behave as expected: {what}"))
}

fn expect_err<T>(step: &str, result: Result<T, CairnError>, kind: ErrorKind) -> Result<CairnError, CliError> {
    match result {
        Err(e) if e.kind() == kind => Ok(e),
        Err(e) => Err(fail(step, format!("expected {}, got {}", kind.as_str(), e.kind().as_str()))),
        Ok(_) => Err(fail(step, format!("expected {}, but it succeeded", kind.as_str()))),
    }
}

async fn sign_in(base: &Url, email: &str) -> Result<BackupService, CliError> {
    let token = provider::emulator_token(base, email, EmulatorService::Drive).await?;
    let store: Arc<dyn CloudStore> = Arc::new(
        GoogleDriveStore::new(DriveConfig::new(base.clone()), Arc::new(StaticTokenProvider::new(token)))
            .map_err(CairnError::from)?,
    );
    Ok(BackupService::new(store, Arc::new(SystemClock), ServiceConfig::new()))
}

fn password(text: &str) -> BackupPassword {
    BackupPassword::from_user_input(text.to_owned())
}

/// True when the restore holds exactly `wallets` (compared in constant time by `Mnemonic`'s `==`).
fn restored_exactly(report: &RestoreReport, wallets: &[&Mnemonic]) -> bool {
    report.failures.is_empty()
        && report.wallets.len() == wallets.len()
        && wallets.iter().all(|m| report.wallets.iter().any(|w| w.mnemonic() == Some(*m)))
}

/// Runs the demo.
pub async fn run(global: &Global) -> Result<Done, CliError> {
    let mut story = Story { json: global.json, steps: Vec::new(), started: Instant::now() };
    let emulator = Emulator::start(EmulatorConfig::default())
        .await
        .map_err(|e| CliError::Internal(format!("cannot start the emulator: {e}")))?;
    let base = Url::parse(emulator.base_url()).map_err(|_| CliError::Internal("emulator URL".into()))?;
    story.say(&format!(
        "Cairn demo: an emulated Google Drive at {} (production Argon2id settings)",
        emulator.base_url()
    ));
    let result = tell(&mut story, &base).await;
    let _ = emulator.shutdown().await;
    result?;
    let total = story.started.elapsed().as_secs_f64();
    story.say(&ui::green(&format!("Every step behaved as expected ({total:.1} s in all).")));
    Ok(Done::ok(json!({"demo": {"ok": true, "steps": story.steps, "seconds": total}}), Vec::new()))
}

async fn tell(story: &mut Story, base: &Url) -> Result<(), CliError> {
    let policy = PasswordPolicy::new();
    let first_password = "correct horse battery";
    let alice = "alice@example.com";

    // 1. A new wallet on the phone.
    let t = Instant::now();
    let step = "new wallet";
    story.say("1. New wallet");
    let wallet_a = Mnemonic::generate(WordCount::Words12, Language::English).map_err(|e| fail(step, e))?;
    story.done(step, "generated a 12-word recovery phrase (not shown)", t);

    // 2. First backup: set the password, encrypt, upload, read back, verify.
    let step = "first backup";
    story.say("2. First backup: sign in, set a backup password, upload and verify");
    let t = Instant::now();
    let phone = sign_in(base, alice).await?;
    let unlocked = phone
        .create_first_password(password(first_password), &policy)
        .await
        .map_err(|e| fail(step, e.message()))?;
    let request = BackupRequest::mnemonic(wallet_a.clone(), None, PassphraseBackup::Exclude, "Everyday")
        .map_err(|e| fail(step, e.message()))?;
    let receipt = unlocked.backup_wallet(&request).await.map_err(|e| fail(step, e.message()))?;
    unlocked.close();
    story.done(step, &format!("backed up and verified at {}", ui::date(receipt.verified_at)), t);

    // 3. A second wallet: the password is asked again and verified before anything is uploaded.
    let step = "second wallet";
    story.say("3. Second wallet: re-enter the backup password (verified first), back up");
    let t = Instant::now();
    let wallet_b = Mnemonic::generate(WordCount::Words24, Language::English).map_err(|e| fail(step, e))?;
    let unlocked = phone.unlock(password(first_password), None).await.map_err(|e| fail(step, e.message()))?;
    let request = BackupRequest::mnemonic(wallet_b.clone(), None, PassphraseBackup::Exclude, "Savings")
        .map_err(|e| fail(step, e.message()))?;
    unlocked.backup_wallet(&request).await.map_err(|e| fail(step, e.message()))?;
    unlocked.close();
    story.done(step, "24-word wallet backed up under the same password", t);

    // 4. A new phone: a fresh service on the same account.
    let step = "new phone";
    story.say("4. New phone: sign in to the same account, see what is there, restore with one password");
    let t = Instant::now();
    let new_phone = sign_in(base, alice).await?;
    let inventory = new_phone.inventory().await.map_err(|e| fail(step, e.message()))?;
    let count = inventory.active().map_or(0, |e| e.wallet_count);
    if count != 2 {
        return Err(fail(step, format!("expected 2 wallets in the inventory, saw {count}")));
    }
    story.say(&format!("     inventory without a password: {count} wallets under the current password"));
    let runs_before = new_phone.kdf_runs();
    let unlocked =
        new_phone.unlock(password(first_password), None).await.map_err(|e| fail(step, e.message()))?;
    let report = unlocked.restore_all().await.map_err(|e| fail(step, e.message()))?;
    unlocked.close();
    let kdf_runs = new_phone.kdf_runs().saturating_sub(runs_before);
    if !restored_exactly(&report, &[&wallet_a, &wallet_b]) || kdf_runs != 1 {
        return Err(fail(
            step,
            format!("restored {} wallets with {kdf_runs} KDF runs", report.wallets.len()),
        ));
    }
    story.done(step, "both wallets restored, identical, with one password entry (1 KDF run)", t);

    // 5. A wrong password.
    let step = "wrong password";
    story.say("5. Wrong password");
    let t = Instant::now();
    let error = expect_err(
        step,
        new_phone.unlock(password("Correct horse battery"), None).await,
        ErrorKind::WrongPassword,
    )?;
    story.say(&format!("     {} ({}) hint: {}", error.message(), error.kind().as_str(), error.hint()));
    story.done(step, "refused with a typed error", t);

    // 6. Signed in to another account.
    let step = "wrong account";
    story.say("6. Signed in to a different account");
    let t = Instant::now();
    let other = sign_in(base, "bob@example.com").await?;
    let error =
        expect_err(step, other.unlock(password(first_password), None).await, ErrorKind::NoBackupsFound)?;
    story.say(&format!("     {} ({}) hint: {}", error.message(), error.kind().as_str(), error.hint()));
    story.done(step, "no backups found, with the right hint", t);

    // 7. Storage full.
    let step = "storage full";
    story.say("7. Cloud storage full");
    let t = Instant::now();
    set_quota(base, alice, json!(1)).await.map_err(|e| fail(step, e))?;
    let wallet_c = Mnemonic::generate(WordCount::Words12, Language::English).map_err(|e| fail(step, e))?;
    let request = BackupRequest::mnemonic(wallet_c.clone(), None, PassphraseBackup::Exclude, "Travel")
        .map_err(|e| fail(step, e.message()))?;
    let unlocked = phone.unlock(password(first_password), None).await.map_err(|e| fail(step, e.message()))?;
    let error = expect_err(step, unlocked.backup_wallet(&request).await, ErrorKind::QuotaExceeded)?;
    story.say(&format!("     {} ({}) hint: {}", error.message(), error.kind().as_str(), error.hint()));
    let report = unlocked.restore_all().await.map_err(|e| fail(step, e.message()))?;
    unlocked.close();
    if !restored_exactly(&report, &[&wallet_a, &wallet_b]) {
        return Err(fail(step, "the earlier backups are not all restorable while storage is full"));
    }
    set_quota(base, alice, Value::Null).await.map_err(|e| fail(step, e))?;
    story.done(step, "quota_exceeded reported; both earlier wallets still restore", t);

    // 8. Forgotten password: a new epoch; the old backups stay.
    let step = "forgotten password";
    story.say("8. Forgotten password: start a new backup password (old backups stay untouched)");
    let t = Instant::now();
    let old_epoch = inventory.active_epoch.ok_or_else(|| fail(step, "no active epoch"))?;
    let unlocked = phone
        .start_new_epoch(password("a brand new passphrase"), &policy)
        .await
        .map_err(|e| fail(step, e.message()))?;
    unlocked.backup_wallet(&request).await.map_err(|e| fail(step, e.message()))?;
    unlocked.close();
    let inventory = phone.inventory().await.map_err(|e| fail(step, e.message()))?;
    let older = inventory.epochs.iter().find(|e| e.epoch_id == old_epoch).map_or(0, |e| e.wallet_count);
    let active = inventory.active().map_or(0, |e| e.wallet_count);
    if inventory.active_epoch == Some(old_epoch) || older != 2 || active != 1 {
        return Err(fail(step, format!("active epoch holds {active}, the old one {older}")));
    }
    story.done(step, "new epoch active (1 wallet); 2 wallets wait under the old password", t);

    // 9. The old password comes back to mind.
    let step = "old password remembered";
    story.say("9. The old password is remembered: restore the older epoch");
    let t = Instant::now();
    let unlocked =
        phone.unlock(password(first_password), Some(old_epoch)).await.map_err(|e| fail(step, e.message()))?;
    let report = unlocked.restore_all().await.map_err(|e| fail(step, e.message()))?;
    unlocked.close();
    if !restored_exactly(&report, &[&wallet_a, &wallet_b]) {
        return Err(fail(step, "the old wallets did not all come back"));
    }
    story.done(step, "both old wallets restored", t);
    Ok(())
}

async fn set_quota(base: &Url, account: &str, limit: Value) -> Result<(), String> {
    let url = format!("{}/__control/quota", base.as_str().trim_end_matches('/'));
    let reply = reqwest::Client::new()
        .post(url)
        .json(&json!({"account": account, "provider": "google", "limit": limit}))
        .send()
        .await
        .map_err(|_| "the emulator's control API did not answer".to_owned())?;
    if reply.status().is_success() {
        Ok(())
    } else {
        Err(format!("quota change refused ({})", reply.status()))
    }
}
