//! Non-secret data crossing the boundary, as records: ids are lowercase hex strings, counts
//! and times (Unix seconds) are `u64`.

use std::sync::Arc;

use cairn_core::{HealthStatus as CoreHealth, WalletKind as CoreKind};
use cairn_crypto::Language;
use cairn_crypto::private_key::{KeyEncoding, WifNetwork};

use crate::error::{CairnError, ErrorKind};
use crate::service::RestoredWallet;

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// One backed-up wallet in an epoch (from the listing).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordSummary {
    pub record_id: String,
    pub first_backed_up_at: u64,
    pub backed_up_at: u64,
    pub stored_at: u64,
    pub copies: u64,
}

/// One epoch (one backup password's generation) of the account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct EpochSummary {
    pub epoch_id: String,
    pub is_active: bool,
    pub born_at: u64,
    pub password_set_at: Option<u64>,
    pub password_wraps: u64,
    pub wallet_count: u64,
    pub last_backup_at: Option<u64>,
    pub records: Vec<RecordSummary>,
}

/// An object that could not be read while listing.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ObjectProblem {
    pub name: String,
    pub kind: ErrorKind,
    pub error_message: String,
}

/// What the account holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Inventory {
    pub epochs: Vec<EpochSummary>,
    pub active_epoch: Option<String>,
    pub problems: Vec<ObjectProblem>,
    pub foreign_objects: u64,
}

fn problem(p: cairn_core::ObjectProblem) -> ObjectProblem {
    ObjectProblem { name: p.name, kind: p.error.kind().into(), error_message: p.error.message() }
}

impl From<cairn_core::Inventory> for Inventory {
    fn from(inv: cairn_core::Inventory) -> Self {
        let epochs = inv
            .epochs
            .into_iter()
            .map(|e| EpochSummary {
                epoch_id: e.epoch_id.to_string(),
                is_active: e.is_active,
                born_at: e.born_at,
                password_set_at: e.password_set_at,
                password_wraps: count(e.password_wraps),
                wallet_count: count(e.wallet_count),
                last_backup_at: e.last_backup_at,
                records: e
                    .records
                    .into_iter()
                    .map(|r| RecordSummary {
                        record_id: r.record_id.to_string(),
                        first_backed_up_at: r.first_backed_up_at,
                        backed_up_at: r.backed_up_at,
                        stored_at: r.stored_at,
                        copies: count(r.copies),
                    })
                    .collect(),
            })
            .collect();
        Inventory {
            epochs,
            active_epoch: inv.active_epoch.map(|id| id.to_string()),
            problems: inv.problems.into_iter().map(problem).collect(),
            foreign_objects: count(inv.foreign_objects),
        }
    }
}

/// Proof that a wallet was uploaded and read back identical.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackupReceipt {
    pub epoch_id: String,
    pub record_id: String,
    pub backed_up_at: u64,
    pub verified_at: u64,
    pub object_name: String,
    pub retired_copies: u64,
}

impl From<cairn_core::BackupReceipt> for BackupReceipt {
    fn from(r: cairn_core::BackupReceipt) -> Self {
        BackupReceipt {
            epoch_id: r.epoch_id.to_string(),
            record_id: r.record_id.to_string(),
            backed_up_at: r.backed_up_at,
            verified_at: r.verified_at,
            object_name: r.object_name,
            retired_copies: count(r.retired_copies),
        }
    }
}

/// The password opened `epoch_id`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PasswordCheck {
    pub epoch_id: String,
    pub is_active: bool,
}

impl From<cairn_core::PasswordCheck> for PasswordCheck {
    fn from(c: cairn_core::PasswordCheck) -> Self {
        PasswordCheck { epoch_id: c.epoch_id.to_string(), is_active: c.is_active }
    }
}

/// A completed password change.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PasswordChange {
    pub epoch_id: String,
    pub changed_at: u64,
    pub retired_wraps: u64,
}

impl From<cairn_core::PasswordChange> for PasswordChange {
    fn from(c: cairn_core::PasswordChange) -> Self {
        PasswordChange {
            epoch_id: c.epoch_id.to_string(),
            changed_at: c.changed_at,
            retired_wraps: count(c.retired_wraps),
        }
    }
}

/// What kind of secret a restored wallet holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum WalletKind {
    /// A BIP39 mnemonic: wordlist language (e.g. `english`) and word count.
    Mnemonic { language: String, words: u32 },
    /// A private key: `secp256k1` or the app's label, and how it was written (`hex`, `wif`, `text`).
    PrivateKey { kind_label: String, encoding: String },
}

fn language_name(language: Language) -> &'static str {
    match language {
        Language::English => "english",
        Language::Japanese => "japanese",
        Language::Korean => "korean",
        Language::Spanish => "spanish",
        Language::ChineseSimplified => "chinese_simplified",
        Language::ChineseTraditional => "chinese_traditional",
        Language::French => "french",
        Language::Italian => "italian",
        Language::Czech => "czech",
        Language::Portuguese => "portuguese",
    }
}

fn encoding_name(encoding: KeyEncoding) -> &'static str {
    match encoding {
        KeyEncoding::Hex => "hex",
        KeyEncoding::Wif { network: WifNetwork::Mainnet, .. } => "wif",
        KeyEncoding::Wif { network: WifNetwork::Testnet, .. } => "wif_testnet",
        KeyEncoding::Text => "text",
    }
}

/// The non-secret facts of a restored wallet.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RestoredWalletInfo {
    pub epoch_id: String,
    pub record_id: String,
    pub backed_up_at: u64,
    pub updated_at: u64,
    pub label: String,
    pub chain_hints: Vec<String>,
    pub kind: WalletKind,
}

impl From<&cairn_core::RestoredWallet> for RestoredWalletInfo {
    fn from(w: &cairn_core::RestoredWallet) -> Self {
        let kind = match w.kind() {
            CoreKind::Mnemonic { language, words } => WalletKind::Mnemonic {
                language: language_name(language).to_owned(),
                words: u32::try_from(words).unwrap_or(u32::MAX),
            },
            CoreKind::PrivateKey { kind_label, encoding } => {
                WalletKind::PrivateKey { kind_label, encoding: encoding_name(encoding).to_owned() }
            }
        };
        RestoredWalletInfo {
            epoch_id: w.epoch_id().to_string(),
            record_id: w.record_id().to_string(),
            backed_up_at: w.backed_up_at(),
            updated_at: w.updated_at(),
            label: w.label().to_owned(),
            chain_hints: w.chain_hints().to_vec(),
            kind,
        }
    }
}

/// A wallet that could not be restored.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RestoreFailure {
    pub record_id: String,
    pub kind: ErrorKind,
    pub error_message: String,
    pub hint: String,
    pub copies_tried: u64,
}

/// Everything a restore produced: wallet handles (secrets inside) and failures.
#[derive(Debug, uniffi::Record)]
pub struct RestoreReport {
    pub epoch_id: String,
    pub wallets: Vec<Arc<RestoredWallet>>,
    pub failures: Vec<RestoreFailure>,
}

impl From<cairn_core::RestoreReport> for RestoreReport {
    fn from(r: cairn_core::RestoreReport) -> Self {
        RestoreReport {
            epoch_id: r.epoch_id.to_string(),
            wallets: r.wallets.into_iter().map(RestoredWallet::wrap).collect(),
            failures: r
                .failures
                .into_iter()
                .map(|f| RestoreFailure {
                    record_id: f.record_id.to_string(),
                    kind: f.error.kind().into(),
                    error_message: f.error.message(),
                    hint: f.error.hint().to_owned(),
                    copies_tried: count(f.copies_tried),
                })
                .collect(),
        }
    }
}

/// What a cleanup retired.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CleanupReport {
    pub retired_records: u64,
    pub retired_wraps: u64,
    pub kept: u64,
}

impl From<cairn_core::CleanupReport> for CleanupReport {
    fn from(r: cairn_core::CleanupReport) -> Self {
        CleanupReport {
            retired_records: count(r.retired_records),
            retired_wraps: count(r.retired_wraps),
            kept: count(r.kept),
        }
    }
}

/// What a delete removed.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct DeleteReport {
    pub objects_deleted: u64,
}

impl From<cairn_core::DeleteReport> for DeleteReport {
    fn from(r: cairn_core::DeleteReport) -> Self {
        DeleteReport { objects_deleted: count(r.objects_deleted) }
    }
}

/// An export file (objects stay encrypted as in the cloud) and the objects it had to skip.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExportFile {
    pub bytes: Vec<u8>,
    pub objects: u64,
    pub skipped: Vec<ObjectProblem>,
}

impl From<cairn_core::ExportFile> for ExportFile {
    fn from(f: cairn_core::ExportFile) -> Self {
        ExportFile {
            bytes: f.bytes,
            objects: count(f.objects),
            skipped: f.skipped.into_iter().map(problem).collect(),
        }
    }
}

/// What an import uploaded.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportReport {
    pub uploaded: u64,
    pub already_present: u64,
}

impl From<cairn_core::ImportReport> for ImportReport {
    fn from(r: cairn_core::ImportReport) -> Self {
        ImportReport { uploaded: count(r.uploaded), already_present: count(r.already_present) }
    }
}

/// Where the app believes a wallet is backed up.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackupRef {
    pub epoch_id: String,
    pub record_id: String,
}

/// One app wallet whose backup health is asked for.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalletHealthQuery {
    pub app_wallet_id: String,
    pub backup: Option<BackupRef>,
    pub changed_at: Option<u64>,
    pub has_manual_backup: bool,
}

impl TryFrom<WalletHealthQuery> for cairn_core::WalletHealthQuery {
    type Error = CairnError;

    fn try_from(q: WalletHealthQuery) -> Result<Self, CairnError> {
        let backup = match q.backup {
            None => None,
            Some(b) => Some(cairn_core::BackupRef {
                epoch_id: b.epoch_id.parse().map_err(|_| crate::error::invalid_input("epoch id"))?,
                record_id: b.record_id.parse().map_err(|_| crate::error::invalid_input("record id"))?,
            }),
        };
        Ok(cairn_core::WalletHealthQuery {
            app_wallet_id: q.app_wallet_id,
            backup,
            changed_at: q.changed_at,
            has_manual_backup: q.has_manual_backup,
        })
    }
}

/// A wallet's backup state.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum HealthStatus {
    BackedUpVerified { at: u64 },
    Stale { backed_up_at: u64, changed_at: u64 },
    OlderPasswordOnly { at: u64, epoch_id: String },
    Missing,
    Unreachable { kind: ErrorKind, error_message: String, hint: String },
}

/// Health of one app wallet.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalletHealth {
    pub app_wallet_id: String,
    pub status: HealthStatus,
    pub cloud_only: bool,
}

impl From<cairn_core::WalletHealth> for WalletHealth {
    fn from(h: cairn_core::WalletHealth) -> Self {
        let status = match h.status {
            CoreHealth::BackedUpVerified { at } => HealthStatus::BackedUpVerified { at },
            CoreHealth::Stale { backed_up_at, changed_at } => {
                HealthStatus::Stale { backed_up_at, changed_at }
            }
            CoreHealth::OlderPasswordOnly { at, epoch_id } => {
                HealthStatus::OlderPasswordOnly { at, epoch_id: epoch_id.to_string() }
            }
            CoreHealth::Missing => HealthStatus::Missing,
            CoreHealth::Unreachable { error } => HealthStatus::Unreachable {
                kind: error.kind().into(),
                error_message: error.message(),
                hint: error.hint().to_owned(),
            },
        };
        WalletHealth { app_wallet_id: h.app_wallet_id, status, cloud_only: h.cloud_only }
    }
}
