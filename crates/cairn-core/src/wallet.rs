//! What goes into a backup and what comes out of a restore. Secrets stay inside these types
//! and leave only through `expose_*` methods.

use std::fmt;

use cairn_crypto::format::{EpochId, RecordId, RecordPlaintext, WalletSecret};
use cairn_crypto::private_key::KeyEncoding;
use cairn_crypto::{Fingerprint, Language, Mnemonic, PrivateKey, SecretString, Seed};
use subtle::ConstantTimeEq;

use crate::error::CairnError;

/// Whether a mnemonic's BIP39 passphrase is written into the backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassphraseBackup {
    /// Store the passphrase (encrypted, like the words): restore needs nothing else.
    Include,
    /// Keep it out of the backup; only the master fingerprint is stored, so a restore can check
    /// the passphrase the user types.
    Exclude,
}

/// One wallet to back up: its secret, label and chain hints.
#[derive(Clone)]
pub struct BackupRequest {
    pub(crate) secret: WalletSecret,
    pub(crate) label: String,
    pub(crate) chain_hints: Vec<String>,
    pub(crate) updated_at: Option<u64>,
}

impl BackupRequest {
    /// A BIP39 wallet. The master fingerprint of the seed (with the passphrase, if any) is always
    /// stored; the passphrase itself only with [`PassphraseBackup::Include`].
    pub fn mnemonic(
        mnemonic: Mnemonic,
        passphrase: Option<SecretString>,
        passphrase_backup: PassphraseBackup,
        label: impl Into<String>,
    ) -> Result<Self, CairnError> {
        let seed_passphrase = passphrase.as_ref().map_or("", SecretString::expose_str);
        let fingerprint = mnemonic.to_seed(seed_passphrase).master_fingerprint()?;
        let stored = match passphrase_backup {
            PassphraseBackup::Include => passphrase,
            PassphraseBackup::Exclude => None,
        };
        let secret = WalletSecret::mnemonic(mnemonic, stored, Some(fingerprint))?;
        Ok(Self { secret, label: label.into(), chain_hints: Vec::new(), updated_at: None })
    }

    /// A BIP39 wallet from the phrase as typed (any whitespace, any case, detected language).
    pub fn mnemonic_phrase(
        phrase: &SecretString,
        passphrase: Option<SecretString>,
        passphrase_backup: PassphraseBackup,
        label: impl Into<String>,
    ) -> Result<Self, CairnError> {
        let mnemonic = Mnemonic::parse(phrase.expose_str())?;
        Self::mnemonic(mnemonic, passphrase, passphrase_backup, label)
    }

    /// A raw private key.
    pub fn private_key(key: PrivateKey, label: impl Into<String>) -> Self {
        Self {
            secret: WalletSecret::private_key(key),
            label: label.into(),
            chain_hints: Vec::new(),
            updated_at: None,
        }
    }

    /// Chain hints (printable ASCII, e.g. CAIP-2 ids such as `eip155:1`), at most 16.
    pub fn with_chain_hints(mut self, hints: Vec<String>) -> Self {
        self.chain_hints = hints;
        self
    }

    /// When the wallet's backed-up content last changed (Unix seconds); defaults to now.
    pub fn with_updated_at(mut self, updated_at: u64) -> Self {
        self.updated_at = Some(updated_at);
        self
    }

    pub(crate) fn plaintext(&self, now: u64) -> Result<RecordPlaintext, CairnError> {
        Ok(RecordPlaintext::new(
            self.secret.clone(),
            self.label.clone(),
            self.chain_hints.clone(),
            self.updated_at.unwrap_or(now),
        )?)
    }
}

impl fmt::Debug for BackupRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BackupRequest")
            .field("secret", &self.secret)
            .field("label", &"[redacted]")
            .field("chain_hints", &self.chain_hints.len())
            .finish()
    }
}

/// Proof that one wallet is in the cloud and was read back and decrypted to the same secret.
/// The app keeps `epoch_id` and `record_id` (public, non-secret) for health checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupReceipt {
    /// The epoch (backup password) the wallet is stored under.
    pub epoch_id: EpochId,
    /// The wallet's record id in that epoch.
    pub record_id: RecordId,
    /// The stored object's `created_at` (Unix seconds).
    pub backed_up_at: u64,
    /// When the read-back verification succeeded (Unix seconds).
    pub verified_at: u64,
    /// The object's name in the cloud.
    pub object_name: String,
    /// How many older copies of the same wallet were retired after verification.
    pub retired_copies: usize,
}

/// What kind of secret a restored wallet holds (not secret itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WalletKind {
    /// A BIP39 mnemonic.
    Mnemonic {
        /// Wordlist language.
        language: Language,
        /// 12, 15, 18, 21 or 24.
        words: usize,
    },
    /// A raw private key.
    PrivateKey {
        /// `secp256k1` or the app's label (`ed25519`, `solana`, …).
        kind_label: String,
        /// How the key was written.
        encoding: KeyEncoding,
    },
}

/// What a restore needs to know about a mnemonic's BIP39 passphrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PassphraseStatus {
    /// Not a mnemonic wallet.
    NotApplicable,
    /// The wallet has no passphrase (its fingerprint is the empty passphrase's).
    None,
    /// The passphrase is in the backup.
    Stored,
    /// The wallet has a passphrase that was not backed up: ask the user and check it with
    /// [`RestoredWallet::check_passphrase`].
    Required,
    /// Neither the passphrase nor a fingerprint was stored: it cannot be checked.
    Unknown,
}

/// One restored wallet. Its secret stays inside and is read on demand.
pub struct RestoredWallet {
    pub(crate) epoch_id: EpochId,
    pub(crate) record_id: RecordId,
    pub(crate) backed_up_at: u64,
    pub(crate) object_name: String,
    pub(crate) plaintext: RecordPlaintext,
}

impl RestoredWallet {
    /// The epoch it was restored from.
    pub fn epoch_id(&self) -> EpochId {
        self.epoch_id
    }

    /// Its record id in that epoch.
    pub fn record_id(&self) -> RecordId {
        self.record_id
    }

    /// When the restored copy was written (Unix seconds).
    pub fn backed_up_at(&self) -> u64 {
        self.backed_up_at
    }

    /// The cloud object it was read from.
    pub fn object_name(&self) -> &str {
        &self.object_name
    }

    /// The wallet's label.
    pub fn label(&self) -> &str {
        self.plaintext.label()
    }

    /// The chain hints stored with it.
    pub fn chain_hints(&self) -> &[String] {
        self.plaintext.chain_hints()
    }

    /// When the wallet's content last changed, as the backing-up app said (Unix seconds).
    pub fn updated_at(&self) -> u64 {
        self.plaintext.updated_at()
    }

    /// What kind of secret it holds.
    pub fn kind(&self) -> WalletKind {
        match self.plaintext.secret() {
            WalletSecret::Mnemonic(m) => WalletKind::Mnemonic {
                language: m.mnemonic().language(),
                words: m.mnemonic().word_count().words(),
            },
            WalletSecret::PrivateKey(key) => {
                WalletKind::PrivateKey { kind_label: key.label().to_owned(), encoding: key.encoding() }
            }
        }
    }

    /// The recovery phrase, for a mnemonic wallet.
    pub fn expose_phrase(&self) -> Option<SecretString> {
        match self.plaintext.secret() {
            WalletSecret::Mnemonic(m) => Some(m.mnemonic().expose_phrase()),
            WalletSecret::PrivateKey(_) => None,
        }
    }

    /// The mnemonic, for a mnemonic wallet.
    pub fn mnemonic(&self) -> Option<&Mnemonic> {
        match self.plaintext.secret() {
            WalletSecret::Mnemonic(m) => Some(m.mnemonic()),
            WalletSecret::PrivateKey(_) => None,
        }
    }

    /// The private key, written as it was backed up (hex, WIF or text).
    pub fn expose_private_key(&self) -> Option<SecretString> {
        match self.plaintext.secret() {
            WalletSecret::PrivateKey(key) => Some(key.expose_text()),
            WalletSecret::Mnemonic(_) => None,
        }
    }

    /// The private key, for a private-key wallet.
    pub fn private_key(&self) -> Option<&PrivateKey> {
        match self.plaintext.secret() {
            WalletSecret::PrivateKey(key) => Some(key),
            WalletSecret::Mnemonic(_) => None,
        }
    }

    /// The stored BIP39 passphrase, if it was backed up.
    pub fn expose_stored_passphrase(&self) -> Option<SecretString> {
        match self.plaintext.secret() {
            WalletSecret::Mnemonic(m) => m.expose_passphrase().map(|p| SecretString::new(p.to_owned())),
            WalletSecret::PrivateKey(_) => None,
        }
    }

    /// The stored master-key fingerprint, if any (not secret).
    pub fn fingerprint(&self) -> Option<Fingerprint> {
        match self.plaintext.secret() {
            WalletSecret::Mnemonic(m) => m.fingerprint(),
            WalletSecret::PrivateKey(_) => None,
        }
    }

    /// Whether a restore must ask for the passphrase. Derives one BIP39 seed (PBKDF2, a few
    /// milliseconds) when a fingerprint is stored without a passphrase.
    pub fn passphrase_status(&self) -> Result<PassphraseStatus, CairnError> {
        let WalletSecret::Mnemonic(m) = self.plaintext.secret() else {
            return Ok(PassphraseStatus::NotApplicable);
        };
        if m.expose_passphrase().is_some() {
            return Ok(PassphraseStatus::Stored);
        }
        let Some(stored) = m.fingerprint() else {
            return Ok(PassphraseStatus::Unknown);
        };
        let empty = m.mnemonic().to_seed("").master_fingerprint()?;
        Ok(if empty == stored { PassphraseStatus::None } else { PassphraseStatus::Required })
    }

    /// Checks a passphrase the user typed against the backup: the stored fingerprint (or the
    /// stored passphrase). `PassphraseMismatch` if it is not this wallet's.
    pub fn check_passphrase(&self, passphrase: &SecretString) -> Result<(), CairnError> {
        let WalletSecret::Mnemonic(m) = self.plaintext.secret() else {
            return Err(CairnError::invalid("a private-key wallet has no passphrase"));
        };
        if let Some(stored) = m.fingerprint() {
            let typed = m.mnemonic().to_seed(passphrase.expose_str()).master_fingerprint()?;
            let same: bool = typed.to_bytes().ct_eq(&stored.to_bytes()).into();
            return if same { Ok(()) } else { Err(CairnError::PassphraseMismatch) };
        }
        match m.expose_passphrase() {
            Some(stored) => {
                // The stored form is NFKD; compare seeds so any normalisation of the input works.
                let same = m.mnemonic().to_seed(stored) == m.mnemonic().to_seed(passphrase.expose_str());
                if same { Ok(()) } else { Err(CairnError::PassphraseMismatch) }
            }
            None => Err(CairnError::invalid("this backup holds nothing to check a passphrase against")),
        }
    }

    /// The BIP39 seed. Uses the stored passphrase if there is one; otherwise `passphrase`
    /// (checked against the fingerprint when one is stored; `None` = no passphrase).
    pub fn expose_seed(&self, passphrase: Option<&SecretString>) -> Result<Seed, CairnError> {
        let WalletSecret::Mnemonic(m) = self.plaintext.secret() else {
            return Err(CairnError::invalid("a private-key wallet has no BIP39 seed"));
        };
        if let Some(stored) = m.expose_passphrase() {
            if let Some(typed) = passphrase {
                self.check_passphrase(typed)?;
            }
            return Ok(m.mnemonic().to_seed(stored));
        }
        let typed = passphrase.map_or("", SecretString::expose_str);
        let seed = m.mnemonic().to_seed(typed);
        if let Some(stored) = m.fingerprint() {
            let derived = seed.master_fingerprint()?;
            let same: bool = derived.to_bytes().ct_eq(&stored.to_bytes()).into();
            if !same {
                return Err(CairnError::PassphraseMismatch);
            }
        }
        Ok(seed)
    }
}

impl fmt::Debug for RestoredWallet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestoredWallet")
            .field("epoch_id", &self.epoch_id)
            .field("record_id", &self.record_id)
            .field("backed_up_at", &self.backed_up_at)
            .field("secret", &"[redacted]")
            .finish()
    }
}
