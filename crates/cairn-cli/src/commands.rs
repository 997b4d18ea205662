//! The subcommands over `cairn_core::BackupService`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use cairn_core::{
    BackupRequest, BackupService, CairnError, ConfirmDeleteEpoch, ConfirmDeleteWallet, EpochId, ExportScope,
    Inventory, MAX_EXPORT_LEN, PassphraseBackup, PassphraseStatus, PasswordPolicy, PrivateKey, RecordId,
    RestoreReport, ServiceConfig, SystemClock, UnlockedBackup, WalletKind,
};
use cairn_crypto::private_key::{KindLabel, PrivateKeyKind};
use clap::Args;
use serde_json::{Value, json};

use crate::error::{CliError, exit};
use crate::{Done, Global, provider, secrets, ui};

/// `cairn backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// File holding the recovery phrase (`-` = stdin).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "private_key_file",
        required_unless_present = "private_key_file"
    )]
    mnemonic_file: Option<PathBuf>,
    /// File holding the BIP39 passphrase, if the wallet has one.
    #[arg(long, value_name = "FILE", requires = "mnemonic_file")]
    passphrase_file: Option<PathBuf>,
    /// Store the passphrase in the backup (otherwise only its fingerprint is kept).
    #[arg(long, requires = "passphrase_file")]
    include_passphrase: bool,
    /// File holding a private key (`-` = stdin).
    #[arg(long, value_name = "FILE", requires = "key_kind")]
    private_key_file: Option<PathBuf>,
    /// `secp256k1` (hex or WIF) or a label for another 32-byte hex key (`ed25519`, …).
    #[arg(long, value_name = "KIND")]
    key_kind: Option<String>,
    /// With a non-secp256k1 kind: keep the key text verbatim instead of requiring 64 hex digits.
    #[arg(long, requires = "key_kind")]
    opaque_key: bool,
    /// A private label for the wallet (encrypted with it).
    #[arg(long, default_value = "")]
    label: String,
    /// Chain hints such as `eip155:1` (repeatable).
    #[arg(long = "chain", value_name = "HINT")]
    chains: Vec<String>,
}

/// `cairn restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Restore this (older) epoch instead of the active one.
    #[arg(long, value_name = "ID")]
    epoch: Option<String>,
    /// Print the recovery phrases and keys.
    #[arg(long)]
    reveal: bool,
    /// Only this wallet.
    #[arg(long, value_name = "RECORD_ID")]
    wallet: Option<String>,
    /// Check this BIP39 passphrase against wallets whose passphrase was not backed up.
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

/// `--epoch ID`.
#[derive(Debug, Args)]
pub struct EpochArg {
    /// Check this (older) epoch instead of the active one.
    #[arg(long, value_name = "ID")]
    epoch: Option<String>,
}

/// `cairn change-password`.
#[derive(Debug, Args)]
pub struct ChangePasswordArgs {
    /// File holding the new password (otherwise asked twice). The current one comes from
    /// --password-file or a prompt.
    #[arg(long, value_name = "FILE")]
    new_password_file: Option<PathBuf>,
    /// Change the password of this (older) epoch.
    #[arg(long, value_name = "ID")]
    epoch: Option<String>,
}

/// `cairn export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The file to write (must not exist).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Only this epoch.
    #[arg(long, value_name = "ID")]
    epoch: Option<String>,
}

/// `cairn import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The export file.
    file: PathBuf,
    /// Push the file's objects to the selected store instead of restoring.
    #[arg(long)]
    upload: bool,
    /// Print the recovery phrases and keys.
    #[arg(long, conflicts_with = "upload")]
    reveal: bool,
    /// Restore this epoch of the file instead of its active one.
    #[arg(long, value_name = "ID", conflicts_with = "upload")]
    epoch: Option<String>,
}

/// `cairn delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The wallet's record id (see `cairn list`).
    #[arg(long, value_name = "RECORD_ID", conflicts_with = "epoch", required_unless_present = "epoch")]
    wallet: Option<String>,
    /// A whole epoch, all its wallets included.
    #[arg(long, value_name = "EPOCH_ID")]
    epoch: Option<String>,
    /// Confirms the deletion; nothing is deleted without it.
    #[arg(long)]
    yes_delete: bool,
}

/// Strength feedback for a new password (no password text): a JSON value and a human line.
fn strength(password: &cairn_crypto::BackupPassword) -> (Value, String) {
    use cairn_crypto::password::{StrengthScore, StrengthWarning, estimate_strength};
    let estimate = estimate_strength(password, &config().kdf_params());
    let word = match estimate.score {
        StrengthScore::VeryWeak => "very weak",
        StrengthScore::Weak => "weak",
        StrengthScore::Fair => "fair",
        StrengthScore::Strong => "strong",
        StrengthScore::VeryStrong => "very strong",
    };
    let warnings: Vec<&str> = estimate
        .warnings
        .iter()
        .map(|w| match w {
            StrengthWarning::CommonPassword => "common_password",
            StrengthWarning::ContainsCommonPassword => "contains_common_password",
            StrengthWarning::Repeated => "repeated",
            StrengthWarning::Sequence => "sequence",
            StrengthWarning::KeyboardPattern => "keyboard_pattern",
            StrengthWarning::Date => "date",
            StrengthWarning::LeadingOrTrailingSpace => "leading_or_trailing_space",
        })
        .collect();
    let bits = estimate.guesses_bits().round();
    let mut line = format!("Password strength: {word} (about {bits} bits of guessing)");
    if estimate.score <= StrengthScore::Weak {
        line.push_str("; a longer password of several unrelated words is much harder to guess");
    }
    if !warnings.is_empty() {
        line.push_str(&format!(" [{}]", warnings.join(", ")));
    }
    (json!({"score": estimate.score.value(), "guesses_bits": bits, "warnings": warnings}), line)
}

fn config() -> ServiceConfig {
    ServiceConfig::new()
}

async fn service(global: &Global) -> Result<BackupService, CliError> {
    let store = provider::open(global).await?;
    Ok(BackupService::new(store, Arc::new(SystemClock), config()))
}

fn parse_epoch(text: Option<&str>) -> Result<Option<EpochId>, CliError> {
    text.map(|t| t.parse().map_err(|_| CliError::Usage("--epoch takes a 32-character hex epoch id".into())))
        .transpose()
}

fn parse_record(text: &str) -> Result<RecordId, CliError> {
    text.parse().map_err(|_| CliError::Usage("--wallet takes a 64-character hex record id".into()))
}

fn distinct_stdin(files: &[Option<&Path>]) -> Result<(), CliError> {
    let stdin_uses = files.iter().flatten().filter(|p| **p == Path::new("-")).count();
    if stdin_uses > 1 {
        return Err(CliError::Usage("only one secret can be read from stdin (`-`)".into()));
    }
    Ok(())
}

/// `cairn backup`.
pub async fn backup(global: &Global, args: BackupArgs) -> Result<Done, CliError> {
    distinct_stdin(&[
        global.password_file.as_deref(),
        args.mnemonic_file.as_deref(),
        args.passphrase_file.as_deref(),
        args.private_key_file.as_deref(),
    ])?;
    // The secret is checked before any password is asked or any cloud call is made.
    let request = if let Some(path) = &args.mnemonic_file {
        let phrase = secrets::read_secret_file(path)?;
        let passphrase = args.passphrase_file.as_deref().map(secrets::read_secret_file).transpose()?;
        let keep =
            if args.include_passphrase { PassphraseBackup::Include } else { PassphraseBackup::Exclude };
        BackupRequest::mnemonic_phrase(&phrase, passphrase, keep, args.label.clone())?
    } else if let (Some(path), Some(kind)) = (&args.private_key_file, &args.key_kind) {
        let text = secrets::read_secret_file(path)?;
        let kind = match kind.as_str() {
            "secp256k1" => PrivateKeyKind::Secp256k1,
            other => {
                let label = KindLabel::new(other).map_err(CairnError::from)?;
                if args.opaque_key { PrivateKeyKind::Opaque(label) } else { PrivateKeyKind::Raw32(label) }
            }
        };
        let key = PrivateKey::parse(text.expose_str().trim(), kind).map_err(CairnError::from)?;
        BackupRequest::private_key(key, args.label.clone())
    } else {
        return Err(CliError::Usage("give --mnemonic-file or --private-key-file with --key-kind".into()));
    };
    let request = request.with_chain_hints(args.chains.clone());

    let service = service(global).await?;
    let inventory = ui::spin("Reading the backups", service.inventory()).await?;
    let created = inventory.active_epoch.is_none();
    let mut feedback = None;
    let unlocked = if created {
        let password = secrets::new_password(global.password_file.as_deref(), "New backup password")?;
        feedback = Some(strength(&password));
        ui::spin(
            "Setting the backup password",
            service.create_first_password(password, &PasswordPolicy::new()),
        )
        .await?
    } else {
        let password = secrets::password(global.password_file.as_deref(), "Backup password")?;
        ui::spin("Checking the password", service.unlock(password, None)).await?
    };
    let receipt = ui::spin("Uploading and verifying", unlocked.backup_wallet(&request)).await?;
    unlocked.close();
    let json = json!({"backed_up": {
        "record_id": receipt.record_id.to_string(),
        "epoch_id": receipt.epoch_id.to_string(),
        "backed_up_at": receipt.backed_up_at,
        "verified_at": receipt.verified_at,
        "object_name": receipt.object_name,
        "retired_copies": receipt.retired_copies,
        "created_epoch": created,
    }});
    let mut json = json;
    let mut human = Vec::new();
    if let Some((value, line)) = feedback {
        json["backed_up"]["password_strength"] = value;
        human.push(format!("Backup password set (epoch {}).", receipt.epoch_id));
        human.push(line);
    }
    human.push(ui::green(&format!(
        "Backed up and verified at {} (wallet {}).",
        ui::date(receipt.verified_at),
        receipt.record_id
    )));
    Ok(Done::ok(json, human))
}

fn kind_json(kind: &WalletKind) -> Value {
    match kind {
        WalletKind::Mnemonic { language, words } => {
            json!({"type": "mnemonic", "language": format!("{language:?}").to_lowercase(), "words": words})
        }
        WalletKind::PrivateKey { kind_label, encoding } => {
            json!({"type": "private_key", "key_kind": kind_label, "encoding": format!("{encoding:?}").to_lowercase()})
        }
    }
}

fn kind_human(kind: &WalletKind) -> String {
    match kind {
        WalletKind::Mnemonic { language, words } => format!("{words}-word recovery phrase ({language:?})"),
        WalletKind::PrivateKey { kind_label, .. } => format!("{kind_label} private key"),
    }
}

fn passphrase_json(status: &Result<PassphraseStatus, CairnError>) -> &'static str {
    match status {
        Ok(PassphraseStatus::NotApplicable) => "not_applicable",
        Ok(PassphraseStatus::None) => "none",
        Ok(PassphraseStatus::Stored) => "stored",
        Ok(PassphraseStatus::Required) => "required",
        Ok(PassphraseStatus::Unknown) | Err(_) => "unknown",
    }
}

/// Prints a restore report. Secrets only with `reveal`.
fn restore_output(
    report: &RestoreReport,
    reveal: bool,
    wallet: Option<RecordId>,
    passphrase: Option<&cairn_crypto::SecretString>,
) -> Result<Done, CliError> {
    let chosen: Vec<_> =
        report.wallets.iter().filter(|w| wallet.is_none_or(|id| w.record_id() == id)).collect();
    if wallet.is_some() && chosen.is_empty() {
        return Err(CliError::Cairn(CairnError::NotFound));
    }
    if let Some(passphrase) = passphrase {
        for w in &chosen {
            if matches!(
                w.passphrase_status(),
                Ok(PassphraseStatus::Required | PassphraseStatus::Stored | PassphraseStatus::None)
            ) {
                w.check_passphrase(passphrase)?;
            }
        }
    }
    let mut wallets = Vec::new();
    let mut human = vec![format!("Restored {} wallet(s) of epoch {}:", chosen.len(), report.epoch_id)];
    for w in &chosen {
        let status = w.passphrase_status();
        let mut entry = json!({
            "record_id": w.record_id().to_string(),
            "label": w.label(),
            "kind": kind_json(&w.kind()),
            "chain_hints": w.chain_hints(),
            "backed_up_at": w.backed_up_at(),
            "passphrase": passphrase_json(&status),
        });
        let label = if w.label().is_empty() { "(no label)" } else { w.label() };
        human.push(format!(
            "  {label}: {}, backed up {} [{}]",
            kind_human(&w.kind()),
            ui::date(w.backed_up_at()),
            w.record_id()
        ));
        if matches!(status, Ok(PassphraseStatus::Required)) {
            human.push("    its BIP39 passphrase was not backed up: you need it to use this wallet".into());
        }
        if reveal {
            if let Some(phrase) = w.expose_phrase() {
                entry["phrase"] = json!(phrase.expose_str());
                human.push(format!("    phrase: {}", phrase.expose_str()));
            }
            if let Some(key) = w.expose_private_key() {
                entry["private_key"] = json!(key.expose_str());
                human.push(format!("    key: {}", key.expose_str()));
            }
            if let Some(stored) = w.expose_stored_passphrase() {
                entry["stored_passphrase"] = json!(stored.expose_str());
                human.push(format!("    passphrase: {}", stored.expose_str()));
            }
        }
        wallets.push(entry);
    }
    let failures: Vec<Value> = report
        .failures
        .iter()
        .filter(|f| wallet.is_none_or(|id| f.record_id == id))
        .map(|f| {
            human.push(format!(
                "  wallet {} could not be restored: {} ({})",
                f.record_id,
                f.error.message(),
                f.error.kind().as_str()
            ));
            json!({"record_id": f.record_id.to_string(), "kind": f.error.kind().as_str(),
                   "message": f.error.message(), "hint": f.error.hint()})
        })
        .collect();
    if !reveal && !chosen.is_empty() {
        human.push(ui::dim("(phrases and keys stay hidden; add --reveal to print them)"));
    }
    let exit_code = if failures.is_empty() { exit::OK } else { exit::CORRUPTED };
    let json = json!({"restored": {"epoch_id": report.epoch_id.to_string(), "wallets": wallets, "failures": failures}});
    Ok(Done { json, human, exit_code })
}

async fn unlock_for_restore(
    service: &BackupService,
    global: &Global,
    epoch: Option<EpochId>,
) -> Result<UnlockedBackup, CliError> {
    let inventory = ui::spin("Reading the backups", service.inventory()).await?;
    if inventory.epochs.is_empty() {
        return Err(CliError::Cairn(CairnError::NoBackupsFound));
    }
    let password = secrets::password(global.password_file.as_deref(), "Backup password")?;
    Ok(ui::spin("Unlocking", service.unlock(password, epoch)).await?)
}

/// `cairn restore`.
pub async fn restore(global: &Global, args: RestoreArgs) -> Result<Done, CliError> {
    distinct_stdin(&[global.password_file.as_deref(), args.passphrase_file.as_deref()])?;
    let epoch = parse_epoch(args.epoch.as_deref())?;
    let wallet = args.wallet.as_deref().map(parse_record).transpose()?;
    let passphrase = args.passphrase_file.as_deref().map(secrets::read_secret_file).transpose()?;
    let service = service(global).await?;
    let unlocked = unlock_for_restore(&service, global, epoch).await?;
    let report = ui::spin("Downloading and decrypting", unlocked.restore_all()).await?;
    unlocked.close();
    restore_output(&report, args.reveal, wallet, passphrase.as_ref())
}

fn inventory_json(inventory: &Inventory) -> Value {
    let epochs: Vec<Value> = inventory
        .epochs
        .iter()
        .map(|e| {
            json!({
                "epoch_id": e.epoch_id.to_string(),
                "is_active": e.is_active,
                "born_at": e.born_at,
                "password_set_at": e.password_set_at,
                "wallet_count": e.wallet_count,
                "last_backup_at": e.last_backup_at,
                "records": e.records.iter().map(|r| json!({
                    "record_id": r.record_id.to_string(),
                    "first_backed_up_at": r.first_backed_up_at,
                    "backed_up_at": r.backed_up_at,
                    "copies": r.copies,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let problems: Vec<Value> = inventory
        .problems
        .iter()
        .map(|p| json!({"name": p.name, "kind": p.error.kind().as_str(), "message": p.error.message()}))
        .collect();
    json!({
        "active_epoch": inventory.active_epoch.map(|e| e.to_string()),
        "epochs": epochs,
        "problems": problems,
        "foreign_objects": inventory.foreign_objects,
    })
}

fn inventory_human(inventory: &Inventory) -> Vec<String> {
    let mut lines = Vec::new();
    if inventory.epochs.is_empty() {
        lines.push("No backups on this account.".into());
    }
    for e in &inventory.epochs {
        let when = e.last_backup_at.map_or_else(|| "never".to_owned(), ui::date);
        let which = if e.is_active { "your current password" } else { "an older password" };
        lines.push(format!(
            "{} wallet(s), last backed up {when}, under {which} (epoch {})",
            e.wallet_count, e.epoch_id
        ));
        for r in &e.records {
            lines.push(format!("  wallet {}  backed up {}", r.record_id, ui::date(r.backed_up_at)));
        }
    }
    for p in &inventory.problems {
        lines.push(format!("problem: {} is unreadable ({})", p.name, p.error.kind().as_str()));
    }
    lines
}

/// `cairn list`.
pub async fn list(global: &Global) -> Result<Done, CliError> {
    let service = service(global).await?;
    let inventory = ui::spin("Reading the backups", service.inventory()).await?;
    Ok(Done::ok(json!({"inventory": inventory_json(&inventory)}), inventory_human(&inventory)))
}

/// `cairn status`.
pub async fn status(global: &Global) -> Result<Done, CliError> {
    let service = service(global).await?;
    let inventory = ui::spin("Reading the backups", service.inventory()).await?;
    let quota = service.storage_quota().await.ok();
    let active = inventory.active();
    let active_wallets = active.map_or(0, |e| e.wallet_count);
    let older_wallets: usize = inventory.epochs.iter().filter(|e| !e.is_active).map(|e| e.wallet_count).sum();
    let health = if inventory.epochs.is_empty() {
        "no_backups"
    } else if !inventory.problems.is_empty() {
        "damaged_objects"
    } else {
        "ok"
    };
    let json = json!({"status": {
        "provider": provider::describe(global),
        "health": health,
        "active_epoch": inventory.active_epoch.map(|e| e.to_string()),
        "epochs": inventory.epochs.len(),
        "active_wallets": active_wallets,
        "older_password_wallets": older_wallets,
        "last_backup_at": active.and_then(|e| e.last_backup_at),
        "problems": inventory.problems.len(),
        "quota": quota.map(|q| json!({"used": q.used, "limit": q.limit})),
    }});
    let mut human = vec![format!("Store: {}", provider::describe(global))];
    match active {
        None => human.push("No backups on this account yet.".into()),
        Some(e) => human.push(format!(
            "{} wallet(s) under your current password, last backed up {}",
            e.wallet_count,
            e.last_backup_at.map_or_else(|| "never".to_owned(), ui::date)
        )),
    }
    if older_wallets > 0 {
        human.push(format!("{older_wallets} wallet(s) only under an older password: back them up again"));
    }
    if !inventory.problems.is_empty() {
        human.push(format!("{} damaged object(s): run `cairn list` for details", inventory.problems.len()));
    }
    if let Some(q) = quota {
        human.push(match q.limit {
            Some(limit) => format!("Cloud storage: {} of {} bytes used", q.used, limit),
            None => format!("Cloud storage: {} bytes used", q.used),
        });
    }
    Ok(Done::ok(json, human))
}

/// `cairn check-password`.
pub async fn check_password(global: &Global, args: EpochArg) -> Result<Done, CliError> {
    let epoch = parse_epoch(args.epoch.as_deref())?;
    let service = service(global).await?;
    let inventory = ui::spin("Reading the backups", service.inventory()).await?;
    if inventory.epochs.is_empty() {
        return Err(CliError::Cairn(CairnError::NoBackupsFound));
    }
    let password = secrets::password(global.password_file.as_deref(), "Backup password")?;
    let check = ui::spin("Checking the password", service.check_password(password, epoch)).await?;
    Ok(Done::ok(
        json!({"password_ok": {"epoch_id": check.epoch_id.to_string(), "is_active": check.is_active}}),
        vec![ui::green(&format!("Correct: that password opens epoch {}.", check.epoch_id))],
    ))
}

/// `cairn new-password`.
pub async fn new_password(global: &Global) -> Result<Done, CliError> {
    let service = service(global).await?;
    let password = secrets::new_password(global.password_file.as_deref(), "New backup password")?;
    let (strength_json, strength_line) = strength(&password);
    let unlocked =
        ui::spin("Starting a new epoch", service.start_new_epoch(password, &PasswordPolicy::new())).await?;
    let epoch = unlocked.epoch_id();
    unlocked.close();
    Ok(Done::ok(
        json!({"new_epoch": {"epoch_id": epoch.to_string(), "password_strength": strength_json}}),
        vec![
            ui::green(&format!("New backup password set (epoch {epoch}).")),
            strength_line,
            "Older backups stay in the cloud: restore them with `cairn restore --epoch ID` if you remember their password."
                .into(),
        ],
    ))
}

/// `cairn change-password`.
pub async fn change_password(global: &Global, args: ChangePasswordArgs) -> Result<Done, CliError> {
    distinct_stdin(&[global.password_file.as_deref(), args.new_password_file.as_deref()])?;
    let epoch = parse_epoch(args.epoch.as_deref())?;
    let service = service(global).await?;
    let inventory = ui::spin("Reading the backups", service.inventory()).await?;
    if inventory.epochs.is_empty() {
        return Err(CliError::Cairn(CairnError::NoBackupsFound));
    }
    let old = secrets::password(global.password_file.as_deref(), "Current backup password")?;
    let new = secrets::new_password(args.new_password_file.as_deref(), "New backup password")?;
    let policy = PasswordPolicy::new();
    policy.check(&new).map_err(CairnError::from)?;
    let (strength_json, strength_line) = strength(&new);
    let mut unlocked = ui::spin("Checking the current password", service.unlock(old, epoch)).await?;
    let change = ui::spin("Changing the password", unlocked.change_password(new, &policy)).await?;
    unlocked.close();
    Ok(Done::ok(
        json!({"password_changed": {"epoch_id": change.epoch_id.to_string(), "changed_at": change.changed_at,
               "retired_wraps": change.retired_wraps, "password_strength": strength_json}}),
        vec![ui::green(&format!("Backup password changed (epoch {}).", change.epoch_id)), strength_line],
    ))
}

/// `cairn export`.
pub async fn export(global: &Global, args: ExportArgs) -> Result<Done, CliError> {
    let scope = match parse_epoch(args.epoch.as_deref())? {
        Some(id) => ExportScope::Epoch(id),
        None => ExportScope::Everything,
    };
    let service = service(global).await?;
    let file = ui::spin("Exporting", service.export(scope)).await?;
    let shown = args.out.display().to_string();
    {
        use std::io::Write;
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&args.out)
            .map_err(|e| CliError::Input(format!("cannot create {shown}: {}", e.kind())))?;
        out.write_all(&file.bytes)
            .and_then(|()| out.sync_all())
            .map_err(|e| CliError::Internal(format!("cannot write {shown}: {}", e.kind())))?;
    }
    let skipped: Vec<Value> =
        file.skipped.iter().map(|p| json!({"name": p.name, "kind": p.error.kind().as_str()})).collect();
    let mut human = vec![ui::green(&format!("Exported {} encrypted object(s) to {shown}.", file.objects))];
    if !skipped.is_empty() {
        human.push(format!("{} damaged object(s) were left out.", skipped.len()));
    }
    Ok(Done::ok(
        json!({"exported": {"path": shown, "objects": file.objects, "bytes": file.bytes.len(), "skipped": skipped}}),
        human,
    ))
}

fn read_export(path: &Path) -> Result<Vec<u8>, CliError> {
    use std::io::Read;
    let shown = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::Input(format!("cannot open {shown}: {}", e.kind())))?;
    let mut bytes = Vec::new();
    file.take(MAX_EXPORT_LEN as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::Input(format!("cannot read {shown}: {}", e.kind())))?;
    Ok(bytes)
}

/// `cairn import`.
pub async fn import(global: &Global, args: ImportArgs) -> Result<Done, CliError> {
    let bytes = read_export(&args.file)?;
    if args.upload {
        let service = service(global).await?;
        let report = ui::spin("Uploading", service.import(&bytes)).await?;
        return Ok(Done::ok(
            json!({"imported": {"uploaded": report.uploaded, "already_present": report.already_present}}),
            vec![ui::green(&format!(
                "Uploaded {} object(s); {} were already there.",
                report.uploaded, report.already_present
            ))],
        ));
    }
    let epoch = parse_epoch(args.epoch.as_deref())?;
    let offline = BackupService::open_export(&bytes, Arc::new(SystemClock), config()).await?;
    let unlocked = unlock_for_restore(&offline, global, epoch).await?;
    let report = ui::spin("Decrypting", unlocked.restore_all()).await?;
    unlocked.close();
    restore_output(&report, args.reveal, None, None)
}

/// `cairn delete`.
pub async fn delete(global: &Global, args: DeleteArgs) -> Result<Done, CliError> {
    if !args.yes_delete {
        return Err(CliError::Usage(
            "deleting a backup cannot be undone: add --yes-delete to confirm; nothing was deleted".into(),
        ));
    }
    let service = service(global).await?;
    let inventory = ui::spin("Reading the backups", service.inventory()).await?;
    let report = if let Some(text) = &args.wallet {
        let record_id = parse_record(text)?;
        let epoch_id = inventory
            .epochs
            .iter()
            .find(|e| e.records.iter().any(|r| r.record_id == record_id))
            .map(|e| e.epoch_id)
            .ok_or(CairnError::NotFound)?;
        service.delete_wallet_backup(ConfirmDeleteWallet { epoch_id, record_id }).await?
    } else {
        let epoch_id = parse_epoch(args.epoch.as_deref())?
            .ok_or_else(|| CliError::Usage("give --wallet RECORD_ID or --epoch EPOCH_ID".into()))?;
        let wallet_count = inventory
            .epochs
            .iter()
            .find(|e| e.epoch_id == epoch_id)
            .ok_or(CairnError::NotFound)?
            .wallet_count;
        service.delete_epoch(ConfirmDeleteEpoch { epoch_id, wallet_count }).await?
    };
    Ok(Done::ok(
        json!({"deleted": {"objects_deleted": report.objects_deleted}}),
        vec![format!("Deleted {} object(s).", report.objects_deleted)],
    ))
}
