//! `price add`: a fixing, the rate of one commodity in another on a day.

use crate::cli::ledger::Ledger;
use crate::cli::parse;
use crate::cli::CliError;
use clap::Subcommand;
use gasledger::model::amount::Amount;
use gasledger::model::date::Date;
use gasledger::model::fixing::Fixing;
use gasledger::ops::prices;
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum PriceCmd {
    /// Record a fixing: what one unit of COMMODITY is worth in another on a day.
    ///
    /// The journal's `P 2022-09-30 EUR 1.0566 USD`. A payment in COMMODITY that settles an
    /// obligation in the other commodity converts at the fixing of its date. The same fixing
    /// again changes nothing; another rate for the same commodities and day is refused.
    ///
    /// gasledger price add EUR --date 2022-09-30 --rate "1.0566 USD"
    Add {
        /// The commodity fixed, e.g. EUR.
        commodity: String,
        /// The day the rate holds for.
        #[arg(long, value_parser = parse::date)]
        date: Date,
        /// "NUMBER CODE": what one unit is worth, in another declared commodity (as many
        /// decimals as the fixing has).
        #[arg(long, value_parser = parse::amount, allow_hyphen_values = true)]
        rate: Amount,
    },
}

pub fn run(cmd: PriceCmd, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let PriceCmd::Add {
        commodity,
        date,
        rate,
    } = cmd;
    let mut store = ledger.open(Access::Write)?;
    let f = Fixing {
        date,
        commodity,
        rate,
    };
    let line = format!(
        "{}: 1 {} = {} {}",
        f.date, f.commodity, f.rate.value, f.rate.commodity
    );
    if prices::add_fixing(&mut store, f)? {
        writeln!(out, "recorded fixing {line}")?;
    } else {
        writeln!(out, "fixing {line} is recorded already; nothing changed")?;
    }
    Ok(())
}
