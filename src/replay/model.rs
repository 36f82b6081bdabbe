//! The replay's results as data: per-policy metrics, the unresolved queue, the flip matrix,
//! breakdowns and deltas. Serialised as the `replay --json` / `report.json` contract; metric keys
//! are docs/semantics.md's names. `None` means "not available" (the role is not mapped) or a zero
//! denominator, and serialises as `null`, never as 0 or NaN.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::engine::explain::{DecisionRecord, Packet};

/// The figures of one policy on the in-scope leads of a dataset (docs/semantics.md, "Replay metrics").
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Metrics {
    /// Every lead of the dataset (or of the breakdown group).
    pub leads: usize,
    pub in_scope: usize,
    pub accepted: usize,
    pub nurture: usize,
    pub rejected: usize,
    pub unresolved: usize,
    pub out_of_scope: usize,
    /// Converted among rejected ∪ nurture ∪ unresolved.
    pub later_converted: Option<usize>,
    /// Rejected leads under their disqualification reason code, unresolved leads under each of
    /// their reasons (`missing_field:employees`, …).
    pub later_converted_by_reason: Option<BTreeMap<String, usize>>,
    /// Nurture leads under their deciding rule.
    pub later_converted_by_rule: Option<BTreeMap<String, usize>>,
    pub seller_acceptance: Option<f64>,
    pub low_fit_handoffs: Option<usize>,
    pub disqualification_accuracy: Option<f64>,
    pub override_rate: Option<f64>,
    pub sla_breach_rate: Option<f64>,
    pub enrichment_errors: Option<usize>,
    pub enrichment_errors_by_source: Option<BTreeMap<String, usize>>,
    /// Minutes to the first seller touch of accepted leads, per route (nearest rank); `null`
    /// without the `first_touch_minutes` role.
    pub routing_time: Option<BTreeMap<String, RoutingTime>>,
    /// With a conversion window: in-scope leads created too recently to judge, left out of
    /// `later_converted`, `disqualification_accuracy` and `conversion_rate`; `null` without one.
    pub immature: Option<usize>,
    /// Converted ÷ leads for each in-scope decision (`accepted`, `nurture`, `rejected`,
    /// `unresolved`); a decision with no leads maps to `null`.
    pub conversion_rate: Option<BTreeMap<String, Option<f64>>>,
}

/// How fast sellers touched a route's accepted leads (minutes, nearest-rank percentiles of the
/// leads with a known first touch).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct RoutingTime {
    pub leads: usize,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

/// The value at nearest rank ⌈q·n⌉ of sorted `values`.
pub fn nearest_rank(sorted: &[f64], q: f64) -> Option<f64> {
    let n = sorted.len();
    let rank = ((q * n as f64).ceil() as usize).clamp(1, n.max(1));
    sorted.get(rank - 1).copied()
}

/// Where a policy refuses to decide, and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UnresolvedQueue {
    pub total: usize,
    /// A lead with two reasons counts under both.
    pub by_reason: BTreeMap<String, usize>,
    pub by_campaign: BTreeMap<String, usize>,
    pub by_form: BTreeMap<String, usize>,
    pub by_source: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyInfo {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub file: String,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    pub policy: PolicyInfo,
    pub metrics: Metrics,
    pub unresolved_queue: UnresolvedQueue,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlippedLead {
    pub lead_id: String,
    pub baseline: DecisionRecord,
    pub draft: DecisionRecord,
    /// What actually happened: `null` where the dataset has no such role (or the value is
    /// outside its lists).
    pub converted: Option<bool>,
    pub seller_outcome: Option<String>,
    pub meeting: Option<String>,
    /// Both packets, for the first flipped leads only (see `Replay::flips.sample_packets`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packets: Option<(Box<Packet>, Box<Packet>)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Flips {
    /// baseline decision → draft decision → leads; out_of_scope included, sums to the lead count.
    pub matrix: BTreeMap<String, BTreeMap<String, usize>>,
    /// Leads whose decision differs.
    pub flipped: usize,
    /// Every flipped lead with both decision records, in input order.
    pub leads: Vec<FlippedLead>,
}

/// Both policies' metrics for one group of a breakdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupMetrics {
    pub baseline: Metrics,
    pub draft: Metrics,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatasetInfo {
    pub name: String,
    pub mapping: String,
    pub leads: usize,
}

/// A baseline-vs-draft replay of one dataset.
#[derive(Debug, Clone, Serialize)]
pub struct Replay {
    pub dataset: DatasetInfo,
    /// The leads the replay covers: every lead, or a date window and source / campaign / form
    /// lists; `dataset.leads` counts the cohort.
    pub cohort: crate::dataset::cohort::CohortInfo,
    pub baseline: Side,
    pub draft: Side,
    /// draft − baseline for every numeric metric (maps key by key); `null` where either is.
    pub deltas: serde_json::Value,
    pub flips: Flips,
    /// `source` / `campaign` / `form` → group value (`(missing)` for missing) → metrics.
    pub breakdowns: BTreeMap<String, BTreeMap<String, GroupMetrics>>,
    /// With `--by week|month|quarter`: how long the periods are …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<Period>,
    /// … and both policies' metrics per period of `created_at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub periods: Option<Vec<PeriodMetrics>>,
}

/// How long a period is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    /// ISO weeks, Monday first.
    Week,
    Month,
    Quarter,
}

impl std::str::FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            "quarter" => Ok(Period::Quarter),
            other => Err(format!(
                "`{other}` is not a period: use week, month or quarter"
            )),
        }
    }
}

/// One period's figures under both policies (same metric names as the replay).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodMetrics {
    /// The first day of the period, `YYYY-MM-DD`.
    pub start: String,
    pub baseline: Metrics,
    pub draft: Metrics,
}
