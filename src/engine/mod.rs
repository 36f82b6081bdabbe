//! The engine: compiles a validated policy into Polars expressions once and decides every lead
//! of a dataset in one pass ([`decide`]); explains single leads with a qualification packet
//! ([`explain`]) computed from the same policy by a row-at-a-time evaluator.
//!
//! The two paths are independent implementations of design.md's decision semantics and must
//! agree on every lead; the tests check that on every fixture. Neither reads files or the clock.

pub mod explain;

use polars::prelude::*;

use crate::dataset::{Dataset, FieldType, hidden};
use crate::error::Error;
use crate::policy::{Condition, Literal, OnOverlap, Op, Owner, Policy, RouteKind, ScopeRole};

pub use explain::{Packet, explain};

/// The decision of one lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Accepted,
    Nurture,
    Rejected,
    Unresolved,
    OutOfScope,
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
    check(policy, dataset)?;
    decide_unchecked(policy, dataset)
}

/// [`decide`] for a policy already checked against this dataset.
pub(crate) fn decide_unchecked(policy: &Policy, dataset: &Dataset) -> Result<DataFrame, Error> {
    let plan = compile(policy, dataset);
    let out = dataset
        .frame
        .clone()
        .lazy()
        .with_columns(plan.stage1)
        .with_columns(plan.stage2)
        .with_columns(plan.stage3)
        .select(plan.output)
        .collect()?;
    Ok(out)
}

struct Plan {
    stage1: Vec<Expr>,
    stage2: Vec<Expr>,
    stage3: Vec<Expr>,
    output: Vec<Expr>,
}

fn null_str() -> Expr {
    lit(NULL).cast(DataType::String)
}

fn null_bool() -> Expr {
    lit(NULL).cast(DataType::Boolean)
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
            // INVARIANT: a comparison with a missing value is unknown, whatever Polars does with
            // nulls inside a particular kernel.
            when(x.is_null()).then(null_bool()).otherwise(v)
        }
        Condition::Signal(name) => match p.signal(&name.name) {
            Some(s) => condition(&s.when, p),
            None => null_bool(),
        },
        Condition::Not(inner) => condition(inner, p).not(),
        Condition::All(cs) => {
            let xs: Vec<Expr> = cs.iter().map(|c| condition(c, p)).collect();
            let any_false = or_all(xs.iter().map(|x| x.clone().fill_null(true).not()));
            let any_null = or_all(xs.iter().map(|x| x.clone().is_null()));
            when(any_false)
                .then(lit(false))
                .when(any_null)
                .then(null_bool())
                .otherwise(lit(true))
        }
        Condition::Any(cs) => {
            let xs: Vec<Expr> = cs.iter().map(|c| condition(c, p)).collect();
            let any_true = or_all(xs.iter().map(|x| x.clone().fill_null(false)));
            let any_null = or_all(xs.iter().map(|x| x.clone().is_null()));
            when(any_true)
                .then(lit(true))
                .when(any_null)
                .then(null_bool())
                .otherwise(lit(false))
        }
    }
}

/// A rule fires only when its condition is true.
fn fires(c: &Condition, p: &Policy) -> Expr {
    condition(c, p).fill_null(false)
}

fn owner_value(owner: Option<&Owner>, ds: &Dataset) -> Expr {
    match owner {
        None => null_str(),
        Some(Owner::Fixed(s)) => lit(s.clone()),
        Some(Owner::Field { field, fallback }) => {
            let x = match ds.field(&field.name).map(|f| f.ty) {
                Some(FieldType::Number) => col(field.name.as_str()).cast(DataType::String),
                _ => col(field.name.as_str()),
            };
            match fallback {
                Some(fb) => x.fill_null(lit(fb.clone())),
                None => x,
            }
        }
    }
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

    let stage2 = vec![
        when(col("__in_scope").not())
            .then(lit("out_of_scope"))
            .when(any_dq.clone())
            .then(lit("rejected"))
            .when(gated.clone())
            .then(lit("unresolved"))
            .when(any_route.clone().not())
            .then(lit("unresolved"))
            .when(overlap.clone())
            .then(lit("unresolved"))
            .when(first_no_owner.clone())
            .then(lit("unresolved"))
            .when(first_sales)
            .then(lit("accepted"))
            .otherwise(lit("nurture"))
            .alias("decision"),
        {
            let gate_reasons = if gate.is_empty() {
                null_str()
            } else {
                concat_str(
                    gate.iter()
                        .map(|(c, reason)| {
                            when(col(c.as_str()))
                                .then(lit(reason.clone()))
                                .otherwise(null_str())
                        })
                        .collect::<Vec<_>>(),
                    ";",
                    true,
                )
            };
            when(col("__in_scope").not().or(any_dq))
                .then(null_str())
                .when(gated)
                .then(gate_reasons)
                .when(any_route.not())
                .then(lit("no_rule_matched"))
                .when(overlap)
                .then(lit("overlapping_routes"))
                .when(first_no_owner)
                .then(lit("no_owner"))
                .otherwise(null_str())
                .alias("unresolved_reasons")
        },
    ];

    let decided = col("decision")
        .eq(lit("accepted"))
        .or(col("decision").eq(lit("nurture")));
    let rejected = col("decision").eq(lit("rejected"));
    let dq_first = |f: &dyn Fn(&crate::policy::Rule, &str) -> Expr| {
        first_of(
            dq.iter()
                .enumerate()
                .map(|(i, (rule, reason))| (dq_col(i), f(rule, reason)))
                .collect(),
            null_str(),
        )
    };
    let stage3 = vec![
        when(rejected.clone())
            .then(dq_first(&|rule, _| lit(rule.id.clone())))
            .when(decided.clone())
            .then(first_route(&|rule, _| lit(rule.id.clone()), null_str()))
            .otherwise(null_str())
            .alias("rule"),
        when(rejected)
            .then(dq_first(&|_, reason| lit(reason.to_string())))
            .otherwise(null_str())
            .alias("reason"),
        when(decided.clone())
            .then(first_route(&|_, r| lit(r.name.clone()), null_str()))
            .otherwise(null_str())
            .alias("route"),
        when(decided.clone())
            .then(first_route(
                &|_, r| owner_value(r.owner.as_ref(), ds),
                null_str(),
            ))
            .otherwise(null_str())
            .alias("owner"),
        when(decided)
            .then(first_route(
                &|_, r| match r.sla_minutes {
                    Some(n) => lit(n),
                    None => lit(NULL).cast(DataType::Float64),
                },
                lit(NULL).cast(DataType::Float64),
            ))
            .otherwise(lit(NULL).cast(DataType::Float64))
            .alias("sla_minutes"),
    ];

    let output = vec![
        col(ds.id.as_str()).alias("lead_id"),
        col("decision"),
        col("rule"),
        col("reason"),
        col("unresolved_reasons"),
        col("route"),
        col("owner"),
        col("sla_minutes").cast(DataType::Float64),
    ];
    Plan {
        stage1,
        stage2,
        stage3,
        output,
    }
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
