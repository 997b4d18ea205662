//! Password strength estimate: how many guesses a smart attacker needs, and what those guesses
//! cost offline at our Argon2id parameters.
//!
//! The guess count follows the approach of Dropbox's zxcvbn (our own implementation): split the
//! password into the cheapest sequence of recognisable pieces (a common password, a repeat, a
//! sequence, a keyboard walk, a date, or unrecognised characters) and multiply their guess
//! counts. The cost model turns guesses into dollars and GPU time from the KDF's memory and pass
//! count. `docs/adr/0002-password-strength-model.md` documents both, with their limits.
//!
//! The common-password list (`common_passwords.txt`, about 580 entries, most common first) was
//! compiled for Cairn from the well-known public rankings of the most frequent passwords in
//! breach corpora, plus wallet-specific words (bitcoin, satoshi, metamask, …). It is small on
//! purpose: the mobile library has a size budget.

use std::sync::OnceLock;

use zeroize::Zeroizing;

use super::BackupPassword;
use crate::kdf::KdfParams;

/// Only the first characters are analysed, which bounds the work on long input. Ignoring the
/// rest can only underestimate strength, never overstate it.
const MAX_ANALYSED_CHARS: usize = 100;
/// Guesses per unrecognised character (log10). 10 guesses ≈ 3.3 bits: what Markov/PCFG
/// crackers achieve on human-chosen text. Random characters are worth more, so randomly
/// generated passwords are underestimated — the safe direction.
const BRUTEFORCE_LOG10_PER_CHAR: f64 = 1.0;
/// Guesses per letter (log10) for a run of letters that reads like a word. A wordlist of 10^5
/// words averaging 8 letters costs an attacker about 10^(5/8) ≈ 10^0.63 guesses per letter; our
/// built-in list is too small to recognise most words, so word-like runs are priced this way.
const WORDLIKE_LOG10_PER_LETTER: f64 = 0.6;
/// Shortest letter run treated as word-like.
const MIN_WORDLIKE_LEN: usize = 4;
/// Floors for a piece of a longer password (zxcvbn's values), so tiny matches are not free.
const MIN_PIECE_LOG10_SINGLE_CHAR: f64 = 1.0;
const MIN_PIECE_LOG10_MULTI_CHAR: f64 = 1.698_970_004_336_018_8; // log10(50)
/// Additive term per extra piece (10^4 per piece beyond the first): an attacker must also guess
/// how many pieces there are.
const LOG10_PER_EXTRA_PIECE: f64 = 4.0;
/// Dates are guessed outward from this year; fixed so estimates are reproducible.
const REFERENCE_YEAR: i32 = 2025;
/// At least this many years are assumed plausible around the reference year.
const MIN_YEAR_SPACE: f64 = 20.0;
/// Shortest dictionary, sequence and keyboard-walk matches.
const MIN_MATCH_LEN: usize = 3;
/// Repeats inside repeats are analysed to this depth only.
const MAX_RECURSION: usize = 3;

const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// Something in the password an attacker's tools would try early. Never carries the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StrengthWarning {
    /// The whole password is a very common password (possibly with capitals or l33t
    /// substitutions, or reversed).
    CommonPassword,
    /// Part of the password is a very common password or word.
    ContainsCommonPassword,
    /// Repeated characters or blocks ("aaaa", "abcabc").
    Repeated,
    /// A sequence ("abcd", "6543", "acegi").
    Sequence,
    /// A keyboard pattern ("qwerty", "zxcvb", "1qaz2wsx").
    KeyboardPattern,
    /// A date or a recent year.
    Date,
    /// Starts or ends with whitespace. Allowed (it is part of the password and is never
    /// trimmed), but worth pointing out in case it was not intended.
    LeadingOrTrailingSpace,
}

/// A coarse score for UI colour and wording, from the expected offline cracking cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StrengthScore {
    /// 0: expected cracking cost below US$1.
    VeryWeak,
    /// 1: below US$100.
    Weak,
    /// 2: below US$10,000.
    Fair,
    /// 3: below US$1,000,000.
    Strong,
    /// 4: US$1,000,000 or more.
    VeryStrong,
}

impl StrengthScore {
    /// The score as 0..=4.
    pub const fn value(self) -> u8 {
        match self {
            StrengthScore::VeryWeak => 0,
            StrengthScore::Weak => 1,
            StrengthScore::Fair => 2,
            StrengthScore::Strong => 3,
            StrengthScore::VeryStrong => 4,
        }
    }

    /// Upper bounds (exclusive) in US dollars of expected cracking cost for scores 0..=3.
    pub const USD_THRESHOLDS: [f64; 4] = [1.0, 100.0, 10_000.0, 1_000_000.0];

    fn from_expected_usd(usd: f64) -> StrengthScore {
        let [very_weak, weak, fair, strong] = Self::USD_THRESHOLDS;
        if usd < very_weak {
            StrengthScore::VeryWeak
        } else if usd < weak {
            StrengthScore::Weak
        } else if usd < fair {
            StrengthScore::Fair
        } else if usd < strong {
            StrengthScore::Strong
        } else {
            StrengthScore::VeryStrong
        }
    }
}

/// The attacker's hardware, as the cost model sees it.
///
/// Argon2id is memory-hard: each guess must stream the whole memory matrix through the
/// device's memory bus several times, so memory bandwidth, not compute, bounds the guess rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttackerModel {
    /// Memory bandwidth of one device, in bytes per second.
    pub memory_bandwidth_bytes_per_second: f64,
    /// Rental price of one device, in US dollars per hour.
    pub usd_per_device_hour: f64,
}

impl AttackerModel {
    /// A high-end consumer GPU (RTX 4090 class: about 1 TB/s) rented at US$0.50 per hour,
    /// roughly the 2025 marketplace price.
    pub const REFERENCE_GPU: AttackerModel =
        AttackerModel { memory_bandwidth_bytes_per_second: 1.0e12, usd_per_device_hour: 0.50 };

    /// Bytes moved per guess: each 1 KiB block written reads two blocks (previous and
    /// reference) in the first pass, and also the block it overwrites in later passes.
    pub fn bytes_per_guess(params: &KdfParams) -> f64 {
        let memory_bytes = f64::from(params.memory_kib()) * 1024.0;
        let passes = f64::from(params.iterations());
        memory_bytes * (3.0 + 4.0 * (passes - 1.0))
    }

    /// Upper bound on guesses per second for one device.
    pub fn guesses_per_second(&self, params: &KdfParams) -> f64 {
        self.memory_bandwidth_bytes_per_second / Self::bytes_per_guess(params).max(1.0)
    }
}

impl Default for AttackerModel {
    fn default() -> Self {
        Self::REFERENCE_GPU
    }
}

/// Estimated offline cost of finding the password, at given KDF parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CrackingCost {
    /// Guesses one device can test per second (upper bound).
    pub guesses_per_second_per_device: f64,
    /// US dollars per guess.
    pub usd_per_guess: f64,
    /// Expected US dollars to find the password (half the estimated guesses).
    pub expected_usd: f64,
    /// Expected seconds on one device (half the estimated guesses). Divide by the number of
    /// devices an attacker rents; the dollar cost stays the same.
    pub expected_seconds_one_device: f64,
}

/// A strength estimate the UI can show.
#[derive(Debug, Clone, PartialEq)]
pub struct StrengthEstimate {
    /// Coarse score from the expected cracking cost.
    pub score: StrengthScore,
    /// log10 of the estimated number of guesses an attacker needs to find the password.
    pub guesses_log10: f64,
    /// Offline cracking cost at the KDF parameters given.
    pub offline: CrackingCost,
    /// What an attacker would try early, for feedback. No duplicates; no password text.
    pub warnings: Vec<StrengthWarning>,
}

impl StrengthEstimate {
    /// The guess count in bits (log2).
    pub fn guesses_bits(&self) -> f64 {
        self.guesses_log10 * core::f64::consts::LOG2_10
    }
}

/// Estimates `password`'s strength against the reference GPU attacker at `params`.
pub fn estimate_strength(password: &BackupPassword, params: &KdfParams) -> StrengthEstimate {
    estimate_strength_with(password, params, &AttackerModel::REFERENCE_GPU)
}

/// Estimates `password`'s strength against a given attacker model at `params`.
pub fn estimate_strength_with(
    password: &BackupPassword,
    params: &KdfParams,
    attacker: &AttackerModel,
) -> StrengthEstimate {
    let text = password.expose_nfc_str();
    let mut chars: Zeroizing<Vec<char>> = Zeroizing::new(Vec::with_capacity(MAX_ANALYSED_CHARS));
    chars.extend(text.chars().take(MAX_ANALYSED_CHARS));
    let analysis = most_guessable(&chars, 0);

    let mut warnings = Vec::new();
    for pattern in &analysis.patterns {
        let warning = match pattern {
            Pattern::Dictionary if analysis.patterns.len() == 1 => StrengthWarning::CommonPassword,
            Pattern::Dictionary => StrengthWarning::ContainsCommonPassword,
            Pattern::Repeat => StrengthWarning::Repeated,
            Pattern::Sequence => StrengthWarning::Sequence,
            Pattern::Keyboard => StrengthWarning::KeyboardPattern,
            Pattern::Date => StrengthWarning::Date,
            Pattern::WordLike | Pattern::Bruteforce => continue,
        };
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }
    let starts_or_ends_with_space = text.chars().next().is_some_and(char::is_whitespace)
        || text.chars().next_back().is_some_and(char::is_whitespace);
    if starts_or_ends_with_space {
        warnings.push(StrengthWarning::LeadingOrTrailingSpace);
    }

    let guesses_per_second = attacker.guesses_per_second(params);
    let usd_per_guess = attacker.usd_per_device_hour / 3600.0 / guesses_per_second;
    // On average an attacker searching in order of likelihood finds it halfway.
    let expected_guesses = (10f64.powf(analysis.log10) / 2.0).max(1.0);
    let offline = CrackingCost {
        guesses_per_second_per_device: guesses_per_second,
        usd_per_guess,
        expected_usd: expected_guesses * usd_per_guess,
        expected_seconds_one_device: expected_guesses / guesses_per_second,
    };
    StrengthEstimate {
        score: StrengthScore::from_expected_usd(offline.expected_usd),
        guesses_log10: analysis.log10,
        offline,
        warnings,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pattern {
    Dictionary,
    WordLike,
    Repeat,
    Sequence,
    Keyboard,
    Date,
    Bruteforce,
}

#[derive(Debug, Clone, Copy)]
struct Piece {
    start: usize,
    /// Exclusive.
    end: usize,
    log10: f64,
    pattern: Pattern,
}

struct Analysis {
    log10: f64,
    /// Patterns of the cheapest decomposition, left to right.
    patterns: Vec<Pattern>,
}

/// The cheapest decomposition of `chars` into pieces (zxcvbn's "most guessable match
/// sequence"): minimises `k! · Π guesses + 10^(4(k−1))` over all decompositions into k pieces.
fn most_guessable(chars: &[char], depth: usize) -> Analysis {
    let n = chars.len();
    if n == 0 {
        return Analysis { log10: 0.0, patterns: Vec::new() };
    }
    let mut pieces = Vec::new();
    dictionary_pieces(chars, &mut pieces);
    sequence_pieces(chars, &mut pieces);
    keyboard_pieces(chars, &mut pieces);
    date_pieces(chars, &mut pieces);
    word_like_pieces(chars, &mut pieces);
    if depth < MAX_RECURSION {
        repeat_pieces(chars, depth, &mut pieces);
    }
    for start in 0..n {
        for end in start + 1..=n {
            let len = end - start;
            pieces.push(Piece {
                start,
                end,
                log10: len as f64 * BRUTEFORCE_LOG10_PER_CHAR,
                pattern: Pattern::Bruteforce,
            });
        }
    }
    for piece in &mut pieces {
        if piece.end - piece.start < n {
            let floor = if piece.end - piece.start == 1 {
                MIN_PIECE_LOG10_SINGLE_CHAR
            } else {
                MIN_PIECE_LOG10_MULTI_CHAR
            };
            piece.log10 = piece.log10.max(floor);
        }
    }
    pieces.sort_by_key(|piece| piece.end);

    // best[k][e]: cheapest log10 product of k pieces covering chars[..e]; with back-pointers.
    let mut best = vec![vec![f64::INFINITY; n + 1]; n + 1];
    let mut back: Vec<Vec<Option<usize>>> = vec![vec![None; n + 1]; n + 1];
    for (index, piece) in pieces.iter().enumerate() {
        if piece.start == 0 {
            if piece.log10 < best[1][piece.end] {
                best[1][piece.end] = piece.log10;
                back[1][piece.end] = Some(index);
            }
            continue;
        }
        for k in 2..=piece.end {
            let before = best[k - 1][piece.start];
            if before.is_finite() && before + piece.log10 < best[k][piece.end] {
                best[k][piece.end] = before + piece.log10;
                back[k][piece.end] = Some(index);
            }
        }
    }
    let mut chosen = (f64::INFINITY, 0usize);
    let mut log10_factorial = 0.0;
    for (k, row) in best.iter().enumerate().skip(1) {
        log10_factorial += (k as f64).log10();
        let product = row.get(n).copied().unwrap_or(f64::INFINITY);
        if product.is_finite() {
            let total = log10_add(log10_factorial + product, LOG10_PER_EXTRA_PIECE * (k - 1) as f64);
            if total < chosen.0 {
                chosen = (total, k);
            }
        }
    }
    let (log10, mut k) = chosen;
    let mut patterns = Vec::with_capacity(k);
    let mut end = n;
    while k > 0 {
        let Some(piece) = back[k][end].and_then(|index| pieces.get(index)) else { break };
        patterns.push(piece.pattern);
        end = piece.start;
        k -= 1;
    }
    patterns.reverse();
    Analysis { log10: log10.max(0.0), patterns }
}

/// log10(10^a + 10^b) without overflow.
fn log10_add(a: f64, b: f64) -> f64 {
    let (high, low) = if a >= b { (a, b) } else { (b, a) };
    high + (1.0 + 10f64.powf(low - high)).log10()
}

/// log10 of the binomial coefficient C(n, k).
fn log10_binomial(n: usize, k: usize) -> f64 {
    if k > n {
        return f64::NEG_INFINITY;
    }
    let k = k.min(n - k);
    (0..k).map(|i| ((n - i) as f64).log10() - ((i + 1) as f64).log10()).sum()
}

// ---------------------------------------------------------------------------------------------
// Common passwords

fn common_password_ranks() -> &'static [(&'static str, u32)] {
    static RANKS: OnceLock<Vec<(&'static str, u32)>> = OnceLock::new();
    RANKS.get_or_init(|| {
        let mut ranks: Vec<(&'static str, u32)> = Vec::new();
        for (index, word) in COMMON_PASSWORDS.lines().map(str::trim).filter(|w| !w.is_empty()).enumerate() {
            ranks.push((word, u32::try_from(index + 1).unwrap_or(u32::MAX)));
        }
        // Sort by word, keeping the best (lowest) rank of any duplicate first.
        ranks.sort_by(|a, b| a.0.cmp(b.0).then(a.1.cmp(&b.1)));
        ranks.dedup_by(|later, earlier| later.0 == earlier.0);
        ranks
    })
}

fn common_rank(word: &str) -> Option<u32> {
    let ranks = common_password_ranks();
    ranks.binary_search_by(|(entry, _)| (*entry).cmp(word)).ok().and_then(|i| ranks.get(i)).map(|(_, r)| *r)
}

fn longest_common_password() -> usize {
    static LONGEST: OnceLock<usize> = OnceLock::new();
    *LONGEST.get_or_init(|| common_password_ranks().iter().map(|(w, _)| w.len()).max().unwrap_or(0))
}

/// L33t substitutions. `1` and `|` can stand for `i` or `l`; both readings are tried.
fn unleet(c: char, one_is_l: bool) -> Option<char> {
    Some(match c {
        '4' | '@' => 'a',
        '8' => 'b',
        '(' | '{' | '[' | '<' => 'c',
        '3' => 'e',
        '6' | '9' => 'g',
        '1' | '|' | '!' if !one_is_l || c == '!' => 'i',
        '1' | '|' => 'l',
        '0' => 'o',
        '$' | '5' => 's',
        '7' | '+' => 't',
        '%' => 'x',
        '2' => 'z',
        _ => return None,
    })
}

/// How many capitalisation variants an attacker tries before this one (zxcvbn's rule).
fn uppercase_log10(token: &[char]) -> f64 {
    let upper = token.iter().filter(|c| c.is_ascii_uppercase()).count();
    let lower = token.iter().filter(|c| c.is_ascii_lowercase()).count();
    if upper == 0 {
        return 0.0;
    }
    let first_upper = token.first().is_some_and(char::is_ascii_uppercase);
    let last_upper = token.last().is_some_and(char::is_ascii_uppercase);
    if lower == 0 || (upper == 1 && (first_upper || last_upper)) {
        return 2f64.log10();
    }
    let variants: f64 = (1..=upper.min(lower)).map(|i| 10f64.powf(log10_binomial(upper + lower, i))).sum();
    variants.log10()
}

fn dictionary_pieces(chars: &[char], pieces: &mut Vec<Piece>) {
    let n = chars.len();
    let longest = longest_common_password();
    let mut candidate = Zeroizing::new(String::with_capacity(4 * longest + 4));
    for start in 0..n {
        for end in start + MIN_MATCH_LEN..=n.min(start + longest) {
            let Some(token) = chars.get(start..end) else { continue };
            if !token.iter().all(char::is_ascii) {
                continue;
            }
            let mut best: Option<f64> = None;
            for reversed in [false, true] {
                for reading in 0..3u8 {
                    // Reading 0: as typed; 1: l33t with 1→i; 2: l33t with 1→l.
                    let substitutions = if reversed {
                        fill_candidate(&mut candidate, token.iter().rev(), reading)
                    } else {
                        fill_candidate(&mut candidate, token.iter(), reading)
                    };
                    if reading > 0 && substitutions == 0 {
                        continue;
                    }
                    let Some(rank) = common_rank(&candidate) else { continue };
                    let log10 = f64::from(rank).log10()
                        + uppercase_log10(token)
                        + f64::from(substitutions.min(8)) * 2f64.log10()
                        + if reversed { 2f64.log10() } else { 0.0 };
                    best = Some(best.map_or(log10, |b: f64| b.min(log10)));
                }
            }
            if let Some(log10) = best {
                pieces.push(Piece { start, end, log10, pattern: Pattern::Dictionary });
            }
        }
    }
}

/// Writes the lower-cased (and, for readings 1 and 2, un-l33ted) token into `candidate`;
/// returns the number of substitutions made.
fn fill_candidate<'a>(candidate: &mut String, token: impl Iterator<Item = &'a char>, reading: u8) -> u32 {
    candidate.clear();
    let mut substitutions = 0;
    for &c in token {
        let lower = c.to_ascii_lowercase();
        match (reading, unleet(lower, reading == 2)) {
            (1 | 2, Some(plain)) => {
                substitutions += 1;
                candidate.push(plain);
            }
            _ => candidate.push(lower),
        }
    }
    substitutions
}

/// Whether a run of ASCII letters reads like a word (of English or another Latin-script
/// language): a plausible share of vowels and no long vowel or consonant clusters. Random letter
/// strings mostly fail this; when one passes, it is merely underestimated.
fn is_word_like(letters: &[char]) -> bool {
    let is_vowel = |c: &char| matches!(c.to_ascii_lowercase(), 'a' | 'e' | 'i' | 'o' | 'u' | 'y');
    let vowels = letters.iter().filter(|c| is_vowel(c)).count();
    let share = vowels as f64 / letters.len().max(1) as f64;
    let mut longest_consonants = 0;
    let mut longest_vowels = 0;
    let (mut consonants, mut vowel_run) = (0, 0);
    for c in letters {
        if is_vowel(c) {
            vowel_run += 1;
            consonants = 0;
        } else {
            consonants += 1;
            vowel_run = 0;
        }
        longest_consonants = longest_consonants.max(consonants);
        longest_vowels = longest_vowels.max(vowel_run);
    }
    (0.2..=0.65).contains(&share) && longest_consonants <= 4 && longest_vowels <= 3
}

/// Maximal runs of ASCII letters that read like words, also read through l33t substitutions
/// ("Tr0ub4dor" reads as "troubador").
fn word_like_pieces(chars: &[char], pieces: &mut Vec<Piece>) {
    let is_letter = |c: &char| c.is_ascii_alphabetic();
    let is_letter_or_leet = |c: &char| c.is_ascii_alphabetic() || unleet(*c, false).is_some();
    for (leet, in_run) in [(false, &is_letter as &dyn Fn(&char) -> bool), (true, &is_letter_or_leet)] {
        let n = chars.len();
        let mut start = 0;
        while start < n {
            let len = chars.get(start..).unwrap_or_default().iter().take_while(|c| in_run(c)).count();
            if len == 0 {
                start += 1;
                continue;
            }
            if let Some(run) = chars.get(start..start + len)
                && let Some(log10) = word_like_log10(run, leet)
            {
                pieces.push(Piece { start, end: start + len, log10, pattern: Pattern::WordLike });
            }
            start += len;
        }
    }
}

/// Guesses (log10) for a word-like run, or None if it does not read like a word.
fn word_like_log10(run: &[char], leet: bool) -> Option<f64> {
    let mut substitutions = 0u32;
    let mut plain: Zeroizing<Vec<char>> = Zeroizing::new(Vec::with_capacity(run.len()));
    for &c in run {
        match unleet(c, false) {
            Some(letter) if leet && !c.is_ascii_alphabetic() => {
                substitutions += 1;
                plain.push(letter);
            }
            _ => plain.push(c),
        }
    }
    let letters = run.iter().filter(|c| c.is_ascii_alphabetic()).count();
    if (leet && substitutions == 0) || letters < MIN_WORDLIKE_LEN || !is_word_like(&plain) {
        return None;
    }
    Some(
        run.len() as f64 * WORDLIKE_LOG10_PER_LETTER
            + uppercase_log10(run)
            + f64::from(substitutions.min(8)) * 2f64.log10(),
    )
}

// ---------------------------------------------------------------------------------------------
// Repeats

fn repeat_pieces(chars: &[char], depth: usize, pieces: &mut Vec<Piece>) {
    let n = chars.len();
    for start in 0..n {
        // The longest run of a repeated block starting here (shortest block on ties).
        let mut best: Option<(usize, usize)> = None;
        for block in 1..=(n - start) / 2 {
            let Some(base) = chars.get(start..start + block) else { continue };
            // Only maximal runs: skip if the run with this period already starts one earlier.
            if start >= 1
                && chars.get(start - 1).is_some()
                && chars.get(start - 1) == chars.get(start - 1 + block)
            {
                continue;
            }
            let mut count = 1;
            while chars.get(start + count * block..start + (count + 1) * block) == Some(base) {
                count += 1;
            }
            if count >= 2 && best.is_none_or(|(b, c)| block * count > b * c) {
                best = Some((block, count));
            }
        }
        if let Some((block, count)) = best
            && let Some(base) = chars.get(start..start + block)
        {
            let base_log10 = most_guessable(base, depth + 1).log10;
            pieces.push(Piece {
                start,
                end: start + block * count,
                log10: base_log10 + (count as f64).log10(),
                pattern: Pattern::Repeat,
            });
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Sequences

#[derive(PartialEq, Eq, Clone, Copy)]
enum CharClass {
    Lower,
    Upper,
    Digit,
    Other,
}

fn class_of(c: char) -> CharClass {
    if c.is_ascii_lowercase() {
        CharClass::Lower
    } else if c.is_ascii_uppercase() {
        CharClass::Upper
    } else if c.is_ascii_digit() {
        CharClass::Digit
    } else {
        CharClass::Other
    }
}

fn sequence_pieces(chars: &[char], pieces: &mut Vec<Piece>) {
    let n = chars.len();
    let delta_at = |i: usize| -> Option<i64> {
        let (a, b) = (*chars.get(i)?, *chars.get(i + 1)?);
        let class = class_of(a);
        if class == CharClass::Other || class != class_of(b) {
            return None;
        }
        let delta = i64::from(u32::from(b)) - i64::from(u32::from(a));
        (delta != 0 && delta.abs() <= 5).then_some(delta)
    };
    let mut start = 0;
    while start + 1 < n {
        let Some(delta) = delta_at(start) else {
            start += 1;
            continue;
        };
        let mut end = start + 2;
        while end < n && delta_at(end - 1) == Some(delta) {
            end += 1;
        }
        let len = end - start;
        // Steps of 2..=5 ("aceg", "1357") need one more character than steps of 1, so that
        // chance triples in ordinary words ("ilo" in "ilove") are not reported.
        let min_len = if delta.abs() == 1 { MIN_MATCH_LEN } else { MIN_MATCH_LEN + 1 };
        if len >= min_len {
            let first = chars.get(start).copied().unwrap_or('a');
            let base: f64 = if matches!(first, 'a' | 'A' | 'z' | 'Z' | '0' | '1' | '9') {
                4.0
            } else if first.is_ascii_digit() {
                10.0
            } else {
                26.0
            };
            let direction = if delta < 0 { 2.0 } else { 1.0 };
            let log10 = (base * len as f64 * direction * delta.unsigned_abs() as f64).log10();
            pieces.push(Piece { start, end, log10, pattern: Pattern::Sequence });
            start = end - 1;
        } else {
            start += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Keyboard walks (US QWERTY)

/// Rows of a US QWERTY keyboard, unshifted and shifted. Letter rows start one column in, so
/// that a key's upper neighbours are at columns (c, c+1) and lower ones at (c−1, c).
const KEYBOARD_ROWS: [(&str, &str, usize); 4] = [
    ("`1234567890-=", "~!@#$%^&*()_+", 0),
    ("qwertyuiop[]\\", "QWERTYUIOP{}|", 1),
    ("asdfghjkl;'", "ASDFGHJKL:\"", 1),
    ("zxcvbnm,./", "ZXCVBNM<>?", 1),
];

/// (row, column, shifted) of a key.
fn key_position(c: char) -> Option<(usize, usize, bool)> {
    for (row, (plain, shifted, offset)) in KEYBOARD_ROWS.iter().enumerate() {
        if let Some(column) = plain.chars().position(|k| k == c) {
            return Some((row, column + offset, false));
        }
        if let Some(column) = shifted.chars().position(|k| k == c) {
            return Some((row, column + offset, true));
        }
    }
    None
}

fn key_exists(row: usize, column: usize) -> bool {
    KEYBOARD_ROWS
        .get(row)
        .is_some_and(|(plain, _, offset)| column >= *offset && column - offset < plain.chars().count())
}

/// Direction from key `a` to adjacent key `b` (0..6), or None if not adjacent.
fn adjacency(a: (usize, usize), b: (usize, usize)) -> Option<u8> {
    let ((ar, ac), (br, bc)) = (a, b);
    if ar == br {
        return if bc == ac + 1 {
            Some(0)
        } else if bc + 1 == ac {
            Some(1)
        } else {
            None
        };
    }
    if br + 1 == ar {
        return if bc == ac {
            Some(2)
        } else if bc == ac + 1 {
            Some(3)
        } else {
            None
        };
    }
    if br == ar + 1 {
        return if bc + 1 == ac {
            Some(4)
        } else if bc == ac {
            Some(5)
        } else {
            None
        };
    }
    None
}

/// Number of keys and their average number of neighbours, for the guess formula.
fn keyboard_graph_stats() -> (f64, f64) {
    static STATS: OnceLock<(f64, f64)> = OnceLock::new();
    *STATS.get_or_init(|| {
        let mut keys = 0usize;
        let mut neighbours = 0usize;
        for (row, (plain, _, offset)) in KEYBOARD_ROWS.iter().enumerate() {
            for column in *offset..offset + plain.chars().count() {
                keys += 1;
                let candidates = [
                    (Some(row), column.checked_add(1)),
                    (Some(row), column.checked_sub(1)),
                    (row.checked_sub(1), Some(column)),
                    (row.checked_sub(1), column.checked_add(1)),
                    (row.checked_add(1), column.checked_sub(1)),
                    (row.checked_add(1), Some(column)),
                ];
                neighbours += candidates
                    .iter()
                    .filter(|(r, c)| matches!((r, c), (Some(r), Some(c)) if key_exists(*r, *c)))
                    .count();
            }
        }
        (keys as f64, neighbours as f64 / keys.max(1) as f64)
    })
}

fn keyboard_pieces(chars: &[char], pieces: &mut Vec<Piece>) {
    let positions: Vec<Option<(usize, usize, bool)>> = chars.iter().map(|&c| key_position(c)).collect();
    let n = chars.len();
    let mut start = 0;
    while start < n {
        let mut end = start + 1;
        let mut turns = 0usize;
        let mut last_direction: Option<u8> = None;
        while let (Some(Some(a)), Some(Some(b))) = (positions.get(end - 1), positions.get(end)) {
            let Some(direction) = adjacency((a.0, a.1), (b.0, b.1)) else { break };
            if last_direction != Some(direction) {
                turns += 1;
                last_direction = Some(direction);
            }
            end += 1;
        }
        let len = end - start;
        if len >= MIN_MATCH_LEN {
            let shifted = positions.get(start..end).map_or(0, |p| p.iter().flatten().filter(|k| k.2).count());
            let log10 = keyboard_log10(len, turns, shifted);
            pieces.push(Piece { start, end, log10, pattern: Pattern::Keyboard });
            start = end;
        } else {
            start += 1;
        }
    }
}

/// zxcvbn's spatial estimate: walks of length ≤ L with ≤ `turns` turns from any key, times the
/// shift variations.
fn keyboard_log10(len: usize, turns: usize, shifted: usize) -> f64 {
    let (keys, degree) = keyboard_graph_stats();
    let mut guesses = 0.0;
    for i in 2..=len {
        for j in 1..=turns.min(i - 1) {
            guesses += 10f64.powf(log10_binomial(i - 1, j - 1)) * keys * degree.powi(j as i32);
        }
    }
    let unshifted = len - shifted.min(len);
    let shift_variations = if shifted == 0 {
        1.0
    } else if unshifted == 0 {
        2.0
    } else {
        (1..=shifted.min(unshifted)).map(|i| 10f64.powf(log10_binomial(shifted + unshifted, i))).sum()
    };
    guesses.max(1.0).log10() + f64::log10(shift_variations)
}

// ---------------------------------------------------------------------------------------------
// Dates and years

fn year_space(year: i32) -> f64 {
    f64::from((year - REFERENCE_YEAR).abs()).max(MIN_YEAR_SPACE)
}

fn full_year(digits: &[u32]) -> Option<i32> {
    let value = digits.iter().try_fold(0u32, |acc, d| acc.checked_mul(10)?.checked_add(*d))?;
    let value = i32::try_from(value).ok()?;
    match digits.len() {
        2 => Some(if value >= 50 { 1900 + value } else { 2000 + value }),
        4 if (1900..=2099).contains(&value) => Some(value),
        _ => None,
    }
}

fn number(digits: &[u32]) -> Option<u32> {
    digits.iter().try_fold(0u32, |acc, d| acc.checked_mul(10)?.checked_add(*d))
}

/// Whether day/month/year digit groups form a plausible date; returns the year.
fn plausible_date(day: &[u32], month: &[u32], year: &[u32]) -> Option<i32> {
    let (day, month) = (number(day)?, number(month)?);
    ((1..=31).contains(&day) && (1..=12).contains(&month)).then_some(())?;
    full_year(year)
}

/// The year of a date written as digit groups in any common order (DMY, MDY, YMD).
fn date_year(groups: &[&[u32]]) -> Option<i32> {
    let [a, b, c] = groups else { return None };
    plausible_date(a, b, c).or_else(|| plausible_date(b, a, c)).or_else(|| plausible_date(c, b, a))
}

fn date_pieces(chars: &[char], pieces: &mut Vec<Piece>) {
    let n = chars.len();
    let digit = |i: usize| chars.get(i).and_then(|c| c.to_digit(10));
    for start in 0..n {
        // Undelimited: 4 digits (a year), 6 or 8 digits (a date).
        let run = (start..n).take_while(|&i| digit(i).is_some()).count();
        let mut digits = Zeroizing::new(Vec::with_capacity(8));
        digits.extend((start..start + run.min(8)).filter_map(digit));
        if let Some(year_digits) = digits.get(..4)
            && let Some(year) = full_year(year_digits)
        {
            pieces.push(Piece {
                start,
                end: start + 4,
                log10: year_space(year).log10(),
                pattern: Pattern::Date,
            });
        }
        for len in [6usize, 8] {
            let Some(d) = digits.get(..len) else { continue };
            let split = |x: usize, y: usize| -> Option<i32> {
                let (first, rest) = d.split_at_checked(x)?;
                let (second, third) = rest.split_at_checked(y)?;
                date_year(&[first, second, third])
            };
            // DDMM(YY)YY / MMDD(YY)YY, or (YY)YYMMDD.
            let year_len = len - 4;
            let year = split(2, 2).or_else(|| {
                let (year, rest) = d.split_at_checked(year_len)?;
                let (month, day) = rest.split_at_checked(2)?;
                plausible_date(day, month, year)
            });
            if let Some(year) = year {
                let log10 = (year_space(year) * 365.0).log10();
                pieces.push(Piece { start, end: start + len, log10, pattern: Pattern::Date });
            }
        }
        // Delimited: d{1,2} s d{1,2} s d{2,4}, or d{4} s d{1,2} s d{1,2}, one separator kind.
        if let Some((end, year)) = delimited_date(chars, start) {
            let log10 = (year_space(year) * 365.0 * 4.0).log10();
            pieces.push(Piece { start, end, log10, pattern: Pattern::Date });
        }
    }
}

fn delimited_date(chars: &[char], start: usize) -> Option<(usize, i32)> {
    let mut groups: Vec<Zeroizing<Vec<u32>>> = Vec::with_capacity(3);
    let mut separator: Option<char> = None;
    let mut i = start;
    loop {
        let mut group = Zeroizing::new(Vec::with_capacity(4));
        group.extend(chars.get(i..).unwrap_or_default().iter().map_while(|c| c.to_digit(10)).take(4));
        if group.is_empty() {
            return None;
        }
        i += group.len();
        groups.push(group);
        if groups.len() == 3 {
            break;
        }
        let sep = *chars.get(i)?;
        if !matches!(sep, ' ' | '-' | '/' | '.' | '\\' | '_') || separator.is_some_and(|s| s != sep) {
            return None;
        }
        separator = Some(sep);
        i += 1;
    }
    let [a, b, c] = groups.as_slice() else { return None };
    let year = match (a.len(), b.len(), c.len()) {
        (1 | 2, 1 | 2, 2 | 4) => date_year(&[a, b, c]),
        (4, 1 | 2, 1 | 2) => plausible_date(c, b, a),
        _ => None,
    }?;
    Some((i, year))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(text: &str) -> StrengthEstimate {
        estimate_strength(&BackupPassword::from_user_input(text.to_owned()), &KdfParams::recommended())
    }

    #[test]
    fn list_is_sorted_lowercase_ascii() {
        let ranks = common_password_ranks();
        assert!(ranks.len() > 500);
        assert!(ranks.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(ranks.iter().all(|(w, _)| w.chars().all(|c| c.is_ascii() && !c.is_ascii_uppercase())));
        assert_eq!(common_rank("123456"), Some(1));
        assert_eq!(common_rank("password"), Some(2));
        assert_eq!(common_rank("not-a-common-password"), None);
    }

    #[test]
    fn common_passwords_are_very_weak() {
        for weak in
            ["password", "123456", "qwerty", "P@ssw0rd", "PASSWORD", "drowssap", "iloveyou", "bitcoin"]
        {
            let e = estimate(weak);
            assert_eq!(e.score, StrengthScore::VeryWeak, "{weak}: {e:?}");
            assert!(e.guesses_log10 < 4.0, "{weak}: {e:?}");
            assert!(e.warnings.contains(&StrengthWarning::CommonPassword), "{weak}: {e:?}");
        }
    }

    #[test]
    fn patterns_are_recognised() {
        let cases = [
            ("aaaaaaaaaaaa", StrengthWarning::Repeated),
            ("abcabcabcabc", StrengthWarning::Repeated),
            ("abcdefghijk", StrengthWarning::Sequence),
            ("98765432", StrengthWarning::Sequence),
            ("zxcvbnmasdfghj", StrengthWarning::KeyboardPattern),
            ("1qaz2wsx3edc4rfv", StrengthWarning::KeyboardPattern),
            ("25.12.1987", StrengthWarning::Date),
            ("19870316", StrengthWarning::Date),
        ];
        for (text, warning) in cases {
            let e = estimate(text);
            assert!(e.warnings.contains(&warning), "{text}: {e:?}");
            assert!(e.guesses_log10 < 8.0, "{text}: {e:?}");
            assert!(e.score <= StrengthScore::Weak, "{text}: {e:?}");
        }
    }

    #[test]
    fn patterns_are_far_weaker_than_unstructured_text_of_same_length() {
        let structured = estimate("aaaaaaaaaaaa").guesses_log10;
        let unstructured = estimate("k7#mq2vx9!pd").guesses_log10;
        assert!(unstructured > structured + 6.0, "{unstructured} vs {structured}");
    }

    #[test]
    fn long_unstructured_passphrase_is_very_strong() {
        let e = estimate("violin crater mosaic 47 plumbing");
        assert_eq!(e.score, StrengthScore::VeryStrong, "{e:?}");
        assert!(e.warnings.is_empty(), "{e:?}");
    }

    #[test]
    fn ordinary_words_are_not_priced_as_random_letters() {
        let words = estimate("elephantgiraffe");
        let random = estimate("xqzbvkwjtpmzqjx");
        assert!(words.guesses_log10 < 10.0, "{words:?}");
        assert!(random.guesses_log10 > words.guesses_log10 + 4.0, "{random:?}");
        assert!(words.score <= StrengthScore::Fair, "{words:?}");
        assert!(is_word_like(&"plumbing".chars().collect::<Vec<_>>()));
        assert!(!is_word_like(&"xqzvbkwt".chars().collect::<Vec<_>>()));
        let leet = estimate("Tr0ub4dor");
        assert!(leet.guesses_log10 < 8.0, "{leet:?}");
    }

    #[test]
    fn common_word_with_suffix_is_weak() {
        let e = estimate("Password1987!");
        assert!(e.score <= StrengthScore::Weak, "{e:?}");
        assert!(e.warnings.contains(&StrengthWarning::ContainsCommonPassword), "{e:?}");
    }

    #[test]
    fn leading_and_trailing_space_is_flagged_not_trimmed() {
        let e = estimate(" correct horse ");
        assert!(e.warnings.contains(&StrengthWarning::LeadingOrTrailingSpace));
        assert!(!estimate("correct horse").warnings.contains(&StrengthWarning::LeadingOrTrailingSpace));
        assert!(e.guesses_log10 > estimate("correct horse").guesses_log10);
    }

    #[test]
    fn cost_follows_the_kdf_parameters() {
        let password = BackupPassword::from_user_input("violin crater mosaic".to_owned());
        let heavy = estimate_strength(&password, &KdfParams::recommended());
        let light = estimate_strength(&password, &KdfParams::insecure_for_tests());
        assert_eq!(heavy.guesses_log10, light.guesses_log10);
        assert!(heavy.offline.expected_usd > light.offline.expected_usd * 1000.0);
        // 64 MiB, t=3 moves 64 MiB × 11 per guess: about 1355 guesses/s at 1 TB/s.
        let rate = heavy.offline.guesses_per_second_per_device;
        assert!((1300.0..1400.0).contains(&rate), "{rate}");
    }

    #[test]
    fn empty_and_huge_inputs_are_handled() {
        let e = estimate("");
        assert_eq!(e.guesses_log10, 0.0);
        assert_eq!(e.score, StrengthScore::VeryWeak);
        let huge = estimate(&"ab".repeat(5000));
        assert!(huge.warnings.contains(&StrengthWarning::Repeated));
        let mixed: String =
            (0..4000u32).filter_map(|i| char::from_u32(0x4e00 + (i * 7919) % 20000)).collect();
        assert_eq!(estimate(&mixed).score, StrengthScore::VeryStrong);
    }

    #[test]
    fn log_helpers() {
        assert!((log10_add(2.0, 2.0) - (2.0 + 2f64.log10())).abs() < 1e-12);
        assert!((log10_binomial(5, 2) - 10f64.log10()).abs() < 1e-12);
        assert_eq!(log10_binomial(2, 3), f64::NEG_INFINITY);
    }
}
