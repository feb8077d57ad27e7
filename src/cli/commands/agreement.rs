//! `agreement add`: a swap, an offset or a sale agreement, declared once and never changed.

use crate::cli::ledger::Ledger;
use crate::cli::settled::grouped;
use crate::cli::{error, parse, CliError};
use clap::{Args, Subcommand, ValueEnum};
use gasledger::model::agreement::{Agreement, AgreementKind};
use gasledger::model::amount::parse_number;
use gasledger::model::date::Date;
use gasledger::settle::{self, DayCount, SaleArgs};
use gasledger::store::{Access, Store};
use gasledger::swap::{self, format_percent, SwapTerms};
use std::io::Write;

#[derive(Debug, Subcommand)]
pub enum AgreementCmd {
    /// Declare an agreement: a swap (supplier, hub, receiver, points, commodity, fee,
    /// tolerance), an offset (debtor, intermediary, creditor, commodity, limit) or a sale
    /// (seller, buyer, commodity, price, days to pay, interest on arrears).
    ///
    /// gasledger agreement add tm-ir-az --kind swap --supplier TM --hub IR --receiver AZ
    /// --entry Sarakhs --exit Astara --exit Nakhchivan --commodity mcm --fee 10% --tolerance 2%
    ///
    /// gasledger agreement add iq-ir-tm --kind offset --debtor IQ --via IR --creditor TM
    /// --commodity USD --limit 1600000000.00 [--notice 2022-08-01]
    ///
    /// gasledger agreement add tm-ir-2013 --kind sale --seller TM --buyer IR --commodity mcm
    /// --price "109000 USD" --due-days 30 --interest 6% --day-count act/365
    Add(Box<AgreementAddArgs>),
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
    #[arg(long, value_parser = parse::agreement_kind())]
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
    /// The day the assignment was notified to the debtor: before it, a payment to the
    /// intermediary still discharges the debtor; from it, only a payment to the creditor does.
    #[arg(long, value_name = "DATE", value_parser = parse::date, help_heading = "Offset")]
    notice: Option<Date>,

    /// The party that delivers the gas and invoices it.
    #[arg(long, help_heading = "Sale")]
    seller: Option<String>,
    /// The party that receives the gas and owes the invoice.
    #[arg(long, help_heading = "Sale")]
    buyer: Option<String>,
    /// The price of one unit of the commodity, "NUMBER CODE" in a money commodity (e.g.
    /// "109000 USD" per mcm).
    #[arg(
        long,
        value_name = "AMOUNT",
        help_heading = "Sale",
        allow_hyphen_values = true
    )]
    price: Option<String>,
    /// Days from a delivery to the day its invoice is due.
    #[arg(long, value_name = "DAYS", help_heading = "Sale")]
    due_days: Option<u32>,
    /// The yearly interest on arrears, a percentage (e.g. 6%), from each invoice's due date.
    #[arg(long, value_name = "PERCENT", help_heading = "Sale")]
    interest: Option<String>,
    /// How interest counts days: act/365 (actual days / 365), act/360 (actual days / 360) or
    /// 30/360 (30E/360, the Eurobond basis) [default: act/365].
    #[arg(long, value_parser = parse::day_count(), help_heading = "Sale")]
    day_count: Option<DayCount>,

    /// The commodity: a swap's volume or energy unit, an offset's currency, the gas a sale
    /// sells.
    #[arg(long)]
    commodity: Option<String>,
}

/// `agreement add`: the terms are validated in full by their kind's module, then stored by
/// the one path of every agreement (the store's writer), which keeps an agreement unchanged:
/// the same terms again change nothing, other terms are refused.
pub fn run(cmd: AgreementCmd, ledger: &Ledger, out: &mut impl Write) -> Result<(), CliError> {
    let AgreementCmd::Add(args) = cmd;
    let mut store = ledger.open(Access::Create)?;
    let name = agreement_name(&args.name)?;
    refuse_misplaced(&args)?;
    let (agreement, summary) = match args.kind {
        AgreementKind::Swap => {
            let a = Agreement {
                name: name.to_string(),
                fields: swap_fields(&args),
            };
            let summary = describe(&SwapTerms::from_agreement(&a, store.chart())?);
            (a, summary)
        }
        AgreementKind::Offset => offset_agreement(&store, name, &args)?,
        AgreementKind::Sale => sale_agreement(&store, name, &args)?,
    };
    let mut w = store.writer()?;
    if w.add_agreement(agreement)? {
        w.commit()?;
        writeln!(out, "declared {summary}")?;
    } else {
        writeln!(
            out,
            "agreement {name} is declared already with the same terms; nothing changed"
        )?;
    }
    Ok(())
}

/// The name as given: one word without ';' or ','.
fn agreement_name(given: &str) -> Result<&str, CliError> {
    let name = given.trim();
    if name.is_empty()
        || name != given
        || name.contains([';', ','])
        || name.chars().any(char::is_whitespace)
    {
        return Err(CliError::Usage(format!(
            "invalid agreement name {given:?}: expected one word without ';' or ','"
        )));
    }
    Ok(name)
}

/// Refuses a flag that belongs to another kind of agreement.
fn refuse_misplaced(args: &AgreementAddArgs) -> Result<(), CliError> {
    let flags = [
        (AgreementKind::Swap, "--supplier", args.supplier.is_some()),
        (AgreementKind::Swap, "--hub", args.hub.is_some()),
        (AgreementKind::Swap, "--receiver", args.receiver.is_some()),
        (AgreementKind::Swap, "--entry", !args.entry.is_empty()),
        (AgreementKind::Swap, "--exit", !args.exit.is_empty()),
        (AgreementKind::Swap, "--fee", args.fee.is_some()),
        (AgreementKind::Swap, "--tolerance", args.tolerance.is_some()),
        (AgreementKind::Swap, "--period", args.period.is_some()),
        (AgreementKind::Swap, "--basis", args.basis.is_some()),
        (AgreementKind::Swap, "--fee-basis", args.fee_basis.is_some()),
        (AgreementKind::Swap, "--start", args.start.is_some()),
        (AgreementKind::Offset, "--debtor", args.debtor.is_some()),
        (AgreementKind::Offset, "--via", args.via.is_some()),
        (AgreementKind::Offset, "--creditor", args.creditor.is_some()),
        (AgreementKind::Offset, "--limit", args.limit.is_some()),
        (AgreementKind::Offset, "--notice", args.notice.is_some()),
        (AgreementKind::Sale, "--seller", args.seller.is_some()),
        (AgreementKind::Sale, "--buyer", args.buyer.is_some()),
        (AgreementKind::Sale, "--price", args.price.is_some()),
        (AgreementKind::Sale, "--due-days", args.due_days.is_some()),
        (AgreementKind::Sale, "--interest", args.interest.is_some()),
        (AgreementKind::Sale, "--day-count", args.day_count.is_some()),
    ];
    let kind = args.kind;
    match flags.iter().find(|(k, _, given)| *k != kind && *given) {
        Some((_, flag, _)) => Err(CliError::Usage(format!(
            "{flag} does not apply to a {kind} agreement"
        ))),
        None => Ok(()),
    }
}

/// A swap's raw fields in the order of the `agreement` directive. Period and bases are
/// written out even at their defaults: the stored terms say everything, and the export shows
/// them.
fn swap_fields(args: &AgreementAddArgs) -> Vec<(String, String)> {
    let join = |v: &[String]| (!v.is_empty()).then(|| v.join(", "));
    let period = args.period.unwrap_or(PeriodArg::Monthly);
    let basis = args.basis.unwrap_or(BasisArg::Volume);
    let fee_basis = args.fee_basis.unwrap_or(FeeBasisArg::Period);
    [
        ("kind", Some(AgreementKind::Swap.to_string())),
        ("supplier", args.supplier.clone()),
        ("hub", args.hub.clone()),
        ("receiver", args.receiver.clone()),
        ("entry", join(&args.entry)),
        ("exit", join(&args.exit)),
        ("commodity", args.commodity.clone()),
        ("fee", args.fee.clone()),
        ("tolerance", args.tolerance.clone()),
        ("period", Some(word(period))),
        ("basis", Some(word(basis))),
        ("fee-basis", Some(word(fee_basis))),
        ("start", args.start.map(|d| d.to_string())),
    ]
    .into_iter()
    .filter_map(|(k, v)| Some((k.to_string(), v?)))
    .collect()
}

/// The word clap takes for a value, which is also the directive's.
fn word(v: impl ValueEnum) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

/// An offset agreement from its flags, validated by the same function as the directive, and
/// the line that declares it.
fn offset_agreement(
    store: &Store,
    name: &str,
    args: &AgreementAddArgs,
) -> Result<(Agreement, String), CliError> {
    let field = |value: &Option<String>, role: &str| {
        value
            .clone()
            .ok_or_else(|| CliError::Usage(format!("an offset agreement needs --{role}")))
    };
    let debtor = field(&args.debtor, "debtor")?;
    let via = field(&args.via, "via")?;
    let creditor = field(&args.creditor, "creditor")?;
    let commodity = field(&args.commodity, "commodity")?;
    let limit = field(&args.limit, "limit")?;
    let limit = match parse_number(&limit) {
        Ok(v) => v,
        Err(_) => {
            let am = parse::amount(&limit).map_err(CliError::Usage)?;
            if am.commodity != commodity {
                return Err(CliError::Usage(format!(
                    "--limit {limit:?} is in {}, the agreement's commodity is {commodity}",
                    am.commodity
                )));
            }
            am.value
        }
    };
    let chart = store.chart();
    let roles = (debtor.as_str(), via.as_str(), creditor.as_str());
    let a = settle::offset_agreement(chart, name, roles, &commodity, limit, args.notice)
        .map_err(error::settle)?;
    let summary = format!(
        "offset agreement {name}: {debtor} owes {via}, {via} owes {creditor}; up to {} {commodity} assignable{}",
        grouped(chart, limit, &commodity),
        args.notice
            .map(|d| format!("; notified to {debtor} on {d}"))
            .unwrap_or_default(),
    );
    Ok((a, summary))
}

/// A sale agreement from its flags, validated by the same function as the directive, and the
/// line that declares it.
fn sale_agreement(
    store: &Store,
    name: &str,
    args: &AgreementAddArgs,
) -> Result<(Agreement, String), CliError> {
    let field = |value: &Option<String>, role: &str| {
        value
            .clone()
            .ok_or_else(|| CliError::Usage(format!("a sale agreement needs --{role}")))
    };
    let seller = field(&args.seller, "seller")?;
    let buyer = field(&args.buyer, "buyer")?;
    let commodity = field(&args.commodity, "commodity")?;
    let price = field(&args.price, "price")?;
    let due_days = args
        .due_days
        .ok_or_else(|| CliError::Usage("a sale agreement needs --due-days".into()))?;
    let sale = SaleArgs {
        seller: &seller,
        buyer: &buyer,
        commodity: &commodity,
        price: &price,
        due_days,
        interest: args.interest.as_deref(),
        day_count: args.day_count,
    };
    let (a, terms) = settle::sale_agreement(store.chart(), name, &sale).map_err(error::settle)?;
    Ok((a, terms.describe()))
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
