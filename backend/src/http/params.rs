//! What requests name, read into shared types before a handler runs: the quarter of a path
//! (parsed, started, or still open to writes, on the server's clock), an export table, and the
//! query's cohorts, quarters and metrics. A value that is not one answers 422 naming its field
//! (an unknown export table 404), so no handler parses a string.

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::{self, DeserializeOwned, Deserializer};
use shared::Period;
use shared::catalogue::{self, Metric};
use shared::cohort::CohortKey;

use super::AppState;
use crate::error::AppError;

/// How many quarters before the current one still take submissions and releases.
pub const LATE_QUARTERS: usize = 4;

/// The quarter that contains now (UTC), on the system clock: for tests, which name quarters
/// relative to the machine's time. The server uses [`period_now`].
pub fn current_period() -> Period {
    Period::containing_unix_seconds(crate::auth::now_unix())
}

/// The quarter that contains the server's now.
pub fn period_now(state: &AppState) -> Period {
    Period::containing_unix_seconds(state.clock.now())
}

/// A period that has started by `now`: 422 otherwise.
pub fn started(period: Period, now: Period) -> Result<Period, AppError> {
    if period > now {
        return Err(AppError::invalid(
            "period",
            format!("{period} has not started yet"),
        ));
    }
    Ok(period)
}

/// A period members may still write and publishers release: the current quarter or one of the
/// [`LATE_QUARTERS`] before it; 422 otherwise, so that no one can create periods far in the
/// past (they would list, and could be released). A released one is refused later (409).
pub fn open(period: Period, now: Period) -> Result<Period, AppError> {
    let period = started(period, now)?;
    let oldest = (0..LATE_QUARTERS).fold(now, |period, _| period.previous());
    if period < oldest {
        return Err(AppError::invalid(
            "period",
            format!("{period} is closed: only {oldest} to {now} take submissions and releases"),
        ));
    }
    Ok(period)
}

fn parse_period(text: &str) -> Result<Period, AppError> {
    text.parse()
        .map_err(|e: shared::period::PeriodParseError| AppError::invalid("period", e.to_string()))
}

/// The path's one parameter, as axum reads it (its rejections, 400, worded as before).
async fn path_text(parts: &mut Parts, state: &AppState) -> Result<String, AppError> {
    let Path(text) = Path::<String>::from_request_parts(parts, state)
        .await
        .map_err(|rejection| AppError::BadRequest(rejection.body_text()))?;
    Ok(text)
}

/// The `{period}` of the path. A handler that also reads a body takes these as
/// `Result<OpenPeriod, AppError>` and applies the result after the body is read, so that a body
/// that does not read is reported first.
#[derive(Debug, Clone, Copy)]
pub struct PathPeriod(pub Period);

impl FromRequestParts<AppState> for PathPeriod {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let text = path_text(parts, state).await?;
        Ok(Self(parse_period(&text)?))
    }
}

/// The `{period}` of the path, which has started ([`started`]).
#[derive(Debug, Clone, Copy)]
pub struct StartedPeriod(pub Period);

impl FromRequestParts<AppState> for StartedPeriod {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let PathPeriod(period) = PathPeriod::from_request_parts(parts, state).await?;
        started(period, period_now(state)).map(Self)
    }
}

/// The `{period}` of the path, still open to submissions and releases ([`open`]).
#[derive(Debug, Clone, Copy)]
pub struct OpenPeriod(pub Period);

impl FromRequestParts<AppState> for OpenPeriod {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let PathPeriod(period) = PathPeriod::from_request_parts(parts, state).await?;
        open(period, period_now(state)).map(Self)
    }
}

/// The tables `GET /api/v1/exports/{table}` serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportTable {
    Industry,
    Position,
    Compliance,
    Roadmap,
}

impl ExportTable {
    pub fn key(self) -> &'static str {
        match self {
            ExportTable::Industry => "industry",
            ExportTable::Position => "position",
            ExportTable::Compliance => "compliance",
            ExportTable::Roadmap => "roadmap",
        }
    }
}

impl FromRequestParts<AppState> for ExportTable {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let text = path_text(parts, state).await?;
        Ok(match text.as_str() {
            "industry" => ExportTable::Industry,
            "position" => ExportTable::Position,
            "compliance" => ExportTable::Compliance,
            "roadmap" => ExportTable::Roadmap,
            _ => {
                return Err(AppError::NotFound(format!(
                    "no export `{text}`: choose industry, position, compliance or roadmap"
                )));
            }
        })
    }
}

/// Starts the message of a value the query names that is not one, so that [`ApiQuery`] can
/// tell it from a malformed query (a control character: no parser's message starts with it).
const NOT_ONE: char = '\u{1f}';

fn not_one<E: de::Error>(message: impl std::fmt::Display) -> E {
    E::custom(format!("{NOT_ONE}{message}"))
}

/// A cohort of the lattice named in the query; `all` when the query names none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cohort(pub CohortKey);

impl Default for Cohort {
    fn default() -> Self {
        Self(CohortKey::All)
    }
}

impl<'de> Deserialize<'de> for Cohort {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map(Cohort)
            .map_err(|e: shared::cohort::CohortParseError| not_one(e))
    }
}

/// A quarter named in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryPeriod(pub Period);

impl<'de> Deserialize<'de> for QueryPeriod {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map(QueryPeriod)
            .map_err(|e: shared::period::PeriodParseError| not_one(e))
    }
}

/// A metric of the catalogue named in the query.
#[derive(Debug, Clone, Copy)]
pub struct MetricKey(pub &'static Metric);

impl<'de> Deserialize<'de> for MetricKey {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        catalogue::find(&text)
            .map(MetricKey)
            .ok_or_else(|| not_one(format_args!("no metric `{text}` in the catalogue")))
    }
}

/// `axum::extract::Query`, but a [`Cohort`], [`QueryPeriod`] or [`MetricKey`] that names
/// nothing answers 422 with its field; a malformed query is rejected as axum rejects it.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned> FromRequestParts<AppState> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let query = parts.uri.query().unwrap_or_default();
        let deserializer =
            serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
        let error = match serde_path_to_error::deserialize::<_, T>(deserializer) {
            Ok(value) => return Ok(Self(value)),
            Err(error) => error,
        };
        if let Some(message) = error.inner().to_string().strip_prefix(NOT_ONE) {
            return Err(AppError::invalid(&error.path().to_string(), message).into_response());
        }
        // Malformed: axum's own rejection, word for word.
        match Query::<T>::from_request_parts(parts, state).await {
            Err(rejection) => Err(rejection.into_response()),
            Ok(_) => Err(AppError::BadRequest(error.to_string()).into_response()),
        }
    }
}
