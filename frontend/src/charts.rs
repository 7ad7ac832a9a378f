//! Charts, drawn by Chart.js (self-hosted) through chart-js-rs. No JavaScript callbacks, so
//! nothing depends on `eval`. Every chart comes with a data table for screen readers.

use chart_js_rs::bar::Bar;
use chart_js_rs::{
    Animation, ChartExt, ChartOptions, ChartPlugins, ChartScale, Dataset, DatasetData,
    PluginLegend, Title, XYDataset,
};
use leptos::html::Canvas;
use leptos::prelude::*;
use serde_json::{Value, json};

/// Colours of the product (see style.css).
pub const NAVY: &str = "#1d3a6e";
pub const AMBER: &str = "#b26b00";
pub const BAND_LIGHT: &str = "rgba(42, 82, 152, 0.16)";
pub const BAND_DARK: &str = "rgba(42, 82, 152, 0.38)";
pub const GREY: &str = "#aab4c3";

/// A canvas that `draw` renders into once it is in the document. Marks the moment in the
/// Performance API (`pp-chart-drawn`), so tests can read when the charts appeared.
#[component]
pub fn ChartCanvas(
    #[prop(into)] id: String,
    #[prop(into)] label: String,
    #[prop(into, default = "chart".to_owned())] class: String,
    draw: impl Fn(&str) + 'static,
) -> impl IntoView {
    let canvas = NodeRef::<Canvas>::new();
    let chart_id = id.clone();
    Effect::new(move || {
        if canvas.get().is_some() {
            draw(&chart_id);
            if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
                let _ = performance.mark("pp-chart-drawn");
            }
        }
    });
    view! {
        <div class=class>
            <canvas node_ref=canvas id=id role="img" aria-label=label></canvas>
        </div>
    }
}

fn options(horizontal: bool, value_axis: ChartScale, category_axis: ChartScale) -> ChartOptions {
    let (x, y) = if horizontal {
        (value_axis, category_axis)
    } else {
        (category_axis, value_axis)
    };
    ChartOptions::new()
        // Drawn at once: an executive's dashboard has no time for a grow-in animation, and a
        // screenshot or print taken right after drawing shows the final chart.
        .animation(Animation::new().duration(0))
        .index_axis(if horizontal { "y" } else { "x" })
        .responsive(true)
        .maintain_aspect_ratio(false)
        .scales([("x", x), ("y", y)])
        .plugins(ChartPlugins::new().legend(PluginLegend::new().display(true)))
}

fn axis_title(text: &str) -> Title {
    Title::new().display(true).text(text)
}

fn numbers(values: &[Option<f64>]) -> DatasetData {
    DatasetData(Value::Array(
        values
            .iter()
            .map(|v| v.map_or(Value::Null, |v| json!(v)))
            .collect(),
    ))
}

/// Standing per CSF function (0–100, higher is better) against the peer median (50).
pub fn draw_posture(id: &str, labels: &[String], standings: &[Option<f64>]) {
    let median = vec![Some(50.0); labels.len()];
    Bar::<Vec<XYDataset>>::new(id)
        .data(Dataset::new().labels(labels.to_vec()).datasets(vec![
            XYDataset::new().label("Your standing").data(numbers(standings)).background_color(NAVY),
            XYDataset::new().label("Peer median").data(numbers(&median)).background_color(GREY),
        ]))
        .options(options(
            true,
            ChartScale::new()
                .min(0)
                .max(100)
                .title(axis_title("Percentile standing (higher is better)")),
            ChartScale::new(),
        ))
        .into_chart()
        .render();
}

/// A published distribution: P10–P90 and P25–P75 as floating bars, the median and the
/// member's own value as markers.
pub fn draw_distribution(
    id: &str,
    unit: &str,
    cell: &shared::benchmark::BenchmarkCell,
    own: Option<f64>,
) {
    let row = "Peers";
    let range = |low: Option<f64>, high: Option<f64>| match (low, high) {
        (Some(low), Some(high)) => json!([{ "x": [low, high], "y": row }]),
        _ => json!([]),
    };
    let point = |value: Option<f64>| value.map_or(json!([]), |v| json!([{ "x": v, "y": row }]));
    let spread = cell
        .p90
        .or(cell.p75)
        .zip(cell.p10.or(cell.p25))
        .map_or(1.0, |(high, low)| high - low);
    let half_stroke = (spread / 150.0).max(0.05);
    let mut datasets = vec![
        XYDataset::new()
            .label("P10–P90")
            .data(DatasetData(range(cell.p10, cell.p90)))
            .background_color(BAND_LIGHT)
            .grouped(false),
        XYDataset::new()
            .label("P25–P75")
            .data(DatasetData(range(cell.p25, cell.p75)))
            .background_color(BAND_DARK)
            .grouped(false),
        // The median as a bar a hair wide: a vertical stroke across the row.
        XYDataset::new()
            .label("Median (P50)")
            .data(DatasetData(range(
                cell.p50.map(|m| m - half_stroke),
                cell.p50.map(|m| m + half_stroke),
            )))
            .background_color(NAVY)
            .grouped(false),
    ];
    if own.is_some() {
        datasets.push(
            XYDataset::new()
                .dataset_type("scatter")
                .label("Your value")
                .data(DatasetData(point(own)))
                .background_color(AMBER)
                .border_color("#ffffff")
                .point_style("rectRot")
                .point_radius(10)
                .border_width(2),
        );
    }
    Bar::<Vec<XYDataset>>::new(id)
        .data(Dataset::new().labels(vec![row]).datasets(datasets))
        .options(options(
            true,
            ChartScale::new().title(axis_title(unit)),
            ChartScale::new().display(false),
        ))
        .into_chart()
        .render();
}

/// Peer P25/P50/P75 across released periods (the band between P25 and P75 shaded) and the
/// member's own values.
pub fn draw_trend(
    id: &str,
    unit: &str,
    periods: &[String],
    bands: [&[Option<f64>]; 3],
    own: Option<&[Option<f64>]>,
) {
    let line = |label: &str, values: &[Option<f64>], color: &str| {
        XYDataset::new()
            .dataset_type("line")
            .label(label)
            .data(numbers(values))
            .border_color(color)
            .background_color(color)
            .point_radius(3)
            .tension(0.2)
    };
    let mut datasets = vec![
        line("P25", bands[0], GREY),
        line("Median (P50)", bands[1], NAVY).border_width(3),
        line("P75", bands[2], GREY)
            .fill("0")
            .background_color(BAND_LIGHT),
    ];
    if let Some(own) = own {
        datasets.push(
            line("Your value", own, AMBER)
                .border_width(3)
                .point_radius(5),
        );
    }
    Bar::<Vec<XYDataset>>::new(id)
        .data(Dataset::new().labels(periods.to_vec()).datasets(datasets))
        .options(options(
            false,
            ChartScale::new().title(axis_title(unit)),
            ChartScale::new(),
        ))
        .into_chart()
        .render();
}
