//! Runs an emulator until Ctrl-C, for manual use before `cairn emulator serve` exists.
//!
//! `cargo run -p cairn-emulator --example serve -- [--bind 127.0.0.1:8089] [--data-dir DIR] [--verbose]`

use std::net::SocketAddr;

use cairn_emulator::{Emulator, EmulatorConfig};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut config = EmulatorConfig::default();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bind" => {
                let addr: SocketAddr = args.next().ok_or("--bind needs an address")?.parse()?;
                config = config.with_bind(addr);
            }
            "--data-dir" => config = config.with_data_dir(args.next().ok_or("--data-dir needs a folder")?),
            "--public-base-url" => {
                config = config.with_public_base_url(args.next().ok_or("--public-base-url needs a URL")?)
            }
            "--verbose" => config = config.with_verbose(true),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    let emulator = Emulator::start(config).await?;
    eprintln!("cairn emulator listening on {} (Ctrl-C to stop)", emulator.base_url());
    tokio::signal::ctrl_c().await?;
    emulator.shutdown().await?;
    Ok(())
}
