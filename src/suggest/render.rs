//! Suggestions as the terminal prints them.

use std::fmt::Write as _;

use super::{Gain, Suggestions};
use crate::text::group_digits;

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        n.to_string()
    }
}

fn gain_line(g: &Gain) -> String {
    let opt = |x: Option<i64>| x.map_or("n/a".to_string(), signed);
    format!(
        "gain {} on {} leads (later converted {}, low-fit handoffs {}, unresolved {}; {} leads change decision)",
        g.gain,
        group_digits(g.leads),
        opt(g.later_converted),
        opt(g.low_fit_handoffs),
        signed(g.unresolved),
        group_digits(g.changed_leads)
    )
}

pub fn render_text(s: &Suggestions) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Suggestions for `{}` v{} on {} leads — {} candidates tried, {} shown, best first.\nObjective: {}\nNothing is applied: each suggestion is a whole policy file to review, replay and submit like any draft.\n",
        s.policy.id,
        s.policy.version,
        group_digits(s.leads),
        s.tried,
        s.suggestions.len(),
        s.objective
    );
    if s.suggestions.is_empty() {
        let _ = writeln!(
            out,
            "No change gains anything on these leads that the data supports: no threshold, rule or segment stands out."
        );
    }
    for (k, g) in s.suggestions.iter().enumerate() {
        let _ = writeln!(out, "{}. [{}] {}", k + 1, g.kind, g.title);
        let _ = writeln!(out, "   Why: {}", g.why);
        let _ = writeln!(out, "   Every lead: {}", gain_line(&g.gain));
        let _ = writeln!(out, "   Learning leads: {}", gain_line(&g.holdout.learning));
        let _ = writeln!(out, "   Held-out leads: {}", gain_line(&g.holdout.holdout));
        let _ = writeln!(out, "   {}", g.holdout.words);
        let blocked: Vec<String> = g
            .guardrails
            .iter()
            .filter(|r| r.blocked)
            .map(|r| r.describe())
            .collect();
        let _ = writeln!(
            out,
            "   Guardrails (against the published baseline, or the input policy): {}",
            if blocked.is_empty() {
                "all pass".to_string()
            } else {
                format!("blocked — {}", blocked.join("; "))
            }
        );
        for e in &g.examples {
            let _ = writeln!(
                out,
                "   e.g. {}: {} → {}{}",
                e.lead_id,
                e.before.decision,
                e.after.decision,
                match e.converted {
                    Some(true) => " (converted)",
                    Some(false) => " (did not convert)",
                    None => "",
                }
            );
        }
        let _ = writeln!(out);
    }
    let _ = writeln!(
        out,
        "Split: {}",
        s.suggestions
            .first()
            .map_or("", |g| g.holdout.split.as_str())
    );
    out
}
