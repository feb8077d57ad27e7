//! A report as plain data: named columns and rows of cells, text or an amount at its
//! commodity's scale. Reports build them; `render::table` prints them.

use crate::model::amount::format_at_scale;
use rust_decimal::Decimal;
use std::borrow::Cow;

/// One cell of a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    /// A value and the scale of its commodity.
    Amount(Decimal, u32),
}

impl Cell {
    /// The cell as CSV writes it: an amount at its scale, without digit groups.
    pub fn plain(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Amount(v, scale) => format_at_scale(*v, *scale),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}
impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

/// A report: named columns and rows of cells.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub columns: Vec<Cow<'static, str>>,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    pub fn new(columns: &[&'static str]) -> Table {
        Table::with_columns(columns.iter().map(|c| Cow::Borrowed(*c)).collect())
    }

    /// A table whose column names are made at run time (a swap's delivery points).
    pub fn with_columns(columns: Vec<Cow<'static, str>>) -> Table {
        Table {
            columns,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }
}
