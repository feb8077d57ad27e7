//! `Chart`: everything declared (commodities, parties, accounts), looked up by name, and each
//! new declaration checked against it.

use crate::model::account::{check_account_name, check_party_code, Account, Party};
use crate::model::amount::{self, AmountError, Commodity};
use crate::model::error::LedgerError;
use crate::model::limits::ACCOUNTS_MAX;
use crate::model::name_map::NameMap;
use crate::model::suggest::nearest;
use crate::model::text::{self, TEXT_LEN_MAX};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Everything declared: commodities, parties and accounts. Small (O(accounts)) and held in
/// memory by every command.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    pub commodities: BTreeMap<String, Commodity>,
    pub parties: BTreeMap<String, Party>,
    /// Listed in name order; looked up by hash (see `name_map`).
    pub accounts: NameMap<Account>,
}

impl Chart {
    /// The scale of commodity `code`; an undeclared commodity is an error, never scale 0.
    pub fn scale_of(&self, code: &str) -> Result<u32, LedgerError> {
        Ok(self.commodity(code)?.scale)
    }

    pub fn commodity(&self, code: &str) -> Result<&Commodity, LedgerError> {
        self.commodities
            .get(code)
            .ok_or_else(|| LedgerError::UnknownCommodity {
                code: code.to_string(),
                nearest: nearest(code, self.commodities.keys()),
            })
    }

    pub fn account(&self, name: &str) -> Result<&Account, LedgerError> {
        self.accounts
            .get(name)
            .ok_or_else(|| LedgerError::UndeclaredAccount {
                name: name.to_string(),
                nearest: nearest(name, self.accounts.keys()),
            })
    }

    /// Validate a new commodity against the chart (does not insert it).
    pub fn check_new_commodity(&self, c: &Commodity) -> Result<(), LedgerError> {
        if !amount::is_code(&c.code) {
            return Err(AmountError::BadCode {
                found: c.code.clone(),
            }
            .into());
        }
        if c.scale > amount::SCALE_MAX {
            return Err(LedgerError::ScaleTooLarge { scale: c.scale });
        }
        if let Some(old) = self.commodities.get(&c.code) {
            return Err(LedgerError::CommodityExists {
                code: c.code.clone(),
                kind: old.kind.to_string(),
                scale: old.scale,
            });
        }
        Ok(())
    }

    pub fn check_new_party(&self, p: &Party) -> Result<(), LedgerError> {
        check_party_code(&p.code)?;
        if let Some(name) = &p.name {
            text::length("party name", name, TEXT_LEN_MAX)?;
            text::tag_value("party name", name)?;
        }
        if self.parties.contains_key(&p.code) {
            return Err(LedgerError::PartyExists {
                code: p.code.clone(),
            });
        }
        Ok(())
    }

    /// Validate a new account: its name, its party, its floor's commodity and scale.
    pub fn check_new_account(&self, a: &Account) -> Result<(), LedgerError> {
        check_account_name(&a.name)?;
        text::declared_account(&a.name)?;
        if self.accounts.contains_key(&a.name) {
            return Err(LedgerError::AccountExists {
                name: a.name.clone(),
            });
        }
        if self.accounts.len() >= ACCOUNTS_MAX {
            return Err(LedgerError::TooManyAccounts);
        }
        let party = a.party();
        if !self.parties.contains_key(party) {
            return Err(LedgerError::UndeclaredParty {
                code: party.to_string(),
                account: a.name.clone(),
            });
        }
        if let Some(floor) = &a.floor {
            self.commodity(&floor.commodity)?.check_scale(floor.value)?;
        }
        Ok(())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::amount::Kind;

    /// Two commodities (mcm at scale 3, USD at 2), the parties TM and IR, four accounts.
    pub(in crate::model) fn chart() -> Chart {
        let mut c = Chart::default();
        for (code, kind, scale) in [("mcm", Kind::Volume, 3), ("USD", Kind::Money, 2)] {
            c.commodities.insert(
                code.into(),
                Commodity {
                    code: code.into(),
                    kind,
                    scale,
                },
            );
        }
        for p in ["TM", "IR"] {
            c.parties.insert(
                p.into(),
                Party {
                    code: p.into(),
                    name: None,
                },
            );
        }
        for a in ["TM:gas:delivered", "IR:swap:tm-ir-az", "IR:cash", "TM:cash"] {
            c.accounts.insert(
                a.into(),
                Account {
                    name: a.into(),
                    kind: None,
                    floor: None,
                },
            );
        }
        c
    }

    #[test]
    fn an_account_is_more_than_its_party() {
        let c = chart();
        let account = |name: &str| Account {
            name: name.into(),
            kind: None,
            floor: None,
        };
        assert!(c.check_new_account(&account("TM:receivable:IR")).is_ok());
        assert!(matches!(
            c.check_new_account(&account("TM")),
            Err(LedgerError::Text(_))
        ));
        let party = |name: &str| Party {
            code: "AZ".into(),
            name: Some(name.into()),
        };
        assert!(c.check_new_party(&party("Azerbaijan")).is_ok());
        for bad in [" Azerbaijan", "Azer\nbaijan", "Azerbaijan, the republic"] {
            assert!(c.check_new_party(&party(bad)).is_err(), "{bad:?}");
        }
        assert!(c.check_new_party(&party(&"x".repeat(70_000))).is_err());
    }
}
