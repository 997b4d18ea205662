//! Cross-compilation plumbing shared by the mobile tasks: installing Rust targets, nightly's
//! `rust-src` and Debian packages once (idempotent, cached by asking the tools what is there),
//! and one `cargo` command builder per target triple so that every task builds a target with
//! the same flags (the same flags keep cargo's cache valid between tasks).

use std::env;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::{run, step, workspace_root};

/// How a target's standard library is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Std {
    /// `rustup target add` serves it for the stable toolchain.
    Rustup,
    /// Not served: built from source with nightly `-Zbuild-std`.
    BuildStd,
}

/// Rust targets the project builds besides the host, and where their std comes from.
pub(crate) const TARGETS: [(&str, Std); 9] = [
    ("aarch64-linux-android", Std::Rustup),
    ("armv7-linux-androideabi", Std::Rustup),
    ("x86_64-linux-android", Std::Rustup),
    ("i686-linux-android", Std::Rustup),
    ("aarch64-apple-ios", Std::Rustup),
    ("aarch64-apple-ios-sim", Std::BuildStd),
    ("aarch64-unknown-linux-ohos", Std::BuildStd),
    ("aarch64-unknown-linux-gnu", Std::Rustup),
    ("armv7-unknown-linux-gnueabihf", Std::Rustup),
];

/// The std source for `-Zbuild-std`.
pub(crate) fn std_of(triple: &str) -> Std {
    TARGETS.iter().find(|(name, _)| *name == triple).map_or(Std::Rustup, |(_, std)| *std)
}

/// Adds the rustup-served targets among `triples` that are not installed yet, and nightly's
/// `rust-src` when any of them needs `-Zbuild-std`.
pub(crate) fn ensure_targets(triples: &[&str]) -> Result<(), String> {
    let installed =
        stdout_of(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    let absent: Vec<&str> = triples
        .iter()
        .copied()
        .filter(|triple| std_of(triple) == Std::Rustup)
        .filter(|triple| !installed.lines().any(|line| line.trim() == *triple))
        .collect();
    if !absent.is_empty() {
        step(&format!("installing Rust targets: {}", absent.join(" ")));
        run(Command::new("rustup").args(["target", "add"]).args(&absent))?;
    }
    if triples.iter().any(|triple| std_of(triple) == Std::BuildStd) {
        let components = stdout_of(Command::new("rustup").args([
            "component",
            "list",
            "--installed",
            "--toolchain",
            "nightly",
        ]))
        .unwrap_or_default();
        if !components.lines().any(|line| line.trim().starts_with("rust-src")) {
            step("installing nightly with rust-src (for -Zbuild-std)");
            run(Command::new("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
            run(Command::new("rustup").args(["component", "add", "rust-src", "--toolchain", "nightly"]))?;
        }
    }
    Ok(())
}

/// Installs the Debian packages whose probe fails: `(package, probe)`, where the probe is a
/// program that must be on PATH, or an absolute path that must exist (for packages without a
/// program, such as a cross libc).
pub(crate) fn ensure_apt(packages: &[(&str, &str)]) -> Result<(), String> {
    let present = |probe: &str| {
        if probe.starts_with('/') { std::path::Path::new(probe).exists() } else { on_path(probe) }
    };
    let missing: Vec<&str> =
        packages.iter().filter(|(_, probe)| !present(probe)).map(|(package, _)| *package).collect();
    if missing.is_empty() {
        return Ok(());
    }
    step(&format!("installing Debian packages: {}", missing.join(" ")));
    run(Command::new("apt-get").args(["update", "-q"]).env("DEBIAN_FRONTEND", "noninteractive"))?;
    run(Command::new("apt-get")
        .args(["install", "-y", "-q", "--no-install-recommends"])
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive"))
}

/// A program on PATH (or an absolute path) that exists.
pub(crate) fn on_path(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// `cargo <subcommand>` for `triple`, run in the workspace with the toolchain the target needs
/// (nightly plus `-Zbuild-std` where rustup serves no std) and:
/// - warnings denied for the target's code (`CARGO_TARGET_<T>_RUSTFLAGS`; build scripts and
///   proc-macros run on the host and are not affected);
/// - every C compiler for the target pointed at a program that fails, so a dependency that
///   builds C for a phone stops the build instead of the host `cc` quietly making x86-64
///   objects (the mobile libraries build no C: ADR 0007).
///
/// Callers add `-p`, `--profile` and the rest; `--target` is added here.
pub(crate) fn target_cargo(subcommand: &str, triple: &str) -> Command {
    let mut command = match std_of(triple) {
        Std::Rustup => Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into())),
        Std::BuildStd => {
            let mut nightly = Command::new("rustup");
            nightly.args(["run", "nightly", "cargo"]);
            // The outer (stable) cargo's choices must not leak into the nightly one.
            for variable in ["CARGO", "RUSTC", "RUSTDOC", "RUSTUP_TOOLCHAIN", "RUSTC_WRAPPER"] {
                nightly.env_remove(variable);
            }
            nightly
        }
    };
    command.current_dir(workspace_root()).arg(subcommand);
    if std_of(triple) == Std::BuildStd {
        command.arg("-Zbuild-std=std,panic_unwind");
    }
    command.args(["--target", triple]);
    let upper = triple.to_uppercase().replace('-', "_");
    command.env(format!("CARGO_TARGET_{upper}_RUSTFLAGS"), "-D warnings");
    if is_mobile(triple) {
        let refuse = no_c_compiler();
        let lower = triple.replace('-', "_");
        for variable in [format!("CC_{lower}"), format!("CXX_{lower}"), format!("AR_{lower}")] {
            command.env(variable, &refuse);
        }
    }
    command
}

/// Phone targets: Android, iOS and HarmonyOS (not the ARM Linux test targets, whose test
/// dependencies may build C with the cross gcc).
pub(crate) fn is_mobile(triple: &str) -> bool {
    triple.contains("android") || triple.contains("apple-ios") || triple.contains("ohos")
}

/// A script that fails with a clear message, used as the C compiler for phone targets.
fn no_c_compiler() -> PathBuf {
    let path = workspace_root().join("target/tools/no-c-compiler.sh");
    let script = "#!/bin/sh\n\
                  echo \"xtask: a dependency tried to compile C for a phone target ($0 $*); \
                  the mobile libraries must build no C code (ADR 0007)\" >&2\n\
                  exit 1\n";
    if std::fs::read_to_string(&path).ok().as_deref() != Some(script) {
        let written = std::fs::create_dir_all(path.parent().unwrap_or(&path))
            .and_then(|()| std::fs::write(&path, script))
            .and_then(|()| set_executable(&path));
        if let Err(error) = written {
            eprintln!("xtask: could not write {}: {error}", path.display());
        }
    }
    path
}

fn set_executable(path: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
}

/// Where cargo puts `triple`'s output for `profile` (honours `CARGO_TARGET_DIR`).
pub(crate) fn output_dir(triple: &str, profile: &str) -> PathBuf {
    crate::bindings::target_dir().join(triple).join(profile)
}

fn stdout_of(command: &mut Command) -> Option<String> {
    let output = command.stderr(Stdio::null()).output().ok()?;
    output.status.success().then(|| String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The shipped library's kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CrateType {
    /// `libcairn_ffi.so` (Android, the host).
    Cdylib,
    /// `libcairn_ffi.a` (the iOS XCFramework).
    Staticlib,
}

/// The profile app teams get (Cargo.toml `[profile.release-mobile]`).
pub(crate) const SHIPPED_PROFILE: &str = "release-mobile";

/// Builds cairn-ffi for `triple` (`None`: the host) in the shipped profile as exactly one crate
/// type and returns the artifact. One crate type because each target needs only one (a static
/// library for iOS, a shared one elsewhere; a shared library cannot even be linked for iOS
/// here), and never `lib`: cargo passes no `-C lto` to a package whose crate types include it
/// (ADR 0005). `env` adds variables (a target's linker for the Android link check).
pub(crate) fn build_ffi(
    triple: Option<&str>,
    crate_type: CrateType,
    env: &[(String, std::ffi::OsString)],
) -> Result<PathBuf, String> {
    let mut command = match triple {
        Some(triple) => target_cargo("rustc", triple),
        None => {
            let mut host = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
            host.current_dir(workspace_root()).arg("rustc");
            host
        }
    };
    let (kind, file) = match crate_type {
        CrateType::Cdylib => ("cdylib", "libcairn_ffi.so"),
        CrateType::Staticlib => ("staticlib", "libcairn_ffi.a"),
    };
    command.args([
        "--locked",
        "-p",
        "cairn-ffi",
        "--lib",
        "--profile",
        SHIPPED_PROFILE,
        "--crate-type",
        kind,
    ]);
    command.envs(env.iter().map(|(name, value)| (name, value)));
    run(&mut command)?;
    let dir = match triple {
        Some(triple) => output_dir(triple, SHIPPED_PROFILE),
        None => crate::bindings::target_dir().join(SHIPPED_PROFILE),
    };
    Ok(dir.join(file))
}
