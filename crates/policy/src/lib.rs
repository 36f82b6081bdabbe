//! leadpolicy's policy language on its own: the model, the TOML reader that collects every
//! problem with its location ([`parse`]), name resolution, validation against a dataset's
//! [`validate::Schema`] (field names, types, roles — no data), the semantic [`diff`], structured
//! [`edit`]s that keep the author's comments and layout, the editor's [`view`], the decision
//! [`order`] written once, and the row-at-a-time evaluator that decides one lead with its
//! qualification [`packet`].
//!
//! No Polars, no database, no user interface: this is the crate a routing system embeds to read
//! and check a published policy file and decide one lead at a time (see [`packet`] and
//! `examples/decide.rs`), and the one the workbench builds on.
//!
//! ```
//! use leadpolicy_policy::{diag::Source, parse};
//! let text = r#"
//! [policy]
//! id = "inbound"
//! name = "Inbound"
//! version = 1
//! [fields]
//! allowed = ["employees"]
//! [routes.sdr]
//! kind = "sales"
//! [[rules]]
//! id = "big"
//! route = "sdr"
//! when = { field = "employees", gte = 200 }
//! "#;
//! let policy = parse(Source::new("inbound.toml", text)).expect("a valid policy");
//! assert_eq!(policy.rules[0].id, "big");
//! ```

pub mod diag;
pub mod diff;
pub mod edit;
pub mod order;
pub mod packet;
mod parse;
pub mod reason;
mod resolve;
pub mod role;
pub mod validate;
pub mod view;

use std::ops::Range;

use crate::diag::Source;

pub use packet::Decision;
pub use parse::parse;
pub use role::Role;

/// A field's type in a dataset: a number when every filled cell is one, else text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    Number,
    Text,
}

impl FieldType {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Number => "number",
            FieldType::Text => "text",
        }
    }
}

/// A number as people write it: `15` rather than `15.0`, `0.6` rather than `0.6000000000000001`
/// where the value is exactly that.
pub fn format_number(n: f64) -> String {
    format!("{n}")
}

/// A cell's number, as the workbench reads numbers everywhere:
/// `[+-]?(digits[.digits]|.digits)([eE][+-]?digits)?` (never `1,200`, `inf` or `0x10`).
pub fn parse_decimal(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let int_start = i;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
    }
    let int_digits = i - int_start;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        let frac_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == frac_start {
            return None;
        }
    } else if int_digits == 0 {
        return None;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let exp_start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == exp_start {
            return None;
        }
    }
    if i != b.len() {
        return None;
    }
    s.parse::<f64>().ok()
}

/// Lower-case hex sha256 of some bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Byte range in the policy source.
pub type Span = Range<usize>;

/// A parsed, statically valid policy with its source (for diagnostics and hashing).
#[derive(Debug, Clone)]
pub struct Policy {
    pub source: Source,
    pub id: String,
    pub name: String,
    pub version: i64,
    /// Where the version number is written, so a workspace can renumber an edit.
    pub version_span: Option<Span>,
    pub description: Option<String>,
    pub scope: Vec<ScopeList>,
    pub allowed: Vec<Named>,
    pub sensitive: Vec<Named>,
    pub evidence: Evidence,
    pub signals: Vec<Signal>,
    pub reasons: Vec<Reason>,
    pub routes: Vec<Route>,
    pub rules: Vec<Rule>,
    /// The `[otherwise]` catch-all route, as a rule with the reserved id [`OTHERWISE`] that
    /// always fires after every route rule; see [`Policy::decision_rules`].
    pub otherwise: Option<Rule>,
}

/// The reserved rule id of the `[otherwise]` route.
pub const OTHERWISE: &str = "otherwise";
/// What a packet says of a lead the `[otherwise]` route decided.
pub const OTHERWISE_TEXT: &str = "no routing rule fired; the policy's otherwise route applies";

/// A name with the span where the policy wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Named {
    pub name: String,
    pub span: Span,
}

/// The three scope roles a `[scope]` may list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeRole {
    Source,
    Campaign,
    Form,
}

impl ScopeRole {
    pub const ALL: [ScopeRole; 3] = [ScopeRole::Source, ScopeRole::Campaign, ScopeRole::Form];
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeRole::Source => "source",
            ScopeRole::Campaign => "campaign",
            ScopeRole::Form => "form",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScopeList {
    pub role: ScopeRole,
    pub values: Vec<String>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnOverlap {
    #[default]
    Review,
    First,
}

#[derive(Debug, Clone, Default)]
pub struct Evidence {
    pub required: Vec<Named>,
    /// The enrichment providers whose data may be used (exact, trimmed text), with the span of
    /// the list; a lead whose `enrichment_source` is missing or not listed is unresolved.
    pub approved_sources: Option<(Vec<String>, Span)>,
    pub min_enrichment_confidence: Option<(f64, Span)>,
    pub on_overlap: OnOverlap,
}

#[derive(Debug, Clone)]
pub struct Signal {
    pub name: String,
    pub span: Span,
    pub when: Condition,
}

#[derive(Debug, Clone)]
pub struct Reason {
    pub code: String,
    pub label: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    Sales,
    Nurture,
}

#[derive(Debug, Clone)]
pub enum Owner {
    Fixed(String),
    Field {
        field: Named,
        fallback: Option<String>,
    },
}

#[derive(Debug, Clone)]
pub struct Route {
    pub name: String,
    pub span: Span,
    pub kind: RouteKind,
    pub queue: Option<String>,
    pub owner: Option<Owner>,
    pub sla_minutes: Option<f64>,
}

#[derive(Debug, Clone)]
pub enum Action {
    Disqualify(String),
    Route(String),
}

impl Action {
    /// The action as a packet states it: `disqualify:<reason code>` or `route:<route name>`.
    pub fn code(&self) -> String {
        match self {
            Action::Disqualify(reason) => format!("disqualify:{reason}"),
            Action::Route(route) => format!("route:{route}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub span: Span,
    pub description: Option<String>,
    pub when: Condition,
    pub action: Action,
}

/// A literal as written in the policy.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Number(f64),
}

impl Literal {
    pub fn type_name(&self) -> &'static str {
        match self {
            Literal::Text(_) => "text",
            Literal::Number(_) => "number",
        }
    }
}

impl std::fmt::Display for Literal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Literal::Text(s) => write!(f, "\"{s}\""),
            Literal::Number(n) => write!(f, "{}", crate::format_number(*n)),
        }
    }
}

/// A field comparison operator with its literal.
#[derive(Debug, Clone)]
pub enum Op {
    Eq(Literal),
    Ne(Literal),
    In(Vec<Literal>),
    NotIn(Vec<Literal>),
    Gt(f64),
    Gte(f64),
    Lt(f64),
    Lte(f64),
    Contains(String),
    Matches(regex::Regex),
    Missing(bool),
}

impl Op {
    pub fn name(&self) -> &'static str {
        match self {
            Op::Eq(_) => "eq",
            Op::Ne(_) => "ne",
            Op::In(_) => "in",
            Op::NotIn(_) => "not_in",
            Op::Gt(_) => "gt",
            Op::Gte(_) => "gte",
            Op::Lt(_) => "lt",
            Op::Lte(_) => "lte",
            Op::Contains(_) => "contains",
            Op::Matches(_) => "matches",
            Op::Missing(_) => "missing",
        }
    }

    /// The threshold of a numeric comparison (`gt`, `gte`, `lt`, `lte`).
    pub fn threshold(&self) -> Option<f64> {
        match self {
            Op::Gt(v) | Op::Gte(v) | Op::Lt(v) | Op::Lte(v) => Some(*v),
            _ => None,
        }
    }
}

/// The symbol people read for a numeric comparison's key (`gte` → `≥`); other keys as they are.
pub fn comparison_symbol(op: &str) -> &str {
    match op {
        "gt" => ">",
        "gte" => "≥",
        "lt" => "<",
        "lte" => "≤",
        other => other,
    }
}

/// A field comparison's id in its policy: assigned in reading order when the policy is parsed,
/// so the engine can key what it precomputes for a comparison without relying on addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeafId(pub u32);

#[derive(Debug, Clone)]
pub enum Condition {
    Field {
        field: Named,
        op: Op,
        span: Span,
        leaf: LeafId,
    },
    Signal(Named),
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
}

impl Condition {
    /// The condition of the `[otherwise]` rule: `all` of nothing, always true. A policy's own
    /// rules cannot write it (an empty `all` is refused).
    pub fn is_always(&self) -> bool {
        matches!(self, Condition::All(cs) if cs.is_empty())
    }

    /// Calls `f` on every field comparison, signals not followed.
    pub fn visit_fields<'a>(&'a self, f: &mut impl FnMut(&'a Named, &'a Op, &'a Span)) {
        match self {
            Condition::Field {
                field, op, span, ..
            } => f(field, op, span),
            Condition::Signal(_) => {}
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.visit_fields(f)),
            Condition::Not(c) => c.visit_fields(f),
        }
    }

    /// Calls `f` on every field comparison with its id, signals not followed.
    pub fn visit_leaves<'a>(&'a self, f: &mut impl FnMut(LeafId, &'a Named, &'a Op)) {
        match self {
            Condition::Field {
                field, op, leaf, ..
            } => f(*leaf, field, op),
            Condition::Signal(_) => {}
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.visit_leaves(f)),
            Condition::Not(c) => c.visit_leaves(f),
        }
    }

    /// Calls `f` on every signal reference.
    pub fn visit_signals<'a>(&'a self, f: &mut impl FnMut(&'a Named)) {
        match self {
            Condition::Field { .. } => {}
            Condition::Signal(s) => f(s),
            Condition::All(cs) | Condition::Any(cs) => cs.iter().for_each(|c| c.visit_signals(f)),
            Condition::Not(c) => c.visit_signals(f),
        }
    }
}

impl Policy {
    pub fn route(&self, name: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.name == name)
    }
    pub fn signal(&self, name: &str) -> Option<&Signal> {
        self.signals.iter().find(|s| s.name == name)
    }
    pub fn reason_label(&self, code: &str) -> Option<&str> {
        self.reasons
            .iter()
            .find(|r| r.code == code)
            .map(|r| r.label.as_str())
    }
    /// Rules in decision order: every `disqualify` rule in file order, then every `route` rule.
    pub fn disqualify_rules(&self) -> impl Iterator<Item = (&Rule, &str)> {
        self.rules.iter().filter_map(|r| match &r.action {
            Action::Disqualify(reason) => Some((r, reason.as_str())),
            Action::Route(_) => None,
        })
    }
    pub fn route_rules(&self) -> impl Iterator<Item = (&Rule, &Route)> {
        self.rules.iter().filter_map(|r| match &r.action {
            Action::Route(name) => self.route(name).map(|route| (r, route)),
            Action::Disqualify(_) => None,
        })
    }
    /// The rules a decision can name, by index: `rules` in file order, then the `[otherwise]`
    /// rule (index `rules.len()`) when the policy has one.
    pub fn decision_rules(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter().chain(self.otherwise.as_ref())
    }
    /// The rule at index `k` of [`Policy::decision_rules`].
    pub fn rule_at(&self, k: u32) -> Option<&Rule> {
        let k = k as usize;
        match self.rules.get(k) {
            Some(r) => Some(r),
            None if k == self.rules.len() => self.otherwise.as_ref(),
            None => None,
        }
    }
    /// The route of the `[otherwise]` rule, when the policy has one.
    pub fn otherwise_route(&self) -> Option<&Route> {
        match &self.otherwise.as_ref()?.action {
            Action::Route(name) => self.route(name),
            Action::Disqualify(_) => None,
        }
    }
    /// sha256 of the exact file bytes, hex.
    pub fn sha256(&self) -> String {
        crate::sha256_hex(self.source.text.as_bytes())
    }
}
