//! A swap's terms: parsed and validated once from an agreement's raw fields, with the accounts
//! and points they name.

use super::{suggestion, Period, SwapError};
use crate::model::account;
use crate::model::agreement::Agreement;
use crate::model::amount::{Commodity, Kind};
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::intercompany::{self, Relation};
use crate::model::suggest;
use crate::model::units;
use rust_decimal::Decimal;
use std::collections::BTreeMap;
use std::fmt;

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

/// The side a `leg:` tag names.
pub fn side_of(leg: &str) -> Option<Side> {
    match leg {
        "entry" => Some(Side::Entry),
        "exit" => Some(Side::Exit),
        _ => None,
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

pub use crate::model::percent::{format_percent, parse_percent};

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
    /// The checks run in that order, so the first thing wrong is the one reported.
    pub fn from_agreement(a: &Agreement, chart: &Chart) -> Result<SwapTerms, SwapError> {
        check_kind(a)?;
        let f = Fields { a, chart };
        f.check_keys()?;
        let (supplier, hub, receiver) = f.parties()?;
        f.check_name(&hub)?;
        let entry_points = f.points(Side::Entry)?;
        let exit_points = f.points(Side::Exit)?;
        let basis = f.optional("basis", Basis::parse)?.unwrap_or(Basis::Volume);
        let commodity = f.commodity(basis)?;
        let fee_rate = f.rate("fee", &commodity)?;
        let tolerance_rate = f.rate("tolerance", &commodity)?;
        let period = f
            .optional("period", Period::parse)?
            .unwrap_or(Period::Monthly);
        let fee_basis = f
            .optional("fee-basis", FeeBasis::parse)?
            .unwrap_or(FeeBasis::Period);
        let start = f.optional("start", |s| {
            s.parse::<Date>().map_err(|e| format!("start: {e}"))
        })?;
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

    /// The gas in the hub's system under the swap (an asset of the hub's): what entered and
    /// has not left yet, and the fee it kept.
    pub fn swap_account(&self) -> String {
        format!("{}:swap:{}", self.hub, self.name)
    }
    /// The hub's fee in kind: its revenue (negative, as revenue is).
    pub fn fee_account(&self) -> String {
        format!("{}:fee:{}", self.hub, self.name)
    }
    /// The fee in kind as the supplier's cost.
    pub fn fee_cost_account(&self) -> String {
        format!("{}:expense:fee:{}", self.supplier, self.name)
    }
    /// The hub's duty in kind to the supplier: what entered, less the fee, not yet delivered
    /// on.
    pub fn hub_duty_account(&self) -> String {
        intercompany::account(&self.hub, Relation::DueTo, &self.supplier)
    }
    /// The supplier's claim in kind on the hub, the mirror of [`Self::hub_duty_account`].
    pub fn supplier_claim_account(&self) -> String {
        intercompany::account(&self.supplier, Relation::DueFrom, &self.hub)
    }
    /// What the receiver owes the supplier for the gas it received.
    pub fn receiver_duty_account(&self) -> String {
        intercompany::account(&self.receiver, Relation::DueTo, &self.supplier)
    }
    /// The supplier's claim on the receiver, the mirror of [`Self::receiver_duty_account`].
    pub fn receiver_claim_account(&self) -> String {
        intercompany::account(&self.supplier, Relation::DueFrom, &self.receiver)
    }
    /// The supplier's deliveries into the hub.
    pub fn delivered_account(&self) -> String {
        format!("{}:gas:delivered", self.supplier)
    }
    /// The receiver's deliveries out of the hub.
    pub fn received_account(&self) -> String {
        format!("{}:gas:received", self.receiver)
    }

    /// A side's points, in the agreement's order.
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
            nearest: suggest::nearest(name, agreements.keys()),
        })?;
    SwapTerms::from_agreement(a, chart)
}

/// An agreement that is not of kind `swap` is refused before its fields are read.
fn check_kind(a: &Agreement) -> Result<(), SwapError> {
    let kind = a.field("kind").unwrap_or("");
    if kind != "swap" {
        return Err(SwapError::NotASwap {
            name: a.name.clone(),
            kind: if kind.is_empty() {
                "(none)".into()
            } else {
                kind.into()
            },
        });
    }
    Ok(())
}

/// A swap agreement's raw fields, read one term at a time; every refusal names the agreement.
struct Fields<'a> {
    a: &'a Agreement,
    chart: &'a Chart,
}

impl<'a> Fields<'a> {
    fn bad(&self, message: String) -> SwapError {
        SwapError::Terms {
            name: self.a.name.clone(),
            message,
        }
    }

    /// Every field is one a swap has, and none is given twice.
    fn check_keys(&self) -> Result<(), SwapError> {
        let fields = &self.a.fields;
        for (i, (key, _)) in fields.iter().enumerate() {
            if !FIELDS.contains(&key.as_str()) {
                return Err(self.bad(format!(
                    "unknown field {key:?} (a swap has {})",
                    FIELDS.join(", ")
                )));
            }
            if fields[..i].iter().any(|(k, _)| k == key) {
                return Err(self.bad(format!("field {key} is given twice")));
            }
        }
        Ok(())
    }

    fn required(&self, key: &str) -> Result<&'a str, SwapError> {
        self.a
            .field(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| self.bad(format!("the field {key} is missing")))
    }

    /// A field that may be left out, parsed (trimmed) when it is given.
    fn optional<T>(
        &self,
        key: &str,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Result<Option<T>, SwapError> {
        match self.a.field(key) {
            None => Ok(None),
            Some(v) => parse(v.trim()).map(Some).map_err(|m| self.bad(m)),
        }
    }

    fn party(&self, role: &str) -> Result<String, SwapError> {
        let code = self.required(role)?;
        if !self.chart.parties.contains_key(code) {
            return Err(self.bad(format!(
                "{role} {code} is not a declared party{}",
                suggestion(&suggest::nearest(code, self.chart.parties.keys()))
            )));
        }
        Ok(code.to_string())
    }

    /// Supplier, hub and receiver: declared, and three different parties.
    fn parties(&self) -> Result<(String, String, String), SwapError> {
        let supplier = self.party("supplier")?;
        let hub = self.party("hub")?;
        let receiver = self.party("receiver")?;
        if supplier == hub || hub == receiver || supplier == receiver {
            return Err(self.bad(format!(
                "supplier, hub and receiver must be three different parties, found {supplier}, {hub}, {receiver}"
            )));
        }
        Ok((supplier, hub, receiver))
    }

    /// The name becomes the last segment of the hub's accounts.
    fn check_name(&self, hub: &str) -> Result<(), SwapError> {
        let name = &self.a.name;
        if name.contains(':') || account::check_account_name(&format!("{hub}:swap:{name}")).is_err()
        {
            return Err(self.bad(
                "an agreement's name must be usable as an account segment (no ':', ';', '=', '@', tabs or double spaces)".into(),
            ));
        }
        Ok(())
    }

    /// A side's points: comma-separated, none empty, none twice, at most [`POINTS_MAX`].
    fn points(&self, side: Side) -> Result<Vec<String>, SwapError> {
        let list = self.required(side.as_str())?;
        let mut out: Vec<String> = Vec::new();
        for p in list.split(',').map(str::trim) {
            if p.is_empty() {
                return Err(self.bad(format!("{side} {list:?} names an empty point")));
            }
            if out.iter().any(|q| q == p) {
                return Err(self.bad(format!("{side} point {p} is named twice")));
            }
            out.push(p.to_string());
        }
        if out.len() > POINTS_MAX {
            return Err(self.bad(format!("{} {side} points, at most {POINTS_MAX}", out.len())));
        }
        Ok(out)
    }

    /// The commodity: declared, of the kind the basis needs, and, when its code is a unit, a
    /// unit of that kind; on an energy basis it must be an energy unit.
    fn commodity(&self, basis: Basis) -> Result<Commodity, SwapError> {
        let code = self.required("commodity")?;
        let commodity = self
            .chart
            .commodity(code)
            .map_err(|e| self.bad(e.to_string()))?
            .clone();
        let want = match basis {
            Basis::Volume => Kind::Volume,
            Basis::Energy => Kind::Energy,
        };
        if commodity.kind != want {
            return Err(self.bad(format!(
                "the {} basis needs a commodity of kind {want}; {code} is of kind {}",
                basis.as_str(),
                commodity.kind
            )));
        }
        match (units::find(code), basis) {
            (Some(u), _) if u.dimension.to_string() != commodity.kind.as_str() => {
                return Err(self.bad(format!(
                    "{code} is a unit of {}, but it is declared as a {} commodity",
                    u.dimension, commodity.kind
                )));
            }
            (None, Basis::Energy) => {
                return Err(self.bad(format!(
                    "on an energy basis the commodity must be an energy unit that legs convert into (MJ, GJ, TJ, PJ, MWh, MMBtu); {code} is not one"
                )));
            }
            _ => {}
        }
        Ok(commodity)
    }

    /// A percentage field (fee, tolerance) as a fraction.
    fn rate(&self, key: &str, commodity: &Commodity) -> Result<Decimal, SwapError> {
        let text = self.required(key)?;
        let r = parse_percent(text).map_err(|e| self.bad(format!("{key} {e}")))?;
        // The fee of a leg (commodity scale) × rate must be exact in a Decimal.
        if r.scale() + commodity.scale > 28 {
            return Err(self.bad(format!(
                "{key} {text} has too many decimal places for {}",
                commodity.code
            )));
        }
        Ok(r)
    }
}
