//! Epoch objects: `inspect` and `unlock_epoch` on raw bytes, on bytes given a valid checksum
//! (to reach the field checks), and on edits of a genuine epoch. Any object other than the
//! genuine one that unlocks would be a forgery: the target fails on it.
#![no_main]

use std::sync::OnceLock;

use cairn_crypto::format::{self, EpochId, ObjectInfo, deterministic};
use cairn_crypto::{BackupPassword, KdfParams, Key256};
use libfuzzer_sys::fuzz_target;

struct Fixture {
    password: BackupPassword,
    object: Vec<u8>,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let password = BackupPassword::from_user_input("fuzz password".to_owned());
        let (object, _) = deterministic::create_epoch(
            &password,
            KdfParams::insecure_for_tests(),
            1_767_225_600,
            EpochId::from_bytes([7; 16]),
            Key256::from_bytes([9; 32]),
            [1; 16],
            [2; 24],
        )
        .expect("fixture epoch");
        Fixture { password, object }
    })
}

/// Applies (offset, xor) edits to `genuine`; the first byte chooses whether to fix the checksum.
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
        _ => edit(&fixture.object, rest),
    };
    if let Ok(ObjectInfo::Epoch(info)) = format::inspect(&candidate) {
        // Only pay for the KDF when it is tiny; the bounds check itself ran in `inspect`.
        let params = info.kdf_params;
        let cheap = params.memory_kib() <= 256 && params.iterations() <= 2;
        if cheap && format::unlock_epoch(&candidate, &fixture.password).is_ok() {
            assert_eq!(candidate, fixture.object, "an altered epoch object unlocked");
        }
    } else {
        let _ = format::unlock_epoch(&candidate, &fixture.password);
    }
});
