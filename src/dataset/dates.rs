//! Date cells as docs/semantics.md reads them ("Dates, cohorts and periods"): ISO `YYYY-MM-DD`,
//! `YYYY-MM-DDTHH:MM[:SS[.fff]][Z|±HH:MM]` or `YYYY-MM-DD HH:MM[:SS]`, or the mapping's own
//! chrono `format`. Only the calendar date as written counts: no time-zone conversion.

pub use chrono::{Duration, NaiveDate};
use chrono::{NaiveDateTime, NaiveTime};

fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default()
}

/// Days since 1970-01-01 (Polars' `Date`).
pub fn days(d: NaiveDate) -> i32 {
    i32::try_from((d - epoch()).num_days()).unwrap_or(i32::MAX)
}

/// The date `days` after 1970-01-01: the inverse of [`days`].
pub fn from_days(days: i32) -> NaiveDate {
    epoch() + chrono::Duration::days(i64::from(days))
}

/// The time part after an ISO date, in one of the forms docs/semantics.md allows.
fn iso_time(rest: &str, t_form: bool) -> bool {
    let (time, zone) = if t_form {
        match rest.strip_suffix('Z') {
            Some(t) => (t, ""),
            None => match rest.len().checked_sub(6).filter(|&i| {
                rest.is_char_boundary(i) && matches!(rest.as_bytes().get(i), Some(b'+' | b'-'))
            }) {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, ""),
            },
        }
    } else {
        (rest, "")
    };
    let zone_ok = zone.is_empty() || hh_mm(&zone[1..]);
    let bytes = time.as_bytes();
    let shape_ok = match time.len() {
        5 => true,
        8 => bytes[5] == b':',
        n if t_form && n > 9 => {
            bytes[5] == b':' && bytes[8] == b'.' && bytes[9..].iter().all(u8::is_ascii_digit)
        }
        _ => false,
    };
    // Only a time of the right shape is parsed (and cut at a character boundary).
    let parsed = shape_ok
        && match time.len() {
            5 => hh_mm(time),
            _ => time.get(..8).is_some_and(hh_mm_ss),
        };
    zone_ok && parsed
}

/// Two ASCII digits as a number.
fn two_digits(b: &[u8]) -> Option<u32> {
    match b {
        [a @ b'0'..=b'9', c @ b'0'..=b'9'] => Some(u32::from(a - b'0') * 10 + u32::from(c - b'0')),
        _ => None,
    }
}

/// `%H:%M` as chrono reads it. Plain `HH:MM` is checked here (most cells); any other shape is
/// left to chrono.
fn hh_mm(t: &str) -> bool {
    let b = t.as_bytes();
    match (
        b.len() == 5 && b[2] == b':',
        b.get(..2).and_then(two_digits),
        b.get(3..5).and_then(two_digits),
    ) {
        (true, Some(h), Some(m)) => h < 24 && m < 60,
        _ => NaiveTime::parse_from_str(t, "%H:%M").is_ok(),
    }
}

/// `%H:%M:%S` as chrono reads it; a leap second (`:60`) and other shapes are left to chrono.
fn hh_mm_ss(t: &str) -> bool {
    let b = t.as_bytes();
    match (
        b.len() == 8 && b[5] == b':',
        b.get(6..8).and_then(two_digits),
    ) {
        (true, Some(sec)) if sec < 60 && hh_mm(&t[..5]) && b[2] == b':' => true,
        _ => NaiveTime::parse_from_str(t, "%H:%M:%S").is_ok(),
    }
}

/// An ISO date as docs/semantics.md allows it, or `None`.
pub fn parse_iso(s: &str) -> Option<NaiveDate> {
    let date = s.get(..10)?;
    let b = date.as_bytes();
    if !(b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit))
    {
        return None;
    }
    // The shape is checked above, so the digits are the year, month and day.
    let year = b[..4]
        .iter()
        .fold(0i32, |y, d| y * 10 + i32::from(d - b'0'));
    let (month, day) = (two_digits(&b[5..7])?, two_digits(&b[8..10])?);
    let d = NaiveDate::from_ymd_opt(year, month, day)?;
    match s.as_bytes().get(10) {
        None => Some(d),
        Some(b'T') => iso_time(&s[11..], true).then_some(d),
        Some(b' ') => iso_time(&s[11..], false).then_some(d),
        Some(_) => None,
    }
}

/// A date cell: with `format`, read by it (a date and time, or a date alone); without, ISO.
pub fn parse(s: &str, format: Option<&str>) -> Option<NaiveDate> {
    match format {
        None => parse_iso(s),
        Some(f) => NaiveDateTime::parse_from_str(s, f)
            .map(|dt| dt.date())
            .or_else(|_| NaiveDate::parse_from_str(s, f))
            .ok(),
    }
}

/// What a cell must look like, for error messages.
pub fn expected(format: Option<&str>) -> String {
    match format {
        Some(f) => format!("the mapping's format `{f}`"),
        None => "an ISO date such as 2025-03-04, 2025-03-04T09:30 or 2025-03-04 09:30:00 (or give the role a `format`)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn iso_forms_of_design_md() {
        assert_eq!(parse_iso("2025-03-04"), ymd(2025, 3, 4));
        assert_eq!(parse_iso("2025-03-04T09:30"), ymd(2025, 3, 4));
        assert_eq!(parse_iso("2025-03-04T09:30:15.250Z"), ymd(2025, 3, 4));
        // The calendar date as written: no time-zone conversion.
        assert_eq!(parse_iso("2025-03-04T23:30:00-08:00"), ymd(2025, 3, 4));
        assert_eq!(parse_iso("2025-03-04 09:30:15"), ymd(2025, 3, 4));
        assert_eq!(parse_iso("2024-02-29"), ymd(2024, 2, 29));
        for bad in [
            "2025-02-29",
            "2025-3-4",
            "2025-03-04 09:30Z",
            "2025-03-04T25:00",
            "2025-03-04x",
            "2025-03-04 09:30:1é",
            "2025-03-04T09:30:1éx",
            "2025-03-04T09:30:00+é1:00",
            "04/03/2025",
            "",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad}");
        }
    }

    /// The hand-read digits say what chrono's `%Y-%m-%d`, `%H:%M` and `%H:%M:%S` say.
    #[test]
    fn plain_digits_are_read_as_chrono_reads_them() {
        for y in [0, 1, 1970, 2024, 2025, 9999] {
            for m in 0..14 {
                for d in 0..33 {
                    let s = format!("{y:04}-{m:02}-{d:02}");
                    assert_eq!(
                        parse_iso(&s),
                        NaiveDate::parse_from_str(&s, "%Y-%m-%d").ok(),
                        "{s}"
                    );
                }
            }
        }
        for h in 0..100 {
            for m in 0..100 {
                let t = format!("{h:02}:{m:02}");
                assert_eq!(
                    hh_mm(&t),
                    NaiveTime::parse_from_str(&t, "%H:%M").is_ok(),
                    "{t}"
                );
            }
        }
        for (h, m) in [(0, 0), (23, 59), (24, 0), (12, 60)] {
            for sec in 0..100 {
                let t = format!("{h:02}:{m:02}:{sec:02}");
                let chrono = NaiveTime::parse_from_str(&t, "%H:%M:%S").is_ok();
                assert_eq!(hh_mm_ss(&t), chrono, "{t}");
            }
        }
        for odd in ["7:22", " 7:22", "07:2", "0a:10", "07-22", "+7:22"] {
            assert_eq!(
                hh_mm(odd),
                NaiveTime::parse_from_str(odd, "%H:%M").is_ok(),
                "{odd}"
            );
        }
    }

    #[test]
    fn formats_read_dates_and_date_times() {
        assert_eq!(
            parse("01/06/2025 09:00 AM", Some("%m/%d/%Y %I:%M %p")),
            ymd(2025, 1, 6)
        );
        assert_eq!(parse("06.01.2025", Some("%d.%m.%Y")), ymd(2025, 1, 6));
        assert_eq!(parse("13/13/2025", Some("%m/%d/%Y")), None);
        assert_eq!(
            days(NaiveDate::from_ymd_opt(1970, 1, 2).unwrap_or_default()),
            1
        );
        assert_eq!(Some(from_days(20151)), ymd(2025, 3, 4));
    }
}
