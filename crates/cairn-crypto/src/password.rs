//! The backup password: normalisation, the policy a new password must meet, and a strength
//! estimate the UI can show.
//!
//! The policy is deliberately small (see `docs/adr/0002-password-strength-model.md`): a minimum
//! length counted in characters as the user sees them, no composition rules, never any trimming,
//! no control characters, and optionally "not the same as the app's wallet password". The
//! strength estimate, not the policy, is where weak-but-allowed passwords get feedback.

use core::fmt;

use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use zeroize::Zeroize;

use crate::secret::SecretString;

mod strength;

pub use strength::{
    AttackerModel, CrackingCost, StrengthEstimate, StrengthScore, StrengthWarning, estimate_strength,
    estimate_strength_with,
};

/// A backup password as the user typed it, NFC-normalised so the same password typed on iOS
/// and Android (which may emit different Unicode forms) derives the same key.
///
/// Never trimmed: leading and trailing spaces are part of the password.
#[derive(Clone, PartialEq, Eq)]
pub struct BackupPassword(SecretString);

impl BackupPassword {
    /// Normalises `typed` to NFC and wipes the caller's string.
    pub fn from_user_input(mut typed: String) -> Self {
        // Exact capacity: a growing buffer would leave unwiped copies behind when reallocated.
        let mut normalised = String::with_capacity(typed.nfc().map(char::len_utf8).sum());
        normalised.extend(typed.nfc());
        typed.zeroize();
        Self(SecretString::new(normalised))
    }

    /// The NFC-normalised UTF-8 bytes fed to the KDF.
    pub fn expose_nfc_bytes(&self) -> &[u8] {
        self.0.expose_str().as_bytes()
    }

    /// The NFC-normalised text.
    pub fn expose_nfc_str(&self) -> &str {
        self.0.expose_str()
    }

    /// Length as the user perceives it (approximate grapheme clusters, see [`perceived_len`]).
    pub fn perceived_len(&self) -> usize {
        perceived_len(self.0.expose_str())
    }
}

impl fmt::Debug for BackupPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BackupPassword([redacted])")
    }
}

impl ConstantTimeEq for BackupPassword {
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.ct_eq(&other.0)
    }
}

/// Counts user-perceived characters: an approximation of Unicode extended grapheme clusters
/// (UAX #29) that needs no extra tables beyond the normaliser's.
///
/// A character joins the previous one when it is a combining mark (categories Mn, Mc, Me), a
/// zero-width joiner or non-joiner, a variation selector, an emoji skin-tone modifier, an emoji
/// tag, a Hangul medial vowel or final consonant jamo, a pictograph directly after a ZWJ (emoji
/// ZWJ sequences such as 👩‍💻), or the second of a pair of regional indicators (flags), and
/// LF after CR. It differs from UAX #29 in rare cases, e.g. Indic conjuncts and prepended
/// concatenation marks, where it counts one more character than the standard; for a minimum
/// length rule that errs in the user's favour by at most a character per such cluster.
pub fn perceived_len(text: &str) -> usize {
    let mut count = 0usize;
    let mut previous: Option<char> = None;
    let mut pending_regional_indicator = false;
    for c in text.chars() {
        let joins = match previous {
            None => false,
            Some(before) => {
                extends_cluster(c)
                    || (before == '\u{200D}' && is_pictographic(c))
                    || (before == '\r' && c == '\n')
                    || (pending_regional_indicator && is_regional_indicator(c))
            }
        };
        // A flag is two indicators: an unpaired one opens a pair, the next one closes it.
        pending_regional_indicator = is_regional_indicator(c) && !joins;
        if !joins {
            count += 1;
        }
        previous = Some(c);
    }
    count
}

fn extends_cluster(c: char) -> bool {
    is_combining_mark(c)
        || matches!(
            c,
            '\u{200C}' | '\u{200D}'                  // ZWNJ, ZWJ
            | '\u{FE00}'..='\u{FE0F}'                // variation selectors
            | '\u{E0100}'..='\u{E01EF}'              // variation selectors supplement
            | '\u{1F3FB}'..='\u{1F3FF}'              // emoji modifiers (skin tones)
            | '\u{E0020}'..='\u{E007F}'              // tags (subdivision flags)
            | '\u{1160}'..='\u{11FF}'                // Hangul jungseong and jongseong
            | '\u{D7B0}'..='\u{D7FF}'                // Hangul jamo extended-B
        )
}

fn is_regional_indicator(c: char) -> bool {
    matches!(c, '\u{1F1E6}'..='\u{1F1FF}')
}

fn is_pictographic(c: char) -> bool {
    matches!(c, '\u{2190}'..='\u{2BFF}' | '\u{1F000}'..='\u{1FAFF}')
}

/// Refusal reasons for a new backup password. None of them reveals the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordPolicyError {
    /// Fewer user-perceived characters than the policy's minimum.
    #[error("the backup password must be at least {min_chars} characters long")]
    TooShort {
        /// The minimum in force.
        min_chars: usize,
    },
    /// Longer than [`PasswordPolicy::MAX_BYTES`] bytes of UTF-8.
    #[error("the backup password must be at most {max_bytes} bytes long")]
    TooLong {
        /// The limit.
        max_bytes: usize,
    },
    /// Contains a control character (a pasted line break or tab, for example), which the user
    /// would not type the same way on another device.
    #[error("the backup password contains a control character such as a line break or tab")]
    ControlCharacter,
    /// Equal to the app's wallet password; the two protect different things and must differ.
    #[error("the backup password must differ from the wallet password")]
    SameAsWalletPassword,
}

/// Invalid policy configuration (an app-side programming error, not user input).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyConfigError {
    /// Apps may make the minimum stricter than the default, never laxer, and it must stay
    /// below the maximum password size.
    #[error("minimum length must be between {lowest} and {highest} characters")]
    MinimumOutOfRange {
        /// Smallest allowed setting (the default).
        lowest: usize,
        /// Largest allowed setting.
        highest: usize,
    },
}

/// The rules a new backup password must meet.
///
/// Only new passwords are checked: a password that opens an existing backup is never refused
/// by policy, whatever rules were in force later.
#[derive(Clone)]
pub struct PasswordPolicy {
    min_chars: usize,
    wallet_password: Option<BackupPassword>,
}

impl PasswordPolicy {
    /// Default minimum length in user-perceived characters.
    pub const DEFAULT_MIN_CHARS: usize = 6;
    /// Largest setting for the minimum length.
    pub const MAX_MIN_CHARS: usize = 128;
    /// Maximum password size in UTF-8 bytes (after NFC). Far above any typed or generated
    /// password; bounds the memory handed to the KDF and across the FFI.
    pub const MAX_BYTES: usize = 4096;

    /// The default policy: at least 6 characters, no wallet password to compare against.
    pub fn new() -> Self {
        Self { min_chars: Self::DEFAULT_MIN_CHARS, wallet_password: None }
    }

    /// Requires at least `min_chars` user-perceived characters (6..=128).
    pub fn with_min_chars(mut self, min_chars: usize) -> Result<Self, PolicyConfigError> {
        if !(Self::DEFAULT_MIN_CHARS..=Self::MAX_MIN_CHARS).contains(&min_chars) {
            return Err(PolicyConfigError::MinimumOutOfRange {
                lowest: Self::DEFAULT_MIN_CHARS,
                highest: Self::MAX_MIN_CHARS,
            });
        }
        self.min_chars = min_chars;
        Ok(self)
    }

    /// Refuses a backup password equal to the app's wallet password (compared after NFC, in
    /// constant time). The caller's string is wiped.
    pub fn with_wallet_password(mut self, wallet_password: String) -> Self {
        self.wallet_password = Some(BackupPassword::from_user_input(wallet_password));
        self
    }

    /// The minimum length in force.
    pub fn min_chars(&self) -> usize {
        self.min_chars
    }

    /// Checks a new backup password against the policy.
    pub fn check(&self, password: &BackupPassword) -> Result<(), PasswordPolicyError> {
        let text = password.expose_nfc_str();
        if text.chars().any(char::is_control) {
            return Err(PasswordPolicyError::ControlCharacter);
        }
        if text.len() > Self::MAX_BYTES {
            return Err(PasswordPolicyError::TooLong { max_bytes: Self::MAX_BYTES });
        }
        if perceived_len(text) < self.min_chars {
            return Err(PasswordPolicyError::TooShort { min_chars: self.min_chars });
        }
        if let Some(wallet_password) = &self.wallet_password
            && bool::from(wallet_password.ct_eq(password))
        {
            return Err(PasswordPolicyError::SameAsWalletPassword);
        }
        Ok(())
    }
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for PasswordPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordPolicy")
            .field("min_chars", &self.min_chars)
            .field("has_wallet_password", &self.wallet_password.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(text: &str) -> BackupPassword {
        BackupPassword::from_user_input(text.to_owned())
    }

    #[test]
    fn nfc_makes_composed_and_decomposed_equal() {
        assert_eq!(pw("caf\u{e9}!!"), pw("cafe\u{301}!!"));
        assert_eq!(pw("cafe\u{301}!!").expose_nfc_bytes(), "caf\u{e9}!!".as_bytes());
    }

    #[test]
    fn never_trimmed() {
        assert_eq!(pw("  secret  ").expose_nfc_str(), "  secret  ");
        assert_ne!(pw(" secret"), pw("secret"));
    }

    #[test]
    fn perceived_length_counts_what_users_see() {
        assert_eq!(perceived_len("abcdef"), 6);
        assert_eq!(perceived_len("cafe\u{301}"), 4);
        assert_eq!(perceived_len("👩\u{200D}💻"), 1);
        assert_eq!(perceived_len("👍🏽"), 1);
        assert_eq!(perceived_len("🇫🇷🇩🇪"), 2);
        assert_eq!(perceived_len("🇫🇷🇩"), 2);
        assert_eq!(perceived_len("❤\u{FE0F}"), 1);
        assert_eq!(perceived_len("\u{1100}\u{1161}\u{11A8}"), 1);
        assert_eq!(perceived_len("日本語"), 3);
        assert_eq!(perceived_len("é"), 1);
        assert_eq!(perceived_len(""), 0);
    }

    #[test]
    fn minimum_counts_characters_not_bytes() {
        let policy = PasswordPolicy::new();
        assert_eq!(policy.check(&pw("日本語日本")), Err(PasswordPolicyError::TooShort { min_chars: 6 }));
        assert_eq!(policy.check(&pw("日本語日本語")), Ok(()));
        assert_eq!(
            policy.check(&pw("👩\u{200D}💻👩\u{200D}💻👩\u{200D}💻")),
            Err(PasswordPolicyError::TooShort { min_chars: 6 })
        );
        assert_eq!(policy.check(&pw("abcde")), Err(PasswordPolicyError::TooShort { min_chars: 6 }));
        assert_eq!(policy.check(&pw("abcdef")), Ok(()));
        // Spaces count: they are part of the password.
        assert_eq!(policy.check(&pw("abc   ")), Ok(()));
    }

    #[test]
    fn no_composition_rules() {
        let policy = PasswordPolicy::new();
        for accepted in ["aaaaaa", "123456", "ALLCAPS", "with space", "ñandú!", "пароль", "🔑🔑🔑🔑🔑🔑"]
        {
            assert_eq!(policy.check(&pw(accepted)), Ok(()), "{accepted}");
        }
    }

    #[test]
    fn stricter_minimum_is_configurable_laxer_is_not() {
        let policy = PasswordPolicy::new().with_min_chars(10).expect("valid");
        assert_eq!(policy.min_chars(), 10);
        assert_eq!(policy.check(&pw("123456789")), Err(PasswordPolicyError::TooShort { min_chars: 10 }));
        assert_eq!(policy.check(&pw("1234567890")), Ok(()));
        assert!(PasswordPolicy::new().with_min_chars(5).is_err());
        assert!(PasswordPolicy::new().with_min_chars(129).is_err());
    }

    #[test]
    fn wallet_password_is_refused_after_nfc() {
        let policy = PasswordPolicy::new().with_wallet_password("cafe\u{301}-wallet".to_owned());
        assert_eq!(policy.check(&pw("caf\u{e9}-wallet")), Err(PasswordPolicyError::SameAsWalletPassword));
        assert_eq!(policy.check(&pw("Caf\u{e9}-wallet")), Ok(()));
        assert_eq!(policy.check(&pw("caf\u{e9}-wallet ")), Ok(()));
        assert!(!format!("{policy:?}").contains("wallet\""));
        assert!(!format!("{policy:?}").contains("caf"));
    }

    #[test]
    fn control_characters_and_oversize_are_refused() {
        let policy = PasswordPolicy::new();
        assert_eq!(policy.check(&pw("secret\n")), Err(PasswordPolicyError::ControlCharacter));
        assert_eq!(policy.check(&pw("sec\tret")), Err(PasswordPolicyError::ControlCharacter));
        let huge = "a".repeat(PasswordPolicy::MAX_BYTES + 1);
        assert_eq!(policy.check(&pw(&huge)), Err(PasswordPolicyError::TooLong { max_bytes: 4096 }));
        assert_eq!(policy.check(&pw(&huge[1..])), Ok(()));
    }

    #[test]
    fn errors_and_debug_do_not_echo_the_password() {
        let secret = "hunter2hunter2";
        let printed = format!("{:?}", pw(secret));
        assert!(!printed.contains("hunter"));
        let policy = PasswordPolicy::new().with_wallet_password(secret.to_owned());
        let error = policy.check(&pw(secret)).expect_err("same as wallet");
        assert!(!error.to_string().contains("hunter") && !format!("{error:?}").contains("hunter"));
    }
}
