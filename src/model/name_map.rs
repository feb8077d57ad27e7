//! A map by name that lists in name order and looks up by hash.
//!
//! The chart's accounts are listed in name order (reports, exports) but looked up far more
//! often: twice per transaction when an import checks its postings. A `BTreeMap<String, _>`
//! compares the name against several keys per level, and account names share long prefixes
//! (`TM:receivable:`), so those look-ups were a twentieth of the import's parser thread. This
//! keeps the ordered map for listing and a hash map beside it for look-ups; both are changed
//! only through `insert`, so they always hold the same entries.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::btree_map;
use std::collections::BTreeMap;

#[derive(Debug, Clone)]
pub struct NameMap<V> {
    sorted: BTreeMap<String, V>,
    index: FxHashMap<String, V>,
}

impl<V> Default for NameMap<V> {
    fn default() -> Self {
        NameMap {
            sorted: BTreeMap::new(),
            index: FxHashMap::default(),
        }
    }
}

impl<V: Clone> NameMap<V> {
    /// Add or replace the entry for `name`; returns the value it replaces.
    pub fn insert(&mut self, name: String, value: V) -> Option<V> {
        self.index.insert(name.clone(), value.clone());
        self.sorted.insert(name, value)
    }
}

impl<V> NameMap<V> {
    pub fn get(&self, name: &str) -> Option<&V> {
        self.index.get(name)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    /// Entries in name order.
    pub fn iter(&self) -> btree_map::Iter<'_, String, V> {
        self.sorted.iter()
    }

    /// Names in order.
    pub fn keys(&self) -> btree_map::Keys<'_, String, V> {
        self.sorted.keys()
    }

    /// Values in name order.
    pub fn values(&self) -> btree_map::Values<'_, String, V> {
        self.sorted.values()
    }
}

impl<V: PartialEq> PartialEq for NameMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.sorted == other.sorted
    }
}

impl<V: Eq> Eq for NameMap<V> {}

impl<'a, V> IntoIterator for &'a NameMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = btree_map::Iter<'a, String, V>;
    fn into_iter(self) -> Self::IntoIter {
        self.sorted.iter()
    }
}

impl<V: Clone> FromIterator<(String, V)> for NameMap<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        let mut map = NameMap::default();
        for (name, value) in iter {
            map.insert(name, value);
        }
        map
    }
}

impl<V: Serialize> Serialize for NameMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.sorted.serialize(s)
    }
}

impl<'de, V: Deserialize<'de> + Clone> Deserialize<'de> for NameMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(BTreeMap::<String, V>::deserialize(d)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever is inserted, in whatever order and however often, the map answers as a
        /// `BTreeMap` given the same insertions does: look-ups, order, length, serde.
        #[test]
        fn answers_as_a_btree_map_does(
            inserts in prop::collection::vec(("[a-c]{0,3}", any::<u8>()), 0..60),
            probes in prop::collection::vec("[a-c]{0,3}", 0..20),
        ) {
            let mut map = NameMap::default();
            let mut model = BTreeMap::new();
            for (k, v) in &inserts {
                prop_assert_eq!(map.insert(k.clone(), *v), model.insert(k.clone(), *v));
            }
            for p in probes.iter().chain(inserts.iter().map(|(k, _)| k)) {
                prop_assert_eq!(map.get(p), model.get(p));
                prop_assert_eq!(map.contains_key(p), model.contains_key(p));
            }
            prop_assert_eq!(map.len(), model.len());
            prop_assert_eq!(map.is_empty(), model.is_empty());
            prop_assert!(map.iter().eq(model.iter()));
            prop_assert!(map.keys().eq(model.keys()));
            prop_assert!(map.values().eq(model.values()));
            let json = serde_json::to_string(&map).expect("serialize");
            prop_assert_eq!(&json, &serde_json::to_string(&model).expect("serialize"));
            let back: NameMap<u8> = serde_json::from_str(&json).expect("deserialize");
            prop_assert_eq!(&back, &map);
            prop_assert!(inserts.iter().all(|(k, _)| back.get(k) == model.get(k)));
            let collected: NameMap<u8> = inserts.iter().cloned().collect();
            prop_assert_eq!(&collected, &map);
        }
    }
}
