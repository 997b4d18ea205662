//! Property tests for the secret kinds: round trips for every language, word count and key
//! encoding; hostile input never panics; `Debug` and error texts never print secrets.

use cairn_crypto::base58;
use cairn_crypto::mnemonic::{Language, Mnemonic, WordCount};
use cairn_crypto::password::{BackupPassword, PasswordPolicy, estimate_strength};
use cairn_crypto::private_key::{
    KeyEncoding, KindLabel, PrivateKey, PrivateKeyError, PrivateKeyKind, WifNetwork,
};
use cairn_crypto::{KdfParams, Seed};
use proptest::prelude::*;

fn language() -> impl Strategy<Value = Language> {
    prop::sample::select(Language::ALL.to_vec())
}

fn word_count_and_entropy() -> impl Strategy<Value = (WordCount, Vec<u8>)> {
    prop::sample::select(WordCount::ALL.to_vec())
        .prop_flat_map(|count| (Just(count), prop::collection::vec(any::<u8>(), count.entropy_bytes())))
}

/// A valid secp256k1 scalar (anything but zero and values ≥ n, which are astronomically rare
/// in uniform 32-byte strings; the strategy skips them).
fn secp256k1_key() -> impl Strategy<Value = [u8; 32]> {
    any::<[u8; 32]>().prop_filter("valid scalar", |k| k256::SecretKey::from_slice(k).is_ok())
}

fn hex_of(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

proptest! {
    // proptest's default: 256 cases, or `PROPTEST_CASES` (fewer under qemu: `cargo xtask test`).
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn mnemonic_round_trips_in_every_language(language in language(), (count, entropy) in word_count_and_entropy()) {
        let mnemonic = Mnemonic::from_entropy(language, &entropy).expect("valid length");
        prop_assert_eq!(mnemonic.word_count(), count);
        let phrase = mnemonic.expose_phrase();
        let separator = if language == Language::Japanese { '\u{3000}' } else { ' ' };
        prop_assert_eq!(phrase.expose_str().split(separator).count(), count.words());

        let parsed = Mnemonic::parse_in(language, phrase.expose_str()).expect("own phrase parses");
        prop_assert_eq!(parsed.expose_entropy().expose_bytes().to_vec(), entropy.clone());
        prop_assert_eq!(&parsed, &mnemonic);

        let detected = Mnemonic::parse(phrase.expose_str()).expect("own phrase parses with detection");
        prop_assert_eq!(detected.expose_entropy().expose_bytes().to_vec(), entropy.clone());
        if detected.language() != language {
            // Only possible for a Chinese phrase written entirely with characters both Chinese
            // lists share (at the same indices): the phrase, and so the seed, are identical.
            prop_assert_eq!(language, Language::ChineseTraditional);
            prop_assert_eq!(detected.language(), Language::ChineseSimplified);
            prop_assert_eq!(detected.expose_phrase(), phrase.clone());
        }

        // Debug never shows a word or the entropy: it is a fixed text. (Checking for each word
        // would be wrong: short words such as "act" occur inside "[redacted]".)
        let printed = format!("{mnemonic:?} {:?} {:?}", mnemonic.expose_entropy(), phrase);
        prop_assert_eq!(printed.as_str(), "Mnemonic([redacted]) SecretBytes([redacted]) SecretString([redacted])");
        prop_assert!(!printed.contains(phrase.expose_str()));
    }

    #[test]
    fn seeds_and_fingerprints_are_deterministic(language in language(), (_count, entropy) in word_count_and_entropy(), passphrase in "\\PC{0,12}") {
        let mnemonic = Mnemonic::from_entropy(language, &entropy).expect("valid");
        let seed = mnemonic.to_seed(&passphrase);
        prop_assert_eq!(&seed, &mnemonic.to_seed(&passphrase));
        let fingerprint = seed.master_fingerprint().expect("valid master key");
        prop_assert_eq!(fingerprint.to_string().len(), 8);
        let printed = format!("{seed:?}");
        prop_assert_eq!(printed.as_str(), "Seed([redacted])");
        prop_assert!(!printed.contains(&hex_of(&seed.expose_bytes()[..4])));
    }

    #[test]
    fn secp256k1_hex_round_trips(key in secp256k1_key(), prefix in prop::bool::ANY, upper in prop::bool::ANY, pad in "[ \t\n]{0,3}") {
        let mut text = hex_of(&key);
        if upper { text = text.to_uppercase(); }
        if prefix { text = format!("0x{text}"); }
        let input = format!("{pad}{text}{pad}");
        let parsed = PrivateKey::parse(&input, PrivateKeyKind::Secp256k1).expect("valid hex key");
        prop_assert_eq!(parsed.expose_bytes(), &key[..]);
        prop_assert_eq!(parsed.encoding(), KeyEncoding::Hex);
        prop_assert_eq!(parsed.label(), "secp256k1");
        let again = PrivateKey::parse(parsed.expose_text().expose_str(), PrivateKeyKind::Secp256k1).expect("canonical");
        prop_assert_eq!(&again, &parsed);
        let printed = format!("{parsed:?}");
        prop_assert!(!printed.to_lowercase().contains(&hex_of(&key[..4])));
    }

    #[test]
    fn wif_round_trips(key in secp256k1_key(), testnet in prop::bool::ANY, compressed in prop::bool::ANY) {
        let network = if testnet { WifNetwork::Testnet } else { WifNetwork::Mainnet };
        let encoding = KeyEncoding::Wif { network, compressed };
        let built = PrivateKey::from_parts(PrivateKeyKind::Secp256k1, encoding, &key).expect("valid");
        let wif = built.expose_text();
        prop_assert!(matches!(wif.len(), 51 | 52));
        let parsed = PrivateKey::parse(wif.expose_str(), PrivateKeyKind::Secp256k1).expect("valid WIF");
        prop_assert_eq!(&parsed, &built);
        prop_assert_eq!(parsed.encoding(), encoding);
        prop_assert_eq!(parsed.expose_bytes(), &key[..]);
        let printed = format!("{parsed:?}");
        prop_assert!(!printed.contains(&wif.expose_str()[..10]));
    }

    #[test]
    fn wif_typos_are_caught(key in secp256k1_key(), position in 1usize..50, replacement in prop::sample::select(b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".to_vec())) {
        let built = PrivateKey::from_parts(
            PrivateKeyKind::Secp256k1,
            KeyEncoding::Wif { network: WifNetwork::Mainnet, compressed: true },
            &key,
        ).expect("valid");
        let mut wif = built.expose_text().expose_str().as_bytes().to_vec();
        prop_assume!(wif[position] != replacement);
        wif[position] = replacement;
        let typo = String::from_utf8(wif).expect("ascii");
        let error = PrivateKey::parse(&typo, PrivateKeyKind::Secp256k1).expect_err("a one-character change is caught");
        let message = format!("{error} {error:?}");
        prop_assert!(!message.contains(&typo[..8]));
    }

    #[test]
    fn raw32_and_opaque_round_trip(key in any::<[u8; 32]>(), text in "\\PC{1,200}", label in "[a-z0-9._-]{1,32}") {
        prop_assume!(label != "secp256k1");
        let kind = PrivateKeyKind::Raw32(KindLabel::new(&label).expect("valid label"));
        let raw = PrivateKey::parse(&hex_of(&key), kind.clone()).expect("any 32 bytes");
        prop_assert_eq!(raw.expose_bytes(), &key[..]);
        prop_assert_eq!(raw.label(), label.as_str());
        prop_assert_eq!(&PrivateKey::parse(raw.expose_text().expose_str(), kind).expect("canonical"), &raw);

        prop_assume!(!text.trim().is_empty());
        let kind = PrivateKeyKind::Opaque(KindLabel::new(&label).expect("valid label"));
        let opaque = PrivateKey::parse(&text, kind.clone()).expect("opaque text");
        prop_assert_eq!(opaque.expose_bytes(), text.as_bytes());
        prop_assert_eq!(opaque.expose_text().expose_str().to_owned(), text.clone());
        let rebuilt = PrivateKey::from_parts(kind, KeyEncoding::Text, opaque.expose_bytes()).expect("parts");
        prop_assert_eq!(&rebuilt, &opaque);
        prop_assert_eq!(format!("{opaque:?}"), "PrivateKey([redacted])");
    }

    #[test]
    fn hostile_text_never_panics_and_errors_never_echo(input in "\\PC{0,300}", marker in "[a-z]{12}") {
        let _ = Mnemonic::parse(&input);
        let _ = Mnemonic::parse_in(Language::Japanese, &input);
        let _ = PrivateKey::parse(&input, PrivateKeyKind::Secp256k1);
        let _ = base58::decode_check(&input, 400);
        // Errors for input containing a distinctive token never contain that token.
        let poisoned = format!("{input} {marker}");
        for message in [
            Mnemonic::parse(&poisoned).err().map(|e| format!("{e} {e:?}")),
            PrivateKey::parse(&poisoned, PrivateKeyKind::Secp256k1).err().map(|e| format!("{e} {e:?}")),
            base58::decode_check(&poisoned, 400).err().map(|e| format!("{e} {e:?}")),
        ].into_iter().flatten() {
            prop_assert!(!message.contains(&marker), "error echoed input: {}", message);
        }
    }

    #[test]
    fn password_types_never_print_the_password(text in "\\PC{6,40}") {
        let password = BackupPassword::from_user_input(text.clone());
        prop_assert_eq!(format!("{password:?}"), "BackupPassword([redacted])");
        let policy = PasswordPolicy::new().with_wallet_password(text.clone());
        let printed = format!("{policy:?} {:?}", policy.check(&password));
        prop_assert!(!printed.contains(&text));
        let estimate = estimate_strength(&password, &KdfParams::recommended());
        let printed = format!("{estimate:?}");
        prop_assert!(!printed.contains(&text));
        prop_assert!((0.0..=200.0).contains(&estimate.guesses_log10));
    }
}

#[test]
fn wif_reference_example() {
    // The Bitcoin wiki's WIF example key, uncompressed and compressed.
    let key = "0C28FCA386C7A227600B2FE50B7CAE11EC86D3BF1FBE471BE89827E19D72AA1D";
    let uncompressed =
        PrivateKey::parse("5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ", PrivateKeyKind::Secp256k1)
            .expect("valid WIF");
    assert_eq!(hex::encode_upper(uncompressed.expose_bytes()), key);
    assert_eq!(uncompressed.encoding(), KeyEncoding::Wif { network: WifNetwork::Mainnet, compressed: false });
    let compressed =
        PrivateKey::parse("KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617", PrivateKeyKind::Secp256k1)
            .expect("valid WIF");
    assert_eq!(compressed.expose_bytes(), uncompressed.expose_bytes());
    assert_eq!(compressed.encoding(), KeyEncoding::Wif { network: WifNetwork::Mainnet, compressed: true });
    let from_hex = PrivateKey::parse(key, PrivateKeyKind::Secp256k1).expect("valid hex");
    assert_eq!(from_hex.expose_bytes(), uncompressed.expose_bytes());
    assert_ne!(from_hex, uncompressed, "same key, different encoding");
}

#[test]
fn private_key_errors_are_typed() {
    let secp = || PrivateKeyKind::Secp256k1;
    assert_eq!(PrivateKey::parse("   ", secp()), Err(PrivateKeyError::Empty));
    assert_eq!(PrivateKey::parse("abcd", secp()), Err(PrivateKeyError::BadHexLength));
    assert_eq!(PrivateKey::parse(&"0".repeat(64), secp()), Err(PrivateKeyError::InvalidScalar));
    let order = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141";
    assert_eq!(PrivateKey::parse(order, secp()), Err(PrivateKeyError::InvalidScalar));
    let order_minus_one = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364140";
    assert!(PrivateKey::parse(order_minus_one, secp()).is_ok());
    let bad_hex = format!("0x{}zz", "1".repeat(62));
    assert_eq!(PrivateKey::parse(&bad_hex, secp()), Err(PrivateKeyError::InvalidHex));
    assert_eq!(PrivateKey::parse("not a key at all", secp()), Err(PrivateKeyError::UnrecognisedFormat));
    // Last character changed: checksum.
    assert_eq!(
        PrivateKey::parse("5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTK", secp()),
        Err(PrivateKeyError::BadWifChecksum)
    );
    // Valid Base58Check, wrong version byte (0x00, an address version).
    let wrong_version = base58::encode_check(&[&[0x00][..], &[1u8; 32]].concat());
    assert_eq!(PrivateKey::parse(&wrong_version, secp()), Err(PrivateKeyError::UnknownWifVersion));
    // Valid Base58Check, wrong payload length.
    let short = base58::encode_check(&[&[0x80][..], &[1u8; 31]].concat());
    assert_eq!(PrivateKey::parse(&short, secp()), Err(PrivateKeyError::BadWifLength));
    let bad_flag = base58::encode_check(&[&[0x80][..], &[1u8; 32], &[0x02]].concat());
    assert_eq!(PrivateKey::parse(&bad_flag, secp()), Err(PrivateKeyError::BadWifLength));

    let ed25519 = || PrivateKeyKind::Raw32(KindLabel::new("ed25519").expect("label"));
    assert_eq!(
        PrivateKey::parse("5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ", ed25519()),
        Err(PrivateKeyError::BadHexLength)
    );
    assert!(PrivateKey::parse(&"0".repeat(64), ed25519()).is_ok(), "no scalar check for other curves");

    let solana = || PrivateKeyKind::Opaque(KindLabel::new("solana").expect("label"));
    let huge = "k".repeat(cairn_crypto::private_key::MAX_OPAQUE_KEY_BYTES + 1);
    assert_eq!(PrivateKey::parse(&huge, solana()), Err(PrivateKeyError::TooLong { max_bytes: 1024 }));
    assert_eq!(PrivateKey::parse("", solana()), Err(PrivateKeyError::Empty));
    let spaced = PrivateKey::parse(" keep my spaces ", solana()).expect("opaque");
    assert_eq!(spaced.expose_bytes(), b" keep my spaces ");

    for bad_label in ["", "Solana", "has space", "x".repeat(33).as_str(), "émoji"] {
        assert_eq!(KindLabel::new(bad_label), Err(PrivateKeyError::BadLabel), "{bad_label}");
    }
    assert_eq!(KindLabel::new("secp256k1"), Err(PrivateKeyError::ReservedLabel));

    // from_parts validates like parse.
    assert_eq!(
        PrivateKey::from_parts(secp(), KeyEncoding::Hex, &[0u8; 32]),
        Err(PrivateKeyError::InvalidScalar)
    );
    assert!(PrivateKey::from_parts(secp(), KeyEncoding::Text, &[1u8; 32]).is_err());
    assert!(PrivateKey::from_parts(secp(), KeyEncoding::Hex, &[1u8; 31]).is_err());
}

#[test]
fn seed_round_trips_through_bytes() {
    let mnemonic = Mnemonic::from_entropy(Language::English, &[0x42; 32]).expect("valid");
    let seed = mnemonic.to_seed("");
    let copy = Seed::from_bytes(*seed.expose_bytes());
    assert_eq!(copy, seed);
    assert_eq!(copy.master_fingerprint(), seed.master_fingerprint());
}
