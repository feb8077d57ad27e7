//! Library errors that the commands share, turned into the one CLI error type.

use super::CliError;
use gasledger::ops::settle::SettleOpError;
use gasledger::settle::SettleError;

/// A settlement error (every one exits with status 2): a ledger refusal keeps its own
/// category, any other is said as it is.
pub fn settle(e: impl Into<SettleOpError>) -> CliError {
    match e.into() {
        SettleOpError::Store(e) => CliError::Store(e),
        SettleOpError::Settle(e) => match *e {
            SettleError::Ledger(e) => CliError::Ledger(e),
            other => CliError::Usage(other.to_string()),
        },
    }
}
