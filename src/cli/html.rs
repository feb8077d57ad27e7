//! report html, and the pictures alone: report swap --format svg, report debts --format svg|dot.

use super::{parse, CliError, FormatArg};
use clap::{Args, ValueEnum};
use gasledger::model::date::Date;
use gasledger::render::html::{self, Page};
use gasledger::render::svg;
use gasledger::reports::debts::DebtReport;
use gasledger::reports::query::{self, BalanceQuery};
use gasledger::reports::swap::{self as swap_reports, SwapReport, SwapStoreError};
use gasledger::reports::table::Table;
use gasledger::store::Store;
use gasledger::swap::{self, SwapTerms};
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct HtmlArgs {
    /// Write to this file instead of standard output (replaced atomically).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// The books as they stood at the end of this date.
    #[arg(long, value_parser = parse::date)]
    as_of: Option<Date>,
}

/// `report swap --format`: the table's formats, or the chart.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum SwapFormatArg {
    #[default]
    Table,
    Csv,
    Json,
    /// The chart (entry, fee, exit; imbalance against the tolerance band) as an SVG file.
    Svg,
}

/// `report debts --format`: the tables' formats, or the debt graph.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum DebtsFormatArg {
    #[default]
    Table,
    Csv,
    Json,
    /// The debt graph, before and after netting, as an SVG file.
    Svg,
    /// The same graph in Graphviz DOT (`dot -Tsvg` lays it out).
    Dot,
}

impl SwapFormatArg {
    /// The table format, or `None` for the picture.
    pub fn table(self) -> Option<FormatArg> {
        match self {
            SwapFormatArg::Table => Some(FormatArg::Table),
            SwapFormatArg::Csv => Some(FormatArg::Csv),
            SwapFormatArg::Json => Some(FormatArg::Json),
            SwapFormatArg::Svg => None,
        }
    }
}

impl DebtsFormatArg {
    /// The table format, or `None` for a picture.
    pub fn table(self) -> Option<FormatArg> {
        match self {
            DebtsFormatArg::Table => Some(FormatArg::Table),
            DebtsFormatArg::Csv => Some(FormatArg::Csv),
            DebtsFormatArg::Json => Some(FormatArg::Json),
            DebtsFormatArg::Svg | DebtsFormatArg::Dot => None,
        }
    }
}

/// `report swap AGREEMENT --format svg`.
pub fn swap_picture(r: &SwapReport, out: &mut impl Write) -> Result<(), CliError> {
    out.write_all(svg::swap_svg(r)?.as_bytes())?;
    Ok(())
}

/// `report debts --format svg|dot`.
pub fn debts_picture(
    store: &Store,
    r: &DebtReport,
    format: DebtsFormatArg,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let text = match format {
        DebtsFormatArg::Dot => gasledger::render::dot::debts_dot(r, store.chart()),
        _ => svg::debts_svg(r, store.chart()),
    };
    out.write_all(text.as_bytes())?;
    Ok(())
}

/// `report html`: gathers what the reports compute (at `--as-of` when given) and renders it.
pub fn report(store: &Store, args: HtmlArgs, out: &mut impl Write) -> Result<(), CliError> {
    let as_of = args.as_of;
    let reconciliation = gasledger::checks::reconcile(store, as_of)?;
    let mut swaps = Vec::new();
    let mut swap_errors = Vec::new();
    for a in store.agreements().values() {
        if a.kind() != Some(gasledger::model::ledger::AgreementKind::Swap) {
            continue;
        }
        match SwapTerms::from_agreement(a, store.chart()) {
            Ok(terms) => swaps.push(swap_report(store, terms, as_of)?),
            Err(e) => swap_errors.push((a.name.clone(), e.to_string())),
        }
    }
    let debts = gasledger::reports::debts::debt_report(store, as_of).map_err(super::settle::err)?;
    let balances: Vec<(String, Table)> = store
        .chart()
        .parties
        .keys()
        .map(|p| {
            let q = BalanceQuery {
                as_of,
                party: Some(p.clone()),
                depth: None,
            };
            query::balances(store, &q).map(|t| (p.clone(), t))
        })
        .collect::<Result<_, _>>()?;
    let page = html::render(&Page {
        chart: store.chart(),
        as_of,
        reconciliation: &reconciliation,
        swaps: &swaps,
        swap_errors: &swap_errors,
        debts: &debts,
        balances: &balances,
    })?;
    match args.output {
        None => out.write_all(page.as_bytes())?,
        Some(path) => super::files::write_atomically(&path, |f| {
            f.write_all(page.as_bytes()).map_err(CliError::from)
        })?,
    }
    Ok(())
}

/// A swap's periods with the legs recorded up to `as_of` (as `reconcile --as-of` counts them).
fn swap_report(
    store: &Store,
    terms: SwapTerms,
    as_of: Option<Date>,
) -> Result<SwapReport, SwapStoreError> {
    let mut legs = swap_reports::legs(store, std::slice::from_ref(&terms), as_of)?;
    let rows = swap::periods(&terms, &legs.remove(&terms.name).unwrap_or_default())?;
    Ok(SwapReport { terms, rows })
}
