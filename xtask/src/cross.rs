//! The phone targets and ARM in `cargo xtask test`:
//! - `mobile-targets`: the shipped library compiled for every phone target with warnings
//!   denied (Android's four ABIs also linked and checked without the NDK; iOS device and
//!   simulator; the HarmonyOS module), after checking that no phone target's dependency tree
//!   holds a TLS stack or a crate that builds C. Each target prints `mobile-target <triple>: ok`.
//! - `arm-tests`: the cairn-crypto and cairn-core suites built for 64- and 32-bit ARM Linux and
//!   run under qemu-user, so endianness-neutral but width- and alignment-sensitive code (the
//!   format's length fields, the KDF's memory on a 32-bit address space) runs on ARM.

use std::collections::BTreeSet;
use std::process::Command;

use crate::mobile::{ANDROID_TARGETS as ANDROID, android_link, ohos};
use crate::toolchain::{self, CrateType};
use crate::{run, step};

/// iOS device and simulator (the XCFramework's two slices).
pub(crate) const IOS: [&str; 2] = ["aarch64-apple-ios", "aarch64-apple-ios-sim"];

/// The HarmonyOS module's phone target.
pub(crate) const OHOS: &str = "aarch64-unknown-linux-ohos";

/// Crates a phone library must not contain: TLS stacks (the host's HTTP client does TLS, ADR
/// 0007) and crates that compile C or C++ (which would need the platform's SDK compiler and,
/// without it, silently get the host's).
const FORBIDDEN_ON_PHONES: [&str; 15] = [
    "ring",
    "rustls",
    "reqwest",
    "hyper-rustls",
    "tokio-rustls",
    "webpki-roots",
    "openssl",
    "openssl-sys",
    "native-tls",
    "aws-lc-rs",
    "aws-lc-sys",
    "cc",
    "cmake",
    "pkg-config",
    "bindgen",
];

/// `cargo xtask mobile-targets`.
#[allow(clippy::print_stdout, reason = "the per-target lines are the task's output")]
pub(crate) fn mobile_targets() -> Result<(), String> {
    let all: Vec<&str> = ANDROID.iter().map(|(triple, _)| *triple).chain(IOS).chain([OHOS]).collect();
    toolchain::ensure_targets(&all)?;

    step("mobile targets: dependency trees (no TLS stack, no C build)");
    for triple in &all {
        let (package, features) = package_for(triple);
        let found = forbidden_in_tree(&dependency_tree(package, features, triple)?);
        if !found.is_empty() {
            return Err(format!(
                "{package} for {triple} depends on {}: phone libraries must link no TLS stack and build no C",
                found.join(", ")
            ));
        }
    }

    step("mobile targets: host library (the export set every Android build must match)");
    let host = toolchain::build_ffi(None, CrateType::Cdylib, &[])?;
    let host_exports = read_exports(&host)?;

    for (triple, abi) in ANDROID {
        step(&format!("mobile target {triple}: cairn-ffi cdylib, linked and checked without the NDK"));
        android_link::build_and_check(triple, abi, &host_exports)?;
        println!("mobile-target {triple}: ok");
    }
    for triple in IOS {
        step(&format!("mobile target {triple}: cairn-ffi staticlib"));
        let archive = toolchain::build_ffi(Some(triple), CrateType::Staticlib, &[])?;
        check_archive(&archive)?;
        println!("mobile-target {triple}: ok");
    }
    step(&format!("mobile target {OHOS}: the HarmonyOS N-API module"));
    ohos::build_module(OHOS)?;
    println!("mobile-target {OHOS}: ok");
    Ok(())
}

/// The package (and its feature flags) shipped for a phone target.
fn package_for(triple: &str) -> (&'static str, &'static [&'static str]) {
    if triple.contains("ohos") {
        ("cairn-harmony", &["--no-default-features", "--features", "ohos"])
    } else {
        ("cairn-ffi", &[])
    }
}

/// The uniffi/ffi exports of a built library.
pub(crate) fn read_exports(library: &std::path::Path) -> Result<BTreeSet<String>, String> {
    let image = std::fs::read(library).map_err(|e| format!("cannot read {}: {e}", library.display()))?;
    android_link::exported_ffi_symbols(&image).map_err(|e| format!("{}: {e}", library.display()))
}

/// Every package (name only) in `package`'s normal and build dependency tree for `triple`,
/// with the features the shipped build uses.
fn dependency_tree(package: &str, features: &[&str], triple: &str) -> Result<BTreeSet<String>, String> {
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .current_dir(crate::workspace_root())
        .args(["tree", "--locked", "-p", package, "--target", triple, "-e", "normal,build"])
        .args(["--prefix", "none", "--format", "{p}"])
        .args(features);
    let output = command.output().map_err(|e| format!("could not run cargo tree: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo tree for {triple} failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    Ok(package_names(&String::from_utf8_lossy(&output.stdout)))
}

/// `cargo tree --prefix none --format {p}` lines ("ring v0.17.14", "cairn-ffi v0.1.0 (/path)",
/// "tokio v1.48.0 (*)") to package names.
fn package_names(tree: &str) -> BTreeSet<String> {
    tree.lines().filter_map(|line| line.split_whitespace().next()).map(str::to_owned).collect()
}

fn forbidden_in_tree(names: &BTreeSet<String>) -> Vec<&'static str> {
    FORBIDDEN_ON_PHONES.iter().copied().filter(|name| names.contains(*name)).collect()
}

/// A static library is an `ar` archive ("!<arch>\n") with at least one member; what is inside
/// each member is the XCFramework check's business (`cargo xtask ios --artifact`).
fn check_archive(archive: &std::path::Path) -> Result<(), String> {
    let bytes = std::fs::read(archive).map_err(|e| format!("cannot read {}: {e}", archive.display()))?;
    if bytes.starts_with(b"!<arch>\n") && bytes.len() > 8 + 60 {
        Ok(())
    } else {
        Err(format!("{} is not a static library", archive.display()))
    }
}

/// ARM Linux targets for the Rust suites: (triple, qemu, cross prefix).
const ARM: [(&str, &str, &str); 2] = [
    ("aarch64-unknown-linux-gnu", "qemu-aarch64", "aarch64-linux-gnu"),
    ("armv7-unknown-linux-gnueabihf", "qemu-arm", "arm-linux-gnueabihf"),
];

/// Property tests under emulation: enough cases to find a width or alignment bug, few enough
/// that the KDF-bearing properties stay within minutes (the host runs the full 256).
const QEMU_PROPTEST_CASES: &str = "32";

/// `cargo xtask arm-tests`.
pub(crate) fn arm_tests() -> Result<(), String> {
    toolchain::ensure_apt(&[
        ("qemu-user", "qemu-aarch64"),
        ("gcc-aarch64-linux-gnu", "aarch64-linux-gnu-gcc"),
        ("libc6-dev-arm64-cross", "/usr/aarch64-linux-gnu/include/stdio.h"),
        ("gcc-arm-linux-gnueabihf", "arm-linux-gnueabihf-gcc"),
        ("libc6-dev-armhf-cross", "/usr/arm-linux-gnueabihf/include/stdio.h"),
    ])?;
    toolchain::ensure_targets(&ARM.map(|(triple, _, _)| triple))?;
    for (triple, qemu, prefix) in ARM {
        step(&format!("rust tests on {triple} under {qemu} (cairn-crypto, cairn-core)"));
        let upper = triple.to_uppercase().replace('-', "_");
        let lower = triple.replace('-', "_");
        let mut command = toolchain::target_cargo("test", triple);
        command
            .args(["--locked", "-p", "cairn-crypto", "-p", "cairn-core"])
            .env(format!("CARGO_TARGET_{upper}_LINKER"), format!("{prefix}-gcc"))
            .env(format!("CARGO_TARGET_{upper}_RUNNER"), format!("{qemu} -L /usr/{prefix}"))
            // libsodium (the KDF cross-check) and ring (the tests' HTTP client) build C.
            .env(format!("CC_{lower}"), format!("{prefix}-gcc"))
            .env(format!("AR_{lower}"), format!("{prefix}-ar"))
            .env("PROPTEST_CASES", QEMU_PROPTEST_CASES);
        run(&mut command)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_lines_become_names() {
        let tree = "cairn-ffi v0.1.0 (/w/bindings/ffi)\nring v0.17.14\ntokio v1.48.0 (*)\n\ncc v1.2.0\n";
        let names = package_names(tree);
        assert_eq!(names.into_iter().collect::<Vec<_>>(), ["cairn-ffi", "cc", "ring", "tokio"]);
    }

    #[test]
    fn forbidden_crates_are_named_and_lookalikes_are_not() {
        let names =
            package_names("ring v0.17.14\nrustls-pki-types v1.0.0\nopenssl-probe v0.1.0\ncc v1.2.0\n");
        assert_eq!(forbidden_in_tree(&names), ["ring", "cc"]);
        assert!(forbidden_in_tree(&package_names("tokio v1\nuniffi v0.32.2\n")).is_empty());
    }

    #[test]
    fn every_phone_target_is_built_with_the_package_it_ships() {
        assert_eq!(package_for(OHOS).0, "cairn-harmony");
        for triple in ANDROID.iter().map(|(triple, _)| *triple).chain(IOS) {
            assert_eq!(package_for(triple), ("cairn-ffi", &[][..]), "{triple}");
            assert!(toolchain::is_mobile(triple), "{triple}");
        }
        assert!(!toolchain::is_mobile(ARM[0].0));
    }
}
