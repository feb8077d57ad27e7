//! `export`: the whole ledger out, to standard output or a file.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::{output, CliError};
use clap::Args;
use gasledger::export;
use gasledger::store::Access;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// journal: gasledger's own syntax, which round-trips; json: one document;
    /// hledger, ledger (ledger-cli), beancount: for those tools, with the same balances.
    #[arg(long, value_parser = format::EXPORT, default_value_t = OutputFormat::Journal)]
    format: OutputFormat,
    /// Write to this file instead of standard output (replaced atomically).
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: ExportArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = &ledger.open(Access::Read)?;
    let format = args.format;
    let write = |w: &mut dyn Write| -> Result<(), export::ExportError> {
        let mut w = std::io::BufWriter::new(w);
        match format {
            OutputFormat::Journal => export::journal(store, &mut w)?,
            OutputFormat::Json => export::json(store, &mut w)?,
            OutputFormat::Hledger => export::peers::hledger(store, &mut w)?,
            OutputFormat::Ledger => export::peers::ledger(store, &mut w)?,
            OutputFormat::Beancount => export::peers::beancount(store, &mut w)?,
            // The only formats `--format` accepts here are those above.
            other => unreachable!("export --format {other}"),
        }
        w.flush()?;
        Ok(())
    };
    match args.output {
        None => write(out)?,
        Some(path) => output::write_atomically(&path, |f| write(f).map_err(CliError::from))?,
    }
    Ok(())
}
