//! debt add, pay, offset, net, report debts (and the offset part of `agreement add`).

use super::{parse, CliError, FormatArg};
use clap::{Args, Subcommand};
use gasledger::model::amount::Amount;
use gasledger::model::date::Date;
use gasledger::model::ledger::Chart;
use gasledger::ops::settle::{self as ops, SettleOpError};
use gasledger::render::table::Format;
use gasledger::reports::debts;
use gasledger::settle::{self, Entry, SettleError};
use gasledger::store::{Access, Added, Store, StoreError};
use rust_decimal::Decimal;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum DebtCmd {
    /// gasledger debt add --debtor IR --creditor TM --amount "1800000000 USD" --date 2017-01-01
    ///
    /// One transaction: CREDITOR:receivable:DEBTOR +AMOUNT and DEBTOR:payable:CREDITOR -AMOUNT,
    /// opening both accounts when missing.
    Add(DebtAddArgs),
}

#[derive(Debug, Args)]
pub struct DebtAddArgs {
    /// The party that owes.
    #[arg(long)]
    debtor: String,
    /// The party that is owed.
    #[arg(long)]
    creditor: String,
    /// "NUMBER CODE", positive, e.g. "1800000000 USD".
    #[arg(long, value_parser = parse::amount, allow_hyphen_values = true)]
    amount: Amount,
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// The transaction's description (default: "Debt: DEBTOR owes CREDITOR").
    #[arg(long)]
    memo: Option<String>,
    /// Idempotency key.
    #[arg(long)]
    id: Option<String>,
}

#[derive(Debug, Args)]
pub struct PayArgs {
    /// The debtor, who pays.
    #[arg(long)]
    from: String,
    /// The creditor, who is paid.
    #[arg(long)]
    to: String,
    /// "NUMBER CODE"; at most what FROM owes TO.
    #[arg(long, value_parser = parse::amount, allow_hyphen_values = true)]
    amount: Amount,
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// The transaction's description (default: "Payment: FROM pays TO").
    #[arg(long)]
    memo: Option<String>,
    /// Idempotency key.
    #[arg(long)]
    id: Option<String>,
}

#[derive(Debug, Args)]
pub struct OffsetArgs {
    /// The offset agreement (kind offset: debtor, via, creditor, commodity, limit).
    agreement: String,
    /// "NUMBER CODE" in the agreement's commodity.
    #[arg(long, value_parser = parse::amount, allow_hyphen_values = true)]
    amount: Amount,
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// Idempotency key.
    #[arg(long)]
    id: Option<String>,
}

#[derive(Debug, Args)]
pub struct NetArgs {
    /// The commodity whose obligations are netted.
    #[arg(long)]
    commodity: String,
    /// Net the obligations as they stood at the end of this date.
    #[arg(long, value_parser = parse::date, conflicts_with = "record")]
    as_of: Option<Date>,
    /// Record the plan: one transaction that closes every obligation in the commodity and
    /// moves each party's cash by its net position.
    #[arg(long, requires = "date")]
    record: bool,
    /// The date of the recorded netting (with --record).
    #[arg(long, value_parser = parse::date, requires = "record")]
    date: Option<Date>,
    /// Idempotency key of the recorded netting (with --record).
    #[arg(long, requires = "record")]
    id: Option<String>,
    /// The plan as an aligned table, or CSV/JSON `from,to,commodity,amount`.
    #[arg(long, value_enum, default_value_t)]
    format: FormatArg,
}

#[derive(Debug, Args)]
pub struct DebtsArgs {
    /// Debts at the end of this date.
    #[arg(long, value_parser = parse::date)]
    as_of: Option<Date>,
    /// table: debts before netting, net positions, and the payments after netting; csv and
    /// json: the debts, `debtor,creditor,commodity,amount`; svg and dot: the debt graph.
    #[arg(long, value_enum, default_value_t)]
    format: super::html::DebtsFormatArg,
}

/// Library errors to the one CLI error type (every one exits with status 2).
pub(super) fn err(e: impl Into<SettleOpError>) -> CliError {
    match e.into() {
        SettleOpError::Store(e) => CliError::Store(e),
        SettleOpError::Settle(e) => match *e {
            SettleError::Ledger(e) => CliError::Ledger(e),
            other => CliError::Usage(other.to_string()),
        },
    }
}

fn grouped(chart: &Chart, v: Decimal, commodity: &str) -> String {
    settle::format_grouped(chart, v, commodity)
}

/// "recorded" or "already recorded", and the transaction it is.
fn outcome(added: Added, id: &Option<String>) -> (&'static str, String) {
    match (added, id) {
        (Added::New { seq }, Some(id)) => ("recorded", format!("transaction {seq}, id {id}")),
        (Added::New { seq }, None) => ("recorded", format!("transaction {seq}")),
        (Added::Duplicate { seq }, _) => (
            "already recorded",
            format!("transaction {seq}, same content; nothing changed"),
        ),
    }
}

fn owes(store: &Store, debtor: &str, creditor: &str, commodity: &str) -> Result<String, CliError> {
    let v = debts::owed(store, debtor, creditor, commodity)?;
    Ok(format!(
        "{debtor} owes {creditor} {} {commodity}",
        grouped(store.chart(), v, commodity)
    ))
}

pub fn debt(store: &mut Store, cmd: DebtCmd, out: &mut impl Write) -> Result<(), CliError> {
    let DebtCmd::Add(a) = cmd;
    let e = Entry {
        date: a.date,
        id: a.id.clone(),
        memo: a.memo,
    };
    let added = ops::add_debt(store, &a.debtor, &a.creditor, &a.amount, &e).map_err(err)?;
    let (verb, detail) = outcome(added, &a.id);
    writeln!(
        out,
        "{verb} {} debt: {} owes {} {} {} ({}); in all, {}",
        a.date,
        a.debtor,
        a.creditor,
        grouped(store.chart(), a.amount.value, &a.amount.commodity),
        a.amount.commodity,
        detail,
        owes(store, &a.debtor, &a.creditor, &a.amount.commodity)?
    )?;
    Ok(())
}

pub fn pay(store: &mut Store, a: PayArgs, out: &mut impl Write) -> Result<(), CliError> {
    let e = Entry {
        date: a.date,
        id: a.id.clone(),
        memo: a.memo,
    };
    let added = ops::pay(store, &a.from, &a.to, &a.amount, &e).map_err(err)?;
    let (verb, detail) = outcome(added, &a.id);
    writeln!(
        out,
        "{verb} {} payment: {} pays {} {} {} ({}); {} now",
        a.date,
        a.from,
        a.to,
        grouped(store.chart(), a.amount.value, &a.amount.commodity),
        a.amount.commodity,
        detail,
        owes(store, &a.from, &a.to, &a.amount.commodity)?
    )?;
    Ok(())
}

pub fn offset(store: &mut Store, a: OffsetArgs, out: &mut impl Write) -> Result<(), CliError> {
    let e = Entry {
        date: a.date,
        id: a.id.clone(),
        memo: None,
    };
    let (t, added) = ops::offset(store, &a.agreement, &a.amount, &e).map_err(err)?;
    let (verb, detail) = outcome(added, &a.id);
    let x = &t.commodity;
    let used = debts::assigned(store, &t).map_err(err)?;
    writeln!(
        out,
        "{verb} {} offset {}: {} {x} of {}'s claim on {} assigned to {} ({})",
        a.date,
        t.name,
        grouped(store.chart(), a.amount.value, x),
        t.via,
        t.debtor,
        t.creditor,
        detail,
    )?;
    for (d, c) in [
        (&t.debtor, &t.creditor),
        (&t.debtor, &t.via),
        (&t.via, &t.creditor),
    ] {
        writeln!(out, "  {}", owes(store, d, c, x)?)?;
    }
    writeln!(
        out,
        "  assigned under {}: {} of its limit {} {x}",
        t.name,
        grouped(store.chart(), used, x),
        grouped(store.chart(), t.limit, x)
    )?;
    Ok(())
}

/// How the plan is chosen, said wherever a plan is shown.
const PLAN_RULE: &str = "greedy: the party that owes most pays the party owed most; \
    at most n-1 payments for n parties with non-zero positions";

/// `net` reads the store, `net --record` writes it: `open` opens it for the one or the other.
pub fn net(
    open: impl Fn(Access) -> Result<Store, StoreError>,
    a: NetArgs,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let mut store = open(if a.record {
        Access::Write
    } else {
        Access::Read
    })?;
    if a.record {
        net_record(&mut store, a, out)
    } else {
        net_show(&store, a, out)
    }
}

/// `net --record`: record the netting and say what it closed.
fn net_record(store: &mut Store, a: NetArgs, out: &mut impl Write) -> Result<(), CliError> {
    let format: Format = a.format.into();
    let date = a
        .date
        .ok_or_else(|| CliError::Usage("--record needs --date".into()))?;
    let recorded = ops::record_netting(store, &a.commodity, date, a.id.clone()).map_err(err)?;
    let Some((n, added)) = recorded else {
        writeln!(out, "no obligations in {}: nothing to net", a.commodity)?;
        return Ok(());
    };
    let (verb, detail) = outcome(added, &a.id);
    if format != Format::Table {
        return Ok(debts::netting_plan_table(&n, store.chart()).write(out, format)?);
    }
    let chart = store.chart();
    writeln!(
        out,
        "{verb} {date} netting of {}: {} debts ({} {} gross) closed, {} payments ({} {}) ({})",
        n.commodity,
        n.debts.len(),
        grouped(chart, n.gross().map_err(err)?, &n.commodity),
        n.commodity,
        n.plan.len(),
        grouped(chart, n.settled_by_plan().map_err(err)?, &n.commodity),
        n.commodity,
        detail
    )?;
    if !n.plan.is_empty() {
        debts::netting_plan_table(&n, chart).write_table(out)?;
    }
    Ok(())
}

/// `net` without `--record`: the positions before netting and the plan after.
fn net_show(store: &Store, a: NetArgs, out: &mut impl Write) -> Result<(), CliError> {
    let format: Format = a.format.into();
    let n = debts::netting(store, &a.commodity, a.as_of).map_err(err)?;
    let chart = store.chart();
    if format != Format::Table {
        return Ok(debts::netting_plan_table(&n, chart).write(out, format)?);
    }
    if n.debts.is_empty() {
        writeln!(out, "no obligations in {}: nothing to net", n.commodity)?;
        return Ok(());
    }
    let x = &n.commodity;
    let nonzero = n.positions.values().filter(|v| !v.is_zero()).count();
    writeln!(
        out,
        "BEFORE NETTING: {} debts, {} {x} gross; net positions (receivables - payables)",
        n.debts.len(),
        grouped(chart, n.gross().map_err(err)?, x)
    )?;
    debts::netting_positions_table(&n, chart).write_table(out)?;
    writeln!(out)?;
    if n.plan.is_empty() {
        writeln!(
            out,
            "AFTER NETTING: no payment needed, the obligations cancel"
        )?;
    } else {
        writeln!(
            out,
            "AFTER NETTING: {} payments, {} {x}, settle every position ({PLAN_RULE}: here n = {nonzero})",
            n.plan.len(),
            grouped(chart, n.settled_by_plan().map_err(err)?, x)
        )?;
        debts::netting_plan_table(&n, chart).write_table(out)?;
    }
    Ok(())
}

pub fn report_debts(store: &Store, a: DebtsArgs, out: &mut impl Write) -> Result<(), CliError> {
    let r = debts::debt_report(store, a.as_of).map_err(err)?;
    let Some(format) = a.format.table() else {
        return super::html::debts_picture(store, &r, a.format, out);
    };
    let chart = store.chart();
    let format: Format = format.into();
    if format != Format::Table {
        return Ok(r.debts_table(chart).write(out, format)?);
    }
    if r.debts.is_empty() {
        writeln!(out, "no debts between parties")?;
        return Ok(());
    }
    writeln!(out, "DEBTS BEFORE NETTING")?;
    r.debts_table(chart).write_table(out)?;
    writeln!(out)?;
    writeln!(out, "NET POSITIONS (receivables - payables)")?;
    r.positions_table(chart).write_table(out)?;
    writeln!(out)?;
    let plan = r.plans_table(chart);
    if plan.rows.is_empty() {
        writeln!(
            out,
            "AFTER NETTING: no payment needed, the obligations cancel"
        )?;
    } else {
        writeln!(
            out,
            "AFTER NETTING: the payments `net` would record ({PLAN_RULE})"
        )?;
        plan.write_table(out)?;
    }
    Ok(())
}

/// The offset fields of `agreement add NAME --kind offset` (which `cli::swap` parses):
/// validated by the same function as the directive, then stored.
pub struct OffsetAgreementArgs<'a> {
    pub name: &'a str,
    pub debtor: &'a str,
    pub via: &'a str,
    pub creditor: &'a str,
    pub commodity: &'a str,
    /// The `--limit` (or `--amount`) value: a number, or "NUMBER CODE" in the commodity.
    pub limit: &'a str,
}

pub fn agreement_add_offset(
    store: &mut Store,
    a: OffsetAgreementArgs,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let limit = match gasledger::model::amount::parse_number(a.limit) {
        Ok(v) => v,
        Err(_) => {
            let am = parse::amount(a.limit).map_err(CliError::Usage)?;
            if am.commodity != a.commodity {
                return Err(CliError::Usage(format!(
                    "--limit {:?} is in {}, the agreement's commodity is {}",
                    a.limit, am.commodity, a.commodity
                )));
            }
            am.value
        }
    };
    let agreement = settle::offset_agreement(
        store.chart(),
        a.name,
        a.debtor,
        a.via,
        a.creditor,
        a.commodity,
        limit,
    )
    .map_err(err)?;
    if store.agreements().get(a.name) == Some(&agreement) {
        writeln!(
            out,
            "agreement {} is declared already with the same terms; nothing changed",
            a.name
        )?;
        return Ok(());
    }
    let mut w = store.writer()?;
    w.add_agreement(agreement)?;
    w.commit()?;
    writeln!(
        out,
        "declared offset agreement {}: {} owes {}, {} owes {}; up to {} {} assignable",
        a.name,
        a.debtor,
        a.via,
        a.via,
        a.creditor,
        grouped(store.chart(), limit, a.commodity),
        a.commodity
    )?;
    Ok(())
}
