//! Known-answer vectors: `tests/vectors/format-v1.json`.
//!
//! `compute` turns the file's inputs (fixed passwords, salts, nonces, keys, timestamps and
//! wallet contents) into every expected value, byte for byte; the test checks the file against
//! it and then exercises the public API on the file's bytes (unlock, open, inspect, and each
//! negative vector's expected error). To change the vectors deliberately, run
//! `CAIRN_WRITE_VECTORS=1 cargo test -p cairn-crypto format::vector_tests -- --ignored` and
//! review the diff: a change to existing bytes is a format break.

use serde_json::{Value, json};

use super::epoch::{self, UnlockedEpoch};
use super::plaintext::{RecordPlaintext, WalletSecret, padded_len};
use super::record;
use super::{EpochId, FormatError, ObjectInfo, RecordId, inspect, unlock_epoch};
use crate::bip32::Fingerprint;
use crate::kdf::{KdfParams, derive_password_key};
use crate::mnemonic::{Language, Mnemonic};
use crate::password::BackupPassword;
use crate::private_key::{KindLabel, PrivateKey, PrivateKeyKind};
use crate::secret::{Key256, SecretString};

const VECTORS_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/format-v1.json");

fn unhex(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().expect("hex string")).expect("valid hex")
}

fn unhex_array<const N: usize>(value: &Value) -> [u8; N] {
    unhex(value).try_into().expect("hex of the right length")
}

fn number(value: &Value) -> u64 {
    value.as_u64().expect("unsigned number")
}

fn text(value: &Value) -> &str {
    value.as_str().expect("string")
}

fn kdf_params(value: &Value) -> KdfParams {
    let field = |name: &str| u32::try_from(number(&value[name])).expect("u32");
    KdfParams::from_untrusted(field("memory_kib"), field("iterations"), field("parallelism"))
        .expect("in bounds")
}

fn language(name: &str) -> Language {
    Language::ALL
        .into_iter()
        .find(|language| language_name(*language) == name)
        .unwrap_or_else(|| panic!("unknown language {name}"))
}

fn language_name(language: Language) -> &'static str {
    match language {
        Language::English => "english",
        Language::Japanese => "japanese",
        Language::Korean => "korean",
        Language::Spanish => "spanish",
        Language::ChineseSimplified => "chinese_simplified",
        Language::ChineseTraditional => "chinese_traditional",
        Language::French => "french",
        Language::Italian => "italian",
        Language::Czech => "czech",
        Language::Portuguese => "portuguese",
    }
}

/// An epoch vector: its inputs, and the epoch they produce.
fn compute_epoch(inputs: &Value) -> (Value, Vec<u8>, UnlockedEpoch) {
    let typed = text(&inputs["password"]).to_owned();
    let password = BackupPassword::from_user_input(typed.clone());
    let params = kdf_params(&inputs["kdf"]);
    let salt = unhex_array(&inputs["salt"]);
    let epoch_key = Key256::from_bytes(unhex_array(&inputs["epoch_key"]));
    let (object, unlocked) = epoch::create_with(
        &password,
        params,
        number(&inputs["created_at"]),
        EpochId::from_bytes(unhex_array(&inputs["epoch_id"])),
        epoch_key,
        salt,
        unhex_array(&inputs["nonce"]),
    )
    .expect("create epoch");
    let password_key = derive_password_key(&password, &salt, &params).expect("kdf");
    let expected = json!({
        "password_utf8": hex::encode(typed.as_bytes()),
        "password_nfc_utf8": hex::encode(password.expose_nfc_bytes()),
        "password_key": hex::encode(password_key.expose_key_bytes()),
        "record_id_key": hex::encode(unlocked.expose_record_id_key().expose_key_bytes()),
        "object": hex::encode(&object),
    });
    (expected, object, unlocked)
}

fn build_secret(inputs: &Value) -> (WalletSecret, Value) {
    match text(&inputs["kind"]) {
        "mnemonic" => {
            let language = language(text(&inputs["language"]));
            let mnemonic = Mnemonic::from_entropy(language, &unhex(&inputs["entropy"])).expect("entropy");
            let passphrase = inputs["passphrase"].as_str().map(|p| SecretString::new(p.to_owned()));
            let fingerprint = inputs["with_fingerprint"].as_bool().expect("bool").then(|| {
                let typed = passphrase.as_ref().map_or("", SecretString::expose_str);
                mnemonic.to_seed(typed).master_fingerprint().expect("fingerprint")
            });
            let phrase = mnemonic.expose_phrase().expose_str().to_owned();
            let secret = WalletSecret::mnemonic(mnemonic, passphrase, fingerprint).expect("mnemonic secret");
            let WalletSecret::Mnemonic(m) = &secret else { unreachable!() };
            let facts = json!({
                "language_code": language.code(),
                "phrase": phrase,
                "passphrase_nfkd_utf8": m.expose_passphrase().map(|p| hex::encode(p.as_bytes())),
                "fingerprint": m.fingerprint().map(|f: Fingerprint| hex::encode(f.to_bytes())),
            });
            (secret, facts)
        }
        "private_key" => {
            let label = inputs["kind_label"].as_str();
            let kind = match text(&inputs["key_kind"]) {
                "secp256k1" => PrivateKeyKind::Secp256k1,
                "raw32" => PrivateKeyKind::Raw32(KindLabel::new(label.expect("label")).expect("label")),
                "opaque" => PrivateKeyKind::Opaque(KindLabel::new(label.expect("label")).expect("label")),
                other => panic!("unknown key kind {other}"),
            };
            let key = PrivateKey::parse(text(&inputs["key_text"]), kind).expect("key");
            let facts = json!({ "key_bytes": hex::encode(key.expose_bytes()) });
            (WalletSecret::private_key(key), facts)
        }
        other => panic!("unknown secret kind {other}"),
    }
}

fn build_plaintext(inputs: &Value) -> (RecordPlaintext, Value) {
    let (secret, facts) = build_secret(&inputs["secret"]);
    let hints =
        inputs["chain_hints"].as_array().expect("array").iter().map(|hint| text(hint).to_owned()).collect();
    let plaintext =
        RecordPlaintext::new(secret, text(&inputs["label"]).to_owned(), hints, number(&inputs["updated_at"]))
            .expect("plaintext");
    (plaintext, facts)
}

fn compute_record(epoch: &UnlockedEpoch, inputs: &Value) -> (Value, Vec<u8>) {
    let (plaintext, facts) = build_plaintext(inputs);
    let mut identity = Vec::new();
    plaintext.secret().encode_identity(&mut identity);
    let record_id = epoch.record_id_for(plaintext.secret()).expect("record id");
    let record_key = record::derive_record_key(epoch.expose_epoch_key(), &epoch.epoch_id(), &record_id)
        .expect("record key");
    let padded = plaintext.encode_padded();
    let object = epoch
        .seal_record_with(&plaintext, number(&inputs["created_at"]), unhex_array(&inputs["nonce"]))
        .expect("seal");
    let expected = json!({
        "secret": facts,
        "identity": hex::encode(&identity),
        "record_id": hex::encode(record_id.as_bytes()),
        "record_key": hex::encode(record_key.expose_key_bytes()),
        "padding_class": plaintext.padding_class(),
        "padded_plaintext": hex::encode(&*padded),
        "object": hex::encode(&object),
    });
    (expected, object)
}

fn flip_bit(object: &[u8], byte: usize, bit: u8) -> Vec<u8> {
    let mut flipped = object.to_vec();
    flipped[byte] ^= 1 << bit;
    flipped
}

fn with_fresh_checksum(mut object: Vec<u8>) -> Vec<u8> {
    let body_len = object.len() - 32;
    let checksum = super::wire::checksum(&object[..body_len]);
    object[body_len..].copy_from_slice(&checksum);
    object
}

fn replace(object: &[u8], offset: usize, bytes: &[u8]) -> Vec<u8> {
    let mut changed = object.to_vec();
    changed[offset..offset + bytes.len()].copy_from_slice(bytes);
    changed
}

fn negative(name: &str, description: &str, operation: &str, object: &[u8], expected_error: &str) -> Value {
    json!({
        "name": name,
        "description": description,
        "operation": operation,
        "object": hex::encode(object),
        "expected_error": expected_error,
    })
}

/// Negative vectors, derived from the positive ones. `unlock_epoch` uses the main epoch's
/// password unless the vector gives one; `open_record` uses the unlocked main epoch.
fn compute_negatives(
    epoch: &UnlockedEpoch,
    epoch_object: &[u8],
    records: &[Vec<u8>],
    other_epoch_record: &[u8],
) -> Vec<Value> {
    let record = &records[0];
    let mut negatives = vec![
        {
            let mut vector = negative(
                "epoch-wrong-password",
                "The main epoch with a wrong password.",
                "unlock_epoch",
                epoch_object,
                "WrongPassword",
            );
            vector["password"] = json!("correct horse battery stable");
            vector
        },
        negative(
            "epoch-flipped-salt-bit",
            "Bit 0 of byte 40 (in the salt) flipped; checksum left as it was.",
            "unlock_epoch",
            &flip_bit(epoch_object, 40, 0),
            "Corrupted",
        ),
        negative(
            "epoch-flipped-salt-bit-checksum-recomputed",
            "Bit 0 of byte 40 flipped and the checksum recomputed: the AEAD failure is reported as a wrong password (indistinguishable).",
            "unlock_epoch",
            &with_fresh_checksum(flip_bit(epoch_object, 40, 0)),
            "WrongPassword",
        ),
        negative(
            "epoch-flipped-created-at-bit-checksum-recomputed",
            "Bit 0 of byte 59 (created_at, authenticated as AAD) flipped, checksum recomputed.",
            "unlock_epoch",
            &with_fresh_checksum(flip_bit(epoch_object, 59, 0)),
            "WrongPassword",
        ),
        negative(
            "epoch-flipped-wrapped-key-bit",
            "Bit 7 of byte 100 (in the wrapped key) flipped; checksum left as it was.",
            "unlock_epoch",
            &flip_bit(epoch_object, 100, 7),
            "Corrupted",
        ),
        negative(
            "epoch-kdf-memory-1gib",
            "Memory set to 1 GiB (1048576 KiB), checksum recomputed: refused before any KDF work.",
            "unlock_epoch",
            &with_fresh_checksum(replace(epoch_object, 24, &1_048_576u32.to_be_bytes())),
            "KdfParamsOutOfBounds",
        ),
        negative(
            "epoch-kdf-zero-iterations",
            "Iterations set to 0, checksum recomputed.",
            "unlock_epoch",
            &with_fresh_checksum(replace(epoch_object, 28, &0u32.to_be_bytes())),
            "KdfParamsOutOfBounds",
        ),
        negative(
            "epoch-kdf-parallelism-17",
            "Parallelism set to 17, checksum recomputed.",
            "unlock_epoch",
            &with_fresh_checksum(replace(epoch_object, 32, &17u32.to_be_bytes())),
            "KdfParamsOutOfBounds",
        ),
        negative(
            "epoch-unknown-kdf",
            "KDF id set to 2, checksum recomputed.",
            "unlock_epoch",
            &with_fresh_checksum(replace(epoch_object, 23, &[2])),
            "Malformed",
        ),
        negative(
            "epoch-truncated",
            "The first 100 bytes of the main epoch.",
            "unlock_epoch",
            &epoch_object[..100],
            "Truncated",
        ),
        negative(
            "epoch-trailing-byte",
            "The main epoch followed by one zero byte.",
            "unlock_epoch",
            &[epoch_object, &[0]].concat(),
            "Malformed",
        ),
        negative(
            "epoch-newer-version",
            "Version byte set to 2; nothing else changed (a reader must not parse further).",
            "unlock_epoch",
            &replace(epoch_object, 5, &[2]),
            "UnsupportedVersion",
        ),
        negative(
            "epoch-newer-version-short",
            "Magic, version 7, and nothing else.",
            "unlock_epoch",
            b"CAIRN\x07",
            "UnsupportedVersion",
        ),
        negative(
            "epoch-bad-magic",
            "Magic changed to \"CAIRM\".",
            "unlock_epoch",
            &replace(epoch_object, 4, b"M"),
            "BadMagic",
        ),
        negative(
            "epoch-record-given",
            "A record object given to unlock_epoch.",
            "unlock_epoch",
            record,
            "WrongObjectType",
        ),
        negative(
            "record-flipped-ciphertext-bit",
            "Bit 3 of byte 200 (ciphertext) flipped; checksum left as it was.",
            "open_record",
            &flip_bit(record, 200, 3),
            "Corrupted",
        ),
        negative(
            "record-flipped-ciphertext-bit-checksum-recomputed",
            "Bit 3 of byte 200 flipped and the checksum recomputed.",
            "open_record",
            &with_fresh_checksum(flip_bit(record, 200, 3)),
            "AuthenticationFailed",
        ),
        negative(
            "record-flipped-tag-bit-checksum-recomputed",
            "Bit 0 of the last tag byte flipped, checksum recomputed.",
            "open_record",
            &with_fresh_checksum(flip_bit(record, record.len() - 33, 0)),
            "AuthenticationFailed",
        ),
        negative(
            "record-flipped-created-at-bit",
            "Bit 0 of byte 62 (created_at) flipped; checksum left as it was.",
            "open_record",
            &flip_bit(record, 62, 0),
            "Corrupted",
        ),
        negative(
            "record-flipped-created-at-bit-checksum-recomputed",
            "Bit 0 of byte 62 (created_at, authenticated as AAD) flipped, checksum recomputed.",
            "open_record",
            &with_fresh_checksum(flip_bit(record, 62, 0)),
            "AuthenticationFailed",
        ),
        negative(
            "record-flipped-record-id-bit-checksum-recomputed",
            "Bit 0 of byte 23 (record id: selects the record key) flipped, checksum recomputed.",
            "open_record",
            &with_fresh_checksum(flip_bit(record, 23, 0)),
            "AuthenticationFailed",
        ),
        negative(
            "record-from-another-epoch",
            "A record sealed in the \"other_epoch\" epoch, opened with the main epoch.",
            "open_record",
            other_epoch_record,
            "WrongEpoch",
        ),
        negative(
            "record-epoch-id-rewritten",
            "The other epoch's record with its epoch id rewritten to the main epoch's, checksum recomputed.",
            "open_record",
            &with_fresh_checksum(replace(other_epoch_record, 7, epoch.epoch_id().as_bytes())),
            "AuthenticationFailed",
        ),
        negative(
            "record-truncated",
            "The first 300 bytes of a record.",
            "open_record",
            &record[..300],
            "Truncated",
        ),
        negative(
            "record-truncated-inside-header",
            "The first 40 bytes of a record.",
            "open_record",
            &record[..40],
            "Truncated",
        ),
        negative(
            "record-newer-version",
            "Version byte set to 2.",
            "open_record",
            &replace(record, 5, &[2]),
            "UnsupportedVersion",
        ),
        negative(
            "record-bad-padding-class",
            "Padding class set to 5, checksum recomputed.",
            "open_record",
            &with_fresh_checksum(replace(record, 63, &[5])),
            "Malformed",
        ),
        negative(
            "record-unknown-object-type",
            "Object type set to 3, checksum recomputed.",
            "open_record",
            &with_fresh_checksum(replace(record, 6, &[3])),
            "Malformed",
        ),
        negative(
            "record-epoch-given",
            "An epoch object given to open_record.",
            "open_record",
            epoch_object,
            "WrongObjectType",
        ),
    ];
    negatives.extend(malformed_but_authentic(epoch));
    negatives
}

/// Records a correct writer never produces, sealed under the main epoch's real keys so that
/// they authenticate and only the plaintext or id checks can catch them.
fn malformed_but_authentic(epoch: &UnlockedEpoch) -> Vec<Value> {
    let inputs = json!({
        "secret": { "kind": "mnemonic", "language": "english", "entropy": "00".repeat(16),
                    "passphrase": null, "with_fingerprint": false },
        "label": "", "chain_hints": [], "updated_at": 0,
    });
    let (plaintext, _) = build_plaintext(&inputs);
    let record_id = epoch.record_id_for(plaintext.secret()).expect("record id");
    let nonce = [0x5a; 24];
    let seal = |record_id: RecordId, padded: &[u8]| {
        record::seal_padded(
            epoch.expose_epoch_key(),
            epoch.epoch_id(),
            record_id,
            0,
            padded,
            1_767_225_600,
            nonce,
        )
        .expect("seal")
    };
    let padded = plaintext.encode_padded();

    let mut nonzero_padding = padded.to_vec();
    *nonzero_padding.last_mut().expect("non-empty") = 1;
    let mut unknown_language = padded.to_vec();
    unknown_language[1] = 10;

    vec![
        negative(
            "record-id-mismatch",
            "A valid plaintext sealed under the id of a different wallet (all-0x11 record id).",
            "open_record",
            &seal(RecordId::from_bytes([0x11; 32]), &padded),
            "RecordIdMismatch",
        ),
        negative(
            "record-nonzero-padding",
            "A plaintext whose last padding byte is 0x01.",
            "open_record",
            &seal(record_id, &nonzero_padding),
            "Malformed",
        ),
        negative(
            "record-unknown-language",
            "A mnemonic plaintext with language code 10.",
            "open_record",
            &seal(record_id, &unknown_language),
            "Malformed",
        ),
    ]
}

/// Every expected value, recomputed from the file's inputs.
fn compute(file: &Value) -> Value {
    let (epoch_expected, epoch_object, epoch) = compute_epoch(&file["epoch"]["inputs"]);

    let rewrap_inputs = &file["rewrapped_epoch"]["inputs"];
    let new_password = BackupPassword::from_user_input(text(&rewrap_inputs["password"]).to_owned());
    let new_params = kdf_params(&rewrap_inputs["kdf"]);
    let new_salt = unhex_array(&rewrap_inputs["salt"]);
    let (rewrapped, _) = epoch::create_with(
        &new_password,
        new_params,
        number(&rewrap_inputs["created_at"]),
        epoch.epoch_id(),
        epoch.expose_epoch_key().clone(),
        new_salt,
        unhex_array(&rewrap_inputs["nonce"]),
    )
    .expect("rewrap");
    let new_password_key = derive_password_key(&new_password, &new_salt, &new_params).expect("kdf");

    let (other_expected, _, other_epoch) = compute_epoch(&file["other_epoch"]["inputs"]);

    let mut records = Vec::new();
    let mut record_objects = Vec::new();
    for vector in file["records"].as_array().expect("records") {
        let (expected, object) = compute_record(&epoch, &vector["inputs"]);
        records.push(json!({ "name": vector["name"], "inputs": vector["inputs"], "expected": expected }));
        record_objects.push(object);
    }
    let (other_record_expected, other_record) =
        compute_record(&other_epoch, &file["other_epoch"]["record_inputs"]);

    json!({
        "format": file["format"],
        "notes": file["notes"],
        "epoch": { "inputs": file["epoch"]["inputs"], "expected": epoch_expected },
        "rewrapped_epoch": {
            "inputs": rewrap_inputs,
            "expected": {
                "password_key": hex::encode(new_password_key.expose_key_bytes()),
                "object": hex::encode(&rewrapped),
            },
        },
        "other_epoch": {
            "inputs": file["other_epoch"]["inputs"],
            "expected": other_expected,
            "record_inputs": file["other_epoch"]["record_inputs"],
            "record_expected": other_record_expected,
        },
        "records": records,
        "negative": compute_negatives(&epoch, &epoch_object, &record_objects, &other_record),
    })
}

/// The inputs of the checked-in vectors. Only used to (re)write the file.
fn fixed_inputs() -> Value {
    let mnemonic_record = |language: &str, entropy: &str, passphrase: Option<&str>| {
        json!({ "kind": "mnemonic", "language": language, "entropy": entropy,
                "passphrase": passphrase, "with_fingerprint": true })
    };
    let long_label = "Cold storage — vault B, shelf 3. ".repeat(6);
    let many_hints: Vec<String> = (1..=16).map(|chain| format!("eip155:{chain}")).collect();
    json!({
        "format": "Cairn backup format v1 known-answer vectors (docs/FORMAT.md)",
        "notes": [
            "All byte strings are lowercase hex. Timestamps are Unix seconds.",
            "The KDF parameters here are deliberately tiny so the vectors run fast; real epochs use the recommended parameters (docs/adr/0001-kdf-parameters.md). Readers accept any parameters within the hard bounds.",
            "Salts, nonces, ids and keys are fixed here so the bytes are reproducible; real objects use fresh random values for every one of them.",
            "The English and Japanese entropies and phrases are from the BIP39 reference vectors of trezor/python-mnemonic (MIT licence).",
            "The secp256k1 key is the widely published Bitcoin wiki WIF example; the raw32 key is RFC 8032's test 1 secret key; the opaque text is made up. None holds funds.",
            "negative[].operation: unlock_epoch uses the epoch's password (or negative[].password); open_record uses the main epoch, unlocked.",
        ],
        "epoch": { "inputs": {
            "password": "Cairn pa\u{0073}\u{0073}wo\u{0308}rd ✓",
            "kdf": { "memory_kib": 256, "iterations": 2, "parallelism": 2 },
            "epoch_id": "00112233445566778899aabbccddeeff",
            "epoch_key": "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "salt": "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
            "nonce": "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7",
            "created_at": 1_767_225_600u64,
        }},
        "rewrapped_epoch": { "inputs": {
            "password": "correct horse battery staple",
            "kdf": { "memory_kib": 128, "iterations": 1, "parallelism": 1 },
            "salt": "d0d1d2d3d4d5d6d7d8d9dadbdcdddedf",
            "nonce": "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7",
            "created_at": 1_767_312_000u64,
        }},
        "other_epoch": {
            "inputs": {
                "password": "another password",
                "kdf": { "memory_kib": 64, "iterations": 1, "parallelism": 1 },
                "epoch_id": "ffeeddccbbaa99887766554433221100",
                "epoch_key": "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",
                "salt": "101112131415161718191a1b1c1d1e1f",
                "nonce": "202122232425262728292a2b2c2d2e2f3031323334353637",
                "created_at": 1_767_225_601u64,
            },
            "record_inputs": {
                "secret": mnemonic_record("english", "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f", None),
                "label": "Main wallet", "chain_hints": [], "updated_at": 0,
                "created_at": 1_767_225_700u64, "nonce": "4142434445464748494a4b4c4d4e4f505152535455565758",
            },
        },
        "records": [
            { "name": "mnemonic-english-12-words", "inputs": {
                "secret": mnemonic_record("english", "7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f", None),
                "label": "Main wallet",
                "chain_hints": ["bip122:000000000019d6689c085ae165831e93", "eip155:1"],
                "updated_at": 1_767_225_000u64,
                "created_at": 1_767_225_700u64,
                "nonce": "0101010101010101010101010101010101010101010101ff",
            }},
            { "name": "mnemonic-japanese-24-words-with-passphrase", "inputs": {
                "secret": mnemonic_record(
                    "japanese",
                    "8080808080808080808080808080808080808080808080808080808080808080",
                    Some("ｐａｓｓ ㍍ガ"),
                ),
                "label": "メインの財布",
                "chain_hints": [],
                "updated_at": 1_767_225_100u64,
                "created_at": 1_767_225_800u64,
                "nonce": "0202020202020202020202020202020202020202020202ff",
            }},
            { "name": "private-key-secp256k1-wif-compressed", "inputs": {
                "secret": { "kind": "private_key", "key_kind": "secp256k1", "kind_label": null,
                            "key_text": "KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617" },
                "label": "Paper wallet",
                "chain_hints": ["bip122:000000000019d6689c085ae165831e93"],
                "updated_at": 0,
                "created_at": 1_767_225_900u64,
                "nonce": "0303030303030303030303030303030303030303030303ff",
            }},
            { "name": "private-key-raw32-hex", "inputs": {
                "secret": { "kind": "private_key", "key_kind": "raw32", "kind_label": "ed25519",
                            "key_text": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60" },
                "label": "",
                "chain_hints": ["solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp"],
                "updated_at": 1_767_000_000u64,
                "created_at": 1_767_226_000u64,
                "nonce": "0404040404040404040404040404040404040404040404ff",
            }},
            { "name": "private-key-opaque-text-512-byte-bucket", "inputs": {
                "secret": { "kind": "private_key", "key_kind": "opaque", "kind_label": "stellar",
                            "key_text": "SAMPLE-OPAQUE-KEY-TEXT-FOR-CAIRN-VECTORS-ONLY-NOT-A-REAL-KEY" },
                "label": long_label,
                "chain_hints": many_hints,
                "updated_at": 1_767_100_000u64,
                "created_at": 1_767_226_100u64,
                "nonce": "0505050505050505050505050505050505050505050505ff",
            }},
        ],
    })
}

fn error_name(error: &FormatError) -> &'static str {
    match error {
        FormatError::BadMagic => "BadMagic",
        FormatError::UnsupportedVersion { .. } => "UnsupportedVersion",
        FormatError::Truncated { .. } => "Truncated",
        FormatError::Malformed(_) => "Malformed",
        FormatError::WrongObjectType { .. } => "WrongObjectType",
        FormatError::KdfParamsOutOfBounds { .. } => "KdfParamsOutOfBounds",
        FormatError::Kdf(_) => "Kdf",
        FormatError::Corrupted => "Corrupted",
        FormatError::WrongPassword => "WrongPassword",
        FormatError::AuthenticationFailed => "AuthenticationFailed",
        FormatError::WrongEpoch { .. } => "WrongEpoch",
        FormatError::RecordIdMismatch => "RecordIdMismatch",
        FormatError::RandomUnavailable => "RandomUnavailable",
        FormatError::Primitive(_) => "Primitive",
    }
}

fn read_vectors() -> Value {
    let text = std::fs::read_to_string(VECTORS_PATH).expect("vectors file present");
    serde_json::from_str(&text).expect("vectors file is JSON")
}

#[test]
#[ignore = "writes tests/vectors/format-v1.json; run deliberately and review the diff"]
fn write_vectors() {
    if std::env::var_os("CAIRN_WRITE_VECTORS").is_none() {
        return;
    }
    let vectors = compute(&fixed_inputs());
    let text = serde_json::to_string_pretty(&vectors).expect("serialise") + "\n";
    std::fs::write(VECTORS_PATH, text).expect("write vectors");
}

#[test]
fn vectors_file_matches_recomputation() {
    let file = read_vectors();
    let recomputed = compute(&file);
    for section in ["epoch", "rewrapped_epoch", "other_epoch"] {
        assert_eq!(file[section], recomputed[section], "section {section}");
    }
    let (file_records, new_records) =
        (file["records"].as_array().unwrap(), recomputed["records"].as_array().unwrap());
    assert_eq!(file_records.len(), new_records.len());
    for (stored, fresh) in file_records.iter().zip(new_records) {
        assert_eq!(stored, fresh, "record {}", stored["name"]);
    }
    assert_eq!(file["negative"], recomputed["negative"]);
    // The inputs must match the ones this file was written from, so a hand edit is caught too.
    assert_eq!(compute(&fixed_inputs()), file);
}

#[test]
fn vectors_open_through_the_public_api() {
    let file = read_vectors();
    let epoch_object = unhex(&file["epoch"]["expected"]["object"]);
    let password = BackupPassword::from_user_input(text(&file["epoch"]["inputs"]["password"]).to_owned());
    let epoch = unlock_epoch(&epoch_object, &password).expect("unlock");
    assert_eq!(epoch.epoch_id().as_bytes()[..], unhex(&file["epoch"]["inputs"]["epoch_id"])[..]);
    assert_eq!(
        epoch.expose_epoch_key().expose_key_bytes()[..],
        unhex(&file["epoch"]["inputs"]["epoch_key"])[..]
    );

    // The re-wrapped epoch opens with the new password to the same epoch, and so opens the records.
    let rewrapped = unhex(&file["rewrapped_epoch"]["expected"]["object"]);
    let new_password =
        BackupPassword::from_user_input(text(&file["rewrapped_epoch"]["inputs"]["password"]).to_owned());
    let reopened = unlock_epoch(&rewrapped, &new_password).expect("unlock rewrapped");
    assert_eq!(reopened.epoch_id(), epoch.epoch_id());
    assert_eq!(reopened.expose_epoch_key(), epoch.expose_epoch_key());
    assert!(matches!(unlock_epoch(&rewrapped, &password), Err(FormatError::WrongPassword)));

    let mut sizes = Vec::new();
    for vector in file["records"].as_array().expect("records") {
        let object = unhex(&vector["expected"]["object"]);
        let (expected_plaintext, _) = build_plaintext(&vector["inputs"]);
        for opener in [&epoch, &reopened] {
            let opened = opener.open_record(&object).expect("open");
            assert!(opened == expected_plaintext, "record {}", vector["name"]);
        }
        let Ok(ObjectInfo::Record(info)) = inspect(&object) else { panic!("inspect {}", vector["name"]) };
        assert_eq!(info.epoch_id, epoch.epoch_id());
        assert_eq!(info.record_id.as_bytes()[..], unhex(&vector["expected"]["record_id"])[..]);
        assert_eq!(info.created_at, number(&vector["inputs"]["created_at"]));
        let padding_class = u8::try_from(number(&vector["expected"]["padding_class"])).unwrap();
        assert_eq!(info.padded_len, padded_len(padding_class));
        sizes.push(object.len());
    }
    // 12 and 24 words (and the short private keys) give objects of identical size.
    assert_eq!(sizes[..4], [392; 4]);
    assert_eq!(sizes[4], 392 + 256);
}

#[test]
fn negative_vectors_give_their_errors() {
    let file = read_vectors();
    let password = text(&file["epoch"]["inputs"]["password"]).to_owned();
    let epoch_object = unhex(&file["epoch"]["expected"]["object"]);
    let epoch =
        unlock_epoch(&epoch_object, &BackupPassword::from_user_input(password.clone())).expect("unlock");
    let negatives = file["negative"].as_array().expect("negatives");
    assert!(negatives.len() >= 25);
    for vector in negatives {
        let object = unhex(&vector["object"]);
        let error = match text(&vector["operation"]) {
            "unlock_epoch" => {
                let password = vector["password"].as_str().unwrap_or(&password).to_owned();
                unlock_epoch(&object, &BackupPassword::from_user_input(password)).map(|_| ()).unwrap_err()
            }
            "open_record" => epoch.open_record(&object).map(|_| ()).unwrap_err(),
            other => panic!("unknown operation {other}"),
        };
        assert_eq!(error_name(&error), text(&vector["expected_error"]), "vector {}", vector["name"]);
    }
}
