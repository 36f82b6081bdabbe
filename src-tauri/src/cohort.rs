//! The Replay screen's cohort bar: which leads a replay covers (a date window, sources, campaigns,
//! forms), the conversion window and the periods of the trend charts, as the window sends them;
//! and the choices the bar offers, read from the loaded data.

use std::collections::HashMap;

use leadpolicy::ErrorCode;
use leadpolicy::dataset::cohort::{Cohort, ConversionWindow, parse_day};
use leadpolicy::dataset::{Dataset, dates, hidden};
use leadpolicy::policy::Role;
use leadpolicy::replay::{Options, Period};
use serde::{Deserialize, Serialize};
use specta::Type;

use crate::error::{AppError, AppResult};

/// How long the periods of the trend charts are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum By {
    Week,
    Month,
    Quarter,
}

impl From<By> for Period {
    fn from(b: By) -> Self {
        match b {
            By::Week => Period::Week,
            By::Month => Period::Month,
            By::Quarter => Period::Quarter,
        }
    }
}

/// What the replay covers (see `leadpolicy replay --from --to --source --campaign --form
/// --conversion-window --as-of --by`). Empty lists and `null`s mean "not narrowed".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, Type)]
pub struct ReplayOptions {
    /// `YYYY-MM-DD`, inclusive, on the created date.
    pub from: Option<String>,
    pub to: Option<String>,
    pub source: Vec<String>,
    pub campaign: Vec<String>,
    pub form: Vec<String>,
    /// Days after creation within which a conversion counts.
    pub conversion_window: Option<u32>,
    /// The as-of date of the conversion window (default: the latest date in the data).
    pub as_of: Option<String>,
    pub by: Option<By>,
}

fn day(what: &str, s: &Option<String>) -> AppResult<Option<dates::NaiveDate>> {
    s.as_deref()
        .filter(|s| !s.trim().is_empty())
        .map(|s| parse_day(s).map_err(|e| AppError::new(ErrorCode::Usage, format!("{what}: {e}"))))
        .transpose()
}

impl ReplayOptions {
    /// The core's options, or what is wrong in words.
    pub fn to_core(&self) -> AppResult<Options> {
        let from = day("From", &self.from)?;
        let to = day("To", &self.to)?;
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(AppError::new(
                ErrorCode::Usage,
                format!("The date window ends ({t}) before it starts ({f})."),
            ));
        }
        let as_of = day("As of", &self.as_of)?;
        Ok(Options {
            cohort: Cohort {
                from,
                to,
                source: self.source.clone(),
                campaign: self.campaign.clone(),
                form: self.form.clone(),
            },
            window: self
                .conversion_window
                .map(|days| ConversionWindow { days, as_of }),
            by: self.by.map(Period::from),
        })
    }
}

/// A value of a source / campaign / form column and how many leads have it.
#[derive(Debug, Clone, Serialize, Type)]
pub struct ValueCount {
    pub value: String,
    pub leads: u32,
}

/// What the cohort bar can offer on the loaded data; a role the mapping lacks gives `null`.
#[derive(Debug, Clone, Serialize, Type)]
pub struct CohortChoices {
    /// The earliest and latest created dates, `YYYY-MM-DD`.
    pub first_day: Option<String>,
    pub last_day: Option<String>,
    /// Leads with a created date, of `leads`.
    pub dated: u32,
    pub leads: u32,
    /// Whether a conversion window can be set (created and won dates and conversions known).
    pub can_window: bool,
    /// Values by leads, most first.
    pub sources: Option<Vec<ValueCount>>,
    pub campaigns: Option<Vec<ValueCount>>,
    pub forms: Option<Vec<ValueCount>>,
}

fn values(ds: &Dataset, role: Role, column: &str) -> AppResult<Option<Vec<ValueCount>>> {
    if ds.role(role).is_none() {
        return Ok(None);
    }
    let Ok(c) = ds.frame.column(column) else {
        return Ok(None);
    };
    let mut counts: HashMap<&str, u32> = HashMap::new();
    for v in c.str().map_err(leadpolicy::Error::from)?.iter().flatten() {
        *counts.entry(v).or_default() += 1;
    }
    let mut out: Vec<ValueCount> = counts
        .into_iter()
        .map(|(value, leads)| ValueCount {
            value: value.to_string(),
            leads,
        })
        .collect();
    out.sort_by(|a, b| b.leads.cmp(&a.leads).then_with(|| a.value.cmp(&b.value)));
    Ok(Some(out))
}

/// The cohort bar's choices on `ds`.
pub fn choices(ds: &Dataset) -> AppResult<CohortChoices> {
    let created = ds.dates("created_at")?;
    let dated: Vec<i32> = created.iter().flatten().flatten().copied().collect();
    let word = |d: Option<&i32>| d.map(|d| dates::from_days(*d).to_string());
    Ok(CohortChoices {
        first_day: word(dated.iter().min()),
        last_day: word(dated.iter().max()),
        dated: dated.len() as u32,
        leads: ds.len() as u32,
        can_window: created.is_some()
            && ds.dates("converted_at")?.is_some()
            && ds.converted()?.is_some(),
        sources: values(ds, Role::Source, hidden::SCOPE_SOURCE)?,
        campaigns: values(ds, Role::Campaign, hidden::SCOPE_CAMPAIGN)?,
        forms: values(ds, Role::Form, hidden::SCOPE_FORM)?,
    })
}
