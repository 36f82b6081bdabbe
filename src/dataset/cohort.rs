//! A replay's cohort (docs/semantics.md, "Dates, cohorts and periods"): every lead, unless narrowed by
//! `from` / `to` (inclusive, on `created_at`; a lead without a date is then left out and counted
//! as `no_date`) and by value lists of `source`, `campaign`, `form` (trimmed text, exact; any
//! value of a list, every list). The cohort is taken before `[scope]`: the leads outside it are
//! dropped from the dataset, so they appear nowhere.

use chrono::NaiveDate;
use polars::prelude::*;
use serde::Serialize;

use super::{Dataset, hidden};
use crate::error::Error;

/// What to narrow a replay to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Cohort {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub source: Vec<String>,
    pub campaign: Vec<String>,
    pub form: Vec<String>,
}

/// The cohort a report covers, as every report states it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct CohortInfo {
    /// `YYYY-MM-DD`, inclusive; `null` when not narrowed.
    pub from: Option<String>,
    pub to: Option<String>,
    pub source: Vec<String>,
    pub campaign: Vec<String>,
    pub form: Vec<String>,
    /// Leads in the cohort.
    pub leads: usize,
    /// Leads of the dataset.
    pub of: usize,
    /// Leads left out because a date window was asked for and they have no `created_at`.
    pub no_date: usize,
    /// The conversion window in days, when one was asked for, and its as-of date.
    pub conversion_window: Option<u32>,
    pub as_of: Option<String>,
}

impl CohortInfo {
    /// Whether some leads of the dataset are left out (a date window or value lists).
    pub fn narrowed(&self) -> bool {
        self.from.is_some()
            || self.to.is_some()
            || !self.source.is_empty()
            || !self.campaign.is_empty()
            || !self.form.is_empty()
    }

    /// The cohort in a line of plain words.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match (&self.from, &self.to) {
            (Some(f), Some(t)) => parts.push(format!("created {f} to {t}")),
            (Some(f), None) => parts.push(format!("created from {f}")),
            (None, Some(t)) => parts.push(format!("created up to {t}")),
            (None, None) => {}
        }
        for (role, values) in [
            ("source", &self.source),
            ("campaign", &self.campaign),
            ("form", &self.form),
        ] {
            if !values.is_empty() {
                parts.push(format!("{role} {}", values.join(" or ")));
            }
        }
        let what = if parts.is_empty() {
            "every lead".to_string()
        } else {
            parts.join(", ")
        };
        let n = crate::text::group_digits;
        let mut s = format!("{what}: {} of {} leads", n(self.leads), n(self.of));
        if self.no_date > 0 {
            s.push_str(&format!(
                " ({} without a created date left out)",
                n(self.no_date)
            ));
        }
        if let (Some(days), Some(as_of)) = (self.conversion_window, &self.as_of) {
            s.push_str(&format!(
                "; conversions counted within {days} days, as of {as_of}"
            ));
        }
        s
    }
}

impl Cohort {
    /// The cohort's leads of `ds` as a dataset of their own, with what it covers.
    pub fn apply(&self, ds: &Dataset) -> Result<(Dataset, CohortInfo), Error> {
        let n = ds.len();
        let mut keep = vec![true; n];
        let mut no_date = 0;
        for (role, values, column) in [
            ("source", &self.source, hidden::SCOPE_SOURCE),
            ("campaign", &self.campaign, hidden::SCOPE_CAMPAIGN),
            ("form", &self.form, hidden::SCOPE_FORM),
        ] {
            if values.is_empty() {
                continue;
            }
            let text = ds.frame.column(column).map_err(|_| {
                Error::Usage(format!(
                    "choosing leads by {role} needs the `{role}` role: map the lead's {role} column in the dataset mapping"
                ))
            })?;
            for (k, v) in keep.iter_mut().zip(text.str()?.iter()) {
                *k = *k && v.is_some_and(|v| values.iter().any(|x| x.trim() == v));
            }
        }
        if self.from.is_some() || self.to.is_some() {
            let dates = ds.dates("created_at")?.ok_or_else(|| {
                Error::Usage(
                    "a window of created dates needs the `created_at` role: map the lead's created date in the dataset mapping".into(),
                )
            })?;
            let from = self.from.map(super::dates::days);
            let to = self.to.map(super::dates::days);
            // After the value lists: `no_date` counts only leads the lists kept.
            for (k, d) in keep.iter_mut().zip(&dates) {
                if !*k {
                    continue;
                }
                match d {
                    None => {
                        *k = false;
                        no_date += 1;
                    }
                    Some(d) => {
                        *k = from.is_none_or(|f| *d >= f) && to.is_none_or(|t| *d <= t);
                    }
                }
            }
        }
        let leads = keep.iter().filter(|k| **k).count();
        let info = CohortInfo {
            from: self.from.map(|d| d.to_string()),
            to: self.to.map(|d| d.to_string()),
            source: self.source.clone(),
            campaign: self.campaign.clone(),
            form: self.form.clone(),
            leads,
            of: n,
            no_date,
            ..Default::default()
        };
        if leads == 0 {
            return Err(Error::Usage(format!(
                "the cohort is empty ({}): no lead matches it",
                info.describe()
            )));
        }
        Ok((ds.subset(&keep)?, info))
    }
}

/// A date as `--from` / `--to` take it: `YYYY-MM-DD`.
pub fn parse_day(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("`{s}` is not a date: write it as YYYY-MM-DD, e.g. 2025-03-31"))
}

impl Dataset {
    /// The leads where `keep` is true, in order, as a dataset of their own.
    pub fn subset(&self, keep: &[bool]) -> Result<Dataset, Error> {
        if keep.iter().all(|k| *k) {
            return Ok(self.clone());
        }
        let mask = BooleanChunked::from_slice("keep".into(), keep);
        let frame = self.frame.filter(&mask)?;
        let lines = if self.lines.is_empty() {
            Vec::new()
        } else {
            self.lines
                .iter()
                .zip(keep)
                .filter(|(_, k)| **k)
                .map(|(l, _)| *l)
                .collect()
        };
        let mut fields = self.fields.clone();
        for f in &mut fields {
            if let Ok(c) = frame.column(&f.name) {
                f.filled = c.len() - c.null_count();
            }
        }
        Ok(Dataset {
            frame,
            lines,
            fields,
            dictionaries: Default::default(),
            ..self.clone()
        })
    }
}

/// A conversion window (docs/semantics.md): a lead counts as converted only when it converted within
/// `days` of its creation (a converted lead without a `converted_at` still counts), and leads
/// created fewer than `days` before the as-of date are *immature*: counted apart, and left out
/// of later conversions, disqualification accuracy and conversion rates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConversionWindow {
    pub days: u32,
    /// The dataset's as-of date: given, or the latest `created_at` / `converted_at` in it.
    pub as_of: Option<NaiveDate>,
}

impl Dataset {
    /// This dataset with `window` applied: `converted` narrowed to conversions within it and a
    /// hidden column marking the immature leads. Needs `created_at` and `converted_at`.
    pub fn with_window(&self, window: ConversionWindow) -> Result<(Dataset, NaiveDate), Error> {
        let need = |role: &str| -> Result<Vec<Option<i32>>, Error> {
            self.dates(role)?.ok_or_else(|| {
                Error::Usage(format!(
                    "a conversion window needs the `{role}` role: map the lead's {} in the dataset mapping",
                    if role == "created_at" { "created date" } else { "won date (or the outcomes file's close date)" }
                ))
            })
        };
        let created = need("created_at")?;
        let won = need("converted_at")?;
        let converted = self.converted()?.ok_or_else(|| {
            Error::Usage(
                "a conversion window needs to know who converted: a `converted` role or an outcomes file".into(),
            )
        })?;
        let as_of = match window.as_of {
            Some(d) => super::dates::days(d),
            None => created
                .iter()
                .chain(&won)
                .flatten()
                .copied()
                .max()
                .unwrap_or(0),
        };
        let n = i32::try_from(window.days).unwrap_or(i32::MAX);
        let within: Vec<bool> = converted
            .iter()
            .zip(created.iter().zip(&won))
            .map(|(c, (made, at))| match (c, made, at) {
                (false, _, _) => false,
                (true, Some(m), Some(a)) => a - m <= n,
                (true, _, _) => true,
            })
            .collect();
        let immature: Vec<bool> = created
            .iter()
            .map(|m| m.is_some_and(|m| as_of - m < n))
            .collect();
        let mut frame = self.frame.clone();
        frame.with_column(
            BooleanChunked::from_slice(hidden::CONVERTED.into(), &within).into_column(),
        )?;
        frame.with_column(
            BooleanChunked::from_slice(hidden::IMMATURE.into(), &immature).into_column(),
        )?;
        Ok((
            Dataset {
                frame,
                ..self.clone()
            },
            super::dates::from_days(as_of),
        ))
    }
}
