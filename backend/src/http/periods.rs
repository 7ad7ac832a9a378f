//! `GET /api/v1/periods`: quarters with submissions or a release, plus the current quarter;
//! and how the API reads periods and cohorts named in requests.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use shared::Period;
use shared::api::{PeriodInfo, PeriodStatus};
use shared::cohort::CohortKey;

use super::AppState;
use crate::error::{AppError, Result};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/periods", get(list))
}

/// A period named in a request: 422 when malformed.
pub(super) fn parse_period(text: &str) -> Result<Period> {
    text.parse()
        .map_err(|e: shared::period::PeriodParseError| AppError::invalid("period", e.to_string()))
}

/// A period that has started (now or earlier): 422 when malformed or in the future.
pub(super) fn reportable_period(text: &str) -> Result<Period> {
    let period = parse_period(text)?;
    if period > current_period() {
        return Err(AppError::invalid(
            "period",
            format!("{period} has not started yet"),
        ));
    }
    Ok(period)
}

/// How many quarters before the current one still take submissions and releases.
pub const LATE_QUARTERS: usize = 4;

/// A period members may still write and publishers release: the current quarter or one of
/// the [`LATE_QUARTERS`] before it; 422 otherwise, so that no one can create periods far in
/// the past (they would list, and could be released). A released one is refused later (409).
pub(super) fn writable_period(text: &str) -> Result<Period> {
    let period = reportable_period(text)?;
    let current = current_period();
    let oldest = (0..LATE_QUARTERS).fold(current, |period, _| period.previous());
    if period < oldest {
        return Err(AppError::invalid(
            "period",
            format!("{period} is closed: only {oldest} to {current} take submissions and releases"),
        ));
    }
    Ok(period)
}

/// A cohort of the lattice; `all` when none is named.
pub(super) fn parse_cohort(text: Option<&str>) -> Result<CohortKey> {
    text.unwrap_or("all")
        .parse()
        .map_err(|e: shared::cohort::CohortParseError| AppError::invalid("cohort", e.to_string()))
}

/// The quarter that contains now (UTC).
pub fn current_period() -> Period {
    Period::containing_unix_seconds(crate::auth::now_unix())
}

async fn list(State(state): State<AppState>) -> Result<Json<Vec<PeriodInfo>>> {
    let records = state.store.periods().await?;
    let current = current_period();
    let mut periods: Vec<PeriodInfo> = records
        .into_iter()
        .map(|record| PeriodInfo {
            period: record.period,
            status: if record.released_at.is_some() {
                PeriodStatus::Released
            } else {
                PeriodStatus::Open
            },
            released_at: record.released_at,
        })
        .collect();
    if !periods.iter().any(|info| info.period == current) {
        periods.push(PeriodInfo {
            period: current,
            status: PeriodStatus::Open,
            released_at: None,
        });
        periods.sort_by_key(|info| info.period);
    }
    Ok(Json(periods))
}
