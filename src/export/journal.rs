//! The canonical journal. It round-trips: exporting, importing the output into a new store and
//! exporting again gives the same bytes (a party's books too: the new store's whole ledger is
//! those books).

use crate::export::{Books, ExportError};
use crate::journal::{render_transaction, write_directive, write_journal, Directive};
use crate::store::StoreError;
use std::io::Write;

/// The declarations of the books, in a fixed order: commodities, parties, accounts, fixings,
/// agreements.
pub fn declarations(books: &Books) -> Vec<Directive> {
    let chart = books.chart();
    let mut out: Vec<Directive> = Vec::new();
    out.extend(
        chart
            .commodities
            .values()
            .cloned()
            .map(Directive::Commodity),
    );
    out.extend(chart.parties.values().cloned().map(Directive::Party));
    out.extend(chart.accounts.values().cloned().map(Directive::Account));
    out.extend(books.fixings().into_iter().cloned().map(Directive::Price));
    out.extend(
        books
            .agreements()
            .into_iter()
            .cloned()
            .map(Directive::Agreement),
    );
    out
}

/// The canonical journal: declarations, then transactions in recorded order, then statements.
pub fn journal(books: &Books, out: &mut impl Write) -> Result<(), ExportError> {
    let chart = books.chart();
    let decls = declarations(books);
    write_journal(out, &decls, chart)?;
    let mut first = decls.is_empty();
    let mut buf = String::with_capacity(1024);
    let io_error = |e| StoreError::Io {
        path: books.path().to_path_buf(),
        source: e,
    };
    books.for_each_txn(|t| {
        buf.clear();
        if !first {
            buf.push('\n');
        }
        first = false;
        render_transaction(&mut buf, t, chart).map_err(io_error)?;
        out.write_all(buf.as_bytes()).map_err(io_error)
    })?;
    for s in books.statements()? {
        if !first {
            out.write_all(b"\n")?;
        }
        first = false;
        write_directive(out, &Directive::Statement(s), chart)?;
    }
    Ok(())
}
