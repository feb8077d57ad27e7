//! The ledger as a beancount file (checked with beancount 3.2: `bean-check` passes with no
//! output).
//!
//! - **Accounts**: `ROOT:PARTY:Seg:…`. The root comes from the account's type: asset →
//!   `Assets`, liability → `Liabilities`, equity → `Equity`, revenue → `Income`, expense →
//!   `Expenses`. An account without a type takes the root of the first segment after its party
//!   that names one: `receivable(s)`, `due-from`, `cash`, `swap` (the gas in the hub's system)
//!   → `Assets`; `payable(s)`, `due-to` → `Liabilities`; `revenue(s)`, `income`, `fee(s)` → `Income`; `expense(s)` →
//!   `Expenses`; `equity` → `Equity` (case-insensitive); otherwise `Assets`. Each segment keeps
//!   its ASCII letters, digits and `-`; any other character becomes `-`; a lowercase first
//!   letter is capitalised, and a segment that starts with neither a letter nor a digit gets an
//!   `X` in front: `TM:receivable:IR` (asset) → `Assets:TM:Receivable:IR`, `IR:due-to:TM`
//!   (liability) → `Liabilities:IR:Due-to:TM`.
//! - **Commodities**: ASCII letters uppercased, digits and `_` kept, any other character `X`; a
//!   code of one character, or ending in `_`, gets an `X` appended (`mcm` → `MCM`, `MMBtu` →
//!   `MMBTU`, `m3` → `M3`).
//! - **Injective**: names are given in the chart's order (sorted by gasledger name). When two
//!   accounts map to the same name, the first keeps it and the next get `-2`, `-3`, … after
//!   their last segment; colliding commodities get `_2`, `_3`, …; `TRUE`, `FALSE` and `NULL`
//!   (beancount keywords) always get a suffix. A suffixed name is never one that another
//!   account or commodity maps to on its own. `open` and `commodity` directives carry the
//!   gasledger name in their metadata (`name: "TM:receivable:IR"`, `code: "mcm"`).
//! - `open` is dated at the account's first posting (unused accounts, and `commodity`
//!   directives, at the first transaction's date, or 1970-01-01 in an empty ledger).
//! - Transactions: `*` and `!` are kept, an unmarked transaction is `txn` (beancount has no
//!   unmarked state); the description is the quoted narration (`"` and `\` escaped); the code
//!   and the id become metadata (`code: "C7"`, `id: "…"`), and so does every tag: keys
//!   lowercased, any character other than a letter, digit, `-` or `_` turned into `-`, `tag-`
//!   in front of a key that does not start with a letter or is one character long, and `-2`,
//!   `-3`, … on a key already used in the same entry.
//! - A balance assertion `= X` becomes `balance ACCOUNT X` dated the next day (beancount checks
//!   at the start of a day, and includes sub-accounts) only when that is what beancount will
//!   find there: the balance at the end of the day of the account and of every account mapped
//!   under it. Otherwise it is dropped with a comment line after its transaction.
//! - Fixings (`P` directives) are `price` directives.
//! - Prices `@`/`@@` are kept; beancount refuses negative unit prices and weighs a total price
//!   on a zero amount as nothing, so a ledger holding either cannot be exported.

use crate::export::bean_balances::{BeanCheck, Checks, Facts};
use crate::export::peer::{check_price, invalid, label, number, pad, write_commented, Peer};
use crate::export::{Books, ExportError};
use crate::journal::Directive;
use crate::model::account::{Account, AccountType};
use crate::model::amount::{format_at_scale, Amount};
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::transaction::{Posting, Price, Status, Transaction};
use rustc_hash::FxHashMap;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::io::{self, Write};

const HEADER: &str = "; gasledger export for beancount (gasledger export --format beancount).\n\
     ; Accounts are ROOT:PARTY:..., rooted by their type; parties, agreements and\n\
     ; statements, which beancount does not know, are comments.\n";

/// Write the books (the whole ledger, or one party's) as a beancount file. A first pass
/// gathers the dates the declarations need and the pairs that assertions name (then, if any, a
/// second their balances in date order); the last writes each transaction as it is read.
pub fn beancount(books: &Books, out: &mut impl Write) -> Result<(), ExportError> {
    let chart = books.chart();
    let facts = Facts::gather(books)?;
    let accounts = beancount_accounts(chart);
    let currencies = beancount_commodities(chart);
    let bean = Bean::new(chart, &accounts, &currencies);
    let mut checks = Checks::prepare(books, &facts, &accounts)?;

    let mut buf = String::with_capacity(4096);
    buf.push_str(HEADER);
    buf.push_str(&books.note());
    let default_date = match facts.first {
        Some(d) => d,
        None => Date::new(1970, 1, 1).map_err(|e| invalid(e.to_string()))?,
    };
    write_parties(&mut buf, chart);
    bean.write_commodities(&mut buf, default_date);
    bean.write_opens(&mut buf, &facts.opened, default_date);
    bean.write_prices(&mut buf, books);
    out.write_all(buf.as_bytes())?;
    for a in books.agreements() {
        write_commented(out, &Directive::Agreement(a.clone()), chart)?;
    }

    let mut emitted = HashSet::new();
    books.for_each_txn(|t| -> Result<(), ExportError> {
        buf.clear();
        buf.push('\n');
        bean.transaction(&mut buf, t)?;
        bean.balances(&mut buf, t, &checks.of(t), &mut emitted);
        out.write_all(buf.as_bytes())?;
        Ok(())
    })?;
    for s in books.statements()? {
        write_commented(out, &Directive::Statement(s), chart)?;
    }
    Ok(())
}

/// The parties, as comment lines.
fn write_parties(buf: &mut String, chart: &Chart) {
    if chart.parties.is_empty() {
        return;
    }
    buf.push('\n');
    for p in chart.parties.values() {
        // A comment ends at the line's end: control characters become blanks.
        let name: Option<String> = p.name.as_ref().map(|n| {
            n.chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect()
        });
        match name {
            Some(name) => writeln!(buf, "; party {}: {name}", p.code),
            None => writeln!(buf, "; party {}", p.code),
        }
        .ok();
    }
}

/// A commodity's scale, for the figure in a comment: the commodity is a stored one, and
/// formatting pads and never cuts, so even scale 0 would show the exact figure.
fn scale(chart: &Chart, code: &str) -> u32 {
    chart.commodities.get(code).map_or(0, |c| c.scale)
}

/// The beancount root of an account: from its type, else from the first segment after its
/// party that names one (see the module documentation), else `Assets`.
fn beancount_root(account: &Account) -> &'static str {
    match account.kind {
        Some(AccountType::Asset) => "Assets",
        Some(AccountType::Liability) => "Liabilities",
        Some(AccountType::Equity) => "Equity",
        Some(AccountType::Revenue) => "Income",
        Some(AccountType::Expense) => "Expenses",
        None => account
            .name
            .split(':')
            .skip(1)
            .find_map(keyword_root)
            .unwrap_or("Assets"),
    }
}

fn keyword_root(segment: &str) -> Option<&'static str> {
    Some(match segment.to_ascii_lowercase().as_str() {
        "receivable" | "receivables" | "cash" | "due-from" | "swap" => "Assets",
        "payable" | "payables" | "due-to" => "Liabilities",
        "revenue" | "revenues" | "income" | "fee" | "fees" => "Income",
        "expense" | "expenses" => "Expenses",
        "equity" => "Equity",
        _ => return None,
    })
}

/// One account segment as a beancount name component: `[A-Z0-9][A-Za-z0-9-]*`.
fn beancount_component(segment: &str) -> String {
    let mut s: String = segment
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    match s.chars().next() {
        Some(c) if c.is_ascii_lowercase() => {
            s.replace_range(..1, &c.to_ascii_uppercase().to_string())
        }
        Some(c) if c.is_ascii_uppercase() || c.is_ascii_digit() => {}
        _ => s.insert(0, 'X'),
    }
    s
}

/// A commodity code as a beancount currency, before collisions are resolved.
fn beancount_currency(code: &str) -> String {
    let mut s: String = code
        .chars()
        .map(|c| match c {
            'a'..='z' => c.to_ascii_uppercase(),
            'A'..='Z' | '0'..='9' | '_' => c,
            _ => 'X',
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_uppercase()) {
        s.insert(0, 'X');
    }
    if s.len() < 2 || s.ends_with('_') {
        s.push('X');
    }
    s
}

/// Give each key its base name unless that name is taken or reserved; else the first
/// `suffix(base, n)`, n = 2, 3, …, that no key has as its own base name and none was given.
fn unique_names(
    bases: Vec<(String, String)>,
    reserved: &[&str],
    suffix: impl Fn(&str, u32) -> String,
) -> BTreeMap<String, String> {
    let all: HashSet<String> = bases.iter().map(|(_, b)| b.clone()).collect();
    let mut given: HashSet<String> = HashSet::new();
    let mut out = BTreeMap::new();
    for (key, base) in bases {
        let name = if given.contains(&base) || reserved.contains(&base.as_str()) {
            (2..)
                .map(|n| suffix(&base, n))
                .find(|c| !all.contains(c) && !given.contains(c) && !reserved.contains(&c.as_str()))
                .unwrap_or(base)
        } else {
            base
        };
        given.insert(name.clone());
        out.insert(key, name);
    }
    out
}

/// Every declared account's beancount name, by gasledger name (injective).
fn beancount_accounts(chart: &Chart) -> BTreeMap<String, String> {
    let bases = chart
        .accounts
        .values()
        .map(|a| {
            let mut name = beancount_root(a).to_string();
            for segment in a.name.split(':') {
                name.push(':');
                name.push_str(&beancount_component(segment));
            }
            (a.name.clone(), name)
        })
        .collect();
    unique_names(bases, &[], |base, n| format!("{base}-{n}"))
}

/// Every declared commodity's beancount currency, by gasledger code (injective).
fn beancount_commodities(chart: &Chart) -> BTreeMap<String, String> {
    let bases = chart
        .commodities
        .keys()
        .map(|code| (code.clone(), beancount_currency(code)))
        .collect();
    unique_names(bases, &["TRUE", "FALSE", "NULL"], |base, n| {
        format!("{base}_{n}")
    })
}

/// A metadata key: `[a-z][a-z0-9_-]+`.
fn beancount_key(key: &str) -> String {
    let mut s: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    if !s.starts_with(|c: char| c.is_ascii_lowercase()) || s.len() < 2 {
        s.insert_str(0, "tag-");
    }
    s
}

/// A key not used yet in this entry (`filename` and `lineno` are beancount's own). An entry
/// has few keys: a list is quicker to search than a set is to build.
fn unique_key(used: &mut Vec<String>, key: &str) -> String {
    let base = beancount_key(key);
    let key = if used.contains(&base) {
        (2..)
            .map(|n| format!("{base}-{n}"))
            .find(|k| !used.contains(k))
            .unwrap_or(base)
    } else {
        base
    };
    used.push(key.clone());
    key
}

fn reserved_keys() -> Vec<String> {
    vec!["filename".to_string(), "lineno".to_string()]
}

/// A beancount string: `"` and `\` escaped, and line breaks and tabs as `\n`, `\r`, `\t`.
fn bean_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

struct Bean<'a> {
    chart: &'a Chart,
    /// Beancount names by gasledger name, of accounts and of commodities (hashed: every
    /// posting looks its own up).
    accounts: FxHashMap<&'a str, &'a str>,
    currencies: FxHashMap<&'a str, &'a str>,
}

impl<'a> Bean<'a> {
    fn new(
        chart: &'a Chart,
        accounts: &'a BTreeMap<String, String>,
        currencies: &'a BTreeMap<String, String>,
    ) -> Bean<'a> {
        let index = |m: &'a BTreeMap<String, String>| {
            m.iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect::<FxHashMap<_, _>>()
        };
        Bean {
            chart,
            accounts: index(accounts),
            currencies: index(currencies),
        }
    }

    fn account<'s>(&'s self, name: &'s str) -> &'s str {
        self.accounts.get(name).copied().unwrap_or(name)
    }

    fn currency(&self, code: &str) -> Cow<'_, str> {
        match self.currencies.get(code) {
            Some(c) => Cow::Borrowed(c),
            None => Cow::Owned(beancount_currency(code)),
        }
    }

    fn amount(&self, a: &Amount) -> String {
        format!("{} {}", number(a, self.chart), self.currency(&a.commodity))
    }

    fn transaction(&self, buf: &mut String, t: &Transaction) -> io::Result<()> {
        for p in &t.postings {
            check_price(t, p, Peer::Beancount)?;
            if !self.accounts.contains_key(p.account.as_str()) {
                return Err(invalid(format!(
                    "{} posts to {}, which is not declared",
                    label(t),
                    p.account
                )));
            }
        }
        let flag = match t.status {
            Status::Cleared => "*",
            Status::Pending => "!",
            Status::Unmarked => "txn",
        };
        writeln!(buf, "{} {flag} {}", t.date, bean_str(&t.description)).ok();
        let mut used = reserved_keys();
        let meta = t
            .code
            .as_deref()
            .map(|c| ("code", c))
            .into_iter()
            .chain(t.id.as_deref().map(|id| ("id", id)))
            .chain(t.tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        for (k, v) in meta {
            writeln!(buf, "  {}: {}", unique_key(&mut used, k), bean_str(v)).ok();
        }

        let amounts: Vec<Option<String>> = t
            .postings
            .iter()
            .map(|p| p.amount.as_ref().map(|a| self.amount(a)))
            .collect();
        let account_width = t
            .postings
            .iter()
            .map(|p| self.account(&p.account).len())
            .max()
            .unwrap_or(0);
        let amount_width = amounts.iter().flatten().map(String::len).max().unwrap_or(0);
        for (p, amount) in t.postings.iter().zip(&amounts) {
            let account = self.account(&p.account);
            buf.push_str("  ");
            buf.push_str(account);
            if let Some(text) = amount {
                pad(buf, account_width - account.len() + 2);
                pad(buf, amount_width - text.len());
                buf.push_str(text);
            }
            match &p.price {
                Some(Price::Unit(a)) => write!(buf, " @ {}", self.amount(a)).ok(),
                Some(Price::Total(a)) => write!(buf, " @@ {}", self.amount(a)).ok(),
                None => None,
            };
            buf.push('\n');
            let mut used = Vec::new();
            for (k, v) in &p.tags {
                if used.is_empty() {
                    used = reserved_keys();
                }
                writeln!(buf, "    {}: {}", unique_key(&mut used, k), bean_str(v)).ok();
            }
        }
        Ok(())
    }

    fn write_commodities(&self, buf: &mut String, date: Date) {
        if self.chart.commodities.is_empty() {
            return;
        }
        buf.push('\n');
        for c in self.chart.commodities.values() {
            writeln!(
                buf,
                "{date} commodity {}\n  code: {}\n  kind: {}\n  scale: {}",
                self.currency(&c.code),
                bean_str(&c.code),
                bean_str(c.kind.as_str()),
                c.scale
            )
            .ok();
        }
    }

    /// The fixings as `price` directives (the rate with the decimals it was given).
    fn write_prices(&self, buf: &mut String, books: &Books) {
        let fixings = books.fixings();
        if fixings.is_empty() {
            return;
        }
        buf.push('\n');
        for f in fixings {
            writeln!(
                buf,
                "{} price {} {} {}",
                f.date,
                self.currency(&f.commodity),
                f.rate.value,
                self.currency(&f.rate.commodity)
            )
            .ok();
        }
    }

    /// An `open` for every account, at its first posting (`default` for an unused one).
    fn write_opens(&self, buf: &mut String, opened: &FxHashMap<String, Date>, default: Date) {
        if self.chart.accounts.is_empty() {
            return;
        }
        buf.push('\n');
        for a in self.chart.accounts.values() {
            let date = opened.get(a.name.as_str()).copied().unwrap_or(default);
            writeln!(
                buf,
                "{date} open {}\n  name: {}",
                self.account(&a.name),
                bean_str(&a.name)
            )
            .ok();
            if let Some(k) = a.kind {
                writeln!(buf, "  type: {}", bean_str(k.as_str())).ok();
            }
            if let Some(f) = &a.floor {
                let floor = format!("{} {}", number(f, self.chart), f.commodity);
                writeln!(buf, "  floor: {}", bean_str(&floor)).ok();
            }
        }
    }

    /// After transaction `t`, a `balance` directive for each of its assertions that beancount
    /// finds holding the next day (once per account, commodity and date), and a comment line
    /// for each other one. `checks`: what beancount finds at each posting's assertion.
    fn balances(
        &self,
        buf: &mut String,
        t: &Transaction,
        checks: &[Option<BeanCheck>],
        emitted: &mut HashSet<(String, String, Date)>,
    ) {
        for (p, check) in t.postings.iter().zip(checks) {
            let (Some(asserted), Some(check)) = (&p.assertion, check) else {
                continue;
            };
            let account = self.account(&p.account);
            match (check.next_day, check.actual == Some(asserted.value)) {
                (Some(next), true) => {
                    let key = (account.to_string(), asserted.commodity.clone(), next);
                    if emitted.insert(key) {
                        writeln!(
                            buf,
                            "{next} balance {account}  {} {}",
                            number(asserted, self.chart),
                            self.currency(&asserted.commodity)
                        )
                        .ok();
                    }
                }
                _ => self.dropped(buf, t, p, check),
            }
        }
    }

    /// The comment line for an assertion that is not exported, saying why.
    fn dropped(&self, buf: &mut String, t: &Transaction, p: &Posting, check: &BeanCheck) {
        let Some(asserted) = &p.assertion else {
            return;
        };
        let account = self.account(&p.account);
        let why = match (check.next_day, check.actual) {
            (None, _) => "there is no next day to date a balance directive".into(),
            (Some(_), Some(v)) => format!(
                "at the end of {} beancount finds {} {} in {account} and its sub-accounts",
                t.date,
                format_at_scale(v, scale(self.chart, &asserted.commodity)),
                self.currency(&asserted.commodity)
            ),
            (Some(_), None) => {
                "the balance beancount would check overflows an exact decimal".into()
            }
        };
        writeln!(
            buf,
            "; balance assertion {} = {} {} (after a posting of {}) not exported: {why}",
            p.account,
            number(asserted, self.chart),
            asserted.commodity,
            t.date
        )
        .ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::account::Party;
    use crate::model::amount::{Commodity, Kind};

    fn account(name: &str, kind: Option<AccountType>) -> Account {
        Account {
            name: name.into(),
            kind,
            floor: None,
        }
    }

    fn chart(accounts: &[(&str, Option<AccountType>)], codes: &[&str]) -> Chart {
        let mut c = Chart::default();
        for (name, kind) in accounts {
            let party = name.split(':').next().unwrap();
            c.parties.insert(
                party.into(),
                Party {
                    code: party.into(),
                    name: None,
                },
            );
            c.accounts.insert((*name).into(), account(name, *kind));
        }
        for code in codes {
            c.commodities.insert(
                (*code).into(),
                Commodity {
                    code: (*code).into(),
                    kind: Kind::Money,
                    scale: 2,
                },
            );
        }
        c
    }

    /// A valid beancount account name (ASCII form of beancount's own pattern).
    fn valid_account(name: &str) -> bool {
        let mut parts = name.split(':');
        let root_ok = matches!(
            parts.next(),
            Some("Assets" | "Liabilities" | "Equity" | "Income" | "Expenses")
        );
        let mut n = 0;
        let rest_ok = parts.all(|p| {
            n += 1;
            p.starts_with(|c: char| c.is_ascii_uppercase() || c.is_ascii_digit())
                && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
        root_ok && rest_ok && n > 0
    }

    /// A valid beancount currency, 2 to 24 characters, not a keyword.
    fn valid_currency(c: &str) -> bool {
        let b = c.as_bytes();
        (2..=24).contains(&b.len())
            && b[0].is_ascii_uppercase()
            && b.iter()
                .all(|&x| x.is_ascii_uppercase() || x.is_ascii_digit() || b"'._-".contains(&x))
            && (b[b.len() - 1].is_ascii_uppercase() || b[b.len() - 1].is_ascii_digit())
            && !["TRUE", "FALSE", "NULL"].contains(&c)
    }

    #[test]
    fn roots_follow_the_type() {
        use AccountType::*;
        let cases = [
            ("TM:receivable:IR", Some(Asset), "Assets:TM:Receivable:IR"),
            (
                "IR:payable:TM",
                Some(Liability),
                "Liabilities:IR:Payable:TM",
            ),
            ("IQ:equity", Some(Equity), "Equity:IQ:Equity"),
            ("IR:fee:tm-ir-az", Some(Revenue), "Income:IR:Fee:Tm-ir-az"),
            ("IR:expense:gas", Some(Expense), "Expenses:IR:Expense:Gas"),
            (
                "IR:swap:tm-ir-az",
                Some(Liability),
                "Liabilities:IR:Swap:Tm-ir-az",
            ),
            ("IR:due-to:TM", None, "Liabilities:IR:Due-to:TM"),
            ("TM:due-from:IR", None, "Assets:TM:Due-from:IR"),
            ("AZ:swap:x", None, "Assets:AZ:Swap:X"),
        ];
        let c = chart(
            &cases.iter().map(|(n, k, _)| (*n, *k)).collect::<Vec<_>>(),
            &[],
        );
        let names = beancount_accounts(&c);
        for (name, _, expected) in cases {
            assert_eq!(names[name], expected);
        }
    }

    #[test]
    fn untyped_accounts_take_a_root_from_their_segments() {
        let cases = [
            ("TM:receivable:IR", "Assets"),
            ("IR:payable:TM", "Liabilities"),
            ("IR:Payables:x", "Liabilities"),
            ("IR:swap:tm-ir-az", "Assets"),
            ("IR:due-to:TM", "Liabilities"),
            ("TM:due-from:IR", "Assets"),
            ("IR:fee:tm-ir-az", "Income"),
            ("TM:revenue:gas", "Income"),
            ("IQ:expense:gas", "Expenses"),
            ("IQ:equity", "Equity"),
            ("IQ:cash", "Assets"),
            ("TM:gas:delivered", "Assets"),
            // The party's own code is no keyword.
            ("equity:gas", "Assets"),
            // The first keyword wins.
            ("TM:payable:fee", "Liabilities"),
        ];
        for (name, root) in cases {
            assert_eq!(beancount_root(&account(name, None)), root, "{name}");
        }
    }

    #[test]
    fn components_are_valid_and_readable() {
        assert_eq!(beancount_component("receivable"), "Receivable");
        assert_eq!(beancount_component("IR"), "IR");
        assert_eq!(beancount_component("tm-ir-az"), "Tm-ir-az");
        assert_eq!(beancount_component("gas delivered"), "Gas-delivered");
        assert_eq!(beancount_component("gas_x"), "Gas-x");
        assert_eq!(beancount_component("2022"), "2022");
        assert_eq!(beancount_component("-x"), "X-x");
        assert_eq!(beancount_component("_x"), "X-x");
        assert_eq!(beancount_component("Türkmenbaşy"), "T-rkmenba-y");
        assert_eq!(beancount_component("ürün"), "X-r-n");
    }

    #[test]
    fn account_mapping_is_injective() {
        let accounts = [
            ("TM:receivable:IR", Some(AccountType::Asset)),
            ("TM:Receivable:IR", Some(AccountType::Asset)),
            ("TM:receivable:IR-2", Some(AccountType::Asset)),
            ("TM:gas_x", None),
            ("TM:gas-x", None),
            ("TM:gas x", None),
            ("TM:cash", None),
            ("TM:Cash", Some(AccountType::Liability)),
            ("TM:ürün", None),
            ("TM:ğrün", None),
        ];
        let c = chart(&accounts, &[]);
        let names = beancount_accounts(&c);
        let distinct: HashSet<&String> = names.values().collect();
        assert_eq!(distinct.len(), accounts.len(), "{names:#?}");
        for n in names.values() {
            assert!(valid_account(n), "{n}");
        }
        // The first in the chart's order keeps the readable name; a suffixed name never takes
        // another account's own name.
        assert_eq!(names["TM:Receivable:IR"], "Assets:TM:Receivable:IR");
        assert_eq!(names["TM:receivable:IR-2"], "Assets:TM:Receivable:IR-2");
        assert_eq!(names["TM:receivable:IR"], "Assets:TM:Receivable:IR-3");
        assert_eq!(names["TM:gas x"], "Assets:TM:Gas-x");
        assert_eq!(names["TM:gas-x"], "Assets:TM:Gas-x-2");
        assert_eq!(names["TM:gas_x"], "Assets:TM:Gas-x-3");
        // Different roots never collide.
        assert_eq!(names["TM:cash"], "Assets:TM:Cash");
        assert_eq!(names["TM:Cash"], "Liabilities:TM:Cash");
    }

    #[test]
    fn commodity_mapping_is_valid_and_injective() {
        let codes = [
            "mcm", "MCM", "MCM_2", "bcm", "MMBtu", "m3", "GJ", "USD", "J", "null", "true", "False",
            "gas_", "ton", "Ñu",
        ];
        let c = chart(&[], &codes);
        let names = beancount_commodities(&c);
        let distinct: HashSet<&String> = names.values().collect();
        assert_eq!(distinct.len(), codes.len(), "{names:#?}");
        for n in names.values() {
            assert!(valid_currency(n), "{n}");
        }
        assert_eq!(names["MCM"], "MCM");
        assert_eq!(names["MCM_2"], "MCM_2");
        assert_eq!(names["mcm"], "MCM_3");
        assert_eq!(names["MMBtu"], "MMBTU");
        assert_eq!(names["m3"], "M3");
        assert_eq!(names["USD"], "USD");
        assert_eq!(names["J"], "JX");
        assert_eq!(names["null"], "NULL_2");
        assert_eq!(names["true"], "TRUE_2");
        assert_eq!(names["False"], "FALSE_2");
        assert_eq!(names["gas_"], "GAS_X");
        assert_eq!(names["Ñu"], "XU");
    }

    #[test]
    fn metadata_keys_are_lowercase_and_unique() {
        let mut used = reserved_keys();
        assert_eq!(unique_key(&mut used, "id"), "id");
        assert_eq!(unique_key(&mut used, "Point"), "point");
        assert_eq!(unique_key(&mut used, "point"), "point-2");
        assert_eq!(unique_key(&mut used, "x"), "tag-x");
        assert_eq!(unique_key(&mut used, "2nd"), "tag-2nd");
        assert_eq!(unique_key(&mut used, "a.b"), "a-b");
        assert_eq!(unique_key(&mut used, "filename"), "filename-2");
        assert_eq!(unique_key(&mut used, "gcv_mj"), "gcv_mj");
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(bean_str("a \"b\" c\\d"), "\"a \\\"b\\\" c\\\\d\"");
        assert_eq!(bean_str("x\ny\tz"), "\"x\\ny\\tz\"");
    }
}
