//! Sale agreements: the terms, parsed and validated from an agreement's raw fields
//! ([`sale_terms`], for import and `agreement add` alike), the accounts a delivery and an
//! interest charge post to, and the invoice of a delivery: quantity × price, rounded once.
//!
//! ```text
//! agreement tm-ir-2013
//!     kind       sale
//!     seller     TM
//!     buyer      IR
//!     commodity  mcm
//!     price      109000.00 USD
//!     due-days   30
//!     interest   6%
//!     day-count  act/365
//! ```

use super::error::SettleError;
use super::interest::DayCount;
use super::obligations::{origin_accounts, payable, receivable};
use super::validate::{check_distinct, check_party};
use crate::model::account::AccountType;
use crate::model::agreement::{Agreement, AgreementKind};
use crate::model::amount::{self, format_at_scale, parse_amount, Commodity, Kind};
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::percent::{format_percent, parse_percent};
use crate::model::suggest;
use rust_decimal::Decimal;

/// The fields a sale agreement may hold; anything else is refused.
pub const SALE_FIELDS: [&str; 8] = [
    "kind",
    "seller",
    "buyer",
    "commodity",
    "price",
    "due-days",
    "interest",
    "day-count",
];

/// The longest term of payment, in days (ten years and their leap days).
pub const DUE_DAYS_MAX: u32 = 3653;

/// The most decimal places a price may have (a price per m3 may need more than the money's).
pub const PRICE_DECIMALS_MAX: u32 = 10;

/// The most decimal places an interest rate may have, as a fraction (`6.125%` is 0.06125).
pub const RATE_DECIMALS_MAX: u32 = 10;

/// The terms of a sale: the seller delivers the commodity to the buyer at `price` per unit,
/// invoiced on delivery and due `due_days` later; arrears bear interest at `interest` a year,
/// counted by `day_count`, when the agreement charges any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleTerms {
    pub name: String,
    pub seller: String,
    pub buyer: String,
    /// What is sold: a volume or energy commodity.
    pub commodity: Commodity,
    /// The price of one unit of `commodity`, in `money`.
    pub price: Decimal,
    pub money: Commodity,
    pub due_days: u32,
    /// The yearly rate on arrears as a fraction (6% is 0.06); `None`: no interest.
    pub interest: Option<Decimal>,
    pub day_count: DayCount,
}

/// A delivery's invoice: the quantity, its exact value at the price, the amount invoiced (that
/// value rounded half-even once to the money's scale) and the day it is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invoice {
    pub quantity: Decimal,
    pub exact: Decimal,
    pub amount: Decimal,
    pub due: Date,
}

impl Invoice {
    /// Whether the amount invoiced differs from the exact value (it was rounded).
    pub fn rounded(&self) -> bool {
        self.exact != self.amount
    }
}

impl SaleTerms {
    /// What the buyer owes the seller: `SELLER:receivable:BUYER`.
    pub fn receivable(&self) -> String {
        receivable(&self.seller, &self.buyer)
    }
    /// Its mirror in the buyer's books: `BUYER:payable:SELLER`.
    pub fn payable(&self) -> String {
        payable(&self.buyer, &self.seller)
    }
    /// The seller's revenue from the gas sold (as `debt add`'s): `SELLER:revenue:gas`.
    pub fn revenue(&self) -> String {
        origin_accounts(&self.buyer, &self.seller).0
    }
    /// The gas out of the seller's system (as a swap supplier's): `SELLER:gas:delivered`.
    pub fn delivered(&self) -> String {
        format!("{}:gas:delivered", self.seller)
    }
    /// The cost of the gas sold, in kind, in the seller's books: `SELLER:expense:gas-sold`.
    pub fn cost_of_sales(&self) -> String {
        format!("{}:expense:gas-sold", self.seller)
    }
    /// The gas into the buyer's system, at its cost: `BUYER:gas:received`.
    pub fn received(&self) -> String {
        format!("{}:gas:received", self.buyer)
    }
    /// The six accounts of a delivery, with their types.
    pub fn delivery_accounts(&self) -> [(String, AccountType); 6] {
        [
            (self.receivable(), AccountType::Asset),
            (self.revenue(), AccountType::Revenue),
            (self.delivered(), AccountType::Asset),
            (self.cost_of_sales(), AccountType::Expense),
            (self.received(), AccountType::Asset),
            (self.payable(), AccountType::Liability),
        ]
    }
    /// The seller's revenue from interest: `SELLER:revenue:interest`.
    pub fn interest_revenue(&self) -> String {
        format!("{}:revenue:interest", self.seller)
    }
    /// The buyer's cost of interest: `BUYER:expense:interest`.
    pub fn interest_expense(&self) -> String {
        format!("{}:expense:interest", self.buyer)
    }
    /// The four accounts of an interest charge, with their types.
    pub fn interest_accounts(&self) -> [(String, AccountType); 4] {
        [
            (self.receivable(), AccountType::Asset),
            (self.interest_revenue(), AccountType::Revenue),
            (self.interest_expense(), AccountType::Expense),
            (self.payable(), AccountType::Liability),
        ]
    }

    /// **The one place an invoice is rounded**: the invoice of `quantity` delivered on `date`:
    /// quantity × price exactly, rounded half-even once to the money's scale; due `due_days`
    /// later. Refused when the quantity is not positive or beyond the commodity's scale, when
    /// the amount rounds to nothing, or past the calendar.
    pub fn invoice(&self, date: Date, quantity: Decimal) -> Result<Invoice, SettleError> {
        let bad = |why: String| SettleError::BadDelivery {
            agreement: self.name.clone(),
            why,
        };
        self.commodity
            .check_scale(quantity)
            .map_err(|e| bad(e.to_string()))?;
        if quantity <= Decimal::ZERO {
            return Err(bad(format!(
                "the volume delivered must be positive, found {} {}",
                self.commodity.format(quantity),
                self.commodity.code
            )));
        }
        let exact = amount::checked_mul(quantity, self.price, || {
            format!("{quantity} {} × {}", self.commodity.code, self.price)
        })
        .map_err(|e| bad(e.to_string()))?;
        let amount = exact.round_dp(self.money.scale);
        if amount <= Decimal::ZERO {
            return Err(bad(format!(
                "{} {} at {} {} comes to {} {}, nothing to invoice",
                self.commodity.format(quantity),
                self.commodity.code,
                self.price,
                self.money.code,
                self.money.format(amount),
                self.money.code
            )));
        }
        let due = date.add_days(i64::from(self.due_days)).ok_or_else(|| {
            bad(format!(
                "{date} + {} days is past 9999-12-31",
                self.due_days
            ))
        })?;
        Ok(Invoice {
            quantity,
            exact,
            amount,
            due,
        })
    }

    /// The terms in one sentence, for people.
    pub fn describe(&self) -> String {
        format!(
            "sale agreement {}: {} sells {} to {} at {} {} per {}, due {} days after delivery{}",
            self.name,
            self.seller,
            self.commodity.code,
            self.buyer,
            amount::format_grouped(self.price, self.price.scale().max(self.money.scale)),
            self.money.code,
            self.commodity.code,
            self.due_days,
            match self.interest {
                Some(r) => format!(
                    "; arrears bear {} a year ({})",
                    format_percent(r),
                    self.day_count
                ),
                None => "; no interest on arrears".into(),
            }
        )
    }
}

/// Whether an agreement is a sale (`kind sale`).
pub fn is_sale(a: &Agreement) -> bool {
    a.kind() == Some(AgreementKind::Sale)
}

/// Read and validate a sale agreement's fields against the chart: every field known and given
/// once; seller and buyer declared and distinct; the commodity declared, of kind volume or
/// energy; the price a positive amount of a declared money commodity; the term of payment a
/// whole number of days; the interest a percentage, and the day count one of `act/365`,
/// `act/360`, `30/360` (only with an interest, `act/365` when left out).
pub fn sale_terms(a: &Agreement, chart: &Chart) -> Result<SaleTerms, SettleError> {
    let bad = |why: String| SettleError::BadAgreement {
        name: a.name.clone(),
        why,
    };
    check_fields(a).map_err(bad)?;
    let field = |k: &str| {
        a.field(k)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| bad(format!("a sale needs the field {k}")))
    };
    let (seller, buyer) = (field("seller")?, field("buyer")?);
    check_party(chart, seller).map_err(|e| bad(e.to_string()))?;
    check_party(chart, buyer).map_err(|e| bad(e.to_string()))?;
    check_distinct(("the seller", seller), ("the buyer", buyer)).map_err(|e| bad(e.to_string()))?;
    let commodity = goods(chart, field("commodity")?).map_err(bad)?;
    let (price, money) = price_of(chart, field("price")?).map_err(bad)?;
    let due_days = due_days_of(field("due-days")?).map_err(bad)?;
    let (interest, day_count) = interest_of(a).map_err(bad)?;
    Ok(SaleTerms {
        name: a.name.clone(),
        seller: seller.to_string(),
        buyer: buyer.to_string(),
        commodity,
        price,
        money,
        due_days,
        interest,
        day_count,
    })
}

/// Every field known and given once, and the kind `sale`; otherwise why not.
fn check_fields(a: &Agreement) -> Result<(), String> {
    for (i, (k, _)) in a.fields.iter().enumerate() {
        if !SALE_FIELDS.contains(&k.as_str()) {
            let known: Vec<String> = SALE_FIELDS.iter().map(|s| s.to_string()).collect();
            let hint = suggest::suggestion(&suggest::nearest(k, known.iter()));
            return Err(format!(
                "unknown field {k:?} for a sale{hint}; expected {}",
                SALE_FIELDS.join(", ")
            ));
        }
        if a.fields[..i].iter().any(|(seen, _)| seen == k) {
            return Err(format!("field {k} is given twice"));
        }
    }
    if !is_sale(a) {
        return Err(format!(
            "expected kind sale, found {:?}",
            a.field("kind").unwrap_or("")
        ));
    }
    Ok(())
}

/// The commodity sold: declared, gas by volume or by energy.
fn goods(chart: &Chart, code: &str) -> Result<Commodity, String> {
    let c = chart.commodity(code).map_err(|e| e.to_string())?;
    if !matches!(c.kind, Kind::Volume | Kind::Energy) {
        return Err(format!(
            "the commodity sold must be of kind volume or energy; {code} is of kind {}",
            c.kind
        ));
    }
    Ok(c.clone())
}

/// The price: "NUMBER CODE", positive, in a declared money commodity, with at most
/// [`PRICE_DECIMALS_MAX`] decimal places.
fn price_of(chart: &Chart, text: &str) -> Result<(Decimal, Commodity), String> {
    let p = parse_amount(text).map_err(|e| {
        format!("price {text:?}: {e} (expected the price of one unit, e.g. \"109000 USD\")")
    })?;
    let money = chart.commodity(&p.commodity).map_err(|e| e.to_string())?;
    if money.kind != Kind::Money {
        return Err(format!(
            "the price must be in a money commodity; {} is of kind {}",
            money.code, money.kind
        ));
    }
    if p.value <= Decimal::ZERO {
        return Err(format!("the price must be positive, found {text}"));
    }
    if p.value.scale() > PRICE_DECIMALS_MAX {
        return Err(format!(
            "the price {text} has more than {PRICE_DECIMALS_MAX} decimal places"
        ));
    }
    Ok((p.value, money.clone()))
}

/// The term of payment: a whole number of days, 0 to [`DUE_DAYS_MAX`].
fn due_days_of(text: &str) -> Result<u32, String> {
    let days = text
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| text.parse::<u32>().ok())
        .flatten()
        .filter(|d| *d <= DUE_DAYS_MAX);
    days.ok_or_else(|| {
        format!("due-days {text:?} is not a whole number of days from 0 to {DUE_DAYS_MAX}")
    })
}

/// The interest rate and its day count; a day count without an interest is refused.
fn interest_of(a: &Agreement) -> Result<(Option<Decimal>, DayCount), String> {
    let rate = match a.field("interest").map(str::trim) {
        None => None,
        Some(t) => {
            let r = parse_percent(t).map_err(|e| format!("interest {e}"))?;
            if r.scale() > RATE_DECIMALS_MAX {
                return Err(format!("interest {t} has too many decimal places"));
            }
            Some(r)
        }
    };
    let day_count = match a.field("day-count").map(str::trim) {
        None => DayCount::default(),
        Some(_) if rate.is_none() => {
            return Err("a day-count applies to an interest: give interest too".into())
        }
        Some(w) => DayCount::parse(w)
            .ok_or_else(|| format!("day-count {w:?} is not one of act/365, act/360, 30/360"))?,
    };
    Ok((rate, day_count))
}

/// The values of a sale agreement given on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SaleArgs<'a> {
    pub seller: &'a str,
    pub buyer: &'a str,
    pub commodity: &'a str,
    /// "NUMBER CODE".
    pub price: &'a str,
    pub due_days: u32,
    pub interest: Option<&'a str>,
    pub day_count: Option<DayCount>,
}

/// A sale agreement built from command-line values (`agreement add --kind sale`), validated by
/// [`sale_terms`] like the directive; the price is written at its money's scale, and the day
/// count is written out whenever there is an interest.
pub fn sale_agreement(
    chart: &Chart,
    name: &str,
    args: &SaleArgs<'_>,
) -> Result<(Agreement, SaleTerms), SettleError> {
    let price = match parse_amount(args.price) {
        Ok(p) => match chart.commodities.get(&p.commodity) {
            Some(c) => format!(
                "{} {}",
                format_at_scale(p.value, c.scale.max(p.value.scale())),
                p.commodity
            ),
            None => args.price.to_string(),
        },
        Err(_) => args.price.to_string(),
    };
    let mut fields = vec![
        ("kind".to_string(), AgreementKind::Sale.to_string()),
        ("seller".into(), args.seller.into()),
        ("buyer".into(), args.buyer.into()),
        ("commodity".into(), args.commodity.into()),
        ("price".into(), price),
        ("due-days".into(), args.due_days.to_string()),
    ];
    if let Some(rate) = args.interest {
        fields.push(("interest".into(), rate.into()));
        let dc = args.day_count.unwrap_or_default();
        fields.push(("day-count".into(), dc.name().into()));
    } else if let Some(dc) = args.day_count {
        fields.push(("day-count".into(), dc.name().into()));
    }
    let a = Agreement {
        name: name.to_string(),
        fields,
    };
    let terms = sale_terms(&a, chart)?;
    Ok((a, terms))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::account::Party;
    use std::str::FromStr;

    fn chart() -> Chart {
        let mut c = Chart::default();
        for p in ["TM", "IR"] {
            c.parties.insert(
                p.into(),
                Party {
                    code: p.into(),
                    name: None,
                },
            );
        }
        for (code, kind, scale) in [("USD", Kind::Money, 2), ("mcm", Kind::Volume, 3)] {
            c.commodities.insert(
                code.into(),
                Commodity {
                    code: code.into(),
                    kind,
                    scale,
                },
            );
        }
        c
    }

    fn args(price: &'static str) -> SaleArgs<'static> {
        SaleArgs {
            seller: "TM",
            buyer: "IR",
            commodity: "mcm",
            price,
            due_days: 30,
            interest: Some("6%"),
            day_count: None,
        }
    }

    #[test]
    fn the_command_writes_the_directive_with_its_defaults() {
        let (a, t) = sale_agreement(&chart(), "s", &args("109000 USD")).unwrap();
        let fields: Vec<String> = a.fields.iter().map(|(k, v)| format!("{k} {v}")).collect();
        assert_eq!(
            fields,
            [
                "kind sale",
                "seller TM",
                "buyer IR",
                "commodity mcm",
                "price 109000.00 USD",
                "due-days 30",
                "interest 6%",
                "day-count act/365"
            ]
        );
        assert_eq!(t.interest, Some(Decimal::from_str("0.06").unwrap()));
        assert_eq!(sale_terms(&a, &chart()).unwrap(), t);
    }

    #[test]
    fn an_invoice_is_the_exact_product_rounded_half_even_once() {
        let (_, t) = sale_agreement(&chart(), "s", &args("0.25 USD")).unwrap();
        let date: Date = "2016-01-31".parse().unwrap();
        let inv = |q: &str| t.invoice(date, Decimal::from_str(q).unwrap()).unwrap();
        assert_eq!(inv("0.500").amount.to_string(), "0.12");
        assert_eq!(inv("1.500").amount.to_string(), "0.38");
        assert!(inv("1.500").rounded());
        assert!(!inv("4.000").rounded());
        assert_eq!(inv("4.000").due.to_string(), "2016-03-01");
        assert!(t
            .invoice(date, Decimal::from_str("0.001").unwrap())
            .is_err());
        assert!(t.invoice(date, Decimal::ZERO).is_err());
    }
}
