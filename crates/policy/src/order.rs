//! The decision order of docs/semantics.md, written once: scope, then every `disqualify` rule in file
//! order, then the evidence gate, then every `route` rule in file order (overlaps under
//! `on_overlap`), the `[otherwise]` route when none fired, and the owner with its fallback.
//!
//! The vectorised engine and the packet evaluator both decide through [`decide`]; they differ
//! only in how they answer "did this test hold for this lead" ([`Answers`]), which is where
//! their independent condition evaluators cross-check each other.

use crate::{OnOverlap, Owner, Policy, Route};

/// What one lead's tests said, as the decision order asks for them.
pub trait Answers {
    /// An owner as the caller keeps it (a cell of the lead's owner field).
    type Cell;
    fn in_scope(&self) -> bool;
    /// The first `disqualify` rule that fired: its position among the policy's disqualify
    /// rules, in file order.
    fn first_disqualify(&self) -> Option<usize>;
    /// Whether the evidence gate stops the lead (a required field missing, an unapproved
    /// enrichment source, too low a confidence).
    fn gated(&self) -> bool;
    /// Whether route rule `k` (its position among the policy's route rules) fired.
    fn route_fired(&self, k: usize) -> bool;
    /// The lead's cell of an owner field; `None` when it is missing.
    fn owner_cell(&self, field: &str) -> Option<Self::Cell>;
}

/// The rule that chose a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    /// Route rule `k` (its position among the route rules).
    Rule(usize),
    /// The `[otherwise]` route: no route rule fired.
    Otherwise,
}

/// Who a decided lead goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Assigned<'p, C> {
    /// The route names no owner.
    Nobody,
    /// The route's fixed owner.
    Fixed(&'p str),
    /// The lead's cell of the route's owner field.
    Cell(C),
    /// The cell was missing: the route's fallback.
    Fallback(&'p str),
}

/// Where the decision order ends for one lead.
#[derive(Debug, Clone)]
pub enum Verdict<'p, C> {
    OutOfScope,
    /// Disqualify rule `k` (its position among the disqualify rules) fired first.
    Rejected(usize),
    /// The evidence gate stopped the lead; which checks failed is the caller's to say.
    Gated,
    NoRuleMatched,
    /// Route rules that lead to different routes fired under `on_overlap = "review"`.
    OverlappingRoutes,
    /// The chosen route reads its owner from a field the lead has no value in, without a
    /// fallback. Never falls through to the next rule.
    NoOwner(&'p Route),
    /// Accepted or nurture, by the route's kind.
    Decided {
        route: &'p Route,
        by: Chosen,
        owner: Assigned<'p, C>,
    },
}

/// Decide one lead. `routes` is the route of each route rule, in file order
/// (`policy.route_rules()`), computed once by the caller.
pub fn decide<'p, A: Answers>(
    policy: &'p Policy,
    routes: &[&'p Route],
    a: &A,
) -> Verdict<'p, A::Cell> {
    if !a.in_scope() {
        return Verdict::OutOfScope;
    }
    if let Some(k) = a.first_disqualify() {
        return Verdict::Rejected(k);
    }
    if a.gated() {
        return Verdict::Gated;
    }
    let first = (0..routes.len()).find(|&k| a.route_fired(k));
    let (route, by) = match first {
        Some(j) => {
            let route = routes[j];
            let review = policy.evidence.on_overlap == OnOverlap::Review;
            if review
                && (j + 1..routes.len()).any(|k| a.route_fired(k) && routes[k].name != route.name)
            {
                return Verdict::OverlappingRoutes;
            }
            (route, Chosen::Rule(j))
        }
        None => match policy.otherwise_route() {
            Some(route) => (route, Chosen::Otherwise),
            None => return Verdict::NoRuleMatched,
        },
    };
    let owner = match &route.owner {
        None => Assigned::Nobody,
        Some(Owner::Fixed(s)) => Assigned::Fixed(s.as_str()),
        Some(Owner::Field { field, fallback }) => match a.owner_cell(&field.name) {
            Some(c) => Assigned::Cell(c),
            None => match fallback {
                Some(f) => Assigned::Fallback(f.as_str()),
                None => return Verdict::NoOwner(route),
            },
        },
    };
    Verdict::Decided { route, by, owner }
}
