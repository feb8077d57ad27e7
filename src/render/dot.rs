//! The debt graph in Graphviz DOT, for a reader who lays it out with `dot` (the SVG in
//! `svg::debts` is laid out here).

use crate::model::chart::Chart;
use crate::render::debt_graph::{amount_label, edges, parties};
use crate::reports::debts::DebtReport;
use std::fmt::Write as _;

/// The debt graph in Graphviz DOT: one cluster before netting, one after, nodes named
/// `before:CODE` / `after:CODE` and labelled with the party's code and name, edges from
/// debtor to creditor labelled with the amounts. Lay it out with `dot -Tsvg`.
pub fn debts_dot(r: &DebtReport, chart: &Chart) -> String {
    let (before, after) = edges(r);
    let parties = parties(r);
    let mut s = String::from(
        "digraph debts {\n  label=\"Who owes whom, before and after netting (arrows from debtor to creditor)\";\n  labelloc=t;\n  fontname=\"sans-serif\";\n  rankdir=LR;\n  node [shape=circle, fontname=\"sans-serif\"];\n  edge [fontname=\"sans-serif\"];\n",
    );
    for (key, title, edges) in [
        ("before", "Before netting: the debts as booked", &before),
        (
            "after",
            "After netting: the payments that settle them",
            &after,
        ),
    ] {
        let _ = writeln!(
            s,
            "  subgraph \"cluster_{key}\" {{\n    label=\"{}\";",
            escape_dot(title)
        );
        for p in &parties {
            let name = chart
                .parties
                .get(p)
                .and_then(|q| q.name.clone())
                .map(|n| format!("\n{n}"))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "    \"{key}:{}\" [label=\"{}\"];",
                escape_dot(p),
                escape_dot(&format!("{p}{name}"))
            );
        }
        for e in edges.iter() {
            let label: Vec<String> = e
                .amounts
                .iter()
                .map(|(v, c)| amount_label(r, *v, c))
                .collect();
            let _ = writeln!(
                s,
                "    \"{key}:{}\" -> \"{key}:{}\" [label=\"{}\"];",
                escape_dot(&e.from),
                escape_dot(&e.to),
                escape_dot(&label.join("\n"))
            );
        }
        s.push_str("  }\n");
    }
    s.push_str("}\n");
    s
}

/// Escape text for a double-quoted Graphviz DOT string: backslash and quote escaped, line
/// breaks as `\n`, other control characters dropped.
pub fn escape_dot(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(escape_dot("a\"b\\c\nd\u{7}"), "a\\\"b\\\\c\\nd");
    }
}
