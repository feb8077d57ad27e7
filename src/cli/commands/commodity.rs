//! `commodity add`.

use crate::cli::ledger::Ledger;
use crate::cli::parse;
use crate::cli::CliError;
use clap::Subcommand;
use gasledger::model::amount::{Commodity, Kind};
use gasledger::store::Access;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum CommodityCmd {
    /// gasledger commodity add mcm --kind volume --scale 3
    Add {
        /// The code: letters and digits, e.g. mcm, USD, MMBtu.
        code: String,
        /// What it measures.
        #[arg(long, value_parser = parse::kind)]
        kind: Kind,
        /// Decimal places allowed (amounts with more are refused, never rounded).
        #[arg(long)]
        scale: u32,
    },
}

pub fn run(cmd: CommodityCmd, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let CommodityCmd::Add { code, kind, scale } = cmd;
    let mut store = ledger.open(Access::Create)?;
    let mut w = store.writer()?;
    w.add_commodity(Commodity {
        code: code.clone(),
        kind,
        scale,
    })?;
    w.commit()?;
    writeln!(
        out,
        "declared commodity {code} ({kind}, {scale} decimal places)"
    )?;
    Ok(())
}
