//! The qualification packet: one lead decided row-at-a-time, with every signal and the values it
//! read, the scope and evidence checks, every rule and whether it fired, and the decision.
//!
//! This is the evaluator a routing system embeds to decide one lead from a published policy
//! file: give it the lead through the [`Lead`] trait (or a [`Fields`] map) and it returns the
//! decision with the rule and evidence behind it. The workbench uses the same evaluator to
//! explain any lead of a dataset; its vectorised engine answers the same questions with its own
//! condition evaluator, and the tests hold the two to the same decision on every lead. Both run
//! the one decision order of [`crate::order`].
//!
//! ```
//! use leadpolicy_policy::packet::{Fields, Value, explain};
//! use leadpolicy_policy::{Decision, diag::Source, parse};
//! let policy = parse(Source::new("inbound.toml", r#"
//! [policy]
//! id = "inbound"
//! name = "Inbound"
//! version = 1
//! [fields]
//! allowed = ["employees"]
//! [routes.sdr]
//! kind = "sales"
//! owner = "SDR team"
//! [[rules]]
//! id = "big"
//! route = "sdr"
//! when = { field = "employees", gte = 200 }
//! "#)).unwrap();
//! let lead = Fields::new("L-1").with("employees", Value::Number(250.0));
//! let packet = explain(&policy, &lead, ());
//! assert_eq!(packet.decision, Decision::Accepted);
//! assert_eq!(packet.owner.as_deref(), Some("SDR team"));
//! // A lead without `employees`: the test on it is unknown, so the rule does not fire, and with
//! // no rule fired (and no `[otherwise]`) the lead waits for manual review. A field listed
//! // under `[evidence] required` sends it there as `missing_field:<field>` before any route.
//! let unknown = explain(&policy, &Fields::new("L-2"), ());
//! assert_eq!(unknown.decision, Decision::Unresolved);
//! assert_eq!(unknown.unresolved_reasons, ["no_rule_matched"]);
//! ```
//!
//! **Typing a lead.** Give each value the type its field has in the schema the policy was
//! checked against ([`crate::validate::check_against`]); [`Value::from_cell`] reads a cell as
//! the workbench's loader does. Ids, owners, postcodes and scope values are text even when they
//! look like numbers. Supply every role the policy reads with [`Fields::with_role`]: `[scope]`
//! reads `source` / `campaign` / `form`, the evidence gate `enrichment_source` and
//! `enrichment_confidence`; a lead without a scope role is out of scope.

mod evaluate;
mod lead;
pub mod render;

use serde::Serialize;

use crate::{Role, RouteKind, ScopeRole};

pub use evaluate::explain;
pub use lead::{Fields, Lead};

/// The decision of one lead.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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

/// A cell value as a rule sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Value {
    Missing,
    Number(f64),
    Text(String),
}

impl Value {
    /// A cell as the workbench's loader reads it for a field of type `ty`: trimmed; empty or one
    /// of `missing` (the mapping's tokens, such as `N/A` or `Select`) is missing; in a number
    /// field a number as [`crate::parse_decimal`] reads it. `None` when a number field's cell is
    /// not a number (`1,200`): the loader refuses such a file, and a lead should be refused too.
    ///
    /// ```
    /// use leadpolicy_policy::{FieldType, packet::Value};
    /// assert_eq!(Value::from_cell(" 007 ", FieldType::Number, &[]), Some(Value::Number(7.0)));
    /// assert_eq!(Value::from_cell("007", FieldType::Text, &[]), Some(Value::Text("007".into())));
    /// assert_eq!(Value::from_cell("N/A", FieldType::Number, &["N/A"]), Some(Value::Missing));
    /// assert_eq!(Value::from_cell("1,200", FieldType::Number, &[]), None);
    /// ```
    pub fn from_cell(text: &str, ty: crate::FieldType, missing: &[&str]) -> Option<Value> {
        let cell = text.trim();
        if cell.is_empty() || missing.contains(&cell) {
            return Some(Value::Missing);
        }
        match ty {
            crate::FieldType::Number => crate::parse_decimal(cell).map(Value::Number),
            crate::FieldType::Text => Some(Value::Text(cell.to_string())),
        }
    }
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

/// Three-valued truth: a test on a missing value is unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Tri {
    True,
    False,
    Unknown,
}

impl Tri {
    pub(crate) fn from_bool(b: bool) -> Self {
        if b { Tri::True } else { Tri::False }
    }
    pub(crate) fn not(self) -> Self {
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

/// A role's value, shown at the top of a packet.
#[derive(Debug, Clone, Serialize)]
pub struct RoleValue {
    pub role: Role,
    pub field: String,
    pub value: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScopeCheck {
    pub role: ScopeRole,
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

/// Which policy decided: its id, name, version and file.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyRef {
    pub id: String,
    pub name: String,
    pub version: i64,
    pub file: String,
}

/// Everything behind one lead's decision. `O` is what actually happened to the lead, when the
/// caller knows (the workbench joins its outcomes file); `()` when deciding a lead live.
#[derive(Debug, Clone, Serialize)]
pub struct Packet<O = ()> {
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
    pub outcome: O,
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

impl<O> Packet<O> {
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
