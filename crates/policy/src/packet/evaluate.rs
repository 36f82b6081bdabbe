//! The row-at-a-time evaluator: every condition with the values it read, the scope and
//! evidence checks, and the decision through the shared decision order.

use super::{
    Decision, Eval, GateCheck, Lead, Node, Packet, PolicyRef, RoleValue, RuleCheck, ScopeCheck,
    SignalResult, Tri, Value,
};
use crate::order::{self, Assigned, Chosen, Verdict};
use crate::reason::Review;
use crate::{Condition, Literal, Op, Policy, Role, Route, RouteKind, Rule};

/// The roles a packet shows at its top, when the lead has them.
const SHOWN: [Role; 7] = [
    Role::Source,
    Role::Campaign,
    Role::Form,
    Role::CrmMatch,
    Role::EnrichmentSource,
    Role::EnrichmentConfidence,
    Role::AccountOwner,
];

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
            format!("{} {}", crate::comparison_symbol(op.name()), n(x))
        }
        Op::Contains(s) => format!("contains \"{s}\""),
        Op::Matches(re) => format!("matches /{}/", re.as_str()),
        Op::Missing(true) => "is missing".into(),
        Op::Missing(false) => "is present".into(),
    }
}

fn eval<L: Lead + ?Sized>(c: &Condition, p: &Policy, lead: &L) -> Eval {
    match c {
        Condition::Field { field, op, .. } => {
            let value = lead.value(&field.name);
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
                Some(s) => eval(&s.when, p, lead),
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
            let e = eval(inner, p, lead);
            Eval {
                result: e.result.not(),
                node: Node::Not { item: Box::new(e) },
            }
        }
        Condition::All(cs) => {
            let items: Vec<Eval> = cs.iter().map(|c| eval(c, p, lead)).collect();
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
            let items: Vec<Eval> = cs.iter().map(|c| eval(c, p, lead)).collect();
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

/// The qualification packet of `lead` under `policy`, with `outcome` (what actually happened to
/// the lead, when the caller knows) carried along.
///
/// The policy is assumed valid for the lead's data (the fields it reads exist with the types
/// it compares them as; see [`crate::validate::check_against`]). A value of the other type is
/// not missing: `eq` / `in` are false for it, `ne` / `not_in` true, comparisons and text tests
/// unknown.
pub fn explain<L: Lead + ?Sized, O>(policy: &Policy, lead: &L, outcome: O) -> Packet<O> {
    let r = lead;
    let lead_id = r.id();
    let shown = SHOWN
        .into_iter()
        .filter_map(|role| {
            r.role_field(role).map(|field| RoleValue {
                role,
                field: field.to_string(),
                value: r.value(field),
            })
        })
        .collect();

    let scope: Vec<ScopeCheck> = policy
        .scope
        .iter()
        .map(|s| {
            let value = r.scope_value(s.role);
            let listed = matches!(&value, Value::Text(t) if s.values.contains(t));
            ScopeCheck {
                role: s.role,
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
            let e = eval(&s.when, policy, r);
            SignalResult {
                name: s.name.clone(),
                result: e.result,
                eval: e,
            }
        })
        .collect();

    let check_rule = |rule: &Rule| {
        let e = eval(&rule.when, policy, r);
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
        let value = r.value(&req.name);
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
        let value = r
            .role_field(Role::EnrichmentSource)
            .map_or(Value::Missing, |c| r.value(c));
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
        let value = r
            .role_field(Role::EnrichmentConfidence)
            .map_or(Value::Missing, |c| r.value(c));
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
        lead: shown,
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
        outcome,
    };

    // The decision order of docs/semantics.md, shared with the vectorised engine; the answers are this
    // evaluator's own.
    let routes: Vec<&Route> = policy.route_rules().map(|(_, r)| r).collect();
    let answers = PacketAnswers {
        packet: &packet,
        gated: !gate_reasons.is_empty(),
        lead: r,
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
                Chosen::Otherwise => crate::OTHERWISE.to_string(),
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
    packet
}

/// A lead's answers from this evaluator's own checks, recorded in its packet.
struct PacketAnswers<'a, O, L: ?Sized> {
    packet: &'a Packet<O>,
    gated: bool,
    lead: &'a L,
}

impl<O, L: Lead + ?Sized> order::Answers for PacketAnswers<'_, O, L> {
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
        self.lead.owner_text(field)
    }
}
