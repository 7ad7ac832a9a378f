//! Invitations: an admin (any organisation) or a member admin (their own) invites someone by
//! email; the one-time link lets the invitee set a password. No mail server is needed: the link
//! is shown to the inviter and written to the server log.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use shared::account::User;
use shared::account::{
    AcceptInvitation, InvitationCreated, InvitationInfo, NewInvitation, Role, check_email,
    check_new_password,
};

use super::AppState;
use super::account::start_session;
use super::extract::{ApiJson, ClientIp, Inviter};
use super::routes::*;
use crate::auth;
use crate::error::{AppError, Result};
use crate::events::{Audit, Event};
use crate::services::sessions::{FAILURE_WINDOW_SECONDS, blocking, refused};
use crate::store::{AuditRecord, LoginAttempt, NewInvitationRecord};

pub fn routes() -> Vec<Route> {
    vec![
        post(
            "/v1/invitations",
            create,
            201,
            Session,
            "Invite by email (admin, member admin)",
        )
        .takes(one::<NewInvitation>())
        .returns(one::<InvitationCreated>())
        .errors(&[409]),
        get(
            "/v1/invitations/{token}",
            show,
            200,
            Anyone,
            "What an invitation offers",
        )
        .returns(one::<InvitationInfo>()),
        post(
            "/v1/invitations/{token}/accept",
            accept,
            200,
            Anyone,
            "Accept: set name and password; sets the session cookie",
        )
        .takes(one::<AcceptInvitation>())
        .returns(one::<User>())
        .errors(&[409, 429]),
    ]
}

async fn create(
    State(state): State<AppState>,
    Inviter(inviter): Inviter,
    ApiJson(invitation): ApiJson<NewInvitation>,
) -> Result<(StatusCode, Json<InvitationCreated>)> {
    let email = invitation.email.trim().to_lowercase();
    check_email(&email).map_err(|message| AppError::invalid("email", message))?;
    if inviter.role == Role::MemberAdmin {
        let own_org = inviter.org.as_ref().map(|org| org.id);
        if !invitation.role.is_member() || invitation.org_id != own_org {
            return Err(AppError::Forbidden(
                "member admins invite members of their own organisation only".to_owned(),
            ));
        }
    }
    match (invitation.role.is_member(), invitation.org_id) {
        (true, None) => return Err(AppError::invalid("org_id", "members need an organisation")),
        (false, Some(_)) => {
            return Err(AppError::invalid(
                "org_id",
                "only members belong to a member organisation",
            ));
        }
        (true, Some(org_id)) if state.store.org(org_id).await?.is_none() => {
            return Err(AppError::invalid(
                "org_id",
                format!("no organisation #{org_id}"),
            ));
        }
        _ => {}
    }
    let client = match (
        invitation.role == Role::ClientReviewer,
        invitation.client_id,
    ) {
        (true, None) => {
            return Err(AppError::invalid(
                "client_id",
                "client reviewers need a client organisation",
            ));
        }
        (false, Some(_)) => {
            return Err(AppError::invalid(
                "client_id",
                "only client reviewers belong to a client organisation",
            ));
        }
        (true, Some(id)) => Some(state.store.client_org(id).await?.ok_or_else(|| {
            AppError::invalid("client_id", format!("no client organisation #{id}"))
        })?),
        (false, None) => None,
    };
    // Admins see every account anyway; a member admin must not learn whether an address
    // (say, a competitor's CISO) has an account here, so their invitation is created either
    // way and only its acceptance fails (409) for an address that already has one.
    if inviter.role == Role::Admin && state.store.credentials(&email).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "an account with the email {email} already exists"
        )));
    }

    let token = auth::random_token();
    let expires_at = state.clock.now() + auth::INVITATION_TTL_SECONDS;
    let detail = match (invitation.org_id, &client) {
        (Some(org_id), _) => format!("{} of organisation #{org_id}", invitation.role.key()),
        (None, Some(client)) => format!(
            "{} of client organisation #{}",
            invitation.role.key(),
            client.id
        ),
        (None, None) => invitation.role.key().to_owned(),
    };
    let url = format!("/invite/{token}");
    let mut audit = AuditRecord::new(&inviter.email, Audit::InvitationCreated, &email, detail);
    let emailed = state.notify.mailer.is_some();
    if emailed {
        // The link goes into the event for its email; the event forgets it once expanded.
        let org = match invitation.org_id {
            Some(id) => state.store.org(id).await?.map(|o| o.name),
            None => client.as_ref().map(|client| client.name.clone()),
        };
        audit = audit.with_event(
            &Event::Invitation {
                email: email.clone(),
                link: format!("{}{url}", state.config.issuer()),
                role: invitation.role.label().to_owned(),
                org: org.unwrap_or_default(),
            },
            state.clock.now(),
        );
    }
    let mut write = state.store.write().await?;
    state
        .store
        .create_invitation(
            &mut write,
            &NewInvitationRecord {
                token_hash: auth::token_hash(&token),
                email: email.clone(),
                role: invitation.role,
                org_id: invitation.org_id,
                client_id: invitation.client_id,
                invited_by: inviter.id,
                expires_at,
            },
        )
        .await?;
    write.commit_audited(&audit).await?;
    if emailed {
        state.notify.wake();
        tracing::info!(
            "invitation for {email} as {}: emailed",
            invitation.role.key()
        );
    } else {
        // Delivery without a mail server: whoever runs the server can pass the link on.
        tracing::info!(
            "invitation for {email} as {}: open {url}",
            invitation.role.key()
        );
    }
    let created = InvitationCreated {
        token,
        url,
        expires_at: shared::period::rfc3339(expires_at),
    };
    Ok((StatusCode::CREATED, Json(created)))
}

fn invalid_link() -> AppError {
    AppError::NotFound(
        "this invitation link is not valid: it may have been used or have expired".to_owned(),
    )
}

async fn show(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Json<InvitationInfo>> {
    let info = state
        .store
        .invitation(&auth::token_hash(&token), state.clock.now())
        .await?;
    info.map(Json).ok_or_else(invalid_link)
}

/// Acceptances per client address within the login window that are not successes: guessing
/// links is throttled like guessing passwords.
const ACCEPTS_PER_IP: usize = 10;

async fn accept(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    headers: HeaderMap,
    ApiJson(acceptance): ApiJson<AcceptInvitation>,
) -> Result<Response> {
    let now = state.clock.now();
    let subject = format!("accept-ip:{ip}");
    let attempts = match state
        .store
        .begin_login_attempt(
            &[(subject.as_str(), ACCEPTS_PER_IP)],
            now,
            now - FAILURE_WINDOW_SECONDS,
        )
        .await?
    {
        LoginAttempt::Allowed(ids) => ids,
        LoginAttempt::Refused { times, limit } => return Err(refused(&times, limit, now)),
    };
    // The link first: an unknown, used or expired one costs a lookup, never a password hash.
    let token_hash = auth::token_hash(&token);
    if state.store.invitation(&token_hash, now).await?.is_none() {
        return Err(invalid_link());
    }
    let name = acceptance.name.trim().to_owned();
    let mut fields = std::collections::BTreeMap::new();
    if !(1..=100).contains(&name.chars().count()) {
        fields.insert("name".to_owned(), "must be 1 to 100 characters".to_owned());
    }
    if let Err(message) = check_new_password(&acceptance.password) {
        fields.insert("password".to_owned(), message);
    }
    if !fields.is_empty() {
        // A typo in a real invitation is not a guess.
        state.store.forget_login_attempts(&attempts).await?;
        return Err(AppError::validation(fields));
    }
    let password = acceptance.password;
    let password_hash = blocking(move || auth::hash_password(&password)).await?;
    let mut write = state.store.write().await?;
    let user = state
        .store
        .accept_invitation(&mut write, &token_hash, &name, &password_hash, now)
        .await?
        .ok_or_else(invalid_link)?;
    let audit = AuditRecord::new(
        &user.email,
        Audit::InvitationAccepted,
        &user.email,
        user.role.key(),
    );
    write.audit(&audit).await?;
    let response = start_session(&state, &headers, write, user).await?;
    state.store.forget_login_attempts(&attempts).await?;
    Ok(response)
}
