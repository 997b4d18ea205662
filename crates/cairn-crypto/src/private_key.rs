//! Raw private keys: a typed secret for wallets that have no recovery phrase.
//!
//! Three inputs are understood:
//! - 32 bytes as 64 hexadecimal characters (optionally prefixed `0x`), for secp256k1 keys
//!   (checked to be a valid scalar) and for other 32-byte keys such as ed25519 seeds;
//! - WIF (Base58Check, mainnet `0x80` or testnet `0xEF`, optional compressed flag), for
//!   secp256k1 keys;
//! - opaque text for anything else (a Solana keypair, a chain-specific encoding), kept verbatim
//!   under a chain/kind label.
//!
//! Errors say what was wrong in general terms only: never a character, a position or a length
//! of the secret, which could leak part of it into logs.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::base58;
use crate::secret::{SecretBytes, SecretString};

/// Longest opaque key text accepted, in bytes. Generous for any chain's key encoding (a
/// Base58 Solana keypair is 88 characters), small enough to bound everything downstream.
pub const MAX_OPAQUE_KEY_BYTES: usize = 1024;

/// Longest kind label, in bytes.
pub const MAX_LABEL_BYTES: usize = 32;

/// Longest WIF text considered (WIF is 51 or 52 characters).
const MAX_WIF_CHARS: usize = 64;

/// The secp256k1 group order n, big-endian.
const SECP256K1_ORDER: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0xBA,
    0xAE, 0xDC, 0xE6, 0xAF, 0x48, 0xA0, 0x3B, 0xBF, 0xD2, 0x5E, 0x8C, 0xD0, 0x36, 0x41, 0x41,
];

const WIF_MAINNET: u8 = 0x80;
const WIF_TESTNET: u8 = 0xEF;
const WIF_COMPRESSED_FLAG: u8 = 0x01;

/// Why a private key or label was refused. Texts never contain any part of the input secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PrivateKeyError {
    /// Nothing but whitespace was given.
    #[error("the private key is empty")]
    Empty,
    /// Hex input that is not exactly 64 hexadecimal characters (32 bytes).
    #[error("a hex private key must be exactly 64 hexadecimal characters (32 bytes)")]
    BadHexLength,
    /// Input with a `0x` prefix contains a character that is not hexadecimal.
    #[error("the hex private key contains a character that is not hexadecimal")]
    InvalidHex,
    /// For secp256k1: the value is zero or not below the curve order.
    #[error("the value is not a valid secp256k1 private key (zero or too large)")]
    InvalidScalar,
    /// Neither 64 hex characters nor a Base58 WIF string.
    #[error("not a private key: expected 64 hex characters or a WIF string")]
    UnrecognisedFormat,
    /// The WIF checksum does not match (a typo or truncated copy).
    #[error("the WIF private key's checksum does not match; check for a typo")]
    BadWifChecksum,
    /// WIF decoded to the wrong number of bytes or a bad compression flag.
    #[error("the WIF private key has the wrong length")]
    BadWifLength,
    /// WIF version byte other than mainnet 0x80 or testnet 0xEF.
    #[error("the WIF private key's version byte is neither mainnet (0x80) nor testnet (0xEF)")]
    UnknownWifVersion,
    /// Opaque key text longer than [`MAX_OPAQUE_KEY_BYTES`].
    #[error("the private key text is longer than {max_bytes} bytes")]
    TooLong {
        /// The limit.
        max_bytes: usize,
    },
    /// A kind label must be 1–32 characters of `a-z`, `0-9`, `.`, `_`, `-`.
    #[error("a key kind label must be 1 to 32 characters of a-z, 0-9, '.', '_' or '-'")]
    BadLabel,
    /// `secp256k1` is reserved for [`PrivateKeyKind::Secp256k1`].
    #[error("the label 'secp256k1' is reserved for secp256k1 keys")]
    ReservedLabel,
}

/// A chain/kind label such as `ed25519`, `solana` or `stellar` (not secret).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KindLabel(String);

impl KindLabel {
    /// Validates a label: 1–32 bytes of lower-case ASCII letters, digits, `.`, `_` or `-`;
    /// `secp256k1` is reserved for [`PrivateKeyKind::Secp256k1`].
    pub fn new(label: &str) -> Result<KindLabel, PrivateKeyError> {
        let valid_char =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-');
        if label.is_empty() || label.len() > MAX_LABEL_BYTES || !label.chars().all(valid_char) {
            return Err(PrivateKeyError::BadLabel);
        }
        if label == SECP256K1_LABEL {
            return Err(PrivateKeyError::ReservedLabel);
        }
        Ok(KindLabel(label.to_owned()))
    }

    /// The label text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const SECP256K1_LABEL: &str = "secp256k1";

/// What the caller says the key is; decides which inputs are accepted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrivateKeyKind {
    /// A secp256k1 scalar (Bitcoin, Ethereum, …): 64 hex characters or WIF; must be in [1, n-1].
    Secp256k1,
    /// Any other 32-byte key (for example an ed25519 seed): 64 hex characters only.
    Raw32(KindLabel),
    /// Text kept verbatim (at most [`MAX_OPAQUE_KEY_BYTES`]), for encodings Cairn does not parse.
    Opaque(KindLabel),
}

impl PrivateKeyKind {
    /// The kind's label: `secp256k1`, or the caller's label.
    pub fn label(&self) -> &str {
        match self {
            PrivateKeyKind::Secp256k1 => SECP256K1_LABEL,
            PrivateKeyKind::Raw32(label) | PrivateKeyKind::Opaque(label) => label.as_str(),
        }
    }
}

/// WIF network (from the version byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WifNetwork {
    /// Version byte 0x80.
    Mainnet,
    /// Version byte 0xEF (testnet, signet, regtest).
    Testnet,
}

/// How the key was written, so it can be given back the way the user knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyEncoding {
    /// 64 hexadecimal characters.
    Hex,
    /// Wallet Import Format.
    Wif {
        /// Mainnet or testnet version byte.
        network: WifNetwork,
        /// Whether the key is marked for compressed public keys.
        compressed: bool,
    },
    /// Opaque text, stored as given.
    Text,
}

/// A raw private key with its kind and original encoding.
///
/// Wiped on drop, `Debug` prints only kind-independent metadata, no `Display`, equality in
/// constant time over the key bytes (plus kind and encoding, which are not secret).
#[derive(Clone)]
pub struct PrivateKey {
    kind: PrivateKeyKind,
    encoding: KeyEncoding,
    /// 32 bytes for `Secp256k1` and `Raw32`; the UTF-8 text for `Opaque`.
    bytes: SecretBytes,
}

impl PrivateKey {
    /// Parses `input` as a key of `kind`.
    ///
    /// For hex and WIF, surrounding whitespace is ignored (it can never be part of either); opaque
    /// text is kept exactly as given, except that all-whitespace input is refused as empty.
    pub fn parse(input: &str, kind: PrivateKeyKind) -> Result<PrivateKey, PrivateKeyError> {
        if input.trim().is_empty() {
            return Err(PrivateKeyError::Empty);
        }
        match kind {
            PrivateKeyKind::Secp256k1 => parse_secp256k1(input.trim()),
            PrivateKeyKind::Raw32(_) => {
                let bytes = decode_hex32(input.trim())?;
                Ok(PrivateKey {
                    kind,
                    encoding: KeyEncoding::Hex,
                    bytes: SecretBytes::copy_from(bytes.as_slice()),
                })
            }
            PrivateKeyKind::Opaque(_) => {
                if input.len() > MAX_OPAQUE_KEY_BYTES {
                    return Err(PrivateKeyError::TooLong { max_bytes: MAX_OPAQUE_KEY_BYTES });
                }
                Ok(PrivateKey {
                    kind,
                    encoding: KeyEncoding::Text,
                    bytes: SecretBytes::copy_from(input.as_bytes()),
                })
            }
        }
    }

    /// Rebuilds a key from stored parts (for example a decrypted backup record), validating them
    /// exactly as [`PrivateKey::parse`] would.
    pub fn from_parts(
        kind: PrivateKeyKind,
        encoding: KeyEncoding,
        bytes: &[u8],
    ) -> Result<PrivateKey, PrivateKeyError> {
        match (&kind, encoding) {
            (PrivateKeyKind::Secp256k1, KeyEncoding::Hex | KeyEncoding::Wif { .. })
            | (PrivateKeyKind::Raw32(_), KeyEncoding::Hex) => {
                let key: &[u8; 32] = bytes.try_into().map_err(|_| PrivateKeyError::BadHexLength)?;
                if kind == PrivateKeyKind::Secp256k1 && !is_valid_secp256k1_scalar(key) {
                    return Err(PrivateKeyError::InvalidScalar);
                }
                Ok(PrivateKey { kind, encoding, bytes: SecretBytes::copy_from(key) })
            }
            (PrivateKeyKind::Opaque(_), KeyEncoding::Text) => {
                let text = core::str::from_utf8(bytes).map_err(|_| PrivateKeyError::UnrecognisedFormat)?;
                PrivateKey::parse(text, kind)
            }
            _ => Err(PrivateKeyError::UnrecognisedFormat),
        }
    }

    /// The kind the key was parsed as.
    pub fn kind(&self) -> &PrivateKeyKind {
        &self.kind
    }

    /// The chain/kind label (`secp256k1` or the caller's label).
    pub fn label(&self) -> &str {
        self.kind.label()
    }

    /// How the key was written.
    pub fn encoding(&self) -> KeyEncoding {
        self.encoding
    }

    /// The canonical key bytes: the 32-byte key for hex and WIF input, the UTF-8 text for opaque
    /// keys.
    pub fn expose_bytes(&self) -> &[u8] {
        self.bytes.expose_bytes()
    }

    /// The key written the way it was given: lower-case hex without `0x`, WIF with the same
    /// network and compression flag, or the opaque text. Parsing this with the same kind gives
    /// an equal key.
    pub fn expose_text(&self) -> SecretString {
        let bytes = self.bytes.expose_bytes();
        match self.encoding {
            KeyEncoding::Hex => {
                let mut text = String::with_capacity(bytes.len() * 2);
                for &byte in bytes {
                    text.push(hex_digit(byte >> 4));
                    text.push(hex_digit(byte & 0x0f));
                }
                SecretString::new(text)
            }
            KeyEncoding::Wif { network, compressed } => {
                let mut payload = Zeroizing::new(Vec::with_capacity(34));
                payload.push(match network {
                    WifNetwork::Mainnet => WIF_MAINNET,
                    WifNetwork::Testnet => WIF_TESTNET,
                });
                payload.extend_from_slice(bytes);
                if compressed {
                    payload.push(WIF_COMPRESSED_FLAG);
                }
                SecretString::new(base58::encode_check(&payload).as_str().to_owned())
            }
            KeyEncoding::Text => SecretString::new(String::from_utf8_lossy(bytes).into_owned()),
        }
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Kind and encoding are not secret, but labels may hint at holdings; print neither.
        f.write_str("PrivateKey([redacted])")
    }
}

impl ConstantTimeEq for PrivateKey {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        let same_metadata = self.kind == other.kind && self.encoding == other.encoding;
        subtle::Choice::from(u8::from(same_metadata)) & self.bytes.ct_eq(&other.bytes)
    }
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}
impl Eq for PrivateKey {}

fn parse_secp256k1(input: &str) -> Result<PrivateKey, PrivateKeyError> {
    let has_prefix = input.starts_with("0x") || input.starts_with("0X");
    let looks_hex = input.bytes().all(|b| b.is_ascii_hexdigit());
    let (key, encoding) =
        if has_prefix || looks_hex { (decode_hex32(input)?, KeyEncoding::Hex) } else { decode_wif(input)? };
    if !is_valid_secp256k1_scalar(&key) {
        return Err(PrivateKeyError::InvalidScalar);
    }
    Ok(PrivateKey {
        kind: PrivateKeyKind::Secp256k1,
        encoding,
        bytes: SecretBytes::copy_from(key.as_slice()),
    })
}

/// 64 hex characters (optional `0x`) → 32 bytes. Never reports which character was bad.
fn decode_hex32(input: &str) -> Result<Zeroizing<[u8; 32]>, PrivateKeyError> {
    let digits = input.strip_prefix("0x").or_else(|| input.strip_prefix("0X")).unwrap_or(input);
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(if digits.len() == 64 {
            PrivateKeyError::InvalidHex
        } else {
            PrivateKeyError::BadHexLength
        });
    }
    if digits.len() != 64 {
        return Err(PrivateKeyError::BadHexLength);
    }
    let mut key = Zeroizing::new([0u8; 32]);
    for (byte, pair) in key.iter_mut().zip(digits.as_bytes().chunks_exact(2)) {
        if let [high, low] = pair {
            *byte = (hex_value(*high) << 4) | hex_value(*low);
        }
    }
    Ok(key)
}

/// Value of an ASCII hex digit already checked with `is_ascii_hexdigit`.
fn hex_value(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => 0,
    }
}

fn hex_digit(nibble: u8) -> char {
    char::from(b"0123456789abcdef".get(usize::from(nibble & 0x0f)).copied().unwrap_or(b'0'))
}

fn decode_wif(input: &str) -> Result<(Zeroizing<[u8; 32]>, KeyEncoding), PrivateKeyError> {
    let payload = base58::decode_check(input, MAX_WIF_CHARS).map_err(|error| match error {
        base58::Base58Error::InvalidCharacter | base58::Base58Error::TooLong { .. } => {
            PrivateKeyError::UnrecognisedFormat
        }
        base58::Base58Error::TooShort => PrivateKeyError::BadWifLength,
        base58::Base58Error::BadChecksum => PrivateKeyError::BadWifChecksum,
    })?;
    let (version, rest) = payload.split_first().ok_or(PrivateKeyError::BadWifLength)?;
    let network = match *version {
        WIF_MAINNET => WifNetwork::Mainnet,
        WIF_TESTNET => WifNetwork::Testnet,
        _ => return Err(PrivateKeyError::UnknownWifVersion),
    };
    let (key_bytes, compressed) = match rest {
        [key @ .., WIF_COMPRESSED_FLAG] if key.len() == 32 => (key, true),
        key if key.len() == 32 => (key, false),
        _ => return Err(PrivateKeyError::BadWifLength),
    };
    let mut key = Zeroizing::new([0u8; 32]);
    key.copy_from_slice(key_bytes);
    Ok((key, KeyEncoding::Wif { network, compressed }))
}

/// Whether `key` is in [1, n-1], compared without data-dependent branches.
fn is_valid_secp256k1_scalar(key: &[u8; 32]) -> bool {
    // Big-endian constant-time comparison: borrow of key - n tells whether key < n.
    let mut borrow: i16 = 0;
    for (&k, &n) in key.iter().rev().zip(SECP256K1_ORDER.iter().rev()) {
        let difference = i16::from(k) - i16::from(n) - borrow;
        borrow = (difference >> 8) & 1;
    }
    let below_order = subtle::Choice::from(borrow as u8);
    let is_zero = key.ct_eq(&[0u8; 32]);
    bool::from(below_order & !is_zero)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_bounds() {
        let mut order = SECP256K1_ORDER;
        assert!(!is_valid_secp256k1_scalar(&order));
        order[31] -= 1;
        assert!(is_valid_secp256k1_scalar(&order));
        assert!(!is_valid_secp256k1_scalar(&[0; 32]));
        let mut one = [0u8; 32];
        one[31] = 1;
        assert!(is_valid_secp256k1_scalar(&one));
        assert!(!is_valid_secp256k1_scalar(&[0xff; 32]));
    }
}
