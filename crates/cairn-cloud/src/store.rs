//! The `CloudStore` contract shared by every adapter, and the rules objects must follow.
//!
//! The rules are deliberately the strictest common denominator of the providers (Drive's
//! app-property limits, Huawei's file-name alphabet, CloudKit's record-name limits, file-system
//! safety), so code that works against the memory store works against every provider.

use std::collections::BTreeMap;
use std::time::SystemTime;

use async_trait::async_trait;

use crate::error::{CloudError, ObjectRuleViolation};

/// Largest object a store accepts or returns: backups are a few KiB, so 4 MiB leaves room
/// while bounding every read of a provider response.
pub const MAX_OBJECT_BYTES: u64 = 4 * 1024 * 1024;
/// Longest object name, in bytes.
pub const MAX_NAME_LEN: usize = 128;
/// Most app properties per object (Drive allows 30 private properties per app).
pub const MAX_APP_PROPERTIES: usize = 30;
/// Longest key + value of one app property, in UTF-8 bytes (Drive's documented limit).
pub const MAX_APP_PROPERTY_BYTES: usize = 124;
/// Most objects one `list` returns before it refuses the listing as endless.
pub const MAX_LISTED_OBJECTS: usize = 10_000;

/// Small string → string metadata stored with an object, private to the app.
pub type AppProperties = BTreeMap<String, String>;

/// What a store knows about one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    /// The object's name (unique within the store, see the crate README on duplicates).
    pub name: String,
    /// The provider's identifier for the stored object (Drive file id, Huawei file id,
    /// CloudKit record name, local file name).
    pub provider_id: String,
    /// The provider's version of the content, when it has one (Drive `version`, Huawei
    /// `version`, CloudKit change tag, a content hash locally). Changes on every write.
    pub version: Option<String>,
    /// Size of the content in bytes.
    pub size: u64,
    /// SHA-256 of the content (lowercase hex), when the provider reports or the store knows it.
    /// Downloads are checked against it.
    pub sha256: Option<String>,
    /// When the provider last modified the object.
    pub modified: SystemTime,
    /// The object's app properties.
    pub app_properties: AppProperties,
}

/// An object's content and metadata, as returned by [`CloudStore::get`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    /// Metadata of the object that was read.
    pub meta: ObjectMeta,
    /// Its content.
    pub bytes: Vec<u8>,
}

/// Storage usage of the account, as far as the provider tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    /// Bytes in use (the whole account's usage for Drive and Huawei, not only this app's).
    pub used: u64,
    /// The account's limit; `None` when unlimited or unknown.
    pub limit: Option<u64>,
}

/// Small named opaque objects in the app's hidden space of one signed-in account.
///
/// Semantics every adapter keeps (details and provider quirks in the crate README):
/// - names are unique: `put` creates or replaces; where a provider allows duplicates (Drive,
///   Huawei), the newest (by modified time, then provider id) is "the" object for `get`, `put`
///   and `list`, and `delete` removes them all;
/// - `delete` is idempotent: deleting a missing name succeeds;
/// - `get` of a missing name is [`CloudError::NotFound`];
/// - objects and provider responses are bounded ([`MAX_OBJECT_BYTES`], [`MAX_LISTED_OBJECTS`]).
#[async_trait]
pub trait CloudStore: Send + Sync {
    /// Every object's metadata, one entry per name, sorted by name. Paging is handled inside.
    async fn list(&self) -> Result<Vec<ObjectMeta>, CloudError>;
    /// The named object's content and metadata.
    async fn get(&self, name: &str) -> Result<StoredObject, CloudError>;
    /// Creates the named object, or replaces its content and app properties.
    async fn put(
        &self,
        name: &str,
        bytes: &[u8],
        app_properties: &AppProperties,
    ) -> Result<ObjectMeta, CloudError>;
    /// Removes the named object (every duplicate of it). Succeeds if it does not exist.
    async fn delete(&self, name: &str) -> Result<(), CloudError>;
    /// Storage usage of the account.
    async fn quota(&self) -> Result<Quota, CloudError>;
}

/// Lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// Checks a name against the store rules: 1..=128 bytes of `[A-Za-z0-9._-]`, not starting
/// with `.`. This alphabet is safe as a file name everywhere, as a Huawei `fileName`, as a
/// CloudKit record name, and needs no escaping beyond quotes in a Drive query.
pub fn validate_name(name: &str) -> Result<(), CloudError> {
    if name.is_empty() {
        return Err(CloudError::invalid(ObjectRuleViolation::NameEmpty));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(CloudError::invalid(ObjectRuleViolation::NameTooLong));
    }
    if !name.bytes().all(is_name_byte) {
        return Err(CloudError::invalid(ObjectRuleViolation::NameCharacter));
    }
    if name.starts_with('.') {
        return Err(CloudError::invalid(ObjectRuleViolation::NameLeadingDot));
    }
    Ok(())
}

fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.')
}

/// Checks app properties against the store rules.
pub fn validate_app_properties(properties: &AppProperties) -> Result<(), CloudError> {
    if properties.len() > MAX_APP_PROPERTIES {
        return Err(CloudError::invalid(ObjectRuleViolation::TooManyProperties));
    }
    for (key, value) in properties {
        if key.is_empty() || !key.bytes().all(is_name_byte) {
            return Err(CloudError::invalid(ObjectRuleViolation::PropertyKey));
        }
        if key.len() + value.len() > MAX_APP_PROPERTY_BYTES {
            return Err(CloudError::invalid(ObjectRuleViolation::PropertyTooLong));
        }
    }
    Ok(())
}

/// Checks a whole `put` request: name, size and properties.
pub fn validate_put(name: &str, bytes: &[u8], properties: &AppProperties) -> Result<(), CloudError> {
    validate_name(name)?;
    let size = bytes.len() as u64;
    if size > MAX_OBJECT_BYTES {
        return Err(CloudError::invalid(ObjectRuleViolation::TooLarge { size, max: MAX_OBJECT_BYTES }));
    }
    validate_app_properties(properties)
}

/// Picks one object per name from a provider listing that may hold duplicates: the newest by
/// modified time wins, ties go to the greatest provider id, so every client picks the same one.
/// Returns the winners sorted by name and, per name, the losers' provider ids.
pub(crate) fn resolve_duplicates(all: Vec<ObjectMeta>) -> Vec<(ObjectMeta, Vec<String>)> {
    let mut by_name: BTreeMap<String, (ObjectMeta, Vec<String>)> = BTreeMap::new();
    for meta in all {
        match by_name.get_mut(&meta.name) {
            None => {
                by_name.insert(meta.name.clone(), (meta, Vec::new()));
            }
            Some((winner, losers)) => {
                let newer = (meta.modified, &meta.provider_id) > (winner.modified, &winner.provider_id);
                if newer {
                    let old = std::mem::replace(winner, meta);
                    losers.push(old.provider_id);
                } else {
                    losers.push(meta.provider_id);
                }
            }
        }
    }
    by_name.into_values().collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn traits_are_object_safe_and_shareable() {
        fn shareable<T: Send + Sync + ?Sized>() {}
        shareable::<dyn CloudStore>();
        shareable::<dyn crate::TokenProvider>();
        shareable::<dyn crate::cloudkit::CloudKitBridge>();
        let stores: Vec<std::sync::Arc<dyn CloudStore>> =
            vec![std::sync::Arc::new(crate::memory::MemoryStore::new())];
        assert_eq!(stores.len(), 1);
    }

    #[test]
    fn names() {
        assert!(validate_name("epoch-01.bin").is_ok());
        assert!(validate_name("A_b-9.x").is_ok());
        assert!(validate_name(&"a".repeat(MAX_NAME_LEN)).is_ok());
        let bad = |name: &str| match validate_name(name) {
            Err(CloudError::InvalidObject { violation }) => violation,
            other => panic!("{name:?} gave {other:?}"),
        };
        assert_eq!(bad(""), ObjectRuleViolation::NameEmpty);
        assert_eq!(bad(&"a".repeat(MAX_NAME_LEN + 1)), ObjectRuleViolation::NameTooLong);
        for name in ["../x", "a/b", "a\\b", "a b", "é", "a\0", "x:y", "a'b", "a*"] {
            assert_eq!(bad(name), ObjectRuleViolation::NameCharacter, "{name:?}");
        }
        for name in [".", "..", ".hidden", ".tmp-1"] {
            assert_eq!(bad(name), ObjectRuleViolation::NameLeadingDot, "{name:?}");
        }
    }

    #[test]
    fn properties() {
        let mut props = AppProperties::new();
        props.insert("k".into(), "v".repeat(MAX_APP_PROPERTY_BYTES - 1));
        assert!(validate_app_properties(&props).is_ok());
        props.insert("k".into(), "v".repeat(MAX_APP_PROPERTY_BYTES));
        assert_eq!(
            validate_app_properties(&props),
            Err(CloudError::invalid(ObjectRuleViolation::PropertyTooLong))
        );
        let props: AppProperties = [(String::new(), "v".into())].into();
        assert_eq!(
            validate_app_properties(&props),
            Err(CloudError::invalid(ObjectRuleViolation::PropertyKey))
        );
        let props: AppProperties = [("a b".into(), "v".into())].into();
        assert_eq!(
            validate_app_properties(&props),
            Err(CloudError::invalid(ObjectRuleViolation::PropertyKey))
        );
        let props: AppProperties = (0..=MAX_APP_PROPERTIES).map(|i| (format!("k{i}"), "v".into())).collect();
        assert_eq!(
            validate_app_properties(&props),
            Err(CloudError::invalid(ObjectRuleViolation::TooManyProperties))
        );
    }

    #[test]
    fn size_bound() {
        let big = vec![0u8; MAX_OBJECT_BYTES as usize + 1];
        assert_eq!(
            validate_put("x", &big, &AppProperties::new()),
            Err(CloudError::invalid(ObjectRuleViolation::TooLarge {
                size: MAX_OBJECT_BYTES + 1,
                max: MAX_OBJECT_BYTES
            }))
        );
        assert!(validate_put("x", &big[1..], &AppProperties::new()).is_ok());
    }

    fn meta(name: &str, id: &str, secs: u64) -> ObjectMeta {
        ObjectMeta {
            name: name.into(),
            provider_id: id.into(),
            version: None,
            size: 0,
            sha256: None,
            modified: SystemTime::UNIX_EPOCH + Duration::from_secs(secs),
            app_properties: AppProperties::new(),
        }
    }

    #[test]
    fn duplicates_resolve_newest_then_greatest_id() {
        let resolved = resolve_duplicates(vec![
            meta("b", "id1", 10),
            meta("a", "id2", 5),
            meta("b", "id3", 20),
            meta("b", "id0", 20),
            meta("b", "id4", 1),
        ]);
        let summary: Vec<_> = resolved
            .iter()
            .map(|(m, losers)| (m.name.as_str(), m.provider_id.as_str(), losers.len()))
            .collect();
        assert_eq!(summary, vec![("a", "id2", 0), ("b", "id3", 3)]);
        let mut losers = resolved[1].1.clone();
        losers.sort();
        assert_eq!(losers, vec!["id0", "id1", "id4"]);
        // Same input in another order, same winner.
        let resolved =
            resolve_duplicates(vec![meta("b", "id0", 20), meta("b", "id3", 20), meta("b", "id1", 10)]);
        assert_eq!(resolved[0].0.provider_id, "id3");
    }
}
