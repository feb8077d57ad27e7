//! Swap agreements, as pure domain: the terms, parsed and validated from an agreement's raw
//! fields (`terms.rs`); the fee in kind (`fee.rs`); the transaction of one entry or exit leg, and
//! a leg read back out of a transaction (`legs.rs`); and the per-period arithmetic over legs
//! given as data (`periods.rs`). Reading the legs from the store and the swap report are in
//! `crate::reports::swap`; recording a leg in `crate::ops::swap`; reconciliation check 5 in
//! `crate::checks::swap`.
//!
//! A swap: the supplier delivers gas into the hub at entry points; the hub delivers the
//! equivalent, less a fee it keeps in kind, to the receiver at exit points. Account names follow
//! from the agreement, and every leg writes each party's side, so that each party's own books
//! balance ([`SwapTerms::leg_accounts`]):
//!
//! - An entry leg of V with fee F: the hub `HUB:swap:NAME +V` (the gas in its system),
//!   `HUB:due-to:SUPPLIER -(V-F)` (its duty in kind), `HUB:fee:NAME -F` (its revenue); the
//!   supplier `SUPPLIER:gas:delivered -V`, `SUPPLIER:due-from:HUB +(V-F)` (its claim in kind),
//!   `SUPPLIER:expense:fee:NAME +F` (its cost).
//! - An exit leg of V: the receiver `RECEIVER:gas:received +V`, `RECEIVER:due-to:SUPPLIER -V`;
//!   the hub `HUB:swap:NAME -V`, `HUB:due-to:SUPPLIER +V`; the supplier
//!   `SUPPLIER:due-from:HUB -V`, `SUPPLIER:due-from:RECEIVER +V`.
//!
//! On a leg fee basis F = V × fee rate, rounded half-even to the commodity's scale ([`fee_of`],
//! the one place a swap amount is rounded); on a period basis (the default) F is the fee of the
//! period's entry with the leg less the fee without it, so a period's fees add up to its entry's
//! fee rounded once. Legs are tagged `agreement`, `leg`, `point`.
//!
//! Per settlement period (or per fiscal year, `fiscal_years`): entry = Σ entry legs, fee = Σ
//! the fees the entry legs booked, exit = Σ exit legs, imbalance = entry − fee − exit,
//! cumulative = the running sum, `outside-tolerance` when |imbalance| > tolerance × entry;
//! beside them, the fee the terms call for.
//!
//! Invariant: nothing here prints, reads the store or builds a table, and no float is ever
//! involved; every sum is checked.

mod fee;
mod legs;
mod periods;
mod terms;
#[cfg(test)]
mod tests;

pub use fee::fee_of;
pub use legs::{leg_of, read_leg, Leg, LegRequest, LegTransaction};
pub use periods::{fiscal_years, periods, Period, PeriodRow, SwapStatus};
pub use terms::{
    format_percent, parse_percent, side_of, terms, Basis, FeeBasis, Side, SwapTerms, FIELDS,
    POINTS_MAX,
};

use crate::model::amount::AmountError;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::model::fiscal::FiscalError;
use crate::model::units::UnitError;
use rust_decimal::Decimal;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SwapError {
    /// The agreement's terms are invalid.
    #[error("agreement {name}: {message}")]
    Terms { name: String, message: String },
    #[error("no agreement named {name}{}", suggestion(nearest))]
    UnknownAgreement {
        name: String,
        nearest: Option<String>,
    },
    #[error("agreement {name} is of kind {kind}, not a swap")]
    NotASwap { name: String, kind: String },
    #[error("agreement {agreement} has no {side} point {point:?} (its {side} points: {})", known.join(", "))]
    UnknownPoint {
        agreement: String,
        side: Side,
        point: String,
        known: Vec<String>,
    },
    #[error("agreement {agreement} has {} {side} points ({}): say which with --point", known.len(), known.join(", "))]
    PointRequired {
        agreement: String,
        side: Side,
        known: Vec<String>,
    },
    #[error("a leg dated {date} is before agreement {agreement} starts ({start})")]
    BeforeStart {
        agreement: String,
        date: Date,
        start: Date,
    },
    #[error("a leg's volume must be positive, found {found}")]
    NotPositive { found: String },
    #[error("a leg of {given} cannot be recorded under agreement {agreement}, whose commodity is {commodity}: {why}")]
    WrongCommodity {
        agreement: String,
        given: String,
        commodity: String,
        why: String,
    },
    #[error("{given} is exactly {exact} {code}, which has more decimal places than the {scale} that {code} allows; a leg is never rounded")]
    NotAtScale {
        given: String,
        exact: Decimal,
        code: String,
        scale: u32,
    },
    #[error("{0}; a leg is never rounded")]
    NotExact(UnitError),
    #[error("agreement {agreement} is on an energy basis: give each leg's gross calorific value with --gcv (MJ per m3)")]
    GcvRequired { agreement: String },
    #[error("the gross calorific value must be a positive number of MJ per m3, found {found:?}")]
    BadGcv { found: String },
    #[error(transparent)]
    Fiscal(#[from] FiscalError),
    #[error(transparent)]
    Unit(#[from] UnitError),
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

use crate::model::suggest::suggestion;
