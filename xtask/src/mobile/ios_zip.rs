//! A deterministic zip of a directory tree, and a reader that checks one, for the XCFramework
//! archive SwiftPM downloads. The archive's SHA-256 is the package's checksum, so the same
//! tree must always give the same bytes: entries are stored (no compression, nothing a zip
//! library version could change), sorted by name, with a fixed timestamp and fixed modes.
//! Format: PKWARE APPNOTE.TXT (local headers, central directory, end record; no zip64).

use std::fs;
use std::path::Path;

/// 1980-01-01 00:00:00 in MS-DOS format, the earliest time a zip can hold.
const DOS_DATE: u16 = (1 << 5) | 1;
const DOS_TIME: u16 = 0;
/// "Made by" UNIX (3) with spec version 2.0, so unzip applies the modes below.
const MADE_BY: u16 = (3 << 8) | 20;
/// Minimum versions to extract: 1.0 for a stored file, 2.0 for a directory entry.
const NEEDS_FILE: u16 = 10;
const NEEDS_DIR: u16 = 20;
/// Modes in the high half of the external attributes; 0x10 is the MS-DOS directory bit.
const FILE_ATTRIBUTES: u32 = 0o100_644 << 16;
const DIR_ATTRIBUTES: u32 = (0o040_755 << 16) | 0x10;

const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const END_SIGNATURE: u32 = 0x0605_4b50;

/// One stored entry as the reader found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The name inside the archive, `/`-separated; directories end in `/`.
    pub name: String,
    pub data: Vec<u8>,
}

/// Zips `dir` so that it sits at the archive's root under its own name (as `ditto -c -k
/// --keepParent` does), and returns the archive's bytes.
pub(crate) fn zip_dir(dir: &Path) -> Result<Vec<u8>, String> {
    let root = dir
        .file_name()
        .and_then(|name| name.to_str())
        .ok_or_else(|| format!("{} has no usable name", dir.display()))?;
    let mut entries = Vec::new();
    collect(dir, root, &mut entries)?;
    write_zip(&entries)
}

/// Directories first, then their children sorted by name, recursively.
fn collect(dir: &Path, name: &str, entries: &mut Vec<Entry>) -> Result<(), String> {
    entries.push(Entry { name: format!("{name}/"), data: Vec::new() });
    let mut children: Vec<_> = fs::read_dir(dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    children.sort_by_key(|entry| entry.file_name());
    for child in children {
        let child_name = child
            .file_name()
            .into_string()
            .map_err(|raw| format!("{raw:?} in {} is not UTF-8", dir.display()))?;
        let path = child.path();
        let inner = format!("{name}/{child_name}");
        if path.is_dir() {
            collect(&path, &inner, entries)?;
        } else {
            let data = fs::read(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            entries.push(Entry { name: inner, data });
        }
    }
    Ok(())
}

/// The archive of `entries`, in the given order.
pub(crate) fn write_zip(entries: &[Entry]) -> Result<Vec<u8>, String> {
    let too_big = |what: &str| format!("{what} does not fit a zip without zip64");
    let mut out = Vec::new();
    let mut central = Vec::new();
    for entry in entries {
        let is_dir = entry.name.ends_with('/');
        let needs = if is_dir { NEEDS_DIR } else { NEEDS_FILE };
        let size = u32::try_from(entry.data.len()).map_err(|_| too_big(&entry.name))?;
        let name_len = u16::try_from(entry.name.len()).map_err(|_| too_big(&entry.name))?;
        let offset = u32::try_from(out.len()).map_err(|_| too_big("the archive"))?;
        let crc = crc32(&entry.data);
        // Fields shared by the local and the central header, from "version needed" on.
        let mut common = Vec::with_capacity(26);
        for half in [needs, 0, 0, DOS_TIME, DOS_DATE] {
            common.extend_from_slice(&half.to_le_bytes());
        }
        for word in [crc, size, size] {
            common.extend_from_slice(&word.to_le_bytes());
        }
        common.extend_from_slice(&name_len.to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes()); // extra field length

        out.extend_from_slice(&LOCAL_SIGNATURE.to_le_bytes());
        out.extend_from_slice(&common);
        out.extend_from_slice(entry.name.as_bytes());
        out.extend_from_slice(&entry.data);

        central.extend_from_slice(&CENTRAL_SIGNATURE.to_le_bytes());
        central.extend_from_slice(&MADE_BY.to_le_bytes());
        central.extend_from_slice(&common);
        for half in [0u16, 0, 0] {
            // comment length, disk number, internal attributes
            central.extend_from_slice(&half.to_le_bytes());
        }
        let attributes = if is_dir { DIR_ATTRIBUTES } else { FILE_ATTRIBUTES };
        central.extend_from_slice(&attributes.to_le_bytes());
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(entry.name.as_bytes());
    }
    let count = u16::try_from(entries.len()).map_err(|_| too_big("the entry count"))?;
    let central_offset = u32::try_from(out.len()).map_err(|_| too_big("the archive"))?;
    let central_size = u32::try_from(central.len()).map_err(|_| too_big("the central directory"))?;
    out.extend_from_slice(&central);
    out.extend_from_slice(&END_SIGNATURE.to_le_bytes());
    for half in [0u16, 0, count, count] {
        out.extend_from_slice(&half.to_le_bytes());
    }
    out.extend_from_slice(&central_size.to_le_bytes());
    out.extend_from_slice(&central_offset.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes()); // comment length
    Ok(out)
}

/// Reads a stored-only archive through its central directory, checking each entry's local
/// header against it and each CRC-32 against the data.
pub(crate) fn read_zip(bytes: &[u8]) -> Result<Vec<Entry>, String> {
    let u16_at = |at: usize| bytes.get(at..at + 2).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let u32_at = |at: usize| bytes.get(at..at + 4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
    let truncated = || "truncated zip".to_owned();
    // No archive comment is written, so the end record is the last 22 bytes.
    let end = bytes.len().checked_sub(22).ok_or_else(truncated)?;
    if u32_at(end) != Some(END_SIGNATURE) {
        return Err("no zip end record (or an archive comment, which this writer never adds)".into());
    }
    let count = usize::from(u16_at(end + 10).ok_or_else(truncated)?);
    let mut at = u32_at(end + 16).ok_or_else(truncated)? as usize;
    let mut entries = Vec::with_capacity(count);
    for _ in 0..count {
        if u32_at(at) != Some(CENTRAL_SIGNATURE) {
            return Err(format!("no central directory header at {at}"));
        }
        let method = u16_at(at + 10).ok_or_else(truncated)?;
        let crc = u32_at(at + 16).ok_or_else(truncated)?;
        let size = u32_at(at + 20).ok_or_else(truncated)? as usize;
        let name_len = usize::from(u16_at(at + 28).ok_or_else(truncated)?);
        let skip = usize::from(u16_at(at + 30).ok_or_else(truncated)?)
            + usize::from(u16_at(at + 32).ok_or_else(truncated)?);
        let local = u32_at(at + 42).ok_or_else(truncated)? as usize;
        let name = bytes.get(at + 46..at + 46 + name_len).ok_or_else(truncated)?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| "an entry name is not UTF-8".to_owned())?;
        at += 46 + name_len + skip;
        if method != 0 {
            return Err(format!("{name}: compression method {method}, expected stored (0)"));
        }
        if u32_at(local) != Some(LOCAL_SIGNATURE)
            || bytes.get(local + 30..local + 30 + name_len) != Some(name.as_bytes())
        {
            return Err(format!("{name}: the local header does not match the central directory"));
        }
        let data_at = local + 30 + name_len + usize::from(u16_at(local + 28).ok_or_else(truncated)?);
        let data = bytes.get(data_at..data_at + size).ok_or_else(truncated)?;
        if crc32(data) != crc {
            return Err(format!("{name}: CRC-32 mismatch"));
        }
        entries.push(Entry { name, data: data.to_vec() });
    }
    Ok(entries)
}

/// CRC-32 as zip uses it (reflected polynomial 0xEDB88320, initial and final XOR all ones).
pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc = CRC_TABLE[((crc ^ u32::from(byte)) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

/// Byte-at-a-time table: xtask runs unoptimised, and the archive is tens of megabytes.
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut index = 0;
    while index < 256 {
        let mut value = index as u32;
        let mut bit = 0;
        while bit < 8 {
            value = if value & 1 == 1 { 0xEDB8_8320 ^ (value >> 1) } else { value >> 1 };
            bit += 1;
        }
        table[index] = value;
        index += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use std::process::Command;

    #[test]
    fn crc32_check_value() {
        // The standard check value of CRC-32/ISO-HDLC, the variant zip uses.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    fn sample_tree(name: &str) -> std::path::PathBuf {
        let base = std::env::temp_dir().join(format!("cairn-zip-{name}-{}", std::process::id()));
        let top = base.join("Thing.xcframework");
        let _ = fs::remove_dir_all(&base);
        fs::create_dir_all(top.join("ios-arm64/Headers")).unwrap();
        fs::write(top.join("Info.plist"), b"<plist/>").unwrap();
        fs::write(top.join("ios-arm64/lib.a"), vec![7u8; 100_000]).unwrap();
        fs::write(top.join("ios-arm64/Headers/a.h"), b"int a;\n").unwrap();
        top
    }

    #[test]
    fn tree_round_trips_with_the_directory_at_the_root() {
        let top = sample_tree("roundtrip");
        let entries = read_zip(&zip_dir(&top).unwrap()).unwrap();
        let names: Vec<&str> = entries.iter().map(|entry| entry.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Thing.xcframework/",
                "Thing.xcframework/Info.plist",
                "Thing.xcframework/ios-arm64/",
                "Thing.xcframework/ios-arm64/Headers/",
                "Thing.xcframework/ios-arm64/Headers/a.h",
                "Thing.xcframework/ios-arm64/lib.a",
            ]
        );
        assert_eq!(entries[5].data, vec![7u8; 100_000]);
        fs::remove_dir_all(top.parent().unwrap()).unwrap();
    }

    #[test]
    fn same_tree_same_bytes_whatever_the_file_times() {
        let top = sample_tree("deterministic");
        let first = zip_dir(&top).unwrap();
        // Rewriting a file gives it a new modification time; the archive must not change.
        std::thread::sleep(std::time::Duration::from_millis(1100));
        fs::write(top.join("Info.plist"), b"<plist/>").unwrap();
        assert_eq!(first, zip_dir(&top).unwrap());
        fs::remove_dir_all(top.parent().unwrap()).unwrap();
    }

    /// Another implementation reads the archive: Info-ZIP's `unzip -t` tests every entry's
    /// CRC, and `unzip -Z` shows the stored times and modes.
    #[test]
    fn unzip_accepts_the_archive() {
        let top = sample_tree("unzip");
        let archive = top.with_extension("zip");
        fs::write(&archive, zip_dir(&top).unwrap()).unwrap();
        let test = Command::new("unzip").arg("-t").arg(&archive).output().expect("unzip is installed");
        let report = String::from_utf8_lossy(&test.stdout);
        assert!(test.status.success(), "{report}");
        assert!(report.contains("No errors detected"), "{report}");
        let listing = Command::new("unzip").arg("-Z").arg(&archive).output().unwrap();
        let listing = String::from_utf8_lossy(&listing.stdout);
        assert!(listing.contains("-rw-r--r--"), "{listing}");
        assert!(listing.contains("drwxr-xr-x"), "{listing}");
        assert!(listing.contains("80-Jan-01 00:00"), "{listing}");
        fs::remove_dir_all(top.parent().unwrap()).unwrap();
    }

    #[test]
    fn corruption_is_detected() {
        let entries = [Entry { name: "a.txt".into(), data: b"hello".to_vec() }];
        let mut bytes = write_zip(&entries).unwrap();
        assert_eq!(read_zip(&bytes).unwrap(), entries);
        // The data starts after the 30-byte local header and the 5-byte name.
        bytes[35] ^= 1;
        assert!(read_zip(&bytes).unwrap_err().contains("CRC-32 mismatch"));
        assert!(read_zip(&bytes[..10]).is_err());
    }
}
