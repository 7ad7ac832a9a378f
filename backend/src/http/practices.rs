//! The best-practice library: `/api/v1/practices`. Members and publishers write, publishers
//! moderate, every logged-in user reads what is published.
//!
//! Anonymity: the store knows who wrote each practice; this module is the only place that
//! turns a stored practice into a response, and it names the author only when the practice
//! is published under the organisation's name. Nothing here logs who wrote what.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use shared::account::{Role, User};
use shared::catalogue::CsfFunction;
use shared::practice::{
    Attribution, Moderation, ModerationDecision, Practice, PracticeDraft, PracticeFilter,
    PracticeHtml, PracticeStatus, PracticeSummary, functions_of, validate_practice,
};
use shared::standard::Tier;

use super::AppState;
use super::extract::{ApiJson, Insider, Member, Moderator, PracticeAuthorUser, PracticeWriter};
use super::routes::*;
use crate::error::{AppError, Result};
use crate::events::{Audit, Event};
use crate::markdown;
use crate::store::{AuditRecord, PracticeAuthor, PracticeSelection, StoredPractice};

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/practices",
            list,
            200,
            Session,
            "Published practices; filters metric, function, tier, q",
        )
        .query(&[
            ("metric", false, metric_key),
            ("function", false, reference::<CsfFunction>),
            ("tier", false, reference::<Tier>),
            ("q", false, string),
        ])
        .returns(many::<PracticeSummary>()),
        post(
            "/v1/practices",
            create,
            201,
            Session,
            "Submit a practice (member admin, publisher)",
        )
        .takes(one::<PracticeDraft>())
        .returns(one::<Practice>()),
        get(
            "/v1/practices/mine",
            mine,
            200,
            Session,
            "Own practices with their status",
        )
        .returns(many::<PracticeSummary>()),
        get(
            "/v1/practices/queue",
            queue,
            200,
            Session,
            "Practices waiting for review (publisher, admin)",
        )
        .returns(many::<PracticeSummary>()),
        get(
            "/v1/practices/{id}",
            read,
            200,
            Session,
            "A practice (published, own, or waiting for a moderator)",
        )
        .returns(one::<Practice>()),
        put(
            "/v1/practices/{id}",
            update,
            200,
            Session,
            "Edit and resubmit an own practice",
        )
        .takes(one::<PracticeDraft>())
        .returns(one::<Practice>())
        .errors(&[409]),
        post(
            "/v1/practices/{id}/moderation",
            moderate,
            200,
            Session,
            "Publish or return with a comment (publisher, admin)",
        )
        .takes(one::<Moderation>())
        .returns(one::<Practice>())
        .errors(&[409]),
        put(
            "/v1/practices/{id}/adoption",
            adopt,
            200,
            Session,
            "Mark \"we adopted this\" (members)",
        )
        .returns(one::<Practice>())
        .errors(&[409]),
        delete(
            "/v1/practices/{id}/adoption",
            unadopt,
            200,
            Session,
            "Remove the adoption mark (members)",
        )
        .returns(one::<Practice>())
        .errors(&[409]),
    ]
}

/// The author a user writes as: their organisation, or themselves for a publisher.
fn author_of(user: &User) -> PracticeAuthor {
    PracticeAuthor {
        org_id: user
            .org
            .as_ref()
            .filter(|_| user.role.is_member())
            .map(|org| org.id),
        user_id: user.id,
    }
}

/// The organisation a user reads for (adoption marks), if a member.
fn viewer_org(user: &User) -> Option<i64> {
    author_of(user).org_id
}

fn wrote(user: &User, practice: &StoredPractice) -> bool {
    match author_of(user).org_id {
        Some(org_id) => practice.author_org_id == Some(org_id),
        None => practice.author_org_id.is_none() && practice.author_user_id == user.id,
    }
}

fn moderates(user: &User) -> bool {
    matches!(user.role, Role::Publisher | Role::Admin)
}

/// Characters of the problem a list shows.
const EXCERPT_CHARS: usize = 180;

/// A stored practice, summarised as `user` may see it in a list.
fn summary_for(user: &User, practice: &StoredPractice) -> PracticeSummary {
    let mine = wrote(user, practice);
    let draft = &practice.draft;
    PracticeSummary {
        id: practice.id,
        title: draft.title.clone(),
        excerpt: markdown::excerpt(&draft.problem, EXCERPT_CHARS),
        metrics: draft.metrics.clone(),
        csf_categories: draft.csf_categories.clone(),
        functions: functions_of(&draft.metrics, &draft.csf_categories),
        tier: draft.tier,
        attribution: draft.attribution,
        author: (draft.attribution == Attribution::Named).then(|| practice.author_name.clone()),
        mine,
        status: practice.status,
        moderation_comment: practice
            .moderation_comment
            .clone()
            .filter(|_| mine || moderates(user)),
        adoptions: practice.adoptions,
        adopted_by_us: practice.adopted_by_viewer,
        updated_at: practice.updated_at.clone(),
        published_at: practice.published_at.clone(),
    }
}

/// A stored practice, whole, as `user` may see it.
fn shown_to(user: &User, practice: StoredPractice) -> Practice {
    let summary = summary_for(user, &practice);
    let draft = practice.draft;
    Practice {
        summary,
        html: PracticeHtml {
            problem: markdown::render(&draft.problem),
            solution: markdown::render(&draft.solution),
            result: markdown::render(&draft.result),
        },
        problem: draft.problem,
        solution: draft.solution,
        result: draft.result,
    }
}

fn summaries(user: &User, practices: &[StoredPractice]) -> Vec<PracticeSummary> {
    practices.iter().map(|p| summary_for(user, p)).collect()
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no practice #{id}"))
}

/// The practice if `user` may see it: published, their own, or any for a moderator.
async fn visible(state: &AppState, user: &User, id: i64) -> Result<StoredPractice> {
    let practice = state
        .store
        .practices(PracticeSelection::One(id), viewer_org(user))
        .await?
        .pop()
        .ok_or_else(|| not_found(id))?;
    let allowed =
        practice.status == PracticeStatus::Published || wrote(user, &practice) || moderates(user);
    if allowed {
        Ok(practice)
    } else {
        Err(not_found(id))
    }
}

async fn list(
    State(state): State<AppState>,
    Insider(user): Insider,
    Query(filter): Query<PracticeFilter>,
) -> Result<Json<Vec<PracticeSummary>>> {
    if let Some(metric) = &filter.metric
        && shared::catalogue::find(metric).is_none()
    {
        return Err(AppError::invalid("metric", "unknown metric"));
    }
    if filter.q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(AppError::invalid("q", "search for at most 200 characters"));
    }
    let practices = state
        .store
        .practices(
            PracticeSelection::Status(PracticeStatus::Published),
            viewer_org(&user),
        )
        .await?;
    Ok(Json(
        practices
            .iter()
            .filter(|practice| filter.matches(&practice.draft))
            .map(|practice| summary_for(&user, practice))
            .collect(),
    ))
}

async fn mine(
    State(state): State<AppState>,
    PracticeAuthorUser(user): PracticeAuthorUser,
) -> Result<Json<Vec<PracticeSummary>>> {
    let practices = state
        .store
        .practices(PracticeSelection::By(author_of(&user)), viewer_org(&user))
        .await?;
    Ok(Json(summaries(&user, &practices)))
}

async fn queue(
    State(state): State<AppState>,
    Moderator(user): Moderator,
) -> Result<Json<Vec<PracticeSummary>>> {
    let practices = state
        .store
        .practices(PracticeSelection::Status(PracticeStatus::Submitted), None)
        .await?;
    let mut queue = summaries(&user, &practices);
    // First come, first reviewed.
    queue.reverse();
    Ok(Json(queue))
}

async fn read(
    State(state): State<AppState>,
    Insider(user): Insider,
    Path(id): Path<i64>,
) -> Result<Json<Practice>> {
    let practice = visible(&state, &user, id).await?;
    Ok(Json(shown_to(&user, practice)))
}

async fn reload(state: &AppState, user: &User, id: i64) -> Result<Practice> {
    let practice = visible(state, user, id).await?;
    Ok(shown_to(user, practice))
}

async fn create(
    State(state): State<AppState>,
    PracticeWriter(user): PracticeWriter,
    ApiJson(draft): ApiJson<PracticeDraft>,
) -> Result<(StatusCode, Json<Practice>)> {
    validate_practice(&draft).map_err(AppError::validation)?;
    let mut write = state.store.write().await?;
    let id = state
        .store
        .create_practice(&mut write, &draft, author_of(&user))
        .await?;
    let target = format!("practice #{id}");
    let audit = AuditRecord::new(&user.email, Audit::PracticeSubmitted, target, "");
    write.commit_audited(&audit).await?;
    Ok((StatusCode::CREATED, Json(reload(&state, &user, id).await?)))
}

async fn update(
    State(state): State<AppState>,
    PracticeWriter(user): PracticeWriter,
    Path(id): Path<i64>,
    ApiJson(draft): ApiJson<PracticeDraft>,
) -> Result<Json<Practice>> {
    let practice = visible(&state, &user, id).await?;
    if !wrote(&user, &practice) {
        return Err(AppError::Forbidden(
            "only its authors edit a practice".to_owned(),
        ));
    }
    validate_practice(&draft).map_err(AppError::validation)?;
    let audit = AuditRecord::new(
        &user.email,
        Audit::PracticeResubmitted,
        format!("practice #{id}"),
        "",
    );
    let mut write = state.store.write().await?;
    state.store.update_practice(&mut write, id, &draft).await?;
    write.commit_audited(&audit).await?;
    Ok(Json(reload(&state, &user, id).await?))
}

async fn moderate(
    State(state): State<AppState>,
    Moderator(user): Moderator,
    Path(id): Path<i64>,
    ApiJson(moderation): ApiJson<Moderation>,
) -> Result<Json<Practice>> {
    let practice = visible(&state, &user, id).await?;
    let comment = moderation.comment.trim();
    if comment.chars().count() > 2000 {
        return Err(AppError::invalid(
            "comment",
            "must be at most 2,000 characters",
        ));
    }
    let (status, action) = match moderation.decision {
        ModerationDecision::Publish => (PracticeStatus::Published, Audit::PracticePublished),
        ModerationDecision::Return if comment.is_empty() => {
            return Err(AppError::invalid(
                "comment",
                "say what the author should change",
            ));
        }
        ModerationDecision::Return => (PracticeStatus::Returned, Audit::PracticeReturned),
    };
    let comment = (!comment.is_empty()).then_some(comment);
    let audit = AuditRecord::new(&user.email, action, format!("practice #{id}"), "").with_event(
        &Event::Practice {
            practice_id: id,
            title: practice.draft.title.clone(),
            published: status == PracticeStatus::Published,
            comment: comment.unwrap_or_default().to_owned(),
            author_user_id: practice.author_user_id,
            author_org_id: practice.author_org_id,
        },
        state.clock.now(),
    );
    let mut write = state.store.write().await?;
    state
        .store
        .moderate_practice(&mut write, id, status, comment)
        .await?;
    write.commit_audited(&audit).await?;
    Ok(Json(reload(&state, &user, id).await?))
}

/// The published practice a member marks (or unmarks) as adopted by their organisation.
async fn set_adoption(state: &AppState, user: &User, id: i64, adopted: bool) -> Result<Practice> {
    let practice = visible(state, user, id).await?;
    let org_id = viewer_org(user).ok_or_else(|| not_found(id))?;
    if practice.status != PracticeStatus::Published {
        return Err(AppError::Conflict(format!(
            "practice #{id} is not published yet"
        )));
    }
    state.store.set_adoption(id, org_id, adopted).await?;
    reload(state, user, id).await
}

async fn adopt(
    State(state): State<AppState>,
    Member(user): Member,
    Path(id): Path<i64>,
) -> Result<Json<Practice>> {
    Ok(Json(set_adoption(&state, &user, id, true).await?))
}

async fn unadopt(
    State(state): State<AppState>,
    Member(user): Member,
    Path(id): Path<i64>,
) -> Result<Json<Practice>> {
    Ok(Json(set_adoption(&state, &user, id, false).await?))
}
