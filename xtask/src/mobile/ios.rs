//! `cargo xtask ios`: the XCFramework and the Swift package over it. On a Mac with Xcode the
//! task makes it with `xcodebuild` (device, simulator and macOS slices); `--artifact` assembles
//! the device + Apple-silicon simulator XCFramework on any host, zipped with its SwiftPM
//! checksum and checked (`xcframework.rs`).

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use super::*;
use crate::toolchain::{self, CrateType};
use crate::{bindings, cargo, have, run, step, workspace_root};

#[path = "ios_macho.rs"]
mod ios_macho;
#[path = "ios_plist.rs"]
mod ios_plist;
#[path = "ios_zip.rs"]
mod ios_zip;
#[path = "xcframework.rs"]
mod xcframework;

pub(crate) use xcframework::artifact;

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

/// `cargo xtask ios [--check | --artifact]`.
pub(crate) fn ios(args: &[String]) -> Result<(), String> {
    if let [flag] = args
        && flag == "--artifact"
    {
        // Needs no Xcode: runs on any host, macOS included.
        return artifact().map(drop);
    }
    let check_only = parse_check_flag("ios", args)
        .map_err(|_| "usage: cargo xtask ios [--check | --artifact]".to_owned())?;
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
    toolchain::ensure_targets(&IOS_TARGETS)?;
    for target in IOS_TARGETS {
        // One crate type per build, so the shipped libraries get LTO (toolchain::build_ffi).
        toolchain::build_ffi(Some(target), CrateType::Staticlib, &[])?;
    }
    let built = |target: &str| toolchain::output_dir(target, toolchain::SHIPPED_PROFILE).join(STATIC_LIB);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mobile::test_targets as targets;

    #[test]
    fn ios_arguments_are_check_or_artifact() {
        let usage = Err("usage: cargo xtask ios [--check | --artifact]".to_owned());
        assert_eq!(ios(&["--bogus".into()]), usage);
        assert_eq!(ios(&["--artifact".into(), "--check".into()]), usage);
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
}
