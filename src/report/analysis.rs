//! Rendering trust analytics for people: the terminal report of `leadpolicy analyze` and the
//! HTML section of the replay report. Plain words, grouped digits, "n/a" for what is not
//! available; the numbers are exactly those of the [`Analysis`] (which `--json` prints).

use std::fmt::Write as _;

use crate::text::strip_xml_decl;

use crate::analyze::Analysis;
use crate::analyze::segments::GroupRates;
use crate::chart::ChartId;
use crate::text::group_digits;

/// How many rows of a long list the terminal and the HTML show (`--json` has all of them).
pub const TOP_ROWS: usize = 12;

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |x| format!("{:.1}%", x * 100.0))
}

fn opt_count(v: Option<usize>) -> String {
    v.map_or_else(|| "n/a".into(), group_digits)
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        group_digits(x.abs() as usize).chars().fold(
            if x < 0.0 {
                "-".to_string()
            } else {
                String::new()
            },
            |mut s, c| {
                s.push(c);
                s
            },
        )
    } else {
        format!("{:.3}", x)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

fn ratio(g: &GroupRates) -> String {
    if g.too_small {
        "too small to judge".into()
    } else {
        match g.impact_ratio {
            Some(r) if g.flagged => format!("{r:.2} ⚑ below 0.8"),
            Some(r) => format!("{r:.2}"),
            None => "n/a".into(),
        }
    }
}

/// The terminal report of `leadpolicy analyze`.
pub fn render_text(a: &Analysis) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Trust analytics for `{}` v{} on \"{}\": {} leads, {} in scope{}\n",
        a.policy.id,
        a.policy.version,
        a.dataset,
        group_digits(a.leads),
        group_digits(a.in_scope),
        a.baseline
            .as_ref()
            .map(|b| format!(" (baseline `{}` v{})", b.id, b.version))
            .unwrap_or_default()
    );
    if a.cohort.leads != a.cohort.of || a.cohort.conversion_window.is_some() {
        let _ = writeln!(s, "Cohort: {}\n", a.cohort.describe());
    }

    // 1. Proxies
    let p = &a.proxies;
    let _ = writeln!(
        s,
        "1. Proxy detection — Cramér's V between each field the policy reads and each sensitive field\n   (0 = unrelated, 1 = one gives the other away; flagged at {} or more). Text fields: top 20 values + (other);\n   numbers: 5 quantile bins; missing is a category of its own. In-scope leads only.",
        num(p.threshold)
    );
    if p.sensitive_fields.is_empty() {
        let _ = writeln!(
            s,
            "   No sensitive field of the policy is in the dataset: nothing to check."
        );
    }
    if !p.sensitive_absent.is_empty() {
        let _ = writeln!(
            s,
            "   Not in the dataset: {}",
            p.sensitive_absent.join(", ")
        );
    }
    for pair in p.pairs.iter().take(TOP_ROWS) {
        let v = pair.cramers_v.map_or("n/a".into(), |v| format!("{v:.3}"));
        let flag = if pair.flagged {
            format!("⚑ {}", pair.finding())
        } else {
            String::new()
        };
        let _ = writeln!(
            s,
            "   {:24} × {:14} V = {:>6}  {}",
            pair.field, pair.sensitive, v, flag
        );
    }
    if p.pairs.len() > TOP_ROWS {
        let _ = writeln!(
            s,
            "   … {} more pairs, all lower (see --json)",
            p.pairs.len() - TOP_ROWS
        );
    }
    let flagged = p.flagged().count();
    let _ = writeln!(
        s,
        "   {}\n",
        if flagged == 0 {
            "No field is flagged.".to_string()
        } else {
            format!("{flagged} pair(s) flagged.")
        }
    );

    // 2. Segments
    let g = &a.segments;
    let _ = writeln!(
        s,
        "2. Segment impact — decision rates per group of each sensitive field; impact ratio = the group's\n   acceptance rate ÷ the best group's (four-fifths rule: flagged below 0.8). Groups under {} in-scope\n   leads are too small to judge.",
        g.min_group_size
    );
    for f in &g.fields {
        let _ = writeln!(s, "   {} ({})", f.field, f.method);
        let _ = writeln!(
            s,
            "     {:22} {:>8} {:>9} {:>9} {:>10}  {:22}{}",
            "group",
            "leads",
            "accepted",
            "rejected",
            "unresolved",
            "impact ratio",
            if a.baseline.is_some() {
                "  baseline: accepted, ratio"
            } else {
                ""
            }
        );
        for grp in f.groups.iter().take(TOP_ROWS) {
            let d = &grp.draft;
            let base = grp
                .baseline
                .as_ref()
                .map(|b| format!("  {:>8}, {}", pct(b.accepted_rate), ratio(b)))
                .unwrap_or_default();
            let _ = writeln!(
                s,
                "     {:22} {:>8} {:>9} {:>9} {:>10}  {:22}{}",
                clip(&grp.group, 22),
                group_digits(d.leads),
                pct(d.accepted_rate),
                pct(d.rejected_rate),
                pct(d.unresolved_rate),
                ratio(d),
                base
            );
        }
        if f.groups.len() > TOP_ROWS {
            let _ = writeln!(
                s,
                "     … {} smaller groups (see --json)",
                f.groups.len() - TOP_ROWS
            );
        }
    }
    let _ = writeln!(s);

    // 3. Missing fields
    let m = &a.missing_fields;
    let _ = writeln!(
        s,
        "3. Missing-field patterns — among rejected and unresolved leads, how often each field is missing,\n   against accepted leads; \"would unblock\" = unresolved leads held back by that one missing field alone."
    );
    let _ = writeln!(
        s,
        "     {:20} {:40} {:>9} {:>16} {:>16}",
        "field", "where", "unblock", "missing: blocked", "missing: accepted"
    );
    for e in m.overall.iter().chain(m.by_group.iter().take(TOP_ROWS)) {
        let place = if e.by == "all" {
            "all in-scope leads".to_string()
        } else {
            format!("{} {}", e.by.replace('_', " "), e.group)
        };
        let _ = writeln!(
            s,
            "     {:20} {:40} {:>9} {:>16} {:>16}",
            clip(&e.field, 20),
            clip(&place, 40),
            opt_count(e.would_unblock),
            format!(
                "{} ({})",
                group_digits(e.missing_blocked),
                pct(e.missing_rate_blocked)
            ),
            format!(
                "{} ({})",
                group_digits(e.missing_accepted),
                pct(e.missing_rate_accepted)
            ),
        );
    }
    let _ = writeln!(s);

    // 4. Coverage
    let c = &a.coverage;
    let _ = writeln!(
        s,
        "4. Rule coverage — fired: condition true for an in-scope lead; decided: the lead's decision names the rule."
    );
    let _ = writeln!(
        s,
        "     {:34} {:>8} {:>8} {:>16}  finding",
        "rule", "fired", "decided", "if removed"
    );
    for r in &c.rules {
        let mut finding = Vec::new();
        if r.never_fires {
            finding.push("never fires");
        }
        if r.shadowed {
            finding.push("fully shadowed by earlier rules");
        }
        if r.removal_changes_nothing && !r.never_fires {
            finding.push("removal changes no decision");
        }
        let _ = writeln!(
            s,
            "     {:34} {:>8} {:>8} {:>16}  {}",
            clip(&r.rule, 34),
            group_digits(r.fired),
            group_digits(r.decided),
            format!("{} change", group_digits(r.changed_if_removed)),
            finding.join("; ")
        );
    }
    let none = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    let _ = writeln!(s, "   Signals no rule uses: {}", none(&c.unused_signals));
    let _ = writeln!(
        s,
        "   Allowed fields nothing reads: {}\n",
        none(&c.unused_allowed_fields)
    );

    // 5. Sweep
    let _ = writeln!(s, "5. Threshold sweep");
    if let Some(note) = &a.sweep.note {
        let _ = writeln!(s, "   {note}");
    }
    if let Some(w) = &a.sweep.sweep {
        let _ = writeln!(
            s,
            "   `{} {} {}` in rule `{}`{}; rules that move with it: {}.\n   {}",
            w.field,
            w.op,
            num(w.current),
            w.rule,
            w.signal
                .as_ref()
                .map(|sg| format!(" (through signal `{sg}`)"))
                .unwrap_or_default(),
            w.rules_affected.join(", "),
            w.range
        );
        let _ = writeln!(
            s,
            "     {:>12} {:>9} {:>9} {:>9} {:>10} {:>15} {:>16}",
            "threshold",
            "accepted",
            "nurture",
            "rejected",
            "unresolved",
            "later converted",
            "low-fit handoffs"
        );
        let every = w.points.len().div_ceil(10).max(1);
        let cur = &w.at_current;
        let mut shown: Vec<(&crate::analyze::sweep::SweepPoint, bool)> = w
            .points
            .iter()
            .enumerate()
            .filter(|(k, _)| k % every == 0 || *k + 1 == w.points.len())
            .map(|(_, p)| (p, false))
            .collect();
        shown.push((cur, true));
        shown.sort_by(|a, b| a.0.threshold.total_cmp(&b.0.threshold));
        // One line per threshold as printed: the current one replaces a sweep point it equals.
        shown.dedup_by(|later, kept| {
            let same = num(later.0.threshold) == num(kept.0.threshold);
            if same && later.1 {
                *kept = *later;
            }
            same
        });
        for (pt, is_cur) in shown {
            let _ = writeln!(
                s,
                "     {:>12} {:>9} {:>9} {:>9} {:>10} {:>15} {:>16}{}",
                num(pt.threshold),
                group_digits(pt.accepted),
                group_digits(pt.nurture),
                group_digits(pt.rejected),
                group_digits(pt.unresolved),
                opt_count(pt.later_converted),
                opt_count(pt.low_fit_handoffs),
                if is_cur { "  ◀ current" } else { "" }
            );
        }
        let _ = writeln!(
            s,
            "   ({} thresholds in all; every one in --json and the chart)",
            w.points.len()
        );
    }
    let _ = writeln!(s);

    // 6. Enrichment
    let en = &a.enrichment;
    let _ = writeln!(
        s,
        "6. Enrichment quality — per enrichment source, in-scope leads"
    );
    if !en.available {
        let _ = writeln!(
            s,
            "   not available: the dataset has no enrichment_source role"
        );
    } else {
        let _ = writeln!(
            s,
            "     {:14} {:>8} {:>8} {:>9} {:>24} {:>10} {:>8} {:>22}",
            "source",
            "leads",
            "share",
            "coverage",
            "confidence p25/med/p75",
            "below min",
            "errors",
            "unresolved it causes"
        );
        for q in &en.sources {
            let conf = q.confidence.as_ref().map_or("n/a".into(), |c| {
                // One precision for all three, so `0.47/0.60/0.72` reads as a row of figures.
                format!("{:.2}/{:.2}/{:.2}", c.p25, c.median, c.p75)
            });
            let _ = writeln!(
                s,
                "     {:14} {:>8} {:>8} {:>9} {:>24} {:>10} {:>8} {:>22}",
                clip(&q.source, 14),
                group_digits(q.leads),
                pct(q.share_of_leads),
                pct(q.coverage),
                conf,
                pct(q.below_minimum),
                pct(q.error_rate),
                format!(
                    "{} ({})",
                    group_digits(q.unresolved_caused),
                    pct(q.share_of_unresolved)
                )
            );
        }
        let _ = writeln!(
            s,
            "   coverage: has every required field; below min: confidence missing or under {}; unresolved it causes:\n   leads stopped by the evidence gate, as a share of all {} unresolved leads.\n",
            en.min_confidence.map_or("(no minimum)".into(), num),
            group_digits(en.unresolved)
        );
    }

    // 7. Leakage
    let _ = writeln!(
        s,
        "7. Fields that may be recorded after the decision — a field the policy reads whose header says status,\n   stage, quality, tags or outcome, or whose values separate converted from not converted almost perfectly."
    );
    if a.recorded_later.is_empty() {
        let _ = writeln!(s, "   none found\n");
    } else {
        for w in &a.recorded_later {
            let _ = writeln!(s, "   {w}");
        }
        let _ = writeln!(s);
    }
    s
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// What a reviewer should look at first, in words: possible proxies, groups under four-fifths
/// (draft), and rules that never fire, are shadowed or change nothing if removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Findings {
    pub proxies: Vec<String>,
    pub four_fifths: Vec<String>,
    pub idle_rules: Vec<String>,
    /// Fields the policy reads that may be recorded after the decision.
    pub recorded_later: Vec<String>,
}

pub fn findings(a: &Analysis) -> Findings {
    Findings {
        proxies: a.proxies.flagged().map(|p| p.finding()).collect(),
        four_fifths: a
            .segments
            .fields
            .iter()
            .flat_map(|f| {
                f.groups
                    .iter()
                    .filter(|g| g.draft.flagged)
                    .map(move |g| format!("{} = {}", f.field, g.group))
            })
            .collect(),
        idle_rules: a
            .coverage
            .rules
            .iter()
            .filter(|r| r.never_fires || r.shadowed || r.removal_changes_nothing)
            .map(|r| r.rule.clone())
            .collect(),
        recorded_later: a.recorded_later.clone(),
    }
}

/// The "Trust analytics" section's template (`templates/analysis.html`).
#[derive(askama::Template)]
#[template(path = "analysis.html")]
struct Section<'a> {
    threshold: String,
    proxies: String,
    four_fifths: String,
    idle: String,
    recorded_later: String,
    /// (chart id, SVG without its XML declaration)
    charts: Vec<(ChartId, &'a str)>,
    text: String,
}

/// The "Trust analytics" section of `report.html`: the charts with the headline findings; the
/// terminal report verbatim underneath, so every number is in the page.
pub fn render_html_section(a: &Analysis, charts: &[(ChartId, String)]) -> String {
    let Findings {
        proxies,
        four_fifths,
        idle_rules,
        recorded_later,
    } = findings(a);
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join("; ")
        }
    };
    let section = Section {
        threshold: num(a.proxies.threshold),
        proxies: list(&proxies),
        four_fifths: list(&four_fifths),
        idle: list(&idle_rules),
        recorded_later: list(&recorded_later),
        charts: charts
            .iter()
            .map(|(id, svg)| (*id, strip_xml_decl(svg)))
            .collect(),
        text: render_text(a),
    };
    askama::Template::render(&section)
        .unwrap_or_else(|e| format!("<p>the trust analytics could not be rendered: {e}</p>\n"))
}

/// Write `analysis.json` and the analysis charts (SVG) into `dir`; returns the file names.
pub fn write_dir(a: &Analysis, dir: &std::path::Path) -> Result<Vec<String>, crate::Error> {
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::write(dir, e))?;
    let mut written = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<(), crate::Error> {
        crate::output::write_atomic(&dir.join(name), |w| std::io::Write::write_all(w, bytes))?;
        written.push(name.to_string());
        Ok(())
    };
    let json = serde_json::to_vec_pretty(a)
        .map_err(|e| crate::Error::Usage(format!("cannot render the analysis as JSON: {e}")))?;
    put("analysis.json", &json)?;
    for (name, svg) in crate::chart::analysis::all(a) {
        put(&format!("{name}.svg"), svg.as_bytes())?;
    }
    Ok(written)
}
