//! Chart furniture shared by every chart: header, legend, notes, footnotes and shapes.

use super::*;

// ---------------------------------------------------------------------------------------------
// Shared chart furniture: header, legend, notes, shapes

/// Title, wrapped subtitle and legend; returns the y where the chart body may start.
pub(super) fn header(
    root: &Area<'_>,
    title: &str,
    subtitle: &str,
    legend: &[(String, RGBColor)],
) -> Result<i32, Box<dyn Error>> {
    let width = root.dim_in_pixel().0 as i32;
    let title_font = Font::new(20.0).bold().at(HPos::Left, VPos::Top);
    let title_lines = wrap(title, f64::from(width - 2 * MARGIN), title_font, 2);
    put_lines(root, &title_lines, (MARGIN, 14), title_font)?;
    let sub = Font::new(14.0).color(MUTED).at(HPos::Left, VPos::Top);
    let lines = wrap(subtitle, f64::from(width - 2 * MARGIN), sub, 3);
    let sub_top = 18 + title_lines.len() as i32 * title_font.line_height();
    put_lines(root, &lines, (MARGIN, sub_top), sub)?;
    let y = sub_top + lines.len() as i32 * sub.line_height() + 8;
    draw_legend(root, legend, (MARGIN, y), width - MARGIN)?;
    Ok(y + 30)
}

/// Swatch + label items in a row, starting at `pos` (left, top).
pub(super) fn draw_legend(
    root: &Area<'_>,
    items: &[(String, RGBColor)],
    pos: Px,
    right: i32,
) -> Drawn {
    let font = Font::new(14.0).at(HPos::Left, VPos::Center);
    let (mut x, mut y) = pos;
    for (label, color) in items {
        let w = 22 + font.width(label) as i32;
        if x > pos.0 && x + w > right {
            x = pos.0;
            y += 22;
        }
        fill_rect(root, (x, y + 1), (x + 14, y + 15), *color)?;
        outline(root, (x, y + 1), (x + 14, y + 15), MUTED, 1)?;
        put(root, label, (x + 20, y + 8), font)?;
        x += w + 26;
    }
    Ok(())
}

/// A framed note in place of a chart body ("not available", "nothing to show").
pub(super) fn note(root: &Area<'_>, top: i32, lines: &[&str]) -> Drawn {
    let (w, h) = root.dim_in_pixel();
    let (x0, x1) = (MARGIN * 3, w as i32 - MARGIN * 3);
    let y0 = top + 30;
    let y1 = (h as i32 - 40).max(y0 + 120);
    fill_rect(root, (x0, y0), (x1, y1), NOTE_FILL)?;
    outline(root, (x0, y0), (x1, y1), MUTED, 1)?;
    let font = Font::new(17.0).at(HPos::Center, VPos::Center);
    let wrapped: Vec<String> = lines
        .iter()
        .enumerate()
        .flat_map(|(i, l)| {
            wrap(
                l,
                f64::from(x1 - x0 - 40),
                if i == 0 { font.bold() } else { font },
                3,
            )
        })
        .collect();
    let height = wrapped.len() as i32 * font.line_height();
    let mut y = (y0 + y1) / 2 - height / 2 + font.line_height() / 2;
    for (i, line) in wrapped.iter().enumerate() {
        put(
            root,
            line,
            ((x0 + x1) / 2, y),
            if i == 0 { font.bold() } else { font },
        )?;
        y += font.line_height();
    }
    Ok(())
}

pub(super) fn footnote(root: &Area<'_>, text: &str) -> Drawn {
    let h = root.dim_in_pixel().1 as i32;
    put(
        root,
        text,
        (MARGIN, h - 12),
        Font::new(13.0).color(MUTED).at(HPos::Left, VPos::Bottom),
    )
}

pub(super) fn fill_rect(root: &Area<'_>, a: Px, b: Px, color: RGBColor) -> Drawn {
    let (lo, hi) = ((a.0.min(b.0), a.1.min(b.1)), (a.0.max(b.0), a.1.max(b.1)));
    root.draw(&Rectangle::new([lo, hi], color.filled()))?;
    Ok(())
}

pub(super) fn outline(root: &Area<'_>, a: Px, b: Px, color: RGBColor, width: u32) -> Drawn {
    let (lo, hi) = ((a.0.min(b.0), a.1.min(b.1)), (a.0.max(b.0), a.1.max(b.1)));
    root.draw(&Rectangle::new([lo, hi], color.stroke_width(width)))?;
    Ok(())
}

/// Dark or white text, whichever reads on `fill`.
pub(super) fn text_on(fill: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = fill;
    let luminance = 0.299 * f64::from(r) + 0.587 * f64::from(g) + 0.114 * f64::from(b);
    if luminance < 140.0 { WHITE } else { INK }
}
