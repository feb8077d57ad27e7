//! The ids a writer adds, held until its commit: every new id must be recognised if it comes
//! again anywhere in the same write, and nothing is written to the id index before the commit.
//!
//! The entries sit in one vector in the order added, 16 bytes each. An open-addressing table
//! of 8-byte slots (at most half full) finds them by id hash: each slot holds an entry's
//! position and the top bits of its hash, so the usual look-up, of an id not seen before, reads
//! one slot and no entry: one cache miss, where a table of small vectors would take two misses
//! and a scan, and leave many vectors to free at the commit. At the commit the entries are put
//! in id-bucket order in place.

use super::{bucket_of, IdEntry};
use crate::store::ID_BUCKETS;

/// Bits of a slot that hold the entry's position plus one (0 is an empty slot).
const POSITION_BITS: u32 = 40;
const POSITION_MASK: u64 = (1 << POSITION_BITS) - 1;
/// A slot's other bits: the top bits of the entry's hash.
const TAG_SHIFT: u32 = POSITION_BITS;
const SLOTS_MIN: usize = 1024;

#[derive(Debug, Default)]
pub(in crate::store) struct FreshIds {
    entries: Vec<IdEntry>,
    slots: Vec<u64>,
}

fn tag(hash: u64) -> u64 {
    hash >> TAG_SHIFT
}

/// The first slot to probe for `hash` in a table of `len` (a power of two) slots: the top
/// bits of a multiplicative mix, so that every bit of the hash counts.
fn home(hash: u64, len: usize) -> usize {
    if len <= 1 {
        return 0;
    }
    let bits = len.trailing_zeros();
    (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> (64 - bits)) as usize
}

impl FreshIds {
    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }

    /// Make room for `n` more ids at once: growing the table step by step rehashes every entry
    /// at each doubling (and returns each old table to the system). Pages never written are
    /// never resident, so a guess too high costs address space, not memory.
    pub(in crate::store) fn reserve(&mut self, n: usize) {
        if n == 0 {
            return;
        }
        self.entries.reserve(n);
        let want = (self.entries.len() + n)
            .saturating_mul(2)
            .next_power_of_two()
            .max(SLOTS_MIN);
        if want > self.slots.len() {
            self.rebuild(want);
        }
    }

    pub(in crate::store) fn push(&mut self, e: IdEntry) {
        if (self.entries.len() + 1) * 2 > self.slots.len() {
            self.grow();
        }
        self.entries.push(e);
        let position = self.entries.len() as u64;
        Self::place(&mut self.slots, e.hash, position);
    }

    fn place(slots: &mut [u64], hash: u64, position: u64) {
        let mask = slots.len() - 1;
        let mut i = home(hash, slots.len());
        while slots[i] != 0 {
            i = (i + 1) & mask;
        }
        slots[i] = (tag(hash) << TAG_SHIFT) | (position & POSITION_MASK);
    }

    fn grow(&mut self) {
        self.rebuild((self.slots.len() * 2).max(SLOTS_MIN));
    }

    fn rebuild(&mut self, len: usize) {
        let mut slots = vec![0u64; len];
        for (i, e) in self.entries.iter().enumerate() {
            Self::place(&mut slots, e.hash, i as u64 + 1);
        }
        self.slots = slots;
    }

    /// The entries whose hash is `hash` (different ids may share one).
    pub(in crate::store) fn with_hash(&self, hash: u64) -> impl Iterator<Item = &IdEntry> + '_ {
        let mask = self.slots.len().wrapping_sub(1);
        let mut i = if self.slots.is_empty() {
            0
        } else {
            home(hash, self.slots.len())
        };
        let want = tag(hash);
        std::iter::from_fn(move || loop {
            let slot = *self.slots.get(i)?;
            if slot == 0 {
                return None;
            }
            i = (i + 1) & mask;
            if slot >> TAG_SHIFT == want {
                let e = self.entries.get(((slot & POSITION_MASK) - 1) as usize)?;
                if e.hash == hash {
                    return Some(e);
                }
            }
        })
    }

    /// The entries by id bucket, each bucket's in (hash, sequence) order: the runs of buckets
    /// `0..ID_BUCKETS` in turn, as (bucket, entries). Sorted in place (the table is let go of
    /// first), so the commit holds the new ids once.
    pub(in crate::store) fn into_buckets(self) -> Buckets {
        let FreshIds { mut entries, slots } = self;
        drop(slots);
        // Counting sort by bucket, in place: each entry is swapped straight to its bucket's
        // next free place.
        let mut counts = vec![0usize; ID_BUCKETS as usize];
        for e in &entries {
            counts[usize::from(bucket_of(e.hash))] += 1;
        }
        let mut starts = Vec::with_capacity(counts.len() + 1);
        let mut at = 0;
        for c in &counts {
            starts.push(at);
            at += c;
        }
        starts.push(at);
        let mut next = starts.clone();
        for b in 0..ID_BUCKETS as usize {
            while next[b] < starts[b + 1] {
                let target = usize::from(bucket_of(entries[next[b]].hash));
                if target == b {
                    next[b] += 1;
                } else {
                    entries.swap(next[b], next[target]);
                    next[target] += 1;
                }
            }
        }
        for b in 0..ID_BUCKETS as usize {
            entries[starts[b]..starts[b + 1]].sort_unstable_by_key(|e| (e.hash, e.seq));
        }
        Buckets {
            entries,
            starts,
            bucket: 0,
        }
    }
}

/// The new ids in bucket order: see [`FreshIds::into_buckets`].
pub(in crate::store) struct Buckets {
    entries: Vec<IdEntry>,
    starts: Vec<usize>,
    bucket: usize,
}

impl Buckets {
    /// The next bucket with new ids, and its entries.
    pub(in crate::store) fn next_bucket(&mut self) -> Option<(u16, &[IdEntry])> {
        while self.bucket + 1 < self.starts.len() {
            let b = self.bucket;
            self.bucket += 1;
            let (from, to) = (self.starts[b], self.starts[b + 1]);
            if from < to {
                return Some((u16::try_from(b).ok()?, &self.entries[from..to]));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn entry(hash: u64, seq: u64) -> IdEntry {
        IdEntry { hash, seq }
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Look-ups find exactly the entries a scan finds, through every growth of the table;
        /// the buckets hold every entry once, in bucket then (hash, seq) order. Hashes are drawn
        /// from few values, so that many are equal, or from the whole range.
        #[test]
        fn finds_what_a_scan_finds_and_sorts_into_buckets(
            hashes in prop_oneof![
                prop::collection::vec(0u64..8, 0..300),
                prop::collection::vec(any::<u64>(), 0..3000),
                prop::collection::vec((0u64..4).prop_map(|x| x << 60 | 7), 0..300),
            ],
            probes in prop::collection::vec(any::<u64>(), 0..20),
        ) {
            let mut fresh = FreshIds::default();
            if hashes.len() % 3 == 0 {
                fresh.reserve(hashes.len() / 2);
            }
            let mut all = Vec::new();
            for (seq, h) in hashes.iter().enumerate() {
                let e = entry(*h, seq as u64);
                fresh.push(e);
                all.push(e);
            }
            prop_assert_eq!(fresh.len(), all.len());
            for h in hashes.iter().chain(&probes) {
                let mut found: Vec<IdEntry> = fresh.with_hash(*h).copied().collect();
                found.sort_by_key(|e| e.seq);
                let want: Vec<IdEntry> = all.iter().filter(|e| e.hash == *h).copied().collect();
                prop_assert_eq!(found, want);
            }
            let mut buckets = fresh.into_buckets();
            let mut seen = Vec::new();
            let mut last = None;
            while let Some((b, entries)) = buckets.next_bucket() {
                prop_assert!(last < Some(b));
                last = Some(b);
                prop_assert!(!entries.is_empty());
                prop_assert!(entries.iter().all(|e| bucket_of(e.hash) == b));
                prop_assert!(entries.windows(2).all(|w| (w[0].hash, w[0].seq) < (w[1].hash, w[1].seq)));
                seen.extend_from_slice(entries);
            }
            seen.sort_by_key(|e| e.seq);
            prop_assert_eq!(seen, all);
        }
    }

    #[test]
    fn an_empty_table_finds_nothing() {
        let fresh = FreshIds::default();
        assert_eq!(fresh.with_hash(42).count(), 0);
        assert!(fresh.into_buckets().next_bucket().is_none());
        // Room for none (a journal of a few bytes) or one, then the first id.
        for n in [0, 1] {
            let mut fresh = FreshIds::default();
            fresh.reserve(n);
            assert_eq!(fresh.with_hash(u64::MAX).count(), 0);
            fresh.push(entry(u64::MAX, 0));
            assert_eq!(fresh.with_hash(u64::MAX).count(), 1);
        }
    }
}
