//! gasledger's own exports for hledger and ledger-cli read back: their first line says what
//! they are, and in them the directives the peer does not know (`agreement`, `statement`) are
//! written as comments, which are read as the directives.

use super::lex::split_word;
use super::reader::State;

/// The first line of gasledger's own exports for hledger and ledger-cli.
pub(super) const OWN_EXPORT_HEADERS: &[&str] = &[
    "; gasledger export for hledger (gasledger export --format hledger).",
    "; gasledger export for ledger-cli (gasledger export --format ledger).",
];

impl State {
    /// In one of gasledger's own peer exports, a directive that the peer does not know is
    /// written as a comment (`; agreement NAME`, `; statement DATE PARTY`, its body as
    /// `;     key value`): read it as the directive, so that the export reads back whole.
    pub(super) fn uncomment<'l>(&mut self, line: &'l str) -> &'l str {
        if let Some(rest) = line.strip_prefix("; ") {
            let (word, after) = split_word(rest);
            let after = after.trim();
            let directive = match word {
                // `agreement NAME`: one word after it.
                "agreement" => !after.is_empty() && split_word(after).1.trim().is_empty(),
                // `statement DATE PARTY`.
                "statement" => after.starts_with(|c: char| c.is_ascii_digit()),
                _ => false,
            };
            if directive {
                self.commented_block = true;
                return rest;
            }
            if self.commented_block && self.block.is_some() && rest.starts_with("    ") {
                return &line[1..];
            }
        }
        if !line.starts_with([' ', '\t']) {
            self.commented_block = false;
        }
        line
    }
}
