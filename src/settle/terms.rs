//! Offset agreements: their terms, parsed and validated from the agreement's raw fields
//! (`offset_terms`, called by import and `agreement add`), and what one offset transaction
//! did under them (`offset_legs`).

use super::error::{scale_of, SettleError};
use super::obligations::{payable, receivable};
use super::validate::{check_distinct, check_party};
use crate::model::account::{is_under, AccountType};
use crate::model::agreement::Agreement;
use crate::model::amount::{self, format_at_scale, parse_amount, parse_number, Commodity};
use crate::model::chart::Chart;
use crate::model::date::Date;
use crate::model::error::LedgerError;
use crate::model::suggest;
use crate::model::transaction::Transaction;
use rust_decimal::Decimal;
use std::collections::BTreeSet;
use std::str::FromStr;

/// The fields an offset agreement may hold (`limit` or `amount`, not both; `notice` when
/// the assignment was notified to the debtor).
pub const OFFSET_FIELDS: [&str; 8] = [
    "kind",
    "debtor",
    "via",
    "creditor",
    "commodity",
    "limit",
    "amount",
    "notice",
];

/// The terms of an offset agreement: `debtor` owes `via`, `via` owes `creditor`; `via` assigns
/// its claim on `debtor` to `creditor`, at most `limit` in total over every offset under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetTerms {
    pub name: String,
    pub debtor: String,
    pub via: String,
    pub creditor: String,
    pub commodity: String,
    /// The `limit` (or `amount`) field: the most that may be assigned in total.
    pub limit: Decimal,
    /// The `notice` field: the day the assignment was notified to the debtor. Before it, the
    /// debtor is still discharged by paying the intermediary; from it, only by paying the
    /// creditor. `None`: the assignment binds the debtor from each offset's own date.
    pub notice: Option<Date>,
}

impl OffsetTerms {
    /// What the debtor owes the intermediary: the claim that is assigned.
    pub fn claim_account(&self) -> String {
        receivable(&self.via, &self.debtor)
    }
    /// What the intermediary owes the creditor: the debt that shrinks.
    pub fn debt_account(&self) -> String {
        receivable(&self.creditor, &self.via)
    }
    /// The six accounts of an offset, with their types.
    pub fn accounts(&self) -> [(String, AccountType); 6] {
        let (d, v, c) = (&self.debtor, &self.via, &self.creditor);
        [
            (payable(d, v), AccountType::Liability),
            (payable(d, c), AccountType::Liability),
            (receivable(v, d), AccountType::Asset),
            (payable(v, c), AccountType::Liability),
            (receivable(c, d), AccountType::Asset),
            (receivable(c, v), AccountType::Asset),
        ]
    }
}

/// Whether an agreement is an offset (`kind offset`).
pub fn is_offset(a: &Agreement) -> bool {
    a.field("kind") == Some("offset")
}

/// Read and validate an offset agreement's fields against the chart: every field known and
/// given once, the three parties declared and distinct, the commodity declared, the limit a
/// positive number at the commodity's scale (`1600000000.00`, or with its code).
pub fn offset_terms(a: &Agreement, chart: &Chart) -> Result<OffsetTerms, SettleError> {
    let bad = |why: String| SettleError::BadAgreement {
        name: a.name.clone(),
        why,
    };
    check_fields(a).map_err(bad)?;
    let field = |k: &str| {
        a.field(k)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .ok_or_else(|| bad(format!("an offset needs the field {k}")))
    };
    let (debtor, via, creditor) = (field("debtor")?, field("via")?, field("creditor")?);
    check_roles(chart, debtor, via, creditor).map_err(|e| bad(e.to_string()))?;
    let code = field("commodity")?;
    let commodity = chart.commodity(code).map_err(|e| bad(e.to_string()))?;
    let limit = limit_of(a, code, commodity).map_err(bad)?;
    let notice = a
        .field("notice")
        .map(|n| Date::from_str(n.trim()).map_err(|e| bad(format!("notice: {e}"))))
        .transpose()?;
    Ok(OffsetTerms {
        name: a.name.clone(),
        debtor: debtor.to_string(),
        via: via.to_string(),
        creditor: creditor.to_string(),
        commodity: code.to_string(),
        limit,
        notice,
    })
}

/// Every field known and given once, and the kind `offset`; otherwise why not.
fn check_fields(a: &Agreement) -> Result<(), String> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (k, _) in &a.fields {
        if !OFFSET_FIELDS.contains(&k.as_str()) {
            let known: Vec<String> = OFFSET_FIELDS.iter().map(|s| s.to_string()).collect();
            let hint = suggest::suggestion(&suggest::nearest(k, known.iter()));
            return Err(format!(
                "unknown field {k:?} for an offset{hint}; expected {}",
                OFFSET_FIELDS.join(", ")
            ));
        }
        if !seen.insert(k) {
            return Err(format!("field {k} is given twice"));
        }
    }
    if !is_offset(a) {
        return Err(format!(
            "expected kind offset, found {:?}",
            a.field("kind").unwrap_or("")
        ));
    }
    Ok(())
}

/// The three parties declared and pairwise distinct.
fn check_roles(chart: &Chart, debtor: &str, via: &str, creditor: &str) -> Result<(), SettleError> {
    for p in [debtor, via, creditor] {
        check_party(chart, p)?;
    }
    for (x, y) in [
        (("the debtor", debtor), ("the intermediary (via)", via)),
        (("the debtor", debtor), ("the creditor", creditor)),
        (("the intermediary (via)", via), ("the creditor", creditor)),
    ] {
        check_distinct(x, y)?;
    }
    Ok(())
}

/// The `limit` (or `amount`) field: a positive number at the commodity's scale, bare or with
/// the agreement's commodity code; otherwise why not.
fn limit_of(a: &Agreement, code: &str, commodity: &Commodity) -> Result<Decimal, String> {
    let (key, text) = match (a.field("limit"), a.field("amount")) {
        (Some(_), Some(_)) => return Err("give a limit or an amount, not both".into()),
        (Some(l), None) => ("limit", l.trim()),
        (None, Some(m)) => ("amount", m.trim()),
        (None, None) => return Err("an offset needs the field limit (or amount)".into()),
    };
    let limit = match parse_number(text) {
        Ok(v) => v,
        Err(_) => match parse_amount(text) {
            Ok(am) if am.commodity == code => am.value,
            Ok(am) => {
                return Err(format!(
                    "{key} {text:?} is in {}, the agreement's commodity is {code}",
                    am.commodity
                ))
            }
            Err(e) => return Err(format!("{key}: {e}")),
        },
    };
    commodity
        .check_scale(limit)
        .map_err(|e| format!("{key}: {e}"))?;
    if limit <= Decimal::ZERO {
        return Err(format!(
            "{key} must be positive, found {}",
            commodity.format(limit)
        ));
    }
    Ok(limit)
}

/// Validate an agreement when it is an offset; any other kind is another module's business.
/// Import and `agreement add` call this before they store an agreement.
pub fn validate_agreement(a: &Agreement, chart: &Chart) -> Result<(), SettleError> {
    if is_offset(a) {
        offset_terms(a, chart)?;
    }
    Ok(())
}

/// The parties of an offset agreement given on the command line: debtor, via, creditor.
pub type Roles<'a> = (&'a str, &'a str, &'a str);

/// An offset agreement built from command-line values (for `agreement add --kind offset`),
/// validated like the directive.
pub fn offset_agreement(
    chart: &Chart,
    name: &str,
    (debtor, via, creditor): Roles,
    commodity: &str,
    limit: Decimal,
    notice: Option<Date>,
) -> Result<Agreement, SettleError> {
    let scale = scale_of(chart, commodity)?;
    let mut fields: Vec<(String, String)> = vec![
        ("kind".into(), "offset".into()),
        ("debtor".into(), debtor.into()),
        ("via".into(), via.into()),
        ("creditor".into(), creditor.into()),
        ("commodity".into(), commodity.into()),
        ("limit".into(), format_at_scale(limit, scale)),
    ];
    if let Some(d) = notice {
        fields.push(("notice".into(), d.to_string()));
    }
    let a = Agreement {
        name: name.to_string(),
        fields,
    };
    offset_terms(&a, chart)?;
    Ok(a)
}

/// What one offset transaction did: the claim used (decrease of `V:receivable:D`) and the debt
/// reduced (decrease of `C:receivable:V`). Its only failure is a sum beyond the exact range.
pub fn offset_legs(
    terms: &OffsetTerms,
    t: &Transaction,
) -> Result<(Decimal, Decimal), LedgerError> {
    let (claim, debt) = (terms.claim_account(), terms.debt_account());
    let (mut used, mut reduced) = (Decimal::ZERO, Decimal::ZERO);
    for p in &t.postings {
        let Some(a) = &p.amount else { continue };
        if a.commodity != terms.commodity {
            continue;
        }
        if is_under(&p.account, &claim) {
            used = amount::exact_sub(used, a.value, || "an offset's assigned claim".into())?;
        }
        if is_under(&p.account, &debt) {
            reduced = amount::exact_sub(reduced, a.value, || "an offset's reduced debt".into())?;
        }
    }
    Ok((used, reduced))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::amount;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn agreement(fields: &[(&str, &str)]) -> Agreement {
        Agreement {
            name: "iq-ir-tm".into(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    fn chart() -> Chart {
        let mut c = Chart::default();
        for p in ["IQ", "IR", "TM"] {
            c.parties.insert(
                p.into(),
                crate::model::account::Party {
                    code: p.into(),
                    name: None,
                },
            );
        }
        c.commodities.insert(
            "USD".into(),
            amount::Commodity {
                code: "USD".into(),
                kind: amount::Kind::Money,
                scale: 2,
            },
        );
        c
    }

    #[test]
    fn a_notice_is_a_date() {
        let mut f = GOOD.to_vec();
        f.push(("notice", "2022-08-01"));
        let t = offset_terms(&agreement(&f), &chart()).unwrap();
        assert_eq!(
            t.notice.map(|d| d.to_string()).as_deref(),
            Some("2022-08-01")
        );
        f[6] = ("notice", "2022-02-30");
        let e = offset_terms(&agreement(&f), &chart())
            .unwrap_err()
            .to_string();
        assert!(e.contains("notice: 2022-02-30 is not a date"), "{e}");
        assert!(offset_terms(&agreement(&GOOD), &chart())
            .unwrap()
            .notice
            .is_none());
    }

    const GOOD: [(&str, &str); 6] = [
        ("kind", "offset"),
        ("debtor", "IQ"),
        ("via", "IR"),
        ("creditor", "TM"),
        ("commodity", "USD"),
        ("limit", "1600000000.00"),
    ];

    #[test]
    fn offset_terms_valid() {
        let t = offset_terms(&agreement(&GOOD), &chart()).unwrap();
        assert_eq!(t.limit, d("1600000000"));
        assert_eq!(t.claim_account(), "IR:receivable:IQ");
        assert_eq!(t.debt_account(), "TM:receivable:IR");
        let mut with_code = GOOD;
        with_code[5] = ("amount", "1,600,000,000 USD");
        assert_eq!(
            offset_terms(&agreement(&with_code), &chart())
                .unwrap()
                .limit,
            d("1600000000")
        );
    }

    #[test]
    fn offset_terms_refused() {
        let cases: [(usize, (&str, &str), &str); 7] = [
            (1, ("debtor", "XX"), "party XX is not declared"),
            (2, ("via", "IQ"), "must be different parties, both are IQ"),
            (4, ("commodity", "EUR"), "commodity EUR is not declared"),
            (5, ("limit", "0"), "limit must be positive"),
            (
                5,
                ("limit", "1.001"),
                "has 3 decimal places but USD allows 2",
            ),
            (
                5,
                ("limt", "1"),
                "unknown field \"limt\" for an offset (did you mean limit?)",
            ),
            (
                5,
                ("limit", "1 EUR"),
                "is in EUR, the agreement's commodity is USD",
            ),
        ];
        for (i, field, needle) in cases {
            let mut f = GOOD;
            f[i] = field;
            let e = offset_terms(&agreement(&f), &chart())
                .unwrap_err()
                .to_string();
            assert!(e.contains(needle), "{field:?}: {e}");
            assert!(e.starts_with("agreement iq-ir-tm: "), "{e}");
        }
        let e = offset_terms(&agreement(&GOOD[..5]), &chart()).unwrap_err();
        assert!(e.to_string().contains("needs the field limit"), "{e}");
    }
}
