//! The first days of a published policy (`leadpolicy track`): period by period, its decisions on
//! the leads of that time next to what actually happened — the old process's decision, sellers
//! accepting or sending back, meetings held or missed, disqualified leads that converted, and
//! seller feedback per route and decision. The question it answers: is the acceptance pattern
//! stable enough to give the workflow more authority?

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use super::periods::{Period, Slices};
use super::{Outcomes, PolicyInfo, policy_info};
use crate::dataset::Dataset;
use crate::dataset::cohort::CohortInfo;
use crate::engine::{self, Decision};
use crate::error::Error;
use crate::policy::Role;
use crate::policy::{Action, Policy};

/// Seller acceptance is called stable when every period with at least [`MIN_OUTCOMES`] known
/// seller outcomes lies within this many points of the others.
pub const STABLE_SPREAD: f64 = 0.10;
/// Periods with fewer known seller outcomes are too small to judge.
pub const MIN_OUTCOMES: usize = 20;
/// At least this many judged periods are needed to call anything stable.
pub const MIN_PERIODS: usize = 3;

/// What happened in one period (or in all of them).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Tally {
    /// The period's first day, `YYYY-MM-DD` (`null` for the totals).
    pub start: Option<String>,
    pub leads: usize,
    /// The policy's decisions: accepted, nurture, rejected, unresolved, out_of_scope.
    pub decisions: BTreeMap<String, usize>,
    /// In-scope leads whose old-process decision is known, and how many the policy agrees with.
    pub old_process_known: Option<usize>,
    pub old_process_agrees: Option<usize>,
    /// Accepted leads the seller accepted / sent back.
    pub seller_accepted: Option<usize>,
    pub seller_sent_back: Option<usize>,
    /// seller_accepted ÷ (seller_accepted + seller_sent_back).
    pub seller_acceptance: Option<f64>,
    /// Accepted leads whose meeting was held / missed.
    pub meetings_held: Option<usize>,
    pub meetings_no_show: Option<usize>,
    /// Rejected leads that converted anyway (with a conversion window: of those old enough to
    /// judge).
    pub rejected_converted: Option<usize>,
    /// Seller feedback, tallied per route (leads sent somewhere) or decision (the others):
    /// "accepted · enterprise" → feedback → leads.
    pub feedback: Option<BTreeMap<String, BTreeMap<String, usize>>>,
}

impl Tally {
    /// In-scope leads the old process decided the same way, of those it decided.
    pub fn same_as_old(&self) -> Option<f64> {
        match (self.old_process_agrees, self.old_process_known) {
            (Some(a), Some(k)) if k > 0 => Some(a as f64 / k as f64),
            _ => None,
        }
    }

    /// Per decision and route, the `n` most frequent remarks as "remark (count)", most first.
    pub fn top_feedback(&self, n: usize) -> Option<Vec<(String, Vec<String>)>> {
        self.feedback.as_ref().map(|fb| {
            fb.iter()
                .map(|(group, values)| {
                    let mut v: Vec<(&String, &usize)> = values.iter().collect();
                    v.sort_by(|a, b| b.1.cmp(a.1).then_with(|| a.0.cmp(b.0)));
                    let top = v
                        .iter()
                        .take(n)
                        .map(|(text, k)| format!("{text} ({})", crate::text::group_digits(**k)))
                        .collect();
                    (group.clone(), top)
                })
                .collect()
        })
    }
}

/// The verdict on the acceptance pattern, in words, with the figures behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Stability {
    pub stable: bool,
    /// Periods with enough seller outcomes to judge.
    pub judged_periods: usize,
    pub lowest: Option<f64>,
    pub highest: Option<f64>,
    pub words: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Track {
    pub policy: PolicyInfo,
    pub cohort: CohortInfo,
    pub by: Period,
    pub periods: Vec<Tally>,
    pub total: Tally,
    pub stability: Stability,
}

struct Counter<'a> {
    o: &'a Outcomes<'a>,
    feedback: Option<Vec<Option<&'a str>>>,
    has_roles: [bool; 4],
}

impl Counter<'_> {
    fn empty(&self, start: Option<String>) -> Tally {
        let [hist, seller, meeting, conv] = self.has_roles;
        let zero = |on: bool| on.then_some(0);
        Tally {
            start,
            decisions: Decision::ALL
                .iter()
                .map(|d| (d.as_str().to_string(), 0))
                .collect(),
            old_process_known: zero(hist),
            old_process_agrees: zero(hist),
            seller_accepted: zero(seller),
            seller_sent_back: zero(seller),
            meetings_held: zero(meeting),
            meetings_no_show: zero(meeting),
            rejected_converted: zero(conv),
            feedback: self.feedback.as_ref().map(|_| BTreeMap::new()),
            ..Default::default()
        }
    }

    fn add(&self, t: &mut Tally, policy: &Policy, d: &engine::Decisions, i: usize) {
        let inc = |x: &mut Option<usize>| {
            if let Some(n) = x {
                *n += 1;
            }
        };
        t.leads += 1;
        let decision = d.decision(i);
        *t.decisions
            .entry(decision.as_str().to_string())
            .or_default() += 1;
        if decision == Decision::OutOfScope {
            return;
        }
        if let Some(h) = self.o.historical.as_ref().map(|h| h[i])
            && h < 4
        {
            inc(&mut t.old_process_known);
            if h == decision as u8 {
                inc(&mut t.old_process_agrees);
            }
        }
        if decision == Decision::Accepted {
            match self.o.seller.as_ref().and_then(|s| s[i]) {
                Some("accepted") => inc(&mut t.seller_accepted),
                Some("sent_back") => inc(&mut t.seller_sent_back),
                _ => {}
            }
            match self.o.meeting.as_ref().and_then(|m| m[i]) {
                Some("held") => inc(&mut t.meetings_held),
                Some("no_show") => inc(&mut t.meetings_no_show),
                _ => {}
            }
        }
        let immature = self.o.immature.as_ref().is_some_and(|m| m[i]);
        if decision == Decision::Rejected
            && !immature
            && self.o.converted.as_ref().is_some_and(|c| c[i])
        {
            inc(&mut t.rejected_converted);
        }
        if let (Some(fb), Some(Some(text))) =
            (t.feedback.as_mut(), self.feedback.as_ref().map(|f| f[i]))
        {
            let group = match d.rule(policy, i).map(|r| &r.action) {
                Some(Action::Route(route)) => format!("{} · {route}", decision.as_str()),
                _ => decision.as_str().to_string(),
            };
            *fb.entry(group)
                .or_default()
                .entry(text.to_string())
                .or_default() += 1;
        }
    }
}

fn finish(mut t: Tally) -> Tally {
    if let (Some(a), Some(s)) = (t.seller_accepted, t.seller_sent_back) {
        t.seller_acceptance = (a + s > 0).then(|| a as f64 / (a + s) as f64);
    }
    t
}

/// The verdict on seller acceptance across `periods`.
pub fn stability(periods: &[Tally]) -> Stability {
    let judged: Vec<f64> = periods
        .iter()
        .filter(|p| {
            p.seller_accepted.unwrap_or(0) + p.seller_sent_back.unwrap_or(0) >= MIN_OUTCOMES
        })
        .filter_map(|p| p.seller_acceptance)
        .collect();
    let lowest = judged.iter().copied().reduce(f64::min);
    let highest = judged.iter().copied().reduce(f64::max);
    let pct = |x: f64| format!("{:.0}%", 100.0 * x);
    let rule = format!(
        "stable means at least {MIN_PERIODS} periods with {MIN_OUTCOMES} or more known seller outcomes, all within {:.0} points of each other",
        100.0 * STABLE_SPREAD
    );
    let (stable, words) = match (lowest, highest) {
        _ if periods.is_empty() => (
            false,
            "Cannot tell: no lead of these days has a created date.".to_string(),
        ),
        _ if periods.iter().all(|p| p.seller_accepted.is_none()) => (
            false,
            "Cannot tell: the data has no seller outcome (map the seller_outcome role)."
                .to_string(),
        ),
        (Some(lo), Some(hi)) if judged.len() >= MIN_PERIODS && hi - lo <= STABLE_SPREAD + 1e-9 => (
            true,
            format!(
                "Stable: sellers accepted between {} and {} of the leads sent to them in each of {} periods ({rule}).",
                pct(lo),
                pct(hi),
                judged.len()
            ),
        ),
        (Some(lo), Some(hi)) if judged.len() >= MIN_PERIODS => (
            false,
            format!(
                "Not stable yet: seller acceptance moved between {} and {} across {} periods ({rule}).",
                pct(lo),
                pct(hi),
                judged.len()
            ),
        ),
        _ => (
            false,
            format!(
                "Too early to tell: {} period(s) have enough seller outcomes to judge ({rule}).",
                judged.len()
            ),
        ),
    };
    Stability {
        stable,
        judged_periods: judged.len(),
        lowest,
        highest,
        words,
    }
}

/// How many days "the first days" of a published version are.
pub const FIRST_DAYS: i64 = 90;

/// The first [`FIRST_DAYS`] days from a publish time (RFC 3339, as the workspace records it):
/// the first and last day, inclusive.
pub fn first_days(published_at: &str) -> Result<(NaiveDate, NaiveDate), Error> {
    let day = published_at
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .ok_or_else(|| {
            Error::Workspace(format!("the publish time `{published_at}` is not a date"))
        })?;
    Ok((day, day + chrono::Duration::days(FIRST_DAYS - 1)))
}

/// Track `policy` on the leads of `ds` (a cohort already taken), period by period.
pub fn track(policy: &Policy, ds: &Dataset, by: Period) -> Result<Track, Error> {
    let d = engine::decide_codes(policy, ds)?;
    let o = Outcomes::new(ds)?;
    let slices = Slices::new(ds, by)?;
    let feedback = ds
        .role(Role::SellerFeedback)
        .map(|c| ds.text_column(c))
        .transpose()?;
    let counter = Counter {
        feedback: feedback.as_ref().map(|f| f.iter().collect()),
        has_roles: [
            o.historical.is_some(),
            o.seller.is_some(),
            o.meeting.is_some(),
            o.converted.is_some(),
        ],
        o: &o,
    };
    let mut periods: Vec<Tally> = slices
        .starts
        .iter()
        .map(|s| counter.empty(Some(s.to_string())))
        .collect();
    let mut total = counter.empty(None);
    for i in 0..ds.len() {
        counter.add(&mut total, policy, &d, i);
        if let Some(k) = slices.index[i] {
            counter.add(&mut periods[k as usize], policy, &d, i);
        }
    }
    let periods: Vec<Tally> = periods.into_iter().map(finish).collect();
    Ok(Track {
        policy: policy_info(policy),
        cohort: CohortInfo {
            leads: ds.len(),
            of: ds.len(),
            ..Default::default()
        },
        by,
        stability: stability(&periods),
        periods,
        total: finish(total),
    })
}

/// The track as a terminal table, with the verdict first.
pub fn render_text(t: &Track) -> String {
    use std::fmt::Write as _;
    let n = crate::text::group_digits;
    let opt = |x: Option<usize>| x.map_or("n/a".to_string(), n);
    let rate = |x: Option<f64>| x.map_or("n/a".to_string(), |r| format!("{:.1}%", 100.0 * r));
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Tracking `{}` v{} ({})\nCohort: {}\n\n{}\n",
        t.policy.id,
        t.policy.version,
        t.policy.name,
        t.cohort.describe(),
        t.stability.words
    );
    let _ = writeln!(
        s,
        "{:12} {:>7} {:>9} {:>8} {:>9} {:>11} {:>10} {:>10} {:>10} {:>9} {:>8} {:>10}",
        "starting",
        "leads",
        "accepted",
        "nurture",
        "rejected",
        "unresolved",
        "same as old",
        "seller ok",
        "sent back",
        "held",
        "no-show",
        "DQ→won"
    );
    for p in t.periods.iter().chain(std::iter::once(&t.total)) {
        let dec = |k: &str| n(p.decisions.get(k).copied().unwrap_or(0));
        let same = p
            .same_as_old()
            .map_or("n/a".to_string(), |r| format!("{:.0}%", 100.0 * r));
        let _ = writeln!(
            s,
            "{:12} {:>7} {:>9} {:>8} {:>9} {:>11} {:>10} {:>10} {:>10} {:>9} {:>8} {:>10}",
            p.start.as_deref().unwrap_or("all"),
            n(p.leads),
            dec("accepted"),
            dec("nurture"),
            dec("rejected"),
            dec("unresolved"),
            same,
            rate(p.seller_acceptance),
            opt(p.seller_sent_back),
            opt(p.meetings_held),
            opt(p.meetings_no_show),
            opt(p.rejected_converted),
        );
    }
    let _ = writeln!(
        s,
        "\nsame as old: in-scope leads where the old process decided the same, of those it decided; seller ok: accepted\nleads sellers accepted, of those with a seller outcome; DQ→won: rejected leads that converted anyway."
    );
    if let Some(fb) = t.total.top_feedback(5) {
        let _ = writeln!(s, "\nSeller feedback, all periods (per decision and route)");
        if fb.is_empty() {
            let _ = writeln!(s, "  none recorded");
        }
        for (group, top) in fb {
            let _ = writeln!(s, "  {group}: {}", top.join("; "));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn period(accepted: usize, sent_back: usize) -> Tally {
        finish(Tally {
            seller_accepted: Some(accepted),
            seller_sent_back: Some(sent_back),
            ..Default::default()
        })
    }

    #[test]
    fn stability_needs_three_judged_periods_within_ten_points() {
        // 80%, 75%, 72%: spread 8 points → stable.
        let s = stability(&[period(40, 10), period(30, 10), period(36, 14)]);
        assert!(s.stable, "{}", s.words);
        assert_eq!((s.lowest, s.highest), (Some(0.72), Some(0.8)));
        // 80% and 60%: 20 points apart → not stable.
        let s = stability(&[period(40, 10), period(30, 20), period(36, 14)]);
        assert!(
            !s.stable && s.words.starts_with("Not stable yet"),
            "{}",
            s.words
        );
        // A period with 19 outcomes is not judged: two judged periods are too early.
        let s = stability(&[period(40, 10), period(1, 18), period(36, 14)]);
        assert_eq!(s.judged_periods, 2);
        assert!(!s.stable && s.words.starts_with("Too early"), "{}", s.words);
        // No seller outcome role at all.
        let s = stability(&[Tally::default()]);
        assert!(s.words.starts_with("Cannot tell"), "{}", s.words);
    }
}
