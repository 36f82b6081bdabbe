//! Turning replay results into SVG charts.
//!
//! This module owns the five charts of a baseline-vs-draft replay report — outcomes, the flip
//! matrix, later conversions by reason, decisions by campaign and the unresolved queue by reason —
//! rendered with `plotters`' SVG backend into a `String` (no system fonts are needed to produce
//! them). It must not do I/O or read the clock: every chart is a pure function of the [`Replay`]
//! it is given, so the same replay always gives the same bytes. A metric that is `None` ("not
//! available") is drawn as a note, never as a zero bar, and a drawing error yields an SVG that
//! states the error instead of a panic.

pub mod analysis;
mod campaigns;
mod frame;
mod furniture;
mod id;
mod matrix;
mod text;
pub mod trends;

pub use campaigns::campaign_family;
use campaigns::*;
use frame::*;
use furniture::*;
pub use id::ChartId;
use matrix::*;
use text::*;

use std::collections::BTreeMap;
use std::error::Error;

use plotters::chart::{ChartContext, MeshStyle};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::replay::model::{GroupMetrics, Metrics, Replay};

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;
type Drawn = Result<(), Box<dyn Error>>;
type Px = (i32, i32);
/// (category position, value) → pixel.
type ToPx = Box<dyn Fn(f64, u64) -> Px>;

const WIDTH: u32 = 900;
const HEIGHT: u32 = 500;
const MARGIN: i32 = 24;
/// Grouped or stacked bar charts with more categories than this fold the rest into one bar.
const MAX_REASONS: usize = 12;
const TOP_CAMPAIGNS: usize = 8;

const INK: RGBColor = RGBColor(33, 33, 33);
const MUTED: RGBColor = RGBColor(80, 80, 80);
const GRID: RGBColor = RGBColor(222, 222, 222);
const NOTE_FILL: RGBColor = RGBColor(246, 246, 246);
/// Baseline: a muted blue-grey; draft: a strong teal (they stay apart in greyscale too).
const BASELINE: RGBColor = RGBColor(150, 166, 186);
const DRAFT: RGBColor = RGBColor(0, 121, 107);
const ACCEPTED: RGBColor = RGBColor(46, 125, 50);
const NURTURE: RGBColor = RGBColor(144, 202, 249);
const REJECTED: RGBColor = RGBColor(198, 40, 40);
const UNRESOLVED: RGBColor = RGBColor(255, 179, 0);
const UNCHANGED: RGBColor = RGBColor(224, 224, 224);
const HEAT_LOW: RGBColor = RGBColor(255, 243, 224);
const HEAT_HIGH: RGBColor = RGBColor(191, 54, 12);

/// The in-scope decisions in report order, with their labels and fixed colours.
const DECISIONS: [(&str, &str, RGBColor); 4] = [
    ("accepted", "Accepted", ACCEPTED),
    ("nurture", "Nurture", NURTURE),
    ("rejected", "Rejected", REJECTED),
    ("unresolved", "Unresolved", UNRESOLVED),
];
/// Row / column order of the flip matrix; unknown decisions follow in key order.
const MATRIX_ORDER: [&str; 5] = [
    "accepted",
    "nurture",
    "rejected",
    "unresolved",
    "out_of_scope",
];

/// The outcome counts: baseline and draft side by side (grouped bars), later-converted last.
pub fn outcomes(r: &Replay) -> String {
    render((WIDTH, HEIGHT), |root| draw_outcomes(root, r))
}

/// Baseline decision (rows) × draft decision (columns), a count in every cell.
pub fn flip_matrix(r: &Replay) -> String {
    render((WIDTH, 640), |root| draw_flip_matrix(root, r))
}

/// Later-converted leads per rejection / unresolved reason and per nurture rule, both policies.
pub fn later_converted_by_reason(r: &Replay) -> String {
    let (b, d) = (
        r.baseline.metrics.later_converted_by_reason.as_ref(),
        r.draft.metrics.later_converted_by_reason.as_ref(),
    );
    let mut groups = reason_groups(b, d, true);
    // Nurture leads under the rule that sent them there (`otherwise` included).
    let (rb, rd) = (
        r.baseline.metrics.later_converted_by_rule.as_ref(),
        r.draft.metrics.later_converted_by_rule.as_ref(),
    );
    let rules = union_keys(rb, rd);
    if !rules.is_empty() {
        groups.push(Group::heading(
            "Nurture leads, by the rule that sent them to nurture",
        ));
        groups.extend(reason_bars(&rules, rb, rd, MAX_REASONS / 2));
    }
    render((WIDTH, bars_height(groups.len())), |root| {
        draw_later_converted(root, r, &groups, b.is_none() && d.is_none())
    })
}

/// Decisions per campaign, stacked, baseline and draft side by side, top campaigns by leads.
pub fn decisions_by_campaign(r: &Replay) -> String {
    let rows = r.breakdowns.get("campaign").map(campaign_rows);
    let n = rows.as_ref().map_or(0, Vec::len);
    render((WIDTH, bars_height(n * 3 / 2)), |root| {
        draw_campaigns(root, r, rows.as_deref())
    })
}

/// The unresolved (manual review) queue by reason, both policies.
pub fn unresolved_by_reason(r: &Replay) -> String {
    let groups = reason_groups(
        Some(&r.baseline.unresolved_queue.by_reason),
        Some(&r.draft.unresolved_queue.by_reason),
        false,
    );
    render((WIDTH, bars_height(groups.len())), |root| {
        draw_unresolved(root, r, &groups)
    })
}

/// Every replay chart, in report order, with its SVG; the trend chart when the replay has
/// periods.
pub fn all(r: &Replay) -> Vec<(ChartId, String)> {
    let mut charts = vec![
        (ChartId::Outcomes, outcomes(r)),
        (ChartId::FlipMatrix, flip_matrix(r)),
        (
            ChartId::LaterConvertedByReason,
            later_converted_by_reason(r),
        ),
        (ChartId::DecisionsByCampaign, decisions_by_campaign(r)),
        (ChartId::UnresolvedByReason, unresolved_by_reason(r)),
    ];
    if r.periods.is_some() {
        charts.push((ChartId::Trends, trends::trends(r)));
    }
    charts
}

// ---------------------------------------------------------------------------------------------
// Rendering frame

/// Draws into a fresh SVG string; on any drawing error returns an SVG that states the error.
fn render(size: (u32, u32), draw: impl FnOnce(&Area<'_>) -> Drawn) -> String {
    let mut svg = String::new();
    match draw_into(&mut svg, size, draw) {
        Ok(()) => svg,
        Err(e) => error_svg(size, &e.to_string()),
    }
}

fn draw_into(svg: &mut String, size: (u32, u32), draw: impl FnOnce(&Area<'_>) -> Drawn) -> Drawn {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    draw(&root)?;
    root.present()?;
    Ok(())
}

/// A hand-written SVG (no plotters involved, so it cannot fail) naming the drawing error.
fn error_svg((w, h): (u32, u32), message: &str) -> String {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    format!(
        "<svg width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" xmlns=\"http://www.w3.org/2000/svg\">\n\
         <rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#FFFFFF\"/>\n\
         <text x=\"{MARGIN}\" y=\"40\" font-family=\"sans-serif\" font-size=\"18\" font-weight=\"bold\" fill=\"#212121\">This chart could not be drawn</text>\n\
         <text x=\"{MARGIN}\" y=\"70\" font-family=\"sans-serif\" font-size=\"14\" fill=\"#212121\">{escaped}</text>\n\
         </svg>\n"
    )
}

/// Height of a bar chart with `n` categories: 500 px up to eight, then growing, capped.
fn bars_height(n: usize) -> u32 {
    (170 + 38 * n as u32).clamp(HEIGHT, 900)
}

// ---------------------------------------------------------------------------------------------
// (a) Outcomes

fn draw_outcomes(root: &Area<'_>, r: &Replay) -> Drawn {
    let [bn, dn] = policy_names(r);
    let (b, d) = (&r.baseline.metrics, &r.draft.metrics);
    let subtitle = format!(
        "In-scope leads per decision. Dataset \"{}\": {} leads, of which in scope: {} under {bn}, {} under {dn}.",
        r.dataset.name,
        count(r.dataset.leads),
        count(b.in_scope),
        count(d.in_scope),
    );
    let top = header(
        root,
        &format!("Lead outcomes: {bn} vs {dn}"),
        &subtitle,
        &policy_legend(r),
    )?;
    let groups = outcome_groups(b, d);
    footnote(
        root,
        "Later converted: rejected, nurture or unresolved leads that became customers anyway (fewer is better).",
    )?;
    let h = root.dim_in_pixel().1 as i32;
    draw_grouped(
        root,
        top,
        h - 30,
        &Grouped {
            orient: Orient::Vertical,
            groups: &groups,
            category_title: "Decision",
            value_title: "Leads",
        },
    )
}

/// The four decisions then later-converted, each with the draft's change underneath.
fn outcome_groups(b: &Metrics, d: &Metrics) -> Vec<Group> {
    let mut groups: Vec<Group> = DECISIONS
        .iter()
        .map(|(key, label, _)| {
            let (vb, vd) = (decision_count(b, key), decision_count(d, key));
            Group::bars(
                (*label).to_owned(),
                Some(change(vb, vd)),
                [Some(vb as u64), Some(vd as u64)],
            )
        })
        .collect();
    groups.push(Group::bars(
        "Later converted".to_owned(),
        b.later_converted
            .zip(d.later_converted)
            .map(|(x, y)| change(x, y)),
        [
            b.later_converted.map(|v| v as u64),
            d.later_converted.map(|v| v as u64),
        ],
    ));
    groups
}

fn decision_count(m: &Metrics, key: &str) -> usize {
    match key {
        "accepted" => m.accepted,
        "nurture" => m.nurture,
        "rejected" => m.rejected,
        "unresolved" => m.unresolved,
        _ => 0,
    }
}

// ---------------------------------------------------------------------------------------------
// (c) and (e): counts by reason

/// The reasons the engine gives unresolved leads; any other code is a disqualification reason.
fn is_review_reason(code: &str) -> bool {
    crate::policy::reason::Review::parse(code).is_some()
}

/// Union of both maps' reasons as bars, largest first; a `None` map stays "not available".
/// With `by_kind`, the disqualification reasons (rejected leads) and the review reasons
/// (unresolved leads) form two blocks, each under a heading row. Past the cap, the smallest
/// reasons of a block fold into "Other reasons".
/// The keys of either map, sorted, each once.
fn union_keys<'a, V>(
    b: Option<&'a BTreeMap<String, V>>,
    d: Option<&'a BTreeMap<String, V>>,
) -> Vec<&'a String> {
    b.iter()
        .chain(d.iter())
        .flat_map(|m| m.keys())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn reason_groups(
    b: Option<&BTreeMap<String, usize>>,
    d: Option<&BTreeMap<String, usize>>,
    by_kind: bool,
) -> Vec<Group> {
    let keys = union_keys(b, d);
    if !by_kind {
        return reason_bars(&keys, b, d, MAX_REASONS);
    }
    let (review, rejected): (Vec<&String>, Vec<&String>) =
        keys.into_iter().partition(|k| is_review_reason(k));
    let blocks = [
        ("Rejected leads, by disqualification reason", rejected),
        ("Unresolved leads, by review reason", review),
    ];
    let mut groups = Vec::new();
    for (heading, block) in blocks {
        if !block.is_empty() {
            groups.push(Group::heading(heading));
            groups.extend(reason_bars(&block, b, d, MAX_REASONS / 2));
        }
    }
    groups
}

fn reason_bars(
    keys: &[&String],
    b: Option<&BTreeMap<String, usize>>,
    d: Option<&BTreeMap<String, usize>>,
    cap: usize,
) -> Vec<Group> {
    let value = |m: Option<&BTreeMap<String, usize>>, k: &str| {
        m.map(|m| m.get(k).copied().unwrap_or(0) as u64)
    };
    let mut groups: Vec<Group> = keys
        .iter()
        .map(|k| Group::bars(plain(k), None, [value(b, k), value(d, k)]))
        .collect();
    let size = |g: &Group| g.values.iter().flatten().copied().max().unwrap_or(0);
    groups.sort_by(|x, y| size(y).cmp(&size(x)).then_with(|| x.label.cmp(&y.label)));
    if groups.len() > cap {
        let rest = groups.split_off(cap.max(2) - 1);
        let sum = |side: usize| rest.iter().map(|g| g.values[side]).sum::<Option<u64>>();
        groups.push(Group::bars(
            format!("Other reasons ({})", rest.len()),
            None,
            [sum(0), sum(1)],
        ));
    }
    groups
}

fn draw_later_converted(
    root: &Area<'_>,
    r: &Replay,
    groups: &[Group],
    unavailable_both: bool,
) -> Drawn {
    let [bn, dn] = policy_names(r);
    let subtitle = "Leads the policy did not send to sales that became customers anyway: rejected leads under their \
                    disqualification reason, unresolved leads under each review reason, nurture leads under the rule \
                    that sent them to nurture.";
    let top = header(
        root,
        &format!("Later-converted leads: {bn} vs {dn}"),
        subtitle,
        &policy_legend(r),
    )?;
    if unavailable_both {
        return note(
            root,
            top,
            &[
                "Later conversions are not available in this dataset.",
                "The dataset has no conversion outcome, so it cannot show which turned-away leads converted.",
            ],
        );
    }
    if groups.is_empty() {
        return note(
            root,
            top,
            &[
                "Nothing to show.",
                "No rejected, unresolved or nurture lead converted later under either policy.",
            ],
        );
    }
    let h = root.dim_in_pixel().1 as i32;
    draw_grouped(
        root,
        top,
        h - 10,
        &Grouped {
            orient: Orient::Horizontal,
            groups,
            category_title: "Reason",
            value_title: "Leads that converted later",
        },
    )
}

fn draw_unresolved(root: &Area<'_>, r: &Replay, groups: &[Group]) -> Drawn {
    let [bn, dn] = policy_names(r);
    let subtitle = format!(
        "Leads sent to manual review instead of being guessed — {bn}: {}, {dn}: {}. A lead with several reasons counts under each.",
        count(r.baseline.unresolved_queue.total),
        count(r.draft.unresolved_queue.total),
    );
    let top = header(
        root,
        &format!("Manual review queue by reason: {bn} vs {dn}"),
        &subtitle,
        &policy_legend(r),
    )?;
    if groups.is_empty() {
        return note(
            root,
            top,
            &[
                "Nothing to show.",
                "Neither policy leaves any lead unresolved.",
            ],
        );
    }
    let h = root.dim_in_pixel().1 as i32;
    draw_grouped(
        root,
        top,
        h - 10,
        &Grouped {
            orient: Orient::Horizontal,
            groups,
            category_title: "Reason",
            value_title: "Unresolved leads",
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn campaign_families_drop_the_period_prefix_only() {
        assert_eq!(campaign_family("2025-Q1-webinar-ai-ops"), "webinar-ai-ops");
        assert_eq!(campaign_family("2025-H2-roadshow"), "roadshow");
        assert_eq!(campaign_family("2024-07-launch"), "launch");
        assert_eq!(campaign_family("2024-13-launch"), "2024-13-launch");
        assert_eq!(campaign_family("brand-search"), "brand-search");
        assert_eq!(campaign_family("2025-Q1"), "2025-Q1");
    }
    use crate::replay::model::{DatasetInfo, Flips, PolicyInfo, Side, UnresolvedQueue};

    fn side(version: i64, counts: [usize; 4], later: Option<usize>) -> Side {
        let [accepted, nurture, rejected, unresolved] = counts;
        let metrics = Metrics {
            leads: 100,
            in_scope: counts.iter().sum(),
            accepted,
            nurture,
            rejected,
            unresolved,
            out_of_scope: 100 - counts.iter().sum::<usize>(),
            later_converted: later,
            later_converted_by_reason: later
                .map(|n| BTreeMap::from([("missing_field:employees".to_owned(), n)])),
            ..Metrics::default()
        };
        Side {
            policy: PolicyInfo {
                id: "p".into(),
                name: "P".into(),
                version,
                file: "p.toml".into(),
                sha256: String::new(),
            },
            unresolved_queue: UnresolvedQueue {
                total: unresolved,
                by_reason: BTreeMap::from([("no_rule_matched".to_owned(), unresolved)]),
                ..UnresolvedQueue::default()
            },
            metrics,
        }
    }

    fn replay(later: Option<usize>) -> Replay {
        let matrix = BTreeMap::from([
            (
                "accepted".to_owned(),
                BTreeMap::from([("accepted".to_owned(), 10), ("rejected".to_owned(), 2)]),
            ),
            (
                "out_of_scope".to_owned(),
                BTreeMap::from([("out_of_scope".to_owned(), 88)]),
            ),
        ]);
        let group = GroupMetrics {
            baseline: side(3, [1, 2, 3, 4], later).metrics,
            draft: side(4, [2, 2, 3, 3], later).metrics,
        };
        Replay {
            dataset: DatasetInfo {
                name: "Sample".into(),
                mapping: "m.toml".into(),
                leads: 100,
            },
            cohort: Default::default(),
            baseline: side(3, [12, 0, 0, 0], later),
            draft: side(4, [10, 0, 2, 0], later),
            deltas: serde_json::Value::Null,
            flips: Flips {
                matrix,
                flipped: 2,
                leads: Vec::new(),
            },
            breakdowns: BTreeMap::from([(
                "campaign".to_owned(),
                BTreeMap::from([("2025-Q1-webinar".to_owned(), group)]),
            )]),
            by: None,
            periods: None,
        }
    }

    #[test]
    fn reason_codes_read_as_plain_words() {
        assert_eq!(plain("missing_field:employees"), "Missing employees");
        assert_eq!(plain("missing_field:job_level"), "Missing job level");
        assert_eq!(
            plain("low_enrichment_confidence"),
            "Low enrichment confidence"
        );
        assert_eq!(plain("personal_email"), "Personal email");
        assert_eq!(plain("out_of_scope"), "Out of scope");
    }

    #[test]
    fn numbers_are_grouped_and_compacted() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(compact(9_999), "9,999");
        assert_eq!(compact(12_345), "12.3k");
        assert_eq!(compact(999_999), "1.0M");
        assert_eq!(change(100, 175), "draft +75 (+75%)");
        assert_eq!(change(5, 5), "no change");
    }

    #[test]
    fn all_charts_in_report_order_and_deterministic() {
        let r = replay(Some(3));
        let charts = all(&r);
        let stems: Vec<&str> = charts.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(
            stems,
            [
                "outcomes",
                "flip_matrix",
                "later_converted_by_reason",
                "decisions_by_campaign",
                "unresolved_by_reason"
            ]
        );
        for (stem, svg) in &charts {
            assert!(svg.starts_with("<svg"), "{stem}");
            assert!(
                svg.contains("Baseline v3") && svg.contains("Draft v4"),
                "{stem}"
            );
            assert!(
                !svg.contains("NaN") && !svg.contains("could not be drawn"),
                "{stem}"
            );
        }
        assert_eq!(charts, all(&r));
    }

    #[test]
    fn unavailable_metrics_are_a_note_not_a_zero_bar() {
        let r = replay(None);
        assert!(outcomes(&r).contains("Not available in this dataset"));
        assert!(later_converted_by_reason(&r).contains("not available in this dataset"));
        let mut r = replay(Some(3));
        r.breakdowns.clear();
        assert!(decisions_by_campaign(&r).contains("not available in this dataset"));
    }

    #[test]
    fn empty_maps_say_nothing_to_show() {
        let mut r = replay(Some(3));
        r.baseline.unresolved_queue.by_reason.clear();
        r.draft.unresolved_queue.by_reason.clear();
        r.flips.matrix.clear();
        assert!(unresolved_by_reason(&r).contains("Nothing to show"));
        assert!(flip_matrix(&r).contains("Nothing to show"));
    }

    #[test]
    fn flip_matrix_labels_its_axes_and_diagonal() {
        let svg = flip_matrix(&replay(Some(3)));
        for text in [
            "Baseline decision",
            "Draft decision",
            "unchanged",
            "Out of scope",
        ] {
            assert!(svg.contains(text), "{text}");
        }
    }

    #[test]
    fn drawing_errors_become_an_svg_stating_them() {
        let svg = error_svg((10, 10), "bad <thing>");
        assert!(svg.contains("bad &lt;thing&gt;"));
    }
}
