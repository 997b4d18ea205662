#![doc = include_str!("../README.md")]

pub mod base58;
pub mod bip32;
pub mod format;
pub mod kdf;
pub mod mnemonic;
pub mod password;
pub mod private_key;
pub mod secret;

pub use bip32::{Bip32Error, Fingerprint, Seed};
pub use kdf::{KdfError, KdfParams};
pub use mnemonic::{Language, Mnemonic, MnemonicError, WordCount};
pub use password::BackupPassword;
pub use private_key::{PrivateKey, PrivateKeyError, PrivateKeyKind};
pub use secret::{Key256, SecretBytes, SecretString};
