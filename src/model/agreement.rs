//! `Agreement`: named terms as stored (ordered `key value` fields), what every agreement must
//! be whatever its kind, and its typed `AgreementKind`.

use crate::model::error::LedgerError;
use crate::model::text::{self, TEXT_LEN_MAX};
use serde::{Deserialize, Serialize};

/// The kinds of agreement that some module gives a meaning to.
pub const AGREEMENT_KINDS: &[&str] = &["swap", "offset", "sale"];

/// Named terms (`kind swap`, `kind offset` or `kind sale` and their fields), kept as the ordered
/// `key value` lines of the `agreement` directive. The swap and settlement modules give the
/// fields their meaning and validate them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agreement {
    pub name: String,
    pub fields: Vec<(String, String)>,
}

/// One field of an agreement, given after `before`: named by a plain word (letters, digits,
/// '-', '_', a letter first) not among `before`, with a value that a journal line can hold.
/// The journal parser checks each field with this as it reads it, so that the error names
/// the field's line.
pub fn check_agreement_field(
    before: &[(String, String)],
    key: &str,
    value: &str,
) -> Result<(), LedgerError> {
    let bad = |why: String| LedgerError::BadAgreement {
        name: String::new(),
        why,
    };
    let plain_word = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !plain_word {
        return Err(bad(format!(
            "field name {key:?} is not a plain word: expected letters, digits, '-' or '_', a \
             letter first, and the value after blanks (\"kind swap\", not \"kind: swap\")"
        )));
    }
    if before.iter().any(|(k, _)| k == key) {
        return Err(bad(format!("field {key} is given twice")));
    }
    text::length(&format!("value of field {key}"), value, TEXT_LEN_MAX)?;
    text::line_text(&format!("value of field {key}"), value)?;
    Ok(())
}

impl Agreement {
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The agreement's kind, if its `kind` field names one.
    pub fn kind(&self) -> Option<AgreementKind> {
        AgreementKind::parse(self.field("kind")?)
    }

    /// What every agreement must be, whatever its kind (each kind's module checks its own
    /// fields): a name that a tag `agreement: NAME` can hold, fields named by plain words
    /// (letters, digits, '-', '_', a letter first), each given once, values that a journal
    /// line can hold, and a `kind` among [`AGREEMENT_KINDS`].
    pub fn check(&self) -> Result<(), LedgerError> {
        let bad = |why: String| LedgerError::BadAgreement {
            name: self.name.clone(),
            why,
        };
        if self.name.is_empty() {
            return Err(bad("the name is empty".into()));
        }
        text::length("agreement name", &self.name, TEXT_LEN_MAX)?;
        text::line_text("agreement name", &self.name)?;
        text::tag_value("agreement name", &self.name)?;
        for (i, (key, value)) in self.fields.iter().enumerate() {
            check_agreement_field(&self.fields[..i], key, value).map_err(|e| match e {
                LedgerError::BadAgreement { why, .. } => bad(why),
                e => e,
            })?;
        }
        match self.field("kind") {
            None => Err(bad(format!(
                "the field kind is missing: expected one of {}",
                AGREEMENT_KINDS.join(", ")
            ))),
            Some(k) if AgreementKind::parse(k).is_none() => Err(bad(format!(
                "unknown kind {k:?}: expected one of {}",
                AGREEMENT_KINDS.join(", ")
            ))),
            Some(_) => Ok(()),
        }
    }
}

/// The kinds of agreement; each gives its terms a meaning of its own (`swap::SwapTerms`,
/// `settle::OffsetTerms`, `settle::SaleTerms`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgreementKind {
    Swap,
    Offset,
    /// Gas sold at a price, invoiced on delivery and due some days later.
    Sale,
}

impl AgreementKind {
    pub const ALL: [AgreementKind; 3] = [
        AgreementKind::Swap,
        AgreementKind::Offset,
        AgreementKind::Sale,
    ];

    /// The word a journal and the command line name it by.
    pub fn name(self) -> &'static str {
        match self {
            AgreementKind::Swap => "swap",
            AgreementKind::Offset => "offset",
            AgreementKind::Sale => "sale",
        }
    }

    pub fn parse(word: &str) -> Option<AgreementKind> {
        AgreementKind::ALL.into_iter().find(|k| k.name() == word)
    }
}

impl std::fmt::Display for AgreementKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_agreement_has_a_known_kind_and_plain_fields_once() {
        let a = |fields: &[(&str, &str)]| {
            Agreement {
                name: "tm-ir-az".into(),
                fields: fields
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            }
            .check()
            .map_err(|e| e.to_string())
        };
        assert!(a(&[("kind", "swap"), ("exit", "Astara, Nakhchivan")]).is_ok());
        for (fields, why) in [
            (&[("kind:", "swap")][..], "not a plain word"),
            (&[("supplier", "TM")][..], "the field kind is missing"),
            (&[("kind", "barter")][..], "unknown kind \"barter\""),
            (&[("kind", "swap"), ("kind", "swap")][..], "given twice"),
            (&[("kind", "swap"), ("entry", "Sarakhs; east")][..], "';'"),
        ] {
            let e = a(fields).unwrap_err();
            assert!(e.contains(why), "{fields:?}: {e}");
        }
    }
}
