//! Typed errors of the backup format. None of them carries secret material: only lengths,
//! public identifiers, field names and codes that are part of the object's public header or
//! of the (already authenticated) plaintext structure.

use crate::kdf::KdfError;
use crate::private_key::PrivateKeyError;

use super::ObjectType;
use super::ids::EpochId;

/// Why an object could not be parsed, created or opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The bytes do not start with the Cairn magic: not a Cairn object at all.
    #[error("not a Cairn backup object (bad magic)")]
    BadMagic,
    /// Written by a different (usually newer) version of the format. Readers check this before
    /// anything version-specific, so a future object gives this error and never a parse failure.
    #[error("backup format version {found} is not supported by this reader (supports 1)")]
    UnsupportedVersion {
        /// The version byte found in the object.
        found: u8,
    },
    /// The object ends before its fixed layout does.
    #[error("backup object truncated: {found} bytes, at least {expected} expected")]
    Truncated {
        /// Length the layout needs (so far).
        expected: usize,
        /// Length actually present.
        found: usize,
    },
    /// A structural field holds a value this version does not allow.
    #[error("malformed backup object: {0}")]
    Malformed(#[from] Malformation),
    /// An epoch object was given where a record was expected, or the other way round.
    #[error("expected a {expected} object, found a {found} object")]
    WrongObjectType {
        /// What the caller asked for.
        expected: ObjectType,
        /// What the object says it is.
        found: ObjectType,
    },
    /// The epoch's KDF parameters exceed the hard bounds; refused before any KDF work.
    #[error("KDF parameters out of bounds: {reason}")]
    KdfParamsOutOfBounds {
        /// Which bound was violated.
        reason: &'static str,
    },
    /// The KDF could not run (allocation failure or a library error).
    #[error("key derivation failed: {0}")]
    Kdf(KdfError),
    /// The object's checksum does not match: it was damaged in storage or transit.
    #[error("backup object damaged (checksum mismatch)")]
    Corrupted,
    /// The password did not unwrap the epoch key. Because the checksum matched, the object is
    /// intact, so this is a wrong password or (indistinguishably) a deliberately forged wrap.
    #[error("wrong backup password")]
    WrongPassword,
    /// A record's ciphertext or header failed authentication under its epoch key although the
    /// object's checksum matched: deliberately modified, or written by a faulty implementation.
    #[error("backup record failed authentication")]
    AuthenticationFailed,
    /// The record belongs to a different epoch (a different backup password) than the one unlocked.
    #[error("record belongs to epoch {found}, not the unlocked epoch {expected}")]
    WrongEpoch {
        /// The unlocked epoch.
        expected: EpochId,
        /// The epoch named by the record.
        found: EpochId,
    },
    /// The record decrypted, but its id is not the id of the wallet it contains.
    #[error("record id does not match the wallet it contains")]
    RecordIdMismatch,
    /// The operating system's random number generator failed.
    #[error("system random number generator unavailable")]
    RandomUnavailable,
    /// A cryptographic primitive refused inputs that are valid by construction (a bug).
    #[error("cryptographic primitive failed: {0:?}")]
    Primitive(Primitive),
}

/// Which primitive failed in [`FormatError::Primitive`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Primitive {
    /// XChaCha20-Poly1305 encryption.
    AeadEncrypt,
    /// HKDF-SHA256 expansion.
    Hkdf,
    /// HMAC-SHA256 keying.
    Hmac,
}

/// A structural field that this version does not allow.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformation {
    /// The object-type byte is not one this version defines.
    #[error("unknown object type {0:#04x}")]
    UnknownObjectType(u8),
    /// The epoch's KDF identifier is not one this version defines.
    #[error("unknown KDF identifier {0:#04x}")]
    UnknownKdf(u8),
    /// The record's padding class is outside 0..=4.
    #[error("invalid padding class {0}")]
    BadPaddingClass(u8),
    /// Bytes follow the end of the object's layout.
    #[error("{found} bytes where the layout ends at {expected}")]
    TrailingBytes {
        /// Where the layout ends.
        expected: usize,
        /// Length actually present.
        found: usize,
    },
    /// The decrypted plaintext does not follow the plaintext layout.
    #[error("invalid record plaintext: {0}")]
    Plaintext(#[from] PlaintextError),
}

/// A field of the record plaintext that is missing, out of bounds or non-canonical.
///
/// Returned by the plaintext constructors (invalid input) and, wrapped in
/// [`Malformation::Plaintext`], when a decrypted record does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlaintextError {
    /// The secret-kind byte is not one this version defines.
    #[error("unknown secret kind {0:#04x}")]
    UnknownSecretKind(u8),
    /// The mnemonic language code is outside 0..=9.
    #[error("unknown mnemonic language code {0}")]
    UnknownLanguage(u8),
    /// Mnemonic entropy must be 16, 20, 24, 28 or 32 bytes.
    #[error("mnemonic entropy of {0} bytes (16, 20, 24, 28 or 32 allowed)")]
    EntropyLength(usize),
    /// The private-key kind byte is not one this version defines.
    #[error("unknown private key kind {0:#04x}")]
    UnknownKeyKind(u8),
    /// The private-key encoding byte is not one this version defines.
    #[error("unknown private key encoding {0:#04x}")]
    UnknownKeyEncoding(u8),
    /// A WIF version byte other than mainnet 0x80 or testnet 0xEF.
    #[error("unknown WIF version byte {0:#04x}")]
    BadWifVersion(u8),
    /// The private key, its label or its encoding is invalid (the message never contains
    /// any part of the key).
    #[error("invalid private key: {0}")]
    PrivateKey(#[from] PrivateKeyError),
    /// A field holds a value with a shorter or simpler canonical encoding.
    #[error("{0} is not canonically encoded")]
    NonCanonical(Field),
    /// A field is longer than its bound.
    #[error("{field} is {found} bytes, at most {max} allowed")]
    TooLong {
        /// Which field.
        field: Field,
        /// Bound in bytes (or entries, for chain hints).
        max: usize,
        /// Length found.
        found: usize,
    },
    /// A field that must not be empty is empty.
    #[error("{0} must not be empty")]
    Empty(Field),
    /// A text field is not valid UTF-8.
    #[error("{0} is not valid UTF-8")]
    NotUtf8(Field),
    /// A field restricted to printable ASCII contains another byte.
    #[error("{0} must be printable ASCII")]
    NotPrintableAscii(Field),
    /// The BIP39 passphrase is not in Unicode NFKD form (writers must normalise it).
    #[error("BIP39 passphrase is not NFKD-normalised")]
    PassphraseNotNfkd,
    /// A presence flag is neither 0 nor 1.
    #[error("{field} presence flag is {found}, must be 0 or 1")]
    BadFlag {
        /// Which field.
        field: Field,
        /// Value found.
        found: u8,
    },
    /// The plaintext ends inside a field.
    #[error("plaintext ends inside {0}")]
    Truncated(Field),
    /// Padding after the last field is not all zero bytes.
    #[error("padding is not all zero bytes")]
    NonZeroPadding,
    /// The padded plaintext is not one of the padding bucket sizes.
    #[error("padded plaintext of {0} bytes is not a padding bucket size")]
    NotABucket(usize),
}

/// Names of plaintext fields, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The secret-kind byte.
    SecretKind,
    /// The mnemonic language code.
    Language,
    /// The mnemonic entropy.
    Entropy,
    /// The BIP39 passphrase.
    Passphrase,
    /// The master-key fingerprint.
    Fingerprint,
    /// The private key's kind byte.
    KeyKind,
    /// The private key's chain/kind label.
    KindLabel,
    /// The private key's encoding (byte and WIF details).
    KeyEncoding,
    /// The private key bytes.
    Key,
    /// The wallet's updated time.
    UpdatedAt,
    /// The wallet label.
    Label,
    /// The chain-hint list.
    ChainHints,
    /// One chain hint.
    ChainHint,
}

impl core::fmt::Display for Field {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            Self::SecretKind => "secret kind",
            Self::Language => "language code",
            Self::Entropy => "entropy",
            Self::Passphrase => "BIP39 passphrase",
            Self::Fingerprint => "fingerprint",
            Self::KeyKind => "key kind",
            Self::KindLabel => "key kind label",
            Self::KeyEncoding => "key encoding",
            Self::Key => "private key",
            Self::UpdatedAt => "updated time",
            Self::Label => "label",
            Self::ChainHints => "chain hints",
            Self::ChainHint => "chain hint",
        })
    }
}

impl From<KdfError> for FormatError {
    fn from(err: KdfError) -> Self {
        match err {
            KdfError::OutOfBounds { reason } => Self::KdfParamsOutOfBounds { reason },
            other => Self::Kdf(other),
        }
    }
}

impl From<PlaintextError> for FormatError {
    fn from(err: PlaintextError) -> Self {
        Self::Malformed(Malformation::Plaintext(err))
    }
}

impl From<getrandom::Error> for FormatError {
    fn from(_: getrandom::Error) -> Self {
        Self::RandomUnavailable
    }
}
