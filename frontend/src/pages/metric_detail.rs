//! One metric: the published distribution of a cohort, the member's value in it, the
//! definition, and the trend across released quarters.

use leptos::prelude::*;

use leptos_router::hooks::{use_navigate, use_params_map};
use shared::Period;
use shared::account::Role;
use shared::api::PeriodStatus;
use std::collections::BTreeMap;

use shared::benchmark::{Benchmark, BenchmarkCell, Trend};
use shared::catalogue::{Metric, MetricValue, Unit};
use shared::cohort::CohortKey;
use shared::format::{cell_mean, metric_value};

use crate::api::{self, ApiError, query_value};
use crate::charts::{ChartCanvas, draw_distribution, draw_trend};
use crate::components::{
    CohortPicker, ErrorNotice, Link, Loading, NoReleaseYet, RequireRole, WhatIf, latest_released,
    load, load_basics, load_once, use_auth, use_cohort,
};
use shared::format::value_text;

#[component]
pub fn MetricDetailPage() -> impl IntoView {
    view! {
        <RequireRole roles=&Role::INSIDERS>
            <MetricDetail/>
        </RequireRole>
    }
}

#[component]
fn MetricDetail() -> impl IntoView {
    let params = use_params_map();
    let key = move || params.read().get("key").unwrap_or_default();
    let basics = load_basics();
    let content = move || {
        basics.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok((periods, cohorts, catalogue)) => {
                let all = StoredValue::new(catalogue.clone());
                let Some(metric) = catalogue.into_iter().find(|m| m.key == key()) else {
                    return view! {
                        <div class="card"><h1>"Unknown metric"</h1><p><Link href="/metrics">"See the catalogue"</Link></p></div>
                    }
                    .into_any();
                };
                let released: Vec<Period> =
                    periods.iter().filter(|p| p.status == PeriodStatus::Released).map(|p| p.period).collect();
                let latest = latest_released(&periods);
                view! { <MetricBody metric all cohorts released latest/> }.into_any()
            }
        })
    };
    view! {
        <section class="page dashboard">
            {move || content().unwrap_or_else(|| view! { <Loading what="the metric"/> }.into_any())}
        </section>
    }
}

/// What the page shows for the chosen cohort.
#[derive(Debug, Clone)]
struct Detail {
    /// The latest released benchmark and the member's values in it (for the what-if).
    benchmark: Option<Benchmark>,
    own_values: BTreeMap<String, f64>,
    cell: Option<BenchmarkCell>,
    own: Option<f64>,
    trend: Trend,
    own_history: Vec<Option<f64>>,
}

#[component]
fn MetricBody(
    metric: Metric,
    /// The whole catalogue, for the what-if's CSF function standing.
    all: StoredValue<Vec<Metric>>,
    cohorts: Vec<shared::api::CohortInfo>,
    released: Vec<Period>,
    latest: Option<Period>,
) -> impl IntoView {
    let cohort = use_cohort();
    let navigate = use_navigate();
    let is_member = use_auth().role().is_some_and(Role::is_member);
    let key = metric.key.clone();
    let detail = load(move || cohort.get(), {
        let key = key.clone();
        let released = released.clone();
        move |cohort: CohortKey| {
            let (key, released) = (key.clone(), released.clone());
            async move {
                let trend = api::trend(&key, cohort).await?;
                let Some(latest) = latest else {
                    return Ok::<_, ApiError>(Detail {
                        benchmark: None,
                        own_values: BTreeMap::new(),
                        cell: None,
                        own: None,
                        trend,
                        own_history: Vec::new(),
                    });
                };
                let benchmark = api::benchmark(latest, cohort).await?;
                let cell = benchmark.cell(&key).cloned();
                let mut own = None;
                let mut own_history = Vec::new();
                let mut own_values = BTreeMap::new();
                if is_member {
                    for period in &released {
                        let submission = api::submission(*period).await?;
                        own_history.push(submission.values.get(&key).map(|v| v.number()));
                        own_values = submission
                            .values
                            .iter()
                            .map(|(k, v)| (k.clone(), v.number()))
                            .collect();
                    }
                    own = own_history.last().copied().flatten();
                }
                Ok(Detail {
                    benchmark: is_member.then_some(benchmark),
                    own_values,
                    cell,
                    own,
                    trend,
                    own_history,
                })
            }
        }
    });
    let metric = StoredValue::new(metric);
    let unit_title = metric.with_value(|m| format!("{} ({})", m.name, m.unit.label()));

    let body = move || {
        detail.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(detail) if latest.is_none() => { let _ = detail; view! { <NoReleaseYet/> }.into_any() }
            Ok(detail) => {
                let m = metric.get_value();
                let cohort_key = cohort.get_untracked().to_string();
                let yes_no = m.unit == Unit::Boolean;
                let distribution = distribution(m, detail.cell.clone(), detail.own, unit_title.clone(), &cohort_key);
                let periods: Vec<String> = detail.trend.points.iter().map(|p| p.period.to_string()).collect();
                let p25: Vec<Option<f64>> = detail.trend.points.iter().map(|p| p.p25).collect();
                let p50: Vec<Option<f64>> = detail.trend.points.iter().map(|p| p.p50).collect();
                let p75: Vec<Option<f64>> = detail.trend.points.iter().map(|p| p.p75).collect();
                let own_history = detail.own_history.clone();
                let own_line = is_member.then_some(own_history.clone());
                let unit = unit_title.clone();
                let m2 = metric.get_value();
                let rows: Vec<_> = detail.trend.points.iter().enumerate().map(|(i, p)| {
                    let fmt = |v: Option<f64>| v.map_or_else(|| if p.suppressed { "not enough peers".to_owned() } else { "—".to_owned() }, |v| metric_value(&m2, v));
                    let own = own_history.get(i).copied().flatten().map_or_else(|| "—".to_owned(), |v| metric_value(&m2, v));
                    view! { <tr><td>{p.period.to_string()}</td><td>{fmt(p.p25)}</td><td>{fmt(p.p50)}</td><td>{fmt(p.p75)}</td><td>{own}</td></tr> }
                }).collect();
                view! {
                    <section class="card">
                        <h2>"Peer distribution"</h2>
                        <p class="hint">{format!("Latest released quarter; {}.", metric.with_value(|m| m.direction.label()))}</p>
                        {distribution}
                    </section>
                    {detail.benchmark.clone().map(|benchmark| view! {
                        <WhatIf benchmark own=detail.own_values.clone() catalogue=all fixed=metric.with_value(|m| m.key.clone())/>
                    })}
                    {(!yes_no).then(move || view! {
                    <section class="card">
                        <h2>"Trend across released quarters"</h2>
                        <ChartCanvas id=format!("trend-{cohort_key}") label="Peer P25, median and P75 across released quarters, with your value"
                            class="chart chart--trend" draw=move |id| draw_trend(id, &unit, &periods, [&p25, &p50, &p75], own_line.as_deref())/>
                        <details class="chart-table">
                            <summary>"Show as a table"</summary>
                            <table class="table" data-testid="trend-table">
                                <thead><tr><th>"Quarter"</th><th>"P25"</th><th>"Median"</th><th>"P75"</th><th>"You"</th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </details>
                    </section>
                    })}
                }
                .into_any()
            }
        })
    };

    let header = metric.with_value(metric_header);
    let your_value = move || {
        detail.get().and_then(Result::ok).filter(|_| is_member).map(|d| {
            let text = metric.with_value(|m| value_text(m, d.own.map(MetricValue::Number)));
            view! { <p class="your-value" data-testid="your-value">"Your value in the latest released quarter: "<strong>{text}</strong></p> }
        })
    };

    view! {
        {header}
        <div class="dashboard__controls">
            <CohortPicker cohorts selected=cohort on_change=move |c: CohortKey| {
                navigate(&format!("/dashboard/metric/{key}?cohort={}", query_value(&c.to_string())), Default::default())
            }/>
        </div>
        {your_value}
        {move || body().unwrap_or_else(|| view! { <Loading what="the distribution"/> }.into_any())}
        <PracticesFor metric=metric.with_value(|m| m.key.clone())/>
    }
}

/// The published distribution of the peer group with the member's value: the band of "yes"
/// for a yes/no metric (anonymity policy v2), else a chart and its table; or why it is held back.
fn distribution(
    m: Metric,
    cell: Option<BenchmarkCell>,
    own: Option<f64>,
    unit_title: String,
    cohort_key: &str,
) -> AnyView {
    let yes_no = m.unit == Unit::Boolean;
    match cell {
        // Yes/no metrics publish only the band of "yes" (anonymity policy v2).
        Some(cell) if !cell.suppressed && yes_no => {
            let you = own.map_or_else(|| "not submitted".to_owned(), |v| metric_value(&m, v));
            view! {
                <p class="yes-share" data-testid="yes-share">
                    <strong>{cell_mean(&m, None, cell.share_band.as_deref())}</strong>
                    {format!(" in this peer group ({} organisations). You: {you}.", cell.n_band.unwrap_or_default())}
                </p>
            }
            .into_any()
        }
        Some(cell) if !cell.suppressed => {
            let unit = unit_title;
            let table_cell = cell.clone();
            let mean_text = cell_mean(&m, table_cell.mean, table_cell.share_band.as_deref());
            let fmt = move |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| metric_value(&m, v));
            view! {
                <ChartCanvas id=format!("distribution-{cohort_key}") label="Published distribution of the peer group, with your value"
                    class="chart chart--distribution" draw=move |id| draw_distribution(id, &unit, &cell, own)/>
                <div class="table-scroll" tabindex="0">
                <table class="table stats-table" data-testid="distribution-table">
                    <thead><tr><th>"P10"</th><th>"P25"</th><th>"Median"</th><th>"P75"</th><th>"P90"</th><th>"Mean"</th><th>"Organisations"</th><th>"You"</th></tr></thead>
                    <tbody><tr>
                        <td>{fmt(table_cell.p10)}</td><td>{fmt(table_cell.p25)}</td><td>{fmt(table_cell.p50)}</td>
                        <td>{fmt(table_cell.p75)}</td><td>{fmt(table_cell.p90)}</td><td>{mean_text}</td>
                        <td>{table_cell.n_band.clone().unwrap_or_default()}</td><td>{fmt(own)}</td>
                    </tr></tbody>
                </table>
                </div>
            }
            .into_any()
        }
        Some(cell) => view! {
            <div class="notice suppressed" data-testid="suppressed">
                <strong>"Not enough peers. "</strong>
                {format!("This peer group's statistics are held back ({}). ", cell.reason.map_or("", |r| r.label()))}
                <Link href="/methodology">"Why?"</Link>
            </div>
        }
        .into_any(),
        None => view! { <p class="empty">"No statistic for this metric."</p> }.into_any(),
    }
}

/// The metric's name, definition, unit, direction and references.
fn metric_header(m: &Metric) -> impl IntoView + use<> {
    let references = m.references.clone();
    view! {
        <header class="dashboard__head">
            <div>
                <p class="breadcrumb"><Link href="/dashboard">"Dashboard"</Link>" / "{m.csf_function.name()}" · "{m.csf_category.clone()}</p>
                <h1 data-testid="metric-name">{m.name.clone()}</h1>
                <p class="page__lead">{m.definition.clone()}</p>
                <p class="metric-meta">
                    <span class="badge">{m.unit.label()}</span>" "
                    <span class="badge badge--up">{m.direction.label()}</span>" "
                    {references.join(" · ")}
                </p>
            </div>
        </header>
    }
}

/// What the metric page shows of a practice.
#[derive(Debug, Clone, serde::Deserialize)]
struct PracticeLink {
    id: i64,
    title: String,
    author: Option<String>,
    adoptions: i64,
}

/// Published practices linked to the metric, from the library.
#[component]
fn PracticesFor(metric: String) -> impl IntoView {
    let query = format!("?metric={metric}");
    let practices = load_once(move || {
        let query = query.clone();
        async move { api::practices::<PracticeLink>(&query).await }
    });
    let list = move || {
        practices.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(practices) if practices.is_empty() => view! {
                <p class="empty">"No published practice addresses this metric yet."</p>
            }
            .into_any(),
            Ok(practices) => view! {
                <ul class="practice-links">
                    {practices.into_iter().map(|p| view! {
                        <li>
                            <Link href=format!("/practices/{}", p.id)>{p.title}</Link>
                            <span class="hint">{format!(" · {}", p.author.as_deref().unwrap_or("anonymous member"))}{(p.adoptions > 0).then(|| format!(" · adopted by {}", p.adoptions))}</span>
                        </li>
                    }).collect_view()}
                </ul>
            }
            .into_any(),
        })
    };
    view! {
        <section class="card" data-testid="metric-practices">
            <h2>"What peers did about it"</h2>
            {move || list().unwrap_or_else(|| view! { <Loading what="practices"/> }.into_any())}
            <p><Link href="/practices">"The best-practice library"</Link></p>
        </section>
    }
}
