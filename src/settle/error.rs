//! The settlement error, and the checked arithmetic and formatting its messages use.

use crate::model::amount::{self, format_at_scale, AmountError};
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use rust_decimal::Decimal;
use thiserror::Error;

/// Why a settlement command, an offset agreement or a netting is refused.
#[derive(Debug, Error)]
pub enum SettleError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(
        "party {code} is not declared{} (declare it with `party add {code}`)",
        suggest(nearest)
    )]
    UndeclaredParty {
        code: String,
        nearest: Option<String>,
    },
    #[error("{role} and {other_role} must be different parties, both are {code}")]
    SameParty {
        role: &'static str,
        other_role: &'static str,
        code: String,
    },
    #[error("{what} must be positive, found {value} {commodity}")]
    NotPositive {
        what: &'static str,
        value: String,
        commodity: String,
    },
    #[error("{debtor} owes {creditor} {owed} {commodity}; cannot pay {amount} {commodity} (on {date}, counting what is owed at every later date)")]
    Overpay {
        debtor: String,
        creditor: String,
        commodity: String,
        owed: String,
        amount: String,
        date: Date,
    },
    /// A payment to the intermediary, after the notice of the assignment of its claim, beyond
    /// what the debtor still owes it.
    #[error("{0}")]
    AssignedAfterNotice(Box<AfterNotice>),
    #[error("no agreement named {name}{}", suggest(nearest))]
    NoAgreement {
        name: String,
        nearest: Option<String>,
    },
    #[error("agreement {name}: {why}")]
    BadAgreement { name: String, why: String },
    #[error("agreement {name} is {} agreement, not a sale", article(kind))]
    NotASale { name: String, kind: String },
    #[error("delivery under {agreement} refused: {why}")]
    BadDelivery { agreement: String, why: String },
    #[error("offset {agreement} of {amount} {commodity} refused: {}", reasons.join("; "))]
    OffsetRefused {
        agreement: String,
        amount: String,
        commodity: String,
        reasons: Vec<String>,
    },
    #[error("cannot net {commodity}: {account} + {mirror} = {sum}, not zero (reconcile shows every mirrored pair; correct it first)")]
    MirrorBroken {
        commodity: String,
        account: String,
        mirror: String,
        sum: String,
    },
    #[error("no fixing of {commodity} in {quote} on {date} to convert {amount} {commodity} at: a payment settles at the fixing of its own date (record it with `price add {commodity} --date {date} --rate \"RATE {quote}\"`){}", latest.as_deref().unwrap_or(""))]
    NoFixing {
        commodity: String,
        quote: String,
        date: Date,
        amount: String,
        latest: Option<String>,
    },
    #[error("net positions in {commodity} sum to {sum}, not zero")]
    Unbalanced { commodity: String, sum: String },
}

use crate::model::suggest::suggestion as suggest;

/// "a swap", "an offset": a kind with its article.
fn article(kind: &str) -> String {
    match kind.chars().next() {
        Some('a' | 'e' | 'i' | 'o' | 'u') => format!("an {kind}"),
        _ => format!("a {kind}"),
    }
}

/// What a payment to the old creditor after the notice of an assignment meets: the debtor
/// owes the intermediary `owed` at `date`, less than `amount`, and the rest was assigned to
/// the creditor under `agreement`, notified on `notice`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfterNotice {
    pub debtor: String,
    pub via: String,
    pub creditor: String,
    pub agreement: String,
    pub notice: Date,
    pub owed: String,
    pub amount: String,
    pub commodity: String,
    pub date: Date,
}

impl std::fmt::Display for AfterNotice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (d, v, c, x) = (&self.debtor, &self.via, &self.creditor, &self.commodity);
        write!(
            f,
            "{d} owes {v} {} {x} on {}; cannot pay it {} {x}: {v}'s claim on {d} was assigned \
             to {c} under {}, notified to {d} on {}, and from then {d} is discharged only by \
             paying {c}",
            self.owed, self.date, self.amount, self.agreement, self.notice
        )
    }
}

/// A sum beyond the exact range, naming what was summed.
pub(crate) fn overflow(what: impl Into<String>) -> SettleError {
    SettleError::Ledger(LedgerError::Amount(AmountError::Overflow {
        what: what.into(),
    }))
}

/// `a + b`, exactly, or an overflow naming `what`.
pub(crate) fn add(a: Decimal, b: Decimal, what: &str) -> Result<Decimal, SettleError> {
    amount::exact_add(a, b, String::new).map_err(|_| overflow(what))
}

/// `a - b`, exactly, or an overflow naming `what`.
pub(crate) fn sub(a: Decimal, b: Decimal, what: &str) -> Result<Decimal, SettleError> {
    amount::exact_sub(a, b, String::new).map_err(|_| overflow(what))
}

/// The scale of a commodity the caller has checked against the chart; an undeclared one is an
/// error, never scale 0.
pub(crate) fn scale_of(chart: &Chart, code: &str) -> Result<u32, SettleError> {
    Ok(chart.scale_of(code)?)
}

/// `value` at its commodity's scale, for messages.
pub(crate) fn fmt(chart: &Chart, value: Decimal, code: &str) -> String {
    format_at_scale(value, message_scale(chart, code))
}

/// `amount::format_grouped` at a commodity's scale (for sentences meant for people).
pub fn format_grouped(chart: &Chart, value: Decimal, commodity: &str) -> String {
    amount::format_grouped(value, message_scale(chart, commodity))
}

/// The scale a sentence pads an amount to: its commodity's, or none where the commodity is not
/// declared (formatting pads and never cuts, so the figure is exact either way). Figures in
/// tables and checks use [`scale_of`], which refuses an undeclared commodity.
fn message_scale(chart: &Chart, code: &str) -> u32 {
    chart.commodities.get(code).map_or(0, |c| c.scale)
}
