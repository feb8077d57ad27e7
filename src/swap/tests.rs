//! The swap domain's unit tests: terms, fees, legs and periods.

use super::*;
use crate::model::account::{Account, Party};
use crate::model::agreement::Agreement;
use crate::model::amount::{Amount, Commodity, Kind};
use crate::model::chart::Chart;
use crate::model::transaction::Status;
use std::collections::BTreeMap;
use std::str::FromStr;

fn d(s: &str) -> Decimal {
    Decimal::from_str(s).unwrap()
}
fn date(s: &str) -> Date {
    s.parse().unwrap()
}

fn chart() -> Chart {
    let mut c = Chart::default();
    for (code, kind, scale) in [
        ("mcm", Kind::Volume, 3),
        ("GJ", Kind::Energy, 0),
        ("USD", Kind::Money, 2),
        ("Sm3", Kind::Volume, 0),
    ] {
        c.commodities.insert(
            code.into(),
            Commodity {
                code: code.into(),
                kind,
                scale,
            },
        );
    }
    for p in ["TM", "IR", "AZ"] {
        c.parties.insert(
            p.into(),
            Party {
                code: p.into(),
                name: None,
            },
        );
    }
    c.accounts.insert(
        "TM:gas:delivered".into(),
        Account {
            name: "TM:gas:delivered".into(),
            kind: None,
            floor: None,
        },
    );
    c
}

fn agreement(extra: &[(&str, &str)]) -> Agreement {
    let mut fields: Vec<(String, String)> = [
        ("kind", "swap"),
        ("supplier", "TM"),
        ("hub", "IR"),
        ("receiver", "AZ"),
        ("entry", "Sarakhs"),
        ("exit", "Astara, Nakhchivan"),
        ("commodity", "mcm"),
        ("fee", "20%"),
        ("tolerance", "2%"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in extra {
        match fields.iter_mut().find(|(key, _)| key == k) {
            Some(slot) => slot.1 = v.to_string(),
            None => fields.push((k.to_string(), v.to_string())),
        }
    }
    Agreement {
        name: "tm-ir-az".into(),
        fields,
    }
}

fn terms(extra: &[(&str, &str)]) -> SwapTerms {
    SwapTerms::from_agreement(&agreement(extra), &chart()).unwrap()
}

fn refused(extra: &[(&str, &str)]) -> String {
    SwapTerms::from_agreement(&agreement(extra), &chart())
        .unwrap_err()
        .to_string()
}

fn leg(day: &str, side: Side, point: &str, q: &str) -> Leg {
    Leg {
        date: date(day),
        side,
        point: point.into(),
        quantity: d(q),
        fee: Decimal::ZERO,
        id: None,
    }
}

/// The legs with the fee each entry books as `swap entry` books it, in the order given.
fn booked(t: &SwapTerms, legs: &[Leg]) -> Vec<Leg> {
    let mut before: BTreeMap<Date, Decimal> = BTreeMap::new();
    legs.iter()
        .map(|l| {
            let mut l = l.clone();
            if l.side == Side::Entry {
                let b = before.entry(t.period.bounds(l.date).0).or_default();
                l.fee = t.leg_fee(l.quantity, *b).unwrap();
                *b += l.quantity;
            }
            l
        })
        .collect()
}

#[test]
fn terms_parse() {
    let t = terms(&[]);
    assert_eq!(t.fee_rate, d("0.2"));
    assert_eq!(t.tolerance_rate, d("0.02"));
    assert_eq!(t.entry_points, vec!["Sarakhs"]);
    assert_eq!(t.exit_points, vec!["Astara", "Nakhchivan"]);
    assert_eq!(t.period, Period::Monthly);
    assert_eq!(t.basis, Basis::Volume);
    assert_eq!(t.swap_account(), "IR:swap:tm-ir-az");
    assert_eq!(t.fee_account(), "IR:fee:tm-ir-az");
    assert_eq!(t.delivered_account(), "TM:gas:delivered");
    assert_eq!(t.received_account(), "AZ:gas:received");
    let t = terms(&[
        ("period", "quarterly"),
        ("start", "2022-01-01"),
        ("fee", "12.5 %"),
    ]);
    assert_eq!(t.period, Period::Quarterly);
    assert_eq!(t.start, Some(date("2022-01-01")));
    assert_eq!(t.fee_rate, d("0.125"));
    assert_eq!(format_percent(t.fee_rate), "12.5%");
}

#[test]
fn terms_refused() {
    for (extra, needle) in [
        (
            &[("receiver", "XX")][..],
            "receiver XX is not a declared party",
        ),
        (&[("hub", "TM")], "three different parties"),
        (&[("fee", "120%")], "fee 120% is not between 0% and 100%"),
        (&[("fee", "-1%")], "not between 0% and 100%"),
        (
            &[("tolerance", "2")],
            "tolerance \"2\" is not a percentage like 20%",
        ),
        (&[("tolerance", "1e1%")], "expected a number"),
        (&[("fee", "0.2%%")], "expected a number"),
        (
            &[("commodity", "USD")],
            "needs a commodity of kind volume; USD is of kind money",
        ),
        (&[("commodity", "mcmm")], "did you mean mcm?"),
        (
            &[("basis", "energy")],
            "the energy basis needs a commodity of kind energy; mcm is",
        ),
        (
            &[("basis", "energy"), ("commodity", "Sm3")],
            "of kind energy",
        ),
        (
            &[("basis", "weight")],
            "basis \"weight\" is not volume or energy",
        ),
        (&[("period", "weekly")], "not one of daily"),
        (&[("exit", "Astara, ")], "empty point"),
        (&[("exit", "Astara, Astara")], "named twice"),
        (&[("entry", "")], "the field entry is missing"),
        (&[("tolerence", "2%")], "unknown field \"tolerence\""),
        (
            &[("start", "2022-02-30")],
            "start: 2022-02-30 is not a date",
        ),
    ] {
        let msg = refused(extra);
        assert!(msg.contains(needle), "{extra:?}: {msg}");
        assert!(msg.starts_with("agreement tm-ir-az: "), "{msg}");
    }
    let mut a = agreement(&[]);
    a.fields.push(("fee".into(), "10%".into()));
    assert!(SwapTerms::from_agreement(&a, &chart())
        .unwrap_err()
        .to_string()
        .contains("given twice"));
    let mut a = agreement(&[("kind", "offset")]);
    assert!(matches!(
        SwapTerms::from_agreement(&a, &chart()),
        Err(SwapError::NotASwap { .. })
    ));
    a = agreement(&[]);
    a.name = "a:b".into();
    assert!(SwapTerms::from_agreement(&a, &chart()).is_err());
    // Bounds are inclusive.
    assert_eq!(
        terms(&[("fee", "0%"), ("tolerance", "100%")]).fee_rate,
        d("0")
    );
}

#[test]
fn energy_terms_need_an_energy_unit() {
    let t = terms(&[("basis", "energy"), ("commodity", "GJ")]);
    assert_eq!(t.basis, Basis::Energy);
    assert_eq!(t.commodity.code, "GJ");
}

#[test]
fn fee_rounds_half_even_at_the_commodity_scale() {
    let one = d("0.01");
    // Ties go to the even digit: 0.0125 → 0.012 (half-up would say 0.013), 0.0135 → 0.014.
    assert_eq!(fee_of(d("1.250"), one, 3).unwrap(), d("0.012"));
    assert_eq!(fee_of(d("1.350"), one, 3).unwrap(), d("0.014"));
    assert_eq!(fee_of(d("-1.250"), one, 3).unwrap(), d("-0.012"));
    // Not a tie: the nearest.
    assert_eq!(fee_of(d("1.251"), one, 3).unwrap(), d("0.013"));
    assert_eq!(fee_of(d("160"), d("0.2"), 3).unwrap(), d("32"));
    assert_eq!(fee_of(d("6160000"), d("0.2"), 0).unwrap(), d("1232000"));
    assert_eq!(fee_of(d("2.5"), d("1"), 0).unwrap(), d("2"));
    assert_eq!(fee_of(d("3.5"), d("1"), 0).unwrap(), d("4"));
}

#[test]
fn periods_label_and_bound() {
    let x = date("2024-02-29");
    assert_eq!(Period::Daily.label(x), "2024-02-29");
    assert_eq!(Period::Monthly.label(x), "2024-02");
    assert_eq!(Period::Quarterly.label(x), "2024-Q1");
    assert_eq!(Period::Yearly.label(x), "2024");
    assert_eq!(
        Period::Monthly.bounds(x),
        (date("2024-02-01"), date("2024-02-29"))
    );
    assert_eq!(
        Period::Quarterly.bounds(date("2022-11-15")),
        (date("2022-10-01"), date("2022-12-31"))
    );
    assert_eq!(Period::Quarterly.label(date("2022-12-31")), "2022-Q4");
    assert_eq!(
        Period::Yearly.bounds(x),
        (date("2024-01-01"), date("2024-12-31"))
    );
    assert_eq!(Period::Daily.bounds(x), (x, x));
}

#[test]
fn several_legs_a_month() {
    let t = terms(&[]);
    let legs = [
        leg("2022-01-10", Side::Entry, "Sarakhs", "100.000"),
        leg("2022-01-20", Side::Entry, "Sarakhs", "60.000"),
        leg("2022-01-15", Side::Exit, "Astara", "50.000"),
        leg("2022-01-31", Side::Exit, "Astara", "30.000"),
        leg("2022-01-31", Side::Exit, "Nakhchivan", "48.000"),
    ];
    let rows = periods(&t, &booked(&t, &legs)).unwrap();
    assert_eq!(rows.len(), 1);
    let r = &rows[0];
    assert_eq!(r.period, "2022-01");
    assert_eq!((r.entry, r.fee, r.exit), (d("160"), d("32"), d("128")));
    assert_eq!((r.imbalance, r.cumulative), (d("0"), d("0")));
    assert_eq!(r.status, SwapStatus::Ok);
    assert_eq!(r.exit_by_point["Astara"], d("80"));
    assert_eq!(r.exit_by_point["Nakhchivan"], d("48"));
}

#[test]
fn fee_is_rounded_per_leg_or_once_per_period() {
    let legs = [
        leg("2022-01-10", Side::Entry, "Sarakhs", "1.250"),
        leg("2022-01-20", Side::Entry, "Sarakhs", "1.250"),
        leg("2022-01-25", Side::Entry, "Sarakhs", "0.004"),
    ];
    // On each leg: 0.012 + 0.012 + 0.000, where the fee of the month's 2.504 is 0.025.
    let t = terms(&[("fee", "1%"), ("fee-basis", "leg")]);
    let r = &periods(&t, &booked(&t, &legs)).unwrap()[0];
    assert_eq!((r.fee, r.contract_fee), (d("0.024"), d("0.024")));
    // On the period (the default): the legs book 0.012, 0.013 and 0.000, the month's fee.
    let t = terms(&[("fee", "1%")]);
    let fees: Vec<Decimal> = booked(&t, &legs).iter().map(|l| l.fee).collect();
    assert_eq!(fees, vec![d("0.012"), d("0.013"), d("0")]);
    let r = &periods(&t, &booked(&t, &legs)).unwrap()[0];
    assert_eq!(
        (r.fee, r.contract_fee, r.fee_difference),
        (d("0.025"), d("0.025"), d("0"))
    );
    // What was booked is what counts: legs booked on a leg basis under period terms.
    let on_each = terms(&[("fee", "1%"), ("fee-basis", "leg")]);
    let r = &periods(&t, &booked(&on_each, &legs)).unwrap()[0];
    assert_eq!(
        (r.fee, r.contract_fee, r.fee_difference),
        (d("0.024"), d("0.025"), d("-0.001"))
    );
    assert_eq!(r.imbalance, d("2.480"));
}

#[test]
fn cumulative_carries_over_empty_periods_and_year_end() {
    let t = terms(&[]);
    let legs = [
        leg("2023-01-31", Side::Entry, "Sarakhs", "100"),
        leg("2023-01-31", Side::Exit, "Astara", "79"),
        leg("2022-11-30", Side::Entry, "Sarakhs", "100"),
        leg("2022-11-30", Side::Exit, "Astara", "78"),
        leg("2022-09-30", Side::Entry, "Sarakhs", "100"),
        leg("2022-09-30", Side::Exit, "Astara", "81"),
    ];
    let rows = periods(&t, &booked(&t, &legs)).unwrap();
    let got: Vec<(&str, Decimal, Decimal)> = rows
        .iter()
        .map(|r| (r.period.as_str(), r.imbalance, r.cumulative))
        .collect();
    assert_eq!(
        got,
        vec![
            ("2022-09", d("-1"), d("-1")),
            ("2022-11", d("2"), d("1")),
            ("2023-01", d("1"), d("2")),
        ]
    );
    let yearly = terms(&[("period", "yearly")]);
    let rows = periods(&yearly, &booked(&yearly, &legs)).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].period.as_str(), rows[0].imbalance),
        ("2022", d("1"))
    );
    assert_eq!(
        (rows[1].period.as_str(), rows[1].cumulative),
        ("2023", d("2"))
    );
}

#[test]
fn tolerance_bound_is_inclusive() {
    let t = terms(&[("fee", "0%")]);
    let status = |exit: &str| {
        let legs = [
            leg("2022-01-31", Side::Entry, "Sarakhs", "100.000"),
            leg("2022-01-31", Side::Exit, "Astara", exit),
        ];
        periods(&t, &booked(&t, &legs)).unwrap()[0].status
    };
    assert_eq!(status("98.000"), SwapStatus::Ok);
    assert_eq!(status("102.000"), SwapStatus::Ok);
    assert_eq!(status("97.999"), SwapStatus::OutsideTolerance);
    assert_eq!(status("102.001"), SwapStatus::OutsideTolerance);
    // Exit without entry: any imbalance is outside.
    let legs = [leg("2022-01-31", Side::Exit, "Astara", "0.001")];
    assert_eq!(
        periods(&t, &booked(&t, &legs)).unwrap()[0].status,
        SwapStatus::OutsideTolerance
    );
}

#[test]
fn entry_leg_transaction() {
    let t = terms(&[("start", "2022-01-01")]);
    let req = LegRequest {
        side: Side::Entry,
        date: date("2022-01-31"),
        volume: Amount::new(d("160"), "mcm"),
        point: None,
        gcv: None,
        id: Some("e1".into()),
        description: None,
        status: Status::Unmarked,
        period_entry_before: Decimal::ZERO,
    };
    let l = t.leg_transaction(&req).unwrap();
    assert_eq!((l.quantity, l.fee), (d("160"), d("32")));
    let tx = &l.transaction;
    assert_eq!(tx.description, "Sarakhs entry");
    assert_eq!(
        tx.tags,
        vec![
            ("agreement".into(), "tm-ir-az".into()),
            ("leg".into(), "entry".into()),
            ("point".into(), "Sarakhs".into()),
        ]
    );
    let posts: Vec<(String, String)> = tx
        .postings
        .iter()
        .map(|p| (p.account.clone(), p.amount.as_ref().unwrap().to_string()))
        .collect();
    assert_eq!(
        posts,
        vec![
            ("IR:swap:tm-ir-az".into(), "160.000 mcm".into()),
            ("IR:due-to:TM".into(), "-128.000 mcm".into()),
            ("IR:fee:tm-ir-az".into(), "-32.000 mcm".into()),
            ("TM:gas:delivered".into(), "-160.000 mcm".into()),
            ("TM:due-from:IR".into(), "128.000 mcm".into()),
            ("TM:expense:fee:tm-ir-az".into(), "32.000 mcm".into()),
        ]
    );
    // Each party's side balances.
    assert!(crate::model::intercompany::party_residuals(tx)
        .unwrap()
        .is_empty());
    // The same in bcm converts exactly.
    let l = t
        .leg_transaction(&LegRequest {
            volume: Amount::new(d("0.16"), "bcm"),
            ..req.clone()
        })
        .unwrap();
    assert_eq!(l.quantity, d("160"));
    assert!(l
        .transaction
        .tags
        .contains(&("volume".into(), "0.16 bcm".into())));

    let refused = |r: LegRequest| t.leg_transaction(&r).unwrap_err().to_string();
    assert!(refused(LegRequest {
        date: date("2021-12-31"),
        ..req.clone()
    })
    .contains("before agreement tm-ir-az starts (2022-01-01)"));
    assert!(refused(LegRequest {
        point: Some("Sarakhz".into()),
        ..req.clone()
    })
    .contains("no entry point \"Sarakhz\" (its entry points: Sarakhs)"));
    assert!(refused(LegRequest {
        side: Side::Exit,
        ..req.clone()
    })
    .contains("2 exit points (Astara, Nakhchivan): say which with --point"));
    for bad in ["0", "-160"] {
        assert!(refused(LegRequest {
            volume: Amount::new(d(bad), "mcm"),
            ..req.clone()
        })
        .contains("must be positive"));
    }
    assert!(refused(LegRequest {
        volume: Amount::new(d("160"), "USD"),
        ..req.clone()
    })
    .contains("whose commodity is mcm"));
    assert!(refused(LegRequest {
        volume: Amount::new(d("160"), "GJ"),
        ..req.clone()
    })
    .contains("GJ is a unit of energy"));
    let msg = refused(LegRequest {
        volume: Amount::new(d("1"), "m3"),
        ..req.clone()
    });
    assert!(
        msg.contains("1 m3 is exactly 0.000001 mcm, which has more decimal places than the 3"),
        "{msg}"
    );
    let msg = refused(LegRequest {
        volume: Amount::new(d("1"), "bcf"),
        ..req.clone()
    });
    assert!(msg.contains("1 bcf is exactly 28.316846592 mcm"), "{msg}");
}

#[test]
fn energy_leg() {
    let t = terms(&[("basis", "energy"), ("commodity", "GJ")]);
    let req = LegRequest {
        side: Side::Entry,
        date: date("2023-01-31"),
        volume: Amount::new(d("160"), "mcm"),
        point: None,
        gcv: Some(d("38.5")),
        id: None,
        description: None,
        status: Status::Cleared,
        period_entry_before: Decimal::ZERO,
    };
    let l = t.leg_transaction(&req).unwrap();
    assert_eq!((l.quantity, l.fee), (d("6160000"), d("1232000")));
    assert!(l.transaction.tags.ends_with(&[
        ("volume".into(), "160 mcm".into()),
        ("gcv".into(), "38.5".into())
    ]));
    let e = t
        .leg_transaction(&LegRequest {
            gcv: None,
            ..req.clone()
        })
        .unwrap_err();
    assert!(matches!(e, SwapError::GcvRequired { .. }));
    let msg = t
        .leg_transaction(&LegRequest {
            gcv: Some(d("38.5000001")),
            ..req.clone()
        })
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("160 mcm at 38.5000001 MJ/m3 is exactly 6160000.016 GJ"),
        "{msg}"
    );
    assert!(t
        .leg_transaction(&LegRequest {
            gcv: Some(d("0")),
            ..req.clone()
        })
        .is_err());
    assert!(t
        .leg_transaction(&LegRequest {
            volume: Amount::new(d("160"), "GJ"),
            ..req.clone()
        })
        .is_err());
}

#[test]
fn exit_leg_transaction_writes_each_partys_side() {
    let t = terms(&[]);
    let req = LegRequest {
        side: Side::Exit,
        date: date("2022-01-31"),
        volume: Amount::new(d("80"), "mcm"),
        point: Some("Astara".into()),
        gcv: None,
        id: None,
        description: None,
        status: Status::Unmarked,
        period_entry_before: Decimal::ZERO,
    };
    let l = t.leg_transaction(&req).unwrap();
    let posts: Vec<(String, String)> = l
        .transaction
        .postings
        .iter()
        .map(|p| (p.account.clone(), p.amount.as_ref().unwrap().to_string()))
        .collect();
    assert_eq!(
        posts,
        vec![
            ("AZ:gas:received".into(), "80.000 mcm".into()),
            ("AZ:due-to:TM".into(), "-80.000 mcm".into()),
            ("IR:swap:tm-ir-az".into(), "-80.000 mcm".into()),
            ("IR:due-to:TM".into(), "80.000 mcm".into()),
            ("TM:due-from:IR".into(), "-80.000 mcm".into()),
            ("TM:due-from:AZ".into(), "80.000 mcm".into()),
        ]
    );
    assert!(crate::model::intercompany::party_residuals(&l.transaction)
        .unwrap()
        .is_empty());
}

#[test]
fn fiscal_years_group_legs_by_their_dates_and_split_a_straddling_period_as_booked() {
    use crate::model::fiscal::Fiscal;
    // A monthly swap at 1%: March 2022 straddles Nowruz (2022-03-21), so its legs of the 10th
    // and the 25th fall in 1400 and 1401. On a period basis the month's fee is that of its
    // 2.504 entry, 0.025, booked 0.012 then 0.013 (recorded order), and each year's contract
    // fee is the share its legs booked.
    let t = terms(&[("fee", "1%")]);
    let legs = booked(
        &t,
        &[
            leg("2022-02-28", Side::Entry, "Sarakhs", "1.000"),
            leg("2022-03-10", Side::Entry, "Sarakhs", "1.250"),
            leg("2022-03-10", Side::Exit, "Astara", "1.200"),
            leg("2022-03-25", Side::Entry, "Sarakhs", "1.254"),
            leg("2023-03-21", Side::Entry, "Sarakhs", "2.000"),
            leg("2023-03-21", Side::Exit, "Astara", "1.980"),
        ],
    );
    let rows = fiscal_years(&t, &legs, Fiscal::Iran).unwrap();
    let got: Vec<(&str, Decimal, Decimal, Decimal, Decimal, Decimal)> = rows
        .iter()
        .map(|r| {
            (
                r.period.as_str(),
                r.entry,
                r.fee,
                r.exit,
                r.contract_fee,
                r.cumulative,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            // 0.010 (February) + 0.012; imbalance 2.250 - 0.022 - 1.200.
            (
                "1400",
                d("2.250"),
                d("0.022"),
                d("1.200"),
                d("0.022"),
                d("1.028")
            ),
            (
                "1401",
                d("1.254"),
                d("0.013"),
                d("0"),
                d("0.013"),
                d("2.269")
            ),
            (
                "1402",
                d("2.000"),
                d("0.020"),
                d("1.980"),
                d("0.020"),
                d("2.269")
            ),
        ]
    );
    assert!(rows.iter().all(|r| r.fee_difference.is_zero()));
    assert_eq!(
        (rows[0].first, rows[0].last),
        (date("2021-03-21"), date("2022-03-20"))
    );
    // The band is the year's: 2% of 1.254 is 0.02508, cut to 0.025; |1.241| is outside it.
    assert_eq!(rows[1].allowed, d("0.025"));
    assert_eq!(rows[1].status, SwapStatus::OutsideTolerance);
    // The months' contract fees, summed, are the years' (nothing lost in the split).
    let months: Decimal = periods(&t, &legs)
        .unwrap()
        .iter()
        .map(|r| r.contract_fee)
        .sum();
    let years: Decimal = rows.iter().map(|r| r.contract_fee).sum();
    assert_eq!(months, years);
    // From April 1, the same legs make two years: 2021/22 and 2022/23.
    let april = fiscal_years(&t, &legs, "04-01".parse().unwrap()).unwrap();
    let labels: Vec<&str> = april.iter().map(|r| r.period.as_str()).collect();
    assert_eq!(labels, vec!["2021/22", "2022/23"]);
    assert_eq!(april[0].entry, d("3.504"));
    // A leg outside the Iranian years the calendar is exact for is an error, not a guess.
    let late = [leg("2121-01-31", Side::Entry, "Sarakhs", "1.000")];
    assert!(matches!(
        fiscal_years(&t, &booked(&t, &late), Fiscal::Iran),
        Err(SwapError::Fiscal(_))
    ));
}
