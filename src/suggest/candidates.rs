//! Candidate edits, found on the learning leads: move a threshold (the sweep's best point that
//! raises neither later conversions nor low-fit handoffs), drop a disqualify rule whose rejected
//! leads convert well, disqualify a segment that rarely converts and is often sent back
//! ([`super::learn`]), remove a rule that changes nothing, let overlapping routes take the first
//! match, require a field. Each is a list of structured edits; [`super::suggest`] measures them.

use crate::analyze::{Evaluated, coverage, sweep};
use crate::dataset::Dataset;
use crate::engine::{Decision, Unresolved};
use crate::error::Error;
use crate::policy::edit::Edit;
use crate::policy::view::{Cond, Lit, OverlapView, PolicyView};
use crate::policy::{Action, OnOverlap, Policy};

use super::Candidate;
use super::learn::nice;

/// Leads a disqualify rule must have rejected before its conversions say anything.
const MIN_REJECTED: usize = 20;
const MIN_CONVERTED: usize = 5;

/// Every candidate for `policy`, learned on `ds`.
pub(crate) fn all(policy: &Policy, ds: &Dataset) -> Result<Vec<Candidate>, Error> {
    let e = Evaluated::new(policy, ds)?;
    let view = PolicyView::of(policy);
    let mut out = thresholds(&e, ds, &view)?;
    out.extend(drop_disqualify(&e, ds)?);
    out.extend(super::learn::segments(&e, ds)?);
    out.extend(idle_rules(&e, ds)?);
    out.extend(overlaps(&e, &view));
    out.extend(required(policy, &view));
    Ok(out)
}

/// `c` with the comparison `field op old` set to `new`; false when it is not in `c`.
fn replace_threshold(c: &mut Cond, field: &str, op: &str, old: f64, new: f64) -> bool {
    match c {
        Cond::Field {
            field: f,
            op: o,
            value: Lit::Number(v),
        } if f == field && o == op && (*v - old).abs() < 1e-9 => {
            *v = new;
            true
        }
        Cond::All { items } | Cond::Any { items } => items
            .iter_mut()
            .any(|i| replace_threshold(i, field, op, old, new)),
        Cond::Not { item } => replace_threshold(item, field, op, old, new),
        _ => false,
    }
}

fn thresholds(e: &Evaluated<'_>, ds: &Dataset, view: &PolicyView) -> Result<Vec<Candidate>, Error> {
    let p = e.policy;
    let mut targets: Vec<(String, String)> = Vec::new();
    for r in &p.rules {
        let mut fields = Vec::new();
        let mut conditions = vec![&r.when];
        conditions.extend(
            crate::analyze::signals_read(p, [&r.when])
                .iter()
                .filter_map(|s| p.signal(s))
                .map(|s| &s.when),
        );
        for c in conditions {
            c.visit_fields(&mut |f, op, _| {
                if op.threshold().is_some() {
                    fields.push(f.name.clone());
                }
            });
        }
        for f in fields {
            let t = (r.id.clone(), f);
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
    }
    let mut out: Vec<Candidate> = Vec::new();
    // The same comparison read by several rules moves once (a signal's comparison is shared).
    let mut seen: Vec<(String, String, String)> = Vec::new();
    for (rule, field) in targets {
        let spec = sweep::SweepSpec::target(&format!("{rule}:{field}"));
        let Some(w) = sweep::sweep_policy(e, ds, Some(&spec))?.sweep else {
            continue;
        };
        let key = (
            w.signal.clone().unwrap_or_else(|| w.rule.clone()),
            w.field.clone(),
            w.op.clone(),
        );
        if seen.contains(&key) {
            continue;
        }
        seen.push(key);
        let cur = &w.at_current;
        let (Some(lc0), Some(lf0)) = (cur.later_converted, cur.low_fit_handoffs) else {
            continue;
        };
        let best = w
            .points
            .iter()
            .filter_map(|pt| {
                let (lc, lf) = (pt.later_converted?, pt.low_fit_handoffs?);
                let gain = (lc0 as i64 - lc as i64) + (lf0 as i64 - lf as i64)
                    - (pt.unresolved as i64 - cur.unresolved as i64).max(0);
                (lc <= lc0 && lf <= lf0 && gain > 0).then_some((gain, pt))
            })
            .max_by(|a, b| a.0.cmp(&b.0).then(b.1.threshold.total_cmp(&a.1.threshold)));
        let Some((_, pt)) = best else { continue };
        let new = nice(pt.threshold);
        if (new - w.current).abs() < 1e-9 {
            continue;
        }
        let edit = match &w.signal {
            Some(sig) => {
                let Some(s) = view.signals.iter().find(|s| &s.name == sig) else {
                    continue;
                };
                let mut when = s.when.clone();
                if !replace_threshold(&mut when, &w.field, &w.op, w.current, new) {
                    continue;
                }
                Edit::PutSignal {
                    previous: Some(sig.clone()),
                    name: sig.clone(),
                    when,
                }
            }
            None => {
                let Some(k) = view.rules.iter().position(|r| r.id == w.rule) else {
                    continue;
                };
                let mut r = view.rules[k].clone();
                if !replace_threshold(&mut r.when, &w.field, &w.op, w.current, new) {
                    continue;
                }
                Edit::PutRule {
                    index: Some(k as u32),
                    rule: r,
                }
            }
        };
        let place = w
            .signal
            .as_ref()
            .map_or_else(|| format!("rule `{}`", w.rule), |s| format!("signal `{s}`"));
        let f = crate::format_number;
        out.push(Candidate {
            kind: "threshold",
            title: format!(
                "Move `{} {} {}` to {} in {place}",
                w.field,
                crate::policy::comparison_symbol(&w.op),
                f(w.current),
                f(new)
            ),
            why: format!(
                "The threshold sweep on the learning leads found fewer later conversions and low-fit handoffs near {} (at {}: later conversions {} → {}, low-fit handoffs {} → {}); the figures below are the replay of this exact policy.",
                f(new),
                f(pt.threshold),
                lc0,
                pt.later_converted.unwrap_or(0),
                lf0,
                pt.low_fit_handoffs.unwrap_or(0),
            ),
            edits: vec![edit],
            simplifies: false,
        });
    }
    Ok(out)
}

/// Disqualify rules whose rejected leads converted at least as often as accepted ones.
fn drop_disqualify(e: &Evaluated<'_>, ds: &Dataset) -> Result<Vec<Candidate>, Error> {
    let Some(conv) = ds.converted()? else {
        return Ok(Vec::new());
    };
    let p = e.policy;
    let d = &e.decisions;
    let (mut acc, mut acc_conv) = (0usize, 0usize);
    let mut by_rule = vec![(0usize, 0usize); p.rules.len() + 1];
    for (i, &converted) in conv.iter().enumerate() {
        match d.decision(i) {
            Decision::Accepted => {
                acc += 1;
                acc_conv += usize::from(converted);
            }
            Decision::Rejected => {
                if let Some(k) = d.rule[i] {
                    let slot = &mut by_rule[k as usize];
                    slot.0 += 1;
                    slot.1 += usize::from(converted);
                }
            }
            _ => {}
        }
    }
    let acc_rate = if acc > 0 {
        acc_conv as f64 / acc as f64
    } else {
        0.0
    };
    let pct = |x: f64| format!("{:.1}%", 100.0 * x);
    let mut out = Vec::new();
    for (k, r) in p.rules.iter().enumerate() {
        let Action::Disqualify(reason) = &r.action else {
            continue;
        };
        let (n, c) = by_rule[k];
        if n < MIN_REJECTED || c < MIN_CONVERTED || (c as f64 / n as f64) < acc_rate {
            continue;
        }
        out.push(Candidate {
            kind: "drop_disqualify",
            title: format!("Drop the disqualify rule `{}` ({reason})", r.id),
            why: format!(
                "On the learning leads it rejected {n} leads and {c} of them converted anyway ({}), while leads sent to sales converted at {}.",
                pct(c as f64 / n as f64),
                pct(acc_rate)
            ),
            edits: vec![Edit::DeleteRule { index: k as u32 }],
            simplifies: false,
        });
    }
    Ok(out)
}

fn idle_rules(e: &Evaluated<'_>, ds: &Dataset) -> Result<Vec<Candidate>, Error> {
    let cov = coverage::coverage(e, ds)?;
    let p = e.policy;
    Ok(cov
        .rules
        .iter()
        .filter(|r| r.removal_changes_nothing && r.rule != "otherwise")
        .filter_map(|r| {
            let k = p.rules.iter().position(|x| x.id == r.rule)?;
            Some(Candidate {
                kind: "remove_idle_rule",
                title: format!("Remove the rule `{}`: it changes no decision", r.rule),
                why: format!(
                    "{}. Removing it leaves every decision of the learning leads as it is; a shorter policy is easier to review.",
                    if r.never_fires {
                        "It never fires on these leads".to_string()
                    } else {
                        format!(
                            "It fires for {} leads, but an earlier rule or the evidence gate decides each of them the same way without it",
                            r.fired
                        )
                    }
                ),
                edits: vec![Edit::DeleteRule { index: k as u32 }],
                simplifies: true,
            })
        })
        .collect())
}

fn overlaps(e: &Evaluated<'_>, view: &PolicyView) -> Option<Candidate> {
    if e.policy.evidence.on_overlap != OnOverlap::Review {
        return None;
    }
    let n = e
        .decisions
        .unresolved
        .iter()
        .filter(|u| **u == Unresolved::OverlappingRoutes)
        .count();
    if n == 0 {
        return None;
    }
    let mut evidence = view.evidence.clone();
    evidence.on_overlap = OverlapView::First;
    Some(Candidate {
        kind: "resolve_overlap",
        title: "Send leads two routes claim to the first one, not to manual review".into(),
        why: format!(
            "{n} learning leads waited for manual review only because two routing rules claimed them. With on_overlap = \"first\" the earlier rule in the file decides."
        ),
        edits: vec![Edit::Evidence { evidence }],
        simplifies: false,
    })
}

/// Require a field a routing rule reads but the evidence gate does not check (kept only where it
/// changes decisions for the better).
fn required(policy: &Policy, view: &PolicyView) -> Vec<Candidate> {
    let mut fields: Vec<String> = Vec::new();
    for r in &policy.rules {
        if !matches!(r.action, Action::Route(_)) {
            continue;
        }
        r.when.visit_fields(&mut |f, op, _| {
            if !matches!(op, crate::policy::Op::Missing(_)) && !fields.contains(&f.name) {
                fields.push(f.name.clone());
            }
        });
    }
    fields
        .into_iter()
        .filter(|f| !view.evidence.required.contains(f))
        .map(|f| {
            let mut evidence = view.evidence.clone();
            evidence.required.push(f.clone());
            Candidate {
                kind: "add_required",
                title: format!("Require `{f}` before any route applies"),
                why: format!(
                    "Routing rules read `{f}`; leads without it are routed on the other conditions alone. Requiring it sends them to manual review instead."
                ),
                edits: vec![Edit::Evidence { evidence }],
                simplifies: false,
            }
        })
        .collect()
}
