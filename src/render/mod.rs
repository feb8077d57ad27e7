//! Rendering: tables as aligned text, CSV or JSON; settlement statements; the HTML settlement
//! page; SVG and DOT pictures.

mod debt_graph;
pub mod dot;
pub mod html;
pub mod settlements;
pub mod svg;
pub mod table;
