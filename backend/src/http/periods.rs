//! `GET /api/v1/periods`: quarters with submissions or a release, plus the current quarter,
//! with their deadlines; `PUT …/{period}/deadline` and `GET …/{period}/participation` for
//! publishers; and how the API reads periods and cohorts named in requests.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use shared::Period;
use shared::api::{PeriodInfo, PeriodStatus};
use shared::participation::{Deadline, DeadlineInput, Participation, end_of_day};
use shared::period::rfc3339;

use super::AppState;
use super::extract::{ApiJson, Releaser};
use super::params::{OpenPeriod, StartedPeriod, period_now};
use super::routes::*;
use crate::error::{AppError, Result};
use crate::events::Audit;
use crate::services;
use crate::store::AuditRecord;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/periods",
            list,
            200,
            Anyone,
            "Quarters with activity, and the current one",
        )
        .returns(many::<PeriodInfo>()),
        put(
            "/v1/periods/{period}/deadline",
            set_deadline,
            200,
            Session,
            "Set or move a quarter's submission deadline (publisher, admin)",
        )
        .takes(one::<DeadlineInput>())
        .returns(one::<Deadline>())
        .errors(&[409]),
        get(
            "/v1/periods/{period}/participation",
            participation,
            200,
            Session,
            "Verified members by how far they submitted, per cohort, and which (publisher, admin)",
        )
        .returns(one::<Participation>()),
    ]
}

async fn list(State(state): State<AppState>) -> Result<Json<Vec<PeriodInfo>>> {
    let records = state.store.periods().await?;
    let deadlines: BTreeMap<Period, i64> = state.store.deadlines().await?.into_iter().collect();
    // How many releases existed when each organisation was verified.
    let verified: Vec<i64> = state
        .store
        .orgs()
        .await?
        .into_iter()
        .filter(|org| org.verified)
        .filter_map(|org| org.verified_after_releases)
        .collect();
    // Releases in the order they were made: the organisations verified when `index` releases
    // existed are on probation in release `index + 1` (the first counts everyone), and those
    // verified after the latest release wait in the open quarter.
    let mut releases: Vec<(&str, Period)> = records
        .iter()
        .filter_map(|r| r.released_at.as_deref().map(|at| (at, r.period)))
        .collect();
    releases.sort();
    let newly_verified = |period: Period| -> u32 {
        let index = match releases.iter().position(|&(_, p)| p == period) {
            Some(0) => return 0,
            Some(index) => index,
            None => releases.len(),
        };
        let count = verified.iter().filter(|&&v| v == index as i64).count();
        u32::try_from(count).unwrap_or(u32::MAX)
    };
    let current = period_now(&state);
    let mut periods: Vec<PeriodInfo> = records
        .iter()
        .map(|record| PeriodInfo {
            period: record.period,
            status: if record.released_at.is_some() {
                PeriodStatus::Released
            } else {
                PeriodStatus::Open
            },
            released_at: record.released_at.clone(),
            deadline: deadlines.get(&record.period).copied().map(rfc3339),
            newly_verified: newly_verified(record.period),
        })
        .collect();
    if !periods.iter().any(|info| info.period == current) {
        periods.push(PeriodInfo {
            period: current,
            status: PeriodStatus::Open,
            released_at: None,
            deadline: deadlines.get(&current).copied().map(rfc3339),
            newly_verified: newly_verified(current),
        });
        periods.sort_by_key(|info| info.period);
    }
    Ok(Json(periods))
}

/// How far ahead a deadline may be set.
const DEADLINE_MAX_DAYS: i64 = 366;

/// A publisher or admin sets (or moves) the deadline of a quarter that still takes
/// submissions: a day from today to a year ahead.
async fn set_deadline(
    State(state): State<AppState>,
    Releaser(user): Releaser,
    period: Result<OpenPeriod>,
    ApiJson(input): ApiJson<DeadlineInput>,
) -> Result<Json<Deadline>> {
    let OpenPeriod(period) = period?;
    let due = end_of_day(input.due.trim())
        .ok_or_else(|| AppError::invalid("due", "expected a date such as 2026-12-31"))?;
    let now = state.clock.now();
    if due < now || due > now + DEADLINE_MAX_DAYS * 86_400 {
        return Err(AppError::invalid(
            "due",
            "must be a day from today to a year ahead",
        ));
    }
    if state.store.period_released(period).await? {
        return Err(AppError::PeriodReleased);
    }
    let due_at = rfc3339(due);
    let audit = AuditRecord {
        actor: user.email.clone(),
        action: Audit::DeadlineSet,
        target: format!("period {period}"),
        detail: format!("due {due_at}"),
        org_id: None,
        event: None,
    };
    let mut write = state.store.write().await?;
    state
        .store
        .set_deadline(&mut write, period, due, &user.email)
        .await?;
    write.commit_audited(&audit).await?;
    Ok(Json(Deadline {
        period,
        due_at,
        set_by: user.email,
    }))
}

/// How many verified members have submitted a quarter, per cohort of the lattice, as bands,
/// and, while the quarter is open, which (publishers and admins only: members never see who
/// has not submitted).
async fn participation(
    State(state): State<AppState>,
    _: Releaser,
    StartedPeriod(period): StartedPeriod,
) -> Result<Json<Participation>> {
    Ok(Json(
        services::participation::participation(state.store.as_ref(), period, state.config.k)
            .await?,
    ))
}
