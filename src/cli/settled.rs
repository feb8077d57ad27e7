//! What `debt add`, `pay`, `offset` and `net` say alike: the outcome of a write, what one
//! party owes another, amounts grouped at their commodity's scale.

use super::CliError;
use gasledger::model::chart::Chart;
use gasledger::reports::debts;
use gasledger::settle;
use gasledger::store::{Added, Store};
use rust_decimal::Decimal;

/// How the plan is chosen, said wherever a plan is shown.
pub const PLAN_RULE: &str = "greedy: the party that owes most pays the party owed most; \
    at most n-1 payments for n parties with non-zero positions";

pub fn grouped(chart: &Chart, v: Decimal, commodity: &str) -> String {
    settle::format_grouped(chart, v, commodity)
}

/// "recorded" or "already recorded", and the transaction it is.
pub fn outcome(added: Added, id: &Option<String>) -> (&'static str, String) {
    match (added, id) {
        (Added::New { seq }, Some(id)) => ("recorded", format!("transaction {seq}, id {id}")),
        (Added::New { seq }, None) => ("recorded", format!("transaction {seq}")),
        (Added::Duplicate { seq }, _) => (
            "already recorded",
            format!("transaction {seq}, same content; nothing changed"),
        ),
    }
}

/// "DEBTOR owes CREDITOR AMOUNT CODE", as the books stand.
pub fn owes(
    store: &Store,
    debtor: &str,
    creditor: &str,
    commodity: &str,
) -> Result<String, CliError> {
    let v = debts::owed(store, debtor, creditor, commodity)?;
    Ok(format!(
        "{debtor} owes {creditor} {} {commodity}",
        grouped(store.chart(), v, commodity)
    ))
}
