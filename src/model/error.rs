//! `LedgerError`, what the model refuses with, and `check_len`, the one check of a text
//! against its limit.

use crate::model::amount::{self, AmountError};
use crate::model::date::Date;
use crate::model::limits::{ACCOUNTS_MAX, POSTINGS_MAX, TAGS_MAX};
use crate::model::suggest::suggestion;
use crate::model::text::TextError;
use rust_decimal::Decimal;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LedgerError {
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error("transaction does not balance: {}", residuals.iter().map(|(c, v)| format!("{c} is off by {v}")).collect::<Vec<_>>().join(", "))]
    Unbalanced { residuals: Vec<(String, Decimal)> },
    #[error("a transaction needs at least two postings, found {found}")]
    TooFewPostings { found: usize },
    #[error("a transaction may have at most {POSTINGS_MAX} postings, found {found}")]
    TooManyPostings { found: usize },
    #[error("only one posting per transaction may leave its amount out; postings {first} and {second} both do")]
    TwoInferred { first: usize, second: usize },
    #[error("cannot infer the missing amount: the other postings leave {0} commodities unbalanced, not one")]
    AmbiguousInference(usize),
    #[error("cannot infer the missing amount: the other postings already balance")]
    NothingToInfer,
    #[error("account {name} is not declared{}", suggestion(nearest))]
    UndeclaredAccount {
        name: String,
        nearest: Option<String>,
    },
    #[error("account {name} is declared already")]
    AccountExists { name: String },
    #[error("invalid account name {name:?}: {why}")]
    BadAccountName { name: String, why: String },
    #[error(
        "party {code} of account {account} is not declared (declare it with `party add {code}`)"
    )]
    UndeclaredParty { code: String, account: String },
    #[error("party {code} is declared already")]
    PartyExists { code: String },
    #[error("invalid party code {code:?}: expected letters, digits, '-' or '_', no ':'")]
    BadPartyCode { code: String },
    #[error("commodity {code} is not declared{}", suggestion(nearest))]
    UnknownCommodity {
        code: String,
        nearest: Option<String>,
    },
    #[error("commodity {code} is declared already with kind {kind} and scale {scale}")]
    CommodityExists {
        code: String,
        kind: String,
        scale: u32,
    },
    #[error(
        "scale {scale} is too large: at most {} decimal places",
        amount::SCALE_MAX
    )]
    ScaleTooLarge { scale: u32 },
    #[error("posting to {account} would take it to {balance} {commodity}, below its floor of {floor} {commodity}")]
    BelowFloor {
        account: String,
        commodity: String,
        balance: Decimal,
        floor: Decimal,
    },
    #[error("balance assertion failed: {account} is {actual} {commodity}, asserted {asserted} {commodity} (difference {difference})")]
    AssertionFailed {
        account: String,
        commodity: String,
        asserted: Decimal,
        actual: Decimal,
        difference: Decimal,
    },
    #[error("a price must be in another commodity than the posting ({commodity} @ {commodity})")]
    PriceSameCommodity { commodity: String },
    #[error("a total price (@@) must not be negative")]
    NegativeTotalPrice,
    #[error("{what} is too long: {found} characters, at most {max}")]
    TooLong {
        what: &'static str,
        found: usize,
        max: usize,
    },
    #[error("too many accounts: a store holds at most {ACCOUNTS_MAX}")]
    TooManyAccounts,
    #[error("a transaction may have at most {TAGS_MAX} tags, found {found}")]
    TooManyTags { found: usize },
    #[error("invalid tag {found:?}: {why}")]
    BadTag { found: String, why: String },
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("statement of {party} at {date} claims {account} twice: one claim per account")]
    RepeatedClaim {
        party: String,
        date: Date,
        account: String,
    },
    #[error("agreement {name}: {why}")]
    BadAgreement { name: String, why: String },
    #[error("statement id {id} is recorded already with other content; use a new id")]
    StatementIdConflict { id: String },
    #[error("fixing {fixing}: {why}")]
    BadFixing { fixing: String, why: String },
    #[error("{commodity} is fixed already at {recorded} {quote} on {date}; a fixing is never changed (given {given} {quote})")]
    FixingConflict {
        commodity: String,
        quote: String,
        date: Date,
        recorded: Decimal,
        given: Decimal,
    },
}

/// `what` is at most `max` characters long.
pub(super) fn check_len(what: &'static str, s: &str, max: usize) -> Result<(), LedgerError> {
    // A string has at most as many characters as bytes: count only when it could be too long.
    if s.len() <= max {
        return Ok(());
    }
    let found = s.chars().count();
    if found > max {
        return Err(LedgerError::TooLong { what, found, max });
    }
    Ok(())
}
