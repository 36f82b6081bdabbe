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
mod frame;
mod furniture;
mod text;
pub mod trends;

use frame::*;
use furniture::*;
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

/// Every chart with its file stem, in report order: ("outcomes", svg), ("flip_matrix", svg),
/// ("later_converted_by_reason", svg), ("decisions_by_campaign", svg),
/// ("unresolved_by_reason", svg), and ("trends", svg) when the replay has periods
pub fn all(r: &Replay) -> Vec<(&'static str, String)> {
    let mut charts = vec![
        ("outcomes", outcomes(r)),
        ("flip_matrix", flip_matrix(r)),
        ("later_converted_by_reason", later_converted_by_reason(r)),
        ("decisions_by_campaign", decisions_by_campaign(r)),
        ("unresolved_by_reason", unresolved_by_reason(r)),
    ];
    if r.periods.is_some() {
        charts.push(("trends", trends::trends(r)));
    }
    charts
}

/// A replay chart's heading, for the report and the app.
pub fn title(id: &str) -> &'static str {
    match id {
        "outcomes" => "Outcomes: baseline vs draft",
        "flip_matrix" => "Where decisions change",
        "later_converted_by_reason" => "Leads not sent to sales that converted anyway",
        "decisions_by_campaign" => "Decisions by campaign family",
        "unresolved_by_reason" => "Why leads wait for manual review",
        "trends" => "Over time",
        _ => "Chart",
    }
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

// ---------------------------------------------------------------------------------------------
// (b) Flip matrix

/// Row / column keys: the known decisions first, then any other key in order.
fn matrix_keys(matrix: &BTreeMap<String, BTreeMap<String, usize>>) -> Vec<String> {
    let mut all: std::collections::BTreeSet<&str> = matrix.keys().map(String::as_str).collect();
    all.extend(
        matrix
            .values()
            .flat_map(|row| row.keys().map(String::as_str)),
    );
    let mut keys: Vec<String> = MATRIX_ORDER
        .iter()
        .filter(|k| all.contains(**k))
        .map(|k| (*k).to_owned())
        .collect();
    keys.extend(
        all.iter()
            .filter(|k| !MATRIX_ORDER.contains(*k))
            .map(|k| (*k).to_owned()),
    );
    keys
}

fn cell(matrix: &BTreeMap<String, BTreeMap<String, usize>>, row: &str, col: &str) -> usize {
    matrix
        .get(row)
        .and_then(|r| r.get(col))
        .copied()
        .unwrap_or(0)
}

fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let ch = |x: u8, y: u8| {
        (f64::from(x) + (f64::from(y) - f64::from(x)) * t.clamp(0.0, 1.0)).round() as u8
    };
    RGBColor(ch(a.0, b.0), ch(a.1, b.1), ch(a.2, b.2))
}

fn heat(n: usize, max: usize) -> RGBColor {
    if n == 0 || max == 0 {
        return WHITE;
    }
    mix(HEAT_LOW, HEAT_HIGH, (n as f64 / max as f64).sqrt())
}

struct Grid {
    x0: i32,
    y0: i32,
    cw: i32,
    ch: i32,
}

impl Grid {
    fn cell(&self, row: usize, col: usize) -> (Px, Px) {
        let (x, y) = (
            self.x0 + col as i32 * self.cw,
            self.y0 + row as i32 * self.ch,
        );
        ((x, y), (x + self.cw, y + self.ch))
    }
}

fn draw_flip_matrix(root: &Area<'_>, r: &Replay) -> Drawn {
    let [bn, dn] = policy_names(r);
    let m = &r.flips.matrix;
    let keys = matrix_keys(m);
    let total: usize = m.values().flat_map(|row| row.values()).sum();
    let rows_cols = format!("Row: decision under {bn}; column: decision under {dn}.");
    let subtitle = if keys.is_empty() {
        rows_cols
    } else {
        format!(
            "{} of {} leads get a different decision under the draft. {rows_cols}",
            count(r.flips.flipped),
            count(total)
        )
    };
    let legend = [
        ("Same decision (unchanged)".to_owned(), UNCHANGED),
        (
            "Changed decision — darker means more leads".to_owned(),
            HEAT_HIGH,
        ),
    ];
    let top = header(
        root,
        &format!("How decisions change from {bn} to {dn}"),
        &subtitle,
        &legend,
    )?;
    if keys.is_empty() {
        return note(root, top, &["Nothing to show.", "The replay has no leads."]);
    }
    let (w, h) = root.dim_in_pixel();
    let k = keys.len() as i32;
    let x0 = 210;
    let y0 = top + 78;
    let grid = Grid {
        x0,
        y0,
        cw: ((w as i32 - x0 - MARGIN - 90) / k).min(130),
        ch: ((h as i32 - y0 - 50) / k).min(76),
    };
    matrix_axes(root, &grid, &keys)?;
    let max_flip = keys
        .iter()
        .flat_map(|a| {
            keys.iter()
                .filter(move |b| *b != a)
                .map(move |b| cell(m, a, b))
        })
        .max()
        .unwrap_or(0);
    for (i, row) in keys.iter().enumerate() {
        for (j, col) in keys.iter().enumerate() {
            matrix_cell(root, &grid, (i, j), cell(m, row, col), max_flip)?;
        }
    }
    matrix_totals(root, &grid, &keys, m)
}

fn matrix_axes(root: &Area<'_>, g: &Grid, keys: &[String]) -> Drawn {
    let k = keys.len() as i32;
    let title = Font::new(15.0).bold();
    put(
        root,
        "Draft decision",
        (g.x0 + g.cw * k / 2, g.y0 - 56),
        title.at(HPos::Center, VPos::Center),
    )?;
    put(
        root,
        "Baseline decision",
        (MARGIN + 8, g.y0 + g.ch * k / 2),
        title.at(HPos::Center, VPos::Center).vertical(),
    )?;
    let label = Font::new(14.0);
    for (i, key) in keys.iter().enumerate() {
        let ((x, y), (x1, y1)) = g.cell(i, i);
        let col = wrap(&plain(key), f64::from(g.cw - 2), label, 2);
        let first = g.y0 - 8 - (col.len() as i32 - 1) * label.line_height();
        put_lines(
            root,
            &col,
            ((x + x1) / 2, first),
            label.at(HPos::Center, VPos::Bottom),
        )?;
        let row = wrap(&plain(key), 140.0, label.at(HPos::Right, VPos::Center), 1);
        put_lines(
            root,
            &row,
            (g.x0 - 10, (y + y1) / 2),
            label.at(HPos::Right, VPos::Center),
        )?;
    }
    Ok(())
}

fn matrix_cell(
    root: &Area<'_>,
    g: &Grid,
    (i, j): (usize, usize),
    n: usize,
    max_flip: usize,
) -> Drawn {
    let (a, b) = g.cell(i, j);
    let fill = if i == j { UNCHANGED } else { heat(n, max_flip) };
    fill_rect(root, a, b, fill)?;
    outline(root, a, b, RGBColor(170, 170, 170), 1)?;
    let (cx, cy) = ((a.0 + b.0) / 2, (a.1 + b.1) / 2);
    let number = Font::new(18.0)
        .bold()
        .color(if n == 0 { MUTED } else { text_on(fill) });
    if i == j {
        put(
            root,
            &count(n),
            (cx, cy - 7),
            number.at(HPos::Center, VPos::Center),
        )?;
        let f = Font::new(12.0)
            .italic()
            .color(MUTED)
            .at(HPos::Center, VPos::Center);
        put(root, "unchanged", (cx, cy + 14), f)
    } else {
        let text = fit_number(n as u64, f64::from(g.cw - 6), number);
        put(root, &text, (cx, cy), number.at(HPos::Center, VPos::Center))
    }
}

fn matrix_totals(
    root: &Area<'_>,
    g: &Grid,
    keys: &[String],
    m: &BTreeMap<String, BTreeMap<String, usize>>,
) -> Drawn {
    let k = keys.len();
    let f = Font::new(14.0).color(MUTED);
    let right = g.x0 + g.cw * k as i32;
    let bottom = g.y0 + g.ch * k as i32;
    put(
        root,
        "Total",
        (right + 12, g.y0 - 8),
        f.bold().at(HPos::Left, VPos::Bottom),
    )?;
    put(
        root,
        "Total",
        (g.x0 - 10, bottom + 16),
        f.bold().at(HPos::Right, VPos::Center),
    )?;
    for (i, key) in keys.iter().enumerate() {
        let ((x, y), (x1, y1)) = g.cell(i, i);
        let row: usize = keys.iter().map(|c| cell(m, key, c)).sum();
        let col: usize = keys.iter().map(|r| cell(m, r, key)).sum();
        put(
            root,
            &count(row),
            (right + 12, (y + y1) / 2),
            f.at(HPos::Left, VPos::Center),
        )?;
        put(
            root,
            &count(col),
            ((x + x1) / 2, bottom + 16),
            f.at(HPos::Center, VPos::Center),
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// (d) Decisions by campaign

/// One campaign family (or "Other families"): counts per decision in `DECISIONS` order, both policies.
#[derive(Debug, Clone, PartialEq)]
struct CampaignRow {
    label: String,
    counts: [[u64; 4]; 2],
}

fn decision_counts(m: &Metrics) -> [u64; 4] {
    DECISIONS.map(|(key, _, _)| decision_count(m, key) as u64)
}

/// A campaign's family: its name without a leading period (`2025-Q1-webinar-ai-ops` →
/// `webinar-ai-ops`; also `2025-H2-…` and `2025-07-…`), so that one theme run over several
/// quarters reads as one row.
pub fn campaign_family(name: &str) -> &str {
    let mut parts = name.splitn(3, ['-', '_', ' ']);
    let (Some(year), Some(period), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return name;
    };
    let is_year = year.len() == 4 && year.bytes().all(|b| b.is_ascii_digit());
    let is_period = matches!(period, "Q1" | "Q2" | "Q3" | "Q4" | "H1" | "H2")
        || (period.len() == 2 && period.parse::<u8>().is_ok_and(|m| (1..=12).contains(&m)));
    if is_year && is_period && !rest.is_empty() {
        rest
    } else {
        name
    }
}

/// In-scope leads of a family, and its decision counts for baseline and draft.
type FamilyTotals = (usize, [[u64; 4]; 2]);

/// The top campaign families by in-scope leads (ties by name), the rest summed as "Other".
fn campaign_rows(groups: &BTreeMap<String, GroupMetrics>) -> Vec<CampaignRow> {
    let mut families: BTreeMap<String, FamilyTotals> = BTreeMap::new();
    for (name, g) in groups {
        let family = if name == "(missing)" {
            "(no campaign)".to_owned()
        } else {
            campaign_family(name).to_owned()
        };
        let entry = families.entry(family).or_insert((0, [[0; 4]; 2]));
        entry.0 += g.baseline.in_scope.max(g.draft.in_scope);
        for (side, m) in [&g.baseline, &g.draft].into_iter().enumerate() {
            for (acc, v) in entry.1[side].iter_mut().zip(decision_counts(m)) {
                *acc += v;
            }
        }
    }
    let mut sorted: Vec<(String, FamilyTotals)> = families.into_iter().collect();
    sorted.sort_by(|a, b| b.1.0.cmp(&a.1.0).then_with(|| a.0.cmp(&b.0)));
    let rest = sorted.split_off(sorted.len().min(TOP_CAMPAIGNS));
    let mut rows: Vec<CampaignRow> = sorted
        .into_iter()
        .map(|(label, (_, counts))| CampaignRow { label, counts })
        .collect();
    if !rest.is_empty() {
        let mut counts = [[0u64; 4]; 2];
        for (_, (_, c)) in &rest {
            for side in 0..2 {
                for (acc, v) in counts[side].iter_mut().zip(c[side]) {
                    *acc += v;
                }
            }
        }
        rows.push(CampaignRow {
            label: format!("Other families ({})", rest.len()),
            counts,
        });
    }
    rows
}

fn draw_campaigns(root: &Area<'_>, r: &Replay, rows: Option<&[CampaignRow]>) -> Drawn {
    let [bn, dn] = policy_names(r);
    let total = r.breakdowns.get("campaign").map_or(0, BTreeMap::len);
    let families = r.breakdowns.get("campaign").map_or(0, |g| {
        g.keys()
            .map(|k| campaign_family(k))
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    });
    let which = match families {
        0 => String::new(),
        1..=TOP_CAMPAIGNS => format!(" {total} campaigns in {families} families, largest first."),
        _ => format!(
            " {total} campaigns in {families} families: the {TOP_CAMPAIGNS} largest, the rest summed."
        ),
    };
    let subtitle = format!(
        "In-scope leads per campaign family (the name without its year and quarter): upper bar {bn}, lower bar {dn}.{which}",
    );
    let legend: Vec<(String, RGBColor)> = DECISIONS
        .iter()
        .map(|(_, l, c)| ((*l).to_owned(), *c))
        .collect();
    let top = header(
        root,
        &format!("Decisions by campaign family: {bn} vs {dn}"),
        &subtitle,
        &legend,
    )?;
    let Some(rows) = rows else {
        return note(
            root,
            top,
            &[
                "Campaigns are not available in this dataset.",
                "The dataset mapping has no campaign column.",
            ],
        );
    };
    if rows.is_empty() {
        return note(
            root,
            top,
            &["Nothing to show.", "The dataset has no campaigns."],
        );
    }
    let max_value = rows
        .iter()
        .flat_map(|row| row.counts.iter().map(|c| c.iter().sum::<u64>()))
        .max()
        .unwrap_or(0);
    let label_room = 340;
    let spec = FrameSpec {
        orient: Orient::Horizontal,
        categories: rows.len(),
        max_value,
        category_title: "Campaign family",
        value_title: "In-scope leads",
        label_room,
    };
    let h = root.dim_in_pixel().1 as i32;
    let frame = Frame::build(root, top, h - 10, &spec)?;
    for (i, row) in rows.iter().enumerate() {
        campaign_label(root, &frame, i, &row.label, label_room)?;
        for (side, tag) in [bn.as_str(), dn.as_str()].into_iter().enumerate() {
            stacked_bar(
                root,
                &frame,
                frame.bar_span(i, side),
                &row.counts[side],
                tag,
            )?;
        }
    }
    Ok(())
}

/// The campaign name at the left edge, left-aligned, centred on its pair of bars.
fn campaign_label(root: &Area<'_>, frame: &Frame, i: usize, label: &str, room: u32) -> Drawn {
    let f = Font::new(14.0).at(HPos::Left, VPos::Center);
    let (x, y) = frame.base(i as f64 + 0.5);
    let left = x - room as i32 + 4;
    let lines = wrap(label, f64::from(room) - 110.0, f, 2);
    let first = y - (lines.len() as i32 - 1) * f.line_height() / 2;
    put_lines(root, &lines, (left, first), f)
}

/// One stacked bar (accepted, nurture, rejected, unresolved), segment counts where they fit,
/// the policy tag before it and the total after it.
fn stacked_bar(
    root: &Area<'_>,
    frame: &Frame,
    (c0, c1): (f64, f64),
    counts: &[u64; 4],
    tag: &str,
) -> Drawn {
    let inner = Font::new(12.0).bold();
    let thickness = frame.bar_px();
    let mut start = 0u64;
    for (v, (_, _, color)) in counts.iter().zip(DECISIONS) {
        let (a, b) = (frame.point(c0, start), frame.point(c1, start + v));
        if *v > 0 {
            fill_rect(root, a, b, color)?;
            let text = thousands(*v);
            if f64::from((b.0 - a.0).abs()) >= inner.width(&text) + 6.0 && thickness >= 13.0 {
                let f = inner.color(text_on(color)).at(HPos::Center, VPos::Center);
                put(root, &text, ((a.0 + b.0) / 2, (a.1 + b.1) / 2), f)?;
            }
        }
        start += v;
    }
    let (a, b) = (frame.point(c0, 0), frame.point(c1, start));
    let mid = (a.1 + b.1) / 2;
    put(
        root,
        tag,
        (a.0 - 8, mid),
        Font::new(13.0).color(MUTED).at(HPos::Right, VPos::Center),
    )?;
    let total = if start == 0 {
        "none in scope".to_owned()
    } else {
        thousands(start)
    };
    put(
        root,
        &total,
        (b.0 + 6, mid),
        Font::new(13.0).bold().at(HPos::Left, VPos::Center),
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
        let stems: Vec<&str> = charts.iter().map(|(s, _)| *s).collect();
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
