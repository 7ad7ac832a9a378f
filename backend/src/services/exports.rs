//! Exports of the tables users see, as CSV and as Excel workbooks: the industry table of a peer
//! group, an organisation's position per metric, its compliance with a standard, its roadmap,
//! and a client's portfolio. Each is built from the same data as the JSON API answers, so an export holds
//! nothing the API does not already publish to the same caller. Each table is a list of
//! columns, every header beside the cell it heads.

use rust_xlsxwriter::{Format, Workbook, XlsxError};
use shared::Period;
use shared::benchmark::{Benchmark, BenchmarkCell, MetricPosition, Policy, k_tails};
use shared::catalogue::{self, Metric, MetricValue};
use shared::cohort::CohortKey;
use shared::format::share_band;
use shared::plan::{Roadmap, RoadmapItem};
use shared::standard::{Compliance, RequirementCompliance, ShareMeeting, requirement_text};

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

/// A column of an exported table: its header and how a row fills it, side by side.
struct Column<R> {
    header: &'static str,
    cell: fn(&R) -> Cell,
}

const fn column<R>(header: &'static str, cell: fn(&R) -> Cell) -> Column<R> {
    Column { header, cell }
}

impl Sheet {
    /// The table of `rows` under `columns`.
    fn of<R>(
        name: &'static str,
        title: String,
        notes: Vec<String>,
        columns: &[Column<R>],
        rows: impl IntoIterator<Item = R>,
    ) -> Sheet {
        Sheet {
            name,
            title,
            notes,
            headers: columns.iter().map(|c| c.header).collect(),
            rows: rows
                .into_iter()
                .map(|row| columns.iter().map(|c| (c.cell)(&row)).collect())
                .collect(),
        }
    }
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

/// The notes of a table of `benchmark`'s period and peer group.
fn benchmark_notes(benchmark: &Benchmark) -> Vec<String> {
    notes(
        benchmark.period,
        benchmark.cohort,
        &benchmark.policy,
        benchmark.k,
    )
}

/// What the industry and position tables start with: the period, the peer group and the metric.
struct MetricHead<'a> {
    period: Period,
    cohort: CohortKey,
    metric: &'a Metric,
}

trait Headed {
    fn head(&self) -> &MetricHead<'_>;
}

/// The columns the industry and position tables start with.
fn metric_columns<R: Headed>() -> Vec<Column<R>> {
    vec![
        column("Period", |r: &R| Cell::from(r.head().period.to_string())),
        column("Peer group", |r: &R| {
            Cell::from(r.head().cohort.to_string())
        }),
        column("Metric", |r: &R| Cell::from(r.head().metric.name.as_str())),
        column("Key", |r: &R| Cell::from(r.head().metric.key.as_str())),
        column("CSF function", |r: &R| {
            Cell::from(r.head().metric.csf_function.name())
        }),
        column("Unit", |r: &R| Cell::from(r.head().metric.unit.label())),
        column("Direction", |r: &R| {
            Cell::from(r.head().metric.direction.label())
        }),
    ]
}

struct IndustryRow<'a> {
    head: MetricHead<'a>,
    cell: &'a BenchmarkCell,
}

impl Headed for IndustryRow<'_> {
    fn head(&self) -> &MetricHead<'_> {
        &self.head
    }
}

/// The published statistics of a peer group.
pub fn industry(benchmark: &Benchmark) -> Sheet {
    let mut columns = metric_columns::<IndustryRow>();
    columns.extend([
        column("Organisations (band)", |r: &IndustryRow| {
            text_or_empty(r.cell.n_band.clone())
        }),
        column("Held back because", |r: &IndustryRow| {
            text_or_empty(r.cell.reason.map(|reason| reason.label().to_owned()))
        }),
        column("P10 (unit)", |r: &IndustryRow| Cell::from(r.cell.p10)),
        column("P25 (unit)", |r: &IndustryRow| Cell::from(r.cell.p25)),
        column("Median (unit)", |r: &IndustryRow| Cell::from(r.cell.p50)),
        column("P75 (unit)", |r: &IndustryRow| Cell::from(r.cell.p75)),
        column("P90 (unit)", |r: &IndustryRow| Cell::from(r.cell.p90)),
        column("Mean (unit)", |r: &IndustryRow| Cell::from(r.cell.mean)),
        column("Share answering yes (% band)", |r: &IndustryRow| {
            text_or_empty(r.cell.share_band.as_deref().map(share_band))
        }),
    ]);
    let rows = catalogue::CATALOGUE.iter().filter_map(|metric| {
        Some(IndustryRow {
            head: MetricHead {
                period: benchmark.period,
                cohort: benchmark.cohort,
                metric,
            },
            cell: benchmark.cell(&metric.key)?,
        })
    });
    Sheet::of(
        "Industry",
        format!(
            "Industry benchmark, {}, {}",
            benchmark.cohort.label(),
            benchmark.period
        ),
        benchmark_notes(benchmark),
        &columns,
        rows,
    )
}

struct PositionRow<'a> {
    head: MetricHead<'a>,
    position: &'a MetricPosition,
    median: Option<f64>,
}

impl Headed for PositionRow<'_> {
    fn head(&self) -> &MetricHead<'_> {
        &self.head
    }
}

/// An organisation's position in a peer group, from its own values `own`.
pub fn position(benchmark: &Benchmark, own: &std::collections::BTreeMap<String, f64>) -> Sheet {
    let position = shared::benchmark::position(benchmark, own);
    let mut columns = metric_columns::<PositionRow>();
    columns.extend([
        column("Your value (unit)", |r: &PositionRow| {
            value_cell(r.position.value)
        }),
        column("Band", |r: &PositionRow| {
            text_or_empty(r.position.band.clone())
        }),
        column("Approximate percentile (0-100)", |r: &PositionRow| {
            Cell::from(r.position.percentile)
        }),
        column("Standing (0-100, higher is better)", |r: &PositionRow| {
            Cell::from(r.position.standing)
        }),
        column("Peer median (unit)", |r: &PositionRow| Cell::from(r.median)),
    ]);
    let rows = position.metrics.iter().filter_map(|p| {
        Some(PositionRow {
            head: MetricHead {
                period: position.period,
                cohort: position.cohort,
                metric: catalogue::find(&p.metric)?,
            },
            position: p,
            median: benchmark.cell(&p.metric).and_then(|c| c.p50),
        })
    });
    Sheet::of(
        "Position",
        format!(
            "Your position, {}, {}",
            benchmark.cohort.label(),
            benchmark.period
        ),
        benchmark_notes(benchmark),
        &columns,
        rows,
    )
}

fn share_cells(share: &ShareMeeting) -> [Cell; 2] {
    [
        text_or_empty(share.share_band.as_deref().map(share_band)),
        text_or_empty(share.n_band.clone()),
    ]
}

struct ComplianceRow<'a> {
    period: Period,
    compliance: &'a Compliance,
    row: &'a RequirementCompliance,
    metric: &'a Metric,
}

/// The compliance table's columns.
fn compliance_columns<'a>() -> [Column<ComplianceRow<'a>>; 17] {
    [
        column("Period", |r| Cell::from(r.period.to_string())),
        column("Peer group", |r| {
            Cell::from(r.compliance.cohort.to_string())
        }),
        column("Standard", |r| {
            Cell::from(r.compliance.standard_name.as_str())
        }),
        column("Version", |r| {
            Cell::Number(r.compliance.standard_version as f64)
        }),
        column("Requirement", |r| {
            Cell::from(requirement_text(r.metric, &r.row.requirement))
        }),
        column("Key", |r| Cell::from(r.metric.key.as_str())),
        column("Tier", |r| Cell::from(r.row.requirement.tier.label())),
        column("Comparison", |r| {
            Cell::from(r.row.requirement.comparison.symbol())
        }),
        column("Threshold (unit)", |r| {
            value_cell(Some(r.row.requirement.threshold))
        }),
        column("Unit", |r| Cell::from(r.metric.unit.label())),
        column("Your value (unit)", |r| value_cell(r.row.value)),
        column("Status", |r| {
            Cell::from(match r.row.met {
                Some(true) => "Met",
                Some(false) => "Missed",
                None => "No value",
            })
        }),
        column("Gap (unit)", |r| Cell::from(r.row.gap)),
        column("Industry meeting it (% band)", |r| {
            let [share, _] = share_cells(&r.row.industry);
            share
        }),
        column("Industry organisations (band)", |r| {
            let [_, n] = share_cells(&r.row.industry);
            n
        }),
        column("Peers meeting it (% band)", |r| {
            let [share, _] = share_cells(&r.row.cohort);
            share
        }),
        column("Peer organisations (band)", |r| {
            let [_, n] = share_cells(&r.row.cohort);
            n
        }),
    ]
}

/// An organisation's compliance with a standard; `benchmark` gives the policy of the notes.
pub fn compliance(compliance: &Compliance, benchmark: &Benchmark) -> Sheet {
    let period = compliance.period;
    let rows = compliance.requirements.iter().filter_map(|row| {
        Some(ComplianceRow {
            period,
            compliance,
            row,
            metric: catalogue::find(&row.requirement.metric)?,
        })
    });
    Sheet::of(
        "Compliance",
        format!(
            "Compliance with {} (v{}), {period}",
            compliance.standard_name, compliance.standard_version
        ),
        notes(period, compliance.cohort, &benchmark.policy, benchmark.k),
        &compliance_columns(),
        rows,
    )
}

struct RoadmapRow<'a> {
    period: Period,
    cohort: CohortKey,
    /// Gaps are ranked; met targets follow unranked.
    rank: Option<usize>,
    item: &'a RoadmapItem,
    metric: Option<&'a Metric>,
}

/// The roadmap table's columns.
fn roadmap_columns<'a>() -> [Column<RoadmapRow<'a>>; 21] {
    [
        column("Period", |r| Cell::from(r.period.to_string())),
        column("Peer group", |r| Cell::from(r.cohort.to_string())),
        column("Rank", |r| {
            r.rank.map_or(Cell::Empty, |rank| Cell::Number(rank as f64))
        }),
        column("Metric", |r| {
            Cell::from(r.metric.map_or(r.item.metric.as_str(), |m| m.name.as_str()))
        }),
        column("Key", |r| Cell::from(r.item.metric.as_str())),
        column("CSF function", |r| Cell::from(r.item.function.name())),
        column("Unit", |r| {
            Cell::from(r.metric.map_or("", |m| m.unit.label()))
        }),
        column("Your value (unit)", |r| value_cell(r.item.value)),
        column("Standing (0-100, higher is better)", |r| {
            Cell::from(r.item.standing)
        }),
        column("Peer median (unit)", |r| Cell::from(r.item.median)),
        column("Requirements missed", |r| {
            Cell::Number(r.item.requirements_missed as f64)
        }),
        column("Goal (unit)", |r| Cell::from(r.item.goal)),
        column("Goal from", |r| Cell::from(r.item.goal_source.label())),
        column("Requirements newly met at the goal", |r| {
            Cell::Number(r.item.newly_met as f64)
        }),
        column("Standing at the goal (0-100)", |r| {
            Cell::from(r.item.standing_at_goal)
        }),
        column("Target (unit)", |r| {
            value_cell(r.item.target.as_ref().map(|t| t.value))
        }),
        column("Owner", |r| {
            text_or_empty(r.item.target.as_ref().map(|t| t.owner.clone()))
        }),
        column("Due", |r| {
            text_or_empty(r.item.target.as_ref().map(|t| t.due.to_string()))
        }),
        column("Progress", |r| {
            text_or_empty(r.item.progress.map(|p| p.label().to_owned()))
        }),
        column("Overdue", |r| {
            Cell::from(if r.item.overdue { "yes" } else { "no" })
        }),
        column("What peers did (adoptions)", |r| {
            let practices = r
                .item
                .practices
                .iter()
                .map(|p| format!("{} ({} adopted)", p.title, p.adoptions))
                .collect::<Vec<_>>()
                .join("; ");
            if practices.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(practices)
            }
        }),
    ]
}

/// An organisation's roadmap; `benchmark` gives the policy of the notes.
pub fn roadmap(roadmap: &Roadmap, benchmark: &Benchmark) -> Sheet {
    let (period, cohort) = (roadmap.period, roadmap.cohort);
    let row = |rank: Option<usize>, item| RoadmapRow {
        period,
        cohort,
        rank,
        item,
        metric: catalogue::find(&item.metric),
    };
    let rows = roadmap
        .gaps
        .iter()
        .enumerate()
        .map(|(index, item)| row(Some(index + 1), item))
        .chain(roadmap.met.iter().map(|item| row(None, item)));
    let mut notes = notes(period, cohort, &benchmark.policy, benchmark.k);
    notes.push(match &roadmap.standard {
        Some(s) => format!(
            "Requirements from {} (v{}). Ranked by requirements newly met at the goal, then the lowest standing, then the weakest CSF function; met targets follow unranked.",
            s.name, s.version
        ),
        None => "Your organisation follows no standard. Ranked by the lowest standing, then the weakest CSF function; met targets follow unranked.".to_owned(),
    });
    Sheet::of(
        "Roadmap",
        format!("Improvement roadmap, {}, {period}", cohort.label()),
        notes,
        &roadmap_columns(),
        rows,
    )
}

/// One row of the portfolio export: a supplier's latest attestation and one metric it attests
/// (none when the attestation shows no content).
struct PortfolioRow<'a> {
    supplier: &'a str,
    attestation: &'a shared::client::PortfolioAttestation,
    metric: Option<&'a shared::attestation::AttestedMetric>,
}

impl PortfolioRow<'_> {
    fn requirements(&self) -> Option<(usize, usize, String)> {
        let standard = self.attestation.claims.as_ref()?.standard.as_ref()?;
        let met = standard
            .requirements
            .iter()
            .filter(|r| r.met == Some(true))
            .count();
        Some((
            met,
            standard.requirements.len(),
            format!("{} v{}", standard.name, standard.version),
        ))
    }

    fn metric_unit(&self) -> Option<&'static Metric> {
        catalogue::find(&self.metric?.metric)
    }
}

fn portfolio_columns<'a>() -> [Column<PortfolioRow<'a>>; 13] {
    [
        column("Supplier", |r| Cell::from(r.supplier)),
        column("Quarter", |r| Cell::from(r.attestation.period.to_string())),
        column("Peer group", |r| Cell::from(r.attestation.cohort.label())),
        column("Status", |r| Cell::from(r.attestation.state.label())),
        column("Expires (UTC)", |r| {
            Cell::from(r.attestation.expires_at.as_str())
        }),
        column("Standard", |r| {
            text_or_empty(r.requirements().map(|(_, _, name)| name))
        }),
        column("Requirements met", |r| {
            Cell::from(r.requirements().map(|(met, _, _)| met as f64))
        }),
        column("Requirements", |r| {
            Cell::from(r.requirements().map(|(_, all, _)| all as f64))
        }),
        column("Metric", |r| {
            text_or_empty(r.metric_unit().map(|metric| metric.name.clone()))
        }),
        column("Unit", |r| {
            text_or_empty(r.metric_unit().map(|metric| metric.unit.label().to_owned()))
        }),
        column("Value (unit, when shown)", |r| {
            value_cell(r.metric.and_then(|m| m.value))
        }),
        column("Position among peers", |r| {
            text_or_empty(r.metric.and_then(|m| {
                if m.suppressed {
                    Some("peers held back".to_owned())
                } else {
                    m.band.clone()
                }
            }))
        }),
        column("Peer median (unit)", |r| {
            Cell::from(r.metric.and_then(|m| m.p50))
        }),
    ]
}

/// A client's portfolio: for each accepted supplier, its latest attestation (the newest that
/// shows its content, else the newest), one row per metric it attests.
pub fn portfolio(portfolio: &shared::client::Portfolio) -> Sheet {
    let mut rows = Vec::new();
    for supplier in &portfolio.suppliers {
        let latest = supplier
            .attestations
            .iter()
            .find(|a| a.claims.is_some())
            .or(supplier.attestations.first());
        let Some(attestation) = latest else { continue };
        let metrics: Vec<Option<&shared::attestation::AttestedMetric>> = match &attestation.claims {
            Some(claims) if !claims.metrics.is_empty() => claims.metrics.iter().map(Some).collect(),
            _ => vec![None],
        };
        rows.extend(metrics.into_iter().map(|metric| PortfolioRow {
            supplier: &supplier.org.name,
            attestation,
            metric,
        }));
    }
    Sheet::of(
        "Portfolio",
        format!("Supplier portfolio of {}", portfolio.client.name),
        vec![
            "Each accepted supplier's latest attestation, one row per metric it attests."
                .to_owned(),
            "Peer figures are statistics PeerPosture publishes under its anonymity policy; \
             values appear only where the supplier chose to show them."
                .to_owned(),
        ],
        &portfolio_columns(),
        rows,
    )
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
