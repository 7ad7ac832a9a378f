//! The best-practice library: search and filter what peers did, read a practice, mark it
//! adopted; authors follow their submissions; publishers review the queue.
//!
//! A practice's sections arrive from the server as HTML it rendered from Markdown through an
//! allowlist (no raw HTML, safe link schemes only); the page's Content-Security-Policy would
//! refuse inline script even if that failed.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::account::Role;
use shared::catalogue::{CsfFunction, Metric};
use shared::format::timestamp;
use shared::practice::{Moderation, ModerationDecision, Practice, PracticeStatus, PracticeSummary};
use shared::standard::Tier;

use crate::api::{self, ApiError};
use crate::components::{
    ErrorNotice, Link, Loading, RequireRole, load, load_once, use_auth, use_go, use_id_param,
};

pub use editor::PracticeEditorPage;

mod editor;

const WRITERS: &[Role] = &[Role::MemberAdmin, Role::Publisher];
const MODERATORS: &[Role] = &[Role::Publisher, Role::Admin];

/// Who wrote it, as this reader may know.
fn byline(practice: &PracticeSummary) -> String {
    match (&practice.author, practice.mine) {
        (Some(author), false) => author.clone(),
        (Some(_), true) => "Your organisation".to_owned(),
        (None, true) => "Your organisation (anonymous to others)".to_owned(),
        (None, false) => "An anonymous member".to_owned(),
    }
}

fn metric_name(catalogue: &[Metric], key: &str) -> String {
    catalogue
        .iter()
        .find(|m| m.key == key)
        .map_or_else(|| key.to_owned(), |m| m.name.clone())
}

/// " · adopted by 3 (including you)"; nothing before the first adoption.
fn adoption_text(adoptions: i64, by_us: bool) -> String {
    match (adoptions, by_us) {
        (0, _) => String::new(),
        (n, true) => format!(" · adopted by {n} (including you)"),
        (n, false) => format!(" · adopted by {n}"),
    }
}

#[component]
pub fn PracticesPage() -> impl IntoView {
    view! {
        <RequireRole roles=&Role::INSIDERS>
            <Library/>
        </RequireRole>
    }
}

/// Links to the author's and the moderator's lists, by role.
#[component]
fn LibraryActions() -> impl IntoView {
    let role = use_auth().role();
    let has = |roles: &[Role]| role.is_some_and(|r| roles.contains(&r));
    view! {
        <div class="form-actions">
            {has(WRITERS).then(|| view! { <Link href="/practices/new" class="button button--primary">"Write a practice"</Link> })}
            {has(&[Role::MemberAdmin, Role::MemberViewer, Role::Publisher]).then(|| view! { <Link href="/practices/mine" class="button">"Your practices"</Link> })}
            {has(MODERATORS).then(|| view! { <Link href="/practices/review" class="button">"Review queue"</Link> })}
        </div>
    }
}

#[component]
fn Library() -> impl IntoView {
    let query = use_query_map();
    let param = move |name: &str| query.read().get(name).unwrap_or_default();
    let go = use_go();
    let catalogue = load_once(|| async { api::catalogue().await.map(|c| c.metrics) });
    let practices = load(
        move || query.read().to_query_string(),
        |query: String| async move { api::practices::<PracticeSummary>(&query).await },
    );
    // Changing one filter keeps the others.
    let set_filter = {
        let go = go.clone();
        move |name: &'static str, value: String| {
            let mut next = query.get_untracked();
            if value.is_empty() {
                next.remove(name);
            } else {
                next.replace(name, value);
            }
            go(&format!("/practices{}", next.to_query_string()));
        }
    };
    let search = RwSignal::new(param("q"));
    let submit_search = {
        let set_filter = set_filter.clone();
        move |event: SubmitEvent| {
            event.prevent_default();
            set_filter("q", search.get_untracked().trim().to_owned());
        }
    };
    let filters = move || {
        let metrics = catalogue.get()?.ok()?;
        let (f1, f2, f3) = (set_filter.clone(), set_filter.clone(), set_filter.clone());
        let (metric, function, tier) = (param("metric"), param("function"), param("tier"));
        Some(view! {
            <div class="form form--inline filters">
                <label class="field">
                    <span class="field__label">"Metric"</span>
                    <select data-testid="filter-metric" on:change=move |ev| f1("metric", event_target_value(&ev))>
                        <option value="">"All metrics"</option>
                        {metrics.into_iter().map(|m| {
                            let selected = m.key == metric;
                            view! { <option value=m.key.clone() selected=selected>{m.name}</option> }
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span class="field__label">"CSF function"</span>
                    <select data-testid="filter-function" on:change=move |ev| f2("function", event_target_value(&ev))>
                        <option value="">"All functions"</option>
                        {CsfFunction::ALL.into_iter().map(|f| view! {
                            <option value=f.code() selected=f.code() == function>{f.name()}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="field">
                    <span class="field__label">"Tier"</span>
                    <select data-testid="filter-tier" on:change=move |ev| f3("tier", event_target_value(&ev))>
                        <option value="">"Both tiers"</option>
                        {Tier::ALL.iter().map(|t| view! {
                            <option value=t.key() selected=t.key() == tier>{t.label()}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
        })
    };
    let list = move || {
        let names = catalogue.get().and_then(Result::ok).unwrap_or_default();
        practices.get().map(|result| match result {
            Err(error) => view! { <ErrorNotice error/> }.into_any(),
            Ok(list) if list.is_empty() => view! {
                <div class="card empty-state" data-testid="no-practices">
                    <p>"No published practice matches these filters."</p>
                    <Link href="/practices">"Clear the filters"</Link>
                </div>
            }
            .into_any(),
            Ok(list) => {
                let count = list.len();
                view! {
                    <p class="hint">{format!("{count} practice{}", if count == 1 { "" } else { "s" })}</p>
                    {list.into_iter().map(|p| view! { <PracticeCard practice=p names=names.clone()/> }).collect_view()}
                }
                .into_any()
            }
        })
    };
    view! {
        <section class="page">
            <header class="dashboard__head">
                <div>
                    <h1>"Best practices"</h1>
                    <p class="page__lead">
                        "What contact centers did about a security problem and what it changed, shared by "
                        "members (under their name or anonymously) and curated by industry groups."
                    </p>
                </div>
                <LibraryActions/>
            </header>
            <form class="form form--inline search" role="search" on:submit=submit_search>
                <label class="field field--grow">
                    <span class="field__label">"Search"</span>
                    <input type="search" name="q" placeholder="e.g. passkeys, recordings, ransomware" bind:value=search/>
                </label>
                <button type="submit" class="button">"Search"</button>
            </form>
            {filters}
            {move || list().unwrap_or_else(|| view! { <Loading what="practices"/> }.into_any())}
        </section>
    }
}

#[component]
fn PracticeCard(practice: PracticeSummary, names: Vec<Metric>) -> impl IntoView {
    let metrics = practice
        .metrics
        .iter()
        .map(|key| metric_name(&names, key))
        .collect::<Vec<_>>()
        .join(" · ");
    let title = practice.title.clone();
    view! {
        <article class="card practice-card" data-testid="practice-card">
            <h2><Link href=format!("/practices/{}", practice.id)>{title}</Link></h2>
            <p>{practice.excerpt.clone()}</p>
            <p class="hint">
                <span class="badge badge--context">{practice.tier.label()}</span>" "
                {practice.functions.iter().map(|f| f.name()).collect::<Vec<_>>().join(", ")}
                {format!(" · {metrics} · {}", byline(&practice))}
                {adoption_text(practice.adoptions, practice.adopted_by_us)}
            </p>
        </article>
    }
}

#[component]
pub fn PracticePage() -> impl IntoView {
    let id = use_id_param();
    let id = move || id().unwrap_or(0);
    let version = RwSignal::new(0u32);
    let data = load(
        move || (id(), version.get()),
        |(id, _)| async move {
            let (practice, catalogue) = (api::practice(id), api::catalogue());
            Ok::<_, ApiError>((practice.await?, catalogue.await?.metrics))
        },
    );
    view! {
        <RequireRole roles=&Role::INSIDERS>
            <section class="page page--reading">
                {move || match data.get() {
                    None => view! { <Loading what="the practice"/> }.into_any(),
                    Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
                    Some(Ok((practice, catalogue))) => view! { <PracticeView practice catalogue version/> }.into_any(),
                }}
            </section>
        </RequireRole>
    }
}

#[component]
fn PracticeView(
    practice: Practice,
    catalogue: Vec<Metric>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let role = use_auth().role();
    let id = practice.summary.id;
    let error = RwSignal::new(None::<ApiError>);
    let adopt = move |adopted: bool| {
        leptos::task::spawn_local(async move {
            match api::set_adoption(id, adopted).await {
                Ok(_) => version.update(|v| *v += 1),
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    let published = practice.summary.status == PracticeStatus::Published;
    let adoption = (published && role.is_some_and(Role::is_member)).then(|| {
        if practice.summary.adopted_by_us {
            view! {
                <p class="notice notice--ok" data-testid="adopted">
                    {format!("Your organisation adopted this (with {} in all). ", practice.summary.adoptions)}
                    <button class="button button--small" on:click=move |_| adopt(false)>"Undo"</button>
                </p>
            }
            .into_any()
        } else {
            view! {
                <p>
                    <button class="button button--primary" data-testid="adopt" on:click=move |_| adopt(true)>"We adopted this"</button>
                    <span class="hint">{format!(" Adopted by {} organisation{} so far.", practice.summary.adoptions, if practice.summary.adoptions == 1 { "" } else { "s" })}</span>
                </p>
            }
            .into_any()
        }
    });
    let can_edit =
        practice.summary.mine && !published && role.is_some_and(|r| WRITERS.contains(&r));
    let moderation = (practice.summary.status == PracticeStatus::Submitted
        && role.is_some_and(|r| MODERATORS.contains(&r)))
    .then(|| view! { <ModerationPanel id version/> });
    let metrics = practice
        .summary
        .metrics
        .iter()
        .map(|key| {
            let name = metric_name(&catalogue, key);
            view! { <li><Link href=format!("/dashboard/metric/{key}")>{name}</Link></li> }
        })
        .collect_view();
    // The reviewer's comment is what to change while the practice is returned; once
    // resubmitted it has been answered.
    let returned = practice.summary.status == PracticeStatus::Returned;
    let status_line = (!published).then(|| {
        view! {
            <p class="notice" data-testid="practice-status">
                <strong>{practice.summary.status.label()}</strong>
                {practice.summary.moderation_comment.clone().filter(|_| returned).map(|c| format!(" · Reviewer's comment: {c}"))}
                {can_edit.then(|| view! {
                    " " <Link href=format!("/practices/{id}/edit")>{if returned { "Edit and resubmit" } else { "Edit" }}</Link>
                })}
            </p>
        }
    });
    view! {
        <p class="breadcrumb"><Link href="/practices">"Best practices"</Link></p>
        <h1 data-testid="practice-title">{practice.summary.title.clone()}</h1>
        <p class="page__lead">
            <span data-testid="practice-byline">{byline(&practice.summary)}</span>
            {format!(" · {} tier", practice.summary.tier.label())}
            {practice.summary.published_at.as_deref().map(|at| format!(" · published {}", timestamp(at)))}
        </p>
        {status_line}
        {adoption}
        {move || error.get().map(|error| view! { <ErrorNotice error/> })}
        <article class="card prose">
            <h2>"The problem"</h2>
            <div inner_html=practice.html.problem.clone()></div>
            <h2>"What we did"</h2>
            <div inner_html=practice.html.solution.clone()></div>
            <h2>"The result"</h2>
            <div inner_html=practice.html.result.clone()></div>
        </article>
        <section class="card">
            <h2>"Metrics it moves"</h2>
            <ul class="practice-links">{metrics}</ul>
            <p class="hint">{format!("NIST CSF 2.0: {}", practice.summary.csf_categories.join(", "))}</p>
        </section>
        {moderation}
    }
}

#[component]
fn ModerationPanel(id: i64, version: RwSignal<u32>) -> impl IntoView {
    let comment = RwSignal::new(String::new());
    let error = RwSignal::new(None::<ApiError>);
    let decide = move |decision: ModerationDecision| {
        let moderation = Moderation {
            decision,
            comment: comment.get_untracked(),
        };
        leptos::task::spawn_local(async move {
            match api::moderate_practice(id, &moderation).await {
                Ok(_) => version.update(|v| *v += 1),
                Err(failure) => error.set(Some(failure)),
            }
        });
    };
    view! {
        <section class="card" data-testid="moderation">
            <h2>"Review"</h2>
            <p class="hint">"Publishing puts it in the library for every member. Returning sends it back with your comment."</p>
            <label class="field">
                <span class="field__label">"Comment for the author (required to return)"</span>
                <textarea name="comment" rows="3" bind:value=comment></textarea>
            </label>
            <div class="form-actions">
                <button class="button button--primary" data-testid="publish-practice" on:click=move |_| decide(ModerationDecision::Publish)>"Publish"</button>
                <button class="button" data-testid="return-practice" on:click=move |_| decide(ModerationDecision::Return)>"Return to the author"</button>
            </div>
            {move || error.get().map(|error| view! { <ErrorNotice error/> })}
        </section>
    }
}

/// A table of practices: with status and the reviewer's comment for their authors, with tier
/// and linked metrics in the review queue.
#[component]
fn PracticeTable(
    practices: Vec<PracticeSummary>,
    #[prop(optional)] queue: Option<Vec<Metric>>,
    empty: &'static str,
) -> impl IntoView {
    if practices.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    let head = if queue.is_some() {
        view! { <tr><th>"Title"</th><th>"Tier"</th><th>"Metrics"</th><th>"Submitted"</th></tr> }
    } else {
        view! { <tr><th>"Title"</th><th>"Status"</th><th>"Reviewer's comment"</th><th>"Updated"</th></tr> }
    };
    view! {
        <table class="table" data-testid="practice-table">
            <thead>{head}</thead>
            <tbody>
                {practices.into_iter().map(|p| {
                    let (second, third) = if let Some(names) = &queue {
                        let metrics: Vec<String> = p.metrics.iter().map(|key| metric_name(names, key)).collect();
                        (p.tier.label().to_owned(), metrics.join(", "))
                    } else {
                        let returned = p.status == PracticeStatus::Returned;
                        (p.status.label().to_owned(), p.moderation_comment.clone().filter(|_| returned).unwrap_or_default())
                    };
                    view! {
                        <tr>
                            <td><Link href=format!("/practices/{}", p.id)>{p.title}</Link></td>
                            <td>{second}</td>
                            <td>{third}</td>
                            <td>{timestamp(&p.updated_at)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
pub fn MyPracticesPage() -> impl IntoView {
    let practices = load_once(api::my_practices);
    view! {
        <RequireRole roles=&[Role::MemberAdmin, Role::MemberViewer, Role::Publisher]>
            <section class="page">
                <p class="breadcrumb"><Link href="/practices">"Best practices"</Link></p>
                <h1>"Your practices"</h1>
                <p class="page__lead">"What you submitted and where it stands. A returned practice can be edited and submitted again."</p>
                <section class="card">
                    {move || match practices.get() {
                        None => view! { <Loading what="your practices"/> }.into_any(),
                        Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
                        Some(Ok(list)) => view! { <PracticeTable practices=list empty="You have not submitted a practice yet."/> }.into_any(),
                    }}
                </section>
            </section>
        </RequireRole>
    }
}

#[component]
pub fn ReviewPage() -> impl IntoView {
    let practices = load_once(|| async {
        let (queue, catalogue) = (api::practice_queue(), api::catalogue());
        Ok::<_, ApiError>((queue.await?, catalogue.await?.metrics))
    });
    view! {
        <RequireRole roles=MODERATORS>
            <section class="page">
                <p class="breadcrumb"><Link href="/practices">"Best practices"</Link></p>
                <h1>"Review queue"</h1>
                <p class="page__lead">"Practices waiting for review, oldest first. Open one to publish it or return it with a comment."</p>
                <section class="card">
                    {move || match practices.get() {
                        None => view! { <Loading what="the queue"/> }.into_any(),
                        Some(Err(error)) => view! { <ErrorNotice error/> }.into_any(),
                        Some(Ok((list, names))) => view! { <PracticeTable practices=list queue=names empty="Nothing is waiting for review."/> }.into_any(),
                    }}
                </section>
            </section>
        </RequireRole>
    }
}
