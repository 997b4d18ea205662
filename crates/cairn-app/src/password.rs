//! Live feedback for the "set a backup password" form: cairn-crypto's policy and strength
//! estimate (nothing re-implemented), turned into words, plus the confirmation check.

use cairn_crypto::password::{PasswordPolicy, StrengthScore, StrengthWarning, estimate_strength};
use cairn_crypto::{BackupPassword, KdfParams};
use subtle::ConstantTimeEq;

/// What the form shows while the user types. Holds no password text.
#[derive(Debug, Clone, PartialEq)]
pub struct PasswordFeedback {
    /// The strength score.
    pub score: StrengthScore,
    /// "Very weak" … "Very strong".
    pub label: String,
    /// Expected time for one rented GPU to find it offline, in words ("about 3 days").
    pub crack_time: String,
    /// Expected offline cracking cost in US dollars.
    pub crack_cost_usd: f64,
    /// Estimated guesses, in bits.
    pub guesses_bits: f64,
    /// What an attacker would try early.
    pub warnings: Vec<StrengthWarning>,
    /// One sentence per warning, in the same order.
    pub warning_texts: Vec<String>,
    /// Why the policy refuses the password (too short, control character, …), if it does.
    pub policy_problem: Option<String>,
    /// Whether anything was typed into the confirmation field.
    pub confirmation_entered: bool,
    /// Whether the confirmation equals the password (compared in constant time).
    pub confirmation_matches: bool,
    /// Policy met and confirmation matches: the submit button may be enabled.
    pub can_submit: bool,
}

/// Feedback under the default policy and the recommended KDF parameters (what new epochs use).
pub fn password_feedback(password: &BackupPassword, confirmation: &BackupPassword) -> PasswordFeedback {
    password_feedback_with(password, confirmation, &PasswordPolicy::default(), &KdfParams::recommended())
}

/// Feedback under an app's policy (e.g. one that refuses the wallet password) and KDF parameters.
pub fn password_feedback_with(
    password: &BackupPassword,
    confirmation: &BackupPassword,
    policy: &PasswordPolicy,
    params: &KdfParams,
) -> PasswordFeedback {
    let estimate = estimate_strength(password, params);
    let policy_problem = policy.check(password).err().map(|e| sentence(&e.to_string()));
    let confirmation_entered = !confirmation.expose_nfc_bytes().is_empty();
    let confirmation_matches = bool::from(password.ct_eq(confirmation));
    PasswordFeedback {
        score: estimate.score,
        label: score_label(estimate.score).to_owned(),
        crack_time: duration_words(estimate.offline.expected_seconds_one_device),
        crack_cost_usd: estimate.offline.expected_usd,
        guesses_bits: estimate.guesses_bits(),
        warning_texts: estimate.warnings.iter().map(|w| warning_text(*w).to_owned()).collect(),
        warnings: estimate.warnings,
        can_submit: policy_problem.is_none() && confirmation_matches,
        policy_problem,
        confirmation_entered,
        confirmation_matches,
    }
}

/// The words for a score.
pub const fn score_label(score: StrengthScore) -> &'static str {
    match score {
        StrengthScore::VeryWeak => "Very weak",
        StrengthScore::Weak => "Weak",
        StrengthScore::Fair => "Fair",
        StrengthScore::Strong => "Strong",
        StrengthScore::VeryStrong => "Very strong",
    }
}

/// One sentence per warning.
pub const fn warning_text(warning: StrengthWarning) -> &'static str {
    match warning {
        StrengthWarning::CommonPassword => "This is one of the most common passwords.",
        StrengthWarning::ContainsCommonPassword => "It contains a common password or word.",
        StrengthWarning::Repeated => "Repeated characters or blocks are easy to guess.",
        StrengthWarning::Sequence => "Sequences like \"abcd\" or \"6543\" are easy to guess.",
        StrengthWarning::KeyboardPattern => "Keyboard patterns like \"qwerty\" are easy to guess.",
        StrengthWarning::Date => "Dates and recent years are easy to guess.",
        StrengthWarning::LeadingOrTrailingSpace => {
            "It starts or ends with a space; that space is part of the password."
        }
    }
}

fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// "less than a second", "about 5 minutes", …, "more than a million years".
pub fn duration_words(seconds: f64) -> String {
    const MINUTE: f64 = 60.0;
    const HOUR: f64 = 3_600.0;
    const DAY: f64 = 86_400.0;
    const MONTH: f64 = 30.0 * DAY;
    const YEAR: f64 = 365.25 * DAY;
    if !seconds.is_finite() || seconds >= 1e6 * YEAR {
        return "more than a million years".to_owned();
    }
    if seconds < 1.0 {
        return "less than a second".to_owned();
    }
    let (amount, unit) = if seconds < MINUTE {
        (seconds, "second")
    } else if seconds < HOUR {
        (seconds / MINUTE, "minute")
    } else if seconds < DAY {
        (seconds / HOUR, "hour")
    } else if seconds < MONTH {
        (seconds / DAY, "day")
    } else if seconds < YEAR {
        (seconds / MONTH, "month")
    } else {
        (seconds / YEAR, "year")
    };
    let rounded = amount.round().max(1.0);
    let plural = if rounded == 1.0 { "" } else { "s" };
    format!("about {rounded:.0} {unit}{plural}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(text: &str) -> BackupPassword {
        BackupPassword::from_user_input(text.to_owned())
    }

    #[test]
    fn short_common_password_is_refused_with_reasons() {
        let feedback = password_feedback(&pw("12345"), &pw("12345"));
        assert_eq!(feedback.score, StrengthScore::VeryWeak);
        assert_eq!(feedback.label, "Very weak");
        assert_eq!(
            feedback.policy_problem.as_deref(),
            Some("The backup password must be at least 6 characters long.")
        );
        assert!(feedback.confirmation_matches && !feedback.can_submit);
        assert!(feedback.warnings.contains(&StrengthWarning::CommonPassword), "{:?}", feedback.warnings);
        assert_eq!(feedback.warnings.len(), feedback.warning_texts.len());
    }

    #[test]
    fn strong_matching_password_can_be_submitted() {
        let feedback =
            password_feedback(&pw("violet tractor sings 4 otters"), &pw("violet tractor sings 4 otters"));
        assert!(feedback.score >= StrengthScore::Strong, "{:?}", feedback.score);
        assert!(feedback.policy_problem.is_none());
        assert!(feedback.can_submit);
        assert!(feedback.crack_time.contains("year"), "{}", feedback.crack_time);
    }

    #[test]
    fn confirmation_must_match_exactly_after_normalisation() {
        let typed = pw("violet tractor sings");
        assert!(!password_feedback(&typed, &pw("")).confirmation_entered);
        let mismatch = password_feedback(&typed, &pw("violet tractor sings "));
        assert!(mismatch.confirmation_entered && !mismatch.confirmation_matches && !mismatch.can_submit);
        // NFC: "é" precomposed vs "e" + combining acute are the same password.
        let nfc = password_feedback(&pw("caf\u{e9} au lait!"), &pw("cafe\u{301} au lait!"));
        assert!(nfc.confirmation_matches);
    }

    #[test]
    fn wallet_password_policy_is_honoured() {
        let policy = PasswordPolicy::new().with_wallet_password("same as wallet".to_owned());
        let feedback = password_feedback_with(
            &pw("same as wallet"),
            &pw("same as wallet"),
            &policy,
            &KdfParams::recommended(),
        );
        assert_eq!(
            feedback.policy_problem.as_deref(),
            Some("The backup password must differ from the wallet password.")
        );
        assert!(!feedback.can_submit);
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(duration_words(0.2), "less than a second");
        assert_eq!(duration_words(1.0), "about 1 second");
        assert_eq!(duration_words(150.0), "about 3 minutes");
        assert_eq!(duration_words(3.0 * 86_400.0), "about 3 days");
        assert_eq!(duration_words(90.0 * 86_400.0), "about 3 months");
        assert_eq!(duration_words(f64::INFINITY), "more than a million years");
        assert_eq!(duration_words(f64::NAN), "more than a million years");
    }
}
