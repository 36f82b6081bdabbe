//! Threshold sweep: one numeric comparison of the policy (`employees gte 200`) evaluated at a
//! range of thresholds in one pass.
//!
//! Method. The swept comparison is a `gt` / `gte` / `lt` / `lte` leaf of a rule's condition,
//! found depth-first in file order, following the signals the rule reads. If it sits in a signal,
//! every rule reading that signal moves with it, exactly as editing the number in the policy
//! file would. The engine evaluates the policy once ([`engine::test_bits`]) and the condition of
//! each rule reading the leaf three more times, with the leaf forced to true, false and unknown
//! ([`engine::leaf_variants`]). For each threshold `t`, each lead's leaf answer is its own
//! comparison (`value op t`, unknown for a missing value), which selects one of the three
//! precomputed answers of each affected rule; the engine's decision assembly then re-decides the
//! leads whose answer differs from the one at the policy's own threshold (no other lead can
//! change), and the policy's figures are adjusted lead by lead. This is exact three-valued
//! semantics, and costs one comparison per lead plus one assembly per changed lead.
//!
//! Figures per threshold, on in-scope leads, as docs/semantics.md defines them: accepted, nurture,
//! rejected, unresolved; `later_converted` (converted among rejected ∪ nurture ∪ unresolved;
//! null without a `converted` role); `low_fit_handoffs` (accepted with seller outcome sent back
//! or meeting no-show; null when neither role is mapped).
//!
//! Default range: half to double the current threshold (for a threshold of zero or below, the
//! 5th to 95th percentile of the field's in-scope values, nearest rank, widened to include the
//! current value), in `steps` (default 50) evenly spaced thresholds, both ends included; for a
//! field whose values are all whole numbers, the default thresholds are rounded to whole numbers
//! and duplicates dropped. `--from` / `--to` replace either end.

use serde::Serialize;

use super::Evaluated;
use crate::dataset::{Dataset, FieldType};
use crate::engine::{self, Decision, Decisions, TestBits};
use crate::error::Error;
use crate::policy::{Condition, Op, Policy};
use crate::replay::Outcomes;

/// Default number of thresholds.
pub const DEFAULT_STEPS: usize = 50;

/// What to sweep: `rule` (and optionally `field`) pick the comparison; `None` picks the policy's
/// first numeric comparison. `from` / `to` default to the data's range (see the module docs).
#[derive(Debug, Clone, Serialize)]
pub struct SweepSpec {
    pub rule: Option<String>,
    pub field: Option<String>,
    pub from: Option<f64>,
    pub to: Option<f64>,
    pub steps: usize,
}

impl Default for SweepSpec {
    fn default() -> Self {
        Self {
            rule: None,
            field: None,
            from: None,
            to: None,
            steps: DEFAULT_STEPS,
        }
    }
}

impl SweepSpec {
    /// Parse `RULE_ID[:FIELD]`.
    pub fn target(s: &str) -> Self {
        let (rule, field) = match s.split_once(':') {
            Some((r, f)) => (r.to_string(), Some(f.to_string())),
            None => (s.to_string(), None),
        };
        Self {
            rule: Some(rule),
            field,
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepPoint {
    pub threshold: f64,
    pub accepted: usize,
    pub nurture: usize,
    pub rejected: usize,
    pub unresolved: usize,
    pub later_converted: Option<usize>,
    pub low_fit_handoffs: Option<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sweep {
    /// The rule the comparison was found in.
    pub rule: String,
    pub field: String,
    /// `gt`, `gte`, `lt` or `lte`.
    pub op: String,
    /// The threshold the policy has.
    pub current: f64,
    /// The signal holding the comparison, if it is not written in the rule itself.
    pub signal: Option<String>,
    /// Every rule whose condition reads the comparison (they move together).
    pub rules_affected: Vec<String>,
    /// How the range was chosen, in words.
    pub range: String,
    pub points: Vec<SweepPoint>,
    /// The figures at the current threshold (equal to the policy's own replay figures).
    pub at_current: SweepPoint,
}

#[derive(Debug, Clone, Serialize)]
pub struct SweepResult {
    pub sweep: Option<Sweep>,
    /// Why nothing was swept, or which comparison was chosen by default.
    pub note: Option<String>,
}

/// A numeric comparison leaf found in a rule: field, op, its threshold, and the signal it is in.
struct Leaf<'p> {
    id: crate::policy::LeafId,
    rule: &'p str,
    field: &'p str,
    op: &'p Op,
    value: f64,
    signal: Option<&'p str>,
}

fn leaves<'p>(
    c: &'p Condition,
    p: &'p Policy,
    rule: &'p str,
    signal: Option<&'p str>,
    out: &mut Vec<Leaf<'p>>,
) {
    match c {
        Condition::Field {
            field, op, leaf, ..
        } => {
            if let Some(value) = op.threshold() {
                out.push(Leaf {
                    id: *leaf,
                    rule,
                    field: &field.name,
                    op,
                    value,
                    signal,
                });
            }
        }
        Condition::Signal(n) => {
            if let Some(s) = p.signal(&n.name) {
                leaves(&s.when, p, rule, Some(s.name.as_str()), out);
            }
        }
        Condition::All(cs) | Condition::Any(cs) => {
            cs.iter().for_each(|c| leaves(c, p, rule, signal, out));
        }
        Condition::Not(inner) => leaves(inner, p, rule, signal, out),
    }
}

fn find_leaf<'p>(p: &'p Policy, spec: Option<&SweepSpec>) -> Result<Leaf<'p>, String> {
    let mut all = Vec::new();
    for r in &p.rules {
        leaves(&r.when, p, &r.id, None, &mut all);
    }
    let rule = spec.and_then(|s| s.rule.as_deref());
    let field = spec.and_then(|s| s.field.as_deref());
    if let Some(rule) = rule
        && !p.rules.iter().any(|r| r.id == rule)
    {
        return Err(format!("the policy has no rule `{rule}`"));
    }
    all.into_iter()
        .find(|l| rule.is_none_or(|r| l.rule == r) && field.is_none_or(|f| l.field == f))
        .ok_or_else(|| match (rule, field) {
            (Some(r), Some(f)) => format!("rule `{r}` has no gt/gte/lt/lte comparison of `{f}`"),
            (Some(r), None) => format!("rule `{r}` has no gt/gte/lt/lte comparison"),
            _ => "the policy has no gt/gte/lt/lte comparison to sweep".to_string(),
        })
}

/// The leaf's answer for one value: 0 true, 1 false, 2 unknown (index into the variants).
fn answer(op: &Op, x: Option<f64>, t: f64) -> usize {
    let Some(x) = x else { return 2 };
    let holds = match op {
        Op::Gt(_) => x > t,
        Op::Gte(_) => x >= t,
        Op::Lt(_) => x < t,
        Op::Lte(_) => x <= t,
        _ => return 2,
    };
    usize::from(!holds)
}

/// Everything a threshold needs, computed once.
struct Prepared<'a> {
    policy: &'a Policy,
    ds: &'a Dataset,
    bits: &'a TestBits,
    base: &'a Decisions,
    op: &'a Op,
    values: Vec<Option<f64>>,
    /// The leaf's answer per lead at the policy's own threshold (see [`answer`]); out-of-scope
    /// leads are marked 3 so that they never count as changed (scope does not read rules).
    base_state: Vec<u8>,
    /// The figures of the policy's own decisions.
    base_counts: Counts,
    /// Per affected dq / rt column: the three answers packed as bits 0 (leaf true), 1 (false),
    /// 2 (unknown).
    dq: Vec<(usize, Vec<u8>)>,
    rt: Vec<(usize, Vec<u8>)>,
    outcomes: Outcomes<'a>,
}

fn pack(v: &[polars::prelude::BooleanChunked; 3]) -> Vec<u8> {
    let [a, b, c] = v;
    a.iter()
        .zip(b.iter())
        .zip(c.iter())
        .map(|((a, b), c)| {
            u8::from(a == Some(true))
                | (u8::from(b == Some(true)) << 1)
                | (u8::from(c == Some(true)) << 2)
        })
        .collect()
}

/// Decision counts with the two outcome figures, adjustable lead by lead.
#[derive(Debug, Clone, Copy, Default)]
struct Counts {
    by_decision: [i64; 5],
    later_converted: i64,
    low_fit: i64,
}

impl Counts {
    /// Adds (`sign` 1) or removes (−1) lead `i` decided as `dec` (docs/semantics.md's definitions).
    fn add(&mut self, o: &Outcomes<'_>, i: usize, dec: Decision, sign: i64) {
        self.by_decision[dec as usize] += sign;
        match dec {
            Decision::Nurture | Decision::Rejected | Decision::Unresolved => {
                if o.converted.as_ref().is_some_and(|c| c[i]) {
                    self.later_converted += sign;
                }
            }
            Decision::Accepted => {
                let sent_back = o.seller.as_ref().and_then(|s| s[i]) == Some("sent_back");
                let no_show = o.meeting.as_ref().and_then(|m| m[i]) == Some("no_show");
                if sent_back || no_show {
                    self.low_fit += sign;
                }
            }
            Decision::OutOfScope => {}
        }
    }
}

impl Prepared<'_> {
    /// Only leads whose leaf answer differs from the policy's own can change decision: those
    /// are re-decided by the engine's assembly with the affected rules' columns for `t`; the
    /// figures are the policy's own, adjusted lead by lead.
    fn point(&self, t: f64) -> Result<SweepPoint, Error> {
        let state: Vec<u8> = self
            .values
            .iter()
            .map(|x| answer(self.op, *x, t) as u8)
            .collect();
        let changed: Vec<usize> = (0..state.len())
            .filter(|&i| self.base_state[i] != 3 && self.base_state[i] != state[i])
            .collect();
        let mut counts = self.base_counts;
        if !changed.is_empty() {
            let column = |packed: &Vec<u8>| {
                let v: Vec<bool> = packed
                    .iter()
                    .zip(&state)
                    .map(|(p, s)| (p >> s) & 1 == 1)
                    .collect();
                <polars::prelude::BooleanChunked as polars::prelude::NewChunkedArray<_, bool>>::from_slice("".into(), &v)
            };
            let mut bits = self.bits.clone();
            for (k, packed) in &self.dq {
                bits.dq[*k] = column(packed);
            }
            for (k, packed) in &self.rt {
                bits.rt[*k] = column(packed);
            }
            let redecided = engine::decide_rows(self.policy, self.ds, &bits, &changed)?;
            for (&i, d) in changed.iter().zip(&redecided) {
                counts.add(&self.outcomes, i, self.base.decision(i), -1);
                counts.add(&self.outcomes, i, d.decision, 1);
            }
        }
        Ok(self.point_of(t, &counts))
    }

    fn point_of(&self, t: f64, c: &Counts) -> SweepPoint {
        let n = |v: i64| usize::try_from(v).unwrap_or(0);
        let o = &self.outcomes;
        SweepPoint {
            threshold: t,
            accepted: n(c.by_decision[0]),
            nurture: n(c.by_decision[1]),
            rejected: n(c.by_decision[2]),
            unresolved: n(c.by_decision[3]),
            later_converted: o.converted.is_some().then(|| n(c.later_converted)),
            low_fit_handoffs: (o.seller.is_some() || o.meeting.is_some()).then(|| n(c.low_fit)),
        }
    }
}

/// The thresholds to evaluate (see the module docs).
fn thresholds(
    values: &[Option<f64>],
    include: &dyn Fn(usize) -> bool,
    current: f64,
    spec: Option<&SweepSpec>,
) -> (Vec<f64>, String) {
    let steps = spec.map_or(DEFAULT_STEPS, |s| s.steps).max(1);
    let mut sorted: Vec<f64> = values
        .iter()
        .enumerate()
        .filter(|(i, _)| include(*i))
        .filter_map(|(_, v)| *v)
        .collect();
    sorted.sort_by(f64::total_cmp);
    let pct = |q: f64| {
        let k = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len().max(1));
        sorted.get(k - 1).copied()
    };
    let whole = sorted.iter().all(|v| v.fract() == 0.0);
    let (from_given, to_given) = (spec.and_then(|s| s.from), spec.and_then(|s| s.to));
    // Half to double the current value: the question a review asks ("what if 100, or 400?").
    // A threshold of zero or below has no such range: the 5th to 95th percentile instead.
    let halving = current > 0.0;
    let from = from_given.unwrap_or_else(|| {
        if halving {
            current / 2.0
        } else {
            pct(0.05).unwrap_or(current).min(current)
        }
    });
    let to = to_given.unwrap_or_else(|| {
        if halving {
            current * 2.0
        } else {
            pct(0.95).unwrap_or(current).max(current)
        }
    });
    let (from, to) = if from <= to { (from, to) } else { (to, from) };
    let range = match (from_given, to_given) {
        (Some(_), Some(_)) => format!(
            "{} thresholds from {} to {} (as asked)",
            steps,
            fmt(from),
            fmt(to)
        ),
        _ => format!(
            "{} thresholds from {} to {}: {}{}",
            steps,
            fmt(from),
            fmt(to),
            if halving {
                format!("half to double the current {}", fmt(current))
            } else {
                format!(
                    "the 5th to 95th percentile of the field's in-scope values, with the current {}",
                    fmt(current)
                )
            },
            if whole {
                ", rounded to whole numbers"
            } else {
                ""
            }
        ),
    };
    let mut ts: Vec<f64> = if steps == 1 || from == to {
        vec![from]
    } else {
        (0..steps)
            .map(|k| from + (to - from) * k as f64 / (steps - 1) as f64)
            .collect()
    };
    if whole && from_given.is_none() && to_given.is_none() {
        ts.iter_mut().for_each(|t| *t = t.round());
        ts.dedup();
    }
    (ts, range)
}

fn fmt(x: f64) -> String {
    if x.fract() == 0.0 || x.abs() >= 1000.0 {
        crate::format_number(x.round())
    } else {
        format!("{}", (x * 1000.0).round() / 1000.0)
    }
}

pub(crate) fn sweep_policy(
    e: &Evaluated<'_>,
    ds: &Dataset,
    spec: Option<&SweepSpec>,
) -> Result<SweepResult, Error> {
    let p = e.policy;
    let leaf = match find_leaf(p, spec) {
        Ok(l) => l,
        Err(why) if spec.is_some_and(|s| s.rule.is_some()) => return Err(Error::Usage(why)),
        Err(why) => {
            return Ok(SweepResult {
                sweep: None,
                note: Some(why),
            });
        }
    };
    if ds
        .field(leaf.field)
        .is_none_or(|f| f.ty != FieldType::Number)
    {
        return Ok(SweepResult {
            sweep: None,
            note: Some(format!(
                "`{}` is not a numeric field of the dataset",
                leaf.field
            )),
        });
    }
    let variants = engine::leaf_variants(p, ds, leaf.id)?;
    let values: Vec<Option<f64>> = ds.frame.column(leaf.field)?.f64()?.iter().collect();
    let dq_rules: Vec<&str> = p.disqualify_rules().map(|(r, _)| r.id.as_str()).collect();
    let rt_rules: Vec<&str> = p.route_rules().map(|(r, _)| r.id.as_str()).collect();
    let mut affected: Vec<String> = variants
        .dq
        .iter()
        .filter_map(|(k, _)| dq_rules.get(*k))
        .chain(variants.rt.iter().filter_map(|(k, _)| rt_rules.get(*k)))
        .map(|s| s.to_string())
        .collect();
    affected.sort_by_key(|r| p.rules.iter().position(|x| &x.id == r));
    let outcomes = Outcomes::new(ds)?;
    let mut base_counts = Counts::default();
    for i in 0..ds.len() {
        base_counts.add(&outcomes, i, e.decisions.decision(i), 1);
    }
    let base_state = values
        .iter()
        .enumerate()
        .map(|(i, x)| {
            if e.in_scope(i) {
                answer(leaf.op, *x, leaf.value) as u8
            } else {
                3
            }
        })
        .collect();
    let prepared = Prepared {
        policy: p,
        ds,
        bits: &e.bits,
        base: &e.decisions,
        op: leaf.op,
        dq: variants.dq.iter().map(|(k, v)| (*k, pack(v))).collect(),
        rt: variants.rt.iter().map(|(k, v)| (*k, pack(v))).collect(),
        values,
        base_state,
        base_counts,
        outcomes,
    };
    let include = |i: usize| e.in_scope(i);
    let (ts, range) = thresholds(&prepared.values, &include, leaf.value, spec);
    // Thresholds are independent: split them over the cores.
    let workers = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 4);
    let chunk = ts.len().div_ceil(workers).max(1);
    let results: Vec<Result<Vec<SweepPoint>, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = ts
            .chunks(chunk)
            .map(|part| {
                let prepared = &prepared;
                s.spawn(move || part.iter().map(|t| prepared.point(*t)).collect())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::Usage("a sweep worker crashed".into())))
            })
            .collect()
    });
    let mut points = Vec::with_capacity(ts.len());
    for r in results {
        points.extend(r?);
    }
    let at_current = prepared.point(leaf.value)?;
    let default_note = spec.is_none_or(|s| s.rule.is_none()).then(|| {
        format!(
            "no --sweep given: swept the policy's first numeric comparison, `{} {} {}` in rule `{}`",
            leaf.field,
            leaf.op.name(),
            fmt(leaf.value),
            leaf.rule
        )
    });
    Ok(SweepResult {
        sweep: Some(Sweep {
            rule: leaf.rule.to_string(),
            field: leaf.field.to_string(),
            op: leaf.op.name().to_string(),
            current: leaf.value,
            signal: leaf.signal.map(str::to_string),
            rules_affected: affected,
            range,
            points,
            at_current,
        }),
        note: default_note,
    })
}
