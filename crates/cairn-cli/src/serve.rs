//! `cairn emulator serve`: the cloud emulator as a process, for tests, sample apps and scripts.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use cairn_emulator::{Emulator, EmulatorConfig};
use clap::Args;
use tokio::signal::unix::{SignalKind, signal};

use crate::error::CliError;
use crate::{Done, Global, ui};

/// `cairn emulator serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on (0 = any free port).
    #[arg(long, default_value_t = 8089)]
    port: u16,
    /// Keep accounts and files in this folder across restarts.
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    /// Address to bind (loopback by default; the control API has no authentication).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    bind: IpAddr,
    /// Log one line per request on stderr.
    #[arg(long)]
    verbose: bool,
}

/// Runs until SIGINT or SIGTERM. The first stdout line is `listening on <URL>`.
pub async fn serve(_global: &Global, args: ServeArgs) -> Result<Done, CliError> {
    let mut config =
        EmulatorConfig::default().with_bind(SocketAddr::new(args.bind, args.port)).with_verbose(args.verbose);
    if let Some(dir) = &args.data {
        config = config.with_data_dir(dir.clone());
    }
    let failed = |what: &str| CliError::Internal(format!("cannot {what}"));
    let mut interrupt = signal(SignalKind::interrupt()).map_err(|_| failed("listen for SIGINT"))?;
    let mut terminate = signal(SignalKind::terminate()).map_err(|_| failed("listen for SIGTERM"))?;
    let emulator = Emulator::start(config)
        .await
        .map_err(|e| CliError::Internal(format!("cannot start the emulator: {e}")))?;
    ui::out(&format!("listening on {}", emulator.base_url()));
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    emulator
        .shutdown()
        .await
        .map_err(|e| CliError::Internal(format!("cannot save the emulator state: {e}")))?;
    ui::err("emulator stopped");
    // The `listening on` line was the output; nothing more goes to stdout.
    Ok(Done { json: serde_json::Value::Null, human: Vec::new(), exit_code: 0 })
}
