//! agreement add, swap entry, swap exit, report swap.

use super::{parse, CliError, StatusArg};
use clap::{Args, Subcommand, ValueEnum};
use gasledger::model::amount::{format_grouped, parse_number, Amount};
use gasledger::model::date::Date;
use gasledger::model::ledger::{Agreement, Status};
use gasledger::ops::swap::record_leg;
use gasledger::reports::swap::report as swap_report;
use gasledger::store::{Added, Store};
use gasledger::swap::{self, format_percent, LegRequest, LegTransaction, Side, SwapTerms};
use rust_decimal::Decimal;
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum AgreementCmd {
    /// Declare an agreement: a swap (supplier, hub, receiver, points, commodity, fee,
    /// tolerance) or an offset (debtor, intermediary, creditor, commodity, limit).
    ///
    /// gasledger agreement add tm-ir-az --kind swap --supplier TM --hub IR --receiver AZ
    /// --entry Sarakhs --exit Astara --exit Nakhchivan --commodity mcm --fee 10% --tolerance 2%
    ///
    /// gasledger agreement add iq-ir-tm --kind offset --debtor IQ --via IR --creditor TM
    /// --commodity USD --limit 1600000000.00
    Add(AgreementAddArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AgreementKind {
    Swap,
    Offset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PeriodArg {
    Daily,
    Monthly,
    Quarterly,
    Yearly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FeeBasisArg {
    Leg,
    Period,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum BasisArg {
    Volume,
    Energy,
}

#[derive(Debug, Args)]
pub struct AgreementAddArgs {
    /// The agreement's name. Legs and offsets refer to it with the tag `agreement: NAME`; a
    /// swap's name is also the last segment of the hub's accounts (HUB:swap:NAME, HUB:fee:NAME).
    name: String,
    #[arg(long, value_enum)]
    kind: AgreementKind,

    /// The party that delivers gas into the hub.
    #[arg(long, help_heading = "Swap")]
    supplier: Option<String>,
    /// The party that takes the gas in and delivers it on, keeping its fee in kind.
    #[arg(long, help_heading = "Swap")]
    hub: Option<String>,
    /// The party that receives the gas out of the hub.
    #[arg(long, help_heading = "Swap")]
    receiver: Option<String>,
    /// An entry point (repeat, or separate with commas).
    #[arg(long = "entry", value_name = "POINT", help_heading = "Swap")]
    entry: Vec<String>,
    /// An exit point (repeat, or separate with commas).
    #[arg(long = "exit", value_name = "POINT", help_heading = "Swap")]
    exit: Vec<String>,
    /// The hub's fee in kind, a percentage of each entry leg (e.g. 20%).
    #[arg(
        long,
        value_name = "PERCENT",
        help_heading = "Swap",
        allow_hyphen_values = true
    )]
    fee: Option<String>,
    /// How far exit may differ from entry less fee in a period, a percentage of entry.
    #[arg(
        long,
        value_name = "PERCENT",
        help_heading = "Swap",
        allow_hyphen_values = true
    )]
    tolerance: Option<String>,
    /// The settlement period [default: monthly].
    #[arg(long, value_enum, help_heading = "Swap")]
    period: Option<PeriodArg>,
    /// Compare legs by volume, or by energy (each leg's volume × its --gcv, in the
    /// agreement's energy commodity) [default: volume].
    #[arg(long, value_enum, help_heading = "Swap")]
    basis: Option<BasisArg>,
    /// Compute the fee on each entry leg (rounded per leg), or on the period's total entry
    /// (rounded once per period; each leg books what brings the period's fee to the fee of
    /// its entry so far) [default: period].
    #[arg(long, value_enum, help_heading = "Swap")]
    fee_basis: Option<FeeBasisArg>,
    /// Legs dated before this are refused.
    #[arg(long, value_parser = parse::date, help_heading = "Swap")]
    start: Option<Date>,

    /// The party that owes the intermediary.
    #[arg(long, help_heading = "Offset")]
    debtor: Option<String>,
    /// The intermediary, who assigns its claim on the debtor to the creditor.
    #[arg(long, help_heading = "Offset")]
    via: Option<String>,
    /// The party the intermediary owes.
    #[arg(long, help_heading = "Offset")]
    creditor: Option<String>,
    /// The amount or limit of the assignment: a number, or "NUMBER CODE" in the commodity.
    #[arg(long, value_name = "AMOUNT", help_heading = "Offset")]
    limit: Option<String>,

    /// The commodity: a swap's volume or energy unit, an offset's currency.
    #[arg(long)]
    commodity: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SwapCmd {
    /// Record a delivery into the hub at an entry point. One transaction: HUB:swap:NAME +V,
    /// SUPPLIER:gas:delivered -V, and the fee in kind F = V × fee rounded half-even to the
    /// commodity's scale: HUB:fee:NAME +F, HUB:swap:NAME -F. Accounts are opened when missing.
    Entry(LegArgs),
    /// Record a delivery out of the hub at an exit point: RECEIVER:gas:received +V,
    /// HUB:swap:NAME -V. Accounts are opened when missing.
    Exit(LegArgs),
}

#[derive(Debug, Args)]
pub struct LegArgs {
    /// The swap agreement.
    agreement: String,
    /// The date of the delivery.
    #[arg(long, value_parser = parse::date)]
    date: Date,
    /// The volume delivered, "NUMBER UNIT": the agreement's commodity, or another volume unit
    /// (m3, mcm, bcm, mcf, bcf) that converts into it exactly. Never rounded: a volume whose
    /// exact conversion has more decimals than the commodity allows is refused.
    #[arg(long, value_parser = parse::amount, value_name = "NUMBER UNIT", allow_hyphen_values = true)]
    volume: Amount,
    /// The delivery point; may be left out when the agreement has only one on this side.
    #[arg(long)]
    point: Option<String>,
    /// Gross calorific value, MJ per m3 at the agreement's reference conditions. Required on an
    /// energy basis (the leg is recorded as volume × GCV in the agreement's energy unit, and the
    /// volume and GCV are kept as tags); kept as a tag otherwise.
    #[arg(long, value_parser = number, value_name = "MJ/m3", allow_hyphen_values = true)]
    gcv: Option<Decimal>,
    /// Idempotency key: the same id with the same content again changes nothing.
    #[arg(long)]
    id: Option<String>,
    /// Description [default: "POINT entry" or "POINT exit"].
    #[arg(long)]
    desc: Option<String>,
    /// cleared (*), pending (!) or none.
    #[arg(long, value_enum, default_value_t = StatusArg::None)]
    status: StatusArg,
}

#[derive(Debug, Args)]
pub struct SwapReportArgs {
    /// The swap agreement.
    agreement: String,
    /// Also split entry and exit by delivery point: after the seven standard columns, one
    /// column `entry:POINT` per entry point and one `exit:POINT` per exit point, in the
    /// agreement's order.
    #[arg(long)]
    by_point: bool,
    /// First period shown: the one holding this date (earlier periods still count in the
    /// cumulative imbalance).
    #[arg(long, value_parser = parse::date)]
    from: Option<Date>,
    /// Last period shown: the one holding this date.
    #[arg(long, value_parser = parse::date)]
    to: Option<Date>,
    /// table, csv, json: the seven columns (and the points); svg: the chart of the periods.
    #[arg(long, value_enum, default_value_t)]
    format: super::html::SwapFormatArg,
}

fn number(s: &str) -> Result<Decimal, String> {
    parse_number(s).map_err(|e| e.to_string())
}

/// `agreement add`: a swap's terms are validated in full (`SwapTerms::from_agreement`); an
/// offset goes to the settlement module, which validates and stores it.
pub fn agreement(
    store: &mut Store,
    cmd: AgreementCmd,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let AgreementCmd::Add(args) = cmd;
    let a = agreement_of(&args)?;
    if args.kind == AgreementKind::Offset {
        let field = |role: &str| {
            a.field(role)
                .ok_or_else(|| CliError::Usage(format!("an offset agreement needs --{role}")))
        };
        return super::settle::agreement_add_offset(
            store,
            super::settle::OffsetAgreementArgs {
                name: &a.name,
                debtor: field("debtor")?,
                via: field("via")?,
                creditor: field("creditor")?,
                commodity: field("commodity")?,
                limit: field("limit")?,
            },
            out,
        );
    }
    let summary = describe(&SwapTerms::from_agreement(&a, store.chart())?);
    if let Some(old) = store.agreements().get(&a.name) {
        if *old != a {
            return Err(CliError::Usage(format!(
                "agreement {} is declared already with other terms; agreements are never changed, declare one under a new name",
                a.name
            )));
        }
        writeln!(
            out,
            "agreement {} is declared already with the same terms; nothing changed",
            a.name
        )?;
        return Ok(());
    }
    let mut w = store.writer()?;
    w.add_agreement(a)?;
    w.commit()?;
    writeln!(out, "declared {summary}")?;
    Ok(())
}

/// The agreement's raw fields in the order of the `agreement` directive, refusing flags that
/// belong to the other kind.
fn agreement_of(args: &AgreementAddArgs) -> Result<Agreement, CliError> {
    let name = args.name.trim();
    if name.is_empty()
        || name != args.name
        || name.contains([';', ','])
        || name.chars().any(char::is_whitespace)
    {
        return Err(CliError::Usage(format!(
            "invalid agreement name {:?}: expected one word without ';' or ','",
            args.name
        )));
    }
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            fields.push((k.to_string(), v));
        }
    };
    let join = |v: &[String]| (!v.is_empty()).then(|| v.join(", "));
    let swap_flags = [
        ("--supplier", args.supplier.is_some()),
        ("--hub", args.hub.is_some()),
        ("--receiver", args.receiver.is_some()),
        ("--entry", !args.entry.is_empty()),
        ("--exit", !args.exit.is_empty()),
        ("--fee", args.fee.is_some()),
        ("--tolerance", args.tolerance.is_some()),
        ("--period", args.period.is_some()),
        ("--basis", args.basis.is_some()),
        ("--fee-basis", args.fee_basis.is_some()),
        ("--start", args.start.is_some()),
    ];
    let offset_flags = [
        ("--debtor", args.debtor.is_some()),
        ("--via", args.via.is_some()),
        ("--creditor", args.creditor.is_some()),
        ("--limit", args.limit.is_some()),
    ];
    let (kind, misplaced) = match args.kind {
        AgreementKind::Swap => ("swap", offset_flags.as_slice()),
        AgreementKind::Offset => ("offset", swap_flags.as_slice()),
    };
    if let Some((flag, _)) = misplaced.iter().find(|(_, given)| *given) {
        return Err(CliError::Usage(format!(
            "{flag} does not apply to a {kind} agreement"
        )));
    }
    push("kind", Some(kind.to_string()));
    match args.kind {
        AgreementKind::Swap => {
            push("supplier", args.supplier.clone());
            push("hub", args.hub.clone());
            push("receiver", args.receiver.clone());
            push("entry", join(&args.entry));
            push("exit", join(&args.exit));
            push("commodity", args.commodity.clone());
            push("fee", args.fee.clone());
            push("tolerance", args.tolerance.clone());
            // Period and basis are written out even at their defaults: the stored terms say
            // everything, and the export shows them.
            let period = match args.period.unwrap_or(PeriodArg::Monthly) {
                PeriodArg::Daily => "daily",
                PeriodArg::Monthly => "monthly",
                PeriodArg::Quarterly => "quarterly",
                PeriodArg::Yearly => "yearly",
            };
            push("period", Some(period.to_string()));
            let basis = match args.basis.unwrap_or(BasisArg::Volume) {
                BasisArg::Volume => "volume",
                BasisArg::Energy => "energy",
            };
            push("basis", Some(basis.to_string()));
            let fee_basis = match args.fee_basis.unwrap_or(FeeBasisArg::Period) {
                FeeBasisArg::Leg => "leg",
                FeeBasisArg::Period => "period",
            };
            push("fee-basis", Some(fee_basis.to_string()));
            push("start", args.start.map(|d| d.to_string()));
        }
        AgreementKind::Offset => {
            push("debtor", args.debtor.clone());
            push("via", args.via.clone());
            push("creditor", args.creditor.clone());
            push("commodity", args.commodity.clone());
            push("limit", args.limit.clone());
        }
    }
    Ok(Agreement {
        name: name.to_string(),
        fields,
    })
}

fn describe(t: &SwapTerms) -> String {
    format!(
        "swap agreement {}: {} delivers into {} at {}; {} delivers to {} at {}; {}, fee {} of each {}, tolerance {} per {} period, {} basis{}",
        t.name,
        t.supplier,
        t.hub,
        t.entry_points.join(", "),
        t.hub,
        t.receiver,
        t.exit_points.join(", "),
        t.commodity.code,
        format_percent(t.fee_rate),
        match t.fee_basis {
            swap::FeeBasis::Leg => "leg",
            swap::FeeBasis::Period => "period's entry",
        },
        format_percent(t.tolerance_rate),
        t.period.as_str(),
        t.basis.as_str(),
        t.start.map(|s| format!(", from {s}")).unwrap_or_default(),
    )
}

/// `swap entry` / `swap exit`: every check is made before the store is written, so a refused
/// leg leaves the store as it was.
pub fn leg(store: &mut Store, cmd: SwapCmd, out: &mut impl Write) -> Result<(), CliError> {
    let (side, args) = match cmd {
        SwapCmd::Entry(a) => (Side::Entry, a),
        SwapCmd::Exit(a) => (Side::Exit, a),
    };
    let terms = swap::terms(store.agreements(), store.chart(), &args.agreement)?;
    let recorded = record_leg(
        store,
        &terms,
        LegRequest {
            period_entry_before: Decimal::ZERO,
            side,
            date: args.date,
            volume: args.volume.clone(),
            point: args.point.clone(),
            gcv: args.gcv,
            id: args.id.clone(),
            description: args.desc.clone(),
            status: match args.status {
                StatusArg::None => Status::Unmarked,
                StatusArg::Pending => Status::Pending,
                StatusArg::Cleared => Status::Cleared,
            },
        },
    )?;
    let (leg, opened) = (&recorded.leg, &recorded.opened);
    let t = &leg.transaction;
    let id = t.id.clone();
    let summary = format!("{} {}", t.date, t.description);
    match recorded.added {
        Added::New { seq } => {
            for name in opened {
                writeln!(out, "opened account {name}")?;
            }
            let what = what_was_recorded(&terms, leg, side, &args.volume, args.gcv);
            let id = id.map(|i| format!(", id {i}")).unwrap_or_default();
            writeln!(
                out,
                "recorded {summary} under {}: {what} (transaction {seq}{id})",
                terms.name
            )?;
        }
        Added::Duplicate { seq } => {
            writeln!(
                out,
                "already recorded: id {} is transaction {seq} with the same content; nothing changed",
                id.unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

/// What a new leg moved, for the line `swap entry|exit` prints: the quantity (and what was
/// measured, when the postings hold something else) and the accounts it went between.
fn what_was_recorded(
    terms: &SwapTerms,
    leg: &LegTransaction,
    side: Side,
    volume: &Amount,
    gcv: Option<Decimal>,
) -> String {
    let scale = terms.commodity.scale;
    let code = &terms.commodity.code;
    let q = format_grouped(leg.quantity, scale);
    let measured = match (terms.basis, gcv) {
        (swap::Basis::Energy, Some(g)) => format!(" ({volume} at {g} MJ/m3)"),
        _ if volume.commodity != *code => format!(" ({volume})"),
        _ => String::new(),
    };
    match side {
        Side::Entry => format!(
            "{q} {code}{measured} into {}, fee {} {code} to {}",
            terms.swap_account(),
            format_grouped(leg.fee, scale),
            terms.fee_account()
        ),
        Side::Exit => format!(
            "{q} {code}{measured} out of {} to {}",
            terms.swap_account(),
            terms.received_account()
        ),
    }
}

/// `report swap`.
pub fn report(store: &Store, args: SwapReportArgs, out: &mut impl Write) -> Result<(), CliError> {
    let r = swap_report(store, &args.agreement, args.from, args.to)?;
    let Some(format) = args.format.table() else {
        return super::html::swap_picture(&r, out);
    };
    let format: gasledger::render::table::Format = format.into();
    if format == gasledger::render::table::Format::Table {
        let t = &r.terms;
        writeln!(
            out,
            "swap {}: {} -> {} -> {}, {} per {} period, fee {}{}, tolerance {}{}",
            t.name,
            t.supplier,
            t.hub,
            t.receiver,
            t.commodity.code,
            t.period.as_str(),
            format_percent(t.fee_rate),
            match t.fee_basis {
                swap::FeeBasis::Leg => " on each leg",
                swap::FeeBasis::Period => "",
            },
            format_percent(t.tolerance_rate),
            match t.basis {
                swap::Basis::Energy => ", energy basis",
                swap::Basis::Volume => "",
            }
        )?;
        if r.rows.is_empty() {
            writeln!(out, "no legs recorded in the periods asked for")?;
            return Ok(());
        }
    }
    r.table(args.by_point).write(out, format)?;
    Ok(())
}
