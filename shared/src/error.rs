//! The JSON error body every API error uses:
//! `{"error": {"code": "...", "message": "...", "fields": {...}}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Machine-readable error codes. Clients branch on these, never on messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request could not be parsed (400).
    BadRequest,
    /// Not logged in, or the session or token is not valid (401).
    Unauthorized,
    /// Wrong email or password (401); deliberately the same for unknown users.
    InvalidCredentials,
    /// Logged in, but this role or organisation may not do this (403).
    Forbidden,
    /// A state-changing browser request came from another site (403).
    CrossSiteRequest,
    /// No such resource or route (404).
    NotFound,
    /// The method is not supported on this route (405).
    MethodNotAllowed,
    /// The resource is in a state that does not allow this, e.g. already exists (409).
    Conflict,
    /// The period is released; late data goes to the next period (409).
    PeriodReleased,
    /// The request body is larger than allowed (413).
    PayloadTooLarge,
    /// The body is not of the content type this route takes (415).
    UnsupportedMediaType,
    /// The request was well-formed but some values are not acceptable (422); see `fields`.
    ValidationFailed,
    /// Too many attempts; retry after the number of seconds in `Retry-After` (429).
    RateLimited,
    /// The request was not complete, or not answered, within the server's time limit (408).
    RequestTimeout,
    /// Something failed on the server (500); details are in the server log only.
    Internal,
    /// The store is busy with other writes; retry after the seconds in `Retry-After` (503).
    Unavailable,
    /// A code this client version does not know yet.
    #[serde(other)]
    Unknown,
}

/// The top-level error body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    pub code: ErrorCode,
    /// A sentence for people.
    pub message: String,
    /// Per-field messages for validation errors, keyed by field (or metric key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fields: Option<BTreeMap<String, String>>,
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail {
                code,
                message: message.into(),
                fields: None,
            },
        }
    }

    pub fn with_fields(mut self, fields: BTreeMap<String, String>) -> Self {
        self.error.fields = Some(fields);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_to_the_documented_shape() {
        let body = ErrorBody::new(ErrorCode::NotFound, "no such route");
        assert_eq!(
            serde_json::to_string(&body).unwrap(),
            r#"{"error":{"code":"not_found","message":"no such route"}}"#
        );
        let fields = BTreeMap::from([(
            "mfa_coverage".to_owned(),
            "must be between 0 and 100 %".to_owned(),
        )]);
        let body = ErrorBody::new(ErrorCode::ValidationFailed, "invalid").with_fields(fields);
        assert!(
            serde_json::to_string(&body)
                .unwrap()
                .contains(r#""fields":{"mfa_coverage""#)
        );
    }

    #[test]
    fn unknown_codes_deserialize_as_unknown() {
        let body: ErrorBody =
            serde_json::from_str(r#"{"error":{"code":"brand_new","message":"x"}}"#).unwrap();
        assert_eq!(body.error.code, ErrorCode::Unknown);
    }
}
