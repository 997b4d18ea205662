//! Secret containers shared by every module of the crate.
//!
//! Rules (see `docs/threat-model.md`): secrets are wiped on drop, print as `[redacted]` in
//! `Debug`, have no `Display`, and compare in constant time. Bytes leave a secret only through a
//! method whose name starts with `expose_`, so every place that unwraps one is easy to find.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// Variable-length secret bytes (seeds, plaintexts, opaque key material).
#[derive(Clone, Default)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes`; the buffer is wiped when the secret is dropped.
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Copies `bytes` into a new secret. The caller remains responsible for its own copy.
    pub fn copy_from(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }

    /// The secret bytes. Callers must not copy them into non-zeroizing storage.
    pub fn expose_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Length in bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes([redacted])")
    }
}

impl ConstantTimeEq for SecretBytes {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        // Length is not secret; contents are compared without early exit.
        self.0.as_slice().ct_eq(other.0.as_slice())
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}
impl Eq for SecretBytes {}

/// Secret UTF-8 text (mnemonic words, passphrases, WIF strings, labels in plaintext form).
#[derive(Clone, Default)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Takes ownership of `text`; the buffer is wiped when the secret is dropped.
    pub fn new(text: String) -> Self {
        Self(Zeroizing::new(text))
    }

    /// The secret text. Callers must not copy it into non-zeroizing storage.
    pub fn expose_str(&self) -> &str {
        &self.0
    }

    /// Length in bytes (not secret).
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for SecretString {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl ConstantTimeEq for SecretString {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_bytes().ct_eq(other.0.as_bytes())
    }
}

impl PartialEq for SecretString {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}
impl Eq for SecretString {}

/// A 256-bit symmetric key (password key, epoch key, record key).
///
/// Boxed so moves do not leave copies of the key on the stack.
#[derive(Clone)]
pub struct Key256(Box<[u8; 32]>);

impl Key256 {
    /// Wraps key bytes, wiping the caller's array.
    pub fn from_bytes(mut bytes: [u8; 32]) -> Self {
        let key = Self(Box::new(bytes));
        bytes.zeroize();
        key
    }

    /// A fresh random key from the OS CSPRNG.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut key = Self(Box::new([0u8; 32]));
        getrandom::fill(key.0.as_mut_slice())?;
        Ok(key)
    }

    /// A zeroed key to be filled in place (avoids a stack copy of the key material).
    pub(crate) fn zeroed() -> Self {
        Self(Box::new([0u8; 32]))
    }

    /// Mutable access for in-place derivation.
    pub(crate) fn as_mut_bytes(&mut self) -> &mut [u8; 32] {
        &mut self.0
    }

    /// The key bytes. Callers must not copy them into non-zeroizing storage.
    pub fn expose_key_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl Drop for Key256 {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for Key256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key256([redacted])")
    }
}

impl ConstantTimeEq for Key256 {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_slice().ct_eq(other.0.as_slice())
    }
}

impl PartialEq for Key256 {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}
impl Eq for Key256 {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_contents() {
        let bytes = SecretBytes::copy_from(b"hunter2-bytes");
        let text = SecretString::new("correct horse".to_owned());
        let key = Key256::from_bytes([0x41; 32]);
        for printed in [format!("{bytes:?}"), format!("{text:?}"), format!("{key:?}")] {
            assert!(printed.contains("[redacted]"), "{printed}");
            assert!(!printed.contains("hunter2") && !printed.contains("horse") && !printed.contains("65"));
        }
    }

    #[test]
    fn equality_is_by_content() {
        assert_eq!(SecretBytes::copy_from(b"abc"), SecretBytes::copy_from(b"abc"));
        assert_ne!(SecretBytes::copy_from(b"abc"), SecretBytes::copy_from(b"abd"));
        assert_ne!(SecretBytes::copy_from(b"abc"), SecretBytes::copy_from(b"abcd"));
        assert_eq!(Key256::from_bytes([7; 32]), Key256::from_bytes([7; 32]));
        assert_ne!(Key256::from_bytes([7; 32]), Key256::from_bytes([8; 32]));
    }

    #[test]
    fn generated_keys_differ() {
        let a = Key256::generate().expect("os rng");
        let b = Key256::generate().expect("os rng");
        assert_ne!(a, b);
    }
}
