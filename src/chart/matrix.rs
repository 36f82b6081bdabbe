//! The flip matrix: how many leads move from each baseline decision to each draft decision.

use std::collections::BTreeMap;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::*;

/// Row / column keys: the known decisions first, then any other key in order.
pub(super) fn matrix_keys(matrix: &BTreeMap<String, BTreeMap<String, usize>>) -> Vec<String> {
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

pub(super) fn cell(
    matrix: &BTreeMap<String, BTreeMap<String, usize>>,
    row: &str,
    col: &str,
) -> usize {
    matrix
        .get(row)
        .and_then(|r| r.get(col))
        .copied()
        .unwrap_or(0)
}

pub(super) fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let ch = |x: u8, y: u8| {
        (f64::from(x) + (f64::from(y) - f64::from(x)) * t.clamp(0.0, 1.0)).round() as u8
    };
    RGBColor(ch(a.0, b.0), ch(a.1, b.1), ch(a.2, b.2))
}

pub(super) fn heat(n: usize, max: usize) -> RGBColor {
    if n == 0 || max == 0 {
        return WHITE;
    }
    mix(HEAT_LOW, HEAT_HIGH, (n as f64 / max as f64).sqrt())
}

pub(super) struct Grid {
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

pub(super) fn draw_flip_matrix(root: &Area<'_>, r: &Replay) -> Drawn {
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

pub(super) fn matrix_axes(root: &Area<'_>, g: &Grid, keys: &[String]) -> Drawn {
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

pub(super) fn matrix_cell(
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

pub(super) fn matrix_totals(
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
