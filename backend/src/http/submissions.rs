//! Metric submissions: `/api/v1/submissions`. Members read their own organisation's values;
//! member admins and API tokens write them. Nobody else ever receives them.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::IntoResponse;
use sha2::{Digest, Sha256};
use shared::Period;
use shared::api::PeriodStatus;
use shared::submission::{
    CsvSaved, RevisionInfo, Submission, SubmissionRequest, csv_template, parse_csv, rounded_keys,
    stored_value, validate_values,
};

use super::AppState;
use super::extract::{ApiJson, Reader, Submitter, TextBody};
use super::params::{OpenPeriod, StartedPeriod};
use super::routes::*;
use crate::error::{AppError, Result};
use crate::events::Audit;
use crate::store::{AuditRecord, IdempotencyKey, Saved, StoredSubmission};

/// CSV uploads may be larger than JSON bodies (comments, spreadsheets' padding).
const CSV_LIMIT_BYTES: usize = 256 * 1024;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/metrics/template.csv",
            template,
            200,
            Anyone,
            "CSV template with every metric key",
        )
        .returns(Body::Csv),
        get(
            "/v1/submissions",
            history,
            200,
            SessionOrToken,
            "The organisation's saves (members)",
        )
        .returns(many::<RevisionInfo>()),
        get(
            "/v1/submissions/{period}",
            read,
            200,
            SessionOrToken,
            "The organisation's values",
        )
        .returns(one::<Submission>()),
        put(
            "/v1/submissions/{period}",
            write,
            200,
            SessionOrToken,
            "Save values; a retry with the same Idempotency-Key within a day gets the first answer",
        )
        .takes(one::<SubmissionRequest>())
        .returns(one::<Submission>())
        .errors(&[409]),
        post(
            "/v1/submissions/{period}/csv",
            upload_csv,
            200,
            SessionOrToken,
            "Save a metric,value CSV",
        )
        .takes(Body::Csv)
        .returns(one::<CsvSaved>())
        .errors(&[409])
        .body_limit(CSV_LIMIT_BYTES),
    ]
}

fn to_api(period: Period, released: bool, stored: Option<StoredSubmission>) -> Submission {
    let status = if released {
        PeriodStatus::Released
    } else {
        PeriodStatus::Open
    };
    match stored {
        Some(stored) => Submission {
            period,
            status,
            revision: stored.revision,
            saved_at: Some(stored.saved_at),
            saved_by: Some(stored.saved_by),
            values: stored
                .values
                .iter()
                .map(|(key, &value)| (key.clone(), stored_value(key, value)))
                .collect(),
            rounded: Vec::new(),
        },
        None => Submission {
            period,
            status,
            revision: 0,
            saved_at: None,
            saved_by: None,
            values: BTreeMap::new(),
            rounded: Vec::new(),
        },
    }
}

async fn history(State(state): State<AppState>, reader: Reader) -> Result<Json<Vec<RevisionInfo>>> {
    Ok(Json(state.store.submission_history(reader.org_id).await?))
}

async fn read(
    State(state): State<AppState>,
    reader: Reader,
    StartedPeriod(period): StartedPeriod,
) -> Result<Json<Submission>> {
    let stored = reader
        .own_submission(state.store.as_ref(), period, "the submission form")
        .await?;
    let released = state.store.period_released(period).await?;
    Ok(Json(to_api(period, released, stored)))
}

/// Saves the given values as the organisation's new revision for the period.
async fn save(
    state: &AppState,
    submitter: &Submitter,
    period: Period,
    values: &BTreeMap<String, f64>,
    idempotency: Option<&IdempotencyKey>,
    how: &str,
) -> Result<Submission> {
    let Submitter { caller, org_id } = submitter;
    let actor = caller.label();
    let target = format!("organisation #{org_id}, {period}");
    let mut write = state.store.write().await?;
    let saved = state
        .store
        .save_submission(
            &mut write,
            *org_id,
            period,
            values,
            &caller.display_name(),
            idempotency,
        )
        .await?;
    let stored = match saved {
        Saved::New(stored) => {
            let detail = format!(
                "revision {} with {} values ({how})",
                stored.revision,
                stored.values.len()
            );
            let audit = AuditRecord::new(&actor, Audit::SubmissionSaved, &target, detail);
            write.commit_audited(&audit).await?;
            stored
        }
        Saved::Replayed(stored) => stored,
    };
    Ok(to_api(period, false, Some(stored)))
}

async fn write(
    State(state): State<AppState>,
    submitter: Submitter,
    period: Result<OpenPeriod>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SubmissionRequest>,
) -> Result<Json<Submission>> {
    let OpenPeriod(period) = period?;
    let values = validate_values(&request.values).map_err(AppError::validation)?;
    let idempotency = match headers.get("idempotency-key") {
        None => None,
        Some(key) => {
            let key = key
                .to_str()
                .ok()
                .filter(|key| (1..=200).contains(&key.len()))
                .ok_or_else(|| {
                    AppError::invalid(
                        "Idempotency-Key",
                        "must be 1 to 200 visible ASCII characters",
                    )
                })?;
            let mut hasher = Sha256::new();
            hasher.update(period.to_string().as_bytes());
            hasher.update(
                serde_json::to_vec(&values).map_err(|e| AppError::Internal(e.to_string()))?,
            );
            Some(IdempotencyKey {
                key: key.to_owned(),
                request_hash: hasher.finalize().into(),
                at: state.clock.now(),
            })
        }
    };
    let mut submission = save(
        &state,
        &submitter,
        period,
        &values,
        idempotency.as_ref(),
        "API",
    )
    .await?;
    submission.rounded = rounded_keys(&request.values, &values);
    Ok(Json(submission))
}

async fn upload_csv(
    State(state): State<AppState>,
    submitter: Submitter,
    period: Result<OpenPeriod>,
    headers: HeaderMap,
    TextBody(body): TextBody,
) -> Result<Json<CsvSaved>> {
    let is_csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/csv"));
    if !is_csv {
        return Err(AppError::UnsupportedMediaType(
            "send the file with Content-Type: text/csv".to_owned(),
        ));
    }
    let OpenPeriod(period) = period?;
    let parsed = parse_csv(&body).map_err(AppError::validation)?;
    let submitted = parsed.into_iter().map(|(k, v)| (k, v.into())).collect();
    let values = validate_values(&submitted).map_err(AppError::validation)?;
    let mut submission = save(&state, &submitter, period, &values, None, "CSV upload").await?;
    submission.rounded = rounded_keys(&submitted, &values);
    Ok(Json(CsvSaved {
        saved: values.len(),
        submission,
    }))
}

async fn template() -> impl IntoResponse {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"peerposture-template.csv\""),
            ),
        ],
        csv_template(),
    )
}
