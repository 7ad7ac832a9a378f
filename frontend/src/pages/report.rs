//! A print-ready report (browser print to PDF gives clean A4 pages): the posture, every
//! metric's position, the period, the peer group and the anonymity policy.

use leptos::prelude::*;
use shared::account::Role;
use shared::catalogue::MetricValue;

use crate::api::{self, ApiError};
use crate::charts::{ChartCanvas, draw_posture};
use crate::components::{
    Basics, Downloads, ErrorNotice, Loading, NoReleaseYet, RequireRole, latest_released, load,
    use_auth, use_cohort,
};
use shared::catalogue::Metric;
use shared::cohort::CohortKey;
use shared::format::{metric_value, ordinal, value_text};
use shared::plan::Roadmap;

#[component]
pub fn ReportPage() -> impl IntoView {
    view! {
        <RequireRole roles=&[Role::MemberAdmin, Role::MemberViewer]>
            <Report/>
        </RequireRole>
    }
}

#[component]
fn Report() -> impl IntoView {
    let cohort = use_cohort();
    let org = use_auth()
        .user
        .with_untracked(|u| {
            u.as_ref()
                .and_then(|u| u.org.as_ref().map(|o| o.name.clone()))
        })
        .unwrap_or_default();
    let today = js_date();
    let data = load(
        move || cohort.get(),
        move |cohort: CohortKey| async move {
            let (periods, cohorts, catalogue) = basics_now().await?;
            let Some(period) = latest_released(&periods) else {
                return Ok(None);
            };
            let position = api::position(period, cohort).await?;
            let benchmark = api::benchmark(period, cohort).await?;
            let roadmap = api::roadmap(cohort).await?;
            let label = cohorts
                .iter()
                .find(|c| c.key == cohort)
                .map_or_else(String::new, |c| c.label.clone());
            Ok::<_, ApiError>(Some((
                period, label, position, benchmark, catalogue, roadmap,
            )))
        },
    );
    let content = move || {
        data.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(None) => view! { <NoReleaseYet/> }.into_any(),
            Ok(Some((period, label, position, benchmark, catalogue, roadmap))) => {
                let plan = roadmap_rows(&roadmap, &catalogue);
                let labels: Vec<String> = position.functions.iter().map(|f| f.function.name().to_owned()).collect();
                let values: Vec<Option<f64>> = position.functions.iter().map(|f| f.standing).collect();
                let rows = catalogue.iter().filter_map(|metric| Some((metric, position.metric(&metric.key)?, benchmark.cell(&metric.key)?))).map(|(metric, p, cell)| {
                    let fmt = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| shared::format::metric_value(metric, v));
                    let standing = p.standing.map_or_else(|| if cell.suppressed { "not enough peers".to_owned() } else { "—".to_owned() }, ordinal);
                    view! {
                        <tr>
                            <td>{metric.name.clone()}</td>
                            <td>{value_text(metric, p.value)}</td>
                            <td class="num">{fmt(cell.p25)}</td>
                            <td class="num">{fmt(cell.p50)}</td>
                            <td class="num">{fmt(cell.p75)}</td>
                            <td>{p.band.clone().unwrap_or_default()}</td>
                            <td class="num">{standing}</td>
                        </tr>
                    }
                }).collect_view();
                let submitted = position.metrics.iter().filter(|m| matches!(m.value, Some(MetricValue::Number(_) | MetricValue::Bool(_)))).count();
                view! {
                    <header class="report__head">
                        <p class="report__brand">"PeerPosture · security benchmark report"</p>
                        <h1 data-testid="report-title">{org.clone()}</h1>
                        <p>{format!("Quarter {period} · peer group: {label} · generated {today}")}</p>
                        <p class="hint">{format!(
                            "Anonymity policy {}: every statistic rests on at least k = {} verified organisations (P10/P90 on {}); counts are bands; minimum and maximum are never published. Positions are interpolated from the published percentiles only. {submitted} of {} metrics submitted.",
                            benchmark.policy, benchmark.k, 2 * benchmark.k, catalogue.len())}</p>
                    </header>
                    <section class="report__section">
                        <h2>"Posture by NIST CSF function"</h2>
                        <ChartCanvas id="report-posture" label="Standing per CSF function against the peer median" class="chart chart--report"
                            draw=move |id| draw_posture(id, &labels, &values)/>
                    </section>
                    <section class="report__section">
                        <h2>"Every metric"</h2>
                        <div class="table-scroll" tabindex="0">
                            <table class="table table--compact" data-testid="report-table">
                                <thead><tr><th>"Metric"</th><th>"Your value"</th><th class="num">"P25"</th><th class="num">"Median"</th><th class="num">"P75"</th><th>"Band"</th><th class="num">"Standing"</th></tr></thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                    </section>
                    {plan}
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="page report">
            <div class="report__actions no-print">
                <button class="button button--primary" on:click=|_| { let _ = web_sys::window().map(|w| w.print()); }>"Print or save as PDF"</button>
                {move || {
                    let query = format!("&cohort={}", crate::api::query_value(&cohort.get().to_string()));
                    view! { <Downloads table="position" query what="Every metric"/> }
                }}
            </div>
            {move || content().unwrap_or_else(|| view! { <Loading what="the report"/> }.into_any())}
        </section>
    }
}

/// The roadmap on a page of its own: the top open gaps with their goal, target and the most
/// adopted practice peers published for them.
fn roadmap_rows(roadmap: &Roadmap, catalogue: &[Metric]) -> impl IntoView + use<> {
    const SHOWN: usize = 10;
    let rows = roadmap
        .gaps
        .iter()
        .take(SHOWN)
        .enumerate()
        .filter_map(|(index, item)| {
            let metric = catalogue.iter().find(|m| m.key == item.metric)?;
            let fmt =
                |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| metric_value(metric, v));
            let target = item.target.as_ref().map_or_else(String::new, |t| {
                format!(
                    "{} · {} · {}",
                    value_text(metric, Some(t.value)),
                    t.owner,
                    t.due
                )
            });
            let practice = item
                .practices
                .first()
                .map_or_else(String::new, |p| match p.adoptions {
                    0 => p.title.clone(),
                    n => format!("{} ({n} adopted)", p.title),
                });
            Some(view! {
                <tr>
                    <td class="num">{index + 1}</td>
                    <td>{metric.name.clone()}</td>
                    <td>{value_text(metric, item.value)}</td>
                    <td>{format!("{} ({})", fmt(item.goal), item.goal_source.label())}</td>
                    <td class="num">{item.newly_met}</td>
                    <td>{target}</td>
                    <td>{item.progress.map_or("", |p| p.label())}</td>
                    <td>{practice}</td>
                </tr>
            })
        })
        .collect_view();
    let basis = roadmap.standard.as_ref().map_or_else(
        || "Ranked by standing (no standard followed).".to_owned(),
        |s| {
            format!(
                "Ranked by requirements of {} (v{}) newly met at the goal, then by standing.",
                s.name, s.version
            )
        },
    );
    let count = roadmap.gaps.len();
    view! {
        <section class="report__section report__roadmap">
            <h2>"Improvement roadmap"</h2>
            <p class="hint">{format!("{count} open gaps; the first {} shown. {basis} {} targets met.", count.min(SHOWN), roadmap.met.len())}</p>
            <div class="table-scroll" tabindex="0">
                <table class="table table--compact" data-testid="report-roadmap">
                    <thead><tr><th class="num">"#"</th><th>"Metric"</th><th>"You"</th><th>"Goal"</th><th class="num">"Requirements it meets"</th><th>"Target · owner · due"</th><th>"Progress"</th><th>"What peers did"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

async fn basics_now() -> Result<Basics, ApiError> {
    let (periods, cohorts, catalogue) = (api::periods(), api::cohorts(), api::catalogue());
    Ok((periods.await?, cohorts.await?, catalogue.await?.metrics))
}

/// Today's date from the browser, as YYYY-MM-DD.
fn js_date() -> String {
    let now = web_sys::js_sys::Date::new_0();
    format!(
        "{:04}-{:02}-{:02}",
        now.get_full_year(),
        now.get_month() + 1,
        now.get_date()
    )
}
