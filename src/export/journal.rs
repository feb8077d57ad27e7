//! The canonical journal. It round-trips: exporting, importing the output into a new store and
//! exporting again gives the same bytes.

use crate::export::ExportError;
use crate::journal::{write_directive, write_journal, Directive};
use crate::store::{Store, StoreError};
use std::io::Write;

/// The declarations of a store, in a fixed order: commodities, parties, accounts, agreements.
pub fn declarations(store: &Store) -> Vec<Directive> {
    let chart = store.chart();
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
    out.extend(
        store
            .agreements()
            .values()
            .cloned()
            .map(Directive::Agreement),
    );
    out
}

/// The canonical journal: declarations, then transactions in recorded order, then statements.
pub fn journal(store: &Store, out: &mut impl Write) -> Result<(), ExportError> {
    let chart = store.chart();
    let decls = declarations(store);
    write_journal(out, &decls, chart)?;
    let mut first = decls.is_empty();
    let mut sep = |out: &mut dyn Write| -> std::io::Result<()> {
        if !first {
            out.write_all(b"\n")?;
        }
        first = false;
        Ok(())
    };
    store.for_each_txn(|_, t| {
        sep(out).map_err(|e| StoreError::Io {
            path: store.path().to_path_buf(),
            source: e,
        })?;
        write_directive(out, &Directive::Transaction(t), chart).map_err(|e| StoreError::Io {
            path: store.path().to_path_buf(),
            source: e,
        })
    })?;
    for s in store.statements()? {
        sep(out)?;
        write_directive(out, &Directive::Statement(s), chart)?;
    }
    Ok(())
}
