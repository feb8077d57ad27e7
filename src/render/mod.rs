//! Rendering: tables as aligned text, CSV or JSON; the HTML settlement page; SVG and DOT
//! pictures.

mod debt_graph;
pub mod dot;
pub mod html;
pub mod svg;
pub mod table;
