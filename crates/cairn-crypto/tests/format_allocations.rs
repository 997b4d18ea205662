//! Parsing hostile objects never allocates beyond the format's bounds: a counting global
//! allocator records the largest single allocation made while each input is parsed.
//!
//! In its own test binary because it installs a global allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use cairn_crypto::format::{self, FormatError, MAX_OBJECT_LEN};
use cairn_crypto::{BackupPassword, KdfParams};
use sha2::{Digest, Sha256};

struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: forwards every call to the system allocator unchanged; only records sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LARGEST.with(|largest| largest.set(largest.get().max(layout.size())));
        // SAFETY: same layout contract as our caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LARGEST.with(|largest| largest.set(largest.get().max(new_size)));
        // SAFETY: same contract as our caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The largest single allocation `run` makes on this thread.
fn largest_allocation<T>(run: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|largest| largest.set(0));
    let result = run();
    (result, LARGEST.with(Cell::get))
}

fn with_checksum(mut body: Vec<u8>) -> Vec<u8> {
    let checksum = Sha256::digest(&body);
    body.extend_from_slice(&checksum);
    body
}

#[test]
fn hostile_objects_stay_within_bounds() {
    let password = BackupPassword::from_user_input("correct horse".to_owned());
    let tiny = KdfParams::from_untrusted(64, 1, 1).expect("tiny params");
    let (epoch_object, epoch) = format::create_epoch(&password, tiny, 1).expect("create");

    // An epoch demanding 1 GiB of KDF memory (checksum valid): refused with no large allocation.
    // (On Linux the KDF maps its memory directly, bypassing this counter; the typed error is what
    // shows the KDF never ran, as it comes from the parameter check that precedes it.)
    let mut greedy = epoch_object[..132].to_vec();
    greedy[24..28].copy_from_slice(&(1024 * 1024u32).to_be_bytes());
    let greedy = with_checksum(greedy);
    let (result, largest) = largest_allocation(|| format::unlock_epoch(&greedy, &password).map(|_| ()));
    assert!(matches!(result, Err(FormatError::KdfParamsOutOfBounds { .. })), "{result:?}");
    assert!(largest < 4096, "allocated {largest} bytes before refusing");

    // 16 MiB that start like a record: refused without copying them.
    let mut huge = b"CAIRN\x01\x02".to_vec();
    huge.resize(16 << 20, 0);
    huge[63] = 4;
    let (result, largest) =
        largest_allocation(|| (format::inspect(&huge), epoch.open_record(&huge).map(|_| ())));
    assert!(matches!(result.0, Err(FormatError::Malformed(_))), "{:?}", result.0);
    assert!(matches!(result.1, Err(FormatError::Malformed(_))), "{:?}", result.1);
    assert!(largest < 4096, "allocated {largest} bytes");

    // A full-size record with valid checksum but garbage ciphertext: one bounded copy at most.
    let mut forged = b"CAIRN\x01\x02".to_vec();
    forged.extend_from_slice(epoch.epoch_id().as_bytes());
    forged.resize(MAX_OBJECT_LEN - 32, 0xa5);
    forged[63] = 4;
    let forged = with_checksum(forged);
    let (result, largest) = largest_allocation(|| epoch.open_record(&forged).map(|_| ()));
    assert_eq!(result, Err(FormatError::AuthenticationFailed));
    assert!(largest <= MAX_OBJECT_LEN, "allocated {largest} bytes");

    // Opening a genuine record: the plaintext copy and the decoded fields, a few KiB at most.
    let mnemonic =
        cairn_crypto::Mnemonic::from_entropy(cairn_crypto::Language::Czech, &[9; 32]).expect("mnemonic");
    let secret = format::WalletSecret::mnemonic(mnemonic, None, None).expect("secret");
    let plaintext = format::RecordPlaintext::new(secret, "label".into(), vec![], 0).expect("plaintext");
    let record = epoch.seal_record(&plaintext, 2).expect("seal");
    let (result, largest) = largest_allocation(|| epoch.open_record(&record));
    assert!(result.is_ok_and(|opened| opened == plaintext));
    assert!(largest <= 8192, "allocated {largest} bytes");
}
