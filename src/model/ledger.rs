//! The model: commodities, parties, accounts (the chart), transactions, and the balance
//! invariant. This module knows nothing of storage or of the command line.
//!
//! Invariant: a transaction is checked for balance in exactly one function,
//! [`check_balanced`], used on entry ([`Transaction::complete`]) and on replay (`store::verify`).

use crate::model::amount::{self, Amount, AmountError, Commodity};
use crate::model::date::Date;
use crate::model::name_map::NameMap;
use crate::model::text::{self, TextError, TEXT_LEN_MAX};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// Postings per transaction: a limit so that one bad line cannot make a transaction unbounded.
pub const POSTINGS_MAX: usize = 1_000;
/// Longest description accepted.
pub const DESCRIPTION_LEN_MAX: usize = 1_000;
/// Longest account name accepted, in characters.
pub const ACCOUNT_LEN_MAX: usize = 200;
/// Longest party code accepted, in characters (a party code is an account's first segment).
pub const PARTY_CODE_LEN_MAX: usize = 32;
/// Longest transaction id.
pub const ID_LEN_MAX: usize = 200;
/// Tags per transaction.
pub const TAGS_MAX: usize = 64;
/// Accounts in one store: account ids are `u32`, and the chart is held in memory.
pub const ACCOUNTS_MAX: usize = 1_000_000;
/// The kinds of agreement that some module gives a meaning to.
pub const AGREEMENT_KINDS: &[&str] = &["swap", "offset"];
/// Longest amount as a line holds it besides its commodity code: 29 digits, a sign, a point.
const AMOUNT_TEXT_LEN_MAX: usize = 32;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LedgerError {
    #[error(transparent)]
    Amount(#[from] AmountError),
    #[error("transaction does not balance: {}", residuals.iter().map(|(c, v)| format!("{c} is off by {v}")).collect::<Vec<_>>().join(", "))]
    Unbalanced { residuals: Vec<(String, Decimal)> },
    #[error("a transaction needs at least two postings, found {found}")]
    TooFewPostings { found: usize },
    #[error("a transaction may have at most {POSTINGS_MAX} postings, found {found}")]
    TooManyPostings { found: usize },
    #[error("only one posting per transaction may leave its amount out; postings {first} and {second} both do")]
    TwoInferred { first: usize, second: usize },
    #[error("cannot infer the missing amount: the other postings leave {0} commodities unbalanced, not one")]
    AmbiguousInference(usize),
    #[error("cannot infer the missing amount: the other postings already balance")]
    NothingToInfer,
    #[error("account {name} is not declared{}", suggestion(nearest))]
    UndeclaredAccount {
        name: String,
        nearest: Option<String>,
    },
    #[error("account {name} is declared already")]
    AccountExists { name: String },
    #[error("invalid account name {name:?}: {why}")]
    BadAccountName { name: String, why: String },
    #[error(
        "party {code} of account {account} is not declared (declare it with `party add {code}`)"
    )]
    UndeclaredParty { code: String, account: String },
    #[error("party {code} is declared already")]
    PartyExists { code: String },
    #[error("invalid party code {code:?}: expected letters, digits, '-' or '_', no ':'")]
    BadPartyCode { code: String },
    #[error("commodity {code} is not declared{}", suggestion(nearest))]
    UnknownCommodity {
        code: String,
        nearest: Option<String>,
    },
    #[error("commodity {code} is declared already with kind {kind} and scale {scale}")]
    CommodityExists {
        code: String,
        kind: String,
        scale: u32,
    },
    #[error(
        "scale {scale} is too large: at most {} decimal places",
        amount::SCALE_MAX
    )]
    ScaleTooLarge { scale: u32 },
    #[error("posting to {account} would take it to {balance} {commodity}, below its floor of {floor} {commodity}")]
    BelowFloor {
        account: String,
        commodity: String,
        balance: Decimal,
        floor: Decimal,
    },
    #[error("balance assertion failed: {account} is {actual} {commodity}, asserted {asserted} {commodity} (difference {difference})")]
    AssertionFailed {
        account: String,
        commodity: String,
        asserted: Decimal,
        actual: Decimal,
        difference: Decimal,
    },
    #[error("a price must be in another commodity than the posting ({commodity} @ {commodity})")]
    PriceSameCommodity { commodity: String },
    #[error("a total price (@@) must not be negative")]
    NegativeTotalPrice,
    #[error("{what} is too long: {found} characters, at most {max}")]
    TooLong {
        what: &'static str,
        found: usize,
        max: usize,
    },
    #[error("too many accounts: a store holds at most {ACCOUNTS_MAX}")]
    TooManyAccounts,
    #[error("a transaction may have at most {TAGS_MAX} tags, found {found}")]
    TooManyTags { found: usize },
    #[error("invalid tag {found:?}: {why}")]
    BadTag { found: String, why: String },
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("statement of {party} at {date} claims {account} twice: one claim per account")]
    RepeatedClaim {
        party: String,
        date: Date,
        account: String,
    },
    #[error("agreement {name}: {why}")]
    BadAgreement { name: String, why: String },
    #[error("statement id {id} is recorded already with other content; use a new id")]
    StatementIdConflict { id: String },
}

/// " (did you mean X?)" after an unknown name, when a declared one is near it; else nothing.
pub fn suggestion(nearest: &Option<String>) -> String {
    match nearest {
        Some(n) => format!(" (did you mean {n}?)"),
        None => String::new(),
    }
}

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

/// The declared name closest to `name` (Levenshtein distance, at most a third of its length).
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a String>) -> Option<String> {
    let limit = (name.chars().count() / 3).max(2);
    candidates
        .map(|c| (levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)))
        .map(|(_, c)| c.clone())
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

/// Cleared, pending, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Unmarked,
    Pending,
    Cleared,
}

impl Status {
    pub fn mark(self) -> &'static str {
        match self {
            Status::Unmarked => "",
            Status::Pending => "!",
            Status::Cleared => "*",
        }
    }
}

/// A price attached to a posting, converting it for balancing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "amount")]
pub enum Price {
    /// `@ UNIT PRICE`: the posting's amount × this.
    Unit(Amount),
    /// `@@ TOTAL PRICE`: this, with the posting's sign.
    Total(Amount),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub account: String,
    /// `None` only before [`Transaction::complete`]: the one posting whose amount is inferred.
    pub amount: Option<Amount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<Price>,
    /// `= AMOUNT`: the account's balance in that commodity after this posting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assertion: Option<Amount>,
    /// Tags from the posting's comment, `key: value`.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<(String, String)>,
}

impl Posting {
    pub fn new(account: impl Into<String>, amount: Option<Amount>) -> Posting {
        Posting {
            account: account.into(),
            amount,
            price: None,
            assertion: None,
            tags: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub date: Date,
    #[serde(default)]
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub description: String,
    /// Tags other than `id`, in the order given.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tags: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub postings: Vec<Posting>,
}

impl Transaction {
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The exact opposite of this transaction, linked to it by the tag `reverses`. Amounts are
    /// negated, prices kept (so it balances the same way), balance assertions dropped (they held
    /// for the original's place in the journal, not for this one's).
    pub fn reversal(&self, date: Date, id: Option<String>, reason: Option<&str>) -> Transaction {
        let mut tags = vec![(
            "reverses".to_string(),
            self.id.clone().unwrap_or_else(|| self.description.clone()),
        )];
        if let Some(r) = reason {
            tags.push(("reason".to_string(), r.to_string()));
        }
        Transaction {
            date,
            status: self.status,
            code: None,
            description: format!("Reversal: {}", self.description),
            tags,
            id,
            postings: self
                .postings
                .iter()
                .map(|p| Posting {
                    account: p.account.clone(),
                    amount: p.amount.as_ref().map(Amount::neg),
                    price: p.price.clone(),
                    assertion: None,
                    tags: p.tags.clone(),
                })
                .collect(),
        }
    }

    /// Check everything that does not depend on the store's balances, and fill in the inferred
    /// amount: declared accounts and commodities, scales, limits, and the balance invariant.
    /// After this, every posting has an amount.
    pub fn complete(&mut self, chart: &Chart) -> Result<(), LedgerError> {
        let n = self.postings.len();
        if n < 2 {
            return Err(LedgerError::TooFewPostings { found: n });
        }
        if n > POSTINGS_MAX {
            return Err(LedgerError::TooManyPostings { found: n });
        }
        check_len("description", &self.description, DESCRIPTION_LEN_MAX)?;
        if let Some(id) = &self.id {
            check_id(id)?;
        }
        if self.tags.len() > TAGS_MAX {
            return Err(LedgerError::TooManyTags {
                found: self.tags.len(),
            });
        }
        self.check_text()?;
        let mut inferred: Option<usize> = None;
        for (i, p) in self.postings.iter().enumerate() {
            chart.account(&p.account)?;
            match &p.amount {
                Some(a) => chart.commodity(&a.commodity)?.check_scale(a.value)?,
                None => {
                    if let Some(first) = inferred {
                        return Err(LedgerError::TwoInferred {
                            first: first + 1,
                            second: i + 1,
                        });
                    }
                    if p.price.is_some() {
                        return Err(LedgerError::AmbiguousInference(0));
                    }
                    inferred = Some(i);
                }
            }
            if let Some(price) = &p.price {
                check_price(chart, p.amount.as_ref(), price)?;
            }
            if let Some(a) = &p.assertion {
                chart.commodity(&a.commodity)?.check_scale(a.value)?;
            }
        }
        if let Some(i) = inferred {
            let residuals = residuals(self.postings.iter().filter_map(posting_weight))?;
            match residuals.as_slice() {
                [] => return Err(LedgerError::NothingToInfer),
                [(code, value)] => {
                    let (code, value) = (code.to_string(), -*value);
                    chart.commodity(&code)?.check_scale(value)?;
                    self.postings[i].amount = Some(Amount::new(value, code));
                }
                more => return Err(LedgerError::AmbiguousInference(more.len())),
            }
        }
        check_balanced(self.postings.iter().filter_map(posting_weight))?;
        self.normalize(chart)
    }

    /// Every text is one the journal can hold (`text`), and every line it is written on fits.
    fn check_text(&self) -> Result<(), LedgerError> {
        text::description(
            &self.description,
            self.status != Status::Unmarked,
            self.code.is_some(),
        )?;
        if let Some(code) = &self.code {
            text::length("transaction code", code, TEXT_LEN_MAX)?;
            text::code(code)?;
        }
        check_tags(&self.tags)?;
        if let Some((k, _)) = self.tags.iter().find(|(k, _)| k == "id") {
            return Err(LedgerError::BadTag {
                found: k.clone(),
                why: "the id is given as the transaction's id, not as one of its tags".into(),
            });
        }
        let header = 32
            + self.code.as_ref().map_or(0, String::len)
            + self.description.len()
            + text::tags_len(self.id.as_deref().map(|id| ("id", id)))
            + text::tags_len(self.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        text::check_line("the transaction's first line", header)?;
        let account_width = self.postings.iter().map(|p| p.account.len()).max();
        for p in &self.postings {
            check_tags(&p.tags)?;
            // The amount, a price and an assertion, each padded to the widest amount at most.
            let line = 8
                + account_width.unwrap_or(0)
                + 3 * (AMOUNT_TEXT_LEN_MAX + amount::CODE_LEN_MAX * 4 + 4)
                + text::tags_len(p.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
            if line > text::LINE_LEN_MAX {
                text::check_line(&format!("the posting to {}", p.account), line)?;
            }
        }
        Ok(())
    }

    /// Write every amount at its commodity's scale (padding only: scales were checked) and
    /// every price without trailing zeros, so that "160 mcm" and "160.000 mcm" are the same
    /// content for idempotency and print the same.
    fn normalize(&mut self, chart: &Chart) -> Result<(), LedgerError> {
        let at_scale = |a: &mut Amount| -> Result<(), LedgerError> {
            let scale = chart.commodity(&a.commodity)?.scale;
            if a.value.scale() == scale {
                // Written at its commodity's scale already, as most amounts are.
                return Ok(());
            }
            let mut v = a.value;
            v.rescale(scale);
            if v != a.value {
                return Err(AmountError::Overflow {
                    what: format!("{} {} at {scale} decimal places", a.value, a.commodity),
                }
                .into());
            }
            a.value = v;
            Ok(())
        };
        for p in &mut self.postings {
            if let Some(a) = &mut p.amount {
                at_scale(a)?;
            }
            if let Some(a) = &mut p.assertion {
                at_scale(a)?;
            }
            if let Some(Price::Unit(a) | Price::Total(a)) = &mut p.price {
                a.value = a.value.normalize();
            }
        }
        Ok(())
    }
}

/// One balance a party claims in a statement. Amounts carry the ledger's signs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    pub account: String,
    pub amount: Amount,
}

/// The balances a party claims at a date (a letter, a monthly statement). Not a transaction:
/// it never changes balances; reconciliation compares it with the books.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    pub date: Date,
    pub party: String,
    /// Its idempotency key, as a transaction's: the same id with the same content is recorded
    /// once, with other content refused. Absent from statements stored before ids existed.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub claims: Vec<Claim>,
}

impl Statement {
    /// Check a statement against the chart, and write its amounts at their commodities'
    /// scales (so that "5 USD" and "5.00 USD" are the same content): the party and every
    /// claimed account declared, amounts at their scale, one claim per account, and every
    /// text one the journal can hold.
    pub fn complete(&mut self, chart: &Chart) -> Result<(), LedgerError> {
        if !chart.parties.contains_key(&self.party) {
            return Err(LedgerError::UndeclaredParty {
                code: self.party.clone(),
                account: self.party.clone(),
            });
        }
        if let Some(id) = &self.id {
            check_id(id)?;
        }
        if let Some(source) = &self.source {
            text::length("statement source", source, TEXT_LEN_MAX)?;
            text::tag_value("statement source", source)?;
        }
        let header = 64
            + self.party.len()
            + text::tags_len(self.id.as_deref().map(|id| ("id", id)))
            + text::tags_len(self.source.as_deref().map(|s| ("source", s)));
        text::check_line("the statement's first line", header)?;
        let mut seen = std::collections::HashSet::with_capacity(self.claims.len());
        for c in &mut self.claims {
            chart.account(&c.account)?;
            let commodity = chart.commodity(&c.amount.commodity)?;
            commodity.check_scale(c.amount.value)?;
            if !seen.insert(c.account.as_str()) {
                return Err(LedgerError::RepeatedClaim {
                    party: self.party.clone(),
                    date: self.date,
                    account: c.account.clone(),
                });
            }
            let mut v = c.amount.value;
            v.rescale(commodity.scale);
            if v == c.amount.value {
                c.amount.value = v;
            }
        }
        Ok(())
    }
}

/// Named terms (`kind swap` or `kind offset` and their fields), kept as the ordered
/// `key value` lines of the `agreement` directive. The swap and settlement modules give the
/// fields their meaning and validate them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub name: String,
    pub fields: Vec<(String, String)>,
}

/// One field of an agreement, given after `before`: named by a plain word (letters, digits,
/// '-', '_', a letter first) not among `before`, with a value that a journal line can hold.
/// The journal parser checks each field with this as it reads it, so that the error names
/// the field's line.
pub fn check_agreement_field(
    before: &[(String, String)],
    key: &str,
    value: &str,
) -> Result<(), LedgerError> {
    let bad = |why: String| LedgerError::BadAgreement {
        name: String::new(),
        why,
    };
    let plain_word = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain_word {
        return Err(bad(format!(
            "field name {key:?} is not a plain word: expected letters, digits, '-' or '_', a \
             letter first, and the value after blanks (\"kind swap\", not \"kind: swap\")"
        )));
    }
    if before.iter().any(|(k, _)| k == key) {
        return Err(bad(format!("field {key} is given twice")));
    }
    text::length(&format!("value of field {key}"), value, TEXT_LEN_MAX)?;
    text::line_text(&format!("value of field {key}"), value)?;
    Ok(())
}

impl Agreement {
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The agreement's kind, if its `kind` field names one.
    pub fn kind(&self) -> Option<AgreementKind> {
        AgreementKind::parse(self.field("kind")?)
    }

    /// What every agreement must be, whatever its kind (each kind's module checks its own
    /// fields): a name that a tag `agreement: NAME` can hold, fields named by plain words
    /// (letters, digits, '-', '_', a letter first), each given once, values that a journal
    /// line can hold, and a `kind` among [`AGREEMENT_KINDS`].
    pub fn check(&self) -> Result<(), LedgerError> {
        let bad = |why: String| LedgerError::BadAgreement {
            name: self.name.clone(),
            why,
        };
        if self.name.is_empty() {
            return Err(bad("the name is empty".into()));
        }
        text::length("agreement name", &self.name, TEXT_LEN_MAX)?;
        text::line_text("agreement name", &self.name)?;
        text::tag_value("agreement name", &self.name)?;
        for (i, (key, value)) in self.fields.iter().enumerate() {
            check_agreement_field(&self.fields[..i], key, value).map_err(|e| match e {
                LedgerError::BadAgreement { why, .. } => bad(why),
                e => e,
            })?;
        }
        match self.field("kind") {
            None => Err(bad(format!(
                "the field kind is missing: expected one of {}",
                AGREEMENT_KINDS.join(", ")
            ))),
            Some(k) if AgreementKind::parse(k).is_none() => Err(bad(format!(
                "unknown kind {k:?}: expected one of {}",
                AGREEMENT_KINDS.join(", ")
            ))),
            Some(_) => Ok(()),
        }
    }
}

/// The kinds of agreement; each gives its terms a meaning of its own (`swap::SwapTerms`,
/// `settle::OffsetTerms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgreementKind {
    Swap,
    Offset,
}

impl AgreementKind {
    pub const ALL: [AgreementKind; 2] = [AgreementKind::Swap, AgreementKind::Offset];

    /// The word a journal and the command line name it by.
    pub fn name(self) -> &'static str {
        match self {
            AgreementKind::Swap => "swap",
            AgreementKind::Offset => "offset",
        }
    }

    pub fn parse(word: &str) -> Option<AgreementKind> {
        AgreementKind::ALL.into_iter().find(|k| k.name() == word)
    }
}

impl std::fmt::Display for AgreementKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A posting's price: in a declared commodity other than the posting's, and a total price
/// not negative.
fn check_price(chart: &Chart, amount: Option<&Amount>, price: &Price) -> Result<(), LedgerError> {
    let (Price::Unit(pa) | Price::Total(pa)) = price;
    chart.commodity(&pa.commodity)?;
    if amount.is_some_and(|a| a.commodity == pa.commodity) {
        return Err(LedgerError::PriceSameCommodity {
            commodity: pa.commodity.clone(),
        });
    }
    if matches!(price, Price::Total(t) if t.value.is_sign_negative() && !t.value.is_zero()) {
        return Err(LedgerError::NegativeTotalPrice);
    }
    Ok(())
}

/// An id (of a transaction or a statement): non-empty, written as a tag value.
pub fn check_id(id: &str) -> Result<(), LedgerError> {
    check_len("id", id, ID_LEN_MAX)?;
    if id.is_empty() {
        return Err(LedgerError::BadTag {
            found: id.to_string(),
            why: "an id must be non-empty".into(),
        });
    }
    text::tag_value("id", id)?;
    Ok(())
}

/// Tags as the journal writes them: each name one word, each value a tag value.
fn check_tags(tags: &[(String, String)]) -> Result<(), LedgerError> {
    for (k, v) in tags {
        text::length("tag name", k, TEXT_LEN_MAX)?;
        if v.len() > TEXT_LEN_MAX {
            text::length(&format!("tag value of {k}"), v, TEXT_LEN_MAX)?;
        }
        text::tag(k, v)?;
    }
    Ok(())
}

fn check_len(what: &'static str, s: &str, max: usize) -> Result<(), LedgerError> {
    // A string has at most as many characters as bytes: count only when it could be too long.
    if s.len() <= max {
        return Ok(());
    }
    let found = s.chars().count();
    if found > max {
        return Err(LedgerError::TooLong { what, found, max });
    }
    Ok(())
}

/// What a posting weighs for balancing: its amount, or its cost when it carries a price.
/// `None` for a posting whose amount is still to be inferred.
pub fn posting_weight(p: &Posting) -> Option<Result<(&str, Decimal), LedgerError>> {
    let a = p.amount.as_ref()?;
    let price = p.price.as_ref().map(|pr| match pr {
        Price::Unit(x) => (PriceKind::Unit, x.commodity.as_str(), x.value),
        Price::Total(x) => (PriceKind::Total, x.commodity.as_str(), x.value),
    });
    Some(weight(a.value, a.commodity.as_str(), price))
}

/// Whether a price is per unit (`@`) or for the whole posting (`@@`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceKind {
    Unit,
    Total,
}

/// The weight of an amount with an optional price, generic over how a commodity is named.
pub fn weight<C: fmt::Display>(
    value: Decimal,
    commodity: C,
    price: Option<(PriceKind, C, Decimal)>,
) -> Result<(C, Decimal), LedgerError> {
    Ok(match price {
        None => (commodity, value),
        Some((PriceKind::Unit, c, p)) => {
            let v = amount::checked_mul(value, p, || format!("{value} {commodity} @ {p} {c}"))?;
            (c, v)
        }
        Some((PriceKind::Total, c, p)) => (c, if value.is_sign_negative() { -p } else { p }),
    })
}

/// A balance assertion (`= AMOUNT`) against the balance after its posting.
pub fn check_assertion(
    account: &str,
    asserted: &Amount,
    actual: Decimal,
) -> Result<(), LedgerError> {
    if actual == asserted.value {
        return Ok(());
    }
    Err(LedgerError::AssertionFailed {
        account: account.to_string(),
        commodity: asserted.commodity.clone(),
        asserted: asserted.value,
        actual,
        difference: actual.checked_sub(asserted.value).unwrap_or(actual),
    })
}

/// An account's floor: the balance it may not go below, in the floor's commodity.
pub fn check_floor(
    account: &Account,
    commodity: &str,
    balance: Decimal,
) -> Result<(), LedgerError> {
    match &account.floor {
        Some(floor) if floor.commodity == commodity && balance < floor.value => {
            Err(LedgerError::BelowFloor {
                account: account.name.clone(),
                commodity: commodity.to_string(),
                balance,
                floor: floor.value,
            })
        }
        _ => Ok(()),
    }
}

/// The non-zero sums per commodity of a transaction's weights, sorted by commodity.
pub fn residuals<C: Ord + Clone>(
    weights: impl Iterator<Item = Result<(C, Decimal), LedgerError>>,
) -> Result<Vec<(C, Decimal)>, LedgerError> {
    // A transaction touches one or two commodities: a short vector beats a map.
    let mut sums: Vec<(C, Decimal)> = Vec::with_capacity(2);
    for w in weights {
        let (c, v) = w?;
        let i = match sums.iter().position(|(k, _)| *k == c) {
            Some(i) => i,
            None => {
                sums.push((c, Decimal::ZERO));
                sums.len() - 1
            }
        };
        let slot = &mut sums[i].1;
        *slot = amount::exact_add(*slot, v, || "the sum of a transaction's postings".into())?;
    }
    sums.retain(|(_, v)| !v.is_zero());
    sums.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(sums)
}

/// **The balance invariant**: for every commodity, the weights of a transaction's postings sum
/// to exactly zero. The one place where it is decided; generic over how a commodity is named
/// (a code on entry, a numeric id on replay).
pub fn check_balanced<C: Ord + Clone + fmt::Display>(
    weights: impl Iterator<Item = Result<(C, Decimal), LedgerError>>,
) -> Result<(), LedgerError> {
    let residuals = residuals(weights)?;
    if residuals.is_empty() {
        Ok(())
    } else {
        Err(LedgerError::Unbalanced {
            residuals: residuals
                .into_iter()
                .map(|(c, v)| (c.to_string(), v))
                .collect(),
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
    use crate::model::amount::Kind;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn chart() -> Chart {
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

    fn txn(posts: &[(&str, Option<(&str, &str)>)]) -> Transaction {
        Transaction {
            date: "2022-01-31".parse().unwrap(),
            status: Status::Cleared,
            code: None,
            description: "t".into(),
            tags: vec![],
            id: None,
            postings: posts
                .iter()
                .map(|(a, amt)| Posting::new(*a, amt.map(|(v, c)| Amount::new(d(v), c))))
                .collect(),
        }
    }

    #[test]
    fn balanced_transaction_passes() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("160", "mcm"))),
            ("TM:gas:delivered", Some(("-160.000", "mcm"))),
        ]);
        t.complete(&chart()).unwrap();
    }

    #[test]
    fn unbalanced_names_the_difference() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("160", "mcm"))),
            ("TM:gas:delivered", Some(("-159.999", "mcm"))),
        ]);
        let err = t.complete(&chart()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "transaction does not balance: mcm is off by 0.001"
        );
    }

    #[test]
    fn inferred_amount_is_filled() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("160", "mcm"))),
            ("TM:gas:delivered", None),
        ]);
        t.complete(&chart()).unwrap();
        assert_eq!(t.postings[1].amount, Some(Amount::new(d("-160"), "mcm")));
    }

    #[test]
    fn two_inferred_refused() {
        let mut t = txn(&[("IR:swap:tm-ir-az", None), ("TM:gas:delivered", None)]);
        assert!(matches!(
            t.complete(&chart()),
            Err(LedgerError::TwoInferred { .. })
        ));
    }

    #[test]
    fn one_posting_refused() {
        let mut t = txn(&[("IR:swap:tm-ir-az", Some(("160", "mcm")))]);
        assert_eq!(
            t.complete(&chart()),
            Err(LedgerError::TooFewPostings { found: 1 })
        );
    }

    #[test]
    fn undeclared_account_suggests_nearest() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-azz", Some(("160", "mcm"))),
            ("TM:gas:delivered", Some(("-160", "mcm"))),
        ]);
        assert_eq!(
            t.complete(&chart()).unwrap_err().to_string(),
            "account IR:swap:tm-ir-azz is not declared (did you mean IR:swap:tm-ir-az?)"
        );
    }

    #[test]
    fn prices_balance_across_commodities() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("10", "mcm"))),
            ("TM:cash", Some(("-3000.00", "USD"))),
        ]);
        t.postings[0].price = Some(Price::Unit(Amount::new(d("300"), "USD")));
        t.complete(&chart()).unwrap();
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("-10", "mcm"))),
            ("TM:cash", None),
        ]);
        t.postings[0].price = Some(Price::Total(Amount::new(d("3000"), "USD")));
        t.complete(&chart()).unwrap();
        assert_eq!(t.postings[1].amount, Some(Amount::new(d("3000"), "USD")));
    }

    #[test]
    fn too_many_decimals_refused() {
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some(("160.0001", "mcm"))),
            ("TM:gas:delivered", Some(("-160.0001", "mcm"))),
        ]);
        assert!(matches!(
            t.complete(&chart()),
            Err(LedgerError::Amount(AmountError::TooManyDecimals { .. }))
        ));
    }

    #[test]
    fn overflowing_sum_is_an_error() {
        let max = Decimal::MAX.to_string();
        let mut t = txn(&[
            ("IR:swap:tm-ir-az", Some((&max, "mcm"))),
            ("TM:gas:delivered", Some((&max, "mcm"))),
            ("TM:cash", Some(("1", "mcm"))),
        ]);
        assert!(matches!(
            t.complete(&chart()),
            Err(LedgerError::Amount(AmountError::Overflow { .. }))
        ));
    }

    #[test]
    fn texts_the_journal_cannot_hold_are_refused() {
        let t = |desc: &str, tags: &[(&str, &str)], id: Option<&str>| {
            let mut t = txn(&[
                ("IR:swap:tm-ir-az", Some(("160", "mcm"))),
                ("TM:gas:delivered", None),
            ]);
            t.description = desc.into();
            t.tags = tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            t.id = id.map(str::to_string);
            t.complete(&chart()).map_err(|e| e.to_string())
        };
        assert!(t(
            "Sarakhs entry, January",
            &[("point", "Sarakhs; east")],
            Some("a:b")
        )
        .is_ok());
        let e = t("Sarakhs; revised nomination", &[], None).unwrap_err();
        assert!(
            e.contains("description \"Sarakhs; revised nomination\""),
            "{e}"
        );
        assert!(t("a\tb", &[], None).unwrap_err().contains("'\\t'"));
        assert!(t("x", &[(":nobudget", "")], None)
            .unwrap_err()
            .contains("tag name"));
        assert!(t("x", &[("k", "a,b")], None).unwrap_err().contains("','"));
        assert!(t("x", &[], Some(" x")).unwrap_err().contains("blank"));
        assert!(t("x", &[("id", "y")], None).is_err());
        let many: Vec<(String, String)> = (0..20)
            .map(|i| (format!("k{i}"), "v".repeat(4000)))
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        assert!(t("x", &many, None).unwrap_err().contains("65536"));
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

    #[test]
    fn statements_claim_once_per_account_at_scale() {
        let claim = |v: &str| Claim {
            account: "TM:cash".into(),
            amount: Amount::new(d(v), "USD"),
        };
        let mut s = Statement {
            date: "2022-06-30".parse().unwrap(),
            party: "TM".into(),
            id: Some("s1".into()),
            source: None,
            claims: vec![claim("5")],
        };
        s.complete(&chart()).unwrap();
        assert_eq!(s.claims[0].amount.value.to_string(), "5.00");
        for second in ["5", "6"] {
            let mut s2 = s.clone();
            s2.claims.push(claim(second));
            assert!(matches!(
                s2.complete(&chart()),
                Err(LedgerError::RepeatedClaim { .. })
            ));
        }
        let mut s3 = s.clone();
        s3.source = Some("a\nb".into());
        assert!(s3.complete(&chart()).is_err());
        let mut s4 = s.clone();
        s4.party = "AZ".into();
        assert!(s4.complete(&chart()).is_err());
    }

    #[test]
    fn a_statement_without_an_id_is_stored_as_before() {
        // Stores keep statements as JSON: one without an id is written as before ids existed
        // (no "id" key), and what older versions wrote reads back with no id.
        let s = Statement {
            date: "2022-06-30".parse().unwrap(),
            party: "TM".into(),
            id: None,
            source: Some("letter".into()),
            claims: vec![],
        };
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("\"id\""), "{json}");
        let old: Statement = serde_json::from_str(&json).unwrap();
        assert_eq!(old, s);
        let with_id = Statement {
            id: Some("s1".into()),
            ..s
        };
        let json = serde_json::to_string(&with_id).unwrap();
        assert_eq!(serde_json::from_str::<Statement>(&json).unwrap(), with_id);
    }

    #[test]
    fn every_agreement_has_a_known_kind_and_plain_fields_once() {
        let a = |fields: &[(&str, &str)]| {
            Agreement {
                name: "tm-ir-az".into(),
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            }
            .check()
            .map_err(|e| e.to_string())
        };
        assert!(a(&[("kind", "swap"), ("exit", "Astara, Nakhchivan")]).is_ok());
        for (fields, why) in [
            (&[("kind:", "swap")][..], "not a plain word"),
            (&[("supplier", "TM")][..], "the field kind is missing"),
            (&[("kind", "barter")][..], "unknown kind \"barter\""),
            (&[("kind", "swap"), ("kind", "swap")][..], "given twice"),
            (&[("kind", "swap"), ("entry", "Sarakhs; east")][..], "';'"),
        ] {
            let e = a(fields).unwrap_err();
            assert!(e.contains(why), "{fields:?}: {e}");
        }
    }

    #[test]
    fn account_names_checked() {
        assert!(check_account_name("TM:gas:delivered").is_ok());
        for bad in ["", "TM::x", ":TM", "TM: x", "TM:a  b", "TM;x"] {
            assert!(check_account_name(bad).is_err(), "{bad:?}");
        }
    }
}
