//! BIP39 mnemonics in the ten official languages: generation, parsing with typed errors, and
//! seed derivation.
//!
//! The wordlists are the official ones, kept as compact text (`wordlist`); encoding, checksum,
//! language detection and PBKDF2 are done here so that every intermediate buffer is wiped and
//! errors never echo a word.
//!
//! A [`Mnemonic`] holds its language and entropy (16–32 bytes). The phrase is rebuilt from them
//! on demand, so the words exist in memory only while the caller holds an exposed copy.

use core::fmt;

mod wordlist;

use hmac::Mac;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, Zeroizing};

use crate::bip32::{Seed, hmac_sha512};
use crate::mnemonic::wordlist::Wordlist;
use crate::secret::{SecretBytes, SecretString};

/// Longest word (in bytes, as typed, before normalisation) worth looking up. The longest NFKD
/// word of any official list is 33 bytes (Korean); anything much longer cannot be a word and is
/// refused before it is normalised, which bounds the work done on hostile input.
const MAX_TYPED_WORD_BYTES: usize = 128;

/// Bits of a word index.
const BITS_PER_WORD: usize = 11;

/// PBKDF2 iterations BIP39 fixes for the seed.
const SEED_PBKDF2_ROUNDS: u32 = 2048;

/// Separator for Japanese phrases (IDEOGRAPHIC SPACE), as the Japanese wordlist's notes require.
const IDEOGRAPHIC_SPACE: char = '\u{3000}';

/// The ten official BIP39 wordlist languages.
///
/// [`Language::code`] is written into backups, so the numbering is part of the backup format
/// and must never change: English 0, Japanese 1, Korean 2, Spanish 3, ChineseSimplified 4,
/// ChineseTraditional 5, French 6, Italian 7, Czech 8, Portuguese 9 (the order of the BIP39
/// wordlist index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Language {
    /// English (code 0).
    English,
    /// Japanese (code 1); phrases are joined with U+3000 IDEOGRAPHIC SPACE.
    Japanese,
    /// Korean (code 2).
    Korean,
    /// Spanish (code 3).
    Spanish,
    /// Chinese, simplified characters (code 4).
    ChineseSimplified,
    /// Chinese, traditional characters (code 5).
    ChineseTraditional,
    /// French (code 6).
    French,
    /// Italian (code 7).
    Italian,
    /// Czech (code 8).
    Czech,
    /// Portuguese (code 9).
    Portuguese,
}

impl Language {
    /// Every language, in code order.
    pub const ALL: [Language; 10] = [
        Language::English,
        Language::Japanese,
        Language::Korean,
        Language::Spanish,
        Language::ChineseSimplified,
        Language::ChineseTraditional,
        Language::French,
        Language::Italian,
        Language::Czech,
        Language::Portuguese,
    ];

    /// The stable one-byte code stored in backups (0..=9, see the type's documentation).
    pub const fn code(self) -> u8 {
        match self {
            Language::English => 0,
            Language::Japanese => 1,
            Language::Korean => 2,
            Language::Spanish => 3,
            Language::ChineseSimplified => 4,
            Language::ChineseTraditional => 5,
            Language::French => 6,
            Language::Italian => 7,
            Language::Czech => 8,
            Language::Portuguese => 9,
        }
    }

    /// The language with this code, or `None` for codes this version does not know.
    pub const fn from_code(code: u8) -> Option<Language> {
        match code {
            0 => Some(Language::English),
            1 => Some(Language::Japanese),
            2 => Some(Language::Korean),
            3 => Some(Language::Spanish),
            4 => Some(Language::ChineseSimplified),
            5 => Some(Language::ChineseTraditional),
            6 => Some(Language::French),
            7 => Some(Language::Italian),
            8 => Some(Language::Czech),
            9 => Some(Language::Portuguese),
            _ => None,
        }
    }

    /// The 2048 words, in NFKD form.
    fn words(self) -> &'static Wordlist {
        match self {
            Language::English => &wordlist::ENGLISH,
            Language::Japanese => &wordlist::JAPANESE,
            Language::Korean => &wordlist::KOREAN,
            Language::Spanish => &wordlist::SPANISH,
            Language::ChineseSimplified => &wordlist::CHINESE_SIMPLIFIED,
            Language::ChineseTraditional => &wordlist::CHINESE_TRADITIONAL,
            Language::French => &wordlist::FRENCH,
            Language::Italian => &wordlist::ITALIAN,
            Language::Czech => &wordlist::CZECH,
            Language::Portuguese => &wordlist::PORTUGUESE,
        }
    }

    /// Index of an NFKD word in this language's list.
    fn find(self, nfkd_word: &str) -> Option<u16> {
        self.words().find(nfkd_word)
    }

    fn separator(self) -> char {
        match self {
            Language::Japanese => IDEOGRAPHIC_SPACE,
            _ => ' ',
        }
    }
}

/// Number of words in a mnemonic (and so its entropy: 128 to 256 bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WordCount {
    /// 12 words, 128 bits of entropy.
    Words12,
    /// 15 words, 160 bits of entropy.
    Words15,
    /// 18 words, 192 bits of entropy.
    Words18,
    /// 21 words, 224 bits of entropy.
    Words21,
    /// 24 words, 256 bits of entropy.
    Words24,
}

impl WordCount {
    /// Every word count, shortest first.
    pub const ALL: [WordCount; 5] =
        [WordCount::Words12, WordCount::Words15, WordCount::Words18, WordCount::Words21, WordCount::Words24];

    /// The number of words.
    pub const fn words(self) -> usize {
        match self {
            WordCount::Words12 => 12,
            WordCount::Words15 => 15,
            WordCount::Words18 => 18,
            WordCount::Words21 => 21,
            WordCount::Words24 => 24,
        }
    }

    /// The word count for `words` words, if BIP39 allows it.
    pub const fn from_words(words: usize) -> Option<WordCount> {
        match words {
            12 => Some(WordCount::Words12),
            15 => Some(WordCount::Words15),
            18 => Some(WordCount::Words18),
            21 => Some(WordCount::Words21),
            24 => Some(WordCount::Words24),
            _ => None,
        }
    }

    /// Entropy length in bytes (16, 20, 24, 28 or 32).
    pub const fn entropy_bytes(self) -> usize {
        self.words() * 4 / 3
    }

    fn from_entropy_bytes(len: usize) -> Option<WordCount> {
        match len {
            16 => Some(WordCount::Words12),
            20 => Some(WordCount::Words15),
            24 => Some(WordCount::Words18),
            28 => Some(WordCount::Words21),
            32 => Some(WordCount::Words24),
            _ => None,
        }
    }
}

/// Why a mnemonic could not be created or parsed. Texts never contain a word of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MnemonicError {
    /// The word at this 1-based position is in no BIP39 wordlist.
    #[error("word {position} is not a BIP39 word")]
    UnknownWord {
        /// 1-based position of the word in the phrase.
        position: usize,
    },
    /// Every word is known but the last word's checksum bits do not match (usually a word was
    /// mistyped into another valid word, or two words were swapped).
    #[error("the phrase's checksum does not match; check every word and their order")]
    BadChecksum,
    /// BIP39 phrases have 12, 15, 18, 21 or 24 words.
    #[error("a recovery phrase has 12, 15, 18, 21 or 24 words, not {count}")]
    BadWordCount {
        /// How many words were found.
        count: usize,
    },
    /// Every word is a BIP39 word, but not all from the same language's list.
    #[error("the phrase mixes words from different BIP39 languages")]
    MixedLanguages,
    /// Entropy must be 16, 20, 24, 28 or 32 bytes.
    #[error("entropy must be 16, 20, 24, 28 or 32 bytes")]
    BadEntropyLength,
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Rng(getrandom::Error),
}

/// A valid BIP39 mnemonic: a language and 128–256 bits of entropy.
///
/// Wiped on drop, `Debug` prints `[redacted]`, no `Display`, equality in constant time (over
/// language and entropy). Words leave it only through [`Mnemonic::expose_phrase`].
#[derive(Clone)]
pub struct Mnemonic {
    language: Language,
    entropy: SecretBytes,
}

impl Mnemonic {
    /// A new mnemonic with entropy from the OS CSPRNG.
    pub fn generate(word_count: WordCount, language: Language) -> Result<Mnemonic, MnemonicError> {
        let mut entropy = Zeroizing::new(vec![0u8; word_count.entropy_bytes()]);
        getrandom::fill(entropy.as_mut_slice()).map_err(MnemonicError::Rng)?;
        Mnemonic::from_entropy(language, &entropy)
    }

    /// The mnemonic encoding `entropy` (16, 20, 24, 28 or 32 bytes) in `language`.
    pub fn from_entropy(language: Language, entropy: &[u8]) -> Result<Mnemonic, MnemonicError> {
        if WordCount::from_entropy_bytes(entropy.len()).is_none() {
            return Err(MnemonicError::BadEntropyLength);
        }
        Ok(Mnemonic { language, entropy: SecretBytes::copy_from(entropy) })
    }

    /// Parses a phrase, detecting its language.
    ///
    /// Accepted input: words separated by any Unicode whitespace (ASCII spaces, U+3000, tabs,
    /// line breaks; runs collapse and leading/trailing whitespace is ignored), in any Unicode
    /// normalisation form (compared in NFKD, as BIP39 specifies, so full-width Latin letters and
    /// composed or decomposed accents all work), and in any letter case (`Abandon` = `abandon`;
    /// the official lists are lower case and no two words differ only by case).
    ///
    /// When the words fit more than one list (English and French share some words; the two
    /// Chinese lists share many characters), the first language in [`Language::ALL`] order whose
    /// checksum matches is chosen. The words, and so the seed, are the same either way.
    pub fn parse(phrase: &str) -> Result<Mnemonic, MnemonicError> {
        let words = normalised_words(phrase)?;
        let mut candidates = Language::ALL
            .into_iter()
            .filter(|language| words.iter().all(|word| language.find(word).is_some()))
            .peekable();
        if candidates.peek().is_none() {
            return Err(diagnose_no_language(&words));
        }
        let mut last_error = MnemonicError::BadChecksum;
        for language in candidates {
            match decode_words(language, &words) {
                Ok(mnemonic) => return Ok(mnemonic),
                Err(error) => last_error = error,
            }
        }
        Err(last_error)
    }

    /// Parses a phrase that must be in `language`. Same input rules as [`Mnemonic::parse`].
    pub fn parse_in(language: Language, phrase: &str) -> Result<Mnemonic, MnemonicError> {
        let words = normalised_words(phrase)?;
        decode_words(language, &words)
    }

    /// The wordlist language.
    pub fn language(&self) -> Language {
        self.language
    }

    /// The number of words.
    pub fn word_count(&self) -> WordCount {
        // Construction guarantees a valid entropy length; 24 words is the unreachable fallback.
        WordCount::from_entropy_bytes(self.entropy.len()).unwrap_or(WordCount::Words24)
    }

    /// The entropy (16–32 bytes). This is the whole secret.
    pub fn expose_entropy(&self) -> SecretBytes {
        self.entropy.clone()
    }

    /// The phrase for display: the official (NFC, composed) spelling of each word, separated by
    /// one ASCII space, or by U+3000 IDEOGRAPHIC SPACE for Japanese.
    pub fn expose_phrase(&self) -> SecretString {
        let indices = self.word_indices();
        let separator = self.language.separator();
        let list = self.language.words();
        let capacity: usize = indices.iter().map(|&i| word_at(list, i).len() + separator.len_utf8()).sum();
        let mut nfkd = Zeroizing::new(String::with_capacity(capacity));
        for (n, &index) in indices.iter().enumerate() {
            if n > 0 {
                nfkd.push(separator);
            }
            nfkd.push_str(word_at(list, index));
        }
        // Exact capacity: a growing buffer would leave unwiped copies behind when reallocated.
        let mut nfc = String::with_capacity(nfkd.nfc().map(char::len_utf8).sum());
        nfc.extend(nfkd.nfc());
        SecretString::new(nfc)
    }

    /// The BIP39 seed: PBKDF2-HMAC-SHA512 over the NFKD phrase (words joined by ASCII spaces)
    /// with salt `"mnemonic" + NFKD(passphrase)`, 2048 rounds. An empty passphrase is the usual
    /// "no passphrase". Any passphrase gives a valid seed; compare the master fingerprint to
    /// detect a wrong one.
    pub fn to_seed(&self, passphrase: &str) -> Seed {
        let indices = self.word_indices();
        let list = self.language.words();
        let capacity: usize = indices.iter().map(|&i| word_at(list, i).len() + 1).sum();
        let mut sentence = Zeroizing::new(String::with_capacity(capacity));
        for (n, &index) in indices.iter().enumerate() {
            if n > 0 {
                sentence.push(' ');
            }
            sentence.push_str(word_at(list, index));
        }
        let salt_len = "mnemonic".len() + passphrase.nfkd().map(char::len_utf8).sum::<usize>();
        let mut salt = Zeroizing::new(String::with_capacity(salt_len));
        salt.push_str("mnemonic");
        salt.extend(passphrase.nfkd());
        let mut seed = Seed::zeroed();
        pbkdf2_hmac_sha512_one_block(
            sentence.as_bytes(),
            salt.as_bytes(),
            SEED_PBKDF2_ROUNDS,
            seed.as_mut_bytes(),
        );
        seed
    }

    /// The 11-bit word indices: entropy followed by its SHA-256 checksum bits.
    fn word_indices(&self) -> Zeroizing<Vec<u16>> {
        let entropy = self.entropy.expose_bytes();
        let word_count = entropy.len() * 3 / 4;
        let mut checksum = Sha256::digest(entropy);
        let mut indices = Zeroizing::new(Vec::with_capacity(word_count));
        let mut accumulator: u32 = 0;
        let mut bits: usize = 0;
        // The checksum is ENT/32 bits, always within its first byte.
        for &byte in entropy.iter().chain(checksum.first()) {
            accumulator = (accumulator << 8) | u32::from(byte);
            bits += 8;
            while bits >= BITS_PER_WORD && indices.len() < word_count {
                bits -= BITS_PER_WORD;
                indices.push(((accumulator >> bits) & 0x7ff) as u16);
            }
            accumulator &= (1 << bits) - 1;
        }
        accumulator.zeroize();
        checksum.zeroize();
        indices
    }
}

impl fmt::Debug for Mnemonic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Mnemonic([redacted])")
    }
}

impl ConstantTimeEq for Mnemonic {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.language.code().ct_eq(&other.language.code()) & self.entropy.ct_eq(&other.entropy)
    }
}

impl PartialEq for Mnemonic {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}
impl Eq for Mnemonic {}

fn word_at(list: &'static Wordlist, index: u16) -> &'static str {
    list.word(usize::from(index)).unwrap_or_default()
}

/// Splits on any Unicode whitespace, checks the count, then NFKD + lower-cases each word.
fn normalised_words(phrase: &str) -> Result<Vec<Zeroizing<String>>, MnemonicError> {
    // Count before normalising anything: the count check bounds all later work.
    let count = phrase.split_whitespace().count();
    if WordCount::from_words(count).is_none() {
        return Err(MnemonicError::BadWordCount { count });
    }
    let mut words = Vec::with_capacity(count);
    for (index, typed) in phrase.split_whitespace().enumerate() {
        if typed.len() > MAX_TYPED_WORD_BYTES {
            return Err(MnemonicError::UnknownWord { position: index + 1 });
        }
        // Exact capacity: a growing buffer would leave unwiped copies behind when reallocated.
        let normalised = || typed.nfkd().flat_map(char::to_lowercase);
        let mut word = Zeroizing::new(String::with_capacity(normalised().map(char::len_utf8).sum()));
        word.extend(normalised());
        words.push(word);
    }
    Ok(words)
}

/// No single list has every word: report the first word of the best-matching list that is in
/// no list at all, or else say the languages are mixed.
fn diagnose_no_language(words: &[Zeroizing<String>]) -> MnemonicError {
    let best = Language::ALL
        .into_iter()
        .max_by_key(|language| {
            // Ties go to the earlier language (max_by_key keeps the last maximum, so reverse).
            let known = words.iter().filter(|word| language.find(word).is_some()).count();
            (known, usize::from(10 - language.code()))
        })
        .unwrap_or(Language::English);
    for (index, word) in words.iter().enumerate() {
        if best.find(word).is_none() {
            let in_any_list = Language::ALL.into_iter().any(|language| language.find(word).is_some());
            return if in_any_list {
                MnemonicError::MixedLanguages
            } else {
                MnemonicError::UnknownWord { position: index + 1 }
            };
        }
    }
    MnemonicError::MixedLanguages
}

/// Words → entropy in one language, verifying the checksum.
fn decode_words(language: Language, words: &[Zeroizing<String>]) -> Result<Mnemonic, MnemonicError> {
    let count = words.len();
    if WordCount::from_words(count).is_none() {
        return Err(MnemonicError::BadWordCount { count });
    }
    let entropy_len = count * 4 / 3;
    let checksum_bits = count / 3;
    // Entropy bytes plus one byte for the checksum bits (at most 8).
    let mut bytes = Zeroizing::new(Vec::with_capacity(entropy_len + 1));
    let mut accumulator: u32 = 0;
    let mut bits: usize = 0;
    for (index, word) in words.iter().enumerate() {
        let word_index = language.find(word).ok_or(MnemonicError::UnknownWord { position: index + 1 })?;
        accumulator = (accumulator << BITS_PER_WORD) | u32::from(word_index);
        bits += BITS_PER_WORD;
        while bits >= 8 {
            bits -= 8;
            bytes.push(((accumulator >> bits) & 0xff) as u8);
        }
        accumulator &= (1 << bits) - 1;
    }
    // Total bits = 33·count/3 = 8·entropy_len + checksum_bits; checksum_bits is 4..=8.
    let (given_checksum, expected_checksum) = {
        let tail = if bits > 0 {
            // Left-align the remaining checksum bits into a byte.
            (accumulator << (8 - bits)) as u8
        } else {
            bytes.pop().unwrap_or_default()
        };
        let entropy = bytes.get(..entropy_len).unwrap_or_default();
        let digest = Sha256::digest(entropy);
        let mask = 0xffu8 << (8 - checksum_bits);
        (tail & mask, digest.first().copied().unwrap_or_default() & mask)
    };
    accumulator.zeroize();
    bytes.truncate(entropy_len);
    if given_checksum != expected_checksum || bytes.len() != entropy_len {
        return Err(MnemonicError::BadChecksum);
    }
    Ok(Mnemonic { language, entropy: SecretBytes::copy_from(&bytes) })
}

/// PBKDF2-HMAC-SHA512 producing exactly one 64-byte block (all BIP39 needs).
fn pbkdf2_hmac_sha512_one_block(password: &[u8], salt: &[u8], rounds: u32, out: &mut [u8; 64]) {
    let keyed = hmac_sha512(password);
    let mut first = keyed.clone();
    first.update(salt);
    first.update(&1u32.to_be_bytes());
    let mut block = first.finalize().into_bytes();
    out.copy_from_slice(&block);
    for _ in 1..rounds {
        let mut next = keyed.clone();
        next.update(&block);
        block.zeroize();
        block = next.finalize().into_bytes();
        for (acc, byte) in out.iter_mut().zip(block.iter()) {
            *acc ^= byte;
        }
    }
    block.zeroize();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_stable() {
        for (expected, language) in Language::ALL.into_iter().enumerate() {
            assert_eq!(usize::from(language.code()), expected);
            assert_eq!(Language::from_code(language.code()), Some(language));
        }
        assert_eq!(Language::from_code(10), None);
        assert_eq!(Language::from_code(255), None);
    }

    #[test]
    fn english_zero_entropy() {
        let mnemonic = Mnemonic::from_entropy(Language::English, &[0; 16]).expect("valid");
        assert_eq!(
            mnemonic.expose_phrase().expose_str(),
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
        );
    }

    #[test]
    fn parse_is_lenient_about_case_and_spacing() {
        let messy = "  Abandon\tabandon  ABANDON abandon\u{3000}abandon abandon abandon abandon abandon abandon \
                     abandon\nabout \n";
        let mnemonic = Mnemonic::parse(messy).expect("valid");
        assert_eq!(mnemonic.expose_entropy().expose_bytes(), &[0; 16]);
        assert_eq!(mnemonic.language(), Language::English);
    }

    #[test]
    fn fullwidth_latin_normalises() {
        let fullwidth: String =
            "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about"
                .chars()
                .map(|c| {
                    if c.is_ascii_lowercase() {
                        char::from_u32(c as u32 - 0x61 + 0xFF41).expect("fw")
                    } else {
                        c
                    }
                })
                .collect();
        let mnemonic = Mnemonic::parse(&fullwidth).expect("valid");
        assert_eq!(mnemonic.expose_entropy().expose_bytes(), &[0; 16]);
    }
}
