//! Per-wallet backup health, from one listing: no password, no download.
//!
//! The app keeps, per wallet, the [`BackupRef`] of its last [`BackupReceipt`] (epoch id and
//! record id: public, non-secret) and tells us when the wallet last changed and whether the user
//! also wrote the secret down. An app that lost the reference can recompute it with an unlocked
//! epoch ([`crate::UnlockedBackup::backup_ref_for`]).

use cairn_crypto::format::{EpochId, RecordId};

use crate::error::CairnError;
use crate::layout::Listing;
use crate::wallet::BackupReceipt;

/// Where a wallet's backup lives: the ids of a [`BackupReceipt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BackupRef {
    /// The epoch.
    pub epoch_id: EpochId,
    /// The wallet's record id in that epoch.
    pub record_id: RecordId,
}

impl From<&BackupReceipt> for BackupRef {
    fn from(receipt: &BackupReceipt) -> Self {
        Self { epoch_id: receipt.epoch_id, record_id: receipt.record_id }
    }
}

/// One app wallet whose health the app asks about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletHealthQuery {
    /// The app's own id for the wallet (returned unchanged).
    pub app_wallet_id: String,
    /// The wallet's last backup receipt's ids, if it was ever backed up.
    pub backup: Option<BackupRef>,
    /// When the wallet's backed-up content (label, chain hints, …) last changed in the app
    /// (Unix seconds); a backup older than this is stale.
    pub changed_at: Option<u64>,
    /// Whether the user also has a manual (written-down) backup.
    pub has_manual_backup: bool,
}

/// A wallet's backup state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HealthStatus {
    /// Backed up in the active epoch; the copy was verified when written at `at`.
    BackedUpVerified {
        /// When the newest copy was written and verified (Unix seconds).
        at: u64,
    },
    /// Backed up in the active epoch, but the app changed the wallet since.
    Stale {
        /// When the newest copy was written.
        backed_up_at: u64,
        /// When the app says the wallet changed.
        changed_at: u64,
    },
    /// Only an older epoch (an older backup password) holds it: back it up again.
    OlderPasswordOnly {
        /// When that copy was written.
        at: u64,
        /// The older epoch.
        epoch_id: EpochId,
    },
    /// No backup in the cloud.
    Missing,
    /// The cloud could not be asked.
    Unreachable {
        /// Why.
        error: CairnError,
    },
}

/// Health of one app wallet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletHealth {
    /// The app's id, as given.
    pub app_wallet_id: String,
    /// The backup state.
    pub status: HealthStatus,
    /// The cloud backup is the only copy: the user has not written the secret down.
    pub cloud_only: bool,
}

pub(crate) fn evaluate(
    query: &WalletHealthQuery,
    listing: &Listing,
    active: Option<EpochId>,
) -> WalletHealth {
    let newest = query.backup.and_then(|r| {
        listing.records.get(&(r.epoch_id, r.record_id)).and_then(|copies| copies.last()).map(|c| (r, c))
    });
    let status = match newest {
        None => HealthStatus::Missing,
        Some((reference, copy)) if Some(reference.epoch_id) != active => {
            HealthStatus::OlderPasswordOnly { at: copy.name.created, epoch_id: reference.epoch_id }
        }
        Some((_, copy)) => match query.changed_at {
            Some(changed_at) if changed_at > copy.name.created => {
                HealthStatus::Stale { backed_up_at: copy.name.created, changed_at }
            }
            _ => HealthStatus::BackedUpVerified { at: copy.name.created },
        },
    };
    let in_cloud = matches!(
        status,
        HealthStatus::BackedUpVerified { .. }
            | HealthStatus::Stale { .. }
            | HealthStatus::OlderPasswordOnly { .. }
    );
    WalletHealth {
        app_wallet_id: query.app_wallet_id.clone(),
        cloud_only: in_cloud && !query.has_manual_backup,
        status,
    }
}
