//! Replay: decide one loaded dataset under a baseline and a draft policy and measure both against
//! what actually happened (docs/semantics.md, "Replay metrics"): decision counts, later conversions,
//! seller acceptance, low-fit handoffs, disqualification accuracy, overrides, SLA breaches,
//! enrichment errors, conversion by decision; deltas, the flip matrix and breakdowns by source,
//! campaign and form; the unresolved queue.
//!
//! The dataset is loaded once by the caller and can be replayed any number of times. This module
//! reads no files and no clock; rendering (tables, charts, HTML) lives elsewhere.

pub mod metric;
pub mod model;
pub mod periods;
pub mod track;

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;

use crate::dataset::cohort::{Cohort, ConversionWindow};
use crate::dataset::{Dataset, hidden};
use crate::engine::{self, Decision, Decisions, Unresolved, explain::DecisionRecord};
use crate::error::Error;
use crate::policy::Policy;
use crate::policy::Role;
use crate::policy::reason::Review;
pub use model::*;
pub use periods::Period;

/// The group of a missing breakdown value.
pub const MISSING_GROUP: &str = "(missing)";
/// How many flipped leads get both packets in the replay result.
pub const SAMPLE_PACKETS: usize = 20;

/// The decision code (index in `Decision::ALL`) of a historical decision's label; 4 when it
/// is unknown, which no in-scope decision equals.
fn code(d: Option<&str>) -> u8 {
    d.and_then(Decision::parse).map_or(4, |d| d as u8)
}

/// One policy's decisions with the names behind their codes. Reasons get dense slots so that
/// the per-lead loop counts into arrays and builds strings only once, at the end.
struct Decided<'a> {
    d: &'a Decisions,
    policy: &'a Policy,
    /// Slot names: disqualification reason codes, then `missing_field:*` per required field,
    /// then `unapproved_enrichment_source`, `low_enrichment_confidence`, `no_rule_matched`,
    /// `overlapping_routes`, `no_owner` (see [`Decided::each_unresolved`]).
    slots: Vec<String>,
    /// Per rule: its reason's slot (disqualify rules) and its route's SLA (route rules).
    rule_slot: Vec<Option<usize>>,
    rule_sla: Vec<Option<f64>>,
    first_gate_slot: usize,
}

impl<'a> Decided<'a> {
    fn new(d: &'a Decisions, policy: &'a Policy) -> Self {
        let mut slots: Vec<String> = policy.reasons.iter().map(|r| r.code.clone()).collect();
        let rule_slot = policy
            .decision_rules()
            .map(|r| match &r.action {
                crate::policy::Action::Disqualify(code) => {
                    Some(slots.iter().position(|s| s == code).unwrap_or_else(|| {
                        slots.push(code.clone());
                        slots.len() - 1
                    }))
                }
                crate::policy::Action::Route(_) => None,
            })
            .collect();
        let rule_sla = policy
            .decision_rules()
            .map(|r| match &r.action {
                crate::policy::Action::Route(name) => {
                    policy.route(name).and_then(|r| r.sla_minutes)
                }
                crate::policy::Action::Disqualify(_) => None,
            })
            .collect();
        let first_gate_slot = slots.len();
        slots.extend(
            policy
                .evidence
                .required
                .iter()
                .map(|r| Review::MissingField(r.name.clone()).code()),
        );
        slots.extend(
            [
                Review::UnapprovedEnrichmentSource,
                Review::LowEnrichmentConfidence,
            ]
            .iter()
            .chain(&Review::AFTER_GATE)
            .map(Review::code),
        );
        Self {
            d,
            policy,
            slots,
            rule_slot,
            rule_sla,
            first_gate_slot,
        }
    }

    fn decision(&self, i: usize) -> usize {
        usize::from(self.d.decision[i])
    }

    fn sla(&self, i: usize) -> Option<f64> {
        self.d.rule[i].and_then(|k| self.rule_sla.get(k as usize).copied().flatten())
    }

    /// Calls `f` with the slot of every unresolved reason of lead `i`, in the design's order.
    fn each_unresolved(&self, i: usize, mut f: impl FnMut(usize)) {
        let required = self.policy.evidence.required.len();
        let after_gate = self.first_gate_slot + required;
        match self.d.unresolved[i] {
            Unresolved::None => {}
            Unresolved::Gate => {
                let g = self.d.gate[i];
                for k in 0..required {
                    if g & (1u64 << k) != 0 {
                        f(self.first_gate_slot + k);
                    }
                }
                if g & engine::UNAPPROVED_SOURCE_BIT != 0 {
                    f(after_gate);
                }
                if g & engine::LOW_CONFIDENCE_BIT != 0 {
                    f(after_gate + 1);
                }
            }
            Unresolved::NoRuleMatched => f(after_gate + 2),
            Unresolved::OverlappingRoutes => f(after_gate + 3),
            Unresolved::NoOwner => f(after_gate + 4),
        }
    }

    fn record(&self, id: &str, i: usize, texts: &mut engine::ReasonTexts) -> DecisionRecord {
        let rule = self.d.rule(self.policy, i);
        let (reason, route) = match rule.map(|r| &r.action) {
            Some(crate::policy::Action::Disqualify(c)) => (Some(c.clone()), None),
            Some(crate::policy::Action::Route(n)) => (None, Some(n.clone())),
            None => (None, None),
        };
        DecisionRecord {
            lead_id: id.to_string(),
            decision: self.d.decision(i).as_str().to_string(),
            rule: rule.map(|r| r.id.clone()),
            reason,
            unresolved_reasons: self
                .d
                .unresolved_text(self.policy, i, texts)
                .map(str::to_string),
            route,
            owner: self.d.owner.get(i).map(str::to_string),
            sla_minutes: self.sla(i),
        }
    }

    /// Non-zero counters as a map from slot names.
    fn named(&self, counts: &[usize]) -> BTreeMap<String, usize> {
        counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(k, n)| (self.slots[k].clone(), *n))
            .collect()
    }

    fn named_rules(&self, counts: &[usize]) -> BTreeMap<String, usize> {
        counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .filter_map(|(k, n)| {
                let rule = self.policy.rule_at(u32::try_from(k).ok()?)?;
                Some((rule.id.clone(), *n))
            })
            .collect()
    }
}

/// What actually happened, per lead, and which outcome roles the dataset has.
pub(crate) struct Outcomes<'a> {
    pub(crate) converted: Option<Vec<bool>>,
    pub(crate) seller: Option<Vec<Option<&'a str>>>,
    pub(crate) meeting: Option<Vec<Option<&'a str>>>,
    pub(crate) historical: Option<Vec<u8>>,
    first_touch: Option<Vec<Option<f64>>>,
    pub(crate) enrichment_error: Option<Vec<bool>>,
    /// The source as text (numbers as written), one chunk so that `get` is direct.
    enrichment_source: Option<StringChunked>,
    /// With a conversion window: the leads too recent to judge.
    pub(crate) immature: Option<Vec<bool>>,
}

impl<'a> Outcomes<'a> {
    pub(crate) fn new(ds: &'a Dataset) -> Result<Self, Error> {
        let f = &ds.frame;
        let text = |name: &str| -> Result<Option<Vec<Option<&'a str>>>, Error> {
            match f.column(name) {
                Ok(c) => Ok(Some(c.str()?.iter().collect())),
                Err(_) => Ok(None),
            }
        };
        let first_touch = match ds.first_touch() {
            Some(c) => Some(f.column(c)?.f64()?.iter().collect()),
            None => None,
        };
        let enrichment_source = ds
            .role(Role::EnrichmentSource)
            .map(|c| ds.text_column(c))
            .transpose()?;
        Ok(Self {
            converted: ds.converted()?,
            seller: text(hidden::SELLER_OUTCOME)?,
            meeting: text(hidden::MEETING)?,
            historical: text(hidden::HISTORICAL)?.map(|v| v.into_iter().map(code).collect()),
            first_touch,
            enrichment_error: ds.flags(hidden::ENRICHMENT_ERROR)?,
            enrichment_source,
            immature: ds.flags(hidden::IMMATURE)?,
        })
    }
}

/// Running sums for one policy over one population.
#[derive(Debug, Default, Clone)]
struct Acc {
    leads: usize,
    counts: [usize; 5],
    /// In-scope leads old enough to judge, per decision (all of them without a window).
    mature: [usize; 5],
    immature: usize,
    /// First-touch minutes of accepted leads, per route.
    touch_by_route: BTreeMap<String, Vec<f64>>,
    later_converted: usize,
    lc_by_reason: Vec<usize>,
    lc_by_rule: Vec<usize>,
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
    fn new(d: &Decided<'_>) -> Self {
        Self {
            lc_by_reason: vec![0; d.slots.len()],
            lc_by_rule: vec![0; d.policy.decision_rules().count()],
            ..Self::default()
        }
    }

    fn add(&mut self, d: &Decided<'_>, o: &Outcomes<'_>, i: usize) {
        self.leads += 1;
        let dec = d.decision(i);
        self.counts[dec] += 1;
        if dec == 4 {
            return;
        }
        // Immature leads have not had time to show their outcome: counted apart, and left out
        // of later conversions, disqualification accuracy and conversion rates.
        if o.immature.as_ref().is_some_and(|m| m[i]) {
            self.immature += 1;
        } else {
            self.mature[dec] += 1;
            self.add_outcome(d, o, i, dec);
        }
        self.add_process(d, o, i, dec);
    }

    /// Conversions of a mature lead.
    fn add_outcome(&mut self, d: &Decided<'_>, o: &Outcomes<'_>, i: usize, dec: usize) {
        let converted = o.converted.as_ref().is_some_and(|c| c[i]);
        if converted {
            self.converted_by_decision[dec] += 1;
            match dec {
                1 => {
                    self.later_converted += 1;
                    if let Some(rule) = d.d.rule[i] {
                        self.lc_by_rule[rule as usize] += 1;
                    }
                }
                2 => {
                    self.later_converted += 1;
                    if let Some(slot) = d.d.rule[i].and_then(|r| d.rule_slot[r as usize]) {
                        self.lc_by_reason[slot] += 1;
                    }
                }
                3 => {
                    self.later_converted += 1;
                    d.each_unresolved(i, |slot| self.lc_by_reason[slot] += 1);
                }
                _ => {}
            }
        } else if dec == 2 {
            self.rejected_not_converted += 1;
        }
    }

    /// What the process did with an in-scope lead: the seller's outcome, meeting and first
    /// touch of an accepted one; the old process's decision; enrichment errors.
    fn add_process(&mut self, d: &Decided<'_>, o: &Outcomes<'_>, i: usize, dec: usize) {
        if dec == 0
            && let Some(Some(touch)) = o.first_touch.as_ref().map(|f| f[i])
            && let Some(crate::policy::Action::Route(route)) = d.d.rule[i]
                .and_then(|k| d.policy.rule_at(k))
                .map(|r| &r.action)
        {
            self.touch_by_route
                .entry(route.clone())
                .or_default()
                .push(touch);
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
            if let (Some(Some(touch)), Some(sla)) = (o.first_touch.as_ref().map(|f| f[i]), d.sla(i))
            {
                self.sla_den += 1;
                if touch > sla {
                    self.sla_num += 1;
                }
            }
        }
        if let Some(h) = o.historical.as_ref().map(|h| usize::from(h[i]))
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
                .and_then(|s| s.get(i))
                .unwrap_or(MISSING_GROUP);
            match self.enrichment_by_source.get_mut(src) {
                Some(n) => *n += 1,
                None => {
                    self.enrichment_by_source.insert(src.to_string(), 1);
                }
            }
        }
    }

    fn finish(self, d: &Decided<'_>, o: &Outcomes<'_>) -> Metrics {
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
            later_converted_by_reason: has_conv.then(|| d.named(&self.lc_by_reason)),
            later_converted_by_rule: has_conv.then(|| d.named_rules(&self.lc_by_rule)),
            seller_acceptance: o
                .seller
                .as_ref()
                .and_then(|_| ratio(self.sa_num, self.sa_den)),
            low_fit_handoffs: (o.seller.is_some() || o.meeting.is_some()).then_some(self.low_fit),
            disqualification_accuracy: if has_conv {
                ratio(self.rejected_not_converted, self.mature[2])
            } else {
                None
            },
            immature: o.immature.as_ref().map(|_| self.immature),
            routing_time: o.first_touch.as_ref().map(|_| {
                self.touch_by_route
                    .into_iter()
                    .map(|(route, mut minutes)| {
                        minutes.sort_by(f64::total_cmp);
                        let time = model::RoutingTime {
                            leads: minutes.len(),
                            median: model::nearest_rank(&minutes, 0.5),
                            p90: model::nearest_rank(&minutes, 0.9),
                        };
                        (route, time)
                    })
                    .collect()
            }),
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
                            ratio(self.converted_by_decision[k], self.mature[k]),
                        )
                    })
                    .collect()
            }),
        }
    }
}

/// The unresolved queue while it is counted: reason slots and group indices.
struct QueueAcc {
    total: usize,
    by_reason: Vec<usize>,
    by_group: [Vec<usize>; 3],
}

impl QueueAcc {
    fn new(d: &Decided<'_>, groups: &Groups<'_>) -> Self {
        Self {
            total: 0,
            by_reason: vec![0; d.slots.len()],
            by_group: [0, 1, 2].map(|k| vec![0; groups.names[k].len()]),
        }
    }

    fn add(&mut self, d: &Decided<'_>, groups: &Groups<'_>, i: usize) {
        if d.decision(i) != 3 {
            return;
        }
        self.total += 1;
        d.each_unresolved(i, |slot| self.by_reason[slot] += 1);
        for k in 0..3 {
            self.by_group[k][groups.index[k][i] as usize] += 1;
        }
    }

    fn finish(self, d: &Decided<'_>, groups: &Groups<'_>) -> UnresolvedQueue {
        let named = |k: usize| -> BTreeMap<String, usize> {
            self.by_group[k]
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(g, n)| (groups.names[k][g].to_string(), *n))
                .collect()
        };
        UnresolvedQueue {
            total: self.total,
            by_reason: d.named(&self.by_reason),
            by_source: named(0),
            by_campaign: named(1),
            by_form: named(2),
        }
    }
}

/// Breakdown groups (`source`, `campaign`, `form`) interned once: per lead a group index.
pub(crate) struct Groups<'a> {
    pub(crate) names: [Vec<&'a str>; 3],
    pub(crate) index: [Vec<u32>; 3],
    pub(crate) present: [bool; 3],
}

impl<'a> Groups<'a> {
    pub(crate) fn new(ds: &'a Dataset) -> Result<Self, Error> {
        let mut names: [Vec<&str>; 3] = Default::default();
        let mut index: [Vec<u32>; 3] = Default::default();
        let mut present = [false; 3];
        for (k, (role, column)) in [
            (Role::Source, hidden::SCOPE_SOURCE),
            (Role::Campaign, hidden::SCOPE_CAMPAIGN),
            (Role::Form, hidden::SCOPE_FORM),
        ]
        .into_iter()
        .enumerate()
        {
            present[k] = ds.role(role).is_some();
            let mut seen: HashMap<&str, u32> = HashMap::new();
            let values: Vec<&str> = match ds.frame.column(column) {
                Ok(c) => c
                    .str()?
                    .iter()
                    .map(|v| v.unwrap_or(MISSING_GROUP))
                    .collect(),
                Err(_) => vec![MISSING_GROUP; ds.len()],
            };
            index[k] = values
                .iter()
                .map(|v| {
                    *seen.entry(v).or_insert_with(|| {
                        names[k].push(v);
                        (names[k].len() - 1) as u32
                    })
                })
                .collect();
        }
        Ok(Self {
            names,
            index,
            present,
        })
    }
}

pub(crate) fn policy_info(p: &Policy) -> PolicyInfo {
    PolicyInfo {
        id: p.id.clone(),
        name: p.name.clone(),
        version: p.version,
        file: p.source.path.display().to_string(),
        sha256: p.sha256(),
    }
}

/// Replay `dataset` under `baseline` and `draft`.
pub fn replay(baseline: &Policy, draft: &Policy, ds: &Dataset) -> Result<Replay, Error> {
    replay_decided(baseline, draft, ds, None).map(|(r, _, _)| r)
}

/// What a replay covers and how (docs/semantics.md, "Dates, cohorts and periods"): its cohort, the
/// conversion window and the periods to break it into. The default is every lead, as recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    pub cohort: Cohort,
    pub window: Option<ConversionWindow>,
    pub by: Option<Period>,
}

impl Options {
    /// The leads these options cover, as a dataset of their own (the conversion window applied),
    /// and what they cover. The as-of date is the whole dataset's; the cohort is taken from the
    /// windowed leads.
    pub fn apply(
        &self,
        ds: &Dataset,
    ) -> Result<(Dataset, crate::dataset::cohort::CohortInfo), Error> {
        let windowed;
        let (all, as_of) = match self.window {
            Some(w) => {
                let (x, day) = ds.with_window(w)?;
                windowed = x;
                (&windowed, Some(day))
            }
            None => (ds, None),
        };
        let (sub, mut info) = self.cohort.apply(all)?;
        info.conversion_window = self.window.map(|w| w.days);
        info.as_of = as_of.map(|d| d.to_string());
        Ok((sub, info))
    }
}

/// A replay with its [`Options`]: the report, the cohort's leads as a dataset of their own (with
/// the conversion window applied, for analyses of the same leads) and every lead's decision under
/// the baseline and the draft.
#[derive(Debug)]
pub struct Covered {
    pub replay: Replay,
    pub leads: Dataset,
    pub baseline: engine::Decisions,
    pub draft: engine::Decisions,
}

/// [`replay`] over the cohort, window and periods of `opts`: the leads outside the cohort appear
/// nowhere, and the report states what it covers.
pub fn replay_with(
    baseline: &Policy,
    draft: &Policy,
    ds: &Dataset,
    opts: &Options,
) -> Result<Covered, Error> {
    let (sub, info) = opts.apply(ds)?;
    let (mut r, bd, dd) = replay_decided(baseline, draft, &sub, opts.by)?;
    r.cohort = info;
    Ok(Covered {
        replay: r,
        leads: sub,
        baseline: bd,
        draft: dd,
    })
}

/// [`replay`], also returning every lead's decision under the baseline and the draft (the
/// desktop app lists the leads of any flip-matrix cell from them); with `by`, the figures per
/// period of `created_at` too, counted in the same pass.
pub fn replay_decided(
    baseline: &Policy,
    draft: &Policy,
    ds: &Dataset,
    by: Option<Period>,
) -> Result<(Replay, engine::Decisions, engine::Decisions), Error> {
    let mut diags = crate::policy::validate::check_against(baseline, ds);
    diags.extend(crate::policy::validate::check_against(draft, ds));
    if !diags.is_empty() {
        return Err(Error::Invalid(diags));
    }
    // The two policies are independent: decide them side by side.
    let (bc, dc) = std::thread::scope(|s| {
        let other = s.spawn(|| engine::decide_codes_unchecked(draft, ds));
        let bc = engine::decide_codes_unchecked(baseline, ds);
        let dc = other
            .join()
            .unwrap_or_else(|_| Err(Error::Usage("deciding the draft crashed".into())));
        (bc, dc)
    });
    let (bc, dc) = (bc?, dc?);
    let b = Decided::new(&bc, baseline);
    let d = Decided::new(&dc, draft);
    let o = Outcomes::new(ds)?;
    let groups = Groups::new(ds)?;
    let dims: [&str; 3] = ["source", "campaign", "form"];

    let (mut ab, mut ad) = (Acc::new(&b), Acc::new(&d));
    let (mut qb, mut qd) = (QueueAcc::new(&b, &groups), QueueAcc::new(&d, &groups));
    let mut by_group: [Vec<(Acc, Acc)>; 3] = [0, 1, 2].map(|k| {
        if groups.present[k] {
            vec![(Acc::new(&b), Acc::new(&d)); groups.names[k].len()]
        } else {
            Vec::new()
        }
    });
    let slices = by.map(|by| periods::Slices::new(ds, by)).transpose()?;
    let mut by_period = slices.as_ref().map_or_else(Vec::new, |p| {
        vec![(Acc::new(&b), Acc::new(&d)); p.starts.len()]
    });
    let mut matrix = [[0usize; 5]; 5];
    let mut flipped = Vec::new();
    for i in 0..ds.len() {
        ab.add(&b, &o, i);
        ad.add(&d, &o, i);
        if let Some((pb, pd)) = slices
            .as_ref()
            .and_then(|p| p.index[i])
            .map(|k| &mut by_period[k as usize])
        {
            pb.add(&b, &o, i);
            pd.add(&d, &o, i);
        }
        qb.add(&b, &groups, i);
        qd.add(&d, &groups, i);
        for (k, accs) in by_group.iter_mut().enumerate() {
            if let Some((gb, gd)) = accs.get_mut(groups.index[k][i] as usize) {
                gb.add(&b, &o, i);
                gd.add(&d, &o, i);
            }
        }
        let (x, y) = (b.decision(i), d.decision(i));
        matrix[x][y] += 1;
        if x != y {
            flipped.push(i);
        }
    }

    let ids = ds.frame.column(&ds.id)?.str()?;
    let (mut tb, mut td) = (
        engine::ReasonTexts::default(),
        engine::ReasonTexts::default(),
    );
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
        let id = ids.get(i).unwrap_or("");
        leads.push(FlippedLead {
            lead_id: id.to_string(),
            baseline: b.record(id, i, &mut tb),
            draft: d.record(id, i, &mut td),
            converted: o.converted.as_ref().map(|c| c[i]),
            seller_outcome: o.seller.as_ref().and_then(|s| s[i].map(str::to_string)),
            meeting: o.meeting.as_ref().and_then(|m| m[i].map(str::to_string)),
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
    for (k, accs) in by_group.into_iter().enumerate() {
        if !groups.present[k] {
            continue;
        }
        let per_group: BTreeMap<String, GroupMetrics> = accs
            .into_iter()
            .enumerate()
            .map(|(g, (gb, gd))| {
                (
                    groups.names[k][g].to_string(),
                    GroupMetrics {
                        baseline: gb.finish(&b, &o),
                        draft: gd.finish(&d, &o),
                    },
                )
            })
            .collect();
        breakdowns.insert(dims[k].to_string(), per_group);
    }

    let baseline_metrics = ab.finish(&b, &o);
    let draft_metrics = ad.finish(&d, &o);
    let deltas = delta(
        &serde_json::to_value(&baseline_metrics).unwrap_or_default(),
        &serde_json::to_value(&draft_metrics).unwrap_or_default(),
    );
    let r = Replay {
        dataset: DatasetInfo {
            name: ds.name.clone(),
            mapping: ds.mapping_path.display().to_string(),
            leads: ds.len(),
        },
        cohort: crate::dataset::cohort::CohortInfo {
            leads: ds.len(),
            of: ds.len(),
            ..Default::default()
        },
        baseline: Side {
            policy: policy_info(baseline),
            metrics: baseline_metrics,
            unresolved_queue: qb.finish(&b, &groups),
        },
        draft: Side {
            policy: policy_info(draft),
            metrics: draft_metrics,
            unresolved_queue: qd.finish(&d, &groups),
        },
        deltas,
        flips: Flips {
            matrix,
            flipped: flipped.len(),
            leads,
        },
        breakdowns,
        by,
        periods: slices.map(|p| {
            p.starts
                .iter()
                .zip(by_period)
                .map(|(start, (pb, pd))| periods::PeriodMetrics {
                    start: start.to_string(),
                    baseline: pb.finish(&b, &o),
                    draft: pd.finish(&d, &o),
                })
                .collect()
        }),
    };
    Ok((r, bc, dc))
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
