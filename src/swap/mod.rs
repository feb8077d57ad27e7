//! Swap agreements: the terms (parsed and validated from an [`Agreement`]'s raw fields), the
//! transaction of one entry or exit leg, the per-period arithmetic, and the swap report and
//! reconciliation check as plain data.
//!
//! A swap: the supplier delivers gas into the hub at entry points; the hub delivers the
//! equivalent, less a fee it keeps in kind, to the receiver at exit points. Account names follow
//! from the agreement: the hub's swap position `HUB:swap:NAME`, its fee `HUB:fee:NAME`, the
//! supplier's `SUPPLIER:gas:delivered`, the receiver's `RECEIVER:gas:received`.
//!
//! An entry leg of V is one transaction: `HUB:swap:NAME +V`, `SUPPLIER:gas:delivered -V`,
//! `HUB:fee:NAME +F`, `HUB:swap:NAME -F`. On a leg fee basis F = V × fee rate, rounded
//! half-even to the commodity's scale ([`fee_of`], the one place a swap amount is rounded); on a
//! period basis (the default) F is the fee of the period's entry with the leg less the fee
//! without it, so a period's fees add up to its entry's fee rounded once. An exit leg of V:
//! `RECEIVER:gas:received +V`, `HUB:swap:NAME -V`. Legs are tagged `agreement`, `leg`, `point`.
//!
//! Per settlement period: entry = Σ entry legs, fee = Σ the fees the entry legs booked, exit =
//! Σ exit legs, imbalance = entry − fee − exit, cumulative = the running sum,
//! `outside-tolerance` when |imbalance| > tolerance × entry; beside them, the fee the terms call
//! for. The report reads the legs back from the journal, so a leg recorded by `swap entry`, by
//! `record` or by an imported file counts the same way (all three meet the rules of
//! `crate::ops::rulebook`); a reversal (`reverses: ID`) of a leg counts as the opposite leg on its own
//! date.
//!
//! Invariant: nothing here prints, and no float is ever involved; every sum is checked.

use crate::model::amount::{self, Amount, AmountError, Commodity, Kind};
use crate::model::date::{days_in_month, Date};
use crate::model::ledger::{
    self, AccountType, Agreement, Chart, LedgerError, Posting, Status, Transaction,
};
use crate::model::units::{self, Dimension, UnitError};
use crate::reports::table::{Cell, Table};
use crate::store::{Store, StoreError};
use rust_decimal::{Decimal, RoundingStrategy};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use thiserror::Error;

/// The fields a swap agreement may have. Anything else is refused, so that a misspelt
/// `tolerence` is not silently ignored.
pub const FIELDS: &[&str] = &[
    "kind",
    "supplier",
    "hub",
    "receiver",
    "entry",
    "exit",
    "commodity",
    "fee",
    "tolerance",
    "period",
    "basis",
    "fee-basis",
    "start",
    "note",
];

/// Points per side of one agreement.
pub const POINTS_MAX: usize = 64;

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
    Unit(#[from] UnitError),
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn suggestion(nearest: &Option<String>) -> String {
    match nearest {
        Some(n) => format!(" (did you mean {n}?)"),
        None => String::new(),
    }
}

/// Entry into the hub, or exit out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Side {
    Entry,
    Exit,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Entry => "entry",
            Side::Exit => "exit",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The settlement period over which entry and exit are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Period {
    Daily,
    #[default]
    Monthly,
    Quarterly,
    Yearly,
}

impl Period {
    pub fn parse(s: &str) -> Result<Period, String> {
        match s {
            "daily" => Ok(Period::Daily),
            "monthly" => Ok(Period::Monthly),
            "quarterly" => Ok(Period::Quarterly),
            "yearly" => Ok(Period::Yearly),
            _ => Err(format!(
                "period {s:?} is not one of daily, monthly, quarterly, yearly"
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Daily => "daily",
            Period::Monthly => "monthly",
            Period::Quarterly => "quarterly",
            Period::Yearly => "yearly",
        }
    }

    /// The first and last day of the period that holds `d`.
    pub fn bounds(self, d: Date) -> (Date, Date) {
        let y = d.year();
        let (m1, d1, m2) = match self {
            Period::Daily => return (d, d),
            Period::Monthly => (d.month(), 1, d.month()),
            Period::Quarterly => {
                let first = (d.month() - 1) / 3 * 3 + 1;
                (first, 1, first + 2)
            }
            Period::Yearly => (1, 1, 12),
        };
        // Valid by construction: months 1..=12, day 1 and the month's last day.
        let first = Date::new(y, m1, d1).unwrap_or(d);
        let last = Date::new(y, m2, days_in_month(y, m2)).unwrap_or(d);
        (first, last)
    }

    /// `2022` (yearly), `2022-Q1`, `2022-01` (monthly), `2022-01-31` (daily).
    pub fn label(self, d: Date) -> String {
        match self {
            Period::Daily => d.to_string(),
            Period::Monthly => format!("{:04}-{:02}", d.year(), d.month()),
            Period::Quarterly => format!("{:04}-Q{}", d.year(), (d.month() - 1) / 3 + 1),
            Period::Yearly => format!("{:04}", d.year()),
        }
    }
}

/// Whether legs are compared by volume, or by energy (volume × gross calorific value).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Basis {
    #[default]
    Volume,
    Energy,
}

impl Basis {
    pub fn parse(s: &str) -> Result<Basis, String> {
        match s {
            "volume" => Ok(Basis::Volume),
            "energy" => Ok(Basis::Energy),
            _ => Err(format!("basis {s:?} is not volume or energy")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Volume => "volume",
            Basis::Energy => "energy",
        }
    }
}

/// Whether the fee in kind is computed on each entry leg (rounded per leg), or on the
/// period's total entry (rounded once per period: each leg books what brings the period's fee
/// to the fee of its entry so far).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FeeBasis {
    Leg,
    #[default]
    Period,
}

impl FeeBasis {
    pub fn parse(s: &str) -> Result<FeeBasis, String> {
        match s {
            "leg" => Ok(FeeBasis::Leg),
            "period" => Ok(FeeBasis::Period),
            _ => Err(format!("fee-basis {s:?} is not leg or period")),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            FeeBasis::Leg => "leg",
            FeeBasis::Period => "period",
        }
    }
}

/// A percentage such as `20%` or `2.5 %`, as an exact fraction (`0.20`), between 0% and 100%.
/// Parsed with our own number grammar, never through a float.
pub fn parse_percent(text: &str) -> Result<Decimal, String> {
    let t = text.trim();
    let Some(number) = t.strip_suffix('%') else {
        return Err(format!("{t:?} is not a percentage like 20%"));
    };
    let p = amount::parse_number(number.trim())
        .map_err(|e| format!("{t:?} is not a percentage like 20%: {e}"))?;
    if p.is_sign_negative() && !p.is_zero() || p > Decimal::ONE_HUNDRED {
        return Err(format!("{t} is not between 0% and 100%"));
    }
    // p / 100 exactly: the same mantissa two places further right.
    let scale = p.scale() + 2;
    Decimal::try_from_i128_with_scale(p.mantissa(), scale)
        .map(|r| r.normalize())
        .map_err(|_| format!("{t} has too many decimal places"))
}

/// A fraction as a percentage for people: `0.2` → `20%`.
pub fn format_percent(rate: Decimal) -> String {
    let p = rate
        .checked_mul(Decimal::ONE_HUNDRED)
        .unwrap_or(rate)
        .normalize();
    format!("{p}%")
}

/// **The one place a swap amount is rounded**: the fee in kind of one entry leg, the leg × the
/// fee rate, rounded half-even (banker's rounding, `Decimal::round_dp`) to the commodity's
/// scale. The product itself is exact (an error, never a silent rounding, when it is not).
pub fn fee_of(leg: Decimal, fee_rate: Decimal, scale: u32) -> Result<Decimal, SwapError> {
    let exact = units::exact_mul(leg, fee_rate)?;
    Ok(exact.round_dp(scale))
}

/// A swap's terms, validated: see [`SwapTerms::from_agreement`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapTerms {
    pub name: String,
    pub supplier: String,
    pub hub: String,
    pub receiver: String,
    pub entry_points: Vec<String>,
    pub exit_points: Vec<String>,
    pub commodity: Commodity,
    /// The fee as a fraction of the entry volume: 20% is `0.2`.
    pub fee_rate: Decimal,
    /// How far exit may differ from entry less fee, as a fraction of entry.
    pub tolerance_rate: Decimal,
    pub period: Period,
    pub basis: Basis,
    pub fee_basis: FeeBasis,
    /// Legs dated before this are refused.
    pub start: Option<Date>,
}

impl SwapTerms {
    /// Parse and validate a swap agreement's fields against the chart: parties declared and
    /// distinct, fee and tolerance between 0% and 100%, entry and exit points named (comma-
    /// separated, no duplicates), the commodity declared and of the kind the basis needs
    /// (volume basis: a volume commodity; energy basis: an energy commodity whose code is an
    /// energy unit, so that legs convert into it). Unknown or repeated fields are refused.
    pub fn from_agreement(a: &Agreement, chart: &Chart) -> Result<SwapTerms, SwapError> {
        let name = a.name.clone();
        let bad = |message: String| SwapError::Terms {
            name: name.clone(),
            message,
        };
        let kind = a.field("kind").unwrap_or("");
        if kind != "swap" {
            return Err(SwapError::NotASwap {
                name: name.clone(),
                kind: if kind.is_empty() {
                    "(none)".into()
                } else {
                    kind.into()
                },
            });
        }
        for (i, (key, _)) in a.fields.iter().enumerate() {
            if !FIELDS.contains(&key.as_str()) {
                return Err(bad(format!(
                    "unknown field {key:?} (a swap has {})",
                    FIELDS.join(", ")
                )));
            }
            if a.fields[..i].iter().any(|(k, _)| k == key) {
                return Err(bad(format!("field {key} is given twice")));
            }
        }
        let required = |key: &str| {
            a.field(key)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .ok_or_else(|| bad(format!("the field {key} is missing")))
        };
        let party = |role: &str| -> Result<String, SwapError> {
            let code = required(role)?;
            if !chart.parties.contains_key(code) {
                return Err(bad(format!(
                    "{role} {code} is not a declared party{}",
                    suggestion(&ledger::nearest(code, chart.parties.keys()))
                )));
            }
            Ok(code.to_string())
        };
        let supplier = party("supplier")?;
        let hub = party("hub")?;
        let receiver = party("receiver")?;
        if supplier == hub || hub == receiver || supplier == receiver {
            return Err(bad(format!(
                "supplier, hub and receiver must be three different parties, found {supplier}, {hub}, {receiver}"
            )));
        }
        // The name becomes the last segment of the hub's accounts.
        if a.name.contains(':')
            || ledger::check_account_name(&format!("{hub}:swap:{}", a.name)).is_err()
        {
            return Err(bad(
                "an agreement's name must be usable as an account segment (no ':', ';', '=', '@', tabs or double spaces)".into(),
            ));
        }
        let points = |side: Side| -> Result<Vec<String>, SwapError> {
            let list = required(side.as_str())?;
            let mut out: Vec<String> = Vec::new();
            for p in list.split(',').map(str::trim) {
                if p.is_empty() {
                    return Err(bad(format!("{side} {list:?} names an empty point")));
                }
                if out.iter().any(|q| q == p) {
                    return Err(bad(format!("{side} point {p} is named twice")));
                }
                out.push(p.to_string());
            }
            if out.len() > POINTS_MAX {
                return Err(bad(format!(
                    "{} {side} points, at most {POINTS_MAX}",
                    out.len()
                )));
            }
            Ok(out)
        };
        let entry_points = points(Side::Entry)?;
        let exit_points = points(Side::Exit)?;

        let basis = match a.field("basis") {
            None => Basis::Volume,
            Some(b) => Basis::parse(b.trim()).map_err(bad)?,
        };
        let code = required("commodity")?;
        let commodity = chart
            .commodity(code)
            .map_err(|e| bad(e.to_string()))?
            .clone();
        let want = match basis {
            Basis::Volume => Kind::Volume,
            Basis::Energy => Kind::Energy,
        };
        if commodity.kind != want {
            return Err(bad(format!(
                "the {} basis needs a commodity of kind {want}; {code} is of kind {}",
                basis.as_str(),
                commodity.kind
            )));
        }
        match (units::find(code), basis) {
            (Some(u), _) if u.dimension.to_string() != commodity.kind.as_str() => {
                return Err(bad(format!(
                    "{code} is a unit of {}, but it is declared as a {} commodity",
                    u.dimension, commodity.kind
                )));
            }
            (None, Basis::Energy) => {
                return Err(bad(format!(
                    "on an energy basis the commodity must be an energy unit that legs convert into (MJ, GJ, TJ, PJ, MWh, MMBtu); {code} is not one"
                )));
            }
            _ => {}
        }

        let rate = |key: &str| -> Result<Decimal, SwapError> {
            let r = parse_percent(required(key)?).map_err(|e| bad(format!("{key} {e}")))?;
            // The fee of a leg (commodity scale) × rate must be exact in a Decimal.
            if r.scale() + commodity.scale > 28 {
                return Err(bad(format!(
                    "{key} {} has too many decimal places for {code}",
                    required(key)?
                )));
            }
            Ok(r)
        };
        let fee_rate = rate("fee")?;
        let tolerance_rate = rate("tolerance")?;
        let period = match a.field("period") {
            None => Period::Monthly,
            Some(p) => Period::parse(p.trim()).map_err(bad)?,
        };
        let fee_basis = match a.field("fee-basis") {
            None => FeeBasis::Period,
            Some(b) => FeeBasis::parse(b.trim()).map_err(bad)?,
        };
        let start = match a.field("start") {
            None => None,
            Some(s) => Some(
                s.trim()
                    .parse::<Date>()
                    .map_err(|e| bad(format!("start: {e}")))?,
            ),
        };
        Ok(SwapTerms {
            name: a.name.clone(),
            supplier,
            hub,
            receiver,
            entry_points,
            exit_points,
            commodity,
            fee_rate,
            tolerance_rate,
            period,
            basis,
            fee_basis,
            start,
        })
    }

    /// The hub's swap position: what it holds for the swap.
    pub fn swap_account(&self) -> String {
        format!("{}:swap:{}", self.hub, self.name)
    }
    /// The hub's fee in kind.
    pub fn fee_account(&self) -> String {
        format!("{}:fee:{}", self.hub, self.name)
    }
    /// The supplier's deliveries into the hub.
    pub fn delivered_account(&self) -> String {
        format!("{}:gas:delivered", self.supplier)
    }
    /// The receiver's deliveries out of the hub.
    pub fn received_account(&self) -> String {
        format!("{}:gas:received", self.receiver)
    }

    /// The accounts a leg posts to, with the type each is opened with when missing.
    pub fn leg_accounts(&self, side: Side) -> Vec<(String, AccountType)> {
        match side {
            Side::Entry => vec![
                (self.swap_account(), AccountType::Liability),
                (self.delivered_account(), AccountType::Asset),
                (self.fee_account(), AccountType::Revenue),
            ],
            Side::Exit => vec![
                (self.received_account(), AccountType::Asset),
                (self.swap_account(), AccountType::Liability),
            ],
        }
    }

    pub fn points(&self, side: Side) -> &[String] {
        match side {
            Side::Entry => &self.entry_points,
            Side::Exit => &self.exit_points,
        }
    }

    /// The point a leg names, checked; or the side's only point when it names none.
    pub fn point(&self, side: Side, given: Option<&str>) -> Result<String, SwapError> {
        let known = self.points(side);
        match given {
            Some(p) if known.iter().any(|k| k == p) => Ok(p.to_string()),
            Some(p) => Err(SwapError::UnknownPoint {
                agreement: self.name.clone(),
                side,
                point: p.to_string(),
                known: known.to_vec(),
            }),
            None if known.len() == 1 => Ok(known[0].clone()),
            None => Err(SwapError::PointRequired {
                agreement: self.name.clone(),
                side,
                known: known.to_vec(),
            }),
        }
    }

    /// The quantity of a leg in the agreement's commodity, exactly: on a volume basis the
    /// volume (converted when it is given in another volume unit); on an energy basis the
    /// volume in m3 × the GCV in MJ/m3, in the agreement's energy unit. Refused when the exact
    /// result has more decimal places than the commodity allows.
    pub fn quantity(&self, volume: &Amount, gcv: Option<Decimal>) -> Result<Decimal, SwapError> {
        if volume.value <= Decimal::ZERO {
            return Err(SwapError::NotPositive {
                found: volume.to_string(),
            });
        }
        let code = &self.commodity.code;
        let wrong = |why: String| SwapError::WrongCommodity {
            agreement: self.name.clone(),
            given: volume.to_string(),
            commodity: code.clone(),
            why,
        };
        let exact = |e: UnitError| match e {
            e @ UnitError::NotExact { .. } => SwapError::NotExact(e),
            e => SwapError::Unit(e),
        };
        let given_unit = units::find(&volume.commodity);
        let value = match self.basis {
            Basis::Volume => {
                if volume.commodity == *code {
                    self.commodity.check_scale(volume.value)?;
                    volume.value
                } else {
                    let (Some(from), Some(to)) = (given_unit, units::find(code)) else {
                        return Err(wrong(format!(
                            "give the volume in {code}{}",
                            if units::find(code).is_some() {
                                " or another volume unit (m3, mcm, bcm, mcf, bcf)"
                            } else {
                                ""
                            }
                        )));
                    };
                    if from.dimension != Dimension::Volume {
                        return Err(wrong(format!(
                            "{} is a unit of {}, and this swap is on a volume basis",
                            from.code, from.dimension
                        )));
                    }
                    units::convert(volume.value, from, to).map_err(exact)?
                }
            }
            Basis::Energy => {
                let from = given_unit
                    .filter(|u| u.dimension == Dimension::Volume)
                    .ok_or_else(|| {
                        wrong("on an energy basis a leg is a volume (m3, mcm, bcm, mcf, bcf) with its --gcv".into())
                    })?;
                let gcv = gcv.ok_or_else(|| SwapError::GcvRequired {
                    agreement: self.name.clone(),
                })?;
                let to = units::require(code)?;
                units::energy_of(volume.value, from, gcv, to).map_err(exact)?
            }
        };
        if value.normalize().scale() > self.commodity.scale {
            return Err(SwapError::NotAtScale {
                given: match (self.basis, gcv) {
                    (Basis::Energy, Some(g)) => format!("{volume} at {g} MJ/m3"),
                    _ => volume.to_string(),
                },
                exact: value.normalize(),
                code: code.clone(),
                scale: self.commodity.scale,
            });
        }
        Ok(value)
    }

    /// The fee in kind of an entry leg of `quantity` taken alone (its fee on a leg basis).
    pub fn fee(&self, quantity: Decimal) -> Result<Decimal, SwapError> {
        fee_of(quantity, self.fee_rate, self.commodity.scale)
    }

    /// The fee an entry leg of `quantity` books, when `before` entered in its period ahead of
    /// it. On a leg basis, its own fee. On a period basis, the fee of the period's entry with
    /// it less the fee without it: the fees of a period's legs then add up to the fee of its
    /// total entry, rounded once, whatever their sizes and order.
    pub fn leg_fee(&self, quantity: Decimal, before: Decimal) -> Result<Decimal, SwapError> {
        match self.fee_basis {
            FeeBasis::Leg => self.fee(quantity),
            FeeBasis::Period => {
                let with = amount::checked_add(before, quantity, || {
                    format!("the entry of a period of {}", self.name)
                })?;
                let (a, b) = (self.fee(with)?, self.fee(before)?);
                a.checked_sub(b).ok_or_else(|| {
                    AmountError::Overflow {
                        what: format!("the fee of a leg of {}", self.name),
                    }
                    .into()
                })
            }
        }
    }

    /// The fee the agreement calls for on a period's entry legs: the sum of each leg's fee on
    /// a leg basis, the fee of their total on a period basis.
    pub fn contract_fee(&self, legs: &[Decimal], total: Decimal) -> Result<Decimal, SwapError> {
        match self.fee_basis {
            FeeBasis::Period => self.fee(total),
            FeeBasis::Leg => {
                let mut sum = Decimal::ZERO;
                for q in legs {
                    sum = amount::checked_add(sum, self.fee(*q)?, || {
                        format!("the contract fee of {}", self.name)
                    })?;
                }
                Ok(sum)
            }
        }
    }

    /// The transaction of one leg, checked against the terms (not yet against the store).
    pub fn leg_transaction(&self, req: &LegRequest) -> Result<LegTransaction, SwapError> {
        let point = self.point(req.side, req.point.as_deref())?;
        if let Some(start) = self.start {
            if req.date < start {
                return Err(SwapError::BeforeStart {
                    agreement: self.name.clone(),
                    date: req.date,
                    start,
                });
            }
        }
        if let Some(g) = req.gcv {
            if g <= Decimal::ZERO {
                return Err(SwapError::BadGcv {
                    found: g.to_string(),
                });
            }
        }
        let quantity = self.quantity(&req.volume, req.gcv)?;
        let code = self.commodity.code.clone();
        let scale = self.commodity.scale;
        // At the commodity's scale, as a journal file writes it (160 → 160.000): the values
        // fit the scale already, so this only adds zeros.
        let amt = |v: Decimal| {
            let mut v = v;
            v.rescale(scale);
            Some(Amount::new(v, code.clone()))
        };
        let mut tags = vec![
            ("agreement".to_string(), self.name.clone()),
            ("leg".to_string(), req.side.as_str().to_string()),
            ("point".to_string(), point.clone()),
        ];
        // What was measured, when the postings hold something else (a converted volume, or
        // the energy of an energy-basis leg).
        if req.volume.commodity != code {
            tags.push(("volume".to_string(), req.volume.to_string()));
        }
        if let Some(g) = req.gcv {
            tags.push(("gcv".to_string(), g.to_string()));
        }
        let (postings, fee) = match req.side {
            Side::Entry => {
                let fee = self.leg_fee(quantity, req.period_entry_before)?;
                let mut p = vec![
                    Posting::new(self.swap_account(), amt(quantity)),
                    Posting::new(self.delivered_account(), amt(-quantity)),
                ];
                // Booked even when it rounds to nothing, so that every entry shows its fee.
                if !self.fee_rate.is_zero() || !fee.is_zero() {
                    let back = if fee.is_zero() { Decimal::ZERO } else { -fee };
                    p.push(Posting::new(self.fee_account(), amt(fee)));
                    p.push(Posting::new(self.swap_account(), amt(back)));
                }
                (p, fee)
            }
            Side::Exit => (
                vec![
                    Posting::new(self.received_account(), amt(quantity)),
                    Posting::new(self.swap_account(), amt(-quantity)),
                ],
                Decimal::ZERO,
            ),
        };
        let description = req
            .description
            .clone()
            .unwrap_or_else(|| format!("{point} {}", req.side));
        Ok(LegTransaction {
            transaction: Transaction {
                date: req.date,
                status: req.status,
                code: None,
                description,
                tags,
                id: req.id.clone(),
                postings,
            },
            quantity,
            fee,
            point,
        })
    }
}

/// A leg as the command line gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegRequest {
    pub side: Side,
    pub date: Date,
    pub volume: Amount,
    pub point: Option<String>,
    /// Gross calorific value, MJ per m3.
    pub gcv: Option<Decimal>,
    pub id: Option<String>,
    pub description: Option<String>,
    pub status: Status,
    /// What entered in the leg's settlement period before it (see [`period_entry_before`]):
    /// the fee of an entry on a period basis depends on it.
    pub period_entry_before: Decimal,
}

/// A leg's transaction and the figures it was built from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegTransaction {
    pub transaction: Transaction,
    /// In the agreement's commodity.
    pub quantity: Decimal,
    pub fee: Decimal,
    pub point: String,
}

/// The terms of the swap agreement `name`, from the agreements of a store.
pub fn terms(
    agreements: &BTreeMap<String, Agreement>,
    chart: &Chart,
    name: &str,
) -> Result<SwapTerms, SwapError> {
    let a = agreements
        .get(name)
        .ok_or_else(|| SwapError::UnknownAgreement {
            name: name.to_string(),
            nearest: ledger::nearest(name, agreements.keys()),
        })?;
    SwapTerms::from_agreement(a, chart)
}

/// One leg read back from the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Leg {
    pub date: Date,
    pub side: Side,
    /// The point named by the leg, the side's only point, or `?` when neither says.
    pub point: String,
    /// In the agreement's commodity; negative for the reversal of a leg.
    pub quantity: Decimal,
    /// The fee in kind an entry leg booked on the hub's fee account (zero for an exit).
    pub fee: Decimal,
    /// The leg's transaction id, if it has one.
    pub id: Option<String>,
}

/// The legs of each swap in `all`, in recorded order, read from the journal in one pass: the
/// transactions tagged `agreement: NAME` and `leg: entry|exit`, each worth what it posted to the
/// supplier's delivered account (negated) for an entry, to the receiver's received account for
/// an exit, in the agreement's commodity; and the reversals (`reverses: ID`) of such legs, worth
/// the same computed from their own postings (so, the opposite). Legs after `as_of` are left out.
pub fn legs(
    store: &Store,
    all: &[SwapTerms],
    as_of: Option<Date>,
) -> Result<HashMap<String, Vec<Leg>>, SwapError> {
    legs_dated(store, all, None, as_of)
}

/// What a leg transaction is a leg of: its terms, side and point.
fn leg_of<'t>(
    t: &Transaction,
    by_name: &HashMap<&str, &'t SwapTerms>,
) -> Option<(&'t SwapTerms, Side, String)> {
    let terms = *by_name.get(t.tag("agreement")?)?;
    let side = crate::ops::rulebook::side_of(t.tag("leg")?)?;
    let point = match t.tag("point") {
        Some(p) => p.to_string(),
        None => match terms.points(side) {
            [only] => only.clone(),
            _ => "?".to_string(),
        },
    };
    Some((terms, side, point))
}

/// [`legs`] dated from `from` to `to`, reading only the blocks that hold those dates. A
/// reversal in the range of a leg dated before it is found by the leg's id.
pub fn legs_dated(
    store: &Store,
    all: &[SwapTerms],
    from: Option<Date>,
    as_of: Option<Date>,
) -> Result<HashMap<String, Vec<Leg>>, SwapError> {
    let by_name: HashMap<&str, &SwapTerms> = all.iter().map(|t| (t.name.as_str(), t)).collect();
    let mut relevant: Vec<Transaction> = Vec::new();
    store.for_each_txn_dated(from, as_of, |_, t| {
        if leg_of(&t, &by_name).is_some() || t.tag("reverses").is_some() {
            relevant.push(t);
        }
        Ok(())
    })?;
    let mut out: HashMap<String, Vec<Leg>> = all.iter().map(|t| (t.name.clone(), vec![])).collect();
    // Leg ids, so that a reversal finds what it reverses.
    let mut ids: HashMap<String, (&SwapTerms, Side, String)> = HashMap::new();
    for t in &relevant {
        let (terms, side, point) = match leg_of(t, &by_name) {
            Some(x) => {
                if let Some(id) = &t.id {
                    ids.insert(id.clone(), x.clone());
                }
                x
            }
            None => {
                let Some(r) = t.tag("reverses") else { continue };
                match ids.get(r) {
                    Some(x) => x.clone(),
                    // Recorded before the range read: looked up by its id.
                    None if from.is_some() => match store.find(r)? {
                        Some((_, original)) => match leg_of(&original, &by_name) {
                            Some(x) => x,
                            None => continue,
                        },
                        None => continue,
                    },
                    None => continue,
                }
            }
        };
        if as_of.is_some_and(|d| t.date > d) {
            continue;
        }
        // An entry is what left the supplier's account (negated); an exit what reached the
        // receiver's.
        let (account, sign) = match side {
            Side::Entry => (terms.delivered_account(), true),
            Side::Exit => (terms.received_account(), false),
        };
        let fee_account = terms.fee_account();
        let (mut quantity, mut fee) = (Decimal::ZERO, Decimal::ZERO);
        for p in &t.postings {
            let Some(a) = p
                .amount
                .as_ref()
                .filter(|a| a.commodity == terms.commodity.code)
            else {
                continue;
            };
            let what = || format!("the legs of {} on {}", terms.name, t.date);
            if p.account == account {
                let v = if sign { -a.value } else { a.value };
                quantity = amount::checked_add(quantity, v, what)?;
            } else if side == Side::Entry && p.account == fee_account {
                fee = amount::checked_add(fee, a.value, what)?;
            }
        }
        out.entry(terms.name.clone()).or_default().push(Leg {
            date: t.date,
            side,
            point,
            quantity,
            fee,
            id: t.id.clone(),
        });
    }
    Ok(out)
}

/// Within tolerance, or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwapStatus {
    Ok,
    OutsideTolerance,
}

impl SwapStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SwapStatus::Ok => "ok",
            SwapStatus::OutsideTolerance => "outside-tolerance",
        }
    }
}

/// One settlement period of a swap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodRow {
    /// `2022`, `2022-Q1`, `2022-01` or `2022-01-31`.
    pub period: String,
    pub first: Date,
    pub last: Date,
    pub entry: Decimal,
    /// The fee in kind booked on the hub's fee account by the period's entry legs.
    pub fee: Decimal,
    pub exit: Decimal,
    /// entry − fee − exit: gas the hub still owes (positive) or has over-delivered (negative).
    pub imbalance: Decimal,
    /// The running sum of imbalances up to and including this period.
    pub cumulative: Decimal,
    /// tolerance × |entry| cut to the commodity's scale: the largest |imbalance| that is
    /// still `ok`.
    pub allowed: Decimal,
    pub status: SwapStatus,
    /// The fee the agreement's terms call for on the period's entry ([`SwapTerms::contract_fee`]).
    pub contract_fee: Decimal,
    /// fee − contract_fee: what the hub booked beyond (positive) or short of the terms.
    pub fee_difference: Decimal,
    pub entry_by_point: BTreeMap<String, Decimal>,
    pub exit_by_point: BTreeMap<String, Decimal>,
}

/// The per-period arithmetic over `legs` (any order): entry, the fee booked, exit, imbalance
/// (entry − booked fee − exit), against the tolerance band, and the fee the terms call for
/// beside the one booked. Periods without legs are not rows, but the cumulative imbalance
/// carries across them and across year ends.
pub fn periods(terms: &SwapTerms, legs: &[Leg]) -> Result<Vec<PeriodRow>, SwapError> {
    let mut rows: BTreeMap<Date, (PeriodRow, Vec<Decimal>)> = BTreeMap::new();
    let overflow = |what: &'static str| move || format!("the {what} of agreement {}", terms.name);
    for leg in legs {
        let (first, last) = terms.period.bounds(leg.date);
        let (row, entries) = rows.entry(first).or_insert_with(|| {
            (
                PeriodRow {
                    period: terms.period.label(leg.date),
                    first,
                    last,
                    entry: Decimal::ZERO,
                    fee: Decimal::ZERO,
                    exit: Decimal::ZERO,
                    imbalance: Decimal::ZERO,
                    cumulative: Decimal::ZERO,
                    allowed: Decimal::ZERO,
                    status: SwapStatus::Ok,
                    contract_fee: Decimal::ZERO,
                    fee_difference: Decimal::ZERO,
                    entry_by_point: BTreeMap::new(),
                    exit_by_point: BTreeMap::new(),
                },
                Vec::new(),
            )
        });
        let (total, by_point) = match leg.side {
            Side::Entry => {
                row.fee = amount::checked_add(row.fee, leg.fee, overflow("fee"))?;
                entries.push(leg.quantity);
                (&mut row.entry, &mut row.entry_by_point)
            }
            Side::Exit => (&mut row.exit, &mut row.exit_by_point),
        };
        *total = amount::checked_add(*total, leg.quantity, overflow("legs"))?;
        let slot = by_point.entry(leg.point.clone()).or_default();
        *slot = amount::checked_add(*slot, leg.quantity, overflow("legs"))?;
    }
    let mut cumulative = Decimal::ZERO;
    let mut out = Vec::with_capacity(rows.len());
    for (_, (mut row, entries)) in rows {
        row.imbalance = amount::exact_sub(row.entry, row.fee, overflow("imbalance"))
            .and_then(|v| amount::exact_sub(v, row.exit, overflow("imbalance")))?;
        cumulative =
            amount::checked_add(cumulative, row.imbalance, overflow("cumulative imbalance"))?;
        row.cumulative = cumulative;
        // tolerance × |entry| may have more decimals than the commodity; the imbalance has
        // none, so cutting the band to the commodity's scale (toward zero) decides exactly the
        // same, and gives the largest imbalance that is still within it.
        row.allowed = units::exact_mul(terms.tolerance_rate, row.entry.abs())?
            .round_dp_with_strategy(terms.commodity.scale, RoundingStrategy::ToZero);
        row.status = if row.imbalance.abs() > row.allowed {
            SwapStatus::OutsideTolerance
        } else {
            SwapStatus::Ok
        };
        row.contract_fee = terms.contract_fee(&entries, row.entry)?;
        row.fee_difference =
            amount::exact_sub(row.fee, row.contract_fee, overflow("fee difference"))?;
        out.push(row);
    }
    Ok(out)
}

/// What entered under `terms` in the settlement period of `date` before a new entry leg: the
/// entry legs recorded in that period, less their reversals, leaving out a leg whose id is
/// `except` and every leg recorded after it (the leg itself, recorded before: recording it
/// again must give the same fee).
pub fn period_entry_before(
    store: &Store,
    terms: &SwapTerms,
    date: Date,
    except: Option<&str>,
) -> Result<Decimal, SwapError> {
    let (first, last) = terms.period.bounds(date);
    let mut legs = legs_dated(store, std::slice::from_ref(terms), Some(first), Some(last))?;
    let mut sum = Decimal::ZERO;
    for leg in legs.remove(&terms.name).unwrap_or_default() {
        if except.is_some() && leg.id.as_deref() == except {
            // Recorded already: what entered before it, in recorded order.
            break;
        }
        if leg.side == Side::Entry && leg.date >= first {
            sum = amount::checked_add(sum, leg.quantity, || {
                format!("the entry of a period of {}", terms.name)
            })?;
        }
    }
    Ok(sum)
}

/// The swap report of one agreement: its terms and one row per settlement period with legs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapReport {
    pub terms: SwapTerms,
    pub rows: Vec<PeriodRow>,
}

/// The report of agreement `name`. `from`/`to` choose the periods shown: those that overlap
/// the dates given, whole; the imbalance of earlier periods is still carried in the cumulative.
pub fn report(
    store: &Store,
    name: &str,
    from: Option<Date>,
    to: Option<Date>,
) -> Result<SwapReport, SwapError> {
    let terms = terms(store.agreements(), store.chart(), name)?;
    let mut legs = legs(store, std::slice::from_ref(&terms), None)?;
    let rows = periods(&terms, &legs.remove(&terms.name).unwrap_or_default())?
        .into_iter()
        .filter(|r| from.is_none_or(|f| r.last >= f) && to.is_none_or(|t| r.first <= t))
        .collect();
    Ok(SwapReport { terms, rows })
}

impl SwapReport {
    /// Columns `period,entry,fee,exit,imbalance,cumulative,status` (the fee booked), then
    /// `contract_fee,fee_difference,tolerance` (the fee the terms call for, booked − contract,
    /// and the band tolerance × entry that |imbalance| must stay within); with `by_point`,
    /// then one column per point, `entry:POINT` for each entry point and `exit:POINT` for each
    /// exit point, in the agreement's order (points only legs name come after, sorted).
    pub fn table(&self, by_point: bool) -> Table {
        let scale = self.terms.commodity.scale;
        let mut columns: Vec<Cow<'static, str>> = [
            "period",
            "entry",
            "fee",
            "exit",
            "imbalance",
            "cumulative",
            "status",
            "contract_fee",
            "fee_difference",
            "tolerance",
        ]
        .map(Cow::Borrowed)
        .to_vec();
        let mut point_columns: Vec<(Side, String)> = Vec::new();
        if by_point {
            for side in [Side::Entry, Side::Exit] {
                let mut points: Vec<String> = self.terms.points(side).to_vec();
                let mut extra: Vec<String> = self
                    .rows
                    .iter()
                    .flat_map(|r| match side {
                        Side::Entry => r.entry_by_point.keys(),
                        Side::Exit => r.exit_by_point.keys(),
                    })
                    .filter(|p| !points.contains(p))
                    .cloned()
                    .collect();
                extra.sort();
                extra.dedup();
                points.extend(extra);
                for p in points {
                    columns.push(Cow::Owned(format!("{side}:{p}")));
                    point_columns.push((side, p));
                }
            }
        }
        let mut t = Table::with_columns(columns);
        for r in &self.rows {
            let mut row = vec![
                Cell::Text(r.period.clone()),
                Cell::Amount(r.entry, scale),
                Cell::Amount(r.fee, scale),
                Cell::Amount(r.exit, scale),
                Cell::Amount(r.imbalance, scale),
                Cell::Amount(r.cumulative, scale),
                Cell::Text(r.status.as_str().to_string()),
                Cell::Amount(r.contract_fee, scale),
                Cell::Amount(r.fee_difference, scale),
                Cell::Amount(r.allowed, scale),
            ];
            for (side, p) in &point_columns {
                let by = match side {
                    Side::Entry => &r.entry_by_point,
                    Side::Exit => &r.exit_by_point,
                };
                row.push(Cell::Amount(by.get(p).copied().unwrap_or_default(), scale));
            }
            t.push(row);
        }
        t
    }
}

/// Check 5 as reconciliation rows, for `reconcile::reconcile`'s plugins: per swap and period,
/// one `swap` row (`subject` names both and the cumulative imbalance carried to the period's
/// end; `expected` entry − the fee booked, `actual` exit, `difference` actual − expected, the
/// imbalance negated; outside tolerance when |difference| exceeds tolerance × entry), and one
/// `swap-fee` row (`expected` the fee the terms call for, `actual` the fee booked, a mismatch
/// unless they are equal). Terms that do not validate, or figures that overflow, are rows with
/// status `mismatch`, not errors, so that the other checks still run.
pub fn reconcile_checks(
    store: &Store,
    as_of: Option<Date>,
) -> Result<Vec<crate::checks::Check>, StoreError> {
    use crate::checks::{Check, Status};
    let text = |subject: String, why: String| Check {
        check: "swap",
        subject,
        expected: Cell::Text(String::new()),
        actual: Cell::Text(String::new()),
        difference: Cell::Text(why),
        status: Status::Mismatch,
    };
    let mut valid = Vec::new();
    let mut out = Vec::new();
    for a in store.agreements().values() {
        if a.field("kind") == Some("swap") {
            match SwapTerms::from_agreement(a, store.chart()) {
                Ok(t) => valid.push(t),
                Err(e) => out.push(text(a.name.clone(), e.to_string())),
            }
        }
    }
    let mut legs = match legs(store, &valid, as_of) {
        Ok(l) => l,
        Err(SwapError::Store(e)) => return Err(e),
        Err(e) => {
            out.push(text("swap legs".into(), e.to_string()));
            return Ok(out);
        }
    };
    for terms in &valid {
        let scale = terms.commodity.scale;
        let rows = match periods(terms, &legs.remove(&terms.name).unwrap_or_default()) {
            Ok(r) => r,
            Err(e) => {
                out.push(text(terms.name.clone(), e.to_string()));
                continue;
            }
        };
        for r in rows {
            let expected = amount::exact_sub(r.entry, r.fee, String::new).ok();
            let (Some(expected), Some(difference)) =
                (expected, Decimal::ZERO.checked_sub(r.imbalance))
            else {
                out.push(text(
                    format!("{} {}", terms.name, r.period),
                    "the period's figures overflow".into(),
                ));
                continue;
            };
            out.push(Check {
                check: "swap",
                subject: format!(
                    "{} {} (cumulative {} {})",
                    terms.name,
                    r.period,
                    amount::format_at_scale(r.cumulative, scale),
                    terms.commodity.code
                ),
                expected: Cell::Amount(expected, scale),
                actual: Cell::Amount(r.exit, scale),
                difference: Cell::Amount(difference, scale),
                status: match r.status {
                    SwapStatus::Ok => Status::Ok,
                    SwapStatus::OutsideTolerance => Status::OutsideTolerance,
                },
            });
            out.push(Check {
                check: "swap-fee",
                subject: format!(
                    "{} {} fee {} on {} {} entry",
                    terms.name,
                    r.period,
                    format_percent(terms.fee_rate),
                    amount::format_at_scale(r.entry, scale),
                    terms.commodity.code
                ),
                expected: Cell::Amount(r.contract_fee, scale),
                actual: Cell::Amount(r.fee, scale),
                difference: Cell::Amount(r.fee_difference, scale),
                status: if r.fee_difference.is_zero() {
                    Status::Ok
                } else {
                    Status::Mismatch
                },
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ledger::{Account, Party};
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }
    fn date(s: &str) -> Date {
        s.parse().unwrap()
    }

    fn chart() -> Chart {
        let mut c = Chart::default();
        for (code, kind, scale) in [
            ("mcm", Kind::Volume, 3),
            ("GJ", Kind::Energy, 0),
            ("USD", Kind::Money, 2),
            ("Sm3", Kind::Volume, 0),
        ] {
            c.commodities.insert(
                code.into(),
                Commodity {
                    code: code.into(),
                    kind,
                    scale,
                },
            );
        }
        for p in ["TM", "IR", "AZ"] {
            c.parties.insert(
                p.into(),
                Party {
                    code: p.into(),
                    name: None,
                },
            );
        }
        c.accounts.insert(
            "TM:gas:delivered".into(),
            Account {
                name: "TM:gas:delivered".into(),
                kind: None,
                floor: None,
            },
        );
        c
    }

    fn agreement(extra: &[(&str, &str)]) -> Agreement {
        let mut fields: Vec<(String, String)> = [
            ("kind", "swap"),
            ("supplier", "TM"),
            ("hub", "IR"),
            ("receiver", "AZ"),
            ("entry", "Sarakhs"),
            ("exit", "Astara, Nakhchivan"),
            ("commodity", "mcm"),
            ("fee", "20%"),
            ("tolerance", "2%"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        for (k, v) in extra {
            match fields.iter_mut().find(|(key, _)| key == k) {
                Some(slot) => slot.1 = v.to_string(),
                None => fields.push((k.to_string(), v.to_string())),
            }
        }
        Agreement {
            name: "tm-ir-az".into(),
            fields,
        }
    }

    fn terms(extra: &[(&str, &str)]) -> SwapTerms {
        SwapTerms::from_agreement(&agreement(extra), &chart()).unwrap()
    }

    fn refused(extra: &[(&str, &str)]) -> String {
        SwapTerms::from_agreement(&agreement(extra), &chart())
            .unwrap_err()
            .to_string()
    }

    fn leg(day: &str, side: Side, point: &str, q: &str) -> Leg {
        Leg {
            date: date(day),
            side,
            point: point.into(),
            quantity: d(q),
            fee: Decimal::ZERO,
            id: None,
        }
    }

    /// The legs with the fee each entry books as `swap entry` books it, in the order given.
    fn booked(t: &SwapTerms, legs: &[Leg]) -> Vec<Leg> {
        let mut before: BTreeMap<Date, Decimal> = BTreeMap::new();
        legs.iter()
            .map(|l| {
                let mut l = l.clone();
                if l.side == Side::Entry {
                    let b = before.entry(t.period.bounds(l.date).0).or_default();
                    l.fee = t.leg_fee(l.quantity, *b).unwrap();
                    *b += l.quantity;
                }
                l
            })
            .collect()
    }

    #[test]
    fn terms_parse() {
        let t = terms(&[]);
        assert_eq!(t.fee_rate, d("0.2"));
        assert_eq!(t.tolerance_rate, d("0.02"));
        assert_eq!(t.entry_points, vec!["Sarakhs"]);
        assert_eq!(t.exit_points, vec!["Astara", "Nakhchivan"]);
        assert_eq!(t.period, Period::Monthly);
        assert_eq!(t.basis, Basis::Volume);
        assert_eq!(t.swap_account(), "IR:swap:tm-ir-az");
        assert_eq!(t.fee_account(), "IR:fee:tm-ir-az");
        assert_eq!(t.delivered_account(), "TM:gas:delivered");
        assert_eq!(t.received_account(), "AZ:gas:received");
        let t = terms(&[
            ("period", "quarterly"),
            ("start", "2022-01-01"),
            ("fee", "12.5 %"),
        ]);
        assert_eq!(t.period, Period::Quarterly);
        assert_eq!(t.start, Some(date("2022-01-01")));
        assert_eq!(t.fee_rate, d("0.125"));
        assert_eq!(format_percent(t.fee_rate), "12.5%");
    }

    #[test]
    fn terms_refused() {
        for (extra, needle) in [
            (
                &[("receiver", "XX")][..],
                "receiver XX is not a declared party",
            ),
            (&[("hub", "TM")], "three different parties"),
            (&[("fee", "120%")], "fee 120% is not between 0% and 100%"),
            (&[("fee", "-1%")], "not between 0% and 100%"),
            (
                &[("tolerance", "2")],
                "tolerance \"2\" is not a percentage like 20%",
            ),
            (&[("tolerance", "1e1%")], "expected a number"),
            (&[("fee", "0.2%%")], "expected a number"),
            (
                &[("commodity", "USD")],
                "needs a commodity of kind volume; USD is of kind money",
            ),
            (&[("commodity", "mcmm")], "did you mean mcm?"),
            (
                &[("basis", "energy")],
                "the energy basis needs a commodity of kind energy; mcm is",
            ),
            (
                &[("basis", "energy"), ("commodity", "Sm3")],
                "of kind energy",
            ),
            (
                &[("basis", "weight")],
                "basis \"weight\" is not volume or energy",
            ),
            (&[("period", "weekly")], "not one of daily"),
            (&[("exit", "Astara, ")], "empty point"),
            (&[("exit", "Astara, Astara")], "named twice"),
            (&[("entry", "")], "the field entry is missing"),
            (&[("tolerence", "2%")], "unknown field \"tolerence\""),
            (
                &[("start", "2022-02-30")],
                "start: 2022-02-30 is not a date",
            ),
        ] {
            let msg = refused(extra);
            assert!(msg.contains(needle), "{extra:?}: {msg}");
            assert!(msg.starts_with("agreement tm-ir-az: "), "{msg}");
        }
        let mut a = agreement(&[]);
        a.fields.push(("fee".into(), "10%".into()));
        assert!(SwapTerms::from_agreement(&a, &chart())
            .unwrap_err()
            .to_string()
            .contains("given twice"));
        let mut a = agreement(&[("kind", "offset")]);
        assert!(matches!(
            SwapTerms::from_agreement(&a, &chart()),
            Err(SwapError::NotASwap { .. })
        ));
        a = agreement(&[]);
        a.name = "a:b".into();
        assert!(SwapTerms::from_agreement(&a, &chart()).is_err());
        // Bounds are inclusive.
        assert_eq!(
            terms(&[("fee", "0%"), ("tolerance", "100%")]).fee_rate,
            d("0")
        );
    }

    #[test]
    fn energy_terms_need_an_energy_unit() {
        let t = terms(&[("basis", "energy"), ("commodity", "GJ")]);
        assert_eq!(t.basis, Basis::Energy);
        assert_eq!(t.commodity.code, "GJ");
    }

    #[test]
    fn fee_rounds_half_even_at_the_commodity_scale() {
        let one = d("0.01");
        // Ties go to the even digit: 0.0125 → 0.012 (half-up would say 0.013), 0.0135 → 0.014.
        assert_eq!(fee_of(d("1.250"), one, 3).unwrap(), d("0.012"));
        assert_eq!(fee_of(d("1.350"), one, 3).unwrap(), d("0.014"));
        assert_eq!(fee_of(d("-1.250"), one, 3).unwrap(), d("-0.012"));
        // Not a tie: the nearest.
        assert_eq!(fee_of(d("1.251"), one, 3).unwrap(), d("0.013"));
        assert_eq!(fee_of(d("160"), d("0.2"), 3).unwrap(), d("32"));
        assert_eq!(fee_of(d("6160000"), d("0.2"), 0).unwrap(), d("1232000"));
        assert_eq!(fee_of(d("2.5"), d("1"), 0).unwrap(), d("2"));
        assert_eq!(fee_of(d("3.5"), d("1"), 0).unwrap(), d("4"));
    }

    #[test]
    fn periods_label_and_bound() {
        let x = date("2024-02-29");
        assert_eq!(Period::Daily.label(x), "2024-02-29");
        assert_eq!(Period::Monthly.label(x), "2024-02");
        assert_eq!(Period::Quarterly.label(x), "2024-Q1");
        assert_eq!(Period::Yearly.label(x), "2024");
        assert_eq!(
            Period::Monthly.bounds(x),
            (date("2024-02-01"), date("2024-02-29"))
        );
        assert_eq!(
            Period::Quarterly.bounds(date("2022-11-15")),
            (date("2022-10-01"), date("2022-12-31"))
        );
        assert_eq!(Period::Quarterly.label(date("2022-12-31")), "2022-Q4");
        assert_eq!(
            Period::Yearly.bounds(x),
            (date("2024-01-01"), date("2024-12-31"))
        );
        assert_eq!(Period::Daily.bounds(x), (x, x));
    }

    #[test]
    fn several_legs_a_month() {
        let t = terms(&[]);
        let legs = [
            leg("2022-01-10", Side::Entry, "Sarakhs", "100.000"),
            leg("2022-01-20", Side::Entry, "Sarakhs", "60.000"),
            leg("2022-01-15", Side::Exit, "Astara", "50.000"),
            leg("2022-01-31", Side::Exit, "Astara", "30.000"),
            leg("2022-01-31", Side::Exit, "Nakhchivan", "48.000"),
        ];
        let rows = periods(&t, &booked(&t, &legs)).unwrap();
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!(r.period, "2022-01");
        assert_eq!((r.entry, r.fee, r.exit), (d("160"), d("32"), d("128")));
        assert_eq!((r.imbalance, r.cumulative), (d("0"), d("0")));
        assert_eq!(r.status, SwapStatus::Ok);
        assert_eq!(r.exit_by_point["Astara"], d("80"));
        assert_eq!(r.exit_by_point["Nakhchivan"], d("48"));
    }

    #[test]
    fn fee_is_rounded_per_leg_or_once_per_period() {
        let legs = [
            leg("2022-01-10", Side::Entry, "Sarakhs", "1.250"),
            leg("2022-01-20", Side::Entry, "Sarakhs", "1.250"),
            leg("2022-01-25", Side::Entry, "Sarakhs", "0.004"),
        ];
        // On each leg: 0.012 + 0.012 + 0.000, where the fee of the month's 2.504 is 0.025.
        let t = terms(&[("fee", "1%"), ("fee-basis", "leg")]);
        let r = &periods(&t, &booked(&t, &legs)).unwrap()[0];
        assert_eq!((r.fee, r.contract_fee), (d("0.024"), d("0.024")));
        // On the period (the default): the legs book 0.012, 0.013 and 0.000, the month's fee.
        let t = terms(&[("fee", "1%")]);
        let fees: Vec<Decimal> = booked(&t, &legs).iter().map(|l| l.fee).collect();
        assert_eq!(fees, vec![d("0.012"), d("0.013"), d("0")]);
        let r = &periods(&t, &booked(&t, &legs)).unwrap()[0];
        assert_eq!(
            (r.fee, r.contract_fee, r.fee_difference),
            (d("0.025"), d("0.025"), d("0"))
        );
        // What was booked is what counts: legs booked on a leg basis under period terms.
        let on_each = terms(&[("fee", "1%"), ("fee-basis", "leg")]);
        let r = &periods(&t, &booked(&on_each, &legs)).unwrap()[0];
        assert_eq!(
            (r.fee, r.contract_fee, r.fee_difference),
            (d("0.024"), d("0.025"), d("-0.001"))
        );
        assert_eq!(r.imbalance, d("2.480"));
    }

    #[test]
    fn cumulative_carries_over_empty_periods_and_year_end() {
        let t = terms(&[]);
        let legs = [
            leg("2023-01-31", Side::Entry, "Sarakhs", "100"),
            leg("2023-01-31", Side::Exit, "Astara", "79"),
            leg("2022-11-30", Side::Entry, "Sarakhs", "100"),
            leg("2022-11-30", Side::Exit, "Astara", "78"),
            leg("2022-09-30", Side::Entry, "Sarakhs", "100"),
            leg("2022-09-30", Side::Exit, "Astara", "81"),
        ];
        let rows = periods(&t, &booked(&t, &legs)).unwrap();
        let got: Vec<(&str, Decimal, Decimal)> = rows
            .iter()
            .map(|r| (r.period.as_str(), r.imbalance, r.cumulative))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2022-09", d("-1"), d("-1")),
                ("2022-11", d("2"), d("1")),
                ("2023-01", d("1"), d("2")),
            ]
        );
        let yearly = terms(&[("period", "yearly")]);
        let rows = periods(&yearly, &booked(&yearly, &legs)).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (rows[0].period.as_str(), rows[0].imbalance),
            ("2022", d("1"))
        );
        assert_eq!(
            (rows[1].period.as_str(), rows[1].cumulative),
            ("2023", d("2"))
        );
    }

    #[test]
    fn tolerance_bound_is_inclusive() {
        let t = terms(&[("fee", "0%")]);
        let status = |exit: &str| {
            let legs = [
                leg("2022-01-31", Side::Entry, "Sarakhs", "100.000"),
                leg("2022-01-31", Side::Exit, "Astara", exit),
            ];
            periods(&t, &booked(&t, &legs)).unwrap()[0].status
        };
        assert_eq!(status("98.000"), SwapStatus::Ok);
        assert_eq!(status("102.000"), SwapStatus::Ok);
        assert_eq!(status("97.999"), SwapStatus::OutsideTolerance);
        assert_eq!(status("102.001"), SwapStatus::OutsideTolerance);
        // Exit without entry: any imbalance is outside.
        let legs = [leg("2022-01-31", Side::Exit, "Astara", "0.001")];
        assert_eq!(
            periods(&t, &booked(&t, &legs)).unwrap()[0].status,
            SwapStatus::OutsideTolerance
        );
    }

    #[test]
    fn entry_leg_transaction() {
        let t = terms(&[("start", "2022-01-01")]);
        let req = LegRequest {
            side: Side::Entry,
            date: date("2022-01-31"),
            volume: Amount::new(d("160"), "mcm"),
            point: None,
            gcv: None,
            id: Some("e1".into()),
            description: None,
            status: Status::Unmarked,
            period_entry_before: Decimal::ZERO,
        };
        let l = t.leg_transaction(&req).unwrap();
        assert_eq!((l.quantity, l.fee), (d("160"), d("32")));
        let tx = &l.transaction;
        assert_eq!(tx.description, "Sarakhs entry");
        assert_eq!(
            tx.tags,
            vec![
                ("agreement".into(), "tm-ir-az".into()),
                ("leg".into(), "entry".into()),
                ("point".into(), "Sarakhs".into()),
            ]
        );
        let posts: Vec<(String, String)> = tx
            .postings
            .iter()
            .map(|p| (p.account.clone(), p.amount.as_ref().unwrap().to_string()))
            .collect();
        assert_eq!(
            posts,
            vec![
                ("IR:swap:tm-ir-az".into(), "160.000 mcm".into()),
                ("TM:gas:delivered".into(), "-160.000 mcm".into()),
                ("IR:fee:tm-ir-az".into(), "32.000 mcm".into()),
                ("IR:swap:tm-ir-az".into(), "-32.000 mcm".into()),
            ]
        );
        // The same in bcm converts exactly.
        let l = t
            .leg_transaction(&LegRequest {
                volume: Amount::new(d("0.16"), "bcm"),
                ..req.clone()
            })
            .unwrap();
        assert_eq!(l.quantity, d("160"));
        assert!(l
            .transaction
            .tags
            .contains(&("volume".into(), "0.16 bcm".into())));

        let refused = |r: LegRequest| t.leg_transaction(&r).unwrap_err().to_string();
        assert!(refused(LegRequest {
            date: date("2021-12-31"),
            ..req.clone()
        })
        .contains("before agreement tm-ir-az starts (2022-01-01)"));
        assert!(refused(LegRequest {
            point: Some("Sarakhz".into()),
            ..req.clone()
        })
        .contains("no entry point \"Sarakhz\" (its entry points: Sarakhs)"));
        assert!(refused(LegRequest {
            side: Side::Exit,
            ..req.clone()
        })
        .contains("2 exit points (Astara, Nakhchivan): say which with --point"));
        for bad in ["0", "-160"] {
            assert!(refused(LegRequest {
                volume: Amount::new(d(bad), "mcm"),
                ..req.clone()
            })
            .contains("must be positive"));
        }
        assert!(refused(LegRequest {
            volume: Amount::new(d("160"), "USD"),
            ..req.clone()
        })
        .contains("whose commodity is mcm"));
        assert!(refused(LegRequest {
            volume: Amount::new(d("160"), "GJ"),
            ..req.clone()
        })
        .contains("GJ is a unit of energy"));
        let msg = refused(LegRequest {
            volume: Amount::new(d("1"), "m3"),
            ..req.clone()
        });
        assert!(
            msg.contains("1 m3 is exactly 0.000001 mcm, which has more decimal places than the 3"),
            "{msg}"
        );
        let msg = refused(LegRequest {
            volume: Amount::new(d("1"), "bcf"),
            ..req.clone()
        });
        assert!(msg.contains("1 bcf is exactly 28.316846592 mcm"), "{msg}");
    }

    #[test]
    fn energy_leg() {
        let t = terms(&[("basis", "energy"), ("commodity", "GJ")]);
        let req = LegRequest {
            side: Side::Entry,
            date: date("2023-01-31"),
            volume: Amount::new(d("160"), "mcm"),
            point: None,
            gcv: Some(d("38.5")),
            id: None,
            description: None,
            status: Status::Cleared,
            period_entry_before: Decimal::ZERO,
        };
        let l = t.leg_transaction(&req).unwrap();
        assert_eq!((l.quantity, l.fee), (d("6160000"), d("1232000")));
        assert!(l.transaction.tags.ends_with(&[
            ("volume".into(), "160 mcm".into()),
            ("gcv".into(), "38.5".into())
        ]));
        let e = t
            .leg_transaction(&LegRequest {
                gcv: None,
                ..req.clone()
            })
            .unwrap_err();
        assert!(matches!(e, SwapError::GcvRequired { .. }));
        let msg = t
            .leg_transaction(&LegRequest {
                gcv: Some(d("38.5000001")),
                ..req.clone()
            })
            .unwrap_err()
            .to_string();
        assert!(
            msg.contains("160 mcm at 38.5000001 MJ/m3 is exactly 6160000.016 GJ"),
            "{msg}"
        );
        assert!(t
            .leg_transaction(&LegRequest {
                gcv: Some(d("0")),
                ..req.clone()
            })
            .is_err());
        assert!(t
            .leg_transaction(&LegRequest {
                volume: Amount::new(d("160"), "GJ"),
                ..req.clone()
            })
            .is_err());
    }
}
