//! Books kept elsewhere read as plain transactions: a journal in hledger syntax that need not
//! be importable here (other account names, accounts and commodities it never declares, none
//! of gasledger's extension directives). The parser is the same as the import's; what the
//! import then asks of the chart is left out, and what makes a transaction a transaction is
//! kept: the one missing amount inferred, every commodity balanced, exact decimals.

use super::{open, Directive, ErrorKind, JournalError, Located};
use crate::model::transaction::Transaction;
use std::path::Path;

/// Every transaction of the journal at `path` (and of the files it includes), in reading
/// order, each complete (every posting has its amount) and balanced. Declarations, agreements
/// and statements are read for their syntax and left out. The first error stops the read and
/// names the file, line and column.
pub fn read_transactions(path: &Path) -> Result<Vec<Located<Transaction>>, JournalError> {
    let mut out = Vec::new();
    for directive in open(path)? {
        let Located { at, item } = directive?;
        let Directive::Transaction(mut t) = item else {
            continue;
        };
        if let Err(e) = t.complete_without_chart() {
            return Err(JournalError {
                at,
                kind: ErrorKind::Transaction,
                message: e.to_string(),
            });
        }
        out.push(Located { at, item: t });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> Result<Vec<Located<Transaction>>, JournalError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("books.journal");
        std::fs::write(&path, text).expect("write");
        read_transactions(&path)
    }

    #[test]
    fn nothing_need_be_declared_and_the_missing_amount_is_inferred() {
        let t = read(
            "commodity 1.0 GWh\naccount assets\n\n2022-01-31 * Fuel   ; id: f-1\n    \
             TM:expense:fuel   2.50 GWh\n    TM:gas\n",
        )
        .expect("read");
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].at.line, 4);
        assert_eq!(t[0].item.id.as_deref(), Some("f-1"));
        let inferred = t[0].item.postings[1].amount.as_ref().expect("inferred");
        assert_eq!(inferred.to_string(), "-2.50 GWh");
    }

    #[test]
    fn a_transaction_that_does_not_balance_is_located() {
        let e = read("; books\n\n2022-01-31 * Fuel\n    a  2 GWh\n    b  -1 GWh\n").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Transaction);
        assert!(e
            .to_string()
            .ends_with("books.journal:3:1: transaction does not balance: GWh is off by 1"));
        let e = read("2022-01-31 * Fuel\n    a  2 GWh\n    b  -1 GWh x\n").unwrap_err();
        assert_eq!((e.kind, e.at.line), (ErrorKind::Syntax, 3));
    }
}
