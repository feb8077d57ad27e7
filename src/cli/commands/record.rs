//! `record`: one transaction given as arguments.

use crate::cli::ledger::Ledger;
use crate::cli::parse::{self, StatusArg};
use crate::cli::CliError;
use clap::Args;
use gasledger::model::date::Date;
use gasledger::model::transaction::Transaction;
use gasledger::store::{Access, Added};
use std::io::Write;

#[derive(Debug, Args)]
pub struct RecordArgs {
    /// The transaction's date, YYYY-MM-DD.
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// What happened.
    #[arg(long)]
    desc: String,
    /// A posting, "ACCOUNT AMOUNT" (e.g. "IR:swap:tm-ir-az 160 mcm"); repeat for each. One
    /// posting may give the account alone: its amount is inferred. Optional "@ PRICE",
    /// "@@ TOTAL" and "= ASSERTED BALANCE" after the amount.
    #[arg(long = "post", required = true, value_name = "ACCOUNT AMOUNT")]
    posts: Vec<String>,
    /// Idempotency key: the same id with the same content again changes nothing; with other
    /// content it is an error.
    #[arg(long)]
    id: Option<String>,
    /// A tag, KEY=VALUE; repeat for each.
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse::tag)]
    tags: Vec<(String, String)>,
    /// cleared (*), pending (!) or none.
    #[arg(long, value_enum, default_value_t = StatusArg::None)]
    status: StatusArg,
}

pub fn run(args: RecordArgs, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let mut store = ledger.open(Access::Write)?;
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
        status: args.status.into(),
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
