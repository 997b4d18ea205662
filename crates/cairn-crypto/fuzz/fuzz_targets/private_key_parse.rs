//! Private-key parsing: arbitrary text never panics; a key that parses re-parses, from its
//! display form and from its stored parts, to the same key.
#![no_main]

use cairn_crypto::private_key::KindLabel;
use cairn_crypto::{PrivateKey, PrivateKeyKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let kind = match selector % 3 {
        0 => PrivateKeyKind::Secp256k1,
        1 => PrivateKeyKind::Raw32(KindLabel::new("ed25519").expect("label")),
        _ => PrivateKeyKind::Opaque(KindLabel::new("solana").expect("label")),
    };
    let Ok(key) = PrivateKey::parse(text, kind.clone()) else { return };
    let shown = key.expose_text();
    let again = PrivateKey::parse(shown.expose_str(), kind.clone()).expect("display form parses");
    assert!(again == key, "display form parsed to a different key");
    let rebuilt = PrivateKey::from_parts(kind, key.encoding(), key.expose_bytes()).expect("parts rebuild");
    assert!(rebuilt == key, "stored parts rebuilt a different key");
});
