//! The fault matrix: every service operation × every injected cloud fault, over the real Drive
//! and Huawei adapters against the cairn-emulator on a loopback port.
//!
//! Each cell runs on its own emulator account: a baseline is backed up and verified without
//! faults, the fault rule is installed, the operation runs, the rule is removed. Then a fresh
//! service (new HTTP client, new token) checks independently that
//! - a reported success is real (the new wallet / password / epoch is there and restores),
//! - the baseline wallet still restores with the password that should open it.
//!
//! The table is printed (`cargo test -p cairn-core --test fault_matrix -- --nocapture`) and
//! every cell is asserted against the expectation table below.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::print_stdout)]

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cairn_cloud::google_drive::{DriveConfig, GoogleDriveStore};
use cairn_cloud::huawei_drive::HuaweiDriveStore;
use cairn_cloud::{AccessToken, CloudStore, HttpSettings, RetryPolicy, Sleeper, TokenError, TokenProvider};
use cairn_core::{BackupService, CairnError, ConfirmDeleteWallet, EpochId, ManualClock, RestoreReport};
use serde_json::{Value, json};
use support::emulator::Emu;
use support::*;

const PW1: &str = "first backup password";
const PW2: &str = "second backup password";
const PW_NEW: &str = "forgot it, new password";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    Drive,
    Huawei,
}

impl Provider {
    fn name(self) -> &'static str {
        match self {
            Provider::Drive => "google",
            Provider::Huawei => "huawei",
        }
    }
    fn upload_path(self) -> &'static str {
        match self {
            Provider::Drive => "/upload/drive/v3/files",
            Provider::Huawei => "/upload/drive/v1/files",
        }
    }
    /// Content downloads (and single-file metadata reads), not listings.
    fn download_glob(self) -> &'static str {
        match self {
            Provider::Drive => "/drive/v3/files/*",
            Provider::Huawei => "/drive/v1/files/*",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    FirstPassword,
    Backup,
    Restore,
    ChangePassword,
    NewEpoch,
    Delete,
}

const OPS: [Op; 6] =
    [Op::FirstPassword, Op::Backup, Op::Restore, Op::ChangePassword, Op::NewEpoch, Op::Delete];

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::FirstPassword => "first password",
            Op::Backup => "backup",
            Op::Restore => "restore",
            Op::ChangePassword => "change password",
            Op::NewEpoch => "new epoch",
            Op::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    Unauthorized401Once,
    Unauthorized401Always,
    QuotaFull,
    RateLimited429RetryAfter,
    RateLimited429Always,
    ServerError503,
    DropUpload,
    DropUploadOnce,
    CutUploadReply,
    DropReadBack,
    CorruptDownload,
    Delay,
    DeleteFails,
}

const FAULTS: [Fault; 13] = [
    Fault::Unauthorized401Once,
    Fault::Unauthorized401Always,
    Fault::QuotaFull,
    Fault::RateLimited429RetryAfter,
    Fault::RateLimited429Always,
    Fault::ServerError503,
    Fault::DropUpload,
    Fault::DropUploadOnce,
    Fault::CutUploadReply,
    Fault::DropReadBack,
    Fault::CorruptDownload,
    Fault::Delay,
    Fault::DeleteFails,
];

impl Fault {
    fn name(self) -> &'static str {
        match self {
            Fault::Unauthorized401Once => "401 once",
            Fault::Unauthorized401Always => "401 always",
            Fault::QuotaFull => "quota full",
            Fault::RateLimited429RetryAfter => "429 ×2 RA=1s",
            Fault::RateLimited429Always => "429 always",
            Fault::ServerError503 => "503 always",
            Fault::DropUpload => "drop upload",
            Fault::DropUploadOnce => "drop upload ×1",
            Fault::CutUploadReply => "cut upload reply",
            Fault::DropReadBack => "drop read-back",
            Fault::CorruptDownload => "corrupt download",
            Fault::Delay => "delay 100ms",
            Fault::DeleteFails => "503 on deletes",
        }
    }
}

/// What each cell must end in: `ok` or the error kind. The same for both providers.
///
/// Why: a 401 once is healed by one token refresh; a 401 that persists after the refresh needs
/// a new sign-in. Every operation starts with a listing, so throttling and server errors that
/// persist through the retries stop it there; a short burst of 429s is waited out (Retry-After
/// honoured). A full quota and a dropped upload only hurt operations that write (restore and
/// delete write nothing). Read-back faults hit writing operations at their verification step
/// (`verification_failed`, nothing replaced) and restore at its first download (a transport
/// failure: `network`, since the checksum refuses a corrupted body). Delays only slow things down.
/// One dropped upload is retried; an upload whose reply is cut off was stored, and its retry
/// stores a duplicate the adapters resolve: both succeed. Failing deletes only fail `delete`:
/// everywhere else retiring older copies and wraps is best effort after verification.
fn expected(op: Op, fault: Fault) -> &'static str {
    let writes = !matches!(op, Op::Restore | Op::Delete);
    match fault {
        Fault::Unauthorized401Once
        | Fault::RateLimited429RetryAfter
        | Fault::Delay
        | Fault::DropUploadOnce
        | Fault::CutUploadReply => "ok",
        Fault::DeleteFails if op == Op::Delete => "network",
        Fault::DeleteFails => "ok",
        Fault::Unauthorized401Always => "reauth_required",
        Fault::RateLimited429Always => "rate_limited",
        Fault::ServerError503 => "network",
        Fault::QuotaFull if writes => "quota_exceeded",
        Fault::DropUpload if writes => "network",
        Fault::DropReadBack | Fault::CorruptDownload if writes => "verification_failed",
        Fault::DropReadBack | Fault::CorruptDownload if op == Op::Restore => "network",
        Fault::QuotaFull | Fault::DropUpload | Fault::DropReadBack | Fault::CorruptDownload => "ok",
    }
}

/// Records the waits the retry loop asks for instead of sleeping them, so Retry-After can be
/// checked without making the test slow.
#[derive(Debug, Default)]
struct RecordingSleeper {
    waits: Mutex<Vec<Duration>>,
}

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, duration: Duration) {
        self.waits.lock().unwrap().push(duration);
    }
}

/// A host that can renew its session: a refresh mints a new access token through the
/// emulator's control API (the "silent sign-in" of a phone).
struct MintingTokens {
    http: reqwest::Client,
    mint_url: String,
    provider: &'static str,
    current: Mutex<AccessToken>,
}

impl MintingTokens {
    async fn new(emu: &Emu, account: &str, provider: Provider) -> Arc<Self> {
        let this = Self {
            http: reqwest::Client::new(),
            mint_url: format!(
                "{}/__control/accounts/{account}/tokens",
                emu.base.as_str().trim_end_matches('/')
            ),
            provider: provider.name(),
            current: Mutex::new(AccessToken::new(String::new())),
        };
        let first = this.mint().await.unwrap();
        *this.current.lock().unwrap() = first;
        Arc::new(this)
    }

    async fn mint(&self) -> Result<AccessToken, TokenError> {
        let response = self
            .http
            .post(&self.mint_url)
            .json(&json!({ "provider": self.provider }))
            .send()
            .await
            .map_err(|_| TokenError::Network)?;
        let value: Value = response.json().await.map_err(|_| TokenError::Network)?;
        let token = value["access_token"].as_str().ok_or(TokenError::ReSignInRequired)?;
        Ok(AccessToken::new(token.to_owned()))
    }
}

#[async_trait]
impl TokenProvider for MintingTokens {
    async fn access_token(&self) -> Result<AccessToken, TokenError> {
        Ok(self.current.lock().unwrap().clone())
    }

    async fn refresh_access_token(&self, _rejected: AccessToken) -> Result<AccessToken, TokenError> {
        let fresh = self.mint().await?;
        *self.current.lock().unwrap() = fresh.clone();
        Ok(fresh)
    }
}

/// A store as a fresh app instance would have it: its own HTTP client and token.
async fn store(
    emu: &Emu,
    account: &str,
    provider: Provider,
    sleeper: Arc<RecordingSleeper>,
) -> Arc<dyn CloudStore> {
    let mut config = DriveConfig::new(emu.base.clone());
    config.http =
        HttpSettings { retry: RetryPolicy::standard().with_sleeper(sleeper), ..HttpSettings::default() };
    let tokens = MintingTokens::new(emu, account, provider).await;
    match provider {
        Provider::Drive => Arc::new(GoogleDriveStore::new(config, tokens).unwrap()),
        Provider::Huawei => Arc::new(HuaweiDriveStore::new(config, tokens).unwrap()),
    }
}

async fn fresh_service(
    emu: &Emu,
    account: &str,
    provider: Provider,
    clock: Arc<ManualClock>,
) -> BackupService {
    service_on(store(emu, account, provider, Arc::default()).await, clock)
}

fn fault_rules(fault: Fault, provider: Provider, account: &str) -> Vec<Value> {
    let everything = |extra: Value| {
        let mut rule = json!({ "account": account });
        rule.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        rule
    };
    match fault {
        Fault::Unauthorized401Once => vec![everything(json!({"status": 401, "count": 1}))],
        Fault::Unauthorized401Always => vec![everything(json!({"status": 401, "count": "always"}))],
        Fault::QuotaFull => vec![],
        Fault::RateLimited429RetryAfter => {
            vec![everything(json!({"status": 429, "count": 2, "retry_after_secs": 1}))]
        }
        Fault::RateLimited429Always => {
            vec![everything(json!({"status": 429, "count": "always", "retry_after_secs": 1}))]
        }
        Fault::ServerError503 => vec![everything(json!({"status": 503, "count": "always"}))],
        Fault::DropUpload => vec![everything(
            json!({"method": "POST", "path_prefix": provider.upload_path(), "count": "always", "drop_connection": true}),
        )],
        Fault::DropUploadOnce => vec![everything(
            json!({"method": "POST", "path_prefix": provider.upload_path(), "count": 1, "drop_connection": true}),
        )],
        Fault::CutUploadReply => vec![everything(
            json!({"method": "POST", "path_prefix": provider.upload_path(), "count": 1, "truncate_body": true}),
        )],
        Fault::DeleteFails => vec![everything(
            json!({"method": "DELETE", "path": provider.download_glob(), "count": "always", "status": 503}),
        )],
        Fault::DropReadBack => vec![everything(
            json!({"method": "GET", "path": provider.download_glob(), "count": "always", "drop_connection": true}),
        )],
        Fault::CorruptDownload => vec![everything(
            json!({"method": "GET", "path": provider.download_glob(), "count": "always", "corrupt_body": true}),
        )],
        Fault::Delay => vec![everything(json!({"delay_ms": 100, "count": "always"}))],
    }
}

async fn set_quota(emu: &Emu, account: &str, provider: Provider, limit: Value) {
    emu.post("/__control/quota", json!({ "account": account, "provider": provider.name(), "limit": limit }))
        .await;
}

/// What a successful operation produced, for the independent check.
enum Effect {
    Created,
    BackedUp,
    Restored(RestoreReport),
    Changed,
    NewEpoch(EpochId),
    Deleted,
}

struct Outcome {
    cell: String,
    violations: Vec<String>,
    waits: Vec<Duration>,
}

fn phrase_of(report: &RestoreReport, label: &str) -> Option<String> {
    report
        .wallets
        .iter()
        .find(|w| w.label() == label)
        .map(|w| w.expose_phrase().map(|p| p.expose_str().to_owned()).unwrap_or_default())
}

/// Opens `epoch` (or the active one) with `password` and checks that exactly the wallets in
/// `must` restore, with their phrases; `may` lists wallets allowed to be there too.
async fn check_restores(
    service: &BackupService,
    password: &str,
    epoch: Option<EpochId>,
    must: &[(&str, &str)],
    may: &[(&str, &str)],
) -> Result<(), String> {
    let unlocked = service.unlock(pw(password), epoch).await.map_err(|e| format!("unlock: {}", e.kind()))?;
    let report = unlocked.restore_all().await.map_err(|e| format!("restore: {}", e.kind()))?;
    if !report.failures.is_empty() {
        return Err(format!("{} unreadable wallets", report.failures.len()));
    }
    for (label, phrase) in must {
        if phrase_of(&report, label).as_deref() != Some(*phrase) {
            return Err(format!("wallet {label} missing or wrong"));
        }
    }
    for wallet in &report.wallets {
        let known = must.iter().chain(may).find(|(label, _)| *label == wallet.label());
        match known {
            Some((_, phrase)) if phrase_of(&report, wallet.label()).as_deref() == Some(*phrase) => {}
            _ => return Err(format!("unexpected or wrong wallet {}", wallet.label())),
        }
    }
    let labels: Vec<&str> = report.wallets.iter().map(|w| w.label()).collect();
    let mut unique = labels.clone();
    unique.sort();
    unique.dedup();
    if unique.len() != labels.len() {
        return Err("a wallet restored twice".to_owned());
    }
    Ok(())
}

fn note(violations: &mut Vec<String>, what: &str, outcome: Result<(), String>) {
    if let Err(problem) = outcome {
        violations.push(format!("{what}: {problem}"));
    }
}

async fn run_cell(emu: &Emu, provider: Provider, op: Op, fault: Fault, index: usize) -> Outcome {
    let account = format!("m{index}-{}", provider.name());
    emu.post("/__control/accounts", json!({ "id": account })).await;
    let clock = clock();
    let sleeper = Arc::new(RecordingSleeper::default());
    let service = service_on(store(emu, &account, provider, Arc::clone(&sleeper)).await, clock.clone());

    // Baseline, verified without faults.
    let mut baseline = None;
    let mut receipt_b = None;
    if op != Op::FirstPassword {
        let unlocked = service.create_first_password(pw(PW1), &policy()).await.unwrap();
        clock.advance(5);
        unlocked.backup_wallet(&mnemonic_request(PHRASE_A, "A")).await.unwrap();
        if op == Op::Delete {
            clock.advance(5);
            receipt_b = Some(unlocked.backup_wallet(&mnemonic_request(PHRASE_B, "B")).await.unwrap());
        }
        baseline = Some(unlocked);
    }
    let epoch_a = baseline.as_ref().map(|u| u.epoch_id());
    clock.advance(5);

    if fault == Fault::QuotaFull {
        set_quota(emu, &account, provider, json!(1)).await;
    }
    for rule in fault_rules(fault, provider, &account) {
        emu.fault(rule).await;
    }
    sleeper.waits.lock().unwrap().clear();

    let result: Result<Effect, CairnError> = match op {
        Op::FirstPassword => service.create_first_password(pw(PW1), &policy()).await.map(|_| Effect::Created),
        Op::Backup => baseline
            .as_ref()
            .unwrap()
            .backup_wallet(&mnemonic_request(PHRASE_B, "B"))
            .await
            .map(|_| Effect::BackedUp),
        Op::Restore => {
            // A new phone: its own service instance, unlock and restore under the fault.
            let phone = service_on(store(emu, &account, provider, Arc::clone(&sleeper)).await, clock.clone());
            match phone.unlock(pw(PW1), None).await {
                Ok(unlocked) => unlocked.restore_all().await.map(Effect::Restored),
                Err(error) => Err(error),
            }
        }
        Op::ChangePassword => {
            baseline.as_mut().unwrap().change_password(pw(PW2), &policy()).await.map(|_| Effect::Changed)
        }
        Op::NewEpoch => service
            .start_new_epoch(pw(PW_NEW), &policy())
            .await
            .map(|unlocked| Effect::NewEpoch(unlocked.epoch_id())),
        Op::Delete => {
            let receipt = receipt_b.as_ref().unwrap();
            let confirm = ConfirmDeleteWallet { epoch_id: receipt.epoch_id, record_id: receipt.record_id };
            service.delete_wallet_backup(confirm).await.map(|_| Effect::Deleted)
        }
    };
    let waits = sleeper.waits.lock().unwrap().clone();

    emu.clear_faults().await;
    if fault == Fault::QuotaFull {
        set_quota(emu, &account, provider, Value::Null).await;
    }

    // Independent checks through a fresh service instance.
    let checker = fresh_service(emu, &account, provider, clock.clone()).await;
    let mut violations = Vec::new();
    let a = [("A", PHRASE_A)];
    let b = ("B", PHRASE_B);
    match (&result, op) {
        (Ok(_), Op::FirstPassword) => {
            note(&mut violations, "new password opens", check_restores(&checker, PW1, None, &[], &[]).await)
        }
        (Err(_), Op::FirstPassword) => {
            // Either nothing is stored, or a leftover epoch the entered password opens.
            let inventory = checker.inventory().await.unwrap();
            if !inventory.is_empty() {
                note(
                    &mut violations,
                    "leftover epoch opens",
                    check_restores(&checker, PW1, None, &[], &[]).await,
                );
            }
        }
        (Ok(_), Op::Backup) => note(
            &mut violations,
            "new backup restores",
            check_restores(&checker, PW1, None, &[a[0], b], &[]).await,
        ),
        (Err(_), Op::Backup) => {
            note(&mut violations, "baseline restores", check_restores(&checker, PW1, None, &a, &[b]).await)
        }
        (Ok(Effect::Restored(report)), Op::Restore) => {
            let complete = report.failures.is_empty()
                && report.wallets.len() == 1
                && phrase_of(report, "A").as_deref() == Some(PHRASE_A);
            if !complete {
                violations.push("restore reported success without the verified wallet".to_owned());
            }
            note(&mut violations, "baseline restores", check_restores(&checker, PW1, None, &a, &[]).await);
        }
        (Ok(_), Op::ChangePassword) => {
            note(&mut violations, "new password opens", check_restores(&checker, PW2, epoch_a, &a, &[]).await)
        }
        (Err(_), Op::ChangePassword) => note(
            &mut violations,
            "old password still opens",
            check_restores(&checker, PW1, epoch_a, &a, &[]).await,
        ),
        (Ok(Effect::NewEpoch(new_epoch)), Op::NewEpoch) => {
            let inventory = checker.inventory().await.unwrap();
            if inventory.active_epoch != Some(*new_epoch) || Some(*new_epoch) == epoch_a {
                violations.push("new epoch is not the active one".to_owned());
            }
            note(
                &mut violations,
                "new password opens",
                check_restores(&checker, PW_NEW, None, &[], &[]).await,
            );
            note(
                &mut violations,
                "old epoch restores",
                check_restores(&checker, PW1, epoch_a, &a, &[]).await,
            );
        }
        (Ok(_), Op::Delete) => {
            note(&mut violations, "deleted wallet gone", check_restores(&checker, PW1, None, &a, &[]).await)
        }
        (Err(_), Op::Delete) => {
            note(&mut violations, "baseline restores", check_restores(&checker, PW1, None, &a, &[b]).await)
        }
        (Err(_), _) => {
            note(&mut violations, "baseline restores", check_restores(&checker, PW1, epoch_a, &a, &[]).await)
        }
        (Ok(_), _) => violations.push("operation returned the wrong effect".to_owned()),
    }
    let cell = match &result {
        Ok(_) => "ok".to_owned(),
        Err(error) => error.kind().as_str().to_owned(),
    };
    Outcome { cell, violations, waits }
}

async fn run_matrix(provider: Provider) {
    let emu = Emu::start().await;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut failures = Vec::new();
    let mut index = 0;
    for op in OPS {
        let mut row = Vec::new();
        for fault in FAULTS {
            index += 1;
            let outcome = run_cell(&emu, provider, op, fault, index).await;
            let want = expected(op, fault);
            let mut shown = outcome.cell.clone();
            if outcome.cell != want {
                failures.push(format!(
                    "{} × {}: got {}, expected {want}",
                    op.name(),
                    fault.name(),
                    outcome.cell
                ));
                shown.push_str(" (!)");
            }
            for violation in &outcome.violations {
                failures.push(format!("{} × {}: {violation}", op.name(), fault.name()));
                shown.push_str(" (!!)");
            }
            // The 429 burst must have been waited out for at least the asked Retry-After.
            if fault == Fault::RateLimited429RetryAfter
                && outcome.cell == "ok"
                && !outcome.waits.iter().any(|w| *w >= Duration::from_secs(1))
            {
                failures.push(format!(
                    "{} × {}: Retry-After not honoured: {:?}",
                    op.name(),
                    fault.name(),
                    outcome.waits
                ));
            }
            row.push(shown);
        }
        rows.push(row);
    }
    print_table(provider, &rows);
    assert!(failures.is_empty(), "fault matrix ({}) failures:\n{}", provider.name(), failures.join("\n"));
}

fn print_table(provider: Provider, rows: &[Vec<String>]) {
    let first_width = OPS.iter().map(|op| op.name().len()).max().unwrap_or(0);
    let widths: Vec<usize> = FAULTS
        .iter()
        .enumerate()
        .map(|(i, fault)| {
            rows.iter()
                .map(|row| row[i].chars().count())
                .chain([fault.name().chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |first: &str, cells: Vec<String>| {
        let mut text = format!("| {first:<first_width$} |");
        for (cell, width) in cells.iter().zip(&widths) {
            let pad = width - cell.chars().count();
            text.push_str(&format!(" {cell}{} |", " ".repeat(pad)));
        }
        text
    };
    let title = match provider {
        Provider::Drive => "Google Drive adapter",
        Provider::Huawei => "Huawei Drive adapter",
    };
    println!("\nFault matrix, {title} against cairn-emulator (cell = ok or error kind):");
    println!("{}", line("operation", FAULTS.iter().map(|f| f.name().to_owned()).collect()));
    let mut rule = format!("|{}|", "-".repeat(first_width + 2));
    for width in &widths {
        rule.push_str(&format!("{}|", "-".repeat(width + 2)));
    }
    println!("{rule}");
    for (op, row) in OPS.iter().zip(rows) {
        println!("{}", line(op.name(), row.clone()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix_google_drive() {
    run_matrix(Provider::Drive).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_matrix_huawei_drive() {
    run_matrix(Provider::Huawei).await;
}
