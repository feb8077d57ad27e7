//! What a writer reads back: every transaction committed and added, its own postings on
//! obligations, and what is owed at a date.

use super::*;
use crate::store::codec::Dec;
use crate::store::record::{self, RawTxn, Summary};
use crate::store::rules::{Move, Rules};
use crate::store::{summary_key, StoreError, BLOCK_TXNS};
use rust_decimal::Decimal;
use rustc_hash::FxHashSet;

impl Writer<'_> {
    /// Every transaction, committed and added by this writer, in recorded order.
    pub(super) fn each_txn(&mut self, f: &mut dyn FnMut(u64, &RawTxn)) -> Result<(), StoreError> {
        for i in 0..self.store.block_count() {
            for (seq, t) in self.store.block_txns(i)? {
                f(seq, &t);
            }
        }
        self.each_new_txn(f)
    }

    /// This writer's postings on `accounts`, read back from its blocks.
    /// A full block written ahead whose transactions are all dated before `earliest` counts
    /// by its summary's net changes (dated 0: before every date); the others are read.
    pub(super) fn new_moves(
        &mut self,
        accounts: &FxHashSet<u32>,
        earliest: u32,
    ) -> Result<Vec<Move>, StoreError> {
        let mut out = Vec::new();
        let (committed, end) = (self.store.head.txn_count, self.head.txn_count);
        if accounts.is_empty() || committed == end {
            return Ok(out);
        }
        let per = BLOCK_TXNS as u64;
        for b in committed / per..=(end - 1) / per {
            let ahead = b * per >= committed
                && b != self.tail_index
                && self.sealed_committed.as_ref().is_none_or(|(i, _)| *i != b);
            if ahead {
                if let Some(v) = self.store.db.get(summary_key(b))? {
                    let s = Summary::from_value(&v)?;
                    if s.max_date < earliest {
                        out.extend(
                            s.deltas
                                .into_iter()
                                .filter(|(a, _, _)| accounts.contains(a))
                                .map(|(account, commodity, value)| Move {
                                    account,
                                    commodity,
                                    date: 0,
                                    value,
                                }),
                        );
                        continue;
                    }
                }
            }
            for (_, t) in self.new_block_txns(b)? {
                for p in &t.postings {
                    if accounts.contains(&p.account) {
                        out.push(Move {
                            account: p.account,
                            commodity: p.commodity,
                            date: t.date,
                            value: p.value,
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// The transactions of block `b` that this writer added, with their sequence numbers.
    pub(super) fn new_block_txns(&mut self, b: u64) -> Result<Vec<(u64, RawTxn)>, StoreError> {
        let (committed, end) = (self.store.head.txn_count, self.head.txn_count);
        let per = BLOCK_TXNS as u64;
        let value: Vec<u8> = if b == self.tail_index {
            self.tail.to_value()
        } else if let Some((_, v)) = self.sealed_committed.as_ref().filter(|(i, _)| *i == b) {
            v.clone()
        } else {
            self.store
                .block_value(b)?
                .ok_or_else(|| StoreError::Damaged(format!("block {b} is missing")))?
                .to_vec()
        };
        let mut out = Vec::new();
        for (j, (content, _)) in record::block_entries(&value)?.into_iter().enumerate() {
            let seq = b * per + j as u64;
            if seq >= committed && seq < end {
                out.push((seq, record::decode_txn(&mut Dec::new(content))?));
            }
        }
        Ok(out)
    }

    /// The transactions this writer added, in recorded order.
    pub(super) fn each_new_txn(
        &mut self,
        f: &mut dyn FnMut(u64, &RawTxn),
    ) -> Result<(), StoreError> {
        let (committed, end) = (self.store.head.txn_count, self.head.txn_count);
        let per = BLOCK_TXNS as u64;
        if committed == end {
            return Ok(());
        }
        for b in committed / per..=(end - 1) / per {
            for (seq, t) in self.new_block_txns(b)? {
                f(seq, &t);
            }
        }
        Ok(())
    }

    /// The least owed on the obligation `account` (a receivable or payable between two
    /// parties) in `commodity` at the end of `date` and of every later date, with every
    /// recorded transaction and this writer's: what a payment or offset dated `date` may take
    /// off. For another account, its running balance.
    pub fn owed_from(
        &mut self,
        account: &str,
        commodity: &str,
        date: crate::model::date::Date,
    ) -> Result<Decimal, StoreError> {
        let (Some(&a), Some(&c)) = (
            self.names.account_ids.get(account),
            self.names.commodity_ids.get(commodity),
        ) else {
            return Ok(Decimal::ZERO);
        };
        let mut rules = std::mem::take(&mut self.rules);
        let found = self.owed_with(&mut rules, a, c, date.packed());
        self.rules = rules;
        Ok(found?.unwrap_or_else(|| self.balance(account, commodity)))
    }

    /// [`Writer::owed_from`] by ids, with the rules taken out of the writer.
    pub(super) fn owed_with(
        &mut self,
        rules: &mut Rules,
        account: u32,
        commodity: u32,
        date: u32,
    ) -> Result<Option<Decimal>, StoreError> {
        let Some(g) = rules.group(account, &self.names, &self.chart) else {
            return Ok(None);
        };
        let groups: FxHashSet<u32> = [g].into_iter().collect();
        let accounts = rules.accounts_of(&groups, &self.names, &self.chart);
        let new = self.new_moves(&accounts, date)?;
        rules.owed_from(
            self.store,
            &self.names,
            &self.chart,
            (account, commodity),
            date,
            &new,
        )
    }
}
