//! Client organisations, for platform admins: `/api/v1/clients`. Their reviewers are invited
//! like any account (`POST /api/v1/invitations` with `role: client_reviewer` and `client_id`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use shared::client::{ClientOrg, NewClientOrg};

use super::AppState;
use super::extract::{Admin, ApiJson};
use super::routes::*;
use crate::error::{AppError, Result};
use crate::events::Audit;
use crate::store::AuditRecord;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/clients",
            list,
            200,
            Session,
            "Client organisations with their number of reviewers (admin)",
        )
        .returns(many::<ClientOrg>()),
        post(
            "/v1/clients",
            create,
            201,
            Session,
            "Create a client organisation: a bank, insurer or retailer whose reviewers read what its suppliers share with it (admin)",
        )
        .takes(one::<NewClientOrg>())
        .returns(one::<ClientOrg>())
        .errors(&[409]),
    ]
}

async fn list(State(state): State<AppState>, Admin(_): Admin) -> Result<Json<Vec<ClientOrg>>> {
    Ok(Json(state.store.client_orgs().await?))
}

async fn create(
    State(state): State<AppState>,
    Admin(admin): Admin,
    ApiJson(client): ApiJson<NewClientOrg>,
) -> Result<(StatusCode, Json<ClientOrg>)> {
    let problems = client.problems();
    if !problems.is_empty() {
        return Err(AppError::validation(
            problems
                .into_iter()
                .map(|(field, message)| (field.to_owned(), message))
                .collect(),
        ));
    }
    let mut write = state.store.write().await?;
    let created = state
        .store
        .create_client_org(&mut write, &client, state.clock.now())
        .await?;
    write
        .commit_audited(&AuditRecord::new(
            &admin.email,
            Audit::ClientOrgCreated,
            format!("client organisation #{} ({})", created.id, created.name),
            format!("address {}", created.address),
        ))
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}
