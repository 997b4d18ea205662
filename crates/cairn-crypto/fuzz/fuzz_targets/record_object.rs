//! Record objects: `inspect` and `open_record` on raw bytes, on bytes given a valid checksum,
//! and on edits of a genuine record. Any record other than the genuine one that opens would be
//! a forgery: the target fails on it.
#![no_main]

use std::sync::OnceLock;

use cairn_crypto::format::{self, EpochId, RecordPlaintext, UnlockedEpoch, WalletSecret, deterministic};
use cairn_crypto::{Key256, Language, Mnemonic};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    epoch: UnlockedEpoch,
    record: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let epoch = deterministic::unlocked_epoch(EpochId::from_bytes([7; 16]), Key256::from_bytes([9; 32]))
            .expect("fixture epoch");
        let mnemonic = Mnemonic::from_entropy(Language::Korean, &[3; 24]).expect("mnemonic");
        let secret = WalletSecret::mnemonic(mnemonic, None, None).expect("secret");
        let plaintext =
            RecordPlaintext::new(secret, "fuzz".into(), vec!["eip155:1".into()], 5).expect("plaintext");
        let record = deterministic::seal_record(&epoch, &plaintext, 6, [4; 24]).expect("record");
        Fixture { epoch, record }
    })
}

fn edit(genuine: &[u8], edits: &[u8]) -> Vec<u8> {
    let mut object = genuine.to_vec();
    let Some((&fix_checksum, pairs)) = edits.split_first() else { return object };
    for pair in pairs.chunks_exact(3) {
        let offset = usize::from(u16::from_be_bytes([pair[0], pair[1]])) % (object.len() + 8);
        match object.get_mut(offset) {
            Some(byte) => *byte ^= pair[2],
            None => object.push(pair[2]),
        }
    }
    if fix_checksum & 1 == 1 && object.len() > 32 {
        object.truncate(object.len() - 32);
        object = deterministic::with_checksum(&object);
    }
    object
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let fixture = fixture();
    let candidate = match mode % 3 {
        0 => rest.to_vec(),
        1 => deterministic::with_checksum(rest),
        _ => edit(&fixture.record, rest),
    };
    let _ = format::inspect(&candidate);
    if fixture.epoch.open_record(&candidate).is_ok() {
        assert_eq!(candidate, fixture.record, "an altered record opened");
    }
});
