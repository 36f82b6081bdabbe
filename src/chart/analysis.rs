//! The trust-analytics charts: proxy strength, segment impact (four-fifths rule), rule coverage,
//! the threshold sweep, missing fields that hold decisions back and enrichment quality, in the style of the replay charts (title, subtitle that says how to
//! read it, legend, numbers on the bars, "not available" notes instead of zero bars). Pure
//! functions of an [`Analysis`]; no I/O.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::ChartId;
use super::{
    ACCEPTED, Area, Drawn, Font, INK, MARGIN, MUTED, REJECTED, UNRESOLVED, WIDTH, ellipsize,
    fill_rect, footnote, header, note, put, render, style_mesh_plain, thousands,
};
use crate::analyze::Analysis;

const FLAG: RGBColor = RGBColor(198, 40, 40);
const OK: RGBColor = RGBColor(0, 121, 107);
const SMALL: RGBColor = RGBColor(189, 189, 189);
const ROW: i32 = 30;

/// Every analysis chart with its file stem, in report order.
pub fn all(a: &Analysis) -> Vec<(ChartId, String)> {
    vec![
        (ChartId::AnalysisProxies, proxies(a)),
        (ChartId::AnalysisSegments, segments(a)),
        (ChartId::AnalysisCoverage, coverage(a)),
        (ChartId::AnalysisSweep, sweep(a)),
        (ChartId::AnalysisMissingFields, missing_fields(a)),
        (ChartId::AnalysisEnrichment, enrichment(a)),
    ]
}

/// A line of the sweep chart: name, colour, (threshold, value) points.
type Series<'a> = (&'a str, RGBColor, Vec<(f64, Option<usize>)>);

/// One horizontal bar: label, value (None: not available), the text at its end, colour.
struct Bar {
    label: String,
    value: Option<f64>,
    text: String,
    color: RGBColor,
}

fn rows_height(n: usize) -> u32 {
    (200 + ROW * n as i32).clamp(400, 1400) as u32
}

/// Horizontal bars from `top`, scaled to `max`, with an optional dashed marker line.
fn hbars(root: &Area<'_>, top: i32, bars: &[Bar], max: f64, marker: Option<(f64, &str)>) -> Drawn {
    let width = root.dim_in_pixel().0 as i32;
    let label_w = 250;
    let x0 = MARGIN + label_w;
    let x1 = width - MARGIN - 290;
    let scale = |v: f64| x0 + ((v / max).clamp(0.0, 1.0) * f64::from(x1 - x0)) as i32;
    let label_font = Font::new(13.0).at(HPos::Right, VPos::Center);
    let value_font = Font::new(13.0).at(HPos::Left, VPos::Center);
    for (i, b) in bars.iter().enumerate() {
        let y = top + i as i32 * ROW;
        if b.value.is_none() && b.text.is_empty() {
            // A section heading (the sensitive field of the rows below).
            put(
                root,
                &b.label,
                (MARGIN, y + ROW / 2),
                Font::new(14.0).bold().at(HPos::Left, VPos::Center),
            )?;
            continue;
        }
        let label = ellipsize(&b.label, f64::from(label_w - 10), label_font);
        put(root, &label, (x0 - 8, y + ROW / 2), label_font)?;
        match b.value {
            Some(v) => {
                let x = scale(v).max(x0 + 1);
                fill_rect(root, (x0, y + 5), (x, y + ROW - 5), b.color)?;
                let room = f64::from(width - MARGIN - x - 6);
                put(
                    root,
                    &ellipsize(&b.text, room, value_font),
                    (x + 6, y + ROW / 2),
                    value_font,
                )?;
            }
            None => put(
                root,
                &b.text,
                (x0 + 6, y + ROW / 2),
                value_font.italic().color(MUTED),
            )?,
        }
    }
    let bottom = top + bars.len() as i32 * ROW;
    root.draw(&PathElement::new(
        vec![(x0, top), (x0, bottom)],
        MUTED.stroke_width(1),
    ))?;
    if let Some((v, label)) = marker {
        let x = scale(v);
        let mut y = top - 4;
        while y < bottom {
            root.draw(&PathElement::new(
                vec![(x, y), (x, (y + 6).min(bottom))],
                INK.stroke_width(2),
            ))?;
            y += 10;
        }
        put(
            root,
            label,
            (x, top - 8),
            Font::new(13.0).bold().at(HPos::Center, VPos::Bottom),
        )?;
    }
    Ok(())
}

/// Cramér's V of each (field, sensitive field) pair, strongest first; flagged ones in red.
pub fn proxies(a: &Analysis) -> String {
    let p = &a.proxies;
    let shown: Vec<_> = p.pairs.iter().take(20).collect();
    render((WIDTH, rows_height(shown.len())), |root| {
        let top = header(
            root,
            "Could a field stand in for a sensitive attribute?",
            &format!(
                "Cramér's V between each field the policy reads and each sensitive field, on {} in-scope leads (0 = unrelated, 1 = one reveals the other). Numbers in 5 quantile bins, text as its 20 commonest values; missing counts as a value. The {} strongest pairs.",
                thousands(a.in_scope as u64),
                shown.len()
            ),
            &[
                (format!("may act as a proxy (V ≥ {})", p.threshold), FLAG),
                ("below the threshold".to_string(), OK),
            ],
        )?;
        if shown.is_empty() {
            return note(
                root,
                top,
                &[
                    "Nothing to compare",
                    "The dataset has none of the policy's sensitive fields, or the policy reads no field.",
                ],
            );
        }
        let bars: Vec<Bar> = shown
            .iter()
            .map(|pair| Bar {
                label: format!("{} × {}", pair.field, pair.sensitive),
                value: pair.cramers_v,
                text: pair
                    .cramers_v
                    .map_or("not available (one category)".into(), |v| format!("{v:.3}")),
                color: if pair.flagged { FLAG } else { OK },
            })
            .collect();
        hbars(
            root,
            top + 20,
            &bars,
            1.0,
            Some((p.threshold, &format!("threshold {}", p.threshold))),
        )?;
        footnote(root, "Scale 0 to 1. Every pair is in analysis.json.")
    })
}

/// Draft acceptance rate of each group ÷ the best group's, per sensitive field; 0.8 marked.
pub fn segments(a: &Analysis) -> String {
    let g = &a.segments;
    let mut bars = Vec::new();
    for f in &g.fields {
        bars.push(Bar {
            label: f.field.clone(),
            value: None,
            text: String::new(),
            color: INK,
        });
        for grp in f.groups.iter().take(8) {
            let d = &grp.draft;
            let (value, text, color) = if d.too_small {
                (
                    None,
                    format!("too small to judge ({} leads)", thousands(d.leads as u64)),
                    SMALL,
                )
            } else {
                match d.impact_ratio {
                    Some(r) => (
                        Some(r),
                        format!(
                            "{r:.2} · {:.1}% of {} accepted",
                            d.accepted_rate.unwrap_or(0.0) * 100.0,
                            thousands(d.leads as u64)
                        ),
                        if d.flagged { FLAG } else { OK },
                    ),
                    None => (None, "not available (no acceptances)".into(), SMALL),
                }
            };
            bars.push(Bar {
                label: format!(
                    "  {}",
                    if grp.group == "(missing)" {
                        "(no value)"
                    } else {
                        &grp.group
                    }
                ),
                value,
                text,
                color,
            });
        }
    }
    render((WIDTH, rows_height(bars.len())), |root| {
        let top = header(
            root,
            "Are some groups accepted less often? (four-fifths rule)",
            &format!(
                "Each group's acceptance rate under the draft v{} divided by the best group's; below 0.8 is flagged. Groups with fewer than {} in-scope leads are too small to judge. The 8 largest groups of each sensitive field.",
                a.policy.version, g.min_group_size
            ),
            &[
                ("below four-fifths".to_string(), FLAG),
                ("at or above".to_string(), OK),
            ],
        )?;
        if g.fields.is_empty() {
            return note(
                root,
                top,
                &[
                    "Not available",
                    "The dataset has none of the policy's sensitive fields.",
                ],
            );
        }
        hbars(root, top + 20, &bars, 1.0, Some((0.8, "0.8")))?;
        footnote(
            root,
            "Ratio scale 0 to 1 (the best group is 1). Baseline figures are in analysis.json.",
        )
    })
}

/// Per rule: leads it fires on and leads it decides; idle rules called out.
pub fn coverage(a: &Analysis) -> String {
    let c = &a.coverage;
    let max = c
        .rules
        .iter()
        .map(|r| r.fired.max(r.decided))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut bars = Vec::new();
    for r in &c.rules {
        let finding = if r.never_fires {
            " — never fires"
        } else if r.shadowed {
            " — fully shadowed"
        } else if r.removal_changes_nothing {
            " — removal changes nothing"
        } else {
            ""
        };
        bars.push(Bar {
            label: r.rule.clone(),
            value: Some(r.fired as f64),
            text: format!(
                "fired {} · decided {}{finding}",
                thousands(r.fired as u64),
                thousands(r.decided as u64)
            ),
            color: if finding.is_empty() {
                if r.kind == "disqualify" {
                    REJECTED
                } else {
                    ACCEPTED
                }
            } else {
                SMALL
            },
        });
    }
    render((WIDTH, rows_height(bars.len())), |root| {
        let top = header(
            root,
            "Does every rule earn its place?",
            &format!(
                "In-scope leads each rule fires on (its condition is true), in file order, with the leads it decides, on {} in-scope leads.",
                thousands(a.in_scope as u64)
            ),
            &[
                ("disqualify rule".to_string(), REJECTED),
                ("route rule".to_string(), ACCEPTED),
                ("never fires, shadowed or removable".to_string(), SMALL),
            ],
        )?;
        if bars.is_empty() {
            return note(root, top, &["The policy has no rules"]);
        }
        hbars(root, top + 10, &bars, max, None)?;
        let unused = if c.unused_signals.is_empty() && c.unused_allowed_fields.is_empty() {
            "Every signal and allowed field is used.".to_string()
        } else {
            format!(
                "Unused signals: {}. Unused allowed fields: {}.",
                if c.unused_signals.is_empty() {
                    "none".into()
                } else {
                    c.unused_signals.join(", ")
                },
                if c.unused_allowed_fields.is_empty() {
                    "none".into()
                } else {
                    c.unused_allowed_fields.join(", ")
                }
            )
        };
        footnote(root, &unused)
    })
}

/// Accepted, later-converted and low-fit handoffs against the swept threshold.
pub fn sweep(a: &Analysis) -> String {
    render((WIDTH, 540), |root| {
        let Some(w) = &a.sweep.sweep else {
            let top = header(root, "Threshold sweep", "", &[])?;
            let why = a.sweep.note.clone().unwrap_or_default();
            return note(root, top, &["Not available", &why]);
        };
        let series: Vec<Series<'_>> = vec![
            (
                "accepted",
                ACCEPTED,
                w.points
                    .iter()
                    .map(|p| (p.threshold, Some(p.accepted)))
                    .collect(),
            ),
            (
                "later converted (not sent to sales)",
                UNRESOLVED,
                w.points
                    .iter()
                    .map(|p| (p.threshold, p.later_converted))
                    .collect(),
            ),
            (
                "low-fit handoffs",
                REJECTED,
                w.points
                    .iter()
                    .map(|p| (p.threshold, p.low_fit_handoffs))
                    .collect(),
            ),
        ];
        let missing: Vec<&str> = series
            .iter()
            .filter(|(_, _, v)| v.iter().all(|(_, y)| y.is_none()))
            .map(|(n, _, _)| *n)
            .collect();
        let legend: Vec<(String, RGBColor)> = series
            .iter()
            .filter(|(n, _, _)| !missing.contains(n))
            .map(|(n, c, _)| (n.to_string(), *c))
            .chain(std::iter::once(("current threshold".to_string(), INK)))
            .collect();
        let top = header(
            root,
            &format!(
                "Moving the threshold of `{} {} {}`",
                w.field,
                w.op,
                crate::format_number(w.current)
            ),
            &format!(
                "Rule `{}`{}: in-scope leads accepted, later converted among leads not sent to sales, and low-fit handoffs, for {} thresholds; the policy's value is {}.",
                w.rule,
                w.signal
                    .as_ref()
                    .map(|s| format!(" (signal `{s}`)"))
                    .unwrap_or_default(),
                w.points.len(),
                crate::format_number(w.current)
            ),
            &legend,
        )?;
        let area = root.margin(top as u32, 30, MARGIN as u32, MARGIN as u32);
        let xs: Vec<f64> = w.points.iter().map(|p| p.threshold).collect();
        let (mut lo, mut hi) = (
            xs.iter().copied().fold(w.current, f64::min),
            xs.iter().copied().fold(w.current, f64::max),
        );
        if lo == hi {
            lo -= 1.0;
            hi += 1.0;
        }
        let ymax = series
            .iter()
            .flat_map(|(_, _, v)| v.iter().filter_map(|(_, y)| *y))
            .max()
            .unwrap_or(0)
            .max(1) as f64
            * 1.08;
        let mut chart = ChartBuilder::on(&area)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(lo..hi, 0.0..ymax)?;
        style_mesh_plain(
            chart.configure_mesh().x_labels(8).y_labels(6),
            &w.field,
            "leads",
        )
        .y_label_formatter(&|v| thousands(v.round().max(0.0) as u64))
        .x_label_formatter(&|v| crate::format_number((v * 100.0).round() / 100.0))
        .draw()?;
        for (_, color, pts) in &series {
            let line: Vec<(f64, f64)> = pts
                .iter()
                .filter_map(|(x, y)| y.map(|y| (*x, y as f64)))
                .collect();
            if line.is_empty() {
                continue;
            }
            super::polyline(&mut chart, &line, *color)?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(w.current, 0.0), (w.current, ymax)],
            INK.stroke_width(2),
        )))?;
        let c = &w.at_current;
        chart.draw_series(std::iter::once(Text::new(
            format!(
                " current {}: {} accepted",
                crate::format_number(w.current),
                thousands(c.accepted as u64)
            ),
            (w.current, ymax * 0.97),
            Font::new(13.0).bold().at(HPos::Left, VPos::Top).style(),
        )))?;
        if missing.is_empty() {
            Ok(())
        } else {
            footnote(
                root,
                &format!(
                    "Not available on this dataset (no role for it): {}.",
                    missing.join(", ")
                ),
            )
        }
    })
}

/// The "fix the form or the provider" list: unresolved leads one missing field alone holds back,
/// overall and by the groups where it happens most.
pub fn missing_fields(a: &Analysis) -> String {
    let m = &a.missing_fields;
    let rows: Vec<&crate::analyze::missing::MissingEntry> = m
        .overall
        .iter()
        .filter(|e| e.would_unblock.is_some())
        .chain(
            m.by_group
                .iter()
                .filter(|e| e.would_unblock.unwrap_or(0) > 0)
                .take(12),
        )
        .collect();
    let max = rows
        .iter()
        .filter_map(|e| e.would_unblock)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let bars: Vec<Bar> = rows
        .iter()
        .map(|e| Bar {
            label: if e.by == "all" {
                format!("{} (all leads)", e.field)
            } else {
                let by = if e.by == "enrichment_source" {
                    "provider"
                } else {
                    e.by.as_str()
                };
                format!("{} · {by} {}", e.field, e.group)
            },
            value: e.would_unblock.map(|v| v as f64),
            text: format!(
                "{} · missing: {:.0}% blocked, {} accepted",
                thousands(e.would_unblock.unwrap_or(0) as u64),
                e.missing_rate_blocked.unwrap_or(0.0) * 100.0,
                e.missing_rate_accepted
                    .map_or("n/a".to_string(), |r| format!("{:.0}%", r * 100.0))
            ),
            color: if e.by == "all" { INK } else { UNRESOLVED },
        })
        .collect();
    render((WIDTH, rows_height(bars.len())), |root| {
        let top = header(
            root,
            "Which missing fields hold decisions back?",
            "Unresolved leads that filling this one required field would let past the evidence gate, over all in-scope leads and by the source, campaign, form or enrichment source where it happens most; with how often the field is missing among rejected and unresolved leads against accepted ones.",
            &[
                ("all in-scope leads".to_string(), INK),
                ("one group".to_string(), UNRESOLVED),
            ],
        )?;
        if bars.is_empty() {
            return note(
                root,
                top,
                &[
                    "Nothing to unblock",
                    "No unresolved lead is held back by a single missing required field.",
                ],
            );
        }
        hbars(root, top + 10, &bars, max, None)?;
        footnote(
            root,
            "Fields the evidence gate does not require are in analysis.json (missing rates only).",
        )
    })
}

/// Per enrichment source: the share of the manual-review queue it causes, with its quality.
pub fn enrichment(a: &Analysis) -> String {
    let e = &a.enrichment;
    let bars: Vec<Bar> = e
        .sources
        .iter()
        .map(|s| Bar {
            label: if s.source == "(missing)" {
                "(no source)".to_string()
            } else {
                s.source.clone()
            },
            value: s.share_of_unresolved,
            text: format!(
                "{} ({:.0}%) · errors {} · low conf. {}",
                thousands(s.unresolved_caused as u64),
                s.share_of_unresolved.unwrap_or(0.0) * 100.0,
                s.error_rate
                    .map_or("n/a".to_string(), |r| format!("{:.1}%", r * 100.0)),
                s.below_minimum
                    .map_or("n/a".to_string(), |r| format!("{:.0}%", r * 100.0)),
            ),
            color: UNRESOLVED,
        })
        .collect();
    let max = e
        .sources
        .iter()
        .filter_map(|s| s.share_of_unresolved)
        .fold(0.0, f64::max)
        .max(0.01);
    render((WIDTH, rows_height(bars.len().max(4))), |root| {
        let top = header(
            root,
            "Which enrichment source fills the manual-review queue?",
            &format!(
                "Unresolved leads stopped by the evidence gate (a missing required field or confidence under {}) per enrichment source, as a share of all {} unresolved leads; with each source's error rate and share of leads with low or no confidence.",
                e.min_confidence
                    .map_or("the minimum".to_string(), crate::format_number),
                thousands(e.unresolved as u64)
            ),
            &[("share of unresolved leads".to_string(), UNRESOLVED)],
        )?;
        if !e.available {
            return note(
                root,
                top,
                &[
                    "Not available",
                    "The dataset has no enrichment_source role.",
                ],
            );
        }
        hbars(root, top + 10, &bars, max, None)?;
        footnote(
            root,
            "Coverage and confidence quartiles per source are in analysis.json.",
        )
    })
}
