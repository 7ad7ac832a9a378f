//! The publisher's editor for a draft standard: new, edited, or the next version of a
//! published one (`/standards/new?supersedes={id}`).

use std::collections::BTreeMap;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::account::Role;
use shared::catalogue::{Metric, MetricValue, Unit};
use shared::standard::{Comparison, Requirement, Standard, StandardDraft, Tier};

use super::requirement_metrics;
use crate::api::{self, ApiError};
use crate::components::{
    ErrorNotice, FieldError, Form, FormFailure, Link, Loading, RequireRole, load, use_go,
    use_id_param,
};

#[component]
pub fn StandardEditorPage() -> impl IntoView {
    view! {
        <RequireRole roles=&[Role::Publisher, Role::Admin]>
            <Editor/>
        </RequireRole>
    }
}

/// What the editor starts from.
#[derive(Debug, Clone)]
struct Start {
    /// The draft being edited, if any.
    id: Option<i64>,
    supersedes: Option<i64>,
    base: Option<Standard>,
    catalogue: Vec<Metric>,
}

#[component]
fn Editor() -> impl IntoView {
    let query = use_query_map();
    let editing = use_id_param();
    let supersedes = move || {
        query
            .read()
            .get("supersedes")
            .and_then(|id| id.parse::<i64>().ok())
    };
    let start = load(
        move || (editing(), supersedes()),
        |(id, supersedes)| async move {
            let catalogue = api::catalogue().await?.metrics;
            let base = match id.or(supersedes) {
                Some(base) => Some(api::standard(base).await?),
                None => None,
            };
            Ok::<_, ApiError>(Start {
                id,
                supersedes: if id.is_some() {
                    base.as_ref().and_then(|b| b.supersedes)
                } else {
                    supersedes
                },
                base,
                catalogue,
            })
        },
    );
    view! {
        <section class="page">
            {move || match start.get() {
                None => view! { <Loading what="the editor"/> }.into_any(),
                Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
                Some(Ok(start)) => view! { <DraftForm start/> }.into_any(),
            }}
        </section>
    }
}

/// One requirement row of the form.
#[derive(Debug, Clone, Copy)]
struct Row {
    key: u32,
    metric: RwSignal<String>,
    comparison: RwSignal<Comparison>,
    threshold: RwSignal<String>,
    tier: RwSignal<Tier>,
    rationale: RwSignal<String>,
    references: RwSignal<String>,
}

impl Row {
    fn new(key: u32, requirement: Option<&Requirement>) -> Self {
        let text = |f: fn(&Requirement) -> String, default: &str| {
            RwSignal::new(requirement.map_or_else(|| default.to_owned(), f))
        };
        Row {
            key,
            metric: text(|r| r.metric.clone(), "mfa_coverage"),
            comparison: RwSignal::new(requirement.map_or(Comparison::AtLeast, |r| r.comparison)),
            threshold: text(
                |r| match r.threshold {
                    MetricValue::Number(n) => n.to_string(),
                    MetricValue::Bool(yes) => if yes { "yes" } else { "no" }.to_owned(),
                },
                "",
            ),
            tier: RwSignal::new(requirement.map_or(Tier::Baseline, |r| r.tier)),
            rationale: text(|r| r.rationale.clone(), ""),
            references: text(|r| r.references.join("\n"), ""),
        }
    }

    /// The requirement as typed; `Err` names the field that cannot be read.
    fn requirement(&self, catalogue: &[Metric]) -> Result<Requirement, (&'static str, String)> {
        let metric = self.metric.get_untracked();
        let unit = catalogue.iter().find(|m| m.key == metric).map(|m| m.unit);
        let raw = self.threshold.get_untracked();
        let threshold = if unit == Some(Unit::Boolean) {
            match raw.trim().to_ascii_lowercase().as_str() {
                "yes" | "true" | "1" => MetricValue::Bool(true),
                "no" | "false" | "0" => MetricValue::Bool(false),
                _ => return Err(("threshold", "enter yes or no".to_owned())),
            }
        } else {
            match raw.trim().replace(',', ".").parse::<f64>() {
                Ok(number) if number.is_finite() => MetricValue::Number(number),
                _ => return Err(("threshold", "enter a number".to_owned())),
            }
        };
        Ok(Requirement {
            metric,
            comparison: self.comparison.get_untracked(),
            threshold,
            tier: self.tier.get_untracked(),
            rationale: self.rationale.get_untracked().trim().to_owned(),
            references: self
                .references
                .get_untracked()
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .map(str::to_owned)
                .collect(),
        })
    }
}

#[component]
fn DraftForm(start: Start) -> impl IntoView {
    let Start {
        id,
        supersedes,
        base,
        catalogue,
    } = start;
    let metrics = StoredValue::new(requirement_metrics(&catalogue));
    let name = RwSignal::new(base.as_ref().map(|b| b.name.clone()).unwrap_or_default());
    // A new version starts with an empty change log; an edited draft keeps its own.
    let change_log = RwSignal::new(
        base.as_ref()
            .filter(|_| id.is_some())
            .map(|b| b.change_log.clone())
            .unwrap_or_default(),
    );
    let next_key = StoredValue::new(0u32);
    let new_row = move |requirement: Option<&Requirement>| {
        let key = next_key.get_value();
        next_key.set_value(key + 1);
        Row::new(key, requirement)
    };
    let initial: Vec<Row> = match &base {
        Some(b) => b.requirements.iter().map(|r| new_row(Some(r))).collect(),
        None => vec![new_row(None)],
    };
    let rows = RwSignal::new(initial);
    let form = Form::new();
    let go = use_go();

    let save = move |event: SubmitEvent| {
        event.prevent_default();
        let mut client_errors = BTreeMap::new();
        let mut requirements = Vec::new();
        for (index, row) in rows.get_untracked().iter().enumerate() {
            match metrics.with_value(|c| row.requirement(c)) {
                Ok(requirement) => requirements.push(requirement),
                Err((name, message)) => {
                    client_errors.insert(format!("requirements[{index}].{name}"), message);
                }
            }
        }
        if !client_errors.is_empty() {
            form.reject(client_errors);
            return;
        }
        let draft = StandardDraft {
            name: name.get_untracked(),
            requirements,
            change_log: change_log.get_untracked(),
            supersedes,
        };
        let go = go.clone();
        form.send(
            async move { api::save_standard(id, &draft).await },
            move |saved| go(&format!("/standards/{}", saved.id)),
        );
    };

    let title = match (id, supersedes) {
        (Some(_), _) => "Edit draft standard",
        (None, Some(_)) => "Next version of a standard",
        (None, None) => "New standard",
    };

    view! {
        <p class="breadcrumb"><Link href="/standards">"Standards"</Link></p>
        <h1>{title}</h1>
        <p class="page__lead">
            "A draft is visible to publishers only. Publishing makes it public and final; "
            "changes after that make a new version with a change log."
        </p>
        <form class="form" on:submit=save novalidate>
            <label class="field">
                <span class="field__label">"Name"</span>
                <input type="text" name="name" required maxlength="120" placeholder="BPO Security Baseline 2027" bind:value=name/>
                <FieldError message=form.field("name")/>
            </label>
            {supersedes.map(|_| view! {
                <label class="field">
                    <span class="field__label">"What changed since the previous version"</span>
                    <textarea name="change_log" rows="3" bind:value=change_log></textarea>
                    <FieldError message=form.field("change_log")/>
                </label>
            })}
            <FieldError message=form.field("requirements")/>
            <For each=move || rows.get() key=|row| row.key children=move |row| view! { <RequirementRow row rows metrics form/> }/>
            <div class="form-actions">
                <button type="button" class="button" on:click=move |_| { let row = new_row(None); rows.update(|rs| rs.push(row)); }>
                    "Add a requirement"
                </button>
                <button type="submit" class="button button--primary" disabled=move || form.busy() data-testid="save-standard">"Save draft"</button>
            </div>
            <FormFailure form/>
            {move || (!form.with_fields(BTreeMap::is_empty)).then(|| view! {
                <p class="notice notice--error" role="alert">"Some fields need attention; see the messages beside them."</p>
            })}
        </form>
    }
}

/// One requirement of the draft, with its messages; removable.
#[component]
fn RequirementRow(
    row: Row,
    rows: RwSignal<Vec<Row>>,
    metrics: StoredValue<Vec<Metric>>,
    form: Form,
) -> impl IntoView {
    let index = move || rows.with(|rs| rs.iter().position(|r| r.key == row.key).unwrap_or(0));
    let error_of = move |name: &'static str| {
        Signal::derive(move || {
            form.with_fields(|e| e.get(&format!("requirements[{}].{name}", index())).cloned())
        })
    };
    let remove = move |_| rows.update(|rs| rs.retain(|r| r.key != row.key));
    view! {
        <fieldset class="card requirement-row" data-testid="requirement-row">
            <legend>{move || format!("Requirement {}", index() + 1)}</legend>
            <div class="form--grid">
                <label class="field">
                    <span class="field__label">"Metric"</span>
                    <select name="metric" prop:value=row.metric on:change=move |ev| row.metric.set(event_target_value(&ev))>
                        {metrics.with_value(|c| c.iter().map(|m| {
                            let selected = row.metric.get_untracked() == m.key;
                            view! { <option value=m.key.clone() selected=selected>{m.name.clone()}</option> }
                        }).collect_view())}
                    </select>
                    <FieldError message=error_of("metric")/>
                </label>
                <label class="field">
                    <span class="field__label">"Comparison"</span>
                    <select name="comparison" prop:value=move || row.comparison.get().key()
                        on:change=move |ev| if let Some(c) = Comparison::from_key(&event_target_value(&ev)) { row.comparison.set(c) }>
                        {Comparison::ALL.iter().map(|c| view! { <option value=c.key()>{c.label()}</option> }).collect_view()}
                    </select>
                    <FieldError message=error_of("comparison")/>
                </label>
                <label class="field">
                    <span class="field__label">"Threshold"</span>
                    <input type="text" name="threshold" inputmode="decimal" placeholder="95, or yes" bind:value=row.threshold/>
                    <FieldError message=error_of("threshold")/>
                </label>
                <label class="field">
                    <span class="field__label">"Tier"</span>
                    <select name="tier" prop:value=move || row.tier.get().key()
                        on:change=move |ev| if let Some(t) = Tier::from_key(&event_target_value(&ev)) { row.tier.set(t) }>
                        {Tier::ALL.iter().map(|t| view! { <option value=t.key()>{t.label()}</option> }).collect_view()}
                    </select>
                </label>
                <label class="field field--wide">
                    <span class="field__label">"Rationale"</span>
                    <textarea name="rationale" rows="2" bind:value=row.rationale></textarea>
                    <FieldError message=error_of("rationale")/>
                </label>
                <label class="field field--wide">
                    <span class="field__label">"References (one per line: PCI DSS, NIST CSF, ISO 27001 clause)"</span>
                    <textarea name="references" rows="2" bind:value=row.references></textarea>
                </label>
            </div>
            <button type="button" class="button button--small" on:click=remove>"Remove requirement"</button>
        </fieldset>
    }
}
