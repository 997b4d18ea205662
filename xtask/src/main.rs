//! Cairn's build tasks. `cargo xtask <task>`; the `justfile` only forwards here.
//!
//! The one test command is `cargo xtask test`: formatting, clippy with warnings denied, and
//! every test suite of the project, each runner printing its own summary.

mod bindings;
mod cross;
mod elf;
mod harmony;
mod mobile;
mod swift;
mod toolchain;

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
        "mobile-targets" => cross::mobile_targets(),
        "arm-tests" => cross::arm_tests(),
        "node-test" => harmony::node_test(),
        "bindings" => bindings::generate().map(drop),
        "size" => bindings::size(),
        "kotlin-test" => bindings::kotlin_tests(),
        "swift-test" => swift::swift_test(),
        "swift-toolchain" => swift::provision_only(),
        "android" => mobile::android(args.get(1..).unwrap_or_default()),
        "ios" => mobile::ios(args.get(1..).unwrap_or_default()),
        "harmony" => mobile::harmony(args.get(1..).unwrap_or_default()),
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
         test        formatting check, clippy (warnings denied), every test suite, the size budget\n\
         fmt         formatting check only\n\
         lint        clippy over every target, warnings denied\n\
         test-rust   cargo test over the workspace\n\
         mobile-targets  the shipped library for every phone target, warnings denied: Android ABIs\n\
         \x20           linked and checked without the NDK, iOS device + simulator, HarmonyOS module\n\
         arm-tests   cairn-crypto and cairn-core suites on aarch64 and armv7 Linux under qemu-user\n\
         bindings    build cairn-ffi, generate Kotlin + Swift into target/bindings\n\
         size        stripped sizes (host, each Android ABI) against the budgets (ADR 0005)\n\
         kotlin-test the Kotlin JUnit suite (real cdylib, emulator process)\n\
         swift-test  the Swift package's XCTest suite (provisions the Swift toolchain once)\n\
         android     cairn-ffi for the Android ABIs (cargo-ndk) + Kotlin -> AAR (android/); --check: preflight\n\
         \x20           only; --artifact: the AAR without Gradle (link-check libraries without an NDK)\n\
         ios         XCFramework (device, simulator, macOS) + Swift package (macOS only); --check;\n\
         \x20           --artifact: device + simulator XCFramework, zip, SwiftPM checksum (any host)\n\
         harmony     the HarmonyOS module (napi-ohos) with the SDK, packed as target/harmony/cairn.har;\n\
         \x20           --check: preflight only; --artifact: the HAR on any host (link-check library\n\
         \x20           when there is no SDK, marked as such)\n\
         bench-kdf   the KDF benchmark against libsodium (release build)\n\
         fuzz T [S]  run cargo-fuzz target T for S seconds (default 60; needs nightly)"
    );
}

fn test_all() -> Result<(), String> {
    ensure_test_tools()?;
    fmt_check()?;
    clippy()?;
    rust_tests()?;
    cross::mobile_targets()?;
    cross::arm_tests()?;
    bindings::kotlin_tests()?;
    harmony::node_test()?;
    swift::swift_test()?;
    format_crosscheck()?;
    // After the Swift suite: its toolchain cross-checks the XCFramework's SwiftPM checksum.
    mobile::android(&["--artifact".to_owned()])?;
    mobile::ios_artifact().map(drop)?;
    mobile::harmony(&["--artifact".to_owned()])?;
    // The shipped library's size budget is checked on every run, so a new dependency that
    // breaks it fails CI rather than a release.
    bindings::size()?;
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

/// Installs, once, what the test suites need beyond Rust: Java 17 and Maven (the cloud tests run
/// navikt's mock-oauth2-server, fetched from Maven Central) and Python's venv module (the
/// independent format check). Idempotent: does nothing when the tools are already there.
fn ensure_test_tools() -> Result<(), String> {
    let mut missing = Vec::new();
    if !have("java", &["-version"]) {
        missing.push("openjdk-17-jdk-headless");
    }
    if !have("mvn", &["-v"]) {
        missing.push("maven");
    }
    if !have("python3", &["-c", "import venv, ensurepip"]) {
        missing.push("python3-venv");
    }
    if missing.is_empty() {
        return Ok(());
    }
    step(&format!("installing test tools: {}", missing.join(" ")));
    run(Command::new("apt-get").arg("update").arg("-q"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

fn have(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Re-checks the format's known-answer vectors with a second implementation written from
/// docs/FORMAT.md alone, on other libraries (libsodium via PyNaCl, the reference Argon2 C code
/// via argon2-cffi). The virtualenv is created once and cached under target/tools.
fn format_crosscheck() -> Result<(), String> {
    step("format v1: independent implementation (Python, libsodium, reference Argon2)");
    let root = workspace_root();
    let venv = root.join("target/tools/pyvenv");
    let python = venv.join("bin/python");
    let ready = venv.join(".cairn-ready-1");
    if !ready.exists() {
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "pynacl==1.6.2",
            "argon2-cffi==25.1.0",
        ]))?;
        std::fs::write(&ready, b"").map_err(|e| format!("could not mark the venv ready: {e}"))?;
    }
    let vectors = root.join("crates/cairn-crypto/tests/vectors");
    run(Command::new(&python).current_dir(&vectors).args([
        "independent_check.py",
        "format-v1.json",
        "../data/bip39-trezor-vectors.json",
    ]))
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
