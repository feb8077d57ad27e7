//! Pictures of what the reports compute: the swap chart (SVG) and the debt graph (SVG, and
//! Graphviz DOT). Like `report`, this module computes nothing of the ledger's own: it draws the
//! rows of [`SwapReport`] and [`DebtReport`] as they are, and its only arithmetic is geometry
//! (axis ranges, pixel positions), done in `f64` on copies of the exact amounts. Every figure
//! shown as text is formatted by `amount::format_grouped`, at its commodity's scale.
//!
//! **Why plotters for the swap chart.** It is the maintained charting crate of the Rust
//! ecosystem, and its SVG backend (`plotters-svg`) writes plain `<rect>`, `<line>`,
//! `<polyline>`, `<circle>` and `<text>` elements. Built without its `ttf` feature (as here:
//! `default-features = false, features = ["svg_backend", "line_series"]`) it opens no system
//! font and embeds none: text stays `<text font-family="sans-serif">`, drawn by whatever
//! shows the SVG, and plotters only estimates text sizes for layout. It escapes every text it
//! writes (`&`, `<`, `>`, quotes), fetches nothing, and its output is a pure function of the
//! input (integer pixel coordinates, no clock, no randomness): the same ledger gives the same
//! bytes, which `tests/html.rs` snapshots. The one URL in its output is the SVG namespace on
//! the root element, which is a name, never fetched; the HTML page drops it (inline SVG in
//! HTML needs none).
//!
//! **Why the debt graph by hand.** plotters draws charts on axes; a node-link diagram is a
//! few circles, lines, arrowheads and labels at positions we choose, and choosing them is the
//! point: parties sit on a circle in sorted order of their codes, starting at the top and
//! going clockwise, so the same ledger always gives the same picture, byte for byte. Arrow
//! heads are polygons rather than `<marker>`s, so that several graphs inlined in one page need
//! no element ids that could collide.

use crate::model::amount::format_grouped;
use crate::model::ledger::Chart;
use crate::reports::debts::DebtReport;
use crate::reports::swap::SwapReport;
use crate::settle::Transfer;
use crate::swap::{Period, SwapStatus};
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::RangedCoordi32;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use thiserror::Error;

/// A picture could not be drawn (plotters reported an error while laying out the chart).
#[derive(Debug, Error)]
#[error("drawing the {what}: {message}")]
pub struct ChartError {
    what: &'static str,
    message: String,
}

/// The SVG namespace attribute that a standalone SVG file needs and inline SVG does not.
pub const SVG_NAMESPACE: &str = r#" xmlns="http://www.w3.org/2000/svg""#;

/// Colours of the swap chart and the debt graph.
const ENTRY: RGBColor = RGBColor(0x3b, 0x6f, 0xb6);
const FEE: RGBColor = RGBColor(0xe0, 0x9a, 0x2b);
const EXIT: RGBColor = RGBColor(0x3f, 0x9a, 0x5b);
const BAND: RGBColor = RGBColor(0x3f, 0x9a, 0x5b);
const CUMULATIVE: RGBColor = RGBColor(0x5b, 0x3f, 0x9a);
const OUTSIDE: RGBColor = RGBColor(0xc6, 0x28, 0x28);
const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);

/// Chart sizes in pixels. The width grows with the number of periods so that every period
/// keeps its label, up to `SWAP_WIDTH_MAX`; past that, labels are thinned (outside-tolerance
/// periods always keep theirs).
const SWAP_WIDTH_MIN: u32 = 570;
const SWAP_WIDTH_MAX: u32 = 1200;
const SWAP_PERIOD_WIDTH: u32 = 28;
const SWAP_HEIGHT: u32 = 600;
/// The room a period label needs across (written across), and upright (rotated).
const LABEL_WIDTH: f64 = 50.0;
const LABEL_HEIGHT: f64 = 16.0;

/// `f64` for drawing only; amounts that do not fit are drawn as zero (they cannot occur: a
/// `Decimal` is at most about 7.9e28).
fn f(v: Decimal) -> f64 {
    v.to_f64().unwrap_or(0.0)
}

fn period_noun(p: Period) -> &'static str {
    match p {
        Period::Daily => "day",
        Period::Monthly => "month",
        Period::Quarterly => "quarter",
        Period::Yearly => "year",
    }
}

/// An axis tick value: as many decimals as the step between ticks needs.
fn tick(v: f64, span: f64) -> String {
    let decimals = if span >= 20.0 {
        0
    } else if span >= 2.0 {
        1
    } else {
        2
    };
    let s = format!("{v:.decimals$}");
    // No "-0" or "-0.0" on the axis.
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

fn swap_error<E: std::fmt::Debug>(e: E) -> ChartError {
    ChartError {
        what: "swap chart",
        message: format!("{e:?}"),
    }
}

/// The chart of one swap: a title; above, entry, fee and exit of each period as bars; below,
/// each period's imbalance (a dot, red when outside tolerance and labelled with its value)
/// against the tolerance band (± tolerance × entry of that period, shaded), and the
/// cumulative imbalance as a line. Both panels share the period axis. A standalone SVG
/// document (with its namespace).
pub fn swap_svg(r: &SwapReport) -> Result<String, ChartError> {
    let t = &r.terms;
    let n = r.rows.len();
    let width = SWAP_PERIOD_WIDTH
        .saturating_mul(u32::try_from(n).unwrap_or(u32::MAX))
        .saturating_add(120)
        .clamp(SWAP_WIDTH_MIN, SWAP_WIDTH_MAX);
    let unit = &t.commodity.code;
    let scale = t.commodity.scale;
    let noun = period_noun(t.period);
    let title = format!(
        "Swap {}: {} \u{2192} {} \u{2192} {}, {unit} per {noun}",
        t.name, t.supplier, t.hub, t.receiver
    );
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (width, SWAP_HEIGHT)).into_drawing_area();
        root.fill(&WHITE).map_err(swap_error)?;
        let body = root
            .titled(&title, ("sans-serif", 21).into_font().color(&INK))
            .map_err(swap_error)?;
        if n == 0 {
            body.draw(&Text::new(
                "no legs recorded in the periods asked for",
                (20, 40),
                ("sans-serif", 16).into_font().color(&INK),
            ))
            .map_err(swap_error)?;
        } else {
            let (top, bottom) = body.split_vertically(250);
            // Period labels: across when they fit, else upright (rotated); when even upright
            // labels do not fit, every k-th period and every period outside tolerance.
            let plot_width = f64::from(width) - 90.0;
            let upright = LABEL_WIDTH * n as f64 > plot_width;
            let every = ((LABEL_HEIGHT * n as f64 / plot_width).ceil() as usize).max(1);
            let outside: Vec<usize> = r
                .rows
                .iter()
                .enumerate()
                .filter(|(_, row)| row.status == SwapStatus::OutsideTolerance)
                .map(|(i, _)| i)
                .collect();
            let labels: Vec<String> = r
                .rows
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    // A thinned label gives way to a nearby period outside tolerance.
                    let named = outside.contains(&i)
                        || (i % every == 0 && !outside.iter().any(|o| o.abs_diff(i) < every));
                    if named {
                        row.period.clone()
                    } else {
                        String::new()
                    }
                })
                .collect();
            let axis = Axis {
                labels: &labels,
                upright,
                noun,
            };
            volumes_panel(&top, r, &axis).map_err(swap_error)?;
            imbalance_panel(&bottom, r, &axis, scale).map_err(swap_error)?;
        }
        root.present().map_err(swap_error)?;
    }
    Ok(tidy(&svg, &title))
}

/// plotters' SVG with a `<title>` (what screen readers and tooltips show) after the root
/// element, and without the `<text>` elements it writes for unlabelled ticks (`<text …>`, an
/// empty line, `</text>`).
fn tidy(svg: &str, title: &str) -> String {
    let lines: Vec<&str> = svg.lines().collect();
    let mut out = String::with_capacity(svg.len());
    let mut i = 0;
    while i < lines.len() {
        if i == 1 {
            let _ = writeln!(out, "<title>{}</title>", escape_xml(title));
        }
        if lines[i].starts_with("<text ")
            && lines.get(i + 1) == Some(&"")
            && lines.get(i + 2) == Some(&"</text>")
        {
            i += 3;
            continue;
        }
        out.push_str(lines[i]);
        out.push('\n');
        i += 1;
    }
    out
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = Result<(), Box<dyn std::error::Error + 'static>>;

/// One slot per period on the x axis. plotters' integer ranges include their end, so `n`
/// periods are `0..n - 1`; a single period gets an empty slot after it (a range of one value
/// has no width to divide).
fn slots(n: i32) -> SegmentedCoord<RangedCoordi32> {
    (0..slot_count(n) - 1).into_segmented()
}

fn slot_count(n: i32) -> i32 {
    n.max(2)
}

/// The period axis shared by both panels.
struct Axis<'a> {
    labels: &'a [String],
    upright: bool,
    noun: &'a str,
}

fn label_of<'a>(labels: &'a [String]) -> impl Fn(&SegmentValue<i32>) -> String + 'a {
    move |v| match v {
        SegmentValue::CenterOf(i) => usize::try_from(*i)
            .ok()
            .and_then(|i| labels.get(i))
            .cloned()
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Which figure of a period a series of bars shows.
type Figure = fn(&crate::swap::PeriodRow) -> Decimal;

/// Entry, fee and exit per period, three bars side by side in each period's slot.
fn volumes_panel(area: &Area, r: &SwapReport, axis: &Axis) -> Drawn {
    let (labels, noun) = (axis.labels, axis.noun);
    let n = r.rows.len() as i32;
    let unit = &r.terms.commodity.code;
    let values = r.rows.iter().flat_map(|x| [x.entry, x.fee, x.exit]);
    let high = values.clone().map(f).fold(0.0, f64::max);
    let low = values.map(f).fold(0.0, f64::min);
    let high = if high <= 0.0 && low >= 0.0 { 1.0 } else { high };
    // Head-room for the legend above the bars.
    let (y0, y1) = (low * 1.1, high * 1.6);
    let mut chart = ChartBuilder::on(area)
        .margin_left(8)
        .margin_right(16)
        .margin_top(4)
        .x_label_area_size(8)
        .y_label_area_size(66)
        .build_cartesian_2d(slots(n), y0..y1)?;
    let span = y1 - y0;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.08))
        // The periods are named under the lower panel, which shares this axis.
        .x_labels(labels.len())
        .x_label_formatter(&|_| String::new())
        .y_label_formatter(&|v| tick(*v, span))
        .y_desc(format!("entry, fee, exit ({unit} per {noun})"))
        .label_style(("sans-serif", 14).into_font().color(&INK))
        .axis_desc_style(("sans-serif", 15).into_font().color(&INK))
        .draw()?;
    let (plot_w, _) = chart.plotting_area().dim_in_pixel();
    let slot = f64::from(plot_w) / f64::from(slot_count(n));
    let bar = (slot * 0.24).max(1.0);
    let gap = (slot - 3.0 * bar) / 4.0;
    let series: [(&str, RGBColor, Figure); 3] = [
        ("entry", ENTRY, |x| x.entry),
        ("fee (kept by the hub)", FEE, |x| x.fee),
        ("exit", EXIT, |x| x.exit),
    ];
    for (k, (name, colour, value)) in series.into_iter().enumerate() {
        let left = gap + k as f64 * (bar + gap);
        let right = slot - left - bar;
        chart
            .draw_series(r.rows.iter().enumerate().map(|(i, row)| {
                let i = i as i32;
                let mut rect = Rectangle::new(
                    [
                        (SegmentValue::Exact(i), 0.0),
                        (SegmentValue::Exact(i + 1), f(value(row))),
                    ],
                    colour.filled(),
                );
                rect.set_margin(0, 0, left.round() as u32, right.max(0.0).round() as u32);
                rect
            }))?
            .label(name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 14).into_font().color(&INK))
        .draw()?;
    Ok(())
}

/// Each period's imbalance against its tolerance band, and the cumulative imbalance.
fn imbalance_panel(area: &Area, r: &SwapReport, axis: &Axis, scale: u32) -> Drawn {
    let (labels, noun) = (axis.labels, axis.noun);
    let n = r.rows.len() as i32;
    let unit = &r.terms.commodity.code;
    let bound = r
        .rows
        .iter()
        .flat_map(|x| [x.imbalance.abs(), x.cumulative.abs(), x.allowed.abs()])
        .map(f)
        .fold(0.0, f64::max);
    let bound = if bound > 0.0 { bound } else { 1.0 };
    // Head-room for the legend above the band.
    let (y0, y1) = (-bound * 1.25, bound * 2.6);
    let mut chart = ChartBuilder::on(area)
        .margin_left(8)
        .margin_right(16)
        .margin_top(6)
        .margin_bottom(4)
        .x_label_area_size(if axis.upright { 84 } else { 48 })
        .y_label_area_size(66)
        .build_cartesian_2d(slots(n), y0..y1)?;
    let span = y1 - y0;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.08))
        .x_labels(labels.len())
        .x_label_formatter(&|v| {
            if axis.upright {
                String::new()
            } else {
                label_of(labels)(v)
            }
        })
        .y_label_formatter(&|v| tick(*v, span))
        .x_desc(format!("settlement period ({noun})"))
        .y_desc(format!("imbalance ({unit})"))
        .label_style(("sans-serif", 14).into_font().color(&INK))
        .axis_desc_style(("sans-serif", 15).into_font().color(&INK))
        .draw()?;
    if axis.upright {
        // plotters centres every axis label on its tick, which puts half of an upright label
        // inside the plot: these hang from the axis instead, read from bottom to top.
        let base = area.get_base_pixel();
        let style = ("sans-serif", 14)
            .into_font()
            .color(&INK)
            .transform(FontTransform::Rotate270)
            .pos(Pos::new(HPos::Right, VPos::Center));
        for (i, label) in labels.iter().enumerate() {
            if label.is_empty() {
                continue;
            }
            let (x, y) = chart.backend_coord(&(SegmentValue::CenterOf(i as i32), y0));
            area.draw(&Text::new(
                label.as_str(),
                (x - base.0, y - base.1 + 8),
                &style,
            ))?;
        }
    }
    // The band: ± tolerance × entry, period by period.
    chart
        .draw_series(r.rows.iter().enumerate().map(|(i, row)| {
            let i = i as i32;
            Rectangle::new(
                [
                    (SegmentValue::Exact(i), -f(row.allowed)),
                    (SegmentValue::Exact(i + 1), f(row.allowed)),
                ],
                BAND.mix(0.2).filled(),
            )
        }))?
        .label(format!(
            "tolerance band (\u{b1}{} of entry)",
            crate::swap::format_percent(r.terms.tolerance_rate)
        ))
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], BAND.mix(0.2).filled()));
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(SegmentValue::Exact(0), 0.0), (SegmentValue::Exact(n), 0.0)],
        BLACK.mix(0.4),
    )))?;
    chart
        .draw_series(LineSeries::new(
            r.rows
                .iter()
                .enumerate()
                .map(|(i, row)| (SegmentValue::CenterOf(i as i32), f(row.cumulative))),
            CUMULATIVE.stroke_width(2),
        ))?
        .label("cumulative imbalance")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 12, y)], CUMULATIVE.stroke_width(2)));
    let dot = |row: &crate::swap::PeriodRow| match row.status {
        SwapStatus::Ok => INK,
        SwapStatus::OutsideTolerance => OUTSIDE,
    };
    chart
        .draw_series(r.rows.iter().enumerate().map(|(i, row)| {
            Circle::new(
                (SegmentValue::CenterOf(i as i32), f(row.imbalance)),
                4,
                dot(row).filled(),
            )
        }))?
        .label("imbalance (red: outside tolerance)")
        .legend(|(x, y)| Circle::new((x + 6, y), 4, OUTSIDE.filled()));
    // The periods outside tolerance, named with their imbalance.
    chart.draw_series(
        r.rows
            .iter()
            .enumerate()
            .filter(|(_, row)| row.status == SwapStatus::OutsideTolerance)
            .map(|(i, row)| {
                let above = !row.imbalance.is_sign_negative();
                let pos = if above { VPos::Bottom } else { VPos::Top };
                // Written towards the middle of the chart, so that it stays inside.
                let h = if 2 * i as i32 + 1 < slot_count(n) {
                    HPos::Left
                } else {
                    HPos::Right
                };
                let y = f(row.imbalance) + if above { bound * 0.08 } else { -bound * 0.08 };
                Text::new(
                    format!(
                        "{} {} outside \u{b1}{}",
                        row.period,
                        format_grouped(row.imbalance, scale),
                        format_grouped(row.allowed, scale)
                    ),
                    (SegmentValue::CenterOf(i as i32), y),
                    ("sans-serif", 15)
                        .into_font()
                        .style(FontStyle::Bold)
                        .color(&OUTSIDE)
                        .pos(Pos::new(h, pos)),
                )
            }),
    )?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 14).into_font().color(&INK))
        .draw()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The debt graph.

/// Escape text for HTML and SVG (element content and quoted attributes).
pub fn escape_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
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

/// One arrow of the graph: who owes (or pays) whom, and the amounts, one per commodity.
struct Edge {
    from: String,
    to: String,
    amounts: Vec<(Decimal, String)>,
}

/// The debts before netting (the obligations as the books hold them) and after (the payments
/// of each commodity's netting plan), each as arrows from debtor to creditor.
fn edges(r: &DebtReport) -> (Vec<Edge>, Vec<Edge>) {
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
fn parties(r: &DebtReport) -> Vec<String> {
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

fn scale_of(chart: &Chart, code: &str) -> u32 {
    chart.commodities.get(code).map_or(0, |c| c.scale)
}

fn amount_label(chart: &Chart, v: Decimal, commodity: &str) -> String {
    format!(
        "{} {commodity}",
        format_grouped(v, scale_of(chart, commodity))
    )
}

const GRAPH_PANEL_WIDTH: f64 = 420.0;
const NODE_RADIUS: f64 = 30.0;
const RING_RADIUS: f64 = 120.0;
/// Where the panels' drawing starts, under the titles.
const GRAPH_TOP: f64 = 64.0;
/// Line heights and estimated character widths of the graph's texts (the SVG carries no
/// font, so boxes are sized for a typical sans-serif, a little wide).
const LABEL_LINE: f64 = 18.0;
const LABEL_CHAR: f64 = 7.4;
const NODE_LINE: f64 = 15.0;
const NODE_CHAR: f64 = 6.6;

/// A coordinate in the SVG, rounded to a tenth of a pixel so that the text is stable.
fn px(v: f64) -> String {
    // `+ 0.0` turns a negative zero into zero.
    let r = (v * 10.0).round() / 10.0 + 0.0;
    let s = format!("{r:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// An axis-aligned box: left, top, right, bottom.
#[derive(Clone, Copy)]
struct Box4(f64, f64, f64, f64);

impl Box4 {
    fn around(c: (f64, f64), w: f64, h: f64) -> Box4 {
        Box4(c.0 - w / 2.0, c.1 - h / 2.0, c.0 + w / 2.0, c.1 + h / 2.0)
    }
    fn overlaps(&self, o: &Box4) -> bool {
        self.0 < o.2 && o.0 < self.2 && self.1 < o.3 && o.1 < self.3
    }
}

/// A party's node: where it is, and the lines written beside it (its name and net
/// positions), above it in the upper half of the circle and below it in the lower half.
struct Node {
    at: (f64, f64),
    lines: Vec<String>,
    /// The y of the first line's baseline.
    text_y: f64,
}

impl Node {
    fn text_box(&self) -> Box4 {
        let w = self
            .lines
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0) as f64
            * NODE_CHAR;
        Box4(
            self.at.0 - w / 2.0,
            self.text_y - NODE_LINE + 3.0,
            self.at.0 + w / 2.0,
            self.text_y + NODE_LINE * (self.lines.len() as f64 - 1.0) + 4.0,
        )
    }
}

/// The debt graph as a standalone SVG document: two panels, before netting (the debts as the
/// books hold them) and after netting (the payments that settle every net position). Parties
/// are nodes on a circle in sorted order of their codes, starting at the top and going
/// clockwise, each with its name and net position; each arrow goes from the party that owes
/// (or pays) to the party owed, labelled with the amount; its width grows with the amount
/// relative to the largest of the same commodity. Each label takes the first place, in a
/// fixed order of candidates along and beside its arrow, that covers no node, no text, no
/// arrow head and no earlier label (or the first candidate when none is free), so that the
/// layout stays deterministic.
pub fn debts_svg(r: &DebtReport, chart: &Chart) -> String {
    let (before, after) = edges(r);
    let parties = parties(r);
    // Lines beside a node: its name, then one net position per commodity.
    let lines_of = |p: &str| -> Vec<String> {
        let name = chart.parties.get(p).and_then(|q| q.name.clone());
        let net = r
            .positions
            .iter()
            .filter_map(|(c, per)| per.get(p).map(|v| (c, v)))
            .map(|(c, v)| {
                let sign = if v.is_sign_positive() && !v.is_zero() {
                    "+"
                } else {
                    ""
                };
                format!("net {sign}{}", amount_label(chart, *v, c))
            });
        name.into_iter().chain(net).collect()
    };
    let text_lines = parties.iter().map(|p| lines_of(p).len()).max().unwrap_or(0) as f64;
    let text_height = text_lines * NODE_LINE;
    let centre_y = GRAPH_TOP + text_height + 8.0 + NODE_RADIUS + RING_RADIUS;
    let height = if parties.is_empty() {
        140.0
    } else {
        centre_y + RING_RADIUS + NODE_RADIUS + 8.0 + text_height + 12.0
    };
    let width = 2.0 * GRAPH_PANEL_WIDTH;
    let ink = hex(INK);
    let red = hex(OUTSIDE);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}"{SVG_NAMESPACE} font-family="sans-serif" role="img">
<title>Who owes whom, before and after netting</title>
<rect x="0" y="0" width="{w}" height="{h}" fill="#FFFFFF"/>
<text x="{cx}" y="24" text-anchor="middle" font-size="17" fill="{ink}">Who owes whom: arrows from debtor to creditor</text>"##,
        w = px(width),
        h = px(height),
        cx = px(width / 2.0),
    );
    for (k, (title, edges)) in [
        ("Before netting: the debts as booked", &before),
        ("After netting: the payments that settle them", &after),
    ]
    .into_iter()
    .enumerate()
    {
        let x0 = k as f64 * GRAPH_PANEL_WIDTH;
        let _ = writeln!(
            s,
            r#"<g class="panel"><text x="{x}" y="50" text-anchor="middle" font-size="15" font-weight="bold" fill="{ink}">{t}</text>"#,
            x = px(x0 + GRAPH_PANEL_WIDTH / 2.0),
            t = escape_xml(title)
        );
        if k == 1 {
            let _ = writeln!(
                s,
                r#"<line x1="{x}" y1="38" x2="{x}" y2="{y}" stroke="{ink}" stroke-opacity="0.15"/>"#,
                x = px(x0),
                y = px(height - 10.0),
            );
        }
        if parties.is_empty() || edges.is_empty() {
            let why = if parties.is_empty() {
                "no debts between parties"
            } else {
                "no payment needed: the obligations cancel"
            };
            let _ = writeln!(
                s,
                r#"<text x="{x}" y="{y}" text-anchor="middle" font-size="14" fill="{ink}">{why}</text></g>"#,
                x = px(x0 + GRAPH_PANEL_WIDTH / 2.0),
                y = px(height.min(centre_y) - 40.0),
            );
            continue;
        }
        let centre = (x0 + GRAPH_PANEL_WIDTH / 2.0, centre_y);
        let n = parties.len() as f64;
        let nodes: BTreeMap<&str, Node> = parties
            .iter()
            .enumerate()
            .map(|(i, p)| {
                // From the top (angle −π/2), clockwise on screen (y grows downwards).
                let a = -std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * i as f64 / n;
                let at = (
                    centre.0 + RING_RADIUS * a.cos(),
                    centre.1 + RING_RADIUS * a.sin(),
                );
                let lines = lines_of(p);
                let text_y = if at.1 >= centre.1 - 1.0 {
                    at.1 + NODE_RADIUS + NODE_LINE + 1.0
                } else {
                    at.1 - NODE_RADIUS - 8.0 - NODE_LINE * (lines.len() as f64 - 1.0)
                };
                (p.as_str(), Node { at, lines, text_y })
            })
            .collect();
        // What a label must not cover: nodes, their texts, arrow heads, earlier labels.
        let mut taken: Vec<Box4> = nodes
            .values()
            .flat_map(|n| {
                let d = 2.0 * NODE_RADIUS;
                [Box4::around(n.at, d, d), n.text_box()]
            })
            .collect();
        let mut max: BTreeMap<&str, Decimal> = BTreeMap::new();
        for e in edges.iter() {
            for (v, c) in &e.amounts {
                let slot = max.entry(c.as_str()).or_default();
                *slot = (*slot).max(*v);
            }
        }
        let pairs: BTreeSet<(&str, &str)> = edges
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str()))
            .collect();
        struct Arrow {
            start: (f64, f64),
            tip: (f64, f64),
            unit: (f64, f64),
            side: f64,
            lines: Vec<String>,
        }
        let mut arrows = Vec::new();
        for e in edges.iter() {
            let (Some(a), Some(b)) = (nodes.get(e.from.as_str()), nodes.get(e.to.as_str())) else {
                continue;
            };
            let (a, b) = (a.at, b.at);
            let (dx, dy) = (b.0 - a.0, b.1 - a.1);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            let (ux, uy) = (dx / len, dy / len);
            // Two arrows between the same pair, one each way: each moves to its own side.
            let side = if pairs.contains(&(e.to.as_str(), e.from.as_str())) {
                9.0
            } else {
                0.0
            };
            let (ox, oy) = (-uy * side, ux * side);
            let start = (a.0 + ux * NODE_RADIUS + ox, a.1 + uy * NODE_RADIUS + oy);
            let tip = (
                b.0 - ux * (NODE_RADIUS + 2.0) + ox,
                b.1 - uy * (NODE_RADIUS + 2.0) + oy,
            );
            let weight = e
                .amounts
                .iter()
                .map(|(v, c)| match max.get(c.as_str()) {
                    Some(m) if !m.is_zero() => f(*v) / f(*m),
                    _ => 1.0,
                })
                .fold(0.0, f64::max);
            let stroke = 1.5 + 4.5 * weight;
            let head = 10.0 + stroke * 1.5;
            let base = (tip.0 - ux * head, tip.1 - uy * head);
            let half = head * 0.5;
            let _ = writeln!(
                s,
                r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{red}" stroke-width="{}"/><polygon points="{},{} {},{} {},{}" fill="{red}"/>"#,
                px(start.0),
                px(start.1),
                px(base.0),
                px(base.1),
                px(stroke),
                px(tip.0),
                px(tip.1),
                px(base.0 - uy * half),
                px(base.1 + ux * half),
                px(base.0 + uy * half),
                px(base.1 - ux * half),
            );
            taken.push(Box4::around(
                ((tip.0 + base.0) / 2.0, (tip.1 + base.1) / 2.0),
                head,
                head,
            ));
            arrows.push(Arrow {
                start,
                tip,
                unit: (ux, uy),
                side,
                lines: e
                    .amounts
                    .iter()
                    .map(|(v, c)| amount_label(chart, *v, c))
                    .collect(),
            });
        }
        for node in nodes.values() {
            let _ = write!(
                s,
                r##"<circle cx="{}" cy="{}" r="{}" fill="#EEF2F8" stroke="{ink}" stroke-width="1.5"/>"##,
                px(node.at.0),
                px(node.at.1),
                px(NODE_RADIUS),
            );
            for (j, line) in node.lines.iter().enumerate() {
                let _ = write!(
                    s,
                    r#"<text x="{}" y="{}" text-anchor="middle" font-size="12" fill="{ink}">{}</text>"#,
                    px(node.at.0),
                    px(node.text_y + NODE_LINE * j as f64),
                    escape_xml(line),
                );
            }
            s.push('\n');
        }
        for (p, node) in &nodes {
            let _ = write!(
                s,
                r#"<text x="{}" y="{}" text-anchor="middle" font-size="16" font-weight="bold" fill="{ink}">{}</text>"#,
                px(node.at.0),
                px(node.at.1 + 6.0),
                escape_xml(p),
            );
        }
        s.push('\n');
        // Labels last, so that no arrow crosses one.
        for a in &arrows {
            let w = a.lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64
                * LABEL_CHAR
                + 10.0;
            let h = LABEL_LINE * a.lines.len() as f64 + 4.0;
            let (ux, uy) = a.unit;
            let (nx, ny) = (-uy, ux);
            let along = |t: f64| {
                (
                    a.start.0 + (a.tip.0 - a.start.0) * t,
                    a.start.1 + (a.tip.1 - a.start.1) * t,
                )
            };
            // On the arrow's own side first when two arrows share the pair; else towards the
            // inside of the circle, where no name is written.
            let middle = along(0.5);
            let inward = (centre.0 - middle.0) * nx + (centre.1 - middle.1) * ny;
            let first = if a.side > 0.0 || inward.abs() < 1.0 {
                1.0
            } else {
                inward.signum()
            };
            let clear = nx.abs() * w / 2.0 + ny.abs() * h / 2.0 + 4.0;
            // On the arrow itself first when the box would hide little of it (a steep arrow
            // crosses a wide box quickly); beside it otherwise.
            let covered = if ux.abs() < 1e-9 {
                h
            } else if uy.abs() < 1e-9 {
                w
            } else {
                (w / ux.abs()).min(h / uy.abs())
            };
            let length = ((a.tip.0 - a.start.0).powi(2) + (a.tip.1 - a.start.1).powi(2)).sqrt();
            let on_line = a.side == 0.0 && covered <= length * 0.5;
            let mut candidates = Vec::new();
            for t in [0.5, 0.35, 0.65, 0.2, 0.8] {
                let m = along(t);
                if on_line {
                    candidates.push(m);
                }
                for sign in [first, -first] {
                    candidates.push((m.0 + sign * clear * nx, m.1 + sign * clear * ny));
                }
                if a.side == 0.0 && !on_line {
                    candidates.push(m);
                }
            }
            let chosen = candidates
                .iter()
                .map(|c| Box4::around(*c, w, h))
                .find(|b| {
                    b.0 >= x0 + 2.0
                        && b.2 <= x0 + GRAPH_PANEL_WIDTH - 2.0
                        && b.1 >= GRAPH_TOP - 6.0
                        && b.3 <= height - 2.0
                        && !taken.iter().any(|o| o.overlaps(b))
                })
                .unwrap_or_else(|| Box4::around(candidates[0], w, h));
            taken.push(chosen);
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="#FFFFFF" fill-opacity="0.92" stroke="{red}" stroke-opacity="0.5"/>"##,
                px(chosen.0),
                px(chosen.1),
                px(w),
                px(h),
            );
            for (j, l) in a.lines.iter().enumerate() {
                let _ = write!(
                    s,
                    r#"<text x="{}" y="{}" text-anchor="middle" font-size="13" font-weight="bold" fill="{ink}">{}</text>"#,
                    px((chosen.0 + chosen.2) / 2.0),
                    px(chosen.1 + 16.0 + LABEL_LINE * j as f64),
                    escape_xml(l),
                );
            }
            s.push('\n');
        }
        s.push_str("</g>\n");
    }
    s.push_str("</svg>\n");
    s
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

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
                .map(|(v, c)| amount_label(chart, *v, c))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            escape_xml(r#"<a href="x">&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape_dot("a\"b\\c\nd\u{7}"), "a\\\"b\\\\c\\nd");
    }

    #[test]
    fn ticks_have_no_negative_zero() {
        assert_eq!(tick(-0.0001, 10.0), "0.0");
        assert_eq!(tick(3.2, 10.0), "3.2");
        assert_eq!(tick(160.0, 200.0), "160");
    }

    #[test]
    fn coordinates_are_short_and_stable() {
        assert_eq!(px(12.0), "12");
        assert_eq!(px(12.345), "12.3");
        assert_eq!(px(-0.04), "0");
    }
}
