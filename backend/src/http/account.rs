//! Login, logout, the current user and password changes: `/api/v1/auth/*`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::account::{LoginRequest, PasswordChange, User, check_new_password};

use super::AppState;
use super::extract::{ApiJson, ClientIp, CurrentUser};
use super::routes::*;
use crate::auth;
use crate::error::{AppError, Result};
use crate::events::Audit;
use crate::services::sessions::{self, blocking};
use crate::store::{AuditRecord, Write};

pub fn routes() -> Vec<Route> {
    vec![
        post(
            "/v1/auth/login",
            login,
            200,
            Anyone,
            "Log in; sets the session cookie",
        )
        .takes(one::<LoginRequest>())
        .returns(one::<User>())
        .errors(&[401, 429]),
        post("/v1/auth/logout", logout, 204, Session, "End the session"),
        get("/v1/auth/me", me, 200, Session, "The logged-in user").returns(one::<User>()),
        put(
            "/v1/auth/password",
            change_password,
            200,
            Session,
            "Change the password; ends other sessions",
        )
        .takes(one::<PasswordChange>())
        .returns(one::<User>()),
    ]
}

/// Starts a session for `user` on `write` and commits it with what the write already holds:
/// the response carries the user and the session cookie.
pub async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    mut write: Write,
    user: User,
) -> Result<Response> {
    let token = auth::random_token();
    state
        .store
        .create_session(
            &mut write,
            &auth::token_hash(&token),
            user.id,
            state.clock.now(),
            state.clock.now() + auth::SESSION_TTL_SECONDS,
        )
        .await?;
    write.commit().await?;
    let cookie = auth::session_set_cookie(headers, Some(&token));
    Ok(([(header::SET_COOKIE, cookie)], Json(user)).into_response())
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response> {
    let now = state.clock.now();
    let device = auth::device_cookie(&headers).map(auth::token_hash);
    let attempt = sessions::Attempt {
        email: request.email.trim().to_lowercase(),
        password: request.password,
        device,
        ip: ip.to_string(),
        now,
    };
    let sessions::Authenticated { user, known_device } =
        sessions::authenticate(state.store.as_ref(), attempt).await?;
    let mut write = state.store.write().await?;
    if let Some(old) = auth::session_cookie(&headers) {
        // Rotate: a session id known before login never becomes a logged-in one.
        let old = auth::token_hash(old);
        state.store.delete_session(&mut write, &old).await?;
    }
    let audit = AuditRecord::new(&user.email, Audit::Login, &user.email, "");
    write.audit(&audit).await?;
    let user_id = user.id;
    let mut response = start_session(&state, &headers, write, user).await?;
    if !known_device {
        let device = auth::random_token();
        state
            .store
            .remember_device(
                &auth::token_hash(&device),
                user_id,
                now,
                now + auth::DEVICE_TTL_SECONDS,
            )
            .await?;
        response.headers_mut().append(
            header::SET_COOKIE,
            auth::device_set_cookie(&headers, &device),
        );
    }
    Ok(response)
}

async fn logout(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
) -> Result<Response> {
    let audit = AuditRecord::new(&user.email, Audit::Logout, &user.email, "");
    if let Some(token) = auth::session_cookie(&headers) {
        let mut write = state.store.write().await?;
        let token = auth::token_hash(token);
        state.store.delete_session(&mut write, &token).await?;
        write.commit_audited(&audit).await?;
    }
    let cookie = auth::session_set_cookie(&headers, None);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

async fn me(CurrentUser(user): CurrentUser) -> Json<User> {
    Json(user)
}

/// Changes the password, ends every session of the user and starts a new one.
async fn change_password(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PasswordChange>,
) -> Result<Response> {
    check_new_password(&request.new_password)
        .map_err(|message| AppError::invalid("new_password", message))?;
    let stored_hash = state
        .store
        .password_hash(user.id)
        .await?
        .ok_or_else(|| AppError::Unauthorized("please log in".to_owned()))?;
    let PasswordChange {
        current_password,
        new_password,
    } = request;
    let new_hash = blocking(move || {
        auth::verify_password(&current_password, &stored_hash)
            .then(|| auth::hash_password(&new_password))
    })
    .await?
    .ok_or_else(|| AppError::invalid("current_password", "is not your current password"))?;
    let audit = AuditRecord::new(
        &user.email,
        Audit::PasswordChanged,
        &user.email,
        "all sessions ended",
    );
    let mut write = state.store.write().await?;
    state
        .store
        .set_password(&mut write, user.id, &new_hash)
        .await?;
    write.audit(&audit).await?;
    start_session(&state, &headers, write, user).await
}
