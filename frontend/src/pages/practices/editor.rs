//! Writing a practice (member admins and publishers), or editing an own one that is not yet
//! published, which submits it for review again.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::account::Role;
use shared::catalogue::{CsfFunction, Metric};
use shared::practice::{Attribution, CSF_CATEGORIES, Practice, PracticeDraft};
use shared::standard::Tier;

use super::WRITERS;
use crate::api::{self, ApiError};
use crate::components::{
    ErrorNotice, FieldError, Form, FormFailure, Link, Loading, RequireRole, load, use_auth, use_go,
    use_id_param,
};

#[component]
pub fn PracticeEditorPage() -> impl IntoView {
    let editing = use_id_param();
    let start = load(editing, |id| async move {
        let catalogue = api::catalogue().await?.metrics;
        let existing = match id {
            Some(id) => Some(api::practice(id).await?),
            None => None,
        };
        Ok::<_, ApiError>((existing, catalogue))
    });
    view! {
        <RequireRole roles=WRITERS>
            <section class="page page--reading">
                {move || match start.get() {
                    None => view! { <Loading what="the editor"/> }.into_any(),
                    Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
                    Some(Ok((existing, catalogue))) => view! { <PracticeForm existing catalogue/> }.into_any(),
                }}
            </section>
        </RequireRole>
    }
}

/// A checkbox that adds `key` to the set when ticked and removes it when not.
fn key_checkbox(
    set: RwSignal<Vec<String>>,
    name: &'static str,
    key: String,
    label: String,
) -> impl IntoView {
    let checked = set.with_untracked(|keys| keys.contains(&key));
    let value = key.clone();
    let toggle = move |ev| {
        let on = event_target_checked(&ev);
        set.update(|keys| {
            keys.retain(|k| *k != key);
            if on {
                keys.push(key.clone());
            }
        });
    };
    view! {
        <label class="check">
            <input type="checkbox" name=name value=value checked=checked on:change=toggle/>
            {label}
        </label>
    }
}

#[component]
fn PracticeForm(existing: Option<Practice>, catalogue: Vec<Metric>) -> impl IntoView {
    let is_member = use_auth().role() == Some(Role::MemberAdmin);
    let id = existing.as_ref().map(|p| p.summary.id);
    let text =
        |f: fn(&Practice) -> String| RwSignal::new(existing.as_ref().map(f).unwrap_or_default());
    let title = text(|p| p.summary.title.clone());
    let problem = text(|p| p.problem.clone());
    let solution = text(|p| p.solution.clone());
    let result = text(|p| p.result.clone());
    let metrics = RwSignal::new(
        existing
            .as_ref()
            .map(|p| p.summary.metrics.clone())
            .unwrap_or_default(),
    );
    let categories = RwSignal::new(
        existing
            .as_ref()
            .map(|p| p.summary.csf_categories.clone())
            .unwrap_or_default(),
    );
    let advanced = RwSignal::new(
        existing
            .as_ref()
            .is_some_and(|p| p.summary.tier == Tier::Advanced),
    );
    let anonymous = RwSignal::new(
        existing
            .as_ref()
            .is_some_and(|p| p.summary.attribution == Attribution::Anonymous),
    );
    let form = Form::new();
    let go = use_go();
    let field = move |name: &'static str| {
        Signal::derive(move || {
            form.with_fields(|e| {
                e.iter()
                    .find(|(key, _)| *key == name || key.starts_with(&format!("{name}[")))
                    .map(|(_, message)| message.clone())
            })
        })
    };
    let save = move |event: SubmitEvent| {
        event.prevent_default();
        let draft = PracticeDraft {
            title: title.get_untracked(),
            problem: problem.get_untracked(),
            solution: solution.get_untracked(),
            result: result.get_untracked(),
            metrics: metrics.get_untracked(),
            csf_categories: categories.get_untracked(),
            tier: if advanced.get_untracked() {
                Tier::Advanced
            } else {
                Tier::Baseline
            },
            attribution: if anonymous.get_untracked() {
                Attribution::Anonymous
            } else {
                Attribution::Named
            },
        };
        let go = go.clone();
        form.send(
            async move { api::save_practice(id, &draft).await },
            move |saved| go(&format!("/practices/{}", saved.summary.id)),
        );
    };
    let metric_boxes = CsfFunction::ALL
        .into_iter()
        .map(|function| {
            let boxes = catalogue
                .iter()
                .filter(|m| m.csf_function == function)
                .map(|m| key_checkbox(metrics, "metric", m.key.clone(), m.name.clone()))
                .collect_view();
            view! { <div class="check-group"><strong>{function.name()}</strong>{boxes}</div> }
        })
        .collect_view();
    let category_boxes = CSF_CATEGORIES
        .iter()
        .map(|&(code, name)| {
            key_checkbox(
                categories,
                "category",
                code.to_owned(),
                format!("{code} {name}"),
            )
        })
        .collect_view();
    let markdown_hint = "Markdown: **bold**, *italic*, lists with -, links [text](https://…). HTML is shown as text.";
    view! {
        <p class="breadcrumb"><Link href="/practices">"Best practices"</Link></p>
        <h1>{if id.is_some() { "Edit and resubmit" } else { "Write a practice" }}</h1>
        <p class="page__lead">"A publisher reviews every practice before it reaches the library. You will see its status under “Your practices”."</p>
        <form class="form" on:submit=save novalidate>
            <label class="field">
                <span class="field__label">"Title"</span>
                <input type="text" name="title" maxlength="140" placeholder="e.g. Passkeys on agent laptops, rolled out by site" bind:value=title/>
                <FieldError message=field("title")/>
            </label>
            <label class="field">
                <span class="field__label">"The problem"</span>
                <textarea name="problem" rows="4" bind:value=problem></textarea>
                <FieldError message=field("problem")/>
            </label>
            <label class="field">
                <span class="field__label">"What we did"</span>
                <textarea name="solution" rows="6" bind:value=solution></textarea>
                <FieldError message=field("solution")/>
            </label>
            <label class="field">
                <span class="field__label">"The result"</span>
                <textarea name="result" rows="3" bind:value=result></textarea>
                <FieldError message=field("result")/>
            </label>
            <p class="hint">{markdown_hint}</p>
            <fieldset class="field">
                <legend class="field__label">"Metrics it moves"</legend>
                <div class="check-list">{metric_boxes}</div>
                <FieldError message=field("metrics")/>
            </fieldset>
            <fieldset class="field">
                <legend class="field__label">"NIST CSF 2.0 categories"</legend>
                <div class="check-list">{category_boxes}</div>
                <FieldError message=field("csf_categories")/>
            </fieldset>
            <label class="check">
                <input type="checkbox" name="advanced" prop:checked=advanced on:change=move |ev| advanced.set(event_target_checked(&ev))/>
                "Advanced tier (beyond the baseline)"
            </label>
            {is_member.then(|| view! {
                <label class="check">
                    <input type="checkbox" name="anonymous" prop:checked=anonymous on:change=move |ev| anonymous.set(event_target_checked(&ev))/>
                    "Publish anonymously: other members will not see our organisation's name"
                </label>
            })}
            <div class="form-actions">
                <button type="submit" class="button button--primary" disabled=move || form.busy() data-testid="submit-practice">"Submit for review"</button>
            </div>
            <FormFailure form/>
        </form>
    }
}
