//! The books as one JSON document, written as the transactions are read: the small parts first
//! (one value, keys in order), then the transactions one by one (`json_txn.rs`), inside the
//! same document.

use crate::export::{json_txn, Books, ExportError};
use serde_json::json;
use std::io::{self, Write};

/// One JSON document: commodities, parties, accounts, agreements, fixings, statements,
/// transactions (keys in alphabetical order, as in every object of the document).
/// Amounts are strings (exact decimals at their scale as recorded).
pub fn json(books: &Books, out: &mut impl Write) -> Result<(), ExportError> {
    let chart = books.chart();
    let head = json!({
        "commodities": chart.commodities.values().collect::<Vec<_>>(),
        "parties": chart.parties.values().collect::<Vec<_>>(),
        "accounts": chart.accounts.values().collect::<Vec<_>>(),
        "agreements": books.agreements(),
        "fixings": books.fixings(),
        "statements": books.statements()?,
    });
    // `transactions` sorts last: the document is the head without its closing brace, then it.
    let mut text = serde_json::to_vec_pretty(&head).map_err(io::Error::from)?;
    if text.ends_with(b"\n}") {
        text.truncate(text.len() - 2);
        text.extend_from_slice(b",\n");
    } else {
        // No key at all (`{}`): cannot happen, the head always has its six keys.
        text.truncate(text.len() - 1);
        text.push(b'\n');
    }
    text.extend_from_slice(b"  \"transactions\": [");
    out.write_all(&text)?;
    let mut count = 0usize;
    let mut buf = Vec::new();
    books.for_each_txn(|t| -> Result<(), ExportError> {
        buf.clear();
        buf.extend_from_slice(if count == 0 { b"\n    " } else { b",\n    " });
        json_txn::transaction(&mut buf, t)?;
        out.write_all(&buf)?;
        count += 1;
        Ok(())
    })?;
    out.write_all(if count == 0 { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
    Ok(())
}
