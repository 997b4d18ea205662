//! The Argon2 block matrix, in memory we allocate, pre-fault and wipe ourselves.
//!
//! Why not let the `argon2` crate allocate: it uses `alloc_zeroed`, so every 4 KiB page faults
//! in one by one during hashing, and it frees the matrix without wiping it. Here:
//! - Linux and Android: an anonymous mapping advised for transparent huge pages (fewer faults
//!   and TLB misses on Argon2's random reads), excluded from core dumps, and populated up front
//!   with `MADV_POPULATE_WRITE` — or by touching each page on kernels older than 5.14.
//! - Elsewhere (iOS, macOS, Windows): an ordinary 64-byte-aligned heap allocation, zero-filled
//!   up front, which both initialises the blocks and faults the pages in.
//!
//! Either way the whole matrix is zeroed when [`BlockMemory`] is dropped (also on error paths
//! and unwinding), with a barrier so the zeroing cannot be optimised away, and then released.
//! Allocation failure is a [`KdfError::Failed`], never an abort.

use core::ptr::{self, NonNull};
use core::sync::atomic::{Ordering, compiler_fence};
use std::alloc::{Layout, alloc, dealloc};

use argon2::Block;

use super::KdfError;

const ALLOCATION_FAILED: KdfError = KdfError::Failed { reason: "could not allocate KDF memory" };

/// An owned, initialised (all-zero), pre-faulted Argon2 block matrix.
pub(super) struct BlockMemory {
    blocks: NonNull<Block>,
    count: usize,
    len: usize,
    origin: Origin,
}

/// How a mapping's pages are faulted in. `Touch` is what kernels older than 5.14 get (they
/// answer `MADV_POPULATE_WRITE` with EINVAL; many Android devices run such kernels); tests
/// force it so the path runs on every machine, qemu-user included (which accepts the advice
/// without doing anything).
#[cfg(any(target_os = "linux", target_os = "android"))]
#[derive(Clone, Copy, PartialEq, Eq)]
enum Prefault {
    Populate,
    #[cfg_attr(
        not(test),
        allow(dead_code, reason = "chosen at run time by the kernel's answer; forced by tests")
    )]
    Touch,
}

/// How the matrix was obtained, which decides how it is released.
#[derive(Clone, Copy)]
enum Origin {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    Mapped,
    Heap(Layout),
}

impl BlockMemory {
    /// `count` blocks of 1 KiB, by the best strategy for this platform.
    pub(super) fn allocate(count: usize) -> Result<Self, KdfError> {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        {
            Self::allocate_mapped(count)
        }
        #[cfg(not(any(target_os = "linux", target_os = "android")))]
        {
            Self::allocate_heap(count)
        }
    }

    /// The portable strategy; compiled everywhere so it is tested on the development machine.
    #[cfg_attr(
        any(target_os = "linux", target_os = "android"),
        allow(dead_code, reason = "the fallback for other targets; exercised by this module's tests")
    )]
    pub(super) fn allocate_heap(count: usize) -> Result<Self, KdfError> {
        let len = byte_len(count)?;
        let layout = Layout::from_size_align(len, align_of::<Block>()).map_err(|_| ALLOCATION_FAILED)?;
        // SAFETY: `layout` has a non-zero size (`byte_len` refuses zero).
        let raw = unsafe { alloc(layout) };
        let blocks = NonNull::new(raw.cast::<Block>()).ok_or(ALLOCATION_FAILED)?;
        // SAFETY: `raw` is a fresh, exclusively owned allocation of `len` writable bytes. Zeroing
        // makes every `Block` (plain `u64`s) initialised and faults every page in now, before
        // the hashing starts.
        unsafe { ptr::write_bytes(raw, 0, len) };
        Ok(Self { blocks, count, len, origin: Origin::Heap(layout) })
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn allocate_mapped(count: usize) -> Result<Self, KdfError> {
        Self::allocate_mapped_with(count, Prefault::Populate)
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn allocate_mapped_with(count: usize, prefault: Prefault) -> Result<Self, KdfError> {
        let len = byte_len(count)?;
        // SAFETY: a new private anonymous mapping with no address hint and no file descriptor
        // cannot alias any existing memory; failure is reported as `MAP_FAILED`.
        let addr = unsafe {
            libc::mmap(
                ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if addr == libc::MAP_FAILED {
            return Err(ALLOCATION_FAILED);
        }
        let Some(blocks) = NonNull::new(addr.cast::<Block>()) else {
            // A mapping at address 0 is legal for the kernel but useless to us.
            // SAFETY: `addr`/`len` is exactly the mapping created above, not yet shared.
            unsafe { libc::munmap(addr, len) };
            return Err(ALLOCATION_FAILED);
        };
        // From here on, `Drop` wipes and unmaps, including on the error return below.
        let memory = Self { blocks, count, len, origin: Origin::Mapped };
        // Both hints are best effort: without transparent huge pages (or on kernels that do not
        // know MADV_DONTDUMP) the KDF is only slower or the matrix only dumpable, not wrong.
        // SAFETY: advice on exactly our own mapping; neither call changes its contents.
        unsafe {
            libc::madvise(addr, len, libc::MADV_HUGEPAGE);
            libc::madvise(addr, len, libc::MADV_DONTDUMP);
        }
        memory.prefault(prefault)?;
        Ok(memory)
    }

    /// Faults every page in now: populating in one call is much cheaper than thousands of
    /// faults in the middle of the hashing, and a lack of memory becomes an error here
    /// instead of a crash later.
    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn prefault(&self, prefault: Prefault) -> Result<(), KdfError> {
        if prefault == Prefault::Populate {
            let addr = self.blocks.as_ptr().cast::<libc::c_void>();
            // SAFETY: advice on exactly our own mapping; populating for write does not change
            // the (zero) contents.
            if unsafe { libc::madvise(addr, self.len, libc::MADV_POPULATE_WRITE) } == 0 {
                return Ok(());
            }
            if std::io::Error::last_os_error().raw_os_error() == Some(libc::ENOMEM) {
                return Err(KdfError::Failed { reason: "not enough memory for the KDF" });
            }
        }
        // Kernels before 5.14 answer EINVAL: touch one byte per 4 KiB (a multiple of every page
        // size Linux uses) instead.
        let base = self.blocks.as_ptr().cast::<u8>();
        for offset in (0..self.len).step_by(4096) {
            // SAFETY: `offset < len`, inside our writable mapping; writing 0 over 0 keeps the
            // contents. Volatile so the write that faults the page is not elided.
            unsafe { base.add(offset).write_volatile(0) };
        }
        Ok(())
    }

    /// The whole matrix, for `Argon2::hash_password_into_with_memory`.
    pub(super) fn blocks_mut(&mut self) -> &mut [Block] {
        // SAFETY: `blocks` points to `count` initialised blocks (zero-filled by the kernel or by
        // us), suitably aligned (page-aligned mapping, or a layout with `Block`'s alignment),
        // owned exclusively by `self`, and the borrow of `self` bounds the slice's lifetime.
        unsafe { core::slice::from_raw_parts_mut(self.blocks.as_ptr(), self.count) }
    }

    /// Zeroes the whole matrix. One `memset`, several times faster than byte-wise volatile
    /// writes; the barrier makes the stores observable so they are not removed as dead before
    /// the memory is released.
    fn wipe(&mut self) {
        let bytes = self.blocks.as_ptr().cast::<u8>();
        // SAFETY: `bytes` is valid for writes of `len` bytes, owned exclusively by `self`.
        unsafe { ptr::write_bytes(bytes, 0, self.len) };
        core::hint::black_box(bytes);
        compiler_fence(Ordering::SeqCst);
    }
}

impl Drop for BlockMemory {
    fn drop(&mut self) {
        self.wipe();
        match self.origin {
            #[cfg(any(target_os = "linux", target_os = "android"))]
            Origin::Mapped => {
                // SAFETY: exactly the mapping created in `allocate_mapped`; no borrow of it
                // outlives `self`. munmap of a valid mapping cannot fail.
                unsafe { libc::munmap(self.blocks.as_ptr().cast(), self.len) };
            }
            Origin::Heap(layout) => {
                // SAFETY: allocated in `allocate_heap` with this very layout; freed once.
                unsafe { dealloc(self.blocks.as_ptr().cast(), layout) };
            }
        }
    }
}

/// Size of `count` blocks in bytes; zero and overflow are allocation failures.
fn byte_len(count: usize) -> Result<usize, KdfError> {
    match count.checked_mul(Block::SIZE) {
        Some(len) if len > 0 && len <= isize::MAX as usize => Ok(len),
        _ => Err(ALLOCATION_FAILED),
    }
}

#[cfg(test)]
mod tests {
    use argon2::{Algorithm, Argon2, Params, Version};

    use super::*;

    type Allocate = fn(usize) -> Result<BlockMemory, KdfError>;

    fn strategies() -> Vec<(&'static str, Allocate)> {
        let mut strategies: Vec<(&'static str, Allocate)> =
            vec![("default", BlockMemory::allocate), ("heap", BlockMemory::allocate_heap)];
        #[cfg(any(target_os = "linux", target_os = "android"))]
        strategies.push(("mapped, page-touch fallback (kernels < 5.14)", |count| {
            BlockMemory::allocate_mapped_with(count, Prefault::Touch)
        }));
        strategies
    }

    #[test]
    fn every_strategy_hashes_like_the_crate_and_wipes_the_whole_matrix() {
        let params = Params::new(2048, 2, 4, Some(32)).expect("params");
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let mut expected = [0u8; 32];
        argon.hash_password_into(b"pw", b"saltsaltsaltsalt", &mut expected).expect("argon2");
        for (name, allocate) in strategies() {
            let mut memory = allocate(params.block_count()).expect(name);
            assert!(memory.blocks_mut().iter().all(|b| b.as_ref().iter().all(|&w| w == 0)), "{name}");
            let mut out = [0u8; 32];
            argon
                .hash_password_into_with_memory(b"pw", b"saltsaltsaltsalt", &mut out, memory.blocks_mut())
                .expect(name);
            assert_eq!(out, expected, "{name}");
            let used = memory.blocks_mut();
            assert!(used.first().is_some_and(|b| b.as_ref().iter().any(|&w| w != 0)), "{name}");
            assert!(used.last().is_some_and(|b| b.as_ref().iter().any(|&w| w != 0)), "{name}");
            memory.wipe();
            assert!(memory.blocks_mut().iter().all(|b| b.as_ref().iter().all(|&w| w == 0)), "{name}");
        }
    }

    #[test]
    fn impossible_sizes_are_errors_not_aborts() {
        for (name, allocate) in strategies() {
            let mut counts = vec![0, usize::MAX, usize::MAX / Block::SIZE];
            if cfg!(target_pointer_width = "64") {
                // 2^50 blocks = 1 EiB: larger than any user address space, so this fails
                // whatever the overcommit policy.
                counts.push(usize::MAX >> 14);
            }
            for count in counts {
                assert!(
                    matches!(allocate(count), Err(KdfError::Failed { .. })),
                    "{name} with {count} blocks"
                );
            }
        }
    }
}
