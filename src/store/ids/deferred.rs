//! An import's new ids, checked at its commit rather than one by one, so that its memory does
//! not grow with the number of ids.
//!
//! An import is all or nothing: until its commit nothing of it is visible, so it must itself
//! recognise an id repeated anywhere inside it or already stored. Checking each id as it comes
//! means holding every new id in memory (`fresh.rs`: 16 bytes each, plus a table). Here the
//! ids go into runs of [`RUN_ENTRIES`], each sorted into id-bucket order and written to an
//! unlinked file beside the store; the commit merges, bucket by bucket, the runs with the
//! stored bucket, which it rewrites anyway. A repeat shows up there as two entries with one
//! hash.
//!
//! Repeats in an import are rare (a file imported whole a second time is recognised by its
//! fingerprint), but they change what the import means: a repeat is not added, so balances,
//! assertions and floors after it differ. An import that finds one at its commit, or that
//! fails at or after a transaction with an id, commits nothing and is run again from its files
//! checking each id as it comes (see `import.rs`), which costs the time of the first run once
//! more and the memory of every new id.

use super::{bucket_of, IdEntry};
use crate::store::blocks::io_err;
use crate::store::{StoreError, ID_BUCKETS};
use std::fs::File;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

/// Ids per run: 2 MiB in memory. An import with fewer never writes the file.
pub(super) const RUN_ENTRIES: usize = 1 << 17;
const ENTRY_BYTES: usize = 16;
/// The spill file's name while it is created; it is unlinked at once, so that nothing is left
/// behind by a writer that dies.
const SPILL_FILE: &str = "gasledger.ids-spill";

/// A run in the spill file: where it starts (in entries), and where each bucket starts in it.
struct Run {
    at: u64,
    starts: Vec<u32>,
}

/// The new ids of a writer that checks them at its commit.
pub(in crate::store) struct Spill {
    /// Ids per run: [`RUN_ENTRIES`], fewer in tests.
    run_entries: usize,
    /// The run being filled, in the order added.
    filling: Vec<IdEntry>,
    runs: Vec<Run>,
    file: Option<(File, PathBuf)>,
    file_entries: u64,
}

/// The (bucket, hash, seq) order of a run.
fn run_order(e: &IdEntry) -> (u16, u64, u64) {
    (bucket_of(e.hash), e.hash, e.seq)
}

/// Where each bucket starts in `sorted` (in run order), and its end.
fn bucket_starts(sorted: &[IdEntry]) -> Vec<u32> {
    let mut starts = Vec::with_capacity(ID_BUCKETS as usize + 1);
    let mut i = 0;
    for b in 0..ID_BUCKETS as u16 {
        starts.push(i as u32);
        while i < sorted.len() && bucket_of(sorted[i].hash) == b {
            i += 1;
        }
    }
    starts.push(i as u32);
    starts
}

impl Default for Spill {
    fn default() -> Spill {
        Spill {
            run_entries: RUN_ENTRIES,
            filling: Vec::new(),
            runs: Vec::new(),
            file: None,
            file_entries: 0,
        }
    }
}

impl Spill {
    pub(in crate::store) fn push(&mut self, e: IdEntry, dir: &Path) -> Result<(), StoreError> {
        if self.filling.len() == self.run_entries {
            self.spill(dir)?;
        }
        if self.filling.capacity() == 0 {
            self.filling.reserve_exact(self.run_entries);
        }
        self.filling.push(e);
        Ok(())
    }

    /// The run being filled, sorted and written out.
    fn spill(&mut self, dir: &Path) -> Result<(), StoreError> {
        self.filling.sort_unstable_by_key(run_order);
        let starts = bucket_starts(&self.filling);
        if self.file.is_none() {
            let path = dir.join(SPILL_FILE);
            let file = crate::store::faults::refuse_write()
                .and_then(|()| {
                    std::fs::OpenOptions::new()
                        .read(true)
                        .write(true)
                        .create(true)
                        .truncate(true)
                        .open(&path)
                })
                .map_err(io_err(&path))?;
            // Unlinked while open: its space goes back when the writer ends, however it ends.
            std::fs::remove_file(&path).map_err(io_err(&path))?;
            self.file = Some((file, path));
        }
        let mut bytes = Vec::with_capacity(self.filling.len() * ENTRY_BYTES);
        for e in &self.filling {
            bytes.extend_from_slice(&e.hash.to_le_bytes());
            bytes.extend_from_slice(&e.seq.to_le_bytes());
        }
        if let Some((file, path)) = &self.file {
            file.write_all_at(&bytes, self.file_entries * ENTRY_BYTES as u64)
                .map_err(io_err(path))?;
        }
        self.runs.push(Run {
            at: self.file_entries,
            starts,
        });
        self.file_entries += self.filling.len() as u64;
        self.filling.clear();
        Ok(())
    }

    /// Ready for [`Finished::bucket`]: the run being filled is sorted in place, kept in memory.
    pub(in crate::store) fn finish(&mut self) -> Finished<'_> {
        self.filling.sort_unstable_by_key(run_order);
        let starts = bucket_starts(&self.filling);
        Finished {
            spill: self,
            last_starts: starts,
            bytes: Vec::new(),
            bounds: Vec::new(),
            scratch: Vec::new(),
        }
    }
}

/// The new ids, all runs sorted, read a bucket at a time.
pub(in crate::store) struct Finished<'a> {
    spill: &'a Spill,
    last_starts: Vec<u32>,
    bytes: Vec<u8>,
    /// Where each run's entries start in a bucket being merged, and room to merge them.
    bounds: Vec<usize>,
    scratch: Vec<IdEntry>,
}

impl Finished<'_> {
    /// The new ids of bucket `b`, in (hash, seq) order, into `out` (cleared first).
    pub(in crate::store) fn bucket(
        &mut self,
        b: u16,
        out: &mut Vec<IdEntry>,
    ) -> Result<(), StoreError> {
        out.clear();
        self.bounds.clear();
        let b = usize::from(b);
        for run in &self.spill.runs {
            let (from, to) = (u64::from(run.starts[b]), u64::from(run.starts[b + 1]));
            if from == to {
                continue;
            }
            let Some((file, path)) = &self.spill.file else {
                return Err(StoreError::Damaged("the id spill file is gone".into()));
            };
            self.bytes.resize((to - from) as usize * ENTRY_BYTES, 0);
            file.read_exact_at(&mut self.bytes, (run.at + from) * ENTRY_BYTES as u64)
                .map_err(io_err(path))?;
            self.bounds.push(out.len());
            for chunk in self.bytes.chunks_exact(ENTRY_BYTES) {
                let (hash, seq) = chunk.split_at(8);
                out.push(IdEntry {
                    hash: u64::from_le_bytes(hash.try_into().unwrap_or_default()),
                    seq: u64::from_le_bytes(seq.try_into().unwrap_or_default()),
                });
            }
        }
        let (from, to) = (
            self.last_starts[b] as usize,
            self.last_starts[b + 1] as usize,
        );
        self.bounds.push(out.len());
        out.extend_from_slice(&self.spill.filling[from..to]);
        self.bounds.push(out.len());
        merge_runs(out, &mut self.bounds, &mut self.scratch);
        Ok(())
    }
}

/// Merge the sorted runs that lie one after another in `v` (run `i` from `bounds[i]` to
/// `bounds[i + 1]`, the runs in sequence order) into one in (hash, seq) order, pairwise. (A
/// general sort of the same took four times as long: 19 ms for 1M ids.)
fn merge_runs(v: &mut Vec<IdEntry>, bounds: &mut Vec<usize>, scratch: &mut Vec<IdEntry>) {
    // Runs of `bounds.len() - 1`; each pass merges them two by two.
    while bounds.len() > 2 {
        scratch.clear();
        let runs = bounds.len() - 1;
        let mut merged = Vec::with_capacity(runs / 2 + 2);
        merged.push(0);
        for k in (0..runs).step_by(2) {
            let (from, mid) = (bounds[k], bounds[k + 1]);
            let to = bounds.get(k + 2).copied().unwrap_or(mid);
            let (left, right) = (&v[from..mid], &v[mid..to]);
            let (mut i, mut j) = (0, 0);
            while i < left.len() && j < right.len() {
                // On equal hashes the left run's entry goes first: its sequence number is lower.
                if right[j].hash < left[i].hash {
                    scratch.push(right[j]);
                    j += 1;
                } else {
                    scratch.push(left[i]);
                    i += 1;
                }
            }
            scratch.extend_from_slice(&left[i..]);
            scratch.extend_from_slice(&right[j..]);
            merged.push(scratch.len());
        }
        std::mem::swap(v, scratch);
        *bounds = merged;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 64,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        /// Whatever the number of runs, each bucket gives back exactly its entries, in order.
        /// Runs are short here, so that there are many (up to 250); hashes are drawn from all
        /// values, or from few so that many are equal, within a run and across runs.
        #[test]
        fn buckets_give_back_every_entry(
            hashes in prop_oneof![
                prop::collection::vec(any::<u64>(), 0..2000),
                prop::collection::vec((0u64..4).prop_map(|x| x * ID_BUCKETS + 5), 0..2000),
            ],
            run_entries in 8usize..100,
        ) {
            let dir = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut spill = Spill { run_entries, ..Spill::default() };
            let mut all = Vec::new();
            for (seq, h) in hashes.iter().enumerate() {
                let e = IdEntry { hash: *h, seq: seq as u64 };
                spill.push(e, dir.path()).map_err(|e| TestCaseError::fail(e.to_string()))?;
                all.push(e);
            }
            prop_assert_eq!(spill.runs.len(), hashes.len().saturating_sub(1) / run_entries);
            let mut finished = spill.finish();
            let mut out = Vec::new();
            let mut by_bucket = vec![Vec::new(); ID_BUCKETS as usize];
            for e in &all {
                by_bucket[usize::from(bucket_of(e.hash))].push(*e);
            }
            let mut seen = 0;
            for b in 0..ID_BUCKETS as u16 {
                finished.bucket(b, &mut out).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert!(out.iter().all(|e| bucket_of(e.hash) == b));
                prop_assert!(out.windows(2).all(|w| (w[0].hash, w[0].seq) < (w[1].hash, w[1].seq)));
                let want = &mut by_bucket[usize::from(b)];
                want.sort_by_key(|e| (e.hash, e.seq));
                prop_assert_eq!(&out, want);
                seen += out.len();
            }
            prop_assert_eq!(seen, all.len());
            // The file was unlinked as soon as it was made.
            prop_assert!(!dir.path().join(SPILL_FILE).exists());
        }
    }
}
