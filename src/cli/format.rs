//! One output format for every command (`--format`); each command accepts its subset.

use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::error::ErrorKind;
use clap::ValueEnum;
use gasledger::render::table::Layout;
use std::ffi::OsStr;

/// What a command can write: a table (aligned, CSV, JSON), a picture (SVG, DOT), a page
/// (HTML), or the whole ledger in a journal dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
    Svg,
    Dot,
    Html,
    Journal,
    Hledger,
    Ledger,
    Beancount,
}

impl OutputFormat {
    /// The format of a table, or `None` for a picture or a journal.
    pub fn table(self) -> Option<Layout> {
        match self {
            OutputFormat::Table => Some(Layout::Table),
            OutputFormat::Csv => Some(Layout::Csv),
            OutputFormat::Json => Some(Layout::Json),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            OutputFormat::Table => "table",
            OutputFormat::Csv => "csv",
            OutputFormat::Json => "json",
            OutputFormat::Svg => "svg",
            OutputFormat::Dot => "dot",
            OutputFormat::Html => "html",
            OutputFormat::Journal => "journal",
            OutputFormat::Hledger => "hledger",
            OutputFormat::Ledger => "ledger",
            OutputFormat::Beancount => "beancount",
        }
    }
}

/// The format of a command whose `--format` accepts tables only ([`TABLES`]).
pub fn table_of(f: OutputFormat) -> Layout {
    f.table().unwrap_or_default()
}

impl std::fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The formats one command accepts, each with what it gives there (shown by `--help` when
/// given). clap lists exactly these in `--help` and in the error for any other value.
#[derive(Debug, Clone, Copy)]
pub struct Formats(&'static [(OutputFormat, Option<&'static str>)]);

/// The formats of a report that is one table.
pub const TABLES: Formats = Formats(&[
    (OutputFormat::Table, None),
    (OutputFormat::Csv, None),
    (OutputFormat::Json, None),
]);

/// `reconcile`: a table for people, or every row as CSV or JSON.
pub const RECONCILE: Formats = TABLES;

/// `export`: the canonical journal, JSON, and the peers' dialects.
pub const EXPORT: Formats = Formats(&[
    (OutputFormat::Journal, None),
    (OutputFormat::Json, None),
    (OutputFormat::Hledger, None),
    (OutputFormat::Ledger, None),
    (OutputFormat::Beancount, None),
]);

/// `report swap`: the table's formats, or the chart.
pub const SWAP: Formats = Formats(&[
    (OutputFormat::Table, None),
    (OutputFormat::Csv, None),
    (OutputFormat::Json, None),
    (
        OutputFormat::Svg,
        Some("The chart (entry, fee, exit; imbalance against the tolerance band) as an SVG file"),
    ),
]);

/// `report debts`: the tables' formats, or the debt graph.
pub const DEBTS: Formats = Formats(&[
    (OutputFormat::Table, None),
    (OutputFormat::Csv, None),
    (OutputFormat::Json, None),
    (
        OutputFormat::Svg,
        Some("The debt graph, before and after netting, as an SVG file"),
    ),
    (
        OutputFormat::Dot,
        Some("The same graph in Graphviz DOT (`dot -Tsvg` lays it out)"),
    ),
]);

/// `report settlements`: the statement for people, its rows for programs, or a page.
pub const SETTLEMENTS: Formats = Formats(&[
    (
        OutputFormat::Table,
        Some("The statement for people, its closing sentence as the last line"),
    ),
    (
        OutputFormat::Csv,
        Some("The rows: date,id,description,commodity,a_side,b_side,difference"),
    ),
    (
        OutputFormat::Json,
        Some("The same rows as an array of objects"),
    ),
    (
        OutputFormat::Html,
        Some("The statement as one self-contained HTML page"),
    ),
]);

impl Formats {
    fn values(&self) -> impl Iterator<Item = PossibleValue> + '_ {
        self.0.iter().map(|(f, help)| {
            let v = PossibleValue::new(f.name());
            match help {
                Some(h) => v.help(*h),
                None => v,
            }
        })
    }
}

impl TypedValueParser for Formats {
    type Value = OutputFormat;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<OutputFormat, clap::Error> {
        // clap's own parser of these values, so that a refusal reads as clap's always does
        // (the value, what the command accepts, a near one).
        let name = PossibleValuesParser::new(self.values()).parse_ref(cmd, arg, value)?;
        let found = self
            .0
            .iter()
            .find(|(f, _)| f.name().eq_ignore_ascii_case(&name));
        // Always found: the parser accepts only the names of `self.0`.
        found.map(|(f, _)| *f).ok_or_else(|| {
            clap::Error::raw(ErrorKind::InvalidValue, format!("unknown format {name:?}"))
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(self.values()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_named_as_clap_names_it() {
        for f in OutputFormat::value_variants() {
            let pv = f.to_possible_value().expect("not skipped");
            assert_eq!(pv.get_name(), f.name());
        }
    }
}
