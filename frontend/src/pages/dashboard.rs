//! The executive dashboard: where the organisation stands against a peer cohort in the latest
//! released quarter, where it trails and leads, and how far the open quarter is submitted.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;
use shared::Period;
use shared::account::Role;
use shared::api::{CohortInfo, PeriodStatus};
use shared::benchmark::{Benchmark, Position};
use shared::catalogue::{Metric, MetricValue};
use shared::cohort::CohortKey;
use shared::format::{metric_value, ordinal, value_text};
use shared::standard::{Requirement, gap_text, requirement_text};

use crate::api::{self, ApiError, query_value};
use crate::charts::{ChartCanvas, draw_posture};
use crate::components::{
    CohortPicker, Downloads, ErrorNotice, Link, Loading, NoReleaseYet, RequireRole, WhatIf,
    latest_released, load, load_basics, load_once, use_cohort,
};

#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <RequireRole roles=&[Role::MemberAdmin, Role::MemberViewer]>
            <Overview/>
        </RequireRole>
    }
}

#[component]
fn Overview() -> impl IntoView {
    let basics = load_basics();
    let content = move || {
        basics.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok((periods, cohorts, catalogue)) => match latest_released(&periods) {
                None => view! { <NoReleaseYet/> }.into_any(),
                Some(period) => {
                    let open_info = periods
                        .iter()
                        .rev()
                        .find(|p| p.status == PeriodStatus::Open);
                    let open = open_info.map(|p| p.period);
                    let deadline = open_info.and_then(|p| p.deadline.clone());
                    let newly = |wanted: Period| {
                        periods
                            .iter()
                            .find(|p| p.period == wanted)
                            .map_or(0, |p| p.newly_verified)
                    };
                    let verification = (newly(period), open.map(newly));
                    view! { <OverviewBody period open deadline verification cohorts catalogue/> }
                        .into_any()
                }
            },
        })
    };
    view! {
        <section class="page dashboard">
            {move || content().unwrap_or_else(|| view! { <Loading what="your dashboard"/> }.into_any())}
        </section>
    }
}

/// One metric in the trailing/leading lists.
#[derive(Debug, Clone)]
struct Standing {
    metric: Metric,
    value: Option<MetricValue>,
    median: Option<f64>,
    band: String,
    standing: f64,
}

fn standings(position: &Position, benchmark: &Benchmark, catalogue: &[Metric]) -> Vec<Standing> {
    let mut all: Vec<Standing> = position
        .metrics
        .iter()
        .filter_map(|p| {
            let cell = benchmark.cell(&p.metric)?;
            let metric = catalogue.iter().find(|m| m.key == p.metric)?.clone();
            Some(Standing {
                metric,
                value: p.value,
                median: cell.p50,
                band: p.band.clone()?,
                standing: p.standing?,
            })
        })
        .collect();
    all.sort_by(|a, b| a.standing.total_cmp(&b.standing));
    all
}

#[component]
fn OverviewBody(
    period: Period,
    open: Option<Period>,
    /// The open quarter's deadline, once set.
    deadline: Option<String>,
    /// Organisations newly verified for the released quarter, and for the open one: they wait
    /// a release before they count (a burst of them shows here).
    verification: (u32, Option<u32>),
    cohorts: Vec<CohortInfo>,
    catalogue: Vec<Metric>,
) -> impl IntoView {
    let cohort = use_cohort();
    let navigate = use_navigate();
    let data = load(
        move || cohort.get(),
        move |key: CohortKey| async move {
            Ok::<_, ApiError>((
                api::position(period, key).await?,
                api::benchmark(period, key).await?,
            ))
        },
    );
    let submitted = load_once(move || async move {
        match open {
            Some(open) => api::submission(open)
                .await
                .map(|s| Some((open, s.values.len()))),
            None => Ok(None),
        }
    });
    let catalogue = StoredValue::new(catalogue);
    let total = catalogue.with_value(Vec::len);
    let cohort_label = {
        let cohorts = cohorts.clone();
        move || {
            cohorts
                .iter()
                .find(|c| c.key == cohort.get())
                .map_or_else(String::new, |c| c.label.clone())
        }
    };

    let body = move || {
        data.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok((position, benchmark)) => {
                let ranked = catalogue.with_value(|c| standings(&position, &benchmark, c));
                let trailing: Vec<Standing> = ranked.iter().take(5).cloned().collect();
                let leading: Vec<Standing> = ranked.iter().rev().take(5).cloned().collect();
                let labels: Vec<String> = position.functions.iter().map(|f| f.function.name().to_owned()).collect();
                let values: Vec<Option<f64>> = position.functions.iter().map(|f| f.standing).collect();
                let table_rows = position.functions.clone();
                let key = cohort.get_untracked().to_string();
                let chart_id = format!("posture-{key}");
                let (chart_labels, chart_values) = (labels.clone(), values.clone());
                let own = shared::plan::own_values(&position.metrics);
                let export = format!("&period={period}&cohort={}", query_value(&key));
                view! {
                    <p class="cohort-line" data-testid="cohort-size">
                        {match &benchmark.n_band {
                            Some(band) => format!("{band} organisations in this peer group reported for {period}."),
                            None => "Too few organisations in this peer group to publish its size.".to_owned(),
                        }}
                    </p>
                    <section class="card">
                        <h2>"Posture by NIST CSF function"</h2>
                        <p class="hint">"Your average percentile standing per function; 50 is the peer median. Higher is better."</p>
                        <ChartCanvas id=chart_id label="Your standing per CSF function against the peer median" class="chart chart--posture"
                            draw=move |id| draw_posture(id, &chart_labels, &chart_values)/>
                        <details class="chart-table">
                            <summary>"Show as a table"</summary>
                            <table class="table" data-testid="posture-table">
                                <thead><tr><th>"Function"</th><th class="num">"Your standing"</th><th class="num">"Ranked metrics"</th></tr></thead>
                                <tbody>
                                    {table_rows.into_iter().map(|f| view! {
                                        <tr>
                                            <td>{f.function.name()}</td>
                                            <td class="num">{f.standing.map_or_else(|| "—".to_owned(), |s| format!("{s:.0}"))}</td>
                                            <td class="num">{f.metrics}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </details>
                    </section>
                    <WhatIf benchmark own catalogue/>
                    <FollowedCompliance period cohort catalogue/>
                    <div class="columns">
                        <StandingList title="Where you trail your peers" testid="trailing" items=trailing cohort=key.clone()/>
                        <StandingList title="Where you lead" testid="leading" items=leading cohort=key/>
                    </div>
                    <Downloads table="position" query=export what="Your position per metric"/>
                }
                .into_any()
            }
        })
    };

    view! {
        <header class="dashboard__head">
            <div>
                <h1>"Security posture"</h1>
                <p class="page__lead">
                    {format!("Released quarter {period} · compared with ")}<strong>{cohort_label}</strong>
                </p>
            </div>
            <div class="dashboard__controls">
                <CohortPicker cohorts selected=cohort on_change=move |key: CohortKey| {
                    navigate(&format!("/dashboard?cohort={}", query_value(&key.to_string())), Default::default())
                }/>
                // The report is in the insights bundle: a page load, not a route.
                <a href=move || format!("/report?cohort={}", query_value(&cohort.get().to_string())) class="button" rel="external">"Report"</a>
            </div>
        </header>
        {move || submitted.get().and_then(Result::ok).flatten().map(|(open, count)| view! {
            <div class="notice submission-progress" data-testid="open-progress">
                {format!("{open} is open: {count} of {total} metrics submitted. ")}
                {deadline.as_deref().map(|due| format!("Due by {}. ", shared::format::timestamp(due)))}
                <Link href="/submit">"Complete your submission"</Link>
            </div>
        })}
        <p class="hint verification-line" data-testid="verification-line">
            {verification_line(period, open, verification)}
            " "<a href="/methodology#who-counts">"Who counts"</a>
        </p>
        {move || body().unwrap_or_else(|| view! { <Loading what="your position"/> }.into_any())}
    }
}

/// How many organisations were verified for the released quarter and since: they wait a
/// release before they count (anonymity policy v3), and a burst of them shows here.
fn verification_line(
    period: Period,
    open: Option<Period>,
    (released, pending): (u32, Option<u32>),
) -> String {
    let organisations = |n: u32| match n {
        1 => "1 organisation".to_owned(),
        n => format!("{n} organisations"),
    };
    let mut line = format!(
        "Newly verified for {period}: {}, which count from the next release, not in {period}.",
        organisations(released)
    );
    if let (Some(open), Some(pending)) = (open, pending) {
        line.push_str(&format!(
            " Verified since: {}, which count from the release after {open}.",
            organisations(pending)
        ));
    }
    line
}

/// The part of a compliance answer the overview shows (the full table, with the shares of
/// peers meeting each requirement, is on the standard's page).
#[derive(Debug, Clone, serde::Deserialize)]
struct ComplianceBrief {
    standard_id: i64,
    standard_name: String,
    standard_version: i64,
    newer_version: Option<i64>,
    requirements: Vec<RequirementBrief>,
}

#[derive(Debug, Clone, serde::Deserialize)]
struct RequirementBrief {
    requirement: Requirement,
    met: Option<bool>,
    gap: Option<f64>,
}

/// Compliance with the standard the organisation follows: how many requirements are met in
/// the released quarter, and what each missed one needs.
#[component]
fn FollowedCompliance(
    period: Period,
    cohort: Memo<CohortKey>,
    catalogue: StoredValue<Vec<Metric>>,
) -> impl IntoView {
    let data = load_once(move || async move {
        match api::followed_standard().await?.standard_id {
            None => Ok(None),
            Some(id) => api::compliance::<ComplianceBrief>(id, period, Some(CohortKey::All))
                .await
                .map(Some),
        }
    });
    let body = move || {
        data.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(None) => view! {
                <h2>"Standard"</h2>
                <p class="empty">
                    "Your organisation follows no standard yet. "
                    <Link href="/standards">"Choose the standard you follow"</Link>
                </p>
            }
            .into_any(),
            Ok(Some(brief)) => {
                let total = brief.requirements.len();
                let met = brief.requirements.iter().filter(|r| r.met == Some(true)).count();
                let missed = brief
                    .requirements
                    .iter()
                    .filter(|r| r.met != Some(true))
                    .filter_map(|r| {
                        let text = catalogue.with_value(|c| {
                            let metric = c.iter().find(|m| m.key == r.requirement.metric)?;
                            Some(match r.met {
                                Some(_) => format!("{}: {}", requirement_text(metric, &r.requirement), gap_text(metric, &r.requirement, r.gap)),
                                None => format!("{}: not submitted", requirement_text(metric, &r.requirement)),
                            })
                        })?;
                        Some(view! { <li>{text}</li> })
                    })
                    .collect_view();
                let href = format!("/standards/{}?cohort={}", brief.standard_id, query_value(&cohort.get_untracked().to_string()));
                view! {
                    <h2>{format!("{} (v{})", brief.standard_name, brief.standard_version)}</h2>
                    <p class="compliance-summary" data-testid="compliance-summary">{format!("{met} of {total} requirements met in {period}")}</p>
                    <div class="meter" aria-hidden="true"><span style:width=format!("{}%", met * 100 / total.max(1))></span></div>
                    <ul class="missed">{missed}</ul>
                    <Link href=href>"Every requirement, with the share of peers meeting it"</Link>
                    {brief.newer_version.map(|newer| view! {
                        <p class="notice" data-testid="newer-version">
                            "A newer version of this standard is published. "
                            <Link href=format!("/standards/{newer}")>"See what changed"</Link>
                        </p>
                    })}
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="card" data-testid="followed-compliance">
            {move || body().unwrap_or_else(|| view! { <Loading what="your compliance"/> }.into_any())}
        </section>
    }
}

#[component]
fn StandingList(
    title: &'static str,
    testid: &'static str,
    items: Vec<Standing>,
    cohort: String,
) -> impl IntoView {
    let empty = items.is_empty();
    view! {
        <section class="card standing-list" data-testid=testid>
            <h2>{title}</h2>
            <Show when=move || empty>
                <p class="empty">"No ranked metric has a published position in this peer group."</p>
            </Show>
            <ol>
                {items.into_iter().map(|item| {
                    let href = format!("/dashboard/metric/{}?cohort={}", item.metric.key, query_value(&cohort));
                    let median = item.median.map_or_else(|| "—".to_owned(), |m| metric_value(&item.metric, m));
                    let summary = format!("You: {} · peer median: {} · about the {} percentile ({})",
                        value_text(&item.metric, item.value), median, ordinal(item.standing), item.metric.direction.label());
                    view! {
                        <li>
                            <div class="standing-list__row">
                                <Link href=href>{item.metric.name.clone()}</Link>
                                <span class="standing-list__band">{item.band.clone()}</span>
                            </div>
                            <div class="meter" aria-hidden="true"><span style:width=format!("{}%", item.standing)></span></div>
                            <p class="standing-list__values">{summary}</p>
                        </li>
                    }
                }).collect_view()}
            </ol>
        </section>
    }
}
