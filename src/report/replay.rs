//! Rendering a replay for people: the side-by-side terminal table, the CSV ledgers
//! (`flips.csv`, `unresolved.csv`) and the self-contained `report.html` with the charts inlined.
//! One list of headline rows serves the terminal and the HTML so the two never disagree.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use crate::chart::ChartId;
use crate::error::Error;
use crate::output::write_atomic;
use crate::replay::metric::{MetricKey, MetricValue};
use crate::replay::model::{Metrics, Replay};
use crate::text::group_digits;
use crate::text::strip_xml_decl;

/// One headline row: label, how to read it, and its values.
#[derive(Debug, Clone)]
pub struct Row {
    pub key: MetricKey,
    pub label: &'static str,
    pub help: &'static str,
    pub baseline: String,
    pub draft: String,
    pub delta: String,
    /// Whether the change is good (+1), bad (−1) or neutral (0) for the business.
    pub direction: i8,
}

fn count(v: Option<usize>) -> String {
    v.map_or_else(|| "n/a".into(), group_digits)
}

fn rate(v: Option<f64>) -> String {
    v.map_or_else(|| "n/a".into(), |x| format!("{:.1}%", x * 100.0))
}

/// The rows a replay shows: the immature count only when a conversion window was asked for.
fn shown_rows(r: &Replay) -> Vec<MetricKey> {
    let window = r.baseline.metrics.immature.is_some() || r.draft.metrics.immature.is_some();
    MetricKey::ALL
        .into_iter()
        .filter(|k| window || *k != MetricKey::Immature)
        .collect()
}

/// One headline figure as numbers, for front ends that format their own: counts as counts,
/// rates as shares (0–1); `None` is "not available".
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub key: MetricKey,
    pub label: &'static str,
    pub help: &'static str,
    pub is_rate: bool,
    /// +1: up is good for the business; −1: up is bad; 0: neither.
    pub up: i8,
    pub baseline: Option<f64>,
    pub draft: Option<f64>,
}

/// The headline figures in the order of [`rows`].
pub fn figures(r: &Replay) -> Vec<Figure> {
    shown_rows(r)
        .into_iter()
        .map(|key| Figure {
            key,
            label: key.label(),
            help: key.help(),
            is_rate: key.is_rate(),
            up: key.up(),
            baseline: key.value(&r.baseline.metrics).number(),
            draft: key.value(&r.draft.metrics).number(),
        })
        .collect()
}

/// The headline rows, baseline vs draft with deltas.
pub fn rows(r: &Replay) -> Vec<Row> {
    shown_rows(r)
        .into_iter()
        .map(|key| {
            let (baseline, draft, delta, sign) =
                match (key.value(&r.baseline.metrics), key.value(&r.draft.metrics)) {
                    (MetricValue::Count(bc), MetricValue::Count(dc)) => {
                        let d = bc.zip(dc).map(|(b, d)| d as i64 - b as i64);
                        (
                            count(bc),
                            count(dc),
                            d.map_or_else(|| "n/a".into(), |d| signed(d as f64, "")),
                            d.map_or(0.0, |d| d as f64),
                        )
                    }
                    (b, d) => {
                        let (br, dr) = (b.number(), d.number());
                        let d = br.zip(dr).map(|(b, d)| (d - b) * 100.0);
                        (
                            rate(br),
                            rate(dr),
                            d.map_or_else(|| "n/a".into(), |d| signed(d, " pp")),
                            d.unwrap_or(0.0),
                        )
                    }
                };
            let direction = if sign == 0.0 {
                0
            } else if sign > 0.0 {
                key.up()
            } else {
                -key.up()
            };
            Row {
                key,
                label: key.label(),
                help: key.help(),
                baseline,
                draft,
                delta,
                direction,
            }
        })
        .collect()
}

/// Why figures read "n/a": the roles the dataset lacks, in plain words.
fn unavailable(m: &Metrics) -> Vec<&'static str> {
    let mut out = Vec::new();
    if m.later_converted.is_none() {
        out.push("later conversions and conversion rates: no `converted` role and no outcomes file in the mapping");
    }
    if m.seller_acceptance.is_none() && m.low_fit_handoffs.is_none() {
        out.push("seller acceptance and low-fit handoffs: no `seller_outcome` or `meeting` role");
    }
    if m.override_rate.is_none() {
        out.push("differs from the old process: no `historical_decision` role");
    }
    if m.sla_breach_rate.is_none() {
        out.push("SLA breaches: no `first_touch_minutes` role, no route with `sla_minutes`, or no accepted lead");
    }
    if m.enrichment_errors.is_none() {
        out.push("enrichment errors: no `enrichment_error` role");
    }
    out
}

fn signed(x: f64, unit: &str) -> String {
    if x == 0.0 {
        format!("0{unit}")
    } else if unit.is_empty() {
        let n = x.abs() as usize;
        format!("{}{}", if x > 0.0 { "+" } else { "−" }, group_digits(n))
    } else {
        format!("{}{:.1}{unit}", if x > 0.0 { "+" } else { "−" }, x.abs())
    }
}

/// The side-by-side comparison for a terminal.
pub fn render_text(r: &Replay) -> String {
    let mut s = String::new();
    let (b, d) = (&r.baseline.policy, &r.draft.policy);
    let _ = writeln!(
        s,
        "Replay of \"{}\" ({} leads): baseline `{}` v{} vs draft `{}` v{}\n",
        r.dataset.name,
        group_digits(r.dataset.leads),
        b.id,
        b.version,
        d.id,
        d.version
    );
    let _ = writeln!(s, "Cohort: {}\n", r.cohort.describe());
    let _ = writeln!(
        s,
        "{:38} {:>12} {:>12} {:>12}",
        "", "baseline", "draft", "change"
    );
    for row in rows(r) {
        let _ = writeln!(
            s,
            "{:38} {:>12} {:>12} {:>12}",
            row.label, row.baseline, row.draft, row.delta
        );
    }
    if let Some(periods) = &r.periods {
        let _ = writeln!(
            s,
            "\nBy period (baseline → draft)\n{:12} {:>8} {:>20} {:>22} {:>22} {:>20}",
            "starting",
            "leads",
            "accepted",
            "later converted",
            "seller acceptance",
            "low-fit handoffs"
        );
        for p in periods {
            let (b, d) = (&p.baseline, &p.draft);
            let pair = |x: Option<usize>, y: Option<usize>| format!("{} → {}", count(x), count(y));
            let _ = writeln!(
                s,
                "{:12} {:>8} {:>20} {:>22} {:>22} {:>20}",
                p.start,
                group_digits(d.leads),
                pair(Some(b.accepted), Some(d.accepted)),
                pair(b.later_converted, d.later_converted),
                format!(
                    "{} → {}",
                    rate(b.seller_acceptance),
                    rate(d.seller_acceptance)
                ),
                pair(b.low_fit_handoffs, d.low_fit_handoffs),
            );
        }
    }
    if let (Some(b), Some(d)) = (
        &r.baseline.metrics.routing_time,
        &r.draft.metrics.routing_time,
    ) {
        let mut routes: Vec<&String> = b.keys().chain(d.keys()).collect();
        routes.sort();
        routes.dedup();
        if !routes.is_empty() {
            let _ = writeln!(
                s,
                "\nRouting time of accepted leads, minutes to first touch (median / 90th percentile, baseline → draft)"
            );
            let t = |m: &BTreeMap<String, crate::replay::model::RoutingTime>, route: &str| {
                m.get(route).map_or_else(
                    || "none".to_string(),
                    |t| {
                        let n =
                            |x: Option<f64>| x.map_or_else(|| "n/a".into(), crate::format_number);
                        format!("{} / {}", n(t.median), n(t.p90))
                    },
                )
            };
            for route in routes {
                let _ = writeln!(s, "  {route}: {} → {}", t(b, route), t(d, route));
            }
        }
    }
    let missing = unavailable(&r.draft.metrics);
    if !missing.is_empty() {
        let _ = writeln!(s, "\nn/a means the dataset cannot say:");
        for m in missing {
            let _ = writeln!(s, "  {m}");
        }
    }
    let _ = writeln!(
        s,
        "\nDecision flips (baseline → draft): {} of {} leads change decision",
        group_digits(r.flips.flipped),
        group_digits(r.dataset.leads)
    );
    let names = [
        "accepted",
        "nurture",
        "rejected",
        "unresolved",
        "out_of_scope",
    ];
    let _ = write!(s, "{:>16}", "baseline \\ draft");
    for n in names {
        let _ = write!(s, " {n:>12}");
    }
    let _ = writeln!(s);
    for rname in names {
        let _ = write!(s, "{rname:>16}");
        for cname in names {
            let v = r
                .flips
                .matrix
                .get(rname)
                .and_then(|m| m.get(cname))
                .copied()
                .unwrap_or(0);
            let _ = write!(s, " {:>12}", group_digits(v));
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "\nUnresolved queue by reason (baseline → draft)");
    let mut reasons: Vec<&String> = r
        .baseline
        .unresolved_queue
        .by_reason
        .keys()
        .chain(r.draft.unresolved_queue.by_reason.keys())
        .collect();
    reasons.sort();
    reasons.dedup();
    if reasons.is_empty() {
        let _ = writeln!(s, "  (none: both policies decide every in-scope lead)");
    }
    for reason in reasons {
        let bq = r
            .baseline
            .unresolved_queue
            .by_reason
            .get(reason)
            .copied()
            .unwrap_or(0);
        let dq = r
            .draft
            .unresolved_queue
            .by_reason
            .get(reason)
            .copied()
            .unwrap_or(0);
        let _ = writeln!(
            s,
            "  {:36} {:>12} {:>12}",
            plain_reason(reason),
            group_digits(bq),
            group_digits(dq)
        );
    }
    s
}

/// A reason code in plain words.
pub fn plain_reason(code: &str) -> String {
    if let Some(r) = crate::policy::reason::Review::parse(code) {
        return r.label();
    }
    // A disqualification reason code: its words, capitalised.
    let t = code.replace('_', " ");
    let mut c = t.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// `flips.csv`: every flipped lead with both decisions and what actually happened (`converted`
/// is `true` / `false`, empty without outcomes; seller outcome and meeting as the lists name
/// them, empty when unknown).
pub fn flips_csv(r: &Replay) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "lead_id",
        "baseline_decision",
        "baseline_rule",
        "baseline_reason",
        "baseline_unresolved_reasons",
        "draft_decision",
        "draft_rule",
        "draft_reason",
        "draft_unresolved_reasons",
        "draft_route",
        "draft_owner",
        "converted",
        "seller_outcome",
        "meeting",
    ])?;
    let o = |v: &Option<String>| v.clone().unwrap_or_default();
    for f in &r.flips.leads {
        w.write_record([
            f.lead_id.clone(),
            f.baseline.decision.clone(),
            o(&f.baseline.rule),
            o(&f.baseline.reason),
            o(&f.baseline.unresolved_reasons),
            f.draft.decision.clone(),
            o(&f.draft.rule),
            o(&f.draft.reason),
            o(&f.draft.unresolved_reasons),
            o(&f.draft.route),
            o(&f.draft.owner),
            f.converted.map_or_else(String::new, |c| c.to_string()),
            o(&f.seller_outcome),
            o(&f.meeting),
        ])?;
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// `unresolved.csv`: the unresolved queue of both policies, one row per (policy, grouping, group).
pub fn unresolved_csv(r: &Replay) -> std::io::Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(["policy", "by", "group", "leads"])?;
    for (name, side) in [("baseline", &r.baseline), ("draft", &r.draft)] {
        let q = &side.unresolved_queue;
        for (by, map) in [
            ("reason", &q.by_reason),
            ("campaign", &q.by_campaign),
            ("form", &q.by_form),
            ("source", &q.by_source),
        ] {
            for (group, n) in map {
                w.write_record([name, by, group.as_str(), n.to_string().as_str()])?;
            }
        }
    }
    w.into_inner().map_err(|e| e.into_error())
}

/// The review page's template (`templates/report.html`): every value is HTML-escaped there
/// unless the template marks it safe (the SVGs and the analysis section, rendered by us).
#[derive(askama::Template)]
#[template(path = "report.html")]
struct Page<'a> {
    name: &'a str,
    bv: i64,
    dv: i64,
    dfile: &'a str,
    bfile: &'a str,
    leads: String,
    ds: &'a str,
    cohort: String,
    bsha: &'a str,
    dsha: &'a str,
    rows: Vec<Row>,
    /// (heading, SVG without its XML declaration)
    charts: Vec<(&'static str, &'a str)>,
    extra: &'a str,
    flipped: String,
    flips: Vec<FlipRow<'a>>,
}

/// One flipped lead of the page: its decision under the baseline, then the draft.
struct FlipRow<'a> {
    lead: &'a str,
    sides: [Described<'a>; 2],
}

/// A decision as the flipped-leads table writes it.
struct Described<'a> {
    words: String,
    rule: Option<&'a str>,
    reasons: Option<String>,
}

impl<'a> Described<'a> {
    fn of(rec: &'a crate::engine::explain::DecisionRecord) -> Self {
        Described {
            words: rec.decision.replace('_', " "),
            rule: rec.rule.as_deref(),
            reasons: rec.unresolved_reasons.as_ref().map(|u| {
                u.split(';')
                    .map(plain_reason)
                    .collect::<Vec<String>>()
                    .join(", ")
            }),
        }
    }
}

/// The self-contained review page: headline table, charts, flip matrix, queue, ledgers, with
/// an extra section (the trust analytics) before the flipped leads.
pub fn render_html_with(r: &Replay, charts: &[(ChartId, String)], extra: &str) -> String {
    let (b, d) = (&r.baseline.policy, &r.draft.policy);
    let page = Page {
        name: &d.name,
        bv: b.version,
        dv: d.version,
        dfile: &d.file,
        bfile: &b.file,
        leads: group_digits(r.dataset.leads),
        ds: &r.dataset.name,
        cohort: r.cohort.describe(),
        bsha: &b.sha256,
        dsha: &d.sha256,
        rows: rows(r),
        charts: charts
            .iter()
            .map(|(id, svg)| (id.title().unwrap_or("Chart"), strip_xml_decl(svg)))
            .collect(),
        extra,
        flipped: group_digits(r.flips.flipped),
        flips: r
            .flips
            .leads
            .iter()
            .take(25)
            .map(|f| FlipRow {
                lead: &f.lead_id,
                sides: [Described::of(&f.baseline), Described::of(&f.draft)],
            })
            .collect(),
    };
    askama::Template::render(&page)
        .unwrap_or_else(|e| format!("the report page could not be rendered: {e}"))
}

/// Write `report.json`, the charts, `flips.csv`, `unresolved.csv` and `report.html` into `dir`,
/// plus, with an analysis, its section in `report.html`, `analysis.json` and the analysis
/// charts (`analysis_*.svg`).
pub fn write_dir_with(
    r: &Replay,
    charts: &[(ChartId, String)],
    analysis: Option<&crate::analyze::Analysis>,
    dir: &Path,
) -> Result<Vec<String>, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::write(dir, e))?;
    let mut written = Vec::new();
    let mut put = |name: &str, bytes: &[u8]| -> Result<(), Error> {
        let path = dir.join(name);
        write_atomic(&path, |w| std::io::Write::write_all(w, bytes))?;
        written.push(name.to_string());
        Ok(())
    };
    let json = serde_json::to_vec_pretty(r)
        .map_err(|e| Error::Usage(format!("cannot render the replay as JSON: {e}")))?;
    put("report.json", &json)?;
    for (name, svg) in charts {
        put(&format!("{name}.svg"), svg.as_bytes())?;
    }
    let io = |e: std::io::Error| Error::write(dir, e);
    put("flips.csv", &flips_csv(r).map_err(io)?)?;
    put("unresolved.csv", &unresolved_csv(r).map_err(io)?)?;
    let (extra, analysis_files) = match analysis {
        Some(a) => (
            super::analysis::render_html_section(a, &crate::chart::analysis::all(a)),
            super::analysis::write_dir(a, dir)?,
        ),
        None => (String::new(), Vec::new()),
    };
    put(
        "report.html",
        render_html_with(r, charts, &extra).as_bytes(),
    )?;
    written.extend(analysis_files);
    Ok(written)
}
