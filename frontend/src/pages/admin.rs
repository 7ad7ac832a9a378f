//! "Administration", for platform admins: organisations, client organisations, invitations,
//! users and roles, and the audit log. Nothing here shows a member's values.

use std::collections::BTreeMap;

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::account::{NewOrganisation, Organisation, Role};
use shared::client::NewClientOrg;
use shared::cohort::{Delivery, Region, SeatBand, Vertical, WfhBand};
use shared::format::timestamp;

use crate::api;
use crate::components::{
    ErrorNotice, FieldError, Form, FormFailure, InvitationForm, Loading, RequireRole, load,
};

#[component]
pub fn AdminPage() -> impl IntoView {
    let orgs_version = RwSignal::new(0u32);
    view! {
        <RequireRole roles=&[Role::Admin]>
            <section class="page">
                <h1>"Administration"</h1>
                <Organisations version=orgs_version/>
                <ClientOrganisations/>
                <section class="card">
                    <h2>"Invite someone"</h2>
                    <p class="hint">"The invitee sets a password through a one-time link, valid for 7 days. No email is sent: pass the link on."</p>
                    <InvitationForm roles=&Role::ALL fixed_org=None/>
                </section>
                <Users/>
                <AuditLog/>
            </section>
        </RequireRole>
    }
}

/// `<option>`s for an attribute enum.
fn options<T: Copy + 'static>(
    all: &'static [T],
    key: fn(T) -> &'static str,
    label: fn(T) -> &'static str,
) -> impl IntoView {
    all.iter()
        .map(|&v| view! { <option value=key(v)>{label(v)}</option> })
        .collect_view()
}

#[component]
fn Organisations(version: RwSignal<u32>) -> impl IntoView {
    let orgs = load(move || version.get(), |_| api::orgs());
    let me = crate::components::use_auth()
        .user
        .get_untracked()
        .map(|user| user.id);
    let name = RwSignal::new(String::new());
    let seat_band = RwSignal::new(SeatBand::ALL[0].key().to_owned());
    let region = RwSignal::new(Region::ALL[0].key().to_owned());
    let verticals = RwSignal::new(Vec::<Vertical>::new());
    let delivery = RwSignal::new(Delivery::ALL[0].key().to_owned());
    let wfh = RwSignal::new(WfhBand::ALL[0].key().to_owned());
    let fields = RwSignal::new(BTreeMap::<String, String>::new());
    let error = RwSignal::new(None::<api::ApiError>);

    let create = move |event: SubmitEvent| {
        event.prevent_default();
        let org = NewOrganisation {
            name: name.get_untracked(),
            seat_band: SeatBand::from_key(&seat_band.get_untracked()).unwrap_or(SeatBand::ALL[0]),
            region: Region::from_key(&region.get_untracked()).unwrap_or(Region::ALL[0]),
            verticals: verticals.get_untracked(),
            delivery: Delivery::from_key(&delivery.get_untracked()).unwrap_or(Delivery::ALL[0]),
            wfh_band: WfhBand::from_key(&wfh.get_untracked()).unwrap_or(WfhBand::ALL[0]),
        };
        leptos::task::spawn_local(async move {
            match api::create_org(&org).await {
                Ok(_) => {
                    name.set(String::new());
                    verticals.set(Vec::new());
                    fields.set(BTreeMap::new());
                    error.set(None);
                    version.update(|v| *v += 1);
                }
                Err(failure) => {
                    fields.set(failure.fields());
                    error.set(Some(failure));
                }
            }
        });
    };
    let verify = move |id: i64| {
        leptos::task::spawn_local(async move {
            match api::verify_org(id).await {
                Ok(_) => version.update(|v| *v += 1),
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let field =
        move |key: &'static str| Signal::derive(move || fields.with(|f| f.get(key).cloned()));

    let table = move || {
        orgs.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(orgs) if orgs.is_empty() => view! { <p class="empty">"No organisations yet."</p> }.into_any(),
            Ok(orgs) => view! {
                <div class="table-scroll" tabindex="0">
                    <table class="table">
                        <thead><tr><th>"Name"</th><th>"Seats"</th><th>"Region"</th><th>"Verticals"</th><th>"Delivery"</th><th>"At home"</th><th>"Status"</th></tr></thead>
                        <tbody>{orgs.into_iter().map(|org| org_row(org, me, verify)).collect_view()}</tbody>
                    </table>
                </div>
            }
            .into_any(),
        })
    };

    view! {
        <section class="card">
            <h2>"Organisations"</h2>
            <p class="hint">"Only verified organisations count in benchmarks, from the release after the one they are verified for. Verifying takes two people: an admin proposes, another admin or a publisher confirms. Their attributes place them in peer cohorts."</p>
            <form class="form form--grid" on:submit=create>
                <label class="field">
                    <span class="field__label">"Name"</span>
                    <input type="text" required bind:value=name/>
                    <FieldError message=field("name")/>
                </label>
                <label class="field">
                    <span class="field__label">"Seats"</span>
                    <select on:change=move |ev| seat_band.set(event_target_value(&ev))>{options(SeatBand::ALL, SeatBand::key, SeatBand::label)}</select>
                </label>
                <label class="field">
                    <span class="field__label">"HQ region"</span>
                    <select on:change=move |ev| region.set(event_target_value(&ev))>{options(Region::ALL, Region::key, Region::label)}</select>
                </label>
                <label class="field">
                    <span class="field__label">"Delivery model"</span>
                    <select on:change=move |ev| delivery.set(event_target_value(&ev))>{options(Delivery::ALL, Delivery::key, Delivery::label)}</select>
                </label>
                <label class="field">
                    <span class="field__label">"Seats at home"</span>
                    <select on:change=move |ev| wfh.set(event_target_value(&ev))>{options(WfhBand::ALL, WfhBand::key, WfhBand::label)}</select>
                </label>
                <fieldset class="field field--wide checkboxes">
                    <legend class="field__label">"Verticals served"</legend>
                    {Vertical::ALL.iter().map(|&vertical| view! {
                        <label class="checkbox">
                            <input type="checkbox"
                                prop:checked=move || verticals.with(|v| v.contains(&vertical))
                                on:change=move |_| verticals.update(|v| {
                                    if let Some(i) = v.iter().position(|x| *x == vertical) { v.remove(i); } else { v.push(vertical); }
                                })/>
                            {vertical.label()}
                        </label>
                    }).collect_view()}
                    <FieldError message=field("verticals")/>
                </fieldset>
                <div class="form-actions field--wide">
                    <button type="submit" class="button button--primary">"Create organisation"</button>
                </div>
            </form>
            {move || error.get().filter(|e| e.fields().is_empty()).map(|error| view! { <ErrorNotice error/> })}
            {move || table().unwrap_or_else(|| view! { <Loading what="organisations"/> }.into_any())}
        </section>
    }
}

/// Client organisations: banks, insurers and retailers whose reviewers read what their
/// suppliers share with them. They submit nothing and are in no cohort.
#[component]
fn ClientOrganisations() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let clients = load(move || version.get(), |_| api::client_orgs());
    let name = RwSignal::new(String::new());
    let address = RwSignal::new(String::new());
    let form = Form::new();
    let create = move |event: SubmitEvent| {
        event.prevent_default();
        let client = NewClientOrg {
            name: name.get_untracked(),
            address: address.get_untracked(),
        };
        form.send(
            async move { api::create_client_org(&client).await },
            move |_| {
                name.set(String::new());
                address.set(String::new());
                version.update(|v| *v += 1);
            },
        );
    };
    let table = move || {
        clients.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(clients) if clients.is_empty() => {
                view! { <p class="empty">"No client organisations yet."</p> }.into_any()
            }
            Ok(clients) => view! {
                <div class="table-scroll" tabindex="0">
                    <table class="table" data-testid="client-orgs">
                        <thead><tr><th>"Name"</th><th>"Address suppliers share with"</th><th class="num">"Reviewers"</th><th>"Created"</th></tr></thead>
                        <tbody>{clients.into_iter().map(|client| view! {
                            <tr>
                                <td>{client.name}</td>
                                <td><code>{client.address}</code></td>
                                <td class="num">{client.reviewers}</td>
                                <td>{timestamp(&client.created_at)}</td>
                            </tr>
                        }).collect_view()}</tbody>
                    </table>
                </div>
            }
            .into_any(),
        })
    };
    view! {
        <section class="card">
            <h2>"Client organisations"</h2>
            <p class="hint">"The banks, insurers and retailers that outsource to members. Their reviewers (invite them below as client reviewers) read the attestations members share with the client's address, and nothing else of any member's data; a client organisation submits nothing and is in no cohort."</p>
            <form class="form form--grid" on:submit=create data-testid="client-form">
                <label class="field">
                    <span class="field__label">"Name"</span>
                    <input type="text" name="client_name" required maxlength="120" placeholder="e.g. Acme Bank" bind:value=name/>
                    <FieldError message=form.field("name")/>
                </label>
                <label class="field">
                    <span class="field__label">"Address suppliers share with"</span>
                    <input type="email" name="client_address" required placeholder="vendor-risk@acmebank.example" bind:value=address/>
                    <FieldError message=form.field("address")/>
                </label>
                <div class="form-actions field--wide">
                    <button type="submit" class="button button--primary" disabled=move || form.busy()>"Create client organisation"</button>
                </div>
            </form>
            <FormFailure form/>
            {move || table().unwrap_or_else(|| view! { <Loading what="client organisations"/> }.into_any())}
        </section>
    }
}

/// An organisation's verification, as the caller may move it on: verifying takes two people
/// (an admin proposes, another admin or a publisher confirms).
pub fn verification_status(
    org: &Organisation,
    me: Option<i64>,
    verify: impl Fn(i64) + Copy + 'static,
) -> AnyView {
    let id = org.id;
    match org.proposed_by {
        _ if org.verified => view! { <span class="badge badge--up">"verified"</span> }.into_any(),
        None => view! {
            <button class="button button--small" on:click=move |_| verify(id)>"Propose verification"</button>
        }
        .into_any(),
        Some(proposer) if Some(proposer) == me => {
            view! { <span class="muted">"proposed by you · awaiting a second person"</span> }.into_any()
        }
        Some(_) => view! {
            <button class="button button--small button--primary" on:click=move |_| verify(id)>"Confirm verification"</button>
        }
        .into_any(),
    }
}

fn org_row(
    org: Organisation,
    me: Option<i64>,
    verify: impl Fn(i64) + Copy + 'static,
) -> impl IntoView {
    let verticals: Vec<&str> = org.verticals.iter().map(|v| v.label()).collect();
    let status = verification_status(&org, me, verify);
    view! {
        <tr>
            <td>{org.name}</td>
            <td>{org.seat_band.label()}</td>
            <td>{org.region.label()}</td>
            <td>{verticals.join(", ")}</td>
            <td>{org.delivery.label()}</td>
            <td>{org.wfh_band.label()}</td>
            <td>{status}</td>
        </tr>
    }
}

#[component]
fn Users() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let users = load(move || version.get(), |_| api::users());
    let error = RwSignal::new(None::<api::ApiError>);
    let change = move |id: i64, role: Role| {
        leptos::task::spawn_local(async move {
            match api::change_role(id, role).await {
                Ok(_) => {
                    error.set(None);
                    version.update(|v| *v += 1);
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let table = move || {
        users.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(users) => view! {
                <div class="table-scroll" tabindex="0">
                    <table class="table">
                        <thead><tr><th>"Name"</th><th>"Email"</th><th>"Organisation"</th><th>"Role"</th></tr></thead>
                        <tbody>
                            {users.into_iter().map(|user| {
                                let id = user.id;
                                let current = user.role;
                                view! {
                                    <tr>
                                        <td>{user.name}</td>
                                        <td>{user.email}</td>
                                        <td>{user.org.or(user.client).map(|o| o.name).unwrap_or_else(|| "—".to_owned())}</td>
                                        <td>
                                            // A client reviewer stays one: that role belongs to a client organisation.
                                            {if current == Role::ClientReviewer {
                                                view! { <span>{current.label()}</span> }.into_any()
                                            } else {
                                                view! {
                                                    <select aria-label="Role" on:change=move |ev| {
                                                        if let Some(role) = Role::from_key(&event_target_value(&ev)) { change(id, role) }
                                                    }>
                                                        {Role::INSIDERS.iter().map(|r| view! {
                                                            <option value=r.key() selected=*r == current>{r.label()}</option>
                                                        }).collect_view()}
                                                    </select>
                                                }.into_any()
                                            }}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            }
            .into_any(),
        })
    };
    view! {
        <section class="card">
            <h2>"Users and roles"</h2>
            <p class="hint">"A role change takes effect on the user's next request and is written to the audit log."</p>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            {move || table().unwrap_or_else(|| view! { <Loading what="users"/> }.into_any())}
        </section>
    }
}

#[component]
fn AuditLog() -> impl IntoView {
    let entries = RwSignal::new(Vec::<shared::account::AuditEntry>::new());
    let error = RwSignal::new(None::<api::ApiError>);
    let more = RwSignal::new(true);
    let load = move |before: Option<i64>| {
        leptos::task::spawn_local(async move {
            match api::audit(before).await {
                Ok(page) => {
                    more.set(page.len() == 100);
                    entries.update(|all| all.extend(page));
                }
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    load(None);
    view! {
        <section class="card">
            <h2>"Audit log"</h2>
            <p class="hint">"Logins and failed logins, invitations, submissions, tokens and role changes, newest first."</p>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
            <div class="table-scroll" tabindex="0">
                <table class="table table--compact">
                    <thead><tr><th>"When"</th><th>"Who"</th><th>"Action"</th><th>"Target"</th><th>"Detail"</th></tr></thead>
                    <tbody>
                        <For each=move || entries.get() key=|entry| entry.id let:entry>
                            <tr>
                                <td>{timestamp(&entry.at)}</td>
                                <td>{entry.actor}</td>
                                <td><code>{entry.action}</code></td>
                                <td>{entry.target}</td>
                                <td>{entry.detail}</td>
                            </tr>
                        </For>
                    </tbody>
                </table>
            </div>
            <Show when=move || more.get()>
                <button class="button" on:click=move |_| load(entries.with(|e| e.last().map(|entry| entry.id)))>"Older entries"</button>
            </Show>
        </section>
    }
}
