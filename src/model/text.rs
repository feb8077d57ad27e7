//! What text the ledger may hold: the rules that make every accepted text printable.
//!
//! A text is accepted only if the journal printer can write it so that it reads back the same,
//! and the peer exports (hledger, ledger-cli, beancount) write what the journal printer writes,
//! or escape it. So there is one set of predicates, here: the printer (`journal::print`) refuses
//! with them, and the model (`ledger`: transactions, the chart, statements, agreements) checks
//! with them on entry. Whatever path a text comes by (a command, a journal file, the library),
//! it meets the same rule, and the store never holds what `export` would then refuse.
//!
//! The rules, and why:
//! - no control character (tab, newline…): a newline ends a journal line, a tab separates an
//!   account from its amount;
//! - no blank at either end: the parser trims what it reads;
//! - no `;` in text before a comment (a description, a code, an agreement's name or value):
//!   `;` starts the comment;
//! - no `,` in a tag value (an id, a party's name, a statement's source, a point, a reason):
//!   hledger's tag values end at `,`, and there is no escape;
//! - a tag name is one word without `:`, `,` or `;` (`:nobudget:`, ledger-cli's form, is not one);
//! - on entry, every text at most [`TEXT_LEN_MAX`] bytes ([`length`]), and every line at most
//!   [`LINE_LEN_MAX`] bytes (a line holds several texts: [`check_line`] bounds it).
//!
//! Architecture invariant: this module imports nothing from the crate; it sits with `amount`
//! and `date` at the bottom of the layers.

use thiserror::Error;

/// Longest journal line, in bytes (without its line ending). The parser refuses longer lines,
/// so the printer may not write them.
pub const LINE_LEN_MAX: usize = 64 * 1024;

/// Longest single text (a name, a tag's name or value, a source, an agreement's value), in
/// bytes: small enough that one line with one such text stays far below [`LINE_LEN_MAX`].
pub const TEXT_LEN_MAX: usize = 4 * 1024;

/// How many characters of a refused text an error message shows.
const SHOWN_CHARS_MAX: usize = 60;

/// A text that cannot be written to a journal so that it reads back the same.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[error("{what} {shown} is not allowed: {why}")]
pub struct TextError {
    /// What the text is: "description", "tag value of point", "party name"...
    pub what: String,
    /// The text, quoted, shortened when long.
    pub shown: String,
    pub why: String,
}

fn refuse(what: &str, text: &str, why: impl Into<String>) -> TextError {
    let shown = if text.chars().count() > SHOWN_CHARS_MAX {
        let head: String = text.chars().take(SHOWN_CHARS_MAX).collect();
        format!("{head:?}… ({} bytes)", text.len())
    } else {
        format!("{text:?}")
    };
    TextError {
        what: what.to_string(),
        shown,
        why: why.into(),
    }
}

/// Any text: no control character, no blank at either end.
fn plain(what: &str, text: &str) -> Result<(), TextError> {
    // Every import checks every description and tag: ASCII text, the usual case, is checked
    // byte by byte (its control characters are below ' ' and DEL).
    let control = if text.is_ascii() {
        text.bytes().any(|b| b < b' ' || b == 0x7f)
    } else {
        text.chars().any(char::is_control)
    };
    if control {
        let c = text.chars().find(|c| c.is_control()).unwrap_or('\0');
        return Err(refuse(
            what,
            text,
            format!("it holds the control character {c:?} (a journal line cannot)"),
        ));
    }
    if text.trim().len() != text.len() {
        return Err(refuse(
            what,
            text,
            "it has a blank at one end (a journal reader would drop it)",
        ));
    }
    Ok(())
}

/// At most `max` bytes. The model checks every text it accepts against [`TEXT_LEN_MAX`] (or a
/// smaller limit of its own); the printer checks only its lines, so that a store from before
/// a limit still prints.
pub fn length(what: &str, text: &str, max: usize) -> Result<(), TextError> {
    if text.len() > max {
        return Err(refuse(
            what,
            text,
            format!("it is {} bytes long, at most {max}", text.len()),
        ));
    }
    Ok(())
}

/// Text written before a line's comment: a description, a transaction code, an agreement's
/// name or value. No `;`, which would start the comment.
pub fn line_text(what: &str, text: &str) -> Result<(), TextError> {
    plain(what, text)?;
    if text.contains(';') {
        return Err(refuse(what, text, "';' would start a comment in a journal"));
    }
    Ok(())
}

/// A description: line text that does not read back as a status mark (`*`, `!`) when the
/// transaction has none, or as a code (`(…)`) when it has none.
pub fn description(text: &str, has_status: bool, has_code: bool) -> Result<(), TextError> {
    line_text("description", text)?;
    if !has_status && text.starts_with(['*', '!']) {
        return Err(refuse(
            "description",
            text,
            "a transaction without a status cannot have a description that starts with '*' \
             or '!' (it would read back as the status)",
        ));
    }
    if !has_code && text.starts_with('(') {
        return Err(refuse(
            "description",
            text,
            "a transaction without a code cannot have a description that starts with '(' \
             (it would read back as the code)",
        ));
    }
    Ok(())
}

/// A transaction code, written `(CODE)`: no `)`, `;` or control character.
pub fn code(text: &str) -> Result<(), TextError> {
    if text.chars().any(char::is_control) {
        return plain("transaction code", text);
    }
    if text.contains([')', ';']) {
        return Err(refuse(
            "transaction code",
            text,
            "')' would end the code and ';' start a comment",
        ));
    }
    Ok(())
}

/// A tag's name: one word, no `:`, `,` or `;`.
pub fn tag_key(text: &str) -> Result<(), TextError> {
    let what = "tag name";
    if text.is_empty() {
        return Err(refuse(what, text, "it is empty"));
    }
    plain(what, text)?;
    if text
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, ':' | ',' | ';'))
    {
        let hint = if text.starts_with(':') {
            " (the form :tag: is not read: write tag:)"
        } else {
            ""
        };
        return Err(refuse(
            what,
            text,
            format!("a tag name is one word without ':', ',' or ';'{hint}"),
        ));
    }
    Ok(())
}

/// A tag's value (an id, a party's name, a statement's source, a point, a reason): no `,`,
/// which ends a tag value. `what` names the tag: "party name", "tag value of point".
pub fn tag_value(what: &str, text: &str) -> Result<(), TextError> {
    plain(what, text)?;
    if text.contains(',') {
        return Err(refuse(
            what,
            text,
            "',' would end it (a tag value runs to the next ',')",
        ));
    }
    Ok(())
}

/// A tag: its name and its value.
pub fn tag(key: &str, value: &str) -> Result<(), TextError> {
    tag_key(key)?;
    // Named after its tag only on error: every imported tag passes here.
    tag_value("tag value", value).map_err(|mut e| {
        e.what = format!("tag value of {key}");
        e
    })
}

/// One word (a party code, a statement's party, an agreement field's name as written): non-
/// empty, no blank, no control character, no `;`, not starting with `#` (a comment). A party
/// code also holds no `:` (the parser would read an account), which its callers check.
pub fn word(what: &str, text: &str) -> Result<(), TextError> {
    if text.is_empty() {
        return Err(refuse(what, text, "it is empty"));
    }
    plain(what, text)?;
    if text.chars().any(|c| c.is_whitespace() || c == ';') || text.starts_with('#') {
        return Err(refuse(
            what,
            text,
            "expected one word without blanks or ';', not starting with '#'",
        ));
    }
    Ok(())
}

/// An account name as a posting or an `account` line holds it: no `;`, tab or two spaces in
/// a row (which end the name), no blank at either end, and no `*`, `!`, `(`, `[` or `#` first
/// (a status mark, a virtual posting, a comment).
pub fn account(name: &str) -> Result<(), TextError> {
    let what = "account name";
    if name.is_empty() {
        return Err(refuse(what, name, "it is empty"));
    }
    plain(what, name)?;
    if name.contains("  ") || name.contains(';') {
        return Err(refuse(
            what,
            name,
            "two spaces in a row would end the name, ';' would start a comment",
        ));
    }
    if name.starts_with(['*', '!', '(', '[', '#']) {
        return Err(refuse(
            what,
            name,
            "it cannot start with '*', '!', '(', '[' or '#'",
        ));
    }
    Ok(())
}

/// An account name as hledger and ledger-cli read it too: no two blanks in a row of any kind
/// (hledger ends an account name at two spaces, and counts a no-break or ideographic space
/// as one). The model accepts only such names; the peer exports refuse any other.
pub fn account_for_peers(name: &str) -> Result<(), TextError> {
    account(name)?;
    let mut previous_blank = false;
    for c in name.chars() {
        let blank = c.is_whitespace();
        if blank && previous_blank {
            return Err(refuse(
                "account name",
                name,
                "two blanks in a row (of any kind: a no-break space counts) would end the name \
                 for hledger",
            ));
        }
        previous_blank = blank;
    }
    Ok(())
}

/// An account as an `account` line declares it: an account name with at least two segments,
/// since `account NAME` with one segment declares the party NAME.
pub fn declared_account(name: &str) -> Result<(), TextError> {
    account(name)?;
    if !name.contains(':') {
        return Err(refuse(
            "account name",
            name,
            "an account has the form PARTY:NAME (one segment is the party itself)",
        ));
    }
    Ok(())
}

/// An upper bound, in bytes, of a list of tags written `  ; key: value, key: value`.
pub fn tags_len<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> usize {
    tags.into_iter()
        .map(|(k, v)| k.len() + v.len() + 6)
        .fold(0, usize::saturating_add)
}

/// A line whose length is at most `bound` bytes fits in a journal.
pub fn check_line(what: &str, bound: usize) -> Result<(), TextError> {
    if bound > LINE_LEN_MAX {
        return Err(TextError {
            what: what.to_string(),
            shown: String::new(),
            why: format!(
                "it would be written on a line of up to {bound} bytes: a journal line is at \
                 most {LINE_LEN_MAX} bytes"
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions() {
        assert!(description("Sarakhs entry, January", false, false).is_ok());
        for (bad, why) in [
            ("Sarakhs; revised nomination", "';'"),
            ("a\tb", "control character"),
            (" x", "blank"),
            ("x ", "blank"),
            ("* x", "status"),
            ("(x) y", "code"),
        ] {
            let e = description(bad, false, false).unwrap_err();
            assert!(e.to_string().contains(why), "{bad:?}: {e}");
        }
        assert!(description("* x", true, false).is_ok());
        assert!(description("(x) y", false, true).is_ok());
    }

    #[test]
    fn tags() {
        assert!(tag("point", "Sarakhs; east").is_ok());
        assert!(tag("k", "").is_ok());
        assert!(tag(":nobudget", "").is_err());
        assert!(tag_key(":nobudget")
            .unwrap_err()
            .to_string()
            .contains("write tag:"));
        for bad in ["", "a b", "a,b", "a;b", "a\nb"] {
            assert!(tag_key(bad).is_err(), "{bad:?}");
        }
        for bad in ["a, b", " a", "a\nb"] {
            assert!(tag_value("v", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn long_texts_are_shown_short() {
        let e = length("party name", &"x".repeat(70_000), TEXT_LEN_MAX).unwrap_err();
        let m = e.to_string();
        assert!(m.len() < 300, "{m}");
        assert!(m.contains("70000 bytes"), "{m}");
    }

    #[test]
    fn accounts() {
        assert!(declared_account("TM:receivable:IR").is_ok());
        assert!(account("TM").is_ok());
        assert!(declared_account("TM").is_err());
        assert!(account("TM:a\u{a0}\u{a0}b").is_ok());
        for bad in [
            "TM:a\u{a0}\u{a0}b",
            "TM:a \u{2009}b",
            "TM:a\u{3000}\u{3000}b",
        ] {
            assert!(account_for_peers(bad).is_err(), "{bad:?}");
        }
        assert!(account_for_peers("TM:a\u{a0}b c").is_ok());
        for bad in ["", " TM:x", "TM:a  b", "TM;x", "TM:\tx", "(TM:x", "#x:y"] {
            assert!(account(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn words_and_lines() {
        assert!(word("party", "TM").is_ok());
        for bad in ["", "T M", "T;M", "#TM", "a\tb"] {
            assert!(word("w", bad).is_err(), "{bad:?}");
        }
        assert!(code("C7").is_ok());
        assert!(code("C)7").is_err());
        assert!(check_line("l", LINE_LEN_MAX).is_ok());
        assert!(check_line("l", LINE_LEN_MAX + 1).is_err());
    }
}
