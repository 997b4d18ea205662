//! The record plaintext: what a wallet backup contains, its canonical encoding, and padding.
//!
//! Layout (all integers big-endian; docs/FORMAT.md §6 is normative):
//!
//! ```text
//! identity  kind u8 = 1 (mnemonic): language u8, entropy_len u8, entropy,
//!                                   passphrase_len u16, passphrase (NFKD UTF-8),
//!                                   fingerprint_flag u8, [fingerprint 4]
//!           kind u8 = 2 (private key): key_kind u8, kind_label_len u8, kind_label,
//!                                   encoding u8, [wif_version u8, wif_compressed u8],
//!                                   key_len u16, key
//! metadata  updated_at u64, label_len u16, label, hint_count u8, (hint_len u8, hint)*
//! padding   zero bytes up to 256 << k for the smallest k in 0..=4 that fits
//! ```
//!
//! The identity section is the wallet's identity: it is exactly what the record id is a keyed
//! hash of, so re-backing-up the same wallet gives the same record id while renaming it (a
//! metadata change) does not create a second record.

use core::fmt;

use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroizing;

use super::error::{Field, PlaintextError};
use super::wire::Reader;
use crate::bip32::Fingerprint;
use crate::mnemonic::{Language, Mnemonic};
use crate::private_key::{
    KeyEncoding, KindLabel, MAX_LABEL_BYTES, MAX_OPAQUE_KEY_BYTES, PrivateKey, PrivateKeyKind, WifNetwork,
};
use crate::secret::SecretString;

/// Longest BIP39 passphrase in bytes, after NFKD normalisation.
pub const MAX_PASSPHRASE_LEN: usize = 1024;
/// Longest wallet label in bytes (UTF-8).
pub const MAX_LABEL_LEN: usize = 256;
/// Most chain hints per record.
pub const MAX_CHAIN_HINTS: usize = 16;
/// Longest chain hint in bytes (printable ASCII, e.g. a CAIP-2 chain id).
pub const MAX_CHAIN_HINT_LEN: usize = 64;
/// Smallest padding bucket (class 0); class k pads to `MIN_BUCKET << k`.
pub const MIN_BUCKET: usize = 256;
/// Largest padding class.
pub const MAX_PADDING_CLASS: u8 = 4;
/// Largest padded plaintext.
pub const MAX_PADDED_LEN: usize = MIN_BUCKET << MAX_PADDING_CLASS;

const KIND_MNEMONIC: u8 = 1;
const KIND_PRIVATE_KEY: u8 = 2;

const KEY_KIND_SECP256K1: u8 = 1;
const KEY_KIND_RAW32: u8 = 2;
const KEY_KIND_OPAQUE: u8 = 3;

const ENCODING_HEX: u8 = 1;
const ENCODING_WIF: u8 = 2;
const ENCODING_TEXT: u8 = 3;

const WIF_MAINNET: u8 = 0x80;
const WIF_TESTNET: u8 = 0xEF;

/// A BIP39 mnemonic as backed up: the mnemonic (language and entropy), the optional BIP39
/// passphrase, and the optional BIP32 master-key fingerprint of the seed (with the passphrase),
/// which lets a restore check a passphrase the user types when it was not backed up.
#[derive(Clone, PartialEq, Eq)]
pub struct MnemonicSecret {
    mnemonic: Mnemonic,
    passphrase: Option<SecretString>,
    fingerprint: Option<Fingerprint>,
}

impl MnemonicSecret {
    /// The mnemonic.
    pub fn mnemonic(&self) -> &Mnemonic {
        &self.mnemonic
    }

    /// The stored BIP39 passphrase (NFKD), if the app chose to back it up.
    pub fn expose_passphrase(&self) -> Option<&str> {
        self.passphrase.as_ref().map(SecretString::expose_str)
    }

    /// The master-key fingerprint of the seed (with the passphrase), if recorded.
    pub fn fingerprint(&self) -> Option<Fingerprint> {
        self.fingerprint
    }
}

/// The secret a record backs up. Its canonical encoding is the wallet's identity.
#[derive(Clone, PartialEq, Eq)]
pub enum WalletSecret {
    /// A BIP39 mnemonic.
    Mnemonic(MnemonicSecret),
    /// A raw private key.
    PrivateKey(PrivateKey),
}

impl WalletSecret {
    /// A mnemonic wallet. The passphrase is NFKD-normalised (as BIP39 does before using it);
    /// an empty passphrase is the same as none. Whether to store the passphrase is the app's
    /// choice; storing it or not gives different record ids (docs/FORMAT.md §7).
    pub fn mnemonic(
        mnemonic: Mnemonic,
        passphrase: Option<SecretString>,
        fingerprint: Option<Fingerprint>,
    ) -> Result<Self, PlaintextError> {
        let passphrase = passphrase.filter(|p| !p.is_empty()).map(nfkd_secret);
        if let Some(p) = &passphrase {
            check_len(Field::Passphrase, p.len(), MAX_PASSPHRASE_LEN)?;
        }
        Ok(Self::Mnemonic(MnemonicSecret { mnemonic, passphrase, fingerprint }))
    }

    /// A private-key wallet.
    pub fn private_key(key: PrivateKey) -> Self {
        Self::PrivateKey(key)
    }

    /// Appends the canonical identity encoding (the plaintext's first section).
    pub(crate) fn encode_identity(&self, out: &mut Vec<u8>) {
        match self {
            Self::Mnemonic(m) => {
                out.push(KIND_MNEMONIC);
                out.push(m.mnemonic.language().code());
                push_u8_len(out, m.mnemonic.expose_entropy().expose_bytes());
                let passphrase = m.passphrase.as_ref().map_or(&[][..], |p| p.expose_str().as_bytes());
                push_u16_len(out, passphrase);
                match m.fingerprint {
                    Some(fingerprint) => {
                        out.push(1);
                        out.extend_from_slice(&fingerprint.to_bytes());
                    }
                    None => out.push(0),
                }
            }
            Self::PrivateKey(key) => {
                out.push(KIND_PRIVATE_KEY);
                let (key_kind, label) = match key.kind() {
                    PrivateKeyKind::Secp256k1 => (KEY_KIND_SECP256K1, ""),
                    PrivateKeyKind::Raw32(label) => (KEY_KIND_RAW32, label.as_str()),
                    PrivateKeyKind::Opaque(label) => (KEY_KIND_OPAQUE, label.as_str()),
                };
                out.push(key_kind);
                push_u8_len(out, label.as_bytes());
                match key.encoding() {
                    KeyEncoding::Hex => out.push(ENCODING_HEX),
                    KeyEncoding::Wif { network, compressed } => {
                        out.push(ENCODING_WIF);
                        out.push(match network {
                            WifNetwork::Mainnet => WIF_MAINNET,
                            WifNetwork::Testnet => WIF_TESTNET,
                        });
                        out.push(u8::from(compressed));
                    }
                    KeyEncoding::Text => out.push(ENCODING_TEXT),
                }
                push_u16_len(out, key.expose_bytes());
            }
        }
    }

    fn encoded_identity_len(&self) -> usize {
        match self {
            Self::Mnemonic(m) => {
                // kind, language, entropy length byte, entropy, passphrase length, passphrase,
                // fingerprint flag and fingerprint.
                3 + m.mnemonic.word_count().entropy_bytes()
                    + 2
                    + m.passphrase.as_ref().map_or(0, SecretString::len)
                    + if m.fingerprint.is_some() { 5 } else { 1 }
            }
            Self::PrivateKey(key) => {
                let label_len = match key.kind() {
                    PrivateKeyKind::Secp256k1 => 0,
                    other => other.label().len(),
                };
                let encoding_len = if matches!(key.encoding(), KeyEncoding::Wif { .. }) { 3 } else { 1 };
                2 + 1 + label_len + encoding_len + 2 + key.expose_bytes().len()
            }
        }
    }
}

impl fmt::Debug for WalletSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Mnemonic(_) => f.write_str("WalletSecret::Mnemonic([redacted])"),
            Self::PrivateKey(_) => f.write_str("WalletSecret::PrivateKey([redacted])"),
        }
    }
}

impl fmt::Debug for MnemonicSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MnemonicSecret([redacted])")
    }
}

/// Everything one record carries: the secret plus private metadata (label, chain hints, the
/// wallet's updated time). All of it is inside the ciphertext.
#[derive(Clone, PartialEq, Eq)]
pub struct RecordPlaintext {
    secret: WalletSecret,
    updated_at: u64,
    label: String,
    chain_hints: Vec<String>,
}

impl RecordPlaintext {
    /// Bundles a secret with its metadata, checking every bound.
    ///
    /// `updated_at` is when the wallet's backed-up content last changed, in seconds since the
    /// Unix epoch (0 if unknown); `chain_hints` are short printable-ASCII chain ids.
    pub fn new(
        secret: WalletSecret,
        label: String,
        chain_hints: Vec<String>,
        updated_at: u64,
    ) -> Result<Self, PlaintextError> {
        check_len(Field::Label, label.len(), MAX_LABEL_LEN)?;
        if chain_hints.len() > MAX_CHAIN_HINTS {
            return Err(PlaintextError::TooLong {
                field: Field::ChainHints,
                max: MAX_CHAIN_HINTS,
                found: chain_hints.len(),
            });
        }
        for hint in &chain_hints {
            check_chain_hint(hint.as_bytes())?;
        }
        Ok(Self { secret, updated_at, label, chain_hints })
    }

    /// The wallet secret (and so the wallet's identity).
    pub fn secret(&self) -> &WalletSecret {
        &self.secret
    }

    /// When the wallet's backed-up content last changed (Unix seconds, 0 if unknown).
    pub fn updated_at(&self) -> u64 {
        self.updated_at
    }

    /// The wallet's label (private: only inside the ciphertext).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Chain hints (e.g. CAIP-2 ids) the app attached.
    pub fn chain_hints(&self) -> &[String] {
        &self.chain_hints
    }

    fn encoded_len(&self) -> usize {
        self.secret.encoded_identity_len()
            + 8
            + 2
            + self.label.len()
            + 1
            + self.chain_hints.iter().map(|hint| 1 + hint.len()).sum::<usize>()
    }

    /// The padding class this plaintext is written with: the smallest that fits.
    pub(crate) fn padding_class(&self) -> u8 {
        let needed = self.encoded_len();
        (0..MAX_PADDING_CLASS).find(|&class| needed <= padded_len(class)).unwrap_or(MAX_PADDING_CLASS)
    }

    /// Canonical encoding padded with zeros to `padded_len(padding_class())`.
    pub(crate) fn encode_padded(&self) -> Zeroizing<Vec<u8>> {
        let padded = padded_len(self.padding_class());
        let mut out = Zeroizing::new(Vec::with_capacity(padded));
        self.secret.encode_identity(&mut out);
        out.extend_from_slice(&self.updated_at.to_be_bytes());
        push_u16_len(&mut out, self.label.as_bytes());
        // Bounded by MAX_CHAIN_HINTS (16) in `new`, so the count fits a byte.
        out.push(u8::try_from(self.chain_hints.len()).unwrap_or(u8::MAX));
        for hint in &self.chain_hints {
            push_u8_len(&mut out, hint.as_bytes());
        }
        let content_len = out.len();
        debug_assert_eq!(content_len, self.encoded_len(), "padding class computed from the wrong length");
        out.resize(padded.max(content_len), 0);
        out
    }

    /// Decodes a padded plaintext strictly: every field in bounds and canonical, padding zero.
    pub(crate) fn decode_padded(padded: &[u8]) -> Result<Self, PlaintextError> {
        if !(0..=MAX_PADDING_CLASS).any(|class| padded_len(class) == padded.len()) {
            return Err(PlaintextError::NotABucket(padded.len()));
        }
        let mut reader = Reader::new(padded);
        let secret = match reader.u8().ok_or(PlaintextError::Truncated(Field::SecretKind))? {
            KIND_MNEMONIC => decode_mnemonic(&mut reader)?,
            KIND_PRIVATE_KEY => decode_private_key(&mut reader)?,
            other => return Err(PlaintextError::UnknownSecretKind(other)),
        };
        let updated_at = reader.u64().ok_or(PlaintextError::Truncated(Field::UpdatedAt))?;
        let label_len = usize::from(reader.u16().ok_or(PlaintextError::Truncated(Field::Label))?);
        check_len(Field::Label, label_len, MAX_LABEL_LEN)?;
        let label =
            utf8(Field::Label, reader.take(label_len).ok_or(PlaintextError::Truncated(Field::Label))?)?;
        let hint_count = usize::from(reader.u8().ok_or(PlaintextError::Truncated(Field::ChainHints))?);
        if hint_count > MAX_CHAIN_HINTS {
            return Err(PlaintextError::TooLong {
                field: Field::ChainHints,
                max: MAX_CHAIN_HINTS,
                found: hint_count,
            });
        }
        let mut chain_hints = Vec::with_capacity(hint_count);
        for _ in 0..hint_count {
            let len = usize::from(reader.u8().ok_or(PlaintextError::Truncated(Field::ChainHint))?);
            let hint = reader.take(len).ok_or(PlaintextError::Truncated(Field::ChainHint))?;
            check_chain_hint(hint)?;
            chain_hints.push(utf8(Field::ChainHint, hint)?.to_owned());
        }
        if reader.remaining().iter().any(|&byte| byte != 0) {
            return Err(PlaintextError::NonZeroPadding);
        }
        Ok(Self { secret, updated_at, label: label.to_owned(), chain_hints })
    }
}

impl fmt::Debug for RecordPlaintext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordPlaintext")
            .field("secret", &self.secret)
            .field("updated_at", &self.updated_at)
            .field("label", &"[redacted]")
            .field("chain_hints", &self.chain_hints.len())
            .finish()
    }
}

/// Padded plaintext length of a padding class.
pub(crate) const fn padded_len(class: u8) -> usize {
    MIN_BUCKET << class
}

fn decode_mnemonic(reader: &mut Reader<'_>) -> Result<WalletSecret, PlaintextError> {
    let code = reader.u8().ok_or(PlaintextError::Truncated(Field::Language))?;
    let language = Language::from_code(code).ok_or(PlaintextError::UnknownLanguage(code))?;
    let entropy_len = usize::from(reader.u8().ok_or(PlaintextError::Truncated(Field::Entropy))?);
    let entropy = reader.take(entropy_len).ok_or(PlaintextError::Truncated(Field::Entropy))?;
    let mnemonic =
        Mnemonic::from_entropy(language, entropy).map_err(|_| PlaintextError::EntropyLength(entropy_len))?;
    let passphrase_len = usize::from(reader.u16().ok_or(PlaintextError::Truncated(Field::Passphrase))?);
    check_len(Field::Passphrase, passphrase_len, MAX_PASSPHRASE_LEN)?;
    let passphrase = reader.take(passphrase_len).ok_or(PlaintextError::Truncated(Field::Passphrase))?;
    let passphrase = utf8(Field::Passphrase, passphrase)?;
    if !unicode_normalization::is_nfkd(passphrase) {
        return Err(PlaintextError::PassphraseNotNfkd);
    }
    let fingerprint = match reader.u8().ok_or(PlaintextError::Truncated(Field::Fingerprint))? {
        0 => None,
        1 => Some(Fingerprint(reader.array::<4>().ok_or(PlaintextError::Truncated(Field::Fingerprint))?)),
        found => return Err(PlaintextError::BadFlag { field: Field::Fingerprint, found }),
    };
    let passphrase = (!passphrase.is_empty()).then(|| SecretString::new(passphrase.to_owned()));
    Ok(WalletSecret::Mnemonic(MnemonicSecret { mnemonic, passphrase, fingerprint }))
}

fn decode_private_key(reader: &mut Reader<'_>) -> Result<WalletSecret, PlaintextError> {
    let key_kind = reader.u8().ok_or(PlaintextError::Truncated(Field::KeyKind))?;
    let label_len = usize::from(reader.u8().ok_or(PlaintextError::Truncated(Field::KindLabel))?);
    check_len(Field::KindLabel, label_len, MAX_LABEL_BYTES)?;
    let label = reader.take(label_len).ok_or(PlaintextError::Truncated(Field::KindLabel))?;
    let label = utf8(Field::KindLabel, label)?;
    let kind = match key_kind {
        KEY_KIND_SECP256K1 if label.is_empty() => PrivateKeyKind::Secp256k1,
        KEY_KIND_SECP256K1 => return Err(PlaintextError::NonCanonical(Field::KindLabel)),
        KEY_KIND_RAW32 => PrivateKeyKind::Raw32(KindLabel::new(label)?),
        KEY_KIND_OPAQUE => PrivateKeyKind::Opaque(KindLabel::new(label)?),
        other => return Err(PlaintextError::UnknownKeyKind(other)),
    };
    let encoding = match reader.u8().ok_or(PlaintextError::Truncated(Field::KeyEncoding))? {
        ENCODING_HEX => KeyEncoding::Hex,
        ENCODING_WIF => {
            let network = match reader.u8().ok_or(PlaintextError::Truncated(Field::KeyEncoding))? {
                WIF_MAINNET => WifNetwork::Mainnet,
                WIF_TESTNET => WifNetwork::Testnet,
                found => return Err(PlaintextError::BadWifVersion(found)),
            };
            let compressed = match reader.u8().ok_or(PlaintextError::Truncated(Field::KeyEncoding))? {
                0 => false,
                1 => true,
                found => return Err(PlaintextError::BadFlag { field: Field::KeyEncoding, found }),
            };
            KeyEncoding::Wif { network, compressed }
        }
        ENCODING_TEXT => KeyEncoding::Text,
        other => return Err(PlaintextError::UnknownKeyEncoding(other)),
    };
    let key_len = usize::from(reader.u16().ok_or(PlaintextError::Truncated(Field::Key))?);
    check_len(Field::Key, key_len, MAX_OPAQUE_KEY_BYTES)?;
    let key_bytes = reader.take(key_len).ok_or(PlaintextError::Truncated(Field::Key))?;
    let key = PrivateKey::from_parts(kind, encoding, key_bytes)?;
    // `from_parts` keeps opaque text verbatim and 32-byte keys as given, so the stored bytes
    // are already canonical; refuse anything it would have changed.
    if !bool::from(key.expose_bytes().ct_eq(key_bytes)) {
        return Err(PlaintextError::NonCanonical(Field::Key));
    }
    Ok(WalletSecret::PrivateKey(key))
}

fn check_chain_hint(hint: &[u8]) -> Result<(), PlaintextError> {
    if hint.is_empty() {
        return Err(PlaintextError::Empty(Field::ChainHint));
    }
    check_len(Field::ChainHint, hint.len(), MAX_CHAIN_HINT_LEN)?;
    if hint.iter().all(|byte| (0x21..=0x7e).contains(byte)) {
        Ok(())
    } else {
        Err(PlaintextError::NotPrintableAscii(Field::ChainHint))
    }
}

fn check_len(field: Field, found: usize, max: usize) -> Result<(), PlaintextError> {
    if found > max { Err(PlaintextError::TooLong { field, max, found }) } else { Ok(()) }
}

fn utf8(field: Field, bytes: &[u8]) -> Result<&str, PlaintextError> {
    core::str::from_utf8(bytes).map_err(|_| PlaintextError::NotUtf8(field))
}

fn nfkd_secret(text: SecretString) -> SecretString {
    if unicode_normalization::is_nfkd(text.expose_str()) {
        return text;
    }
    // Pre-sized so the common case does not reallocate and strand a copy of the passphrase.
    let mut normalised = String::with_capacity(text.len() * 3);
    normalised.extend(text.expose_str().nfkd());
    SecretString::new(normalised)
}

/// Appends a length-prefixed (u8) field. Callers have bounded `bytes` to ≤ 255.
fn push_u8_len(out: &mut Vec<u8>, bytes: &[u8]) {
    out.push(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(bytes);
}

/// Appends a length-prefixed (u16 BE) field. Callers have bounded `bytes` to ≤ 65535.
fn push_u16_len(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&u16::try_from(bytes.len()).unwrap_or(u16::MAX).to_be_bytes());
    out.extend_from_slice(bytes);
}
