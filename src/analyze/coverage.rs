//! Rule coverage: does every rule earn its place?
//!
//! Definitions (over the dataset, from the engine's test bits — no re-evaluation):
//!
//! - **fired** — in-scope leads for which the rule's condition is *true* (three-valued: unknown
//!   does not fire), whether or not the decision order reaches the rule for that lead.
//! - **decided** — leads whose decision names the rule (rejected by it, or accepted / nurtured
//!   through it).
//! - **never fires** — fired = 0.
//! - **fully shadowed** — fires, but every lead it fires on was already decided earlier in the
//!   decision order: for a `disqualify` rule, rejected by an earlier `disqualify` rule; for a
//!   `route` rule, rejected, stopped by the evidence gate, or routed by an earlier route rule.
//! - **removal changes nothing** — deciding every lead again with the rule's bit column set to
//!   false (the engine's own decision assembly) changes no lead's outcome; the outcome being the
//!   decision with its reason code (rejected), route (accepted, nurture) or unresolved reasons.
//!   `changed_if_removed` counts the leads whose outcome would change.
//! - **unused signals** — signals no rule reads, directly or through other signals;
//!   **unused allowed fields** — `[fields] allowed` entries no rule or used signal reads and the
//!   evidence gate does not require.

use polars::prelude::*;
use serde::Serialize;

use super::{Evaluated, fields_read, used_signals};
use crate::dataset::Dataset;
use crate::engine::{self, Decisions, Unresolved};
use crate::error::Error;
use crate::policy::{Action, Policy};

#[derive(Debug, Clone, Serialize)]
pub struct RuleCoverage {
    pub rule: String,
    /// `disqualify` or `route`.
    pub kind: String,
    /// The reason code or the route name.
    pub action: String,
    pub fired: usize,
    pub decided: usize,
    pub never_fires: bool,
    pub shadowed: bool,
    /// Leads whose outcome changes when the rule is removed.
    pub changed_if_removed: usize,
    pub removal_changes_nothing: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// Rules in file order.
    pub rules: Vec<RuleCoverage>,
    pub unused_signals: Vec<String>,
    pub unused_allowed_fields: Vec<String>,
}

/// The outcome of lead `i` as compared for removals: decision, reason / route, unresolved.
fn same_outcome(p: &Policy, a: &Decisions, b: &Decisions, i: usize) -> bool {
    if a.decision[i] != b.decision[i] {
        return false;
    }
    let action = |d: &Decisions| match d.rule(p, i).map(|r| &r.action) {
        Some(Action::Disqualify(c)) => Some(c.as_str()),
        Some(Action::Route(r)) => Some(r.as_str()),
        None => None,
    };
    action(a) == action(b)
        && a.unresolved[i] as i32 == b.unresolved[i] as i32
        && a.gate[i] == b.gate[i]
}

pub(crate) fn coverage(e: &Evaluated<'_>, ds: &Dataset) -> Result<Coverage, Error> {
    let p = e.policy;
    let d = &e.decisions;
    let n = ds.len();
    let bits_of = |c: &BooleanChunked| -> Vec<bool> { c.iter().map(|v| v == Some(true)).collect() };
    let in_scope = bits_of(&e.bits.in_scope);
    let dq: Vec<usize> = p
        .disqualify_rules()
        .filter_map(|(r, _)| p.rules.iter().position(|x| std::ptr::eq(x, r)))
        .collect();
    let rt: Vec<usize> = p
        .route_rules()
        .filter_map(|(r, _)| p.rules.iter().position(|x| std::ptr::eq(x, r)))
        .collect();
    // Position of each rule in the decision order.
    let mut order = vec![usize::MAX; p.rules.len()];
    for (k, &r) in dq.iter().chain(rt.iter()).enumerate() {
        order[r] = k;
    }
    let off = BooleanChunked::full("".into(), false, n);
    let mut rules = Vec::new();
    for (idx, rule) in p.rules.iter().enumerate() {
        let (kind, action, column, is_dq) = match &rule.action {
            Action::Disqualify(c) => {
                let k = dq.iter().position(|&r| r == idx);
                ("disqualify", c.clone(), k.map(|k| &e.bits.dq[k]), true)
            }
            Action::Route(r) => {
                let k = rt.iter().position(|&x| x == idx);
                ("route", r.clone(), k.map(|k| &e.bits.rt[k]), false)
            }
        };
        let fires = column.map(bits_of).unwrap_or_else(|| vec![false; n]);
        let (mut fired, mut decided, mut earlier) = (0, 0, 0);
        for i in 0..n {
            if d.rule[i] == Some(idx as u32) {
                decided += 1;
            }
            if !(in_scope[i] && fires[i]) {
                continue;
            }
            fired += 1;
            let before = match d.rule[i] {
                // The `[otherwise]` rule (index `rules.len()`) comes after every rule.
                Some(r) => order.get(r as usize).is_some_and(|&o| o < order[idx]),
                None => false,
            };
            let gated = !is_dq && d.unresolved[i] == Unresolved::Gate;
            if before || gated {
                earlier += 1;
            }
        }
        // Removing the rule: its column never fires; everything else as it was.
        let mut bits = e.bits.clone();
        if let Some(k) = dq.iter().position(|&r| r == idx) {
            bits.dq[k] = off.clone();
        } else if let Some(k) = rt.iter().position(|&r| r == idx) {
            bits.rt[k] = off.clone();
        }
        let without = engine::assemble(p, ds, &bits, engine::Owners::Skip)?;
        let changed = (0..n).filter(|&i| !same_outcome(p, d, &without, i)).count();
        rules.push(RuleCoverage {
            rule: rule.id.clone(),
            kind: kind.to_string(),
            action,
            fired,
            decided,
            never_fires: fired == 0,
            shadowed: fired > 0 && earlier == fired,
            changed_if_removed: changed,
            removal_changes_nothing: changed == 0,
        });
    }
    let used = used_signals(p);
    let read = fields_read(p);
    Ok(Coverage {
        rules,
        unused_signals: p
            .signals
            .iter()
            .filter(|s| !used.contains(&s.name))
            .map(|s| s.name.clone())
            .collect(),
        unused_allowed_fields: p
            .allowed
            .iter()
            .filter(|a| !read.contains(&a.name))
            .map(|a| a.name.clone())
            .collect(),
    })
}
