//! `cargo xtask android`: cairn-ffi for the Android ABIs and the AAR (Gradle), or with
//! `--artifact` the AAR without Gradle or the SDK (android_aar.rs).

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::*;
use crate::{bindings, have, run, step, workspace_root};

#[path = "android_aar.rs"]
mod aar;

/// What the Android build found on this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AndroidProbe {
    /// `cargo ndk` runs.
    pub cargo_ndk: bool,
    /// The NDK that will be used (ANDROID_NDK_HOME / ANDROID_NDK_ROOT, or the newest under
    /// `$ANDROID_HOME/ndk`).
    pub ndk: Option<PathBuf>,
    /// The SDK Gradle will use (ANDROID_HOME / ANDROID_SDK_ROOT).
    pub sdk: Option<PathBuf>,
    /// `rustup target list --installed`.
    pub installed_targets: Vec<String>,
    /// Major version of the `java` Gradle would run (JAVA_HOME first), if any.
    pub java_major: Option<u32>,
    /// `gradle` on PATH, or a Gradle wrapper in android/.
    pub gradle: bool,
}

/// Everything the Android build lacks, in the order a developer would install it.
pub(crate) fn android_missing(probe: &AndroidProbe) -> Vec<Missing> {
    let mut missing = Vec::new();
    let absent = absent_targets(&probe.installed_targets, ANDROID_TARGETS.iter().map(|(target, _)| *target));
    if !absent.is_empty() {
        missing.push(Missing::new(
            format!("Rust targets {}", absent.join(", ")),
            format!("rustup target add {}", absent.join(" ")),
        ));
    }
    if !probe.cargo_ndk {
        missing.push(Missing::new("cargo-ndk (builds Rust for the NDK's ABIs)", "cargo install cargo-ndk"));
    }
    if probe.sdk.is_none() {
        missing.push(Missing::new(
            "Android SDK (ANDROID_HOME or ANDROID_SDK_ROOT is unset or not a directory)",
            "install the command-line tools (https://developer.android.com/studio#command-tools), then \
             `sdkmanager \"platform-tools\" \"platforms;android-35\" \"build-tools;35.0.0\"` and \
             `export ANDROID_HOME=<the SDK directory>`",
        ));
    }
    if probe.ndk.is_none() {
        missing.push(Missing::new(
            format!("Android NDK (none in ANDROID_NDK_HOME, ANDROID_NDK_ROOT or $ANDROID_HOME/ndk; r27c = {NDK_VERSION} is pinned)"),
            format!(
                "sdkmanager \"ndk;{NDK_VERSION}\" && export ANDROID_NDK_HOME=\"$ANDROID_HOME/ndk/{NDK_VERSION}\""
            ),
        ));
    }
    match probe.java_major {
        Some(major) if major >= MIN_JDK => {}
        found => missing.push(Missing::new(
            match found {
                Some(major) => format!("JDK {MIN_JDK} or newer for Gradle (found Java {major})"),
                None => format!("JDK {MIN_JDK} or newer for Gradle (no `java` in JAVA_HOME or on PATH)"),
            },
            "apt-get install openjdk-17-jdk-headless (or point JAVA_HOME at any JDK 17+)",
        )),
    }
    if !probe.gradle {
        missing.push(Missing::new(
            "Gradle 8.9 or newer (`gradle` on PATH or android/gradlew)",
            "install Gradle (https://gradle.org/install/), then `gradle -p android wrapper` creates android/gradlew",
        ));
    }
    missing
}

/// Probes this machine for the Android build.
pub(crate) fn probe_android() -> AndroidProbe {
    let var = |name: &str| env::var_os(name).filter(|value| !value.is_empty());
    let sdk = ["ANDROID_HOME", "ANDROID_SDK_ROOT"]
        .iter()
        .filter_map(|name| var(name))
        .map(PathBuf::from)
        .find(|p| p.is_dir());
    let ndk = ["ANDROID_NDK_HOME", "ANDROID_NDK_ROOT"]
        .iter()
        .filter_map(|name| var(name))
        .map(PathBuf::from)
        .find(|p| p.is_dir())
        .or_else(|| sdk.as_deref().and_then(newest_ndk_in));
    let java = match var("JAVA_HOME") {
        Some(home) => PathBuf::from(home).join("bin/java"),
        None => PathBuf::from("java"),
    };
    AndroidProbe {
        cargo_ndk: have(&cargo_program().to_string_lossy(), &["ndk", "--version"]),
        ndk,
        sdk,
        installed_targets: installed_rust_targets(),
        java_major: command_output(Command::new(&java).arg("-version")).and_then(|text| java_major(&text)),
        gradle: have("gradle", &["--version"]) || android_dir().join("gradlew").is_file(),
    }
}

/// The newest NDK side by side under `<sdk>/ndk/<version>`.
fn newest_ndk_in(sdk: &Path) -> Option<PathBuf> {
    let entries = fs::read_dir(sdk.join("ndk")).ok()?;
    let versions: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|entry| entry.path().is_dir())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    newest_version(&versions).map(|version| sdk.join("ndk").join(version))
}

/// The highest of dotted numeric versions ("27.2.12479018" > "26.3.11579264"); names that are
/// not versions are ignored.
pub(crate) fn newest_version(names: &[String]) -> Option<&str> {
    let parse = |name: &str| -> Option<Vec<u64>> { name.split('.').map(|part| part.parse().ok()).collect() };
    names
        .iter()
        .filter_map(|name| parse(name).map(|version| (version, name.as_str())))
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, name)| name)
}

/// The major version in `java -version` output: `version "17.0.15"` → 17, `"1.8.0_292"` → 8.
pub(crate) fn java_major(version_output: &str) -> Option<u32> {
    let quoted = version_output.split('"').nth(1)?;
    let mut parts = quoted.split(['.', '_', '-', '+']);
    match parts.next()?.parse().ok()? {
        1 => parts.next()?.parse().ok(),
        major => Some(major),
    }
}

/// `cargo xtask android [--check | --artifact]`.
pub(crate) fn android(args: &[String]) -> Result<(), String> {
    if matches!(args, [flag] if flag == "--artifact") {
        return aar::artifact();
    }
    let check_only = parse_check_flag("android", args)
        .map_err(|_| "usage: cargo xtask android [--check | --artifact]".to_owned())?;
    let probe = probe_android();
    let missing = android_missing(&probe);
    if !missing.is_empty() {
        return Err(missing_message("android", &missing));
    }
    if check_only {
        eprintln!("xtask: android: everything needed is installed");
        return Ok(());
    }
    let (Some(ndk), Some(sdk)) = (probe.ndk, probe.sdk) else {
        return Err("internal: the preflight passed without an NDK or SDK".into());
    };

    let jni_libs = ndk_build(&ndk)?;
    // The Kotlin sources come from the host build: the generated code is the same for every ABI.
    bindings::generate()?;

    step("android: assemble the AAR (Gradle, android/cairn)");
    let android = android_dir();
    let wrapper = android.join("gradlew");
    let mut gradle = if wrapper.is_file() { Command::new(&wrapper) } else { Command::new("gradle") };
    gradle
        .current_dir(&android)
        .env("ANDROID_HOME", &sdk)
        .args([":cairn:assembleRelease", "--console=plain"])
        .arg(format!("-Pcairn.jniLibsDir={}", jni_libs.display()))
        .arg(format!("-Pcairn.generatedKotlinDir={}", bindings::bindings_dir().join("kotlin").display()));
    run(&mut gradle)?;
    let aar = android.join("cairn/build/outputs/aar/cairn-release.aar");
    eprintln!("xtask: AAR at {}", aar.display());
    Ok(())
}

/// cairn-ffi for the four ABIs with cargo-ndk into target/android/jniLibs/<abi>/.
pub(super) fn ndk_build(ndk: &Path) -> Result<PathBuf, String> {
    step("android: cairn-ffi for the Android ABIs (cargo-ndk, profile release-mobile)");
    let jni_libs = workspace_root().join("target/android/jniLibs");
    let mut ndk_build = Command::new(cargo_program());
    ndk_build.current_dir(workspace_root()).env("ANDROID_NDK_HOME", ndk).arg("ndk");
    for (_, abi) in ANDROID_TARGETS {
        ndk_build.args(["-t", abi]);
    }
    ndk_build.arg("-o").arg(&jni_libs).args([
        "build",
        "--locked",
        "-p",
        "cairn-ffi",
        "--lib",
        "--profile",
        "release-mobile",
    ]);
    // 16 KiB pages (Android 15+) for every ABI, and Android's packed relocations (loaded since
    // API 23; minSdk is 24): the same link options as the link check (android_link.rs).
    for (target, _) in ANDROID_TARGETS {
        let variable = format!("CARGO_TARGET_{}_RUSTFLAGS", target.to_uppercase().replace('-', "_"));
        ndk_build.env(
            variable,
            "-C link-arg=-Wl,-z,max-page-size=16384 -C link-arg=-Wl,--pack-dyn-relocs=android",
        );
    }
    run(&mut ndk_build)?;
    Ok(jni_libs)
}

pub(super) fn android_dir() -> PathBuf {
    workspace_root().join("android")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mobile::test_targets as targets;

    fn all_android_targets() -> Vec<String> {
        ANDROID_TARGETS.iter().map(|(target, _)| target.to_string()).collect()
    }

    fn ready_android() -> AndroidProbe {
        AndroidProbe {
            cargo_ndk: true,
            ndk: Some("/sdk/ndk/27.2.12479018".into()),
            sdk: Some("/sdk".into()),
            installed_targets: all_android_targets(),
            java_major: Some(17),
            gradle: true,
        }
    }

    /// This build machine: Debian with JDK 17 and the host Rust target only; no cargo-ndk, no
    /// Android SDK or NDK, no Gradle.
    fn this_machine_android() -> AndroidProbe {
        AndroidProbe {
            cargo_ndk: false,
            ndk: None,
            sdk: None,
            installed_targets: targets(&["x86_64-unknown-linux-gnu"]),
            java_major: Some(17),
            gradle: false,
        }
    }

    #[test]
    fn android_ready_machine_misses_nothing() {
        assert_eq!(android_missing(&ready_android()), Vec::new());
    }

    #[test]
    fn android_message_on_this_machine_lists_every_piece_with_its_command() {
        let message = missing_message("android", &android_missing(&this_machine_android()));
        let expected = "`cargo xtask android` cannot run yet; missing:\n  \
- Rust targets aarch64-linux-android, armv7-linux-androideabi, x86_64-linux-android, i686-linux-android\n      \
rustup target add aarch64-linux-android armv7-linux-androideabi x86_64-linux-android i686-linux-android\n  \
- cargo-ndk (builds Rust for the NDK's ABIs)\n      \
cargo install cargo-ndk\n  \
- Android SDK (ANDROID_HOME or ANDROID_SDK_ROOT is unset or not a directory)\n      \
install the command-line tools (https://developer.android.com/studio#command-tools), then \
`sdkmanager \"platform-tools\" \"platforms;android-35\" \"build-tools;35.0.0\"` and `export ANDROID_HOME=<the SDK directory>`\n  \
- Android NDK (none in ANDROID_NDK_HOME, ANDROID_NDK_ROOT or $ANDROID_HOME/ndk; r27c = 27.2.12479018 is pinned)\n      \
sdkmanager \"ndk;27.2.12479018\" && export ANDROID_NDK_HOME=\"$ANDROID_HOME/ndk/27.2.12479018\"\n  \
- Gradle 8.9 or newer (`gradle` on PATH or android/gradlew)\n      \
install Gradle (https://gradle.org/install/), then `gradle -p android wrapper` creates android/gradlew";
        assert_eq!(message, expected);
    }

    #[test]
    fn android_names_only_the_targets_not_installed() {
        let probe = AndroidProbe {
            installed_targets: targets(&["aarch64-linux-android", "x86_64-linux-android"]),
            ..ready_android()
        };
        let missing = android_missing(&probe);
        assert_eq!(
            missing,
            vec![Missing::new(
                "Rust targets armv7-linux-androideabi, i686-linux-android",
                "rustup target add armv7-linux-androideabi i686-linux-android"
            )]
        );
    }

    #[test]
    fn android_old_or_absent_java_is_reported_with_what_was_found() {
        let old = android_missing(&AndroidProbe { java_major: Some(11), ..ready_android() });
        assert_eq!(old.len(), 1);
        assert!(old[0].what.contains("found Java 11"), "{old:?}");
        let none = android_missing(&AndroidProbe { java_major: None, ..ready_android() });
        assert!(none[0].what.contains("no `java`"), "{none:?}");
        assert!(android_missing(&AndroidProbe { java_major: Some(21), ..ready_android() }).is_empty());
    }

    #[test]
    fn android_ndk_alone_missing_gives_the_sdkmanager_command() {
        let missing = android_missing(&AndroidProbe { ndk: None, ..ready_android() });
        assert_eq!(missing.len(), 1);
        assert_eq!(
            missing[0].fix,
            format!(
                "sdkmanager \"ndk;{NDK_VERSION}\" && export ANDROID_NDK_HOME=\"$ANDROID_HOME/ndk/{NDK_VERSION}\""
            )
        );
    }

    #[test]
    fn java_versions_parse_old_and_new_styles() {
        assert_eq!(java_major("openjdk version \"17.0.15\" 2025-04-15\nOpenJDK Runtime"), Some(17));
        assert_eq!(java_major("java version \"1.8.0_292\""), Some(8));
        assert_eq!(java_major("openjdk version \"21\" 2023-09-19"), Some(21));
        assert_eq!(java_major("openjdk version \"22-ea\""), Some(22));
        assert_eq!(java_major("no quotes here"), None);
        assert_eq!(java_major("version \"x.y\""), None);
    }

    #[test]
    fn newest_ndk_is_chosen_numerically_and_strays_are_ignored() {
        let names = targets(&["9.1.0", "27.2.12479018", "26.3.11579264", "README", "27.10.1", ".DS_Store"]);
        assert_eq!(newest_version(&names), Some("27.10.1"));
        assert_eq!(newest_version(&targets(&["notes"])), None);
        assert_eq!(newest_version(&[]), None);
    }

    #[test]
    fn newest_ndk_in_reads_the_side_by_side_layout() {
        let sdk = env::temp_dir().join(format!("cairn-xtask-ndk-{}", std::process::id()));
        for version in ["26.3.11579264", "27.2.12479018"] {
            fs::create_dir_all(sdk.join("ndk").join(version)).unwrap();
        }
        fs::write(sdk.join("ndk/99.0.0"), b"a file, not an NDK").unwrap();
        let found = newest_ndk_in(&sdk);
        fs::remove_dir_all(&sdk).unwrap();
        assert_eq!(found, Some(sdk.join("ndk/27.2.12479018")));
    }

    #[test]
    fn artifact_is_the_only_new_flag() {
        assert!(android(&["--release".into()]).unwrap_err().contains("--artifact"));
    }
}
