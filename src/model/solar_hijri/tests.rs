use super::*;
use proptest::prelude::*;

fn date(s: &str) -> Date {
    s.parse().unwrap()
}

/// Nowruz 1390–1410, as the Iranian calendar authority publishes it (the Calendar Center of
/// the Institute of Geophysics, University of Tehran, "Kabise Shamsi 1206-1498":
/// https://calendar.ut.ac.ir/Fa/News/Data/Doc/KabiseShamsi1206-1498-new.pdf; a plain-text
/// copy is kabise.txt in github.com/roozbehp/persiancalendar). For 1401–1410 the March
/// equinox times (UTC, USNO) agree: 2022 15:33, 2023 21:24, 2024 03:06, 2025 09:01,
/// 2026 14:46, 2027 20:25, 2028 02:17, 2029 08:02, 2030 13:52, 2031 19:41; before 08:30 UTC
/// (noon at UTC+03:30) Nowruz is that day, else the next.
const NOWRUZ_1390_1410: [(u16, &str); 21] = [
    (1390, "2011-03-21"),
    (1391, "2012-03-20"),
    (1392, "2013-03-21"),
    (1393, "2014-03-21"),
    (1394, "2015-03-21"),
    (1395, "2016-03-20"),
    (1396, "2017-03-21"),
    (1397, "2018-03-21"),
    (1398, "2019-03-21"),
    (1399, "2020-03-20"),
    (1400, "2021-03-21"),
    (1401, "2022-03-21"),
    (1402, "2023-03-21"),
    (1403, "2024-03-20"),
    (1404, "2025-03-21"),
    (1405, "2026-03-21"),
    (1406, "2027-03-21"),
    (1407, "2028-03-20"),
    (1408, "2029-03-20"),
    (1409, "2030-03-21"),
    (1410, "2031-03-21"),
];

/// The whole published table (same source): Nowruz of every year 1206–1498, ten years a row
/// from the year given, each digit the last digit of its day in March (0: March 20, 1: March
/// 21, 2: March 22), in Gregorian year (Iranian year + 621).
const PUBLISHED_NOWRUZ: [(u16, &str); 30] = [
    (1206, "2111111111"),
    (1216, "1111111111"),
    (1226, "1111111111"),
    (1236, "1111111011"),
    (1246, "1011101110"),
    (1256, "1110111011"),
    (1266, "1011101110"),
    (1276, "0111122112"),
    (1286, "2112211221"),
    (1296, "1221122112"),
    (1306, "2111211121"),
    (1316, "1121112111"),
    (1326, "2111211121"),
    (1336, "1121111111"),
    (1346, "1111111111"),
    (1356, "1111111111"),
    (1366, "1111111110"),
    (1376, "1110111011"),
    (1386, "1011101110"),
    (1396, "1110111011"),
    (1406, "1001100110"),
    (1416, "0110011001"),
    (1426, "1001100110"),
    (1436, "0110001000"),
    (1446, "1000100010"),
    (1456, "0010001000"),
    (1466, "1000100000"),
    (1476, "0001111111"),
    (1486, "1111111111"),
    (1496, "111"),
];

/// The leap years the same table marks, 1206–1498 (1498 among them: Nowruz 1499 is
/// 2120-03-21).
const PUBLISHED_LEAP_YEARS: [u16; 71] = [
    1210, 1214, 1218, 1222, 1226, 1230, 1234, 1238, 1243, 1247, 1251, 1255, 1259, 1263, 1267, 1271,
    1276, 1280, 1284, 1288, 1292, 1296, 1300, 1304, 1309, 1313, 1317, 1321, 1325, 1329, 1333, 1337,
    1342, 1346, 1350, 1354, 1358, 1362, 1366, 1370, 1375, 1379, 1383, 1387, 1391, 1395, 1399, 1403,
    1408, 1412, 1416, 1420, 1424, 1428, 1432, 1436, 1441, 1445, 1449, 1453, 1457, 1461, 1465, 1469,
    1474, 1478, 1482, 1486, 1490, 1494, 1498,
];

#[test]
fn the_anchor_is_nowruz_1391() {
    assert_eq!(date("2012-03-20").day_number(), ANCHOR_NOWRUZ);
    assert_eq!(nowruz(FIRST_YEAR).unwrap(), date(FIRST_DAY));
    let last = to_gregorian(SolarDay {
        year: LAST_YEAR,
        day_of_year: year_length(LAST_YEAR).unwrap(),
    });
    assert_eq!(last.unwrap(), date(LAST_DAY));
}

#[test]
fn nowruz_1390_to_1410_as_published() {
    for (year, day) in NOWRUZ_1390_1410 {
        assert_eq!(nowruz(year).unwrap(), date(day), "Nowruz {year}");
        let d = from_gregorian(date(day)).unwrap();
        assert_eq!((d.year, d.day_of_year), (year, 1), "{day}");
        let eve = date(day).previous().unwrap();
        assert_eq!(from_gregorian(eve).unwrap().year, year - 1, "{eve}");
    }
}

#[test]
fn every_published_nowruz_and_leap_year() {
    let mut year = FIRST_YEAR;
    for (from, digits) in PUBLISHED_NOWRUZ {
        assert_eq!(from, year, "the table's rows follow each other");
        for digit in digits.bytes() {
            let day = 20 + (digit - b'0');
            let published = Date::new(year + 621, 3, day).unwrap();
            assert_eq!(nowruz(year).unwrap(), published, "Nowruz {year}");
            let leap = PUBLISHED_LEAP_YEARS.contains(&year);
            assert_eq!(year_length(year).unwrap(), 365 + u16::from(leap), "{year}");
            year += 1;
        }
    }
    assert_eq!(
        year,
        LAST_YEAR + 1,
        "the table ends at the last year accepted"
    );
}

/// Every accepted date, one after the other: day 1 of each year follows the last day of the
/// year before, days count up by one, years have 365 or 366 days, and each day goes back to
/// its date.
#[test]
fn every_accepted_date_has_one_day_and_back() {
    let mut d = date(FIRST_DAY);
    let mut prev: Option<SolarDay> = None;
    loop {
        let s = from_gregorian(d).unwrap();
        assert_eq!(to_gregorian(s).unwrap(), d);
        match prev {
            None => assert_eq!((s.year, s.day_of_year), (FIRST_YEAR, 1)),
            Some(p) if s.year == p.year => assert_eq!(s.day_of_year, p.day_of_year + 1, "{d}"),
            Some(p) => {
                assert_eq!((s.year, s.day_of_year), (p.year + 1, 1), "{d}");
                assert_eq!(p.day_of_year, year_length(p.year).unwrap(), "{d}");
                assert!(matches!(p.day_of_year, 365 | 366));
            }
        }
        prev = Some(s);
        if d == date(LAST_DAY) {
            break;
        }
        d = d.next().unwrap();
    }
    assert_eq!(prev.map(|p| p.year), Some(LAST_YEAR));
}

#[test]
fn outside_the_published_years_is_refused() {
    for outside in ["1827-03-21", "2120-03-21", "0001-01-01", "9999-12-31"] {
        let d = date(outside);
        assert_eq!(
            from_gregorian(d),
            Err(SolarHijriError::DateOutOfRange { date: d })
        );
    }
    let e = from_gregorian(date("2120-03-21")).unwrap_err().to_string();
    assert!(e.contains("1206 to 1498 (1827-03-22 to 2120-03-20)"), "{e}");
    assert!(matches!(
        nowruz(1205),
        Err(SolarHijriError::YearOutOfRange { year: 1205 })
    ));
    assert!(nowruz(1499).is_err() && year_length(1499).is_err());
    let no_day = SolarDay {
        year: 1401,
        day_of_year: 366,
    };
    assert_eq!(
        to_gregorian(no_day).unwrap_err().to_string(),
        "the Iranian year 1401 has 365 days, not 366"
    );
    assert!(to_gregorian(SolarDay {
        year: 1401,
        day_of_year: 0
    })
    .is_err());
}

#[test]
fn the_rule_is_the_33_year_rule_as_icu_states_it() {
    for y in 1..=3000 {
        let leap = leaps_before(y + 1) - leaps_before(y) == 1;
        assert_eq!(leap, (25 * y + 11).rem_euclid(33) < 8, "{y}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 4096,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Any date the ledger holds: inside the published years it has exactly one (year, day)
    /// and goes back to itself, and the next date is the next day; outside, it is refused.
    #[test]
    fn any_date_maps_to_one_day_and_back(n in 306i64..=3_652_364) {
        let d = Date::from_day_number(n).unwrap();
        let inside = d >= date(FIRST_DAY) && d <= date(LAST_DAY);
        match from_gregorian(d) {
            Ok(s) => {
                prop_assert!(inside);
                prop_assert!(s.day_of_year >= 1 && s.day_of_year <= year_length(s.year).unwrap());
                prop_assert_eq!(to_gregorian(s), Ok(d));
                if let Some(Ok(next)) = d.next().filter(|n| *n <= date(LAST_DAY)).map(from_gregorian) {
                    let expected = if s.day_of_year == year_length(s.year).unwrap() {
                        (s.year + 1, 1)
                    } else {
                        (s.year, s.day_of_year + 1)
                    };
                    prop_assert_eq!((next.year, next.day_of_year), expected);
                }
            }
            Err(e) => {
                prop_assert!(!inside);
                prop_assert_eq!(e, SolarHijriError::DateOutOfRange { date: d });
            }
        }
    }

    /// Inside the published years, dates are drawn from there alone.
    #[test]
    fn any_published_day_goes_to_its_date_and_back(year in FIRST_YEAR..=LAST_YEAR, day in 1u16..=366) {
        let s = SolarDay { year, day_of_year: day };
        match to_gregorian(s) {
            Ok(d) => prop_assert_eq!(from_gregorian(d), Ok(s)),
            Err(_) => prop_assert!(day == 366 && year_length(year).unwrap() == 365),
        }
    }
}
