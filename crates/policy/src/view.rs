//! A policy as plain data, for editors: the same sections as the TOML file, with conditions as a
//! tagged tree. [`PolicyView::of`] reads a parsed [`Policy`]; [`super::edit`] writes the same
//! shapes back into the TOML text. With the `specta` feature the types also describe themselves
//! to the desktop app's generated TypeScript bindings.

use serde::{Deserialize, Serialize};

use super::{Action, Condition, Literal, OnOverlap, Op, Owner, Policy, RouteKind};

/// One literal of a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(untagged)]
pub enum Scalar {
    Number(f64),
    Text(String),
}

/// The value of a comparison: a boolean for `missing`, a list for `in`/`not_in`, else one
/// literal (a regex for `matches`, a text for `contains`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(untagged)]
pub enum Lit {
    Bool(bool),
    Number(f64),
    Text(String),
    List(Vec<Scalar>),
}

/// A condition as written in the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Cond {
    /// `op` is the policy's operator key: eq ne in not_in gt gte lt lte contains matches missing.
    Field {
        field: String,
        op: String,
        value: Lit,
    },
    Signal {
        name: String,
    },
    All {
        items: Vec<Cond>,
    },
    Any {
        items: Vec<Cond>,
    },
    Not {
        item: Box<Cond>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ActionView {
    Disqualify { reason: String },
    Route { route: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OwnerView {
    Fixed {
        name: String,
    },
    Field {
        field: String,
        fallback: Option<String>,
    },
}

/// A rule: the shape the editor shows and the shape it sends back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RuleView {
    pub id: String,
    pub description: Option<String>,
    pub action: ActionView,
    pub when: Cond,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SignalView {
    pub name: String,
    pub when: Cond,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReasonView {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum RouteKindView {
    Sales,
    Nurture,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RouteView {
    pub name: String,
    pub kind: RouteKindView,
    pub queue: Option<String>,
    pub owner: Option<OwnerView>,
    pub sla_minutes: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ScopeView {
    pub role: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum OverlapView {
    Review,
    First,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct EvidenceView {
    pub required: Vec<String>,
    /// `None`: any enrichment source may be used.
    pub approved_sources: Option<Vec<String>>,
    pub min_enrichment_confidence: Option<f64>,
    pub on_overlap: OverlapView,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct PolicyView {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub description: Option<String>,
    pub scope: Vec<ScopeView>,
    pub allowed: Vec<String>,
    pub sensitive: Vec<String>,
    pub evidence: EvidenceView,
    pub signals: Vec<SignalView>,
    pub reasons: Vec<ReasonView>,
    pub routes: Vec<RouteView>,
    /// In file order (which, within each kind, is decision order).
    pub rules: Vec<RuleView>,
    /// The `[otherwise]` route: where a lead goes that passed the gate and no route rule claims.
    pub otherwise: Option<String>,
}

fn scalar(l: &Literal) -> Scalar {
    match l {
        Literal::Text(s) => Scalar::Text(s.clone()),
        Literal::Number(n) => Scalar::Number(*n),
    }
}

impl Cond {
    pub fn of(c: &Condition) -> Self {
        match c {
            Condition::Field { field, op, .. } => {
                let value = match op {
                    Op::Eq(l) | Op::Ne(l) => match scalar(l) {
                        Scalar::Number(n) => Lit::Number(n),
                        Scalar::Text(s) => Lit::Text(s),
                    },
                    Op::In(ls) | Op::NotIn(ls) => Lit::List(ls.iter().map(scalar).collect()),
                    Op::Gt(n) | Op::Gte(n) | Op::Lt(n) | Op::Lte(n) => Lit::Number(*n),
                    Op::Contains(s) => Lit::Text(s.clone()),
                    Op::Matches(re) => Lit::Text(re.as_str().to_string()),
                    Op::Missing(b) => Lit::Bool(*b),
                };
                Cond::Field {
                    field: field.name.clone(),
                    op: op.name().to_string(),
                    value,
                }
            }
            Condition::Signal(s) => Cond::Signal {
                name: s.name.clone(),
            },
            Condition::All(cs) => Cond::All {
                items: cs.iter().map(Cond::of).collect(),
            },
            Condition::Any(cs) => Cond::Any {
                items: cs.iter().map(Cond::of).collect(),
            },
            Condition::Not(c) => Cond::Not {
                item: Box::new(Cond::of(c)),
            },
        }
    }
}

impl PolicyView {
    pub fn of(p: &Policy) -> Self {
        let names = |ns: &[super::Named]| ns.iter().map(|n| n.name.clone()).collect();
        Self {
            id: p.id.clone(),
            name: p.name.clone(),
            version: p.version,
            description: p.description.clone(),
            scope: p
                .scope
                .iter()
                .map(|s| ScopeView {
                    role: s.role.as_str().to_string(),
                    values: s.values.clone(),
                })
                .collect(),
            allowed: names(&p.allowed),
            sensitive: names(&p.sensitive),
            evidence: EvidenceView {
                required: names(&p.evidence.required),
                approved_sources: p.evidence.approved_sources.as_ref().map(|a| a.0.clone()),
                min_enrichment_confidence: p
                    .evidence
                    .min_enrichment_confidence
                    .as_ref()
                    .map(|m| m.0),
                on_overlap: match p.evidence.on_overlap {
                    OnOverlap::Review => OverlapView::Review,
                    OnOverlap::First => OverlapView::First,
                },
            },
            signals: p
                .signals
                .iter()
                .map(|s| SignalView {
                    name: s.name.clone(),
                    when: Cond::of(&s.when),
                })
                .collect(),
            reasons: p
                .reasons
                .iter()
                .map(|r| ReasonView {
                    code: r.code.clone(),
                    label: r.label.clone(),
                })
                .collect(),
            routes: p
                .routes
                .iter()
                .map(|r| RouteView {
                    name: r.name.clone(),
                    kind: match r.kind {
                        RouteKind::Sales => RouteKindView::Sales,
                        RouteKind::Nurture => RouteKindView::Nurture,
                    },
                    queue: r.queue.clone(),
                    owner: r.owner.as_ref().map(|o| match o {
                        Owner::Fixed(name) => OwnerView::Fixed { name: name.clone() },
                        Owner::Field { field, fallback } => OwnerView::Field {
                            field: field.name.clone(),
                            fallback: fallback.clone(),
                        },
                    }),
                    sla_minutes: r.sla_minutes,
                })
                .collect(),
            rules: p
                .rules
                .iter()
                .map(|r| RuleView {
                    id: r.id.clone(),
                    description: r.description.clone(),
                    action: match &r.action {
                        Action::Disqualify(reason) => ActionView::Disqualify {
                            reason: reason.clone(),
                        },
                        Action::Route(route) => ActionView::Route {
                            route: route.clone(),
                        },
                    },
                    when: Cond::of(&r.when),
                })
                .collect(),
            otherwise: p.otherwise_route().map(|r| r.name.clone()),
        }
    }
}
