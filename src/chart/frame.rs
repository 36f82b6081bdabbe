//! The value-axis frame of the bar charts (axes, ticks, the mapping to pixels) and the grouped bars drawn on it.

use super::*;

// ---------------------------------------------------------------------------------------------
// Value-axis frame shared by the bar charts

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Orient {
    /// Categories along x, values up.
    Vertical,
    /// Categories down the y axis (first on top), values to the right.
    Horizontal,
}

/// Where the bars go: a plotters mesh (axes, ticks, grid, axis titles) plus the mapping from
/// (category position, value) to pixels. Category `i` occupies positions `i..i + 1`.
pub(super) struct Frame {
    pub(super) orient: Orient,
    /// The top of the value axis.
    pub(super) vmax: u64,
    pub(super) map: ToPx,
}

pub(super) struct FrameSpec<'a> {
    pub(super) orient: Orient,
    pub(super) categories: usize,
    pub(super) max_value: u64,
    pub(super) category_title: &'a str,
    pub(super) value_title: &'a str,
    /// Room for the category labels: height below the axis (vertical) or width left of it.
    pub(super) label_room: u32,
}

impl Frame {
    pub(super) fn build(
        root: &Area<'_>,
        top: i32,
        bottom: i32,
        spec: &FrameSpec<'_>,
    ) -> Result<Frame, Box<dyn Error>> {
        let (w, _) = root.dim_in_pixel();
        let area = root
            .clone()
            .shrink((0, top.max(0) as u32), (w, (bottom - top).max(10) as u32));
        // Headroom for the count written at the end of the longest bar.
        let headroom = match spec.orient {
            Orient::Vertical => 1.12,
            Orient::Horizontal => 1.2,
        };
        let vmax = ((spec.max_value as f64 * headroom).ceil() as u64)
            .max(spec.max_value + 1)
            .max(4);
        let mut builder = ChartBuilder::on(&area);
        builder
            .margin_right(36)
            .margin_top(6)
            .margin_left(MARGIN as u32 - 6);
        let map = match spec.orient {
            Orient::Vertical => Self::vertical_mesh(&mut builder, spec, vmax)?,
            Orient::Horizontal => Self::horizontal_mesh(&mut builder, spec, vmax)?,
        };
        Ok(Frame {
            orient: spec.orient,
            vmax,
            map,
        })
    }

    pub(super) fn vertical_mesh(
        builder: &mut ChartBuilder<'_, '_, SVGBackend<'_>>,
        spec: &FrameSpec<'_>,
        vmax: u64,
    ) -> Result<ToPx, Box<dyn Error>> {
        let n = spec.categories.max(1) as f64;
        let tick_room = Font::new(13.0).width(&thousands(vmax)) as u32 + 14;
        let mut chart = builder
            .x_label_area_size(spec.label_room + 30)
            .y_label_area_size(tick_room + 28)
            .build_cartesian_2d(0f64..n, 0u64..vmax)?;
        let formatter = |v: &u64| thousands(*v);
        let mut mesh = chart.configure_mesh();
        mesh.disable_x_mesh()
            .x_labels(0)
            .y_labels(6)
            .y_label_formatter(&formatter);
        style_mesh(&mut mesh, spec).draw()?;
        let coords = chart.as_coord_spec().clone();
        Ok(Box::new(move |c, v| coords.translate(&(c, v))))
    }

    pub(super) fn horizontal_mesh(
        builder: &mut ChartBuilder<'_, '_, SVGBackend<'_>>,
        spec: &FrameSpec<'_>,
        vmax: u64,
    ) -> Result<ToPx, Box<dyn Error>> {
        let n = spec.categories.max(1) as f64;
        let mut chart = builder
            .x_label_area_size(52)
            .y_label_area_size(spec.label_room + 30)
            .build_cartesian_2d(0u64..vmax, 0f64..n)?;
        let formatter = |v: &u64| thousands(*v);
        let mut mesh = chart.configure_mesh();
        mesh.disable_y_mesh()
            .y_labels(0)
            .x_labels(6)
            .x_label_formatter(&formatter);
        style_mesh(&mut mesh, spec).draw()?;
        let coords = chart.as_coord_spec().clone();
        // Category 0 on top.
        Ok(Box::new(move |c, v| coords.translate(&(v, n - c))))
    }

    pub(super) fn point(&self, category: f64, value: u64) -> Px {
        (self.map)(category, value)
    }

    /// Pixel length of one category unit.
    pub(super) fn band_px(&self) -> f64 {
        let (a, b) = (self.point(0.0, 0), self.point(1.0, 0));
        f64::from((b.0 - a.0).abs() + (b.1 - a.1).abs())
    }

    /// Thickness of one bar in band units.
    pub(super) fn bar_size(&self) -> f64 {
        let max_px = match self.orient {
            Orient::Vertical => 80.0,
            Orient::Horizontal => 26.0,
        };
        BAR_SIZE.min(max_px / self.band_px().max(1.0))
    }

    /// Category positions of bar `side` (0 baseline, 1 draft) of category `i`, centred as a pair.
    pub(super) fn bar_span(&self, i: usize, side: usize) -> (f64, f64) {
        let size = self.bar_size();
        let c0 = i as f64 + 0.5 - size - BAR_GAP / 2.0 + side as f64 * (size + BAR_GAP);
        (c0, c0 + size)
    }

    /// Thickness of one bar in pixels.
    pub(super) fn bar_px(&self) -> f64 {
        self.bar_size() * self.band_px()
    }

    /// The pixel centre of category position `c` on the value axis' zero line.
    pub(super) fn base(&self, c: f64) -> Px {
        self.point(c, 0)
    }
}

pub(super) fn style_mesh<'x, 'a, 'b, X: Ranged, Y: Ranged>(
    mesh: &'x mut MeshStyle<'a, 'b, X, Y, SVGBackend<'a>>,
    spec: &FrameSpec<'_>,
) -> &'x mut MeshStyle<'a, 'b, X, Y, SVGBackend<'a>> {
    let (x_title, y_title) = match spec.orient {
        Orient::Vertical => (spec.category_title, spec.value_title),
        Orient::Horizontal => (spec.value_title, spec.category_title),
    };
    mesh.x_desc(x_title)
        .y_desc(y_title)
        .label_style(Font::new(13.0).style())
        .axis_desc_style(Font::new(15.0).bold().style())
        .axis_style(MUTED.stroke_width(1))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
}

/// A line through `points` with a dot on each, in `color` (the sweep and trend charts).
pub(super) fn polyline(
    chart: &mut ChartContext<'_, SVGBackend<'_>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    points: &[(f64, f64)],
    color: RGBColor,
) -> Drawn {
    chart.draw_series(std::iter::once(PathElement::new(
        points.to_vec(),
        color.stroke_width(3),
    )))?;
    chart.draw_series(
        points
            .iter()
            .map(|&(x, y)| Circle::new((x, y), 3, color.filled())),
    )?;
    Ok(())
}

/// [`style_mesh`] for a chart with its own axis titles (the analysis charts).
pub(super) fn style_mesh_plain<'x, 'a, 'b, X: Ranged, Y: Ranged>(
    mesh: &'x mut MeshStyle<'a, 'b, X, Y, SVGBackend<'a>>,
    x_title: &str,
    y_title: &str,
) -> &'x mut MeshStyle<'a, 'b, X, Y, SVGBackend<'a>> {
    mesh.x_desc(x_title)
        .y_desc(y_title)
        .label_style(Font::new(13.0).style())
        .axis_desc_style(Font::new(15.0).bold().style())
        .axis_style(MUTED.stroke_width(1))
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
}

// ---------------------------------------------------------------------------------------------
// Grouped bars: one helper for the outcomes (vertical) and by-reason (horizontal) charts

/// One category with the baseline and draft values; `None` is "not available".
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Group {
    pub(super) label: String,
    /// A second, smaller line under the label (e.g. the change).
    pub(super) detail: Option<String>,
    pub(super) values: [Option<u64>; 2],
    /// A section heading row (horizontal charts): the label only, no bars.
    pub(super) heading: bool,
}

impl Group {
    pub(super) fn bars(label: String, detail: Option<String>, values: [Option<u64>; 2]) -> Self {
        Group {
            label,
            detail,
            values,
            heading: false,
        }
    }
    pub(super) fn heading(label: &str) -> Self {
        Group {
            label: label.to_owned(),
            detail: None,
            values: [None, None],
            heading: true,
        }
    }
}

pub(super) struct Grouped<'a> {
    pub(super) orient: Orient,
    pub(super) groups: &'a [Group],
    pub(super) category_title: &'a str,
    pub(super) value_title: &'a str,
}

pub(super) const SIDE_COLORS: [RGBColor; 2] = [BASELINE, DRAFT];
/// Each of the two bars of a category takes this much of the band, with a small gap between
/// them, but never more than `max_bar_px` pixels (a chart with few categories keeps slim bars).
pub(super) const BAR_SIZE: f64 = 0.36;
pub(super) const BAR_GAP: f64 = 0.02;

pub(super) fn draw_grouped(root: &Area<'_>, top: i32, bottom: i32, g: &Grouped<'_>) -> Drawn {
    let max_value = g
        .groups
        .iter()
        .flat_map(|grp| grp.values.iter().flatten())
        .copied()
        .max()
        .unwrap_or(0);
    let spec = FrameSpec {
        orient: g.orient,
        categories: g.groups.len(),
        max_value,
        category_title: g.category_title,
        value_title: g.value_title,
        label_room: label_room(root, g),
    };
    let frame = Frame::build(root, top, bottom, &spec)?;
    for (i, grp) in g.groups.iter().enumerate() {
        if grp.heading {
            heading_row(root, &frame, i, &grp.label, spec.label_room)?;
            continue;
        }
        category_label(root, &frame, i, grp, spec.label_room)?;
        if grp.values.iter().all(Option::is_none) {
            unavailable(
                root,
                &frame,
                (i as f64, i as f64 + 1.0),
                "Not available in this dataset",
            )?;
            continue;
        }
        for (side, (value, color)) in grp.values.iter().zip(SIDE_COLORS).enumerate() {
            let span = frame.bar_span(i, side);
            match value {
                Some(v) => value_bar(root, &frame, span, *v, color)?,
                None => unavailable(root, &frame, span, "not available")?,
            }
        }
    }
    Ok(())
}

pub(super) const LABEL_FONT: Font = Font::new(14.0);
pub(super) const DETAIL_FONT: Font = Font::new(13.0).color(MUTED);
/// Width of the category labels left of a horizontal chart.
pub(super) const SIDE_LABEL_PX: u32 = 230;

/// The category label and its detail line, wrapped to `width` pixels.
pub(super) fn label_lines(grp: &Group, width: f64, vertical: bool) -> (Vec<String>, Vec<String>) {
    let label_font = if vertical {
        LABEL_FONT.bold()
    } else {
        LABEL_FONT
    };
    let label = wrap(&grp.label, width, label_font, 2);
    let detail = grp
        .detail
        .as_deref()
        .map(|d| wrap(d, width, DETAIL_FONT, 2))
        .unwrap_or_default();
    (label, detail)
}

/// Room for the category labels: the tallest label block under a vertical chart (estimating the
/// band from the chart width), or a fixed column left of a horizontal one.
pub(super) fn label_room(root: &Area<'_>, g: &Grouped<'_>) -> u32 {
    match g.orient {
        Orient::Horizontal => SIDE_LABEL_PX,
        Orient::Vertical => {
            let band = f64::from(root.dim_in_pixel().0 - 150) / g.groups.len().max(1) as f64;
            let height = |grp: &Group| {
                let (label, detail) = label_lines(grp, band - 8.0, true);
                label.len() as i32 * LABEL_FONT.line_height()
                    + detail.len() as i32 * DETAIL_FONT.line_height()
            };
            (g.groups.iter().map(height).max().unwrap_or(0) + 14) as u32
        }
    }
}

/// A category's label (and detail line): under the axis (vertical) or left of it (horizontal).
pub(super) fn category_label(
    root: &Area<'_>,
    frame: &Frame,
    i: usize,
    grp: &Group,
    room: u32,
) -> Drawn {
    let (x, y) = frame.base(i as f64 + 0.5);
    match frame.orient {
        Orient::Vertical => {
            let (label, detail) = label_lines(grp, frame.band_px() - 8.0, true);
            let f = LABEL_FONT.bold().at(HPos::Center, VPos::Top);
            put_lines(root, &label, (x, y + 8), f)?;
            let below = y + 10 + label.len() as i32 * f.line_height();
            put_lines(
                root,
                &detail,
                (x, below),
                DETAIL_FONT.at(HPos::Center, VPos::Top),
            )
        }
        Orient::Horizontal => {
            let (label, detail) = label_lines(grp, f64::from(room) - 12.0, false);
            let (lf, df) = (
                LABEL_FONT.at(HPos::Right, VPos::Top),
                DETAIL_FONT.at(HPos::Right, VPos::Top),
            );
            let height =
                label.len() as i32 * lf.line_height() + detail.len() as i32 * df.line_height();
            let first = y - height / 2;
            put_lines(root, &label, (x - 10, first), lf)?;
            put_lines(
                root,
                &detail,
                (x - 10, first + label.len() as i32 * lf.line_height()),
                df,
            )
        }
    }
}

/// A section heading across the label column and the plot, with a rule above it.
pub(super) fn heading_row(
    root: &Area<'_>,
    frame: &Frame,
    i: usize,
    label: &str,
    room: u32,
) -> Drawn {
    let (x, y) = frame.base(i as f64 + 0.5);
    let (left, top) = frame.base(i as f64);
    let right = frame.point(i as f64, frame.vmax).0;
    let f = LABEL_FONT.bold().at(HPos::Left, VPos::Center);
    match frame.orient {
        Orient::Horizontal => {
            if i > 0 {
                root.draw(&PathElement::new(
                    vec![(left - room as i32, top), (right, top)],
                    MUTED.stroke_width(1),
                ))?;
            }
            put(root, label, (x - room as i32 + 8, y + 4), f)
        }
        Orient::Vertical => put(root, label, (x, y), f.at(HPos::Center, VPos::Center)),
    }
}

/// One bar from zero to `v`, with its count at the end.
pub(super) fn value_bar(
    root: &Area<'_>,
    frame: &Frame,
    (c0, c1): (f64, f64),
    v: u64,
    color: RGBColor,
) -> Drawn {
    let (a, b) = (frame.point(c0, 0), frame.point(c1, v));
    if v > 0 {
        fill_rect(root, a, b, color)?;
    }
    let thickness = frame.bar_px();
    match frame.orient {
        Orient::Vertical => {
            let f = Font::new(14.0).bold().at(HPos::Center, VPos::Bottom);
            let text = fit_number(v, thickness + frame.band_px() * BAR_GAP, f);
            put(root, &text, ((a.0 + b.0) / 2, b.1 - 4), f)
        }
        Orient::Horizontal => {
            let f = Font::new(if thickness < 14.0 { 12.0 } else { 13.0 })
                .bold()
                .at(HPos::Left, VPos::Center);
            put(root, &thousands(v), (b.0 + 5, (a.1 + b.1) / 2), f)
        }
    }
}

/// In place of a bar (or a whole category): the value is not available.
pub(super) fn unavailable(
    root: &Area<'_>,
    frame: &Frame,
    (c0, c1): (f64, f64),
    text: &str,
) -> Drawn {
    let f = Font::new(13.0).italic().color(MUTED);
    let (a, b) = (frame.point(c0, 0), frame.point(c1, 0));
    match frame.orient {
        Orient::Vertical if f.width(text) > f64::from((b.0 - a.0).abs()) => put(
            root,
            text,
            ((a.0 + b.0) / 2, a.1 - 6),
            f.at(HPos::Left, VPos::Center).vertical(),
        ),
        Orient::Vertical => {
            let f = f.at(HPos::Center, VPos::Bottom);
            let lines = wrap(text, f64::from((b.0 - a.0).abs()) - 4.0, f, 4);
            let top = a.1 - 8 - (lines.len() as i32 - 1) * f.line_height();
            put_lines(root, &lines, ((a.0 + b.0) / 2, top), f)
        }
        Orient::Horizontal => put(
            root,
            text,
            (a.0 + 6, (a.1 + b.1) / 2),
            f.at(HPos::Left, VPos::Center),
        ),
    }
}
