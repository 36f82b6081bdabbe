//! The "First 90 days" screen: the published version's decisions, period by period since it was
//! published, next to what actually happened (see `leadpolicy workspace track`).

use leadpolicy::dataset::Dataset;
use leadpolicy::dataset::cohort::Cohort;
use leadpolicy::dataset::dates;
use leadpolicy::replay::Period;
use leadpolicy::replay::track::{self, Tally, Track};
use leadpolicy::store::lifecycle::{Version, parse_version};
use serde::Serialize;
use specta::Type;

use crate::cohort::By;
use crate::error::AppResult;

/// One period's row (or the totals).
#[derive(Debug, Clone, Serialize, Type)]
pub struct TrackRow {
    /// The first day, `YYYY-MM-DD`; `null` for the totals.
    pub start: Option<String>,
    pub leads: u32,
    pub accepted: u32,
    pub nurture: u32,
    pub rejected: u32,
    pub unresolved: u32,
    /// In-scope leads the old process decided the same way, of those it decided.
    pub same_as_old: Option<f64>,
    pub seller_acceptance: Option<f64>,
    pub seller_accepted: Option<u32>,
    pub sent_back: Option<u32>,
    pub meetings_held: Option<u32>,
    pub no_show: Option<u32>,
    /// Rejected leads that converted anyway.
    pub rejected_converted: Option<u32>,
}

/// Seller feedback on one decision (and route): the most frequent remarks.
#[derive(Debug, Clone, Serialize, Type)]
pub struct FeedbackRow {
    pub group: String,
    /// "Champion identified (16)", most frequent first, at most five.
    pub top: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Type)]
pub struct TrackView {
    pub version: i64,
    /// `YYYY-MM-DD`.
    pub published_on: String,
    /// Which days are shown and why, in words.
    pub window: String,
    pub stable: bool,
    /// The verdict on seller acceptance, with its rule.
    pub verdict: String,
    pub periods: Vec<TrackRow>,
    pub total: TrackRow,
    /// `null` when the data has no seller feedback column.
    pub feedback: Option<Vec<FeedbackRow>>,
}

fn row(t: &Tally) -> TrackRow {
    let n = |x: Option<usize>| x.map(|v| v as u32);
    let dec = |k: &str| t.decisions.get(k).copied().unwrap_or(0) as u32;
    TrackRow {
        start: t.start.clone(),
        leads: t.leads as u32,
        accepted: dec("accepted"),
        nurture: dec("nurture"),
        rejected: dec("rejected"),
        unresolved: dec("unresolved"),
        same_as_old: match (t.old_process_agrees, t.old_process_known) {
            (Some(a), Some(k)) if k > 0 => Some(a as f64 / k as f64),
            _ => None,
        },
        seller_acceptance: t.seller_acceptance,
        seller_accepted: n(t.seller_accepted),
        sent_back: n(t.seller_sent_back),
        meetings_held: n(t.meetings_held),
        no_show: n(t.meetings_no_show),
        rejected_converted: n(t.rejected_converted),
    }
}

fn view(v: &Version, published_on: &str, window: String, t: &Track) -> TrackView {
    TrackView {
        version: v.version,
        published_on: published_on.to_string(),
        window,
        stable: t.stability.stable,
        verdict: t.stability.words.clone(),
        periods: t.periods.iter().map(row).collect(),
        total: row(&t.total),
        feedback: t.total.feedback.as_ref().map(|fb| {
            fb.iter()
                .map(|(group, values)| {
                    let mut v: Vec<(&String, &usize)> = values.iter().collect();
                    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
                    FeedbackRow {
                        group: group.clone(),
                        top: v
                            .iter()
                            .take(5)
                            .map(|(text, k)| format!("{text} ({k})"))
                            .collect(),
                    }
                })
                .collect()
        }),
    }
}

/// Track the published version `v` on `ds`: the first 90 days since it was published; when no
/// lead was created then (history replayed before going live), the data's last 90 days, said so.
pub fn track_published(v: &Version, ds: &Dataset, by: By) -> AppResult<TrackView> {
    let policy = parse_version(v)?;
    let (from, to) = track::first_days(&v.updated_at)?;
    let published_on = from.to_string();
    let by = match by {
        By::Week => Period::Week,
        By::Month => Period::Month,
        By::Quarter => Period::Quarter,
    };
    let window = |from, to| Cohort {
        from: Some(from),
        to: Some(to),
        ..Default::default()
    };
    let (leads, info, words) = match window(from, to).apply(ds) {
        Ok((leads, info)) => {
            let words = format!(
                "The first {} days since v{} was published: {}.",
                track::FIRST_DAYS,
                v.version,
                info.describe()
            );
            (leads, info, words)
        }
        Err(_) => {
            let last = ds
                .dates("created_at")?
                .and_then(|d| d.into_iter().flatten().max())
                .map(dates::from_days)
                .ok_or_else(|| {
                    crate::error::AppError::new(
                        "usage",
                        "Tracking needs the leads' created dates: map the created_at role on the Data screen.",
                    )
                })?;
            let start = last - chrono_days(track::FIRST_DAYS - 1);
            let (leads, info) = window(start, last).apply(ds)?;
            let words = format!(
                "No lead in this data was created after v{} was published on {published_on}, so this shows the data's last {} days instead: {}.",
                v.version,
                track::FIRST_DAYS,
                info.describe()
            );
            (leads, info, words)
        }
    };
    let mut t = track::track(&policy, &leads, by)?;
    t.cohort = info;
    Ok(view(v, &published_on, words, &t))
}

fn chrono_days(n: i64) -> leadpolicy::dataset::dates::Duration {
    leadpolicy::dataset::dates::Duration::days(n)
}
