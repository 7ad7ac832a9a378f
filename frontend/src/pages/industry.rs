//! The industry view: every metric of a released quarter for a peer group, as a sortable
//! table. Anyone can read the whole industry; peer groups need a login.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use shared::Period;
use shared::api::PeriodStatus;
use shared::benchmark::BenchmarkCell;
use shared::catalogue::Metric;
use shared::cohort::CohortKey;
use shared::format::{cell_mean, metric_value};

use crate::api::{self, query_value};
use crate::components::{
    CohortPicker, Downloads, ErrorNotice, Link, Loading, NoReleaseYet, load, load_basics, use_auth,
    use_cohort,
};

/// The column a table is sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortBy {
    Metric,
    Function,
    Median,
}

#[component]
pub fn IndustryPage() -> impl IntoView {
    let basics = load_basics();
    let content = move || {
        basics.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok((periods, cohorts, catalogue)) => {
                let released: Vec<Period> = periods
                    .iter()
                    .rev()
                    .filter(|p| p.status == PeriodStatus::Released)
                    .map(|p| p.period)
                    .collect();
                if released.is_empty() {
                    return view! { <NoReleaseYet/> }.into_any();
                }
                view! { <IndustryBody released cohorts catalogue/> }.into_any()
            }
        })
    };
    view! {
        <section class="page">
            <h1>"Industry benchmarks"</h1>
            <p class="page__lead">
                "Published statistics for every metric of a released quarter. Cells with too few "
                "organisations are held back; "<Link href="/methodology">"see how benchmarks are made"</Link>"."
            </p>
            {move || content().unwrap_or_else(|| view! { <Loading what="the benchmarks"/> }.into_any())}
        </section>
    }
}

#[component]
fn IndustryBody(
    released: Vec<Period>,
    cohorts: Vec<shared::api::CohortInfo>,
    catalogue: Vec<Metric>,
) -> impl IntoView {
    let query = use_query_map();
    let navigate = use_navigate();
    let cohort = use_cohort();
    let logged_in = use_auth().user.with_untracked(Option::is_some);
    let newest = released[0];
    let period = Memo::new(move |_| {
        query
            .read()
            .get("period")
            .and_then(|p| p.parse().ok())
            .unwrap_or(newest)
    });
    let sort = RwSignal::new((SortBy::Function, true));
    let benchmark = load(
        move || (period.get(), cohort.get()),
        |(period, cohort): (Period, CohortKey)| async move { api::benchmark(period, cohort).await },
    );
    let catalogue = StoredValue::new(catalogue);
    let go = move |period: Period, cohort: CohortKey| {
        navigate(
            &format!(
                "/industry?period={period}&cohort={}",
                query_value(&cohort.to_string())
            ),
            Default::default(),
        )
    };
    let go_period = go.clone();

    let table = move || {
        benchmark.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(benchmark) => {
                let (by, ascending) = sort.get();
                let mut rows: Vec<(Metric, BenchmarkCell)> = catalogue.with_value(|c| {
                    c.iter()
                        .filter_map(|metric| Some((metric.clone(), benchmark.cell(&metric.key)?.clone())))
                        .collect()
                });
                match by {
                    SortBy::Metric => rows.sort_by(|a, b| a.0.name.cmp(&b.0.name)),
                    SortBy::Function => rows.sort_by_key(|r| r.0.csf_function),
                    // Rows without a median (held back, or yes/no) stay last either way.
                    SortBy::Median => rows.sort_by(|a, b| match (a.1.p50, b.1.p50) {
                        (Some(x), Some(y)) if ascending => x.total_cmp(&y),
                        (Some(x), Some(y)) => y.total_cmp(&x),
                        (x, y) => y.is_some().cmp(&x.is_some()),
                    }),
                }
                if !ascending && by != SortBy::Median {
                    rows.reverse();
                }
                view! {
                    <p class="cohort-line">
                        {match &benchmark.n_band {
                            Some(band) => format!("{band} organisations in this peer group. Policy {}, k = {}.", benchmark.policy, benchmark.k),
                            None => format!("Too few organisations in this peer group to publish its size. Policy {}, k = {}.", benchmark.policy, benchmark.k),
                        }}
                    </p>
                    <div class="table-scroll" tabindex="0">
                        <table class="table industry-table" data-testid="industry-table">
                            <thead>
                                <tr>
                                    <SortHeader label="Metric" column=SortBy::Metric sort class=""/>
                                    <SortHeader label="CSF" column=SortBy::Function sort class=""/>
                                    <th class="num">"Organisations"</th>
                                    <th class="num">"P10"</th>
                                    <th class="num">"P25"</th>
                                    <SortHeader label="Median" column=SortBy::Median sort class="num"/>
                                    <th class="num">"P75"</th>
                                    <th class="num">"P90"</th>
                                    <th class="num">"Mean"</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|(metric, cell)| {
                                    let key = metric.key.clone();
                                    let name = metric.name.clone();
                                    let function = metric.csf_function.code();
                                    if cell.suppressed {
                                        view! {
                                            <tr data-metric=key class="suppressed-row">
                                                <td>{name}</td><td>{function}</td>
                                                <td colspan="7" class="muted">"not enough peers · "<Link href="/methodology">"why?"</Link></td>
                                            </tr>
                                        }.into_any()
                                    } else {
                                        let fmt = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| metric_value(&metric, v));
                                        view! {
                                            <tr data-metric=key>
                                                <td>{name}</td><td>{function}</td>
                                                <td class="num">{cell.n_band.clone().unwrap_or_default()}</td>
                                                <td class="num">{fmt(cell.p10)}</td>
                                                <td class="num">{fmt(cell.p25)}</td>
                                                <td class="num" data-testid="median">{fmt(cell.p50)}</td>
                                                <td class="num">{fmt(cell.p75)}</td>
                                                <td class="num">{fmt(cell.p90)}</td>
                                                <td class="num">{cell_mean(&metric, cell.mean, cell.share_band.as_deref())}</td>
                                            </tr>
                                        }.into_any()
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                .into_any()
            }
        })
    };

    view! {
        <div class="dashboard__controls">
            <label class="field field--inline">
                <span class="field__label">"Quarter"</span>
                <select data-testid="period-picker" prop:value=move || period.get().to_string()
                    on:change=move |ev| if let Ok(p) = event_target_value(&ev).parse() { go_period(p, cohort.get_untracked()) }>
                    {released.iter().map(|p| view! { <option value=p.to_string()>{p.to_string()}</option> }).collect_view()}
                </select>
            </label>
            <CohortPicker cohorts selected=cohort disabled=!logged_in
                on_change=move |c: CohortKey| go(period.get_untracked(), c)/>
            <Show when=move || !logged_in>
                <span class="hint">"Log in to compare peer groups."</span>
            </Show>
        </div>
        {move || logged_in.then(|| {
            let query = format!("&period={}&cohort={}", period.get(), query_value(&cohort.get().to_string()));
            view! { <Downloads table="industry" query what="This table"/> }
        })}
        {move || table().unwrap_or_else(|| view! { <Loading what="the benchmarks"/> }.into_any())}
    }
}

/// A column header that sorts the table; `aria-sort` sits on the header cell, where assistive
/// technology reads it.
#[component]
fn SortHeader(
    label: &'static str,
    column: SortBy,
    sort: RwSignal<(SortBy, bool)>,
    class: &'static str,
) -> impl IntoView {
    let state = move || match sort.get() {
        (by, true) if by == column => "ascending",
        (by, false) if by == column => "descending",
        _ => "none",
    };
    view! {
        <th class=class aria-sort=state>
            <button class="sort" on:click=move |_| sort.update(|(by, ascending)| {
                if *by == column { *ascending = !*ascending } else { *by = column; *ascending = true }
            })>
                {label}
                <span aria-hidden="true">{move || match state() { "ascending" => " ▲", "descending" => " ▼", _ => "" }}</span>
            </button>
        </th>
    }
}
