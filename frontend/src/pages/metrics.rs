use leptos::prelude::*;
use shared::api::Catalogue;
use shared::{CsfFunction, Metric, Unit};

use crate::api;
use crate::components::{ErrorNotice, Loading, load_once};

/// The metric catalogue, grouped by NIST CSF 2.0 function.
#[component]
pub fn MetricsPage() -> impl IntoView {
    let catalogue = load_once(api::catalogue);
    let content = move || {
        catalogue.get().map(|result| match result {
            Ok(catalogue) => view! { <CatalogueView catalogue/> }.into_any(),
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
        })
    };
    view! {
        <section class="page">
            <h1>"Metric catalogue"</h1>
            <p class="page__lead">
                "What every member reports each quarter. Each metric states what is counted, its unit, "
                "which direction is better and the range a value must fall in. Context metrics describe "
                "a member and are never ranked."
            </p>
            {move || content().unwrap_or_else(|| view! { <Loading what="the metric catalogue"/> }.into_any())}
        </section>
    }
}

#[component]
fn CatalogueView(catalogue: Catalogue) -> impl IntoView {
    let total = catalogue.metrics.len();
    let groups: Vec<(CsfFunction, Vec<Metric>)> = CsfFunction::ALL
        .into_iter()
        .map(|function| {
            let metrics = catalogue
                .metrics
                .iter()
                .filter(|m| m.csf_function == function)
                .cloned()
                .collect();
            (function, metrics)
        })
        .filter(|(_, metrics): &(CsfFunction, Vec<Metric>)| !metrics.is_empty())
        .collect();
    view! {
        <p class="catalogue-summary" data-testid="catalogue-summary">
            {format!("{total} metrics · catalogue version {}", catalogue.version)}
        </p>
        <nav class="toc" aria-label="CSF functions">
            {groups
                .iter()
                .map(|(function, metrics)| {
                    view! {
                        <a href=format!("#csf-{}", function.code())>
                            {function.name()} <span class="toc__count">{metrics.len()}</span>
                        </a>
                    }
                })
                .collect_view()}
        </nav>
        {groups
            .into_iter()
            .map(|(function, metrics)| {
                view! {
                    <section class="csf-group" id=format!("csf-{}", function.code())>
                        <h2>
                            <span class="csf-code">{function.code()}</span>
                            {function.name()}
                        </h2>
                        <div class="metric-grid">
                            {metrics.into_iter().map(|metric| view! { <MetricCard metric/> }).collect_view()}
                        </div>
                    </section>
                }
            })
            .collect_view()}
    }
}

#[component]
fn MetricCard(metric: Metric) -> impl IntoView {
    let range = match metric.unit {
        Unit::Boolean => "yes or no".to_owned(),
        unit => format!(
            "{}–{} {}",
            shared::format::group_thousands(metric.min),
            shared::format::group_thousands(metric.max),
            unit.label()
        ),
    };
    let direction_class = format!("badge badge--{}", direction_modifier(metric.direction));
    let key = metric.key.clone();
    view! {
        <article class="metric" data-metric=key>
            <header class="metric__head">
                <h3>{metric.name}</h3>
                <code class="metric__key">{metric.key}</code>
            </header>
            <p class="metric__definition">{metric.definition}</p>
            <dl class="metric__facts">
                <div><dt>"Unit"</dt><dd>{metric.unit.label()}</dd></div>
                <div><dt>"Better"</dt><dd><span class=direction_class>{metric.direction.label()}</span></dd></div>
                <div><dt>"Valid range"</dt><dd>{range}</dd></div>
                <div><dt>"CSF category"</dt><dd>{metric.csf_category}</dd></div>
            </dl>
            <ul class="metric__refs">
                {metric.references.into_iter().map(|reference| view! { <li>{reference}</li> }).collect_view()}
            </ul>
        </article>
    }
}

/// CSS modifier for a direction badge.
fn direction_modifier(direction: shared::Direction) -> &'static str {
    match direction {
        shared::Direction::HigherIsBetter => "up",
        shared::Direction::LowerIsBetter => "down",
        shared::Direction::Context => "context",
    }
}
