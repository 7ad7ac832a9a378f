//! API tokens for systems that submit on an organisation's behalf: `/api/v1/tokens`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use shared::account::{ApiTokenCreated, ApiTokenInfo, NewApiToken};

use super::AppState;
use super::extract::{ApiJson, OrgAdmin};
use crate::auth;
use crate::error::{AppError, Result};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/tokens", get(list).post(create))
        .route("/v1/tokens/{id}", delete(revoke))
}

// Only member admins manage tokens, always for their own organisation (`OrgAdmin`).

async fn list(State(state): State<AppState>, admin: OrgAdmin) -> Result<Json<Vec<ApiTokenInfo>>> {
    Ok(Json(state.store.api_tokens(admin.org_id).await?))
}

async fn create(
    State(state): State<AppState>,
    OrgAdmin { user, org_id }: OrgAdmin,
    ApiJson(request): ApiJson<NewApiToken>,
) -> Result<(StatusCode, Json<ApiTokenCreated>)> {
    let name = request.name.trim().to_owned();
    if !(1..=80).contains(&name.chars().count()) {
        return Err(AppError::invalid("name", "must be 1 to 80 characters"));
    }
    let token = format!("{}{}", auth::API_TOKEN_PREFIX, auth::random_token());
    let id = state
        .store
        .create_api_token(org_id, user.id, &name, &auth::token_hash(&token))
        .await?;
    state
        .audit(
            &user.email,
            "token_created",
            &format!("API token #{id} ({name})"),
            "",
        )
        .await;
    Ok((
        StatusCode::CREATED,
        Json(ApiTokenCreated { id, name, token }),
    ))
}

async fn revoke(
    State(state): State<AppState>,
    OrgAdmin { user, org_id }: OrgAdmin,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    if !state.store.revoke_api_token(org_id, id).await? {
        return Err(AppError::NotFound(format!(
            "no active API token #{id} in your organisation"
        )));
    }
    state
        .audit(
            &user.email,
            "token_revoked",
            &format!("API token #{id}"),
            "",
        )
        .await;
    Ok(StatusCode::NO_CONTENT)
}
