//! The BIP39 reference vectors (trezor/python-mnemonic, see `tests/data/README.md`) for all ten
//! official languages, plus one negative test per `MnemonicError` variant.

use cairn_crypto::base58;
use cairn_crypto::bip32::Fingerprint;
use cairn_crypto::mnemonic::{Language, Mnemonic, MnemonicError, WordCount};
use k256::elliptic_curve::point::AffineCoordinates;
use ripemd::Ripemd160;
use sha2::{Digest, Sha256};
use unicode_normalization::UnicodeNormalization;

const VECTORS: &str = include_str!("data/bip39-trezor-vectors.json");

/// `[entropy_hex, mnemonic, seed_hex, xprv]`
type Vector = [String; 4];

fn vectors() -> Vec<(Language, Vec<Vector>)> {
    let all: serde_json::Map<String, serde_json::Value> = serde_json::from_str(VECTORS).expect("valid JSON");
    let languages = [
        ("english", Language::English),
        ("japanese", Language::Japanese),
        ("korean", Language::Korean),
        ("spanish", Language::Spanish),
        ("chinese_simplified", Language::ChineseSimplified),
        ("chinese_traditional", Language::ChineseTraditional),
        ("french", Language::French),
        ("italian", Language::Italian),
        ("czech", Language::Czech),
        ("portuguese", Language::Portuguese),
    ];
    languages
        .into_iter()
        .map(|(name, language)| {
            let list = all.get(name).expect("vectors for every official language").clone();
            let parsed: Vec<Vector> = serde_json::from_value(list).expect("vector shape");
            (language, parsed)
        })
        .collect()
}

fn nfkd(text: &str) -> String {
    text.nfkd().collect()
}

/// The fingerprint computed from the xprv of the vector file (not from our seed), so the check
/// below ties `master_fingerprint` to the reference master key.
fn fingerprint_of_xprv(xprv: &str) -> Fingerprint {
    let raw = base58::decode_check(xprv, 200).expect("reference xprv decodes");
    assert_eq!(raw.len(), 78);
    assert_eq!(&raw[..4], &[0x04, 0x88, 0xAD, 0xE4], "mainnet xprv version");
    assert_eq!(raw[4], 0, "depth 0");
    assert_eq!(raw[45], 0, "private key marker");
    let secret = k256::SecretKey::from_slice(&raw[46..78]).expect("valid key");
    let public = secret.public_key();
    let point = public.as_affine();
    let mut compressed = vec![if bool::from(point.y_is_odd()) { 3 } else { 2 }];
    compressed.extend_from_slice(&point.x());
    let hash = Ripemd160::digest(Sha256::digest(&compressed));
    Fingerprint([hash[0], hash[1], hash[2], hash[3]])
}

#[test]
fn every_official_language_vector() {
    let mut checked = 0;
    for (language, list) in vectors() {
        assert_eq!(list.len(), 24, "{language:?}");
        for [entropy_hex, phrase, seed_hex, xprv] in list {
            let entropy = hex::decode(&entropy_hex).expect("hex");
            let context = format!("{language:?} {entropy_hex}");

            // entropy → phrase: identical after NFKD (as BIP39 defines), and our NFC display
            // form is exactly the reference's NFC form (including the U+3000 separator).
            let mnemonic = Mnemonic::from_entropy(language, &entropy).expect(&context);
            let ours = mnemonic.expose_phrase();
            assert_eq!(nfkd(ours.expose_str()), nfkd(&phrase), "{context}");
            assert_eq!(ours.expose_str(), phrase.nfc().collect::<String>(), "{context}");
            if language == Language::Japanese {
                assert!(
                    ours.expose_str().contains('\u{3000}') && !ours.expose_str().contains(' '),
                    "{context}"
                );
            }
            assert_eq!(mnemonic.word_count().entropy_bytes(), entropy.len(), "{context}");
            assert_eq!(mnemonic.language(), language);

            // phrase → entropy, in the stated language and with detection, from both NFC and
            // NFKD spellings.
            for spelling in [phrase.clone(), nfkd(&phrase), phrase.nfc().collect()] {
                let parsed = Mnemonic::parse_in(language, &spelling).expect(&context);
                assert_eq!(parsed, mnemonic, "{context}");
                let detected = Mnemonic::parse(&spelling).expect(&context);
                assert_eq!(detected.expose_entropy(), mnemonic.expose_entropy(), "{context}");
                // The two Chinese lists share 1275 characters at the same indices: a phrase made
                // only of shared characters is the same phrase in either, so either is correct.
                if detected.language() != language {
                    assert!(
                        matches!(
                            (language, detected.language()),
                            (Language::ChineseTraditional, Language::ChineseSimplified)
                        ),
                        "{context}"
                    );
                    assert_eq!(detected.expose_phrase(), mnemonic.expose_phrase(), "{context}");
                }
            }

            // phrase + "TREZOR" → seed → master xprv and fingerprint.
            let seed = mnemonic.to_seed("TREZOR");
            assert_eq!(hex::encode(seed.expose_bytes()), seed_hex, "{context}");
            assert_eq!(seed.expose_master_xprv().expect("valid master").expose_str(), xprv, "{context}");
            assert_eq!(
                seed.master_fingerprint().expect("valid master"),
                fingerprint_of_xprv(&xprv),
                "{context}"
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 240);
}

#[test]
fn well_known_fingerprint_without_passphrase() {
    // "abandon … about" with no passphrase: master fingerprint 73c5da0a, as shown by hardware
    // wallets and used throughout BIP84/BIP86 examples.
    let mnemonic = Mnemonic::parse(
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
    )
    .expect("valid");
    let fingerprint = mnemonic.to_seed("").master_fingerprint().expect("valid master");
    assert_eq!(fingerprint.to_string(), "73c5da0a");
    assert_ne!(mnemonic.to_seed("TREZOR").master_fingerprint().expect("valid master"), fingerprint);
}

#[test]
fn passphrase_is_nfkd_normalised() {
    let mnemonic = Mnemonic::from_entropy(Language::English, &[7; 16]).expect("valid");
    let composed = mnemonic.to_seed("caf\u{e9}");
    let decomposed = mnemonic.to_seed("cafe\u{301}");
    assert_eq!(composed, decomposed);
    assert_ne!(composed, mnemonic.to_seed("cafe"));
}

const ABANDON_11: &str =
    "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon";

#[test]
fn unknown_word_reports_its_position_not_the_word() {
    let error = Mnemonic::parse(&format!("{ABANDON_11} zzyzxq")).expect_err("unknown word");
    assert_eq!(error, MnemonicError::UnknownWord { position: 12 });
    let error = Mnemonic::parse(&format!("qqqzzyzxq {ABANDON_11}")).expect_err("unknown word");
    assert_eq!(error, MnemonicError::UnknownWord { position: 1 });
    assert!(!error.to_string().contains("qqqzzyzxq") && !format!("{error:?}").contains("qqqzzyzxq"));
    // A typo in the middle of an otherwise valid phrase.
    let typo =
        "abandon abandon abandon abandon abandonn abandon abandon abandon abandon abandon abandon about";
    assert_eq!(Mnemonic::parse(typo), Err(MnemonicError::UnknownWord { position: 5 }));
    // Right words, wrong stated language.
    let english = format!("{ABANDON_11} about");
    assert_eq!(
        Mnemonic::parse_in(Language::Spanish, &english),
        Err(MnemonicError::UnknownWord { position: 1 })
    );
    // An absurdly long "word" is refused before normalisation.
    let long = format!("{ABANDON_11} {}", "a".repeat(10_000));
    assert_eq!(Mnemonic::parse(&long), Err(MnemonicError::UnknownWord { position: 12 }));
}

#[test]
fn bad_checksum() {
    let error = Mnemonic::parse(&format!("{ABANDON_11} abandon")).expect_err("checksum");
    assert_eq!(error, MnemonicError::BadChecksum);
    // Two valid words swapped.
    let swapped = "legal winner thank year wave sausage worth useful legal winner yellow thank";
    assert_eq!(Mnemonic::parse(swapped), Err(MnemonicError::BadChecksum));
    assert!(!error.to_string().contains("abandon"));
}

#[test]
fn bad_word_count() {
    assert_eq!(Mnemonic::parse(ABANDON_11), Err(MnemonicError::BadWordCount { count: 11 }));
    assert_eq!(Mnemonic::parse(""), Err(MnemonicError::BadWordCount { count: 0 }));
    assert_eq!(Mnemonic::parse(" \u{3000}\t\n "), Err(MnemonicError::BadWordCount { count: 0 }));
    let twenty_five = vec!["abandon"; 25].join(" ");
    assert_eq!(Mnemonic::parse(&twenty_five), Err(MnemonicError::BadWordCount { count: 25 }));
    let thirteen = format!("{ABANDON_11} about about");
    assert_eq!(
        Mnemonic::parse_in(Language::English, &thirteen),
        Err(MnemonicError::BadWordCount { count: 13 })
    );
    let error = Mnemonic::parse("correct horse battery staple").expect_err("count");
    assert_eq!(error, MnemonicError::BadWordCount { count: 4 });
    assert!(!error.to_string().contains("horse"));
}

#[test]
fn mixed_languages() {
    // Eleven English words and one Spanish-only word.
    let mixed = format!("{ABANDON_11} \u{e1}baco");
    assert_eq!(Mnemonic::parse(&mixed), Err(MnemonicError::MixedLanguages));
    // Half Italian, half Czech.
    let half = "abaco abaco abaco abaco abaco abaco abdikace abdikace abdikace abdikace abdikace abdikace";
    let error = Mnemonic::parse(half).expect_err("mixed");
    assert_eq!(error, MnemonicError::MixedLanguages);
    assert!(!error.to_string().contains("abaco"));
}

#[test]
fn bad_entropy_length() {
    for len in [0usize, 1, 12, 15, 17, 31, 33, 64] {
        let entropy = vec![0u8; len];
        assert_eq!(
            Mnemonic::from_entropy(Language::English, &entropy),
            Err(MnemonicError::BadEntropyLength),
            "{len}"
        );
    }
    for count in WordCount::ALL {
        let entropy = vec![0u8; count.entropy_bytes()];
        let mnemonic = Mnemonic::from_entropy(Language::Korean, &entropy).expect("valid");
        assert_eq!(mnemonic.word_count(), count);
    }
}

#[test]
fn generation_uses_fresh_randomness_and_the_rng_error_is_typed() {
    let a = Mnemonic::generate(WordCount::Words24, Language::English).expect("os rng");
    let b = Mnemonic::generate(WordCount::Words24, Language::English).expect("os rng");
    assert_ne!(a, b);
    assert_eq!(a.word_count(), WordCount::Words24);
    let japanese = Mnemonic::generate(WordCount::Words12, Language::Japanese).expect("os rng");
    assert_eq!(japanese.expose_phrase().expose_str().split('\u{3000}').count(), 12);
    // The OS RNG cannot be made to fail here; check the variant's text is about the RNG.
    let error = MnemonicError::Rng(getrandom::Error::UNSUPPORTED);
    assert!(error.to_string().contains("random number generator"));
}
