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
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{bindings, cargo, have, run, step, workspace_root};

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

/// HarmonyOS phones (arm64-v8a) and the x86-64 emulator, as (Rust target, ohrs arch, ABI dir).
pub(crate) const OHOS_TARGETS: [(&str, &str, &str); 2] =
    [("aarch64-unknown-linux-ohos", "aarch", "arm64-v8a"), ("x86_64-unknown-linux-ohos", "x86_64", "x86_64")];

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
    fn new(what: impl Into<String>, fix: impl Into<String>) -> Self {
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

// ---------------------------------------------------------------------------------------------
// Android

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

/// `cargo xtask android [--check]`.
pub(crate) fn android(args: &[String]) -> Result<(), String> {
    let check_only = parse_check_flag("android", args)?;
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

    step("android: cairn-ffi for the Android ABIs (cargo-ndk, profile release-mobile)");
    let jni_libs = workspace_root().join("target/android/jniLibs");
    let mut ndk_build = Command::new(cargo_program());
    ndk_build.current_dir(workspace_root()).env("ANDROID_NDK_HOME", &ndk).arg("ndk");
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
    // Android 15 devices may use 16 KB pages; 64-bit libraries must be aligned for them.
    for target in ["aarch64-linux-android", "x86_64-linux-android"] {
        let variable = format!("CARGO_TARGET_{}_RUSTFLAGS", target.to_uppercase().replace('-', "_"));
        ndk_build.env(variable, "-C link-arg=-Wl,-z,max-page-size=16384");
    }
    run(&mut ndk_build)?;

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

fn android_dir() -> PathBuf {
    workspace_root().join("android")
}

// ---------------------------------------------------------------------------------------------
// iOS

/// What the iOS build found on this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct IosProbe {
    /// The host is macOS (xcodebuild and lipo exist nowhere else).
    pub macos: bool,
    /// `xcodebuild -version` runs (full Xcode selected, not only the command-line tools).
    pub xcodebuild: bool,
    pub installed_targets: Vec<String>,
}

/// Everything the iOS build lacks. Off macOS that is the host itself, and nothing else is
/// worth listing.
pub(crate) fn ios_missing(probe: &IosProbe) -> Vec<Missing> {
    if !probe.macos {
        return vec![Missing::new(
            "a macOS host with Xcode (this is not macOS)",
            "the XCFramework is made by Apple's xcodebuild and lipo, which exist only on macOS: \
             run `cargo xtask ios` on a Mac with Xcode 15 or newer",
        )];
    }
    let mut missing = Vec::new();
    let absent = absent_targets(&probe.installed_targets, IOS_TARGETS.iter().copied());
    if !absent.is_empty() {
        missing.push(Missing::new(
            format!("Rust targets {}", absent.join(", ")),
            format!("rustup target add {}", absent.join(" ")),
        ));
    }
    if !probe.xcodebuild {
        missing.push(Missing::new(
            "Xcode (xcodebuild)",
            "install Xcode from the App Store, then `sudo xcode-select -s /Applications/Xcode.app/Contents/Developer`",
        ));
    }
    missing
}

pub(crate) fn probe_ios() -> IosProbe {
    let macos = cfg!(target_os = "macos");
    IosProbe {
        macos,
        xcodebuild: macos && have("xcodebuild", &["-version"]),
        installed_targets: if macos { installed_rust_targets() } else { Vec::new() },
    }
}

/// `cargo xtask ios [--check]`.
pub(crate) fn ios(args: &[String]) -> Result<(), String> {
    let check_only = parse_check_flag("ios", args)?;
    let missing = ios_missing(&probe_ios());
    if !missing.is_empty() {
        return Err(missing_message("ios", &missing));
    }
    if check_only {
        eprintln!("xtask: ios: everything needed is installed");
        return Ok(());
    }
    let root = workspace_root();
    let out = root.join("target/ios");

    step("ios: cairn-ffi static libraries (profile release-mobile)");
    for target in IOS_TARGETS {
        cargo(&[
            "build",
            "--locked",
            "-p",
            "cairn-ffi",
            "--lib",
            "--profile",
            "release-mobile",
            "--target",
            target,
        ])?;
    }
    let built = |target: &str| bindings::target_dir().join(target).join("release-mobile").join(STATIC_LIB);
    let device = built("aarch64-apple-ios");
    let simulator = out.join("simulator").join(STATIC_LIB);
    let macos = out.join("macos").join(STATIC_LIB);
    for (fat, slices) in [
        (&simulator, ["aarch64-apple-ios-sim", "x86_64-apple-ios"]),
        (&macos, ["aarch64-apple-darwin", "x86_64-apple-darwin"]),
    ] {
        make_parent(fat)?;
        run(Command::new("lipo").arg("-create").args(slices.map(built)).arg("-output").arg(fat))?;
    }

    step("ios: Swift bindings and the C header/module map");
    let generated = generate_swift_on_host()?;
    let headers = out.join("headers");
    recreate_dir(&headers)?;
    copy_file(&generated.join("CairnFFI.h"), &headers.join("CairnFFI.h"))?;
    copy_file(&generated.join("CairnFFI.modulemap"), &headers.join("module.modulemap"))?;

    step("ios: XCFramework (device, simulator, macOS)");
    let package = out.join("CairnPackage");
    let xcframework = package.join("CairnFFI.xcframework");
    if xcframework.exists() {
        fs::remove_dir_all(&xcframework)
            .map_err(|e| format!("cannot clear {}: {e}", xcframework.display()))?;
    }
    let mut create = Command::new("xcodebuild");
    create.arg("-create-xcframework");
    for library in [&device, &simulator, &macos] {
        create.arg("-library").arg(library).arg("-headers").arg(&headers);
    }
    run(create.arg("-output").arg(&xcframework))?;

    step("ios: the Swift package with the XCFramework as its binary target");
    let sources = package.join("Sources/Cairn");
    recreate_dir(&sources)?;
    copy_tree(&root.join("bindings/swift/Sources/Cairn"), &sources)?;
    copy_file(&generated.join("Cairn.swift"), &sources.join("Generated/Cairn.swift"))?;
    fs::write(package.join("Package.swift"), BINARY_PACKAGE_MANIFEST)
        .map_err(|e| format!("cannot write {}: {e}", package.join("Package.swift").display()))?;
    eprintln!("xtask: Swift package with the XCFramework at {}", package.display());
    Ok(())
}

const STATIC_LIB: &str = "libcairn_ffi.a";

/// bindings/swift's package with the system-library target swapped for the XCFramework. The
/// iOS app (ios/project.yml) depends on this assembled copy.
const BINARY_PACKAGE_MANIFEST: &str = r#"// swift-tools-version:5.9
// Assembled by `cargo xtask ios`: the Cairn Swift sources over the CairnFFI XCFramework
// (device, simulator and macOS slices of libcairn_ffi.a). Do not edit; rerun the task.
import PackageDescription

let package = Package(
    name: "Cairn",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Cairn", targets: ["Cairn"]),
    ],
    targets: [
        .binaryTarget(name: "CairnFFI", path: "CairnFFI.xcframework"),
        .target(name: "Cairn", dependencies: ["CairnFFI"], path: "Sources/Cairn"),
    ]
)
"#;

/// Generates Swift from the host's debug library. `bindings::generate` looks for the Linux
/// file name (`.so`), so on macOS the `.dylib` is passed here.
fn generate_swift_on_host() -> Result<PathBuf, String> {
    cargo(&["build", "--locked", "-p", "cairn-ffi", "-p", "uniffi-bindgen"])?;
    let debug = bindings::target_dir().join("debug");
    let library = ["libcairn_ffi.dylib", "libcairn_ffi.so"]
        .iter()
        .map(|name| debug.join(name))
        .find(|path| path.exists())
        .ok_or_else(|| format!("no host cairn-ffi library in {}", debug.display()))?;
    let out = bindings::bindings_dir().join("swift");
    if out.exists() {
        fs::remove_dir_all(&out).map_err(|e| format!("cannot clear {}: {e}", out.display()))?;
    }
    run(Command::new(debug.join("uniffi-bindgen"))
        .current_dir(workspace_root())
        .arg("generate")
        .arg(&library)
        .args(["--language", "swift", "--no-format", "--out-dir"])
        .arg(&out))?;
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// HarmonyOS

/// What the HarmonyOS build found on this machine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HarmonyProbe {
    /// `ohrs` (the ohos-rs build CLI) runs.
    pub ohrs: bool,
    /// The SDK directory that contains `native/llvm` (what ohrs wants in OHOS_NDK_HOME).
    pub sdk: Option<PathBuf>,
    /// Variables that were set but point at no usable SDK, for the message.
    pub unusable_sdk_vars: Vec<String>,
    pub installed_targets: Vec<String>,
}

pub(crate) fn harmony_missing(probe: &HarmonyProbe) -> Vec<Missing> {
    let mut missing = Vec::new();
    let absent = absent_targets(&probe.installed_targets, OHOS_TARGETS.iter().map(|(target, _, _)| *target));
    if !absent.is_empty() {
        missing.push(Missing::new(
            format!("Rust targets {}", absent.join(", ")),
            format!("rustup target add {}", absent.join(" ")),
        ));
    }
    if !probe.ohrs {
        missing
            .push(Missing::new("ohrs (the ohos-rs build CLI for napi-ohos modules)", "cargo install ohrs"));
    }
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
    HarmonyProbe {
        ohrs: have("ohrs", &["--help"]),
        // Once one variable works, the others' state does not matter.
        unusable_sdk_vars: if sdk.is_some() { Vec::new() } else { unusable },
        sdk,
        installed_targets: installed_rust_targets(),
    }
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

/// `cargo xtask harmony [--check]`.
pub(crate) fn harmony(args: &[String]) -> Result<(), String> {
    let check_only = parse_check_flag("harmony", args)?;
    let probe = probe_harmony();
    let missing = harmony_missing(&probe);
    if !missing.is_empty() {
        return Err(missing_message("harmony", &missing));
    }
    if check_only {
        eprintln!("xtask: harmony: everything needed is installed");
        return Ok(());
    }
    let Some(sdk) = probe.sdk else { return Err("internal: the preflight passed without an SDK".into()) };
    let root = workspace_root();
    let dist = root.join("target/harmony/dist");

    step("harmony: the napi-ohos module (ohrs, feature ohos) for arm64-v8a and the x86_64 emulator");
    let mut ohrs = Command::new("ohrs");
    ohrs.current_dir(root.join("bindings/harmony")).env("OHOS_NDK_HOME", &sdk).args(["build", "--release"]);
    ohrs.arg("--dist").arg(&dist);
    for (_, arch, _) in OHOS_TARGETS {
        ohrs.args(["--arch", arch]);
    }
    ohrs.args(["--", "--locked", "--no-default-features", "--features", "ohos"]);
    run(&mut ohrs)?;

    step("harmony: copy libcairn.so and its typings into the app");
    let entry = root.join("harmony/entry");
    for (triple, _, abi) in OHOS_TARGETS {
        let candidates = harmony_library_candidates(&dist, &bindings::target_dir(), triple, abi);
        let Some(built) = candidates.iter().find(|path| path.is_file()) else {
            let looked = candidates.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ");
            return Err(format!("ohrs built no libcairn_harmony.so for {abi} (looked in {looked})"));
        };
        // ArkTS imports the module by file name (`import … from 'libcairn.so'`); napi-ohos
        // registers through napi_register_module_v1, so the file can be renamed.
        copy_file(built, &entry.join("libs").join(abi).join("libcairn.so"))?;
    }
    copy_file(
        &root.join("bindings/harmony/index.d.ts"),
        &entry.join("src/main/cpp/types/libcairn/index.d.ts"),
    )?;
    eprintln!("xtask: libcairn.so in {}", entry.join("libs").display());
    Ok(())
}

/// Where the module for one ABI may be after `ohrs build`: ohrs's dist folder first; then
/// cargo's own output, because ohrs (as of its 1.x sources) copies only artifacts whose target
/// name equals the package name, and a library target's name has `_` where the package
/// `cairn-harmony` has `-`.
fn harmony_library_candidates(dist: &Path, cargo_target: &Path, triple: &str, abi: &str) -> [PathBuf; 2] {
    [
        dist.join(abi).join("libcairn_harmony.so"),
        cargo_target.join(triple).join("release").join("libcairn_harmony.so"),
    ]
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

fn parse_check_flag(task: &str, args: &[String]) -> Result<bool, String> {
    match args {
        [] => Ok(false),
        [flag] if flag == "--check" => Ok(true),
        _ => Err(format!("usage: cargo xtask {task} [--check]")),
    }
}

/// The wanted targets that are not installed, in the wanted order.
fn absent_targets<'a>(installed: &[String], wanted: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    wanted.filter(|target| !installed.iter().any(|have| have == target)).collect()
}

fn installed_rust_targets() -> Vec<String> {
    command_output(Command::new("rustup").args(["target", "list", "--installed"]))
        .map(|text| text.lines().map(str::trim).filter(|line| !line.is_empty()).map(String::from).collect())
        .unwrap_or_default()
}

/// stdout and stderr of a successful command (`java -version` writes to stderr).
fn command_output(command: &mut Command) -> Option<String> {
    let output = command.output().ok()?;
    if !output.status.success() {
        return None;
    }
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    Some(text)
}

fn cargo_program() -> OsString {
    env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

fn make_parent(path: &Path) -> Result<(), String> {
    match path.parent() {
        Some(parent) => {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))
        }
        None => Ok(()),
    }
}

fn recreate_dir(dir: &Path) -> Result<(), String> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| format!("cannot clear {}: {e}", dir.display()))?;
    }
    fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn copy_file(from: &Path, to: &Path) -> Result<(), String> {
    make_parent(to)?;
    fs::copy(from, to)
        .map(drop)
        .map_err(|e| format!("cannot copy {} to {}: {e}", from.display(), to.display()))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn targets(names: &[&str]) -> Vec<String> {
        names.iter().map(|name| name.to_string()).collect()
    }

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
    fn ios_off_macos_is_one_clear_item() {
        let missing =
            ios_missing(&IosProbe { macos: false, xcodebuild: false, installed_targets: Vec::new() });
        assert_eq!(missing.len(), 1);
        assert_eq!(
            missing_message("ios", &missing),
            "`cargo xtask ios` cannot run yet; missing:\n  - a macOS host with Xcode (this is not macOS)\n      \
the XCFramework is made by Apple's xcodebuild and lipo, which exist only on macOS: \
run `cargo xtask ios` on a Mac with Xcode 15 or newer"
        );
    }

    #[test]
    fn ios_on_macos_lists_targets_and_xcode() {
        let probe = IosProbe {
            macos: true,
            xcodebuild: false,
            installed_targets: targets(&["aarch64-apple-darwin", "aarch64-apple-ios"]),
        };
        let missing = ios_missing(&probe);
        assert_eq!(missing.len(), 2);
        assert_eq!(
            missing[0].fix,
            "rustup target add aarch64-apple-ios-sim x86_64-apple-ios x86_64-apple-darwin"
        );
        assert_eq!(missing[1].what, "Xcode (xcodebuild)");
        let ready = IosProbe { macos: true, xcodebuild: true, installed_targets: targets(&IOS_TARGETS) };
        assert!(ios_missing(&ready).is_empty());
    }

    #[test]
    fn harmony_message_on_this_machine() {
        let probe = HarmonyProbe {
            ohrs: false,
            sdk: None,
            unusable_sdk_vars: Vec::new(),
            installed_targets: targets(&["x86_64-unknown-linux-gnu"]),
        };
        assert_eq!(
            missing_message("harmony", &harmony_missing(&probe)),
            "`cargo xtask harmony` cannot run yet; missing:\n  \
- Rust targets aarch64-unknown-linux-ohos, x86_64-unknown-linux-ohos\n      \
rustup target add aarch64-unknown-linux-ohos x86_64-unknown-linux-ohos\n  \
- ohrs (the ohos-rs build CLI for napi-ohos modules)\n      cargo install ohrs\n  \
- HarmonyOS / OpenHarmony SDK with the native toolchain (none of OHOS_NDK_HOME, OHOS_SDK_NATIVE, OHOS_SDK_HOME, HOS_SDK_HOME, DEVECO_SDK_HOME is set)\n      \
install DevEco Studio (https://developer.huawei.com/consumer/en/deveco-studio/) or the command-line tools, \
then `export OHOS_NDK_HOME=<SDK>/default/openharmony` (the directory that contains native/)"
        );
    }

    #[test]
    fn harmony_names_a_variable_that_points_nowhere() {
        let probe = HarmonyProbe {
            ohrs: true,
            sdk: None,
            unusable_sdk_vars: vec!["OHOS_NDK_HOME".into()],
            installed_targets: OHOS_TARGETS.iter().map(|(target, _, _)| target.to_string()).collect(),
        };
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
    fn harmony_library_is_looked_for_in_dist_then_in_cargos_output() {
        let [dist, cargo_out] = harmony_library_candidates(
            Path::new("/w/target/harmony/dist"),
            Path::new("/t"),
            "aarch64-unknown-linux-ohos",
            "arm64-v8a",
        );
        assert_eq!(dist, PathBuf::from("/w/target/harmony/dist/arm64-v8a/libcairn_harmony.so"));
        assert_eq!(cargo_out, PathBuf::from("/t/aarch64-unknown-linux-ohos/release/libcairn_harmony.so"));
    }

    #[test]
    fn check_flag_is_the_only_argument() {
        assert_eq!(parse_check_flag("android", &[]), Ok(false));
        assert_eq!(parse_check_flag("android", &["--check".into()]), Ok(true));
        assert!(parse_check_flag("android", &["--release".into()]).is_err());
    }
}
