//! The symmetric primitives of format v1, each used in exactly one way: XChaCha20-Poly1305 with
//! a 24-byte nonce and a 16-byte tag appended, HKDF-SHA256 with 32-byte outputs, HMAC-SHA256.
//! Plaintext buffers are zeroizing and pre-sized so encryption never reallocates (a reallocation
//! would leave an unwiped copy of the plaintext in freed memory).

use chacha20poly1305::aead::{AeadInOut, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::error::{FormatError, Primitive};
use crate::secret::Key256;

/// XChaCha20-Poly1305 nonce length.
pub(crate) const NONCE_LEN: usize = 24;
/// Poly1305 tag length.
pub(crate) const TAG_LEN: usize = 16;

fn cipher(key: &Key256) -> XChaCha20Poly1305 {
    // `Key` is a fixed 32-byte array type; the conversion from our array cannot fail.
    XChaCha20Poly1305::new(key.expose_key_bytes().into())
}

/// Encrypts `plaintext` and appends ciphertext‖tag to `out`.
pub(crate) fn seal(
    key: &Key256,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) -> Result<(), FormatError> {
    let mut buffer = Zeroizing::new(Vec::with_capacity(plaintext.len() + TAG_LEN));
    buffer.extend_from_slice(plaintext);
    cipher(key)
        .encrypt_in_place(&XNonce::from(*nonce), aad, &mut *buffer)
        .map_err(|_| FormatError::Primitive(Primitive::AeadEncrypt))?;
    out.extend_from_slice(&buffer);
    Ok(())
}

/// Authenticates and decrypts ciphertext‖tag. `None` if authentication fails (or the input is
/// shorter than a tag); the caller decides what that means.
pub(crate) fn open(
    key: &Key256,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    let mut buffer = Zeroizing::new(sealed.to_vec());
    cipher(key).decrypt_in_place(&XNonce::from(*nonce), aad, &mut *buffer).ok()?;
    Some(buffer)
}

/// HKDF-SHA256(salt, ikm = key) expanded with `info_parts` concatenated, to 32 bytes.
pub(crate) fn hkdf_key(key: &Key256, salt: &[u8], info_parts: &[&[u8]]) -> Result<Key256, FormatError> {
    let hkdf = Hkdf::<Sha256>::new(Some(salt), key.expose_key_bytes());
    let mut derived = Key256::zeroed();
    hkdf.expand_multi_info(info_parts, derived.as_mut_bytes())
        .map_err(|_| FormatError::Primitive(Primitive::Hkdf))?;
    Ok(derived)
}

/// HMAC-SHA256(key, message).
pub(crate) fn hmac_sha256(key: &Key256, message: &[u8]) -> Result<[u8; 32], FormatError> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.expose_key_bytes())
        .map_err(|_| FormatError::Primitive(Primitive::Hmac))?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().into())
}

/// Fresh random bytes from the OS CSPRNG.
pub(crate) fn random_array<const N: usize>() -> Result<[u8; N], FormatError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hkdf_info_parts_concatenate_and_salt_matters() {
        // Known answers for the derivations live in the format vectors, cross-checked there.
        let ikm = Key256::from_bytes([0x0b; 32]);
        let salt: Vec<u8> = (0x00..=0x0c).collect();
        let info: Vec<u8> = (0xf0..=0xf9).collect();
        let a = hkdf_key(&ikm, &salt, &[&info]).expect("hkdf");
        let b = hkdf_key(&ikm, &salt, &[&info[..4], &info[4..]]).expect("hkdf");
        assert_eq!(a, b, "info parts are concatenated");
        let c = hkdf_key(&ikm, &salt[1..], &[&info]).expect("hkdf");
        assert_ne!(a, c, "salt matters");
    }

    #[test]
    fn seal_open_round_trip_and_aad_binding() {
        let key = Key256::from_bytes([9; 32]);
        let nonce = [3u8; NONCE_LEN];
        let mut sealed = Vec::new();
        seal(&key, &nonce, b"header", b"secret", &mut sealed).expect("seal");
        assert_eq!(sealed.len(), 6 + TAG_LEN);
        assert_eq!(
            open(&key, &nonce, b"header", &sealed).as_deref().map(Vec::as_slice),
            Some(&b"secret"[..])
        );
        assert!(open(&key, &nonce, b"headeR", &sealed).is_none());
        assert!(open(&key, &[4u8; NONCE_LEN], b"header", &sealed).is_none());
        assert!(open(&key, &nonce, b"header", &sealed[..TAG_LEN - 1]).is_none());
    }
}
