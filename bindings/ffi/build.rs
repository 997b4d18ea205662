//! Link settings for the shipped library, and the API fingerprint the Kotlin layer checks at
//! load time (ADR 0004: Kotlin omits UniFFI's checksums).
#![allow(clippy::print_stdout, reason = "build scripts talk to cargo on stdout")]

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

fn main() -> Result<(), String> {
    println!("cargo:rerun-if-changed=build.rs");
    let fingerprint = api_fingerprint()?;
    println!("cargo:rustc-env=CAIRN_FFI_FINGERPRINT={fingerprint}");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let target = std::env::var("TARGET").unwrap_or_default();
    // Most of the library's relocations are relative ones for pointer tables (root
    // certificates, vtables): packed as RELR they shrink from ~24 bytes each to a bitmap.
    // glibc loads RELR since 2.36; GNU ld and lld both write it.
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-cdylib=-Wl,-z,pack-relative-relocs");
    }
    // Identical code folding: functions that compile to the same bytes (generic copies over
    // different types, mostly) are kept once, ~80 KB less on x86-64 (ADR 0005). Rust promises
    // no distinct addresses for distinct functions, and lld folds only code here, not data.
    // Only where the linker is lld: rust-lld is the default for x86_64-unknown-linux-gnu (unless
    // a linker is configured), and the Android NDK's clang links with lld. GNU ld lacks --icf.
    let lld = os == "android"
        || (target == "x86_64-unknown-linux-gnu" && std::env::var_os("RUSTC_LINKER").is_none());
    if lld {
        println!("cargo:rustc-link-arg-cdylib=-Wl,--icf=all");
    }
    // rustc sets no SONAME on a cdylib; Android's loader identifies a loaded library by it and
    // warns without one (the NDK's own builds always set it). The link check requires it.
    if os == "android" {
        println!("cargo:rustc-link-arg-cdylib=-Wl,-soname,libcairn_ffi.so");
    }
    Ok(())
}

/// SHA-256 over everything that shapes the exported API: the crate version, the pinned UniFFI
/// version, the UniFFI config and every source file (sorted, path and contents). Independent of
/// target and profile, so the host build that generates the Kotlin and the Android builds of the
/// same sources agree.
fn api_fingerprint() -> Result<String, String> {
    let root =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").map_err(|e| format!("CARGO_MANIFEST_DIR: {e}"))?);
    let version = std::env::var("CARGO_PKG_VERSION").map_err(|e| format!("CARGO_PKG_VERSION: {e}"))?;
    let manifest = read_text(&root.join("Cargo.toml"))?;
    let uniffi = uniffi_requirement(&manifest).ok_or("bindings/ffi/Cargo.toml has no `uniffi = {` line")?;
    let mut files = vec![root.join("uniffi.toml")];
    collect_files(&root.join("src"), &mut files)?;
    files.sort();

    let mut hasher = Sha256::new();
    // Length-prefixed fields, so no two different inputs concatenate to the same bytes.
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(b"cairn-ffi api fingerprint v1");
    field(version.as_bytes());
    field(uniffi.as_bytes());
    println!("cargo:rerun-if-changed=Cargo.toml");
    println!("cargo:rerun-if-changed=src");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let relative = file.strip_prefix(&root).map_err(|e| format!("{}: {e}", file.display()))?;
        // '/' on every host, so the same sources give the same fingerprint everywhere.
        let name: Vec<String> =
            relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
        field(name.join("/").as_bytes());
        field(&std::fs::read(file).map_err(|e| format!("could not read {}: {e}", file.display()))?);
    }
    Ok(hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect())
}

/// The `uniffi` dependency line of the manifest (its exact version pin), whitespace-trimmed.
fn uniffi_requirement(manifest: &str) -> Option<&str> {
    manifest.lines().map(str::trim).find(|line| line.starts_with("uniffi = "))
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|e| format!("could not read {}: {e}", path.display()))
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("could not list {}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| format!("could not list {}: {e}", dir.display()))?.path();
        if path.is_dir() {
            collect_files(&path, files)?;
        } else {
            files.push(path);
        }
    }
    Ok(())
}
