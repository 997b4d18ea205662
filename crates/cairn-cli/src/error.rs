//! The CLI's one error type: the service's `CairnError`, or a problem of the command line itself.
//! Every error has a stable snake_case kind, a message, a hint and a documented exit code.

use cairn_core::{CairnError, ErrorKind};

/// Exit codes (the README's table). Stable: scripts rely on them.
pub mod exit {
    /// Success.
    pub const OK: i32 = 0;
    /// Internal failure (a bug, the OS, an unexpected cloud answer we cannot classify).
    pub const INTERNAL: i32 = 1;
    /// The command line is wrong (unknown option, missing argument, missing confirmation).
    pub const USAGE: i32 = 2;
    /// Wrong backup password or wrong BIP39 passphrase.
    pub const WRONG_PASSWORD: i32 = 3;
    /// No backups for this account, or the named backup/epoch does not exist.
    pub const NO_BACKUPS: i32 = 4;
    /// Network, rate limit, server error, concurrent change: retrying later may work.
    pub const RETRYABLE: i32 = 5;
    /// Cloud storage full.
    pub const QUOTA: i32 = 6;
    /// Not signed in, session expired, or the provider cannot be used.
    pub const AUTH: i32 = 7;
    /// A backup is damaged, from a newer version, or failed read-back verification.
    pub const CORRUPTED: i32 = 8;
    /// Invalid input: password policy, mnemonic, private key, label, existing backup password.
    pub const INVALID_INPUT: i32 = 9;
    /// `cairn demo`: a step did not behave as expected.
    pub const DEMO_FAILED: i32 = 10;
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A failure reported by the backup service.
    #[error("{0}")]
    Cairn(#[from] CairnError),
    /// The command line is not usable as given.
    #[error("{0}")]
    Usage(String),
    /// A file given on the command line could not be used (never its contents).
    #[error("{0}")]
    Input(String),
    /// The OS or a local resource failed.
    #[error("{0}")]
    Internal(String),
    /// A demo step did not behave as expected.
    #[error("{0}")]
    Demo(String),
}

impl CliError {
    /// The stable snake_case kind (the service's kinds, plus `usage` and `demo_failed`).
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Cairn(error) => error.kind().as_str(),
            CliError::Usage(_) => "usage",
            CliError::Input(_) => "invalid_input",
            CliError::Internal(_) => "internal",
            CliError::Demo(_) => "demo_failed",
        }
    }

    /// A short sentence for the user.
    pub fn message(&self) -> String {
        match self {
            CliError::Cairn(error) => error.message(),
            CliError::Usage(text)
            | CliError::Input(text)
            | CliError::Internal(text)
            | CliError::Demo(text) => text.clone(),
        }
    }

    /// What to do about it.
    pub fn hint(&self) -> &'static str {
        match self {
            CliError::Cairn(error) => error.hint(),
            CliError::Usage(_) => "Run `cairn --help` or `cairn <command> --help` for the accepted options.",
            CliError::Input(_) => "Check the file's path and permissions, then retry.",
            CliError::Internal(_) => "Retry; if it keeps happening, report it.",
            CliError::Demo(_) => "A step of the demo did not behave as expected; see the line above.",
        }
    }

    /// The documented exit code.
    pub fn exit_code(&self) -> i32 {
        match self {
            CliError::Cairn(error) => exit_code_of(error.kind()),
            CliError::Usage(_) => exit::USAGE,
            CliError::Input(_) => exit::INVALID_INPUT,
            CliError::Internal(_) => exit::INTERNAL,
            CliError::Demo(_) => exit::DEMO_FAILED,
        }
    }
}

/// Exit code of a service error kind.
pub fn exit_code_of(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::WrongPassword | ErrorKind::PassphraseMismatch => exit::WRONG_PASSWORD,
        ErrorKind::NoBackupsFound | ErrorKind::NotFound => exit::NO_BACKUPS,
        ErrorKind::RateLimited | ErrorKind::Network | ErrorKind::Conflict | ErrorKind::CloudError => {
            exit::RETRYABLE
        }
        ErrorKind::QuotaExceeded => exit::QUOTA,
        ErrorKind::NotSignedIn | ErrorKind::ReauthRequired | ErrorKind::ProviderUnavailable => exit::AUTH,
        ErrorKind::Corrupted
        | ErrorKind::UnsupportedVersion
        | ErrorKind::KdfParamsOutOfBounds
        | ErrorKind::VerificationFailed => exit::CORRUPTED,
        ErrorKind::PasswordPolicy
        | ErrorKind::InvalidMnemonic
        | ErrorKind::InvalidPrivateKey
        | ErrorKind::InvalidInput
        | ErrorKind::BackupExists => exit::INVALID_INPUT,
        _ => exit::INTERNAL,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_documented_codes() {
        assert_eq!(CliError::from(CairnError::WrongPassword).exit_code(), 3);
        assert_eq!(CliError::from(CairnError::NoBackupsFound).exit_code(), 4);
        assert_eq!(CliError::from(CairnError::RateLimited { retry_after: None }).exit_code(), 5);
        assert_eq!(CliError::from(CairnError::QuotaExceeded { used: None, limit: None }).exit_code(), 6);
        assert_eq!(CliError::from(CairnError::ReauthRequired).exit_code(), 7);
        assert_eq!(CliError::from(CairnError::PassphraseMismatch).exit_code(), 3);
        assert_eq!(CliError::Usage("x".into()).exit_code(), 2);
        assert_eq!(CliError::Usage("x".into()).kind(), "usage");
    }
}
