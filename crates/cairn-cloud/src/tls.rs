//! The TLS client configuration every HTTP client here uses: rustls on *ring*, the Mozilla root
//! set (`webpki-roots`) and webpki certificate verification, exactly as reqwest's default,
//! with a narrower algorithm list that keeps the mobile library smaller (ADR 0005).
//!
//! What differs from `rustls::crypto::ring::default_provider()`, and why it is safe:
//! - Cipher suites: AES-GCM only (TLS 1.3 and 1.2). ChaCha20-Poly1305 is dropped: every server
//!   must offer TLS_AES_128_GCM_SHA256 (RFC 8446 §9.1) and Google's and Huawei's do. ~50 KB of
//!   assembly.
//! - No client-certificate keys: we never authenticate with a certificate, so loading one is
//!   refused instead of linking RSA/ECDSA/Ed25519 signing.
//! - Randomness from the OS via `getrandom`, the source the rest of Cairn uses.
//!
//! Certificate verification (roots, signature algorithms, name checks) is unchanged.

use std::sync::Arc;

use rustls::SignatureScheme;
use rustls::crypto::ring::{cipher_suite, kx_group};
use rustls::crypto::{CryptoProvider, GetRandomFailed, KeyProvider, SecureRandom, WebPkiSupportedAlgorithms};
use rustls::pki_types::PrivateKeyDer;
use rustls::sign::SigningKey;
use webpki::ring as algorithm;

use crate::error::{CloudError, NetworkErrorKind};

/// Signature algorithms accepted in certificates and handshakes: all that webpki implements on
/// *ring* (the same set as rustls' default *ring* provider).
static VERIFICATION_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        algorithm::ECDSA_P256_SHA256,
        algorithm::ECDSA_P256_SHA384,
        algorithm::ECDSA_P384_SHA256,
        algorithm::ECDSA_P384_SHA384,
        algorithm::ED25519,
        algorithm::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        algorithm::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        algorithm::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        algorithm::RSA_PKCS1_2048_8192_SHA256,
        algorithm::RSA_PKCS1_2048_8192_SHA384,
        algorithm::RSA_PKCS1_2048_8192_SHA512,
        algorithm::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        algorithm::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        algorithm::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        // In TLS 1.2 the scheme does not fix the curve, hence two entries for the ECDSA ones.
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[algorithm::ECDSA_P384_SHA384, algorithm::ECDSA_P256_SHA384],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[algorithm::ECDSA_P256_SHA256, algorithm::ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[algorithm::ED25519]),
        (SignatureScheme::RSA_PSS_SHA512, &[algorithm::RSA_PSS_2048_8192_SHA512_LEGACY_KEY]),
        (SignatureScheme::RSA_PSS_SHA384, &[algorithm::RSA_PSS_2048_8192_SHA384_LEGACY_KEY]),
        (SignatureScheme::RSA_PSS_SHA256, &[algorithm::RSA_PSS_2048_8192_SHA256_LEGACY_KEY]),
        (SignatureScheme::RSA_PKCS1_SHA512, &[algorithm::RSA_PKCS1_2048_8192_SHA512]),
        (SignatureScheme::RSA_PKCS1_SHA384, &[algorithm::RSA_PKCS1_2048_8192_SHA384]),
        (SignatureScheme::RSA_PKCS1_SHA256, &[algorithm::RSA_PKCS1_2048_8192_SHA256]),
    ],
};

fn provider() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: vec![
            cipher_suite::TLS13_AES_128_GCM_SHA256,
            cipher_suite::TLS13_AES_256_GCM_SHA384,
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            cipher_suite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        ],
        kx_groups: vec![kx_group::X25519, kx_group::SECP256R1, kx_group::SECP384R1],
        signature_verification_algorithms: VERIFICATION_ALGORITHMS,
        secure_random: &OsRandom,
        key_provider: &NoClientKeys,
    }
}

/// The client configuration: TLS 1.3 and 1.2, Mozilla's roots, no client certificate.
pub(crate) fn client_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// A reqwest client builder that uses this TLS configuration. Every HTTP client in the shipped
/// library must start here: reqwest is built without a default crypto provider, so a plain
/// `reqwest::Client::builder().build()` panics there ("No provider set", ADR 0005).
pub fn http_client_builder() -> Result<reqwest::ClientBuilder, CloudError> {
    let tls = client_config().map_err(|_| CloudError::network(NetworkErrorKind::Connect))?;
    Ok(reqwest::Client::builder().use_preconfigured_tls(tls))
}

#[derive(Debug)]
struct OsRandom;

impl SecureRandom for OsRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        getrandom::fill(buf).map_err(|_| GetRandomFailed)
    }
}

/// Client authentication is never configured, so no private key is ever loaded.
#[derive(Debug)]
struct NoClientKeys;

impl KeyProvider for NoClientKeys {
    fn load_private_key(&self, _key: PrivateKeyDer<'static>) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        Err(rustls::Error::General("client certificates are not supported".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verification_matches_the_default_ring_provider() {
        let default = rustls::crypto::ring::default_provider().signature_verification_algorithms;
        let ids = |algorithms: &[&dyn rustls::pki_types::SignatureVerificationAlgorithm]| {
            let ids = algorithms.iter().map(|a| (a.public_key_alg_id(), a.signature_alg_id()));
            ids.collect::<Vec<_>>()
        };
        assert_eq!(ids(VERIFICATION_ALGORITHMS.all), ids(default.all));
        assert_eq!(VERIFICATION_ALGORITHMS.mapping.len(), default.mapping.len());
        for (ours, theirs) in VERIFICATION_ALGORITHMS.mapping.iter().zip(default.mapping) {
            assert_eq!(ours.0, theirs.0);
            assert_eq!(ids(ours.1), ids(theirs.1), "{:?}", ours.0);
        }
    }

    #[test]
    fn only_aes_gcm_suites_and_every_default_group() {
        let ours = provider();
        assert!(ours.cipher_suites.iter().all(|suite| format!("{:?}", suite.suite()).contains("_AES_")));
        assert_eq!(ours.cipher_suites.len(), 6);
        let default = rustls::crypto::ring::default_provider();
        let names = |groups: &[&dyn rustls::crypto::SupportedKxGroup]| {
            groups.iter().map(|group| group.name()).collect::<Vec<_>>()
        };
        assert_eq!(names(&ours.kx_groups), names(&default.kx_groups));
        assert!(ours.secure_random.fill(&mut [0u8; 32]).is_ok());
    }

    #[test]
    fn a_connection_starts_with_a_client_hello() {
        let config = Arc::new(client_config().expect("TLS 1.3 and 1.2 fit the suites"));
        let name = rustls::pki_types::ServerName::try_from("www.googleapis.com").expect("valid name");
        let mut connection = rustls::ClientConnection::new(config, name).expect("a client connection");
        let mut hello = Vec::new();
        connection.write_tls(&mut hello).expect("written to memory");
        // A TLS record of type handshake (22) carrying a ClientHello (1).
        assert_eq!(hello.first(), Some(&22));
        assert_eq!(hello.get(5), Some(&1));
    }

    #[test]
    fn client_keys_are_refused() {
        let key = PrivateKeyDer::Pkcs8(vec![0u8; 16].into());
        assert!(NoClientKeys.load_private_key(key).is_err());
    }
}
