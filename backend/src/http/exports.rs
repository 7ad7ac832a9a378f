//! Exports of the tables users see, as CSV and as Excel workbooks:
//! `GET /api/v1/exports/{table}?format=csv|xlsx&period=&cohort=&standard=` for the industry
//! table of a peer group, the caller's position per metric, its compliance with a standard,
//! and its roadmap. Each is built from the same data as the JSON API answers, so an export
//! holds nothing the API does not already publish to the same caller.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Deserialize;
use shared::Period;
use shared::benchmark::{Benchmark, Policy, k_tails};
use shared::catalogue::{self, Metric, MetricValue};
use shared::cohort::CohortKey;
use shared::format::share_band;
use shared::plan::RoadmapItem;
use shared::standard::{ShareMeeting, requirement_text};

use super::AppState;
use super::benchmarks::cached;
use super::extract::Caller;
use super::periods::{parse_cohort, reportable_period};
use super::plan::{latest_released, roadmap_of};
use super::standards::compliance_of;
use crate::error::{AppError, Result};

pub fn router() -> Router<AppState> {
    Router::new().route("/v1/exports/{table}", get(export))
}

/// One cell of an exported table: numbers stay numbers.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Number(f64),
    Text(String),
    Empty,
}

impl From<Option<f64>> for Cell {
    fn from(value: Option<f64>) -> Self {
        value.map_or(Cell::Empty, Cell::Number)
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_owned())
    }
}

fn value_cell(value: Option<MetricValue>) -> Cell {
    match value {
        Some(MetricValue::Number(n)) => Cell::Number(n),
        Some(MetricValue::Bool(yes)) => Cell::from(if yes { "yes" } else { "no" }),
        None => Cell::Empty,
    }
}

fn text_or_empty(text: Option<String>) -> Cell {
    text.map_or(Cell::Empty, Cell::Text)
}

/// A table to export: what it is, the notes above it in a workbook (period, peer group,
/// anonymity policy), its headers and its rows.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: &'static str,
    pub title: String,
    pub notes: Vec<String>,
    pub headers: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// RFC 4180 CSV with CRLF line ends. Text that a spreadsheet would run as a formula (starting
/// with `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'`.
pub fn to_csv(sheet: &Sheet) -> String {
    fn field(out: &mut String, text: &str) {
        let guarded = match text.chars().next() {
            Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
            _ => text.to_owned(),
        };
        if guarded.contains([',', '"', '\r', '\n']) {
            out.push('"');
            out.push_str(&guarded.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&guarded);
        }
    }
    let mut out = String::new();
    for (index, header) in sheet.headers.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        field(&mut out, header);
    }
    out.push_str("\r\n");
    for row in &sheet.rows {
        for (index, cell) in row.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            match cell {
                Cell::Number(n) => out.push_str(&n.to_string()),
                Cell::Text(text) => field(&mut out, text),
                Cell::Empty => {}
            }
        }
        out.push_str("\r\n");
    }
    out
}

/// An Excel workbook with one worksheet: the title and notes, a blank row, then the table
/// with a bold, frozen header row.
pub fn to_xlsx(sheet: &Sheet) -> std::result::Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let bold = Format::new().set_bold();
    let worksheet = workbook.add_worksheet();
    worksheet.set_name(sheet.name)?;
    worksheet.write_string_with_format(0, 0, &sheet.title, &bold)?;
    let mut row: u32 = 1;
    for note in &sheet.notes {
        worksheet.write_string(row, 0, note)?;
        row += 1;
    }
    row += 1;
    for (col, header) in (0u16..).zip(&sheet.headers) {
        worksheet.write_string_with_format(row, col, *header, &bold)?;
    }
    worksheet.set_freeze_panes(row + 1, 0)?;
    for cells in &sheet.rows {
        row += 1;
        for (col, cell) in (0u16..).zip(cells) {
            match cell {
                Cell::Number(n) => {
                    worksheet.write_number(row, col, *n)?;
                }
                Cell::Text(text) => {
                    worksheet.write_string(row, col, text)?;
                }
                Cell::Empty => {}
            }
        }
    }
    workbook.save_to_buffer()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Table {
    Industry,
    Position,
    Compliance,
    Roadmap,
}

impl Table {
    fn parse(text: &str) -> Result<Self> {
        Ok(match text {
            "industry" => Table::Industry,
            "position" => Table::Position,
            "compliance" => Table::Compliance,
            "roadmap" => Table::Roadmap,
            _ => {
                return Err(AppError::NotFound(format!(
                    "no export `{text}`: choose industry, position, compliance or roadmap"
                )));
            }
        })
    }

    fn key(self) -> &'static str {
        match self {
            Table::Industry => "industry",
            Table::Position => "position",
            Table::Compliance => "compliance",
            Table::Roadmap => "roadmap",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportQuery {
    format: Option<String>,
    period: Option<String>,
    cohort: Option<String>,
    standard: Option<i64>,
}

/// The notes every workbook carries: the period, the peer group and the anonymity policy.
fn notes(period: Period, cohort: CohortKey, policy: &str, k: u32) -> Vec<String> {
    let bands = Policy::new(k).bands.join(", ");
    vec![
        format!(
            "Period: {period} (released). Peer group: {} ({cohort}).",
            cohort.label()
        ),
        format!(
            "Anonymity policy {policy}: every statistic rests on at least {k} organisations \
             (P10, P90 and the mean on at least {}); counts are bands ({bands}) and shares are bands of \
             10 points. Held-back statistics are empty.",
            k_tails(k)
        ),
        "Source: PeerPosture. Your own values appear only in exports made for your organisation."
            .to_owned(),
    ]
}

/// The columns the industry and position tables start with.
const METRIC_HEADERS: [&str; 7] = [
    "Period",
    "Peer group",
    "Metric",
    "Key",
    "CSF function",
    "Unit",
    "Direction",
];

/// The cells under [`METRIC_HEADERS`], followed by `rest`.
fn metric_row(period: Period, cohort: CohortKey, metric: &Metric, rest: Vec<Cell>) -> Vec<Cell> {
    let mut row = vec![
        Cell::from(period.to_string()),
        Cell::from(cohort.to_string()),
        Cell::from(metric.name.as_str()),
        Cell::from(metric.key.as_str()),
        Cell::from(metric.csf_function.name()),
        Cell::from(metric.unit.label()),
        Cell::from(metric.direction.label()),
    ];
    row.extend(rest);
    row
}

/// [`METRIC_HEADERS`] followed by `rest`.
fn metric_headers(rest: &[&'static str]) -> Vec<&'static str> {
    METRIC_HEADERS.iter().chain(rest).copied().collect()
}

fn industry(benchmark: &Benchmark) -> Sheet {
    let rows = catalogue::CATALOGUE
        .iter()
        .filter_map(|metric| {
            let cell = benchmark.cell(&metric.key)?;
            let rest = vec![
                text_or_empty(cell.n_band.clone()),
                text_or_empty(cell.reason.map(|r| r.label().to_owned())),
                Cell::from(cell.p10),
                Cell::from(cell.p25),
                Cell::from(cell.p50),
                Cell::from(cell.p75),
                Cell::from(cell.p90),
                Cell::from(cell.mean),
                text_or_empty(cell.share_band.as_deref().map(share_band)),
            ];
            Some(metric_row(benchmark.period, benchmark.cohort, metric, rest))
        })
        .collect();
    Sheet {
        name: "Industry",
        title: format!(
            "Industry benchmark, {}, {}",
            benchmark.cohort.label(),
            benchmark.period
        ),
        notes: notes(
            benchmark.period,
            benchmark.cohort,
            &benchmark.policy,
            benchmark.k,
        ),
        headers: metric_headers(&[
            "Organisations (band)",
            "Held back because",
            "P10 (unit)",
            "P25 (unit)",
            "Median (unit)",
            "P75 (unit)",
            "P90 (unit)",
            "Mean (unit)",
            "Share answering yes (% band)",
        ]),
        rows,
    }
}

fn position_sheet(benchmark: &Benchmark, own: &std::collections::BTreeMap<String, f64>) -> Sheet {
    let position = shared::benchmark::position(benchmark, own);
    let rows = position
        .metrics
        .iter()
        .filter_map(|p| {
            let metric = catalogue::find(&p.metric)?;
            let rest = vec![
                value_cell(p.value),
                text_or_empty(p.band.clone()),
                Cell::from(p.percentile),
                Cell::from(p.standing),
                Cell::from(benchmark.cell(&p.metric).and_then(|c| c.p50)),
            ];
            Some(metric_row(position.period, position.cohort, metric, rest))
        })
        .collect();
    Sheet {
        name: "Position",
        title: format!(
            "Your position, {}, {}",
            benchmark.cohort.label(),
            benchmark.period
        ),
        notes: notes(
            benchmark.period,
            benchmark.cohort,
            &benchmark.policy,
            benchmark.k,
        ),
        headers: metric_headers(&[
            "Your value (unit)",
            "Band",
            "Approximate percentile (0-100)",
            "Standing (0-100, higher is better)",
            "Peer median (unit)",
        ]),
        rows,
    }
}

fn share_cells(share: &ShareMeeting) -> [Cell; 2] {
    [
        text_or_empty(share.share_band.as_deref().map(share_band)),
        text_or_empty(share.n_band.clone()),
    ]
}

fn roadmap_row(
    period: Period,
    cohort: CohortKey,
    rank: Option<usize>,
    item: &RoadmapItem,
) -> Vec<Cell> {
    let metric = catalogue::find(&item.metric);
    let target = item.target.as_ref();
    let practices = item
        .practices
        .iter()
        .map(|p| format!("{} ({} adopted)", p.title, p.adoptions))
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        Cell::from(period.to_string()),
        Cell::from(cohort.to_string()),
        rank.map_or(Cell::Empty, |r| Cell::Number(r as f64)),
        Cell::from(metric.map_or(item.metric.as_str(), |m| m.name.as_str())),
        Cell::from(item.metric.as_str()),
        Cell::from(item.function.name()),
        Cell::from(metric.map_or("", |m| m.unit.label())),
        value_cell(item.value),
        Cell::from(item.standing),
        Cell::from(item.median),
        Cell::Number(item.requirements_missed as f64),
        Cell::from(item.goal),
        Cell::from(item.goal_source.label()),
        Cell::Number(item.newly_met as f64),
        Cell::from(item.standing_at_goal),
        value_cell(target.map(|t| t.value)),
        text_or_empty(target.map(|t| t.owner.clone())),
        text_or_empty(target.map(|t| t.due.to_string())),
        text_or_empty(item.progress.map(|p| p.label().to_owned())),
        Cell::from(if item.overdue { "yes" } else { "no" }),
        if practices.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(practices)
        },
    ]
}

/// `GET /api/v1/exports/{table}`: any logged-in user or `read` token for the industry table;
/// the organisation's members and `read` tokens for its position, compliance and roadmap.
async fn export(
    State(state): State<AppState>,
    caller: Caller,
    Path(table): Path<String>,
    Query(query): Query<ExportQuery>,
) -> Result<Response> {
    let table = Table::parse(&table)?;
    // Who may, before anything is looked up (the tables below ask again: it is a pure check).
    match table {
        Table::Industry => caller.may_read_benchmarks()?,
        _ => drop(caller.reader()?),
    }
    let csv = match query.format.as_deref() {
        None | Some("csv") => true,
        Some("xlsx") => false,
        Some(_) => return Err(AppError::invalid("format", "choose `csv` or `xlsx`")),
    };
    let cohort = parse_cohort(query.cohort.as_deref())?;
    let period = match query.period.as_deref() {
        Some(text) => reportable_period(text)?,
        None => latest_released(&state).await?,
    };
    if query.standard.is_some() && table != Table::Compliance {
        return Err(AppError::invalid(
            "standard",
            "only the compliance export takes a standard",
        ));
    }
    let sheet = match table {
        Table::Industry => industry(&cached(&state, period, cohort).await?.0),
        Table::Position => {
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
            position_sheet(&benchmark, &own)
        }
        Table::Compliance => {
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
            let compliance = compliance_of(&state, &reader, id, period, Some(cohort)).await?;
            let rows = compliance
                .requirements
                .iter()
                .filter_map(|row| {
                    let metric = catalogue::find(&row.requirement.metric)?;
                    let [industry_share, industry_n] = share_cells(&row.industry);
                    let [peer_share, peer_n] = share_cells(&row.cohort);
                    Some(vec![
                        Cell::from(period.to_string()),
                        Cell::from(compliance.cohort.to_string()),
                        Cell::from(compliance.standard_name.as_str()),
                        Cell::Number(compliance.standard_version as f64),
                        Cell::from(requirement_text(metric, &row.requirement)),
                        Cell::from(metric.key.as_str()),
                        Cell::from(row.requirement.tier.label()),
                        Cell::from(row.requirement.comparison.symbol()),
                        value_cell(Some(row.requirement.threshold)),
                        Cell::from(metric.unit.label()),
                        value_cell(row.value),
                        Cell::from(match row.met {
                            Some(true) => "Met",
                            Some(false) => "Missed",
                            None => "No value",
                        }),
                        Cell::from(row.gap),
                        industry_share,
                        industry_n,
                        peer_share,
                        peer_n,
                    ])
                })
                .collect();
            Sheet {
                name: "Compliance",
                title: format!(
                    "Compliance with {} (v{}), {period}",
                    compliance.standard_name, compliance.standard_version
                ),
                notes: notes(period, compliance.cohort, &benchmark.policy, benchmark.k),
                headers: vec![
                    "Period",
                    "Peer group",
                    "Standard",
                    "Version",
                    "Requirement",
                    "Key",
                    "Tier",
                    "Comparison",
                    "Threshold (unit)",
                    "Unit",
                    "Your value (unit)",
                    "Status",
                    "Gap (unit)",
                    "Industry meeting it (% band)",
                    "Industry organisations (band)",
                    "Peers meeting it (% band)",
                    "Peer organisations (band)",
                ],
                rows,
            }
        }
        Table::Roadmap => {
            let reader = caller.reader()?;
            if query.period.is_some() {
                return Err(AppError::invalid(
                    "period",
                    "the roadmap is always of the latest released quarter",
                ));
            }
            let roadmap = roadmap_of(&state, &reader, cohort).await?;
            let (benchmark, _) = cached(&state, roadmap.period, cohort).await?;
            let mut rows: Vec<Vec<Cell>> = roadmap
                .gaps
                .iter()
                .enumerate()
                .map(|(index, item)| roadmap_row(roadmap.period, cohort, Some(index + 1), item))
                .collect();
            rows.extend(
                roadmap
                    .met
                    .iter()
                    .map(|item| roadmap_row(roadmap.period, cohort, None, item)),
            );
            let mut notes = notes(roadmap.period, cohort, &benchmark.policy, benchmark.k);
            notes.push(match &roadmap.standard {
                Some(s) => format!(
                    "Requirements from {} (v{}). Ranked by requirements newly met at the goal, then the lowest standing, then the weakest CSF function; met targets follow unranked.",
                    s.name, s.version
                ),
                None => "Your organisation follows no standard. Ranked by the lowest standing, then the weakest CSF function; met targets follow unranked.".to_owned(),
            });
            Sheet {
                name: "Roadmap",
                title: format!(
                    "Improvement roadmap, {}, {}",
                    cohort.label(),
                    roadmap.period
                ),
                notes,
                headers: vec![
                    "Period",
                    "Peer group",
                    "Rank",
                    "Metric",
                    "Key",
                    "CSF function",
                    "Unit",
                    "Your value (unit)",
                    "Standing (0-100, higher is better)",
                    "Peer median (unit)",
                    "Requirements missed",
                    "Goal (unit)",
                    "Goal from",
                    "Requirements newly met at the goal",
                    "Standing at the goal (0-100)",
                    "Target (unit)",
                    "Owner",
                    "Due",
                    "Progress",
                    "Overdue",
                    "What peers did (adoptions)",
                ],
                rows,
            }
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
    let (body, content_type, ext) = if csv {
        (
            to_csv(&sheet).into_bytes(),
            "text/csv; charset=utf-8",
            "csv",
        )
    } else {
        (
            to_xlsx(&sheet).map_err(|e| AppError::Internal(e.to_string()))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        )
    };
    let filename = format!("peerposture-{}-{period}-{cohort_part}.{ext}", table.key());
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
                    .map_err(|e| AppError::Internal(e.to_string()))?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let sheet = Sheet {
            name: "Test",
            title: String::new(),
            notes: Vec::new(),
            headers: vec!["Name", "Value"],
            rows: vec![
                vec![Cell::from("a, \"b\""), Cell::Number(62.5)],
                vec![Cell::from("=HYPERLINK(\"x\")"), Cell::Number(-3.0)],
                vec![Cell::from("line\nbreak"), Cell::Empty],
            ],
        };
        assert_eq!(
            to_csv(&sheet),
            "Name,Value\r\n\"a, \"\"b\"\"\",62.5\r\n\"'=HYPERLINK(\"\"x\"\")\",-3\r\n\"line\nbreak\",\r\n"
        );
    }
}
