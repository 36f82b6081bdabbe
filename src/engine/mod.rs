//! The engine: compiles a validated policy into Polars expressions once and decides every lead
//! of a dataset in one pass ([`decide`]); explains single leads with a qualification packet
//! ([`explain`]) computed from the same policy by a row-at-a-time evaluator.
//!
//! The two paths are independent implementations of docs/semantics.md's decision semantics and must
//! agree on every lead; the tests check that on every fixture. Neither reads files or the clock.

pub mod explain;

use std::collections::HashMap;

use polars::prelude::*;

use crate::dataset::{Dataset, hidden};
use crate::error::Error;
use crate::policy::order::{self, Assigned, Chosen, Verdict};
use crate::policy::reason::Review;
use crate::policy::{Condition, LeafId, Literal, Op, Owner, Policy, Role, RouteKind, ScopeRole};

pub use explain::{Packet, explain};

/// The decision of one lead (in the policy crate, with the packet evaluator).
pub use crate::policy::Decision;

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

/// The hidden column holding the trimmed text of a scope role (scope lists match cell text).
pub(crate) fn scope_column(role: ScopeRole) -> &'static str {
    match role {
        ScopeRole::Source => hidden::SCOPE_SOURCE,
        ScopeRole::Campaign => hidden::SCOPE_CAMPAIGN,
        ScopeRole::Form => hidden::SCOPE_FORM,
    }
}

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
    /// One boolean column per test of the decision order.
    stage1: Vec<(Test, Expr)>,
}

/// A test of the decision order, as one boolean column of the test frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    InScope,
    /// Disqualify rule `i` (among the disqualify rules, in file order) fired.
    Disqualify(usize),
    /// Required field `k` of `[evidence]` is missing.
    Missing(usize),
    LowConfidence,
    /// Route rule `j` (among the route rules, in file order) fired.
    Route(usize),
}

impl Test {
    /// The test's column in the test frame (hidden: fields cannot start with `__`).
    fn column(self) -> String {
        match self {
            Test::InScope => "__in_scope".into(),
            Test::Disqualify(i) => format!("__dq{i}"),
            Test::Missing(k) => format!("__miss{k}"),
            Test::LowConfidence => "__lowconf".into(),
            Test::Route(j) => format!("__rt{j}"),
        }
    }
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

/// Precomputed text-scan leaves (`contains`, `matches`), keyed by their leaf id.
type Masks = std::collections::HashMap<LeafId, Series>;

/// Evaluate every `contains` / `matches` leaf once per distinct value of its field (through the
/// dataset's cached dictionary) and keep the per-lead result as a column. Same functions as the
/// packet uses: Unicode lowercase + substring, and the `regex` crate.
fn text_masks(p: &Policy, ds: &Dataset) -> Result<Masks, Error> {
    let mut leaves: Vec<(LeafId, &str, &Op)> = Vec::new();
    for c in p
        .signals
        .iter()
        .map(|s| &s.when)
        .chain(p.rules.iter().map(|r| &r.when))
    {
        c.visit_leaves(&mut |leaf, field, op| {
            if matches!(op, Op::Contains(_) | Op::Matches(_)) {
                leaves.push((leaf, field.name.as_str(), op));
            }
        });
    }
    let mut masks = Masks::new();
    for (leaf, field, op) in leaves {
        let dict = ds.dictionary(field)?;
        let name = format!("__text{}", masks.len());
        let mask = match op {
            Op::Contains(s) => {
                let needle = s.to_lowercase();
                dict.mask(&name, |v| v.to_lowercase().contains(&needle))
            }
            Op::Matches(re) => dict.mask(&name, |v| re.is_match(v)),
            _ => continue,
        };
        masks.insert(leaf, mask.into_series());
    }
    Ok(masks)
}

/// Three-valued condition as a nullable boolean expression (null = unknown).
fn condition(c: &Condition, m: &Masks) -> Expr {
    match c {
        Condition::Field {
            field, op, leaf, ..
        } => {
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
                Op::Contains(s) => match m.get(leaf) {
                    Some(mask) => lit(mask.clone()),
                    None => x
                        .str()
                        .to_lowercase()
                        .str()
                        .contains_literal(lit(s.to_lowercase())),
                },
                Op::Matches(re) => match m.get(leaf) {
                    Some(mask) => lit(mask.clone()),
                    None => x.str().contains(lit(re.as_str().to_string()), true),
                },
            };
            // INVARIANT: a comparison with a missing value is unknown. Polars propagates nulls
            // through every operator used here (comparisons, `is_in` without `nulls_equal`,
            // `contains`); the case library checks each operator on missing values.
            v
        }
        // Signals are computed once, as columns, before any rule reads them.
        Condition::Signal(name) => col(signal_column(&name.name)),
        Condition::Not(inner) => condition(inner, m).not(),
        // Polars' boolean `and` / `or` follow Kleene logic, SQL's three-valued AND / OR
        // (`false and null` is false, `true or null` is true); the case library checks it.
        Condition::All(cs) => cs
            .iter()
            .map(|c| condition(c, m))
            .reduce(|a, b| a.and(b))
            .unwrap_or_else(|| lit(true)),
        Condition::Any(cs) => cs
            .iter()
            .map(|c| condition(c, m))
            .reduce(|a, b| a.or(b))
            .unwrap_or_else(|| lit(false)),
    }
}

fn signal_column(name: &str) -> String {
    format!("__sig_{name}")
}

/// Signal expressions grouped by dependency level: level 0 reads only fields, level n reads
/// signals of lower levels. Validation has ruled out cycles and unknown signals.
fn signal_stages(p: &Policy, m: &Masks) -> Vec<Vec<Expr>> {
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
                .map(|s| condition(&s.when, m).alias(signal_column(&s.name)))
                .collect()
        })
        .collect()
}

/// A rule fires only when its condition is true.
fn fires(c: &Condition, m: &Masks) -> Expr {
    condition(c, m).fill_null(false)
}

fn compile(p: &Policy, ds: &Dataset) -> Result<Plan, Error> {
    let m = &text_masks(p, ds)?;
    let signals = signal_stages(p, m);
    let mut stage1 = Vec::new();

    // 1. Scope: every list must hold the lead's text; a missing value is out of scope.
    let in_scope = p
        .scope
        .iter()
        .map(|s| {
            let values: Vec<&str> = s.values.iter().map(String::as_str).collect();
            col(scope_column(s.role))
                .is_in(lit(Series::new("".into(), values)).implode(false), false)
                .fill_null(false)
        })
        .reduce(|a, b| a.and(b))
        .unwrap_or_else(|| lit(true));
    stage1.push((Test::InScope, in_scope));

    // 2. Disqualify rules in file order.
    let dq: Vec<(&crate::policy::Rule, &str)> = p.disqualify_rules().collect();
    for (i, (rule, _)) in dq.iter().enumerate() {
        stage1.push((Test::Disqualify(i), fires(&rule.when, m)));
    }

    // 3. Evidence gate.
    for (k, req) in p.evidence.required.iter().enumerate() {
        stage1.push((Test::Missing(k), col(req.name.as_str()).is_null()));
    }
    if let Some((min, _)) = p.evidence.min_enrichment_confidence {
        let conf = ds.role(Role::EnrichmentConfidence).unwrap_or_default();
        // A confidence column that is not numeric has no values at all (the loader refuses a
        // text one with values): every lead lacks confidence.
        let numeric = ds
            .field(conf)
            .is_some_and(|f| f.ty == crate::dataset::FieldType::Number);
        let low = if numeric {
            col(conf).is_null().or(col(conf).lt(lit(min)))
        } else {
            lit(true)
        };
        stage1.push((Test::LowConfidence, low.fill_null(false)));
    }

    // 4. Route rules in file order.
    let routes: Vec<(&crate::policy::Rule, &crate::policy::Route)> = p.route_rules().collect();
    for (j, (rule, _)) in routes.iter().enumerate() {
        stage1.push((Test::Route(j), fires(&rule.when, m)));
    }

    Ok(Plan { signals, stage1 })
}

// Not bit 63: a literal above i64::MAX did not survive the Polars sum that builds the mask
// (the agreement test caught it), so the top bit stays unused.
pub const LOW_CONFIDENCE_BIT: u64 = 1 << 62;
/// The lead's enrichment source is missing or not in `[evidence] approved_sources`.
pub const UNAPPROVED_SOURCE_BIT: u64 = 1 << 61;

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

/// Joined unresolved-reason texts by (kind, gate bits); see [`Decisions::unresolved_text`].
#[derive(Debug, Default)]
pub struct ReasonTexts(std::collections::HashMap<(i32, u64), Option<String>>);

/// Every lead's decision as compact codes, in input order.
#[derive(Debug, Clone)]
pub struct Decisions {
    /// Index into [`Decision::ALL`].
    pub decision: Vec<u8>,
    /// Index of the deciding rule in [`Policy::decision_rules`] (`rules.len()` is the
    /// `[otherwise]` route); `None` for unresolved and out-of-scope leads.
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
                    .map(|(_, r)| Review::MissingField(r.name.clone()).code())
                    .collect();
                if g & UNAPPROVED_SOURCE_BIT != 0 {
                    out.push(Review::UnapprovedEnrichmentSource.code());
                }
                if g & LOW_CONFIDENCE_BIT != 0 {
                    out.push(Review::LowEnrichmentConfidence.code());
                }
                out
            }
            Unresolved::NoRuleMatched => vec![Review::NoRuleMatched.code()],
            Unresolved::OverlappingRoutes => vec![Review::OverlappingRoutes.code()],
            Unresolved::NoOwner => vec![Review::NoOwner.code()],
        }
    }

    /// The unresolved reasons of lead `i` joined with `;` (`None` when it has none). There are
    /// only a handful of distinct lists, so each is joined once and kept in `cache`.
    pub fn unresolved_text<'c>(
        &self,
        p: &Policy,
        i: usize,
        cache: &'c mut ReasonTexts,
    ) -> Option<&'c str> {
        let key = (self.unresolved[i] as i32, self.gate[i]);
        cache
            .0
            .entry(key)
            .or_insert_with(|| {
                let reasons = self.unresolved_reasons(p, i);
                (!reasons.is_empty()).then(|| reasons.join(";"))
            })
            .as_deref()
    }

    /// The deciding rule of lead `i` with its reason (rejected) or route (accepted, nurture).
    pub fn rule<'p>(&self, p: &'p Policy, i: usize) -> Option<&'p crate::policy::Rule> {
        self.rule[i].and_then(|k| p.rule_at(k))
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
        let mut joined = ReasonTexts::default();
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
            unresolved.append_option(self.unresolved_text(p, i, &mut joined));
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

/// Owner field columns as text (see `Dataset::text_column`; the packet shows the same text).
fn owner_fields<'p>(p: &'p Policy, ds: &Dataset) -> Result<HashMap<&'p str, StringChunked>, Error> {
    let mut fields = HashMap::new();
    for route in &p.routes {
        if let Some(Owner::Field { field, .. }) = &route.owner
            && !fields.contains_key(field.name.as_str())
        {
            fields.insert(field.name.as_str(), ds.text_column(&field.name)?);
        }
    }
    Ok(fields)
}

/// Decide every lead as compact codes (the replay's path; `decide` adds the text columns).
pub fn decide_codes(policy: &Policy, dataset: &Dataset) -> Result<Decisions, Error> {
    check(policy, dataset)?;
    decide_codes_unchecked(policy, dataset)
}

/// Position of a rule in the policy's file order, by its id (ids are unique; the `[otherwise]`
/// rule is not among them).
fn index_of(p: &Policy, r: &crate::policy::Rule) -> Option<u32> {
    p.rules.iter().position(|x| x.id == r.id).map(|i| i as u32)
}

/// Polars evaluates every test of the policy over whole columns (the costly part: comparisons,
/// lists, text scans, three-valued logic); the decision order then reads those bit columns lead
/// by lead and stops at the first test that decides, so no per-branch intermediate column is
/// ever materialised.
pub(crate) fn decide_codes_unchecked(
    policy: &Policy,
    dataset: &Dataset,
) -> Result<Decisions, Error> {
    let bits = test_bits(policy, dataset)?;
    assemble(policy, dataset, &bits, Owners::Keep)
}

/// Every test of the decision order as a null-free bit column (`true` = the test holds), in
/// input order. A rule's column is true exactly where its condition is true ("fires"), whether
/// or not the decision order reaches that rule for the lead. Analyses read these bits and
/// re-run [`assemble`] with some columns replaced (a rule removed, a threshold swept) instead of
/// evaluating the policy again.
#[derive(Debug, Clone)]
pub struct TestBits {
    /// The lead is in `[scope]`.
    pub in_scope: BooleanChunked,
    /// One column per `disqualify` rule, in [`Policy::disqualify_rules`] order.
    pub dq: Vec<BooleanChunked>,
    /// Evidence checks that failed, each with its bit in [`Decisions::gate`].
    pub gate: Vec<(BooleanChunked, u64)>,
    /// One column per `route` rule, in [`Policy::route_rules`] order.
    pub rt: Vec<BooleanChunked>,
}

/// Whether [`assemble`] resolves owners (text) or only the decision codes (for counting).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owners {
    Keep,
    /// `Decisions::owner` is left all-missing; decisions, rules and reasons are exact.
    Skip,
}

/// True where the lead's enrichment source (trimmed text, exact) is missing or not approved.
/// Text sources are tested once per distinct value through the field's dictionary.
fn unapproved_sources(ds: &Dataset, approved: &[String]) -> Result<BooleanChunked, Error> {
    let field = ds.role(Role::EnrichmentSource).ok_or_else(|| {
        Error::Usage("approved_sources needs the dataset's `enrichment_source` role".into())
    })?;
    let listed = |s: &str| approved.iter().any(|a| a == s);
    let known: BooleanChunked =
        if ds.field(field).map(|f| f.ty) == Some(crate::dataset::FieldType::Text) {
            ds.dictionary(field)?.mask("__unapproved", listed)
        } else {
            ds.text_column(field)?
                .iter()
                .map(|v| v.map(listed))
                .collect()
        };
    // Missing → not approved: the gate never guesses.
    Ok(known
        .iter()
        .map(|v| Some(!v.unwrap_or(false)))
        .collect::<BooleanChunked>()
        .with_name("__unapproved".into()))
}

/// A test column with one answer per lead: a select of nothing but literals has one row (a
/// policy with no scope and no rules; a condition that is only a forced leaf), broadcast here.
fn every_lead(c: BooleanChunked, n: usize) -> BooleanChunked {
    if c.len() == n {
        c
    } else {
        BooleanChunked::full(c.name().clone(), c.get(0) == Some(true), n)
    }
}

/// Compute every test column of a policy (the policy must have been checked against the
/// dataset, see [`check`]).
pub fn test_bits(policy: &Policy, dataset: &Dataset) -> Result<TestBits, Error> {
    let p = policy;
    if p.evidence.required.len() > 61 {
        return Err(Error::Usage(format!(
            "policy `{}` requires {} evidence fields; at most 61 are supported",
            p.id,
            p.evidence.required.len()
        )));
    }
    let plan = compile(p, dataset)?;
    let mut lf = dataset.frame.clone().lazy();
    for stage in plan.signals {
        lf = lf.with_columns(stage);
    }
    let tests = lf
        .select(
            plan.stage1
                .into_iter()
                .map(|(test, e)| e.alias(test.column()))
                .collect::<Vec<_>>(),
        )
        .collect()?;
    // Every test column is null-free (see `compile`), so its value bits are its answers.
    let column = |test: Test| -> Result<BooleanChunked, Error> {
        Ok(every_lead(
            tests.column(&test.column())?.bool()?.rechunk().into_owned(),
            dataset.len(),
        ))
    };
    let in_scope = column(Test::InScope)?;
    let dq = (0..p.disqualify_rules().count())
        .map(|i| column(Test::Disqualify(i)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut gate = Vec::new();
    for k in 0..p.evidence.required.len() {
        gate.push((column(Test::Missing(k))?, 1u64 << k));
    }
    if let Some((approved, _)) = &p.evidence.approved_sources {
        gate.push((
            unapproved_sources(dataset, approved)?,
            UNAPPROVED_SOURCE_BIT,
        ));
    }
    if p.evidence.min_enrichment_confidence.is_some() {
        gate.push((column(Test::LowConfidence)?, LOW_CONFIDENCE_BIT));
    }
    let rt = (0..p.route_rules().count())
        .map(|j| column(Test::Route(j)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TestBits {
        in_scope,
        dq,
        gate,
        rt,
    })
}

/// The decision order of docs/semantics.md over precomputed test bits: the only place decisions are
/// assembled, for `decide`, `replay` and every analysis.
pub fn assemble(
    policy: &Policy,
    dataset: &Dataset,
    bits: &TestBits,
    owners: Owners,
) -> Result<Decisions, Error> {
    let n = dataset.len();
    let keep = owners == Owners::Keep;
    let mut decision = vec![Decision::Unresolved as u8; n];
    let mut rule: Vec<Option<u32>> = vec![None; n];
    let mut unresolved = vec![Unresolved::None; n];
    let mut gate = vec![0u64; n];
    let mut owner = StringChunkedBuilder::new("owner".into(), if keep { n } else { 0 });
    assemble_rows(policy, dataset, bits, Rows::All, |row, d, who| {
        decision[row] = d.decision as u8;
        rule[row] = d.rule;
        unresolved[row] = d.unresolved;
        gate[row] = d.gate;
        if keep {
            owner.append_option(who);
        }
    })?;
    let owner = if keep {
        owner.finish()
    } else {
        StringChunked::full_null("owner".into(), n)
    };
    Ok(Decisions {
        decision,
        rule,
        unresolved,
        gate,
        owner,
    })
}

/// The decision of one lead, without its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowDecision {
    pub decision: Decision,
    /// Index of the deciding rule in `policy.rules`.
    pub rule: Option<u32>,
    pub unresolved: Unresolved,
    pub gate: u64,
}

/// [`assemble`] for some leads only (rows in the order given): an analysis that changed a few
/// leads' test bits (a threshold sweep) re-decides just those.
pub fn decide_rows(
    policy: &Policy,
    dataset: &Dataset,
    bits: &TestBits,
    rows: &[usize],
) -> Result<Vec<RowDecision>, Error> {
    let mut out = Vec::with_capacity(rows.len());
    assemble_rows(policy, dataset, bits, Rows::Some(rows), |_, d, _| {
        out.push(d)
    })?;
    Ok(out)
}

enum Rows<'r> {
    All,
    Some(&'r [usize]),
}

/// One chunk of a boolean test column.
type Bits = <BooleanType as PolarsDataType>::Array;

/// One lead's answers from the vectorised test columns (a missing array means "never").
struct RowAnswers<'a, 'p> {
    row: usize,
    scope: Option<&'a Bits>,
    dq: &'a [Option<&'a Bits>],
    gate: &'a [(Option<&'a Bits>, u64)],
    rt: &'a [Option<&'a Bits>],
    owners: &'a HashMap<&'p str, StringChunked>,
}

impl RowAnswers<'_, '_> {
    fn on(&self, a: Option<&Bits>) -> bool {
        a.is_some_and(|a| a.value(self.row))
    }
    /// The gate checks that failed, as bits.
    fn gate_bits(&self) -> u64 {
        self.gate
            .iter()
            .filter(|(b, _)| self.on(*b))
            .fold(0u64, |acc, (_, bit)| acc | bit)
    }
}

impl<'a> order::Answers for RowAnswers<'a, '_> {
    type Cell = &'a str;
    fn in_scope(&self) -> bool {
        self.on(self.scope)
    }
    fn first_disqualify(&self) -> Option<usize> {
        self.dq.iter().position(|b| self.on(*b))
    }
    fn gated(&self) -> bool {
        self.gate.iter().any(|(b, _)| self.on(*b))
    }
    fn route_fired(&self, k: usize) -> bool {
        self.on(self.rt[k])
    }
    fn owner_cell(&self, field: &str) -> Option<&'a str> {
        self.owners.get(field).and_then(|c| c.get(self.row))
    }
}

/// The decision order, lead by lead over the test bits, calling `sink(row, decision, owner)`.
fn assemble_rows(
    policy: &Policy,
    dataset: &Dataset,
    bits: &TestBits,
    rows: Rows<'_>,
    mut sink: impl FnMut(usize, RowDecision, Option<&str>),
) -> Result<(), Error> {
    let p = policy;
    // The single arrow array behind each column (a column built elsewhere may be chunked).
    let one = |c: &BooleanChunked| c.rechunk().into_owned();
    let in_scope = one(&bits.in_scope);
    let dq_cols: Vec<BooleanChunked> = bits.dq.iter().map(one).collect();
    let gate_cols: Vec<(BooleanChunked, u64)> =
        bits.gate.iter().map(|(c, b)| (one(c), *b)).collect();
    let rt_cols: Vec<BooleanChunked> = bits.rt.iter().map(one).collect();
    let scope_bits = in_scope.downcast_iter().next();
    let dq_bits: Vec<_> = dq_cols.iter().map(|c| c.downcast_iter().next()).collect();
    let gate_bits: Vec<_> = gate_cols
        .iter()
        .map(|(c, bit)| (c.downcast_iter().next(), *bit))
        .collect();
    let rt_bits: Vec<_> = rt_cols.iter().map(|c| c.downcast_iter().next()).collect();
    let routes: Vec<(&crate::policy::Rule, &crate::policy::Route)> = p.route_rules().collect();
    let dq_rules: Vec<Option<u32>> = p.disqualify_rules().map(|(r, _)| index_of(p, r)).collect();
    let rt_rules: Vec<Option<u32>> = routes.iter().map(|(r, _)| index_of(p, r)).collect();
    let otherwise_rule = u32::try_from(p.rules.len()).ok();
    let fields = owner_fields(p, dataset)?;

    let route_of: Vec<&crate::policy::Route> = routes.iter().map(|(_, r)| *r).collect();
    let mut decide = |row: usize| {
        let lead = RowAnswers {
            row,
            scope: scope_bits,
            dq: &dq_bits,
            gate: &gate_bits,
            rt: &rt_bits,
            owners: &fields,
        };
        let mut d = RowDecision {
            decision: Decision::Unresolved,
            rule: None,
            unresolved: Unresolved::None,
            gate: 0,
        };
        let mut who = None;
        match order::decide(p, &route_of, &lead) {
            Verdict::OutOfScope => d.decision = Decision::OutOfScope,
            Verdict::Rejected(k) => {
                d.decision = Decision::Rejected;
                d.rule = dq_rules[k];
            }
            Verdict::Gated => {
                d.gate = lead.gate_bits();
                d.unresolved = Unresolved::Gate;
            }
            Verdict::NoRuleMatched => d.unresolved = Unresolved::NoRuleMatched,
            Verdict::OverlappingRoutes => d.unresolved = Unresolved::OverlappingRoutes,
            // INVARIANT: `no_owner` never falls through to the next rule.
            Verdict::NoOwner(_) => d.unresolved = Unresolved::NoOwner,
            Verdict::Decided { route, by, owner } => {
                d.decision = match route.kind {
                    RouteKind::Sales => Decision::Accepted,
                    RouteKind::Nurture => Decision::Nurture,
                };
                d.rule = match by {
                    Chosen::Rule(j) => rt_rules[j],
                    Chosen::Otherwise => otherwise_rule,
                };
                who = match owner {
                    Assigned::Nobody => None,
                    Assigned::Fixed(s) | Assigned::Fallback(s) | Assigned::Cell(s) => Some(s),
                };
            }
        }
        sink(row, d, who);
    };
    match rows {
        Rows::All => (0..dataset.len()).for_each(&mut decide),
        Rows::Some(rows) => rows.iter().for_each(|&r| decide(r)),
    }
    Ok(())
}

/// The test columns of the rules that read `leaf` (a field comparison of `policy`, by its id,
/// directly or through signals), each evaluated three times with the leaf's answer
/// forced to true, false and unknown. Any other answer of the leaf is one of these three, so a
/// threshold sweep picks per lead the variant its own comparison gives: exact three-valued
/// semantics without evaluating the policy again.
#[derive(Debug, Clone)]
pub struct LeafVariants {
    /// (index into [`TestBits::dq`], [leaf true, leaf false, leaf unknown]).
    pub dq: Vec<(usize, [BooleanChunked; 3])>,
    /// (index into [`TestBits::rt`], [leaf true, leaf false, leaf unknown]).
    pub rt: Vec<(usize, [BooleanChunked; 3])>,
}

/// See [`LeafVariants`].
pub fn leaf_variants(
    policy: &Policy,
    dataset: &Dataset,
    leaf: LeafId,
) -> Result<LeafVariants, Error> {
    let p = policy;
    let m = &text_masks(p, dataset)?;
    let key = leaf;
    let forced = [lit(true), lit(false), lit(NULL).cast(DataType::Boolean)];
    let mut exprs = Vec::new();
    let mut wanted: Vec<(bool, usize)> = Vec::new();
    let dq: Vec<&crate::policy::Rule> = p.disqualify_rules().map(|(r, _)| r).collect();
    let rt: Vec<&crate::policy::Rule> = p.route_rules().map(|(r, _)| r).collect();
    for (is_dq, rules) in [(true, &dq), (false, &rt)] {
        for (i, r) in rules.iter().enumerate() {
            if !reads_leaf(&r.when, p, key) {
                continue;
            }
            for (v, f) in forced.iter().enumerate() {
                exprs.push(
                    substituted(&r.when, p, m, key, f)
                        .fill_null(false)
                        .alias(format!("__v{}_{v}", wanted.len())),
                );
            }
            wanted.push((is_dq, i));
        }
    }
    let mut out = LeafVariants {
        dq: Vec::new(),
        rt: Vec::new(),
    };
    if exprs.is_empty() {
        return Ok(out);
    }
    let df = dataset.frame.clone().lazy().select(exprs).collect()?;
    for (w, (is_dq, i)) in wanted.into_iter().enumerate() {
        let col3 = |v: usize| -> Result<BooleanChunked, Error> {
            let c = df
                .column(&format!("__v{w}_{v}"))?
                .bool()?
                .rechunk()
                .into_owned();
            // A condition that is only the forced leaf is a literal: one row.
            Ok(every_lead(c, dataset.len()))
        };
        let variants = [col3(0)?, col3(1)?, col3(2)?];
        if is_dq {
            out.dq.push((i, variants));
        } else {
            out.rt.push((i, variants));
        }
    }
    Ok(out)
}

/// Whether `c` reads the leaf `key`, directly or through (nested) signals.
fn reads_leaf(c: &Condition, p: &Policy, key: LeafId) -> bool {
    match c {
        Condition::Field { leaf, .. } => *leaf == key,
        Condition::Signal(name) => p
            .signal(&name.name)
            .is_some_and(|s| reads_leaf(&s.when, p, key)),
        Condition::All(cs) | Condition::Any(cs) => cs.iter().any(|c| reads_leaf(c, p, key)),
        Condition::Not(inner) => reads_leaf(inner, p, key),
    }
}

/// [`condition`] with signals inlined and the leaf `key` replaced by `forced`.
fn substituted(c: &Condition, p: &Policy, m: &Masks, key: LeafId, forced: &Expr) -> Expr {
    match c {
        Condition::Field { leaf, .. } if *leaf == key => forced.clone(),
        Condition::Field { .. } => condition(c, m),
        Condition::Signal(name) => match p.signal(&name.name) {
            Some(s) => substituted(&s.when, p, m, key, forced),
            // Validation rules out unknown signals; unknown is the safe reading.
            None => lit(NULL).cast(DataType::Boolean),
        },
        Condition::Not(inner) => substituted(inner, p, m, key, forced).not(),
        Condition::All(cs) => cs
            .iter()
            .map(|c| substituted(c, p, m, key, forced))
            .reduce(|a, b| a.and(b))
            .unwrap_or_else(|| lit(true)),
        Condition::Any(cs) => cs
            .iter()
            .map(|c| substituted(c, p, m, key, forced))
            .reduce(|a, b| a.or(b))
            .unwrap_or_else(|| lit(false)),
    }
}

/// Counts of each decision.
pub fn counts(d: &Decisions) -> Vec<(Decision, usize)> {
    let mut counts = [0usize; 5];
    for &c in &d.decision {
        counts[usize::from(c).min(4)] += 1;
    }
    Decision::ALL.iter().copied().zip(counts).collect()
}
