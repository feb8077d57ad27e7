//! Reconciliation: every check of the books, each a small function over the store that
//! returns plain data ([`Check`] rows, each of a [`CheckKind`]). Rendering is in
//! `render::table`. A check that finds the books wrong says so in its rows; an error is only
//! what stops a check from running (an unreadable store, a sum beyond the exact range).

pub mod against;
pub mod books;
pub mod notice;
pub mod offsets;
pub mod parties;
pub mod statements;
pub mod swap;

use crate::model::amount;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::reports::table::Cell;
use crate::store::{Store, StoreError};
use rust_decimal::Decimal;
use thiserror::Error;

/// What stops a check from running.
#[derive(Debug, Error)]
pub enum CheckError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A sum beyond the exact range of a decimal, or a commodity the chart does not hold.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// The checks, in the order `reconcile` runs them; each names its rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CheckKind {
    TransactionBalance,
    JournalIntegrity,
    BalanceAssertion,
    MirroredObligation,
    Swap,
    SwapFee,
    OffsetTerms,
    OffsetClaim,
    OffsetDebt,
    OffsetLimit,
    /// A payment to the intermediary, for an assigned claim, on or after the assignment's
    /// notice.
    AssignmentNotice,
    Statement,
    StatementPair,
    PartyBalance,
    /// A party's books here against its books kept elsewhere (`reconcile --against`).
    Against,
}

impl CheckKind {
    /// The name a row carries in every output.
    pub fn name(self) -> &'static str {
        match self {
            CheckKind::TransactionBalance => "transaction-balance",
            CheckKind::JournalIntegrity => "journal-integrity",
            CheckKind::BalanceAssertion => "balance-assertion",
            CheckKind::MirroredObligation => "mirrored-obligation",
            CheckKind::Swap => "swap",
            CheckKind::SwapFee => "swap-fee",
            CheckKind::OffsetTerms => "offset-terms",
            CheckKind::OffsetClaim => "offset-claim",
            CheckKind::OffsetDebt => "offset-debt",
            CheckKind::OffsetLimit => "offset-limit",
            CheckKind::AssignmentNotice => "assignment-notice",
            CheckKind::Statement => "statement",
            CheckKind::StatementPair => "statement-pair",
            CheckKind::PartyBalance => "party-balance",
            CheckKind::Against => "against",
        }
    }
}

impl std::fmt::Display for CheckKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The outcome of one check on one subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    Ok,
    Mismatch,
    OutsideTolerance,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Mismatch => "mismatch",
            Status::OutsideTolerance => "outside-tolerance",
        }
    }
}

/// One row of the reconciliation: which check, on what, the figures, and whether it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub check: CheckKind,
    pub subject: String,
    pub expected: Cell,
    pub actual: Cell,
    pub difference: Cell,
    pub status: Status,
}

impl Check {
    /// A row with no figures: what was checked, and whether it holds.
    pub fn text(check: CheckKind, subject: String, status: Status) -> Check {
        Check {
            check,
            subject,
            expected: Cell::Text(String::new()),
            actual: Cell::Text(String::new()),
            difference: Cell::Text(String::new()),
            status,
        }
    }

    /// A comparison of two amounts at a scale; `Ok` when equal. A difference beyond the exact
    /// range of a decimal is an error, never a rounded figure.
    pub fn amounts(
        check: CheckKind,
        subject: String,
        expected: Decimal,
        actual: Decimal,
        scale: u32,
    ) -> Result<Check, LedgerError> {
        Check::compared(check, subject, (expected, actual, scale), |d| d.is_zero())
    }

    /// `actual` against the most it may be (`expected`): `Ok` while the difference
    /// (actual − expected, as in every row) is zero or below.
    pub fn within(
        check: CheckKind,
        subject: String,
        most: Decimal,
        actual: Decimal,
        scale: u32,
    ) -> Result<Check, LedgerError> {
        Check::compared(check, subject, (most, actual, scale), |d| {
            d <= Decimal::ZERO
        })
    }

    /// A row of figures (expected, actual, scale), its difference actual − expected, and
    /// whether the difference `holds`.
    fn compared(
        check: CheckKind,
        subject: String,
        (expected, actual, scale): (Decimal, Decimal, u32),
        holds: impl Fn(Decimal) -> bool,
    ) -> Result<Check, LedgerError> {
        let difference = amount::exact_sub(actual, expected, || {
            format!("the difference of {check} on {subject}")
        })
        .map_err(LedgerError::Amount)?;
        Ok(Check {
            check,
            subject,
            expected: Cell::Amount(expected, scale),
            actual: Cell::Amount(actual, scale),
            difference: Cell::Amount(difference, scale),
            status: if holds(difference) {
                Status::Ok
            } else {
                Status::Mismatch
            },
        })
    }
}

/// Every check, in their fixed order (integrity, assertions, obligations, swaps, offsets and
/// their notices, statements, each party's books).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciliation {
    pub checks: Vec<Check>,
}

impl Reconciliation {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.status == Status::Ok)
    }
    pub fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }
}

/// Run every check, in their fixed order: integrity, assertions, mirrored obligations, swaps,
/// offsets and their notices, statements, each party's books. `as_of` limits the books, statements and periods to that date.
pub fn reconcile(store: &Store, as_of: Option<Date>) -> Result<Reconciliation, CheckError> {
    let mut checks = books::integrity(store)?;
    checks.extend(books::assertions(store, as_of)?);
    let balances = match as_of {
        Some(d) => store.balances_as_of(d)?,
        None => store.balances()?,
    };
    checks.extend(books::mirrors(store, &balances)?);
    checks.extend(swap::check_swaps(store, as_of)?);
    checks.extend(offsets::check_offsets(store, as_of)?);
    checks.extend(notice::check_notices(store, as_of)?);
    checks.extend(statements::statements(store, as_of)?);
    checks.extend(parties::party_books(store, as_of)?);
    Ok(Reconciliation { checks })
}
