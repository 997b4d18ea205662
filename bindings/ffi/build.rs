//! Link settings for the shipped library only (no code generation here).
#![allow(clippy::print_stdout, reason = "build scripts talk to cargo on stdout")]

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
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
}
