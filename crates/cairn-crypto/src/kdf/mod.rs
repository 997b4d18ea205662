//! Argon2id password → key derivation with validated parameters.
//!
//! Parameters come from two places: the app, when it creates a new epoch
//! ([`KdfParams::for_new_epoch`], which also enforces a security floor), and an epoch header read
//! back from the cloud ([`KdfParams::from_untrusted`], which only enforces the hard cost bounds so
//! that a hostile header cannot make an unlock allocate or compute without limit). Every check
//! runs before any memory is allocated. The reasons behind each number are in
//! `docs/adr/0001-kdf-parameters.md`.
//!
//! The Argon2 block matrix lives in memory this module allocates, pre-faults and wipes itself
//! (see [`memory`]): faster than the `argon2` crate's own allocation, and the crate never wipes
//! its matrix.

mod memory;

use argon2::{Algorithm, Argon2, Params, Version};

use crate::password::BackupPassword;
use crate::secret::Key256;
use memory::BlockMemory;

/// Salt length in bytes for every KDF call in format v1.
pub const SALT_LEN: usize = 16;

/// Length of the derived password key in bytes.
pub const KEY_LEN: usize = 32;

/// Hard upper bound on memory accepted from any source (256 MiB).
pub const MAX_MEMORY_KIB: u32 = 256 * 1024;
/// Hard upper bound on passes.
pub const MAX_ITERATIONS: u32 = 10;
/// Hard upper bound on lanes.
pub const MAX_PARALLELISM: u32 = 16;
/// Argon2's own minimum: 8 KiB of memory per lane.
pub const MIN_MEMORY_KIB_PER_LANE: u32 = 8;
/// Hard upper bound on total work, memory (KiB) × passes: 1 GiB·pass, about 5× the default.
/// Keeps a hostile header from combining the largest memory with the most passes.
pub const MAX_WORK_KIB_PASSES: u64 = 1024 * 1024;

/// Floor for newly created epochs: OWASP's Argon2id minimum memory (19 MiB).
pub const MIN_NEW_EPOCH_MEMORY_KIB: u32 = 19 * 1024;
/// Floor for newly created epochs: the work of OWASP's minimum (19 MiB × 2 passes), so a single
/// pass is allowed only with at least 38 MiB.
pub const MIN_NEW_EPOCH_WORK_KIB_PASSES: u64 = 2 * 19 * 1024;

/// Errors from parameter validation and key derivation. None carries secret material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KdfError {
    /// Parameters outside the hard bounds; refused before any work.
    #[error("KDF parameters out of bounds: {reason}")]
    OutOfBounds {
        /// Which bound was violated (no secrets).
        reason: &'static str,
    },
    /// Parameters valid to read but too weak to create a new epoch with.
    #[error("KDF parameters too weak for a new epoch: {reason}")]
    TooWeak {
        /// Which floor was not met (no secrets).
        reason: &'static str,
    },
    /// The KDF could not run (allocation failure or an internal library error).
    #[error("KDF failed: {reason}")]
    Failed {
        /// What failed (no secrets).
        reason: &'static str,
    },
}

/// Argon2id cost parameters (memory in KiB, passes, lanes), validated against the hard bounds.
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
    /// the hard bounds, before any memory is allocated. Small (weak) parameters are accepted:
    /// they are cheap to evaluate, and refusing them would only lock a user out of an old backup.
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
        // `parallelism` ≤ 16 here, so the product cannot overflow.
        if memory_kib < MIN_MEMORY_KIB_PER_LANE * parallelism {
            return Err(KdfError::OutOfBounds { reason: "memory below 8 KiB per lane" });
        }
        let params = Self { memory_kib, iterations, parallelism };
        if params.work_kib_passes() > MAX_WORK_KIB_PASSES {
            return Err(KdfError::OutOfBounds { reason: "memory × iterations above 1 GiB·pass" });
        }
        Ok(params)
    }

    /// Validates parameters an app chose for a new epoch: the hard bounds of
    /// [`from_untrusted`](Self::from_untrusted) plus a floor (OWASP's Argon2id minimum) so a
    /// new backup is never protected by a trivially cheap KDF.
    pub fn for_new_epoch(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, KdfError> {
        let params = Self::from_untrusted(memory_kib, iterations, parallelism)?;
        if params.memory_kib < MIN_NEW_EPOCH_MEMORY_KIB {
            return Err(KdfError::TooWeak { reason: "memory below 19 MiB" });
        }
        if params.work_kib_passes() < MIN_NEW_EPOCH_WORK_KIB_PASSES {
            return Err(KdfError::TooWeak { reason: "memory × iterations below 38 MiB·pass" });
        }
        Ok(params)
    }

    /// Tiny parameters for tests only. Never reachable from shipped builds, and refused by
    /// [`for_new_epoch`](Self::for_new_epoch).
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
    /// Total work, memory (KiB) × passes; unlock time is roughly proportional to it.
    pub const fn work_kib_passes(&self) -> u64 {
        self.memory_kib as u64 * self.iterations as u64
    }

    fn argon2(&self) -> Result<Argon2<'static>, KdfError> {
        let params = Params::new(self.memory_kib, self.iterations, self.parallelism, Some(KEY_LEN))
            .map_err(|_| KdfError::OutOfBounds { reason: "rejected by Argon2" })?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }
}

/// Derives the 256-bit password key: Argon2id v1.3 over the NFC password bytes, lanes computed
/// in parallel, block memory allocated, pre-faulted and wiped by this module.
pub fn derive_password_key(
    password: &BackupPassword,
    salt: &[u8; SALT_LEN],
    params: &KdfParams,
) -> Result<Key256, KdfError> {
    let argon = params.argon2()?;
    let mut key = Key256::zeroed();
    hash_with_owned_memory(&argon, password.expose_nfc_bytes(), salt, key.as_mut_bytes())?;
    Ok(key)
}

/// Runs `argon` over a block matrix we own, which is wiped and released before this returns,
/// whether hashing succeeded or not (and, through `Drop`, if it panicked).
fn hash_with_owned_memory(
    argon: &Argon2<'_>,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), KdfError> {
    let mut memory = BlockMemory::allocate(argon.params().block_count())?;
    let hashed = argon.hash_password_into_with_memory(password, salt, out, memory.blocks_mut());
    drop(memory);
    hashed.map_err(|_| KdfError::Failed { reason: "Argon2 rejected its inputs" })
}

#[cfg(test)]
mod tests {
    use argon2::{AssociatedData, ParamsBuilder};

    use super::*;

    fn password(text: &str) -> BackupPassword {
        BackupPassword::from_user_input(text.to_owned())
    }

    /// The crate's own allocation path (`hash_password_into`), as the reference.
    fn plain_crate_key(password: &[u8], salt: &[u8; SALT_LEN], params: &KdfParams) -> [u8; KEY_LEN] {
        let argon = params.argon2().expect("valid params");
        let mut out = [0u8; KEY_LEN];
        argon.hash_password_into(password, salt, &mut out).expect("argon2");
        out
    }

    fn out_of_bounds(m: u32, t: u32, p: u32) -> &'static str {
        match KdfParams::from_untrusted(m, t, p) {
            Err(KdfError::OutOfBounds { reason }) => reason,
            other => panic!("({m}, {t}, {p}) should be out of bounds, got {other:?}"),
        }
    }

    #[test]
    fn recommended_is_rfc9106_second_choice_and_passes_every_check() {
        let params = KdfParams::recommended();
        assert_eq!((params.memory_kib(), params.iterations(), params.parallelism()), (65536, 3, 4));
        assert_eq!(KdfParams::from_untrusted(65536, 3, 4), Ok(params));
        assert_eq!(KdfParams::for_new_epoch(65536, 3, 4), Ok(params));
    }

    #[test]
    fn every_hard_bound_is_rejected_with_its_own_reason() {
        assert_eq!(out_of_bounds(65536, 3, 0), "parallelism must be 1..=16");
        assert_eq!(out_of_bounds(65536, 3, 17), "parallelism must be 1..=16");
        assert_eq!(out_of_bounds(65536, 3, u32::MAX), "parallelism must be 1..=16");
        assert_eq!(out_of_bounds(65536, 0, 4), "iterations must be 1..=10");
        assert_eq!(out_of_bounds(65536, 11, 4), "iterations must be 1..=10");
        assert_eq!(out_of_bounds(65536, u32::MAX, 4), "iterations must be 1..=10");
        assert_eq!(out_of_bounds(MAX_MEMORY_KIB + 1, 1, 1), "memory above 256 MiB");
        assert_eq!(out_of_bounds(u32::MAX, 1, 1), "memory above 256 MiB");
        assert_eq!(out_of_bounds(0, 1, 1), "memory below 8 KiB per lane");
        assert_eq!(out_of_bounds(7, 1, 1), "memory below 8 KiB per lane");
        assert_eq!(out_of_bounds(31, 1, 4), "memory below 8 KiB per lane");
        assert_eq!(out_of_bounds(MAX_MEMORY_KIB, 5, 4), "memory × iterations above 1 GiB·pass");
        assert_eq!(out_of_bounds(128 * 1024, 9, 1), "memory × iterations above 1 GiB·pass");
    }

    #[test]
    fn values_on_the_bounds_are_accepted() {
        for (m, t, p) in [
            (8, 1, 1),
            (32, 1, 4),
            (128, 10, 16),
            (MAX_MEMORY_KIB, 4, 16),
            (128 * 1024, 8, 1),
            (100 * 1024, 10, 2),
        ] {
            let params = KdfParams::from_untrusted(m, t, p).expect("within bounds");
            assert_eq!((params.memory_kib(), params.iterations(), params.parallelism()), (m, t, p));
        }
    }

    #[test]
    fn new_epochs_need_owasp_minimum_but_old_weak_headers_still_open() {
        let too_weak = |m, t, p| match KdfParams::for_new_epoch(m, t, p) {
            Err(KdfError::TooWeak { reason }) => reason,
            other => panic!("({m}, {t}, {p}) should be too weak, got {other:?}"),
        };
        assert_eq!(too_weak(19 * 1024 - 1, 10, 1), "memory below 19 MiB");
        assert_eq!(too_weak(19 * 1024, 1, 1), "memory × iterations below 38 MiB·pass");
        assert_eq!(too_weak(37 * 1024, 1, 4), "memory × iterations below 38 MiB·pass");
        for (m, t, p) in [(19 * 1024, 2, 1), (38 * 1024, 1, 1), (64 * 1024, 1, 4)] {
            assert!(KdfParams::for_new_epoch(m, t, p).is_ok(), "({m}, {t}, {p})");
            assert!(KdfParams::from_untrusted(m, t, p).is_ok());
        }
        // Hard bounds apply to new epochs too, and are reported as such.
        assert_eq!(
            KdfParams::for_new_epoch(MAX_MEMORY_KIB + 1024, 3, 4),
            Err(KdfError::OutOfBounds { reason: "memory above 256 MiB" })
        );
    }

    #[test]
    fn test_only_parameters_open_old_headers_but_cannot_create_epochs() {
        let tiny = KdfParams::insecure_for_tests();
        assert_eq!(
            KdfParams::from_untrusted(tiny.memory_kib(), tiny.iterations(), tiny.parallelism()),
            Ok(tiny)
        );
        assert!(matches!(
            KdfParams::for_new_epoch(tiny.memory_kib(), tiny.iterations(), tiny.parallelism()),
            Err(KdfError::TooWeak { .. })
        ));
        let salt = [9u8; SALT_LEN];
        let key = derive_password_key(&password("test only"), &salt, &tiny).expect("kdf");
        assert_eq!(*key.expose_key_bytes(), plain_crate_key(b"test only", &salt, &tiny));
    }

    #[test]
    fn owned_memory_gives_the_same_key_as_the_crate_allocation() {
        let cases = [
            ("correct horse battery staple", 8, 1, 1),
            ("pässwörd with spaces ", 64, 2, 1),
            ("lanes", 256, 3, 4),
            // Not a multiple of 4·p KiB: Argon2 rounds the block count down.
            ("odd memory", 1031, 2, 3),
            ("sixteen lanes", 128, 1, 16),
            ("one MiB", 1024, 3, 2),
        ];
        for (text, m, t, p) in cases {
            let params = KdfParams::from_untrusted(m, t, p).expect("valid");
            for salt in [[0u8; SALT_LEN], [0xa5; SALT_LEN]] {
                let ours = derive_password_key(&password(text), &salt, &params).expect("kdf");
                let expected = plain_crate_key(password(text).expose_nfc_bytes(), &salt, &params);
                assert_eq!(*ours.expose_key_bytes(), expected, "({m}, {t}, {p})");
            }
        }
    }

    #[test]
    fn owned_memory_matches_the_crate_at_recommended_parameters() {
        let params = KdfParams::recommended();
        let salt = *b"0123456789abcdef";
        let ours = derive_password_key(&password("recommended"), &salt, &params).expect("kdf");
        assert_eq!(*ours.expose_key_bytes(), plain_crate_key(b"recommended", &salt, &params));
    }

    #[test]
    fn password_salt_and_every_parameter_change_the_key() {
        let salt = [1u8; SALT_LEN];
        let base = KdfParams::from_untrusted(64, 1, 1).expect("valid");
        let key = |text: &str, salt: &[u8; SALT_LEN], params: &KdfParams| {
            derive_password_key(&password(text), salt, params).expect("kdf")
        };
        let reference = key("pw", &salt, &base);
        assert_eq!(reference, key("pw", &salt, &base));
        assert_ne!(reference, key("pw ", &salt, &base));
        assert_ne!(reference, key("pw", &[2u8; SALT_LEN], &base));
        for (m, t, p) in [(72, 1, 1), (64, 2, 1), (64, 1, 2)] {
            let other = KdfParams::from_untrusted(m, t, p).expect("valid");
            assert_ne!(reference, key("pw", &salt, &other), "({m}, {t}, {p})");
        }
    }

    #[test]
    fn nfc_and_nfd_spellings_derive_the_same_key() {
        let salt = [3u8; SALT_LEN];
        let params = KdfParams::insecure_for_tests();
        let composed = derive_password_key(&password("caf\u{e9}"), &salt, &params).expect("kdf");
        let decomposed = derive_password_key(&password("cafe\u{301}"), &salt, &params).expect("kdf");
        assert_eq!(composed, decomposed);
    }

    /// RFC 9106 §5.3 (Argon2id, m=32 KiB, t=3, p=4, with secret and associated data), run
    /// through the same owned-memory path `derive_password_key` uses.
    #[test]
    fn owned_memory_path_reproduces_rfc9106_argon2id_vector() {
        let params = ParamsBuilder::new()
            .m_cost(32)
            .t_cost(3)
            .p_cost(4)
            .data(AssociatedData::new(&[0x04; 12]).expect("ad"))
            .output_len(32)
            .build()
            .expect("params");
        let argon =
            Argon2::new_with_secret(&[0x03; 8], Algorithm::Argon2id, Version::V0x13, params).expect("secret");
        let mut tag = [0u8; 32];
        hash_with_owned_memory(&argon, &[0x01; 32], &[0x02; 16], &mut tag).expect("hash");
        assert_eq!(hex::encode(tag), "0d640df58d78766c08c037a34a8b53c9d01ef0452d75b65eb52520e96b01e659");
    }

    /// Independent implementation: libsodium's `crypto_pwhash` (Argon2id v1.3, one lane).
    #[test]
    fn single_lane_keys_match_libsodium() {
        // SAFETY: `sodium_init` has no preconditions and may be called more than once.
        assert!(unsafe { libsodium_sys::sodium_init() } >= 0);
        for (text, m, t) in [("libsodium", 8, 1), ("pässwörd ", 64, 3), ("a longer password here", 1024, 2)]
        {
            let params = KdfParams::from_untrusted(m, t, 1).expect("valid");
            let salt = [0x5a; SALT_LEN];
            let pw = password(text);
            let ours = derive_password_key(&pw, &salt, &params).expect("kdf");
            let nfc = pw.expose_nfc_bytes();
            let mut theirs = [0u8; KEY_LEN];
            // SAFETY: every pointer/length pair describes a live buffer of exactly that length;
            // libsodium writes only `theirs` (KEY_LEN bytes) and reads `nfc` and `salt`
            // (crypto_pwhash_SALTBYTES = 16 = SALT_LEN).
            let rc = unsafe {
                libsodium_sys::crypto_pwhash(
                    theirs.as_mut_ptr(),
                    KEY_LEN as u64,
                    nfc.as_ptr().cast(),
                    nfc.len() as u64,
                    salt.as_ptr(),
                    u64::from(t),
                    m as usize * 1024,
                    libsodium_sys::crypto_pwhash_ALG_ARGON2ID13 as i32,
                )
            };
            assert_eq!(rc, 0);
            assert_eq!(*ours.expose_key_bytes(), theirs, "({m}, {t})");
        }
    }

    #[test]
    fn errors_name_the_bound_without_secrets() {
        let message = KdfError::OutOfBounds { reason: "memory above 256 MiB" }.to_string();
        assert_eq!(message, "KDF parameters out of bounds: memory above 256 MiB");
    }
}
