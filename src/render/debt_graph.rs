//! The debt graph as both its pictures draw it (SVG in `svg::debts`, DOT in `dot`): who owes
//! whom before netting and who pays whom after, as arrows between parties.

use crate::model::amount::format_grouped;
use crate::reports::debts::DebtReport;
use crate::settle::Transfer;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};

/// One arrow of the graph: who owes (or pays) whom, and the amounts, one per commodity.
pub(super) struct Edge {
    pub(super) from: String,
    pub(super) to: String,
    pub(super) amounts: Vec<(Decimal, String)>,
}

/// The debts before netting (the obligations as the books hold them) and after (the payments
/// of each commodity's netting plan), each as arrows from debtor to creditor.
pub(super) fn edges(r: &DebtReport) -> (Vec<Edge>, Vec<Edge>) {
    let group = |rows: &mut dyn Iterator<Item = (&str, &str, Decimal, &str)>| {
        let mut by: BTreeMap<(String, String), Vec<(Decimal, String)>> = BTreeMap::new();
        for (from, to, amount, commodity) in rows {
            by.entry((from.to_string(), to.to_string()))
                .or_default()
                .push((amount, commodity.to_string()));
        }
        by.into_iter()
            .map(|((from, to), amounts)| Edge { from, to, amounts })
            .collect::<Vec<_>>()
    };
    let before = group(&mut r.debts.iter().map(|d| {
        (
            d.debtor.as_str(),
            d.creditor.as_str(),
            d.amount,
            d.commodity.as_str(),
        )
    }));
    let after = group(&mut r.plans.iter().flat_map(|(c, plan)| {
        plan.iter()
            .map(move |x: &Transfer| (x.from.as_str(), x.to.as_str(), x.amount, c.as_str()))
    }));
    (before, after)
}

/// The parties of the graph, sorted by code: every party in a debt or a plan.
pub(super) fn parties(r: &DebtReport) -> Vec<String> {
    let mut set: BTreeSet<&str> = BTreeSet::new();
    for d in &r.debts {
        set.insert(&d.debtor);
        set.insert(&d.creditor);
    }
    for per in r.positions.values() {
        set.extend(per.keys().map(String::as_str));
    }
    set.into_iter().map(str::to_string).collect()
}

/// An amount as the pictures write it: digit groups, at its commodity's scale.
pub(super) fn amount_label(r: &DebtReport, v: Decimal, commodity: &str) -> String {
    format!("{} {commodity}", format_grouped(v, r.scale(commodity)))
}
