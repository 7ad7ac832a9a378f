//! API tokens for systems that submit on an organisation's behalf: `/api/v1/tokens`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::account::{ApiTokenCreated, ApiTokenInfo, NewApiToken, TOKEN_MAX_DAYS};

use super::AppState;
use super::extract::{ApiJson, OrgAdmin};
use super::routes::*;
use crate::auth;
use crate::error::{AppError, Result};
use crate::events::Audit;
use crate::store::{AuditRecord, NewTokenRecord};

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/tokens",
            list,
            200,
            Session,
            "API tokens of the organisation (member admin)",
        )
        .returns(many::<ApiTokenInfo>()),
        post(
            "/v1/tokens",
            create,
            201,
            Session,
            "Create an API token, shown once (member admin)",
        )
        .takes(one::<NewApiToken>())
        .returns(one::<ApiTokenCreated>()),
        delete(
            "/v1/tokens/{id}",
            revoke,
            204,
            Session,
            "Revoke an API token (member admin)",
        ),
    ]
}

// Only member admins manage tokens, always for their own organisation (`OrgAdmin`).

async fn list(State(state): State<AppState>, admin: OrgAdmin) -> Result<Json<Vec<ApiTokenInfo>>> {
    Ok(Json(
        state
            .store
            .api_tokens(admin.org_id, state.clock.now())
            .await?,
    ))
}

async fn create(
    State(state): State<AppState>,
    OrgAdmin { user, org_id }: OrgAdmin,
    ApiJson(request): ApiJson<NewApiToken>,
) -> Result<(StatusCode, Json<ApiTokenCreated>)> {
    let name = request.name.trim().to_owned();
    let mut fields = std::collections::BTreeMap::new();
    if !(1..=80).contains(&name.chars().count()) {
        fields.insert("name".to_owned(), "must be 1 to 80 characters".to_owned());
    }
    let mut scopes = request.scopes;
    scopes.sort_unstable();
    scopes.dedup();
    if scopes.is_empty() {
        fields.insert(
            "scopes".to_owned(),
            "name at least one of read and submit".to_owned(),
        );
    }
    if !(1..=TOKEN_MAX_DAYS).contains(&request.expires_in_days) {
        fields.insert(
            "expires_in_days".to_owned(),
            format!("must be 1 to {TOKEN_MAX_DAYS} days"),
        );
    }
    if !fields.is_empty() {
        return Err(AppError::validation(fields));
    }
    let token = format!("{}{}", auth::API_TOKEN_PREFIX, auth::random_token());
    let expires_at = state.clock.now() + i64::from(request.expires_in_days) * 86_400;
    let record = NewTokenRecord {
        org_id,
        created_by: user.id,
        name: name.clone(),
        token_hash: auth::token_hash(&token),
        scopes: scopes.clone(),
        expires_at,
    };
    let scope_list: Vec<&str> = scopes.iter().map(|scope| scope.key()).collect();
    let detail = format!(
        "scopes {}, expires in {} days",
        scope_list.join(" and "),
        request.expires_in_days
    );
    let mut write = state.store.write().await?;
    let id = state.store.create_api_token(&mut write, &record).await?;
    write
        .commit_audited(&AuditRecord::new(
            &user.email,
            Audit::TokenCreated,
            format!("API token #{id} ({name})"),
            detail,
        ))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(ApiTokenCreated {
            id,
            name,
            token,
            scopes,
            expires_at: shared::period::rfc3339(expires_at),
        }),
    ))
}

async fn revoke(
    State(state): State<AppState>,
    OrgAdmin { user, org_id }: OrgAdmin,
    Path(id): Path<i64>,
) -> Result<StatusCode> {
    let audit = AuditRecord::new(
        &user.email,
        Audit::TokenRevoked,
        format!("API token #{id}"),
        "",
    );
    let mut write = state.store.write().await?;
    if !state.store.revoke_api_token(&mut write, org_id, id).await? {
        return Err(AppError::NotFound(format!(
            "no active API token #{id} in your organisation"
        )));
    }
    write.commit_audited(&audit).await?;
    Ok(StatusCode::NO_CONTENT)
}
