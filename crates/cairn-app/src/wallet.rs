//! What the app hands in to back up (secrets as secret types) and the restored-wallet handle
//! a results screen holds (the secret stays inside until revealed, and is wiped on close).

use std::fmt;
use std::sync::{Mutex, PoisonError};

use cairn_core::{
    BackupRequest, CairnError, EpochId, PassphraseBackup, PassphraseStatus, PrivateKey, RecordId,
    RestoredWallet, SecretString, WalletKind,
};
use cairn_crypto::PrivateKeyKind;
use cairn_crypto::private_key::KindLabel;

/// The secret of a wallet to back up, as typed or held by the app.
#[derive(Clone)]
pub enum WalletSecretInput {
    /// A BIP39 recovery phrase (any whitespace/case; language detected).
    Mnemonic {
        /// The words.
        phrase: SecretString,
        /// The BIP39 passphrase ("25th word"), if the wallet has one.
        passphrase: Option<SecretString>,
        /// Store the passphrase in the backup (else only its fingerprint, and restore asks).
        include_passphrase: bool,
    },
    /// A raw private key.
    PrivateKey {
        /// The key as written (hex or WIF for secp256k1, else the app's text).
        key: SecretString,
        /// `None` = secp256k1; else the app's label (`ed25519`, `solana`, …).
        key_kind: Option<String>,
    },
}

/// One wallet to back up.
#[derive(Clone)]
pub struct WalletInput {
    /// The app's own id for the wallet; the session remembers the backup under it for the
    /// health screen. `None`: not tracked.
    pub app_wallet_id: Option<String>,
    /// The label shown after restore.
    pub label: String,
    /// Chain hints (e.g. `eip155:1`), at most 16.
    pub chain_hints: Vec<String>,
    /// The secret.
    pub secret: WalletSecretInput,
}

impl fmt::Debug for WalletInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.secret {
            WalletSecretInput::Mnemonic { .. } => "mnemonic",
            WalletSecretInput::PrivateKey { .. } => "private_key",
        };
        f.debug_struct("WalletInput")
            .field("app_wallet_id", &self.app_wallet_id)
            .field("kind", &kind)
            .field("secret", &"[redacted]")
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for WalletSecretInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WalletSecretInput([redacted])")
    }
}

impl WalletInput {
    /// The core's request (validates the phrase or key).
    pub fn to_request(&self) -> Result<BackupRequest, CairnError> {
        let request = match &self.secret {
            WalletSecretInput::Mnemonic { phrase, passphrase, include_passphrase } => {
                let choice =
                    if *include_passphrase { PassphraseBackup::Include } else { PassphraseBackup::Exclude };
                BackupRequest::mnemonic_phrase(phrase, passphrase.clone(), choice, self.label.clone())?
            }
            WalletSecretInput::PrivateKey { key, key_kind } => {
                let kind = match key_kind {
                    None => PrivateKeyKind::Secp256k1,
                    Some(label) => PrivateKeyKind::Opaque(KindLabel::new(label)?),
                };
                BackupRequest::private_key(PrivateKey::parse(key.expose_str(), kind)?, self.label.clone())
            }
        };
        Ok(request.with_chain_hints(self.chain_hints.clone()))
    }
}

/// The non-secret facts of a restored wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoredWalletInfo {
    /// Its epoch.
    pub epoch_id: EpochId,
    /// Its record id.
    pub record_id: RecordId,
    /// Its label.
    pub label: String,
    /// Chain hints.
    pub chain_hints: Vec<String>,
    /// When the restored copy was written.
    pub backed_up_at: u64,
    /// When the wallet's backed-up content last changed.
    pub updated_at: u64,
    /// What kind of secret it holds.
    pub kind: WalletKind,
    /// Whether a BIP39 passphrase must be asked for.
    pub passphrase_status: PassphraseStatus,
}

/// One restored wallet on the results screen. The secret is read on demand and wiped by
/// [`wipe`](Self::wipe) — which the session does itself when the results screen is left.
pub struct RestoredWalletHandle {
    info: RestoredWalletInfo,
    wallet: Mutex<Option<RestoredWallet>>,
}

impl fmt::Debug for RestoredWalletHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RestoredWalletHandle")
            .field("record_id", &self.info.record_id)
            .field("wiped", &self.is_wiped())
            .finish_non_exhaustive()
    }
}

impl RestoredWalletHandle {
    pub(crate) fn new(wallet: RestoredWallet) -> Self {
        let info = RestoredWalletInfo {
            epoch_id: wallet.epoch_id(),
            record_id: wallet.record_id(),
            label: wallet.label().to_owned(),
            chain_hints: wallet.chain_hints().to_vec(),
            backed_up_at: wallet.backed_up_at(),
            updated_at: wallet.updated_at(),
            kind: wallet.kind(),
            passphrase_status: wallet.passphrase_status().unwrap_or(PassphraseStatus::Unknown),
        };
        Self { info, wallet: Mutex::new(Some(wallet)) }
    }

    /// Ids, label, kind, dates.
    pub fn info(&self) -> &RestoredWalletInfo {
        &self.info
    }

    fn read<T>(&self, pick: impl FnOnce(&RestoredWallet) -> T) -> Result<T, CairnError> {
        // A poisoned lock only means another reader panicked; the wallet itself is intact.
        let guard = self.wallet.lock().unwrap_or_else(PoisonError::into_inner);
        let wallet = guard
            .as_ref()
            .ok_or_else(|| CairnError::InvalidInput { what: "the restored wallet was wiped".to_owned() })?;
        Ok(pick(wallet))
    }

    /// The recovery phrase (`None` for a key wallet). Fails once wiped.
    pub fn reveal_phrase(&self) -> Result<Option<SecretString>, CairnError> {
        self.read(RestoredWallet::expose_phrase)
    }

    /// The private key as written (`None` for a mnemonic wallet). Fails once wiped.
    pub fn reveal_private_key(&self) -> Result<Option<SecretString>, CairnError> {
        self.read(RestoredWallet::expose_private_key)
    }

    /// The BIP39 passphrase, when it was backed up. Fails once wiped.
    pub fn reveal_stored_passphrase(&self) -> Result<Option<SecretString>, CairnError> {
        self.read(RestoredWallet::expose_stored_passphrase)
    }

    /// Checks a passphrase the user typed for a wallet whose passphrase was not backed up.
    pub fn check_passphrase(&self, passphrase: &SecretString) -> Result<(), CairnError> {
        self.read(|wallet| wallet.check_passphrase(passphrase))?
    }

    /// Drops the secret now (zeroized); later reveals fail.
    pub fn wipe(&self) {
        self.wallet.lock().unwrap_or_else(PoisonError::into_inner).take();
    }

    /// Whether it was wiped.
    pub fn is_wiped(&self) -> bool {
        self.wallet.lock().unwrap_or_else(PoisonError::into_inner).is_none()
    }
}
