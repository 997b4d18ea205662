//! Epoch objects: one per backup password, holding the random epoch key wrapped under the
//! password key.
//!
//! ```text
//! offset len  field
//!  0      5   magic "CAIRN"
//!  5      1   version = 1
//!  6      1   object type = 1 (epoch)
//!  7     16   epoch id
//! 23      1   KDF id = 1 (Argon2id v1.3)
//! 24      4   memory KiB      u32 BE
//! 28      4   iterations      u32 BE
//! 32      4   parallelism     u32 BE
//! 36     16   salt
//! 52      8   created_at      u64 BE (Unix seconds)
//! 60     24   nonce
//! 84     48   wrapped epoch key: XChaCha20-Poly1305(password key, nonce, AAD = bytes 0..84)
//! 132    32   checksum: SHA-256(bytes 0..132)
//! 164         end
//! ```

use core::fmt;

use super::error::FormatError;
use super::ids::{EPOCH_ID_LEN, EpochId, RecordId};
use super::plaintext::{RecordPlaintext, WalletSecret};
use super::primitives::{self, NONCE_LEN, TAG_LEN};
use super::record;
use super::wire::{self, CHECKSUM_LEN, COMMON_HEADER_LEN, Reader};
use super::{EpochInfo, FORMAT_VERSION, MAGIC, ObjectType};
use crate::kdf::{KdfParams, SALT_LEN, derive_password_key};
use crate::password::BackupPassword;
use crate::secret::Key256;

/// The only KDF of v1: Argon2id, version 0x13, 32-byte output.
const KDF_ARGON2ID_V13: u8 = 1;
const EPOCH_KEY_LEN: usize = 32;
/// Header bytes, all of which are the wrap's associated data.
pub(crate) const EPOCH_HEADER_LEN: usize =
    COMMON_HEADER_LEN + EPOCH_ID_LEN + 1 + 12 + SALT_LEN + 8 + NONCE_LEN;
const WRAPPED_KEY_LEN: usize = EPOCH_KEY_LEN + TAG_LEN;
/// Exact length of a v1 epoch object.
pub const EPOCH_OBJECT_LEN: usize = EPOCH_HEADER_LEN + WRAPPED_KEY_LEN + CHECKSUM_LEN;

/// An epoch whose key has been unwrapped (or just created): it can seal and open records.
///
/// Holds the epoch key and the derived record-id key, both wiped on drop.
#[derive(Clone)]
pub struct UnlockedEpoch {
    epoch_id: EpochId,
    epoch_key: Key256,
    record_id_key: Key256,
}

impl UnlockedEpoch {
    pub(crate) fn from_parts(epoch_id: EpochId, epoch_key: Key256) -> Result<Self, FormatError> {
        let record_id_key = record::derive_record_id_key(&epoch_key, &epoch_id)?;
        Ok(Self { epoch_id, epoch_key, record_id_key })
    }

    /// The epoch's public id.
    pub fn epoch_id(&self) -> EpochId {
        self.epoch_id
    }

    /// The record id a wallet has in this epoch: the same for every backup of the same wallet
    /// here, unrelated to its id in any other epoch.
    pub fn record_id_for(&self, wallet: &WalletSecret) -> Result<RecordId, FormatError> {
        record::record_id(&self.record_id_key, wallet)
    }

    /// Encrypts one wallet into a record object of this epoch with a fresh random nonce.
    pub fn seal_record(&self, plaintext: &RecordPlaintext, created_at: u64) -> Result<Vec<u8>, FormatError> {
        self.seal_record_with(plaintext, created_at, primitives::random_array()?)
    }

    pub(crate) fn seal_record_with(
        &self,
        plaintext: &RecordPlaintext,
        created_at: u64,
        nonce: [u8; NONCE_LEN],
    ) -> Result<Vec<u8>, FormatError> {
        let record_id = self.record_id_for(plaintext.secret())?;
        record::seal(&self.epoch_key, self.epoch_id, record_id, plaintext, created_at, nonce)
    }

    /// Authenticates and decrypts a record of this epoch.
    ///
    /// Errors: structural ones as for [`super::inspect`]; `WrongEpoch` if the record names
    /// another epoch; `AuthenticationFailed` if the header or ciphertext was altered;
    /// `Malformed` if the plaintext does not decode; `RecordIdMismatch` if the record's id is
    /// not its wallet's id here.
    pub fn open_record(&self, bytes: &[u8]) -> Result<RecordPlaintext, FormatError> {
        record::open(&self.epoch_key, &self.record_id_key, self.epoch_id, bytes)
    }

    #[cfg(test)]
    pub(crate) fn expose_epoch_key(&self) -> &Key256 {
        &self.epoch_key
    }

    #[cfg(test)]
    pub(crate) fn expose_record_id_key(&self) -> &Key256 {
        &self.record_id_key
    }
}

impl fmt::Debug for UnlockedEpoch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnlockedEpoch")
            .field("epoch_id", &self.epoch_id)
            .field("keys", &"[redacted]")
            .finish()
    }
}

/// Creates a new epoch: random epoch id and key, wrapped under `password` at `params`.
///
/// Returns the epoch object to store and the unlocked epoch to seal records with.
pub fn create_epoch(
    password: &BackupPassword,
    params: KdfParams,
    created_at: u64,
) -> Result<(Vec<u8>, UnlockedEpoch), FormatError> {
    let epoch_key = Key256::generate()?;
    create_with(
        password,
        params,
        created_at,
        EpochId::from_bytes(primitives::random_array()?),
        epoch_key,
        primitives::random_array()?,
        primitives::random_array()?,
    )
}

/// Unlocks an epoch object with a password. Parses and checks everything, including the KDF
/// parameters' hard bounds, before any KDF work.
///
/// `WrongPassword` means the object is intact (its checksum matched) but the password does not
/// unwrap it. A deliberately forged wrap with a recomputed checksum would look the same: AEAD
/// failure cannot tell the two apart, and both mean "this password does not open this epoch".
pub fn unlock_epoch(bytes: &[u8], password: &BackupPassword) -> Result<UnlockedEpoch, FormatError> {
    let parsed = parse(bytes)?;
    let password_key = derive_password_key(password, &parsed.salt, &parsed.kdf_params)?;
    let unwrapped = primitives::open(&password_key, &parsed.nonce, parsed.header, parsed.wrapped_key)
        .ok_or(FormatError::WrongPassword)?;
    let mut epoch_key = Key256::zeroed();
    // `open` returns exactly the 32 plaintext bytes of a 48-byte wrap.
    if unwrapped.len() != EPOCH_KEY_LEN {
        return Err(FormatError::WrongPassword);
    }
    epoch_key.as_mut_bytes().copy_from_slice(&unwrapped);
    UnlockedEpoch::from_parts(parsed.epoch_id, epoch_key)
}

/// Re-wraps an unlocked epoch's key under a new password (password change): same epoch id and
/// key, fresh salt and nonce, new parameters. Records are untouched and stay readable.
///
/// The old epoch object still opens with the old password; delete it once the new one is
/// stored and verified.
pub fn rewrap_epoch(
    epoch: &UnlockedEpoch,
    new_password: &BackupPassword,
    new_params: KdfParams,
    now: u64,
) -> Result<Vec<u8>, FormatError> {
    let (bytes, _) = create_with(
        new_password,
        new_params,
        now,
        epoch.epoch_id,
        epoch.epoch_key.clone(),
        primitives::random_array()?,
        primitives::random_array()?,
    )?;
    Ok(bytes)
}

/// Builds an epoch object from explicit randomness (shared by create, rewrap and the vectors).
pub(crate) fn create_with(
    password: &BackupPassword,
    params: KdfParams,
    created_at: u64,
    epoch_id: EpochId,
    epoch_key: Key256,
    salt: [u8; SALT_LEN],
    nonce: [u8; NONCE_LEN],
) -> Result<(Vec<u8>, UnlockedEpoch), FormatError> {
    let mut object = Vec::with_capacity(EPOCH_OBJECT_LEN);
    object.extend_from_slice(&MAGIC);
    object.push(FORMAT_VERSION);
    object.push(ObjectType::Epoch.code());
    object.extend_from_slice(epoch_id.as_bytes());
    object.push(KDF_ARGON2ID_V13);
    object.extend_from_slice(&params.memory_kib().to_be_bytes());
    object.extend_from_slice(&params.iterations().to_be_bytes());
    object.extend_from_slice(&params.parallelism().to_be_bytes());
    object.extend_from_slice(&salt);
    object.extend_from_slice(&created_at.to_be_bytes());
    object.extend_from_slice(&nonce);
    debug_assert_eq!(object.len(), EPOCH_HEADER_LEN);

    let password_key = derive_password_key(password, &salt, &params)?;
    let (header, _) = object.split_at(EPOCH_HEADER_LEN);
    let mut wrapped = Vec::with_capacity(WRAPPED_KEY_LEN);
    primitives::seal(&password_key, &nonce, header, epoch_key.expose_key_bytes(), &mut wrapped)?;
    object.extend_from_slice(&wrapped);
    let checksum = wire::checksum(&object);
    object.extend_from_slice(&checksum);
    Ok((object, UnlockedEpoch::from_parts(epoch_id, epoch_key)?))
}

/// A structurally valid epoch object, borrowed from its bytes.
pub(crate) struct ParsedEpoch<'a> {
    pub(crate) epoch_id: EpochId,
    pub(crate) kdf_params: KdfParams,
    pub(crate) salt: [u8; SALT_LEN],
    pub(crate) created_at: u64,
    pub(crate) nonce: [u8; NONCE_LEN],
    /// Bytes 0..84: the associated data of the wrap.
    pub(crate) header: &'a [u8],
    pub(crate) wrapped_key: &'a [u8],
}

impl ParsedEpoch<'_> {
    pub(crate) fn info(&self) -> EpochInfo {
        EpochInfo { epoch_id: self.epoch_id, kdf_params: self.kdf_params, created_at: self.created_at }
    }
}

/// Checks, in order: magic, version, object type, exact length, checksum, KDF id, KDF bounds.
pub(crate) fn parse(bytes: &[u8]) -> Result<ParsedEpoch<'_>, FormatError> {
    let found = wire::parse_object_type(bytes)?;
    if found != ObjectType::Epoch {
        return Err(FormatError::WrongObjectType { expected: ObjectType::Epoch, found });
    }
    let body = wire::verify_length_and_checksum(bytes, EPOCH_OBJECT_LEN)?;
    let truncated = FormatError::Truncated { expected: EPOCH_OBJECT_LEN, found: bytes.len() };
    let mut reader = Reader::new(body);
    reader.take(COMMON_HEADER_LEN).ok_or(truncated.clone())?;
    let epoch_id = EpochId::from_bytes(reader.array().ok_or(truncated.clone())?);
    let kdf_id = reader.u8().ok_or(truncated.clone())?;
    if kdf_id != KDF_ARGON2ID_V13 {
        return Err(super::error::Malformation::UnknownKdf(kdf_id).into());
    }
    let memory_kib = reader.u32().ok_or(truncated.clone())?;
    let iterations = reader.u32().ok_or(truncated.clone())?;
    let parallelism = reader.u32().ok_or(truncated.clone())?;
    let kdf_params = KdfParams::from_untrusted(memory_kib, iterations, parallelism)?;
    let salt = reader.array().ok_or(truncated.clone())?;
    let created_at = reader.u64().ok_or(truncated.clone())?;
    let nonce = reader.array().ok_or(truncated.clone())?;
    let wrapped_key = reader.take(WRAPPED_KEY_LEN).ok_or(truncated.clone())?;
    let header = body.get(..EPOCH_HEADER_LEN).ok_or(truncated)?;
    Ok(ParsedEpoch { epoch_id, kdf_params, salt, created_at, nonce, header, wrapped_key })
}
