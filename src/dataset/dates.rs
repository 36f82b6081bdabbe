//! Date cells as design.md reads them ("Dates, cohorts and periods"): ISO `YYYY-MM-DD`,
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

/// The time part after an ISO date, in one of the forms design.md allows.
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
    let zone_ok = zone.is_empty() || NaiveTime::parse_from_str(&zone[1..], "%H:%M").is_ok();
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
            5 => NaiveTime::parse_from_str(time, "%H:%M").is_ok(),
            _ => time
                .get(..8)
                .is_some_and(|t| NaiveTime::parse_from_str(t, "%H:%M:%S").is_ok()),
        };
    zone_ok && parsed
}

/// An ISO date as design.md allows it, or `None`.
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
    let d = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
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
