//! Warnings (not errors) about a valid policy on a dataset: what a replay would otherwise hide.

use crate::dataset::Dataset;

use crate::policy::Policy;

/// Share of in-scope leads from which a route rule counts as firing for "every" lead.
const CATCH_ALL_SHARE: f64 = 0.95;

/// Warnings (not errors) about `policy` on `dataset` that a replay would otherwise hide: a route
/// rule that fires for nearly every in-scope lead while other rules route elsewhere under
/// `on_overlap = "review"` sends every lead both claim to manual review. That is how a
/// catch-all written as a rule behaves; `[otherwise]` is the catch-all that never overlaps.
/// The policy must have passed [`check_against`].
pub fn warnings(policy: &Policy, dataset: &Dataset) -> Result<Vec<String>, crate::Error> {
    let mut out = catch_all(policy, dataset)?;
    out.extend(super::leakage::warnings(policy, dataset)?);
    Ok(out)
}

/// Route rules that fire for nearly every in-scope lead under `on_overlap = "review"`.
fn catch_all(policy: &Policy, dataset: &Dataset) -> Result<Vec<String>, crate::Error> {
    let p = policy;
    let routes: Vec<(&crate::policy::Rule, &crate::policy::Route)> = p.route_rules().collect();
    let distinct = |name: &str| routes.iter().any(|(_, r)| r.name != name);
    if p.evidence.on_overlap != crate::policy::OnOverlap::Review || routes.is_empty() {
        return Ok(Vec::new());
    }
    let bits = crate::engine::test_bits(p, dataset)?;
    let in_scope = &bits.in_scope;
    let scoped = in_scope.sum().unwrap_or(0) as usize;
    let mut out = Vec::new();
    for ((rule, route), fires) in routes.iter().zip(&bits.rt) {
        let fired = (fires & in_scope).sum().unwrap_or(0) as usize;
        if scoped == 0 || (fired as f64) < CATCH_ALL_SHARE * scoped as f64 || !distinct(&route.name)
        {
            continue;
        }
        out.push(format!(
            "rule `{}` fires for {fired} of the {scoped} leads in scope ({:.0}%): under on_overlap = \"review\" every one of them that another rule routes elsewhere goes to manual review as overlapping_routes. For \"everything else → {}\", remove the rule and write `[otherwise] route = \"{}\"`, which applies only when no route rule fired",
            rule.id,
            100.0 * fired as f64 / scoped as f64,
            route.name,
            route.name,
        ));
    }
    Ok(out)
}
