//! UniFFI tasks: `bindings` (build cairn-ffi, generate Kotlin and Swift), `size` (the shipped
//! library's stripped size against the budget) and the Kotlin test suite.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{cargo, run, step, workspace_root};

/// The budget, "≤ 3.5 MB", read as decimal megabytes (3,500,000 bytes, not 3.5 MiB) so
/// that no reading of the unit can call the library over budget. Decision: ADR 0005.
const SIZE_BUDGET_BYTES: u64 = 3_500_000;

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
    let image = std::fs::read(&lib).map_err(|e| format!("no library at {}: {e}", lib.display()))?;
    let bytes = image.len() as u64;
    // Where the bytes are, to see at a glance what grew (sections survive stripping).
    let mut sections = elf_section_sizes(&image).unwrap_or_default();
    sections.sort_by_key(|section| std::cmp::Reverse(section.1));
    let largest: Vec<String> = sections.iter().take(8).map(|(name, size)| format!("{name} {size}")).collect();
    eprintln!("xtask: largest sections: {}", largest.join(", "));
    eprintln!("xtask: budget {SIZE_BUDGET_BYTES} bytes (3.5 MB, decimal)");
    println!("cdylib_stripped_bytes: {bytes}");
    if bytes > SIZE_BUDGET_BYTES {
        return Err(format!("the cdylib is {bytes} bytes, over the {SIZE_BUDGET_BYTES}-byte budget"));
    }
    Ok(())
}

/// Section names and sizes of a 64-bit little-endian ELF file; `None` if it is not one or is
/// malformed. Only what the size report needs: the section header table and its string table.
fn elf_section_sizes(image: &[u8]) -> Option<Vec<(String, u64)>> {
    let u16_at = |at: usize| Some(u16::from_le_bytes(image.get(at..at + 2)?.try_into().ok()?));
    let u32_at = |at: usize| Some(u32::from_le_bytes(image.get(at..at + 4)?.try_into().ok()?));
    let u64_at = |at: usize| Some(u64::from_le_bytes(image.get(at..at + 8)?.try_into().ok()?));
    // "\x7fELF", class 2 (64-bit), data 1 (little-endian).
    if image.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let table = usize::try_from(u64_at(0x28)?).ok()?;
    let entry_size = usize::from(u16_at(0x3a)?);
    let count = usize::from(u16_at(0x3c)?);
    let names_index = usize::from(u16_at(0x3e)?);
    let header = |index: usize| table.checked_add(index.checked_mul(entry_size)?);
    let names_at = usize::try_from(u64_at(header(names_index)? + 0x18)?).ok()?;
    let mut sections = Vec::with_capacity(count);
    for index in 1..count {
        let at = header(index)?;
        let name_at = names_at.checked_add(usize::try_from(u32_at(at)?).ok()?)?;
        let name = image.get(name_at..)?.split(|&byte| byte == 0).next()?;
        // SHT_NOBITS (8) sections such as .bss take no room in the file.
        if u32_at(at + 4)? != 8 {
            sections.push((String::from_utf8_lossy(name).into_owned(), u64_at(at + 0x20)?));
        }
    }
    Some(sections)
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
