//! `cargo xtask harmony`: the HarmonyOS N-API module (`cairn-harmony`, feature `ohos`) for
//! `aarch64-unknown-linux-ohos` and the `.har` (HarmonyOS Archive) app teams add with ohpm.
//!
//! The module is built with nightly `-Zbuild-std` (rustup serves no OHOS std) through
//! `toolchain::target_cargo`. With an OpenHarmony/HarmonyOS SDK the SDK's clang links it; without
//! one, a **link-check** library is linked with `rust-lld` against generated empty stub shared
//! libraries (musl's `libc.so`, `libace_napi.z.so`, …): it proves the objects link into an
//! aarch64 shared object, is marked as such in the HAR, and is never shipped.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod har;

pub(crate) use har::{assemble_har, check_har};

use super::*;
use crate::elf::{EM_AARCH64, Elf};
use crate::toolchain::{self, SHIPPED_PROFILE};
use crate::{run, step, workspace_root};

/// The HarmonyOS phone target and the HAR's ABI directory for it.
pub(crate) const OHOS_TRIPLE: &str = "aarch64-unknown-linux-ohos";
pub(super) const OHOS_ABI: &str = "arm64-v8a";

/// What the HarmonyOS build found on this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HarmonyProbe {
    /// The SDK directory that contains `native/llvm` (what napi-build-ohos wants in OHOS_NDK_HOME).
    pub sdk: Option<PathBuf>,
    /// Variables that were set but point at no usable SDK, for the message.
    pub unusable_sdk_vars: Vec<String>,
}

/// What a release build (`cargo xtask harmony`) lacks. `--artifact` needs none of it: without
/// the SDK it packs the link-check library.
pub(crate) fn harmony_missing(probe: &HarmonyProbe) -> Vec<Missing> {
    let mut missing = Vec::new();
    if probe.sdk.is_none() {
        let checked = if probe.unusable_sdk_vars.is_empty() {
            format!("none of {} is set", OHOS_SDK_VARS.join(", "))
        } else {
            format!("{} set but without native/llvm/bin/clang", probe.unusable_sdk_vars.join(", "))
        };
        missing.push(Missing::new(
            format!("HarmonyOS / OpenHarmony SDK with the native toolchain ({checked})"),
            "install DevEco Studio (https://developer.huawei.com/consumer/en/deveco-studio/) or the \
             command-line tools, then `export OHOS_NDK_HOME=<SDK>/default/openharmony` (the directory \
             that contains native/)",
        ));
    }
    missing
}

pub(crate) fn probe_harmony() -> HarmonyProbe {
    let mut sdk = None;
    let mut unusable = Vec::new();
    for name in OHOS_SDK_VARS {
        let Some(value) = env::var_os(name).filter(|value| !value.is_empty()) else { continue };
        match ohos_sdk_from(Path::new(&value)) {
            Some(found) if sdk.is_none() => sdk = Some(found),
            Some(_) => {}
            None => unusable.push(name.to_string()),
        }
    }
    // Once one variable works, the others' state does not matter.
    HarmonyProbe { unusable_sdk_vars: if sdk.is_some() { Vec::new() } else { unusable }, sdk }
}

/// The SDK root (parent of `native/`) for a path that is that root, its `native/` directory,
/// or DevEco Studio's `sdk` directory (`default/openharmony` below it).
fn ohos_sdk_from(path: &Path) -> Option<PathBuf> {
    let has_toolchain = |root: &Path| root.join("native/llvm/bin/clang").exists();
    [Some(path.to_path_buf()), path.parent().map(Path::to_path_buf), Some(path.join("default/openharmony"))]
        .into_iter()
        .flatten()
        .find(|root| has_toolchain(root))
}

/// `cargo xtask harmony [--check | --artifact]`: `--check` runs the SDK preflight; no flag
/// builds with the SDK (required) and assembles the HAR; `--artifact` assembles the HAR with
/// the SDK build when an SDK is present, else with the marked link-check library.
pub(crate) fn harmony(args: &[String]) -> Result<(), String> {
    let artifact = matches!(args, [flag] if flag == "--artifact");
    let check_only = if artifact {
        false
    } else {
        parse_check_flag("harmony", args).map_err(|_| "usage: cargo xtask harmony [--check | --artifact]")?
    };
    let probe = probe_harmony();
    let missing = harmony_missing(&probe);
    if !artifact && !missing.is_empty() {
        return Err(missing_message("harmony", &missing));
    }
    if check_only {
        eprintln!("xtask: harmony: everything needed is installed");
        return Ok(());
    }
    step(&format!("harmony: the N-API module for {OHOS_TRIPLE} (profile {SHIPPED_PROFILE})"));
    let module = build_module(OHOS_TRIPLE)?;
    step("harmony: assemble the HAR (target/harmony/package, target/harmony/cairn.har)");
    let out = workspace_root().join("target/harmony");
    let har = assemble_har(&out, &module, probe.sdk.is_none())?;
    check_har(&har)?;
    let kind = if probe.sdk.is_some() { "SDK build" } else { "LINK-CHECK library, not for shipping" };
    eprintln!("xtask: HAR at {} ({kind}; layout in {})", har.display(), out.join("package").display());
    Ok(())
}

/// Builds cairn-harmony (`--no-default-features --features ohos`, profile `release-mobile`) for
/// `triple` and returns the linked module, after checking that it is an aarch64 shared object.
/// With an SDK its clang links; without one, the link-check linker (see the module doc).
pub(crate) fn build_module(triple: &str) -> Result<PathBuf, String> {
    toolchain::ensure_targets(&[triple])?;
    let sdk = probe_harmony().sdk;
    let tools = workspace_root().join("target/tools/ohos");
    let upper = triple.to_uppercase().replace('-', "_");
    let mut command = toolchain::target_cargo("build", triple);
    command.args(["--locked", "-p", "cairn-harmony", "--lib", "--no-default-features", "--features", "ohos"]);
    command.args(["--profile", SHIPPED_PROFILE]);
    let (linker, linker_changed) = match &sdk {
        Some(sdk) => {
            command.env("OHOS_NDK_HOME", sdk);
            write_script(&tools.join("sdk-clang.sh"), &sdk_linker_script(sdk, triple))?
        }
        None => {
            // napi-build-ohos panics without OHOS_NDK_HOME and only turns it into link-search
            // paths: an empty directory satisfies it.
            let no_sdk = tools.join("no-sdk");
            fs::create_dir_all(&no_sdk).map_err(|e| format!("cannot create {}: {e}", no_sdk.display()))?;
            command.env("OHOS_NDK_HOME", &no_sdk);
            let stubs = write_stub_libraries(&tools.join("stubs"))?;
            write_script(&tools.join("link-check-ld.sh"), &link_check_script(&rust_lld()?, &stubs))?
        }
    };
    command.env(format!("CARGO_TARGET_{upper}_LINKER"), &linker);
    let module = toolchain::output_dir(triple, SHIPPED_PROFILE).join("libcairn_harmony.so");
    if linker_changed {
        // Cargo does not track the linker's contents: a stale module (and the copy in deps/ it
        // is uplifted from) would not be relinked.
        let _ = fs::remove_file(&module);
        let _ = fs::remove_file(module.with_file_name("deps").join("libcairn_harmony.so"));
    }
    run(&mut command)?;
    check_module(&fs::read(&module).map_err(|e| format!("cannot read {}: {e}", module.display()))?)
        .map_err(|e| format!("{}: {e}", module.display()))?;
    Ok(module)
}

/// An aarch64 shared object (`ET_DYN`, `EM_AARCH64`).
pub(super) fn check_module(image: &[u8]) -> Result<(), String> {
    let elf = Elf::parse(image)?;
    if !elf.is_64 || elf.machine != EM_AARCH64 || elf.kind != 3 {
        return Err(format!(
            "not a 64-bit aarch64 shared object (machine {}, type {})",
            elf.machine, elf.kind
        ));
    }
    Ok(())
}

/// The SDK's clang as the linker, with the OHOS target and sysroot (what DevEco's CMake passes).
fn sdk_linker_script(sdk: &Path, triple: &str) -> String {
    let clang_target = triple.replace("-unknown", "");
    format!(
        "#!/bin/sh\n# Generated by cargo xtask harmony: the OHOS SDK's clang links the module.\n\
         exec '{}' --target={clang_target} --sysroot='{}' \"$@\"\n",
        sdk.join("native/llvm/bin/clang").display(),
        sdk.join("native/sysroot").display(),
    )
}

/// Shared libraries the module's link line names (musl keeps libm/libdl/libpthread/librt in
/// libc; `ace_napi.z` comes from napi-build-ohos), generated empty: the device provides them.
const STUB_LIBRARIES: [&str; 6] =
    ["libc.so", "libm.so", "libdl.so", "libpthread.so", "librt.so", "libace_napi.z.so"];

/// `-lunwind` (std's unwinder) is the SDK's static LLVM libunwind: an empty archive here, so it
/// is not recorded as a shared dependency.
const STATIC_STUBS: [&str; 1] = ["libunwind.a"];

fn write_stub_libraries(dir: &Path) -> Result<PathBuf, String> {
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let empty_script = dir.join("empty.ld");
    fs::write(&empty_script, b"").map_err(|e| format!("cannot write {}: {e}", empty_script.display()))?;
    for name in STATIC_STUBS {
        let out = dir.join(name);
        fs::write(&out, b"!<arch>\n").map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }
    let lld = rust_lld()?;
    for name in STUB_LIBRARIES {
        let out = dir.join(name);
        if out.is_file() {
            continue;
        }
        run(Command::new(&lld)
            .args(["-flavor", "gnu", "-m", "aarch64linux", "-shared", "-soname", name, "-o"])
            .arg(&out)
            .arg(&empty_script))?;
    }
    Ok(dir.to_path_buf())
}

/// A gcc-style linker driver over `rust-lld`: rustc passes `-Wl,` options and driver flags,
/// which ld.lld does not take.
fn link_check_script(lld: &Path, stubs: &Path) -> String {
    format!(
        "#!/usr/bin/env bash\n\
         # Generated by cargo xtask: LINK CHECK ONLY (no OHOS SDK). Links the HarmonyOS module with\n\
         # rust-lld against empty stub libraries; the result is never shipped.\n\
         set -euo pipefail\n\
         args=()\n\
         for arg in \"$@\"; do\n\
         \x20 case \"$arg\" in\n\
         \x20   -Wl,*) IFS=, read -r -a parts <<< \"${{arg#-Wl,}}\"\n\
         \x20     for part in \"${{parts[@]}}\"; do [[ $part == --as-needed ]] || args+=(\"$part\"); done ;;\n\
         \x20   # Dropped: driver-only flags, and --as-needed (the stubs define nothing, so every named\n\
         \x20   # library is kept as DT_NEEDED, as the real ones would be).\n\
         \x20   -nodefaultlibs|-nostartfiles|-fuse-ld=*|-m64|-fPIC|-pie|-no-pie|--target=*|-B*|-march=*|--as-needed) ;;\n\
         \x20   *) args+=(\"$arg\") ;;\n\
         \x20 esac\n\
         done\n\
         exec '{}' -flavor gnu -m aarch64linux -L '{}' \"${{args[@]}}\"\n",
        lld.display(),
        stubs.display(),
    )
}

/// Writes an executable script; also says whether its contents changed.
fn write_script(path: &Path, text: &str) -> Result<(PathBuf, bool), String> {
    use std::os::unix::fs::PermissionsExt;
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok((path.to_path_buf(), false));
    }
    make_parent(path)?;
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("cannot make {} executable: {e}", path.display()))?;
    Ok((path.to_path_buf(), true))
}

/// The stable toolchain's `rust-lld` (GNU flavour with `-flavor gnu`).
fn rust_lld() -> Result<PathBuf, String> {
    let sysroot = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    let root = PathBuf::from(String::from_utf8_lossy(&sysroot.stdout).trim());
    let lld = root.join("lib/rustlib/x86_64-unknown-linux-gnu/bin/rust-lld");
    if lld.is_file() { Ok(lld) } else { Err(format!("no rust-lld at {}", lld.display())) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn harmony_message_on_this_machine() {
        let probe = HarmonyProbe { sdk: None, unusable_sdk_vars: Vec::new() };
        assert_eq!(
            missing_message("harmony", &harmony_missing(&probe)),
            "`cargo xtask harmony` cannot run yet; missing:\n  \
- HarmonyOS / OpenHarmony SDK with the native toolchain (none of OHOS_NDK_HOME, OHOS_SDK_NATIVE, OHOS_SDK_HOME, HOS_SDK_HOME, DEVECO_SDK_HOME is set)\n      \
install DevEco Studio (https://developer.huawei.com/consumer/en/deveco-studio/) or the command-line tools, \
then `export OHOS_NDK_HOME=<SDK>/default/openharmony` (the directory that contains native/)"
        );
        assert!(
            harmony_missing(&HarmonyProbe { sdk: Some("/sdk".into()), unusable_sdk_vars: vec![] }).is_empty()
        );
    }

    #[test]
    fn harmony_names_a_variable_that_points_nowhere() {
        let probe = HarmonyProbe { sdk: None, unusable_sdk_vars: vec!["OHOS_NDK_HOME".into()] };
        let missing = harmony_missing(&probe);
        assert_eq!(missing.len(), 1);
        assert!(
            missing[0].what.contains("OHOS_NDK_HOME set but without native/llvm/bin/clang"),
            "{missing:?}"
        );
    }

    #[test]
    fn ohos_sdk_is_found_from_the_root_its_native_dir_or_deveco_sdk_dir() {
        let base = env::temp_dir().join(format!("cairn-xtask-ohos-{}", std::process::id()));
        let root = base.join("sdk/default/openharmony");
        fs::create_dir_all(root.join("native/llvm/bin")).unwrap();
        fs::write(root.join("native/llvm/bin/clang"), b"").unwrap();
        let from_root = ohos_sdk_from(&root);
        let from_native = ohos_sdk_from(&root.join("native"));
        let from_deveco = ohos_sdk_from(&base.join("sdk"));
        let from_elsewhere = ohos_sdk_from(&base);
        fs::remove_dir_all(&base).unwrap();
        assert_eq!(from_root.as_deref(), Some(root.as_path()));
        assert_eq!(from_native.as_deref(), Some(root.as_path()));
        assert_eq!(from_deveco.as_deref(), Some(root.as_path()));
        assert_eq!(from_elsewhere, None);
    }

    #[test]
    fn only_an_aarch64_shared_object_passes_as_the_module() {
        use crate::elf::testing::{Spec, build};
        assert_eq!(check_module(&build(&Spec::good())), Ok(()));
        let x86 = build(&Spec { machine: crate::elf::EM_X86_64, ..Spec::good() });
        assert!(check_module(&x86).is_err());
        let arm32 = build(&Spec { is_64: false, machine: crate::elf::EM_ARM, ..Spec::good() });
        assert!(check_module(&arm32).is_err());
        assert!(check_module(b"not an elf").is_err());
    }

    #[test]
    fn the_linker_scripts_name_their_tools_and_mark_the_link_check() {
        let sdk = sdk_linker_script(Path::new("/sdk"), OHOS_TRIPLE);
        assert!(
            sdk.contains(
                "'/sdk/native/llvm/bin/clang' --target=aarch64-linux-ohos --sysroot='/sdk/native/sysroot'"
            ),
            "{sdk}"
        );
        let check = link_check_script(Path::new("/lld"), Path::new("/stubs"));
        assert!(check.contains("LINK CHECK ONLY"), "{check}");
        assert!(check.contains("exec '/lld' -flavor gnu -m aarch64linux -L '/stubs'"), "{check}");
        assert!(STUB_LIBRARIES.contains(&"libace_napi.z.so") && STUB_LIBRARIES.contains(&"libc.so"));
    }
}
