//! The packaging tasks' preflight as a developer meets it: the real `xtask` binary, run with
//! the SDK variables pointing at an empty directory, must stop with one clear message (exit
//! status 1, no panic, no build started) that names the missing SDK and how to install it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

const SDK_VARS: [&str; 9] = [
    "ANDROID_HOME",
    "ANDROID_SDK_ROOT",
    "ANDROID_NDK_HOME",
    "ANDROID_NDK_ROOT",
    "OHOS_NDK_HOME",
    "OHOS_SDK_NATIVE",
    "OHOS_SDK_HOME",
    "HOS_SDK_HOME",
    "DEVECO_SDK_HOME",
];

/// An empty directory unique to this test process: no SDK can be found under it.
fn empty_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cairn-xtask-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `xtask <task> --check` with every SDK variable removed, then `overrides` set.
fn xtask_check(task: &str, overrides: &[(&str, &PathBuf)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args([task, "--check"]);
    for name in SDK_VARS {
        command.env_remove(name);
    }
    for (name, value) in overrides {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn android_without_sdk_or_ndk_stops_with_the_install_commands() {
    let nowhere = empty_dir("android");
    let output = xtask_check(
        "android",
        &[("ANDROID_HOME", &nowhere.join("sdk")), ("ANDROID_NDK_HOME", &nowhere.join("ndk"))],
    );
    std::fs::remove_dir_all(&nowhere).unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    assert!(text.starts_with("xtask: `cargo xtask android` cannot run yet; missing:"), "{text}");
    assert!(text.contains("- Android SDK"), "{text}");
    assert!(text.contains("- Android NDK"), "{text}");
    assert!(text.contains("sdkmanager \"ndk;27.2.12479018\""), "{text}");
    // One message, not one failure per missing piece: nothing was built.
    assert!(!text.contains("==>"), "a build step started: {text}");
}

#[test]
fn harmony_without_sdk_stops_with_what_to_install() {
    let nowhere = empty_dir("harmony");
    let output = xtask_check("harmony", &[("OHOS_NDK_HOME", &nowhere)]);
    std::fs::remove_dir_all(&nowhere).unwrap();
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(!text.contains("panicked"), "{text}");
    assert!(text.contains("OpenHarmony SDK"), "{text}");
    assert!(text.contains("OHOS_NDK_HOME set but without native/llvm/bin/clang"), "{text}");
    assert!(!text.contains("==>"), "a build step started: {text}");
}

#[cfg(not(target_os = "macos"))]
#[test]
fn ios_off_macos_says_it_needs_a_mac() {
    let output = xtask_check("ios", &[]);
    let text = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("a macOS host with Xcode (this is not macOS)"), "{text}");
}

#[test]
fn unknown_arguments_are_refused() {
    let output = Command::new(env!("CARGO_BIN_EXE_xtask")).args(["android", "--release"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("usage: cargo xtask android [--check | --artifact]"));
}
