//! The Swift suite: provisions a Swift toolchain, assembles the `Cairn` Swift package with the
//! generated bindings and runs its XCTest tests against the real cdylib and emulator.
//!
//! Toolchain: `swift` on PATH when there is one. Otherwise Debian trixie's `swiftlang` in a
//! chroot cached outside the repository (Debian 12 has no Swift package), built once with
//! debootstrap. Each run bind-mounts only the assembled package into the chroot and unmounts
//! it (and the kernel filesystems) afterwards, also when the tests fail.

use std::env;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use crate::{run, step, workspace_root};

const DEBIAN_MIRROR: &str = "http://deb.debian.org/debian";
/// Bump when the chroot's contents change, so old caches are finished again.
const READY_MARKER: &str = ".cairn-swift-ready-1";
/// Where the assembled package appears inside the chroot.
const PACKAGE_IN_CHROOT: &str = "/work/cairn";
/// What `cargo xtask bindings` writes for Swift.
const GENERATED: [&str; 3] = ["Cairn.swift", "CairnFFI.h", "CairnFFI.modulemap"];
const LIBRARY: &str = "libcairn_ffi.so";
/// By absolute path: the commands run with the chroot's PATH, which would also be used to
/// find the program itself.
const CHROOT: &str = "/usr/sbin/chroot";

/// `cargo xtask swift-test`.
pub fn swift_test() -> Result<(), String> {
    let _exclusive = lock_cache()?;
    let toolchain = Toolchain::provision()?;
    step("swift: generated bindings");
    run(Command::new(env::current_exe().map_err(|e| format!("cannot find xtask itself: {e}"))?)
        .arg("bindings"))?;
    let package = assemble_package()?;
    step("swift: emulator");
    let emulator = Emulator::start()?;
    step("swift tests (XCTest)");
    toolchain.swift_test(&package, &emulator.url)
}

/// `cargo xtask swift-toolchain`: only the provisioning (e.g. to warm the cache in CI).
pub fn provision_only() -> Result<(), String> {
    let _exclusive = lock_cache()?;
    Toolchain::provision().map(|_| ())
}

/// SwiftPM's `swift package compute-checksum` of `root/file`, run in the package at
/// `root/package`, with a Swift that is already there (on PATH, or the provisioned chroot); `None`
/// when there is none: this never provisions. Cross-checks the XCFramework's checksum.
pub(crate) fn compute_checksum(root: &Path, package: &str, file: &str) -> Option<Result<String, String>> {
    let toolchain = if crate::have("swift", &["--version"]) {
        Toolchain::Host
    } else if chroot_dir().join(READY_MARKER).exists() {
        Toolchain::Chroot(chroot_dir())
    } else {
        return None;
    };
    let read = |output: std::io::Result<std::process::Output>| match output {
        Ok(output) if output.status.success() => {
            Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
        }
        Ok(output) => {
            Err(format!("swift package compute-checksum failed: {}", String::from_utf8_lossy(&output.stderr)))
        }
        Err(error) => Err(format!("could not run swift: {error}")),
    };
    Some(match toolchain {
        Toolchain::Host => read(
            Command::new("swift")
                .current_dir(root.join(package))
                .args(["package", "compute-checksum"])
                .arg(root.join(file))
                .output(),
        ),
        Toolchain::Chroot(dir) => (|| {
            let _exclusive = lock_cache()?;
            let mounts = Mounts::kernel(&dir)?;
            let mount = mounts.bind(root, CHECKSUM_ROOT_IN_CHROOT)?;
            let output = Command::new(CHROOT)
                .arg(&dir)
                .arg("/bin/sh")
                .arg("-c")
                .arg(format!(
                    "cd {CHECKSUM_ROOT_IN_CHROOT}/{package} && exec swift package compute-checksum \"$1\""
                ))
                .arg("sh")
                .arg(format!("{CHECKSUM_ROOT_IN_CHROOT}/{file}"))
                .env("HOME", "/root")
                .env("PATH", "/usr/local/bin:/usr/bin:/bin")
                .output();
            drop(mount);
            drop(mounts);
            read(output)
        })(),
    })
}

/// Where `compute_checksum`'s directory appears inside the chroot.
const CHECKSUM_ROOT_IN_CHROOT: &str = "/work/cairn-checksum";

/// One Swift run at a time on this machine: runs share the chroot's mounts (a finishing run
/// would unmount another's /proc) and the assembled package.
fn lock_cache() -> Result<fs::File, String> {
    let path = chroot_dir().with_extension("lock");
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    file.lock().map_err(|e| format!("cannot lock {}: {e}", path.display()))?;
    Ok(file)
}

enum Toolchain {
    /// A `swift` found on PATH.
    Host,
    /// The cached Debian trixie chroot at this path.
    Chroot(PathBuf),
}

impl Toolchain {
    fn provision() -> Result<Self, String> {
        if crate::have("swift", &["--version"]) {
            return Ok(Toolchain::Host);
        }
        let dir = chroot_dir();
        if !dir.join(READY_MARKER).exists() {
            step(&format!("swift: provisioning Debian trixie swiftlang in {}", dir.display()));
            build_chroot(&dir)?;
        }
        Ok(Toolchain::Chroot(dir))
    }

    fn swift_test(&self, package: &Path, emulator_url: &str) -> Result<(), String> {
        match self {
            Toolchain::Host => run(Command::new("swift")
                .current_dir(package)
                .args(swift_test_args(&package.join("lib")))
                .env("LD_LIBRARY_PATH", package.join("lib"))
                .env("CAIRN_EMULATOR_URL", emulator_url)),
            Toolchain::Chroot(dir) => {
                let mounts = Mounts::kernel(dir)?;
                let package_mount = mounts.bind(package, PACKAGE_IN_CHROOT)?;
                let lib = Path::new(PACKAGE_IN_CHROOT).join("lib");
                let result = run(Command::new(CHROOT)
                    .arg(dir)
                    .arg("/bin/sh")
                    .arg("-c")
                    .arg(format!("cd {PACKAGE_IN_CHROOT} && exec swift \"$@\""))
                    .arg("swift")
                    .args(swift_test_args(&lib))
                    .env("HOME", "/root")
                    .env("PATH", "/usr/local/bin:/usr/bin:/bin")
                    .env("LD_LIBRARY_PATH", &lib)
                    .env("CAIRN_EMULATOR_URL", emulator_url));
                drop(package_mount);
                drop(mounts);
                result
            }
        }
    }
}

fn swift_test_args(lib: &Path) -> Vec<String> {
    vec![
        "test".into(),
        // Otherwise swift-testing prints "0 tests passed" after XCTest's summary.
        "--disable-swift-testing".into(),
        "-Xlinker".into(),
        format!("-L{}", lib.display()),
        "-Xlinker".into(),
        "-rpath".into(),
        "-Xlinker".into(),
        lib.display().to_string(),
    ]
}

/// The chroot's cache: `$CAIRN_SWIFT_CHROOT`, else `/var/cache/cairn/swift-trixie` (this needs
/// root anyway, for debootstrap, chroot and mount).
fn chroot_dir() -> PathBuf {
    env::var_os("CAIRN_SWIFT_CHROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/cache/cairn/swift-trixie"))
}

/// Builds the chroot, resuming a half-finished attempt: debootstrap works in `<dir>.partial`
/// and only a complete base system is renamed to `<dir>`; `apt-get install` and the marker
/// file are idempotent, so an interrupted install simply runs again.
fn build_chroot(dir: &Path) -> Result<(), String> {
    if !dir.join("usr/bin/apt-get").exists() {
        if !crate::have("debootstrap", &["--version"]) && !Path::new("/usr/sbin/debootstrap").exists() {
            run(Command::new("apt-get").args(["update", "-q"]))?;
            run(Command::new("apt-get")
                .args(["install", "-y", "-q", "debootstrap"])
                .env("DEBIAN_FRONTEND", "noninteractive"))?;
        }
        let partial = dir.with_extension("partial");
        if partial.exists() {
            // Nothing may stay mounted in a tree we are about to delete.
            unmount_below(&partial);
            fs::remove_dir_all(&partial)
                .map_err(|e| format!("cannot remove the half-built {}: {e}", partial.display()))?;
        }
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        run(Command::new("debootstrap")
            .args(["--variant=minbase", "trixie"])
            .arg(&partial)
            .arg(DEBIAN_MIRROR))?;
        fs::rename(&partial, dir).map_err(|e| format!("cannot move the new chroot into place: {e}"))?;
    }
    let mounts = Mounts::kernel(dir)?;
    let install = run(Command::new(CHROOT)
        .arg(dir)
        .args([
            "/bin/sh",
            "-c",
            "dpkg --configure -a && apt-get update -q && apt-get install -y -q swiftlang",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"));
    drop(mounts);
    install?;
    fs::write(dir.join(READY_MARKER), b"swiftlang from Debian trixie\n")
        .map_err(|e| format!("cannot mark the chroot ready: {e}"))
}

/// Mounts made inside a chroot, unmounted in reverse order when dropped (also on errors and
/// panics), so a failed run never leaves the host's /dev or the workspace mounted in a cache.
struct Mounts {
    root: PathBuf,
    mounted: std::cell::RefCell<Vec<PathBuf>>,
}

/// One extra bind mount of a [`Mounts`], released when dropped.
struct BindGuard(PathBuf);

impl Drop for BindGuard {
    fn drop(&mut self) {
        unmount(&self.0);
    }
}

impl Mounts {
    /// `/proc`, `/dev`, `/dev/pts` and the host's resolv.conf (apt needs DNS).
    fn kernel(root: &Path) -> Result<Self, String> {
        let mounts = Mounts { root: root.to_path_buf(), mounted: std::cell::RefCell::new(Vec::new()) };
        fs::copy("/etc/resolv.conf", root.join("etc/resolv.conf"))
            .map_err(|e| format!("cannot copy resolv.conf into the chroot: {e}"))?;
        mounts.mount(&["-t", "proc", "proc"], "proc")?;
        mounts.mount(&["--bind", "/dev"], "dev")?;
        mounts.mount(&["--bind", "/dev/pts"], "dev/pts")?;
        Ok(mounts)
    }

    fn mount(&self, args: &[&str], inside: &str) -> Result<(), String> {
        let target = self.root.join(inside);
        fs::create_dir_all(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
        if is_mount_point(&target) {
            // Left over from an interrupted run: reuse it, and clean it up with ours.
            self.mounted.borrow_mut().push(target);
            return Ok(());
        }
        run(Command::new("mount").args(args).arg(&target))?;
        self.mounted.borrow_mut().push(target);
        Ok(())
    }

    /// Binds `source` at `inside` (an absolute path within the chroot).
    fn bind(&self, source: &Path, inside: &str) -> Result<BindGuard, String> {
        let target = self.root.join(inside.trim_start_matches('/'));
        fs::create_dir_all(&target).map_err(|e| format!("cannot create {}: {e}", target.display()))?;
        if is_mount_point(&target) {
            unmount(&target);
        }
        run(Command::new("mount").arg("--bind").arg(source).arg(&target))?;
        Ok(BindGuard(target))
    }
}

impl Drop for Mounts {
    fn drop(&mut self) {
        for target in self.mounted.borrow_mut().drain(..).rev() {
            unmount(&target);
        }
    }
}

fn unmount(target: &Path) {
    let quiet = |lazy: bool| {
        let mut command = Command::new("umount");
        if lazy {
            command.arg("--lazy");
        }
        command.arg(target).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
    };
    // A process that outlived the tests can keep the mount busy: detach it lazily then.
    if !quiet(false) && !quiet(true) && is_mount_point(target) {
        eprintln!("xtask: could not unmount {}", target.display());
    }
}

/// Unmounts everything mounted at or below `root`, deepest first.
fn unmount_below(root: &Path) {
    let Ok(table) = fs::read_to_string("/proc/self/mounts") else { return };
    let mut targets: Vec<PathBuf> = table
        .lines()
        .filter_map(|line| line.split_whitespace().nth(1))
        .map(PathBuf::from)
        .filter(|target| target.starts_with(root))
        .collect();
    targets.sort_by_key(|target| std::cmp::Reverse(target.components().count()));
    for target in targets {
        unmount(&target);
    }
}

fn is_mount_point(path: &Path) -> bool {
    let Ok(table) = fs::read_to_string("/proc/self/mounts") else { return false };
    let Ok(path) = path.canonicalize() else { return false };
    table.lines().filter_map(|line| line.split_whitespace().nth(1)).any(|target| Path::new(target) == path)
}

/// The package as SwiftPM builds it: the committed sources of `bindings/swift` plus the
/// generated pieces and the cdylib, under `target/bindings/swift-package` (SwiftPM's `.build`
/// stays there between runs).
fn assemble_package() -> Result<PathBuf, String> {
    step("swift: assembling the package");
    let root = workspace_root();
    // `cargo xtask bindings` writes into the workspace's own target/bindings (whatever
    // CARGO_TARGET_DIR says) and builds the library in the cargo target dir.
    let generated = root.join("target/bindings/swift");
    let package = root.join("target/bindings/swift-package");
    let library = target_dir(&root).join("debug").join(LIBRARY);
    for dir in ["Sources", "Tests", "lib"] {
        let path = package.join(dir);
        if path.exists() {
            fs::remove_dir_all(&path).map_err(|e| format!("cannot clear {}: {e}", path.display()))?;
        }
    }
    let source = root.join("bindings/swift");
    copy_file(&source.join("Package.swift"), &package.join("Package.swift"))?;
    copy_tree(&source.join("Sources"), &package.join("Sources"))?;
    copy_tree(&source.join("Tests"), &package.join("Tests"))?;
    for name in GENERATED {
        if !generated.join(name).exists() {
            return Err(format!("{} is missing: run `cargo xtask bindings`", generated.join(name).display()));
        }
    }
    copy_file(&generated.join("Cairn.swift"), &package.join("Sources/Cairn/Generated/Cairn.swift"))?;
    copy_file(&generated.join("CairnFFI.h"), &package.join("Sources/CairnFFI/CairnFFI.h"))?;
    copy_file(&generated.join("CairnFFI.modulemap"), &package.join("Sources/CairnFFI/module.modulemap"))?;
    if !library.exists() {
        return Err(format!("{} is missing: run `cargo xtask bindings`", library.display()));
    }
    copy_file(&library, &package.join("lib").join(LIBRARY))?;
    Ok(package)
}

fn target_dir(root: &Path) -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if Path::new(&dir).is_absolute() => PathBuf::from(dir),
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

fn copy_file(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    }
    fs::copy(from, to).map(|_| ()).map_err(|e| format!("cannot copy {}: {e}", from.display()))
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let entries = fs::read_dir(from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        let path = entry.path();
        let destination = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &destination)?;
        } else {
            copy_file(&path, &destination)?;
        }
    }
    Ok(())
}

/// `cairn emulator serve --port 0`, stopped when dropped. It runs on the host: the chroot
/// shares the host's network, so the tests reach it at the same 127.0.0.1 address.
struct Emulator {
    child: Child,
    url: String,
}

impl Emulator {
    fn start() -> Result<Self, String> {
        crate::cargo(&["build", "-q", "-p", "cairn-cli"])?;
        let binary = target_dir(&workspace_root()).join("debug/cairn");
        let mut child = Command::new(&binary)
            .args(["emulator", "serve", "--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut line = String::new();
        let read = child.stdout.take().map(|out| BufReader::new(out).read_line(&mut line));
        let url = line.trim().strip_prefix("listening on ").map(str::to_owned);
        match (read, url) {
            (Some(Ok(_)), Some(url)) => Ok(Emulator { child, url }),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                Err(format!("the emulator did not say where it listens (got {:?})", line.trim()))
            }
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
