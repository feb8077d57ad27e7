//! `report swap`: a swap per settlement period, as a table or a chart.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::parse;
use crate::cli::CliError;
use clap::Args;
use gasledger::model::date::Date;
use gasledger::model::fiscal::Fiscal;
use gasledger::render::svg;
use gasledger::render::table::Layout;
use gasledger::reports::swap::{report as swap_report, SwapQuery};
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
    /// Fiscal years instead of settlement periods: `iran` for the Iranian (Solar Hijri) year
    /// from Nowruz, labelled 1401 (for dates from 1827-03-22 to 2120-03-20, the years the
    /// Iranian calendar authority publishes), or MM-DD for a year from that first day,
    /// labelled 2022/23 (01-01: 2022). Each leg counts in the year of its date; the tolerance
    /// applies to each year's figures; the fee the terms call for stays the settlement
    /// period's.
    #[arg(long, value_parser = parse::fiscal, value_name = "iran|MM-DD")]
    fiscal: Option<Fiscal>,
    /// table, csv, json: the seven columns (and the points); svg: the chart of the periods.
    #[arg(long, value_parser = format::SWAP, default_value_t = OutputFormat::Table)]
    format: OutputFormat,
}

/// `report swap`.
pub fn run(args: SwapReportArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = ledger.open(Access::Read)?;
    let q = SwapQuery {
        from: args.from,
        to: args.to,
        fiscal: args.fiscal,
    };
    let r = swap_report(&store, &args.agreement, &q)?;
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
        if let Some(fiscal) = r.fiscal {
            writeln!(
                out,
                "by {}: each year's band and status; the fee the terms call for is still per {} period",
                fiscal.describe(),
                t.period.as_str()
            )?;
        }
        if r.rows.is_empty() {
            writeln!(out, "no legs recorded in the periods asked for")?;
            return Ok(());
        }
    }
    r.table(args.by_point).write(out, format)?;
    Ok(())
}
