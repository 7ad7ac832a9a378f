//! The improvement roadmap: the organisation's open gaps in the latest released quarter,
//! ranked by what closing them buys, each with its target, its progress and what peers did
//! about it; and the form member admins save targets with.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use shared::Period;
use shared::account::Role;
use shared::api::{CohortInfo, PeriodStatus};
use shared::catalogue::{Direction, Metric, MetricValue, Unit};
use shared::cohort::CohortKey;
use shared::format::{metric_value, ordinal, value_text};
use shared::plan::{DUE_MAX_QUARTERS, Progress, Roadmap, RoadmapItem, Target, TargetInput};

use crate::api::{self, query_value};
use crate::components::{
    CohortPicker, Downloads, ErrorNotice, FieldError, Form, FormFailure, Link, Loading,
    NoReleaseYet, RequireRole, latest_released, load, load_basics, use_auth, use_cohort,
};

#[component]
pub fn RoadmapPage() -> impl IntoView {
    view! {
        <RequireRole roles=&[Role::MemberAdmin, Role::MemberViewer]>
            <section class="page roadmap">
                {move || {
                    let basics = load_basics();
                    move || basics.get().map(|result| match result {
                        Err(error) => view! { <ErrorNotice error/> }.into_any(),
                        Ok((periods, cohorts, catalogue)) => match latest_released(&periods) {
                            None => view! { <h1>"Improvement roadmap"</h1><NoReleaseYet/> }.into_any(),
                            Some(period) => {
                                let current = periods.iter().filter(|p| p.status == PeriodStatus::Open).map(|p| p.period).max().unwrap_or(period.next());
                                view! { <RoadmapBody period current cohorts catalogue/> }.into_any()
                            }
                        },
                    }).unwrap_or_else(|| view! { <Loading what="your roadmap"/> }.into_any())
                }}
            </section>
        </RequireRole>
    }
}

/// What the target form starts from: a metric, and a value from the what-if or a saved target.
#[derive(Debug, Clone, Default, PartialEq)]
struct Draft {
    metric: String,
    value: String,
    owner: String,
    due: String,
}

#[component]
fn RoadmapBody(
    period: Period,
    current: Period,
    cohorts: Vec<CohortInfo>,
    catalogue: Vec<Metric>,
) -> impl IntoView {
    let cohort = use_cohort();
    let navigate = use_navigate();
    let query = use_query_map();
    let version = RwSignal::new(0u32);
    let data = load(
        move || (cohort.get(), version.get()),
        |(key, _): (CohortKey, u32)| async move { api::roadmap(key).await },
    );
    let catalogue = StoredValue::new(catalogue);
    let can_edit = use_auth().role() == Some(Role::MemberAdmin);
    let draft = RwSignal::new(query.with_untracked(|q| Draft {
        metric: q.get("metric").unwrap_or_default(),
        value: q.get("value").unwrap_or_default(),
        owner: String::new(),
        due: current.next().to_string(),
    }));
    // Bumped when the draft is replaced (Edit): the inputs show the new draft then, and never
    // write back over what is being typed.
    let replaced = RwSignal::new(0u32);
    let edit = move |target: &Target| {
        replaced.update(|n| *n += 1);
        draft.set(Draft {
            metric: target.metric.clone(),
            value: match target.value {
                MetricValue::Bool(yes) => u8::from(yes).to_string(),
                MetricValue::Number(n) => n.to_string(),
            },
            owner: target.owner.clone(),
            due: target.due.to_string(),
        });
        let _ = window().location().set_hash("target-form");
    };
    let picker = cohorts.clone();
    let cohort_label = move || {
        cohorts
            .iter()
            .find(|c| c.key == cohort.get())
            .map_or_else(String::new, |c| c.label.clone())
    };
    let body = move || {
        data.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(roadmap) => {
                view! { <RoadmapView roadmap catalogue can_edit edit version/> }.into_any()
            }
        })
    };
    let export = move || format!("&cohort={}", query_value(&cohort.get().to_string()));
    view! {
        <header class="dashboard__head">
            <div>
                <h1>"Improvement roadmap"</h1>
                <p class="page__lead">
                    {format!("Your open gaps in {period}, ranked by what closing them buys, against ")}
                    <strong>{cohort_label}</strong>
                </p>
            </div>
            <div class="dashboard__controls">
                <CohortPicker cohorts=picker selected=cohort on_change=move |key: CohortKey| {
                    navigate(&format!("/roadmap?cohort={}", query_value(&key.to_string())), Default::default())
                }/>
            </div>
        </header>
        {can_edit.then(|| view! { <TargetForm draft replaced current catalogue version/> })}
        {move || body().unwrap_or_else(|| view! { <Loading what="your roadmap"/> }.into_any())}
        {move || view! { <Downloads table="roadmap" query=export() what="The roadmap"/> }}
    }
}

/// Member admins save a target: metric, value, owner, due quarter.
#[component]
fn TargetForm(
    draft: RwSignal<Draft>,
    replaced: RwSignal<u32>,
    current: Period,
    catalogue: StoredValue<Vec<Metric>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let form = Form::new();
    let saved = RwSignal::new(None::<String>);
    let field = move |get: fn(&Draft) -> String, set: fn(&mut Draft, String)| {
        (
            move || {
                replaced.track();
                draft.with_untracked(get)
            },
            move |ev| draft.update(|d| set(d, event_target_value(&ev))),
        )
    };
    let (metric_value_of, on_metric) = field(|d| d.metric.clone(), |d, v| d.metric = v);
    let (value_of, on_value) = field(|d| d.value.clone(), |d, v| d.value = v);
    let (owner_of, on_owner) = field(|d| d.owner.clone(), |d, v| d.owner = v);
    let (due_of, on_due) = field(|d| d.due.clone(), |d, v| d.due = v);
    // Only a change of metric (not every keystroke) redraws the value input.
    let metric_key = Memo::new(move |_| draft.with(|d| d.metric.clone()));
    let chosen = move || {
        let key = metric_key.get();
        catalogue.with_value(|c| c.iter().find(|m| m.key == key).cloned())
    };
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let d = draft.get_untracked();
        let Some(metric) = chosen() else {
            return;
        };
        let value = if metric.unit == Unit::Boolean {
            MetricValue::Bool(d.value == "1")
        } else {
            MetricValue::Number(d.value.trim().parse().unwrap_or(f64::NAN))
        };
        let Ok(due) = d.due.parse::<Period>() else {
            return;
        };
        let input = TargetInput {
            value,
            owner: d.owner.clone(),
            due,
        };
        saved.set(None);
        let key = metric.key.clone();
        form.send(
            async move { api::save_target(&key, &input).await },
            move |target| {
                saved.set(Some(format!(
                    "Saved: {} by {} ({}).",
                    metric.name, target.due, target.owner
                )));
                version.update(|v| *v += 1);
            },
        );
    };
    let dues: Vec<Period> = (0..=DUE_MAX_QUARTERS)
        .scan(current, |p, _| {
            let this = *p;
            *p = p.next();
            Some(this)
        })
        .collect();
    let value_input = move || match chosen() {
        Some(m) if m.unit == Unit::Boolean => view! {
            <select name="value" prop:value=value_of on:change=on_value>
                <option value="">"choose"</option>
                <option value="1">"yes"</option>
                <option value="0">"no"</option>
            </select>
        }
        .into_any(),
        m => {
            let step = m
                .as_ref()
                .map_or(1.0, |m| 10f64.powi(-i32::from(m.precision)));
            view! {
                <input type="number" name="value" required step=step.to_string() inputmode="decimal"
                    min=m.as_ref().map(|m| m.min) max=m.as_ref().map(|m| m.max)
                    prop:value=value_of on:input=on_value/>
            }
            .into_any()
        }
    };
    view! {
        <section class="card" id="target-form">
            <h2>"Set a target"</h2>
            <p class="hint">"A target is your organisation's own: only your members see it. Progress is measured against your value in the latest released quarter when you save it."</p>
            <form class="form form--grid" on:submit=submit data-testid="target-form">
                <label class="field">
                    <span class="field__label">"Metric"</span>
                    <select name="metric" required prop:value=metric_value_of on:change=on_metric>
                        <option value="">"Choose a metric"</option>
                        {catalogue.with_value(|c| c.iter().filter(|m| m.direction != Direction::Context).map(|m| {
                            let key = m.key.clone();
                            let chosen = move || metric_key.with(|m| *m == key);
                            view! { <option value=m.key.clone() selected=chosen>{m.name.clone()}</option> }
                        }).collect_view())}
                    </select>
                    <FieldError message=form.field("metric")/>
                </label>
                <label class="field">
                    <span class="field__label">{move || chosen().map_or_else(|| "Target".to_owned(), |m| format!("Target ({})", m.unit.label()))}</span>
                    {value_input}
                    <FieldError message=form.field("value")/>
                </label>
                <label class="field">
                    <span class="field__label">"Owner"</span>
                    <input type="text" name="owner" required maxlength="80" placeholder="e.g. Head of IT security" prop:value=owner_of on:input=on_owner/>
                    <FieldError message=form.field("owner")/>
                </label>
                <label class="field">
                    <span class="field__label">"Due"</span>
                    <select name="due" prop:value=due_of on:change=on_due>
                        {dues.into_iter().map(|p| {
                            let chosen = move || draft.with(|d| d.due == p.to_string());
                            view! { <option value=p.to_string() selected=chosen>{p.to_string()}</option> }
                        }).collect_view()}
                    </select>
                    <FieldError message=form.field("due")/>
                </label>
                <div class="form__actions">
                    <button type="submit" class="button" disabled=move || form.busy()>"Save target"</button>
                </div>
            </form>
            <FormFailure form/>
            {move || saved.get().map(|text| view! { <p class="notice" role="status" data-testid="target-saved">{text}</p> })}
        </section>
    }
}

fn progress_badge(item: &RoadmapItem) -> Option<AnyView> {
    let progress = item.progress?;
    let class = match progress {
        Progress::Met | Progress::Improved => "status status--met",
        Progress::Slipped => "status status--missed",
        _ => "status",
    };
    let overdue = item
        .overdue
        .then(|| view! { " " <span class="status status--missed">"Overdue"</span> });
    Some(view! { <span class=class>{progress.label()}</span>{overdue} }.into_any())
}

#[component]
fn RoadmapView(
    roadmap: Roadmap,
    catalogue: StoredValue<Vec<Metric>>,
    can_edit: bool,
    edit: impl Fn(&Target) + Copy + Send + Sync + 'static,
    version: RwSignal<u32>,
) -> impl IntoView {
    let standard = roadmap.standard.clone().map_or_else(
        || view! {
            <p class="hint">"Your organisation follows no standard, so gaps are ranked by standing alone. "
            <Link href="/standards">"Choose the standard you follow"</Link></p>
        }.into_any(),
        |s| view! { <p class="hint">{format!("Requirements come from {} (v{}). Gaps are ranked by the requirements closing them would newly meet, then by the lowest standing, then by the weakest CSF function.", s.name, s.version)}</p> }.into_any(),
    );
    let cohort = roadmap.cohort.to_string();
    let gaps = roadmap.gaps.into_iter().enumerate().map(|(index, item)| {
        view! { <GapCard rank=Some(index + 1) item catalogue can_edit edit version cohort=cohort.clone()/> }
    }).collect_view();
    let met = roadmap.met.into_iter().map(|item| {
        view! { <GapCard rank=None item catalogue can_edit edit version cohort=cohort.clone()/> }
    }).collect_view();
    let (no_gaps, no_met) = (gaps.is_empty(), met.is_empty());
    view! {
        <section class="card">
            <h2>"Open gaps"</h2>
            {standard}
            {no_gaps.then(|| view! { <p class="empty">"No open gaps: you meet your targets and your standard, and no ranked metric trails the peer median."</p> })}
            <ol class="roadmap__list" data-testid="roadmap-gaps">{gaps}</ol>
        </section>
        {(!no_met).then(|| view! {
            <section class="card">
                <h2>"Targets met"</h2>
                <ul class="roadmap__list" data-testid="roadmap-met">{met}</ul>
            </section>
        })}
    }
}

#[component]
fn GapCard(
    rank: Option<usize>,
    item: RoadmapItem,
    catalogue: StoredValue<Vec<Metric>>,
    can_edit: bool,
    edit: impl Fn(&Target) + Copy + Send + Sync + 'static,
    version: RwSignal<u32>,
    cohort: String,
) -> impl IntoView {
    let Some(metric) = catalogue.with_value(|c| c.iter().find(|m| m.key == item.metric).cloned())
    else {
        return ().into_any();
    };
    let fmt = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), |v| metric_value(&metric, v));
    let standing = item.standing.map_or_else(
        || "no position".to_owned(),
        |s| format!("about the {} percentile", ordinal(s)),
    );
    // Yes/no metrics publish only the share answering yes: no median, no position.
    let now = if metric.unit == Unit::Boolean {
        format!("You: {}", value_text(&metric, item.value))
    } else {
        format!(
            "You: {} · peer median: {} · {standing}",
            value_text(&metric, item.value),
            fmt(item.median)
        )
    };
    let goal = item.goal.map(|goal| {
        let mut text = format!(
            "Goal: {} ({})",
            metric_value(&metric, goal),
            item.goal_source.label()
        );
        if item.newly_met > 0 {
            text += &format!(
                " · meets {} more requirement{}",
                item.newly_met,
                if item.newly_met == 1 { "" } else { "s" }
            );
        }
        if let Some(s) = item.standing_at_goal {
            text += &format!(" · about the {} percentile", ordinal(s));
        }
        text
    });
    let target = item.target.clone().map(|target| {
        let shown = metric_value(&metric, target.value.number());
        let shown = if metric.unit == Unit::Boolean { value_text(&metric, Some(target.value)) } else { shown };
        let since = match (target.baseline_period, target.baseline) {
            (Some(p), Some(b)) => format!(" · {} in {p} when set", value_text(&metric, Some(b))),
            _ => String::new(),
        };
        let key = target.metric.clone();
        let remove = move |_| {
            let key = key.clone();
            leptos::task::spawn_local(async move {
                if api::delete_target(&key).await.is_ok() {
                    version.update(|v| *v += 1);
                }
            });
        };
        let for_edit = target.clone();
        view! {
            <p class="roadmap__target" data-testid="roadmap-target">
                {format!("Target {shown} by {} · owner: {}{since} ", target.due, target.owner)}
                {progress_badge(&item)}
            </p>
            {can_edit.then(|| view! {
                <p class="roadmap__actions">
                    <button type="button" class="button button--ghost" on:click=move |_| edit(&for_edit)>"Edit target"</button>
                    <button type="button" class="button button--ghost" on:click=remove>"Delete target"</button>
                </p>
            })}
        }
    });
    let practices = if item.practices.is_empty() {
        view! { <p class="hint">"No published practice for this metric yet. "<Link href="/practices/new">"Share what you did"</Link></p> }.into_any()
    } else {
        view! {
            <ul class="practice-links">
                {item.practices.clone().into_iter().map(|p| view! {
                    <li>
                        <Link href=format!("/practices/{}", p.id)>{p.title}</Link>
                        <span class="hint">{match p.adoptions { 0 => String::new(), 1 => " · adopted by 1 organisation".to_owned(), n => format!(" · adopted by {n} organisations") }}</span>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any()
    };
    let href = format!(
        "/dashboard/metric/{}?cohort={}",
        metric.key,
        query_value(&cohort)
    );
    view! {
        <li class="roadmap__item" data-metric=metric.key.clone()>
            <div class="roadmap__head">
                {rank.map(|r| view! { <span class="roadmap__rank">{r}</span> })}
                <Link href=href>{metric.name.clone()}</Link>
                <span class="badge">{item.function.name()}</span>
                {(item.requirements_missed > 0).then(|| view! { <span class="status status--missed">{format!("{} requirement{} missed", item.requirements_missed, if item.requirements_missed == 1 { "" } else { "s" })}</span> })}
            </div>
            <p class="standing-list__values">{now}</p>
            {goal.map(|g| view! { <p class="roadmap__goal">{g}</p> })}
            {target}
            <details class="roadmap__practices" open=rank.is_some_and(|r| r <= 3)>
                <summary>"What peers did about it"</summary>
                {practices}
            </details>
        </li>
    }
    .into_any()
}
