//! `cargo xtask ios --artifact`: the CairnFFI XCFramework an iOS app team adds to its build,
//! assembled on any host (no Xcode: the directory layout and Info.plist are what `xcodebuild
//! -create-xcframework` writes for static libraries), zipped reproducibly, with its SwiftPM
//! checksum and two Swift packages over it, then checked by reading back what was written.
//!
//! Layout under `target/ios/`:
//! - `CairnFFI.xcframework/` with `ios-arm64/` (aarch64-apple-ios) and `ios-arm64-simulator/`
//!   (aarch64-apple-ios-sim), each `libcairn_ffi.a` + `Headers/{CairnFFI.h,module.modulemap}`;
//! - `CairnFFI.xcframework.zip` and `CairnFFI.xcframework.zip.sha256` (the checksum alone);
//! - `CairnPackage/`: Package.swift with the XCFramework as a local binary target (what
//!   ios/project.yml uses);
//! - `CairnRelease/`: Package.swift with `.binaryTarget(url:checksum:)`, for publishing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::ios_macho::{self, PLATFORM_IOS, PLATFORM_IOSSIMULATOR};
use super::ios_plist::{self, Value};
use super::ios_zip;
use crate::mobile::{copy_file, copy_tree, make_parent, recreate_dir};
use crate::toolchain::{self, CrateType};
use crate::{bindings, step, workspace_root};

/// One library of the XCFramework.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Slice {
    /// The directory and `LibraryIdentifier`: platform, architectures, then the variant.
    pub identifier: &'static str,
    pub triple: &'static str,
    /// `SupportedPlatformVariant`: absent for devices.
    pub variant: Option<&'static str>,
    /// What every object's `LC_BUILD_VERSION` must say (loader.h).
    pub platform: u32,
}

pub(crate) const SLICES: [Slice; 2] = [
    Slice { identifier: "ios-arm64", triple: "aarch64-apple-ios", variant: None, platform: PLATFORM_IOS },
    Slice {
        identifier: "ios-arm64-simulator",
        triple: "aarch64-apple-ios-sim",
        variant: Some("simulator"),
        platform: PLATFORM_IOSSIMULATOR,
    },
];

pub(crate) const FRAMEWORK: &str = "CairnFFI.xcframework";
const ZIP: &str = "CairnFFI.xcframework.zip";
/// The publishing package, next to the zip.
const RELEASE: &str = "CairnRelease";
const CHECKSUM: &str = "CairnFFI.xcframework.zip.sha256";
const LIBRARY: &str = "libcairn_ffi.a";
const HEADER: &str = "CairnFFI.h";
/// Where the release manifest points unless `CAIRN_XCFRAMEWORK_URL` says otherwise: a
/// placeholder (RFC 2606 domain) that a publisher replaces with the zip's real address.
const PLACEHOLDER_URL: &str = "https://downloads.example.org/cairn/CairnFFI.xcframework.zip";

/// Builds both static libraries and the Swift bindings, assembles, zips and checks everything
/// (see the module doc). Returns the zip.
pub(crate) fn artifact() -> Result<PathBuf, String> {
    toolchain::ensure_targets(&SLICES.map(|slice| slice.triple))?;
    let mut libraries = Vec::new();
    for slice in SLICES {
        step(&format!("ios artifact: cairn-ffi staticlib for {} (profile release-mobile)", slice.triple));
        libraries.push(toolchain::build_ffi(Some(slice.triple), CrateType::Staticlib, &[])?);
    }
    bindings::generate()?;
    let generated = bindings::bindings_dir().join("swift");

    step("ios artifact: XCFramework, zip, checksum, Swift packages");
    let out = workspace_root().join("target/ios");
    let framework = out.join(FRAMEWORK);
    recreate_dir(&framework)?;
    for (slice, library) in SLICES.iter().zip(&libraries) {
        let dir = framework.join(slice.identifier);
        copy_file(library, &dir.join(LIBRARY))?;
        copy_file(&generated.join(HEADER), &dir.join("Headers").join(HEADER))?;
        copy_file(&generated.join("CairnFFI.modulemap"), &dir.join("Headers/module.modulemap"))?;
    }
    write(&framework.join("Info.plist"), &ios_plist::to_xml(&info_plist(&SLICES)))?;
    let zip = out.join(ZIP);
    fs::write(&zip, ios_zip::zip_dir(&framework)?)
        .map_err(|e| format!("cannot write {}: {e}", zip.display()))?;
    let checksum = sha256_hex(&zip)?;
    write(&out.join(CHECKSUM), &format!("{checksum}\n"))?;

    let local = out.join("CairnPackage");
    let release = out.join(RELEASE);
    for (package, binary_target) in [
        (&local, format!(".binaryTarget(name: \"CairnFFI\", path: \"{FRAMEWORK}\")")),
        (
            &release,
            format!(
                ".binaryTarget(name: \"CairnFFI\", url: \"{}\", checksum: \"{checksum}\")",
                release_url()
            ),
        ),
    ] {
        recreate_dir(package)?;
        copy_tree(&workspace_root().join("bindings/swift/Sources/Cairn"), &package.join("Sources/Cairn"))?;
        copy_file(&generated.join("Cairn.swift"), &package.join("Sources/Cairn/Generated/Cairn.swift"))?;
        write(&package.join("Package.swift"), &manifest(&binary_target))?;
    }
    copy_tree(&framework, &local.join(FRAMEWORK))?;

    step("ios artifact: checking what was written");
    let slices = check_xcframework(&framework)?;
    for (identifier, objects) in &slices {
        eprintln!("xtask: {FRAMEWORK}/{identifier}/{LIBRARY}: {objects} arm64 Mach-O objects, platform ok");
    }
    check_zip(&zip, &framework)?;
    check_checksum(&out)?;
    let manifest = fs::read_to_string(release.join("Package.swift")).map_err(|e| e.to_string())?;
    if !manifest.contains(&format!("checksum: \"{checksum}\"")) {
        return Err("the release Package.swift does not carry the zip's checksum".into());
    }
    match crate::swift::compute_checksum(&out, RELEASE, ZIP) {
        Some(Ok(swiftpm)) if swiftpm == checksum => {
            eprintln!("xtask: `swift package compute-checksum` agrees: {swiftpm}");
        }
        Some(Ok(swiftpm)) => return Err(format!("SwiftPM computes {swiftpm}, the task wrote {checksum}")),
        Some(Err(error)) => return Err(error),
        None => eprintln!(
            "xtask: no Swift here (none on PATH, no provisioned chroot): the checksum is the zip's SHA-256 (what SwiftPM's compute-checksum \
             returns) but was not cross-checked with SwiftPM here"
        ),
    }
    eprintln!("xtask: {} ({checksum})", zip.display());
    Ok(zip)
}

/// `CAIRN_XCFRAMEWORK_URL`, or a placeholder to replace before publishing.
fn release_url() -> String {
    std::env::var("CAIRN_XCFRAMEWORK_URL").unwrap_or_else(|_| PLACEHOLDER_URL.to_owned())
}

fn manifest(binary_target: &str) -> String {
    format!(
        "// swift-tools-version:5.9\n\
         // Assembled by `cargo xtask ios --artifact`: the Cairn Swift sources (with the generated\n\
         // Cairn.swift) over the CairnFFI XCFramework (libcairn_ffi.a for iOS devices and the\n\
         // Apple-silicon simulator). Do not edit; rerun the task.\n\
         import PackageDescription\n\n\
         let package = Package(\n    \
             name: \"Cairn\",\n    \
             platforms: [.iOS(.v15)],\n    \
             products: [\n        .library(name: \"Cairn\", targets: [\"Cairn\"]),\n    ],\n    \
             targets: [\n        \
                 {binary_target},\n        \
                 .target(name: \"Cairn\", dependencies: [\"CairnFFI\"], path: \"Sources/Cairn\"),\n    \
             ]\n)\n"
    )
}

/// The Info.plist `xcodebuild -create-xcframework` writes for these static libraries (Xcode 15
/// and later also write `BinaryPath`; keys in sorted order, as its serializer emits them).
pub(crate) fn info_plist(slices: &[Slice]) -> Value {
    let text = |value: &str| Value::String(value.to_owned());
    let libraries = slices
        .iter()
        .map(|slice| {
            let mut entries = vec![
                ("BinaryPath".to_owned(), text(LIBRARY)),
                ("HeadersPath".to_owned(), text("Headers")),
                ("LibraryIdentifier".to_owned(), text(slice.identifier)),
                ("LibraryPath".to_owned(), text(LIBRARY)),
                ("SupportedArchitectures".to_owned(), Value::Array(vec![text("arm64")])),
                ("SupportedPlatform".to_owned(), text("ios")),
            ];
            if let Some(variant) = slice.variant {
                entries.push(("SupportedPlatformVariant".to_owned(), text(variant)));
            }
            Value::Dict(entries)
        })
        .collect();
    Value::Dict(vec![
        ("AvailableLibraries".to_owned(), Value::Array(libraries)),
        ("CFBundlePackageType".to_owned(), text("XFWK")),
        ("XCFrameworkFormatVersion".to_owned(), text("1.0")),
    ])
}

/// Reads an XCFramework back: the Info.plist, then for each declared library its static
/// library (every member an arm64 object for the platform the plist declares) and headers
/// (the module map names headers that exist). Returns each identifier with its object count.
pub(crate) fn check_xcframework(dir: &Path) -> Result<Vec<(String, usize)>, String> {
    let plist_path = dir.join("Info.plist");
    let xml =
        fs::read_to_string(&plist_path).map_err(|e| format!("cannot read {}: {e}", plist_path.display()))?;
    let root = ios_plist::parse(&xml).map_err(|e| format!("{}: {e}", plist_path.display()))?;
    let field = |value: &Value, key: &str| -> Result<String, String> {
        value
            .get(key)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| format!("Info.plist: no string {key}"))
    };
    if field(&root, "CFBundlePackageType")? != "XFWK" {
        return Err("Info.plist: CFBundlePackageType is not XFWK".into());
    }
    if field(&root, "XCFrameworkFormatVersion")? != "1.0" {
        return Err("Info.plist: XCFrameworkFormatVersion is not 1.0".into());
    }
    let libraries = root
        .get("AvailableLibraries")
        .and_then(Value::as_array)
        .ok_or("Info.plist: no AvailableLibraries array")?;
    let mut found = Vec::new();
    for library in libraries {
        let identifier = field(library, "LibraryIdentifier")?;
        let context = |message: String| format!("{identifier}: {message}");
        if field(library, "SupportedPlatform")? != "ios" {
            return Err(context("SupportedPlatform is not ios".into()));
        }
        let architectures: Vec<&str> = library
            .get("SupportedArchitectures")
            .and_then(Value::as_array)
            .map(|items| items.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if architectures != ["arm64"] {
            return Err(context(format!("SupportedArchitectures {architectures:?}, expected [\"arm64\"]")));
        }
        let variant = library.get("SupportedPlatformVariant").map(|value| value.as_str().unwrap_or("?"));
        // What the library is follows from its platform and variant, not from its name: the
        // objects must match that, and xcodebuild names the directory after it.
        let slice = SLICES
            .iter()
            .find(|slice| slice.variant == variant)
            .ok_or_else(|| context(format!("unexpected SupportedPlatformVariant {variant:?}")))?;
        if identifier != slice.identifier {
            return Err(context(format!("the plist's platform and variant make it {}", slice.identifier)));
        }
        let platform = slice.platform;
        let library_path = plain_name(&field(library, "LibraryPath")?).map_err(context)?;
        if let Ok(binary) = field(library, "BinaryPath")
            && binary != library_path
        {
            return Err(context(format!("BinaryPath {binary} is not LibraryPath {library_path}")));
        }
        let archive_path = dir.join(&identifier).join(&library_path);
        let archive = fs::read(&archive_path)
            .map_err(|e| context(format!("cannot read {}: {e}", archive_path.display())))?;
        let objects = ios_macho::check_static_library(&archive, platform)
            .map_err(|e| context(format!("{library_path}: {e}")))?;
        let headers =
            dir.join(&identifier).join(plain_name(&field(library, "HeadersPath")?).map_err(context)?);
        check_module_map(&headers).map_err(context)?;
        found.push((identifier, objects));
    }
    let mut identifiers: Vec<&str> = found.iter().map(|(identifier, _)| identifier.as_str()).collect();
    identifiers.sort_unstable();
    let mut expected: Vec<&str> = SLICES.iter().map(|slice| slice.identifier).collect();
    expected.sort_unstable();
    if identifiers != expected {
        return Err(format!("Info.plist declares {identifiers:?}, expected {expected:?}"));
    }
    Ok(found)
}

/// A file or directory name inside its library directory: no separators, no `..`.
fn plain_name(name: &str) -> Result<String, String> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(format!("{name:?} is not a plain name inside the library directory"));
    }
    Ok(name.to_owned())
}

/// `module.modulemap` exists in `headers` and every `header "…"` it names is there too.
fn check_module_map(headers: &Path) -> Result<(), String> {
    let path = headers.join("module.modulemap");
    let text = fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let pieces: Vec<&str> = text.split('"').collect();
    let named: Vec<&str> = pieces
        .windows(2)
        .step_by(2)
        .filter(|pair| pair[0].split_whitespace().last() == Some("header"))
        .map(|pair| pair[1])
        .collect();
    if named.is_empty() {
        return Err(format!("{} names no header", path.display()));
    }
    for header in named {
        if !headers.join(header).is_file() {
            return Err(format!("{} names {header}, which is not in {}", path.display(), headers.display()));
        }
    }
    Ok(())
}

/// The zip holds exactly the XCFramework directory (at its root, byte for byte).
fn check_zip(zip: &Path, framework: &Path) -> Result<(), String> {
    let bytes = fs::read(zip).map_err(|e| format!("cannot read {}: {e}", zip.display()))?;
    let entries = ios_zip::read_zip(&bytes).map_err(|e| format!("{}: {e}", zip.display()))?;
    let parent = framework.parent().ok_or("the XCFramework has no parent directory")?;
    let mut files = 0;
    for entry in &entries {
        if !entry.name.starts_with(&format!("{FRAMEWORK}/")) {
            return Err(format!("{}: {} is outside {FRAMEWORK}/", zip.display(), entry.name));
        }
        if !entry.name.ends_with('/') {
            let on_disk = fs::read(parent.join(&entry.name)).map_err(|e| format!("{}: {e}", entry.name))?;
            if on_disk != entry.data {
                return Err(format!("{}: {} differs from the directory", zip.display(), entry.name));
            }
            files += 1;
        }
    }
    // Info.plist plus, per slice, the library, the header and the module map.
    if files != 1 + 3 * SLICES.len() {
        return Err(format!("{}: {files} files, expected {}", zip.display(), 1 + 3 * SLICES.len()));
    }
    Ok(())
}

/// The checksum file holds the zip's SHA-256.
fn check_checksum(out: &Path) -> Result<(), String> {
    let written =
        fs::read_to_string(out.join(CHECKSUM)).map_err(|e| format!("cannot read {CHECKSUM}: {e}"))?;
    let actual = sha256_hex(&out.join(ZIP))?;
    if written.trim() != actual {
        return Err(format!("{CHECKSUM} says {}, the zip's SHA-256 is {actual}", written.trim()));
    }
    Ok(())
}

/// The file's SHA-256 as lowercase hex: what `swift package compute-checksum` prints (SwiftPM's
/// `BinaryArtifactsManager.checksum(forBinaryArtifactAt:)` hashes the file's bytes with SHA256).
/// coreutils' `sha256sum`, or `shasum -a 256` where there is none (macOS).
pub(crate) fn sha256_hex(path: &Path) -> Result<String, String> {
    let attempts: [(&str, &[&str]); 2] = [("sha256sum", &[]), ("shasum", &["-a", "256"])];
    for (program, args) in attempts {
        let Ok(output) = Command::new(program).args(args).arg(path).output() else { continue };
        if !output.status.success() {
            return Err(format!("{program} {} failed", path.display()));
        }
        let text = String::from_utf8_lossy(&output.stdout);
        let digest = text.split_whitespace().next().unwrap_or_default().to_owned();
        if digest.len() != 64 || !digest.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(format!("{program} printed {text:?}"));
        }
        return Ok(digest);
    }
    Err("neither sha256sum nor shasum is installed".into())
}

fn write(path: &Path, contents: &str) -> Result<(), String> {
    make_parent(path)?;
    fs::write(path, contents).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
#[path = "ios_xcframework_tests.rs"]
mod tests;
