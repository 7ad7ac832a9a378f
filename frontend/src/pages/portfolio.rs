//! "Supplier portfolio", for client reviewers: every BPO that shared an attestation with the
//! reviewer's client organisation, accepted once, then each supplier's latest attestation side
//! by side: quarter, peer group, state, expiry, the standard it follows met or missed, and each
//! metric's position among the published peers.

use std::collections::BTreeSet;

use leptos::prelude::*;
use shared::account::Role;
use shared::attestation::AttestationClaims;
use shared::catalogue::{self, CATALOGUE};
use shared::client::{AttestationState, Portfolio, PortfolioAttestation, Supplier, SupplierStatus};
use shared::format::timestamp;

use crate::api::{self, ApiError};
use crate::components::{ErrorNotice, Loading, RequireRole, load};

#[component]
pub fn PortfolioPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let portfolio = load(move || version.get(), |_| api::portfolio());
    let error = RwSignal::new(None::<ApiError>);
    let decide = move |org_id: i64, accept: bool| {
        leptos::task::spawn_local(async move {
            match api::decide_supplier(org_id, accept).await {
                Ok(_) => {
                    error.set(None);
                    version.update(|v| *v += 1);
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let body = move || {
        portfolio.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(portfolio) => view! { <PortfolioView portfolio decide/> }.into_any(),
        })
    };
    view! {
        <RequireRole roles=&[Role::ClientReviewer]>
            <section class="page">
                <h1>"Supplier portfolio"</h1>
                {move || error.get().map(|error| view! { <ErrorNotice error/> })}
                {move || body().unwrap_or_else(|| view! { <Loading what="your portfolio"/> }.into_any())}
            </section>
        </RequireRole>
    }
}

#[component]
fn PortfolioView(
    portfolio: Portfolio,
    decide: impl Fn(i64, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let Portfolio {
        client,
        address,
        suppliers,
    } = portfolio;
    let lead = format!(
        "The attestations your BPO suppliers share with {} at {address}. PeerPosture signed each one; what they show of their own figures is their choice, and the peer figures are published statistics only.",
        client.name
    );
    let (accepted, others): (Vec<Supplier>, Vec<Supplier>) = suppliers
        .into_iter()
        .partition(|s| s.status == SupplierStatus::Accepted);
    let (pending, declined): (Vec<Supplier>, Vec<Supplier>) = others
        .into_iter()
        .partition(|s| s.status == SupplierStatus::Pending);
    let nothing_yet = accepted.is_empty() && pending.is_empty() && declined.is_empty();
    view! {
        <p class="page__lead">{lead}</p>
        {(!pending.is_empty()).then(|| view! {
            <section class="card" data-testid="pending-suppliers">
                <h2>"Waiting for you"</h2>
                <p class="hint">"These organisations shared with you for the first time. Accept one to see what it sends you, now and later; decline to hide it."</p>
                <ul class="plain-list">
                    {pending.into_iter().map(|supplier| decision_item(supplier, decide)).collect_view()}
                </ul>
            </section>
        })}
        {nothing_yet.then(|| view! {
            <p class="empty" data-testid="portfolio-empty">{format!("No supplier has shared an attestation with {} yet. Give your BPO suppliers your address, {address}: they name it when they share one on PeerPosture.", client.name)}</p>
        })}
        {(!accepted.is_empty()).then(|| view! {
            <Suppliers suppliers=accepted.clone()/>
            <Positions suppliers=accepted/>
            <p class="downloads" data-testid="downloads-portfolio">
                "This portfolio, a row per supplier and metric: "
                <a href="/api/v1/portfolio/export?format=csv" download rel="external">"CSV"</a>
                " · "
                <a href="/api/v1/portfolio/export?format=xlsx" download rel="external">"Excel"</a>
            </p>
        })}
        {(!declined.is_empty()).then(|| view! {
            <section class="card card--muted">
                <h2>"Declined"</h2>
                <ul class="plain-list">
                    {declined.into_iter().map(|supplier| decision_item(supplier, decide)).collect_view()}
                </ul>
            </section>
        })}
    }
}

fn decision_item(
    supplier: Supplier,
    decide: impl Fn(i64, bool) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let id = supplier.org.id;
    let pending = supplier.status == SupplierStatus::Pending;
    let sent = match supplier.shared {
        1 => "1 attestation".to_owned(),
        n => format!("{n} attestations"),
    };
    view! {
        <li class="decision" data-testid="supplier-decision">
            <span><strong>{supplier.org.name}</strong>{format!(" shared {sent}, the first on {}.", timestamp(&supplier.first_shared_at))}</span>
            <span class="decision__actions">
                <button type="button" class="button button--primary button--small" on:click=move |_| decide(id, true)>"Accept"</button>
                {pending.then(|| view! { <button type="button" class="button button--small" on:click=move |_| decide(id, false)>"Decline"</button> })}
            </span>
        </li>
    }
}

/// The newest attestation a supplier sent that shows its content, else its newest.
fn latest(supplier: &Supplier) -> Option<&PortfolioAttestation> {
    supplier
        .attestations
        .iter()
        .find(|a| a.claims.is_some())
        .or(supplier.attestations.first())
}

fn state_badge(state: AttestationState) -> impl IntoView {
    let class = match state {
        AttestationState::Valid => "status status--met",
        AttestationState::Expiring => "status status--warn",
        AttestationState::Expired | AttestationState::Revoked => "status status--ended",
    };
    view! { <span class=class data-testid="attestation-state">{state.label()}</span> }
}

fn requirements(claims: &AttestationClaims) -> String {
    match &claims.standard {
        Some(standard) => {
            let met = standard
                .requirements
                .iter()
                .filter(|r| r.met == Some(true))
                .count();
            format!(
                "{met} of {} ({} v{})",
                standard.requirements.len(),
                standard.name,
                standard.version
            )
        }
        None => "no standard followed".to_owned(),
    }
}

#[component]
fn Suppliers(suppliers: Vec<Supplier>) -> impl IntoView {
    let rows = suppliers
        .into_iter()
        .map(|supplier| {
            let name = supplier.org.name.clone();
            let count = supplier.attestations.len();
            match latest(&supplier).cloned() {
                None => view! {
                    <tr data-testid="supplier-row"><td>{name}</td><td colspan="5" class="muted">"nothing received yet"</td></tr>
                }
                .into_any(),
                Some(attestation) => view! {
                    <tr data-testid="supplier-row">
                        <td>{name}<br/><span class="hint">{format!("{count} received")}</span></td>
                        <td>{attestation.period.to_string()}</td>
                        <td>{attestation.cohort.label()}</td>
                        <td>{state_badge(attestation.state)}</td>
                        <td>{timestamp(&attestation.expires_at)}</td>
                        <td>{attestation.claims.as_ref().map_or_else(|| "withheld (revoked or expired)".to_owned(), requirements)}</td>
                    </tr>
                }
                .into_any(),
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Suppliers"</h2>
            <p class="hint">"Each supplier's latest attestation. \u{201c}Expiring\u{201d} means within 30 days; a revoked one, or an expired one its supplier did not keep readable, shows no content."</p>
            <div class="table-scroll" tabindex="0">
                <table class="table" data-testid="portfolio">
                    <thead><tr>
                        <th scope="col">"Supplier"</th><th scope="col">"Quarter"</th><th scope="col">"Peer group"</th>
                        <th scope="col">"Status"</th><th scope="col">"Expires"</th><th scope="col">"Requirements met"</th>
                    </tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
}

/// Each metric's position among the published peers, supplier by supplier.
#[component]
fn Positions(suppliers: Vec<Supplier>) -> impl IntoView {
    let shown: Vec<(String, AttestationClaims)> = suppliers
        .iter()
        .filter_map(|s| {
            latest(s)
                .and_then(|a| a.claims.clone())
                .map(|c| (s.org.name.clone(), c))
        })
        .collect();
    if shown.is_empty() {
        return ().into_any();
    }
    let keys: BTreeSet<usize> = shown
        .iter()
        .flat_map(|(_, claims)| claims.metrics.iter())
        .filter_map(|m| CATALOGUE.iter().position(|c| c.key == m.metric))
        .collect();
    let headers = shown
        .iter()
        .map(|(name, _)| view! { <th scope="col">{name.clone()}</th> })
        .collect_view();
    let rows = keys
        .into_iter()
        .map(|index| {
            let metric = &CATALOGUE[index];
            let cells = shown
                .iter()
                .map(|(_, claims)| {
                    let attested = claims.metrics.iter().find(|m| m.metric == metric.key);
                    let text = match attested {
                        None => "—".to_owned(),
                        Some(m) if m.suppressed => "peers held back".to_owned(),
                        Some(m) => {
                            let value = m
                                .value
                                .map(|v| {
                                    format!(
                                        "{}, ",
                                        catalogue::find(&m.metric).map_or(String::new(), |c| {
                                            shared::format::metric_value(c, v.number())
                                        })
                                    )
                                })
                                .unwrap_or_default();
                            let median = m
                                .p50
                                .map(|p| {
                                    format!(" (median {})", shared::format::metric_value(metric, p))
                                })
                                .unwrap_or_default();
                            format!("{value}{}{median}", m.band.as_deref().unwrap_or("no band"))
                        }
                    };
                    view! { <td>{text}</td> }
                })
                .collect_view();
            view! { <tr><th scope="row" class="metric-name">{metric.name.clone()}</th>{cells}</tr> }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Positions among peers"</h2>
            <p class="hint">"Where each supplier's value falls among the published percentiles of the peer group its attestation names (the value itself only when the supplier chose to show it), with that group's median."</p>
            <div class="table-scroll" tabindex="0">
                <table class="table table--compact" data-testid="positions">
                    <thead><tr><th scope="col">"Metric"</th>{headers}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
