//! The behaviour every `CloudStore` promises, as one scenario any store must pass.

use cairn_cloud::{AppProperties, CloudError, CloudStore, ObjectRuleViolation};
use sha2::{Digest, Sha256};

pub fn props(pairs: &[(&str, &str)]) -> AppProperties {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

/// The contract every store keeps, run against any of them.
pub async fn contract(store: &dyn CloudStore) {
    assert!(store.list().await.unwrap().is_empty());
    assert_eq!(store.get("missing").await.unwrap_err(), CloudError::NotFound);
    store.delete("missing").await.unwrap();

    let first = store.put("epoch-a", b"one", &props(&[("kind", "epoch"), ("v", "1")])).await.unwrap();
    assert_eq!((first.name.as_str(), first.size), ("epoch-a", 3));
    let object = store.get("epoch-a").await.unwrap();
    assert_eq!(object.bytes, b"one");
    assert_eq!(object.meta.sha256, Some(hex::encode(Sha256::digest(b"one"))));
    assert_eq!(first.sha256, object.meta.sha256);
    assert_eq!(object.meta.app_properties, props(&[("kind", "epoch"), ("v", "1")]));
    assert_eq!(object.meta.version, first.version);

    // Replace: content and the whole property set change.
    let second = store.put("epoch-a", b"two!", &props(&[("kind", "epoch")])).await.unwrap();
    assert_ne!(second.version, first.version);
    let object = store.get("epoch-a").await.unwrap();
    assert_eq!(object.bytes, b"two!");
    assert_eq!(object.meta.app_properties, props(&[("kind", "epoch")]));

    store.put("b", b"", &props(&[])).await.unwrap();
    let listed = store.list().await.unwrap();
    let names: Vec<_> = listed.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["b", "epoch-a"]);
    assert_eq!(listed[1].size, 4);
    assert_eq!(store.quota().await.unwrap().used, 4);

    store.delete("epoch-a").await.unwrap();
    assert_eq!(store.get("epoch-a").await.unwrap_err(), CloudError::NotFound);
    assert_eq!(store.list().await.unwrap().len(), 1);

    for bad in ["", "../escape", "a/b", ".hidden", "..", "C:x", "name with space"] {
        assert!(
            matches!(store.put(bad, b"x", &props(&[])).await, Err(CloudError::InvalidObject { .. })),
            "{bad:?}"
        );
        assert!(matches!(store.get(bad).await, Err(CloudError::InvalidObject { .. })), "{bad:?}");
        assert!(matches!(store.delete(bad).await, Err(CloudError::InvalidObject { .. })), "{bad:?}");
    }
    let too_big = vec![7u8; cairn_cloud::MAX_OBJECT_BYTES as usize + 1];
    assert!(matches!(
        store.put("big", &too_big, &props(&[])).await,
        Err(CloudError::InvalidObject { violation: ObjectRuleViolation::TooLarge { .. } })
    ));
    let biggest = vec![7u8; cairn_cloud::MAX_OBJECT_BYTES as usize];
    store.put("big", &biggest, &props(&[])).await.unwrap();
    assert_eq!(store.get("big").await.unwrap().bytes.len(), biggest.len());
}
