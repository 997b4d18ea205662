//! Cairn's build tasks. `cargo xtask <task>`; the `justfile` only forwards here.
//!
//! The one test command is `cargo xtask test`: formatting, clippy with warnings denied, and
//! every test suite of the project, each runner printing its own summary.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let result = match task {
        "test" => test_all(),
        "fmt" => fmt_check(),
        "lint" => clippy(),
        "test-rust" => rust_tests(),
        "bench-kdf" => bench_kdf(),
        "fuzz" => fuzz(args.get(1).map(String::as_str), args.get(2).map(String::as_str)),
        "help" | "--help" | "-h" => {
            usage();
            Ok(())
        }
        other => Err(format!("unknown task `{other}`; run `cargo xtask help`")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}

fn usage() {
    eprintln!(
        "cargo xtask <task>\n\n\
         test        formatting check, clippy (warnings denied), every test suite\n\
         fmt         formatting check only\n\
         lint        clippy over every target, warnings denied\n\
         test-rust   cargo test over the workspace\n\
         bench-kdf   the KDF benchmark against libsodium (release build)\n\
         fuzz T [S]  run cargo-fuzz target T for S seconds (default 60; needs nightly)"
    );
}

fn test_all() -> Result<(), String> {
    fmt_check()?;
    clippy()?;
    rust_tests()?;
    eprintln!("xtask: all test suites passed");
    Ok(())
}

fn fmt_check() -> Result<(), String> {
    step("formatting");
    cargo(&["fmt", "--all", "--", "--check"])
}

fn clippy() -> Result<(), String> {
    step("clippy");
    cargo(&["clippy", "--workspace", "--all-targets", "--locked", "--", "-D", "warnings"])
}

fn rust_tests() -> Result<(), String> {
    step("rust tests");
    cargo(&["test", "--workspace", "--locked"])
}

fn bench_kdf() -> Result<(), String> {
    step("kdf benchmark");
    cargo(&["bench", "-p", "cairn-crypto", "--bench", "kdf"])
}

fn fuzz(target: Option<&str>, seconds: Option<&str>) -> Result<(), String> {
    let target = target.ok_or("name a fuzz target (see crates/cairn-crypto/fuzz/fuzz_targets)")?;
    let seconds = seconds.unwrap_or("60");
    step(&format!("fuzz {target} for {seconds}s"));
    run(Command::new("cargo").current_dir(workspace_root().join("crates/cairn-crypto")).args([
        "+nightly",
        "fuzz",
        "run",
        target,
        "--",
        &format!("-max_total_time={seconds}"),
    ]))
}

fn step(name: &str) {
    eprintln!("\n==> {name}");
}

fn cargo(args: &[&str]) -> Result<(), String> {
    run(Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(workspace_root())
        .args(args))
}

fn run(command: &mut Command) -> Result<(), String> {
    let status = command.status().map_err(|e| format!("could not start {command:?}: {e}"))?;
    if status.success() { Ok(()) } else { Err(format!("{command:?} failed with {status}")) }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
