//! The ten BIP39 wordlists, stored compactly: each is one newline-separated text plus a table of
//! word start offsets computed at compile time.
//!
//! A `[&str; 2048]` table costs 16 bytes of pointer and length per word (~330 KB for ten lists in
//! the shipped library); the `u16` offsets cost 4 KB per list. The texts' source and licence are
//! in `wordlists/README.md`.

/// Words per list.
const WORDS: usize = 2048;

/// One wordlist: `text` holds the 2048 NFKD words, each followed by `\n`.
#[derive(Debug)]
pub(super) struct Wordlist {
    text: &'static str,
    /// Byte offset where each word starts; the last entry is the text's length.
    starts: [u16; WORDS + 1],
    /// Strictly ascending in byte order, so lookups can binary-search (checked when compiled).
    sorted: bool,
}

impl Wordlist {
    /// Builds the offsets table. Evaluated at compile time for the statics below, so a malformed
    /// list (wrong word count, empty word, no final newline, over 64 KiB) fails the build.
    const fn new(text: &'static str) -> Wordlist {
        let bytes = text.as_bytes();
        assert!(bytes.len() <= u16::MAX as usize, "a wordlist must fit u16 offsets");
        let mut starts = [0u16; WORDS + 1];
        let mut word = 0;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'\n' {
                assert!(i > starts[word] as usize, "a wordlist has an empty line");
                word += 1;
                assert!(word <= WORDS, "a wordlist has more than 2048 words");
                starts[word] = (i + 1) as u16;
            }
            i += 1;
        }
        assert!(word == WORDS, "a wordlist has fewer than 2048 words");
        assert!(starts[WORDS] as usize == bytes.len(), "a wordlist must end with a newline");
        let sorted = strictly_ascending(bytes, &starts);
        Wordlist { text, starts, sorted }
    }

    /// The word at `index` (0..2048) without its newline; `None` past the end.
    pub(super) fn word(&self, index: usize) -> Option<&'static str> {
        let start = usize::from(*self.starts.get(index)?);
        let end = usize::from(*self.starts.get(index + 1)?);
        self.text.get(start..end.checked_sub(1)?)
    }

    /// Index of an NFKD word in this list.
    pub(super) fn find(&self, word: &str) -> Option<u16> {
        let index = if self.sorted {
            let (mut low, mut high) = (0, WORDS);
            loop {
                if low >= high {
                    return None;
                }
                let middle = low + (high - low) / 2;
                match self.word(middle)?.cmp(word) {
                    core::cmp::Ordering::Less => low = middle + 1,
                    core::cmp::Ordering::Greater => high = middle,
                    core::cmp::Ordering::Equal => break middle,
                }
            }
        } else {
            (0..WORDS).find(|&index| self.word(index) == Some(word))?
        };
        u16::try_from(index).ok()
    }
}

/// Whether the words (delimited by `starts`, each followed by one `\n`) ascend strictly in
/// byte order, the order `str` comparison uses.
const fn strictly_ascending(bytes: &[u8], starts: &[u16; WORDS + 1]) -> bool {
    let mut word = 1;
    while word < WORDS {
        let (mut a, a_end) = (starts[word - 1] as usize, starts[word] as usize - 1);
        let (mut b, b_end) = (starts[word] as usize, starts[word + 1] as usize - 1);
        loop {
            if a == a_end {
                // The earlier word is a prefix of the later one (or equal to it).
                if b == b_end {
                    return false;
                }
                break;
            }
            if b == b_end || bytes[a] > bytes[b] {
                return false;
            }
            if bytes[a] < bytes[b] {
                break;
            }
            a += 1;
            b += 1;
        }
        word += 1;
    }
    true
}

pub(super) static ENGLISH: Wordlist = Wordlist::new(include_str!("wordlists/english.txt"));
pub(super) static JAPANESE: Wordlist = Wordlist::new(include_str!("wordlists/japanese.txt"));
pub(super) static KOREAN: Wordlist = Wordlist::new(include_str!("wordlists/korean.txt"));
pub(super) static SPANISH: Wordlist = Wordlist::new(include_str!("wordlists/spanish.txt"));
pub(super) static CHINESE_SIMPLIFIED: Wordlist =
    Wordlist::new(include_str!("wordlists/chinese_simplified.txt"));
pub(super) static CHINESE_TRADITIONAL: Wordlist =
    Wordlist::new(include_str!("wordlists/chinese_traditional.txt"));
pub(super) static FRENCH: Wordlist = Wordlist::new(include_str!("wordlists/french.txt"));
pub(super) static ITALIAN: Wordlist = Wordlist::new(include_str!("wordlists/italian.txt"));
pub(super) static CZECH: Wordlist = Wordlist::new(include_str!("wordlists/czech.txt"));
pub(super) static PORTUGUESE: Wordlist = Wordlist::new(include_str!("wordlists/portuguese.txt"));

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sorted_flag_matches_the_lists() {
        // English, Italian, Korean and Portuguese are in byte order; the other six are not.
        let expected = [
            (&ENGLISH, true),
            (&ITALIAN, true),
            (&KOREAN, true),
            (&PORTUGUESE, true),
            (&JAPANESE, false),
            (&SPANISH, false),
            (&CHINESE_SIMPLIFIED, false),
            (&CHINESE_TRADITIONAL, false),
            (&FRENCH, false),
            (&CZECH, false),
        ];
        for (list, sorted) in expected {
            assert_eq!(list.sorted, sorted);
        }
    }

    #[test]
    fn every_word_is_found_at_its_own_index() {
        for list in [
            &ENGLISH,
            &JAPANESE,
            &KOREAN,
            &SPANISH,
            &CHINESE_SIMPLIFIED,
            &CHINESE_TRADITIONAL,
            &FRENCH,
            &ITALIAN,
            &CZECH,
            &PORTUGUESE,
        ] {
            for index in 0..WORDS {
                let word = list.word(index).expect("in range");
                assert!(!word.is_empty() && !word.contains('\n'));
                assert_eq!(list.find(word), u16::try_from(index).ok());
            }
            assert_eq!(list.word(WORDS), None);
        }
    }

    #[test]
    fn the_lists_match_the_bip39_crate_word_for_word() {
        let pairs = [
            (&ENGLISH, bip39::Language::English),
            (&JAPANESE, bip39::Language::Japanese),
            (&KOREAN, bip39::Language::Korean),
            (&SPANISH, bip39::Language::Spanish),
            (&CHINESE_SIMPLIFIED, bip39::Language::SimplifiedChinese),
            (&CHINESE_TRADITIONAL, bip39::Language::TraditionalChinese),
            (&FRENCH, bip39::Language::French),
            (&ITALIAN, bip39::Language::Italian),
            (&CZECH, bip39::Language::Czech),
            (&PORTUGUESE, bip39::Language::Portuguese),
        ];
        for (list, upstream) in pairs {
            for (index, expected) in upstream.word_list().iter().enumerate() {
                assert_eq!(list.word(index), Some(*expected), "{upstream:?} word {index}");
            }
        }
    }

    #[test]
    fn near_misses_are_not_found() {
        for word in ["", "abando", "abandonx", "zzzzzz", "zoo ", "\n", "abandon\nability"] {
            assert_eq!(ENGLISH.find(word), None, "{word:?}");
        }
        assert_eq!(ENGLISH.find("abandon"), Some(0));
        assert_eq!(ENGLISH.find("zoo"), Some(2047));
    }

    #[test]
    fn the_ascending_check_sees_order_prefixes_and_duplicates() {
        fn list_of(words: &[&str]) -> String {
            let mut text = String::new();
            for n in 0..WORDS {
                text.push_str(words.get(n).copied().unwrap_or("~"));
                // Fill the rest with distinct, ascending padding words.
                if n >= words.len() {
                    text.push_str(&format!("{n:04}"));
                }
                text.push('\n');
            }
            text
        }
        let check = |words: &[&str]| {
            let text = list_of(words);
            let mut starts = [0u16; WORDS + 1];
            let mut word = 0;
            for (i, byte) in text.bytes().enumerate() {
                if byte == b'\n' {
                    word += 1;
                    starts[word] = u16::try_from(i + 1).expect("small");
                }
            }
            strictly_ascending(text.as_bytes(), &starts)
        };
        assert!(check(&["a", "ab", "b"]));
        assert!(!check(&["ab", "a", "b"]), "a longer word before its prefix");
        assert!(!check(&["a", "a", "b"]), "a duplicate");
        assert!(!check(&["b", "a"]), "descending");
    }
}
