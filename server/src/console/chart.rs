//! Bar charts as inline SVG drawn on the server. The geometry is computed
//! here; the markup is a template, escaped like every page. A chart is a
//! picture of numbers its page also gives in a table, and its `<title>`
//! says them in words, so it reads without the picture.
//!
//! No charting crate: a handful of rects and labels, in the page's own
//! fonts and colours, needs no dependency (and no script, which the CSP forbids).

use askama::Template;

/// One bar: what it stands for, how big, and the figure printed beside it.
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub shown: String,
}

/// A column (vertical bar) with its place in the drawing.
pub struct Column {
    pub label: String,
    pub shown: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// Just above the column, for its figure.
    pub figure_y: f64,
    /// The middle of the column, where its label and figure are centred.
    pub middle: f64,
}

/// Vertical bars side by side (a few categories).
#[derive(Template)]
#[template(path = "chart_columns.html")]
pub struct Columns {
    pub id: &'static str,
    pub title: String,
    pub width: f64,
    pub height: f64,
    pub baseline: f64,
    pub label_y: f64,
    pub columns: Vec<Column>,
}

const COLUMNS_WIDTH: f64 = 320.0;
const COLUMNS_HEIGHT: f64 = 200.0;
/// Room above the tallest column for its figure, and below for the labels.
const TOP: f64 = 24.0;
const BOTTOM: f64 = 28.0;
const SIDE: f64 = 12.0;

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Columns scaled to the largest bar (all flat when every value is 0).
pub fn columns(id: &'static str, title: String, bars: Vec<Bar>) -> Columns {
    let max = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let plot = COLUMNS_HEIGHT - TOP - BOTTOM;
    let slot = (COLUMNS_WIDTH - 2.0 * SIDE) / bars.len().max(1) as f64;
    let width = slot * 0.5;
    let baseline = TOP + plot;
    let columns = bars
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let height = if max > 0.0 { b.value / max * plot } else { 0.0 };
            let left = SIDE + i as f64 * slot;
            Column {
                x: round(left + (slot - width) / 2.0),
                y: round(baseline - height),
                width: round(width),
                height: round(height),
                figure_y: round(baseline - height - 6.0),
                middle: round(left + slot / 2.0),
                label: b.label,
                shown: b.shown,
            }
        })
        .collect();
    Columns {
        id,
        title,
        width: COLUMNS_WIDTH,
        height: COLUMNS_HEIGHT,
        baseline,
        label_y: baseline + 18.0,
        columns,
    }
}

/// A row (horizontal bar) with its place in the drawing.
pub struct Row {
    pub label: String,
    pub shown: String,
    pub y: f64,
    pub width: f64,
    /// Where the label's and the figure's text sits.
    pub text_y: f64,
    pub shown_x: f64,
}

/// Horizontal bars, one under another (many categories with long names).
#[derive(Template)]
#[template(path = "chart_rows.html")]
pub struct Rows {
    pub id: &'static str,
    pub title: String,
    pub width: f64,
    pub height: f64,
    pub bar_x: f64,
    pub label_x: f64,
    pub bar_height: f64,
    pub rows: Vec<Row>,
}

const ROWS_WIDTH: f64 = 640.0;
/// Sector names run to ten characters (社会福利与社会保障界).
const LABELS: f64 = 150.0;
/// Room after the longest bar for its figure.
const FIGURE: f64 = 130.0;
const ROW: f64 = 26.0;
const BAR: f64 = 16.0;

/// Rows scaled to `full` (e.g. 100 for percentages), so bars of different
/// pages compare; a value above `full` is drawn at full length.
pub fn rows(id: &'static str, title: String, full: f64, bars: Vec<Bar>) -> Rows {
    let room = ROWS_WIDTH - LABELS - FIGURE;
    let rows: Vec<Row> = bars
        .into_iter()
        .enumerate()
        .map(|(i, b)| {
            let width = if full > 0.0 {
                (b.value / full).clamp(0.0, 1.0) * room
            } else {
                0.0
            };
            let top = 4.0 + i as f64 * ROW;
            Row {
                y: round(top + (ROW - BAR) / 2.0),
                width: round(width),
                text_y: round(top + ROW / 2.0 + 4.5),
                shown_x: round(LABELS + width + 6.0),
                label: b.label,
                shown: b.shown,
            }
        })
        .collect();
    Rows {
        id,
        title,
        width: ROWS_WIDTH,
        height: 8.0 + rows.len() as f64 * ROW,
        bar_x: LABELS,
        label_x: LABELS - 8.0,
        bar_height: BAR,
        rows,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(value: f64) -> Bar {
        Bar {
            label: "x".into(),
            value,
            shown: value.to_string(),
        }
    }

    #[test]
    fn the_tallest_column_fills_the_plot_and_zero_is_flat() {
        let c = columns("c", "t".into(), vec![bar(2.0), bar(4.0), bar(0.0)]);
        let plot = COLUMNS_HEIGHT - TOP - BOTTOM;
        assert_eq!(c.columns[1].height, plot);
        assert_eq!(c.columns[0].height, plot / 2.0);
        assert_eq!(c.columns[2].height, 0.0);
        assert_eq!(c.columns[1].y, TOP);
        let none = columns("c", "t".into(), vec![bar(0.0)]);
        assert_eq!(none.columns[0].height, 0.0);
    }

    #[test]
    fn rows_scale_to_full_and_stop_there() {
        let r = rows(
            "r",
            "t".into(),
            100.0,
            vec![bar(50.0), bar(150.0), bar(0.0)],
        );
        let room = ROWS_WIDTH - LABELS - FIGURE;
        assert_eq!(r.rows[0].width, room / 2.0);
        assert_eq!(r.rows[1].width, room);
        assert_eq!(r.rows[2].width, 0.0);
        assert_eq!(r.height, 8.0 + 3.0 * ROW);
    }
}
