//! The semantic difference between two policy versions: what a reviewer needs to see, not a
//! line diff — fields allowed or removed, evidence thresholds, signals, reasons, routes (owner,
//! SLA) and rules added, removed, changed (old and new condition) or reordered.

use std::fmt::{self, Write as _};

use serde::Serialize;

use super::{Action, Condition, OnOverlap, Op, Owner, Policy, Route};

/// One change, old → new.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub section: Section,
    pub kind: ChangeKind,
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// Where in the policy a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum Section {
    /// The policy's name and description.
    Policy,
    /// The allowed and sensitive fields.
    Fields,
    Scope,
    Evidence,
    Signal,
    Reason,
    Route,
    Rule,
}

impl Section {
    pub fn as_str(self) -> &'static str {
        match self {
            Section::Policy => "policy",
            Section::Fields => "fields",
            Section::Scope => "scope",
            Section::Evidence => "evidence",
            Section::Signal => "signal",
            Section::Reason => "reason",
            Section::Route => "route",
            Section::Rule => "rule",
        }
    }
}

/// What happened to an entry between two versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
    /// The rules kept their texts but not their order.
    Reordered,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
            ChangeKind::Reordered => "reordered",
        }
    }
}

/// Every change from `old` to `new`, section by section.
pub fn diff(old: &Policy, new: &Policy) -> Vec<Change> {
    let mut out = Vec::new();
    let mut change = |section, kind, name: &str, o: Option<String>, n: Option<String>| {
        out.push(Change {
            section,
            kind,
            name: name.to_string(),
            old: o,
            new: n,
        });
    };
    for (name, o, n) in [
        ("name", Some(old.name.clone()), Some(new.name.clone())),
        (
            "description",
            old.description.clone(),
            new.description.clone(),
        ),
    ] {
        if o != n {
            change(Section::Policy, ChangeKind::Changed, name, o, n);
        }
    }
    let names = |v: &[super::Named]| v.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
    for (label, o, n) in [
        ("allowed", names(&old.allowed), names(&new.allowed)),
        ("sensitive", names(&old.sensitive), names(&new.sensitive)),
    ] {
        for f in n.iter().filter(|f| !o.contains(f)) {
            change(
                Section::Fields,
                ChangeKind::Added,
                &format!("{label} `{f}`"),
                None,
                Some(f.clone()),
            );
        }
        for f in o.iter().filter(|f| !n.contains(f)) {
            change(
                Section::Fields,
                ChangeKind::Removed,
                &format!("{label} `{f}`"),
                Some(f.clone()),
                None,
            );
        }
    }
    for role in super::ScopeRole::ALL {
        let list = |p: &Policy| {
            p.scope
                .iter()
                .find(|s| s.role == role)
                .map(|s| format!("[{}]", s.values.join(", ")))
        };
        let (o, n) = (list(old), list(new));
        if o != n {
            let kind = match (&o, &n) {
                (None, _) => ChangeKind::Added,
                (_, None) => ChangeKind::Removed,
                _ => ChangeKind::Changed,
            };
            change(Section::Scope, kind, role.as_str(), o, n);
        }
    }
    let required = |p: &Policy| format!("[{}]", names(&p.evidence.required).join(", "));
    let approved = |p: &Policy| {
        p.evidence
            .approved_sources
            .as_ref()
            .map(|(a, _)| format!("[{}]", a.join(", ")))
    };
    let min = |p: &Policy| {
        p.evidence
            .min_enrichment_confidence
            .as_ref()
            .map(|(m, _)| crate::format_number(*m))
    };
    let overlap = |p: &Policy| match p.evidence.on_overlap {
        OnOverlap::Review => "review".to_string(),
        OnOverlap::First => "first".to_string(),
    };
    for (name, o, n) in [
        ("required", Some(required(old)), Some(required(new))),
        ("approved_sources", approved(old), approved(new)),
        ("min_enrichment_confidence", min(old), min(new)),
        ("on_overlap", Some(overlap(old)), Some(overlap(new))),
    ] {
        if o != n {
            change(Section::Evidence, ChangeKind::Changed, name, o, n);
        }
    }
    keyed(
        &mut out,
        Section::Signal,
        old.signals
            .iter()
            .map(|s| (s.name.clone(), s.when.to_string())),
        new.signals
            .iter()
            .map(|s| (s.name.clone(), s.when.to_string())),
    );
    keyed(
        &mut out,
        Section::Reason,
        old.reasons
            .iter()
            .map(|r| (r.code.clone(), r.label.clone())),
        new.reasons
            .iter()
            .map(|r| (r.code.clone(), r.label.clone())),
    );
    keyed(
        &mut out,
        Section::Route,
        old.routes.iter().map(|r| (r.name.clone(), route_text(r))),
        new.routes.iter().map(|r| (r.name.clone(), route_text(r))),
    );
    let rule_text = |r: &super::Rule| {
        let action = match &r.action {
            Action::Disqualify(reason) => format!("disqualify as `{reason}`"),
            Action::Route(route) => format!("route to `{route}`"),
        };
        if r.when.is_always() {
            format!("{action} when no routing rule fired")
        } else {
            format!("{action} when {}", r.when)
        }
    };
    keyed(
        &mut out,
        Section::Rule,
        old.decision_rules().map(|r| (r.id.clone(), rule_text(r))),
        new.decision_rules().map(|r| (r.id.clone(), rule_text(r))),
    );
    // Reordering among the rules both versions have (decision order is file order).
    let common_old: Vec<&str> = old
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| new.rules.iter().any(|r| r.id == *id))
        .collect();
    let common_new: Vec<&str> = new
        .rules
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| old.rules.iter().any(|r| r.id == *id))
        .collect();
    if common_old != common_new {
        out.push(Change {
            section: Section::Rule,
            kind: ChangeKind::Reordered,
            name: "order".into(),
            old: Some(common_old.join(", ")),
            new: Some(common_new.join(", ")),
        });
    }
    out
}

/// Added, removed and changed entries of a named section.
fn keyed(
    out: &mut Vec<Change>,
    section: Section,
    old: impl Iterator<Item = (String, String)>,
    new: impl Iterator<Item = (String, String)>,
) {
    let old: Vec<(String, String)> = old.collect();
    let new: Vec<(String, String)> = new.collect();
    for (name, text) in &new {
        match old.iter().find(|(n, _)| n == name) {
            None => out.push(Change {
                section,
                kind: ChangeKind::Added,
                name: name.clone(),
                old: None,
                new: Some(text.clone()),
            }),
            Some((_, o)) if o != text => out.push(Change {
                section,
                kind: ChangeKind::Changed,
                name: name.clone(),
                old: Some(o.clone()),
                new: Some(text.clone()),
            }),
            Some(_) => {}
        }
    }
    for (name, text) in &old {
        if !new.iter().any(|(n, _)| n == name) {
            out.push(Change {
                section,
                kind: ChangeKind::Removed,
                name: name.clone(),
                old: Some(text.clone()),
                new: None,
            });
        }
    }
}

fn route_text(r: &Route) -> String {
    let mut t = match r.kind {
        super::RouteKind::Sales => "sales".to_string(),
        super::RouteKind::Nurture => "nurture".to_string(),
    };
    if let Some(q) = &r.queue {
        let _ = write!(t, ", queue \"{q}\"");
    }
    match &r.owner {
        Some(Owner::Fixed(o)) => {
            let _ = write!(t, ", owner \"{o}\"");
        }
        Some(Owner::Field { field, fallback }) => {
            let _ = write!(t, ", owner from `{}`", field.name);
            if let Some(f) = fallback {
                let _ = write!(t, " (else \"{f}\")");
            }
        }
        None => {}
    }
    if let Some(s) = r.sla_minutes {
        let _ = write!(t, ", SLA {} min", crate::format_number(s));
    }
    t
}

/// A condition written back in the policy's own inline syntax.
impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |items: &[Condition]| {
            items
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Condition::Field { field, op, .. } => {
                let value = match op {
                    Op::Eq(l) | Op::Ne(l) => l.to_string(),
                    Op::In(ls) | Op::NotIn(ls) => format!(
                        "[{}]",
                        ls.iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    Op::Gt(n) | Op::Gte(n) | Op::Lt(n) | Op::Lte(n) => crate::format_number(*n),
                    Op::Contains(s) => format!("\"{s}\""),
                    Op::Matches(re) => format!("\"{}\"", re.as_str()),
                    Op::Missing(b) => b.to_string(),
                };
                write!(
                    f,
                    "{{ field = \"{}\", {} = {value} }}",
                    field.name,
                    op.name()
                )
            }
            Condition::Signal(s) => write!(f, "{{ signal = \"{}\" }}", s.name),
            Condition::All(cs) => write!(f, "{{ all = [{}] }}", list(cs)),
            Condition::Any(cs) => write!(f, "{{ any = [{}] }}", list(cs)),
            Condition::Not(c) => write!(f, "{{ not = {c} }}"),
        }
    }
}

/// The diff as text for a terminal.
pub fn render(changes: &[Change], old_label: &str, new_label: &str) -> String {
    let mut s = format!("Changes from {old_label} to {new_label}\n");
    if changes.is_empty() {
        s.push_str("  (no changes)\n");
    }
    for c in changes {
        let mark = match c.kind {
            ChangeKind::Added => "+",
            ChangeKind::Removed => "-",
            ChangeKind::Changed | ChangeKind::Reordered => "~",
        };
        let _ = writeln!(
            s,
            "{mark} {} {} {}",
            c.section.as_str(),
            c.kind.as_str(),
            c.name
        );
        if let Some(o) = &c.old {
            let _ = writeln!(s, "    was: {o}");
        }
        if let Some(n) = &c.new {
            let _ = writeln!(s, "    now: {n}");
        }
    }
    s
}
