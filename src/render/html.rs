//! The settlement report as one self-contained HTML page: inline CSS and inline SVG, no script,
//! no font, no image, no URL (a Content-Security-Policy of `default-src 'none'` makes the
//! browser refuse any fetch the page might still attempt). In this order: the reconciliation
//! (what does not agree first, with the differences), each swap's chart beside its table, the
//! debt graph before and after netting beside its tables, the settlement statement of each
//! pair of parties, and each party's balances. One statement alone is a page of its own too
//! (`report settlements --format html`).
//!
//! Like `render::table`, this module computes nothing: it renders the plain data that the
//! reconciliation, the swap and debt reports and the balances report compute, which the caller
//! gathers into a [`Page`]. Every text that comes from the ledger is escaped; amounts are
//! formatted by `amount::format_grouped` at their commodity's scale.

use crate::checks::{Check, Reconciliation, Status};
use crate::model::amount::format_grouped;
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::render::settlements::{heading, period, sentence};
use crate::render::svg::{self, escape_xml as esc, ChartError, SVG_NAMESPACE};
use crate::render::table::{Cell, Table};
use crate::reports::debts::DebtReport;
use crate::reports::settlements::{Settlement, DISCREPANCY};
use crate::reports::swap::SwapReport;
use crate::swap::{format_percent, SwapStatus};
use std::fmt::Write as _;

/// Everything the page shows, computed elsewhere.
pub struct Page<'a> {
    pub chart: &'a Chart,
    /// The date the books were read at (`--as-of`), or `None` for everything recorded.
    pub as_of: Option<Date>,
    pub reconciliation: &'a Reconciliation,
    /// One report per swap agreement whose terms validate, in agreement order.
    pub swaps: &'a [SwapReport],
    /// Swap agreements whose terms do not validate: name, and why (reconcile lists them too).
    pub swap_errors: &'a [(String, String)],
    pub debts: &'a DebtReport,
    /// The statement of each pair of parties with a movement between them.
    pub settlements: &'a [Settlement],
    /// Each party's balances, by party code (parties without a balance may be left out).
    pub balances: &'a [(String, Table)],
}

const STYLE: &str = r#"
:root { --ink: #222222; --muted: #5f6368; --rule: #d9dde3; --bad: #c62828; --bad-bg: #fdecea;
  --good: #2e7d32; --good-bg: #e8f5e9; --head: #f3f5f8; }
* { box-sizing: border-box; }
body { margin: 0; padding: 12px 14px 24px; color: var(--ink); background: #ffffff;
  font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 24px; margin: 0 0 2px; }
h2 { font-size: 19px; margin: 22px 0 6px; padding-bottom: 3px; border-bottom: 2px solid var(--rule); }
h3 { font-size: 15px; margin: 12px 0 4px; }
p { margin: 4px 0; }
.meta, .terms, figcaption, .note { color: var(--muted); }
.verdict { display: inline-block; font-size: 16px; font-weight: 600; padding: 5px 10px;
  border-radius: 4px; margin: 4px 0 6px; }
.verdict.bad { background: var(--bad-bg); color: var(--bad); border: 1px solid var(--bad); }
.verdict.good { background: var(--good-bg); color: var(--good); border: 1px solid var(--good); }
table { border-collapse: collapse; font-size: 12px; margin: 2px 0 8px; }
th, td { padding: 2px 5px; border-bottom: 1px solid var(--rule); text-align: left;
  vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; min-width: 16em; }
th { background: var(--head); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.bad td { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
td.status-ok { color: var(--good); }
.pair { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
figure { margin: 0; display: table; }
figure svg { display: block; max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { display: table-caption; caption-side: bottom; font-size: 12px; margin-top: 3px; }
ul.owed { margin: 4px 0 8px; padding-left: 20px; font-size: 16px; }
ul.owed b { color: var(--bad); }
.cards { display: flex; flex-wrap: wrap; gap: 6px 22px; align-items: flex-start; }
.cards h3 { margin-top: 6px; }
details summary { cursor: pointer; color: var(--muted); margin: 4px 0; }
"#;

/// The whole page.
pub fn render(p: &Page) -> Result<String, ChartError> {
    let when = match p.as_of {
        Some(d) => format!("as of {d}"),
        None => "all recorded transactions".to_string(),
    };
    let mut h = head(&format!("Settlement report, {when}"));
    let _ = writeln!(
        h,
        "<header><h1>Settlement report</h1><p class=\"meta\">Books: {}. Made by <code>gasledger report html</code> from what <code>reconcile</code>, <code>report swap</code>, <code>report debts</code>, <code>report settlements</code> and <code>report balances</code> compute.</p></header>",
        esc(&when)
    );
    reconciliation(&mut h, p.reconciliation);
    for r in p.swaps {
        swap(&mut h, r)?;
    }
    if p.swaps.is_empty() && p.swap_errors.is_empty() {
        h.push_str(
            "<section class=\"swap\">\n<h2>Swaps</h2>\n<p>No swap agreements.</p>\n</section>\n",
        );
    }
    for (name, why) in p.swap_errors {
        let _ = writeln!(
            h,
            "<section class=\"swap\"><h2>Swap {}</h2><p class=\"verdict bad\">its terms do not validate: {}</p></section>",
            esc(name),
            esc(why)
        );
    }
    debts(&mut h, p.debts, p.chart);
    settlements(&mut h, p.settlements, p.chart);
    balances(&mut h, p.balances, p.chart);
    h.push_str("</body>\n</html>\n");
    Ok(h)
}

/// The page's start, up to its `<body>`: the policy, the title, the style.
fn head(title: &str) -> String {
    let mut h = String::new();
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(h, "<title>{}</title>", esc(title));
    let _ = writeln!(h, "<style>{STYLE}</style>\n</head>\n<body>");
    h
}

/// One settlement statement as a page of its own: its heading, its table and its sentence.
pub fn settlement_page(s: &Settlement, chart: &Chart) -> String {
    let mut h = head(&heading(s));
    let _ = writeln!(
        h,
        "<header><h1>Settlement statement</h1><p class=\"meta\">Between {} and {}: {}. Made by <code>gasledger report settlements</code>; the {} side is {}'s books, the {} side {}'s.</p></header>",
        esc(&s.a),
        esc(&s.b),
        esc(&period(s)),
        esc(&s.a),
        esc(&s.a),
        esc(&s.b),
        esc(&s.b)
    );
    h.push_str("<section id=\"settlements\">\n");
    statement(&mut h, s, chart);
    h.push_str("</section>\n</body>\n</html>\n");
    h
}

/// SVG to inline in the page: without the namespace attribute, which HTML does not need.
fn inline_svg(svg: &str) -> String {
    svg.replacen(SVG_NAMESPACE, "", 1)
}

fn cell(c: &Cell) -> (String, bool) {
    match c {
        Cell::Text(s) => (esc(s), false),
        Cell::Amount(v, scale) => (format_grouped(*v, *scale), true),
    }
}

fn is_bad(text: &str) -> bool {
    text == Status::Mismatch.as_str()
        || text == Status::OutsideTolerance.as_str()
        || text == DISCREPANCY
}

/// A `Table` as HTML: amounts right-aligned; a row whose status is `mismatch` or
/// `outside-tolerance` is marked. `wrap` names columns whose text may wrap.
fn table(h: &mut String, t: &Table, wrap: &[&str]) {
    let numeric: Vec<bool> = (0..t.columns.len())
        .map(|i| t.rows.iter().any(|r| matches!(r[i], Cell::Amount(..))))
        .collect();
    h.push_str("<table>\n<thead><tr>");
    for (c, num) in t.columns.iter().zip(&numeric) {
        let class = if *num { " class=\"num\"" } else { "" };
        let _ = write!(h, "<th{class}>{}</th>", esc(c));
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for r in &t.rows {
        let bad = r.iter().any(|c| matches!(c, Cell::Text(s) if is_bad(s)));
        h.push_str(if bad { "<tr class=\"bad\">" } else { "<tr>" });
        for (c, name) in r.iter().zip(&t.columns) {
            let (text, num) = cell(c);
            let class = if num {
                " class=\"num\""
            } else if wrap.contains(&name.as_ref()) {
                " class=\"wrap\""
            } else if matches!(c, Cell::Text(s) if s == Status::Ok.as_str()) {
                " class=\"status-ok\""
            } else {
                ""
            };
            let _ = write!(h, "<td{class}>{text}</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n");
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// What does not agree, in full; what agrees, one line per check (every row in a fold).
fn reconciliation(h: &mut String, r: &Reconciliation) {
    h.push_str("<section id=\"reconciliation\">\n<h2>Reconciliation</h2>\n");
    let n = r.checks.len();
    let wrong: Vec<&Check> = r.checks.iter().filter(|c| c.status != Status::Ok).collect();
    let right: Vec<&Check> = r.checks.iter().filter(|c| c.status == Status::Ok).collect();
    let mismatches = r.count(Status::Mismatch);
    let outside = r.count(Status::OutsideTolerance);
    if wrong.is_empty() {
        let _ = writeln!(
            h,
            "<p class=\"verdict good\">The books agree: all {} hold.</p>",
            plural(n, "check", "checks")
        );
    } else {
        let _ = writeln!(
            h,
            "<p class=\"verdict bad\">{} of {n} checks do not hold: {}, {} outside tolerance.</p>",
            wrong.len(),
            plural(mismatches, "mismatch", "mismatches"),
            outside
        );
        h.push_str("<h3>Does not agree</h3>\n");
        table(h, &crate::render::table::checks_table(&wrong), &["subject"]);
    }
    if !right.is_empty() {
        h.push_str("<h3>Agrees</h3>\n");
        table(h, &crate::render::table::holds_table(r), &[]);
        let _ = writeln!(
            h,
            "<details><summary>Every check that holds ({})</summary>",
            right.len()
        );
        table(h, &crate::render::table::checks_table(&right), &["subject"]);
        h.push_str("</details>\n");
    }
    h.push_str("</section>\n");
}

/// One swap: its terms, its chart, and the same figures as a table beside it.
fn swap(h: &mut String, r: &SwapReport) -> Result<(), ChartError> {
    let t = &r.terms;
    let unit = &t.commodity.code;
    swap_terms(h, r);
    let outside: Vec<&str> = r
        .rows
        .iter()
        .filter(|x| x.status == SwapStatus::OutsideTolerance)
        .map(|x| x.period.as_str())
        .collect();
    if r.rows.is_empty() {
        h.push_str("<p>No legs recorded.</p>\n</section>\n");
        return Ok(());
    }
    if outside.is_empty() {
        h.push_str("<p class=\"verdict good\">Every period within tolerance.</p>\n");
    } else {
        let _ = writeln!(
            h,
            "<p class=\"verdict bad\">Outside tolerance: {}.</p>",
            esc(&outside.join(", "))
        );
    }
    let svg = svg::swap_svg(r)?;
    let _ = writeln!(
        h,
        "<div class=\"pair\">\n<figure>{}<figcaption>Bars: entry, fee and exit of each period ({}). Below: each period's imbalance (entry \u{2212} fee \u{2212} exit) as a dot, red when outside tolerance; the shaded band is \u{b1}{} of that period's entry; the line is the cumulative imbalance.</figcaption></figure>\n<div>",
        inline_svg(&svg),
        esc(unit),
        esc(&format_percent(t.tolerance_rate))
    );
    let _ = writeln!(h, "<h3>Per period, in {}</h3>", esc(unit));
    table(h, &periods_table(r), &[]);
    h.push_str("</div>\n</div>\n</section>\n");
    Ok(())
}

/// The section's start: the swap's name and its terms in a sentence.
fn swap_terms(h: &mut String, r: &SwapReport) {
    let t = &r.terms;
    let _ = writeln!(
        h,
        "<section class=\"swap\">\n<h2>Swap {}</h2>\n<p class=\"terms\">{} delivers into {} at {}; {} delivers to {} at {}. Fee {} of entry, kept in kind; tolerance {} of entry per {} period; {} basis, in {}.</p>",
        esc(&t.name),
        esc(&t.supplier),
        esc(&t.hub),
        esc(&t.entry_points.join(", ")),
        esc(&t.hub),
        esc(&t.receiver),
        esc(&t.exit_points.join(", ")),
        esc(&format_percent(t.fee_rate)),
        esc(&format_percent(t.tolerance_rate)),
        esc(t.period.as_str()),
        esc(t.basis.as_str()),
        esc(&t.commodity.code),
    );
}

/// The swap's figures per period, at its commodity's scale.
fn periods_table(r: &SwapReport) -> Table {
    let scale = r.terms.commodity.scale;
    let mut tab = Table::new(&[
        "period",
        "entry",
        "fee",
        "exit",
        "imbalance",
        "\u{b1}tolerance",
        "cumulative",
        "status",
    ]);
    for x in &r.rows {
        tab.push(vec![
            x.period.clone().into(),
            Cell::Amount(x.entry, scale),
            Cell::Amount(x.fee, scale),
            Cell::Amount(x.exit, scale),
            Cell::Amount(x.imbalance, scale),
            Cell::Amount(x.allowed, scale),
            Cell::Amount(x.cumulative, scale),
            x.status.as_str().into(),
        ]);
    }
    tab
}

fn party_name(chart: &Chart, code: &str) -> String {
    match chart.parties.get(code).and_then(|p| p.name.as_deref()) {
        Some(n) => format!("{} ({})", esc(code), esc(n)),
        None => esc(code),
    }
}

/// Who owes whom in words, the graph before and after netting, and its tables.
fn debts(h: &mut String, r: &DebtReport, chart: &Chart) {
    h.push_str("<section id=\"debts\">\n<h2>Debts</h2>\n");
    if r.debts.is_empty() {
        h.push_str("<p>No debts between parties.</p>\n</section>\n");
        return;
    }
    h.push_str("<ul class=\"owed\">\n");
    for d in &r.debts {
        let scale = r.scale(&d.commodity);
        let _ = writeln!(
            h,
            "<li>{} owes {} <b>{} {}</b></li>",
            party_name(chart, &d.debtor),
            party_name(chart, &d.creditor),
            format_grouped(d.amount, scale),
            esc(&d.commodity)
        );
    }
    h.push_str("</ul>\n");
    let svg = svg::debts_svg(r, chart);
    let _ = writeln!(
        h,
        "<div class=\"pair\">\n<figure>{}<figcaption>Parties on a circle in order of their codes; each arrow goes from the party that owes to the party owed, its width grows with the amount. After netting: the payments that <code>net</code> would record (greedy: the party that owes most pays the party owed most).</figcaption></figure>\n<div>",
        inline_svg(&svg)
    );
    h.push_str("<h3>Before netting</h3>\n");
    table(h, &r.debts_table(), &[]);
    h.push_str("<h3>Net positions (receivables \u{2212} payables)</h3>\n");
    table(h, &r.positions_table(), &[]);
    h.push_str("<h3>After netting</h3>\n");
    let plan = r.plans_table();
    if plan.rows.is_empty() {
        h.push_str("<p>No payment needed: the obligations cancel.</p>\n");
    } else {
        table(h, &plan, &[]);
    }
    h.push_str("</div>\n</div>\n</section>\n");
}

/// The statement of each pair of parties with a movement between them.
fn settlements(h: &mut String, all: &[Settlement], chart: &Chart) {
    h.push_str("<section id=\"settlements\">\n<h2>Settlements</h2>\n");
    if all.is_empty() {
        h.push_str("<p>No movements between parties.</p>\n");
    }
    for s in all {
        statement(h, s, chart);
    }
    h.push_str("</section>\n");
}

/// One statement: the two parties, the closing sentence (marked when the two books differ),
/// and its table.
fn statement(h: &mut String, s: &Settlement, chart: &Chart) {
    let _ = writeln!(
        h,
        "<h3>{} and {}</h3>",
        party_name(chart, &s.a),
        party_name(chart, &s.b)
    );
    let class = if s.agreed() { "good" } else { "bad" };
    let _ = writeln!(h, "<p class=\"verdict {class}\">{}</p>", esc(&sentence(s)));
    if s.commodities.is_empty() {
        h.push_str("<p>No movements between them.</p>\n");
    } else {
        table(h, &s.statement_table(), &["description"]);
    }
}

fn balances(h: &mut String, all: &[(String, Table)], chart: &Chart) {
    h.push_str("<section id=\"balances\">\n<h2>Balances per party</h2>\n<div class=\"cards\">\n");
    let mut any = false;
    for (party, t) in all.iter().filter(|(_, t)| !t.rows.is_empty()) {
        any = true;
        let _ = writeln!(h, "<div>\n<h3>{}</h3>", party_name(chart, party));
        table(h, t, &[]);
        h.push_str("</div>\n");
    }
    h.push_str("</div>\n");
    if !any {
        h.push_str("<p>No balances.</p>\n");
    }
    h.push_str("</section>\n");
}
