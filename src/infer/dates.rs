//! The date format of a column, from its values: ISO needs no format (docs/semantics.md reads it as it
//! is); anything else gets the first common export format (chrono `strftime` syntax) that reads
//! every value, and a warning when day and month could be either way round.

use chrono::{NaiveDate, NaiveDateTime};

/// What the values of a date column say about their format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateFormat {
    /// `YYYY-MM-DD`, optionally with a time: read without a format.
    Iso,
    /// A format that reads every value; `ambiguous` when the day-first twin reads them too.
    Format { format: String, ambiguous: bool },
}

/// Formats CRMs and spreadsheets write, most common first (US month-first before day-first:
/// Salesforce and HubSpot reports default to it).
const FORMATS: &[&str] = &[
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%d/%m/%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y",
    "%Y/%m/%d %H:%M",
    "%Y/%m/%d",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d, %Y",
    "%B %d, %Y",
];

fn parses(format: &str, v: &str) -> bool {
    NaiveDateTime::parse_from_str(v, format).is_ok() || NaiveDate::parse_from_str(v, format).is_ok()
}

/// Whether `v` is an ISO date as docs/semantics.md reads it: `YYYY-MM-DD`, then optionally `T` or a
/// space and a time.
pub fn is_iso(v: &str) -> bool {
    let b = v.as_bytes();
    let date = b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b'-'
        && b[8..10].iter().all(u8::is_ascii_digit);
    date && (b.len() == 10 || matches!(b[10], b'T' | b' '))
        && NaiveDate::parse_from_str(&v[..10], "%Y-%m-%d").is_ok()
}

/// The format of a column of date texts (missing cells left out), or `None` when they are not
/// dates. `values` may be a sample; at least one is needed.
pub fn detect(values: &[&str]) -> Option<DateFormat> {
    if values.is_empty() {
        return None;
    }
    if values.iter().all(|v| is_iso(v)) {
        return Some(DateFormat::Iso);
    }
    let found = FORMATS
        .iter()
        .find(|f| values.iter().all(|v| parses(f, v)))?;
    // The same layout with day and month swapped reads them all too: every day is ≤ 12.
    let twin = if found.starts_with("%m/%d") {
        Some(found.replacen("%m/%d", "%d/%m", 1))
    } else if found.starts_with("%d/%m") {
        Some(found.replacen("%d/%m", "%m/%d", 1))
    } else {
        None
    };
    let ambiguous = twin.is_some_and(|t| values.iter().all(|v| parses(&t, v)));
    Some(DateFormat::Format {
        format: (*found).to_string(),
        ambiguous,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_read_off_the_values() {
        assert_eq!(
            detect(&["2025-01-06", "2025-02-01T10:00:00Z"]),
            Some(DateFormat::Iso)
        );
        assert_eq!(
            detect(&["01/06/2025 09:00 AM", "01/13/2025 01:37 PM"]),
            Some(DateFormat::Format {
                format: "%m/%d/%Y %I:%M %p".into(),
                ambiguous: false
            })
        );
        assert_eq!(
            detect(&["25/12/2025", "03/01/2025"]),
            Some(DateFormat::Format {
                format: "%d/%m/%Y".into(),
                ambiguous: false
            })
        );
        // Every day ≤ 12: month-first is taken and flagged.
        assert_eq!(
            detect(&["03/01/2025", "04/02/2025"]),
            Some(DateFormat::Format {
                format: "%m/%d/%Y".into(),
                ambiguous: true
            })
        );
        assert_eq!(
            detect(&["31.12.2025"]).map(|f| matches!(f, DateFormat::Format { .. })),
            Some(true)
        );
        assert_eq!(detect(&["Retail", "2025-01-01"]), None);
        assert_eq!(detect(&["2025-13-01"]), None);
        assert!(!is_iso("2025-01-0"));
    }
}
