//! A settlement statement (`report settlements A B`) as people read it: a heading, the table of
//! movements, and the sentence that closes it ("At 2022-06-20, IR owes TM 200,000,000.00
//! USD."); or its rows as CSV or JSON, which carry no sentence.

use crate::model::amount::format_grouped;
use crate::render::table::Layout;
use crate::reports::settlements::{CommodityTotals, Settlement};
use std::io::{self, Write};

/// The statement in `layout`: for people, the heading, the table (or a line saying nothing
/// moved) and the closing sentence as the last line; in CSV and JSON, the rows only.
pub fn write(out: &mut impl Write, s: &Settlement, layout: Layout) -> io::Result<()> {
    if layout != Layout::Table {
        return s.rows_table().write(out, layout);
    }
    writeln!(out, "{}", heading(s))?;
    writeln!(out)?;
    if s.commodities.is_empty() {
        writeln!(out, "no movements between {} and {}", s.a, s.b)?;
    } else {
        s.statement_table().write_table(out)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", sentence(s))
}

/// `Settlement statement between TM and IR: from D to D.` (`..., by Iranian years (Solar
/// Hijri, from Nowruz).` when it is cut into fiscal years).
pub fn heading(s: &Settlement) -> String {
    let years = s
        .fiscal
        .map(|f| format!(", by {}", f.describe()))
        .unwrap_or_default();
    format!(
        "Settlement statement between {} and {}: {}{years}.",
        s.a,
        s.b,
        period(s)
    )
}

/// The period as asked: `every recorded movement`, `from D`, `up to D`, `from D to D`.
pub fn period(s: &Settlement) -> String {
    match (s.from, s.to) {
        (None, None) => "every recorded movement".to_string(),
        (Some(f), None) => format!("from {f}"),
        (None, Some(t)) => format!("up to {t}"),
        (Some(f), Some(t)) => format!("from {f} to {t}"),
    }
}

/// What the closing balance says, in A's books: "At D, B owes A X C." (several commodities:
/// "B owes A X C and Y D, and A owes B Z E"), or "At D, nothing is owed between A and B.";
/// where the two books disagree, a second sentence: "The books of A and B differ by X C: see
/// the discrepancy rows."
pub fn sentence(s: &Settlement) -> String {
    let Some(at) = s.at else {
        return format!(
            "Nothing is owed between {} and {}: no movement between them is recorded.",
            s.a, s.b
        );
    };
    // B owes A where A's balance is positive; A owes B where it is negative.
    let owed: Vec<String> = [(&s.b, &s.a, true), (&s.a, &s.b, false)]
        .into_iter()
        .filter_map(|(debtor, creditor, positive)| {
            let amounts: Vec<String> = s
                .commodities
                .iter()
                .filter(|c| !c.closing.a_side.is_zero())
                .filter(|c| c.closing.a_side.is_sign_positive() == positive)
                .map(|c| quantity(c, c.closing.a_side))
                .collect();
            (!amounts.is_empty()).then(|| format!("{debtor} owes {creditor} {}", and(&amounts)))
        })
        .collect();
    let mut out = if owed.is_empty() {
        format!("At {at}, nothing is owed between {} and {}.", s.a, s.b)
    } else {
        format!("At {at}, {}.", owed.join(", and "))
    };
    let differ: Vec<String> = s
        .commodities
        .iter()
        .filter(|c| !c.closing.agree())
        .map(|c| quantity(c, c.closing.difference))
        .collect();
    if !differ.is_empty() {
        out.push_str(&format!(
            " The books of {} and {} differ by {}: see the discrepancy rows.",
            s.a,
            s.b,
            and(&differ)
        ));
    }
    out
}

/// `200,000,000.00 USD`: the size of a figure, with digit groups, and its commodity.
fn quantity(c: &CommodityTotals, v: rust_decimal::Decimal) -> String {
    format!("{} {}", format_grouped(v.abs(), c.scale), c.commodity)
}

/// `x`, `x and y`, `x, y and z`.
fn and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_join_with_a_final_and() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(and(&s(&["a"])), "a");
        assert_eq!(and(&s(&["a", "b"])), "a and b");
        assert_eq!(and(&s(&["a", "b", "c"])), "a, b and c");
    }
}
