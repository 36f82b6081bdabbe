//! The qualification packet of a dataset's lead: the policy crate's row-at-a-time evaluator
//! ([`leadpolicy_policy::packet`]) reading one row of a loaded dataset, with what actually
//! happened to the lead (the outcomes the dataset joined) carried along. This evaluator is
//! deliberately independent of the Polars plan in `engine/mod.rs`; the tests hold the two to the
//! same answer on every lead.

use polars::prelude::*;
use serde::Serialize;

use crate::dataset::{Dataset, hidden};
use crate::error::Error;
use crate::policy::packet::{self, Lead};
use crate::policy::{Policy, Role, ScopeRole};

pub use crate::policy::packet::{
    DecisionRecord, Eval, GateCheck, Node, PolicyRef, RoleValue, RuleCheck, ScopeCheck,
    SignalResult, Tri, Value,
};

/// A dataset lead's packet: the decision with everything behind it, and its outcome.
pub type Packet = packet::Packet<Outcome>;

/// What actually happened to the lead, as far as the dataset says.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub converted: Option<bool>,
    pub seller_outcome: Option<String>,
    pub meeting: Option<String>,
    pub historical_decision: Option<String>,
    pub first_touch_minutes: Option<Value>,
    pub seller_feedback: Option<Value>,
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
}

impl Lead for Row<'_> {
    fn id(&self) -> String {
        match self.get(&self.ds.id) {
            Value::Text(s) => s,
            _ => String::new(),
        }
    }
    fn value(&self, field: &str) -> Value {
        self.get(field)
    }
    fn role_field(&self, role: Role) -> Option<&str> {
        self.ds.role(role)
    }
    /// The trimmed cell text the dataset keeps for scope lists (a number column's own text).
    fn scope_value(&self, role: ScopeRole) -> Value {
        self.get(super::scope_column(role))
    }
    /// The owner cell as text, exactly as the vectorised decision shows it.
    fn owner_text(&self, field: &str) -> Option<String> {
        self.ds.text_at(field, self.row).ok().flatten()
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
    if row >= ds.len() {
        return Err(Error::Usage(format!(
            "there is no lead at row {} of {} (it has {} leads)",
            row + 1,
            ds.name,
            ds.len()
        )));
    }
    let r = Row { ds, row };
    Ok(packet::explain(policy, &r, outcome(ds, &r)))
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
        first_touch_minutes: ds.role(Role::FirstTouchMinutes).map(|c| r.get(c)),
        seller_feedback: ds.role(Role::SellerFeedback).map(|c| r.get(c)),
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
    packet::render::render(p, Some(&outcome_line(&p.outcome)))
}
