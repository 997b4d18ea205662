//! UniFFI tasks: `bindings` (build cairn-ffi, generate Kotlin and Swift), `size` (the shipped
//! library's stripped size against the budget) and the Kotlin test suite.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, run, step, workspace_root};

/// The budget, "≤ 3.5 MB", read as 3.5 MiB.
const SIZE_BUDGET_BYTES: u64 = 3_670_016;

const LIB_FILE: &str = "libcairn_ffi.so";

/// Where cargo puts build output (honours `CARGO_TARGET_DIR`).
pub(crate) fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("target"),
    }
}

/// Generated sources always land in the workspace's own `target/bindings` (gitignored), so the
/// Maven and SwiftPM projects find them at a fixed relative path.
pub(crate) fn bindings_dir() -> PathBuf {
    workspace_root().join("target/bindings")
}

/// Builds the debug cdylib (unstripped: generation reads its `UNIFFI_META_*` symbols) and
/// generates Kotlin and Swift from it. Returns the library's directory.
pub(crate) fn generate() -> Result<PathBuf, String> {
    step("bindings: build cairn-ffi and generate Kotlin + Swift");
    cargo(&["build", "--locked", "-p", "cairn-ffi", "-p", "uniffi-bindgen"])?;
    let lib_dir = target_dir().join("debug");
    let lib = lib_dir.join(LIB_FILE);
    let bindgen = lib_dir.join("uniffi-bindgen");
    for language in ["kotlin", "swift"] {
        let out = bindings_dir().join(language);
        // Stale files from a renamed type must not survive into the build.
        if out.exists() {
            std::fs::remove_dir_all(&out).map_err(|e| format!("could not clear {}: {e}", out.display()))?;
        }
        run(Command::new(&bindgen)
            .current_dir(workspace_root())
            .arg("generate")
            .arg(&lib)
            .args(["--language", language, "--no-format", "--out-dir"])
            .arg(&out))?;
    }
    eprintln!("xtask: bindings in {}", bindings_dir().display());
    Ok(lib_dir)
}

/// Builds the cdylib in the shipped profile and checks its stripped size.
#[allow(clippy::print_stdout, reason = "the figure is the task's machine-readable output")]
pub(crate) fn size() -> Result<(), String> {
    step("size: cairn-ffi cdylib, profile release-mobile");
    cargo(&["build", "--locked", "-p", "cairn-ffi", "--lib", "--profile", "release-mobile"])?;
    let lib = target_dir().join("release-mobile").join(LIB_FILE);
    let bytes = std::fs::metadata(&lib).map_err(|e| format!("no library at {}: {e}", lib.display()))?.len();
    eprintln!("xtask: budget {SIZE_BUDGET_BYTES} bytes (3.5 MiB)");
    println!("cdylib_stripped_bytes: {bytes}");
    if bytes > SIZE_BUDGET_BYTES {
        return Err(format!("the cdylib is {bytes} bytes, over the {SIZE_BUDGET_BYTES}-byte budget"));
    }
    Ok(())
}

/// The Kotlin suite: JUnit 5 on the JVM against the real cdylib and an emulator process.
pub(crate) fn kotlin_tests() -> Result<(), String> {
    let lib_dir = generate()?;
    step("kotlin tests (JUnit 5 via Maven)");
    // The tests start `cairn emulator serve --port 0` as a real process.
    cargo(&["build", "--locked", "-p", "cairn-cli"])?;
    let cairn = target_dir().join("debug/cairn");
    let project = workspace_root().join("bindings/kotlin");
    run(Command::new("mvn")
        .current_dir(&project)
        .args(["-B", "-ntp", "test"])
        .arg(prop("cairn.lib.dir", &lib_dir))
        .arg(prop("cairn.bin", &cairn))
        .arg(prop("cairn.generated.dir", &bindings_dir().join("kotlin"))))
}

fn prop(name: &str, value: &Path) -> String {
    format!("-D{name}={}", value.display())
}
