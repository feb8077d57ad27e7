//! Which transaction of this ledger is which transaction of the other books: pure, over each
//! side's view of its transactions ([`Entry`]).
//!
//! In order: (1) the same `id:` on both sides; (2) of the rest, the same date and the same
//! amounts (the multiset of the party's posting amounts, commodity by commodity), whatever the
//! accounts are named; (3) of what is left, the same date and the same commodities with other
//! amounts, preferring the same description. Each side's transactions are taken in their
//! order, so that equal candidates pair first with first. What is left is on one side only.

use crate::model::date::Date;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, VecDeque};

/// One side's view of a transaction: the party's postings' amounts and what names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub date: Date,
    pub id: Option<String>,
    pub description: String,
    /// `(commodity, amount)` of each of the party's postings, amounts normalized (160.000 is
    /// 160), sorted.
    pub amounts: Vec<(String, Decimal)>,
}

impl Entry {
    pub fn new(
        date: Date,
        id: Option<String>,
        description: String,
        amounts: impl Iterator<Item = (String, Decimal)>,
    ) -> Entry {
        let mut amounts: Vec<(String, Decimal)> =
            amounts.map(|(c, v)| (c, v.normalize())).collect();
        amounts.sort();
        Entry {
            date,
            id,
            description,
            amounts,
        }
    }

    /// The commodities of its amounts, each once, sorted.
    pub fn commodities(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.amounts.iter().map(|(c, _)| c.as_str()).collect();
        out.dedup();
        out
    }

    /// Its amounts in one commodity, sorted.
    pub fn amounts_in<'a>(&'a self, commodity: &'a str) -> impl Iterator<Item = Decimal> + 'a {
        self.amounts
            .iter()
            .filter(move |(c, _)| c == commodity)
            .map(|(_, v)| *v)
    }
}

/// A transaction of this ledger ("here") and of the other books ("there"), by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pairing {
    Both(usize, usize),
    Here(usize),
    There(usize),
}

/// Every transaction of both sides, paired where they match, in date order (this ledger's
/// date for a pair), this ledger's order first among equal dates.
pub fn pair(here: &[Entry], there: &[Entry]) -> Vec<Pairing> {
    let mut partner: Vec<Option<usize>> = vec![None; here.len()];
    let mut taken = vec![false; there.len()];
    by_id(here, there, &mut partner, &mut taken);
    by_amounts(here, there, &mut partner, &mut taken);
    by_commodities(here, there, &mut partner, &mut taken);
    let mut out: Vec<(Date, usize, usize, Pairing)> = partner
        .iter()
        .enumerate()
        .map(|(h, p)| match p {
            Some(t) => (here[h].date, h, *t, Pairing::Both(h, *t)),
            None => (here[h].date, h, 0, Pairing::Here(h)),
        })
        .collect();
    out.extend(
        (0..there.len())
            .filter(|t| !taken[*t])
            .map(|t| (there[t].date, usize::MAX, t, Pairing::There(t))),
    );
    out.sort_by_key(|(date, h, t, _)| (*date, *h, *t));
    out.into_iter().map(|(.., p)| p).collect()
}

/// (1) The same id on both sides (the first of the other books' transactions that carry it).
fn by_id(here: &[Entry], there: &[Entry], partner: &mut [Option<usize>], taken: &mut [bool]) {
    let mut ids: HashMap<&str, usize> = HashMap::new();
    for (t, e) in there.iter().enumerate() {
        if let Some(id) = &e.id {
            ids.entry(id.as_str()).or_insert(t);
        }
    }
    for (h, e) in here.iter().enumerate() {
        let found = e.id.as_deref().and_then(|id| ids.get(id)).copied();
        if let Some(t) = found.filter(|t| !taken[*t]) {
            partner[h] = Some(t);
            taken[t] = true;
        }
    }
}

/// (2) The same date and the same amounts.
fn by_amounts(here: &[Entry], there: &[Entry], partner: &mut [Option<usize>], taken: &mut [bool]) {
    type Key<'a> = (Date, &'a [(String, Decimal)]);
    let mut open: BTreeMap<Key, VecDeque<usize>> = BTreeMap::new();
    for (t, e) in there.iter().enumerate().filter(|(t, _)| !taken[*t]) {
        open.entry((e.date, &e.amounts)).or_default().push_back(t);
    }
    for (h, e) in here.iter().enumerate() {
        if partner[h].is_some() {
            continue;
        }
        let found = open
            .get_mut(&(e.date, e.amounts.as_slice()))
            .and_then(VecDeque::pop_front);
        if let Some(t) = found {
            partner[h] = Some(t);
            taken[t] = true;
        }
    }
}

/// (3) The same date and the same commodities, other amounts; the same description first.
fn by_commodities(
    here: &[Entry],
    there: &[Entry],
    partner: &mut [Option<usize>],
    taken: &mut [bool],
) {
    for (h, e) in here.iter().enumerate() {
        if partner[h].is_some() {
            continue;
        }
        let commodities = e.commodities();
        let candidates: Vec<usize> = (0..there.len())
            .filter(|t| !taken[*t] && there[*t].date == e.date)
            .filter(|t| there[*t].commodities() == commodities)
            .collect();
        let found = candidates
            .iter()
            .find(|t| there[**t].description == e.description)
            .or(candidates.first());
        if let Some(&t) = found {
            partner[h] = Some(t);
            taken[t] = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn e(date: &str, id: Option<&str>, desc: &str, amounts: &[(&str, &str)]) -> Entry {
        Entry::new(
            date.parse().expect("date"),
            id.map(str::to_string),
            desc.to_string(),
            amounts
                .iter()
                .map(|(c, v)| (c.to_string(), Decimal::from_str(v).expect("amount"))),
        )
    }

    fn delivery(date: &str, id: Option<&str>, q: &str, due: &str, fee: &str) -> Entry {
        e(date, id, "entry", &[("mcm", q), ("mcm", due), ("mcm", fee)])
    }

    #[test]
    fn ids_first_then_amounts_then_commodities() {
        let here = vec![
            delivery("2022-01-31", Some("jan"), "-160", "128", "32"),
            delivery("2022-02-28", None, "-160", "128", "32"),
            e(
                "2022-03-31",
                Some("pay"),
                "pay",
                &[("USD", "5"), ("USD", "-5")],
            ),
            e("2022-04-30", None, "exit", &[("mcm", "-80"), ("mcm", "80")]),
        ];
        let there = vec![
            // The January entry a day late, found by its id.
            delivery("2022-02-01", Some("jan"), "-160.000", "128.000", "32.000"),
            // February booked at another volume: the same date and commodity.
            delivery("2022-02-28", Some("tm-77"), "-158.5", "126.8", "31.7"),
            e(
                "2022-04-30",
                None,
                "Astara",
                &[("mcm", "80"), ("mcm", "-80")],
            ),
            e("2022-05-01", None, "own", &[("USD", "1"), ("USD", "-1")]),
        ];
        assert_eq!(
            pair(&here, &there),
            [
                Pairing::Both(0, 0),
                Pairing::Both(1, 1),
                Pairing::Here(2),
                Pairing::Both(3, 2),
                Pairing::There(3),
            ]
        );
    }

    #[test]
    fn equal_amounts_pair_before_other_amounts_and_descriptions_break_ties() {
        let here = vec![
            e(
                "2022-01-31",
                None,
                "Astara",
                &[("mcm", "-10"), ("mcm", "10")],
            ),
            e(
                "2022-01-31",
                None,
                "Nakhchivan",
                &[("mcm", "-20"), ("mcm", "20")],
            ),
        ];
        let there = vec![
            e(
                "2022-01-31",
                None,
                "Nakhchivan",
                &[("mcm", "-21"), ("mcm", "21")],
            ),
            e(
                "2022-01-31",
                None,
                "Astara",
                &[("mcm", "-11"), ("mcm", "11")],
            ),
            e("2022-01-31", None, "x", &[("mcm", "-20"), ("mcm", "20")]),
        ];
        assert_eq!(
            pair(&here, &there),
            [Pairing::Both(0, 1), Pairing::Both(1, 2), Pairing::There(0)]
        );
    }

    #[test]
    fn an_id_pairs_once() {
        let here = vec![e(
            "2022-01-31",
            Some("a"),
            "x",
            &[("USD", "1"), ("USD", "-1")],
        )];
        let there = vec![
            e("2022-01-31", Some("a"), "x", &[("USD", "2"), ("USD", "-2")]),
            e("2022-01-31", Some("a"), "x", &[("USD", "1"), ("USD", "-1")]),
        ];
        assert_eq!(
            pair(&here, &there),
            [Pairing::Both(0, 0), Pairing::There(1)]
        );
    }
}
