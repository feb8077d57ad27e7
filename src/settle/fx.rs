//! Payments in another currency: X EUR paid to settle an obligation stated in USD, converted at
//! the fixing of the payment's date.
//!
//! What the payment settles is V = X × rate, **rounded once**, half-even, to the obligation's
//! scale ([`settled_of`], the one place it is rounded). Each party's books then hold:
//!
//! ```text
//! IQ:payable:TM        V USD    the debt shrinks by V
//! IQ:fx:exchange      -V USD    Iraq gave up V USD of debt...
//! IQ:fx:exchange       X EUR    ...for X EUR
//! IQ:cash             -X EUR    that left its cash
//! TM:cash              X EUR
//! TM:fx:exchange      -X EUR
//! TM:fx:exchange       V USD
//! TM:receivable:IQ    -V USD
//! ```
//!
//! Every party's postings balance in each commodity by themselves, without a price: nothing is
//! weighed at a rate, so nothing needs a rounding to balance, and the peers read the books as
//! they stand. `P:fx:exchange` (equity) is where the two currencies meet: its balance, X EUR
//! against −V USD, valued at the fixing is X × rate − V, the **exchange difference** of the
//! payment, exact to the last digit (it has more decimals than USD allows, which is why it is
//! never posted as an amount of USD: it is what the exchange account is worth at the fixing).
//! The transaction carries it in its tags (`settles: USD`, `rate: 1.05663 USD`,
//! `exchange-difference: 0.0007007 USD`), and the rulebook holds a transaction tagged
//! `settles:` to exactly these postings at the recorded fixing of its date.

use super::error::{fmt, sub, SettleError};
use super::obligations::{cash, payable, posting, receivable, Entry};
use crate::model::account::AccountType;
use crate::model::amount::{self, format_at_scale, Amount};
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::fixing::Fixing;
use crate::model::transaction::Transaction;
use rust_decimal::Decimal;

/// The tag that makes a transaction a payment in another currency, naming the obligation's.
pub const SETTLES_TAG: &str = "settles";
/// The fixing's rate, as a tag: `1.05663 USD`.
pub const RATE_TAG: &str = "rate";
/// X × rate − V, as a tag: `0.0007007 USD`.
pub const DIFFERENCE_TAG: &str = "exchange-difference";

/// `P:fx:exchange`: where a party's payments in another currency meet the obligations they
/// settle.
pub fn exchange_account(party: &str) -> String {
    format!("{party}:fx:exchange")
}

/// One payment converted: `paid` at `rate` (an amount of the obligation's commodity per unit)
/// is worth `exact`; it settles `settled` (`exact` rounded once to the obligation's scale);
/// `difference` = `exact` − `settled`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    pub paid: Amount,
    pub rate: Amount,
    pub fixing_date: Date,
    pub exact: Decimal,
    pub settled: Decimal,
    pub difference: Decimal,
    /// The scale of the obligation's commodity.
    pub scale: u32,
}

impl Exchange {
    /// The commodity of the obligation it settles.
    pub fn settles(&self) -> &str {
        &self.rate.commodity
    }
}

/// **The one place an obligation's amount is rounded**: what an exact conversion settles,
/// rounded half-even (banker's rounding, `Decimal::round_dp`) to the obligation's scale.
pub fn settled_of(exact: Decimal, scale: u32) -> Decimal {
    exact.round_dp(scale)
}

/// `paid` converted at `fixing` (which must be of `paid`'s commodity) into an obligation of
/// scale `scale`. The product is exact or an error; a payment that settles nothing once
/// rounded is refused.
pub fn exchange(paid: &Amount, fixing: &Fixing, scale: u32) -> Result<Exchange, SettleError> {
    let quote = &fixing.rate.commodity;
    let exact = amount::checked_mul(paid.value, fixing.rate.value, || {
        format!("{paid} at {} {quote}", fixing.rate.value)
    })
    .map_err(crate::model::error::LedgerError::from)?;
    let settled = settled_of(exact, scale);
    if settled <= Decimal::ZERO {
        return Err(SettleError::NotPositive {
            what: "what a payment settles",
            value: format_at_scale(exact, scale),
            commodity: quote.clone(),
        });
    }
    let difference = sub(exact, settled, "an exchange difference")?;
    Ok(Exchange {
        paid: paid.clone(),
        rate: fixing.rate.clone(),
        fixing_date: fixing.date,
        exact,
        settled,
        difference,
        scale,
    })
}

/// The six accounts of a payment in another currency, with their types.
pub fn fx_payment_accounts(from: &str, to: &str) -> [(String, AccountType); 6] {
    [
        (payable(from, to), AccountType::Liability),
        (exchange_account(from), AccountType::Equity),
        (cash(from), AccountType::Asset),
        (cash(to), AccountType::Asset),
        (exchange_account(to), AccountType::Equity),
        (receivable(to, from), AccountType::Asset),
    ]
}

/// `pay --amount "X EUR" --settles USD`: the postings of the module's documentation, tagged
/// with the obligation's commodity, the rate and the exchange difference.
pub fn fx_payment_transaction(from: &str, to: &str, x: &Exchange, e: &Entry) -> Transaction {
    let (v, s) = (x.settled, x.settles());
    let (paid, c) = (x.paid.value, x.paid.commodity.as_str());
    let mut t = e.transaction(
        format!("Payment: {from} pays {to} in {c}, settling {s}"),
        vec![
            posting(&payable(from, to), v, s),
            posting(&exchange_account(from), -v, s),
            posting(&exchange_account(from), paid, c),
            posting(&cash(from), -paid, c),
            posting(&cash(to), paid, c),
            posting(&exchange_account(to), -paid, c),
            posting(&exchange_account(to), v, s),
            posting(&receivable(to, from), -v, s),
        ],
    );
    t.tags = tags(x);
    t
}

/// The tags of a payment in another currency.
fn tags(x: &Exchange) -> Vec<(String, String)> {
    let s = x.settles();
    vec![
        (SETTLES_TAG.into(), s.to_string()),
        (RATE_TAG.into(), format!("{} {s}", x.rate.value)),
        (
            DIFFERENCE_TAG.into(),
            format!("{} {s}", format_at_scale(x.difference, x.scale)),
        ),
    ]
}

/// The sentence a command prints of a conversion: "1,234,567.89 EUR at 1.05663 USD (fixing of
/// 2022-09-30) = 1,304,482.1707007 USD, settles 1,304,482.17 USD, exchange difference
/// 0.0007007 USD".
pub fn describe(chart: &Chart, x: &Exchange) -> String {
    let s = x.settles();
    format!(
        "{} {} at {} {s} (fixing of {}) = {} {s}, settles {} {s}, exchange difference {} {s}",
        super::format_grouped(chart, x.paid.value, &x.paid.commodity),
        x.paid.commodity,
        x.rate.value,
        x.fixing_date,
        amount::format_grouped(x.exact, x.scale),
        super::format_grouped(chart, x.settled, s),
        format_at_scale(x.difference, x.scale),
    )
}

/// Refuse `t`, tagged `settles:`, unless it is exactly the payment [`fx_payment_transaction`]
/// writes at the fixing `fixing_of` gives for its commodities and date (with the scale of the
/// obligation's commodity). Returns why not.
pub fn check_fx_payment(
    t: &Transaction,
    fixing_of: impl Fn(&str, &str, Date) -> Option<(Fixing, u32)>,
) -> Result<(), String> {
    let settles = t.tag(SETTLES_TAG).unwrap_or_default();
    let (from, to) = parties_of(t, settles)?;
    let paid = t
        .postings
        .iter()
        .filter(|p| p.account == cash(&from))
        .filter_map(|p| p.amount.as_ref())
        .find(|a| a.commodity != settles && a.value.is_sign_negative())
        .map(Amount::neg)
        .ok_or_else(|| {
            format!(
                "{from} pays from {}: expected a posting there in another commodity than {settles}",
                cash(&from)
            )
        })?;
    let (fixing, scale) = fixing_of(&paid.commodity, settles, t.date).ok_or_else(|| {
        format!(
            "no fixing of {} in {settles} on {} is recorded (a P directive before it, or \
             `price add`)",
            paid.commodity, t.date
        )
    })?;
    let x = exchange(&paid, &fixing, scale).map_err(|e| e.to_string())?;
    let expected = fx_payment_transaction(&from, &to, &x, &Entry::at(t.date));
    if postings_key(t) != postings_key(&expected) {
        return Err(format!(
            "{paid} at the fixing of {} ({} {settles}) settles {} {settles}: expected exactly \
             the postings `pay --settles` writes ({})",
            t.date,
            fixing.rate.value,
            format_at_scale(x.settled, scale),
            expected
                .postings
                .iter()
                .filter_map(|p| p.amount.as_ref().map(|a| format!("{} {a}", p.account)))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for (k, v) in tags(&x) {
        if let Some(given) = t.tag(&k).filter(|g| *g != v) {
            return Err(format!("the tag {k}: {given} should be {k}: {v}"));
        }
    }
    Ok(())
}

/// The debtor and creditor of the obligation a payment in another currency settles: from its
/// posting on `C:receivable:D` in `settles`.
fn parties_of(t: &Transaction, settles: &str) -> Result<(String, String), String> {
    t.postings
        .iter()
        .filter(|p| p.amount.as_ref().is_some_and(|a| a.commodity == settles))
        .find_map(|p| {
            let mut parts = p.account.split(':');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(c), Some("receivable"), Some(d)) => Some((d.to_string(), c.to_string())),
                _ => None,
            }
        })
        .ok_or_else(|| {
            format!(
                "it settles {settles}, but no posting in {settles} is on a C:receivable:D account"
            )
        })
}

/// A transaction's postings as a sorted list, for comparing with another's: (account,
/// commodity, amount); a posting with a price or without an amount never matches.
fn postings_key(t: &Transaction) -> Vec<(String, String, Decimal, bool)> {
    let mut out: Vec<_> = t
        .postings
        .iter()
        .map(|p| {
            let a = p
                .amount
                .clone()
                .unwrap_or_else(|| Amount::new(Decimal::ZERO, ""));
            (p.account.clone(), a.commodity, a.value, p.price.is_some())
        })
        .collect();
    out.sort();
    out
}

/// The refusal of a payment in another currency when no fixing of its date is recorded: names
/// the latest one before it, if any.
pub fn no_fixing(
    chart: &Chart,
    paid: &Amount,
    settles: &str,
    date: Date,
    before: Option<&Fixing>,
) -> SettleError {
    SettleError::NoFixing {
        commodity: paid.commodity.clone(),
        quote: settles.to_string(),
        date,
        amount: fmt(chart, paid.value, &paid.commodity),
        latest: before.map(|f| {
            format!(
                "; the latest before it is {} ({} {settles})",
                f.date, f.rate.value
            )
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn fixing(rate: &str) -> Fixing {
        Fixing {
            date: Date::from_str("2022-09-30").unwrap(),
            commodity: "EUR".into(),
            rate: Amount::new(d(rate), "USD"),
        }
    }

    fn x(paid: &str, rate: &str) -> Exchange {
        exchange(&Amount::new(d(paid), "EUR"), &fixing(rate), 2).unwrap()
    }

    #[test]
    fn the_obligation_is_rounded_once_half_even_and_the_difference_is_exact() {
        let a = x("1234567.89", "1.05663");
        assert_eq!(a.exact, d("1304481.4696107"));
        assert_eq!(a.settled, d("1304481.47"));
        assert_eq!(a.difference, d("-0.0003893"));
        // Ties go to the even cent: 0.105 → 0.10, 0.315 → 0.32.
        assert_eq!(
            (x("0.10", "1.05").settled, x("0.10", "1.05").difference),
            (d("0.10"), d("0.005"))
        );
        assert_eq!(
            (x("0.30", "1.05").settled, x("0.30", "1.05").difference),
            (d("0.32"), d("-0.005"))
        );
        // What rounds to nothing settles nothing.
        let e = exchange(&Amount::new(d("0.01"), "EUR"), &fixing("0.0001"), 2).unwrap_err();
        assert!(e.to_string().contains("must be positive"), "{e}");
    }

    #[test]
    fn a_payment_tagged_settles_is_held_to_its_fixing() {
        let ex = x("1234567.89", "1.05663");
        let t = fx_payment_transaction("IQ", "TM", &ex, &Entry::at(ex.fixing_date));
        let known = |c: &str, q: &str, day: Date| {
            (c == "EUR" && q == "USD" && day == ex.fixing_date).then(|| (fixing("1.05663"), 2))
        };
        assert_eq!(check_fx_payment(&t, known), Ok(()));
        let none = |_: &str, _: &str, _: Date| None;
        assert!(check_fx_payment(&t, none)
            .unwrap_err()
            .contains("no fixing of EUR in USD"));
        let mut off = t.clone();
        off.postings[0].amount = Some(Amount::new(d("1304481.48"), "USD"));
        off.postings[1].amount = Some(Amount::new(d("-1304481.48"), "USD"));
        assert!(check_fx_payment(&off, known)
            .unwrap_err()
            .contains("settles 1304481.47 USD"));
        let mut tagged = t.clone();
        tagged.tags[1].1 = "1.0567 USD".into();
        assert!(check_fx_payment(&tagged, known)
            .unwrap_err()
            .contains("should be rate: 1.05663 USD"));
    }
}
