//! The rulebook: what a transaction must satisfy, given the agreements it names, whichever way
//! it arrives — a command, a journal file, or a library call. The store's write path
//! ([`crate::store::PreparedBatch::prepare`]) asks it about every transaction, after the
//! transaction is complete (declared accounts, scales, balance), so no entry path can skip it.
//!
//! A transaction that names no agreement and no leg costs one look at its tags. One that does
//! is checked against the terms, parsed once per agreement when the rulebook learns of it:
//!
//! - `agreement: NAME` names a declared agreement; `leg:` appears only under a swap, and is
//!   `entry` or `exit`.
//! - A swap leg's `point:` is one of the agreement's points on that side (or is left out when
//!   the side has only one); its date is not before the agreement's `start`.
//! - Its postings are in the agreement's commodity, without a price, on the accounts the leg
//!   moves in each party's books ([`SwapTerms::leg_accounts`]): an entry on the hub's swap,
//!   fee and duty accounts and the supplier's delivered, claim and fee-cost accounts; an exit
//!   on the receiver's received and duty accounts, the hub's swap and duty accounts and the
//!   supplier's claims on the hub and on the receiver. Whether each party's side is there and
//!   balances is reconciliation's question (check 8), as for any transaction.
//! - The quantity is positive (an entry takes gas out of the supplier's account, an exit puts
//!   it into the receiver's); an entry under a fee above zero books its fee (zero is a fee),
//!   between none and the whole quantity.
//! - Where the leg keeps what was measured (`volume:`, and `gcv:` on an energy basis), the
//!   quantity posted is exactly what the measurement converts to; an energy-basis leg must
//!   keep both.
//!
//! A transaction under a sale is a delivery or an interest charge, read back by
//! [`crate::settle::check_sale_entry`]: a delivery on the seller's and the buyer's accounts of
//! the agreement, in its commodity and its money, its invoice the quantity × the price rounded
//! once, due the agreement's days after its date, with an id; an interest charge on the four
//! interest accounts, positive, over a period that is not empty, under a sale that bears
//! interest.
//!
//! A transaction tagged `settles: C` is a payment in another currency: it is exactly what
//! `pay --settles C` writes at the recorded fixing of its date (`settle::fx`).
//!
//! The fee posted is not required to be the agreement's: a fee that differs is accepted and is
//! what reconciliation reports (the books say what was done; the check says whether it was
//! right).

use crate::model::agreement::{Agreement, AgreementKind};
use crate::model::amount::{self, Amount};
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::fixing::{Fixing, FixingKey};
pub use crate::model::terms::{AgreementRules, RuleError};
use crate::model::transaction::Transaction;
use crate::settle::{OffsetTerms, SaleTerms};
use crate::swap::{side_of, Basis, Side, SwapTerms};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// What the rulebook knows of one agreement.
#[derive(Debug, Clone)]
enum Terms {
    Swap(Box<SwapTerms>),
    Offset(Box<OffsetTerms>),
    Sale(Box<SaleTerms>),
    /// Any other kind (its own module checks the transactions that need its balances).
    Other {
        kind: String,
    },
}

impl Terms {
    /// The terms of `a`, parsed by its kind's module against `chart`.
    fn of(a: &Agreement, chart: &Chart) -> Result<Terms, Box<dyn std::error::Error + Send + Sync>> {
        Ok(match a.kind() {
            Some(AgreementKind::Swap) => {
                Terms::Swap(Box::new(SwapTerms::from_agreement(a, chart)?))
            }
            Some(AgreementKind::Offset) => {
                Terms::Offset(Box::new(crate::settle::offset_terms(a, chart)?))
            }
            Some(AgreementKind::Sale) => {
                Terms::Sale(Box::new(crate::settle::sale_terms(a, chart)?))
            }
            None => Terms::Other {
                kind: a.field("kind").unwrap_or("").to_string(),
            },
        })
    }
}

/// Check a newly declared agreement: what every agreement must be, then what its kind asks
/// of its terms.
pub fn check_agreement(
    a: &Agreement,
    chart: &Chart,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    a.check()?;
    Terms::of(a, chart)?;
    Ok(())
}

/// The rules of the agreements known so far. Cheap to clone (an import's parser thread keeps a
/// copy beside the writer's).
#[derive(Debug, Clone, Default)]
pub struct Rulebook {
    terms: HashMap<String, Terms>,
    /// The fixings, each with the scale of the commodity it is quoted in.
    fixings: HashMap<FixingKey, (Fixing, u32)>,
}

impl Rulebook {
    /// The rulebook of a store's agreements. An agreement whose terms do not validate against
    /// the chart (it could not have been stored so) is known by its kind only.
    pub fn new<'a>(agreements: impl IntoIterator<Item = &'a Agreement>, chart: &Chart) -> Self {
        let mut r = Rulebook::default();
        for a in agreements {
            r.learn(a, chart);
        }
        r
    }

    /// Learn a newly declared agreement.
    pub fn learn(&mut self, a: &Agreement, chart: &Chart) {
        let terms = Terms::of(a, chart).unwrap_or_else(|_| Terms::Other {
            kind: a.field("kind").unwrap_or("").to_string(),
        });
        self.terms.insert(a.name.clone(), terms);
    }

    /// Learn a fixing; false, learning nothing, for another rate of one it knows.
    pub fn learn_fixing(&mut self, f: &Fixing, chart: &Chart) -> bool {
        let Ok(scale) = chart.scale_of(&f.rate.commodity) else {
            return false;
        };
        match self.fixings.get(&f.key()) {
            Some((known, _)) => known.same_as(f),
            None => {
                self.fixings.insert(f.key(), (f.clone(), scale));
                true
            }
        }
    }

    /// The fixing of `commodity` in `quote` on `date`, with the scale of `quote`.
    fn fixing(&self, commodity: &str, quote: &str, date: Date) -> Option<(Fixing, u32)> {
        self.fixings
            .get(&(commodity.to_string(), quote.to_string(), date))
            .cloned()
    }

    /// Check a complete transaction (every posting has its amount) against the rules of the
    /// agreement it names, if any, and a payment in another currency against its fixing.
    pub fn check(&self, t: &Transaction) -> Result<(), RuleError> {
        if let Some(settles) = t.tag(crate::settle::fx::SETTLES_TAG) {
            crate::settle::check_fx_payment(t, |c, q, d| self.fixing(c, q, d)).map_err(
                |message| RuleError::Payment {
                    settles: settles.to_string(),
                    message,
                },
            )?;
        }
        let (mut agreement, mut leg) = (None, None);
        for (k, v) in &t.tags {
            match k.as_str() {
                "agreement" => agreement = Some(v.as_str()),
                "leg" => leg = Some(v.as_str()),
                _ => {}
            }
        }
        let Some(name) = agreement else {
            return match leg {
                Some(leg) => Err(RuleError::LegWithoutAgreement {
                    leg: leg.to_string(),
                }),
                None => Ok(()),
            };
        };
        let terms = self
            .terms
            .get(name)
            .ok_or_else(|| RuleError::UnknownAgreement {
                name: name.to_string(),
                nearest: crate::model::suggest::nearest(name, self.terms.keys()),
            })?;
        match terms {
            Terms::Swap(terms) => check_leg(terms, t, leg),
            Terms::Offset(terms) => check_offset(terms, t, leg),
            Terms::Sale(terms) => check_sale(terms, t, leg),
            Terms::Other { kind } => match leg {
                Some(leg) => Err(RuleError::LegOutsideSwap {
                    agreement: name.to_string(),
                    kind: kind.clone(),
                    leg: leg.to_string(),
                }),
                None => Ok(()),
            },
        }
    }

    /// The terms of the offset agreement that `t` is recorded under, if it is one.
    pub fn offset_of(&self, t: &Transaction) -> Option<&OffsetTerms> {
        match self.terms.get(t.tag("agreement")?)? {
            Terms::Offset(o) => Some(o),
            _ => None,
        }
    }

    /// The terms of the sale agreement `name`, if it is one.
    pub fn sale(&self, name: &str) -> Option<&SaleTerms> {
        match self.terms.get(name)? {
            Terms::Sale(s) => Some(s),
            _ => None,
        }
    }

    /// The terms of the offset agreement `name`, if it is one.
    pub fn offset(&self, name: &str) -> Option<&OffsetTerms> {
        match self.terms.get(name)? {
            Terms::Offset(o) => Some(o),
            _ => None,
        }
    }
}

impl AgreementRules for Rulebook {
    fn check(&self, t: &Transaction) -> Result<(), RuleError> {
        Rulebook::check(self, t)
    }

    fn learn(&mut self, a: &Agreement, chart: &Chart) {
        Rulebook::learn(self, a, chart)
    }

    fn learn_fixing(&mut self, f: &Fixing, chart: &Chart) -> bool {
        Rulebook::learn_fixing(self, f, chart)
    }

    fn limit(&self, name: &str) -> Option<(Decimal, String)> {
        self.offset(name).map(|o| (o.limit, o.commodity.clone()))
    }

    fn counted(&self, t: &Transaction) -> Result<Decimal, RuleError> {
        let Some(terms) = self.offset_of(t) else {
            return Ok(Decimal::ZERO);
        };
        crate::settle::offset_legs(terms, t)
            .map(|(used, _)| used)
            .map_err(|e| RuleError::Offset {
                agreement: terms.name.clone(),
                message: e.to_string(),
            })
    }

    fn clone_box(&self) -> Box<dyn AgreementRules> {
        Box::new(self.clone())
    }
}

/// An offset: it assigns a positive amount of the agreement's commodity, and reduces the
/// intermediary's debt by as much as the claim it gives up. (What was owed at its date, and
/// the agreement's limit over every offset, need the books: the store checks them at the
/// commit.)
fn check_offset(terms: &OffsetTerms, t: &Transaction, leg: Option<&str>) -> Result<(), RuleError> {
    let bad = |message: String| RuleError::Offset {
        agreement: terms.name.clone(),
        message,
    };
    if let Some(leg) = leg {
        return Err(RuleError::LegOutsideSwap {
            agreement: terms.name.clone(),
            kind: "offset".into(),
            leg: leg.to_string(),
        });
    }
    let (used, reduced) = crate::settle::offset_legs(terms, t).map_err(|e| bad(e.to_string()))?;
    if used <= Decimal::ZERO {
        return Err(bad(format!(
            "it assigns nothing of {}'s claim on {} ({} moves by {} {})",
            terms.via,
            terms.debtor,
            terms.claim_account(),
            -used,
            terms.commodity
        )));
    }
    if used != reduced {
        return Err(bad(format!(
            "it gives up {used} {c} of {}'s claim but reduces its debt to {} by {reduced} {c}",
            terms.via,
            terms.creditor,
            c = terms.commodity
        )));
    }
    Ok(())
}

/// A delivery or an interest charge under a sale (see the module's documentation).
fn check_sale(terms: &SaleTerms, t: &Transaction, leg: Option<&str>) -> Result<(), RuleError> {
    if let Some(leg) = leg {
        return Err(RuleError::LegOutsideSwap {
            agreement: terms.name.clone(),
            kind: "sale".into(),
            leg: leg.to_string(),
        });
    }
    crate::settle::check_sale_entry(terms, t)
        .map(|_| ())
        .map_err(|message| RuleError::Sale {
            agreement: terms.name.clone(),
            message,
        })
}

fn check_leg(terms: &SwapTerms, t: &Transaction, leg: Option<&str>) -> Result<(), RuleError> {
    let bad = |message: String| RuleError::Leg {
        agreement: terms.name.clone(),
        message,
    };
    let leg = leg.ok_or_else(|| {
        bad("a transaction under a swap is a leg: tag it leg: entry or leg: exit".into())
    })?;
    let side = side_of(leg).ok_or_else(|| bad(format!("leg: {leg} is not entry or exit")))?;
    terms
        .point(side, t.tag("point"))
        .map_err(|e| bad(e.to_string()))?;
    if let Some(start) = terms.start {
        if t.date < start {
            return Err(bad(format!(
                "dated {}, before the agreement starts ({start})",
                t.date
            )));
        }
    }
    let (quantity, fee) = leg_postings(terms, t, side).map_err(bad)?;
    check_leg_figures(terms, side, quantity, fee).map_err(bad)?;
    check_measurement(terms, t, quantity).map_err(bad)
}

/// What a leg's postings move: the quantity (out of the supplier's delivered account for an
/// entry, into the receiver's received account for an exit) and the fee booked as the hub's
/// revenue on its fee account (negated; `None` where an entry books none); every posting in the agreement's commodity,
/// without a price, on the leg's accounts.
fn leg_postings(
    terms: &SwapTerms,
    t: &Transaction,
    side: Side,
) -> Result<(Decimal, Option<Decimal>), String> {
    let code = &terms.commodity.code;
    let allowed = terms.leg_accounts(side);
    let (mut quantity, mut fee) = (Decimal::ZERO, None);
    for p in &t.postings {
        let Some(a) = &p.amount else {
            return Err("a posting has no amount".into());
        };
        if a.commodity != *code {
            return Err(format!(
                "posting {} {a} is not in the agreement's commodity {code}",
                p.account
            ));
        }
        if p.price.is_some() {
            return Err(format!("posting {} {a} carries a price", p.account));
        }
        if !allowed.iter().any(|(name, _)| *name == p.account) {
            return Err(format!(
                "an {side} leg posts to {}, but only to {}",
                p.account,
                allowed
                    .iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let sum = |acc: Decimal, v: Decimal| {
            amount::checked_add(acc, v, || {
                format!("the postings of a leg under {}", terms.name)
            })
            .map_err(|e| e.to_string())
        };
        match side {
            Side::Entry if p.account == terms.delivered_account() => {
                quantity = sum(quantity, -a.value)?
            }
            // The hub's revenue, booked negative.
            Side::Entry if p.account == terms.fee_account() => {
                fee = Some(sum(fee.unwrap_or_default(), -a.value)?)
            }
            Side::Exit if p.account == terms.received_account() => {
                quantity = sum(quantity, a.value)?
            }
            _ => {}
        }
    }
    Ok((quantity, fee))
}

/// A leg's quantity is positive; an entry under a fee above zero books its fee (zero is a
/// fee), between none and the whole quantity.
fn check_leg_figures(
    terms: &SwapTerms,
    side: Side,
    quantity: Decimal,
    fee: Option<Decimal>,
) -> Result<(), String> {
    let code = &terms.commodity.code;
    let quantity_text = amount::format_at_scale(quantity, terms.commodity.scale);
    if quantity <= Decimal::ZERO {
        return Err(format!(
            "the quantity of an {side} leg must be positive, found {quantity_text} {code} ({})",
            match side {
                Side::Entry => format!("taken out of {}", terms.delivered_account()),
                Side::Exit => format!("put into {}", terms.received_account()),
            }
        ));
    }
    if side == Side::Entry {
        if fee.is_none() && !terms.fee_rate.is_zero() {
            return Err(format!(
                "an entry leg books the hub's fee in kind on {} (zero where it is none)",
                terms.fee_account()
            ));
        }
        let fee = fee.unwrap_or_default();
        if fee < Decimal::ZERO || fee > quantity {
            return Err(format!(
                "the fee booked, {} {code}, must be between none and the leg's {quantity_text} {code} \
                 (the hub's fee is its revenue: posted negative on {})",
                amount::format_at_scale(fee, terms.commodity.scale),
                terms.fee_account()
            ));
        }
    }
    Ok(())
}

/// A leg's `volume:` and `gcv:` tags against the quantity it posts.
fn check_measurement(terms: &SwapTerms, t: &Transaction, quantity: Decimal) -> Result<(), String> {
    let gcv = match t.tag("gcv") {
        Some(g) => Some(
            amount::parse_number(g)
                .map_err(|e| format!("gcv: {g} is not a number of MJ per m3: {e}"))?,
        ),
        None => None,
    };
    let volume = match t.tag("volume") {
        Some(v) => Some(
            v.parse::<Amount>()
                .map_err(|e| format!("volume: {v} is not an amount of gas: {e}"))?,
        ),
        None => None,
    };
    let volume = match (terms.basis, volume, gcv) {
        (Basis::Energy, Some(v), Some(_)) => v,
        (Basis::Energy, _, _) => {
            return Err(
                "on an energy basis a leg keeps what was measured: tag it volume: V and gcv: G"
                    .into(),
            )
        }
        (Basis::Volume, Some(v), _) => v,
        (Basis::Volume, None, _) => return Ok(()),
    };
    if let Some(g) = gcv {
        if g <= Decimal::ZERO {
            return Err(format!("gcv: {g} must be a positive number of MJ per m3"));
        }
    }
    let measured = terms.quantity(&volume, gcv).map_err(|e| e.to_string())?;
    if measured != quantity {
        let scale = terms.commodity.scale;
        return Err(format!(
            "it posts {} {code}, but what it measured ({volume}{}) is {} {code}",
            amount::format_at_scale(quantity, scale),
            gcv.map(|g| format!(" at {g} MJ/m3")).unwrap_or_default(),
            amount::format_at_scale(measured, scale),
            code = terms.commodity.code
        ));
    }
    Ok(())
}

/// The rulebook of a map of agreements, as a store keeps them.
pub fn of(agreements: &BTreeMap<String, Agreement>, chart: &Chart) -> Rulebook {
    Rulebook::new(agreements.values(), chart)
}

/// Open the store at `path` with the rulebook of its agreements and fixings, which every writer it gives
/// applies: the one way to open a store that is written to.
pub fn open(
    path: &std::path::Path,
    access: crate::store::Access,
    lock_timeout: std::time::Duration,
) -> Result<crate::store::Store, crate::store::StoreError> {
    let mut store = crate::store::Store::open(path, access, lock_timeout)?;
    let mut rules = of(store.agreements(), store.chart());
    for f in store.fixings().values() {
        rules.learn_fixing(f, store.chart());
    }
    store.set_rules(Box::new(rules));
    Ok(store)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Access, Store, StoreError};
    use std::time::Duration;

    /// The store applies the rules it is given and refuses to write without them, so no
    /// library caller can write past the rulebook by opening the store itself.
    #[test]
    fn a_store_is_written_only_with_its_rulebook() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("db");
        let mut bare = Store::open(&path, Access::Create, Duration::from_secs(5)).expect("open");
        assert!(matches!(bare.writer().err(), Some(StoreError::NoRules)));
        drop(bare);
        let mut store = open(&path, Access::Write, Duration::from_secs(5)).expect("open");
        assert!(store.writer().is_ok());
    }
}
