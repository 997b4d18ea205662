//! The build's API fingerprint (build.rs), for the Kotlin layer's version-skew check (ADR 0004).

/// `cairn-ffi-fingerprint:` followed by 64 hex digits: a fixed marker so `cargo xtask bindings`
/// can read the value from the built library and compile it into the generated Kotlin.
static FINGERPRINT_MARKER: &str = concat!("cairn-ffi-fingerprint:", env!("CAIRN_FFI_FINGERPRINT"));

/// Computed at compile time, so the prefix literal itself is not also stored in the library.
const MARKER_PREFIX_LEN: usize = "cairn-ffi-fingerprint:".len();

/// SHA-256 (hex) over this crate's version, its UniFFI pin, uniffi.toml and sources: bindings
/// generated from another build of this crate expect another value.
#[uniffi::export]
pub fn ffi_build_fingerprint() -> String {
    // black_box keeps the whole marker string in the binary instead of a folded hex-only copy.
    std::hint::black_box(FINGERPRINT_MARKER).get(MARKER_PREFIX_LEN..).unwrap_or_default().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_the_marker_hex_sha256() {
        let fingerprint = ffi_build_fingerprint();
        assert_eq!(fingerprint.len(), 64);
        assert!(fingerprint.bytes().all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f')));
        assert_eq!(FINGERPRINT_MARKER, format!("cairn-ffi-fingerprint:{fingerprint}"));
    }
}
