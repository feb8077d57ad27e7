//! Rendering plain data as an aligned table, CSV or JSON. Reports are computed elsewhere; this
//! module only formats. Amounts are formatted here, at their commodity's scale: digit groups in
//! tables, plain decimals in CSV and JSON (JSON carries them as strings, which lose nothing).

use crate::checks::against::Comparison;
use crate::checks::{Check, CheckKind, Reconciliation, Status};
use crate::model::amount::format_grouped;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
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
        let columns: Vec<&str> = self.columns.iter().map(|c| c.as_ref()).collect();
        let mut w = match layout {
            Layout::Table => {
                let mut widths = Widths::new(&columns);
                for r in &self.rows {
                    widths.measure(r);
                }
                RowWriter::table(out, &columns, widths)?
            }
            other => RowWriter::new(out, other, &columns)?,
        };
        for r in &self.rows {
            w.row(r)?;
        }
        w.finish()
    }

    /// Left-aligned text, right-aligned amounts, columns separated by two spaces, a rule under
    /// the header. Plain ASCII so that it reads the same in a terminal, a mail and a snapshot.
    pub fn write_table(&self, out: &mut impl Write) -> io::Result<()> {
        self.write(out, Layout::Table)
    }

    pub fn write_csv(&self, out: &mut impl Write) -> io::Result<()> {
        self.write(out, Layout::Csv)
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
        self.write(out, Layout::Json)
    }
}

/// The widths of an aligned table's columns and which of them hold amounts, measured row by
/// row before a line is written (a first pass, for rows that are not held).
#[derive(Debug, Clone)]
pub struct Widths {
    widths: Vec<usize>,
    numeric: Vec<bool>,
}

impl Widths {
    /// The header's widths.
    pub fn new(columns: &[&str]) -> Widths {
        Widths {
            // A header's width counts its bytes (as it always did); a cell's, its characters.
            widths: columns.iter().map(|c| c.len()).collect(),
            numeric: vec![false; columns.len()],
        }
    }

    pub fn measure(&mut self, row: &[Cell]) {
        for ((w, numeric), cell) in self.widths.iter_mut().zip(&mut self.numeric).zip(row) {
            *w = (*w).max(grouped(cell).chars().count());
            *numeric |= matches!(cell, Cell::Amount(..));
        }
    }
}

/// Rows written as they come, in one layout: an aligned table (its [`Widths`] measured
/// first), CSV, or a JSON array of objects (keys in alphabetical order, values as strings).
pub enum RowWriter<W: Write> {
    Table {
        out: W,
        widths: Widths,
    },
    Csv(Box<csv::Writer<W>>),
    Json {
        out: W,
        /// The columns by name: each name and the index of its cell.
        order: Vec<(String, usize)>,
        rows: usize,
    },
}

impl<W: Write> RowWriter<W> {
    /// The aligned table: its header and rule are written now.
    pub fn table(mut out: W, columns: &[&str], widths: Widths) -> io::Result<RowWriter<W>> {
        line(&mut out, &widths, columns)?;
        let rule: Vec<String> = widths.widths.iter().map(|w| "-".repeat(*w)).collect();
        let rule: Vec<&str> = rule.iter().map(String::as_str).collect();
        line(&mut out, &widths, &rule)?;
        Ok(RowWriter::Table { out, widths })
    }

    /// CSV (its header written now) or JSON; for a table, [`RowWriter::table`].
    pub fn new(out: W, layout: Layout, columns: &[&str]) -> io::Result<RowWriter<W>> {
        match layout {
            Layout::Table => RowWriter::table(out, columns, Widths::new(columns)),
            Layout::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(columns)?;
                Ok(RowWriter::Csv(Box::new(w)))
            }
            Layout::Json => Ok(RowWriter::Json {
                out,
                order: json_order(columns),
                rows: 0,
            }),
        }
    }

    pub fn row(&mut self, row: &[Cell]) -> io::Result<()> {
        match self {
            RowWriter::Table { out, widths } => {
                let cells: Vec<String> = row.iter().map(grouped).collect();
                let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
                line(out, widths, &cells)
            }
            RowWriter::Csv(w) => Ok(w.write_record(row.iter().map(Cell::plain))?),
            RowWriter::Json { out, order, rows } => {
                out.write_all(if *rows == 0 { b"[\n  " } else { b",\n  " })?;
                *rows += 1;
                json_row(out, order, row)
            }
        }
    }

    /// The end: CSV flushed, JSON's array closed.
    pub fn finish(self) -> io::Result<()> {
        match self {
            RowWriter::Table { .. } => Ok(()),
            RowWriter::Csv(mut w) => w.flush(),
            RowWriter::Json { mut out, rows, .. } => {
                out.write_all(if rows == 0 { b"[]\n" } else { b"\n]\n" })
            }
        }
    }
}

/// One line of an aligned table: text left-aligned, amounts right-aligned, two spaces
/// between columns, no blank at the end.
fn line(out: &mut impl Write, widths: &Widths, values: &[&str]) -> io::Result<()> {
    let mut s = String::new();
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push_str("  ");
        }
        let pad = widths.widths[i].saturating_sub(v.chars().count());
        if widths.numeric[i] {
            s.push_str(&" ".repeat(pad));
            s.push_str(v);
        } else {
            s.push_str(v);
            s.push_str(&" ".repeat(pad));
        }
    }
    writeln!(out, "{}", s.trim_end())
}

/// The order in which a JSON object lists the columns: by name, as a map sorts its keys, a
/// later column of the same name in the place of an earlier one (as a map's insert does).
fn json_order(columns: &[&str]) -> Vec<(String, usize)> {
    let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, c) in columns.iter().enumerate() {
        by_name.insert(c, i);
    }
    by_name
        .into_iter()
        .map(|(c, i)| (c.to_string(), i))
        .collect()
}

/// One row as a JSON object, as the array's element (one level in): what
/// `serde_json::to_writer_pretty` prints for the map of its cells.
fn json_row(out: &mut impl Write, order: &[(String, usize)], row: &[Cell]) -> io::Result<()> {
    let mut text = Vec::with_capacity(256);
    text.push(b'{');
    let mut first = true;
    for (name, i) in order {
        let Some(cell) = row.get(*i) else { continue };
        text.extend_from_slice(if first { b"\n    " } else { b",\n    " });
        first = false;
        serde_json::to_writer(&mut text, name)?;
        text.extend_from_slice(b": ");
        serde_json::to_writer(&mut text, &cell.plain())?;
    }
    text.extend_from_slice(if first { b"}" } else { b"\n  }" });
    out.write_all(&text)
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
    fn json_rows_print_as_the_pretty_value() {
        let mut odd = Table::with_columns(
            ["b", "a \"q\"", "b", "ü"]
                .iter()
                .map(|c| std::borrow::Cow::Owned(c.to_string()))
                .collect(),
        );
        odd.push(vec![
            "1".into(),
            "tab\t".into(),
            Cell::Amount(Decimal::from_str("-0.5").unwrap(), 2),
            "".into(),
        ]);
        odd.push(vec!["2".into(), "x".into(), "y".into(), "z".into()]);
        for t in [sample(), Table::new(&["a"]), odd] {
            let mut streamed = Vec::new();
            t.write_json(&mut streamed).unwrap();
            let mut whole = serde_json::to_vec_pretty(&t.to_json()).unwrap();
            whole.push(b'\n');
            assert_eq!(String::from_utf8(streamed), String::from_utf8(whole));
        }
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
