//! The Node suite for the HarmonyOS N-API module (`bindings/harmony`): builds the napi-rs addon
//! and the `cairn` binary (its emulator), installs the pinned TypeScript toolchain with `npm ci`
//! (cached in `bindings/harmony/node_modules`), compiles the tests with tsc and runs them with
//! `node --test`. (The napi-ohos build, which Node cannot load, is built for its real target by
//! `cargo xtask mobile-targets`.)

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{cargo, have, run, step, workspace_root};

pub(crate) fn node_test() -> Result<(), String> {
    let root = workspace_root();
    let package = root.join("bindings/harmony");
    ensure_node()?;

    step("harmony: build the Node addon and the emulator");
    cargo(&["build", "--locked", "-p", "cairn-harmony", "-p", "cairn-cli"])?;
    let debug = target_dir(&root).join("debug");
    let addon = package.join("cairn.node");
    fs::copy(debug.join("libcairn_harmony.so"), &addon)
        .map_err(|e| format!("could not copy the addon to {}: {e}", addon.display()))?;

    npm_ci(&package)?;

    step("harmony: compile the TypeScript tests (tsc)");
    let _ = fs::remove_dir_all(package.join("build"));
    run(Command::new(package.join("node_modules/.bin/tsc"))
        .current_dir(&package)
        .args(["-p", "tsconfig.json"]))?;

    step("harmony: node --test against the emulator");
    let tests = compiled_tests(&package.join("build/test"))?;
    run(Command::new("node")
        .current_dir(&package)
        .arg("--test")
        .args(&tests)
        .env("CAIRN_BIN", debug.join("cairn"))
        .env("CAIRN_NODE_MODULE", &addon))
}

/// Every compiled `*.test.js` under `dir` (sorted, relative to the package), so a new test file
/// runs without touching this task.
fn compiled_tests(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("no compiled tests in {}: {e}", dir.display()))?;
    let mut tests: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.file_name()))
        .filter(|name| name.to_string_lossy().ends_with(".test.js"))
        .map(|name| Path::new("build/test").join(name))
        .collect();
    tests.sort();
    if tests.is_empty() {
        return Err(format!("tsc produced no *.test.js in {}", dir.display()));
    }
    Ok(tests)
}

fn target_dir(root: &Path) -> PathBuf {
    env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from)
}

/// Node ≥ 18 (global `fetch`, `node:test`) with npm; Debian's packages if none is installed.
fn ensure_node() -> Result<(), String> {
    if have("node", &["-e", "process.exit(+process.versions.node.split('.')[0] >= 18 ? 0 : 1)"])
        && have("npm", &["--version"])
    {
        return Ok(());
    }
    step("installing Node.js and npm");
    run(Command::new("apt-get").arg("update").arg("-q"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends", "nodejs", "npm"])
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// `npm ci` from the committed lock file, skipped while `node_modules` matches it.
fn npm_ci(package: &Path) -> Result<(), String> {
    let lock = fs::read(package.join("package-lock.json"))
        .map_err(|e| format!("could not read bindings/harmony/package-lock.json: {e}"))?;
    let marker = package.join("node_modules/.cairn-installed-lock");
    if fs::read(&marker).is_ok_and(|installed| installed == lock) {
        return Ok(());
    }
    step("harmony: npm ci (typescript, @types/node)");
    run(Command::new("npm").current_dir(package).args(["ci", "--no-audit", "--no-fund"]))?;
    fs::write(&marker, &lock).map_err(|e| format!("could not mark node_modules ready: {e}"))
}
