//! `GET /api/v1/periods`: quarters with submissions or a release, plus the current quarter.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use shared::Period;
use shared::api::{PeriodInfo, PeriodStatus};

use super::AppState;
use crate::error::Result;

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/periods", get(list))
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
