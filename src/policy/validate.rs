//! The checks a policy must pass when it meets a dataset: every field it reads exists, literal
//! and operator types fit the field's type, and every role it relies on is mapped.

use crate::dataset::{Dataset, FieldType};
use crate::diag::{Diagnostic, Diagnostics, closest, list_names};

use super::{Condition, Literal, Op, Owner, Policy};

/// Every problem of `policy` against `dataset`; empty when the policy can be replayed on it.
pub fn check_against(policy: &Policy, dataset: &Dataset) -> Diagnostics {
    let src = &policy.source;
    let mut diags = Diagnostics::default();
    let names: Vec<&str> = dataset.fields.iter().map(|f| f.name.as_str()).collect();
    let unknown = |name: &str, span: std::ops::Range<usize>, ctx: &str| {
        let hint = match closest(name, names.iter().copied()) {
            Some(c) => format!("did you mean `{c}`?"),
            None => format!("the dataset's columns are {}", list_names(&names)),
        };
        Diagnostic::at(
            src,
            span,
            format!(
                "field `{name}` in {ctx} is not a column of dataset `{}`",
                dataset.name
            ),
        )
        .with_hint(hint)
    };

    let check = |cond: &Condition, ctx: &str, diags: &mut Diagnostics| {
        cond.visit_fields(&mut |field, op, _span| {
            let Some(info) = dataset.field(&field.name) else {
                diags.push(unknown(&field.name, field.span.clone(), ctx));
                return;
            };
            if let Some(msg) = type_problem(op, info.ty) {
                let numeric_op = op.threshold().is_some();
                let stray = numeric_op
                    .then(|| dataset.stray_text(&field.name).ok().flatten())
                    .flatten();
                let hint = match stray {
                    Some(s) => format!(
                        "`{}` is text only because of `{}`{} ({} of its values {} not a number): fix it in the export, list it in the mapping's `missing` if it means \"not answered\", or force `type = \"number\"` there to have every such cell named",
                        field.name,
                        s.value,
                        s.line.map_or_else(String::new, |l| format!(
                            " on line {l} of {}",
                            dataset.leads_path.display()
                        )),
                        s.count,
                        if s.count == 1 { "is" } else { "are" }
                    ),
                    None => type_hint(info.ty).to_string(),
                };
                diags.push(
                    Diagnostic::at(
                        src,
                        field.span.clone(),
                        format!("`{}` on `{}` in {ctx}: {msg}", op.name(), field.name),
                    )
                    .with_hint(hint),
                );
            }
        });
    };
    for s in &policy.signals {
        check(&s.when, &format!("signal `{}`", s.name), &mut diags);
    }
    for r in &policy.rules {
        check(&r.when, &format!("rule `{}`", r.id), &mut diags);
    }
    for req in &policy.evidence.required {
        if dataset.field(&req.name).is_none() {
            diags.push(unknown(&req.name, req.span.clone(), "[evidence] required"));
        }
    }
    for route in &policy.routes {
        if let Some(Owner::Field { field, .. }) = &route.owner
            && dataset.field(&field.name).is_none()
        {
            diags.push(unknown(
                &field.name,
                field.span.clone(),
                &format!("the owner of route `{}`", route.name),
            ));
        }
    }
    // Gate settings that read a role: without it they would pass silently, so they are errors.
    let needs_role = [
        (
            policy.evidence.approved_sources.as_ref().map(|a| &a.1),
            "approved_sources",
            "enrichment_source",
            "map the enrichment provider column under [roles] in the dataset mapping (enrichment_source = \"…\"), or remove the list",
        ),
        (
            policy
                .evidence
                .min_enrichment_confidence
                .as_ref()
                .map(|m| &m.1),
            "min_enrichment_confidence",
            "enrichment_confidence",
            "map the confidence column under [roles] in the dataset mapping, or remove the minimum",
        ),
    ];
    for (span, key, role, hint) in needs_role {
        if let Some(span) = span
            && dataset.role(role).is_none()
        {
            diags.push(
                Diagnostic::at(
                    src,
                    span.clone(),
                    format!(
                        "{key} is set but dataset `{}` has no `{role}` role",
                        dataset.name
                    ),
                )
                .with_hint(hint),
            );
        }
    }
    for s in &policy.scope {
        if dataset.role(s.role.as_str()).is_none() {
            diags.push(
                Diagnostic::at(
                    src,
                    s.span.clone(),
                    format!(
                        "[scope] lists `{}` but dataset `{}` has no `{}` role",
                        s.role.as_str(),
                        dataset.name,
                        s.role.as_str()
                    ),
                )
                .with_hint("map that column under [roles] in the dataset mapping"),
            );
        }
    }
    diags
}

fn type_problem(op: &Op, ty: FieldType) -> Option<String> {
    let lit_ty = |l: &Literal| match l {
        Literal::Text(_) => FieldType::Text,
        Literal::Number(_) => FieldType::Number,
    };
    match (op, ty) {
        (Op::Gt(_) | Op::Gte(_) | Op::Lt(_) | Op::Lte(_), FieldType::Text) => {
            Some("the field is text, so it cannot be compared as a number".into())
        }
        (Op::Contains(_) | Op::Matches(_), FieldType::Number) => {
            Some("the field is a number; `contains` and `matches` work on text".into())
        }
        (Op::Eq(l) | Op::Ne(l), _) if lit_ty(l) != ty => Some(format!(
            "the field is {} but {l} is {}",
            ty.as_str(),
            l.type_name()
        )),
        (Op::In(ls) | Op::NotIn(ls), _) if ls.first().is_some_and(|l| lit_ty(l) != ty) => {
            Some(format!(
                "the field is {} but the list holds {}",
                ty.as_str(),
                ls.first().map_or("", Literal::type_name)
            ))
        }
        _ => None,
    }
}

fn type_hint(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Number => {
            "write numbers without quotes; a column is a number when every filled cell is one"
        }
        FieldType::Text => {
            "quote text values; if the column should be numeric, check it for non-numbers or force `type = \"number\"` in the mapping"
        }
    }
}

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
    let routes: Vec<(&super::Rule, &super::Route)> = p.route_rules().collect();
    let distinct = |name: &str| routes.iter().any(|(_, r)| r.name != name);
    if p.evidence.on_overlap != super::OnOverlap::Review || routes.is_empty() {
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
