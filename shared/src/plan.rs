//! From benchmark to plan: what a changed value would buy (what-if), targets with an owner and
//! a due quarter, and the improvement roadmap that ranks the open gaps. Everything here is
//! computed from published statistics, the organisation's own values and its own targets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::benchmark::{Benchmark, MetricPosition, place, position, position_in, round1, standing};
use crate::catalogue::{self, CsfFunction, Direction, Metric, MetricValue};
use crate::cohort::{CohortKey, keyed_enum};
use crate::period::Period;
use crate::standard::{Comparison, Requirement, Standard};

/// Longest owner name of a target.
pub const OWNER_MAX: usize = 80;
/// How far ahead of the current quarter a target may be due.
pub const DUE_MAX_QUARTERS: usize = 12;
/// Practices shown per gap.
pub const PRACTICES_PER_GAP: usize = 3;

/// `PUT /api/v1/targets/{metric}`: the value the organisation aims for, who owns it, and the
/// quarter it is due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TargetInput {
    pub value: MetricValue,
    pub owner: String,
    pub due: Period,
}

/// A saved target. `baseline` is the organisation's value in `baseline_period`, the latest
/// released quarter when the target was saved; progress is measured from it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Target {
    pub metric: String,
    pub value: MetricValue,
    pub owner: String,
    pub due: Period,
    pub baseline_period: Option<Period>,
    pub baseline: Option<MetricValue>,
    pub set_by: String,
    pub updated_at: String,
}

/// Checks a target for `metric` saved in quarter `now`; returns the stored number (rounded
/// to the metric's precision) or the messages keyed by field.
pub fn validate_target(
    metric: &str,
    input: &TargetInput,
    now: Period,
) -> Result<f64, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut stored = 0.0;
    match catalogue::find(metric) {
        None => {
            errors.insert("metric".to_owned(), "unknown metric".to_owned());
        }
        Some(metric) if metric.direction == Direction::Context => {
            errors.insert(
                "metric".to_owned(),
                "context metrics describe members and take no target".to_owned(),
            );
        }
        Some(metric) => match metric.validate(input.value) {
            Ok(value) => stored = metric.round(value),
            Err(error) => {
                errors.insert("value".to_owned(), error.to_string());
            }
        },
    }
    let owner = input.owner.trim();
    if owner.is_empty() || owner.chars().count() > OWNER_MAX {
        errors.insert(
            "owner".to_owned(),
            format!("must be 1 to {OWNER_MAX} characters"),
        );
    } else if owner.chars().any(char::is_control) {
        errors.insert(
            "owner".to_owned(),
            "must not contain control characters".to_owned(),
        );
    }
    let last = (0..DUE_MAX_QUARTERS).fold(now, |p, _| p.next());
    if input.due < now || input.due > last {
        errors.insert(
            "due".to_owned(),
            format!("must be a quarter from {now} to {last}"),
        );
    }
    if errors.is_empty() {
        Ok(stored)
    } else {
        Err(errors)
    }
}

/// The organisation's own values as a position shows them, by metric key.
pub fn own_values(metrics: &[MetricPosition]) -> BTreeMap<String, f64> {
    metrics
        .iter()
        .filter_map(|p| Some((p.metric.clone(), p.value?.number())))
        .collect()
}

/// Whether `a` is better than `b` for `metric`.
fn better(metric: &Metric, a: f64, b: f64) -> bool {
    match metric.direction {
        Direction::HigherIsBetter => a > b,
        Direction::LowerIsBetter => a < b,
        Direction::Context => false,
    }
}

/// Whether `value` reaches `target` for `metric` (yes/no metrics: equals).
pub fn reaches(metric: &Metric, value: f64, target: f64) -> bool {
    value == target || better(metric, value, target)
}

/// Requirements of `requirements` met by the values in `own`.
pub fn requirements_met(requirements: &[Requirement], own: &BTreeMap<String, f64>) -> usize {
    requirements
        .iter()
        .filter(|r| own.get(&r.metric).is_some_and(|v| r.assess(*v).0))
        .count()
}

/// What moving one value would change: its position, the standing of its CSF function, and
/// the requirements of the followed standard met.
#[derive(Debug, Clone, PartialEq)]
pub struct WhatIf {
    pub before: MetricPosition,
    pub after: MetricPosition,
    pub function: CsfFunction,
    pub function_before: Option<f64>,
    pub function_after: Option<f64>,
    pub met_before: usize,
    pub met_after: usize,
}

/// Where `value` for `metric` would land in `benchmark`, with the rest of `own` unchanged.
/// Computed with [`position_in`], the function behind the server's `…/position`, over
/// `catalogue` (the browser passes the one the API serves).
pub fn what_if(
    benchmark: &Benchmark,
    own: &BTreeMap<String, f64>,
    requirements: &[Requirement],
    catalogue: &[Metric],
    (metric, value): (&str, f64),
) -> Option<WhatIf> {
    let function = catalogue.iter().find(|m| m.key == metric)?.csf_function;
    let mut changed = own.clone();
    changed.insert(metric.to_owned(), value);
    let before = position_in(benchmark, own, catalogue);
    let after = position_in(benchmark, &changed, catalogue);
    let standing = |p: &crate::benchmark::Position| {
        p.functions
            .iter()
            .find(|f| f.function == function)
            .and_then(|f| f.standing)
    };
    Some(WhatIf {
        function,
        function_before: standing(&before),
        function_after: standing(&after),
        before: before.metric(metric)?.clone(),
        after: after.metric(metric)?.clone(),
        met_before: requirements_met(requirements, own),
        met_after: requirements_met(requirements, &changed),
    })
}

keyed_enum! {
    /// How a target has moved since it was set, judged in the latest released quarter.
    Progress {
        Met => ("met", "Met"),
        Improved => ("improved", "Improved"),
        Unchanged => ("unchanged", "Unchanged"),
        Slipped => ("slipped", "Slipped"),
        Pending => ("pending", "Waiting for the next release"),
        NoValue => ("no_value", "Not submitted"),
    }
}

keyed_enum! {
    /// Where a gap's goal comes from: the organisation's target, the followed standard, or
    /// the peer median.
    GoalSource {
        Target => ("target", "your target"),
        Standard => ("standard", "the standard"),
        PeerMedian => ("peer_median", "the peer median"),
    }
}

/// A published practice that moves a metric, with how many organisations adopted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticeRef {
    pub id: i64,
    pub title: String,
    pub adoptions: i64,
}

/// One metric on the roadmap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoadmapItem {
    pub metric: String,
    pub function: CsfFunction,
    pub value: Option<MetricValue>,
    pub band: Option<String>,
    pub standing: Option<f64>,
    pub median: Option<f64>,
    /// The standing of the metric's CSF function.
    pub function_standing: Option<f64>,
    /// Requirements of the followed standard on this metric that are missed (or unanswered).
    pub requirements_missed: usize,
    /// The value that closes the gap, and where it comes from.
    pub goal: Option<f64>,
    pub goal_source: GoalSource,
    /// Requirements of the followed standard newly met at the goal.
    pub newly_met: usize,
    /// The standing the goal would reach among the same peers.
    pub standing_at_goal: Option<f64>,
    pub target: Option<Target>,
    pub progress: Option<Progress>,
    /// The target's due quarter is released and the target is not met.
    pub overdue: bool,
    /// What peers did about it: published practices for the metric, most adopted first.
    pub practices: Vec<PracticeRef>,
}

/// The standard a roadmap weighs requirements from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StandardRef {
    pub id: i64,
    pub name: String,
    pub version: i64,
}

/// `GET /api/v1/roadmap?cohort=KEY`: the open gaps of the latest released quarter, ranked by
/// what closing them buys, and the targets already met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Roadmap {
    pub period: Period,
    pub cohort: CohortKey,
    pub standard: Option<StandardRef>,
    pub gaps: Vec<RoadmapItem>,
    pub met: Vec<RoadmapItem>,
}

/// What a roadmap is made of.
#[derive(Debug, Clone, Copy)]
pub struct RoadmapInputs<'a> {
    pub benchmark: &'a Benchmark,
    /// The organisation's values in the benchmark's quarter.
    pub own: &'a BTreeMap<String, f64>,
    pub standard: Option<&'a Standard>,
    pub targets: &'a [Target],
    /// Published practices with the metrics they move.
    pub practices: &'a [(Vec<String>, PracticeRef)],
}

/// The value meeting every missed requirement on a metric, when one exists.
fn requirement_goal(missed: &[&Requirement]) -> Option<f64> {
    missed
        .iter()
        .map(|r| (r.comparison, r.threshold_number()))
        .reduce(|(c, a), (_, b)| match c {
            Comparison::AtLeast => (c, a.max(b)),
            Comparison::AtMost => (c, a.min(b)),
            Comparison::Equals => (c, b),
        })
        .map(|(_, goal)| goal)
}

fn progress(metric: &Metric, target: &Target, period: Period, value: Option<f64>) -> Progress {
    let goal = target.value.number();
    let Some(value) = value else {
        return Progress::NoValue;
    };
    if reaches(metric, value, goal) {
        return Progress::Met;
    }
    match (target.baseline_period, target.baseline) {
        (Some(set_in), _) if set_in >= period => Progress::Pending,
        (_, Some(baseline)) if better(metric, value, baseline.number()) => Progress::Improved,
        (_, Some(baseline)) if better(metric, baseline.number(), value) => Progress::Slipped,
        (_, Some(_)) => Progress::Unchanged,
        (_, None) => Progress::Pending,
    }
}

/// Builds the roadmap. A ranked metric is a gap when it has an unmet target or, without a
/// target, misses a requirement of the followed standard or trails the peer median; a met
/// target moves its metric to `met`. Gaps are ranked by the
/// requirements newly met at their goal, then by the lowest standing (unanswered first), then
/// by the weakest CSF function.
pub fn roadmap(inputs: RoadmapInputs<'_>) -> Roadmap {
    let RoadmapInputs {
        benchmark,
        own,
        standard,
        targets,
        practices,
    } = inputs;
    let here = position(benchmark, own);
    let requirements: &[Requirement] = standard.map_or(&[], |s| &s.requirements);
    let met_now = requirements_met(requirements, own);
    let (mut gaps, mut met) = (Vec::new(), Vec::new());
    for metric in catalogue::CATALOGUE.iter() {
        if metric.direction == Direction::Context {
            continue;
        }
        let key = metric.key.as_str();
        let Some(placed) = here.metric(key) else {
            continue;
        };
        let value = own.get(key).copied();
        let target = targets.iter().find(|t| t.metric == key);
        let missed: Vec<&Requirement> = requirements
            .iter()
            .filter(|r| r.metric == key && value.is_none_or(|v| !r.assess(v).0))
            .collect();
        let median = benchmark.cell(key).and_then(|c| c.p50);
        let trailing = placed.standing.is_some_and(|s| s < 50.0);
        let (goal, goal_source) = match (target, requirement_goal(&missed)) {
            (Some(target), _) => (Some(target.value.number()), GoalSource::Target),
            (None, Some(goal)) => (Some(goal), GoalSource::Standard),
            (None, None) => (median, GoalSource::PeerMedian),
        };
        let progress = target.map(|t| progress(metric, t, benchmark.period, value));
        let is_gap = match progress {
            Some(progress) => progress != Progress::Met,
            None => !missed.is_empty() || trailing,
        };
        if target.is_none() && !is_gap {
            continue;
        }
        let newly_met = goal.map_or(0, |goal| {
            let mut moved = own.clone();
            moved.insert(key.to_owned(), goal);
            requirements_met(requirements, &moved).saturating_sub(met_now)
        });
        let standing_at_goal = goal.and_then(|goal| {
            let cell = benchmark.cell(key).filter(|c| !c.suppressed)?;
            let (_, percentile) = place(cell, goal)?;
            standing(metric.direction, percentile).map(round1)
        });
        let mut found: Vec<PracticeRef> = practices
            .iter()
            .filter(|(metrics, _)| metrics.iter().any(|m| m == key))
            .map(|(_, practice)| practice.clone())
            .collect();
        found.sort_by(|a, b| b.adoptions.cmp(&a.adoptions).then(a.id.cmp(&b.id)));
        found.truncate(PRACTICES_PER_GAP);
        let item = RoadmapItem {
            metric: key.to_owned(),
            function: metric.csf_function,
            value: placed.value,
            band: placed.band.clone(),
            standing: placed.standing,
            median,
            function_standing: here
                .functions
                .iter()
                .find(|f| f.function == metric.csf_function)
                .and_then(|f| f.standing),
            requirements_missed: missed.len(),
            goal,
            goal_source,
            newly_met,
            standing_at_goal,
            target: target.cloned(),
            overdue: is_gap && target.is_some_and(|t| t.due <= benchmark.period),
            progress,
            practices: found,
        };
        if is_gap {
            gaps.push(item)
        } else {
            met.push(item)
        }
    }
    gaps.sort_by(|a, b| {
        b.newly_met
            .cmp(&a.newly_met)
            .then(
                a.standing
                    .unwrap_or(-1.0)
                    .total_cmp(&b.standing.unwrap_or(-1.0)),
            )
            .then(
                a.function_standing
                    .unwrap_or(101.0)
                    .total_cmp(&b.function_standing.unwrap_or(101.0)),
            )
    });
    Roadmap {
        period: benchmark.period,
        cohort: benchmark.cohort,
        standard: standard.map(|s| StandardRef {
            id: s.id,
            name: s.name.clone(),
            version: s.version,
        }),
        gaps,
        met,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::benchmark::{BenchmarkCell, DEFAULT_K, POLICY_VERSION};
    use crate::standard::{StandardStatus, Tier};

    fn q(year: u16, quarter: u8) -> Period {
        Period::new(year, quarter).unwrap()
    }

    fn cell(metric: &str, quartiles: [f64; 3]) -> BenchmarkCell {
        BenchmarkCell {
            metric: metric.to_owned(),
            n_band: Some("20-49".to_owned()),
            suppressed: false,
            reason: None,
            p10: None,
            p25: Some(quartiles[0]),
            p50: Some(quartiles[1]),
            p75: Some(quartiles[2]),
            p90: None,
            mean: Some(quartiles[1]),
            share_band: None,
        }
    }

    fn benchmark(period: Period) -> Benchmark {
        Benchmark {
            period,
            cohort: CohortKey::All,
            policy: POLICY_VERSION.to_owned(),
            k: DEFAULT_K,
            n_band: Some("20-49".to_owned()),
            cells: vec![
                cell("mfa_coverage", [60.0, 70.0, 80.0]),
                cell("critical_patch_days", [10.0, 20.0, 30.0]),
                cell("phish_prone", [5.0, 10.0, 20.0]),
            ],
        }
    }

    fn requirement(metric: &str, comparison: Comparison, threshold: f64) -> Requirement {
        Requirement {
            metric: metric.to_owned(),
            comparison,
            threshold: MetricValue::Number(threshold),
            tier: Tier::Baseline,
            rationale: "because".to_owned(),
            references: Vec::new(),
        }
    }

    fn standard(requirements: Vec<Requirement>) -> Standard {
        Standard {
            id: 7,
            name: "BPO baseline".to_owned(),
            version: 2,
            status: StandardStatus::Published,
            requirements,
            change_log: String::new(),
            supersedes: None,
            published_at: None,
        }
    }

    fn target(metric: &str, value: f64, baseline: Option<(Period, f64)>) -> Target {
        Target {
            metric: metric.to_owned(),
            value: MetricValue::Number(value),
            owner: "CISO".to_owned(),
            due: q(2026, 4),
            baseline_period: baseline.map(|(p, _)| p),
            baseline: baseline.map(|(_, v)| MetricValue::Number(v)),
            set_by: "Ana".to_owned(),
            updated_at: "2026-05-01T00:00:00Z".to_owned(),
        }
    }

    #[test]
    fn targets_are_checked_and_rounded() {
        let input = |value: MetricValue, owner: &str, due: Period| TargetInput {
            value,
            owner: owner.to_owned(),
            due,
        };
        let now = q(2026, 3);
        let good = input(MetricValue::Number(95.04), " Head of IT ", q(2026, 4));
        assert_eq!(validate_target("mfa_coverage", &good, now), Ok(95.0));
        let fields = |metric: &str, input: &TargetInput| {
            validate_target(metric, input, now)
                .unwrap_err()
                .into_keys()
                .collect::<Vec<_>>()
        };
        assert_eq!(fields("nope", &good), ["metric"]);
        assert_eq!(fields("seats", &good), ["metric"]);
        let high = input(MetricValue::Number(100.5), "CISO", now);
        assert_eq!(fields("mfa_coverage", &high), ["value"]);
        let yes = input(MetricValue::Bool(true), "CISO", now);
        assert_eq!(fields("mfa_coverage", &yes), ["value"]);
        assert_eq!(
            fields("mfa_coverage", &input(MetricValue::Number(90.0), "  ", now)),
            ["owner"]
        );
        let long = "x".repeat(OWNER_MAX + 1);
        assert_eq!(
            fields(
                "mfa_coverage",
                &input(MetricValue::Number(90.0), &long, now)
            ),
            ["owner"]
        );
        assert_eq!(
            fields(
                "mfa_coverage",
                &input(MetricValue::Number(90.0), "a\u{7}b", now)
            ),
            ["owner"]
        );
        let past = input(MetricValue::Number(90.0), "CISO", q(2026, 2));
        assert_eq!(fields("mfa_coverage", &past), ["due"]);
        let far = input(MetricValue::Number(90.0), "CISO", q(2029, 4));
        assert_eq!(fields("mfa_coverage", &far), ["due"]);
        let last = input(MetricValue::Number(90.0), "CISO", q(2029, 3));
        assert!(validate_target("mfa_coverage", &last, now).is_ok());
    }

    #[test]
    fn what_if_moves_the_position_the_function_and_the_requirements() {
        let bench = benchmark(q(2026, 2));
        let own = BTreeMap::from([
            ("mfa_coverage".to_owned(), 65.0),
            ("critical_patch_days".to_owned(), 20.0),
        ]);
        let requirements = [
            requirement("mfa_coverage", Comparison::AtLeast, 95.0),
            requirement("critical_patch_days", Comparison::AtMost, 30.0),
        ];
        let moved = what_if(
            &bench,
            &own,
            &requirements,
            &crate::CATALOGUE,
            ("mfa_coverage", 95.0),
        )
        .unwrap();
        assert_eq!(moved.before.band.as_deref(), Some("P25–P50"));
        assert_eq!(moved.before.standing, Some(37.5));
        assert_eq!(moved.after.band.as_deref(), Some("above P75"));
        assert_eq!(moved.after.standing, Some(87.5));
        assert_eq!(moved.function, CsfFunction::Protect);
        // Protect averages MFA (37.5 → 87.5) with patch latency (50).
        assert_eq!(moved.function_before, Some(43.8));
        assert_eq!(moved.function_after, Some(68.8));
        assert_eq!((moved.met_before, moved.met_after), (1, 2));
        // The same as the server's position of the changed values.
        let mut changed = own.clone();
        changed.insert("mfa_coverage".to_owned(), 95.0);
        assert_eq!(
            position(&bench, &changed).metric("mfa_coverage"),
            Some(&moved.after)
        );
        assert!(
            what_if(
                &bench,
                &own,
                &requirements,
                &crate::CATALOGUE,
                ("nope", 1.0)
            )
            .is_none()
        );
    }

    #[test]
    fn the_roadmap_ranks_gaps_by_what_closing_them_buys() {
        let bench = benchmark(q(2026, 2));
        let own = BTreeMap::from([
            ("mfa_coverage".to_owned(), 75.0),
            ("critical_patch_days".to_owned(), 28.0),
            ("phish_prone".to_owned(), 4.0),
        ]);
        let standard = standard(vec![requirement("mfa_coverage", Comparison::AtLeast, 95.0)]);
        let practices = vec![
            (
                vec!["mfa_coverage".to_owned()],
                PracticeRef {
                    id: 1,
                    title: "Tokens".to_owned(),
                    adoptions: 2,
                },
            ),
            (
                vec!["mfa_coverage".to_owned(), "phish_prone".to_owned()],
                PracticeRef {
                    id: 2,
                    title: "Passkeys".to_owned(),
                    adoptions: 9,
                },
            ),
            (
                vec!["edr_coverage".to_owned()],
                PracticeRef {
                    id: 3,
                    title: "EDR".to_owned(),
                    adoptions: 30,
                },
            ),
        ];
        let targets = [target("phish_prone", 5.0, Some((q(2026, 1), 12.0)))];
        let plan = roadmap(RoadmapInputs {
            benchmark: &bench,
            own: &own,
            standard: Some(&standard),
            targets: &targets,
            practices: &practices,
        });
        let keys: Vec<&str> = plan.gaps.iter().map(|g| g.metric.as_str()).collect();
        // MFA misses the standard (one requirement newly met at 95); patch latency trails the
        // median; mfa leads although its standing (62.5) is higher.
        assert_eq!(keys, ["mfa_coverage", "critical_patch_days"]);
        let mfa = &plan.gaps[0];
        assert_eq!(
            (mfa.goal, mfa.goal_source, mfa.newly_met),
            (Some(95.0), GoalSource::Standard, 1)
        );
        assert_eq!(mfa.requirements_missed, 1);
        assert_eq!(mfa.standing_at_goal, Some(87.5));
        let titles: Vec<&str> = mfa.practices.iter().map(|p| p.title.as_str()).collect();
        assert_eq!(titles, ["Passkeys", "Tokens"]);
        let patch = &plan.gaps[1];
        assert_eq!(
            (patch.goal, patch.goal_source),
            (Some(20.0), GoalSource::PeerMedian)
        );
        assert_eq!(patch.standing, Some(30.0));
        assert!(patch.practices.is_empty());
        // The phishing target (5 %) is met at 4 %: done, not a gap.
        assert_eq!(plan.met.len(), 1);
        assert_eq!(plan.met[0].progress, Some(Progress::Met));
        assert_eq!(plan.standard.as_ref().map(|s| s.version), Some(2));
    }

    #[test]
    fn progress_compares_with_the_value_when_the_target_was_set() {
        let bench = benchmark(q(2026, 3));
        let own = BTreeMap::from([("critical_patch_days".to_owned(), 15.0)]);
        let plan = |baseline: Option<(Period, f64)>| {
            let targets = [target("critical_patch_days", 7.0, baseline)];
            let plan = roadmap(RoadmapInputs {
                benchmark: &bench,
                own: &own,
                standard: None,
                targets: &targets,
                practices: &[],
            });
            let item = plan
                .gaps
                .into_iter()
                .find(|g| g.metric == "critical_patch_days")
                .unwrap();
            (item.progress.unwrap(), item.goal_source, item.overdue)
        };
        assert_eq!(plan(Some((q(2026, 2), 25.0))).0, Progress::Improved);
        assert_eq!(plan(Some((q(2026, 2), 10.0))).0, Progress::Slipped);
        assert_eq!(plan(Some((q(2026, 2), 15.0))).0, Progress::Unchanged);
        // Set in the latest released quarter: nothing new to judge yet.
        assert_eq!(plan(Some((q(2026, 3), 25.0))).0, Progress::Pending);
        assert_eq!(plan(None).1, GoalSource::Target);
        // Due 2026-Q4, judged in 2026-Q3: not overdue yet.
        assert!(!plan(None).2);
        let late = roadmap(RoadmapInputs {
            benchmark: &benchmark(q(2027, 1)),
            own: &own,
            standard: None,
            targets: &[target("critical_patch_days", 7.0, None)],
            practices: &[],
        });
        assert!(
            late.gaps
                .iter()
                .any(|g| g.metric == "critical_patch_days" && g.overdue)
        );
        let unanswered = roadmap(RoadmapInputs {
            benchmark: &bench,
            own: &BTreeMap::new(),
            standard: None,
            targets: &[target("critical_patch_days", 7.0, None)],
            practices: &[],
        });
        assert_eq!(unanswered.gaps[0].progress, Some(Progress::NoValue));
    }
}
