//! "Releases", for publishers and admins: set the open quarter's submission deadline, see who
//! has submitted, and release a quarter, which freezes it and publishes its benchmarks under
//! the anonymity policy.

use leptos::prelude::*;
use shared::account::Role;
use shared::api::PeriodStatus;
use shared::benchmark::ReleaseSummary;
use shared::format::timestamp;

use leptos::ev::SubmitEvent;
use shared::Period;
use shared::participation::{Participation, ParticipationStatus};

use crate::api;
use crate::components::{ErrorNotice, FieldError, Form, FormFailure, Loading, RequireRole, load};

#[component]
pub fn ReleasesPage() -> impl IntoView {
    view! {
        <RequireRole roles=&[Role::Publisher, Role::Admin]>
            <Releases/>
        </RequireRole>
    }
}

#[component]
fn Releases() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let periods = load(move || version.get(), |_| api::periods());
    let released = RwSignal::new(None::<ReleaseSummary>);
    let form = Form::new();
    let release = move |period: String| {
        let confirmed = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(&format!(
                    "Release {period}? Its benchmarks are computed once and published; members can no longer change their {period} values."
                ))
                .ok()
            })
            .unwrap_or(false);
        if !confirmed {
            return;
        }
        let Ok(period) = period.parse::<shared::Period>() else {
            return;
        };
        form.send(api::release(period), move |summary| {
            released.set(Some(summary));
            version.update(|v| *v += 1);
        });
    };
    let table = move || {
        periods.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(periods) => view! {
                <table class="table" data-testid="periods-table">
                    <thead><tr><th>"Quarter"</th><th>"Status"</th><th>"Deadline"</th><th>"Released"</th><th></th></tr></thead>
                    <tbody>
                        {periods.into_iter().rev().map(|p| {
                            let period = p.period.to_string();
                            let (label, target) = (period.clone(), period.clone());
                            let open = p.status == PeriodStatus::Open;
                            view! {
                                <tr data-period=period>
                                    <td>{label}</td>
                                    <td>{if open { "open for submissions" } else { "released" }}</td>
                                    <td data-testid="deadline">{p.deadline.as_deref().map_or_else(|| "—".to_owned(), timestamp)}</td>
                                    <td>{p.released_at.as_deref().map_or_else(|| "—".to_owned(), timestamp)}</td>
                                    <td>{open.then(|| view! {
                                        <button class="button button--small" disabled=move || form.busy() on:click=move |_| release(target.clone())>"Release"</button>
                                    })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }
            .into_any(),
        })
    };
    view! {
        <section class="page">
            <h1>"Releases"</h1>
            <p class="page__lead">
                "Releasing a quarter freezes it: the benchmark of every peer group and metric is computed once "
                "from verified organisations' latest values, under the anonymity policy, and published. "
                "Late data goes to the next quarter."
            </p>
            {move || released.get().map(|s| view! {
                <p class="notice notice--ok" role="status" data-testid="release-summary">
                    {format!("{} released: {} cells published, {} held back (policy {}, k = {}).",
                        s.period, s.cells_published, s.cells_suppressed, s.policy, s.k)}
                </p>
            })}
            {move || form.failure().map(|error| view! { <ErrorNotice error/> })}
            <PendingVerifications/>
            {move || periods.get().and_then(Result::ok).and_then(|periods| {
                periods.iter().rev().find(|p| p.status == PeriodStatus::Open).map(|p| {
                    let period = p.period;
                    view! {
                        <DeadlineForm period current=p.deadline.clone() version/>
                        <ParticipationView period version/>
                    }
                })
            })}
            <section class="card">
                <div class="table-scroll" tabindex="0">
                    {move || table().unwrap_or_else(|| view! { <Loading what="the quarters"/> }.into_any())}
                </div>
            </section>
        </section>
    }
}

/// Organisations an admin proposed to verify, waiting for a second person: publishers and the
/// other admins confirm here (anonymity policy v3: no one party manufactures contributors).
#[component]
fn PendingVerifications() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let orgs = load(move || version.get(), |_| api::orgs());
    let me = crate::components::use_auth()
        .user
        .get_untracked()
        .map(|user| user.id);
    let error = RwSignal::new(None::<api::ApiError>);
    let verify = move |id: i64| {
        leptos::task::spawn_local(async move {
            match api::verify_org(id).await {
                Ok(_) => {
                    error.set(None);
                    version.update(|v| *v += 1);
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let body = move || {
        orgs.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(orgs) => {
                let pending: Vec<_> = orgs
                    .into_iter()
                    .filter(|o| !o.verified && o.proposed_by.is_some())
                    .collect();
                if pending.is_empty() {
                    return view! { <p class="empty">"No verification is waiting for a second person."</p> }.into_any();
                }
                view! {
                    <div class="table-scroll" tabindex="0">
                        <table class="table table--compact" data-testid="pending-verifications">
                            <thead><tr><th>"Organisation"</th><th>"Seats"</th><th>"Region"</th><th>"Delivery"</th><th></th></tr></thead>
                            <tbody>
                                {pending.into_iter().map(|org| {
                                    let status = crate::pages::admin::verification_status(&org, me, verify);
                                    view! {
                                        <tr>
                                            <td>{org.name}</td>
                                            <td>{org.seat_band.label()}</td>
                                            <td>{org.region.label()}</td>
                                            <td>{org.delivery.label()}</td>
                                            <td>{status}</td>
                                        </tr>
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
        <section class="card" data-testid="verifications">
            <h2>"Verifications waiting for a second person"</h2>
            <p class="hint">"An admin proposed these organisations. Confirm only those you know to be real contact centers: once verified, an organisation counts from the release after next."</p>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || body().unwrap_or_else(|| view! { <Loading what="verifications"/> }.into_any())}
        </section>
    }
}

/// Sets or moves the open quarter's deadline: a date, due by its end (UTC).
#[component]
fn DeadlineForm(period: Period, current: Option<String>, version: RwSignal<u32>) -> impl IntoView {
    let due = RwSignal::new(
        current
            .as_deref()
            .map_or_else(String::new, |d| d[..10].to_owned()),
    );
    let form = Form::new();
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        form.send(api::set_deadline(period, due.get_untracked()), move |_| {
            version.update(|v| *v += 1);
        });
    };
    let said = match &current {
        Some(at) => format!(
            "Submissions for {period} are due by {}. Saves after it still count until release; they are marked late below.",
            timestamp(at)
        ),
        None => format!(
            "No deadline is set for {period}. Members see it on their overview and submission form once set."
        ),
    };
    view! {
        <section class="card">
            <h2>{format!("Deadline for {period}")}</h2>
            <p data-testid="deadline-status">{said}</p>
            <form class="form form--inline" on:submit=submit data-testid="deadline-form">
                <label class="field">
                    <span class="field__label">"Due by the end of (UTC)"</span>
                    <input type="date" name="due" required bind:value=due/>
                    <FieldError message=form.field("due")/>
                </label>
                <div class="form__actions">
                    <button type="submit" class="button" disabled=move || form.busy()>
                        {if current.is_some() { "Move the deadline" } else { "Set the deadline" }}
                    </button>
                </div>
            </form>
            <FormFailure form/>
        </section>
    }
}

/// Verified members by how far they have submitted, per cohort, and which have not.
#[component]
fn ParticipationView(period: Period, version: RwSignal<u32>) -> impl IntoView {
    let data = load(move || version.get(), move |_| api::participation(period));
    let body = move || {
        data.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(view) => participation_view(view).into_any(),
        })
    };
    view! {
        <section class="card" data-testid="participation">
            <h2>{format!("Participation in {period}")}</h2>
            <p class="hint">"Verified members only, counted in bands (never exactly, for anyone). Which organisations have not submitted is shown to publishers and admins while the quarter is open, never to members."</p>
            {move || body().unwrap_or_else(|| view! { <Loading what="participation"/> }.into_any())}
        </section>
    }
}

fn participation_view(view: Participation) -> impl IntoView {
    let all = view.counts.first().cloned();
    let summary = all.map(|c| {
        format!(
            "{} of {} verified members have submitted.",
            c.submitted, c.verified
        )
    });
    let counts = view
        .counts
        .into_iter()
        .skip(1)
        .map(|c| {
            view! {
                <tr>
                    <td>{c.cohort.label()}</td>
                    <td class="num">{c.submitted}</td>
                    <td class="num">{c.verified}</td>
                </tr>
            }
        })
        .collect_view();
    let chase: Vec<_> = view
        .organisations
        .into_iter()
        .filter(|o| o.status != ParticipationStatus::Complete || o.late)
        .collect();
    let none_to_chase = chase.is_empty();
    let rows = chase
        .into_iter()
        .map(|o| {
            view! {
                <tr>
                    <td>{o.name}</td>
                    <td>{o.status.label()}{o.late.then_some(" · late")}</td>
                    <td class="num">{o.metrics}</td>
                    <td>{o.last_saved_at.as_deref().map_or_else(|| "—".to_owned(), timestamp)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p data-testid="participation-summary"><strong>{summary}</strong></p>
        <details class="chart-table">
            <summary>"By peer group"</summary>
            <div class="table-scroll" tabindex="0">
                <table class="table table--compact">
                    <thead><tr><th>"Peer group"</th><th class="num">"Submitted"</th><th class="num">"Verified members"</th></tr></thead>
                    <tbody>{counts}</tbody>
                </table>
            </div>
        </details>
        <h3>"To chase"</h3>
        {none_to_chase.then(|| view! { <p class="empty">"Every verified member has submitted every metric on time."</p> })}
        <div class="table-scroll" tabindex="0">
            <table class="table table--compact" data-testid="to-chase">
                <thead><tr><th>"Organisation"</th><th>"Status"</th><th class="num">"Metrics"</th><th>"Last saved"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
