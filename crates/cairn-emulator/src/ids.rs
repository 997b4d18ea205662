//! Identifiers and credentials. File ids come from a seedable generator (deterministic runs when a
//! seed is configured); tokens, codes and secrets always come from the OS random source.

use thiserror::Error;

const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const ALNUM: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// The OS random source failed; requests that need a credential answer 500.
#[derive(Debug, Error)]
#[error("the operating system's random source failed")]
pub(crate) struct RandomUnavailable;

/// `prefix` followed by `len` URL-safe characters from the OS random source.
pub(crate) fn random_token(prefix: &str, len: usize) -> Result<String, RandomUnavailable> {
    let mut raw = vec![0u8; len];
    getrandom::fill(&mut raw).map_err(|_| RandomUnavailable)?;
    let mut out = String::with_capacity(prefix.len() + len);
    out.push_str(prefix);
    out.extend(raw.iter().map(|b| char::from(URL_SAFE[usize::from(b & 63)])));
    Ok(out)
}

/// A 64-bit seed from the OS random source.
pub(crate) fn random_seed() -> Result<u64, RandomUnavailable> {
    let mut raw = [0u8; 8];
    getrandom::fill(&mut raw).map_err(|_| RandomUnavailable)?;
    Ok(u64::from_le_bytes(raw))
}

/// SplitMix64: tiny, seedable, good enough spread for opaque ids (not for secrets).
#[derive(Debug, Clone)]
pub(crate) struct IdGen {
    state: u64,
}

impl IdGen {
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The generator's position, to continue the sequence after a restart.
    pub(crate) fn position(&self) -> u64 {
        self.state
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn chars(&mut self, alphabet: &[u8], len: usize, out: &mut String) {
        let n = u64::try_from(alphabet.len()).unwrap_or(1);
        for _ in 0..len {
            let idx = usize::try_from(self.next_u64() % n).unwrap_or(0);
            out.push(char::from(alphabet.get(idx).copied().unwrap_or(b'A')));
        }
    }

    /// A Drive-looking file id: `1` + 32 URL-safe characters (real ids are 33–44 characters).
    pub(crate) fn google_file_id(&mut self) -> String {
        let mut s = String::from("1");
        self.chars(URL_SAFE, 32, &mut s);
        s
    }

    /// The real id behind the `appDataFolder` alias (root-folder ids look like `0A…Uk9PVA`).
    pub(crate) fn google_folder_id(&mut self) -> String {
        let mut s = String::from("0A");
        self.chars(ALNUM, 17, &mut s);
        s.push_str("Uk9PVA");
        s
    }

    /// A Huawei-looking file id (opaque alphanumerics).
    pub(crate) fn huawei_file_id(&mut self) -> String {
        let mut s = String::from("A");
        self.chars(ALNUM, 31, &mut s);
        s
    }

    /// A head-revision id (`0B…` in real Drive answers).
    pub(crate) fn revision_id(&mut self) -> String {
        let mut s = String::from("0B");
        self.chars(URL_SAFE, 47, &mut s);
        s
    }

    /// A short opaque id for upload sessions' public part and similar.
    pub(crate) fn short(&mut self, len: usize) -> String {
        let mut s = String::new();
        self.chars(ALNUM, len, &mut s);
        s
    }
}

/// Equality that takes the same time wherever the first difference is (client secrets, PKCE).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_ids_are_deterministic_and_shaped() {
        let mut a = IdGen::new(7);
        let mut b = IdGen::new(7);
        let id = a.google_file_id();
        assert_eq!(id, b.google_file_id());
        assert_eq!(id.len(), 33);
        assert!(a.google_folder_id().ends_with("Uk9PVA"));
    }

    #[test]
    fn tokens_are_random_and_url_safe() {
        let t1 = random_token("ya29.", 40).unwrap();
        let t2 = random_token("ya29.", 40).unwrap();
        assert_ne!(t1, t2);
        assert!(t1[5..].bytes().all(|c| URL_SAFE.contains(&c)));
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
