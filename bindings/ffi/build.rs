//! Link settings for the shipped library only (no code generation here).
#![allow(clippy::print_stdout, reason = "build scripts talk to cargo on stdout")]

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    // Most of the library's relocations are relative ones for pointer tables (BIP39 wordlists,
    // root certificates): packed as RELR they shrink from ~24 bytes each to a bitmap, about
    // 0.75 MB less on x86-64. glibc loads RELR since 2.36; GNU ld and lld both write it.
    if os == "linux" && env == "gnu" {
        println!("cargo:rustc-link-arg-cdylib=-Wl,-z,pack-relative-relocs");
    }
}
