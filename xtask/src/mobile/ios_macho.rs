//! Reads what an XCFramework slice's static library holds: the `ar` archive's members (GNU or
//! BSD/Darwin naming) and, for each object, its Mach-O header and the platform its load
//! commands declare. Constants are from Apple's `<mach-o/loader.h>` and `<mach/machine.h>`
//! (cctools' include/mach-o/loader.h).

use std::collections::BTreeSet;

/// `MH_MAGIC_64`, read little-endian (arm64 objects are little-endian).
const MH_MAGIC_64: u32 = 0xfeed_facf;
/// `CPU_TYPE_ARM64` = `CPU_TYPE_ARM` (12) | `CPU_ARCH_ABI64` (0x01000000).
const CPU_TYPE_ARM64: u32 = 0x0100_000c;
/// `MH_OBJECT`: a relocatable object, what a static library holds.
const MH_OBJECT: u32 = 0x1;
const LC_BUILD_VERSION: u32 = 0x32;
/// The older form of the deployment target, which LLVM still writes for iOS below 12.0: rustup's
/// prebuilt std for aarch64-apple-ios (deployment target 10.0) carries it, so the device slice
/// holds such objects. On arm64 it means an iOS device (an arm64 simulator object can only say
/// so with `LC_BUILD_VERSION` platform 7).
const LC_VERSION_MIN_IPHONEOS: u32 = 0x25;
/// `PLATFORM_IOS` and `PLATFORM_IOSSIMULATOR` of `build_version_command.platform`.
pub(crate) const PLATFORM_IOS: u32 = 2;
pub(crate) const PLATFORM_IOSSIMULATOR: u32 = 7;

/// One archive member: its name and its bytes (for BSD names, after the name).
#[derive(Debug)]
pub(crate) struct Member<'a> {
    pub name: String,
    pub data: &'a [u8],
}

/// The members of an `ar` archive, symbol tables and GNU's long-name table left out.
pub(crate) fn ar_members(bytes: &[u8]) -> Result<Vec<Member<'_>>, String> {
    let body = bytes.strip_prefix(b"!<arch>\n").ok_or("not an ar archive (no \"!<arch>\" magic)")?;
    let mut members = Vec::new();
    let mut long_names: &[u8] = &[];
    let mut at = 0;
    while at < body.len() {
        let header = body.get(at..at + 60).ok_or("truncated ar member header")?;
        if &header[58..60] != b"`\n" {
            return Err(format!("bad ar member header at offset {}", at + 8));
        }
        let field = |range: std::ops::Range<usize>| String::from_utf8_lossy(&header[range]).trim().to_owned();
        let raw_name = field(0..16);
        let size: usize = field(48..58).parse().map_err(|_| format!("bad ar member size at {}", at + 8))?;
        let data = body.get(at + 60..at + 60 + size).ok_or("truncated ar member")?;
        // Members start at even offsets; an odd-sized one is followed by one '\n'.
        at += 60 + size + (size & 1);
        let (name, data) = if let Some(length) = raw_name.strip_prefix("#1/") {
            // BSD: the name's length is given here and the name starts the data.
            let length: usize = length.parse().map_err(|_| format!("bad BSD name length {raw_name:?}"))?;
            let name = data.get(..length).ok_or("truncated BSD member name")?;
            let name = String::from_utf8_lossy(name).trim_end_matches('\0').to_owned();
            (name, &data[length..])
        } else if raw_name == "//" {
            long_names = data;
            continue;
        } else if let Some(offset) = raw_name.strip_prefix('/').filter(|rest| !rest.is_empty()) {
            if offset == "SYM64/" {
                continue;
            }
            // GNU long name: an offset into the "//" table, ended by "/\n".
            let offset: usize = offset.parse().map_err(|_| format!("bad GNU long name {raw_name:?}"))?;
            let rest = long_names.get(offset..).ok_or("GNU long name outside its table")?;
            let end = rest.iter().position(|&byte| byte == b'\n').unwrap_or(rest.len());
            (String::from_utf8_lossy(&rest[..end]).trim_end_matches('/').to_owned(), data)
        } else {
            (raw_name.trim_end_matches('/').to_owned(), data)
        };
        if name.is_empty() || name.starts_with("__.SYMDEF") {
            continue; // GNU "/" or BSD "__.SYMDEF[_64][ SORTED]": the symbol index
        }
        members.push(Member { name, data });
    }
    Ok(members)
}

/// What a member's Mach-O header and load commands say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Object {
    /// Platforms from `LC_BUILD_VERSION` (and `PLATFORM_IOS` for `LC_VERSION_MIN_IPHONEOS`).
    pub platforms: BTreeSet<u32>,
}

/// Checks that `data` is a 64-bit arm64 Mach-O relocatable object and returns its platforms.
pub(crate) fn arm64_object(data: &[u8]) -> Result<Object, String> {
    let u32_at = |at: usize| data.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let magic = u32_at(0).ok_or("too short for a Mach-O header")?;
    if magic != MH_MAGIC_64 {
        return Err(format!("magic {magic:#010x}, expected MH_MAGIC_64 {MH_MAGIC_64:#010x}"));
    }
    let cputype = u32_at(4).ok_or("truncated Mach-O header")?;
    if cputype != CPU_TYPE_ARM64 {
        return Err(format!("cputype {cputype:#010x}, expected CPU_TYPE_ARM64 {CPU_TYPE_ARM64:#010x}"));
    }
    let filetype = u32_at(12).ok_or("truncated Mach-O header")?;
    if filetype != MH_OBJECT {
        return Err(format!("filetype {filetype}, expected MH_OBJECT ({MH_OBJECT})"));
    }
    let count = u32_at(16).ok_or("truncated Mach-O header")?;
    let mut platforms = BTreeSet::new();
    // Load commands follow the 32-byte mach_header_64.
    let mut at = 32;
    for _ in 0..count {
        let cmd = u32_at(at).ok_or("truncated load command")?;
        let size = u32_at(at + 4).ok_or("truncated load command")? as usize;
        if size < 8 || data.len() < at + size {
            return Err(format!("load command {cmd:#x} has a bad size {size}"));
        }
        match cmd {
            LC_BUILD_VERSION => {
                platforms.insert(u32_at(at + 8).ok_or("truncated LC_BUILD_VERSION")?);
            }
            LC_VERSION_MIN_IPHONEOS => {
                platforms.insert(PLATFORM_IOS);
            }
            _ => {}
        }
        at += size;
    }
    Ok(Object { platforms })
}

/// Checks a static library for one slice: at least one member, every member an arm64 Mach-O
/// object declaring exactly `platform`. Returns the number of objects.
pub(crate) fn check_static_library(bytes: &[u8], platform: u32) -> Result<usize, String> {
    let members = ar_members(bytes)?;
    if members.is_empty() {
        return Err("the archive holds no object".into());
    }
    for member in &members {
        let object = arm64_object(member.data).map_err(|e| format!("member {}: {e}", member.name))?;
        let expected = BTreeSet::from([platform]);
        if object.platforms != expected {
            return Err(format!(
                "member {}: platform {} (loader.h: 2 = iOS, 7 = iOS simulator), expected {}",
                member.name,
                describe(&object.platforms),
                platform
            ));
        }
    }
    Ok(members.len())
}

fn describe(platforms: &BTreeSet<u32>) -> String {
    if platforms.is_empty() {
        return "none declared".into();
    }
    platforms.iter().map(u32::to_string).collect::<Vec<_>>().join(" and ")
}

/// Test fixtures: a minimal arm64 object declaring `platform` and an archive around objects.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;

    pub(crate) fn object(cputype: u32, platform: Option<u32>) -> Vec<u8> {
        let mut bytes = Vec::new();
        let commands = u32::from(platform.is_some());
        for word in [MH_MAGIC_64, cputype, 0, MH_OBJECT, commands, 24 * commands, 0, 0] {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
        if let Some(platform) = platform {
            // build_version_command: cmd, cmdsize, platform, minos 17.0, sdk 0, ntools 0.
            for word in [LC_BUILD_VERSION, 24, platform, 17 << 16, 0, 0] {
                bytes.extend_from_slice(&word.to_le_bytes());
            }
        }
        bytes
    }

    pub(crate) fn arm64(platform: u32) -> Vec<u8> {
        object(CPU_TYPE_ARM64, Some(platform))
    }

    /// An arm64 object with the older `LC_VERSION_MIN_IPHONEOS` (iOS 10.0), as rustup's
    /// prebuilt std for aarch64-apple-ios has them.
    pub(crate) fn arm64_version_min() -> Vec<u8> {
        let mut bytes = Vec::new();
        for word in [MH_MAGIC_64, CPU_TYPE_ARM64, 0, MH_OBJECT, 1, 16, 0, 0] {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
        // version_min_command: cmd, cmdsize, version 10.0.0, sdk 0.
        for word in [LC_VERSION_MIN_IPHONEOS, 16, 10 << 16, 0] {
            bytes.extend_from_slice(&word.to_le_bytes());
        }
        bytes
    }

    /// A BSD-style archive (as Apple's and Rust's Darwin writers make) with a symbol index.
    pub(crate) fn archive(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut out = b"!<arch>\n".to_vec();
        let mut push = |name: &str, data: &[u8]| {
            let size = name.len() + data.len();
            let header = format!(
                "{:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n",
                format!("#1/{}", name.len()),
                0,
                0,
                0,
                644,
                size
            );
            out.extend_from_slice(header.as_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            if size % 2 == 1 {
                out.push(b'\n');
            }
        };
        push("__.SYMDEF SORTED", &[0; 8]);
        for (name, data) in members {
            push(name, data);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::fixtures::*;
    use super::*;

    #[test]
    fn device_and_simulator_objects_are_told_apart() {
        let device = archive(&[("a.o", arm64(PLATFORM_IOS)), ("odd-name.o", arm64(PLATFORM_IOS))]);
        assert_eq!(check_static_library(&device, PLATFORM_IOS), Ok(2));
        let error = check_static_library(&device, PLATFORM_IOSSIMULATOR).unwrap_err();
        assert!(error.contains("member a.o: platform 2"), "{error}");
    }

    #[test]
    fn version_min_iphoneos_objects_count_as_device() {
        let device = archive(&[("builtins.o", arm64_version_min()), ("cairn.o", arm64(PLATFORM_IOS))]);
        assert_eq!(check_static_library(&device, PLATFORM_IOS), Ok(2));
        let error = check_static_library(&device, PLATFORM_IOSSIMULATOR).unwrap_err();
        assert!(error.contains("member builtins.o: platform 2"), "{error}");
    }

    #[test]
    fn wrong_cpu_missing_platform_and_mixed_archives_are_refused() {
        // CPU_TYPE_X86_64 = CPU_TYPE_X86 (7) | CPU_ARCH_ABI64.
        let x86 = archive(&[("x.o", object(0x0100_0007, Some(PLATFORM_IOSSIMULATOR)))]);
        assert!(check_static_library(&x86, PLATFORM_IOSSIMULATOR).unwrap_err().contains("cputype"));
        let bare = archive(&[("b.o", object(CPU_TYPE_ARM64, None))]);
        assert!(check_static_library(&bare, PLATFORM_IOS).unwrap_err().contains("none declared"));
        let mixed = archive(&[("d.o", arm64(PLATFORM_IOS)), ("s.o", arm64(PLATFORM_IOSSIMULATOR))]);
        assert!(check_static_library(&mixed, PLATFORM_IOS).unwrap_err().contains("member s.o: platform 7"));
        let elf = archive(&[("e.o", b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0".to_vec())]);
        assert!(check_static_library(&elf, PLATFORM_IOS).unwrap_err().contains("magic"));
        assert!(check_static_library(&archive(&[]), PLATFORM_IOS).unwrap_err().contains("no object"));
        assert!(check_static_library(b"not an archive", PLATFORM_IOS).is_err());
    }

    #[test]
    fn gnu_names_are_read_too() {
        let object = arm64(PLATFORM_IOS);
        let long = "a-rather-long-object-name.o";
        let table = format!("{long}/\n");
        let mut bytes = b"!<arch>\n".to_vec();
        for (name, data) in [("//", table.as_bytes()), ("/0", &object[..]), ("short.o/", &object[..])] {
            let header = format!("{name:<16}{:<12}{:<6}{:<6}{:<8}{:<10}`\n", 0, 0, 0, 644, data.len());
            bytes.extend_from_slice(header.as_bytes());
            bytes.extend_from_slice(data);
            if data.len() % 2 == 1 {
                bytes.push(b'\n');
            }
        }
        let names: Vec<String> = ar_members(&bytes).unwrap().into_iter().map(|member| member.name).collect();
        assert_eq!(names, [long, "short.o"]);
    }
}
