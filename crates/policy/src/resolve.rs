//! Name resolution across a parsed policy's sections: every reference (fields, signals, reasons,
//! routes, owners) resolves, allowed and sensitive fields do not clash, signals have no cycles
//! and ids are unique — each problem recorded with its location.

use std::collections::{HashMap, HashSet};

use super::*;
use crate::diag::{Diagnostic, Diagnostics, Source, closest, list_names};

/// Checks across sections: references, allowed/sensitive, cycles, duplicates.
pub(super) fn check_references(p: &Policy, diags: &mut Diagnostics) {
    let src = &p.source;
    let allowed: HashSet<&str> = p.allowed.iter().map(|n| n.name.as_str()).collect();
    let sensitive: HashSet<&str> = p.sensitive.iter().map(|n| n.name.as_str()).collect();
    let allowed_list: Vec<&str> = p.allowed.iter().map(|n| n.name.as_str()).collect();

    for a in &p.allowed {
        if sensitive.contains(a.name.as_str()) {
            diags.push(
                Diagnostic::at(
                    src,
                    a.span.clone(),
                    format!("field `{}` is both allowed and sensitive", a.name),
                )
                .with_hint("a sensitive field may never influence routing; remove it from [fields] allowed"),
            );
        }
    }

    let check_fields = |cond: &Condition, ctx: &str, diags: &mut Diagnostics| {
        cond.visit_fields(&mut |field, _, _| {
            if !allowed.contains(field.name.as_str()) {
                let hint = if sensitive.contains(field.name.as_str()) {
                    format!("`{}` is sensitive and may never be allowed", field.name)
                } else {
                    match closest(&field.name, allowed_list.iter().copied()) {
                        Some(s) => {
                            format!("did you mean `{s}`? otherwise add it to [fields] allowed")
                        }
                        None => format!(
                            "add `{}` to [fields] allowed (allowed now: {})",
                            field.name,
                            list_names(&allowed_list)
                        ),
                    }
                };
                diags.push(
                    Diagnostic::at(
                        src,
                        field.span.clone(),
                        format!("field `{}` in {ctx} is not in [fields] allowed", field.name),
                    )
                    .with_hint(hint),
                );
            }
        });
    };
    for s in &p.signals {
        check_fields(&s.when, &format!("signal `{}`", s.name), diags);
    }
    for r in &p.rules {
        check_fields(&r.when, &format!("rule `{}`", r.id), diags);
    }

    // Signal references and cycles.
    let signal_names: Vec<&str> = p.signals.iter().map(|s| s.name.as_str()).collect();
    let check_signals = |cond: &Condition, ctx: &str, diags: &mut Diagnostics| {
        cond.visit_signals(&mut |s| {
            if !signal_names.contains(&s.name.as_str()) {
                let hint = match closest(&s.name, signal_names.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!("defined signals: {}", list_names(&signal_names)),
                };
                diags.push(
                    Diagnostic::at(
                        src,
                        s.span.clone(),
                        format!("unknown signal `{}` in {ctx}", s.name),
                    )
                    .with_hint(hint),
                );
            }
        });
    };
    for s in &p.signals {
        check_signals(&s.when, &format!("signal `{}`", s.name), diags);
    }
    for r in &p.rules {
        check_signals(&r.when, &format!("rule `{}`", r.id), diags);
    }
    let deps: HashMap<&str, Vec<&str>> = p
        .signals
        .iter()
        .map(|s| {
            let mut refs = Vec::new();
            s.when.visit_signals(&mut |n| refs.push(n.name.as_str()));
            (s.name.as_str(), refs)
        })
        .collect();
    let mut reported: HashSet<&str> = HashSet::new();
    for s in &p.signals {
        if let Some(cycle) = find_cycle(s.name.as_str(), &deps)
            && !cycle.iter().any(|n| reported.contains(n))
        {
            reported.extend(cycle.iter().copied());
            let path = cycle.join("` → `");
            diags.push(
                Diagnostic::at(
                    src,
                    s.span.clone(),
                    format!(
                        "signals refer to each other in a cycle: `{path}` → `{}`",
                        cycle[0]
                    ),
                )
                .with_hint("a signal cannot depend on itself; break the cycle"),
            );
        }
    }

    // Rules: reasons and routes (duplicate ids are found while reading).
    let reason_codes: Vec<&str> = p.reasons.iter().map(|r| r.code.as_str()).collect();
    let route_names: Vec<&str> = p.routes.iter().map(|r| r.name.as_str()).collect();
    for r in p.decision_rules() {
        let value_span = |key: &str| -> Span { find_value_span(src, &r.span, key) };
        match &r.action {
            Action::Disqualify(reason) if !reason_codes.contains(&reason.as_str()) => {
                let hint = match closest(reason, reason_codes.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!("add `{reason} = \"…label…\"` under [reasons]"),
                };
                diags.push(
                    Diagnostic::at(
                        src,
                        value_span("disqualify"),
                        format!("unknown reason `{reason}` in rule `{}`", r.id),
                    )
                    .with_hint(hint),
                );
            }
            Action::Route(route) if !route_names.contains(&route.as_str()) => {
                let hint = match closest(route, route_names.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!("defined routes: {}", list_names(&route_names)),
                };
                diags.push(
                    Diagnostic::at(
                        src,
                        value_span("route"),
                        if r.id == OTHERWISE && r.when.is_always() {
                            format!("unknown route `{route}` in [otherwise]")
                        } else {
                            format!("unknown route `{route}` in rule `{}`", r.id)
                        },
                    )
                    .with_hint(hint),
                );
            }
            _ => {}
        }
    }
    for route in &p.routes {
        if let Some(Owner::Field { field, .. }) = &route.owner
            && sensitive.contains(field.name.as_str())
        {
            diags.push(
                Diagnostic::at(
                    src,
                    field.span.clone(),
                    format!(
                        "owner field `{}` of route `{}` is sensitive",
                        field.name, route.name
                    ),
                )
                .with_hint("owners must not be assigned from a sensitive field"),
            );
        }
    }
}

/// The cycle through `start`, if any, as the list of signals on it.
fn find_cycle<'a>(start: &'a str, deps: &HashMap<&'a str, Vec<&'a str>>) -> Option<Vec<&'a str>> {
    fn dfs<'a>(
        node: &'a str,
        start: &'a str,
        deps: &HashMap<&'a str, Vec<&'a str>>,
        path: &mut Vec<&'a str>,
        visited: &mut HashSet<&'a str>,
    ) -> bool {
        for &next in deps.get(node).map(Vec::as_slice).unwrap_or(&[]) {
            if next == start {
                return true;
            }
            if visited.insert(next) {
                path.push(next);
                if dfs(next, start, deps, path, visited) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    let mut path = vec![start];
    let mut visited = HashSet::from([start]);
    dfs(start, start, deps, &mut path, &mut visited).then_some(path)
}

/// Best-effort span of `key = value` within a rule, starting at the rule's head; falls back to
/// the head itself.
fn find_value_span(src: &Source, head: &Span, key: &str) -> Span {
    let rest = src.text.get(head.start..).unwrap_or("");
    // Search only this rule: up to the next `[[` table header.
    let end = rest.find("\n[").map_or(rest.len(), |i| i + 1);
    let body = &rest[..end];
    for (i, line) in body.split_inclusive('\n').scan(0usize, |off, l| {
        let start = *off;
        *off += l.len();
        Some((start, l))
    }) {
        let trimmed = line.trim_start();
        if let Some(after) = trimmed.strip_prefix(key)
            && after.trim_start().starts_with('=')
        {
            let indent = line.len() - trimmed.len();
            let start = head.start + i + indent;
            let len = line.trim_end().len() - indent;
            return start..start + len;
        }
    }
    head.clone()
}
