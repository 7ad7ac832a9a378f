//! What-if: move one of your values and see at once where it would land among the published
//! peer percentiles, how your CSF function's standing changes, and how many requirements of
//! the followed standard it would meet. Computed in the browser with `shared::plan::what_if`
//! (the server's position function) from published statistics only; nothing is sent.

use std::collections::BTreeMap;

use leptos::prelude::*;
use shared::account::Role;
use shared::benchmark::{Benchmark, MetricPosition};
use shared::catalogue::{Direction, Metric, MetricValue, Unit};
use shared::format::{metric_value, ordinal};
use shared::plan::what_if;
use shared::standard::Standard;

use super::{Link, load_once, use_auth};
use crate::api;

fn placed(position: &MetricPosition) -> String {
    match (&position.band, position.standing) {
        (Some(band), Some(standing)) => {
            format!("{band}, about the {} percentile", ordinal(standing))
        }
        _ => "not placed".to_owned(),
    }
}

fn arrow<T: PartialEq>(before: T, after: T, text: impl Fn(T) -> String) -> String {
    if before == after {
        format!("{} (unchanged)", text(after))
    } else {
        format!("{} → {}", text(before), text(after))
    }
}

/// The what-if card. `fixed` keeps it on one metric (the metric page); otherwise the member
/// picks any ranked metric with published statistics.
#[component]
pub fn WhatIf(
    benchmark: Benchmark,
    own: BTreeMap<String, f64>,
    catalogue: StoredValue<Vec<Metric>>,
    #[prop(optional)] fixed: Option<String>,
) -> impl IntoView {
    let choices: Vec<Metric> = catalogue.with_value(|c| {
        c.iter()
            .filter(|m| m.direction != Direction::Context)
            .filter(|m| benchmark.cell(&m.key).is_some_and(|cell| !cell.suppressed))
            .filter(|m| fixed.as_ref().is_none_or(|key| *key == m.key))
            .cloned()
            .collect()
    });
    let Some(first) = choices
        .iter()
        .find(|m| m.key == "mfa_coverage")
        .or(choices.first())
        .cloned()
    else {
        return ().into_any();
    };
    let standard = load_once(|| async {
        match api::followed_standard().await?.standard_id {
            Some(id) => api::standard(id).await.map(Some),
            None => Ok::<Option<Standard>, api::ApiError>(None),
        }
    });
    let can_save = use_auth().role() == Some(Role::MemberAdmin);
    let choices = StoredValue::new(choices);
    let all = catalogue;
    let (benchmark, own) = (StoredValue::new(benchmark), StoredValue::new(own));
    let start = move |m: &Metric| {
        let value = own.with_value(|o| o.get(&m.key).copied());
        let median = benchmark.with_value(|b| b.cell(&m.key).and_then(|c| c.p50));
        value
            .or(median)
            .map_or_else(String::new, |v| m.round(v).to_string())
    };
    let metric = RwSignal::new(first.clone());
    let value = RwSignal::new(start(&first));
    let on_metric = move |ev| {
        let key = event_target_value(&ev);
        if let Some(m) = choices.with_value(|c| c.iter().find(|m| m.key == key).cloned()) {
            value.set(start(&m));
            metric.set(m);
        }
    };
    let result = move || {
        let m = metric.get();
        let number = match (m.unit, value.get().trim()) {
            (Unit::Boolean, text) => MetricValue::Bool(text == "1"),
            (_, text) => MetricValue::Number(text.parse().ok()?),
        };
        let number = match m.validate(number) {
            Ok(number) => number,
            // "The value must be between 0 and 100 %.", "… must be a whole number."
            Err(error) => return Some(Err(format!("The value {error}."))),
        };
        let standard = standard.get().and_then(Result::ok).flatten();
        let requirements = standard.as_ref().map_or(&[][..], |s| &s.requirements[..]);
        let moved = benchmark.with_value(|b| {
            own.with_value(|o| all.with_value(|c| what_if(b, o, requirements, c, (&m.key, number))))
        })?;
        let posture = arrow(moved.function_before, moved.function_after, |s| {
            s.map_or_else(|| "—".to_owned(), |s| format!("{s:.0}"))
        });
        let met = standard.map(|s| {
            let total = s.requirements.len();
            let counts = if moved.met_before == moved.met_after {
                format!("{} of {total} met (unchanged)", moved.met_after)
            } else {
                format!("{} → {} of {total} met", moved.met_before, moved.met_after)
            };
            format!("{counts} · {} v{}", s.name, s.version)
        });
        Some(Ok((
            arrow(placed(&moved.before), placed(&moved.after), |t| t),
            (moved.function.name(), posture),
            met,
            number,
        )))
    };
    let input = move || {
        let m = metric.get();
        if m.unit == Unit::Boolean {
            view! {
                <select id="what-if-value" prop:value=move || { metric.track(); value.get_untracked() } on:change=move |ev| value.set(event_target_value(&ev))>
                    <option value="1">"yes"</option>
                    <option value="0">"no"</option>
                </select>
            }
            .into_any()
        } else {
            let step = 10f64.powi(-i32::from(m.precision)).to_string();
            view! {
                <input id="what-if-value" type="number" min=m.min max=m.max step=step inputmode="decimal"
                    prop:value=move || { metric.track(); value.get_untracked() } on:input=move |ev| value.set(event_target_value(&ev))/>
            }
            .into_any()
        }
    };
    view! {
        <section class="card what-if" data-testid="what-if">
            <h2>"What if?"</h2>
            <p class="hint">"Move a value to see where it would land among the published peer percentiles. Worked out in your browser from published statistics: nothing is sent or saved."</p>
            <div class="what-if__controls">
                <label for="what-if-metric">"Metric"
                    <select id="what-if-metric" on:change=on_metric disabled=choices.with_value(|c| c.len() == 1)>
                        {choices.with_value(|c| c.iter().map(|m| view! {
                            <option value=m.key.clone() selected=m.key == first.key>{m.name.clone()}</option>
                        }).collect_view())}
                    </select>
                </label>
                <label for="what-if-value">{move || format!("Value ({})", metric.get().unit.label())}{input}</label>
            </div>
            <div aria-live="polite">
                {move || match result() {
                    None => view! { <p class="empty">"Enter a value."</p> }.into_any(),
                    Some(Err(message)) => view! { <p class="field-error">{message}</p> }.into_any(),
                    Some(Ok((position, (function, posture), met, number))) => {
                        let href = format!("/roadmap?metric={}&value={number}", metric.get_untracked().key);
                        let shown = metric.with_untracked(|m| metric_value(m, number));
                        view! {
                            <dl class="what-if__result">
                                <div><dt>{format!("At {shown}")}</dt><dd data-testid="what-if-position">{position}</dd></div>
                                <div><dt>{format!("{function} posture")}</dt><dd data-testid="what-if-posture">{posture}</dd></div>
                                {met.map(|met| view! { <div><dt>"Requirements"</dt><dd data-testid="what-if-requirements">{met}</dd></div> })}
                            </dl>
                            {can_save.then(|| view! { <Link href=href class="button button--primary">"Save as a target…"</Link> })}
                        }
                        .into_any()
                    }
                }}
            </div>
        </section>
    }
    .into_any()
}
