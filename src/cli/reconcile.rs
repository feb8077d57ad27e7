//! statement add, reconcile.

use super::{parse, CliError, ReconcileFormat, StatementCmd};
use gasledger::checks;
use gasledger::model::date::Date;
use gasledger::model::ledger::{Claim, Statement};
use gasledger::render::table;
use gasledger::store::Store;
use std::io::Write;

pub fn statement(
    store: &mut Store,
    cmd: StatementCmd,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let StatementCmd::Add {
        party,
        date,
        claims,
        source,
        id,
    } = cmd;
    let mut parsed = Vec::with_capacity(claims.len());
    for c in &claims {
        let p = parse::posting(c).map_err(CliError::Usage)?;
        let amount = p
            .amount
            .ok_or_else(|| CliError::Usage(format!("claim {c:?}: expected \"ACCOUNT AMOUNT\"")))?;
        parsed.push(Claim {
            account: p.account,
            amount,
        });
    }
    let n = parsed.len();
    let mut w = store.writer()?;
    let added = w.add_statement(Statement {
        date,
        party: party.clone(),
        id: id.clone(),
        source,
        claims: parsed,
    })?;
    w.commit()?;
    let claims = format!("{n} claim{}", if n == 1 { "" } else { "s" });
    match (added, id) {
        (true, None) => writeln!(out, "recorded {party}'s statement at {date} ({claims})")?,
        (true, Some(id)) => writeln!(
            out,
            "recorded {party}'s statement at {date} ({claims}, id {id})"
        )?,
        (false, id) => writeln!(
            out,
            "{party}'s statement at {date} (id {}) is already recorded: nothing changed",
            id.unwrap_or_default()
        )?,
    }
    Ok(())
}

pub fn reconcile(
    store: &Store,
    as_of: Option<Date>,
    format: ReconcileFormat,
    all: bool,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let r = checks::reconcile(store, as_of)?;
    match format {
        ReconcileFormat::Table => table::write_reconciliation(out, &r, all)?,
        ReconcileFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, &table::reconciliation_json(&r))
                .map_err(std::io::Error::from)?;
            writeln!(out)?;
        }
    }
    if r.ok() {
        Ok(())
    } else {
        Err(CliError::Discrepancy(format!(
            "{} of {} checks do not hold",
            r.checks.len() - r.count(checks::Status::Ok),
            r.checks.len()
        )))
    }
}
