//! `cargo xtask android --artifact`: `target/android/cairn-<version>.aar` assembled without
//! Gradle or the Android SDK (the Kotlin library compiled by Maven against JNA and coroutines;
//! native libraries from the NDK or, without one, the link check's, marked as such), and the
//! check of an AAR's structure, which reads the archive back with the JDK's `jar`.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

use super::super::{ANDROID_TARGETS, android_link, command_output, copy_file, make_parent, recreate_dir};
use super::{android_dir, ndk_build, probe_android};
use crate::elf::Elf;
use crate::{bindings, run, step, workspace_root};

/// Where the AAR's native libraries came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NativeSource {
    /// `cargo ndk` with the Android NDK: the libraries an app ships.
    Ndk,
    /// The NDK-less link check (android_link.rs): right exports and layout, not loadable.
    LinkCheck,
}

/// The marker file inside the AAR saying which kind of libraries it holds.
const NATIVE_MARKER: &str = "META-INF/cairn-native-libraries.txt";

impl NativeSource {
    fn marker(self) -> &'static str {
        match self {
            Self::Ndk => "ndk: built by cargo-ndk with the Android NDK\n",
            Self::LinkCheck => {
                "link-check: linked by rust-lld against stub bionic libraries, WITHOUT the NDK's \
                 libunwind; NOT LOADABLE on a device, for structure checks only. Rebuild with \
                 `cargo xtask android --artifact` on a machine with the NDK before shipping.\n"
            }
        }
    }
}

/// `cargo xtask android --artifact`: target/android/cairn-<version>.aar, then its check.
pub(super) fn artifact() -> Result<(), String> {
    toolchain_targets()?;
    bindings::generate()?;
    let stage = workspace_root().join("target/android/aar");
    recreate_dir(&stage)?;

    step("android: classes.jar (Maven: the Kotlin library against JNA and coroutines)");
    let project = workspace_root().join("bindings/kotlin");
    run(Command::new("mvn")
        .current_dir(&project)
        .args(["-B", "-ntp", "-q", "compile"])
        .arg(format!("-Dcairn.generated.dir={}", bindings::bindings_dir().join("kotlin").display())))?;
    run(Command::new("jar")
        .arg("--create")
        .arg("--no-manifest")
        .arg("--file")
        .arg(stage.join("classes.jar"))
        .arg("-C")
        .arg(project.join("target/classes"))
        .arg("org"))?;

    let probe = probe_android();
    let source = match (&probe.ndk, probe.cargo_ndk) {
        (Some(ndk), true) => {
            let jni_libs = ndk_build(ndk)?;
            for (_, abi) in ANDROID_TARGETS {
                copy_file(
                    &jni_libs.join(abi).join("libcairn_ffi.so"),
                    &stage.join(format!("jni/{abi}/libcairn_ffi.so")),
                )?;
            }
            NativeSource::Ndk
        }
        _ => {
            step("android: no NDK here: the AAR gets the link-check libraries (NOT loadable on a device)");
            let host = crate::toolchain::build_ffi(None, crate::toolchain::CrateType::Cdylib, &[])?;
            let exports = crate::cross::read_exports(&host)?;
            for (triple, abi) in ANDROID_TARGETS {
                let library = android_link::build_and_check(triple, abi, &exports)?;
                copy_file(&library, &stage.join(format!("jni/{abi}/libcairn_ffi.so")))?;
            }
            NativeSource::LinkCheck
        }
    };

    let write = |name: &str, contents: &str| {
        let path = stage.join(name);
        make_parent(&path)?;
        fs::write(&path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("AndroidManifest.xml", &manifest())?;
    let rules = android_dir().join("cairn/consumer-rules.pro");
    copy_file(&rules, &stage.join("proguard.txt"))?;
    write("R.txt", "")?;
    write(NATIVE_MARKER, source.marker())?;

    let aar = workspace_root().join(format!("target/android/cairn-{}.aar", env!("CARGO_PKG_VERSION")));
    if aar.exists() {
        fs::remove_file(&aar).map_err(|e| format!("cannot replace {}: {e}", aar.display()))?;
    }
    // Stored, not deflated: the .so files stay readable in place, as AGP expects of jniLibs.
    run(Command::new("jar")
        .arg("--create")
        .arg("--no-manifest")
        .arg("--no-compress")
        .arg("--file")
        .arg(&aar)
        .arg("-C")
        .arg(&stage)
        .arg("."))?;
    let found = check_aar(&aar, source)?;
    if !found.is_empty() {
        return Err(format!("{} is malformed:\n  - {}", aar.display(), found.join("\n  - ")));
    }
    eprintln!("xtask: AAR at {} (structure checked)", aar.display());
    if source == NativeSource::LinkCheck {
        eprintln!(
            "xtask: WARNING: its jni/*/libcairn_ffi.so are the link-check libraries (no NDK here): \
             not loadable on a device; {NATIVE_MARKER} says so inside the AAR"
        );
    }
    Ok(())
}

fn toolchain_targets() -> Result<(), String> {
    crate::toolchain::ensure_targets(&ANDROID_TARGETS.map(|(triple, _)| triple))
}

/// The AAR's manifest: the library's namespace and minSdk (as android/cairn/build.gradle.kts).
fn manifest() -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
         <manifest xmlns:android=\"http://schemas.android.com/apk/res/android\" package=\"org.cairn.core\">\n\
         \x20   <uses-sdk android:minSdkVersion=\"{}\" />\n\
         </manifest>\n",
        android_link::MIN_SDK
    )
}

/// Classes the AAR's classes.jar must hold: the hand-written layer and the generated bindings.
const EXPECTED_CLASSES: [&str; 3] = [
    "org/cairn/core/ktx/CairnLibrary.class",
    "org/cairn/core/ktx/CairnHttp.class",
    "org/cairn/core/UniffiLib.class",
];

/// Everything wrong with an AAR (empty: fine). Unpacks it with the JDK's `jar`, so what is
/// checked is what a zip reader sees.
fn check_aar(aar: &Path, source: NativeSource) -> Result<Vec<String>, String> {
    // Next to the archive, so that checks of different archives never share a directory.
    let dir = aar.with_extension("unpacked");
    recreate_dir(&dir)?;
    let result = check_unpacked(aar, &dir, source);
    let _ = fs::remove_dir_all(&dir);
    result
}

fn check_unpacked(aar: &Path, dir: &Path, source: NativeSource) -> Result<Vec<String>, String> {
    let aar = aar.canonicalize().map_err(|e| format!("{}: {e}", aar.display()))?;
    run(Command::new("jar").current_dir(dir).arg("--extract").arg("--file").arg(&aar))?;
    let mut found = Vec::new();
    let read = |name: &str| fs::read(dir.join(name)).ok();
    for name in ["AndroidManifest.xml", "classes.jar", "proguard.txt", "R.txt", NATIVE_MARKER] {
        if !dir.join(name).is_file() {
            found.push(format!("no {name}"));
        }
    }
    let manifest = String::from_utf8_lossy(&read("AndroidManifest.xml").unwrap_or_default()).into_owned();
    for needed in ["package=\"org.cairn.core\"", "android:minSdkVersion=\"24\""] {
        if !manifest.contains(needed) {
            found.push(format!("AndroidManifest.xml lacks {needed}"));
        }
    }
    let rules = String::from_utf8_lossy(&read("proguard.txt").unwrap_or_default()).into_owned();
    if !rules.contains("-keep class com.sun.jna.** { *; }") {
        found.push("proguard.txt does not keep JNA".into());
    }
    if read(NATIVE_MARKER).as_deref() != Some(source.marker().as_bytes()) {
        found.push(format!("{NATIVE_MARKER} does not say {:?}", source));
    }
    if dir.join("classes.jar").is_file() {
        let listing =
            command_output(Command::new("jar").arg("--list").arg("--file").arg(dir.join("classes.jar")))
                .ok_or("jar could not list classes.jar")?;
        let classes: BTreeSet<&str> = listing.lines().map(str::trim).collect();
        for class in EXPECTED_CLASSES {
            if !classes.contains(class) {
                found.push(format!("classes.jar lacks {class}"));
            }
        }
    }
    for (abi, machine, is_64) in [
        ("arm64-v8a", crate::elf::EM_AARCH64, true),
        ("armeabi-v7a", crate::elf::EM_ARM, false),
        ("x86_64", crate::elf::EM_X86_64, true),
        ("x86", crate::elf::EM_386, false),
    ] {
        let name = format!("jni/{abi}/libcairn_ffi.so");
        let Some(image) = read(&name) else {
            found.push(format!("no {name}"));
            continue;
        };
        match Elf::parse(&image) {
            Ok(elf) if elf.machine == machine && elf.is_64 == is_64 => {
                match android_link::exported_ffi_symbols(&image) {
                    Ok(exports) if !exports.is_empty() => {}
                    _ => found.push(format!("{name} exports no uniffi_/ffi_ symbols")),
                }
            }
            Ok(elf) => found.push(format!(
                "{name} is for e_machine {} ({}-bit), not {abi}",
                elf.machine,
                if elf.is_64 { 64 } else { 32 }
            )),
            Err(e) => found.push(format!("{name}: {e}")),
        }
    }
    Ok(found)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A synthetic AAR like the one `--artifact` writes, zipped by `jar`, in a fresh directory.
    fn fake_aar(name: &str, edit: impl Fn(&Path)) -> PathBuf {
        use crate::elf::testing::{Spec, build};
        let root = workspace_root().join(format!("target/android/test-{name}-{}", std::process::id()));
        recreate_dir(&root).unwrap();
        let stage = root.join("stage");
        let classes = root.join("classes");
        for class in EXPECTED_CLASSES {
            make_parent(&classes.join(class)).unwrap();
            fs::write(classes.join(class), b"\xca\xfe\xba\xbe").unwrap();
        }
        fs::create_dir_all(&stage).unwrap();
        run(Command::new("jar")
            .args(["--create", "--no-manifest", "--file"])
            .arg(stage.join("classes.jar"))
            .arg("-C")
            .arg(&classes)
            .arg("org"))
        .unwrap();
        fs::write(stage.join("AndroidManifest.xml"), manifest()).unwrap();
        copy_file(&android_dir().join("cairn/consumer-rules.pro"), &stage.join("proguard.txt")).unwrap();
        fs::write(stage.join("R.txt"), "").unwrap();
        make_parent(&stage.join(NATIVE_MARKER)).unwrap();
        fs::write(stage.join(NATIVE_MARKER), NativeSource::LinkCheck.marker()).unwrap();
        for (abi, machine, is_64) in [
            ("arm64-v8a", crate::elf::EM_AARCH64, true),
            ("armeabi-v7a", crate::elf::EM_ARM, false),
            ("x86_64", crate::elf::EM_X86_64, true),
            ("x86", crate::elf::EM_386, false),
        ] {
            let so = stage.join(format!("jni/{abi}/libcairn_ffi.so"));
            make_parent(&so).unwrap();
            fs::write(&so, build(&Spec { is_64, machine, ..Spec::good() })).unwrap();
        }
        edit(&stage);
        let aar = root.join("test.aar");
        run(Command::new("jar")
            .args(["--create", "--no-manifest", "--no-compress", "--file"])
            .arg(&aar)
            .arg("-C")
            .arg(&stage)
            .arg("."))
        .unwrap();
        aar
    }

    fn check_fake(name: &str, edit: impl Fn(&Path)) -> Vec<String> {
        let aar = fake_aar(name, edit);
        let found = check_aar(&aar, NativeSource::LinkCheck).unwrap();
        fs::remove_dir_all(aar.parent().unwrap()).unwrap();
        found
    }

    #[test]
    fn a_complete_aar_passes_its_check() {
        assert_eq!(check_fake("good", |_| {}), Vec::<String>::new());
    }

    #[test]
    fn a_library_for_the_wrong_cpu_fails() {
        let found = check_fake("machine", |stage| {
            let arm = fs::read(stage.join("jni/armeabi-v7a/libcairn_ffi.so")).unwrap();
            fs::write(stage.join("jni/x86/libcairn_ffi.so"), arm).unwrap();
        });
        assert_eq!(found, ["jni/x86/libcairn_ffi.so is for e_machine 40 (32-bit), not x86"]);
    }

    #[test]
    fn missing_entries_and_classes_are_named() {
        let found = check_fake("missing", |stage| {
            fs::remove_file(stage.join("R.txt")).unwrap();
            fs::remove_file(stage.join("jni/arm64-v8a/libcairn_ffi.so")).unwrap();
            fs::write(stage.join("proguard.txt"), "-dontwarn java.awt.**\n").unwrap();
            fs::write(stage.join("AndroidManifest.xml"), manifest().replace("24", "21")).unwrap();
        });
        assert_eq!(
            found,
            [
                "no R.txt",
                "AndroidManifest.xml lacks android:minSdkVersion=\"24\"",
                "proguard.txt does not keep JNA",
                "no jni/arm64-v8a/libcairn_ffi.so",
            ]
        );
        let empty_jar = check_fake("classes", |stage| {
            let dir = stage.parent().unwrap().join("other");
            fs::create_dir_all(dir.join("com")).unwrap();
            fs::write(dir.join("com/Other.class"), b"x").unwrap();
            run(Command::new("jar")
                .args(["--create", "--no-manifest", "--file"])
                .arg(stage.join("classes.jar"))
                .arg("-C")
                .arg(&dir)
                .arg("com"))
            .unwrap();
        });
        assert_eq!(empty_jar.len(), EXPECTED_CLASSES.len(), "{empty_jar:?}");
        assert!(empty_jar[0].starts_with("classes.jar lacks org/cairn/core/"), "{empty_jar:?}");
    }

    #[test]
    fn the_marker_must_match_where_the_libraries_came_from() {
        let aar = fake_aar("marker", |_| {});
        let found = check_aar(&aar, NativeSource::Ndk).unwrap();
        fs::remove_dir_all(aar.parent().unwrap()).unwrap();
        assert_eq!(found, [format!("{NATIVE_MARKER} does not say Ndk")]);
        assert!(NativeSource::LinkCheck.marker().contains("NOT LOADABLE"));
    }
}
