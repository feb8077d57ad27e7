//! The core commands: init, declarations, record, reverse, reports, verify.

use super::{
    parse, AccountCmd, Cli, CliError, Command, CommodityCmd, PartyCmd, RecordArgs, ReportCmd,
    ReverseArgs, StatusArg,
};
use gasledger::model::amount::Commodity;
use gasledger::model::ledger::{Account, Party, Status, Transaction};
use gasledger::reports::query::{self, BalanceQuery};
use gasledger::store::{Access, Added, Store, StoreError};
use std::io::Write;
use std::time::Duration;

pub fn run(cli: Cli, out: &mut impl Write) -> Result<(), CliError> {
    if !(cli.lock_timeout.is_finite() && cli.lock_timeout >= 0.0) {
        return Err(CliError::Usage(format!(
            "--lock-timeout must be a number of seconds, 0 or more, found {}",
            cli.lock_timeout
        )));
    }
    let timeout = Duration::from_secs_f64(cli.lock_timeout.min(86_400.0));
    let open = |access| {
        let store = gasledger::ops::rulebook::open(&cli.db, access, timeout)?;
        if let Some(r) = store.recovered() {
            super::notice_recovered(&r);
        }
        Ok::<Store, StoreError>(store)
    };
    match cli.command {
        Command::Init => {
            let existed = cli.db.join("db").is_file();
            let store = open(Access::Write)?;
            if existed {
                writeln!(
                    out,
                    "ledger exists already at {}; nothing changed",
                    store.path().display()
                )?;
            } else {
                writeln!(out, "created an empty ledger at {}", store.path().display())?;
            }
        }
        Command::Commodity(CommodityCmd::Add { code, kind, scale }) => {
            let mut store = open(Access::Write)?;
            let mut w = store.writer()?;
            w.add_commodity(Commodity {
                code: code.clone(),
                kind,
                scale,
            })?;
            w.commit()?;
            writeln!(
                out,
                "declared commodity {code} ({kind}, {scale} decimal places)"
            )?;
        }
        Command::Party(PartyCmd::Add { code, name }) => {
            let mut store = open(Access::Write)?;
            let mut w = store.writer()?;
            w.add_party(Party {
                code: code.clone(),
                name: name.clone(),
            })?;
            w.commit()?;
            match name {
                Some(n) => writeln!(out, "declared party {code} ({n})")?,
                None => writeln!(out, "declared party {code}")?,
            }
        }
        Command::Account(AccountCmd::Add { name, kind, floor }) => {
            let mut store = open(Access::Write)?;
            let mut w = store.writer()?;
            w.add_account(Account {
                name: name.clone(),
                kind,
                floor,
            })?;
            w.commit()?;
            writeln!(out, "declared account {name}")?;
        }
        Command::Import { files } => super::files::import(&mut open(Access::Write)?, &files, out)?,
        Command::Export { format, output } => {
            super::files::export(&open(Access::Read)?, format, output, out)?
        }
        Command::Record(args) => record(&mut open(Access::Write)?, args, out)?,
        Command::Reverse(args) => reverse(&mut open(Access::Write)?, args, out)?,
        Command::Report(ReportCmd::Balances {
            as_of,
            party,
            depth,
            format,
        }) => {
            let q = BalanceQuery {
                as_of,
                party,
                depth,
            };
            // Current balances come from the balances view when it is current: no sled opened.
            let (store, view);
            let (all, chart) = match as_of {
                Some(d) => {
                    store = open(Access::Read)?;
                    (store.balances_as_of(d)?, store.chart())
                }
                None => {
                    let recovered;
                    (view, recovered) = Store::balances_view(&cli.db, timeout)?;
                    if let Some(r) = recovered {
                        super::notice_recovered(&r);
                    }
                    (view.balances, &view.chart)
                }
            };
            if let Some(p) = &q.party {
                if !chart.parties.contains_key(p) {
                    return Err(CliError::Usage(format!("party {p} is not declared")));
                }
            }
            let t = query::balance_table(all, chart, &q)?;
            t.write(out, format.into())?;
        }
        Command::Report(ReportCmd::Register {
            account,
            from,
            to,
            format,
        }) => {
            let store = open(Access::Read)?;
            query::register(&store, &account, from, to)?.write(out, format.into())?;
        }
        Command::Statement(cmd) => {
            super::reconcile::statement(&mut open(Access::Write)?, cmd, out)?
        }
        Command::Reconcile { as_of, format, all } => {
            super::reconcile::reconcile(&open(Access::Read)?, as_of, format, all, out)?
        }
        Command::Debt(cmd) => super::settle::debt(&mut open(Access::Write)?, cmd, out)?,
        Command::Pay(args) => super::settle::pay(&mut open(Access::Write)?, args, out)?,
        Command::Offset(args) => super::settle::offset(&mut open(Access::Write)?, args, out)?,
        Command::Net(args) => super::settle::net(open, args, out)?,
        Command::Report(ReportCmd::Debts(args)) => {
            super::settle::report_debts(&open(Access::Read)?, args, out)?
        }
        Command::Agreement(cmd) => super::swap::agreement(&mut open(Access::Write)?, cmd, out)?,
        Command::Swap(cmd) => super::swap::leg(&mut open(Access::Write)?, cmd, out)?,
        Command::Report(ReportCmd::Swap(args)) => {
            super::swap::report(&open(Access::Read)?, args, out)?
        }
        Command::Report(ReportCmd::Html(args)) => {
            super::html::report(&open(Access::Read)?, args, out)?
        }
        Command::Verify => {
            let store = open(Access::Read)?;
            let v = store.verify()?;
            for p in &v.problems {
                writeln!(out, "problem: {p}")?;
            }
            if v.problems.is_empty() {
                writeln!(
                    out,
                    "ok: {} in {} replayed; every balance, hash link and index agrees",
                    super::files::count(v.transactions, "transaction"),
                    super::files::count(v.blocks, "block"),
                )?;
            } else {
                return Err(CliError::Discrepancy(format!(
                    "verify found {} problem(s) in {}",
                    v.problems.len(),
                    store.path().display()
                )));
            }
        }
    }
    Ok(())
}

fn record(store: &mut Store, args: RecordArgs, out: &mut impl Write) -> Result<(), CliError> {
    let postings = args
        .posts
        .iter()
        .map(|p| parse::posting(p))
        .collect::<Result<Vec<_>, _>>()
        .map_err(CliError::Usage)?;
    if let Some(e) = postings
        .iter()
        .find_map(|p| parse::misread_amount(p, store.chart()))
    {
        return Err(CliError::Usage(e));
    }
    let mut tags = Vec::new();
    let mut id = args.id;
    for (k, v) in args.tags {
        if k == "id" {
            if id.as_ref().is_some_and(|i| i != &v) {
                return Err(CliError::Usage("--id and --tag id=... disagree".into()));
            }
            id = Some(v);
        } else {
            tags.push((k, v));
        }
    }
    let t = Transaction {
        date: args.date,
        status: match args.status {
            StatusArg::None => Status::Unmarked,
            StatusArg::Pending => Status::Pending,
            StatusArg::Cleared => Status::Cleared,
        },
        code: None,
        description: args.desc,
        tags,
        id,
        postings,
    };
    let summary = format!("{} {}", t.date, t.description);
    let mut w = store.writer()?;
    match w.append(t.clone())? {
        Added::New { seq } => {
            w.commit()?;
            let id = t.id.map(|i| format!(", id {i}")).unwrap_or_default();
            writeln!(out, "recorded {summary} (transaction {seq}{id})")?;
        }
        Added::Duplicate { seq } => {
            writeln!(
                out,
                "already recorded: id {} is transaction {seq} with the same content; nothing changed",
                t.id.unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

fn reverse(store: &mut Store, args: ReverseArgs, out: &mut impl Write) -> Result<(), CliError> {
    let (_, original) =
        store
            .find(&args.id)?
            .ok_or_else(|| gasledger::store::StoreError::NotFound {
                id: args.id.clone(),
            })?;
    let new_id = args
        .new_id
        .unwrap_or_else(|| format!("{}-reversal", args.id));
    let t = original.reversal(args.date, Some(new_id.clone()), args.reason.as_deref());
    // The writer refuses a second reversal of the same transaction, or one dated before it
    // (the rules of every entry path); the same reversal again is a no-op (its id).
    let mut w = store.writer()?;
    match w.append(t)? {
        Added::New { seq } => {
            w.commit()?;
            writeln!(
                out,
                "reversed {} with transaction {seq} (id {new_id})",
                args.id
            )?;
        }
        Added::Duplicate { .. } => {
            writeln!(
                out,
                "already reversed: {new_id} is recorded with the same content; nothing changed"
            )?;
        }
    }
    Ok(())
}
