//! The compiled replay's rows read back into a [`Replay`], so that a replay run inside a
//! database prints and serialises exactly as one run here. The flipped leads themselves stay in
//! the database: `flips.leads` is empty and `flips.flipped` counts them.

use std::collections::BTreeMap;

use crate::dataset::{Dataset, hidden};
use crate::error::Error;
use crate::policy::Policy;
use crate::replay::{
    DatasetInfo, Flips, GroupMetrics, Metrics, Replay, RoutingTime, Side, UnresolvedQueue, delta,
    policy_info,
};

/// One row of the compiled replay's result (see [`super::compile_replay`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub breakdown: String,
    pub grp: String,
    pub policy: String,
    pub metric: String,
    pub key: Option<String>,
    pub sub: Option<String>,
    pub value: Option<f64>,
}

/// The metrics of a group before its rows: every count 0, every map of a mapped role empty,
/// every ratio and every metric of an unmapped role `null`.
fn template(ds: &Dataset) -> Metrics {
    let has = |c: &str| ds.frame.column(c).is_ok();
    let conv = ds.has_converted;
    let err = has(hidden::ENRICHMENT_ERROR);
    let touch = ds.first_touch().is_some();
    Metrics {
        later_converted: conv.then_some(0),
        later_converted_by_reason: conv.then(BTreeMap::new),
        later_converted_by_rule: conv.then(BTreeMap::new),
        low_fit_handoffs: (has(hidden::SELLER_OUTCOME) || has(hidden::MEETING)).then_some(0),
        enrichment_errors: err.then_some(0),
        enrichment_errors_by_source: err.then(BTreeMap::new),
        routing_time: touch.then(BTreeMap::new),
        conversion_rate: conv.then(|| {
            ["accepted", "nurture", "rejected", "unresolved"]
                .into_iter()
                .map(|k| (k.to_string(), None))
                .collect()
        }),
        ..Metrics::default()
    }
}

fn bad(row: &Row, why: &str) -> Error {
    Error::Usage(format!(
        "the database returned a row the replay does not read ({why}): {} {} {} {:?} {:?}",
        row.breakdown, row.policy, row.metric, row.key, row.sub
    ))
}

/// A count as the database sums it (a whole number in a double).
fn count(v: Option<f64>) -> usize {
    v.map_or(0, |x| x.max(0.0) as usize)
}

fn set(m: &mut Metrics, row: &Row) -> Result<(), Error> {
    let v = row.value;
    let key = || {
        row.key
            .clone()
            .ok_or_else(|| bad(row, "a map entry without its key"))
    };
    match row.metric.as_str() {
        "leads" => m.leads = count(v),
        "in_scope" => m.in_scope = count(v),
        "accepted" => m.accepted = count(v),
        "nurture" => m.nurture = count(v),
        "rejected" => m.rejected = count(v),
        "unresolved" => m.unresolved = count(v),
        "out_of_scope" => m.out_of_scope = count(v),
        "later_converted" => m.later_converted = Some(count(v)),
        "later_converted_by_reason" => {
            m.later_converted_by_reason
                .get_or_insert_default()
                .insert(key()?, count(v));
        }
        "later_converted_by_rule" => {
            m.later_converted_by_rule
                .get_or_insert_default()
                .insert(key()?, count(v));
        }
        "seller_acceptance" => m.seller_acceptance = v,
        "low_fit_handoffs" => m.low_fit_handoffs = Some(count(v)),
        "disqualification_accuracy" => m.disqualification_accuracy = v,
        "override_rate" => m.override_rate = v,
        "sla_breach_rate" => m.sla_breach_rate = v,
        "enrichment_errors" => m.enrichment_errors = Some(count(v)),
        "enrichment_errors_by_source" => {
            m.enrichment_errors_by_source
                .get_or_insert_default()
                .insert(key()?, count(v));
        }
        "conversion_rate" => {
            m.conversion_rate.get_or_insert_default().insert(key()?, v);
        }
        "routing_time" => {
            let t: &mut RoutingTime = m
                .routing_time
                .get_or_insert_default()
                .entry(key()?)
                .or_default();
            match row.sub.as_deref() {
                Some("leads") => t.leads = count(v),
                Some("median") => t.median = v,
                Some("p90") => t.p90 = v,
                _ => return Err(bad(row, "an unknown routing-time figure")),
            }
        }
        _ => return Err(bad(row, "an unknown metric")),
    }
    Ok(())
}

/// The replay of `baseline` against `draft` on `ds`'s leads from the compiled query's rows.
pub fn replay_from_rows(
    baseline: &Policy,
    draft: &Policy,
    ds: &Dataset,
    rows: &[Row],
) -> Result<Replay, Error> {
    let mut sides = [template(ds), template(ds)];
    let mut queues = [UnresolvedQueue::default(), UnresolvedQueue::default()];
    let mut groups: BTreeMap<String, BTreeMap<String, [Metrics; 2]>> = BTreeMap::new();
    let mut matrix: BTreeMap<String, BTreeMap<String, usize>> = crate::engine::Decision::ALL
        .iter()
        .map(|x| {
            let row = crate::engine::Decision::ALL
                .iter()
                .map(|y| (y.as_str().to_string(), 0))
                .collect();
            (x.as_str().to_string(), row)
        })
        .collect();
    let mut flipped = 0;
    for row in rows {
        let side = match row.policy.as_str() {
            "baseline" => Some(0),
            "draft" => Some(1),
            _ => None,
        };
        match (row.metric.as_str(), side) {
            ("flips.flipped", _) => flipped = count(row.value),
            ("flips.matrix", _) => {
                let (Some(x), Some(y)) = (&row.key, &row.sub) else {
                    return Err(bad(row, "a flip-matrix cell without its decisions"));
                };
                matrix
                    .entry(x.clone())
                    .or_default()
                    .insert(y.clone(), count(row.value));
            }
            (q, Some(k)) if q.starts_with("unresolved_queue.") => {
                let queue = &mut queues[k];
                let key = || row.key.clone().unwrap_or_default();
                match q {
                    "unresolved_queue.total" => queue.total = count(row.value),
                    "unresolved_queue.by_reason" => {
                        queue.by_reason.insert(key(), count(row.value));
                    }
                    "unresolved_queue.by_source" => {
                        queue.by_source.insert(key(), count(row.value));
                    }
                    "unresolved_queue.by_campaign" => {
                        queue.by_campaign.insert(key(), count(row.value));
                    }
                    "unresolved_queue.by_form" => {
                        queue.by_form.insert(key(), count(row.value));
                    }
                    _ => return Err(bad(row, "an unknown part of the unresolved queue")),
                }
            }
            (_, Some(k)) if row.breakdown.is_empty() => set(&mut sides[k], row)?,
            (_, Some(k)) => {
                let group = groups
                    .entry(row.breakdown.clone())
                    .or_default()
                    .entry(row.grp.clone())
                    .or_insert_with(|| [template(ds), template(ds)]);
                set(&mut group[k], row)?;
            }
            _ => return Err(bad(row, "a figure of no policy")),
        }
    }
    let [bm, dm] = sides;
    let [bq, dq] = queues;
    let deltas = delta(
        &serde_json::to_value(&bm).unwrap_or_default(),
        &serde_json::to_value(&dm).unwrap_or_default(),
    );
    let leads = bm.leads;
    Ok(Replay {
        dataset: DatasetInfo {
            name: ds.name.clone(),
            mapping: ds.mapping_path.display().to_string(),
            leads,
        },
        cohort: crate::dataset::cohort::CohortInfo {
            leads,
            of: leads,
            ..Default::default()
        },
        baseline: Side {
            policy: policy_info(baseline),
            metrics: bm,
            unresolved_queue: bq,
        },
        draft: Side {
            policy: policy_info(draft),
            metrics: dm,
            unresolved_queue: dq,
        },
        deltas,
        flips: Flips {
            matrix,
            flipped,
            leads: Vec::new(),
        },
        breakdowns: groups
            .into_iter()
            .map(|(dim, per)| {
                let per = per
                    .into_iter()
                    .map(|(g, [b, d])| {
                        (
                            g,
                            GroupMetrics {
                                baseline: b,
                                draft: d,
                            },
                        )
                    })
                    .collect();
                (dim, per)
            })
            .collect(),
        by: None,
        periods: None,
    })
}
