//! Rendering plain data as an aligned table, CSV or JSON. Reports are computed elsewhere; this
//! module only formats. Amounts are formatted here, at their commodity's scale: digit groups in
//! tables, plain decimals in CSV and JSON (JSON carries them as strings, which lose nothing).

use crate::checks::against::Comparison;
use crate::checks::{Check, CheckKind, Reconciliation, Status};
use crate::model::amount::format_grouped;
use serde_json::{Map, Value};
use std::io::{self, Write};

pub use crate::reports::table::{Cell, Table};

/// How one table is laid out: aligned text, CSV or JSON. (The command line's `--format`, which
/// also names pictures and journal dialects, is the binary's `OutputFormat`; its table values
/// map onto these.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    #[default]
    Table,
    Csv,
    Json,
}

impl Table {
    pub fn write(&self, out: &mut impl Write, layout: Layout) -> io::Result<()> {
        match layout {
            Layout::Table => self.write_table(out),
            Layout::Csv => self.write_csv(out),
            Layout::Json => self.write_json(out),
        }
    }

    /// Left-aligned text, right-aligned amounts, columns separated by two spaces, a rule under
    /// the header. Plain ASCII so that it reads the same in a terminal, a mail and a snapshot.
    pub fn write_table(&self, out: &mut impl Write) -> io::Result<()> {
        let cells: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| r.iter().map(grouped).collect())
            .collect();
        let numeric: Vec<bool> = (0..self.columns.len())
            .map(|i| self.rows.iter().any(|r| matches!(r[i], Cell::Amount(..))))
            .collect();
        let widths: Vec<usize> = (0..self.columns.len())
            .map(|i| {
                cells
                    .iter()
                    .map(|r| r[i].chars().count())
                    .chain([self.columns[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |out: &mut dyn Write, values: &[&str]| -> io::Result<()> {
            let mut s = String::new();
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    s.push_str("  ");
                }
                let pad = widths[i].saturating_sub(v.chars().count());
                if numeric[i] {
                    s.push_str(&" ".repeat(pad));
                    s.push_str(v);
                } else {
                    s.push_str(v);
                    s.push_str(&" ".repeat(pad));
                }
            }
            writeln!(out, "{}", s.trim_end())
        };
        let names: Vec<&str> = self.columns.iter().map(|c| c.as_ref()).collect();
        line(out, &names)?;
        let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
        line(out, &rule.iter().map(String::as_str).collect::<Vec<_>>())?;
        for r in &cells {
            line(out, &r.iter().map(String::as_str).collect::<Vec<_>>())?;
        }
        Ok(())
    }

    pub fn write_csv(&self, out: &mut impl Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        w.write_record(self.columns.iter().map(|c| c.as_ref()))?;
        for r in &self.rows {
            w.write_record(r.iter().map(Cell::plain))?;
        }
        w.flush()
    }

    pub fn to_json(&self) -> Value {
        Value::Array(
            self.rows
                .iter()
                .map(|r| {
                    let mut m = Map::new();
                    for (c, v) in self.columns.iter().zip(r) {
                        m.insert(c.to_string(), Value::String(v.plain()));
                    }
                    Value::Object(m)
                })
                .collect(),
        )
    }

    pub fn write_json(&self, out: &mut impl Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, &self.to_json())?;
        writeln!(out)
    }
}

/// The reconciliation as a desk reads it: what does not agree first, then what does, each
/// grouped by check, then a one-line summary.
/// With `every_row` false, the checks that hold are summarised one line per check (how many
/// subjects hold); with it true, every row is listed.
pub fn write_reconciliation(
    out: &mut impl Write,
    r: &Reconciliation,
    every_row: bool,
) -> io::Result<()> {
    write_rows(out, r, every_row)?;
    writeln!(out, "{}", summary(r))
}

/// `reconcile --against`: the rows as [`write_reconciliation`] lays them out, and what was
/// compared: `N transactions compared (B in both books, H only in this ledger, T only in
/// FILE), K differences: the books disagree` (or `agree`).
pub fn write_comparison(out: &mut impl Write, c: &Comparison, every_row: bool) -> io::Result<()> {
    write_rows(out, &c.rows, every_row)?;
    let k = c.differences();
    writeln!(
        out,
        "{} {} compared ({} in both books, {} only in this ledger, {} only in {}), {k} {}: \
         the books {}",
        c.compared(),
        if c.compared() == 1 {
            "transaction"
        } else {
            "transactions"
        },
        c.both,
        c.only_here,
        c.only_there,
        c.file,
        if k == 1 { "difference" } else { "differences" },
        if k == 0 { "agree" } else { "disagree" },
    )
}

/// The rows that do not hold under DISCREPANCIES, then those that hold under AGREES.
fn write_rows(out: &mut impl Write, r: &Reconciliation, every_row: bool) -> io::Result<()> {
    let wrong: Vec<_> = r.checks.iter().filter(|c| c.status != Status::Ok).collect();
    let right: Vec<_> = r.checks.iter().filter(|c| c.status == Status::Ok).collect();
    if !wrong.is_empty() {
        writeln!(out, "DISCREPANCIES")?;
        checks_table(&wrong).write_table(out)?;
        writeln!(out)?;
    }
    if !right.is_empty() && every_row {
        writeln!(out, "AGREES")?;
        checks_table(&right).write_table(out)?;
        writeln!(out)?;
    } else if !right.is_empty() {
        writeln!(out, "AGREES (--all lists every row)")?;
        holds_table(r).write_table(out)?;
        writeln!(out)?;
    }
    Ok(())
}

/// Every row as CSV: `check,subject,expected,actual,difference,status`.
pub fn write_reconciliation_csv(out: &mut impl Write, r: &Reconciliation) -> io::Result<()> {
    let rows: Vec<&Check> = r.checks.iter().collect();
    checks_table(&rows).write_csv(out)
}

/// Reconciliation rows as a table, in the order given (the order of the checks, so that each
/// check's rows stay together).
pub fn checks_table(rows: &[&Check]) -> Table {
    let mut t = Table::new(&[
        "check",
        "subject",
        "expected",
        "actual",
        "difference",
        "status",
    ]);
    for c in rows {
        t.push(vec![
            c.check.name().into(),
            c.subject.clone().into(),
            c.expected.clone(),
            c.actual.clone(),
            c.difference.clone(),
            c.status.as_str().into(),
        ]);
    }
    t
}

/// One row per check with rows that hold, in the order of the checks: the subject when the
/// check has a single row, else how many of its rows hold (`3 of 4`).
pub fn holds_table(r: &Reconciliation) -> Table {
    let mut t = Table::new(&["check", "holds"]);
    let mut order: Vec<CheckKind> = Vec::new();
    for c in &r.checks {
        if !order.contains(&c.check) {
            order.push(c.check);
        }
    }
    for check in order {
        let rows: Vec<_> = r.checks.iter().filter(|c| c.check == check).collect();
        let ok: Vec<_> = rows.iter().filter(|c| c.status == Status::Ok).collect();
        if ok.is_empty() {
            continue;
        }
        let holds = match ok.as_slice() {
            [one] if rows.len() == 1 => one.subject.clone(),
            _ => format!("{} of {}", ok.len(), rows.len()),
        };
        t.push(vec![check.name().into(), holds.into()]);
    }
    t
}

/// `N checks, M mismatches[, K outside tolerance][: the books agree]`.
fn summary(r: &Reconciliation) -> String {
    let n = r.checks.len();
    let mismatches = r.count(Status::Mismatch);
    let outside = r.count(Status::OutsideTolerance);
    let mut summary = format!("{n} {}", if n == 1 { "check" } else { "checks" });
    summary.push_str(&format!(
        ", {mismatches} {}",
        if mismatches == 1 {
            "mismatch"
        } else {
            "mismatches"
        }
    ));
    if outside > 0 {
        summary.push_str(&format!(", {outside} outside tolerance"));
    }
    if r.ok() {
        summary.push_str(": the books agree");
    }
    summary
}

/// `{"ok": bool, "checks": [{"check", "subject", "expected", "actual", "difference", "status"}]}`.
pub fn reconciliation_json(r: &Reconciliation) -> Value {
    let checks: Vec<Value> = r
        .checks
        .iter()
        .map(|c| {
            serde_json::json!({
                "check": c.check.name(),
                "subject": c.subject,
                "expected": json(&c.expected),
                "actual": json(&c.actual),
                "difference": json(&c.difference),
                "status": c.status.as_str(),
            })
        })
        .collect();
    serde_json::json!({ "ok": r.ok(), "checks": checks })
}

/// A JSON value: amounts as exact decimal strings, an empty cell as null.
fn json(cell: &Cell) -> Value {
    match cell {
        Cell::Text(s) if s.is_empty() => Value::Null,
        other => Value::String(other.plain()),
    }
}
fn grouped(cell: &Cell) -> String {
    match cell {
        Cell::Text(s) => s.clone(),
        Cell::Amount(v, scale) => format_grouped(*v, *scale),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;
    use std::str::FromStr;

    fn sample() -> Table {
        let mut t = Table::new(&["account", "commodity", "balance"]);
        t.push(vec![
            "IR:payable:TM".into(),
            "USD".into(),
            Cell::Amount(Decimal::from_str("-1800000000").unwrap(), 2),
        ]);
        t.push(vec![
            "TM:receivable:IR".into(),
            "USD".into(),
            Cell::Amount(Decimal::from_str("1800000000").unwrap(), 2),
        ]);
        t
    }

    #[test]
    fn table_aligns_amounts_right() {
        let mut out = Vec::new();
        sample().write_table(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "account           commodity            balance\n\
             ----------------  ---------  -----------------\n\
             IR:payable:TM     USD        -1,800,000,000.00\n\
             TM:receivable:IR  USD         1,800,000,000.00\n"
        );
    }

    #[test]
    fn csv_and_json_are_plain() {
        let mut out = Vec::new();
        sample().write_csv(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "account,commodity,balance\nIR:payable:TM,USD,-1800000000.00\nTM:receivable:IR,USD,1800000000.00\n"
        );
        assert_eq!(sample().to_json()[0]["balance"], "-1800000000.00");
    }
}
