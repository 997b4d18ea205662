//! Record objects: one per wallet, encrypted under a per-record key derived from the epoch key.
//!
//! ```text
//! offset len  field
//!  0      5   magic "CAIRN"
//!  5      1   version = 1
//!  6      1   object type = 2 (record)
//!  7     16   epoch id
//! 23     32   record id = HMAC-SHA256(record-id key, identity)
//! 55      8   created_at      u64 BE (Unix seconds)
//! 63      1   padding class k (0..=4); padded plaintext P = 256 << k bytes
//! 64     24   nonce
//! 88   P+16   XChaCha20-Poly1305(record key, nonce, AAD = bytes 0..88, padded plaintext)
//! 104+P  32   checksum: SHA-256(bytes 0..104+P)
//! 136+P       end
//! ```

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::error::{FormatError, Malformation};
use super::ids::{EPOCH_ID_LEN, EpochId, RECORD_ID_LEN, RecordId};
use super::plaintext::{
    MAX_PADDED_LEN, MAX_PADDING_CLASS, MIN_BUCKET, RecordPlaintext, WalletSecret, padded_len,
};
use super::primitives::{self, NONCE_LEN, TAG_LEN};
use super::wire::{self, CHECKSUM_LEN, COMMON_HEADER_LEN, Reader};
use super::{FORMAT_VERSION, MAGIC, ObjectType, RecordInfo};
use crate::secret::Key256;

/// HKDF info of the record-id key.
pub(crate) const RECORD_ID_KEY_INFO: &[u8] = b"cairn/v1/record-id-key";
/// HKDF info prefix of a record key; the record id follows it.
pub(crate) const RECORD_KEY_INFO: &[u8] = b"cairn/v1/record-key";

const PADDING_CLASS_OFFSET: usize = COMMON_HEADER_LEN + EPOCH_ID_LEN + RECORD_ID_LEN + 8;
/// Header bytes, all of which are the record's associated data.
pub(crate) const RECORD_HEADER_LEN: usize = PADDING_CLASS_OFFSET + 1 + NONCE_LEN;
const RECORD_OVERHEAD: usize = RECORD_HEADER_LEN + TAG_LEN + CHECKSUM_LEN;
/// Length of the smallest v1 record (padding class 0).
pub const MIN_RECORD_LEN: usize = RECORD_OVERHEAD + MIN_BUCKET;
/// Length of the largest v1 record (padding class 4).
pub const MAX_RECORD_LEN: usize = RECORD_OVERHEAD + MAX_PADDED_LEN;

/// The record-id key: HKDF-SHA256(salt = epoch id, IKM = epoch key, info = "cairn/v1/record-id-key").
pub(crate) fn derive_record_id_key(epoch_key: &Key256, epoch_id: &EpochId) -> Result<Key256, FormatError> {
    primitives::hkdf_key(epoch_key, epoch_id.as_bytes(), &[RECORD_ID_KEY_INFO])
}

/// A record key: HKDF-SHA256(salt = epoch id, IKM = epoch key, info = "cairn/v1/record-key" ‖ record id).
pub(crate) fn derive_record_key(
    epoch_key: &Key256,
    epoch_id: &EpochId,
    record_id: &RecordId,
) -> Result<Key256, FormatError> {
    primitives::hkdf_key(epoch_key, epoch_id.as_bytes(), &[RECORD_KEY_INFO, record_id.as_bytes()])
}

/// HMAC-SHA256 of the wallet's canonical identity encoding under the record-id key.
pub(crate) fn record_id(record_id_key: &Key256, wallet: &WalletSecret) -> Result<RecordId, FormatError> {
    let mut identity = Zeroizing::new(Vec::with_capacity(MAX_PADDED_LEN));
    wallet.encode_identity(&mut identity);
    Ok(RecordId::from_bytes(primitives::hmac_sha256(record_id_key, &identity)?))
}

pub(crate) fn seal(
    epoch_key: &Key256,
    epoch_id: EpochId,
    record_id: RecordId,
    plaintext: &RecordPlaintext,
    created_at: u64,
    nonce: [u8; NONCE_LEN],
) -> Result<Vec<u8>, FormatError> {
    let padded = plaintext.encode_padded();
    seal_padded(epoch_key, epoch_id, record_id, plaintext.padding_class(), &padded, created_at, nonce)
}

/// Seals an already padded plaintext. Separate so tests can build records that a correct
/// writer never would (bad padding, mismatched ids) and check that readers refuse them.
pub(crate) fn seal_padded(
    epoch_key: &Key256,
    epoch_id: EpochId,
    record_id: RecordId,
    padding_class: u8,
    padded: &[u8],
    created_at: u64,
    nonce: [u8; NONCE_LEN],
) -> Result<Vec<u8>, FormatError> {
    let mut object = Vec::with_capacity(RECORD_OVERHEAD + padded.len());
    object.extend_from_slice(&MAGIC);
    object.push(FORMAT_VERSION);
    object.push(ObjectType::Record.code());
    object.extend_from_slice(epoch_id.as_bytes());
    object.extend_from_slice(record_id.as_bytes());
    object.extend_from_slice(&created_at.to_be_bytes());
    object.push(padding_class);
    object.extend_from_slice(&nonce);
    debug_assert_eq!(object.len(), RECORD_HEADER_LEN);

    let record_key = derive_record_key(epoch_key, &epoch_id, &record_id)?;
    let mut sealed = Vec::with_capacity(padded.len() + TAG_LEN);
    primitives::seal(&record_key, &nonce, &object, padded, &mut sealed)?;
    object.extend_from_slice(&sealed);
    let checksum = wire::checksum(&object);
    object.extend_from_slice(&checksum);
    Ok(object)
}

pub(crate) fn open(
    epoch_key: &Key256,
    record_id_key: &Key256,
    epoch_id: EpochId,
    bytes: &[u8],
) -> Result<RecordPlaintext, FormatError> {
    let parsed = parse(bytes)?;
    if parsed.epoch_id != epoch_id {
        return Err(FormatError::WrongEpoch { expected: epoch_id, found: parsed.epoch_id });
    }
    let record_key = derive_record_key(epoch_key, &epoch_id, &parsed.record_id)?;
    let padded = primitives::open(&record_key, &parsed.nonce, parsed.header, parsed.sealed)
        .ok_or(FormatError::AuthenticationFailed)?;
    let plaintext = RecordPlaintext::decode_padded(&padded)?;
    // Only a holder of the epoch key can produce a record that passes the AEAD, so a mismatch
    // here means a faulty writer, not an outside attacker; it is still refused.
    let expected = record_id(record_id_key, plaintext.secret())?;
    if bool::from(expected.as_bytes().ct_eq(parsed.record_id.as_bytes())) {
        Ok(plaintext)
    } else {
        Err(FormatError::RecordIdMismatch)
    }
}

/// A structurally valid record object, borrowed from its bytes.
pub(crate) struct ParsedRecord<'a> {
    pub(crate) epoch_id: EpochId,
    pub(crate) record_id: RecordId,
    pub(crate) created_at: u64,
    pub(crate) padded_len: usize,
    pub(crate) nonce: [u8; NONCE_LEN],
    /// Bytes 0..88: the record's associated data.
    pub(crate) header: &'a [u8],
    /// Ciphertext ‖ tag.
    pub(crate) sealed: &'a [u8],
}

impl ParsedRecord<'_> {
    pub(crate) fn info(&self) -> RecordInfo {
        RecordInfo {
            epoch_id: self.epoch_id,
            record_id: self.record_id,
            created_at: self.created_at,
            padded_len: self.padded_len,
        }
    }
}

/// Checks, in order: magic, version, object type, padding class, exact length, checksum.
pub(crate) fn parse(bytes: &[u8]) -> Result<ParsedRecord<'_>, FormatError> {
    let found = wire::parse_object_type(bytes)?;
    if found != ObjectType::Record {
        return Err(FormatError::WrongObjectType { expected: ObjectType::Record, found });
    }
    let padding_class = *bytes
        .get(PADDING_CLASS_OFFSET)
        .ok_or(FormatError::Truncated { expected: MIN_RECORD_LEN, found: bytes.len() })?;
    if padding_class > MAX_PADDING_CLASS {
        return Err(Malformation::BadPaddingClass(padding_class).into());
    }
    let padded_len = padded_len(padding_class);
    let total_len = RECORD_OVERHEAD + padded_len;
    let body = wire::verify_length_and_checksum(bytes, total_len)?;
    let truncated = FormatError::Truncated { expected: total_len, found: bytes.len() };
    let mut reader = Reader::new(body);
    reader.take(COMMON_HEADER_LEN).ok_or(truncated.clone())?;
    let epoch_id = EpochId::from_bytes(reader.array().ok_or(truncated.clone())?);
    let record_id = RecordId::from_bytes(reader.array().ok_or(truncated.clone())?);
    let created_at = reader.u64().ok_or(truncated.clone())?;
    reader.u8().ok_or(truncated.clone())?;
    let nonce = reader.array().ok_or(truncated.clone())?;
    let sealed = reader.remaining();
    let header = body.get(..RECORD_HEADER_LEN).ok_or(truncated)?;
    Ok(ParsedRecord { epoch_id, record_id, created_at, padded_len, nonce, header, sealed })
}
