//! Chart text: fonts and their measures, placing and wrapping text, and how words and numbers
//! are written on charts.

use super::*;

// ---------------------------------------------------------------------------------------------
// Text

/// plotters' SVG backend writes `font-size = size / 1.24`; sizes here are the written pixels.
pub(super) const SVG_FONT_SCALE: f64 = 1.24;

/// A text style: size in written pixels, weight, colour, anchor, rotation.
#[derive(Clone, Copy)]
pub(super) struct Font {
    pub(super) px: f64,
    pub(super) style: FontStyle,
    pub(super) color: RGBColor,
    pub(super) h: HPos,
    pub(super) v: VPos,
    pub(super) vertical: bool,
}

impl Font {
    pub(super) const fn new(px: f64) -> Self {
        Font {
            px,
            style: FontStyle::Normal,
            color: INK,
            h: HPos::Left,
            v: VPos::Center,
            vertical: false,
        }
    }
    pub(super) const fn bold(self) -> Self {
        Font {
            style: FontStyle::Bold,
            ..self
        }
    }
    pub(super) const fn italic(self) -> Self {
        Font {
            style: FontStyle::Italic,
            ..self
        }
    }
    pub(super) const fn color(self, color: RGBColor) -> Self {
        Font { color, ..self }
    }
    pub(super) const fn at(self, h: HPos, v: VPos) -> Self {
        Font { h, v, ..self }
    }
    pub(super) const fn vertical(self) -> Self {
        Font {
            vertical: true,
            ..self
        }
    }
    pub(super) fn style(&self) -> TextStyle<'static> {
        let mut desc = FontDesc::new(FontFamily::SansSerif, backend_size(self.px), self.style);
        if self.vertical {
            desc = desc.transform(FontTransform::Rotate270);
        }
        desc.color(&self.color).pos(Pos::new(self.h, self.v))
    }
    /// A deliberately generous width estimate (the SVG backend cannot measure text; DejaVu Sans,
    /// a wide common fallback, averages about 0.6 em).
    pub(super) fn width(&self, s: &str) -> f64 {
        let em = if matches!(self.style, FontStyle::Bold) {
            0.66
        } else {
            0.6
        };
        s.chars().count() as f64 * self.px * em
    }
    pub(super) fn line_height(&self) -> i32 {
        (self.px * 1.3).round() as i32
    }
}

/// The size to hand plotters so that the SVG says exactly `px` (plotters divides by 1.24): the
/// float nearest `px * 1.24` that survives the round trip, so the SVG reads `13`, not `13.000…2`.
pub(super) fn backend_size(px: f64) -> f64 {
    let scaled = px * SVG_FONT_SCALE;
    (-4i64..=4)
        .map(|k| f64::from_bits(scaled.to_bits().wrapping_add_signed(k)))
        .find(|c| *c / SVG_FONT_SCALE == px)
        .unwrap_or(scaled)
}

pub(super) fn put(root: &Area<'_>, s: &str, pos: Px, font: Font) -> Drawn {
    root.draw(&Text::new(s.to_owned(), pos, font.style()))?;
    Ok(())
}

/// Draws lines of text one under the other; `pos` is the anchor of the first line.
pub(super) fn put_lines(root: &Area<'_>, lines: &[String], pos: Px, font: Font) -> Drawn {
    for (i, line) in lines.iter().enumerate() {
        put(
            root,
            line,
            (pos.0, pos.1 + i as i32 * font.line_height()),
            font,
        )?;
    }
    Ok(())
}

/// Greedy word wrap (breaking after spaces, `-`, `_` and `:`), at most `max_lines` lines; what
/// does not fit is cut with an ellipsis.
pub(super) fn wrap(text: &str, max_px: f64, font: Font, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for token in tokens(text) {
        let candidate = format!("{line}{token}");
        if line.is_empty() || font.width(candidate.trim_end()) <= max_px {
            line = candidate;
        } else {
            lines.push(line.trim_end().to_owned());
            line = token.to_owned();
        }
    }
    lines.push(line.trim_end().to_owned());
    if lines.len() > max_lines.max(1) {
        let rest = lines.split_off(max_lines.max(1) - 1).join(" ");
        lines.push(rest);
    }
    lines
        .into_iter()
        .map(|l| ellipsize(&l, max_px, font))
        .collect()
}

pub(super) fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, ' ' | '-' | '_' | ':' | '/') {
            let end = i + c.len_utf8();
            out.push(&text[start..end]);
            start = end;
        }
    }
    if start < text.len() {
        out.push(&text[start..]);
    }
    out
}

pub(super) fn ellipsize(s: &str, max_px: f64, font: Font) -> String {
    if font.width(s) <= max_px {
        return s.to_owned();
    }
    let mut cut: String = s.to_owned();
    while !cut.is_empty() && font.width(&format!("{cut}…")) > max_px {
        cut.pop();
    }
    format!("{}…", cut.trim_end())
}

// ---------------------------------------------------------------------------------------------
// Words and numbers

/// A reason or decision code in plain words: `missing_field:employees` → "Missing employees",
/// `low_enrichment_confidence` → "Low enrichment confidence".
pub(super) fn plain(code: &str) -> String {
    if let Some(crate::policy::reason::Review::MissingField(field)) =
        crate::policy::reason::Review::parse(code)
    {
        return format!("Missing {}", words(&field));
    }
    match code {
        "(missing)" => "(no value)".to_owned(),
        _ => capitalise(&words(code)),
    }
}

pub(super) fn words(s: &str) -> String {
    s.replace('_', " ").trim().to_owned()
}

pub(super) fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `1234567` → "1,234,567" (the report's own formatting, so charts and tables agree).
pub(super) fn thousands(n: u64) -> String {
    crate::text::group_digits(usize::try_from(n).unwrap_or(usize::MAX))
}

/// `12345` → "12.3k", `1234567` → "1.2M": for labels with little room.
pub(super) fn compact(n: u64) -> String {
    let f = n as f64;
    match n {
        0..=9_999 => thousands(n),
        10_000..=99_949 => format!("{:.1}k", f / 1e3),
        99_950..=999_499 => format!("{:.0}k", f / 1e3),
        _ => format!("{:.1}M", f / 1e6),
    }
}

/// The full number if it fits in `max_px`, else the compact one.
pub(super) fn fit_number(n: u64, max_px: f64, font: Font) -> String {
    let full = thousands(n);
    if font.width(&full) <= max_px {
        full
    } else {
        compact(n)
    }
}

pub(super) fn count(n: usize) -> String {
    thousands(n as u64)
}

/// The draft's change from the baseline: "draft +875 (+75%)", "draft −120 (−5%)", "no change".
pub(super) fn change(b: usize, d: usize) -> String {
    if b == d {
        return "no change".to_owned();
    }
    let sign = if d > b { "+" } else { "−" };
    let diff = count(b.abs_diff(d));
    if b == 0 {
        return format!("draft {sign}{diff}");
    }
    let pct = b.abs_diff(d) as f64 / b as f64 * 100.0;
    if pct < 0.5 {
        format!("draft {sign}{diff} (under 1%)")
    } else {
        format!("draft {sign}{diff} ({sign}{pct:.0}%)")
    }
}

pub(super) fn policy_names(r: &Replay) -> [String; 2] {
    [
        format!("Baseline v{}", r.baseline.policy.version),
        format!("Draft v{}", r.draft.policy.version),
    ]
}

pub(super) fn policy_legend(r: &Replay) -> Vec<(String, RGBColor)> {
    let [b, d] = policy_names(r);
    vec![(b, BASELINE), (d, DRAFT)]
}
