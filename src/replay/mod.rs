//! Replay: decide one loaded dataset under a baseline and a draft policy and measure both against
//! what actually happened (design.md, "Replay metrics"): decision counts, later conversions,
//! seller acceptance, low-fit handoffs, disqualification accuracy, overrides, SLA breaches,
//! enrichment errors, conversion by decision; deltas, the flip matrix and breakdowns by source,
//! campaign and form; the unresolved queue.
//!
//! The dataset is loaded once by the caller and can be replayed any number of times. This module
//! reads no files and no clock; rendering (tables, charts, HTML) lives elsewhere.

pub mod model;
pub mod report;

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use crate::dataset::{Dataset, FieldType, hidden};
use crate::engine::{self, Decision, explain::DecisionRecord};
use crate::error::Error;
use crate::policy::Policy;
pub use model::*;

/// The group of a missing breakdown value.
pub const MISSING_GROUP: &str = "(missing)";
/// How many flipped leads get both packets in the replay result.
pub const SAMPLE_PACKETS: usize = 20;

/// Decision codes in `Decision::ALL` order.
fn code(d: Option<&str>) -> usize {
    match d {
        Some("accepted") => 0,
        Some("nurture") => 1,
        Some("rejected") => 2,
        Some("unresolved") => 3,
        _ => 4,
    }
}

/// The decision columns of one policy, borrowed from its decision frame.
struct Decided<'a> {
    decision: Vec<usize>,
    rule: Vec<Option<&'a str>>,
    reason: Vec<Option<&'a str>>,
    unresolved: Vec<Option<&'a str>>,
    route: Vec<Option<&'a str>>,
    owner: Vec<Option<&'a str>>,
    sla: Vec<Option<f64>>,
}

impl<'a> Decided<'a> {
    fn new(df: &'a DataFrame) -> Result<Self, Error> {
        let s = |name: &str| -> Result<&'a StringChunked, Error> { Ok(df.column(name)?.str()?) };
        Ok(Self {
            decision: s("decision")?.iter().map(code).collect(),
            rule: s("rule")?.iter().collect(),
            reason: s("reason")?.iter().collect(),
            unresolved: s("unresolved_reasons")?.iter().collect(),
            route: s("route")?.iter().collect(),
            owner: s("owner")?.iter().collect(),
            sla: df.column("sla_minutes")?.f64()?.iter().collect(),
        })
    }

    fn record(&self, id: &str, i: usize) -> DecisionRecord {
        let own = |v: Option<&str>| v.map(str::to_string);
        DecisionRecord {
            lead_id: id.to_string(),
            decision: Decision::ALL[self.decision[i]].as_str().to_string(),
            rule: own(self.rule[i]),
            reason: own(self.reason[i]),
            unresolved_reasons: own(self.unresolved[i]),
            route: own(self.route[i]),
            owner: own(self.owner[i]),
            sla_minutes: self.sla[i],
        }
    }
}

/// What actually happened, per lead, and which outcome roles the dataset has.
struct Outcomes<'a> {
    converted: Option<Vec<bool>>,
    seller: Option<Vec<Option<&'a str>>>,
    meeting: Option<Vec<Option<&'a str>>>,
    historical: Option<Vec<usize>>,
    first_touch: Option<Vec<Option<f64>>>,
    enrichment_error: Option<Vec<bool>>,
    enrichment_source: Option<Vec<Option<&'a str>>>,
}

impl<'a> Outcomes<'a> {
    fn new(ds: &'a Dataset) -> Result<Self, Error> {
        let f = &ds.frame;
        let text = |name: &str| -> Result<Option<Vec<Option<&'a str>>>, Error> {
            match f.column(name) {
                Ok(c) => Ok(Some(c.str()?.iter().collect())),
                Err(_) => Ok(None),
            }
        };
        let flag = |name: &str| -> Result<Option<Vec<bool>>, Error> {
            match f.column(name) {
                Ok(c) => Ok(Some(c.bool()?.iter().map(|v| v == Some(true)).collect())),
                Err(_) => Ok(None),
            }
        };
        let first_touch = match ds.role("first_touch_minutes") {
            Some(c) if ds.field(c).is_some_and(|fi| fi.ty == FieldType::Number) => {
                Some(f.column(c)?.f64()?.iter().collect())
            }
            _ => None,
        };
        let enrichment_source = match ds.role("enrichment_source") {
            Some(c) if ds.field(c).is_some_and(|fi| fi.ty == FieldType::Text) => {
                Some(f.column(c)?.str()?.iter().collect())
            }
            Some(c) => Some(
                f.column(c)?
                    .cast(&DataType::String)?
                    .str()?
                    .iter()
                    .map(|v| v.map(|_| "(number)"))
                    .collect(),
            ),
            None => None,
        };
        Ok(Self {
            converted: if ds.has_converted {
                flag(hidden::CONVERTED)?
            } else {
                None
            },
            seller: text(hidden::SELLER_OUTCOME)?,
            meeting: text(hidden::MEETING)?,
            historical: text(hidden::HISTORICAL)?.map(|v| v.into_iter().map(code).collect()),
            first_touch,
            enrichment_error: flag(hidden::ENRICHMENT_ERROR)?,
            enrichment_source,
        })
    }
}

/// Running sums for one policy over one population.
#[derive(Debug, Default, Clone)]
struct Acc {
    leads: usize,
    counts: [usize; 5],
    later_converted: usize,
    lc_by_reason: BTreeMap<String, usize>,
    lc_by_rule: BTreeMap<String, usize>,
    sa_num: usize,
    sa_den: usize,
    low_fit: usize,
    rejected_not_converted: usize,
    ov_num: usize,
    ov_den: usize,
    sla_num: usize,
    sla_den: usize,
    enrichment_errors: usize,
    enrichment_by_source: BTreeMap<String, usize>,
    converted_by_decision: [usize; 4],
}

fn ratio(num: usize, den: usize) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

impl Acc {
    fn add(&mut self, d: &Decided<'_>, o: &Outcomes<'_>, i: usize) {
        self.leads += 1;
        let dec = d.decision[i];
        self.counts[dec] += 1;
        if dec == 4 {
            return;
        }
        let converted = o.converted.as_ref().is_some_and(|c| c[i]);
        if converted {
            self.converted_by_decision[dec] += 1;
            match dec {
                1 => {
                    self.later_converted += 1;
                    if let Some(rule) = d.rule[i] {
                        *self.lc_by_rule.entry(rule.to_string()).or_default() += 1;
                    }
                }
                2 => {
                    self.later_converted += 1;
                    if let Some(reason) = d.reason[i] {
                        *self.lc_by_reason.entry(reason.to_string()).or_default() += 1;
                    }
                }
                3 => {
                    self.later_converted += 1;
                    for reason in d.unresolved[i].iter().flat_map(|u| u.split(';')) {
                        *self.lc_by_reason.entry(reason.to_string()).or_default() += 1;
                    }
                }
                _ => {}
            }
        } else if dec == 2 {
            self.rejected_not_converted += 1;
        }
        if dec == 0 {
            let seller = o.seller.as_ref().and_then(|s| s[i]);
            if matches!(seller, Some("accepted" | "sent_back")) {
                self.sa_den += 1;
                if seller == Some("accepted") {
                    self.sa_num += 1;
                }
            }
            let no_show = o.meeting.as_ref().and_then(|m| m[i]) == Some("no_show");
            if seller == Some("sent_back") || no_show {
                self.low_fit += 1;
            }
            if let (Some(Some(touch)), Some(sla)) = (o.first_touch.as_ref().map(|f| f[i]), d.sla[i])
            {
                self.sla_den += 1;
                if touch > sla {
                    self.sla_num += 1;
                }
            }
        }
        if let Some(h) = o.historical.as_ref().map(|h| h[i])
            && h < 4
        {
            self.ov_den += 1;
            if h != dec {
                self.ov_num += 1;
            }
        }
        if o.enrichment_error.as_ref().is_some_and(|e| e[i]) {
            self.enrichment_errors += 1;
            let src = o
                .enrichment_source
                .as_ref()
                .and_then(|s| s[i])
                .unwrap_or(MISSING_GROUP);
            *self
                .enrichment_by_source
                .entry(src.to_string())
                .or_default() += 1;
        }
    }

    fn finish(self, o: &Outcomes<'_>) -> Metrics {
        let has_conv = o.converted.is_some();
        let in_scope = self.leads - self.counts[4];
        Metrics {
            leads: self.leads,
            in_scope,
            accepted: self.counts[0],
            nurture: self.counts[1],
            rejected: self.counts[2],
            unresolved: self.counts[3],
            out_of_scope: self.counts[4],
            later_converted: has_conv.then_some(self.later_converted),
            later_converted_by_reason: has_conv.then_some(self.lc_by_reason),
            later_converted_by_rule: has_conv.then_some(self.lc_by_rule),
            seller_acceptance: o
                .seller
                .as_ref()
                .and_then(|_| ratio(self.sa_num, self.sa_den)),
            low_fit_handoffs: (o.seller.is_some() || o.meeting.is_some()).then_some(self.low_fit),
            disqualification_accuracy: if has_conv {
                ratio(self.rejected_not_converted, self.counts[2])
            } else {
                None
            },
            override_rate: o
                .historical
                .as_ref()
                .and_then(|_| ratio(self.ov_num, self.ov_den)),
            sla_breach_rate: o
                .first_touch
                .as_ref()
                .and_then(|_| ratio(self.sla_num, self.sla_den)),
            enrichment_errors: o.enrichment_error.as_ref().map(|_| self.enrichment_errors),
            enrichment_errors_by_source: o
                .enrichment_error
                .as_ref()
                .map(|_| self.enrichment_by_source),
            conversion_rate: has_conv.then(|| {
                (0..4)
                    .map(|k| {
                        (
                            Decision::ALL[k].as_str().to_string(),
                            ratio(self.converted_by_decision[k], self.counts[k]),
                        )
                    })
                    .collect()
            }),
        }
    }
}

fn add_queue(q: &mut UnresolvedQueue, d: &Decided<'_>, groups: &[Vec<&str>; 3], i: usize) {
    if d.decision[i] != 3 {
        return;
    }
    q.total += 1;
    for reason in d.unresolved[i].iter().flat_map(|u| u.split(';')) {
        *q.by_reason.entry(reason.to_string()).or_default() += 1;
    }
    *q.by_source.entry(groups[0][i].to_string()).or_default() += 1;
    *q.by_campaign.entry(groups[1][i].to_string()).or_default() += 1;
    *q.by_form.entry(groups[2][i].to_string()).or_default() += 1;
}

fn policy_info(p: &Policy) -> PolicyInfo {
    PolicyInfo {
        id: p.id.clone(),
        name: p.name.clone(),
        version: p.version,
        file: p.source.path.display().to_string(),
        sha256: p.sha256(),
    }
}

/// Group keys of the breakdown dimensions (`source`, `campaign`, `form`), missing as `(missing)`.
fn group_keys(ds: &Dataset) -> Result<[Vec<&str>; 3], Error> {
    let keys = |name: &str| -> Result<Vec<&str>, Error> {
        Ok(match ds.frame.column(name) {
            Ok(c) => c
                .str()?
                .iter()
                .map(|v| v.unwrap_or(MISSING_GROUP))
                .collect(),
            Err(_) => vec![MISSING_GROUP; ds.len()],
        })
    };
    Ok([
        keys(hidden::SCOPE_SOURCE)?,
        keys(hidden::SCOPE_CAMPAIGN)?,
        keys(hidden::SCOPE_FORM)?,
    ])
}

/// Replay `dataset` under `baseline` and `draft`.
pub fn replay(baseline: &Policy, draft: &Policy, ds: &Dataset) -> Result<Replay, Error> {
    let mut diags = crate::policy::validate::check_against(baseline, ds);
    diags.extend(crate::policy::validate::check_against(draft, ds));
    if !diags.is_empty() {
        return Err(Error::Invalid(diags));
    }
    let bdf = engine::decide_unchecked(baseline, ds)?;
    let ddf = engine::decide_unchecked(draft, ds)?;
    let b = Decided::new(&bdf)?;
    let d = Decided::new(&ddf)?;
    let o = Outcomes::new(ds)?;
    let ids: Vec<&str> = ds
        .frame
        .column(&ds.id)?
        .str()?
        .iter()
        .map(|v| v.unwrap_or(""))
        .collect();
    let groups = group_keys(ds)?;
    let dims: [&str; 3] = ["source", "campaign", "form"];
    let has_dim = [
        ds.role("source").is_some(),
        ds.role("campaign").is_some(),
        ds.role("form").is_some(),
    ];

    let (mut ab, mut ad) = (Acc::default(), Acc::default());
    let (mut qb, mut qd) = (UnresolvedQueue::default(), UnresolvedQueue::default());
    let mut by_group: [HashMap<&str, (Acc, Acc)>; 3] = Default::default();
    let mut matrix = [[0usize; 5]; 5];
    let mut flipped = Vec::new();
    for i in 0..ds.len() {
        ab.add(&b, &o, i);
        ad.add(&d, &o, i);
        add_queue(&mut qb, &b, &groups, i);
        add_queue(&mut qd, &d, &groups, i);
        for (k, map) in by_group.iter_mut().enumerate() {
            if has_dim[k] {
                let e = map.entry(groups[k][i]).or_default();
                e.0.add(&b, &o, i);
                e.1.add(&d, &o, i);
            }
        }
        matrix[b.decision[i]][d.decision[i]] += 1;
        if b.decision[i] != d.decision[i] {
            flipped.push(i);
        }
    }

    let mut leads = Vec::with_capacity(flipped.len());
    for (n, &i) in flipped.iter().enumerate() {
        let packets = if n < SAMPLE_PACKETS {
            Some((
                Box::new(engine::explain::explain_row(baseline, ds, i)?),
                Box::new(engine::explain::explain_row(draft, ds, i)?),
            ))
        } else {
            None
        };
        leads.push(FlippedLead {
            lead_id: ids[i].to_string(),
            baseline: b.record(ids[i], i),
            draft: d.record(ids[i], i),
            packets,
        });
    }
    let matrix = Decision::ALL
        .iter()
        .enumerate()
        .map(|(r, rd)| {
            (
                rd.as_str().to_string(),
                Decision::ALL
                    .iter()
                    .enumerate()
                    .map(|(c, cd)| (cd.as_str().to_string(), matrix[r][c]))
                    .collect(),
            )
        })
        .collect();

    let mut breakdowns = BTreeMap::new();
    for (k, map) in by_group.into_iter().enumerate() {
        if !has_dim[k] {
            continue;
        }
        let groups: BTreeMap<String, GroupMetrics> = map
            .into_iter()
            .map(|(key, (gb, gd))| {
                (
                    key.to_string(),
                    GroupMetrics {
                        baseline: gb.finish(&o),
                        draft: gd.finish(&o),
                    },
                )
            })
            .collect();
        breakdowns.insert(dims[k].to_string(), groups);
    }

    let baseline_metrics = ab.finish(&o);
    let draft_metrics = ad.finish(&o);
    let deltas = delta(
        &serde_json::to_value(&baseline_metrics).unwrap_or_default(),
        &serde_json::to_value(&draft_metrics).unwrap_or_default(),
    );
    Ok(Replay {
        dataset: DatasetInfo {
            name: ds.name.clone(),
            mapping: ds.mapping_path.display().to_string(),
            leads: ds.len(),
        },
        baseline: Side {
            policy: policy_info(baseline),
            metrics: baseline_metrics,
            unresolved_queue: qb,
        },
        draft: Side {
            policy: policy_info(draft),
            metrics: draft_metrics,
            unresolved_queue: qd,
        },
        deltas,
        flips: Flips {
            matrix,
            flipped: flipped.len(),
            leads,
        },
        breakdowns,
    })
}

/// draft − baseline, recursively: numbers subtract, objects key by key (a key missing on one side
/// counts as 0 there), anything with a `null` side is `null`.
pub fn delta(baseline: &serde_json::Value, draft: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match (baseline, draft) {
        (Value::Number(a), Value::Number(b)) => match (a.as_i64(), b.as_i64()) {
            (Some(x), Some(y)) => Value::from(y - x),
            _ => {
                let d = b.as_f64().unwrap_or(0.0) - a.as_f64().unwrap_or(0.0);
                serde_json::Number::from_f64(d).map_or(Value::Null, Value::Number)
            }
        },
        (Value::Object(a), Value::Object(b)) => {
            let zero = Value::from(0);
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            Value::Object(
                keys.into_iter()
                    .map(|k| {
                        let (x, y) = (a.get(k).unwrap_or(&zero), b.get(k).unwrap_or(&zero));
                        (k.clone(), delta(x, y))
                    })
                    .collect(),
            )
        }
        _ => Value::Null,
    }
}
