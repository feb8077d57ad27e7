//! The debt graph as SVG, drawn by hand.
//!
//! **Why by hand.** plotters draws charts on axes; a node-link diagram is a few circles, lines,
//! arrowheads and labels at positions we choose, and choosing them is the point: parties sit on
//! a circle in sorted order of their codes, starting at the top and going clockwise, so the
//! same ledger always gives the same picture, byte for byte. Arrow heads are polygons rather
//! than `<marker>`s, so that several graphs inlined in one page need no element ids that could
//! collide.

use super::{escape_xml, f, INK, OUTSIDE, SVG_NAMESPACE};
use crate::model::chart::Chart;
use crate::render::debt_graph::{amount_label, edges, parties, Edge};
use crate::reports::debts::DebtReport;
use plotters::style::RGBColor;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

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
    /// Whether `o` lies wholly inside this box.
    fn holds(&self, o: &Box4) -> bool {
        o.0 >= self.0 && o.2 <= self.2 && o.1 >= self.1 && o.3 <= self.3
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
    let graph = Graph::new(r, chart);
    let width = 2.0 * GRAPH_PANEL_WIDTH;
    let ink = hex(INK);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r##"<svg width="{w}" height="{h}" viewBox="0 0 {w} {h}"{SVG_NAMESPACE} font-family="sans-serif" role="img">
<title>Who owes whom, before and after netting</title>
<rect x="0" y="0" width="{w}" height="{h}" fill="#FFFFFF"/>
<text x="{cx}" y="24" text-anchor="middle" font-size="17" fill="{ink}">Who owes whom: arrows from debtor to creditor</text>"##,
        w = px(width),
        h = px(graph.height),
        cx = px(width / 2.0),
    );
    let panels = [
        ("Before netting: the debts as booked", &before),
        ("After netting: the payments that settle them", &after),
    ];
    for (k, (title, edges)) in panels.into_iter().enumerate() {
        graph.panel(&mut s, k, title, edges);
    }
    s.push_str("</svg>\n");
    s
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// What both panels share: the parties with the lines written beside each, and the vertical
/// layout.
struct Graph<'a> {
    report: &'a DebtReport,
    /// Each party's lines, by code (in sorted order of the codes).
    lines: BTreeMap<String, Vec<String>>,
    /// The y of the circles' centre.
    centre_y: f64,
    height: f64,
}

impl<'a> Graph<'a> {
    fn new(r: &'a DebtReport, chart: &'a Chart) -> Graph<'a> {
        let lines: BTreeMap<String, Vec<String>> = parties(r)
            .into_iter()
            .map(|p| {
                let lines = node_lines(r, chart, &p);
                (p, lines)
            })
            .collect();
        let text_lines = lines.values().map(Vec::len).max().unwrap_or(0) as f64;
        let text_height = text_lines * NODE_LINE;
        let centre_y = GRAPH_TOP + text_height + 8.0 + NODE_RADIUS + RING_RADIUS;
        let height = if lines.is_empty() {
            140.0
        } else {
            centre_y + RING_RADIUS + NODE_RADIUS + 8.0 + text_height + 12.0
        };
        Graph {
            report: r,
            lines,
            centre_y,
            height,
        }
    }

    /// Panel `k` (0 on the left): its title, and its nodes and arrows, or why it has none.
    fn panel(&self, s: &mut String, k: usize, title: &str, edges: &[Edge]) {
        let ink = hex(INK);
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
                y = px(self.height - 10.0),
            );
        }
        if self.lines.is_empty() || edges.is_empty() {
            let why = if self.lines.is_empty() {
                "no debts between parties"
            } else {
                "no payment needed: the obligations cancel"
            };
            let _ = writeln!(
                s,
                r#"<text x="{x}" y="{y}" text-anchor="middle" font-size="14" fill="{ink}">{why}</text></g>"#,
                x = px(x0 + GRAPH_PANEL_WIDTH / 2.0),
                y = px(self.height.min(self.centre_y) - 40.0),
            );
            return;
        }
        let centre = (x0 + GRAPH_PANEL_WIDTH / 2.0, self.centre_y);
        let nodes = self.nodes(centre);
        // What a label must not cover: nodes, their texts, arrow heads, earlier labels.
        let mut taken: Vec<Box4> = nodes
            .values()
            .flat_map(|n| {
                let d = 2.0 * NODE_RADIUS;
                [Box4::around(n.at, d, d), n.text_box()]
            })
            .collect();
        let arrows = self.arrows(s, edges, &nodes, &mut taken);
        draw_nodes(s, &nodes);
        // Labels last, so that no arrow crosses one.
        let area = Box4(
            x0 + 2.0,
            GRAPH_TOP - 6.0,
            x0 + GRAPH_PANEL_WIDTH - 2.0,
            self.height - 2.0,
        );
        for a in &arrows {
            draw_label(s, a, centre, &area, &mut taken);
        }
        s.push_str("</g>\n");
    }

    /// The nodes on a circle around `centre`, in order of the parties' codes: from the top
    /// (angle −π/2), clockwise on screen (y grows downwards).
    fn nodes(&self, centre: (f64, f64)) -> BTreeMap<&str, Node> {
        let n = self.lines.len() as f64;
        self.lines
            .iter()
            .enumerate()
            .map(|(i, (p, lines))| {
                let a = -std::f64::consts::FRAC_PI_2 + 2.0 * std::f64::consts::PI * i as f64 / n;
                let at = (
                    centre.0 + RING_RADIUS * a.cos(),
                    centre.1 + RING_RADIUS * a.sin(),
                );
                let text_y = if at.1 >= centre.1 - 1.0 {
                    at.1 + NODE_RADIUS + NODE_LINE + 1.0
                } else {
                    at.1 - NODE_RADIUS - 8.0 - NODE_LINE * (lines.len() as f64 - 1.0)
                };
                let lines = lines.clone();
                (p.as_str(), Node { at, lines, text_y })
            })
            .collect()
    }

    /// Each edge drawn as an arrow between its nodes, its head added to `taken`; the arrows, to
    /// label once every arrow is drawn.
    fn arrows(
        &self,
        s: &mut String,
        edges: &[Edge],
        nodes: &BTreeMap<&str, Node>,
        taken: &mut Vec<Box4>,
    ) -> Vec<Arrow> {
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
        let mut arrows = Vec::new();
        for e in edges.iter() {
            let (Some(a), Some(b)) = (nodes.get(e.from.as_str()), nodes.get(e.to.as_str())) else {
                continue;
            };
            // Two arrows between the same pair, one each way: each moves to its own side.
            let side = if pairs.contains(&(e.to.as_str(), e.from.as_str())) {
                9.0
            } else {
                0.0
            };
            let lines = e
                .amounts
                .iter()
                .map(|(v, c)| amount_label(self.report, *v, c))
                .collect();
            let arrow = Arrow::new(a.at, b.at, side, lines);
            // The width grows with the largest amount relative to the largest of its commodity.
            let weight = e
                .amounts
                .iter()
                .map(|(v, c)| match max.get(c.as_str()) {
                    Some(m) if !m.is_zero() => f(*v) / f(*m),
                    _ => 1.0,
                })
                .fold(0.0, f64::max);
            taken.push(draw_arrow(s, &arrow, weight));
            arrows.push(arrow);
        }
        arrows
    }
}

/// Lines beside a node: the party's name, then one net position per commodity.
fn node_lines(r: &DebtReport, chart: &Chart, p: &str) -> Vec<String> {
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
            format!("net {sign}{}", amount_label(r, *v, c))
        });
    name.into_iter().chain(net).collect()
}

/// Each node's circle and the lines beside it, then the parties' codes in the circles.
fn draw_nodes(s: &mut String, nodes: &BTreeMap<&str, Node>) {
    let ink = hex(INK);
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
    for (p, node) in nodes {
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" font-size="16" font-weight="bold" fill="{ink}">{}</text>"#,
            px(node.at.0),
            px(node.at.1 + 6.0),
            escape_xml(p),
        );
    }
    s.push('\n');
}

/// An arrow from one node's rim to the other's, and the lines of its label.
struct Arrow {
    start: (f64, f64),
    tip: (f64, f64),
    /// The unit vector from start to tip.
    unit: (f64, f64),
    /// How far it is moved to its own side (when another arrow goes the other way).
    side: f64,
    lines: Vec<String>,
}

impl Arrow {
    /// From the node at `a` to the node at `b`, moved `side` across its direction.
    fn new(a: (f64, f64), b: (f64, f64), side: f64, lines: Vec<String>) -> Arrow {
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let len = (dx * dx + dy * dy).sqrt().max(1.0);
        let (ux, uy) = (dx / len, dy / len);
        let (ox, oy) = (-uy * side, ux * side);
        let start = (a.0 + ux * NODE_RADIUS + ox, a.1 + uy * NODE_RADIUS + oy);
        let tip = (
            b.0 - ux * (NODE_RADIUS + 2.0) + ox,
            b.1 - uy * (NODE_RADIUS + 2.0) + oy,
        );
        Arrow {
            start,
            tip,
            unit: (ux, uy),
            side,
            lines,
        }
    }

    /// The point at `t` (0 at the start, 1 at the tip).
    fn along(&self, t: f64) -> (f64, f64) {
        (
            self.start.0 + (self.tip.0 - self.start.0) * t,
            self.start.1 + (self.tip.1 - self.start.1) * t,
        )
    }
}

/// The arrow's line and head, `weight` (0 to 1) wide; the box around the head.
fn draw_arrow(s: &mut String, a: &Arrow, weight: f64) -> Box4 {
    let red = hex(OUTSIDE);
    let (start, tip, (ux, uy)) = (a.start, a.tip, a.unit);
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
    Box4::around(((tip.0 + base.0) / 2.0, (tip.1 + base.1) / 2.0), head, head)
}

/// The arrow's label, at the first of its places (see [`label_places`]) inside `area` that
/// covers nothing `taken`, else at the first place; its box is added to `taken`.
fn draw_label(s: &mut String, a: &Arrow, centre: (f64, f64), area: &Box4, taken: &mut Vec<Box4>) {
    let (ink, red) = (hex(INK), hex(OUTSIDE));
    let w = a.lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as f64 * LABEL_CHAR + 10.0;
    let h = LABEL_LINE * a.lines.len() as f64 + 4.0;
    let places = label_places(a, (w, h), centre);
    let chosen = places
        .iter()
        .map(|c| Box4::around(*c, w, h))
        .find(|b| area.holds(b) && !taken.iter().any(|o| o.overlaps(b)))
        .unwrap_or_else(|| Box4::around(places[0], w, h));
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

/// The centres a label of size `(w, h)` may take, in order of preference: at five points along
/// the arrow, beside it on either side, and on it.
fn label_places(a: &Arrow, (w, h): (f64, f64), centre: (f64, f64)) -> Vec<(f64, f64)> {
    let (ux, uy) = a.unit;
    let (nx, ny) = (-uy, ux);
    // On the arrow's own side first when two arrows share the pair; else towards the
    // inside of the circle, where no name is written.
    let middle = a.along(0.5);
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
    let mut places = Vec::new();
    for t in [0.5, 0.35, 0.65, 0.2, 0.8] {
        let m = a.along(t);
        if on_line {
            places.push(m);
        }
        for sign in [first, -first] {
            places.push((m.0 + sign * clear * nx, m.1 + sign * clear * ny));
        }
        if a.side == 0.0 && !on_line {
            places.push(m);
        }
    }
    places
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_are_short_and_stable() {
        assert_eq!(px(12.0), "12");
        assert_eq!(px(12.345), "12.3");
        assert_eq!(px(-0.04), "0");
    }
}
