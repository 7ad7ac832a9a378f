//! Logging in: the throttled check of an email and password (by account, or by the browser
//! the account logged in from before, and by client address), and the cap on concurrent
//! password hashing every password check goes through. Sessions and their cookies are the HTTP
//! layer's.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use shared::account::User;
use shared::format::hex;
use tokio::sync::Semaphore;

use crate::auth;
use crate::error::{AppError, BUSY_RETRY_AFTER_SECONDS, Result};
use crate::events::Audit;
use crate::store::{AuditRecord, LoginAttempt, Store};

/// Failed logins allowed per account, and per client address, within the window.
const FAILURES_PER_ACCOUNT: usize = 5;
const FAILURES_PER_IP: usize = 20;
pub const FAILURE_WINDOW_SECONDS: i64 = 15 * 60;

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

/// A login attempt.
#[derive(Debug)]
pub struct Attempt {
    /// Lowercase, trimmed.
    pub email: String,
    pub password: String,
    /// The hash of the browser's device cookie, if it sent one.
    pub device: Option<[u8; 32]>,
    /// The client's address.
    pub ip: String,
    pub now: i64,
}

/// Who logged in, and whether from a browser the account logged in from before.
#[derive(Debug)]
pub struct Authenticated {
    pub user: User,
    pub known_device: bool,
}

/// Checks an email and password. The attempt counts before the password is checked,
/// atomically across instances, so that parallel attempts count each other: no more than the
/// limit are ever evaluated (429 past it). A wrong email or password is 401, recorded in the
/// audit log before the answer.
pub async fn authenticate(store: &dyn Store, attempt: Attempt) -> Result<Authenticated> {
    let Attempt {
        email,
        password,
        device,
        ip,
        now,
    } = attempt;
    // A browser the account has logged in from counts its failures on its own: a stranger's
    // wrong passwords lock the account for every other browser, never for its owner's.
    let known_device = match device {
        Some(hash) => store
            .known_device(&hash, &email, now)
            .await?
            .then(|| hex(&hash)),
        None => None,
    };
    let account = match &known_device {
        Some(device) => format!("device:{device}"),
        None => format!("email:{email}"),
    };
    let address = format!("ip:{ip}");
    let subjects = [
        (account.as_str(), FAILURES_PER_ACCOUNT),
        (address.as_str(), FAILURES_PER_IP),
    ];
    let attempts = match store
        .begin_login_attempt(&subjects, now, now - FAILURE_WINDOW_SECONDS)
        .await?
    {
        LoginAttempt::Allowed(ids) => ids,
        LoginAttempt::Refused { times, limit } => return Err(refused(&times, limit, now)),
    };

    let credentials = store.credentials(&email).await?;
    let stored_hash = credentials.as_ref().map_or_else(
        || auth::dummy_password_hash().to_owned(),
        |c| c.password_hash.clone(),
    );
    let password_ok = blocking(move || auth::verify_password(&password, &stored_hash)).await?;
    match credentials {
        Some(credentials) if password_ok => {
            store.clear_login_failures(&account).await?;
            store.forget_login_attempts(&attempts).await?;
            Ok(Authenticated {
                user: credentials.user,
                known_device: known_device.is_some(),
            })
        }
        _ => {
            // Recorded (bounded, as every entry is) before the answer: if the store cannot
            // take it, the client gets 503, and the attempt still counts.
            let audit =
                AuditRecord::new("anonymous", Audit::LoginFailed, email, format!("from {ip}"));
            store.audit(audit).await?;
            Err(AppError::InvalidCredentials)
        }
    }
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
