//! The "First 90 days" screen: the published version's decisions, period by period since it was
//! published, next to what actually happened (see `leadpolicy workspace track`).

use leadpolicy::ErrorCode;
use leadpolicy::dataset::Dataset;
use leadpolicy::dataset::cohort::Cohort;
use leadpolicy::dataset::dates::{self, Duration};
use leadpolicy::replay::track::{self, Tally, Track};
use leadpolicy::store::lifecycle::{Version, parse_version};
use serde::Serialize;
use specta::Type;

use crate::cohort::By;
use crate::error::{AppError, AppResult};

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
        same_as_old: t.same_as_old(),
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
        feedback: t.total.top_feedback(5).map(|fb| {
            fb.into_iter()
                .map(|(group, top)| FeedbackRow { group, top })
                .collect()
        }),
    }
}

/// Track the published version `v` on `ds`: the first 90 days since it was published. When no
/// lead was created in those days — history replayed before going live, or data that starts
/// later — the data's nearest 90 days instead, said so.
pub fn track_published(v: &Version, ds: &Dataset, by: By) -> AppResult<TrackView> {
    let policy = parse_version(v)?;
    let (from, to) = track::first_days(&v.updated_at)?;
    let published_on = from.to_string();
    let no_dates = || {
        AppError::new(
            ErrorCode::Usage,
            "Tracking needs the leads' created dates: map the created_at role on the Data screen.",
        )
    };
    let dated: Vec<i32> = ds
        .dates("created_at")?
        .ok_or_else(no_dates)?
        .into_iter()
        .flatten()
        .collect();
    let (Some(&first), Some(&last)) = (dated.iter().min(), dated.iter().max()) else {
        return Err(no_dates());
    };
    let (first, last) = (dates::from_days(first), dates::from_days(last));
    let span = Duration::days(track::FIRST_DAYS - 1);
    let (from, to, words) = if last < from {
        (
            last - span,
            last,
            format!(
                "No lead in this data was created after v{} was published on {published_on}, so this shows the data's last {} days instead",
                v.version,
                track::FIRST_DAYS
            ),
        )
    } else if first > to {
        (
            first,
            first + span,
            format!(
                "This data starts on {first}, after the first {} days of v{} (published {published_on}), so this shows the data's first {} days instead",
                track::FIRST_DAYS,
                v.version,
                track::FIRST_DAYS
            ),
        )
    } else {
        (
            from,
            to,
            format!(
                "The first {} days since v{} was published",
                track::FIRST_DAYS,
                v.version
            ),
        )
    };
    let cohort = Cohort {
        from: Some(from),
        to: Some(to),
        ..Default::default()
    };
    let (leads, info) = cohort.apply(ds)?;
    let words = format!("{words}: {}.", info.describe());
    let mut t = track::track(&policy, &leads, by.into())?;
    t.cohort = info;
    Ok(view(v, &published_on, words, &t))
}
