//! Rendering: tables as aligned text, CSV or JSON; the HTML settlement page; SVG and DOT
//! pictures.

pub mod html;
pub mod svg;
pub mod table;
