//! `GET /api/v1/exports/{table}?format=csv|xlsx&period=&cohort=&standard=`: the industry table
//! of a peer group, the caller's position per metric, its compliance with a standard, and its
//! roadmap, as CSV or an Excel workbook (built by `services::exports`).

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::Period;
use shared::cohort::CohortKey;

use super::AppState;
use super::benchmarks::cached;
use super::extract::Caller;
use super::params::{ApiQuery, Cohort, ExportTable, QueryPeriod, period_now, started};
use super::routes::*;
use crate::error::{AppError, Result};
use crate::services;
use crate::services::exports;

pub fn routes() -> Vec<Route> {
    vec![
        get(
            "/v1/exports/{table}",
            export,
            200,
            SessionOrToken,
            "A table as CSV or Excel: industry (any user), position, compliance, roadmap (members)",
        )
        .query(&[
            ("format", false, export_format),
            ("period", false, reference::<Period>),
            ("cohort", false, reference::<CohortKey>),
            ("standard", false, int64),
        ])
        .returns(Body::Export),
    ]
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    format: Option<String>,
    period: Option<QueryPeriod>,
    #[serde(default)]
    cohort: Cohort,
    standard: Option<i64>,
}

/// `GET /api/v1/exports/{table}`: any logged-in user or `read` token for the industry table;
/// the organisation's members and `read` tokens for its position, compliance and roadmap.
async fn export(
    State(state): State<AppState>,
    caller: Caller,
    table: ExportTable,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response> {
    // Who may, before anything is looked up (the tables below ask again: it is a pure check).
    match table {
        ExportTable::Industry => caller.may_read_benchmarks()?,
        _ => drop(caller.reader()?),
    }
    let format = ExportFormat::asked(query.format.as_deref())?;
    let Cohort(cohort) = query.cohort;
    let period = match query.period {
        Some(QueryPeriod(period)) => started(period, period_now(&state))?,
        None => services::benchmarks::latest(state.store.as_ref()).await?,
    };
    if query.standard.is_some() && table != ExportTable::Compliance {
        return Err(AppError::invalid(
            "standard",
            "only the compliance export takes a standard",
        ));
    }
    let sheet = match table {
        ExportTable::Industry => exports::industry(&cached(&state, period, cohort).await?.0),
        ExportTable::Position => {
            let reader = caller.reader()?;
            let (benchmark, _) = cached(&state, period, cohort).await?;
            let own = reader
                .own_submission(
                    state.store.as_ref(),
                    period,
                    &format!("position export in {cohort}"),
                )
                .await?
                .map(|s| s.values)
                .unwrap_or_default();
            exports::position(&benchmark, &own)
        }
        ExportTable::Compliance => {
            let reader = caller.reader()?;
            let id = match query.standard {
                Some(id) => id,
                None => state
                    .store
                    .followed_standard(reader.org_id)
                    .await?
                    .ok_or_else(|| {
                        AppError::invalid(
                            "standard",
                            "your organisation follows no standard: name one with `standard`",
                        )
                    })?,
            };
            let (benchmark, _) = cached(&state, period, CohortKey::All).await?;
            let compliance = services::compliance::compliance_of(
                state.store.as_ref(),
                &reader,
                id,
                period,
                Some(cohort),
            )
            .await?;
            exports::compliance(&compliance, &benchmark)
        }
        ExportTable::Roadmap => {
            let reader = caller.reader()?;
            if query.period.is_some() {
                return Err(AppError::invalid(
                    "period",
                    "the roadmap is always of the latest released quarter",
                ));
            }
            let roadmap = services::roadmap::roadmap_of(
                state.store.as_ref(),
                &state.benchmarks,
                &reader,
                cohort,
            )
            .await?;
            let (benchmark, _) = cached(&state, roadmap.period, cohort).await?;
            exports::roadmap(&roadmap, &benchmark)
        }
    };
    let cohort_part: String = cohort
        .to_string()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let filename = format!("peerposture-{}-{period}-{cohort_part}", table.key());
    download(&sheet, format, &filename)
}

/// How an export is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

impl ExportFormat {
    /// The `format` query parameter: CSV when left out.
    pub fn asked(format: Option<&str>) -> Result<Self> {
        match format {
            None | Some("csv") => Ok(ExportFormat::Csv),
            Some("xlsx") => Ok(ExportFormat::Xlsx),
            Some(_) => Err(AppError::invalid("format", "choose `csv` or `xlsx`")),
        }
    }
}

/// A sheet as a download named `stem` plus its extension, never cached.
pub fn download(sheet: &exports::Sheet, format: ExportFormat, stem: &str) -> Result<Response> {
    let (body, content_type, ext) = match format {
        ExportFormat::Csv => (
            exports::to_csv(sheet).into_bytes(),
            "text/csv; charset=utf-8",
            "csv",
        ),
        ExportFormat::Xlsx => (
            exports::to_xlsx(sheet).map_err(|e| AppError::Internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
    };
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{stem}.{ext}\""))
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}
