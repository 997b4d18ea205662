//! Unit tests of the XCFramework checker: a hand-made framework with synthetic arm64 objects
//! passes, and each kind of wrong input (a device library in the simulator slot, a missing
//! header, a missing slice, an inconsistent plist, an escaping path) is refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use super::*;
use ios_macho::fixtures::{archive, arm64};

const MODULE_MAP: &str = "module CairnFFI {\n    header \"CairnFFI.h\"\n    export *\n}\n";

/// A framework like the task writes, with `device` and `simulator` as the two libraries.
fn fake(name: &str, device: &[u8], simulator: &[u8]) -> PathBuf {
    let base = std::env::temp_dir().join(format!("cairn-xcf-{name}-{}", std::process::id()));
    let dir = base.join(FRAMEWORK);
    let _ = fs::remove_dir_all(&base);
    for (slice, library) in SLICES.iter().zip([device, simulator]) {
        let slice_dir = dir.join(slice.identifier);
        fs::create_dir_all(slice_dir.join("Headers")).unwrap();
        fs::write(slice_dir.join(LIBRARY), library).unwrap();
        fs::write(slice_dir.join("Headers").join(HEADER), "void f(void);\n").unwrap();
        fs::write(slice_dir.join("Headers/module.modulemap"), MODULE_MAP).unwrap();
    }
    fs::write(dir.join("Info.plist"), ios_plist::to_xml(&info_plist(&SLICES))).unwrap();
    dir
}

fn device() -> Vec<u8> {
    archive(&[("cairn.o", arm64(PLATFORM_IOS)), ("builtins.o", arm64(PLATFORM_IOS))])
}

fn simulator() -> Vec<u8> {
    archive(&[("cairn.o", arm64(PLATFORM_IOSSIMULATOR))])
}

fn clean(dir: &Path) {
    fs::remove_dir_all(dir.parent().unwrap()).unwrap();
}

#[test]
fn a_well_formed_framework_passes() {
    let dir = fake("good", &device(), &simulator());
    let found = check_xcframework(&dir).unwrap();
    assert_eq!(found, [("ios-arm64".to_owned(), 2), ("ios-arm64-simulator".to_owned(), 1)]);
    clean(&dir);
}

#[test]
fn a_device_library_in_the_simulator_slot_is_refused() {
    let dir = fake("swapped", &device(), &device());
    let error = check_xcframework(&dir).unwrap_err();
    assert!(error.starts_with("ios-arm64-simulator: libcairn_ffi.a: member cairn.o: platform 2"), "{error}");
    assert!(error.contains("expected 7"), "{error}");
    clean(&dir);
}

#[test]
fn a_simulator_library_in_the_device_slot_is_refused() {
    let dir = fake("swapped-back", &simulator(), &simulator());
    let error = check_xcframework(&dir).unwrap_err();
    assert!(error.starts_with("ios-arm64: libcairn_ffi.a: member cairn.o: platform 7"), "{error}");
    clean(&dir);
}

#[test]
fn a_module_map_naming_a_missing_header_is_refused() {
    let dir = fake("header", &device(), &simulator());
    fs::remove_file(dir.join("ios-arm64/Headers").join(HEADER)).unwrap();
    let error = check_xcframework(&dir).unwrap_err();
    assert!(error.contains("names CairnFFI.h, which is not in"), "{error}");
    fs::write(dir.join("ios-arm64/Headers/module.modulemap"), "module CairnFFI {\n}\n").unwrap();
    assert!(check_xcframework(&dir).unwrap_err().contains("names no header"));
    clean(&dir);
}

#[test]
fn plist_mistakes_are_refused() {
    let dir = fake("plist", &device(), &simulator());
    let rewrite = |root: Value| fs::write(dir.join("Info.plist"), ios_plist::to_xml(&root)).unwrap();

    // Only the device library declared: the simulator slice is missing.
    rewrite(info_plist(&SLICES[..1]));
    assert!(check_xcframework(&dir).unwrap_err().contains("Info.plist declares [\"ios-arm64\"]"));

    // A simulator variant under the device identifier.
    let mut mislabelled = SLICES;
    mislabelled[0].variant = Some("simulator");
    rewrite(info_plist(&mislabelled));
    assert!(check_xcframework(&dir).unwrap_err().contains("make it ios-arm64-simulator"));

    // A library path leaving its directory, and a wrong package type.
    let xml = ios_plist::to_xml(&info_plist(&SLICES));
    fs::write(
        dir.join("Info.plist"),
        xml.replacen("<string>libcairn_ffi.a</string>", "<string>../x.a</string>", 2),
    )
    .unwrap();
    assert!(check_xcframework(&dir).unwrap_err().contains("not a plain name"));
    fs::write(dir.join("Info.plist"), xml.replace("XFWK", "FMWK")).unwrap();
    assert!(check_xcframework(&dir).unwrap_err().contains("CFBundlePackageType"));

    rewrite(info_plist(&SLICES));
    assert!(check_xcframework(&dir).is_ok());
    clean(&dir);
}

#[test]
fn info_plist_has_xcodebuilds_layout() {
    let xml = ios_plist::to_xml(&info_plist(&SLICES));
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC"), "{xml}");
    assert!(
        xml.contains(
            "\t\t\t<key>SupportedPlatform</key>\n\t\t\t<string>ios</string>\n\
             \t\t\t<key>SupportedPlatformVariant</key>\n\t\t\t<string>simulator</string>\n\t\t</dict>\n"
        ),
        "{xml}"
    );
    assert!(
        xml.ends_with("\t<key>XCFrameworkFormatVersion</key>\n\t<string>1.0</string>\n</dict>\n</plist>\n")
    );
    // The device library has no variant key at all.
    assert_eq!(xml.matches("SupportedPlatformVariant").count(), 1);
}

#[test]
fn sha256_is_the_standard_digest() {
    let path = std::env::temp_dir().join(format!("cairn-sha-{}", std::process::id()));
    fs::write(&path, b"abc").unwrap();
    // FIPS 180-2, appendix B.1.
    assert_eq!(
        sha256_hex(&path).unwrap(),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    fs::remove_file(&path).unwrap();
}

#[test]
fn release_manifest_names_url_and_checksum() {
    let text =
        manifest(".binaryTarget(name: \"CairnFFI\", url: \"https://x.example/a.zip\", checksum: \"ab\")");
    assert!(text.starts_with("// swift-tools-version:5.9\n"));
    assert!(text.contains(
        "    targets: [\n        .binaryTarget(name: \"CairnFFI\", url: \"https://x.example/a.zip\", checksum: \"ab\"),\n"
    ));
    assert!(
        text.contains(".target(name: \"Cairn\", dependencies: [\"CairnFFI\"], path: \"Sources/Cairn\"),")
    );
}
