//! Login, logout, the current user and password changes: `/api/v1/auth/*`.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use shared::account::{LoginRequest, PasswordChange, User, check_new_password};

use super::AppState;
use super::extract::{ApiJson, ClientIp, CurrentUser};
use crate::auth::{self, now_unix};
use crate::error::{AppError, Result};
use crate::store::LoginAttempt;

/// Failed logins allowed per account, and per client address, within the window.
const FAILURES_PER_ACCOUNT: usize = 5;
const FAILURES_PER_IP: usize = 20;
const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/auth/me", get(me))
        .route("/v1/auth/password", put(change_password))
}

/// Runs a CPU-heavy password function off the async workers.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|error| AppError::Internal(format!("password task failed: {error}")))
}

/// Starts a session for `user`: the response carries the user and the session cookie.
pub async fn start_session(state: &AppState, headers: &HeaderMap, user: User) -> Result<Response> {
    let token = auth::random_token();
    state
        .store
        .create_session(
            &auth::token_hash(&token),
            user.id,
            now_unix(),
            now_unix() + auth::SESSION_TTL_SECONDS,
        )
        .await?;
    let cookie = auth::session_set_cookie(headers, Some(&token));
    Ok(([(header::SET_COOKIE, cookie)], Json(user)).into_response())
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(request): ApiJson<LoginRequest>,
) -> Result<Response> {
    let email = request.email.trim().to_lowercase();
    let now = now_unix();
    let account = format!("email:{email}");
    let address = format!("ip:{ip}");
    // The attempt counts before the password is checked, atomically across instances, so
    // that parallel attempts count each other: no more than the limit are ever evaluated.
    let subjects = [
        (account.as_str(), FAILURES_PER_ACCOUNT),
        (address.as_str(), FAILURES_PER_IP),
    ];
    let attempts = match state
        .store
        .begin_login_attempt(&subjects, now, now - FAILURE_WINDOW_SECONDS)
        .await?
    {
        LoginAttempt::Allowed(ids) => ids,
        LoginAttempt::Refused { times, limit } => {
            // Allowed again once the oldest failure that counts leaves the window.
            let unlocks_at = times[times.len() - limit] + FAILURE_WINDOW_SECONDS;
            return Err(AppError::RateLimited {
                retry_after_seconds: (unlocks_at - now).max(1),
            });
        }
    };

    let credentials = state.store.credentials(&email).await?;
    let stored_hash = credentials.as_ref().map_or_else(
        || auth::dummy_password_hash().to_owned(),
        |c| c.password_hash.clone(),
    );
    let password = request.password;
    let password_ok = blocking(move || auth::verify_password(&password, &stored_hash)).await?;

    match credentials {
        Some(credentials) if password_ok => {
            state.store.clear_login_failures(&account).await?;
            state.store.forget_login_attempts(&attempts).await?;
            if let Some(old) = auth::session_cookie(&headers) {
                // Rotate: a session id known before login never becomes a logged-in one.
                state.store.delete_session(&auth::token_hash(old)).await?;
            }
            state
                .audit(
                    &credentials.user.email,
                    "login",
                    &credentials.user.email,
                    "",
                )
                .await;
            start_session(&state, &headers, credentials.user).await
        }
        _ => {
            state
                .audit("anonymous", "login_failed", &email, &format!("from {ip}"))
                .await;
            Err(AppError::InvalidCredentials)
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
) -> Result<Response> {
    if let Some(token) = auth::session_cookie(&headers) {
        state.store.delete_session(&auth::token_hash(token)).await?;
    }
    state.audit(&user.email, "logout", &user.email, "").await;
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
    state.store.set_password(user.id, &new_hash).await?;
    state
        .audit(
            &user.email,
            "password_changed",
            &user.email,
            "all sessions ended",
        )
        .await;
    start_session(&state, &headers, user).await
}
