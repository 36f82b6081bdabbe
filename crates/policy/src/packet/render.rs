//! A packet in plain language for a terminal: the decision, the lead, its scope, every signal and
//! rule with the values it read, and the evidence gate.

use std::fmt::Write as _;

use super::{Decision, Eval, Node, Packet, RuleCheck};

fn render_eval(e: &Eval, out: &mut String) {
    match &e.node {
        Node::Field { field, test, value } => {
            let _ = write!(out, "{field} {value} {test} {}", e.result.mark());
        }
        Node::Signal { signal, .. } => {
            let _ = write!(out, "signal {signal} {}", e.result.mark());
        }
        Node::Not { item } => {
            out.push_str("not (");
            render_eval(item, out);
            let _ = write!(out, ") {}", e.result.mark());
        }
        Node::All { items } | Node::Any { items } => {
            let word = if matches!(e.node, Node::All { .. }) {
                " and "
            } else {
                " or "
            };
            if items.len() > 1 {
                out.push('(');
            }
            for (i, it) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(word);
                }
                render_eval(it, out);
            }
            if items.len() > 1 {
                out.push(')');
            }
        }
    }
}

/// A plain-language rendering of a packet for a terminal.
pub fn render<O>(p: &Packet<O>, outcome_line: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Lead {} — policy \"{}\" v{} ({})",
        p.lead_id, p.policy.name, p.policy.version, p.policy.file
    );
    let _ = writeln!(s);
    let headline = match p.decision {
        Decision::Accepted | Decision::Nurture => {
            let mut h = format!(
                "{} → route {}",
                p.decision.as_str().to_uppercase(),
                p.route.as_deref().unwrap_or("")
            );
            if let Some(q) = &p.queue {
                let _ = write!(h, " (queue {q})");
            }
            match &p.owner {
                Some(o) => {
                    let _ = write!(h, ", owner {o}");
                }
                None => h.push_str(", no owner set"),
            }
            if let Some(sla) = p.sla_minutes {
                let _ = write!(h, ", SLA {} min", crate::format_number(sla));
            }
            h
        }
        Decision::Rejected => format!(
            "REJECTED — {} ({})",
            p.reason_label.as_deref().unwrap_or(""),
            p.reason.as_deref().unwrap_or("")
        ),
        Decision::Unresolved => format!(
            "UNRESOLVED → manual review: {}",
            p.unresolved_reasons.join(", ")
        ),
        Decision::OutOfScope => "OUT OF SCOPE — not covered by this policy's pilot".to_string(),
    };
    let _ = writeln!(s, "Decision   {headline}");
    if let Some(rule) = &p.rule {
        let desc = p
            .disqualify_rules
            .iter()
            .chain(&p.route_rules)
            .find(|c| &c.id == rule)
            .and_then(|c| c.description.clone())
            .or_else(|| (rule == crate::OTHERWISE).then(|| crate::OTHERWISE_TEXT.to_string()));
        match desc {
            Some(d) => {
                let _ = writeln!(s, "           decided by rule `{rule}`: {d}");
            }
            None => {
                let _ = writeln!(s, "           decided by rule `{rule}`");
            }
        }
    }
    if !p.overlapping_rules.is_empty() {
        let _ = writeln!(
            s,
            "           rules pointing at different routes: {}",
            p.overlapping_rules.join(", ")
        );
    }
    let _ = writeln!(s);
    let lead: Vec<String> = p
        .lead
        .iter()
        .map(|rv| format!("{} {}", rv.role.as_str().replace('_', " "), rv.value))
        .collect();
    if !lead.is_empty() {
        let _ = writeln!(s, "Lead       {}", lead.join(" · "));
    }
    if !p.scope.is_empty() {
        let checks: Vec<String> = p
            .scope
            .iter()
            .map(|c| {
                format!(
                    "{} {} {}",
                    c.role.as_str(),
                    c.value,
                    if c.listed { "✓" } else { "✗" }
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "Scope      {} ({})",
            if p.in_scope {
                "in scope"
            } else {
                "out of scope"
            },
            checks.join(", ")
        );
    }
    if let Some(line) = outcome_line {
        let _ = writeln!(s, "Outcome    {line}");
    }
    let width = p
        .signals
        .iter()
        .map(|x| x.name.len())
        .chain(
            p.disqualify_rules
                .iter()
                .chain(&p.route_rules)
                .map(|c| c.id.len()),
        )
        .max()
        .unwrap_or(8);
    if !p.signals.is_empty() {
        let _ = writeln!(s, "\nSignals");
        for sig in &p.signals {
            let mut line = String::new();
            render_eval(&sig.eval, &mut line);
            let _ = writeln!(
                s,
                "  {} {:width$}  {:7}  {line}",
                sig.result.mark(),
                sig.name,
                sig.result.as_str()
            );
        }
    }
    let rules = |title: &str, checks: &[RuleCheck], s: &mut String| {
        if checks.is_empty() {
            return;
        }
        let _ = writeln!(s, "\n{title}");
        for c in checks {
            let mut line = String::new();
            render_eval(&c.eval, &mut line);
            let target = c.action.replace(':', " ");
            let _ = writeln!(
                s,
                "  {} {:width$}  {:7}  {target}: {line}",
                c.result.mark(),
                c.id,
                if c.fired { "fired" } else { "-" }
            );
        }
    };
    rules(
        "Disqualification rules (checked first, in file order)",
        &p.disqualify_rules,
        &mut s,
    );
    if !p.evidence.is_empty() {
        let _ = writeln!(s, "\nEvidence gate (missing evidence means manual review)");
        for g in &p.evidence {
            let _ = writeln!(
                s,
                "  {} {} — value {}",
                if g.passed { "✓" } else { "✗" },
                g.check,
                g.value
            );
        }
    }
    rules("Routing rules (in file order)", &p.route_rules, &mut s);
    s
}
