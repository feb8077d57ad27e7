//! What an export writes out, read once for every format: the whole ledger, or one party's own
//! books. Each writer reads its chart, agreements, transactions and statements from [`Books`]
//! and nothing else of the store, so the party filter is applied here and only here (its
//! pieces are in `party.rs`).
//!
//! A party's own books (`export --party P`) hold:
//! - of every transaction that has a posting of P, P's postings only (the party prefix kept),
//!   its date, status, code, description, id and tags; a transaction without a posting of P is
//!   left out. The tags `agreement`, `leg` and `settles` become `agreement-ref`, `leg-ref` and
//!   `settles-ref`: the rules they call for are about every party's side of a leg, an offset
//!   or a payment in another currency, and a gasledger that imports P's side alone would hold
//!   it to them and refuse it;
//! - P's party line, every account of P's (with its type and floor), and the commodities that
//!   P's books use (in P's postings, their prices and balance assertions, P's floors and P's
//!   statements);
//! - no agreement (P's side of a swap or an offset keeps the agreement's name in its
//!   `agreement-ref` tag);
//! - P's own statements, with their claims on P's accounts (a claim on another party's account
//!   is not in P's books; a statement left with no claim is left out);
//! - the fixings between two commodities that P's books use (market data, not a party's: P
//!   values its exchange accounts at them).
//!
//! Balance assertions and floors on P's accounts stay valid: the balances of P's accounts are
//! the same in P's books as in the whole ledger. The books are refused (see [`super::party`])
//! where some transaction leaves them unbalanced.

use crate::export::party::{self, side_of, statement_of};
use crate::export::ExportError;
use crate::model::account::party_of;
use crate::model::agreement::Agreement;
use crate::model::chart::Chart;
use crate::model::fixing::Fixing;
use crate::model::statement::Statement;
use crate::model::transaction::Transaction;
use crate::store::{Store, StoreError};

/// What an export writes out: the whole ledger, or one party's own books.
pub struct Books<'s> {
    store: &'s Store,
    party: Option<Party>,
}

/// One party's books: its code and its chart.
struct Party {
    code: String,
    chart: Chart,
}

impl<'s> Books<'s> {
    /// The whole ledger.
    pub fn whole(store: &'s Store) -> Books<'s> {
        Books { store, party: None }
    }

    /// `party`'s own books; refused for an undeclared party, or where some transaction leaves
    /// the party's books unbalanced ([`ExportError::UnknownParty`], [`ExportError::Unbalanced`]).
    /// Reads the whole journal once to find out.
    pub fn of_party(store: &'s Store, party: &str) -> Result<Books<'s>, ExportError> {
        let chart = party::chart(store, party)?;
        Ok(Books {
            store,
            party: Some(Party {
                code: party.to_string(),
                chart,
            }),
        })
    }

    /// The party whose books these are; `None` for the whole ledger.
    pub fn party(&self) -> Option<&str> {
        self.party.as_ref().map(|p| p.code.as_str())
    }

    pub fn chart(&self) -> &Chart {
        match &self.party {
            Some(p) => &p.chart,
            None => self.store.chart(),
        }
    }

    /// The agreements: none in a party's books.
    pub fn agreements(&self) -> Vec<&Agreement> {
        match &self.party {
            Some(_) => Vec::new(),
            None => self.store.agreements().values().collect(),
        }
    }

    /// The fixings, by commodity, quote and date; in a party's books, those of two
    /// commodities its books use.
    pub fn fixings(&self) -> Vec<&Fixing> {
        let chart = self.chart();
        self.store
            .fixings()
            .values()
            .filter(|f| {
                self.party.is_none()
                    || (chart.commodities.contains_key(&f.commodity)
                        && chart.commodities.contains_key(&f.rate.commodity))
            })
            .collect()
    }

    /// The statements, in the order recorded.
    pub fn statements(&self) -> Result<Vec<Statement>, StoreError> {
        let all = self.store.statements()?;
        Ok(match &self.party {
            Some(p) => all
                .into_iter()
                .filter_map(|s| statement_of(s, &p.code))
                .collect(),
            None => all,
        })
    }

    /// Every transaction of the books, in recorded order, lent one at a time (a party's side
    /// is made for each transaction it takes part in). The callback's errors come out as they
    /// are.
    pub fn for_each_txn<E: From<StoreError>>(
        &self,
        mut f: impl FnMut(&Transaction) -> Result<(), E>,
    ) -> Result<(), E> {
        let Some(p) = &self.party else {
            return self.store.scan_txns(|_, t| f(t));
        };
        let mine = |a: &str| party_of(a) == p.code;
        self.store
            .scan_txns_touching(mine, |_, t| match side_of(t, &p.code) {
                Some(side) => f(&side),
                None => Ok(()),
            })
    }

    /// Every transaction of the books, in recorded order, in memory: only for the rare
    /// ledger whose balances in date order a pass cannot sum exactly (see `dated.rs`).
    pub(super) fn transactions(&self) -> Result<Vec<Transaction>, StoreError> {
        let mut txns = Vec::new();
        self.for_each_txn(|t| -> Result<(), StoreError> {
            txns.push(t.clone());
            Ok(())
        })?;
        Ok(txns)
    }

    /// The comment lines under a peer file's header that say whose books these are; nothing
    /// for the whole ledger.
    pub(super) fn note(&self) -> String {
        match self.party() {
            None => String::new(),
            Some(p) => format!(
                "; {p}'s own books (gasledger export --party {p}), {p}'s postings only. No agreements;\n\
                 ; the tags agreement, leg and settles are written agreement-ref, leg-ref and\n\
                 ; settles-ref.\n"
            ),
        }
    }

    /// The store's path, for an error while writing.
    pub(super) fn path(&self) -> &std::path::Path {
        self.store.path()
    }
}
