//! The backup password: normalisation (and, later, policy and strength).

use core::fmt;

use unicode_normalization::UnicodeNormalization;
use zeroize::Zeroize;

use crate::secret::SecretString;

/// A backup password as the user typed it, NFC-normalised so the same password typed on iOS
/// and Android (which may emit different Unicode forms) derives the same key.
///
/// Never trimmed: leading and trailing spaces are part of the password.
#[derive(Clone, PartialEq, Eq)]
pub struct BackupPassword(SecretString);

impl BackupPassword {
    /// Normalises `typed` to NFC and wipes the caller's string.
    pub fn from_user_input(mut typed: String) -> Self {
        let normalised: String = typed.nfc().collect();
        typed.zeroize();
        Self(SecretString::new(normalised))
    }

    /// The NFC-normalised UTF-8 bytes fed to the KDF.
    pub fn expose_nfc_bytes(&self) -> &[u8] {
        self.0.expose_str().as_bytes()
    }
}

impl fmt::Debug for BackupPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BackupPassword([redacted])")
    }
}
