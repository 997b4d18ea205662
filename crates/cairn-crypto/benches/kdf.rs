//! Unlocking an epoch at the default KDF parameters, ours next to libsodium.
//!
//! `cargo bench -p cairn-crypto --bench kdf` (release build). An unlock is what a restore does
//! once per backup password: Argon2id over the password, then an XChaCha20-Poly1305 unwrap of
//! the 32-byte epoch key with the epoch header as associated data.
//!
//! - ours: `format::unlock_epoch` on a real epoch object made by `format::create_epoch` at
//!   `KdfParams::recommended()` (64 MiB, t=3, p=4: lanes in parallel, memory allocated,
//!   pre-faulted and wiped per call), and the same at p=1;
//! - libsodium: the same p=1 epoch object unlocked with `crypto_pwhash` (Argon2id, same memory
//!   and passes, one lane: libsodium has no lanes) and
//!   `crypto_aead_xchacha20poly1305_ietf_decrypt`, reading salt, nonce, header and wrapped key
//!   at the offsets of `docs/FORMAT.md` §3.1.
//!
//! Rounds are interleaved (the three variants in rotating order each round) so load from other
//! processes hits all of them alike; each hash gets fresh memory, as a one-shot call on a phone
//! would. Medians are reported, and the p=1 password keys of both implementations are checked
//! equal. Peak memory is measured in a child process (this binary re-executed) doing one
//! unlock: its peak RSS (`VmHWM`) minus its RSS just before the unlock.
//!
//! The last line is `kdf_ratio_vs_libsodium: <median ours p=4 / median libsodium p=1>`.
//! `CAIRN_KDF_BENCH_ROUNDS` overrides the number of rounds (default 21).

#![allow(clippy::print_stdout, reason = "a benchmark binary reports on stdout")]

use std::error::Error;
use std::process::{Command, ExitCode};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use cairn_crypto::BackupPassword;
use cairn_crypto::format::{EPOCH_OBJECT_LEN, create_epoch, unlock_epoch};
use cairn_crypto::kdf::{KdfParams, SALT_LEN, derive_password_key};

type BenchResult<T> = Result<T, Box<dyn Error>>;

const PASSWORD: &str = "correct horse battery staple";
const PEAK_CHILD_FLAG: &str = "--peak-memory-child";
/// The ceiling: peak memory of an unlock below the KDF memory + 16 MiB.
const PEAK_HEADROOM_KIB: u64 = 16 * 1024;

/// Epoch object fields libsodium needs, at the offsets of docs/FORMAT.md §3.1.
struct EpochFields {
    header: [u8; 84],
    salt: [u8; SALT_LEN],
    nonce: [u8; 24],
    wrapped: [u8; 48],
}

impl EpochFields {
    fn read(object: &[u8]) -> BenchResult<Self> {
        if object.len() != EPOCH_OBJECT_LEN {
            return Err("not an epoch object".into());
        }
        let field = |range: std::ops::Range<usize>| object.get(range).ok_or("epoch object too short");
        Ok(Self {
            header: field(0..84)?.try_into()?,
            salt: field(36..52)?.try_into()?,
            nonce: field(60..84)?.try_into()?,
            wrapped: field(84..132)?.try_into()?,
        })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    OursParallel,
    OursSingleLane,
    Libsodium,
}

impl Variant {
    const ALL: [Self; 3] = [Self::OursParallel, Self::Libsodium, Self::OursSingleLane];

    fn label(self) -> &'static str {
        match self {
            Self::OursParallel => "ours      p=4",
            Self::OursSingleLane => "ours      p=1",
            Self::Libsodium => "libsodium p=1",
        }
    }

    fn arg(self) -> &'static str {
        match self {
            Self::OursParallel => "ours-p4",
            Self::OursSingleLane => "ours-p1",
            Self::Libsodium => "libsodium",
        }
    }

    fn from_arg(arg: &str) -> BenchResult<Self> {
        Self::ALL.into_iter().find(|v| v.arg() == arg).ok_or_else(|| format!("unknown variant {arg}").into())
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("kdf bench failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> BenchResult<ExitCode> {
    sodium_init()?;
    let args: Vec<String> = std::env::args().collect();
    if let Some(position) = args.iter().position(|a| a == PEAK_CHILD_FLAG) {
        return peak_memory_child(args.get(position + 1..).unwrap_or_default()).map(|()| ExitCode::SUCCESS);
    }

    let rounds: usize = match std::env::var("CAIRN_KDF_BENCH_ROUNDS") {
        Ok(text) => text.parse()?,
        Err(_) => 21,
    };
    if rounds == 0 {
        return Err("CAIRN_KDF_BENCH_ROUNDS must be at least 1".into());
    }
    let default = KdfParams::recommended();
    let single_lane = KdfParams::from_untrusted(default.memory_kib(), default.iterations(), 1)?;
    let password = BackupPassword::from_user_input(PASSWORD.to_owned());
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();

    // Untimed setup: one epoch object per lane count, and a check that both implementations
    // derive the same p=1 password key and open the same p=1 object.
    let (parallel_epoch, _) = create_epoch(&password, default, now)?;
    let (single_epoch, _) = create_epoch(&password, single_lane, now)?;
    let single_fields = EpochFields::read(&single_epoch)?;
    let ours_key = derive_password_key(&password, &single_fields.salt, &single_lane)?;
    let sodium_key = sodium_password_key(&single_fields.salt, &single_lane)?;
    if ours_key.expose_key_bytes() != &sodium_key {
        return Err("ours and libsodium derive different p=1 password keys".into());
    }
    let objects =
        |variant: Variant| if variant == Variant::OursParallel { &parallel_epoch } else { &single_epoch };

    println!(
        "cairn-crypto KDF bench: unlock an epoch = Argon2id + XChaCha20-Poly1305 unwrap of a 32-byte key"
    );
    println!(
        "parameters: {} MiB, t={}; ours p={} (parallel lanes) and p=1; libsodium p=1 (no lanes)",
        default.memory_kib() / 1024,
        default.iterations(),
        default.parallelism()
    );
    println!("ours = cairn_crypto::format::unlock_epoch; libsodium = crypto_pwhash + xchacha20poly1305 open");
    println!(
        "host: {} CPUs, transparent huge pages: {}, load average before: {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        transparent_huge_pages(),
        load_average()
    );
    println!("p=1 password keys of ours and libsodium: identical (checked)");
    println!("{rounds} interleaved rounds, fresh memory for every hash ...");

    let cpu_before = CpuTicks::now();
    let timed_from = Instant::now();
    let mut samples: [Vec<f64>; 3] = Default::default();
    for round in 0..rounds {
        for step in 0..Variant::ALL.len() {
            let index = (round + step) % Variant::ALL.len();
            let variant = Variant::ALL[index];
            let object = objects(variant);
            let started = Instant::now();
            unlock(variant, &password, object)?;
            samples[index].push(started.elapsed().as_secs_f64() * 1000.0);
        }
    }

    let others_cores = CpuTicks::others_cores_since(cpu_before, timed_from.elapsed().as_secs_f64());

    println!();
    println!("{:<22}{:>10}{:>10}{:>10}", "unlock wall time (ms)", "median", "min", "max");
    let mut medians = [0.0; 3];
    for (index, variant) in Variant::ALL.into_iter().enumerate() {
        let stats = Stats::of(&samples[index])?;
        medians[index] = stats.median;
        println!("{:<22}{:>10.1}{:>10.1}{:>10.1}", variant.label(), stats.median, stats.min, stats.max);
    }
    let [ours_parallel, sodium, ours_single] = medians;
    let paired_parallel = paired_ratio(&samples[0], &samples[1])?;
    let paired_single = paired_ratio(&samples[2], &samples[1])?;
    println!();
    println!(
        "ours p=4 / libsodium p=1: {:.2} (median of per-round ratios: {paired_parallel:.2})",
        ours_parallel / sodium
    );
    println!(
        "ours p=1 / libsodium p=1: {:.2} (median of per-round ratios: {paired_single:.2})",
        ours_single / sodium
    );
    println!("load average after: {}", load_average());
    match others_cores {
        // Lanes only run in parallel on a free core: read the p=4 figure with this in mind.
        Some(cores) => {
            println!("CPU used by other processes during the timed rounds: {cores:.2} cores on average")
        }
        None => println!("CPU used by other processes during the timed rounds: unknown (no /proc)"),
    }

    // Peak memory of one unlock, each in a fresh process.
    println!();
    let limit_kib = u64::from(default.memory_kib()) + PEAK_HEADROOM_KIB;
    let mut within_limit = true;
    for variant in [Variant::OursParallel, Variant::Libsodium] {
        match measure_peak_kib(variant, objects(variant))? {
            Some(peak_kib) => {
                let verdict = if peak_kib < limit_kib { "within" } else { "OVER" };
                within_limit &= peak_kib < limit_kib || variant == Variant::Libsodium;
                println!(
                    "peak memory of one unlock, {}: {:.1} MiB ({verdict} the {} MiB limit = KDF memory + 16 MiB)",
                    variant.label(),
                    peak_kib as f64 / 1024.0,
                    limit_kib / 1024
                );
            }
            None => println!("peak memory of one unlock, {}: unavailable (no /proc)", variant.label()),
        }
    }

    println!("kdf_ratio_vs_libsodium: {:.2}", ours_parallel / sodium);
    if within_limit {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("kdf bench: our unlock exceeded its peak-memory limit");
        Ok(ExitCode::FAILURE)
    }
}

/// Our unlock of `object`, or libsodium's equivalent; an error if the password does not open it.
fn unlock(variant: Variant, password: &BackupPassword, object: &[u8]) -> BenchResult<()> {
    match variant {
        Variant::OursParallel | Variant::OursSingleLane => {
            unlock_epoch(object, password)?;
        }
        Variant::Libsodium => {
            let fields = EpochFields::read(object)?;
            let (memory_kib, iterations, lanes) = kdf_fields(object)?;
            if lanes != 1 {
                return Err("libsodium has no lanes".into());
            }
            let params = KdfParams::from_untrusted(memory_kib, iterations, lanes)?;
            let mut password_key = sodium_password_key(&fields.salt, &params)?;
            let mut epoch_key = [0u8; 32];
            let mut epoch_key_len = 0u64;
            // SAFETY: `epoch_key` has room for the 32-byte plaintext of the 48-byte wrap;
            // `wrapped`, `header`, `nonce` (24 bytes) and `password_key` (32 bytes) are live
            // buffers of the lengths passed; `nsec` is unused and must be null.
            let rc = unsafe {
                libsodium_sys::crypto_aead_xchacha20poly1305_ietf_decrypt(
                    epoch_key.as_mut_ptr(),
                    &mut epoch_key_len,
                    std::ptr::null_mut(),
                    fields.wrapped.as_ptr(),
                    fields.wrapped.len() as u64,
                    fields.header.as_ptr(),
                    fields.header.len() as u64,
                    fields.nonce.as_ptr(),
                    password_key.as_ptr(),
                )
            };
            // SAFETY: both are live, writable buffers of the lengths passed.
            unsafe {
                libsodium_sys::sodium_memzero(epoch_key.as_mut_ptr().cast(), epoch_key.len());
                libsodium_sys::sodium_memzero(password_key.as_mut_ptr().cast(), password_key.len());
            }
            if rc != 0 || epoch_key_len != 32 {
                return Err("libsodium could not open the epoch object".into());
            }
        }
    }
    Ok(())
}

/// Memory (KiB), iterations and lanes: big-endian `u32`s at offsets 24, 28 and 32.
fn kdf_fields(object: &[u8]) -> BenchResult<(u32, u32, u32)> {
    let read = |offset: usize| -> BenchResult<u32> {
        let bytes = object.get(offset..offset + 4).ok_or("epoch object too short")?;
        Ok(u32::from_be_bytes(bytes.try_into()?))
    };
    Ok((read(24)?, read(28)?, read(32)?))
}

fn sodium_init() -> BenchResult<()> {
    // SAFETY: `sodium_init` has no preconditions and may be called more than once.
    if unsafe { libsodium_sys::sodium_init() } < 0 {
        return Err("sodium_init failed".into());
    }
    Ok(())
}

/// libsodium's Argon2id (always one lane) over the benchmark password.
fn sodium_password_key(salt: &[u8; SALT_LEN], params: &KdfParams) -> BenchResult<[u8; 32]> {
    if params.parallelism() != 1 {
        return Err("libsodium has no lanes".into());
    }
    let mut key = [0u8; 32];
    // SAFETY: `key` (32 bytes), `PASSWORD` and `salt` (crypto_pwhash_SALTBYTES = 16) are live
    // buffers of the lengths passed; libsodium writes only `key`.
    let rc = unsafe {
        libsodium_sys::crypto_pwhash(
            key.as_mut_ptr(),
            key.len() as u64,
            PASSWORD.as_ptr().cast(),
            PASSWORD.len() as u64,
            salt.as_ptr(),
            u64::from(params.iterations()),
            params.memory_kib() as usize * 1024,
            libsodium_sys::crypto_pwhash_ALG_ARGON2ID13 as i32,
        )
    };
    if rc != 0 {
        return Err("crypto_pwhash failed".into());
    }
    Ok(key)
}

/// Re-executes this binary to unlock once in a fresh process; its peak RSS increase in KiB.
fn measure_peak_kib(variant: Variant, object: &[u8]) -> BenchResult<Option<u64>> {
    let output = Command::new(std::env::current_exe()?)
        .args([PEAK_CHILD_FLAG, variant.arg(), &hex::encode(object)])
        .output()?;
    if !output.status.success() {
        return Err(
            format!("peak-memory child failed: {}", String::from_utf8_lossy(&output.stderr).trim()).into()
        );
    }
    let stdout = String::from_utf8(output.stdout)?;
    let reported = stdout.lines().find_map(|line| line.strip_prefix("peak_kib "));
    Ok(match reported {
        Some("unavailable") | None => None,
        Some(number) => Some(number.trim().parse()?),
    })
}

/// The child side: one unlock, then `peak_kib <VmHWM after − VmRSS before>` on stdout.
fn peak_memory_child(args: &[String]) -> BenchResult<()> {
    let [variant, object] = args else {
        return Err("usage: --peak-memory-child <variant> <epoch object hex>".into());
    };
    let variant = Variant::from_arg(variant)?;
    let object = hex::decode(object)?;
    let password = BackupPassword::from_user_input(PASSWORD.to_owned());
    let before = proc_status_kib("VmRSS:");
    unlock(variant, &password, &object)?;
    let peak = proc_status_kib("VmHWM:");
    match (before, peak) {
        (Some(before), Some(peak)) => println!("peak_kib {}", peak.saturating_sub(before)),
        _ => println!("peak_kib unavailable"),
    }
    Ok(())
}

/// Busy CPU time of the whole machine and of this process, in clock ticks (Linux `/proc`).
#[derive(Clone, Copy)]
struct CpuTicks {
    machine_busy: u64,
    this_process: u64,
}

impl CpuTicks {
    fn now() -> Option<Self> {
        // Aggregate line: "cpu user nice system idle iowait irq softirq steal ...".
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let fields: Vec<u64> =
            stat.lines().next()?.split_whitespace().skip(1).map_while(|v| v.parse().ok()).collect();
        let machine_busy = fields.iter().take(8).sum::<u64>() - fields.get(3)? - fields.get(4)?;
        // utime and stime (all threads) are fields 14 and 15; the command name before them is
        // parenthesised and may contain spaces, so count from the closing parenthesis.
        let own = std::fs::read_to_string("/proc/self/stat").ok()?;
        let mut after_name = own.get(own.rfind(')')? + 1..)?.split_whitespace();
        let utime: u64 = after_name.nth(11)?.parse().ok()?;
        let stime: u64 = after_name.next()?.parse().ok()?;
        Some(Self { machine_busy, this_process: utime + stime })
    }

    /// Average number of cores kept busy by everything except this process since `before`.
    fn others_cores_since(before: Option<Self>, elapsed_secs: f64) -> Option<f64> {
        let (before, after) = (before?, Self::now()?);
        let machine = after.machine_busy.checked_sub(before.machine_busy)?;
        let ours = after.this_process.checked_sub(before.this_process)?;
        // SAFETY: `sysconf` only reads a configuration value.
        let ticks_per_sec = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        if ticks_per_sec <= 0 || elapsed_secs <= 0.0 {
            return None;
        }
        Some(machine.saturating_sub(ours) as f64 / ticks_per_sec as f64 / elapsed_secs)
    }
}

/// A `kB` field of `/proc/self/status` (Linux and Android only).
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn transparent_huge_pages() -> String {
    std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled")
        .ok()
        .and_then(|mode| {
            let start = mode.find('[')?;
            let end = mode.find(']')?;
            mode.get(start + 1..end).map(str::to_owned)
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "unknown".to_owned())
}

struct Stats {
    median: f64,
    min: f64,
    max: f64,
}

impl Stats {
    /// Leaves `samples` in round order (the paired ratios need it).
    fn of(samples: &[f64]) -> BenchResult<Self> {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let (Some(&min), Some(&max)) = (sorted.first(), sorted.last()) else {
            return Err("no samples".into());
        };
        Ok(Self { median: median_of_sorted(&sorted), min, max })
    }
}

fn median_of_sorted(sorted: &[f64]) -> f64 {
    let middle = sorted.len() / 2;
    match (sorted.len() % 2, sorted.get(middle), middle.checked_sub(1).and_then(|i| sorted.get(i))) {
        (1, Some(&m), _) => m,
        (_, Some(&upper), Some(&lower)) => (upper + lower) / 2.0,
        _ => f64::NAN,
    }
}

/// Median over rounds of (numerator sample / denominator sample from the same round).
fn paired_ratio(numerator: &[f64], denominator: &[f64]) -> BenchResult<f64> {
    let mut ratios: Vec<f64> = numerator.iter().zip(denominator).map(|(n, d)| n / d).collect();
    if ratios.is_empty() {
        return Err("no samples".into());
    }
    ratios.sort_by(f64::total_cmp);
    Ok(median_of_sorted(&ratios))
}
