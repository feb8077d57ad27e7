//! Accounts and the parties they belong to: `Account`, its `AccountType`, `Party`; the shape
//! of an account name and of a party code; `party_of` and `is_under`, what a name says.

use crate::model::amount::Amount;
use crate::model::error::{check_len, LedgerError};
use crate::model::limits::{ACCOUNT_LEN_MAX, PARTY_CODE_LEN_MAX};
use crate::model::text;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The type of an account, as in ledger-cli and beancount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountType {
    Asset,
    Liability,
    Equity,
    Revenue,
    Expense,
}

impl AccountType {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Asset => "asset",
            AccountType::Liability => "liability",
            AccountType::Equity => "equity",
            AccountType::Revenue => "revenue",
            AccountType::Expense => "expense",
        }
    }
}

impl fmt::Display for AccountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AccountType {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "asset" | "assets" | "a" => AccountType::Asset,
            "liability" | "liabilities" | "l" => AccountType::Liability,
            "equity" | "e" => AccountType::Equity,
            "revenue" | "revenues" | "income" | "r" => AccountType::Revenue,
            "expense" | "expenses" | "x" => AccountType::Expense,
            _ => {
                return Err(format!(
                "unknown account type {s:?}: expected asset, liability, equity, revenue or expense"
            ))
            }
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub code: String,
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub name: String,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<AccountType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub floor: Option<Amount>,
}

impl Account {
    pub fn party(&self) -> &str {
        party_of(&self.name)
    }
}

/// The first segment of an account name: its party.
pub fn party_of(account: &str) -> &str {
    account.split(':').next().unwrap_or(account)
}

/// Whether `account` is `root` or one of its sub-accounts.
pub fn is_under(account: &str, root: &str) -> bool {
    account == root
        || (account.starts_with(root) && account.as_bytes().get(root.len()) == Some(&b':'))
}

/// Check the shape of an account name: non-empty colon-separated segments, no control
/// characters, no run of two spaces (which would end the name in a journal).
pub fn check_account_name(name: &str) -> Result<(), LedgerError> {
    let bad = |why: &str| LedgerError::BadAccountName {
        name: name.to_string(),
        why: why.to_string(),
    };
    if name.is_empty() {
        return Err(bad("it is empty"));
    }
    check_len("account name", name, ACCOUNT_LEN_MAX)?;
    if name
        .split(':')
        .any(|s| s.trim().is_empty() || s.trim() != s)
    {
        return Err(bad(
            "every ':'-separated segment must be non-empty, without spaces at its ends",
        ));
    }
    if name.contains("  ") || name.contains('\t') || name.chars().any(char::is_control) {
        return Err(bad(
            "it contains a tab, two spaces in a row or a control character",
        ));
    }
    if name.contains(';') || name.contains('=') || name.contains('@') {
        return Err(bad("';', '=' and '@' are reserved by the journal syntax"));
    }
    text::account_for_peers(name)?;
    Ok(())
}

/// Check the shape of a party code: one account segment.
pub fn check_party_code(code: &str) -> Result<(), LedgerError> {
    check_len("party code", code, PARTY_CODE_LEN_MAX)?;
    let ok = !code.is_empty()
        && code
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(LedgerError::BadPartyCode {
            code: code.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_accounts() {
        assert!(is_under("TM:gas:delivered", "TM:gas"));
        assert!(is_under("TM:gas", "TM:gas"));
        assert!(!is_under("TM:gasoline", "TM:gas"));
    }

    #[test]
    fn account_names_checked() {
        assert!(check_account_name("TM:gas:delivered").is_ok());
        for bad in ["", "TM::x", ":TM", "TM: x", "TM:a  b", "TM;x"] {
            assert!(check_account_name(bad).is_err(), "{bad:?}");
        }
    }
}
