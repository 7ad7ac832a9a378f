//! "Releases", for publishers and admins: release a quarter, which freezes it and publishes
//! its benchmarks under the anonymity policy.

use leptos::prelude::*;
use shared::account::Role;
use shared::api::PeriodStatus;
use shared::benchmark::ReleaseSummary;
use shared::format::timestamp;

use crate::api;
use crate::components::{ErrorNotice, Loading, RequireRole, load};

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
    let error = RwSignal::new(None::<api::ApiError>);
    let busy = RwSignal::new(false);
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
        busy.set(true);
        leptos::task::spawn_local(async move {
            let Ok(period) = period.parse::<shared::Period>() else {
                busy.set(false);
                return;
            };
            match api::release(period).await {
                Ok(summary) => {
                    released.set(Some(summary));
                    error.set(None);
                    version.update(|v| *v += 1);
                }
                Err(failure) => error.set(Some(failure)),
            }
            busy.set(false);
        });
    };
    let table = move || {
        periods.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(periods) => view! {
                <table class="table" data-testid="periods-table">
                    <thead><tr><th>"Quarter"</th><th>"Status"</th><th>"Released"</th><th></th></tr></thead>
                    <tbody>
                        {periods.into_iter().rev().map(|p| {
                            let period = p.period.to_string();
                            let (label, target) = (period.clone(), period.clone());
                            let open = p.status == PeriodStatus::Open;
                            view! {
                                <tr data-period=period>
                                    <td>{label}</td>
                                    <td>{if open { "open for submissions" } else { "released" }}</td>
                                    <td>{p.released_at.as_deref().map_or_else(|| "—".to_owned(), timestamp)}</td>
                                    <td>{open.then(|| view! {
                                        <button class="button button--small" disabled=busy on:click=move |_| release(target.clone())>"Release"</button>
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
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            <section class="card">
                {move || table().unwrap_or_else(|| view! { <Loading what="the quarters"/> }.into_any())}
            </section>
        </section>
    }
}
