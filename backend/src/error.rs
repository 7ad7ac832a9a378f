//! The one error type of the HTTP layer. Its response is always the JSON error body of
//! `shared::ErrorBody`; details of server-side failures go to the log, never to the client.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::{ErrorBody, ErrorCode};

use crate::store::StoreError;

pub type Result<T, E = AppError> = std::result::Result<T, E>;

/// What a busy store's 503 asks clients to wait.
pub(crate) const BUSY_RETRY_AFTER_SECONDS: i64 = 2;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    #[error("wrong email or password")]
    InvalidCredentials,
    #[error("{0}")]
    Forbidden(String),
    #[error("cross-site requests may not change anything")]
    CrossSite,
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    Conflict(String),
    #[error("the period is released; late data goes to the next period")]
    PeriodReleased,
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The client did not send its body within the request timeout.
    #[error("the request body did not arrive within {0} seconds")]
    RequestTimeout(u64),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{message}")]
    Validation {
        message: String,
        fields: BTreeMap<String, String>,
    },
    #[error("too many attempts; try again in {retry_after_seconds} seconds")]
    RateLimited { retry_after_seconds: i64 },
    /// A quota is used up until `retry_after_seconds` from now; `message` says which.
    #[error("{message}")]
    QuotaUsed {
        message: String,
        retry_after_seconds: i64,
    },
    /// The store stayed locked by other writes for longer than its busy timeout.
    #[error("the server is busy; try again in {retry_after_seconds} seconds")]
    Busy { retry_after_seconds: i64 },
    #[error("{0}")]
    Internal(String),
    #[error(transparent)]
    Store(StoreError),
}

impl AppError {
    /// A 422 with one message per field.
    pub fn validation(fields: BTreeMap<String, String>) -> Self {
        let message = match fields.len() {
            1 => "1 value is not valid".to_owned(),
            n => format!("{n} values are not valid"),
        };
        AppError::Validation { message, fields }
    }

    /// A 422 for a single field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::validation(BTreeMap::from([(field.to_owned(), message.into())]))
    }

    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            AppError::BadRequest(_) => (StatusCode::BAD_REQUEST, ErrorCode::BadRequest),
            AppError::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            AppError::InvalidCredentials => {
                (StatusCode::UNAUTHORIZED, ErrorCode::InvalidCredentials)
            }
            AppError::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            AppError::CrossSite => (StatusCode::FORBIDDEN, ErrorCode::CrossSiteRequest),
            AppError::NotFound(_) => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            AppError::MethodNotAllowed(_) => {
                (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::MethodNotAllowed)
            }
            AppError::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            AppError::PeriodReleased => (StatusCode::CONFLICT, ErrorCode::PeriodReleased),
            AppError::PayloadTooLarge(_) => {
                (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::PayloadTooLarge)
            }
            AppError::RequestTimeout(_) => (StatusCode::REQUEST_TIMEOUT, ErrorCode::RequestTimeout),
            AppError::UnsupportedMediaType(_) => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                ErrorCode::UnsupportedMediaType,
            ),
            AppError::Validation { .. } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                ErrorCode::ValidationFailed,
            ),
            AppError::RateLimited { .. } | AppError::QuotaUsed { .. } => {
                (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited)
            }
            AppError::Busy { .. } => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
            AppError::Internal(_) | AppError::Store(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal)
            }
        }
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::Conflict(message) => AppError::Conflict(message),
            StoreError::PeriodReleased => AppError::PeriodReleased,
            other if other.is_busy() => {
                tracing::warn!(error = %other, "the store is busy: answering 503");
                AppError::Busy {
                    retry_after_seconds: BUSY_RETRY_AFTER_SECONDS,
                }
            }
            other => AppError::Store(other),
        }
    }
}

/// Malformed JSON is 400, the wrong shape (types, unknown fields) 422, too big 413, a missing
/// `Content-Type: application/json` 415.
impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        let message = rejection.body_text();
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge(message),
            StatusCode::UNSUPPORTED_MEDIA_TYPE => AppError::UnsupportedMediaType(message),
            StatusCode::UNPROCESSABLE_ENTITY => AppError::invalid(
                "body",
                message.trim_start_matches(
                    "Failed to deserialize the JSON body into the target type: ",
                ),
            ),
            _ => AppError::BadRequest(message),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = if status.is_server_error() && !matches!(self, AppError::Busy { .. }) {
            tracing::error!(error = %self, "request failed");
            "internal error; the details are in the server log".to_owned()
        } else {
            self.to_string()
        };
        let retry_after = match &self {
            AppError::RateLimited {
                retry_after_seconds,
            }
            | AppError::QuotaUsed {
                retry_after_seconds,
                ..
            }
            | AppError::Busy {
                retry_after_seconds,
            } => Some(*retry_after_seconds),
            _ => None,
        };
        let mut body = ErrorBody::new(code, message);
        if let AppError::Validation { fields, .. } = self {
            body = body.with_fields(fields);
        }
        let mut response = (status, Json(body)).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds.max(1)));
        }
        response
    }
}
