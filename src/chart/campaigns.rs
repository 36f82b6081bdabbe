//! Decisions by campaign family, baseline and draft side by side.

use std::collections::BTreeMap;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::*;

/// One campaign family (or "Other families"): counts per decision in `DECISIONS` order, both policies.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CampaignRow {
    label: String,
    counts: [[u64; 4]; 2],
}

pub(super) fn decision_counts(m: &Metrics) -> [u64; 4] {
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
pub(super) type FamilyTotals = (usize, [[u64; 4]; 2]);

/// The top campaign families by in-scope leads (ties by name), the rest summed as "Other".
pub(super) fn campaign_rows(groups: &BTreeMap<String, GroupMetrics>) -> Vec<CampaignRow> {
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

pub(super) fn draw_campaigns(root: &Area<'_>, r: &Replay, rows: Option<&[CampaignRow]>) -> Drawn {
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
pub(super) fn campaign_label(
    root: &Area<'_>,
    frame: &Frame,
    i: usize,
    label: &str,
    room: u32,
) -> Drawn {
    let f = Font::new(14.0).at(HPos::Left, VPos::Center);
    let (x, y) = frame.base(i as f64 + 0.5);
    let left = x - room as i32 + 4;
    let lines = wrap(label, f64::from(room) - 110.0, f, 2);
    let first = y - (lines.len() as i32 - 1) * f.line_height() / 2;
    put_lines(root, &lines, (left, first), f)
}

/// One stacked bar (accepted, nurture, rejected, unresolved), segment counts where they fit,
/// the policy tag before it and the total after it.
pub(super) fn stacked_bar(
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
