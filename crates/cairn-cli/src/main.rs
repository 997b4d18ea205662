//! `cairn`: encrypted wallet backups in your own cloud, from the command line, and the demo.

mod commands;
mod demo;
mod error;
mod provider;
mod secrets;
mod serve;
mod ui;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use serde_json::json;

use crate::error::{CliError, exit};

/// Encrypted "back up to cloud" and "restore on a new phone" for wallet secrets.
#[derive(Debug, Parser)]
#[command(name = "cairn", version, about, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// Options every command accepts (before or after the subcommand).
#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Where the backups live.
    #[arg(long, global = true, value_enum, default_value_t = ProviderKind::Local)]
    pub provider: ProviderKind,
    /// Local provider: the folder (default: $XDG_DATA_HOME/cairn/store or ~/.local/share/cairn/store).
    #[arg(long, global = true, value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Emulator provider: its base URL (or CAIRN_EMULATOR_URL).
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint: Option<String>,
    /// Emulator provider: the account's email (created if missing).
    #[arg(long, global = true, value_name = "EMAIL")]
    pub account: Option<String>,
    /// Emulator provider: which service to talk to.
    #[arg(long, global = true, value_enum, default_value_t = EmulatorService::Drive)]
    pub emulator_service: EmulatorService,
    /// One JSON document on stdout per command (errors too).
    #[arg(long, global = true)]
    pub json: bool,
    /// Read the backup password from this file (`-` = stdin) instead of asking.
    #[arg(long, global = true, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Retries of transient cloud failures (default 4, backing off up to 60 s in all).
    #[arg(long, global = true, value_name = "N")]
    pub retries: Option<u32>,
    /// Google Drive: the OAuth desktop client id (or CAIRN_GOOGLE_CLIENT_ID).
    #[arg(long, global = true, value_name = "ID")]
    pub google_client_id: Option<String>,
    /// Google Drive: a file holding the client secret (or CAIRN_GOOGLE_CLIENT_SECRET).
    #[arg(long, global = true, value_name = "FILE")]
    pub google_client_secret_file: Option<PathBuf>,
    /// Google Drive: OAuth base URL, e.g. an emulator's (or CAIRN_GOOGLE_OAUTH_BASE).
    #[arg(long, global = true, value_name = "URL")]
    pub google_oauth_base: Option<String>,
    /// Google Drive: API base URL, e.g. an emulator's (or CAIRN_GOOGLE_API_BASE).
    #[arg(long, global = true, value_name = "URL")]
    pub google_api_base: Option<String>,
    /// Huawei Drive: a file holding an access token from HMS sign-in (or CAIRN_HUAWEI_ACCESS_TOKEN).
    #[arg(long, global = true, value_name = "FILE")]
    pub huawei_token_file: Option<PathBuf>,
    /// Huawei Drive: API base URL, e.g. an emulator's (or CAIRN_HUAWEI_API_BASE).
    #[arg(long, global = true, value_name = "URL")]
    pub huawei_api_base: Option<String>,
}

/// Storage providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProviderKind {
    /// A local folder.
    Local,
    /// Google Drive (desktop OAuth sign-in).
    Gdrive,
    /// Huawei Drive (access token from the device).
    Huawei,
    /// The cairn emulator (`cairn emulator serve`).
    Emulator,
}

/// The emulated service behind `--provider emulator`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EmulatorService {
    /// Google Drive v3.
    Drive,
    /// Huawei Drive Kit.
    Huawei,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Back up a wallet (sets the first backup password if the account has none).
    Backup(commands::BackupArgs),
    /// Restore every wallet of an epoch (labels and kinds only unless --reveal).
    Restore(commands::RestoreArgs),
    /// What is backed up, without a password.
    List,
    /// Health and inventory summary.
    Status,
    /// Check that you still remember the backup password (decrypts no wallet).
    CheckPassword(commands::EpochArg),
    /// Forgotten password: start a new epoch under a new password (old backups stay).
    NewPassword,
    /// Change the backup password (the current one is needed).
    ChangePassword(commands::ChangePasswordArgs),
    /// Write the encrypted backups to one file.
    Export(commands::ExportArgs),
    /// Restore from an export file offline, or --upload its objects to the selected store.
    Import(commands::ImportArgs),
    /// Delete one wallet's backup or a whole epoch (needs --yes-delete).
    Delete(commands::DeleteArgs),
    /// Run the cloud emulator.
    Emulator {
        #[command(subcommand)]
        command: EmulatorCommand,
    },
    /// The whole backup/restore story against a built-in emulator.
    Demo,
}

#[derive(Debug, Subcommand)]
enum EmulatorCommand {
    /// Serve until SIGINT/SIGTERM; the first stdout line is `listening on <URL>`.
    Serve(serve::ServeArgs),
}

fn main() {
    let raw: Vec<String> = std::env::args().collect();
    let cli = match Cli::try_parse_from(&raw) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::ErrorKind as K;
            if matches!(
                e.kind(),
                K::DisplayHelp | K::DisplayVersion | K::DisplayHelpOnMissingArgumentOrSubcommand
            ) {
                let _ = e.print();
                let code =
                    if e.kind() == K::DisplayHelpOnMissingArgumentOrSubcommand { exit::USAGE } else { 0 };
                std::process::exit(code);
            }
            if raw.iter().any(|a| a == "--json") {
                let kind = e.kind();
                let message = match kind {
                    K::UnknownArgument => "unknown option".to_owned(),
                    K::InvalidSubcommand => "unknown command".to_owned(),
                    K::MissingRequiredArgument => "a required option is missing".to_owned(),
                    _ => format!("invalid command line ({kind})"),
                };
                report_error(&CliError::Usage(message), true);
            } else if hides_a_possible_secret(&e) {
                report_error(
                    &CliError::Usage(
                        "unexpected argument (not shown: secrets are never taken from the command line; \
                         use a --…-file option or the prompt)"
                            .into(),
                    ),
                    false,
                );
            } else {
                let _ = e.print();
            }
            std::process::exit(exit::USAGE);
        }
    };
    let json = cli.global.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(runtime) => runtime,
        Err(_) => {
            report_error(&CliError::Internal("cannot start the async runtime".into()), json);
            std::process::exit(exit::INTERNAL);
        }
    };
    let code = runtime.block_on(run(cli));
    drop(runtime);
    std::process::exit(code);
}

/// A stray word (not an option) may be part of a recovery phrase or a password typed on the
/// command line by mistake: clap would echo it, so such errors get a message without it.
fn hides_a_possible_secret(error: &clap::Error) -> bool {
    use clap::error::{ContextKind, ContextValue, ErrorKind as K};
    if !matches!(error.kind(), K::UnknownArgument | K::InvalidSubcommand) {
        return false;
    }
    match error.get(ContextKind::InvalidArg) {
        Some(ContextValue::String(arg)) => !arg.starts_with('-'),
        Some(ContextValue::Strings(args)) => args.iter().any(|a| !a.starts_with('-')),
        _ => true,
    }
}

async fn run(cli: Cli) -> i32 {
    let global = cli.global;
    let result = match cli.command {
        Command::Backup(args) => commands::backup(&global, args).await,
        Command::Restore(args) => commands::restore(&global, args).await,
        Command::List => commands::list(&global).await,
        Command::Status => commands::status(&global).await,
        Command::CheckPassword(args) => commands::check_password(&global, args).await,
        Command::NewPassword => commands::new_password(&global).await,
        Command::ChangePassword(args) => commands::change_password(&global, args).await,
        Command::Export(args) => commands::export(&global, args).await,
        Command::Import(args) => commands::import(&global, args).await,
        Command::Delete(args) => commands::delete(&global, args).await,
        Command::Emulator { command: EmulatorCommand::Serve(args) } => serve::serve(&global, args).await,
        Command::Demo => demo::run(&global).await,
    };
    match result {
        Ok(done) => {
            if global.json {
                if !done.json.is_null() {
                    ui::out(&done.json.to_string());
                }
            } else {
                for line in &done.human {
                    ui::out(line);
                }
            }
            done.exit_code
        }
        Err(error) => {
            report_error(&error, global.json);
            // A refresh token Google no longer accepts is useless: forget it, so the next run
            // starts a fresh sign-in instead of failing the same way.
            if global.provider == ProviderKind::Gdrive && error.kind() == "reauth_required" {
                let path = provider::google_token_path();
                if std::fs::remove_file(&path).is_ok() && !global.json {
                    ui::err(
                        "The stored Google sign-in was removed; the next command will ask you to sign in again.",
                    );
                }
            }
            error.exit_code()
        }
    }
}

/// Prints an error: JSON on stdout with `--json`, else `error:` and the hint on stderr.
fn report_error(error: &CliError, json: bool) {
    if json {
        let doc = json!({"error": {"kind": error.kind(), "message": error.message(), "hint": error.hint()}});
        ui::out(&doc.to_string());
    } else {
        ui::err(&format!("{} {} ({})", ui::red("error:"), error.message(), error.kind()));
        ui::err(&ui::dim(&format!("hint: {}", error.hint())));
    }
}

/// What a successful command prints.
#[derive(Debug)]
pub struct Done {
    /// The `--json` document.
    pub json: serde_json::Value,
    /// The human lines.
    pub human: Vec<String>,
    /// Normally 0; non-zero for a partial success (e.g. a restore with damaged wallets).
    pub exit_code: i32,
}

impl Done {
    /// A plain success.
    pub fn ok(json: serde_json::Value, human: Vec<String>) -> Self {
        Done { json, human, exit_code: exit::OK }
    }
}
