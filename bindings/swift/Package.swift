// swift-tools-version:5.9
// The Cairn Swift package: the UniFFI-generated `Cairn.swift` and the C header/module map of
// `libcairn_ffi` (both produced by `cargo xtask bindings`, never committed), plus the
// hand-written CloudKit bridge. `cargo xtask swift-test` assembles a complete copy under
// `target/bindings/swift-package` and runs the tests there.
import PackageDescription

let package = Package(
    name: "Cairn",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Cairn", targets: ["Cairn"]),
    ],
    targets: [
        // CairnFFI.h + module.modulemap (the generated CairnFFI.modulemap, renamed).
        .systemLibrary(name: "CairnFFI", path: "Sources/CairnFFI"),
        .target(
            name: "Cairn",
            dependencies: ["CairnFFI"],
            path: "Sources/Cairn",
            linkerSettings: [.linkedLibrary("cairn_ffi")]
        ),
        .testTarget(name: "CairnTests", dependencies: ["Cairn"], path: "Tests/CairnTests"),
    ]
)
