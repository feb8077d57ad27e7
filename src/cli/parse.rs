//! Turning argument strings into domain values, once, at the edge.

use clap::builder::{PossibleValuesParser, TypedValueParser};
use gasledger::model::account::AccountType;
use gasledger::model::agreement::AgreementKind;
use gasledger::model::amount::{parse_amount, Amount, Kind};
use gasledger::model::date::Date;
use gasledger::model::fiscal::{Fiscal, FiscalError};
use gasledger::model::transaction::{Posting, Price, Status};
use gasledger::settle::DayCount;

/// `--status`: cleared (*), pending (!) or none.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum StatusArg {
    None,
    Pending,
    Cleared,
}

impl From<StatusArg> for Status {
    fn from(s: StatusArg) -> Status {
        match s {
            StatusArg::None => Status::Unmarked,
            StatusArg::Pending => Status::Pending,
            StatusArg::Cleared => Status::Cleared,
        }
    }
}

/// `--kind` of an agreement: the model's kinds, by the words a journal names them by.
pub fn agreement_kind() -> impl TypedValueParser<Value = AgreementKind> {
    PossibleValuesParser::new(AgreementKind::ALL.map(AgreementKind::name))
        .try_map(|w| AgreementKind::parse(&w).ok_or(format!("unknown agreement kind {w:?}")))
}

/// `--day-count` of a sale: the words an agreement names them by.
pub fn day_count() -> impl TypedValueParser<Value = DayCount> {
    PossibleValuesParser::new(DayCount::ALL.map(DayCount::name))
        .try_map(|w| DayCount::parse(&w).ok_or(format!("unknown day count {w:?}")))
}

pub fn kind(s: &str) -> Result<Kind, String> {
    s.parse()
}

pub fn account_type(s: &str) -> Result<AccountType, String> {
    s.parse()
}

pub fn date(s: &str) -> Result<Date, String> {
    s.parse()
        .map_err(|e: gasledger::model::date::DateError| e.to_string())
}

/// `--fiscal iran|MM-DD`.
pub fn fiscal(s: &str) -> Result<Fiscal, String> {
    s.parse().map_err(|e: FiscalError| e.to_string())
}

pub fn amount(s: &str) -> Result<Amount, String> {
    parse_amount(s).map_err(|e| e.to_string())
}

pub fn tag(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() && !k.contains([',', ':', ' ']) => {
            Ok((k.trim().to_string(), v.trim().to_string()))
        }
        _ => Err(format!(
            "expected KEY=VALUE (a key without spaces, ':' or ','), found {s:?}"
        )),
    }
}

/// `"ACCOUNT [AMOUNT] [@ PRICE | @@ TOTAL] [= ASSERTED]"`. The amount is the last two words
/// before any `@` or `=`; an account name may hold single spaces.
pub fn posting(s: &str) -> Result<Posting, String> {
    let (rest, assertion) = match s.split_once(" = ") {
        Some((r, a)) => (r, Some(amount(a)?)),
        None => (s, None),
    };
    let (rest, price) = if let Some((r, p)) = rest.split_once(" @@ ") {
        (r, Some(Price::Total(amount(p)?)))
    } else if let Some((r, p)) = rest.split_once(" @ ") {
        (r, Some(Price::Unit(amount(p)?)))
    } else {
        (rest, None)
    };
    let words: Vec<&str> = rest.split_whitespace().collect();
    let (account, amt) = if words.len() >= 3 {
        let tail = format!("{} {}", words[words.len() - 2], words[words.len() - 1]);
        match parse_amount(&tail) {
            Ok(a) => (words[..words.len() - 2].join(" "), Some(a)),
            Err(e)
                if looks_numeric(words[words.len() - 2])
                    || looks_numeric(words[words.len() - 1]) =>
            {
                return Err(format!("posting {s:?}: {e}"))
            }
            Err(_) => (words.join(" "), None),
        }
    } else if words.len() == 2 && (looks_numeric(words[1]) || looks_numeric(words[0])) {
        return Err(format!(
            "posting {s:?}: expected \"ACCOUNT AMOUNT\" with the commodity, e.g. \"IR:swap:tm-ir-az 160 mcm\""
        ));
    } else {
        (words.join(" "), None)
    };
    if account.is_empty() {
        return Err(format!("posting {s:?}: expected \"ACCOUNT AMOUNT\""));
    }
    if amt.is_none() && price.is_some() {
        return Err(format!("posting {s:?}: a price needs an amount before it"));
    }
    let mut p = Posting::new(account, amt);
    p.price = price;
    p.assertion = assertion;
    Ok(p)
}

/// A posting read as an account alone whose last word is a declared commodity was meant to
/// carry an amount ("IR:cash abc mcm"): say what is wrong with the number, not that the
/// account "IR:cash abc mcm" is undeclared.
pub fn misread_amount(p: &Posting, chart: &gasledger::model::chart::Chart) -> Option<String> {
    if p.amount.is_some() || chart.accounts.contains_key(&p.account) {
        return None;
    }
    let words: Vec<&str> = p.account.split_whitespace().collect();
    match words.as_slice() {
        [.., number, code] if words.len() >= 3 && chart.commodities.contains_key(*code) => {
            let e = gasledger::model::amount::parse_number(number).err()?;
            Some(format!("posting {:?}: {e}", p.account))
        }
        _ => None,
    }
}

fn looks_numeric(w: &str) -> bool {
    w.bytes().any(|b| b.is_ascii_digit())
        && w.bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b',' | b'e' | b'E'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postings() {
        let p = posting("IR:swap:tm-ir-az 160 mcm").unwrap();
        assert_eq!(p.account, "IR:swap:tm-ir-az");
        assert_eq!(p.amount.unwrap().to_string(), "160 mcm");
        let p = posting("TM:gas:delivered").unwrap();
        assert!(p.amount.is_none());
        let p = posting("TM:cash   USD -5.00").unwrap();
        assert_eq!(p.amount.unwrap().to_string(), "-5.00 USD");
        let p = posting("IR:gas 10 mcm @ 300 USD").unwrap();
        assert!(matches!(p.price, Some(Price::Unit(_))));
        let p = posting("IR:gas 10 mcm = 20 mcm").unwrap();
        assert_eq!(p.assertion.unwrap().to_string(), "20 mcm");
        assert!(posting("IR:gas 160").is_err());
        assert!(posting("IR:gas 1e3 mcm").is_err());
    }
}
