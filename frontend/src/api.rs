//! Typed client for the PeerPosture REST API, over `gloo-net` and the `shared` types.

use std::fmt;

use gloo_net::http::{Request, Response};
use serde::de::DeserializeOwned;
use shared::ErrorBody;
use shared::api::{Catalogue, Health, PeriodInfo};

/// Why an API call failed, in terms a page can show.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// No answer from the server (offline, server down, blocked).
    Unreachable,
    /// The server answered with its JSON error body.
    Server { status: u16, body: ErrorBody },
    /// The server answered with something this client does not understand.
    Unexpected(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Unreachable => f.write_str(
                "The PeerPosture server cannot be reached. Check your connection and try again.",
            ),
            ApiError::Server { body, .. } => f.write_str(&body.error.message),
            ApiError::Unexpected(detail) => {
                write!(f, "The server sent an unexpected answer ({detail}).")
            }
        }
    }
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = Request::get(path)
        .send()
        .await
        .map_err(|_| ApiError::Unreachable)?;
    decode(response).await
}

async fn decode<T: DeserializeOwned>(response: Response) -> Result<T, ApiError> {
    let status = response.status();
    if response.ok() {
        return response
            .json()
            .await
            .map_err(|error| ApiError::Unexpected(error.to_string()));
    }
    match response.json::<ErrorBody>().await {
        Ok(body) => Err(ApiError::Server { status, body }),
        Err(_) => Err(ApiError::Unexpected(format!("HTTP {status}"))),
    }
}

/// `GET /api/v1/health`.
pub async fn health() -> Result<Health, ApiError> {
    get("/api/v1/health").await
}

/// `GET /api/v1/metrics`.
pub async fn catalogue() -> Result<Catalogue, ApiError> {
    get("/api/v1/metrics").await
}

/// `GET /api/v1/periods`.
pub async fn periods() -> Result<Vec<PeriodInfo>, ApiError> {
    get("/api/v1/periods").await
}
