//! "Share with a client", for member admins: issue a signed attestation of a released quarter
//! for a named client, hand over its link or `.jws` file, see when each link was opened, and
//! revoke any of them.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::CATALOGUE;
use shared::account::Role;
use shared::api::{CohortInfo, PeriodInfo, PeriodStatus};
use shared::attestation::{
    ATTESTATION_DEFAULT_DAYS, AttestationInfo, AttestationIssued, Disclosure, NewAttestation,
};
use shared::cohort::CohortKey;
use shared::format::timestamp;

use crate::api::{self, ApiError};
use crate::components::{
    ErrorNotice, FieldError, Form, FormFailure, Loading, RequireRole, listing, load, load_once,
};

#[component]
pub fn SharePage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    view! {
        <RequireRole roles=&[Role::MemberAdmin]>
            <section class="page">
                <h1>"Share with a client"</h1>
                <p class="page__lead">
                    "Give a client proof of your security posture that they can check without trusting you or us: "
                    "PeerPosture signs your released figures and the published peer statistics for them, and they open a link that verifies the signature in their browser. "
                    "Nothing about other members is in it beyond published statistics."
                </p>
                <IssueForm version/>
                <Issued version/>
            </section>
        </RequireRole>
    }
}

fn share_url(path: &str) -> String {
    let origin = window().location().origin().unwrap_or_default();
    format!("{origin}{path}")
}

#[component]
fn IssueForm(version: RwSignal<u32>) -> impl IntoView {
    let options = load_once(|| async {
        let periods = api::periods().await?;
        let groups = api::peer_groups().await?;
        Ok::<_, ApiError>((periods, groups))
    });
    let period = RwSignal::new(String::new());
    let cohort = RwSignal::new("all".to_owned());
    let disclosure = RwSignal::new("values".to_owned());
    let audience = RwSignal::new(String::new());
    let days = RwSignal::new(ATTESTATION_DEFAULT_DAYS.to_string());
    let readable_after_expiry = RwSignal::new(false);
    let client_address = RwSignal::new(String::new());
    let chosen = RwSignal::new(Vec::<String>::new());
    let issued = RwSignal::new(None::<AttestationIssued>);
    let sending = Form::new();
    let submit = move |event: SubmitEvent| {
        event.prevent_default();
        let Ok(chosen_period) = period.get_untracked().parse() else {
            return;
        };
        let request = NewAttestation {
            period: chosen_period,
            cohort: cohort.get_untracked().parse().unwrap_or(CohortKey::All),
            metrics: Some(chosen.get_untracked()).filter(|m| !m.is_empty()),
            disclosure: if disclosure.get_untracked() == "bands" {
                Disclosure::Bands
            } else {
                Disclosure::Values
            },
            audience: audience.get_untracked(),
            expires_in_days: days
                .get_untracked()
                .parse()
                .unwrap_or(ATTESTATION_DEFAULT_DAYS),
            readable_after_expiry: readable_after_expiry.get_untracked(),
            client_address: Some(client_address.get_untracked().trim().to_owned())
                .filter(|address| !address.is_empty()),
        };
        sending.send(
            async move { api::issue_attestation(&request).await },
            move |attestation| {
                issued.set(Some(attestation));
                audience.set(String::new());
                client_address.set(String::new());
                version.update(|v| *v += 1);
            },
        );
    };
    let form = move |(periods, groups): (Vec<PeriodInfo>, Vec<CohortInfo>)| {
        let released: Vec<PeriodInfo> = periods
            .into_iter()
            .rev()
            .filter(|p| p.status == PeriodStatus::Released)
            .collect();
        if released.is_empty() {
            return view! { <p class="empty">"No quarter is released yet: attestations rest on released figures."</p> }.into_any();
        }
        if period.get_untracked().is_empty() {
            period.set(released[0].period.to_string());
        }
        view! {
            <form class="form form--grid" on:submit=submit data-testid="share-form">
                <label class="field">
                    <span class="field__label">"Client (who it is for)"</span>
                    <input type="text" name="audience" required maxlength="120" placeholder="e.g. Acme Bank vendor risk" bind:value=audience/>
                    <FieldError message=sending.field("audience")/>
                </label>
                <label class="field">
                    <span class="field__label">"Quarter"</span>
                    <select name="period" bind:value=period>
                        {released.into_iter().map(|p| view! { <option value=p.period.to_string()>{p.period.to_string()}</option> }).collect_view()}
                    </select>
                    <FieldError message=sending.field("period")/>
                </label>
                <label class="field">
                    <span class="field__label">"Peer group"</span>
                    <select name="cohort" bind:value=cohort>
                        {groups.into_iter().map(|g| view! { <option value=g.key.to_string()>{g.label}</option> }).collect_view()}
                    </select>
                    <FieldError message=sending.field("cohort")/>
                </label>
                <label class="field">
                    <span class="field__label">"Show"</span>
                    <select name="disclosure" bind:value=disclosure aria-describedby="disclosure-hint">
                        <option value="values">"values and bands"</option>
                        <option value="bands">"bands only"</option>
                    </select>
                    <span class="field__hint" id="disclosure-hint">
                        {move || if disclosure.get() == "bands" {
                            "Your values are left out, but each metric's band and, for the standard you follow, whether each requirement is met or missed are shown: a requirement's threshold with met or missed tells the client on which side of it your value lies."
                        } else {
                            "Your values, their bands among peers and, for the standard you follow, each requirement met or missed."
                        }}
                    </span>
                </label>
                <label class="field">
                    <span class="field__label">"Expires after"</span>
                    <select name="days" bind:value=days>
                        <option value="30">"30 days"</option>
                        <option value="90">"90 days"</option>
                        <option value="180">"180 days"</option>
                    </select>
                    <FieldError message=sending.field("expires_in_days")/>
                </label>
                <label class="field field--wide">
                    <span class="field__label">"Also send it to the client's portfolio (optional)"</span>
                    <input type="email" name="client_address" placeholder="the address your client gave you, e.g. vendor-risk@acmebank.example" bind:value=client_address aria-describedby="client-address-hint"/>
                    <span class="field__hint" id="client-address-hint">"If your client reviews its suppliers on PeerPosture, it sees this attestation in its portfolio once it accepts your organisation, and every later one you send to the same address."</span>
                    <FieldError message=sending.field("client_address")/>
                </label>
                <label class="checkbox field--wide">
                    <input type="checkbox" name="readable_after_expiry" bind:checked=readable_after_expiry/>
                    "Keep it readable after it expires (marked expired). Otherwise the link then shows only its dates; a revoked one never shows its content."
                </label>
                <details class="field field--wide">
                    <summary>"Metrics (optional: by default those of the standard you follow, or else every metric you submitted)"</summary>
                    <div class="checkboxes">
                        {CATALOGUE.iter().map(|metric| {
                            let key = metric.key.clone();
                            let toggled = key.clone();
                            view! {
                                <label class="checkbox">
                                    <input type="checkbox" value=key.clone()
                                        prop:checked=move || chosen.with(|c| c.contains(&key))
                                        on:change=move |_| chosen.update(|c| {
                                            if let Some(i) = c.iter().position(|k| k == &toggled) { c.remove(i); } else { c.push(toggled.clone()); }
                                        })/>
                                    {metric.name.clone()}
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    <FieldError message=sending.field("metrics")/>
                </details>
                <div class="form-actions field--wide">
                    <button type="submit" class="button button--primary" data-testid="issue-attestation" disabled=move || sending.busy()>
                        {move || if sending.busy() { "Signing…" } else { "Issue attestation" }}
                    </button>
                </div>
            </form>
        }
        .into_any()
    };
    view! {
        <section class="card">
            <h2>"New attestation"</h2>
            {move || options.get().map(|result| match result {
                Err(error) => view! { <ErrorNotice error/> }.into_any(),
                Ok(options) => form(options),
            }).unwrap_or_else(|| view! { <Loading what="your released quarters"/> }.into_any())}
            <FormFailure form=sending/>
            {move || issued.get().map(|issued| {
                let url = share_url(&issued.share_path);
                let id = issued.attestation.id;
                view! {
                    <div class="notice notice--ok" role="status" data-testid="issued">
                        <p>{format!("Signed for {}. Send them this link (it is shown once; anyone with it can open the attestation {}):", issued.attestation.audience, if issued.attestation.readable_after_expiry { "until you revoke it, marked expired once it expires" } else { "until it expires or you revoke it" })}</p>
                        <input class="secret share-link" type="text" readonly aria-label="Share link" data-testid="share-link" value=url.clone()/>
                        <p>
                            <a class="button button--small" href=url target="_blank" rel="noopener">"Open the client's page"</a>
                            " "
                            <a class="button button--small" href=format!("/api/v1/attestations/{id}/jws") download="">"Download the .jws file"</a>
                        </p>
                    </div>
                }
            })}
        </section>
    }
}

fn status_of(attestation: &AttestationInfo, now: &str) -> String {
    match &attestation.revoked_at {
        Some(at) => format!("revoked {}", timestamp(at)),
        None if attestation.expires_at.as_str() <= now => "expired".to_owned(),
        None => "active".to_owned(),
    }
}

#[component]
fn Issued(version: RwSignal<u32>) -> impl IntoView {
    let attestations = load(move || version.get(), |_| api::attestations());
    let error = RwSignal::new(None::<ApiError>);
    let revoke = move |id: i64| {
        leptos::task::spawn_local(async move {
            match api::revoke_attestation(id).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let now = shared::period::rfc3339((js_sys::Date::now() / 1000.0) as i64);
    let list = move || {
        attestations.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(attestations) => {
                let rows = attestations
                    .into_iter()
                    .map(|a| {
                        let id = a.id;
                        let status = status_of(&a, &now);
                        let active = status == "active";
                        let opened = match (a.open_count, a.opened_at.first()) {
                            (0, _) => "not yet".to_owned(),
                            (count, Some(last)) => format!("{count} × (last {})", timestamp(last)),
                            (count, None) => format!("{count} ×"),
                        };
                        let openings = a.opened_at.iter().map(|t| timestamp(t)).collect::<Vec<_>>().join("\n");
                        let shows = match a.disclosure {
                            Disclosure::Values => "values",
                            Disclosure::Bands => "bands only",
                        };
                        view! {
                            <tr data-testid="attestation-row">
                                <td>{a.audience}{a.shared_with.map(|client| view! { <br/><span class="hint">{format!("in {client}'s portfolio")}</span> })}</td>
                                <td>{a.period.to_string()}</td>
                                <td>{a.cohort.label()}</td>
                                <td>{format!("{} metrics, {shows}", a.metrics)}</td>
                                <td>{timestamp(&a.issued_at)}</td>
                                <td>{timestamp(&a.expires_at)}</td>
                                <td>{status}</td>
                                <td title=openings>{opened}</td>
                                <td class="actions">
                                    <a class="button button--small" href=format!("/api/v1/attestations/{id}/jws") download="">".jws"</a>
                                    {active.then(|| view! { <button class="button button--small" on:click=move |_| revoke(id)>"Revoke"</button> })}
                                </td>
                            </tr>
                        }
                        .into_any()
                    })
                    .collect();
                listing(
                    "attestations",
                    &["Client", "Quarter", "Peers", "Contents", "Issued", "Expires", "Status", "Opened", ""],
                    "You have not shared an attestation yet.",
                    rows,
                )
            }
        })
    };
    view! {
        <section class="card">
            <h2>"Shared so far"</h2>
            <p class="hint">"Every attestation is also recorded in PeerPosture's public transparency log (hashes only), so none can be quietly changed or backdated. Revoking one signs a revocation into the same log: its link and the status check say so at once, and the link no longer shows its content."</p>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || list().unwrap_or_else(|| view! { <Loading what="your attestations"/> }.into_any())}
        </section>
    }
}
