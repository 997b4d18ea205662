//! Argon2id password → key derivation with validated parameters.

use argon2::{Algorithm, Argon2, Params, Version};

use crate::password::BackupPassword;
use crate::secret::Key256;

/// Salt length in bytes for every KDF call in format v1.
pub const SALT_LEN: usize = 16;

/// Hard upper bound on memory accepted from any source (256 MiB).
pub const MAX_MEMORY_KIB: u32 = 256 * 1024;
/// Hard upper bound on passes.
pub const MAX_ITERATIONS: u32 = 10;
/// Hard upper bound on lanes.
pub const MAX_PARALLELISM: u32 = 16;

/// Errors from parameter validation and key derivation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KdfError {
    /// Parameters outside the hard bounds; refused before any work.
    #[error("KDF parameters out of bounds: {reason}")]
    OutOfBounds {
        /// Which bound was violated (no secrets).
        reason: &'static str,
    },
    /// The KDF could not run (allocation failure or an internal library error).
    #[error("KDF failed: {reason}")]
    Failed {
        /// What failed (no secrets).
        reason: &'static str,
    },
}

/// Argon2id cost parameters (memory in KiB, passes, lanes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KdfParams {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl KdfParams {
    /// Defaults for new epochs: RFC 9106's second recommendation (64 MiB, t=3, p=4).
    pub const fn recommended() -> Self {
        Self { memory_kib: 64 * 1024, iterations: 3, parallelism: 4 }
    }

    /// Validates parameters read from an untrusted source (a cloud object or a file) against
    /// the hard bounds, before any memory is allocated.
    pub fn from_untrusted(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, KdfError> {
        if parallelism == 0 || parallelism > MAX_PARALLELISM {
            return Err(KdfError::OutOfBounds { reason: "parallelism must be 1..=16" });
        }
        if iterations == 0 || iterations > MAX_ITERATIONS {
            return Err(KdfError::OutOfBounds { reason: "iterations must be 1..=10" });
        }
        if memory_kib > MAX_MEMORY_KIB {
            return Err(KdfError::OutOfBounds { reason: "memory above 256 MiB" });
        }
        if memory_kib < 8 * parallelism {
            return Err(KdfError::OutOfBounds { reason: "memory below 8 KiB per lane" });
        }
        Ok(Self { memory_kib, iterations, parallelism })
    }

    /// Tiny parameters for tests only. Never reachable from shipped builds.
    #[cfg(any(test, feature = "insecure-test-kdf"))]
    pub const fn insecure_for_tests() -> Self {
        Self { memory_kib: 64, iterations: 1, parallelism: 1 }
    }

    /// Memory cost in KiB.
    pub const fn memory_kib(&self) -> u32 {
        self.memory_kib
    }
    /// Number of passes.
    pub const fn iterations(&self) -> u32 {
        self.iterations
    }
    /// Number of lanes.
    pub const fn parallelism(&self) -> u32 {
        self.parallelism
    }
}

/// Derives the 256-bit password key: Argon2id v1.3 over the NFC password bytes.
pub fn derive_password_key(
    password: &BackupPassword,
    salt: &[u8; SALT_LEN],
    params: &KdfParams,
) -> Result<Key256, KdfError> {
    let argon_params = Params::new(params.memory_kib, params.iterations, params.parallelism, Some(32))
        .map_err(|_| KdfError::OutOfBounds { reason: "rejected by Argon2" })?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
    let mut key = Key256::zeroed();
    argon
        .hash_password_into(password.expose_nfc_bytes(), salt, key.as_mut_bytes())
        .map_err(|_| KdfError::Failed { reason: "argon2" })?;
    Ok(key)
}
