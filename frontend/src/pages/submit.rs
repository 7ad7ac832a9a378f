//! "Our data": the organisation's submission for a period, as a form generated from the
//! catalogue, with CSV upload and the history of saves.

use std::collections::BTreeMap;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::account::Role;
use shared::api::{Catalogue, PeriodInfo, PeriodStatus};
use shared::catalogue::{CsfFunction, Metric, MetricValue, Unit};
use shared::format::{group_thousands, timestamp};
use shared::submission::{Submission, SubmittedValue};
use web_sys::wasm_bindgen::JsCast;

use crate::api;
use crate::components::{ErrorNotice, FieldError, Loading, RequireRole, load, load_once, use_auth};

#[component]
pub fn SubmitPage() -> impl IntoView {
    view! {
        <RequireRole roles=&[Role::MemberAdmin, Role::MemberViewer]>
            <SubmitContent/>
        </RequireRole>
    }
}

#[component]
fn SubmitContent() -> impl IntoView {
    let catalogue = load_once(api::catalogue);
    let periods = load_once(api::periods);
    let content = move || {
        let catalogue = catalogue.get()?;
        let periods = periods.get()?;
        Some(match (catalogue, periods) {
            (Ok(catalogue), Ok(periods)) => {
                view! { <SubmissionForm catalogue periods/> }.into_any()
            }
            (Err(error), _) | (_, Err(error)) => view! { <ErrorNotice error/> }.into_any(),
        })
    };
    view! {
        <section class="page">
            <h1>"Our data"</h1>
            <p class="page__lead">
                "Your organisation's metrics for a reporting period. Only your organisation ever sees "
                "these values; benchmarks publish statistics over many organisations once a period is released."
            </p>
            {move || content().unwrap_or_else(|| view! { <Loading what="your submission"/> }.into_any())}
        </section>
    }
}

/// The text in a form field for a stored value.
fn input_text(value: &MetricValue) -> String {
    match value {
        MetricValue::Bool(true) => "yes".to_owned(),
        MetricValue::Bool(false) => "no".to_owned(),
        MetricValue::Number(number) => number.to_string(),
    }
}

/// Turns the form's text into submitted values; text that is not a number is reported here,
/// everything else is judged by the server.
fn form_values(
    metrics: &[Metric],
    inputs: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, SubmittedValue>, BTreeMap<String, String>> {
    let mut values = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for metric in metrics {
        let Some(text) = inputs
            .get(&metric.key)
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
        else {
            continue;
        };
        let value = match (metric.unit, text) {
            (Unit::Boolean, "yes") => MetricValue::Bool(true),
            (Unit::Boolean, _) => MetricValue::Bool(false),
            (_, text) => match text.parse::<f64>() {
                Ok(number) => MetricValue::Number(number),
                Err(_) => {
                    errors.insert(metric.key.clone(), "must be a number".to_owned());
                    continue;
                }
            },
        };
        values.insert(metric.key.clone(), value.into());
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

#[component]
fn SubmissionForm(catalogue: Catalogue, periods: Vec<PeriodInfo>) -> impl IntoView {
    let auth = use_auth();
    let is_admin = auth.role() == Some(Role::MemberAdmin);
    let open: Vec<String> = periods
        .iter()
        .rev()
        .filter(|p| p.status == PeriodStatus::Open)
        .map(|p| p.period.to_string())
        .collect();
    let period = RwSignal::new(open.first().cloned().unwrap_or_default());
    let deadlines: BTreeMap<String, String> = periods
        .iter()
        .filter_map(|p| Some((p.period.to_string(), p.deadline.clone()?)))
        .collect();
    // `loaded` is what the fields show after a load or save; `inputs` follows the typing. The
    // fields are not re-rendered on every keystroke, which would fight the user's cursor.
    let loaded = RwSignal::new(BTreeMap::<String, String>::new());
    let inputs = RwSignal::new(BTreeMap::<String, String>::new());
    let saved = RwSignal::new(None::<Submission>);
    let errors = RwSignal::new(BTreeMap::<String, String>::new());
    let notice = RwSignal::new(None::<(bool, String)>);
    let load_error = RwSignal::new(None::<api::ApiError>);
    let busy = RwSignal::new(false);
    let history_version = RwSignal::new(0u32);
    let metrics = StoredValue::new(catalogue.metrics.clone());

    let show = move |submission: Submission| {
        let texts: BTreeMap<String, String> = submission
            .values
            .iter()
            .map(|(k, v)| (k.clone(), input_text(v)))
            .collect();
        inputs.set(texts.clone());
        loaded.set(texts);
        saved.set(Some(submission));
    };
    Effect::new(move || {
        let chosen = period.get();
        if chosen.is_empty() {
            return;
        }
        let Ok(chosen) = chosen.parse::<shared::Period>() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match api::submission(chosen).await {
                Ok(submission) => {
                    load_error.set(None);
                    show(submission);
                }
                Err(error) => load_error.set(Some(error)),
            }
        });
    });

    let editable = move || {
        is_admin && saved.with(|s| s.as_ref().is_some_and(|s| s.status == PeriodStatus::Open))
    };
    let save = move |event: SubmitEvent| {
        event.prevent_default();
        notice.set(None);
        let values = match metrics.with_value(|m| form_values(m, &inputs.get_untracked())) {
            Ok(values) => values,
            Err(found) => {
                notice.set(Some((
                    false,
                    "Not saved: some fields are not numbers.".to_owned(),
                )));
                errors.set(found);
                return;
            }
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let Ok(chosen) = period.get_untracked().parse::<shared::Period>() else {
                busy.set(false);
                return;
            };
            match api::save_submission(chosen, values).await {
                Ok(submission) => {
                    errors.set(BTreeMap::new());
                    notice.set(Some((true, saved_message(&submission))));
                    show(submission);
                    history_version.update(|v| *v += 1);
                }
                Err(error) => {
                    let fields = error.fields();
                    let message = if fields.is_empty() {
                        format!("Not saved: {error}")
                    } else {
                        format!(
                            "Not saved: {error}. Nothing was stored; correct the marked fields."
                        )
                    };
                    errors.set(fields);
                    notice.set(Some((false, message)));
                }
            }
            busy.set(false);
        });
    };

    let total = catalogue.metrics.len();
    let filled = move || inputs.with(|m| m.values().filter(|v| !v.trim().is_empty()).count());
    let groups: StoredValue<Vec<(CsfFunction, Vec<Metric>)>> = StoredValue::new(
        CsfFunction::ALL
            .into_iter()
            .map(|f| {
                (
                    f,
                    catalogue
                        .metrics
                        .iter()
                        .filter(|m| m.csf_function == f)
                        .cloned()
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|(_, metrics)| !metrics.is_empty())
            .collect(),
    );

    view! {
        <SubmitBar open period total filled=Signal::derive(filled) saved/>
        <SubmissionNotices deadlines period load_error is_admin saved/>
        <form class="submission" novalidate on:submit=save>
            <MetricGroups groups loaded inputs errors editable=Signal::derive(editable)/>
            <Show when=editable>
                <div class="form-actions">
                    <button type="submit" class="button button--primary" disabled=busy>
                        {move || if busy.get() { "Saving…" } else { "Save progress" }}
                    </button>
                    <span class="hint">"Save as often as you like; you can revise values until the period is released."</span>
                </div>
            </Show>
            {move || notice.get().map(|(ok, message)| view! {
                <p class=if ok { "notice notice--ok" } else { "notice notice--error" } role="status" data-testid="save-notice">{message}</p>
            })}
        </form>
        <Show when=editable>
            <CsvUpload period show history_version/>
        </Show>
        <History version=history_version/>
    }
}

/// The quarter's deadline, why the values cannot be read or changed, when they cannot.
#[component]
fn SubmissionNotices(
    deadlines: BTreeMap<String, String>,
    period: RwSignal<String>,
    load_error: RwSignal<Option<api::ApiError>>,
    is_admin: bool,
    saved: RwSignal<Option<Submission>>,
) -> impl IntoView {
    view! {
    {move || deadlines.get(&period.get()).map(|due| view! {
        <p class="notice" data-testid="deadline">
            {format!("Due by {}. Saves after it still count until the quarter is released, marked late.", timestamp(due))}
        </p>
    })}
    {move || load_error.get().map(|error| view! { <ErrorNotice error/> })}
    <Show when=move || !is_admin>
        <p class="notice">"You can read your organisation's values; your organisation's member admins submit them."</p>
    </Show>
    <Show when=move || saved.with(|s| s.as_ref().is_some_and(|s| s.status == PeriodStatus::Released))>
        <p class="notice">"This period is released: its values are frozen. Late data goes to the next period."</p>
    </Show>
    }
}

/// "Saved: revision …", with the values rounded to their precision named.
fn saved_message(submission: &Submission) -> String {
    format!(
        "Saved: revision {}, {} values.{}",
        submission.revision,
        submission.values.len(),
        match submission.rounded.len() {
            0 => String::new(),
            n => format!(
                " {n} rounded to the precision shown: {}.",
                submission.rounded.join(", ")
            ),
        }
    )
}

/// The quarter picker, how many metrics are filled in, and the last save.
#[component]
fn SubmitBar(
    open: Vec<String>,
    period: RwSignal<String>,
    total: usize,
    filled: Signal<usize>,
    saved: RwSignal<Option<Submission>>,
) -> impl IntoView {
    let filled = move || filled.get();
    view! {
    <div class="submit-bar">
        <label class="field field--inline">
            <span class="field__label">"Period"</span>
            <select on:change=move |ev| period.set(event_target_value(&ev)) prop:value=move || period.get()>
                {open.iter().map(|p| view! { <option value=p.clone()>{p.clone()}</option> }).collect_view()}
            </select>
        </label>
        <div class="progress" data-testid="filled">
            <span class="progress__text">{move || format!("{} of {total} metrics filled in", filled())}</span>
            <span class="progress__bar"><span style:width=move || format!("{}%", filled() * 100 / total.max(1))></span></span>
        </div>
        <p class="hint">"Values are stored rounded to the precision each metric is shown in."</p>
        <p class="saved-line" data-testid="saved-line">
            {move || saved.get().map(|s| match (s.saved_at, s.saved_by) {
                (Some(at), Some(by)) => format!("Last saved {} by {by} (revision {}).", timestamp(&at), s.revision),
                _ => "Nothing saved for this period yet.".to_owned(),
            })}
        </p>
    </div>
    }
}

/// The form's fields by CSF function, re-created on each load or save (never while typing), so
/// every field starts from the stored value.
#[component]
fn MetricGroups(
    groups: StoredValue<Vec<(CsfFunction, Vec<Metric>)>>,
    loaded: RwSignal<BTreeMap<String, String>>,
    inputs: RwSignal<BTreeMap<String, String>>,
    errors: RwSignal<BTreeMap<String, String>>,
    editable: Signal<bool>,
) -> impl IntoView {
    move || {
        let texts = loaded.get();
        groups.with_value(|groups| {
            groups
                .iter()
                .map(|(function, metrics)| view! {
                    <fieldset class="csf-fieldset">
                        <legend><span class="csf-code">{function.code()}</span>{function.name()}</legend>
                        {metrics.iter().map(|metric| {
                            let initial = texts.get(&metric.key).cloned().unwrap_or_default();
                            view! { <MetricField metric=metric.clone() initial inputs errors editable/> }
                        }).collect_view()}
                    </fieldset>
                })
                .collect_view()
        })
    }
}

#[component]
fn MetricField(
    metric: Metric,
    /// The stored value the field starts from.
    initial: String,
    inputs: RwSignal<BTreeMap<String, String>>,
    errors: RwSignal<BTreeMap<String, String>>,
    editable: Signal<bool>,
) -> impl IntoView {
    let key = metric.key.clone();
    let id = format!("metric-{key}");
    let set = {
        let key = key.clone();
        move |text: String| {
            inputs.update(|m| {
                m.insert(key.clone(), text);
            })
        }
    };
    let error = {
        let key = key.clone();
        Signal::derive(move || errors.with(|e| e.get(&key).cloned()))
    };
    let hint = match metric.unit {
        Unit::Boolean => "yes or no".to_owned(),
        unit => format!(
            "{}–{} {}",
            group_thousands(metric.min),
            group_thousands(metric.max),
            unit.label()
        ),
    };
    let input = match metric.unit {
        Unit::Boolean => view! {
            <select id=id.clone() disabled=move || !editable.get()
                on:change=move |ev| set(event_target_value(&ev))>
                <option value="" selected=initial.is_empty()>"—"</option>
                <option value="yes" selected=initial == "yes">"Yes"</option>
                <option value="no" selected=initial == "no">"No"</option>
            </select>
        }
        .into_any(),
        _ => view! {
            <input id=id.clone() type="text" inputmode="decimal" autocomplete="off" value=initial
                disabled=move || !editable.get()
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }
                on:input=move |ev| set(event_target_value(&ev))/>
        }
        .into_any(),
    };
    view! {
        <div class="metric-field" class:metric-field--error=move || error.get().is_some() data-metric=key>
            <label for=id>{metric.name}</label>
            <p class="metric-field__definition">{metric.definition}</p>
            <div class="metric-field__input">{input}<span class="metric-field__unit">{hint}</span></div>
            <FieldError message=error/>
        </div>
    }
}

#[component]
fn CsvUpload(
    period: RwSignal<String>,
    show: impl Fn(Submission) + Copy + 'static,
    history_version: RwSignal<u32>,
) -> impl IntoView {
    let result = RwSignal::new(None::<Result<usize, api::ApiError>>);
    let busy = RwSignal::new(false);
    let on_file = move |event: leptos::ev::Event| {
        let Some(input) = event
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        busy.set(true);
        result.set(None);
        leptos::task::spawn_local(async move {
            let text = wasm_bindgen_futures::JsFuture::from(file.text())
                .await
                .ok()
                .and_then(|t| t.as_string());
            let outcome = match text {
                Some(text) => match period.get_untracked().parse::<shared::Period>() {
                    Ok(chosen) => api::upload_csv(chosen, text).await,
                    Err(_) => return,
                },
                None => Err(api::ApiError::Unexpected(
                    "the file could not be read as text".to_owned(),
                )),
            };
            result.set(Some(outcome.map(|saved| {
                show(saved.submission);
                history_version.update(|v| *v += 1);
                saved.saved
            })));
            input.set_value("");
            busy.set(false);
        });
    };
    view! {
        <section class="card csv-upload">
            <h2>"Upload a CSV"</h2>
            <p>
                "One row per metric with the header "<code>"metric,value"</code>". Booleans as yes or no. "
                "The file is saved completely or not at all. "
                <a href="/api/v1/metrics/template.csv" download="peerposture-template.csv">"Download the template"</a>
                " (every metric key)."
            </p>
            <input type="file" accept=".csv,text/csv" aria-label="CSV file" on:change=on_file disabled=busy/>
            {move || busy.get().then(|| view! { <Loading what="your file"/> })}
            {move || result.get().map(|outcome| match outcome {
                Ok(saved) => view! { <p class="notice notice--ok" role="status">{format!("{saved} values saved.")}</p> }.into_any(),
                Err(error) => {
                    let rows = error.fields();
                    view! {
                        <div class="notice notice--error" role="alert">
                            <strong>"Nothing was saved. "</strong>{error.to_string()}
                            <ul>{rows.into_iter().map(|(row, message)| view! { <li>{row}": "{message}</li> }).collect_view()}</ul>
                        </div>
                    }
                    .into_any()
                }
            })}
        </section>
    }
}

#[component]
fn History(version: RwSignal<u32>) -> impl IntoView {
    let history = load(move || version.get(), |_| api::history());
    let rows = move || {
        history.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(revisions) if revisions.is_empty() => view! { <p class="empty">"No saves yet."</p> }.into_any(),
            Ok(revisions) => view! {
                <table class="table">
                    <thead><tr><th>"Period"</th><th>"Revision"</th><th>"Saved"</th><th>"By"</th><th class="num">"Values"</th></tr></thead>
                    <tbody>
                        {revisions.into_iter().map(|r| view! {
                            <tr>
                                <td>{r.period.to_string()}</td>
                                <td>{r.revision}</td>
                                <td>{timestamp(&r.saved_at)}</td>
                                <td>{r.saved_by}</td>
                                <td class="num">{r.value_count}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        })
    };
    view! {
        <section class="card">
            <h2>"History"</h2>
            <p class="hint">"Every save of your organisation, newest first. Only the latest revision of a period counts."</p>
            {move || rows().unwrap_or_else(|| view! { <Loading what="the history"/> }.into_any())}
        </section>
    }
}
