//! The books as one JSON document.

use crate::export::{Books, ExportError};
use serde_json::json;
use std::io::Write;

/// One JSON document: commodities, parties, accounts, agreements, fixings, statements,
/// transactions.
/// Amounts are strings (exact decimals at their scale as recorded).
pub fn json(books: &Books, out: &mut impl Write) -> Result<(), ExportError> {
    let chart = books.chart();
    let mut transactions = Vec::new();
    books.for_each_txn(|t| {
        transactions.push(serde_json::to_value(&t).unwrap_or_default());
        Ok(())
    })?;
    let doc = json!({
        "commodities": chart.commodities.values().collect::<Vec<_>>(),
        "parties": chart.parties.values().collect::<Vec<_>>(),
        "accounts": chart.accounts.values().collect::<Vec<_>>(),
        "agreements": books.agreements(),
        "fixings": books.fixings(),
        "statements": books.statements()?,
        "transactions": transactions,
    });
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::from)?;
    writeln!(out)?;
    Ok(())
}
