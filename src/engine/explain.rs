//! The qualification packet: one lead, evaluated row-at-a-time, with every signal and the values
//! it read, the scope and evidence checks, every rule and whether it fired, the decision, and what
//! actually happened to the lead. This evaluator is deliberately independent of the Polars plan
//! in `engine/mod.rs`; the tests hold the two to the same answer on every lead.

use std::fmt::Write as _;

use polars::prelude::*;
use serde::Serialize;

use super::Decision;
use crate::dataset::{Dataset, hidden};
use crate::error::Error;
use crate::policy::order::{self, Assigned, Chosen, Verdict};
use crate::policy::reason::Review;
use crate::policy::{Condition, Literal, Op, Policy, RouteKind};

/// A cell value as a rule sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Missing,
    Number(f64),
    Text(String),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Missing => write!(f, "(missing)"),
            Value::Number(n) => write!(f, "{}", crate::format_number(*n)),
            Value::Text(s) => write!(f, "\"{s}\""),
        }
    }
}

/// Three-valued truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    fn from_bool(b: bool) -> Self {
        if b { Tri::True } else { Tri::False }
    }
    fn not(self) -> Self {
        match self {
            Tri::True => Tri::False,
            Tri::False => Tri::True,
            Tri::Unknown => Tri::Unknown,
        }
    }
    pub fn mark(self) -> &'static str {
        match self {
            Tri::True => "✓",
            Tri::False => "✗",
            Tri::Unknown => "?",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Tri::True => "true",
            Tri::False => "false",
            Tri::Unknown => "unknown",
        }
    }
}

/// An evaluated condition, with what it read.
#[derive(Debug, Clone, Serialize)]
pub struct Eval {
    pub result: Tri,
    #[serde(flatten)]
    pub node: Node,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Node {
    Field {
        field: String,
        test: String,
        value: Value,
    },
    Signal {
        signal: String,
        #[serde(skip)]
        inner: Box<Eval>,
    },
    All {
        items: Vec<Eval>,
    },
    Any {
        items: Vec<Eval>,
    },
    Not {
        item: Box<Eval>,
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct RoleValue {
    pub role: &'static str,
    pub field: String,
    pub value: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScopeCheck {
    pub role: &'static str,
    pub value: Value,
    pub listed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SignalResult {
    pub name: String,
    pub result: Tri,
    pub eval: Eval,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleCheck {
    pub id: String,
    pub description: Option<String>,
    /// `disqualify:<reason>` or `route:<route>`.
    pub action: String,
    pub result: Tri,
    pub fired: bool,
    pub eval: Eval,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateCheck {
    pub check: String,
    pub value: Value,
    pub passed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub converted: Option<bool>,
    pub seller_outcome: Option<String>,
    pub meeting: Option<String>,
    pub historical_decision: Option<String>,
    pub first_touch_minutes: Option<Value>,
    pub seller_feedback: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyRef {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub file: String,
}

/// Everything behind one lead's decision.
#[derive(Debug, Clone, Serialize)]
pub struct Packet {
    pub lead_id: String,
    pub policy: PolicyRef,
    pub lead: Vec<RoleValue>,
    pub in_scope: bool,
    pub scope: Vec<ScopeCheck>,
    pub signals: Vec<SignalResult>,
    pub disqualify_rules: Vec<RuleCheck>,
    pub evidence: Vec<GateCheck>,
    pub route_rules: Vec<RuleCheck>,
    /// Fired route rules when they pointed at more than one route (under `on_overlap = "review"`).
    pub overlapping_rules: Vec<String>,
    pub decision: Decision,
    pub rule: Option<String>,
    pub reason: Option<String>,
    pub reason_label: Option<String>,
    pub unresolved_reasons: Vec<String>,
    pub route: Option<String>,
    pub route_kind: Option<RouteKind>,
    pub queue: Option<String>,
    pub owner: Option<String>,
    pub sla_minutes: Option<f64>,
    pub outcome: Outcome,
}

/// The decision record of a packet, in the shape of a `decide` row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DecisionRecord {
    pub lead_id: String,
    pub decision: String,
    pub rule: Option<String>,
    pub reason: Option<String>,
    pub unresolved_reasons: Option<String>,
    pub route: Option<String>,
    pub owner: Option<String>,
    pub sla_minutes: Option<f64>,
}

impl Packet {
    pub fn record(&self) -> DecisionRecord {
        DecisionRecord {
            lead_id: self.lead_id.clone(),
            decision: self.decision.as_str().to_string(),
            rule: self.rule.clone(),
            reason: self.reason.clone(),
            unresolved_reasons: (!self.unresolved_reasons.is_empty())
                .then(|| self.unresolved_reasons.join(";")),
            route: self.route.clone(),
            owner: self.owner.clone(),
            sla_minutes: self.sla_minutes,
        }
    }
}

/// One row of a dataset, read by field name.
struct Row<'a> {
    ds: &'a Dataset,
    row: usize,
}

impl Row<'_> {
    fn get(&self, name: &str) -> Value {
        let Ok(c) = self.ds.frame.column(name) else {
            return Value::Missing;
        };
        match c.get(self.row) {
            Ok(AnyValue::Null) | Err(_) => Value::Missing,
            Ok(AnyValue::Float64(x)) => Value::Number(x),
            Ok(AnyValue::String(s)) => Value::Text(s.to_string()),
            Ok(AnyValue::StringOwned(s)) => Value::Text(s.to_string()),
            Ok(AnyValue::Boolean(b)) => Value::Text(b.to_string()),
            Ok(other) => Value::Text(other.to_string()),
        }
    }
    fn text(&self, name: &str) -> Option<String> {
        match self.get(name) {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }
}

fn lit_eq(v: &Value, l: &Literal) -> bool {
    match (v, l) {
        (Value::Number(x), Literal::Number(n)) => x == n,
        (Value::Text(t), Literal::Text(s)) => t == s,
        _ => false,
    }
}

fn describe_op(op: &Op) -> String {
    let list = |ls: &[Literal]| {
        ls.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let n = |x: &f64| crate::format_number(*x);
    match op {
        Op::Eq(l) => format!("= {l}"),
        Op::Ne(l) => format!("≠ {l}"),
        Op::In(ls) => format!("in [{}]", list(ls)),
        Op::NotIn(ls) => format!("not in [{}]", list(ls)),
        Op::Gt(x) | Op::Gte(x) | Op::Lt(x) | Op::Lte(x) => {
            format!("{} {}", crate::policy::comparison_symbol(op.name()), n(x))
        }
        Op::Contains(s) => format!("contains \"{s}\""),
        Op::Matches(re) => format!("matches /{}/", re.as_str()),
        Op::Missing(true) => "is missing".into(),
        Op::Missing(false) => "is present".into(),
    }
}

fn eval(c: &Condition, p: &Policy, row: &Row<'_>) -> Eval {
    match c {
        Condition::Field { field, op, .. } => {
            let value = row.get(&field.name);
            let result = match (op, &value) {
                (Op::Missing(b), v) => Tri::from_bool((*v == Value::Missing) == *b),
                (_, Value::Missing) => Tri::Unknown,
                (Op::Eq(l), v) => Tri::from_bool(lit_eq(v, l)),
                (Op::Ne(l), v) => Tri::from_bool(!lit_eq(v, l)),
                (Op::In(ls), v) => Tri::from_bool(ls.iter().any(|l| lit_eq(v, l))),
                (Op::NotIn(ls), v) => Tri::from_bool(!ls.iter().any(|l| lit_eq(v, l))),
                (Op::Gt(n), Value::Number(x)) => Tri::from_bool(x > n),
                (Op::Gte(n), Value::Number(x)) => Tri::from_bool(x >= n),
                (Op::Lt(n), Value::Number(x)) => Tri::from_bool(x < n),
                (Op::Lte(n), Value::Number(x)) => Tri::from_bool(x <= n),
                (Op::Contains(s), Value::Text(t)) => {
                    Tri::from_bool(t.to_lowercase().contains(&s.to_lowercase()))
                }
                (Op::Matches(re), Value::Text(t)) => Tri::from_bool(re.is_match(t)),
                // Type mismatches are rejected by validation before evaluation.
                _ => Tri::Unknown,
            };
            Eval {
                result,
                node: Node::Field {
                    field: field.name.clone(),
                    test: describe_op(op),
                    value,
                },
            }
        }
        Condition::Signal(name) => {
            let inner = match p.signal(&name.name) {
                Some(s) => eval(&s.when, p, row),
                None => Eval {
                    result: Tri::Unknown,
                    node: Node::All { items: Vec::new() },
                },
            };
            Eval {
                result: inner.result,
                node: Node::Signal {
                    signal: name.name.clone(),
                    inner: Box::new(inner),
                },
            }
        }
        Condition::Not(inner) => {
            let e = eval(inner, p, row);
            Eval {
                result: e.result.not(),
                node: Node::Not { item: Box::new(e) },
            }
        }
        Condition::All(cs) => {
            let items: Vec<Eval> = cs.iter().map(|c| eval(c, p, row)).collect();
            let result = if items.iter().any(|e| e.result == Tri::False) {
                Tri::False
            } else if items.iter().any(|e| e.result == Tri::Unknown) {
                Tri::Unknown
            } else {
                Tri::True
            };
            Eval {
                result,
                node: Node::All { items },
            }
        }
        Condition::Any(cs) => {
            let items: Vec<Eval> = cs.iter().map(|c| eval(c, p, row)).collect();
            let result = if items.iter().any(|e| e.result == Tri::True) {
                Tri::True
            } else if items.iter().any(|e| e.result == Tri::Unknown) {
                Tri::Unknown
            } else {
                Tri::False
            };
            Eval {
                result,
                node: Node::Any { items },
            }
        }
    }
}

/// The qualification packet of one lead (by id) under a policy.
pub fn explain(policy: &Policy, dataset: &Dataset, lead: &str) -> Result<Packet, Error> {
    super::check(policy, dataset)?;
    let row = dataset.row_of(lead)?;
    explain_row(policy, dataset, row)
}

/// The qualification packet of the lead at `row`.
pub fn explain_row(policy: &Policy, ds: &Dataset, row: usize) -> Result<Packet, Error> {
    let r = Row { ds, row };
    let lead_id = r.text(&ds.id).unwrap_or_default();

    let lead = [
        "source",
        "campaign",
        "form",
        "crm_match",
        "enrichment_source",
        "enrichment_confidence",
        "account_owner",
    ]
    .iter()
    .filter_map(|role| {
        ds.role(role).map(|field| RoleValue {
            role,
            field: field.to_string(),
            value: r.get(field),
        })
    })
    .collect();

    let scope: Vec<ScopeCheck> = policy
        .scope
        .iter()
        .map(|s| {
            let value = r.get(super::scope_column(s.role));
            let listed = matches!(&value, Value::Text(t) if s.values.contains(t));
            ScopeCheck {
                role: s.role.as_str(),
                value,
                listed,
            }
        })
        .collect();
    let in_scope = scope.iter().all(|s| s.listed);

    let signals = policy
        .signals
        .iter()
        .map(|s| {
            let e = eval(&s.when, policy, &r);
            SignalResult {
                name: s.name.clone(),
                result: e.result,
                eval: e,
            }
        })
        .collect();

    let check_rule = |rule: &crate::policy::Rule| {
        let e = eval(&rule.when, policy, &r);
        RuleCheck {
            id: rule.id.clone(),
            description: rule.description.clone(),
            action: rule.action.code(),
            result: e.result,
            fired: e.result == Tri::True,
            eval: e,
        }
    };
    let disqualify_rules: Vec<RuleCheck> = policy
        .disqualify_rules()
        .map(|(rule, _)| check_rule(rule))
        .collect();
    let route_rules: Vec<RuleCheck> = policy
        .route_rules()
        .map(|(rule, _)| check_rule(rule))
        .collect();

    let mut evidence = Vec::new();
    let mut gate_reasons = Vec::new();
    for req in &policy.evidence.required {
        let value = r.get(&req.name);
        let passed = value != Value::Missing;
        if !passed {
            gate_reasons.push(Review::MissingField(req.name.clone()).code());
        }
        evidence.push(GateCheck {
            check: format!("`{}` is present", req.name),
            value,
            passed,
        });
    }
    if let Some((approved, _)) = &policy.evidence.approved_sources {
        let value = ds
            .role("enrichment_source")
            .map_or(Value::Missing, |c| r.get(c));
        let passed = match &value {
            Value::Text(s) => approved.contains(s),
            Value::Number(x) => approved.contains(&crate::format_number(*x)),
            Value::Missing => false,
        };
        if !passed {
            gate_reasons.push(Review::UnapprovedEnrichmentSource.code());
        }
        evidence.push(GateCheck {
            check: format!(
                "the enrichment source is approved ({})",
                approved.join(", ")
            ),
            value,
            passed,
        });
    }
    if let Some((min, _)) = policy.evidence.min_enrichment_confidence {
        let value = ds
            .role("enrichment_confidence")
            .map_or(Value::Missing, |c| r.get(c));
        let passed = matches!(value, Value::Number(x) if x >= min);
        if !passed {
            gate_reasons.push(Review::LowEnrichmentConfidence.code());
        }
        evidence.push(GateCheck {
            check: format!(
                "enrichment confidence is at least {}",
                crate::format_number(min)
            ),
            value,
            passed,
        });
    }

    let mut packet = Packet {
        lead_id,
        policy: PolicyRef {
            id: policy.id.clone(),
            name: policy.name.clone(),
            version: policy.version,
            file: policy.source.path.display().to_string(),
        },
        lead,
        in_scope,
        scope,
        signals,
        disqualify_rules,
        evidence,
        route_rules,
        overlapping_rules: Vec::new(),
        decision: Decision::Unresolved,
        rule: None,
        reason: None,
        reason_label: None,
        unresolved_reasons: Vec::new(),
        route: None,
        route_kind: None,
        queue: None,
        owner: None,
        sla_minutes: None,
        outcome: outcome(ds, &r),
    };

    // The decision order of design.md, shared with the vectorised engine; the answers are this
    // evaluator's own.
    let routes: Vec<&crate::policy::Route> = policy.route_rules().map(|(_, r)| r).collect();
    let answers = PacketAnswers {
        packet: &packet,
        gated: !gate_reasons.is_empty(),
        ds,
        row,
    };
    match order::decide(policy, &routes, &answers) {
        Verdict::OutOfScope => packet.decision = Decision::OutOfScope,
        Verdict::Rejected(k) => {
            let dq = &packet.disqualify_rules[k];
            let reason = policy
                .disqualify_rules()
                .nth(k)
                .map(|(_, reason)| reason.to_string())
                .unwrap_or_default();
            packet.decision = Decision::Rejected;
            packet.rule = Some(dq.id.clone());
            packet.reason_label = policy.reason_label(&reason).map(str::to_string);
            packet.reason = Some(reason);
        }
        Verdict::Gated => packet.unresolved_reasons = gate_reasons,
        Verdict::NoRuleMatched => packet.unresolved_reasons = vec![Review::NoRuleMatched.code()],
        Verdict::OverlappingRoutes => {
            packet.overlapping_rules = packet
                .route_rules
                .iter()
                .filter(|c| c.fired)
                .map(|c| c.id.clone())
                .collect();
            packet.unresolved_reasons = vec![Review::OverlappingRoutes.code()];
        }
        Verdict::NoOwner(_) => packet.unresolved_reasons = vec![Review::NoOwner.code()],
        Verdict::Decided { route, by, owner } => {
            packet.decision = match route.kind {
                RouteKind::Sales => Decision::Accepted,
                RouteKind::Nurture => Decision::Nurture,
            };
            packet.rule = Some(match by {
                Chosen::Rule(k) => packet.route_rules[k].id.clone(),
                Chosen::Otherwise => crate::policy::OTHERWISE.to_string(),
            });
            packet.route = Some(route.name.clone());
            packet.route_kind = Some(route.kind);
            packet.queue = route.queue.clone();
            packet.owner = match owner {
                Assigned::Nobody => None,
                Assigned::Fixed(s) | Assigned::Fallback(s) => Some(s.to_string()),
                Assigned::Cell(c) => Some(c),
            };
            packet.sla_minutes = route.sla_minutes;
        }
    }
    Ok(packet)
}

/// A lead's answers from this evaluator's own checks, recorded in its packet.
struct PacketAnswers<'a> {
    packet: &'a Packet,
    gated: bool,
    ds: &'a Dataset,
    row: usize,
}

impl order::Answers for PacketAnswers<'_> {
    type Cell = String;
    fn in_scope(&self) -> bool {
        self.packet.in_scope
    }
    fn first_disqualify(&self) -> Option<usize> {
        self.packet.disqualify_rules.iter().position(|c| c.fired)
    }
    fn gated(&self) -> bool {
        self.gated
    }
    fn route_fired(&self, k: usize) -> bool {
        self.packet.route_rules.get(k).is_some_and(|c| c.fired)
    }
    fn owner_cell(&self, field: &str) -> Option<String> {
        owner_text(self.ds, field, self.row)
    }
}

/// The owner cell as text, exactly as the vectorised decision shows it.
fn owner_text(ds: &Dataset, field: &str, row: usize) -> Option<String> {
    ds.text_at(field, row).ok().flatten()
}

fn outcome(ds: &Dataset, r: &Row<'_>) -> Outcome {
    let text = |name: &str| match r.get(name) {
        Value::Text(s) => Some(s),
        _ => None,
    };
    let has = |name: &str| ds.frame.column(name).is_ok();
    Outcome {
        converted: if ds.has_converted {
            Some(text(hidden::CONVERTED).as_deref() == Some("true"))
        } else {
            None
        },
        seller_outcome: if has(hidden::SELLER_OUTCOME) {
            text(hidden::SELLER_OUTCOME).or_else(|| Some("unknown".into()))
        } else {
            None
        },
        meeting: if has(hidden::MEETING) {
            text(hidden::MEETING).or_else(|| Some("unknown".into()))
        } else {
            None
        },
        historical_decision: if has(hidden::HISTORICAL) {
            text(hidden::HISTORICAL).or_else(|| Some("unknown".into()))
        } else {
            None
        },
        first_touch_minutes: ds.role("first_touch_minutes").map(|c| r.get(c)),
        seller_feedback: ds.role("seller_feedback").map(|c| r.get(c)),
    }
}

fn render_eval(e: &Eval, out: &mut String) {
    match &e.node {
        Node::Field { field, test, value } => {
            let _ = write!(out, "{field} {value} {test} {}", e.result.mark());
        }
        Node::Signal { signal, .. } => {
            let _ = write!(out, "signal {signal} {}", e.result.mark());
        }
        Node::Not { item } => {
            out.push_str("not (");
            render_eval(item, out);
            let _ = write!(out, ") {}", e.result.mark());
        }
        Node::All { items } | Node::Any { items } => {
            let word = if matches!(e.node, Node::All { .. }) {
                " and "
            } else {
                " or "
            };
            if items.len() > 1 {
                out.push('(');
            }
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(word);
                }
                render_eval(it, out);
            }
            if items.len() > 1 {
                out.push(')');
            }
        }
    }
}

fn outcome_line(o: &Outcome) -> String {
    let mut parts = Vec::new();
    if let Some(c) = o.converted {
        parts.push(format!("converted: {}", if c { "yes" } else { "no" }));
    }
    if let Some(s) = &o.seller_outcome {
        parts.push(format!("seller: {}", s.replace('_', " ")));
    }
    if let Some(m) = &o.meeting {
        parts.push(format!("meeting: {}", m.replace('_', " ")));
    }
    if let Some(h) = &o.historical_decision {
        parts.push(format!("old process: {}", h.replace('_', " ")));
    }
    if let Some(v) = &o.first_touch_minutes {
        match v {
            Value::Number(n) => parts.push(format!(
                "first touch after {} min",
                crate::format_number(*n)
            )),
            _ => parts.push("first touch: unknown".into()),
        }
    }
    if parts.is_empty() {
        "no outcome columns in this dataset".into()
    } else {
        parts.join(" · ")
    }
}

/// A plain-language rendering of a packet for a terminal.
pub fn render(p: &Packet) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Lead {} — policy \"{}\" v{} ({})",
        p.lead_id, p.policy.name, p.policy.version, p.policy.file
    );
    let _ = writeln!(s);
    let headline = match p.decision {
        Decision::Accepted | Decision::Nurture => {
            let mut h = format!(
                "{} → route {}",
                p.decision.as_str().to_uppercase(),
                p.route.as_deref().unwrap_or("")
            );
            if let Some(q) = &p.queue {
                let _ = write!(h, " (queue {q})");
            }
            match &p.owner {
                Some(o) => {
                    let _ = write!(h, ", owner {o}");
                }
                None => h.push_str(", no owner set"),
            }
            if let Some(sla) = p.sla_minutes {
                let _ = write!(h, ", SLA {} min", crate::format_number(sla));
            }
            h
        }
        Decision::Rejected => format!(
            "REJECTED — {} ({})",
            p.reason_label.as_deref().unwrap_or(""),
            p.reason.as_deref().unwrap_or("")
        ),
        Decision::Unresolved => format!(
            "UNRESOLVED → manual review: {}",
            p.unresolved_reasons.join(", ")
        ),
        Decision::OutOfScope => "OUT OF SCOPE — not covered by this policy's pilot".to_string(),
    };
    let _ = writeln!(s, "Decision   {headline}");
    if let Some(rule) = &p.rule {
        let desc = p
            .disqualify_rules
            .iter()
            .chain(&p.route_rules)
            .find(|c| &c.id == rule)
            .and_then(|c| c.description.clone())
            .or_else(|| {
                (rule == crate::policy::OTHERWISE)
                    .then(|| crate::policy::OTHERWISE_TEXT.to_string())
            });
        match desc {
            Some(d) => {
                let _ = writeln!(s, "           decided by rule `{rule}`: {d}");
            }
            None => {
                let _ = writeln!(s, "           decided by rule `{rule}`");
            }
        }
    }
    if !p.overlapping_rules.is_empty() {
        let _ = writeln!(
            s,
            "           rules pointing at different routes: {}",
            p.overlapping_rules.join(", ")
        );
    }
    let _ = writeln!(s);
    let lead: Vec<String> = p
        .lead
        .iter()
        .map(|rv| format!("{} {}", rv.role.replace('_', " "), rv.value))
        .collect();
    if !lead.is_empty() {
        let _ = writeln!(s, "Lead       {}", lead.join(" · "));
    }
    if !p.scope.is_empty() {
        let checks: Vec<String> = p
            .scope
            .iter()
            .map(|c| {
                format!(
                    "{} {} {}",
                    c.role,
                    c.value,
                    if c.listed { "✓" } else { "✗" }
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "Scope      {} ({})",
            if p.in_scope {
                "in scope"
            } else {
                "out of scope"
            },
            checks.join(", ")
        );
    }
    let _ = writeln!(s, "Outcome    {}", outcome_line(&p.outcome));
    let width = p
        .signals
        .iter()
        .map(|x| x.name.len())
        .chain(
            p.disqualify_rules
                .iter()
                .chain(&p.route_rules)
                .map(|c| c.id.len()),
        )
        .max()
        .unwrap_or(8);
    if !p.signals.is_empty() {
        let _ = writeln!(s, "\nSignals");
        for sig in &p.signals {
            let mut line = String::new();
            render_eval(&sig.eval, &mut line);
            let _ = writeln!(
                s,
                "  {} {:width$}  {:7}  {line}",
                sig.result.mark(),
                sig.name,
                sig.result.as_str()
            );
        }
    }
    let rules = |title: &str, checks: &[RuleCheck], s: &mut String| {
        if checks.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{title}");
        for c in checks {
            let mut line = String::new();
            render_eval(&c.eval, &mut line);
            let target = c.action.replace(':', " ");
            let _ = writeln!(
                s,
                "  {} {:width$}  {:7}  {target}: {line}",
                c.result.mark(),
                c.id,
                if c.fired { "fired" } else { "-" }
            );
        }
    };
    rules(
        "Disqualification rules (checked first, in file order)",
        &p.disqualify_rules,
        &mut s,
    );
    if !p.evidence.is_empty() {
        let _ = writeln!(s, "\nEvidence gate (missing evidence means manual review)");
        for g in &p.evidence {
            let _ = writeln!(
                s,
                "  {} {} — value {}",
                if g.passed { "✓" } else { "✗" },
                g.check,
                g.value
            );
        }
    }
    rules("Routing rules (in file order)", &p.route_rules, &mut s);
    s
}
