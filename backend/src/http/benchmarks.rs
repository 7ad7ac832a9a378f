//! Releases and published benchmarks: `POST /api/v1/periods/{period}/release`,
//! `GET /api/v1/benchmarks/{period}`, `…/position` and `GET /api/v1/trends`.
//! Reads serve only the cells stored at release.

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::Period;
use shared::account::Role;
use shared::benchmark::Benchmark;
use shared::benchmark::{Policy, Position, ReleaseSummary, Trend, TrendPoint};
use shared::cohort::CohortKey;

use super::AppState;
use super::extract::{Insider, Reader, Releaser, session_user};
use super::params::{ApiQuery, Cohort, MetricKey, OpenPeriod, StartedPeriod};
use super::routes::*;
use crate::error::{AppError, Result};
use crate::services;
use crate::services::benchmarks::Served;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/policy",
            policy,
            200,
            Anyone,
            "The anonymity policy: version, k, count and share bands",
        )
        .returns(one::<Policy>()),
        post(
            "/v1/periods/{period}/release",
            release,
            200,
            Session,
            "Release a quarter (publisher, admin)",
        )
        .returns(one::<ReleaseSummary>())
        .errors(&[409]),
        get(
            "/v1/benchmarks/{period}",
            read,
            200,
            AnyoneMore,
            "Stored cells of a cohort (all is public, other cohorts need a login as a member, publisher or admin)",
        )
        .query(COHORT)
        .returns(one::<Benchmark>())
        .errors(&[401, 403]),
        get(
            "/v1/benchmarks/{period}/position",
            position,
            200,
            SessionOrToken,
            "Own position per metric",
        )
        .query(COHORT)
        .returns(one::<Position>()),
        get(
            "/v1/trends",
            trend,
            200,
            Session,
            "P25/P50/P75 across released quarters",
        )
        .query(&[
            ("metric", true, metric_key),
            ("cohort", false, reference::<CohortKey>),
        ])
        .returns(one::<Trend>()),
    ]
}

async fn policy(State(state): State<AppState>) -> Json<Policy> {
    Json(Policy::new(state.config.k))
}

async fn release(
    State(state): State<AppState>,
    Releaser(user): Releaser,
    OpenPeriod(period): OpenPeriod,
) -> Result<Json<ReleaseSummary>> {
    let (record, result) = crate::release::release_period(
        state.store.as_ref(),
        period,
        state.config.k,
        &user.email,
        state.clock.now(),
    )
    .await?;
    let published = result.published_count();
    let summary = ReleaseSummary {
        period,
        released_at: record.released_at,
        policy: record.policy,
        k: record.k,
        cells_published: published,
        cells_suppressed: result.cells.len() - published,
    };
    Ok(Json(summary))
}

/// The stored benchmark and its JSON; `NotFound` when the period is not released.
pub async fn cached(state: &AppState, period: Period, cohort: CohortKey) -> Result<Served> {
    services::benchmarks::released(state.store.as_ref(), &state.benchmarks, period, cohort).await
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CohortQuery {
    #[serde(default)]
    cohort: Cohort,
}

/// Anyone reads cohort `all`; other cohorts need a logged-in user. The request is taken whole
/// so that an anonymous read of `all` does not copy its headers.
async fn read(
    State(state): State<AppState>,
    ApiQuery(CohortQuery {
        cohort: Cohort(cohort),
    }): ApiQuery<CohortQuery>,
    period: Result<StartedPeriod>,
    request: Request,
) -> Result<Response> {
    if cohort != CohortKey::All {
        match session_user(&state, request.headers()).await? {
            None => {
                return Err(AppError::Unauthorized(
                    "log in to see cohorts other than `all`".to_owned(),
                ));
            }
            Some(user) if user.role == Role::ClientReviewer => {
                return Err(AppError::Forbidden(
                    "client reviewers see cohorts through the attestations shared with them"
                        .to_owned(),
                ));
            }
            Some(_) => {}
        }
    }
    let StartedPeriod(period) = period?;
    let (_, bytes) = cached(&state, period, cohort).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        bytes,
    )
        .into_response())
}

async fn position(
    State(state): State<AppState>,
    reader: Reader,
    ApiQuery(CohortQuery {
        cohort: Cohort(cohort),
    }): ApiQuery<CohortQuery>,
    StartedPeriod(period): StartedPeriod,
) -> Result<Json<Position>> {
    let (benchmark, _) = cached(&state, period, cohort).await?;
    let own = reader
        .own_submission(
            state.store.as_ref(),
            period,
            &format!("position in {cohort}"),
        )
        .await?
        .map(|s| s.values)
        .unwrap_or_default();

    Ok(Json(shared::benchmark::position(&benchmark, &own)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrendQuery {
    metric: MetricKey,
    #[serde(default)]
    cohort: Cohort,
}

async fn trend(
    State(state): State<AppState>,
    _: Insider,
    ApiQuery(TrendQuery {
        metric: MetricKey(metric),
        cohort: Cohort(cohort),
    }): ApiQuery<TrendQuery>,
) -> Result<Json<Trend>> {
    let points = state
        .store
        .trend(&metric.key, cohort)
        .await?
        .into_iter()
        .map(|(period, cell)| TrendPoint {
            period,
            suppressed: cell.suppressed,
            reason: cell.reason,
            p25: cell.p25,
            p50: cell.p50,
            p75: cell.p75,
        })
        .collect();
    Ok(Json(Trend {
        metric: metric.key.clone(),
        cohort,
        points,
    }))
}
