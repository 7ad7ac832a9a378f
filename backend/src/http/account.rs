//! Login, logout, the current user and password changes: `/api/v1/auth/*`.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::account::{LoginRequest, PasswordChange, User, check_new_password};
use shared::format::hex;

use super::AppState;
use super::extract::{ApiJson, ClientIp, CurrentUser};
use super::routes::*;
use crate::auth;
use crate::error::{AppError, BUSY_RETRY_AFTER_SECONDS, Result};
use crate::events::Audit;
use crate::store::{AuditRecord, LoginAttempt};
use tokio::sync::Semaphore;

/// Failed logins allowed per account, and per client address, within the window.
const FAILURES_PER_ACCOUNT: usize = 5;
const FAILURES_PER_IP: usize = 20;
pub const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;

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

/// Argon2id is the costliest work a request can make the server do (19 MiB and tens of
/// milliseconds of a core per hash), so at most one password hash per core runs at a time; a
/// request that cannot start one within this many seconds gets 503 with Retry-After.
const PASSWORD_QUEUE_SECONDS: u64 = 5;

static PASSWORD_SLOTS: LazyLock<Arc<Semaphore>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    Arc::new(Semaphore::new(cores))
});

/// Runs a password function off the async workers, within the server's cap on concurrent
/// password hashing.
pub async fn blocking<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    gated(
        &PASSWORD_SLOTS,
        Duration::from_secs(PASSWORD_QUEUE_SECONDS),
        work,
    )
    .await
}

/// Runs `work` on the blocking pool once one of `slots` is free, holding the slot until the
/// work ends (even if the request is dropped meanwhile); 503 after waiting `queue`.
async fn gated<T: Send + 'static>(
    slots: &Arc<Semaphore>,
    queue: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let permit = tokio::time::timeout(queue, Arc::clone(slots).acquire_owned())
        .await
        .map_err(|_| AppError::Busy {
            retry_after_seconds: BUSY_RETRY_AFTER_SECONDS,
        })?
        .map_err(|error| AppError::Internal(format!("password slots closed: {error}")))?;
    tokio::task::spawn_blocking(move || {
        let result = work();
        drop(permit);
        result
    })
    .await
    .map_err(|error| AppError::Internal(format!("password task failed: {error}")))
}

/// The 429 for a subject at its limit: allowed again once the oldest attempt that counts
/// leaves the window.
pub fn refused(times: &[i64], limit: usize, now: i64) -> AppError {
    let unlocks_at = times[times.len() - limit] + FAILURE_WINDOW_SECONDS;
    AppError::RateLimited {
        retry_after_seconds: (unlocks_at - now).max(1),
    }
}

/// Starts a session for `user`, recording `audit` with it: the response carries the user and
/// the session cookie.
pub async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    user: User,
    audit: Option<&AuditRecord>,
) -> Result<Response> {
    let token = auth::random_token();
    state
        .store
        .create_session(
            &auth::token_hash(&token),
            user.id,
            state.clock.now(),
            state.clock.now() + auth::SESSION_TTL_SECONDS,
            audit,
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
    let now = state.clock.now();
    // A browser the account has logged in from counts its failures on its own: a stranger's
    // wrong passwords lock the account for every other browser, never for its owner's.
    let known_device = match auth::device_cookie(&headers) {
        Some(token) => {
            let hash = auth::token_hash(token);
            state
                .store
                .known_device(&hash, &email, now)
                .await?
                .then(|| hex(&hash))
        }
        None => None,
    };
    let account = match &known_device {
        Some(device) => format!("device:{device}"),
        None => format!("email:{email}"),
    };
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
        LoginAttempt::Refused { times, limit } => return Err(refused(&times, limit, now)),
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
                state
                    .store
                    .delete_session(&auth::token_hash(old), None)
                    .await?;
            }
            let email = &credentials.user.email;
            let audit = AuditRecord::new(email, Audit::Login, email, "");
            let user_id = credentials.user.id;
            let mut response =
                start_session(&state, &headers, credentials.user, Some(&audit)).await?;
            if known_device.is_none() {
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
        _ => {
            // Recorded (bounded, as every entry is) before the answer: if the store cannot
            // take it, the client gets 503, and the attempt still counts.
            let audit =
                AuditRecord::new("anonymous", Audit::LoginFailed, email, format!("from {ip}"));
            state.store.audit(audit).await?;
            Err(AppError::InvalidCredentials)
        }
    }
}

async fn logout(
    State(state): State<AppState>,
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
) -> Result<Response> {
    let audit = AuditRecord::new(&user.email, Audit::Logout, &user.email, "");
    if let Some(token) = auth::session_cookie(&headers) {
        state
            .store
            .delete_session(&auth::token_hash(token), Some(&audit))
            .await?;
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
    state.store.set_password(user.id, &new_hash, &audit).await?;
    start_session(&state, &headers, user, None).await
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn password_work_runs_at_most_the_cap_at_once_and_sheds_the_rest() {
        let slots = Arc::new(Semaphore::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (slots, running, most) = (slots.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    gated(&slots, Duration::from_secs(30), move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(40));
                        running.fetch_sub(1, Ordering::SeqCst);
                    })
                    .await
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);

        // With both slots held, a request that cannot start in time is refused with 503.
        let held: Vec<_> = (0..2)
            .map(|_| {
                let slots = slots.clone();
                tokio::spawn(async move {
                    gated(&slots, Duration::from_secs(30), || {
                        std::thread::sleep(Duration::from_millis(500))
                    })
                    .await
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        let shed = gated(&slots, Duration::from_millis(50), || ()).await;
        assert!(matches!(shed, Err(AppError::Busy { .. })), "{shed:?}");
        for task in held {
            task.await.unwrap().unwrap();
        }
    }
}
