//! The Android link check: links the shipped library for an Android ABI without the NDK and
//! checks the result the way the device's loader and Play would judge it.
//!
//! rustc's link line goes to a generated wrapper that calls `rust-lld` (GNU flavour) against
//! generated stub `libc.so`/`libm.so`/`libdl.so`: each stub defines exactly the symbols bionic
//! has at the app's `minSdk` on that ABI (`xtask/data/bionic-symbols.tsv`), like the NDK's own
//! stubs, so `--as-needed` keeps only the libraries really used. `libunwind.a` and `liblog.so`
//! are empty (the NDK links LLVM's libunwind statically; nothing of liblog is used), so the
//! result is **not loadable on a device** and is never shipped: `cargo xtask android` builds the
//! real one with the NDK. The checks (each fails the build):
//! - the exported `uniffi_*`/`ffi_*` set equals the host library's;
//! - `DT_SONAME` is `libcairn_ffi.so`;
//! - `DT_NEEDED` names bionic libraries only;
//! - every `PT_LOAD` is aligned to 16 KiB (Android 15+ devices with 16 KiB pages);
//! - no text relocations (refused by the loader for targetSdk ≥ 23);
//! - every undefined symbol exists in bionic at `minSdk` on that ABI, or is weak if newer; the
//!   only exception is the unwinder interface the NDK's static libunwind provides.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::elf::{self, Elf, SHN_UNDEF, STB_WEAK};
use crate::toolchain::{self, CrateType};
use crate::{run, workspace_root};

/// `minSdk` of android/cairn and android/app.
pub(crate) const MIN_SDK: u32 = 24;

/// The library's `DT_SONAME`: its file name in the APK (`jni/<abi>/libcairn_ffi.so`).
const SONAME: &str = "libcairn_ffi.so";

/// Required `PT_LOAD` alignment: 16 KiB pages (Android 15+).
const PAGE: u64 = 16384;

/// The bionic libraries an app's native library may depend on.
const BIONIC_LIBRARIES: [&str; 3] = ["libc.so", "libm.so", "libdl.so"];

/// Bionic's NDK symbols and the API level each appeared at per ABI (generated from AOSP's
/// symbol maps; source and rules in the file's header).
const BIONIC_SYMBOLS: &str = include_str!("../../data/bionic-symbols.tsv");

/// The unwinder functions Rust's std calls, which the NDK links statically from LLVM's
/// `libunwind.a` (the Itanium C++ ABI's `_Unwind_*`, their GNU extensions, and on 32-bit ARM
/// the EHABI's virtual register set and frame unwinder). The link check's `libunwind.a` is
/// empty, so these stay undefined here; in the NDK build they are resolved inside the library
/// and never reach bionic. Exactly the set the four ABIs reference: a new one fails the check.
const NDK_STATIC_UNWIND: [&str; 17] = [
    "_Unwind_Backtrace",
    "_Unwind_DeleteException",
    "_Unwind_FindEnclosingFunction",
    "_Unwind_GetCFA",
    "_Unwind_GetDataRelBase",
    "_Unwind_GetIP",
    "_Unwind_GetIPInfo",
    "_Unwind_GetLanguageSpecificData",
    "_Unwind_GetRegionStart",
    "_Unwind_GetTextRelBase",
    "_Unwind_RaiseException",
    "_Unwind_Resume",
    "_Unwind_SetGR",
    "_Unwind_SetIP",
    "_Unwind_VRS_Get",
    "_Unwind_VRS_Set",
    "__gnu_unwind_frame",
];

/// Column of `abi` in bionic-symbols.tsv, and the ELF machine its libraries must have.
fn abi_facts(abi: &str) -> Result<(usize, u16, bool), String> {
    match abi {
        "arm64-v8a" => Ok((0, elf::EM_AARCH64, true)),
        "armeabi-v7a" => Ok((1, elf::EM_ARM, false)),
        "x86_64" => Ok((2, elf::EM_X86_64, true)),
        "x86" => Ok((3, elf::EM_386, false)),
        other => Err(format!("unknown Android ABI {other}")),
    }
}

/// The API level at which `symbol` appeared in bionic on one ABI, and its library.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Introduced {
    library: String,
    level: u32,
}

/// bionic-symbols.tsv for one ABI: symbol → where and since when (symbols absent on the ABI
/// are left out).
fn bionic_for(table: &str, abi: &str) -> Result<BTreeMap<String, Introduced>, String> {
    let (column, _, _) = abi_facts(abi)?;
    let mut symbols = BTreeMap::new();
    for (number, line) in table.lines().enumerate() {
        if line.starts_with('#') || line.starts_with("symbol\t") || line.is_empty() {
            continue;
        }
        let cells: Vec<&str> = line.split('\t').collect();
        let [name, library, levels @ ..] = cells.as_slice() else {
            return Err(format!("bionic-symbols.tsv line {}: too few columns", number + 1));
        };
        let cell =
            levels.get(column).ok_or_else(|| format!("bionic-symbols.tsv line {}: no {abi}", number + 1))?;
        if *cell == "-" {
            continue;
        }
        let level =
            cell.parse().map_err(|_| format!("bionic-symbols.tsv line {}: level {cell:?}", number + 1))?;
        let entry = Introduced { library: (*library).to_owned(), level };
        // A symbol in two libraries (libc and libdl) counts from its earliest appearance.
        symbols
            .entry((*name).to_owned())
            .and_modify(|known: &mut Introduced| {
                if level < known.level {
                    *known = entry.clone();
                }
            })
            .or_insert(entry);
    }
    Ok(symbols)
}

/// The defined, global or weak `uniffi_*` / `ffi_*` symbols a library exports.
pub(crate) fn exported_ffi_symbols(elf_bytes: &[u8]) -> Result<BTreeSet<String>, String> {
    let image = Elf::parse(elf_bytes)?;
    Ok(ffi_exports(&image.dynamic_symbols()?))
}

fn ffi_exports(symbols: &[elf::Symbol]) -> BTreeSet<String> {
    symbols
        .iter()
        .filter(|s| s.is_defined() && matches!(s.binding, elf::STB_GLOBAL | STB_WEAK))
        .filter(|s| s.name.starts_with("uniffi_") || s.name.starts_with("ffi_"))
        .map(|s| s.name.clone())
        .collect()
}

/// Everything wrong with a linked Android library (empty: it passes).
fn problems(
    image: &[u8],
    abi: &str,
    host_exports: &BTreeSet<String>,
    bionic: &BTreeMap<String, Introduced>,
) -> Result<Vec<String>, String> {
    let (_, machine, is_64) = abi_facts(abi)?;
    let elf = Elf::parse(image)?;
    let mut found = Vec::new();
    if elf.machine != machine || elf.is_64 != is_64 || elf.kind != 3 {
        found.push(format!(
            "not a {abi} shared object: e_machine {}, {}-bit, e_type {}",
            elf.machine,
            if elf.is_64 { 64 } else { 32 },
            elf.kind
        ));
        return Ok(found);
    }
    let symbols = elf.dynamic_symbols()?;

    let exports = ffi_exports(&symbols);
    let missing: Vec<&String> = host_exports.difference(&exports).collect();
    let extra: Vec<&String> = exports.difference(host_exports).collect();
    if !missing.is_empty() || !extra.is_empty() {
        found.push(format!(
            "exports differ from the host library's ({} here, {} on the host): missing {missing:?}, extra {extra:?}",
            exports.len(),
            host_exports.len()
        ));
    }

    // The NDK's toolchains always set it; the loader identifies a loaded library by it, and
    // without one falls back on the file name with a warning (bionic's NDK notes).
    let soname = elf.soname()?;
    if soname.as_deref() != Some(SONAME) {
        found.push(format!(
            "DT_SONAME is {soname:?}, not {SONAME} (bindings/ffi/build.rs sets it for Android)"
        ));
    }

    for name in elf.needed()? {
        if !BIONIC_LIBRARIES.contains(&name.as_str()) {
            found.push(format!("DT_NEEDED {name} is not a bionic library ({})", BIONIC_LIBRARIES.join(", ")));
        }
    }

    for segment in elf.segments.iter().filter(|segment| segment.kind == elf::PT_LOAD) {
        if segment.align == 0 || segment.align % PAGE != 0 {
            found.push(format!(
                "PT_LOAD at offset {:#x} is aligned to {} bytes, not a multiple of 16 KiB (Android 15+ 16 KiB pages)",
                segment.offset, segment.align
            ));
        }
    }

    let dynamic = elf.dynamic()?;
    if dynamic
        .iter()
        .any(|&(tag, value)| tag == elf::DT_TEXTREL || (tag == elf::DT_FLAGS && value & elf::DF_TEXTREL != 0))
    {
        found.push("text relocations (DT_TEXTREL / DF_TEXTREL): refused for targetSdk >= 23".into());
    }

    for symbol in symbols.iter().filter(|s| s.section == SHN_UNDEF && !s.name.is_empty()) {
        if NDK_STATIC_UNWIND.contains(&symbol.name.as_str()) {
            continue;
        }
        match bionic.get(&symbol.name) {
            None => found.push(format!(
                "undefined symbol {} is not in bionic's NDK API on {abi} (xtask/data/bionic-symbols.tsv)",
                symbol.name
            )),
            Some(known) if known.level > MIN_SDK && symbol.binding != STB_WEAK => found.push(format!(
                "{} ({}) appeared at API {}, after minSdk {MIN_SDK}, and is referenced strongly: it must be weak",
                symbol.name, known.library, known.level
            )),
            Some(_) => {}
        }
    }
    Ok(found)
}

/// Builds cairn-ffi for `triple` (Android `abi`) through the link-check linker, checks it and
/// returns the library's path (stripped, profile release-mobile).
pub(crate) fn build_and_check(
    triple: &str,
    abi: &str,
    host_exports: &BTreeSet<String>,
) -> Result<PathBuf, String> {
    toolchain::ensure_targets(&[triple])?;
    let bionic = bionic_for(BIONIC_SYMBOLS, abi)?;
    let linker = prepare_linker(triple, abi, &bionic)?;
    let variable = format!("CARGO_TARGET_{}_LINKER", triple.to_uppercase().replace('-', "_"));
    let library =
        toolchain::build_ffi(Some(triple), CrateType::Cdylib, &[(variable, OsString::from(&linker))])?;
    let image = fs::read(&library).map_err(|e| format!("cannot read {}: {e}", library.display()))?;
    let found =
        problems(&image, abi, host_exports, &bionic).map_err(|e| format!("{}: {e}", library.display()))?;
    if !found.is_empty() {
        return Err(format!(
            "the {abi} link check failed for {}:\n  - {}",
            library.display(),
            found.join("\n  - ")
        ));
    }
    let needed = Elf::parse(&image)?.needed()?;
    eprintln!(
        "xtask: {abi}: {} bytes, SONAME {SONAME}, {} exports as on the host, NEEDED {}, 16 KiB LOAD alignment, no TEXTREL, \
         imports in bionic at API {MIN_SDK} (link-check library: not loadable, never shipped)",
        image.len(),
        host_exports.len(),
        needed.join(" ")
    );
    Ok(library)
}

/// `rust-lld` of the toolchain that builds the Android targets.
fn rust_lld() -> Result<PathBuf, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(&rustc)
        .current_dir(workspace_root())
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("could not run rustc: {e}"))?;
    let sysroot = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    let host = rustc_host(&rustc)?;
    let lld = Path::new(&sysroot).join("lib/rustlib").join(host).join("bin/rust-lld");
    if lld.is_file() {
        Ok(lld)
    } else {
        Err(format!("no rust-lld at {} (rustup component llvm-tools?)", lld.display()))
    }
}

fn rustc_host(rustc: &OsString) -> Result<String, String> {
    let output = Command::new(rustc).arg("-vV").output().map_err(|e| format!("could not run rustc: {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|line| line.strip_prefix("host: ").map(str::to_owned))
        .ok_or_else(|| "rustc -vV names no host".to_owned())
}

/// The wrapper rustc calls as `cc`: cc-style arguments become GNU ld ones (`-Wl,a,b` unpacked,
/// compiler-only flags dropped), linked by rust-lld against the stubs next to it. Android
/// packed relocations (`--pack-dyn-relocs=android`, loaded since API 23, so valid at minSdk
/// 24; RELR would need API 28) keep the relocation tables small.
fn wrapper_script(lld: &Path, stubs: &Path) -> String {
    format!(
        "#!/bin/sh\n\
         # Generated by xtask (android_link.rs): the Android link check's linker. Never ships.\n\
         set -f\n\
         first=1\n\
         for arg in \"$@\"; do\n\
         \x20 if [ \"$first\" = 1 ]; then set --; first=0; fi\n\
         \x20 case \"$arg\" in\n\
         \x20   -Wl,*) rest=\"${{arg#-Wl,}}\"; saved=\"$IFS\"; IFS=,; for part in $rest; do set -- \"$@\" \"$part\"; done; IFS=\"$saved\" ;;\n\
         \x20   -m32|-m64|-march=*|-mcpu=*|-mfpu=*|-mfloat-abi=*|-mthumb|-fuse-ld=*|-nodefaultlibs|-nostartfiles|-fPIC|-fpic|-pie|-no-pie|-static-libgcc) ;;\n\
         \x20   *) set -- \"$@\" \"$arg\" ;;\n\
         \x20 esac\n\
         done\n\
         exec '{}' -flavor gnu -L '{}' -z max-page-size={PAGE} --pack-dyn-relocs=android \"$@\"\n",
        lld.display(),
        stubs.display()
    )
}

/// Writes the wrapper and the stubs for `abi` under target/tools/android-link/, in a directory
/// named after a hash of their inputs: the linker's path is part of cargo's fingerprint, so a
/// changed wrapper or symbol list relinks instead of reusing a library linked the old way.
fn prepare_linker(triple: &str, abi: &str, bionic: &BTreeMap<String, Introduced>) -> Result<PathBuf, String> {
    let lld = rust_lld()?;
    let mut scripts: BTreeMap<&str, String> =
        BIONIC_LIBRARIES.iter().map(|lib| (*lib, String::new())).collect();
    for (name, known) in bionic.iter().filter(|(_, known)| known.level <= MIN_SDK) {
        if let Some(script) = scripts.get_mut(known.library.as_str()) {
            script.push_str(&format!("{name} = 0;\n"));
        }
    }
    let probe_wrapper = wrapper_script(&lld, Path::new("STUBS"));
    let mut hash = Fnv::default();
    for part in [triple, probe_wrapper.as_str()].into_iter().chain(scripts.values().map(String::as_str)) {
        hash.add(part.as_bytes());
    }
    let dir = crate::bindings::target_dir().join("tools/android-link").join(format!("{abi}-{:016x}", hash.0));
    let wrapper = dir.join("cc-wrapper.sh");
    if wrapper.is_file() {
        return Ok(wrapper);
    }
    // Built aside and renamed into place, so a half-written directory is never used.
    let work = dir.with_extension(format!("partial-{}", std::process::id()));
    super::recreate_dir(&work)?;
    let write = |name: &str, contents: &[u8]| {
        fs::write(work.join(name), contents)
            .map_err(|e| format!("cannot write {}: {e}", work.join(name).display()))
    };
    // An empty object of the right class and machine to hang each stub on.
    write("empty.rs", b"#![no_std]\n")?;
    run(Command::new(std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into()))
        .current_dir(&work)
        .args(["--crate-type", "lib", "--emit", "obj", "--target", triple, "-o", "empty.o", "empty.rs"]))?;
    for (library, script) in scripts.iter().map(|(lib, s)| (*lib, s.as_str())).chain([("liblog.so", "")]) {
        let script_name = format!("{library}.ld");
        write(&script_name, script.as_bytes())?;
        let mut link = Command::new(&lld);
        link.current_dir(&work)
            .args(["-flavor", "gnu", "-shared", "-soname", library, "-o", library, "empty.o"]);
        if !script.is_empty() {
            link.arg(&script_name);
        }
        run(&mut link)?;
    }
    write("libunwind.a", b"!<arch>\n")?;
    write("cc-wrapper.sh", wrapper_script(&lld, &dir).as_bytes())?;
    set_executable(&work.join("cc-wrapper.sh"))?;
    if let Err(error) = fs::rename(&work, &dir) {
        // Another xtask finished the same directory first: its contents are the same.
        let _ = fs::remove_dir_all(&work);
        if !wrapper.is_file() {
            return Err(format!("cannot move {} into place: {error}", work.display()));
        }
    }
    Ok(wrapper)
}

fn set_executable(path: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755))
        .map_err(|e| format!("cannot make {} executable: {e}", path.display()))
}

/// FNV-1a, 64-bit: a stable name for the linker directory (not a security hash).
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn add(&mut self, bytes: &[u8]) {
        for &byte in bytes.iter().chain([0xff].iter()) {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::elf::testing::{Spec, build};
    use crate::elf::{DF_TEXTREL, DT_FLAGS, DT_TEXTREL, EM_X86_64, STB_GLOBAL};

    fn host() -> BTreeSet<String> {
        ["uniffi_cairn_ffi_fn_func_version".to_owned()].into()
    }

    fn check(spec: &Spec, abi: &str) -> Vec<String> {
        problems(&build(spec), abi, &host(), &bionic_for(BIONIC_SYMBOLS, abi).unwrap()).unwrap()
    }

    #[test]
    fn a_clean_library_passes() {
        assert_eq!(check(&Spec::good(), "arm64-v8a"), Vec::<String>::new());
        let mut x86 = Spec::good();
        x86.is_64 = false;
        x86.machine = elf::EM_386;
        assert_eq!(check(&x86, "x86"), Vec::<String>::new());
    }

    #[test]
    fn a_missing_or_wrong_soname_fails() {
        let mut spec = Spec::good();
        spec.soname = None;
        let found = check(&spec, "arm64-v8a");
        assert!(found.iter().any(|problem| problem.contains("DT_SONAME is None")), "{found:?}");
        spec.soname = Some("libcairn_ffi.so.1".into());
        let found = check(&spec, "arm64-v8a");
        assert!(found.iter().any(|problem| problem.contains("DT_SONAME")), "{found:?}");
    }

    #[test]
    fn a_4k_load_segment_fails() {
        let mut spec = Spec::good();
        spec.load_aligns = vec![16384, 4096];
        let found = check(&spec, "arm64-v8a");
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].contains("aligned to 4096 bytes"), "{found:?}");
        spec.load_aligns = vec![65536];
        assert!(check(&spec, "arm64-v8a").is_empty(), "64 KiB is a multiple of 16 KiB");
    }

    #[test]
    fn text_relocations_fail_either_way_they_are_marked() {
        for entry in [(DT_TEXTREL, 0), (DT_FLAGS, DF_TEXTREL | 8)] {
            let mut spec = Spec::good();
            spec.dynamic.push(entry);
            let found = check(&spec, "arm64-v8a");
            assert!(found.len() == 1 && found[0].contains("text relocations"), "{entry:?}: {found:?}");
        }
        let mut bind_now_only = Spec::good();
        bind_now_only.dynamic.push((DT_FLAGS, 8)); // DF_BIND_NOW
        assert!(check(&bind_now_only, "arm64-v8a").is_empty());
    }

    #[test]
    fn a_needed_library_outside_bionic_fails() {
        let mut spec = Spec::good();
        spec.needed = vec!["libc.so".into(), "libm.so".into(), "libc++_shared.so".into()];
        let found = check(&spec, "arm64-v8a");
        assert!(found.len() == 1 && found[0].contains("libc++_shared.so"), "{found:?}");
    }

    #[test]
    fn exports_must_equal_the_hosts() {
        let mut spec = Spec::good();
        spec.symbols.push(("ffi_cairn_ffi_rustbuffer_alloc".into(), STB_GLOBAL, 2, 9));
        spec.symbols[0].3 = SHN_UNDEF; // the host's export is only imported here
        let found = check(&spec, "arm64-v8a");
        assert_eq!(found.len(), 2, "{found:?}"); // the export set, and an import bionic lacks
        assert!(found[0].contains("missing [\"uniffi_cairn_ffi_fn_func_version\"]"), "{found:?}");
        assert!(found[0].contains("extra [\"ffi_cairn_ffi_rustbuffer_alloc\"]"), "{found:?}");
        assert!(found[1].contains("not in bionic"), "{found:?}");
    }

    #[test]
    fn newer_symbols_must_be_weak_and_unknown_ones_fail() {
        let mut spec = Spec::good();
        spec.symbols.push(("getrandom".into(), STB_GLOBAL, 2, SHN_UNDEF)); // API 28
        spec.symbols.push(("cairn_made_up".into(), STB_GLOBAL, 2, SHN_UNDEF));
        let found = check(&spec, "arm64-v8a");
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].contains("getrandom (libc.so) appeared at API 28"), "{found:?}");
        assert!(found[1].contains("cairn_made_up is not in bionic"), "{found:?}");
        spec.symbols.truncate(2);
        spec.symbols.push(("getrandom".into(), STB_WEAK, 2, SHN_UNDEF));
        spec.symbols.push(("_Unwind_Resume".into(), STB_GLOBAL, 2, SHN_UNDEF));
        assert!(check(&spec, "arm64-v8a").is_empty());
    }

    #[test]
    fn levels_are_per_abi() {
        // prlimit: in LIBC on 64-bit ABIs, added at API 24 on arm and x86.
        let arm = bionic_for(BIONIC_SYMBOLS, "armeabi-v7a").unwrap();
        let arm64 = bionic_for(BIONIC_SYMBOLS, "arm64-v8a").unwrap();
        assert_eq!(arm["prlimit"].level, 24);
        assert_eq!(arm64["prlimit"].level, 21);
        assert!(arm.contains_key("__aeabi_memcpy") && !arm64.contains_key("__aeabi_memcpy"));
        assert_eq!(arm64["pow"], Introduced { library: "libm.so".into(), level: 21 });
        assert_eq!(arm64["getrandom"].level, 28);
    }

    #[test]
    fn wrong_machine_or_class_is_reported_alone() {
        let mut spec = Spec::good();
        spec.machine = EM_X86_64;
        let found = check(&spec, "arm64-v8a");
        assert!(found.len() == 1 && found[0].contains("e_machine 62"), "{found:?}");
        assert!(problems(&build(&spec), "mips", &host(), &BTreeMap::new()).is_err());
    }

    #[test]
    fn malformed_table_lines_are_errors() {
        assert!(bionic_for("malloc\tlibc.so\n", "arm64-v8a").unwrap_err().contains("no arm64-v8a"));
        assert!(bionic_for("malloc\n", "x86").unwrap_err().contains("too few"));
        assert!(bionic_for("malloc\tlibc.so\tN\t1\t1\t1\n", "arm64-v8a").unwrap_err().contains("level"));
    }

    #[test]
    fn the_wrapper_unpacks_linker_arguments() {
        let script = wrapper_script(Path::new("/lld"), Path::new("/stubs"));
        let dir = std::env::temp_dir().join(format!("cairn-wrapper-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        // Stand-in for rust-lld that prints its arguments one per line.
        fs::write(dir.join("lld"), "#!/bin/sh\nfor a in \"$@\"; do echo \"$a\"; done\n").unwrap();
        set_executable(&dir.join("lld")).unwrap();
        let script = script.replace("'/lld'", &format!("'{}'", dir.join("lld").display()));
        fs::write(dir.join("cc.sh"), script).unwrap();
        set_executable(&dir.join("cc.sh")).unwrap();
        let output = Command::new(dir.join("cc.sh"))
            .args([
                "-m64",
                "-Wl,-z,relro,-z,now",
                "a b.o",
                "-nodefaultlibs",
                "-lc",
                "-Wl,--version-script=/x/list",
            ])
            .output()
            .unwrap();
        fs::remove_dir_all(&dir).unwrap();
        let lines: Vec<String> =
            String::from_utf8(output.stdout).unwrap().lines().map(String::from).collect();
        let expected = [
            "-flavor",
            "gnu",
            "-L",
            "/stubs",
            "-z",
            "max-page-size=16384",
            "--pack-dyn-relocs=android",
            "-z",
            "relro",
            "-z",
            "now",
            "a b.o",
            "-lc",
            "--version-script=/x/list",
        ];
        assert_eq!(lines, expected);
    }
}
