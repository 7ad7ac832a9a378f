//! Organisations and users, for admins: `/api/v1/orgs`, `/api/v1/users`.

use std::collections::{BTreeMap, HashSet};

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::account::{NewOrganisation, Organisation, Role, RoleChange, User};

use super::AppState;
use super::extract::{Admin, ApiJson, Verifier};
use super::routes::*;
use crate::error::{AppError, Result};
use crate::events::Audit;
use crate::store::AuditRecord;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/orgs",
            list_orgs,
            200,
            Session,
            "Organisations with attributes and verification state (admin, publisher)",
        )
        .returns(many::<Organisation>()),
        post(
            "/v1/orgs",
            create_org,
            201,
            Session,
            "Create an organisation (admin)",
        )
        .takes(one::<NewOrganisation>())
        .returns(one::<Organisation>())
        .errors(&[409]),
        post(
            "/v1/orgs/{id}/verify",
            verify_org,
            200,
            Session,
            "Propose verifying an organisation (admin), or confirm another admin's proposal (admin, publisher)",
        )
        .returns(one::<Organisation>())
        .errors(&[409]),
        get(
            "/v1/users",
            list_users, 200, Session, "Users (admin)").returns(many::<User>()),
        put(
            "/v1/users/{id}/role",
            change_role,
            200,
            Session,
            "Change a user's role (admin)",
        )
        .takes(one::<RoleChange>())
        .returns(one::<User>())
        .errors(&[409]),
    ]
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
    let mut write = state.store.write().await?;
    let created = state.store.create_org(&mut write, &org).await?;
    write
        .commit_audited(&AuditRecord::new(
            &admin.email,
            Audit::OrganisationCreated,
            org_target(&created),
            "",
        ))
        .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Every organisation with its attributes and verification state (never a value): admins
/// administer them, publishers confirm their verification.
async fn list_orgs(State(state): State<AppState>, _: Verifier) -> Result<Json<Vec<Organisation>>> {
    Ok(Json(state.store.orgs().await?))
}

/// Verifying takes two people (anonymity policy v3, rule 1): a platform admin proposes, and
/// another admin or a publisher confirms; neither may belong to the organisation. A call on a
/// verified organisation answers it unchanged.
async fn verify_org(
    State(state): State<AppState>,
    Verifier(user): Verifier,
    Path(id): Path<i64>,
) -> Result<Json<Organisation>> {
    let not_found = || AppError::NotFound(format!("no organisation #{id}"));
    let org = state.store.org(id).await?.ok_or_else(not_found)?;
    if org.verified {
        return Ok(Json(org));
    }
    if user.org.as_ref().is_some_and(|own| own.id == id) {
        return Err(AppError::Forbidden(
            "a member of an organisation cannot take part in verifying it".to_owned(),
        ));
    }
    let mut write = state.store.write().await?;
    let (step, action, detail) = match org.proposed_by {
        None if user.role == Role::Admin => (
            state
                .store
                .propose_verification(&mut write, id, user.id)
                .await?,
            Audit::OrganisationVerificationProposed,
            "awaiting a second admin or a publisher",
        ),
        None => {
            return Err(AppError::Conflict(
                "a platform admin must propose verifying this organisation first".to_owned(),
            ));
        }
        Some(proposer) if proposer == user.id => {
            return Err(AppError::Conflict(
                "you proposed this verification: another admin or a publisher must confirm it"
                    .to_owned(),
            ));
        }
        Some(_) => (
            state
                .store
                .confirm_verification(&mut write, id, user.id)
                .await?,
            Audit::OrganisationVerified,
            "confirmed a proposal by another person",
        ),
    };
    let org = match step {
        Some(org) => {
            let audit = AuditRecord::new(&user.email, action, org_target(&org), detail);
            write.commit_audited(&audit).await?;
            org
        }
        // Nothing changed: another request took the same step first.
        None => {
            drop(write);
            state.store.org(id).await?.ok_or_else(not_found)?
        }
    };
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
    let mut write = state.store.write().await?;
    let user = state
        .store
        .set_role(&mut write, id, change.role)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no user #{id}")))?;
    let detail = format!("now {}", change.role.key());
    write
        .commit_audited(&AuditRecord::new(
            &admin.email,
            Audit::RoleChanged,
            &user.email,
            detail,
        ))
        .await?;
    Ok(Json(user))
}

fn org_target(org: &Organisation) -> String {
    format!("organisation #{} ({})", org.id, org.name)
}
