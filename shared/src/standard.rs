//! Industry standards: versioned sets of requirements on metrics ("MFA coverage ≥ 95 %"),
//! published by industry groups. A standard is a draft until published; a published version
//! never changes; a new version supersedes it with a change log.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::{self, Direction, MetricValue, Unit};
use crate::cohort::keyed_enum;

keyed_enum! {
    /// How a member's value is compared with the threshold.
    Comparison {
        AtLeast => ("gte", "at least (≥)"),
        AtMost => ("lte", "at most (≤)"),
        Equals => ("eq", "equals (yes/no)"),
    }
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::AtLeast => "≥",
            Comparison::AtMost => "≤",
            Comparison::Equals => "=",
        }
    }

    /// Whether `value` meets `threshold` under this comparison.
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::AtLeast => value >= threshold,
            Comparison::AtMost => value <= threshold,
            Comparison::Equals => value == threshold,
        }
    }
}

keyed_enum! {
    /// Baseline requirements are for everyone; advanced ones go beyond.
    Tier {
        Baseline => ("baseline", "Baseline"),
        Advanced => ("advanced", "Advanced"),
    }
}

/// One requirement of a standard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub metric: String,
    pub comparison: Comparison,
    pub threshold: MetricValue,
    pub tier: Tier,
    pub rationale: String,
    #[serde(default)]
    pub references: Vec<String>,
}

/// `POST /api/v1/standards` and `PUT /api/v1/standards/{id}`: a draft's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StandardDraft {
    pub name: String,
    pub requirements: Vec<Requirement>,
    /// What changed since the version this one supersedes (empty for a first version).
    #[serde(default)]
    pub change_log: String,
    /// The published standard this draft is the next version of.
    #[serde(default)]
    pub supersedes: Option<i64>,
}

keyed_enum! {
    /// A draft until published; superseded once a newer version is published.
    StandardStatus {
        Draft => ("draft", "Draft"),
        Published => ("published", "Published"),
        Superseded => ("superseded", "Superseded"),
    }
}

/// `GET` and `PUT /api/v1/org/standard`: the published standard an organisation follows, shown
/// on its dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FollowedStandard {
    pub standard_id: Option<i64>,
}

/// A standard as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Standard {
    pub id: i64,
    pub name: String,
    pub version: i64,
    pub status: StandardStatus,
    pub requirements: Vec<Requirement>,
    pub change_log: String,
    pub supersedes: Option<i64>,
    pub published_at: Option<String>,
}

/// Checks a draft; the messages are keyed by field (`name`, `requirements[2].threshold`, …).
pub fn validate_draft(draft: &StandardDraft) -> Result<(), BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    if !(3..=120).contains(&draft.name.trim().chars().count()) {
        errors.insert("name".to_owned(), "must be 3 to 120 characters".to_owned());
    }
    if draft.requirements.is_empty() {
        errors.insert(
            "requirements".to_owned(),
            "add at least one requirement".to_owned(),
        );
    }
    if draft.change_log.chars().count() > 4000 {
        errors.insert(
            "change_log".to_owned(),
            "must be at most 4,000 characters".to_owned(),
        );
    }
    let mut seen = Vec::new();
    for (index, requirement) in draft.requirements.iter().enumerate() {
        let field = |name: &str| format!("requirements[{index}].{name}");
        let Some(metric) = catalogue::find(&requirement.metric) else {
            errors.insert(field("metric"), "unknown metric".to_owned());
            continue;
        };
        if metric.direction == Direction::Context {
            errors.insert(
                field("metric"),
                "context metrics describe members and set no requirement".to_owned(),
            );
        }
        if metric.unit == Unit::Boolean && requirement.comparison != Comparison::Equals {
            errors.insert(field("comparison"), "yes/no metrics take `eq`".to_owned());
        }
        if metric.unit != Unit::Boolean && requirement.comparison == Comparison::Equals {
            // An exact value would count the organisations at one value (anonymity policy v2).
            errors.insert(
                field("comparison"),
                "`eq` is only for yes/no metrics; use `gte` or `lte`".to_owned(),
            );
        }
        if let Err(error) = metric.validate(requirement.threshold) {
            errors.insert(field("threshold"), error.to_string());
        }
        if !(1..=2000).contains(&requirement.rationale.trim().chars().count()) {
            errors.insert(
                field("rationale"),
                "must be 1 to 2,000 characters".to_owned(),
            );
        }
        if seen.contains(&(requirement.metric.as_str(), requirement.tier)) {
            errors.insert(
                field("metric"),
                "this metric already has a requirement of this tier".to_owned(),
            );
        }
        seen.push((requirement.metric.as_str(), requirement.tier));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

impl StandardDraft {
    /// The draft with every numeric threshold rounded to its metric's display precision
    /// (anonymity policy v2): finer thresholds would only help to separate close values.
    pub fn snapped(mut self) -> Self {
        for requirement in &mut self.requirements {
            if let (Some(metric), MetricValue::Number(threshold)) =
                (catalogue::find(&requirement.metric), requirement.threshold)
            {
                requirement.threshold = MetricValue::Number(metric.round(threshold));
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requirement(metric: &str, comparison: Comparison, threshold: MetricValue) -> Requirement {
        Requirement {
            metric: metric.to_owned(),
            comparison,
            threshold,
            tier: Tier::Baseline,
            rationale: "Because attackers phish agents daily.".to_owned(),
            references: vec!["PCI DSS v4.0 8.4".to_owned()],
        }
    }

    fn draft(requirements: Vec<Requirement>) -> StandardDraft {
        StandardDraft {
            name: "BPO Security Baseline 2027".to_owned(),
            requirements,
            change_log: String::new(),
            supersedes: None,
        }
    }

    #[test]
    fn a_sensible_draft_passes() {
        let ok = draft(vec![
            requirement(
                "mfa_coverage",
                Comparison::AtLeast,
                MetricValue::Number(95.0),
            ),
            requirement(
                "critical_patch_days",
                Comparison::AtMost,
                MetricValue::Number(14.0),
            ),
            requirement(
                "pci_attestation_current",
                Comparison::Equals,
                MetricValue::Bool(true),
            ),
        ]);
        assert_eq!(validate_draft(&ok), Ok(()));
    }

    #[test]
    fn bad_requirements_are_named_by_position() {
        let bad = draft(vec![
            requirement("nope", Comparison::AtLeast, MetricValue::Number(1.0)),
            requirement(
                "mfa_coverage",
                Comparison::AtLeast,
                MetricValue::Number(120.0),
            ),
            requirement(
                "pci_attestation_current",
                Comparison::AtLeast,
                MetricValue::Bool(true),
            ),
            requirement("wfh_share", Comparison::AtMost, MetricValue::Number(50.0)),
            requirement(
                "mfa_coverage",
                Comparison::AtLeast,
                MetricValue::Number(90.0),
            ),
        ]);
        let errors = validate_draft(&bad).unwrap_err();
        assert_eq!(errors["requirements[0].metric"], "unknown metric");
        assert_eq!(
            errors["requirements[1].threshold"],
            "must be between 0 and 100 %"
        );
        assert_eq!(
            errors["requirements[2].comparison"],
            "yes/no metrics take `eq`"
        );
        assert!(errors.contains_key("requirements[3].metric"));
        assert!(errors["requirements[4].metric"].contains("already has a requirement"));
        let exact = draft(vec![requirement(
            "mfa_coverage",
            Comparison::Equals,
            MetricValue::Number(90.0),
        )]);
        assert_eq!(
            validate_draft(&exact).unwrap_err()["requirements[0].comparison"],
            "`eq` is only for yes/no metrics; use `gte` or `lte`"
        );
        assert!(
            validate_draft(&draft(vec![]))
                .unwrap_err()
                .contains_key("requirements")
        );
    }

    #[test]
    fn numeric_thresholds_snap_to_the_display_precision() {
        let fine = draft(vec![
            requirement(
                "mfa_coverage",
                Comparison::AtLeast,
                MetricValue::Number(80.04),
            ),
            requirement(
                "pci_attestation_current",
                Comparison::Equals,
                MetricValue::Bool(true),
            ),
        ])
        .snapped();
        assert_eq!(fine.requirements[0].threshold, MetricValue::Number(80.0));
        assert_eq!(fine.requirements[1].threshold, MetricValue::Bool(true));
    }

    #[test]
    fn comparisons_hold_as_written() {
        assert!(Comparison::AtLeast.holds(95.0, 95.0) && !Comparison::AtLeast.holds(94.9, 95.0));
        assert!(Comparison::AtMost.holds(14.0, 14.0) && !Comparison::AtMost.holds(14.5, 14.0));
        assert!(Comparison::Equals.holds(1.0, 1.0) && !Comparison::Equals.holds(0.0, 1.0));
        assert_eq!(
            serde_json::to_string(&Comparison::AtLeast).unwrap(),
            r#""gte""#
        );
    }
}

/// The published share of organisations meeting a requirement in a cohort; same shape when
/// held back under the anonymity policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShareMeeting {
    pub suppressed: bool,
    pub reason: Option<crate::benchmark::SuppressionReason>,
    /// Organisations with a value for the metric, as a band.
    pub n_band: Option<String>,
    /// The share of them meeting the requirement, as a band of percent ("60-70"); never exact.
    pub share_band: Option<String>,
}

/// One requirement as it applies to a member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequirementCompliance {
    pub requirement: Requirement,
    /// The member's value; null when not submitted.
    pub value: Option<MetricValue>,
    /// Null when the member did not submit the metric.
    pub met: Option<bool>,
    /// How far the value is from the threshold when missed ("+7" points of MFA coverage).
    pub gap: Option<f64>,
    pub industry: ShareMeeting,
    pub cohort: ShareMeeting,
}

/// `GET /api/v1/standards/{id}/compliance?period=&cohort=`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Compliance {
    pub standard_id: i64,
    pub standard_name: String,
    pub standard_version: i64,
    /// The published version that supersedes this one, if any.
    pub newer_version: Option<i64>,
    pub period: crate::period::Period,
    pub cohort: crate::cohort::CohortKey,
    pub requirements: Vec<RequirementCompliance>,
}

impl Requirement {
    /// The threshold as a stored number (yes = 1, no = 0).
    pub fn threshold_number(&self) -> f64 {
        self.threshold.number()
    }

    /// Whether `value` meets the requirement, and by how much it falls short when it does not.
    pub fn assess(&self, value: f64) -> (bool, Option<f64>) {
        let threshold = self.threshold_number();
        let met = self.comparison.holds(value, threshold);
        let gap = match (met, self.comparison) {
            (true, _) | (false, Comparison::Equals) => None,
            (false, Comparison::AtLeast) => Some(threshold - value),
            (false, Comparison::AtMost) => Some(value - threshold),
        };
        (met, gap)
    }
}

/// "MFA coverage ≥ 95.0 %", "PCI DSS attestation current = yes".
pub fn requirement_text(metric: &catalogue::Metric, requirement: &Requirement) -> String {
    format!(
        "{} {} {}",
        metric.name,
        requirement.comparison.symbol(),
        crate::format::metric_value(metric, requirement.threshold_number())
    )
}

/// What a missed requirement asks for: "+7.0 points needed", "6.0 days over the limit",
/// "must be yes".
pub fn gap_text(metric: &catalogue::Metric, requirement: &Requirement, gap: Option<f64>) -> String {
    let amount = |gap: f64| match metric.unit {
        Unit::Percent => format!("{:.*} points", usize::from(metric.precision), gap),
        _ => crate::format::metric_value(metric, gap),
    };
    match (requirement.comparison, gap) {
        (Comparison::AtLeast, Some(gap)) => format!("+{} needed", amount(gap)),
        (Comparison::AtMost, Some(gap)) => format!("{} over the limit", amount(gap)),
        _ => format!(
            "must be {}",
            crate::format::metric_value(metric, requirement.threshold_number())
        ),
    }
}

#[cfg(test)]
mod assess_tests {
    use super::*;

    #[test]
    fn a_miss_states_the_gap_to_the_threshold() {
        let at_least = Requirement {
            metric: "mfa_coverage".to_owned(),
            comparison: Comparison::AtLeast,
            threshold: MetricValue::Number(95.0),
            tier: Tier::Baseline,
            rationale: "r".to_owned(),
            references: vec![],
        };
        assert_eq!(at_least.assess(88.0), (false, Some(7.0)));
        assert_eq!(at_least.assess(96.0), (true, None));
        let at_most = Requirement {
            comparison: Comparison::AtMost,
            threshold: MetricValue::Number(14.0),
            ..at_least.clone()
        };
        assert_eq!(at_most.assess(20.0), (false, Some(6.0)));
        let yes = Requirement {
            comparison: Comparison::Equals,
            threshold: MetricValue::Bool(true),
            ..at_least.clone()
        };
        assert_eq!(yes.assess(0.0), (false, None));
        assert_eq!(yes.assess(1.0), (true, None));
        let mfa = catalogue::find("mfa_coverage").unwrap();
        assert_eq!(gap_text(mfa, &at_least, Some(7.0)), "+7.0 points needed");
        assert_eq!(requirement_text(mfa, &at_least), "MFA coverage ≥ 95.0 %");
        let patch = catalogue::find("critical_patch_days").unwrap();
        assert_eq!(
            gap_text(patch, &at_most, Some(6.0)),
            "6.0 days over the limit"
        );
        let pci = catalogue::find("pci_attestation_current").unwrap();
        assert_eq!(gap_text(pci, &yes, None), "must be yes");
    }
}
