//! Targets and the improvement roadmap: `GET /api/v1/targets`, `PUT` and `DELETE
//! /api/v1/targets/{metric}`, and `GET /api/v1/roadmap`. Targets are the organisation's own
//! data; the roadmap joins them with published statistics and published practices only.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::period::rfc3339;
use shared::plan::{Roadmap, Target, TargetInput, validate_target};
use shared::submission::stored_value;

use super::AppState;
use super::extract::{ApiJson, OrgAdmin, Reader};
use super::params::{ApiQuery, Cohort, period_now};
use super::routes::*;
use crate::error::{AppError, Result};
use crate::events::Audit;
use crate::services;
use crate::store::{AuditRecord, TargetRecord};

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/targets",
            list,
            200,
            SessionOrToken,
            "The organisation's targets (members)",
        )
        .returns(many::<Target>()),
        put(
            "/v1/targets/{metric}",
            save,
            200,
            Session,
            "Save the target for a metric: value, owner, due quarter (member admin)",
        )
        .takes(one::<TargetInput>())
        .returns(one::<Target>()),
        delete(
            "/v1/targets/{metric}",
            remove,
            204,
            Session,
            "Delete the target for a metric (member admin)",
        ),
        get(
            "/v1/roadmap",
            read_roadmap,
            200,
            SessionOrToken,
            "Open gaps of the latest released quarter, ranked, with targets and practices (members)",
        )
        .query(COHORT)
        .returns(one::<Roadmap>())
        .errors(&[404]),
    ]
}

async fn list(State(state): State<AppState>, reader: Reader) -> Result<Json<Vec<Target>>> {
    Ok(Json(state.store.targets(reader.org_id).await?))
}

/// A member admin saves the organisation's target for a metric. The baseline is the
/// organisation's value in the latest released quarter, when there is one.
async fn save(
    State(state): State<AppState>,
    OrgAdmin { user, org_id }: OrgAdmin,
    Path(metric): Path<String>,
    ApiJson(input): ApiJson<TargetInput>,
) -> Result<Json<Target>> {
    let value =
        validate_target(&metric, &input, period_now(&state)).map_err(AppError::validation)?;
    let reader = Reader {
        org_id,
        label: user.email.clone(),
    };
    let (baseline_period, baseline) =
        match services::benchmarks::latest_released(state.store.as_ref()).await? {
            Some(period) => {
                let own = reader
                    .own_submission(
                        state.store.as_ref(),
                        period,
                        &format!("baseline of the target for {metric}"),
                    )
                    .await?;
                let baseline = own.and_then(|s| s.values.get(&metric).copied());
                (Some(period), baseline)
            }
            None => (None, None),
        };
    let now = state.clock.now();
    let owner = input.owner.trim().to_owned();
    let record = TargetRecord {
        metric: metric.clone(),
        value,
        owner: owner.clone(),
        due: input.due,
        baseline_period,
        baseline,
        set_by: user.name.clone(),
        updated_at: now,
    };
    let audit = AuditRecord {
        actor: user.email.clone(),
        action: Audit::TargetSaved,
        target: format!("target for {metric}"),
        detail: format!("{value}, owner {owner}, due {}", input.due),
        org_id: Some(org_id),
        event: None,
    };
    let mut write = state.store.write().await?;
    state.store.save_target(&mut write, org_id, &record).await?;
    write.commit_audited(&audit).await?;
    Ok(Json(Target {
        value: stored_value(&metric, value),
        baseline: baseline.map(|b| stored_value(&metric, b)),
        metric,
        owner,
        due: input.due,
        baseline_period,
        set_by: user.name,
        updated_at: rfc3339(now),
    }))
}

async fn remove(
    State(state): State<AppState>,
    OrgAdmin { user, org_id }: OrgAdmin,
    Path(metric): Path<String>,
) -> Result<StatusCode> {
    let audit = AuditRecord {
        actor: user.email,
        action: Audit::TargetDeleted,
        target: format!("target for {metric}"),
        detail: String::new(),
        org_id: Some(org_id),
        event: None,
    };
    let mut write = state.store.write().await?;
    if state
        .store
        .delete_target(&mut write, org_id, &metric)
        .await?
    {
        write.commit_audited(&audit).await?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound(format!(
            "your organisation has no target for `{metric}`"
        )))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoadmapQuery {
    #[serde(default)]
    cohort: Cohort,
}

async fn read_roadmap(
    State(state): State<AppState>,
    reader: Reader,
    ApiQuery(RoadmapQuery {
        cohort: Cohort(cohort),
    }): ApiQuery<RoadmapQuery>,
) -> Result<Json<Roadmap>> {
    Ok(Json(
        services::roadmap::roadmap_of(state.store.as_ref(), &state.benchmarks, &reader, cohort)
            .await?,
    ))
}
