//! The swap chart, drawn with plotters.
//!
//! **Why plotters.** It is the maintained charting crate of the Rust ecosystem, and its SVG
//! backend (`plotters-svg`) writes plain `<rect>`, `<line>`, `<polyline>`, `<circle>` and
//! `<text>` elements. Built without its `ttf` feature (as here: `default-features = false,
//! features = ["svg_backend", "line_series"]`) it opens no system font and embeds none: text
//! stays `<text font-family="sans-serif">`, drawn by whatever shows the SVG, and plotters only
//! estimates text sizes for layout. It escapes every text it
//! writes (`&`, `<`, `>`, quotes), fetches nothing, and its output is a pure function of the
//! input (integer pixel coordinates, no clock, no randomness): the same ledger gives the same
//! bytes, which `tests/html.rs` snapshots. The one URL in its output is the SVG namespace on
//! the root element, which is a name, never fetched; the HTML page drops it (inline SVG in
//! HTML needs none).

use super::{escape_xml, f, ChartError, INK, OUTSIDE};
use crate::model::amount::format_grouped;
use crate::model::fiscal::Fiscal;
use crate::reports::swap::SwapReport;
use crate::swap::{format_percent, Period, PeriodRow, SwapStatus};
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use rust_decimal::Decimal;
use std::fmt::Write as _;

/// Colours of the swap chart's series.
const ENTRY: RGBColor = RGBColor(0x3b, 0x6f, 0xb6);
const FEE: RGBColor = RGBColor(0xe0, 0x9a, 0x2b);
const EXIT: RGBColor = RGBColor(0x3f, 0x9a, 0x5b);
const BAND: RGBColor = RGBColor(0x3f, 0x9a, 0x5b);
const CUMULATIVE: RGBColor = RGBColor(0x5b, 0x3f, 0x9a);

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
    let noun = match r.fiscal {
        Some(Fiscal::Iran) => "Iranian year",
        Some(Fiscal::FixedStart { .. }) => "fiscal year",
        None => period_noun(t.period),
    };
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
            let plot_width = f64::from(width) - 90.0;
            let (labels, upright) = period_labels(r, plot_width);
            let axis = Axis {
                labels: &labels,
                upright,
                noun,
            };
            volumes_panel(&top, r, &axis).map_err(swap_error)?;
            imbalance_panel(&bottom, r, &axis).map_err(swap_error)?;
        }
        root.present().map_err(swap_error)?;
    }
    Ok(tidy(&svg, &title))
}

/// The label of each period, and whether they are written upright. Across when they fit in
/// `plot_width`, else upright (rotated); when even upright labels do not fit, every k-th
/// period and every period outside tolerance (the others are empty).
fn period_labels(r: &SwapReport, plot_width: f64) -> (Vec<String>, bool) {
    let n = r.rows.len();
    let upright = LABEL_WIDTH * n as f64 > plot_width;
    let every = ((LABEL_HEIGHT * n as f64 / plot_width).ceil() as usize).max(1);
    let outside: Vec<usize> = r
        .rows
        .iter()
        .enumerate()
        .filter(|(_, row)| row.status == SwapStatus::OutsideTolerance)
        .map(|(i, _)| i)
        .collect();
    let labels = r
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
    (labels, upright)
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
type Figure = fn(&PeriodRow) -> Decimal;

/// A panel's chart: one slot per period across, amounts up.
type Panel<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<SegmentedCoord<RangedCoordi32>, RangedCoordf64>>;

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
    legend(&mut chart)
}

/// The legend of a panel's series, at its upper left.
fn legend<'a, 'b: 'a>(chart: &mut Panel<'a, 'b>) -> Drawn {
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
fn imbalance_panel(area: &Area, r: &SwapReport, axis: &Axis) -> Drawn {
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
        upright_labels(area, &chart, labels, y0)?;
    }
    imbalance_series(&mut chart, r)?;
    outside_labels(&mut chart, r, bound)?;
    legend(&mut chart)
}

/// Period labels that hang from the axis, read from bottom to top. plotters centres every axis
/// label on its tick, which would put half of an upright label inside the plot.
fn upright_labels(area: &Area, chart: &Panel, labels: &[String], y0: f64) -> Drawn {
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
    Ok(())
}

/// The tolerance band, the zero line, the cumulative imbalance and each period's imbalance.
fn imbalance_series<'a, 'b: 'a>(chart: &mut Panel<'a, 'b>, r: &SwapReport) -> Drawn {
    let n = r.rows.len() as i32;
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
            format_percent(r.terms.tolerance_rate)
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
    let dot = |row: &PeriodRow| match row.status {
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
    Ok(())
}

/// The periods outside tolerance, named with their imbalance, a little off their dot (`bound`
/// is the largest value the panel shows).
fn outside_labels<'a, 'b: 'a>(chart: &mut Panel<'a, 'b>, r: &SwapReport, bound: f64) -> Drawn {
    let n = r.rows.len() as i32;
    let scale = r.terms.commodity.scale;
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_have_no_negative_zero() {
        assert_eq!(tick(-0.0001, 10.0), "0.0");
        assert_eq!(tick(3.2, 10.0), "3.2");
        assert_eq!(tick(160.0, 200.0), "160");
    }
}
