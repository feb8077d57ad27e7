//! Preparing transactions: the model's checks, the agreements' rules, the stored form and the
//! encoding, into buffers a batch shares (`PreparedBatch::prepare`, the one function every
//! transaction goes through, on a command's writer or an import's parser thread).

use crate::model::chart::Chart;
use crate::model::terms::AgreementRules;
use crate::model::transaction::Transaction;
use crate::store::codec::Enc;
use crate::store::record::{self, encode_txn, Names};
use crate::store::StoreError;
use rust_decimal::Decimal;

/// A posting as the write path needs it: ids, value, and the balance assertion if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreparedPosting {
    pub account: u32,
    pub commodity: u32,
    pub value: Decimal,
    pub assertion: Option<(u32, Decimal)>,
}

/// Transactions checked against a chart (declared accounts, scales, the balance invariant)
/// and encoded: everything `append` needs that does not depend on the store's running state.
/// Filled by [`PreparedBatch::prepare`] on any thread: an import prepares on its parser thread,
/// so the parsed strings are freed where they were allocated and the writer only does what must
/// be done in order. The transactions of a batch share a few buffers rather than owning some
/// each: a batch handed to the writer and back is a handful of allocations, not thousands made
/// on one thread and freed on the other (glibc's arenas then contend for their locks).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreparedBatch {
    pub(super) content: Vec<u8>,
    pub(super) ids: String,
    /// The ids named by `reverses:` tags, one per transaction that has one.
    pub(super) reversed: String,
    pub(super) postings: Vec<PreparedPosting>,
    pub(super) txns: Vec<PreparedSpan>,
    /// Whether `prepare` also takes each transaction's digest (blake3 of its content), or
    /// leaves it to the writer: see [`PreparedBatch::set_digests_here`].
    pub(super) digests_here: bool,
}

/// Where a prepared transaction's parts end in its batch's buffers (each starts where the one
/// before it ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct PreparedSpan {
    pub(super) digest: Option<[u8; 32]>,
    pub(super) date: u32,
    pub(super) has_id: bool,
    pub(super) reverses: bool,
    /// Recorded under an offset agreement: the agreement's limit is checked at the commit.
    pub(super) offset: bool,
    pub(super) content_end: u32,
    pub(super) id_end: u32,
    pub(super) reversed_end: u32,
    pub(super) postings_end: u32,
}

/// One prepared transaction, borrowed from its batch. Only [`PreparedBatch::get`] makes one,
/// so the writer can trust its digest to be that of its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prepared<'b> {
    /// blake3 of `content` (see `record::chain_link`), if it was taken where the transaction
    /// was prepared; else the writer takes it.
    pub(super) digest: Option<[u8; 32]>,
    pub(super) id: Option<&'b str>,
    /// The id its `reverses:` tag names, if it has one.
    pub(super) reverses: Option<&'b str>,
    /// Whether it is recorded under an offset agreement.
    pub(super) offset: bool,
    pub(super) date: u32,
    pub(super) postings: &'b [PreparedPosting],
    pub(super) content: &'b [u8],
}

impl PreparedBatch {
    /// Complete and check `t` against `chart`, encode it with `names`' ids, and keep it as the
    /// batch's next transaction; returns its index. On an error the batch is unchanged.
    pub fn prepare(
        &mut self,
        mut t: Transaction,
        chart: &Chart,
        names: &Names,
        rulebook: &dyn AgreementRules,
    ) -> Result<usize, StoreError> {
        t.complete(chart)?;
        rulebook.check(&t)?;
        let offset = t
            .tag("agreement")
            .is_some_and(|a| rulebook.limit(a).is_some());
        let reverses = match t.tag("reverses") {
            Some(r) => {
                self.reversed.push_str(r);
                true
            }
            None => false,
        };
        let raw = names.to_raw(t)?;
        let mut e = Enc {
            buf: std::mem::take(&mut self.content),
        };
        encode_txn(&mut e, &raw);
        self.content = e.buf;
        if let Some(id) = &raw.id {
            self.ids.push_str(id);
        }
        self.postings
            .extend(raw.postings.iter().map(|x| PreparedPosting {
                account: x.account,
                commodity: x.commodity,
                value: x.value,
                assertion: x.assertion,
            }));
        // A batch holds a few thousand transactions of bounded size: far from 4 GiB.
        let end = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let start = self.txns.last().map_or(0, |t| t.content_end as usize);
        self.txns.push(PreparedSpan {
            digest: self
                .digests_here
                .then(|| record::digest(self.content.get(start..).unwrap_or_default())),
            date: raw.date,
            has_id: raw.id.is_some(),
            reverses,
            offset,
            content_end: end(self.content.len()),
            id_end: end(self.ids.len()),
            reversed_end: end(self.reversed.len()),
            postings_end: end(self.postings.len()),
        });
        Ok(self.txns.len() - 1)
    }

    /// The `i`th transaction prepared, if there is one.
    pub fn get(&self, i: usize) -> Option<Prepared<'_>> {
        let span = self.txns.get(i)?;
        let start = match i.checked_sub(1).and_then(|j| self.txns.get(j)) {
            Some(before) => *before,
            None => PreparedSpan {
                digest: None,
                date: 0,
                has_id: false,
                reverses: false,
                offset: false,
                content_end: 0,
                id_end: 0,
                reversed_end: 0,
                postings_end: 0,
            },
        };
        let range = |a: u32, b: u32| a as usize..b as usize;
        Some(Prepared {
            digest: span.digest,
            id: if span.has_id {
                self.ids.get(range(start.id_end, span.id_end))
            } else {
                None
            },
            offset: span.offset,
            reverses: if span.reverses {
                self.reversed
                    .get(range(start.reversed_end, span.reversed_end))
            } else {
                None
            },
            date: span.date,
            postings: self
                .postings
                .get(range(start.postings_end, span.postings_end))?,
            content: self
                .content
                .get(range(start.content_end, span.content_end))?,
        })
    }

    pub fn len(&self) -> usize {
        self.txns.len()
    }

    pub fn is_empty(&self) -> bool {
        self.txns.is_empty()
    }

    /// Whether the transactions prepared from now on get their digest here, or from the writer.
    /// The digest is a tenth of an import's work, and either of its two threads may be the one
    /// the other waits for: the import gives it to the parser thread while the writer has
    /// batches waiting, and to the writer while it has none.
    pub fn set_digests_here(&mut self, here: bool) {
        self.digests_here = here;
    }

    /// Forget every transaction, keeping the buffers for the next batch.
    pub fn clear(&mut self) {
        self.content.clear();
        self.ids.clear();
        self.reversed.clear();
        self.postings.clear();
        self.txns.clear();
    }
}
