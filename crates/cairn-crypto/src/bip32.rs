//! BIP32 master key from a BIP39 seed: just enough to show the master-key fingerprint (the 4-byte
//! value hardware wallets display) and to export the master `xprv`.
//!
//! The fingerprint is what lets a restore detect a mistyped BIP39 passphrase: every passphrase
//! gives a valid but different wallet, so the fingerprint saved at backup time is the only check.

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
use k256::elliptic_curve::point::AffineCoordinates;
use ripemd::Ripemd160;
use sha2::{Digest, Sha256, Sha512};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

use crate::base58;
use crate::secret::SecretString;

/// Length of a BIP39 seed in bytes.
pub const SEED_LEN: usize = 64;

/// SHA-512's block size: HMAC keys up to this length are used zero-padded, longer ones hashed.
const HMAC_SHA512_BLOCK: usize = 128;

/// Version bytes of a mainnet extended private key (`xprv`).
const XPRV_MAINNET_VERSION: [u8; 4] = [0x04, 0x88, 0xAD, 0xE4];

/// Length of a serialised extended key before Base58Check.
const EXTENDED_KEY_LEN: usize = 78;

/// Errors deriving the BIP32 master key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Bip32Error {
    /// HMAC-SHA512 gave a master secret that is zero or not below the curve order. BIP32 says
    /// such a seed is unusable; the odds are about 1 in 2^127.
    #[error("this seed gives an invalid BIP32 master key")]
    InvalidMasterKey,
}

/// A 64-byte BIP39 seed (the PBKDF2 output of mnemonic + passphrase).
///
/// Boxed so moves do not leave copies on the stack; wiped on drop.
#[derive(Clone)]
pub struct Seed(Box<[u8; SEED_LEN]>);

impl Seed {
    /// Wraps seed bytes, wiping the caller's array.
    pub fn from_bytes(mut bytes: [u8; SEED_LEN]) -> Self {
        let seed = Self(Box::new(bytes));
        bytes.zeroize();
        seed
    }

    /// A zeroed seed to be filled in place (avoids a stack copy of the seed).
    pub(crate) fn zeroed() -> Self {
        Self(Box::new([0u8; SEED_LEN]))
    }

    /// Mutable access for in-place derivation.
    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8; SEED_LEN] {
        &mut self.0
    }

    /// The seed bytes. Callers must not copy them into non-zeroizing storage.
    pub fn expose_bytes(&self) -> &[u8; SEED_LEN] {
        &self.0
    }

    /// The BIP32 master-key fingerprint: the first 4 bytes of HASH160 of the compressed master
    /// public key.
    pub fn master_fingerprint(&self) -> Result<Fingerprint, Bip32Error> {
        let master = MasterKey::from_seed(self)?;
        Ok(master.fingerprint())
    }

    /// The BIP32 master extended private key, serialised as a mainnet `xprv` (Base58Check).
    pub fn expose_master_xprv(&self) -> Result<SecretString, Bip32Error> {
        let master = MasterKey::from_seed(self)?;
        Ok(master.expose_xprv())
    }
}

impl Drop for Seed {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed([redacted])")
    }
}

impl ConstantTimeEq for Seed {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_slice().ct_eq(other.0.as_slice())
    }
}

impl PartialEq for Seed {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}
impl Eq for Seed {}

/// A BIP32 key fingerprint. Not secret: wallets show it to users.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 4]);

impl Fingerprint {
    /// The four bytes, most significant first (as BIP32 serialises them).
    pub const fn to_bytes(self) -> [u8; 4] {
        self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// A keyed HMAC-SHA512 that cannot fail: keys up to the block size are zero-padded (which is
/// what HMAC does with them anyway), longer keys are first hashed, as RFC 2104 specifies.
pub(crate) fn hmac_sha512(key: &[u8]) -> Hmac<Sha512> {
    let mut block: Zeroizing<hmac::digest::Key<Hmac<Sha512>>> = Zeroizing::new(Default::default());
    if key.len() <= HMAC_SHA512_BLOCK {
        if let Some(prefix) = block.get_mut(..key.len()) {
            prefix.copy_from_slice(key);
        }
    } else {
        let mut digest = Sha512::digest(key);
        if let Some(prefix) = block.get_mut(..digest.len()) {
            prefix.copy_from_slice(&digest);
        }
        digest.zeroize();
    }
    <Hmac<Sha512> as KeyInit>::new(&block)
}

/// The BIP32 master private key and chain code.
struct MasterKey {
    secret: k256::SecretKey,
    chain_code: Zeroizing<[u8; 32]>,
}

impl MasterKey {
    fn from_seed(seed: &Seed) -> Result<Self, Bip32Error> {
        let mut mac = hmac_sha512(b"Bitcoin seed");
        mac.update(seed.expose_bytes());
        let mut output = mac.finalize().into_bytes();
        let (secret_bytes, chain_bytes) = output.split_at(32);
        // `from_slice` rejects zero and values not below the curve order, as BIP32 requires.
        let secret = k256::SecretKey::from_slice(secret_bytes).map_err(|_| Bip32Error::InvalidMasterKey);
        let mut chain_code = Zeroizing::new([0u8; 32]);
        chain_code.copy_from_slice(chain_bytes);
        output.zeroize();
        Ok(Self { secret: secret?, chain_code })
    }

    fn fingerprint(&self) -> Fingerprint {
        let point = self.secret.public_key();
        let affine = point.as_affine();
        let mut compressed = [0u8; 33];
        compressed[0] = if bool::from(affine.y_is_odd()) { 0x03 } else { 0x02 };
        compressed[1..].copy_from_slice(&affine.x());
        let hash160 = Ripemd160::digest(Sha256::digest(compressed));
        let mut fingerprint = [0u8; 4];
        fingerprint.copy_from_slice(&hash160[..4]);
        Fingerprint(fingerprint)
    }

    fn expose_xprv(&self) -> SecretString {
        // version | depth | parent fingerprint | child number | chain code | 0x00 | key
        let mut serialised = Zeroizing::new([0u8; EXTENDED_KEY_LEN]);
        serialised[..4].copy_from_slice(&XPRV_MAINNET_VERSION);
        // depth 0, parent fingerprint 0, child number 0: already zero.
        serialised[13..45].copy_from_slice(self.chain_code.as_slice());
        let mut key_bytes = self.secret.to_bytes();
        serialised[46..].copy_from_slice(&key_bytes);
        key_bytes.zeroize();
        let text = base58::encode_check(serialised.as_slice());
        SecretString::new(text.as_str().to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_from_hex(hex_seed: &str) -> Seed {
        let bytes = hex::decode(hex_seed).expect("hex");
        Seed::from_bytes(bytes.try_into().expect("64 bytes"))
    }

    #[test]
    fn master_xprv_of_first_trezor_vector() {
        // BIP32's own vectors use 16..64-byte seeds; ours is always 64, so use the first BIP39
        // reference vector (all-zero entropy, passphrase "TREZOR").
        let seed = seed_from_hex(
            "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
        );
        let xprv = seed.expose_master_xprv().expect("valid master key");
        assert_eq!(
            xprv.expose_str(),
            "xprv9s21ZrQH143K3h3fDYiay8mocZ3afhfULfb5GX8kCBdno77K4HiA15Tg23wpbeF1pLfs1c5SPmYHrEpTuuRhxMwvKDwqdKiGJS9XFKzUsAF"
        );
        let fingerprint = seed.master_fingerprint().expect("valid master key");
        assert_eq!(fingerprint.to_string().len(), 8);
        assert_eq!(format!("{fingerprint:?}"), format!("Fingerprint({fingerprint})"));
    }

    #[test]
    fn hmac_matches_rfc4231_case_6() {
        // RFC 4231 test case 6: a 131-byte key, longer than the block, must be hashed first.
        let key = [0xaa; 131];
        let mut mac = hmac_sha512(&key);
        mac.update(b"Test Using Larger Than Block-Size Key - Hash Key First");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598"
        );
    }

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mut mac = hmac_sha512(b"Jefe");
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac.finalize().into_bytes()),
            "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"
        );
    }

    #[test]
    fn seed_debug_is_redacted() {
        let seed = Seed::from_bytes([0x5a; SEED_LEN]);
        let printed = format!("{seed:?}");
        assert_eq!(printed, "Seed([redacted])");
    }
}
