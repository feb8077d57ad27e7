//! `import`: journal files into the store, all or nothing.

use crate::cli::ledger::Ledger;
use crate::cli::{output, CliError};
use clap::Args;
use gasledger::ops::import;
use gasledger::store::Access;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Journal files (hledger syntax plus the agreement and statement directives).
    #[arg(required = true)]
    files: Vec<PathBuf>,
}

pub fn run(args: ImportArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let mut store = ledger.open(Access::Create)?;
    let files = &args.files;
    // indicatif draws only when standard error is a terminal.
    let bar =
        indicatif::ProgressBar::with_draw_target(None, indicatif::ProgressDrawTarget::stderr());
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg}{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let mut again = false;
    let result = import::import(&mut store, files, |p| {
        if p.again && !again {
            // The import starts over (see `import::Progress`): say why, and measure anew.
            again = true;
            bar.reset();
            bar.set_message("again, checking each id: ");
        }
        bar.set_length(p.total);
        bar.set_position(p.bytes);
    });
    bar.finish_and_clear();
    let report = result?;
    for f in &report.seen_before {
        writeln!(
            out,
            "skipped {}: these exact bytes were imported before",
            f.display()
        )?;
    }
    let a = &report.added;
    if report.files.is_empty() {
        writeln!(out, "nothing added")?;
        return Ok(());
    }
    let names: Vec<String> = report
        .files
        .iter()
        .map(|f| f.display().to_string())
        .collect();
    writeln!(out, "imported {}", names.join(", "))?;
    // Fixings are named only where there are some: most ledgers hold none.
    let fixings = match a.fixings {
        0 => String::new(),
        n => format!(", {}", output::count(n, "fixing")),
    };
    writeln!(
        out,
        "added {} ({} already recorded), {}, {}, {}, {}, {}{fixings}",
        output::count(a.transactions, "transaction"),
        a.duplicates,
        output::count(a.commodities, "commodity"),
        output::count(a.parties, "party"),
        output::count(a.accounts, "account"),
        output::count(a.agreements, "agreement"),
        output::count(a.statements, "statement"),
    )?;

    for (code, n) in &a.postings_per_commodity {
        writeln!(out, "  {code}: {}", output::count(*n, "posting"))?;
    }
    Ok(())
}
