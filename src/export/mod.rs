//! Writing the whole ledger back out. `journal` round-trips: exporting, importing the output into
//! a new store and exporting again gives the same bytes.

use crate::journal::{write_directive, write_journal, Directive};
use crate::store::{Store, StoreError};
use serde_json::json;
use std::io::Write;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}

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

/// One JSON document: commodities, parties, accounts, agreements, statements, transactions.
/// Amounts are strings (exact decimals at their scale as recorded).
pub fn json(store: &Store, out: &mut impl Write) -> Result<(), ExportError> {
    let chart = store.chart();
    let mut transactions = Vec::new();
    store.for_each_txn(|_, t| {
        transactions.push(serde_json::to_value(&t).unwrap_or_default());
        Ok(())
    })?;
    let doc = json!({
        "commodities": chart.commodities.values().collect::<Vec<_>>(),
        "parties": chart.parties.values().collect::<Vec<_>>(),
        "accounts": chart.accounts.values().collect::<Vec<_>>(),
        "agreements": store.agreements().values().collect::<Vec<_>>(),
        "statements": store.statements()?,
        "transactions": transactions,
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}
pub mod peers;
