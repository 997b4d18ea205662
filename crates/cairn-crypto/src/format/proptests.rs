//! Property tests: round trips for every secret kind and language, every single-bit change
//! rejected, and arbitrary bytes never panicking any parser.

use proptest::prelude::*;

use super::epoch::{self, UnlockedEpoch};
use super::plaintext::{RecordPlaintext, WalletSecret};
use super::{EpochId, FormatError, MAX_OBJECT_LEN, ObjectInfo, inspect, unlock_epoch};
use crate::base58;
use crate::bip32::Fingerprint;
use crate::kdf::KdfParams;
use crate::mnemonic::{Language, Mnemonic};
use crate::password::BackupPassword;
use crate::private_key::{KindLabel, PrivateKey, PrivateKeyKind};
use crate::secret::{Key256, SecretString};

fn any_language() -> impl Strategy<Value = Language> {
    proptest::sample::select(Language::ALL.to_vec())
}

fn mnemonic_secret() -> impl Strategy<Value = WalletSecret> {
    (
        any_language(),
        proptest::sample::select(vec![16usize, 20, 24, 28, 32]),
        any::<[u8; 32]>(),
        proptest::option::of(".{1,24}"),
        proptest::option::of(any::<[u8; 4]>()),
    )
        .prop_map(|(language, len, entropy, passphrase, fingerprint)| {
            let mnemonic = Mnemonic::from_entropy(language, &entropy[..len]).expect("valid length");
            WalletSecret::mnemonic(mnemonic, passphrase.map(SecretString::new), fingerprint.map(Fingerprint))
                .expect("bounded passphrase")
        })
}

fn kind_label() -> impl Strategy<Value = KindLabel> {
    "[a-z0-9._-]{1,32}".prop_filter_map("reserved label", |label| KindLabel::new(&label).ok())
}

fn private_key_secret() -> impl Strategy<Value = WalletSecret> {
    let secp_hex = any::<[u8; 32]>().prop_filter_map("not a scalar", |key| {
        PrivateKey::parse(&hex::encode(key), PrivateKeyKind::Secp256k1).ok()
    });
    let secp_wif = (any::<[u8; 32]>(), any::<bool>(), any::<bool>()).prop_filter_map(
        "not a scalar",
        |(key, mainnet, compressed)| {
            let mut payload = vec![if mainnet { 0x80 } else { 0xef }];
            payload.extend_from_slice(&key);
            if compressed {
                payload.push(0x01);
            }
            PrivateKey::parse(&base58::encode_check(&payload), PrivateKeyKind::Secp256k1).ok()
        },
    );
    let raw32 = (kind_label(), any::<[u8; 32]>()).prop_filter_map("rejected", |(label, key)| {
        PrivateKey::parse(&hex::encode(key), PrivateKeyKind::Raw32(label)).ok()
    });
    let opaque = (kind_label(), "\\PC{1,120}").prop_filter_map("blank", |(label, text)| {
        PrivateKey::parse(&text, PrivateKeyKind::Opaque(label)).ok()
    });
    prop_oneof![secp_hex, secp_wif, raw32, opaque].prop_map(WalletSecret::private_key)
}

fn any_secret() -> impl Strategy<Value = WalletSecret> {
    prop_oneof![mnemonic_secret(), private_key_secret()]
}

fn any_plaintext() -> impl Strategy<Value = RecordPlaintext> {
    (any_secret(), ".{0,60}", proptest::collection::vec("[!-~]{1,64}", 0..=16), any::<u64>()).prop_map(
        |(secret, label, hints, updated_at)| {
            RecordPlaintext::new(secret, label, hints, updated_at).expect("bounded")
        },
    )
}

fn any_epoch() -> impl Strategy<Value = UnlockedEpoch> {
    (any::<[u8; 16]>(), any::<[u8; 32]>()).prop_map(|(id, key)| {
        UnlockedEpoch::from_parts(EpochId::from_bytes(id), Key256::from_bytes(key)).expect("epoch")
    })
}

fn tiny_epoch(password: &str) -> (Vec<u8>, UnlockedEpoch) {
    let password = BackupPassword::from_user_input(password.to_owned());
    epoch::create_epoch(&password, KdfParams::insecure_for_tests(), 1_767_225_600).expect("create")
}

proptest! {
    // proptest's default: 256 cases, or `PROPTEST_CASES` (fewer under qemu: `cargo xtask test`).
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn records_round_trip(epoch in any_epoch(), plaintext in any_plaintext(), created_at in any::<u64>()) {
        let object = epoch.seal_record(&plaintext, created_at).expect("seal");
        prop_assert!(object.len() <= MAX_OBJECT_LEN);
        let opened = epoch.open_record(&object).expect("open");
        prop_assert!(opened == plaintext);
        let Ok(ObjectInfo::Record(info)) = inspect(&object) else { panic!("inspect") };
        prop_assert_eq!(info.epoch_id, epoch.epoch_id());
        prop_assert_eq!(info.created_at, created_at);
        prop_assert_eq!(info.record_id, epoch.record_id_for(plaintext.secret()).expect("id"));
        // The padded size depends on the padding class only.
        prop_assert_eq!(object.len(), 136 + info.padded_len);
    }

    #[test]
    fn record_id_is_stable_and_metadata_free(epoch in any_epoch(), plaintext in any_plaintext()) {
        let first = epoch.seal_record(&plaintext, 1).expect("seal");
        let renamed = RecordPlaintext::new(plaintext.secret().clone(), "renamed".into(), vec![], 7).expect("valid");
        let second = epoch.seal_record(&renamed, 2).expect("seal");
        let id = |object: &[u8]| match inspect(object) {
            Ok(ObjectInfo::Record(info)) => info.record_id,
            other => panic!("{other:?}"),
        };
        prop_assert_eq!(id(&first), id(&second));
        prop_assert_ne!(&first[64..88], &second[64..88], "fresh nonce per record");
    }

    #[test]
    fn record_ids_differ_across_epochs(a in any_epoch(), b in any_epoch(), secret in any_secret()) {
        prop_assert_ne!(a.record_id_for(&secret).expect("id"), b.record_id_for(&secret).expect("id"));
    }

    #[test]
    fn any_bit_flip_in_a_record_is_rejected(
        epoch in any_epoch(), plaintext in any_plaintext(), bit in any::<prop::sample::Index>()
    ) {
        let object = epoch.seal_record(&plaintext, 5).expect("seal");
        let mut flipped = object.clone();
        let position = bit.index(object.len() * 8);
        flipped[position / 8] ^= 1 << (position % 8);
        prop_assert!(epoch.open_record(&flipped).is_err());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..5000)) {
        let _ = inspect(&bytes);
        let _ = RecordPlaintext::decode_padded(&bytes);
        let epoch = UnlockedEpoch::from_parts(EpochId::from_bytes([0; 16]), Key256::from_bytes([0; 32])).expect("epoch");
        let _ = epoch.open_record(&bytes);
    }

    #[test]
    fn arbitrary_bodies_behind_valid_headers_never_panic(
        object_type in 1u8..=2, class in 0u8..=5, body in proptest::collection::vec(any::<u8>(), 0..4400)
    ) {
        // A valid prefix and a correct checksum get arbitrary bytes past the first checks.
        let mut object = b"CAIRN\x01".to_vec();
        object.push(object_type);
        object.extend_from_slice(&body);
        if object.len() > 63 {
            object[63] = class;
        }
        let checksum = super::wire::checksum(&object);
        object.extend_from_slice(&checksum);
        let _ = inspect(&object);
        let epoch = UnlockedEpoch::from_parts(EpochId::from_bytes([0; 16]), Key256::from_bytes([0; 32])).expect("epoch");
        let _ = epoch.open_record(&object);
    }

    #[test]
    fn mutated_plaintexts_never_panic(
        plaintext in any_plaintext(), edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)
    ) {
        let mut padded = plaintext.encode_padded().to_vec();
        for (index, value) in edits {
            let at = index.index(padded.len());
            padded[at] = value;
        }
        let _ = RecordPlaintext::decode_padded(&padded);
    }

    #[test]
    fn epochs_round_trip_and_reject_other_passwords(password in "\\PC{6,20}", other in "\\PC{6,20}") {
        prop_assume!(BackupPassword::from_user_input(password.clone()) != BackupPassword::from_user_input(other.clone()));
        let (object, created) = tiny_epoch(&password);
        let unlocked = unlock_epoch(&object, &BackupPassword::from_user_input(password)).expect("unlock");
        prop_assert_eq!(unlocked.epoch_id(), created.epoch_id());
        prop_assert!(unlocked.expose_epoch_key() == created.expose_epoch_key());
        prop_assert_eq!(
            unlock_epoch(&object, &BackupPassword::from_user_input(other)).map(|_| ()),
            Err(FormatError::WrongPassword)
        );
    }
}

#[test]
fn every_single_bit_flip_of_an_epoch_is_rejected() {
    let (object, _) = tiny_epoch("correct horse");
    let password = BackupPassword::from_user_input("correct horse".to_owned());
    assert!(unlock_epoch(&object, &password).is_ok());
    for position in 0..object.len() * 8 {
        let mut flipped = object.clone();
        flipped[position / 8] ^= 1 << (position % 8);
        assert!(unlock_epoch(&flipped, &password).is_err(), "bit {position} accepted");
    }
}

#[test]
fn every_single_bit_flip_of_a_record_is_rejected() {
    let (_, epoch) = tiny_epoch("correct horse");
    let mnemonic = Mnemonic::from_entropy(Language::English, &[0x42; 32]).expect("mnemonic");
    let secret = WalletSecret::mnemonic(mnemonic, None, Some(Fingerprint([1, 2, 3, 4]))).expect("secret");
    let plaintext =
        RecordPlaintext::new(secret, "label".into(), vec!["eip155:1".into()], 9).expect("plaintext");
    let object = epoch.seal_record(&plaintext, 1).expect("seal");
    for position in 0..object.len() * 8 {
        let mut flipped = object.clone();
        flipped[position / 8] ^= 1 << (position % 8);
        assert!(epoch.open_record(&flipped).is_err(), "bit {position} accepted");
    }
}

#[test]
fn padding_hides_word_count_and_short_labels() {
    let epoch =
        UnlockedEpoch::from_parts(EpochId::from_bytes([1; 16]), Key256::from_bytes([2; 32])).expect("epoch");
    let mut sizes = Vec::new();
    for len in [16, 20, 24, 28, 32] {
        for label in ["", "Main", &"x".repeat(150)] {
            let mnemonic = Mnemonic::from_entropy(Language::Japanese, &[7u8; 32][..len]).expect("mnemonic");
            let secret = WalletSecret::mnemonic(mnemonic, None, Some(Fingerprint([0; 4]))).expect("secret");
            let plaintext = RecordPlaintext::new(secret, label.to_owned(), vec![], 0).expect("plaintext");
            sizes.push(epoch.seal_record(&plaintext, 0).expect("seal").len());
        }
    }
    assert!(sizes.iter().all(|&size| size == 392), "{sizes:?}");
}
