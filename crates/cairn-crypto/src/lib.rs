#![doc = include_str!("../README.md")]

pub mod kdf;
pub mod password;
pub mod secret;

pub use kdf::{KdfError, KdfParams};
pub use password::BackupPassword;
pub use secret::{Key256, SecretBytes, SecretString};
