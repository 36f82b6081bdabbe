//! The trend chart of a replay broken into periods (`--by week|month|quarter`): accepted leads,
//! later conversions, seller acceptance and low-fit handoffs per period, baseline and draft as two
//! lines in four small panels. A pure function of the [`Replay`]; a figure the dataset cannot give
//! (no role for it) is a note in its panel, never a line at zero.

use chrono::NaiveDate;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::{
    Area, BASELINE, DRAFT, Drawn, Font, MARGIN, MUTED, NOTE_FILL, WIDTH, fill_rect, header, note,
    policy_legend, polyline, put, render, style_mesh_plain, thousands,
};
use crate::replay::model::{Metrics, Replay};
use crate::replay::{Period, periods::PeriodMetrics};

/// One panel: its title, the value of a metrics object, and whether it is a share.
struct Panel {
    title: &'static str,
    value: fn(&Metrics) -> Option<f64>,
    share: bool,
}

const PANELS: [Panel; 4] = [
    Panel {
        title: "Accepted (sent to sales)",
        value: |m| Some(m.accepted as f64),
        share: false,
    },
    Panel {
        title: "Later converted (not sent to sales)",
        value: |m| m.later_converted.map(|n| n as f64),
        share: false,
    },
    Panel {
        title: "Seller acceptance",
        value: |m| m.seller_acceptance,
        share: true,
    },
    Panel {
        title: "Low-fit handoffs",
        value: |m| m.low_fit_handoffs.map(|n| n as f64),
        share: false,
    },
];

/// The label of a period on the x axis.
pub fn period_label(start: &str, by: Period) -> String {
    let Ok(d) = NaiveDate::parse_from_str(start, "%Y-%m-%d") else {
        return start.to_string();
    };
    match by {
        Period::Week => d.format("%-d %b %y").to_string(),
        Period::Month => d.format("%b %y").to_string(),
        Period::Quarter => {
            use chrono::Datelike;
            format!("Q{} {}", d.month0() / 3 + 1, d.year())
        }
    }
}

/// The four trends, both policies; a note when the replay has no periods.
pub fn trends(r: &Replay) -> String {
    render((WIDTH, 640), |root| {
        let (Some(periods), Some(by)) = (r.periods.as_deref(), r.by) else {
            let top = header(root, "Trends", "", &[])?;
            return note(
                root,
                top,
                &[
                    "No periods",
                    "Break the replay into weeks, months or quarters of the created date to see trends.",
                ],
            );
        };
        let unit = match by {
            Period::Week => "week (ISO, Monday first)",
            Period::Month => "month",
            Period::Quarter => "quarter",
        };
        let top = header(
            root,
            &format!("Trends by {}", unit.split(' ').next().unwrap_or(unit)),
            &format!(
                "Each {unit} of the created date, {} periods: the figures of the replay restricted to the leads created then, both policies.",
                periods.len()
            ),
            &policy_legend(r),
        )?;
        let body = root.margin(top as u32, 8, 0, 0);
        let cells = body.split_evenly((2, 2));
        for (cell, panel) in cells.iter().zip(&PANELS) {
            draw_panel(cell, panel, periods, by)?;
        }
        Ok(())
    })
}

fn draw_panel(area: &Area<'_>, panel: &Panel, periods: &[PeriodMetrics], by: Period) -> Drawn {
    let (w, h) = area.dim_in_pixel();
    put(
        area,
        panel.title,
        (MARGIN, 4),
        Font::new(15.0).bold().at(HPos::Left, VPos::Top),
    )?;
    let sides: [(RGBColor, Vec<Option<f64>>); 2] = [
        (
            BASELINE,
            periods.iter().map(|p| (panel.value)(&p.baseline)).collect(),
        ),
        (
            DRAFT,
            periods.iter().map(|p| (panel.value)(&p.draft)).collect(),
        ),
    ];
    if sides.iter().all(|(_, v)| v.iter().all(Option::is_none)) {
        let (x0, y0, x1, y1) = (MARGIN, 30, w as i32 - MARGIN, h as i32 - 20);
        fill_rect(area, (x0, y0), (x1, y1), NOTE_FILL)?;
        put(
            area,
            "Not available on this dataset",
            ((x0 + x1) / 2, (y0 + y1) / 2),
            Font::new(14.0).color(MUTED).at(HPos::Center, VPos::Center),
        )?;
        return Ok(());
    }
    let ymax = if panel.share {
        1.0
    } else {
        sides
            .iter()
            .flat_map(|(_, v)| v.iter().flatten())
            .copied()
            .fold(0.0, f64::max)
            .max(1.0)
            * 1.1
    };
    let n = periods.len();
    let plot = area.margin(26, 4, 4, 12);
    let labels: Vec<String> = periods.iter().map(|p| period_label(&p.start, by)).collect();
    let x_labels = n.min(6);
    let mut chart = ChartBuilder::on(&plot)
        .x_label_area_size(28)
        .y_label_area_size(if panel.share { 48 } else { 60 })
        .build_cartesian_2d(-0.5..(n as f64 - 0.5), 0.0..ymax)?;
    let x_fmt = |x: &f64| {
        let k = x.round();
        if (x - k).abs() > 1e-6 || k < 0.0 {
            return String::new();
        }
        labels.get(k as usize).cloned().unwrap_or_default()
    };
    let y_fmt = |v: &f64| {
        if panel.share {
            format!("{:.0}%", v * 100.0)
        } else {
            thousands(v.round().max(0.0) as u64)
        }
    };
    style_mesh_plain(
        chart.configure_mesh().x_labels(x_labels).y_labels(5),
        "",
        "",
    )
    .disable_x_mesh()
    .x_label_formatter(&x_fmt)
    .y_label_formatter(&y_fmt)
    .draw()?;
    for (color, values) in &sides {
        // A gap where a period has no figure (no leads with a known seller outcome …).
        let mut run: Vec<(f64, f64)> = Vec::new();
        let mut runs = Vec::new();
        for (k, v) in values.iter().enumerate() {
            match v {
                Some(y) => run.push((k as f64, *y)),
                None => runs.push(std::mem::take(&mut run)),
            }
        }
        runs.push(run);
        for line in runs.iter().filter(|l| !l.is_empty()) {
            polyline(&mut chart, line, *color)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_labelled_in_words() {
        assert_eq!(period_label("2025-01-06", Period::Week), "6 Jan 25");
        assert_eq!(period_label("2025-03-01", Period::Month), "Mar 25");
        assert_eq!(period_label("2025-10-01", Period::Quarter), "Q4 2025");
    }
}
