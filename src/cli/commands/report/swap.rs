//! `report swap`: a swap per settlement period, as a table or a chart.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::parse;
use crate::cli::CliError;
use clap::Args;
use gasledger::model::date::Date;
use gasledger::render::svg;
use gasledger::render::table::Layout;
use gasledger::reports::swap::report as swap_report;
use gasledger::store::Access;
use gasledger::swap::{self, format_percent};
use std::io::Write;

#[derive(Debug, Args)]
pub struct SwapReportArgs {
    /// The swap agreement.
    agreement: String,
    /// Also split entry and exit by delivery point: after the seven standard columns, one
    /// column `entry:POINT` per entry point and one `exit:POINT` per exit point, in the
    /// agreement's order.
    #[arg(long)]
    by_point: bool,
    /// First period shown: the one holding this date (earlier periods still count in the
    /// cumulative imbalance).
    #[arg(long, value_parser = parse::date)]
    from: Option<Date>,
    /// Last period shown: the one holding this date.
    #[arg(long, value_parser = parse::date)]
    to: Option<Date>,
    /// table, csv, json: the seven columns (and the points); svg: the chart of the periods.
    #[arg(long, value_parser = format::SWAP, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

/// `report swap`.
pub fn run(args: SwapReportArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = ledger.open(Access::Read)?;
    let r = swap_report(&store, &args.agreement, args.from, args.to)?;
    let Some(format) = args.format.table() else {
        out.write_all(svg::swap_svg(&r)?.as_bytes())?;
        return Ok(());
    };
    if format == Layout::Table {
        let t = &r.terms;
        writeln!(
            out,
            "swap {}: {} -> {} -> {}, {} per {} period, fee {}{}, tolerance {}{}",
            t.name,
            t.supplier,
            t.hub,
            t.receiver,
            t.commodity.code,
            t.period.as_str(),
            format_percent(t.fee_rate),
            match t.fee_basis {
                swap::FeeBasis::Leg => " on each leg",
                swap::FeeBasis::Period => "",
            },
            format_percent(t.tolerance_rate),
            match t.basis {
                swap::Basis::Energy => ", energy basis",
                swap::Basis::Volume => "",
            }
        )?;
        if r.rows.is_empty() {
            writeln!(out, "no legs recorded in the periods asked for")?;
            return Ok(());
        }
    }
    r.table(args.by_point).write(out, format)?;
    Ok(())
}
