//! import and export.

use super::{CliError, ExportFormat};
use gasledger::export;
use gasledger::ops::import;
use gasledger::store::atomic::{self, Durability, WriteError};
use gasledger::store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn import(store: &mut Store, files: &[PathBuf], out: &mut impl Write) -> Result<(), CliError> {
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
    let result = import::import(store, files, |p| {
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
    writeln!(
        out,
        "added {} ({} already recorded), {}, {}, {}, {}, {}",
        count(a.transactions, "transaction"),
        a.duplicates,
        count(a.commodities, "commodity"),
        count(a.parties, "party"),
        count(a.accounts, "account"),
        count(a.agreements, "agreement"),
        count(a.statements, "statement"),
    )?;
    for (code, n) in &a.postings_per_commodity {
        writeln!(out, "  {code}: {}", count(*n, "posting"))?;
    }
    Ok(())
}

pub fn export(
    store: &Store,
    format: ExportFormat,
    output: Option<PathBuf>,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let write = |w: &mut dyn Write| -> Result<(), export::ExportError> {
        let mut w = std::io::BufWriter::new(w);
        match format {
            ExportFormat::Journal => export::journal(store, &mut w)?,
            ExportFormat::Json => export::json(store, &mut w)?,
            ExportFormat::Hledger => export::hledger(store, &mut w)?,
            ExportFormat::Ledger => export::ledger(store, &mut w)?,
            ExportFormat::Beancount => export::beancount(store, &mut w)?,
        }
        w.flush()?;
        Ok(())
    };
    match output {
        None => write(out)?,
        Some(path) => write_atomically(&path, |f| write(f).map_err(CliError::from))?,
    }
    Ok(())
}

/// Write to a temporary file beside `path`, then rename it over `path`: a reader never sees a
/// half-written export, and a failure leaves any earlier file in place.
pub fn write_atomically(
    path: &Path,
    f: impl FnOnce(&mut std::fs::File) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |what: &str, e: std::io::Error| {
        CliError::Usage(format!("cannot write {}: {what}: {e}", path.display()))
    };
    if !dir.is_dir() {
        let what = if dir.exists() {
            "is not a folder"
        } else {
            "does not exist"
        };
        return Err(CliError::Usage(format!(
            "cannot write {}: folder {} {what}",
            path.display(),
            dir.display()
        )));
    }
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    atomic::write_atomically(path, &tmp, Durability::Synced, f).map_err(|e| match e {
        WriteError::Io { step, source } => fail(step, source),
        WriteError::Content(e) => e,
    })
}

/// "1 party", "2 parties".
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else if let Some(stem) = noun.strip_suffix('y') {
        format!("{n} {stem}ies")
    } else {
        format!("{n} {noun}s")
    }
}
