//! The parser's tests, by subject: the helpers they share are here.

mod directives;
mod exports;
mod includes;
mod posting;
mod reader;
mod transaction;

use super::lex::tags;
use super::{open, parse_str, Parser};
use crate::journal::{Directive, ErrorKind, LINE_LEN_MAX};
use crate::model::account::{Account, AccountType, Party};
use crate::model::agreement::Agreement;
use crate::model::amount::{Amount, Commodity, Kind};
use crate::model::date::Date;
use crate::model::fixing::Fixing;
use crate::model::limits;
use crate::model::statement::{Claim, Statement};
use crate::model::transaction::{Price, Status, Transaction};
use rust_decimal::Decimal;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}

fn amt(v: &str, c: &str) -> Amount {
    Amount::new(d(v), c)
}

fn parse(text: &str) -> Vec<Directive> {
    parse_str("t.ledger", text)
        .unwrap_or_else(|e| panic!("{e}"))
        .into_iter()
        .map(|l| l.item)
        .collect()
}

fn one_txn(text: &str) -> Transaction {
    match parse(text).as_slice() {
        [Directive::Transaction(t)] => t.clone(),
        other => panic!("expected one transaction, got {other:?}"),
    }
}

fn error(text: &str) -> String {
    parse_str("t.ledger", text).unwrap_err().to_string()
}
