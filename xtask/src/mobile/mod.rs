//! Mobile packaging: `cargo xtask android`, `cargo xtask ios` and `cargo xtask harmony`.
//!
//! Each task first probes the machine into a plain struct (what is installed where), then a pure
//! function turns the probe into the list of missing pieces. When anything is missing the task
//! stops before building, with one message that names every piece and the command that installs
//! it, so a developer fixes the setup in one round instead of one failure at a time. The pure
//! half is unit-tested here on any host; the probing half is exercised by `tests/mobile.rs`.
//! `--check` runs only the preflight.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::Path;
use std::process::Command;

mod android;
pub(crate) mod android_link;
mod ios;
pub(crate) mod ohos;

pub(crate) use android::android;
pub(crate) use ios::{artifact as ios_artifact, ios};
pub(crate) use ohos::harmony;

/// Rust targets and the Android ABI directory each one fills.
pub(crate) const ANDROID_TARGETS: [(&str, &str); 4] = [
    ("aarch64-linux-android", "arm64-v8a"),
    ("armv7-linux-androideabi", "armeabi-v7a"),
    ("x86_64-linux-android", "x86_64"),
    ("i686-linux-android", "x86"),
];

/// The NDK the Gradle project pins (`ndkVersion` in android/cairn/build.gradle.kts): r27c.
pub(crate) const NDK_VERSION: &str = "27.2.12479018";

/// Android Gradle Plugin 8.x runs on JDK 17 or newer.
const MIN_JDK: u32 = 17;

/// Device, simulator and macOS slices of the XCFramework.
pub(crate) const IOS_TARGETS: [&str; 5] = [
    "aarch64-apple-ios",
    "aarch64-apple-ios-sim",
    "x86_64-apple-ios",
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
];

/// Variables that may point at an OpenHarmony/HarmonyOS SDK, in the order they are tried.
/// `ohrs` itself reads only `OHOS_NDK_HOME` (the SDK directory that contains `native/`); the
/// others are what DevEco Studio and common build scripts set, and are translated.
const OHOS_SDK_VARS: [&str; 5] =
    ["OHOS_NDK_HOME", "OHOS_SDK_NATIVE", "OHOS_SDK_HOME", "HOS_SDK_HOME", "DEVECO_SDK_HOME"];

/// One thing a packaging task needs and does not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missing {
    /// What is missing, e.g. "Android NDK".
    pub what: String,
    /// How to get it: a command, or where to download it.
    pub fix: String,
}

impl Missing {
    pub(super) fn new(what: impl Into<String>, fix: impl Into<String>) -> Self {
        Self { what: what.into(), fix: fix.into() }
    }
}

/// The single message listing everything `task` is missing.
pub(crate) fn missing_message(task: &str, missing: &[Missing]) -> String {
    let mut message = format!("`cargo xtask {task}` cannot run yet; missing:");
    for item in missing {
        message.push_str(&format!("\n  - {}\n      {}", item.what, item.fix));
    }
    message
}

pub(super) fn parse_check_flag(task: &str, args: &[String]) -> Result<bool, String> {
    match args {
        [] => Ok(false),
        [flag] if flag == "--check" => Ok(true),
        _ => Err(format!("usage: cargo xtask {task} [--check]")),
    }
}

/// The wanted targets that are not installed, in the wanted order.
pub(super) fn absent_targets<'a>(
    installed: &[String],
    wanted: impl Iterator<Item = &'a str>,
) -> Vec<&'a str> {
    wanted.filter(|target| !installed.iter().any(|have| have == target)).collect()
}

pub(super) fn installed_rust_targets() -> Vec<String> {
    command_output(Command::new("rustup").args(["target", "list", "--installed"]))
        .map(|text| text.lines().map(str::trim).filter(|line| !line.is_empty()).map(String::from).collect())
        .unwrap_or_default()
}

/// stdout and stderr of a successful command (`java -version` writes to stderr).
pub(super) fn command_output(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    if !output.status.success() {
        return None;
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Some(text)
}

pub(super) fn cargo_program() -> OsString {
    env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

pub(super) fn make_parent(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(parent) => {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))
        }
        None => Ok(()),
    }
}

pub(super) fn recreate_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

pub(super) fn copy_file(from: &Path, to: &Path) -> Result<(), String> {
    make_parent(to)?;
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

pub(super) fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let entries = fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            copy_file(&entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Target names as `rustup target list --installed` gives them (test probes).
#[cfg(test)]
pub(super) fn test_targets(names: &[&str]) -> Vec<String> {
    names.iter().map(|name| name.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use android::{android_missing, probe_android};
    use ios::{ios_missing, probe_ios};
    use ohos::{harmony_missing, probe_harmony};

    /// The real probes on whatever machine runs the tests: they must not panic, and whatever
    /// they did not find must show up in the message.
    #[test]
    fn real_probes_report_what_they_did_not_find() {
        let android = probe_android();
        let message = missing_message("android", &android_missing(&android));
        if android.ndk.is_none() {
            assert!(message.contains("Android NDK"), "{message}");
        }
        if android.sdk.is_none() {
            assert!(message.contains("Android SDK"), "{message}");
        }
        let harmony = probe_harmony();
        if harmony.sdk.is_none() {
            assert!(missing_message("harmony", &harmony_missing(&harmony)).contains("OpenHarmony SDK"));
        }
        if !cfg!(target_os = "macos") {
            assert!(missing_message("ios", &ios_missing(&probe_ios())).contains("macOS"));
        }
    }

    #[test]
    fn check_flag_is_the_only_argument() {
        assert_eq!(parse_check_flag("android", &[]), Ok(false));
        assert_eq!(parse_check_flag("android", &["--check".into()]), Ok(true));
        assert!(parse_check_flag("android", &["--release".into()]).is_err());
    }
}
