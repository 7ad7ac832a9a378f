//! Organisations and users, for admins: `/api/v1/orgs`, `/api/v1/users`.

use std::collections::{BTreeMap, HashSet};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use shared::account::{NewOrganisation, Organisation, RoleChange, User};

use super::AppState;
use super::extract::{Admin, ApiJson};
use crate::error::{AppError, Result};
use crate::store::AuditRecord;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/orgs", get(list_orgs).post(create_org))
        .route("/v1/orgs/{id}/verify", post(verify_org))
        .route("/v1/users", get(list_users))
        .route("/v1/users/{id}/role", put(change_role))
}

async fn create_org(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(mut org): ApiJson<NewOrganisation>,
) -> Result<(StatusCode, Json<Organisation>)> {
    org.name = org.name.trim().to_owned();
    let mut errors = BTreeMap::new();
    if !(2..=120).contains(&org.name.chars().count()) {
        errors.insert("name".to_owned(), "must be 2 to 120 characters".to_owned());
    }
    if org.verticals.is_empty() {
        errors.insert(
            "verticals".to_owned(),
            "choose at least one vertical".to_owned(),
        );
    } else if org.verticals.iter().collect::<HashSet<_>>().len() != org.verticals.len() {
        errors.insert("verticals".to_owned(), "lists a vertical twice".to_owned());
    }
    if !errors.is_empty() {
        return Err(AppError::validation(errors));
    }
    let created = state
        .store
        .create_org(&org, &|created| {
            AuditRecord::new(
                &admin.email,
                "organisation_created",
                org_target(created),
                "",
            )
        })
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

async fn list_orgs(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<Organisation>>> {
    Ok(Json(state.store.orgs().await?))
}

async fn verify_org(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
) -> Result<Json<Organisation>> {
    let org = state
        .store
        .verify_org(id, &|org| {
            AuditRecord::new(&admin.email, "organisation_verified", org_target(org), "")
        })
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no organisation #{id}")))?;
    Ok(Json(org))
}

async fn list_users(State(state): State<AppState>, _: Admin) -> Result<Json<Vec<User>>> {
    Ok(Json(state.store.users().await?))
}

async fn change_role(
    State(state): State<AppState>,
    Admin(admin): Admin,
    Path(id): Path<i64>,
    ApiJson(change): ApiJson<RoleChange>,
) -> Result<Json<User>> {
    if admin.id == id {
        return Err(AppError::Conflict(
            "you cannot change your own role; ask another admin".to_owned(),
        ));
    }
    let user = state
        .store
        .set_role(id, change.role, &|user| {
            let detail = format!("now {}", change.role.key());
            AuditRecord::new(&admin.email, "role_changed", &user.email, detail)
        })
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no user #{id}")))?;
    Ok(Json(user))
}

fn org_target(org: &Organisation) -> String {
    format!("organisation #{} ({})", org.id, org.name)
}
