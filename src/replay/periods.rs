//! Metrics of both policies period by period (docs/semantics.md: "Periods: metrics of both policies per
//! ISO week (Monday first), month or quarter of `created_at`, over the cohort's dated leads").
//! The replay counts every period in the same pass as its totals, with the same accumulators:
//! a period's figures are exactly the replay's figures restricted to its leads.

use chrono::{Datelike, Duration, NaiveDate};

use crate::dataset::Dataset;
use crate::error::Error;

pub use super::model::{Period, PeriodMetrics};

/// The first day of the period holding `day`.
pub fn period_start(day: NaiveDate, by: Period) -> NaiveDate {
    match by {
        Period::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
        Period::Month => day.with_day(1).unwrap_or(day),
        Period::Quarter => {
            let month = (day.month0() / 3) * 3 + 1;
            NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
        }
    }
}

/// The periods of a dataset's dated leads: their first days, oldest first, and per lead the
/// index of its period (`None` for a lead without a created date).
pub(crate) struct Slices {
    pub(crate) starts: Vec<NaiveDate>,
    pub(crate) index: Vec<Option<u32>>,
}

impl Slices {
    pub(crate) fn new(ds: &Dataset, by: Period) -> Result<Self, Error> {
        let days = ds.dates("created_at")?.ok_or_else(|| {
            Error::Usage(
                "trends by week, month or quarter need the `created_at` role: map the lead's created date in the dataset mapping".into(),
            )
        })?;
        let of_lead: Vec<Option<NaiveDate>> = days
            .iter()
            .map(|d| d.map(|d| period_start(crate::dataset::dates::from_days(d), by)))
            .collect();
        let mut starts: Vec<NaiveDate> = of_lead.iter().flatten().copied().collect();
        starts.sort_unstable();
        starts.dedup();
        let index = of_lead
            .iter()
            .map(|s| {
                s.and_then(|s| starts.binary_search(&s).ok())
                    .and_then(|k| u32::try_from(k).ok())
            })
            .collect();
        Ok(Self { starts, index })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn periods_start_on_iso_mondays_months_and_quarters() {
        // 2025-01-01 is a Wednesday: its ISO week began on Monday 2024-12-30.
        for (d, by, start) in [
            ("2025-01-01", Period::Week, "2024-12-30"),
            ("2025-01-05", Period::Week, "2024-12-30"),
            ("2025-01-06", Period::Week, "2025-01-06"),
            ("2025-02-28", Period::Month, "2025-02-01"),
            ("2025-03-31", Period::Quarter, "2025-01-01"),
            ("2025-04-01", Period::Quarter, "2025-04-01"),
            ("2025-12-31", Period::Quarter, "2025-10-01"),
        ] {
            assert_eq!(period_start(day(d), by), day(start), "{d} {by:?}");
        }
        assert!("fortnight".parse::<Period>().is_err());
    }
}
