//! How Cairn objects are named in the cloud, and what a listing says without any download.
//! The rules are documented in `docs/SERVICE.md` §2–3.
//!
//! ```text
//! epoch wrap  cairn-e-<gen:8 hex>-<born:10 hex>-<epoch id:32 hex>-<created:10 hex>-<uniq:8 hex>
//! record      cairn-r-<epoch id:32 hex>-<record id:64 hex>-<created:10 hex>-<uniq:8 hex>
//! ```
//!
//! `gen` is the epoch's generation (one more than the greatest generation the creating device
//! saw), `born` is when the epoch was first created (both kept across password changes); `created` is the
//! object header's `created_at`; `uniq` is random so concurrent writers never share a name.
//! Times are fixed-width hex, so within one epoch or record, name order is age order.

use std::collections::BTreeMap;
use std::time::SystemTime;

use cairn_cloud::ObjectMeta;
use cairn_crypto::format::{EpochId, RecordId};

/// Every Cairn object name starts with this.
pub const NAME_PREFIX: &str = "cairn-";
const EPOCH_PREFIX: &str = "cairn-e-";
const RECORD_PREFIX: &str = "cairn-r-";
/// Largest timestamp a name can carry (10 hex digits: the year 36812).
pub const MAX_NAME_TIME: u64 = (1 << 40) - 1;

/// The parsed name of one epoch wrap object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EpochName {
    pub generation: u32,
    pub born: u64,
    pub epoch_id: EpochId,
    pub created: u64,
    pub uniq: u32,
}

/// The parsed name of one record object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RecordName {
    pub epoch_id: EpochId,
    pub record_id: RecordId,
    pub created: u64,
    pub uniq: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ObjectName {
    Epoch(EpochName),
    Record(RecordName),
}

impl EpochName {
    pub fn render(&self) -> String {
        format!(
            "{EPOCH_PREFIX}{:08x}-{:010x}-{}-{:010x}-{:08x}",
            self.generation, self.born, self.epoch_id, self.created, self.uniq
        )
    }

    /// Age order of wraps of one epoch.
    pub fn age_key(&self) -> (u64, u32) {
        (self.created, self.uniq)
    }
}

impl RecordName {
    pub fn render(&self) -> String {
        format!("{RECORD_PREFIX}{}-{}-{:010x}-{:08x}", self.epoch_id, self.record_id, self.created, self.uniq)
    }

    /// Age order of copies of one record.
    pub fn age_key(&self) -> (u64, u32) {
        (self.created, self.uniq)
    }
}

fn hex_u64(text: &str, digits: usize) -> Option<u64> {
    if text.len() != digits || !text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

fn hex_u32(text: &str) -> Option<u32> {
    hex_u64(text, 8).and_then(|value| u32::try_from(value).ok())
}

/// `Ok(None)`: not a Cairn name (foreign object). `Err(())`: a Cairn prefix with a bad shape.
pub(crate) fn parse_name(name: &str) -> Result<Option<ObjectName>, ()> {
    if let Some(rest) = name.strip_prefix(EPOCH_PREFIX) {
        let mut parts = rest.split('-');
        let (Some(generation), Some(born), Some(epoch), Some(created), Some(uniq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(());
        };
        let parsed = EpochName {
            generation: hex_u32(generation).ok_or(())?,
            born: hex_u64(born, 10).ok_or(())?,
            epoch_id: epoch.parse().map_err(|_| ())?,
            created: hex_u64(created, 10).ok_or(())?,
            uniq: hex_u32(uniq).ok_or(())?,
        };
        return Ok(Some(ObjectName::Epoch(parsed)));
    }
    if let Some(rest) = name.strip_prefix(RECORD_PREFIX) {
        let mut parts = rest.split('-');
        let (Some(epoch), Some(record), Some(created), Some(uniq), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(());
        };
        let parsed = RecordName {
            epoch_id: epoch.parse().map_err(|_| ())?,
            record_id: record.parse().map_err(|_| ())?,
            created: hex_u64(created, 10).ok_or(())?,
            uniq: hex_u32(uniq).ok_or(())?,
        };
        return Ok(Some(ObjectName::Record(parsed)));
    }
    if name.starts_with(NAME_PREFIX) { Err(()) } else { Ok(None) }
}

/// One stored object with its parsed name.
#[derive(Debug, Clone)]
pub(crate) struct Listed<N> {
    pub name: N,
    pub meta: ObjectMeta,
}

/// The wraps of one epoch, oldest first.
#[derive(Debug, Clone)]
pub(crate) struct EpochEntry {
    pub epoch_id: EpochId,
    pub wraps: Vec<Listed<EpochName>>,
}

impl EpochEntry {
    /// When the epoch was born: the greatest `born` among its wraps (rewraps copy it).
    pub fn born(&self) -> u64 {
        self.wraps.iter().map(|w| w.name.born).max().unwrap_or(0)
    }

    /// The epoch's generation: the greatest among its wraps (rewraps copy it).
    pub fn generation(&self) -> u32 {
        self.wraps.iter().map(|w| w.name.generation).max().unwrap_or(0)
    }

    /// When the provider first stored a wrap of this epoch (its server clock).
    pub fn first_stored(&self) -> SystemTime {
        self.wraps.iter().map(|w| w.meta.modified).min().unwrap_or(SystemTime::UNIX_EPOCH)
    }

    /// Wraps newest first: the first is the epoch's current password.
    pub fn wraps_newest_first(&self) -> impl Iterator<Item = &Listed<EpochName>> {
        self.wraps.iter().rev()
    }
}

/// What one `list` says, grouped: no object is downloaded.
#[derive(Debug, Clone, Default)]
pub(crate) struct Listing {
    pub epochs: BTreeMap<EpochId, EpochEntry>,
    /// Copies of each record, oldest first.
    pub records: BTreeMap<(EpochId, RecordId), Vec<Listed<RecordName>>>,
    /// Names with the Cairn prefix that do not parse.
    pub unrecognised: Vec<String>,
    /// Objects that are not Cairn's.
    pub foreign: usize,
}

impl Listing {
    pub fn from_objects(objects: Vec<ObjectMeta>) -> Self {
        let mut listing = Listing::default();
        for meta in objects {
            match parse_name(&meta.name) {
                Ok(Some(ObjectName::Epoch(name))) => listing
                    .epochs
                    .entry(name.epoch_id)
                    .or_insert_with(|| EpochEntry { epoch_id: name.epoch_id, wraps: Vec::new() })
                    .wraps
                    .push(Listed { name, meta }),
                Ok(Some(ObjectName::Record(name))) => listing
                    .records
                    .entry((name.epoch_id, name.record_id))
                    .or_default()
                    .push(Listed { name, meta }),
                Ok(None) => listing.foreign += 1,
                Err(()) => listing.unrecognised.push(meta.name),
            }
        }
        for entry in listing.epochs.values_mut() {
            entry.wraps.sort_by_key(|w| w.name.age_key());
        }
        for copies in listing.records.values_mut() {
            copies.sort_by_key(|c| c.name.age_key());
        }
        listing
    }

    /// The active epoch: the greatest generation; within one generation (epochs created
    /// concurrently) the one the provider stored first, then the greatest epoch id. Every
    /// device computes the same one from the same listing (docs/SERVICE.md §3).
    pub fn active_epoch(&self) -> Option<&EpochEntry> {
        self.epochs
            .values()
            .max_by_key(|entry| (entry.generation(), std::cmp::Reverse(entry.first_stored()), entry.epoch_id))
    }

    /// The greatest generation present (0 when there is no epoch).
    pub fn newest_generation(&self) -> u32 {
        self.epochs.values().map(EpochEntry::generation).max().unwrap_or(0)
    }

    /// Records of one epoch: (record id, copies oldest first).
    pub fn records_of(
        &self,
        epoch_id: EpochId,
    ) -> impl Iterator<Item = (RecordId, &Vec<Listed<RecordName>>)> {
        self.records
            .iter()
            .filter(move |((epoch, _), _)| *epoch == epoch_id)
            .map(|((_, record), c)| (*record, c))
    }
}

/// Converts a store time to Unix seconds (0 before 1970).
pub(crate) fn unix_seconds(time: SystemTime) -> u64 {
    time.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_fit_the_store_rules() {
        let epoch = EpochName {
            generation: 7,
            born: 1_767_225_600,
            epoch_id: EpochId::from_bytes([0xab; 16]),
            created: MAX_NAME_TIME,
            uniq: u32::MAX,
        };
        let record = RecordName {
            epoch_id: EpochId::from_bytes([1; 16]),
            record_id: RecordId::from_bytes([0xff; 32]),
            created: 5,
            uniq: 0,
        };
        for (name, parsed) in
            [(epoch.render(), ObjectName::Epoch(epoch)), (record.render(), ObjectName::Record(record))]
        {
            assert!(cairn_cloud::validate_name(&name).is_ok(), "{name}");
            assert_eq!(parse_name(&name), Ok(Some(parsed)));
        }
        assert_eq!(record.render().len(), 125);
    }

    #[test]
    fn foreign_and_bad_names() {
        assert_eq!(parse_name("notes.txt"), Ok(None));
        assert_eq!(parse_name("cairn-x"), Err(()));
        assert_eq!(parse_name("cairn-e-0-0-0-0-0"), Err(()));
        let good = RecordName {
            epoch_id: EpochId::from_bytes([0xab; 16]),
            record_id: RecordId::from_bytes([0xcd; 32]),
            created: 5,
            uniq: 9,
        }
        .render();
        assert_eq!(parse_name(&format!("{good}-1")), Err(()));
        assert_eq!(parse_name(&good.to_uppercase().replace("CAIRN-R-", "cairn-r-")), Err(()));
    }

    fn wrap(generation: u32, born: u64, id: u8, stored_secs: u64) -> ObjectMeta {
        let name =
            EpochName { generation, born, epoch_id: EpochId::from_bytes([id; 16]), created: born, uniq: 1 };
        ObjectMeta {
            name: name.render(),
            provider_id: name.render(),
            version: None,
            size: 164,
            sha256: None,
            modified: SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(stored_secs),
            app_properties: Default::default(),
        }
    }

    fn active(objects: Vec<ObjectMeta>) -> u8 {
        Listing::from_objects(objects).active_epoch().unwrap().epoch_id.as_bytes()[0]
    }

    #[test]
    fn active_epoch_rule() {
        // A higher generation wins even when born earlier by a lagging clock.
        assert_eq!(active(vec![wrap(1, 500, 1, 10), wrap(2, 100, 2, 20)]), 2);
        // Same generation: the one the provider stored first, whatever the ids or clocks.
        assert_eq!(active(vec![wrap(3, 900, 9, 11), wrap(3, 100, 1, 10)]), 1);
        assert_eq!(active(vec![wrap(3, 100, 1, 12), wrap(3, 900, 9, 11)]), 9);
        // Same generation, same store time: the greater epoch id.
        assert_eq!(active(vec![wrap(3, 100, 1, 10), wrap(3, 100, 9, 10)]), 9);
        assert_eq!(active(vec![wrap(3, 100, 9, 10), wrap(3, 100, 1, 10)]), 9);
        assert!(Listing::from_objects(vec![]).active_epoch().is_none());
    }
}
