//! The export file: the account's encrypted objects, unchanged, in one container
//! (`docs/SERVICE.md` §8).
//!
//! ```text
//! magic    8 bytes  "CAIRNEXP"
//! version  1 byte   0x01
//! count    u32 BE   number of objects, ≤ 10 000
//! object*  name_len u8 (1..=128) ‖ name (store name rules, a Cairn object name)
//!          ‖ body_len u32 BE (1..=4232) ‖ body (a v1 epoch or record object)
//! checksum 32 bytes SHA-256 of everything before it
//! ```

use std::collections::BTreeSet;

use cairn_cloud::MAX_NAME_LEN;
use cairn_crypto::format::MAX_OBJECT_LEN;
use sha2::{Digest, Sha256};

use crate::error::{CairnError, Damage};

/// The export file magic.
pub const EXPORT_MAGIC: [u8; 8] = *b"CAIRNEXP";
/// The container version this code writes and reads.
pub const EXPORT_VERSION: u8 = 1;
/// Most objects one export holds.
pub const MAX_EXPORT_OBJECTS: usize = 10_000;
const HEADER_LEN: usize = 8 + 1 + 4;
const CHECKSUM_LEN: usize = 32;
/// Largest valid export file.
pub const MAX_EXPORT_LEN: usize =
    HEADER_LEN + MAX_EXPORT_OBJECTS * (1 + MAX_NAME_LEN + 4 + MAX_OBJECT_LEN) + CHECKSUM_LEN;

fn damaged(what: &'static str) -> CairnError {
    CairnError::corrupted(Damage::ExportFile(what))
}

pub(crate) fn encode(objects: &[(String, Vec<u8>)]) -> Result<Vec<u8>, CairnError> {
    if objects.len() > MAX_EXPORT_OBJECTS {
        return Err(CairnError::invalid("too many objects for one export file"));
    }
    let mut out = Vec::new();
    out.extend_from_slice(&EXPORT_MAGIC);
    out.push(EXPORT_VERSION);
    out.extend_from_slice(&u32::try_from(objects.len()).unwrap_or(u32::MAX).to_be_bytes());
    for (name, body) in objects {
        let name_len = u8::try_from(name.len()).map_err(|_| CairnError::invalid("object name too long"))?;
        let body_len = u32::try_from(body.len()).map_err(|_| CairnError::invalid("object too large"))?;
        out.push(name_len);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(&body_len.to_be_bytes());
        out.extend_from_slice(body);
    }
    let checksum = Sha256::digest(&out);
    out.extend_from_slice(&checksum);
    Ok(out)
}

struct Cursor<'a> {
    rest: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CairnError> {
        if n > self.rest.len() {
            return Err(damaged("truncated"));
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, CairnError> {
        self.take(1)?.first().copied().ok_or_else(|| damaged("truncated"))
    }

    fn u32(&mut self) -> Result<u32, CairnError> {
        let bytes: [u8; 4] = self.take(4)?.try_into().map_err(|_| damaged("truncated"))?;
        Ok(u32::from_be_bytes(bytes))
    }
}

/// Parses an export file strictly; every object must pass the key-free format checks and
/// agree with its name. Bounded: lengths are checked before anything is copied.
pub(crate) fn decode(file: &[u8]) -> Result<Vec<(String, Vec<u8>)>, CairnError> {
    if file.len() > MAX_EXPORT_LEN {
        return Err(damaged("file too large"));
    }
    if file.len() < EXPORT_MAGIC.len() || file.get(..EXPORT_MAGIC.len()) != Some(&EXPORT_MAGIC[..]) {
        return Err(damaged("not a Cairn export file"));
    }
    let version = *file.get(EXPORT_MAGIC.len()).ok_or_else(|| damaged("truncated"))?;
    if version != EXPORT_VERSION {
        return Err(CairnError::UnsupportedVersion { found: version });
    }
    if file.len() < HEADER_LEN + CHECKSUM_LEN {
        return Err(damaged("truncated"));
    }
    let (body, checksum) = file.split_at(file.len() - CHECKSUM_LEN);
    if Sha256::digest(body).as_slice() != checksum {
        return Err(damaged("checksum mismatch"));
    }
    let mut cursor = Cursor { rest: body };
    cursor.take(EXPORT_MAGIC.len() + 1)?;
    let count = usize::try_from(cursor.u32()?).map_err(|_| damaged("bad count"))?;
    if count > MAX_EXPORT_OBJECTS {
        return Err(damaged("too many objects"));
    }
    let mut names = BTreeSet::new();
    let mut objects = Vec::with_capacity(count);
    for _ in 0..count {
        let name_len = usize::from(cursor.u8()?);
        let name = std::str::from_utf8(cursor.take(name_len)?).map_err(|_| damaged("bad object name"))?;
        if cairn_cloud::validate_name(name).is_err()
            || !matches!(crate::layout::parse_name(name), Ok(Some(_)))
        {
            return Err(damaged("bad object name"));
        }
        let body_len = usize::try_from(cursor.u32()?).map_err(|_| damaged("bad length"))?;
        if body_len == 0 || body_len > MAX_OBJECT_LEN {
            return Err(damaged("object length out of bounds"));
        }
        let object = cursor.take(body_len)?;
        crate::service::check_header(name, object)?;
        if !names.insert(name.to_owned()) {
            return Err(damaged("duplicate object name"));
        }
        objects.push((name.to_owned(), object.to_vec()));
    }
    if !cursor.rest.is_empty() {
        return Err(damaged("trailing bytes"));
    }
    Ok(objects)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_garbage_without_panicking() {
        let empty = encode(&[]).unwrap();
        assert_eq!(decode(&empty).unwrap(), vec![]);
        for cut in 0..empty.len() {
            assert!(decode(&empty[..cut]).is_err(), "cut at {cut}");
        }
        let mut wrong_version = empty.clone();
        wrong_version[8] = 2;
        assert_eq!(decode(&wrong_version).unwrap_err().kind(), crate::ErrorKind::UnsupportedVersion);
        let mut flipped = empty.clone();
        flipped[10] ^= 1;
        assert_eq!(decode(&flipped).unwrap_err().kind(), crate::ErrorKind::Corrupted);
        assert!(decode(&vec![0u8; MAX_EXPORT_LEN + 1]).is_err());
        // A count far beyond the bytes present fails on bounds, not on allocation.
        let mut huge_count = EXPORT_MAGIC.to_vec();
        huge_count.push(1);
        huge_count.extend_from_slice(&u32::MAX.to_be_bytes());
        let checksum = Sha256::digest(&huge_count);
        huge_count.extend_from_slice(&checksum);
        assert_eq!(decode(&huge_count).unwrap_err().kind(), crate::ErrorKind::Corrupted);
    }

    /// xorshift64*: deterministic pseudo-random bytes without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
    }

    fn sealed(mut body: Vec<u8>) -> Vec<u8> {
        let checksum = Sha256::digest(&body);
        body.extend_from_slice(&checksum);
        body
    }

    #[test]
    fn hostile_files_with_valid_checksums_are_refused_without_panicking() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..2000 {
            let mut body = EXPORT_MAGIC.to_vec();
            body.push(EXPORT_VERSION);
            // Small counts and lengths so the parser gets deep into the structure.
            body.extend_from_slice(&(rng.below(4) as u32).to_be_bytes());
            let extra = rng.below(600);
            for _ in 0..extra {
                body.push(match rng.below(4) {
                    0 => 0,
                    1 => b'c',
                    2 => rng.below(256) as u8,
                    _ => (rng.below(200) + 1) as u8,
                });
            }
            if rng.below(2) == 0 && body.len() > 14 {
                // A plausible name length and a Cairn-looking name.
                body[13] = 20;
                let prefix = b"cairn-r-";
                for (i, b) in prefix.iter().enumerate() {
                    if let Some(slot) = body.get_mut(14 + i) {
                        *slot = *b;
                    }
                }
            }
            let file = sealed(body);
            assert!(decode(&file).is_err());
        }
    }

    #[test]
    fn a_single_object_must_be_a_valid_cairn_object_matching_its_name() {
        let name = "cairn-r-".to_owned() + &"ab".repeat(16) + "-" + &"cd".repeat(32) + "-0000000005-00000001";
        let mut body = EXPORT_MAGIC.to_vec();
        body.push(EXPORT_VERSION);
        body.extend_from_slice(&1u32.to_be_bytes());
        body.push(name.len() as u8);
        body.extend_from_slice(name.as_bytes());
        body.extend_from_slice(&392u32.to_be_bytes());
        body.extend_from_slice(&[0u8; 392]);
        assert_eq!(decode(&sealed(body.clone())).unwrap_err().kind(), crate::ErrorKind::Corrupted);
        // Declared longer than any v1 object: refused before reading it.
        let at = body.len() - 392 - 4;
        body[at..at + 4].copy_from_slice(&(MAX_OBJECT_LEN as u32 + 1).to_be_bytes());
        assert_eq!(decode(&sealed(body)).unwrap_err(), damaged("object length out of bounds"));
    }
}
