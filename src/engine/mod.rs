//! The engine: compiles a validated policy into Polars expressions once and decides every lead
//! of a dataset in one pass ([`decide`]); explains single leads with a qualification packet
//! ([`explain`]) computed from the same policy by a row-at-a-time evaluator.
//!
//! The two paths are independent implementations of design.md's decision semantics and must
//! agree on every lead; the tests check that on every fixture. Neither reads files or the clock.

pub mod explain;

use polars::prelude::*;

use crate::dataset::{Dataset, hidden};
use crate::error::Error;
use crate::policy::{Condition, Literal, OnOverlap, Op, Owner, Policy, RouteKind, ScopeRole};

pub use explain::{Packet, explain};

/// The decision of one lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accepted = 0,
    Nurture = 1,
    Rejected = 2,
    Unresolved = 3,
    OutOfScope = 4,
}

impl Decision {
    pub const ALL: [Decision; 5] = [
        Decision::Accepted,
        Decision::Nurture,
        Decision::Rejected,
        Decision::Unresolved,
        Decision::OutOfScope,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Accepted => "accepted",
            Decision::Nurture => "nurture",
            Decision::Rejected => "rejected",
            Decision::Unresolved => "unresolved",
            Decision::OutOfScope => "out_of_scope",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.as_str() == s)
    }
}

/// Output column names of a decision table, in order.
pub const DECISION_COLUMNS: [&str; 8] = [
    "lead_id",
    "decision",
    "rule",
    "reason",
    "unresolved_reasons",
    "route",
    "owner",
    "sla_minutes",
];

/// Check `policy` against `dataset`, failing with every problem found.
pub fn check(policy: &Policy, dataset: &Dataset) -> Result<(), Error> {
    let diags = crate::policy::validate::check_against(policy, dataset);
    if diags.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(diags))
    }
}

/// Decide every lead: a frame with [`DECISION_COLUMNS`], one row per lead in input order.
pub fn decide(policy: &Policy, dataset: &Dataset) -> Result<DataFrame, Error> {
    decide_codes(policy, dataset)?.to_frame(policy, dataset)
}

struct Plan {
    /// Signal columns, one stage per dependency level (a signal may read earlier signals).
    signals: Vec<Vec<Expr>>,
    stage1: Vec<Expr>,
    stage2: Vec<Expr>,
    stage3: Vec<Expr>,
    output: Vec<Expr>,
}

fn or_all(exprs: impl IntoIterator<Item = Expr>) -> Expr {
    exprs
        .into_iter()
        .reduce(|a, b| a.or(b))
        .unwrap_or_else(|| lit(false))
}

/// First-match chain: the value of the first `(cond, value)` whose cond is true.
fn first_of(pairs: Vec<(Expr, Expr)>, otherwise: Expr) -> Expr {
    let mut it = pairs.into_iter();
    let Some((c0, v0)) = it.next() else {
        return otherwise;
    };
    let first = when(c0).then(v0);
    let Some((c1, v1)) = it.next() else {
        return first.otherwise(otherwise);
    };
    let mut chain = first.when(c1).then(v1);
    for (c, v) in it {
        chain = chain.when(c).then(v);
    }
    chain.otherwise(otherwise)
}

fn literal_series(lits: &[Literal]) -> Series {
    match lits.first() {
        Some(Literal::Number(_)) => {
            let v: Vec<f64> = lits
                .iter()
                .filter_map(|l| match l {
                    Literal::Number(n) => Some(*n),
                    Literal::Text(_) => None,
                })
                .collect();
            Series::new("".into(), v)
        }
        _ => {
            let v: Vec<&str> = lits
                .iter()
                .filter_map(|l| match l {
                    Literal::Text(s) => Some(s.as_str()),
                    Literal::Number(_) => None,
                })
                .collect();
            Series::new("".into(), v)
        }
    }
}

fn lit_of(l: &Literal) -> Expr {
    match l {
        Literal::Number(n) => lit(*n),
        Literal::Text(s) => lit(s.clone()),
    }
}

/// Three-valued condition as a nullable boolean expression (null = unknown).
fn condition(c: &Condition, p: &Policy) -> Expr {
    match c {
        Condition::Field { field, op, .. } => {
            let x = col(field.name.as_str());
            let v = match op {
                Op::Missing(true) => return x.is_null(),
                Op::Missing(false) => return x.is_not_null(),
                Op::Eq(l) => x.clone().eq(lit_of(l)),
                Op::Ne(l) => x.clone().neq(lit_of(l)),
                Op::In(ls) => x
                    .clone()
                    .is_in(lit(literal_series(ls)).implode(false), false),
                Op::NotIn(ls) => x
                    .clone()
                    .is_in(lit(literal_series(ls)).implode(false), false)
                    .not(),
                Op::Gt(n) => x.clone().gt(lit(*n)),
                Op::Gte(n) => x.clone().gt_eq(lit(*n)),
                Op::Lt(n) => x.clone().lt(lit(*n)),
                Op::Lte(n) => x.clone().lt_eq(lit(*n)),
                Op::Contains(s) => x
                    .clone()
                    .str()
                    .to_lowercase()
                    .str()
                    .contains_literal(lit(s.to_lowercase())),
                Op::Matches(re) => x.clone().str().contains(lit(re.as_str().to_string()), true),
            };
            // INVARIANT: a comparison with a missing value is unknown. Polars propagates nulls
            // through every operator used here (comparisons, `is_in` without `nulls_equal`,
            // `contains`); the case library checks each operator on missing values.
            v
        }
        // Signals are computed once, as columns, before any rule reads them.
        Condition::Signal(name) => col(signal_column(&name.name)),
        Condition::Not(inner) => condition(inner, p).not(),
        // Polars' boolean `and` / `or` follow Kleene logic, SQL's three-valued AND / OR
        // (`false and null` is false, `true or null` is true); the case library checks it.
        Condition::All(cs) => cs
            .iter()
            .map(|c| condition(c, p))
            .reduce(|a, b| a.and(b))
            .unwrap_or_else(|| lit(true)),
        Condition::Any(cs) => cs
            .iter()
            .map(|c| condition(c, p))
            .reduce(|a, b| a.or(b))
            .unwrap_or_else(|| lit(false)),
    }
}

/// A rule fires only when its condition is true.
fn signal_column(name: &str) -> String {
    format!("__sig_{name}")
}

/// Signal expressions grouped by dependency level: level 0 reads only fields, level n reads
/// signals of lower levels. Validation has ruled out cycles and unknown signals.
fn signal_stages(p: &Policy) -> Vec<Vec<Expr>> {
    let mut level: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    // Relax until stable: at most one pass per signal, since there are no cycles.
    for _ in 0..=p.signals.len() {
        for s in &p.signals {
            let mut l = 0;
            s.when.visit_signals(&mut |n| {
                l = l.max(level.get(n.name.as_str()).map_or(1, |x| x + 1));
            });
            level.insert(s.name.as_str(), l);
        }
    }
    let depth = level.values().max().map_or(0, |m| m + 1);
    (0..depth)
        .map(|d| {
            p.signals
                .iter()
                .filter(|s| level.get(s.name.as_str()) == Some(&d))
                .map(|s| condition(&s.when, p).alias(signal_column(&s.name)))
                .collect()
        })
        .collect()
}

fn fires(c: &Condition, p: &Policy) -> Expr {
    condition(c, p).fill_null(false)
}

fn owner_missing(owner: Option<&Owner>) -> Expr {
    match owner {
        Some(Owner::Field {
            field,
            fallback: None,
        }) => col(field.name.as_str()).is_null(),
        _ => lit(false),
    }
}

fn compile(p: &Policy, ds: &Dataset) -> Plan {
    let signals = signal_stages(p);
    let mut stage1 = Vec::new();

    // 1. Scope: every list must hold the lead's text; a missing value is out of scope.
    let in_scope = p
        .scope
        .iter()
        .map(|s| {
            let text_col = match s.role {
                ScopeRole::Source => hidden::SCOPE_SOURCE,
                ScopeRole::Campaign => hidden::SCOPE_CAMPAIGN,
                ScopeRole::Form => hidden::SCOPE_FORM,
            };
            let values: Vec<&str> = s.values.iter().map(String::as_str).collect();
            col(text_col)
                .is_in(lit(Series::new("".into(), values)).implode(false), false)
                .fill_null(false)
        })
        .reduce(|a, b| a.and(b))
        .unwrap_or_else(|| lit(true));
    stage1.push(in_scope.alias("__in_scope"));

    // 2. Disqualify rules in file order.
    let dq: Vec<(&crate::policy::Rule, &str)> = p.disqualify_rules().collect();
    for (i, (rule, _)) in dq.iter().enumerate() {
        stage1.push(fires(&rule.when, p).alias(format!("__dq{i}")));
    }

    // 3. Evidence gate.
    let mut gate: Vec<(String, String)> = Vec::new(); // (column, reason)
    for (k, req) in p.evidence.required.iter().enumerate() {
        let name = format!("__miss{k}");
        stage1.push(col(req.name.as_str()).is_null().alias(name.as_str()));
        gate.push((name, format!("missing_field:{}", req.name)));
    }
    if let Some((min, _)) = p.evidence.min_enrichment_confidence {
        let conf = ds.role("enrichment_confidence").unwrap_or_default();
        stage1.push(
            col(conf)
                .is_null()
                .or(col(conf).lt(lit(min)))
                .alias("__lowconf"),
        );
        gate.push(("__lowconf".into(), "low_enrichment_confidence".into()));
    }

    // 4. Route rules in file order.
    let routes: Vec<(&crate::policy::Rule, &crate::policy::Route)> = p.route_rules().collect();
    for (j, (rule, _)) in routes.iter().enumerate() {
        stage1.push(fires(&rule.when, p).alias(format!("__rt{j}")));
    }

    let dq_col = |i: usize| col(format!("__dq{i}"));
    let rt_col = |j: usize| col(format!("__rt{j}"));
    let any_dq = or_all((0..dq.len()).map(dq_col));
    let gated = or_all(gate.iter().map(|(c, _)| col(c.as_str())));
    let any_route = or_all((0..routes.len()).map(rt_col));
    let overlap = match p.evidence.on_overlap {
        OnOverlap::First => lit(false),
        OnOverlap::Review => {
            let mut distinct: Vec<&str> = routes.iter().map(|(_, r)| r.name.as_str()).collect();
            distinct.sort_unstable();
            distinct.dedup();
            let hits: Vec<Expr> = distinct
                .iter()
                .map(|name| {
                    or_all(
                        routes
                            .iter()
                            .enumerate()
                            .filter(|(_, (_, r))| r.name == *name)
                            .map(|(j, _)| rt_col(j)),
                    )
                    .cast(DataType::UInt32)
                })
                .collect();
            match hits.into_iter().reduce(|a, b| a + b) {
                Some(sum) => sum.gt(lit(1u32)),
                None => lit(false),
            }
        }
    };
    let first_route = |f: &dyn Fn(&crate::policy::Rule, &crate::policy::Route) -> Expr,
                       otherwise: Expr| {
        first_of(
            routes
                .iter()
                .enumerate()
                .map(|(j, (rule, route))| (rt_col(j), f(rule, route)))
                .collect(),
            otherwise,
        )
    };
    let first_no_owner = first_route(&|_, r| owner_missing(r.owner.as_ref()), lit(false));
    let first_sales = first_route(&|_, r| lit(r.kind == RouteKind::Sales), lit(false));

    // Codes, not strings: the contract's text columns are built only when they are written
    // (see `Decisions::to_frame`), so replays never pay for a million strings.
    let code = |d: Decision| lit(d as i32);
    let stage2 = vec![
        when(col("__in_scope").not())
            .then(code(Decision::OutOfScope))
            .when(any_dq.clone())
            .then(code(Decision::Rejected))
            .when(gated.clone())
            .then(code(Decision::Unresolved))
            .when(any_route.clone().not())
            .then(code(Decision::Unresolved))
            .when(overlap.clone())
            .then(code(Decision::Unresolved))
            .when(first_no_owner.clone())
            .then(code(Decision::Unresolved))
            .when(first_sales)
            .then(code(Decision::Accepted))
            .otherwise(code(Decision::Nurture))
            .alias("__decision"),
        when(col("__in_scope").not().or(any_dq))
            .then(lit(Unresolved::None as i32))
            .when(gated)
            .then(lit(Unresolved::Gate as i32))
            .when(any_route.not())
            .then(lit(Unresolved::NoRuleMatched as i32))
            .when(overlap)
            .then(lit(Unresolved::OverlappingRoutes as i32))
            .when(first_no_owner)
            .then(lit(Unresolved::NoOwner as i32))
            .otherwise(lit(Unresolved::None as i32))
            .alias("__unresolved"),
        gate.iter()
            .enumerate()
            .map(|(k, (c, _))| {
                let bit = if c == "__lowconf" { LOW_CONFIDENCE_BIT } else { 1u64 << k };
                when(col(c.as_str())).then(lit(bit)).otherwise(lit(0u64))
            })
            .reduce(|a, b| a + b)
            .unwrap_or_else(|| lit(0u64))
            .alias("__gate"),
    ];

    let index_of = |rule: &crate::policy::Rule| {
        p.rules
            .iter()
            .position(|r| std::ptr::eq(r, rule))
            .map_or(-1, |i| i as i32)
    };
    let decided = col("__decision")
        .eq(code(Decision::Accepted))
        .or(col("__decision").eq(code(Decision::Nurture)));
    let rejected = col("__decision").eq(code(Decision::Rejected));
    let dq_first = first_of(
        dq.iter()
            .enumerate()
            .map(|(i, (rule, _))| (dq_col(i), lit(index_of(rule))))
            .collect(),
        lit(-1i32),
    );
    let stage3 = vec![
        when(rejected)
            .then(dq_first)
            .when(decided.clone())
            .then(first_route(&|rule, _| lit(index_of(rule)), lit(-1i32)))
            .otherwise(lit(-1i32))
            .alias("__rule"),
    ];

    let output = vec![
        col("__decision").cast(DataType::Int32),
        col("__rule").cast(DataType::Int32),
        col("__unresolved").cast(DataType::Int32),
        col("__gate").cast(DataType::UInt64),
    ];
    Plan {
        signals,
        stage1,
        stage2,
        stage3,
        output,
    }
}

/// Bit of [`Decisions::gate`] for `low_enrichment_confidence`; bit k < 62 is `required[k]` missing.
// Not bit 63: a literal above i64::MAX did not survive the Polars sum that builds the mask
// (the agreement test caught it), so the top bit stays unused.
pub const LOW_CONFIDENCE_BIT: u64 = 1 << 62;

/// Why an unresolved lead is unresolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
pub enum Unresolved {
    None = 0,
    /// The evidence gate: see [`Decisions::gate`] for which checks failed.
    Gate = 1,
    NoRuleMatched = 2,
    OverlappingRoutes = 3,
    NoOwner = 4,
}

/// Every lead's decision as compact codes, in input order.
#[derive(Debug, Clone)]
pub struct Decisions {
    /// Index into [`Decision::ALL`].
    pub decision: Vec<u8>,
    /// Index of the deciding rule in `policy.rules`; `None` for unresolved and out-of-scope leads.
    pub rule: Vec<Option<u32>>,
    pub unresolved: Vec<Unresolved>,
    /// Failed evidence checks (bit k: `required[k]` missing; [`LOW_CONFIDENCE_BIT`]).
    pub gate: Vec<u64>,
    /// The owner of accepted and nurture leads.
    pub owner: StringChunked,
}

impl Decisions {
    pub fn len(&self) -> usize {
        self.decision.len()
    }

    pub fn is_empty(&self) -> bool {
        self.decision.is_empty()
    }

    pub fn decision(&self, i: usize) -> Decision {
        Decision::ALL[usize::from(self.decision[i])]
    }

    /// The unresolved reason codes of lead `i`, in the design's order.
    pub fn unresolved_reasons(&self, p: &Policy, i: usize) -> Vec<String> {
        match self.unresolved[i] {
            Unresolved::None => Vec::new(),
            Unresolved::Gate => {
                let g = self.gate[i];
                let mut out: Vec<String> = p
                    .evidence
                    .required
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| g & (1u64 << k) != 0)
                    .map(|(_, r)| format!("missing_field:{}", r.name))
                    .collect();
                if g & LOW_CONFIDENCE_BIT != 0 {
                    out.push("low_enrichment_confidence".into());
                }
                out
            }
            Unresolved::NoRuleMatched => vec!["no_rule_matched".into()],
            Unresolved::OverlappingRoutes => vec!["overlapping_routes".into()],
            Unresolved::NoOwner => vec!["no_owner".into()],
        }
    }

    /// The deciding rule of lead `i` with its reason (rejected) or route (accepted, nurture).
    pub fn rule<'p>(&self, p: &'p Policy, i: usize) -> Option<&'p crate::policy::Rule> {
        self.rule[i].and_then(|k| p.rules.get(k as usize))
    }

    /// The decision table of the contract: [`DECISION_COLUMNS`], one row per lead.
    pub fn to_frame(&self, p: &Policy, ds: &Dataset) -> Result<DataFrame, Error> {
        let n = self.len();
        let mut decision = StringChunkedBuilder::new("decision".into(), n);
        let mut rule = StringChunkedBuilder::new("rule".into(), n);
        let mut reason = StringChunkedBuilder::new("reason".into(), n);
        let mut unresolved = StringChunkedBuilder::new("unresolved_reasons".into(), n);
        let mut route = StringChunkedBuilder::new("route".into(), n);
        let mut sla: Vec<Option<f64>> = Vec::with_capacity(n);
        for i in 0..n {
            decision.append_value(self.decision(i).as_str());
            let r = self.rule(p, i);
            rule.append_option(r.map(|r| r.id.as_str()));
            match r.map(|r| &r.action) {
                Some(crate::policy::Action::Disqualify(code)) => {
                    reason.append_value(code);
                    route.append_null();
                    sla.push(None);
                }
                Some(crate::policy::Action::Route(name)) => {
                    reason.append_null();
                    route.append_value(name);
                    sla.push(p.route(name).and_then(|r| r.sla_minutes));
                }
                None => {
                    reason.append_null();
                    route.append_null();
                    sla.push(None);
                }
            }
            let reasons = self.unresolved_reasons(p, i);
            if reasons.is_empty() {
                unresolved.append_null();
            } else {
                unresolved.append_value(reasons.join(";"));
            }
        }
        let ids = ds.frame.column(&ds.id)?.clone().with_name("lead_id".into());
        let cols = vec![
            ids,
            decision.finish().into_column(),
            rule.finish().into_column(),
            reason.finish().into_column(),
            unresolved.finish().into_column(),
            route.finish().into_column(),
            self.owner.clone().with_name("owner".into()).into_column(),
            Float64Chunked::from_iter_options("sla_minutes".into(), sla.into_iter()).into_column(),
        ];
        Ok(DataFrame::new(n, cols)?)
    }
}

/// The owner of every lead decided by a route rule: the route's fixed owner, or the owner field's
/// text (numbers through Polars' own cast, as the packet shows them), or its fallback.
fn owners(p: &Policy, ds: &Dataset, rule: &[Option<u32>]) -> Result<StringChunked, Error> {
    let mut fields: std::collections::HashMap<&str, StringChunked> = Default::default();
    for route in &p.routes {
        if let Some(Owner::Field { field, .. }) = &route.owner
            && !fields.contains_key(field.name.as_str())
        {
            let text = ds.frame.column(&field.name)?.cast(&DataType::String)?;
            fields.insert(field.name.as_str(), text.str()?.rechunk().into_owned());
        }
    }
    let mut out = StringChunkedBuilder::new("owner".into(), rule.len());
    for (i, r) in rule.iter().enumerate() {
        let route = r
            .and_then(|k| p.rules.get(k as usize))
            .and_then(|rule| match &rule.action {
                crate::policy::Action::Route(name) => p.route(name),
                crate::policy::Action::Disqualify(_) => None,
            });
        match route.and_then(|r| r.owner.as_ref()) {
            None => out.append_null(),
            Some(Owner::Fixed(s)) => out.append_value(s),
            Some(Owner::Field { field, fallback }) => {
                let v = fields.get(field.name.as_str()).and_then(|c| c.get(i));
                out.append_option(v.or(fallback.as_deref()));
            }
        }
    }
    Ok(out.finish())
}

/// Decide every lead as compact codes (the replay's path; `decide` adds the text columns).
pub fn decide_codes(policy: &Policy, dataset: &Dataset) -> Result<Decisions, Error> {
    check(policy, dataset)?;
    decide_codes_unchecked(policy, dataset)
}

pub(crate) fn decide_codes_unchecked(policy: &Policy, dataset: &Dataset) -> Result<Decisions, Error> {
    if policy.evidence.required.len() > 62 {
        return Err(Error::Usage(format!(
            "policy `{}` requires {} evidence fields; at most 62 are supported",
            policy.id,
            policy.evidence.required.len()
        )));
    }
    let plan = compile(policy, dataset);
    let mut lf = dataset.frame.clone().lazy();
    for stage in plan.signals {
        lf = lf.with_columns(stage);
    }
    let out = lf
        .with_columns(plan.stage1)
        .with_columns(plan.stage2)
        .with_columns(plan.stage3)
        .select(plan.output)
        .collect()?;
    let ints = |name: &str| -> Result<Vec<i32>, Error> {
        Ok(out.column(name)?.i32()?.iter().map(|v| v.unwrap_or(-1)).collect())
    };
    let decision = ints("__decision")?
        .into_iter()
        .map(|d| u8::try_from(d).unwrap_or(4))
        .collect();
    let rule: Vec<Option<u32>> = ints("__rule")?
        .into_iter()
        .map(|r| u32::try_from(r).ok())
        .collect();
    let unresolved = ints("__unresolved")?
        .into_iter()
        .map(|u| match u {
            1 => Unresolved::Gate,
            2 => Unresolved::NoRuleMatched,
            3 => Unresolved::OverlappingRoutes,
            4 => Unresolved::NoOwner,
            _ => Unresolved::None,
        })
        .collect();
    let gate = out
        .column("__gate")?
        .u64()?
        .iter()
        .map(|v| v.unwrap_or(0))
        .collect();
    let owner = owners(policy, dataset, &rule)?;
    Ok(Decisions {
        decision,
        rule,
        unresolved,
        gate,
        owner,
    })
}

/// Counts of each decision in a decision frame.
pub fn counts(decisions: &DataFrame) -> Result<Vec<(Decision, usize)>, Error> {
    let d = decisions.column("decision")?.str()?.clone();
    let mut counts = [0usize; 5];
    for v in d.iter().flatten() {
        if let Some(k) = Decision::parse(v) {
            counts[Decision::ALL.iter().position(|x| *x == k).unwrap_or(0)] += 1;
        }
    }
    Ok(Decision::ALL.iter().copied().zip(counts).collect())
}
