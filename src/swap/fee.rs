//! The fee in kind: rounded in one function, [`fee_of`]; what a leg books on the agreement's
//! fee basis, and what the terms call for on a period.

use super::{FeeBasis, SwapError, SwapTerms};
use crate::model::amount::{self, AmountError};
use crate::model::units;
use rust_decimal::Decimal;

/// **The one place a swap amount is rounded**: the fee in kind of one entry leg, the leg × the
/// fee rate, rounded half-even (banker's rounding, `Decimal::round_dp`) to the commodity's
/// scale. The product itself is exact (an error, never a silent rounding, when it is not).
pub fn fee_of(leg: Decimal, fee_rate: Decimal, scale: u32) -> Result<Decimal, SwapError> {
    let exact = units::exact_mul(leg, fee_rate)?;
    Ok(exact.round_dp(scale))
}

impl SwapTerms {
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
}
