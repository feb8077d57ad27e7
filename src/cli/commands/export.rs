//! `export`: the whole ledger out, or one party's own books (`--party`), to standard output or a
//! file.

use crate::cli::format::{self, OutputFormat};
use crate::cli::ledger::Ledger;
use crate::cli::{output, CliError};
use clap::Args;
use gasledger::export::{self, Books, ExportError};
use gasledger::store::Access;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// journal: gasledger's own syntax, which round-trips; json: one document;
    /// hledger, ledger (ledger-cli), beancount: for those tools, with the same balances.
    #[arg(long, value_parser = format::EXPORT, default_value_t = OutputFormat::Journal)]
    format: OutputFormat,
    /// Write party P's own books, not the whole ledger: P's postings of each transaction P
    /// takes part in (accounts keep their prefix P:), P's accounts and statements, no
    /// agreements (the tags agreement, leg and settles become agreement-ref, leg-ref and
    /// settles-ref, so the journal imports into a store of its own). Refused, naming the transactions, where one leaves
    /// P's books unbalanced.
    #[arg(long, value_name = "P")]
    party: Option<String>,
    /// Write to this file instead of standard output: a new file, or a regular file replaced
    /// atomically (a link, a FIFO, a device or a folder is refused); `-` is standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
}

pub fn run(args: ExportArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let store = &ledger.open(Access::Read)?;
    let dialect = dialect(args.format)?;
    let books = match &args.party {
        Some(party) => Books::of_party(store, party)?,
        None => Books::whole(store),
    };
    let write = |w: &mut dyn Write| -> Result<(), ExportError> {
        let mut w = std::io::BufWriter::new(w);
        dialect(&books, &mut w)?;
        w.flush()?;
        Ok(())
    };
    output::write(args.output.as_deref(), out, |w| {
        write(w).map_err(CliError::from)
    })
}

/// What writes the books out in one dialect.
type Dialect = fn(&Books, &mut std::io::BufWriter<&mut dyn Write>) -> Result<(), ExportError>;

/// The writer of `--format` (clap lets only these through).
fn dialect(format: OutputFormat) -> Result<Dialect, CliError> {
    Ok(match format {
        OutputFormat::Journal => |s, w| export::journal(s, w),
        OutputFormat::Json => |s, w| export::json(s, w),
        OutputFormat::Hledger => |s, w| export::hledger(s, w),
        OutputFormat::Ledger => |s, w| export::ledger(s, w),
        OutputFormat::Beancount => |s, w| export::beancount(s, w),
        other => {
            return Err(CliError::Usage(format!(
                "export cannot write {other}: --format takes journal, json, hledger, ledger or beancount"
            )))
        }
    })
}
