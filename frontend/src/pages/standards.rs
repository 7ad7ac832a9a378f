//! Industry standards: the published list (public), one standard with its requirements and,
//! for members, their compliance; publishers write drafts, publish them and start new versions.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::account::Role;
use shared::api::PeriodStatus;
use shared::catalogue::{Direction, Metric};
use shared::cohort::CohortKey;
use shared::format::timestamp;
use shared::standard::{Compliance, Standard, StandardStatus, Tier, requirement_text};

use crate::api::{self, ApiError};
use crate::components::{
    CohortPicker, ComplianceTable, Downloads, ErrorNotice, Form, Link, Loading, load, load_once,
    met_summary, use_auth, use_go, use_id_param,
};

pub use editor::StandardEditorPage;

mod editor;

/// " 5 baseline and 3 advanced requirements", " 2 baseline requirements".
fn requirement_counts(baseline: usize, advanced: usize) -> String {
    let plural = |n: usize| {
        if n == 1 {
            "requirement"
        } else {
            "requirements"
        }
    };
    match (baseline, advanced) {
        (b, 0) => format!(" {b} baseline {}", plural(b)),
        (0, a) => format!(" {a} advanced {}", plural(a)),
        (b, a) => format!(" {b} baseline and {a} advanced {}", plural(a)),
    }
}

fn is_publisher() -> bool {
    use_auth()
        .role()
        .is_some_and(|r| matches!(r, Role::Publisher | Role::Admin))
}

#[component]
pub fn StandardsPage() -> impl IntoView {
    let auth = use_auth();
    // Publishers see their drafts too: reload once the session is known.
    let standards = load(
        move || auth.user.get().map(|u| u.role),
        |_| api::standards(),
    );
    let list = move || {
        standards.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(list) if list.is_empty() => view! {
                <div class="card empty-state"><p>"No standard has been published yet."</p></div>
            }
            .into_any(),
            Ok(list) => list
                .into_iter()
                .map(|s| {
                    let baseline = s.requirements.iter().filter(|r| r.tier == Tier::Baseline).count();
                    let advanced = s.requirements.len() - baseline;
                    let published = s.published_at.as_deref().map(timestamp);
                    view! {
                        <article class="card standard-card" data-testid="standard-card">
                            <h2><Link href=format!("/standards/{}", s.id)>{format!("{} (v{})", s.name, s.version)}</Link></h2>
                            <p>
                                <span class=format!("badge badge--{}", s.status.key())>{s.status.label()}</span>
                                {requirement_counts(baseline, advanced)}
                                {published.map(|at| format!(" · published {at}"))}
                            </p>
                        </article>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };
    view! {
        <section class="page">
            <header class="dashboard__head">
                <div>
                    <h1>"Standards"</h1>
                    <p class="page__lead">
                        "Baselines published by industry groups: requirements on the benchmark's metrics, "
                        "each with its rationale and references. Members see which they meet, and how many "
                        "of their peers do."
                    </p>
                </div>
                <Show when=is_publisher>
                    <Link href="/standards/new" class="button button--primary">"New standard"</Link>
                </Show>
            </header>
            {move || list().unwrap_or_else(|| view! { <Loading what="the standards"/> }.into_any())}
        </section>
    }
}

#[component]
pub fn StandardPage() -> impl IntoView {
    let id = use_id_param();
    let id = move || id().unwrap_or(0);
    let version = RwSignal::new(0u32);
    let data = load(
        move || (id(), version.get()),
        |(id, _)| async move {
            let (standard, catalogue) = (api::standard(id), api::catalogue());
            Ok::<_, ApiError>((standard.await?, catalogue.await?.metrics))
        },
    );
    view! {
        <section class="page">
            {move || match data.get() {
                None => view! { <Loading what="the standard"/> }.into_any(),
                Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
                Some(Ok((standard, catalogue))) => {
                    view! { <StandardView standard catalogue=StoredValue::new(catalogue) version/> }.into_any()
                }
            }}
        </section>
    }
}

#[component]
fn StandardView(
    standard: Standard,
    catalogue: StoredValue<Vec<Metric>>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let auth = use_auth();
    let role = auth.role();
    let id = standard.id;
    let status = standard.status;
    let error = RwSignal::new(None::<ApiError>);
    let go = use_go();
    let publish = move |_| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(
                    "Publish this standard? A published version never changes; later changes make a new version.",
                )
                .ok()
            })
            .unwrap_or(false);
        if confirmed {
            leptos::task::spawn_local(async move {
                match api::publish_standard(id).await {
                    Ok(_) => version.update(|v| *v += 1),
                    Err(failure) => error.set(Some(failure)),
                }
            });
        }
    };
    let new_version = move |_| go(&format!("/standards/new?supersedes={id}"));
    let publisher_actions = matches!(role, Some(Role::Publisher | Role::Admin)).then(|| match status {
        StandardStatus::Draft => view! {
            <div class="form-actions">
                <Link href=format!("/standards/{id}/edit") class="button">"Edit draft"</Link>
                <button class="button button--primary" data-testid="publish-standard" on:click=publish>"Publish"</button>
            </div>
        }
        .into_any(),
        StandardStatus::Published => view! {
            <div class="form-actions">
                <button class="button" data-testid="new-version" on:click=new_version>"Start the next version"</button>
            </div>
        }
        .into_any(),
        StandardStatus::Superseded => ().into_any(),
    });
    let rows = standard
        .requirements
        .iter()
        .map(|r| {
            let text = catalogue.with_value(|c| {
                c.iter()
                    .find(|m| m.key == r.metric)
                    .map_or_else(|| r.metric.clone(), |m| requirement_text(m, r))
            });
            view! {
                <tr>
                    <td><strong>{text}</strong></td>
                    <td>{r.tier.label()}</td>
                    <td>{r.rationale.clone()}</td>
                    <td>{r.references.join(" · ")}</td>
                </tr>
            }
        })
        .collect_view();
    let is_member = role.is_some_and(Role::is_member);
    view! {
        <header class="dashboard__head">
            <div>
                <p class="breadcrumb"><Link href="/standards">"Standards"</Link></p>
                <h1 data-testid="standard-name">{format!("{} (v{})", standard.name, standard.version)}</h1>
                <p class="page__lead">
                    <span class=format!("badge badge--{}", status.key()) data-testid="standard-status">{status.label()}</span>
                    {standard.published_at.as_deref().map(|at| format!(" Published {}.", timestamp(at)))}
                    {standard.supersedes.map(|previous| view! {
                        " Supersedes "<Link href=format!("/standards/{previous}")>"the previous version"</Link>"."
                    })}
                </p>
            </div>
            {publisher_actions}
        </header>
        {move || error.get().map(|error| view! { <ErrorNotice error/> })}
        {(!standard.change_log.is_empty()).then(|| view! {
            <section class="card"><h2>"What changed"</h2><p class="prewrap">{standard.change_log.clone()}</p></section>
        })}
        {(is_member && status != StandardStatus::Draft).then(|| view! { <YourCompliance id catalogue/> })}
        <section class="card">
            <h2>"Requirements"</h2>
            <div class="table-scroll" tabindex="0">
                <table class="table" data-testid="requirements-table">
                    <thead><tr><th>"Requirement"</th><th>"Tier"</th><th>"Why"</th><th>"References"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// The member's compliance in a released quarter and peer group, and the choice to follow
/// this standard on the dashboard.
#[component]
fn YourCompliance(id: i64, catalogue: StoredValue<Vec<Metric>>) -> impl IntoView {
    let basics = load_once(|| async {
        let (periods, cohorts, followed) =
            (api::periods(), api::cohorts(), api::followed_standard());
        Ok::<_, ApiError>((periods.await?, cohorts.await?, followed.await?.standard_id))
    });
    // The peer group in `?cohort=`; without one, the server picks the member's size band.
    let query = use_query_map();
    let chosen = Memo::new(move |_| {
        query
            .read()
            .get("cohort")
            .and_then(|c| c.parse::<CohortKey>().ok())
    });
    let period = RwSignal::new(None::<String>);
    let compliance = load(
        move || {
            (
                period.get().and_then(|p| p.parse::<shared::Period>().ok()),
                chosen.get(),
            )
        },
        move |(period, cohort)| async move {
            match period {
                Some(period) => api::compliance::<Compliance>(id, period, cohort)
                    .await
                    .map(Some),
                None => Ok(None),
            }
        },
    );
    let cohort = Signal::derive(move || {
        chosen.get().unwrap_or_else(|| {
            compliance.with(|c| {
                c.as_ref()
                    .and_then(|r| r.as_ref().ok())
                    .and_then(|c| c.as_ref().map(|c| c.cohort))
                    .unwrap_or(CohortKey::All)
            })
        })
    });
    let followed = RwSignal::new(None::<Option<i64>>);
    let go = use_go();
    let controls = move || {
        basics.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok((periods, cohorts, following)) => {
                let released: Vec<String> = periods
                    .iter()
                    .rev()
                    .filter(|p| p.status == PeriodStatus::Released)
                    .map(|p| p.period.to_string())
                    .collect();
                if period.get_untracked().is_none() {
                    period.set(released.first().cloned());
                }
                if followed.get_untracked().is_none() {
                    followed.set(Some(following));
                }
                let go = go.clone();
                view! {
                    <div class="form form--inline">
                        <label class="field field--inline">
                            <span class="field__label">"Quarter"</span>
                            <select data-testid="compliance-period" on:change=move |ev| period.set(Some(event_target_value(&ev)))>
                                {released.into_iter().map(|p| view! { <option value=p.clone()>{p.clone()}</option> }).collect_view()}
                            </select>
                        </label>
                        <CohortPicker cohorts selected=cohort on_change=move |key: CohortKey| {
                            go(&format!("/standards/{id}?cohort={}", api::query_value(&key.to_string())))
                        }/>
                    </div>
                }
                .into_any()
            }
        })
    };
    let table = move || {
        compliance.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(None) => view! { <p class="empty">"No quarter has been released yet."</p> }.into_any(),
            Ok(Some(compliance)) => {
                let export = format!(
                    "&standard={}&period={}&cohort={}",
                    compliance.standard_id,
                    compliance.period,
                    crate::api::query_value(&compliance.cohort.to_string())
                );
                view! {
                {compliance.newer_version.map(|newer| view! {
                    <p class="notice" data-testid="newer-version">
                        "This version has been superseded. "
                        <Link href=format!("/standards/{newer}")>"The current version"</Link>
                    </p>
                })}
                <p class="compliance-summary" data-testid="compliance-summary">{met_summary(&compliance)}</p>
                <ComplianceTable compliance catalogue/>
                <Downloads table="compliance" query=export what="Your compliance"/>
                <p class="hint">
                    "Shares are computed from the organisations the quarter's release froze and shown in bands "
                    "of at least 10 points. A share is held back where its benchmark cell is, and where fewer "
                    "than k organisations meet or fewer than k miss the requirement (“too few on one side”), "
                    "so that no share points at a few members. "
                    <Link href="/methodology">"How benchmarks are made"</Link>
                </p>
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="card" data-testid="your-compliance">
            <h2>"Your compliance"</h2>
            <FollowLine id followed/>
            {move || controls().unwrap_or_else(|| view! { <Loading what="quarters"/> }.into_any())}
            {move || table().unwrap_or_else(|| view! { <Loading what="your compliance"/> }.into_any())}
        </section>
    }
}

/// Whether the organisation follows standard `id` (once known), and for member admins the
/// button that follows it, or stops following it.
#[component]
fn FollowLine(id: i64, followed: RwSignal<Option<Option<i64>>>) -> impl IntoView {
    let can_follow = use_auth().role() == Some(Role::MemberAdmin);
    let form = Form::new();
    let follow = move |standard_id: Option<i64>| {
        form.send(api::follow_standard(standard_id), move |answer| {
            followed.set(Some(answer.standard_id));
        });
    };
    let line = move || {
        let following = followed.get()?;
        Some(if following == Some(id) {
            view! {
                <p class="notice notice--ok" data-testid="following">
                    "Your dashboard shows your compliance with this standard. "
                    {can_follow.then(|| view! { <button class="button button--small" on:click=move |_| follow(None)>"Stop following"</button> })}
                </p>
            }
            .into_any()
        } else if can_follow {
            view! {
                <p>
                    <button class="button" data-testid="follow-standard" on:click=move |_| follow(Some(id))>
                        "Follow this standard on our dashboard"
                    </button>
                </p>
            }
            .into_any()
        } else {
            ().into_any()
        })
    };
    view! {
        {line}
        {move || form.failure().map(|error| view! { <ErrorNotice error/> })}
    }
}

/// Metrics a requirement may be set on: everything but context metrics.
pub fn requirement_metrics(catalogue: &[Metric]) -> Vec<Metric> {
    catalogue
        .iter()
        .filter(|m| m.direction != Direction::Context)
        .cloned()
        .collect()
}
