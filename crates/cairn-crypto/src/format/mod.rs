//! Backup format v1: epoch objects (one per backup password) and record objects (one per
//! wallet). `docs/FORMAT.md` is the normative byte-level specification; this module implements
//! it and `tests/vectors/format-v1.json` pins it.
//!
//! ```text
//! password ──NFC──► Argon2id(salt, m, t, p) ──► password key
//! password key ──XChaCha20-Poly1305(header as AAD)──► unwraps the random 256-bit epoch key
//! epoch key ──HKDF──► record-id key ──HMAC(wallet identity)──► record id
//! epoch key ──HKDF(record id)──► record key ──XChaCha20-Poly1305──► padded plaintext
//! ```
//!
//! Unwrapping the epoch key is the password check: there is no separate verifier. Every
//! object ends with a SHA-256 checksum of everything before it, which is not a security
//! measure (the AEAD is) but lets a reader tell accidental damage (`Corrupted`) from a wrong
//! password, which an AEAD failure alone cannot.

mod epoch;
mod error;
mod ids;
mod plaintext;
mod primitives;
mod record;
mod wire;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod vector_tests;

use core::fmt;

pub use epoch::{EPOCH_OBJECT_LEN, UnlockedEpoch, create_epoch, rewrap_epoch, unlock_epoch};
pub use error::{Field, FormatError, Malformation, PlaintextError, Primitive};
pub use ids::{EPOCH_ID_LEN, EpochId, ParseIdError, RECORD_ID_LEN, RecordId};
pub use plaintext::{
    MAX_CHAIN_HINT_LEN, MAX_CHAIN_HINTS, MAX_LABEL_LEN, MAX_PASSPHRASE_LEN, MnemonicSecret, RecordPlaintext,
    WalletSecret,
};
pub use record::{MAX_RECORD_LEN, MIN_RECORD_LEN};

use crate::kdf::KdfParams;

/// The first bytes of every Cairn object, in every version.
pub const MAGIC: [u8; 5] = *b"CAIRN";
/// The format version this module reads and writes.
pub const FORMAT_VERSION: u8 = 1;
/// No valid v1 object is longer than this; callers may refuse to download anything larger.
pub const MAX_OBJECT_LEN: usize = MAX_RECORD_LEN;

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectType {
    /// An epoch object: the wrapped epoch key of one backup password.
    Epoch,
    /// A record object: one wallet's encrypted backup.
    Record,
}

impl ObjectType {
    /// The object-type byte.
    pub const fn code(self) -> u8 {
        match self {
            Self::Epoch => 1,
            Self::Record => 2,
        }
    }

    /// The object type for a byte, if defined.
    pub const fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Self::Epoch),
            2 => Some(Self::Record),
            _ => None,
        }
    }
}

impl fmt::Display for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Epoch => "epoch",
            Self::Record => "record",
        })
    }
}

/// The public header of an epoch object, readable without the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EpochInfo {
    /// The epoch's id.
    pub epoch_id: EpochId,
    /// The KDF parameters (already checked against the hard bounds).
    pub kdf_params: KdfParams,
    /// When this password wrap was written (Unix seconds).
    pub created_at: u64,
}

/// The public header of a record object, readable without the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordInfo {
    /// The epoch the record belongs to.
    pub epoch_id: EpochId,
    /// The record's id (keyed hash of the wallet identity).
    pub record_id: RecordId,
    /// When the record was written (Unix seconds).
    pub created_at: u64,
    /// Size of the padded plaintext (256, 512, 1024, 2048 or 4096 bytes).
    pub padded_len: usize,
}

/// What [`inspect`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectInfo {
    /// An epoch object.
    Epoch(EpochInfo),
    /// A record object.
    Record(RecordInfo),
}

/// Reads an object's public header without any key: for inventory ("3 wallets in epoch X,
/// backed up on …"). Applies every structural check an unlock would (length, checksum, KDF
/// bounds), so an object that inspects cleanly fails later only for cryptographic reasons.
pub fn inspect(bytes: &[u8]) -> Result<ObjectInfo, FormatError> {
    match wire::parse_object_type(bytes)? {
        ObjectType::Epoch => epoch::parse(bytes).map(|parsed| ObjectInfo::Epoch(parsed.info())),
        ObjectType::Record => record::parse(bytes).map(|parsed| ObjectInfo::Record(parsed.info())),
    }
}

/// Deterministic entry points (explicit randomness) for known-answer tests and fuzzing.
/// Never use them to write real backups: nonces, salts and keys must be fresh and random.
#[cfg(feature = "insecure-test-kdf")]
#[doc(hidden)]
pub mod deterministic {
    use super::{EpochId, FormatError, RecordPlaintext, UnlockedEpoch};
    use crate::kdf::{KdfParams, SALT_LEN};
    use crate::password::BackupPassword;
    use crate::secret::Key256;

    /// `create_epoch` with the epoch id, epoch key, salt and nonce given.
    pub fn create_epoch(
        password: &BackupPassword,
        params: KdfParams,
        created_at: u64,
        epoch_id: EpochId,
        epoch_key: Key256,
        salt: [u8; SALT_LEN],
        nonce: [u8; 24],
    ) -> Result<(Vec<u8>, UnlockedEpoch), FormatError> {
        super::epoch::create_with(password, params, created_at, epoch_id, epoch_key, salt, nonce)
    }

    /// An unlocked epoch from its raw key, skipping the KDF (to fuzz record parsing).
    pub fn unlocked_epoch(epoch_id: EpochId, epoch_key: Key256) -> Result<UnlockedEpoch, FormatError> {
        UnlockedEpoch::from_parts(epoch_id, epoch_key)
    }

    /// `seal_record` with the nonce given.
    pub fn seal_record(
        epoch: &UnlockedEpoch,
        plaintext: &RecordPlaintext,
        created_at: u64,
        nonce: [u8; 24],
    ) -> Result<Vec<u8>, FormatError> {
        epoch.seal_record_with(plaintext, created_at, nonce)
    }

    /// Decodes a padded record plaintext on its own.
    pub fn decode_plaintext(padded: &[u8]) -> Result<RecordPlaintext, FormatError> {
        Ok(RecordPlaintext::decode_padded(padded)?)
    }

    /// Encodes a plaintext with its padding, as `seal_record` would before encrypting it.
    pub fn encode_plaintext(plaintext: &RecordPlaintext) -> Vec<u8> {
        plaintext.encode_padded().to_vec()
    }

    /// Appends the checksum trailer to an object body (so fuzzers reach the fields behind it).
    pub fn with_checksum(body: &[u8]) -> Vec<u8> {
        let mut object = body.to_vec();
        object.extend_from_slice(&super::wire::checksum(body));
        object
    }
}
