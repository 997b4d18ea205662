//! The record plaintext decoder. A plaintext that decodes must re-encode to the same bytes
//! (when written in the same padding bucket) and survive a seal/open round trip.
#![no_main]

use std::sync::OnceLock;

use cairn_crypto::Key256;
use cairn_crypto::format::{EpochId, UnlockedEpoch, deterministic};
use libfuzzer_sys::fuzz_target;

fn epoch() -> &'static UnlockedEpoch {
    static EPOCH: OnceLock<UnlockedEpoch> = OnceLock::new();
    EPOCH.get_or_init(|| {
        deterministic::unlocked_epoch(EpochId::from_bytes([1; 16]), Key256::from_bytes([2; 32]))
            .expect("epoch")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(plaintext) = deterministic::decode_plaintext(data) else { return };
    let encoded = deterministic::encode_plaintext(&plaintext);
    if encoded.len() == data.len() {
        assert_eq!(encoded, data, "a decodable plaintext is not canonical");
    }
    let record = deterministic::seal_record(epoch(), &plaintext, 0, [0; 24]).expect("seal");
    let opened = epoch().open_record(&record).expect("open what was sealed");
    assert!(opened == plaintext, "round trip changed the plaintext");
});
