//! Byte-level plumbing shared by both object types: the version-independent prefix, the
//! checksum trailer, and a bounds-checked reader that never panics and never allocates.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::{FormatError, Malformation};
use super::{FORMAT_VERSION, MAGIC, ObjectType};

/// Length of the version-independent prefix: magic then version.
pub(crate) const PREFIX_LEN: usize = MAGIC.len() + 1;
/// Magic, version and object type: the part every v1 object starts with.
pub(crate) const COMMON_HEADER_LEN: usize = PREFIX_LEN + 1;
/// Length of the SHA-256 checksum that ends every v1 object.
pub(crate) const CHECKSUM_LEN: usize = 32;

/// Checks magic and version, then reads the object type.
///
/// The order is part of the format's contract: magic, then version, and only then anything a
/// given version defines, so a newer object is reported as `UnsupportedVersion` even when the
/// rest of it would not parse as v1.
pub(crate) fn parse_object_type(bytes: &[u8]) -> Result<ObjectType, FormatError> {
    let magic_present = bytes.len().min(MAGIC.len());
    if bytes.get(..magic_present) != MAGIC.get(..magic_present) {
        return Err(FormatError::BadMagic);
    }
    let version =
        *bytes.get(MAGIC.len()).ok_or(FormatError::Truncated { expected: PREFIX_LEN, found: bytes.len() })?;
    if version != FORMAT_VERSION {
        return Err(FormatError::UnsupportedVersion { found: version });
    }
    let type_byte = *bytes
        .get(PREFIX_LEN)
        .ok_or(FormatError::Truncated { expected: COMMON_HEADER_LEN, found: bytes.len() })?;
    ObjectType::from_byte(type_byte).ok_or(Malformation::UnknownObjectType(type_byte).into())
}

/// Checks the exact total length, then the checksum trailer, and returns the body before it.
pub(crate) fn verify_length_and_checksum(bytes: &[u8], expected_len: usize) -> Result<&[u8], FormatError> {
    if bytes.len() < expected_len {
        return Err(FormatError::Truncated { expected: expected_len, found: bytes.len() });
    }
    if bytes.len() > expected_len {
        return Err(Malformation::TrailingBytes { expected: expected_len, found: bytes.len() }.into());
    }
    let body_len = expected_len
        .checked_sub(CHECKSUM_LEN)
        .ok_or(FormatError::Truncated { expected: CHECKSUM_LEN, found: bytes.len() })?;
    let (body, stored) = bytes.split_at(body_len);
    // Not a secret comparison, but constant time costs nothing here.
    if bool::from(checksum(body).ct_eq(stored)) { Ok(body) } else { Err(FormatError::Corrupted) }
}

/// SHA-256 over everything before the trailer.
pub(crate) fn checksum(body: &[u8]) -> [u8; CHECKSUM_LEN] {
    Sha256::digest(body).into()
}

/// Sequential big-endian reader over a slice. Every read is bounds-checked and returns `None`
/// instead of panicking; nothing is allocated.
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn take(&mut self, len: usize) -> Option<&'a [u8]> {
        if len > self.rest.len() {
            return None;
        }
        let (head, tail) = self.rest.split_at(len);
        self.rest = tail;
        Some(head)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }

    pub(crate) fn u8(&mut self) -> Option<u8> {
        self.array::<1>().map(|[byte]| byte)
    }

    pub(crate) fn u16(&mut self) -> Option<u16> {
        self.array().map(u16::from_be_bytes)
    }

    pub(crate) fn u32(&mut self) -> Option<u32> {
        self.array().map(u32::from_be_bytes)
    }

    pub(crate) fn u64(&mut self) -> Option<u64> {
        self.array().map(u64::from_be_bytes)
    }

    pub(crate) fn remaining(&self) -> &'a [u8] {
        self.rest
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_errors_in_contract_order() {
        assert_eq!(parse_object_type(b""), Err(FormatError::Truncated { expected: 6, found: 0 }));
        assert_eq!(parse_object_type(b"CAI"), Err(FormatError::Truncated { expected: 6, found: 3 }));
        assert_eq!(parse_object_type(b"CAX"), Err(FormatError::BadMagic));
        assert_eq!(parse_object_type(b"XAIRN\x01\x01"), Err(FormatError::BadMagic));
        assert_eq!(parse_object_type(b"CAIRN"), Err(FormatError::Truncated { expected: 6, found: 5 }));
        assert_eq!(parse_object_type(b"CAIRN\x02"), Err(FormatError::UnsupportedVersion { found: 2 }));
        assert_eq!(parse_object_type(b"CAIRN\x00junk"), Err(FormatError::UnsupportedVersion { found: 0 }));
        assert_eq!(parse_object_type(b"CAIRN\x01"), Err(FormatError::Truncated { expected: 7, found: 6 }));
        assert_eq!(
            parse_object_type(b"CAIRN\x01\x03"),
            Err(FormatError::Malformed(Malformation::UnknownObjectType(3)))
        );
        assert_eq!(parse_object_type(b"CAIRN\x01\x01"), Ok(ObjectType::Epoch));
        assert_eq!(parse_object_type(b"CAIRN\x01\x02"), Ok(ObjectType::Record));
    }

    #[test]
    fn reader_never_reads_past_the_end() {
        let mut reader = Reader::new(&[1, 2, 3]);
        assert_eq!(reader.u16(), Some(0x0102));
        assert_eq!(reader.u16(), None);
        assert_eq!(reader.u8(), Some(3));
        assert_eq!(reader.u8(), None);
        assert_eq!(reader.take(usize::MAX), None);
        assert!(reader.remaining().is_empty());
    }
}
