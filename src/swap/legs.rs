//! Swap legs: the transaction of one entry or exit leg, built from what the command line gives
//! and checked against the terms; and a leg read back out of a recorded transaction.

use super::{side_of, Basis, Side, SwapError, SwapTerms};
use crate::model::account::AccountType;
use crate::model::amount::{self, Amount};
use crate::model::date::Date;
use crate::model::transaction::{Posting, Status, Transaction};
use crate::model::units::{self, Dimension, UnitError};
use rust_decimal::Decimal;
use std::collections::HashMap;

impl SwapTerms {
    /// The accounts a leg posts to, with the type each is opened with when missing: each
    /// party's side of it.
    ///
    /// An entry moves the gas out of the supplier's books into the hub's system, against the
    /// supplier's claim in kind on the hub and the hub's duty to the supplier (both less the
    /// fee), and books the fee as the hub's revenue and the supplier's cost. An exit moves the
    /// gas out of the hub's system into the receiver's books: the hub's duty and the supplier's
    /// claim on the hub are discharged, and the receiver now owes the supplier.
    pub fn leg_accounts(&self, side: Side) -> Vec<(String, AccountType)> {
        match side {
            Side::Entry => vec![
                (self.swap_account(), AccountType::Asset),
                (self.hub_duty_account(), AccountType::Liability),
                (self.fee_account(), AccountType::Revenue),
                (self.delivered_account(), AccountType::Asset),
                (self.supplier_claim_account(), AccountType::Asset),
                (self.fee_cost_account(), AccountType::Expense),
            ],
            Side::Exit => vec![
                (self.received_account(), AccountType::Asset),
                (self.receiver_duty_account(), AccountType::Liability),
                (self.swap_account(), AccountType::Asset),
                (self.hub_duty_account(), AccountType::Liability),
                (self.supplier_claim_account(), AccountType::Asset),
                (self.receiver_claim_account(), AccountType::Asset),
            ],
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
        let value = match self.basis {
            Basis::Volume => self.volume_quantity(volume)?,
            Basis::Energy => self.energy_quantity(volume, gcv)?,
        };
        if value.normalize().scale() > self.commodity.scale {
            return Err(SwapError::NotAtScale {
                given: match (self.basis, gcv) {
                    (Basis::Energy, Some(g)) => format!("{volume} at {g} MJ/m3"),
                    _ => volume.to_string(),
                },
                exact: value.normalize(),
                code: self.commodity.code.clone(),
                scale: self.commodity.scale,
            });
        }
        Ok(value)
    }

    /// A leg given in a commodity the agreement cannot take.
    fn wrong_commodity(&self, volume: &Amount, why: String) -> SwapError {
        SwapError::WrongCommodity {
            agreement: self.name.clone(),
            given: volume.to_string(),
            commodity: self.commodity.code.clone(),
            why,
        }
    }

    /// On a volume basis: the volume, converted exactly when it is in another volume unit.
    fn volume_quantity(&self, volume: &Amount) -> Result<Decimal, SwapError> {
        let code = &self.commodity.code;
        if volume.commodity == *code {
            self.commodity.check_scale(volume.value)?;
            return Ok(volume.value);
        }
        let (Some(from), Some(to)) = (units::find(&volume.commodity), units::find(code)) else {
            return Err(self.wrong_commodity(
                volume,
                format!(
                    "give the volume in {code}{}",
                    if units::find(code).is_some() {
                        " or another volume unit (m3, mcm, bcm, mcf, bcf)"
                    } else {
                        ""
                    }
                ),
            ));
        };
        if from.dimension != Dimension::Volume {
            return Err(self.wrong_commodity(
                volume,
                format!(
                    "{} is a unit of {}, and this swap is on a volume basis",
                    from.code, from.dimension
                ),
            ));
        }
        units::convert(volume.value, from, to).map_err(not_exact)
    }

    /// On an energy basis: the volume × its GCV, in the agreement's energy unit.
    fn energy_quantity(&self, volume: &Amount, gcv: Option<Decimal>) -> Result<Decimal, SwapError> {
        let from = units::find(&volume.commodity)
            .filter(|u| u.dimension == Dimension::Volume)
            .ok_or_else(|| {
                self.wrong_commodity(
                    volume,
                    "on an energy basis a leg is a volume (m3, mcm, bcm, mcf, bcf) with its --gcv"
                        .into(),
                )
            })?;
        let gcv = gcv.ok_or_else(|| SwapError::GcvRequired {
            agreement: self.name.clone(),
        })?;
        let to = units::require(&self.commodity.code)?;
        units::energy_of(volume.value, from, gcv, to).map_err(not_exact)
    }

    /// The transaction of one leg, checked against the terms (not yet against the store).
    pub fn leg_transaction(&self, req: &LegRequest) -> Result<LegTransaction, SwapError> {
        let point = self.point(req.side, req.point.as_deref())?;
        self.check_date_and_gcv(req)?;
        let quantity = self.quantity(&req.volume, req.gcv)?;
        let tags = self.leg_tags(req, &point);
        let (postings, fee) = self.leg_postings(req, quantity)?;
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

    /// A leg is not dated before the agreement starts, and its GCV, if given, is positive.
    fn check_date_and_gcv(&self, req: &LegRequest) -> Result<(), SwapError> {
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
        Ok(())
    }

    /// `agreement`, `leg` and `point`; then what was measured, when the postings hold
    /// something else (a converted volume, or the energy of an energy-basis leg).
    fn leg_tags(&self, req: &LegRequest, point: &str) -> Vec<(String, String)> {
        let mut tags = vec![
            ("agreement".to_string(), self.name.clone()),
            ("leg".to_string(), req.side.as_str().to_string()),
            ("point".to_string(), point.to_string()),
        ];
        if req.volume.commodity != self.commodity.code {
            tags.push(("volume".to_string(), req.volume.to_string()));
        }
        if let Some(g) = req.gcv {
            tags.push(("gcv".to_string(), g.to_string()));
        }
        tags
    }

    /// The postings of a leg of `quantity`, and the fee an entry books.
    fn leg_postings(
        &self,
        req: &LegRequest,
        quantity: Decimal,
    ) -> Result<(Vec<Posting>, Decimal), SwapError> {
        let code = self.commodity.code.clone();
        let scale = self.commodity.scale;
        // At the commodity's scale, as a journal file writes it (160 → 160.000): the values
        // fit the scale already, so this only adds zeros.
        let amt = |v: Decimal| {
            // Never a negative zero (which would print as -0.000).
            let mut v = if v.is_zero() { Decimal::ZERO } else { v };
            v.rescale(scale);
            Some(Amount::new(v, code.clone()))
        };
        Ok(match req.side {
            Side::Entry => {
                let fee = self.leg_fee(quantity, req.period_entry_before)?;
                let kept = quantity
                    .checked_sub(fee)
                    .ok_or_else(|| SwapError::NotPositive {
                        found: format!("{quantity} less a fee of {fee}"),
                    })?;
                let mut p = vec![
                    Posting::new(self.swap_account(), amt(quantity)),
                    Posting::new(self.hub_duty_account(), amt(-kept)),
                ];
                // Booked even when it rounds to nothing, so that every entry shows its fee.
                let booked = !self.fee_rate.is_zero() || !fee.is_zero();
                if booked {
                    p.push(Posting::new(self.fee_account(), amt(-fee)));
                }
                p.push(Posting::new(self.delivered_account(), amt(-quantity)));
                p.push(Posting::new(self.supplier_claim_account(), amt(kept)));
                if booked {
                    p.push(Posting::new(self.fee_cost_account(), amt(fee)));
                }
                (p, fee)
            }
            Side::Exit => (
                vec![
                    Posting::new(self.received_account(), amt(quantity)),
                    Posting::new(self.receiver_duty_account(), amt(-quantity)),
                    Posting::new(self.swap_account(), amt(-quantity)),
                    Posting::new(self.hub_duty_account(), amt(quantity)),
                    Posting::new(self.supplier_claim_account(), amt(-quantity)),
                    Posting::new(self.receiver_claim_account(), amt(quantity)),
                ],
                Decimal::ZERO,
            ),
        })
    }
}

/// A conversion that does not land exactly is refused as such; any other unit error as it is.
fn not_exact(e: UnitError) -> SwapError {
    match e {
        e @ UnitError::NotExact { .. } => SwapError::NotExact(e),
        e => SwapError::Unit(e),
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
    /// What entered in the leg's settlement period before it (read from the store by
    /// `crate::reports::swap::period_entry_before`): the fee of an entry on a period basis
    /// depends on it.
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

/// What a leg transaction is a leg of: its terms, side and point.
pub fn leg_of<'t>(
    t: &Transaction,
    by_name: &HashMap<&str, &'t SwapTerms>,
) -> Option<(&'t SwapTerms, Side, String)> {
    let terms = *by_name.get(t.tag("agreement")?)?;
    let side = side_of(t.tag("leg")?)?;
    let point = match t.tag("point") {
        Some(p) => p.to_string(),
        None => match terms.points(side) {
            [only] => only.clone(),
            _ => "?".to_string(),
        },
    };
    Some((terms, side, point))
}

/// The leg `t` is, as [`leg_of`] found it (`terms`, `side`, `point`): worth what it posted to
/// the supplier's delivered account (negated) for an entry, to the receiver's received account
/// for an exit, in the agreement's commodity, with the fee an entry posted to the hub's fee
/// account (its revenue, so negated). A reversal of a leg, read with the terms, side and point of the leg it reverses,
/// is worth the same computed from its own postings (so, the opposite).
pub fn read_leg(
    t: &Transaction,
    terms: &SwapTerms,
    side: Side,
    point: String,
) -> Result<Leg, SwapError> {
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
            // The hub's revenue: booked negative.
            fee = amount::checked_add(fee, -a.value, what)?;
        }
    }
    Ok(Leg {
        date: t.date,
        side,
        point,
        quantity,
        fee,
        id: t.id.clone(),
    })
}
