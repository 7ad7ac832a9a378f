//! Industry standards: `/api/v1/standards`. Publishers (and admins) write drafts and publish
//! them; anyone reads published versions. Published versions never change.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde::Deserialize;
use shared::Period;
use shared::account::Role;
use shared::cohort::CohortKey;
use shared::standard::{
    Compliance, FollowedStandard, Standard, StandardDraft, StandardStatus, validate_draft,
};

use super::AppState;
use super::extract::{ApiJson, OrgAdmin, Reader, Releaser, session_user};
use super::params::{ApiQuery, Cohort, QueryPeriod};
use super::routes::*;
use crate::error::{AppError, Result};
use crate::events::Audit;
use crate::services;
use crate::store::AuditRecord;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/standards",
            list,
            200,
            AnyoneMore,
            "Published standards (publishers also see drafts)",
        )
        .returns(many::<Standard>()),
        post(
            "/v1/standards",
            create,
            201,
            Session,
            "Create a draft or a new version (publisher, admin)",
        )
        .takes(one::<StandardDraft>())
        .returns(one::<Standard>())
        .errors(&[409]),
        get(
            "/v1/standards/{id}",
            read,
            200,
            AnyoneMore,
            "A standard (drafts for publishers, admins)",
        )
        .returns(one::<Standard>()),
        put(
            "/v1/standards/{id}",
            update,
            200,
            Session,
            "Replace a draft (publisher, admin)",
        )
        .takes(one::<StandardDraft>())
        .returns(one::<Standard>())
        .errors(&[409]),
        post(
            "/v1/standards/{id}/publish",
            publish,
            200,
            Session,
            "Publish a draft (publisher, admin)",
        )
        .returns(one::<Standard>())
        .errors(&[409]),
        get(
            "/v1/standards/{id}/compliance",
            compliance,
            200,
            SessionOrToken,
            "Own compliance and shares meeting each requirement",
        )
        .query(&[
            ("period", true, reference::<Period>),
            ("cohort", false, reference::<CohortKey>),
        ])
        .returns(one::<Compliance>()),
        get(
            "/v1/org/standard",
            followed,
            200,
            SessionOrToken,
            "The standard the organisation follows",
        )
        .returns(one::<FollowedStandard>()),
        put(
            "/v1/org/standard",
            follow,
            200,
            Session,
            "Follow a published standard, or none (member admin)",
        )
        .takes(one::<FollowedStandard>())
        .returns(one::<FollowedStandard>()),
    ]
}

/// Publishers and admins see drafts; everyone else only what is published.
async fn sees_drafts(state: &AppState, headers: &HeaderMap) -> Result<bool> {
    Ok(session_user(state, headers)
        .await?
        .is_some_and(|user| matches!(user.role, Role::Publisher | Role::Admin)))
}

fn not_found(id: i64) -> AppError {
    AppError::NotFound(format!("no standard #{id}"))
}

async fn list(State(state): State<AppState>, headers: HeaderMap) -> Result<Json<Vec<Standard>>> {
    let include_drafts = sees_drafts(&state, &headers).await?;
    Ok(Json(state.store.standards(include_drafts).await?))
}

async fn read(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<i64>,
) -> Result<Json<Standard>> {
    let standard = state
        .store
        .standard(id)
        .await?
        .ok_or_else(|| not_found(id))?;
    // A draft is as good as absent for those who may not see drafts.
    if standard.status == StandardStatus::Draft && !sees_drafts(&state, &headers).await? {
        return Err(not_found(id));
    }
    Ok(Json(standard))
}

async fn create(
    State(state): State<AppState>,
    Releaser(user): Releaser,
    ApiJson(draft): ApiJson<StandardDraft>,
) -> Result<(StatusCode, Json<Standard>)> {
    validate_draft(&draft).map_err(AppError::validation)?;
    let draft = draft.snapped();
    let mut write = state.store.write().await?;
    let standard = state
        .store
        .create_standard(&mut write, &draft, user.id)
        .await?;
    let target = format!(
        "standard #{} ({} v{})",
        standard.id, standard.name, standard.version
    );
    let audit = AuditRecord::new(&user.email, Audit::StandardCreated, target, "draft");
    write.commit_audited(&audit).await?;
    Ok((StatusCode::CREATED, Json(standard)))
}

async fn update(
    State(state): State<AppState>,
    Releaser(_): Releaser,
    Path(id): Path<i64>,
    ApiJson(draft): ApiJson<StandardDraft>,
) -> Result<Json<Standard>> {
    validate_draft(&draft).map_err(AppError::validation)?;
    let draft = draft.snapped();
    let current = state
        .store
        .standard(id)
        .await?
        .ok_or_else(|| not_found(id))?;
    if draft.supersedes != current.supersedes {
        return Err(AppError::invalid(
            "supersedes",
            "a draft cannot change which version it follows",
        ));
    }
    let standard = state
        .store
        .update_standard(id, &draft)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(Json(standard))
}

async fn publish(
    State(state): State<AppState>,
    Releaser(user): Releaser,
    Path(id): Path<i64>,
) -> Result<Json<Standard>> {
    let standard =
        crate::release::publish_standard(state.store.as_ref(), id, &user.email, state.clock.now())
            .await?
            .ok_or_else(|| not_found(id))?;
    Ok(Json(standard))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ComplianceQuery {
    period: QueryPeriod,
    cohort: Option<Cohort>,
}

/// A member's compliance with a published standard in a released period: each requirement met
/// or missed (with the gap), and the published shares meeting it in the industry and a cohort.
async fn compliance(
    State(state): State<AppState>,
    reader: Reader,
    Path(id): Path<i64>,
    ApiQuery(ComplianceQuery {
        period: QueryPeriod(period),
        cohort,
    }): ApiQuery<ComplianceQuery>,
) -> Result<Json<Compliance>> {
    let cohort = cohort.map(|Cohort(cohort)| cohort);
    Ok(Json(
        services::compliance::compliance_of(state.store.as_ref(), &reader, id, period, cohort)
            .await?,
    ))
}

async fn followed(State(state): State<AppState>, reader: Reader) -> Result<Json<FollowedStandard>> {
    Ok(Json(FollowedStandard {
        standard_id: state.store.followed_standard(reader.org_id).await?,
    }))
}

/// A member admin chooses the published standard their organisation follows (or none).
async fn follow(
    State(state): State<AppState>,
    admin: OrgAdmin,
    ApiJson(body): ApiJson<FollowedStandard>,
) -> Result<Json<FollowedStandard>> {
    if let Some(id) = body.standard_id {
        let published = state
            .store
            .standard(id)
            .await?
            .is_some_and(|standard| standard.status == StandardStatus::Published);
        if !published {
            return Err(AppError::invalid(
                "standard_id",
                "choose a published standard",
            ));
        }
    }
    let detail = body
        .standard_id
        .map_or("none".to_owned(), |id| format!("standard #{id}"));
    let audit = AuditRecord::new(
        &admin.user.email,
        Audit::StandardFollowed,
        format!("organisation #{}", admin.org_id),
        detail,
    );
    let mut write = state.store.write().await?;
    state
        .store
        .follow_standard(&mut write, admin.org_id, body.standard_id)
        .await?;
    write.commit_audited(&audit).await?;
    Ok(Json(body))
}
