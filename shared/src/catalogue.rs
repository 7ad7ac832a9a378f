//! The metric catalogue: what members report each quarter, as data.
//!
//! Each metric carries its definition (numerator ÷ denominator), unit, which direction is
//! better, the range a submitted value must fall in, the precision statistics are published
//! at, its NIST CSF 2.0 function and category, and the requirements that motivate it.
//! Changing a definition means bumping [`CATALOGUE_VERSION`].

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// Version of the catalogue below; bumped whenever a metric is added, removed or redefined.
pub const CATALOGUE_VERSION: u32 = 1;

/// How a metric's value is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Unit {
    #[serde(rename = "percent")]
    Percent,
    #[serde(rename = "days")]
    Days,
    #[serde(rename = "hours")]
    Hours,
    #[serde(rename = "count")]
    Count,
    #[serde(rename = "per_100_assets")]
    Per100Assets,
    #[serde(rename = "per_10k_calls")]
    Per10kCalls,
    #[serde(rename = "boolean")]
    Boolean,
}

impl Unit {
    /// Short label shown next to a value ("%", "days", "yes/no").
    pub fn label(self) -> &'static str {
        match self {
            Unit::Percent => "%",
            Unit::Days => "days",
            Unit::Hours => "hours",
            Unit::Count => "count",
            Unit::Per100Assets => "per 100 assets",
            Unit::Per10kCalls => "per 10k calls",
            Unit::Boolean => "yes/no",
        }
    }

    /// Inclusive range a submitted value must fall in.
    const fn valid_range(self) -> (f64, f64) {
        match self {
            Unit::Percent => (0.0, 100.0),
            Unit::Days => (0.0, 365.0),
            Unit::Hours => (0.0, 8760.0),
            Unit::Count => (0.0, 100_000.0),
            Unit::Per100Assets | Unit::Per10kCalls => (0.0, 10_000.0),
            Unit::Boolean => (0.0, 1.0),
        }
    }

    /// Decimal places that statistics are published with.
    const fn precision(self) -> u8 {
        match self {
            Unit::Count | Unit::Boolean => 0,
            _ => 1,
        }
    }
}

/// Which way is better, or whether the metric only describes the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
    /// Describes a member (e.g. share of seats at home); feeds cohorts, never ranked.
    Context,
}

impl Direction {
    pub fn label(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher is better",
            Direction::LowerIsBetter => "lower is better",
            Direction::Context => "context, not ranked",
        }
    }
}

/// The six functions of the NIST Cybersecurity Framework 2.0, in the framework's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum CsfFunction {
    #[serde(rename = "GV")]
    Govern,
    #[serde(rename = "ID")]
    Identify,
    #[serde(rename = "PR")]
    Protect,
    #[serde(rename = "DE")]
    Detect,
    #[serde(rename = "RS")]
    Respond,
    #[serde(rename = "RC")]
    Recover,
}

impl CsfFunction {
    pub const ALL: [CsfFunction; 6] = [
        CsfFunction::Govern,
        CsfFunction::Identify,
        CsfFunction::Protect,
        CsfFunction::Detect,
        CsfFunction::Respond,
        CsfFunction::Recover,
    ];

    /// The two-letter code the framework uses as the prefix of its categories ("PR").
    pub fn code(self) -> &'static str {
        match self {
            CsfFunction::Govern => "GV",
            CsfFunction::Identify => "ID",
            CsfFunction::Protect => "PR",
            CsfFunction::Detect => "DE",
            CsfFunction::Respond => "RS",
            CsfFunction::Recover => "RC",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            CsfFunction::Govern => "Govern",
            CsfFunction::Identify => "Identify",
            CsfFunction::Protect => "Protect",
            CsfFunction::Detect => "Detect",
            CsfFunction::Respond => "Respond",
            CsfFunction::Recover => "Recover",
        }
    }
}

/// One metric of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Metric {
    /// Stable identifier used in submissions, CSV files and URLs.
    pub key: String,
    pub name: String,
    /// What is counted: numerator ÷ denominator, and when.
    pub definition: String,
    pub unit: Unit,
    pub direction: Direction,
    /// Smallest accepted value (inclusive).
    pub min: f64,
    /// Largest accepted value (inclusive).
    pub max: f64,
    /// Decimal places statistics are rounded to when published.
    pub precision: u8,
    pub csf_function: CsfFunction,
    /// CSF 2.0 category, e.g. "PR.AA".
    pub csf_category: String,
    /// Requirements and public figures that motivate the metric.
    pub references: Vec<String>,
}

/// Why a submitted value was refused; the message is shown next to the form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError(pub String);

impl std::fmt::Display for ValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ValueError {}

/// A submitted value: a number, or yes/no for boolean metrics.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum MetricValue {
    Bool(bool),
    Number(f64),
}

impl MetricValue {
    /// The value as stored: the number, or 1 for yes and 0 for no.
    pub fn number(self) -> f64 {
        match self {
            MetricValue::Number(n) => n,
            MetricValue::Bool(yes) => f64::from(u8::from(yes)),
        }
    }
}

impl Metric {
    /// Checks a submitted value against this metric and returns it as the number stored
    /// (booleans as 1 or 0).
    pub fn validate(&self, value: MetricValue) -> Result<f64, ValueError> {
        match (self.unit, value) {
            (Unit::Boolean, value @ MetricValue::Bool(_)) => Ok(value.number()),
            (Unit::Boolean, MetricValue::Number(_)) => {
                Err(ValueError("must be yes or no (true or false)".into()))
            }
            (_, MetricValue::Bool(_)) => Err(ValueError("must be a number, not yes/no".into())),
            (unit, MetricValue::Number(number)) => {
                if !number.is_finite() {
                    return Err(ValueError("must be a finite number".into()));
                }
                if number < self.min || number > self.max {
                    return Err(ValueError(format!(
                        "must be between {} and {} {}",
                        self.min,
                        self.max,
                        unit.label()
                    )));
                }
                if unit == Unit::Count && number.fract() != 0.0 {
                    return Err(ValueError("must be a whole number".into()));
                }
                Ok(number)
            }
        }
    }

    /// Rounds a statistic to the metric's published precision.
    pub fn round(&self, value: f64) -> f64 {
        let scale = 10f64.powi(i32::from(self.precision));
        (value * scale).round() / scale
    }
}

/// Looks a metric up by key.
pub fn find(key: &str) -> Option<&'static Metric> {
    CATALOGUE.iter().find(|metric| metric.key == key)
}

fn metric(
    key: &'static str,
    name: &'static str,
    definition: &'static str,
    unit: Unit,
    direction: Direction,
    csf: (CsfFunction, &'static str),
    references: &[&str],
) -> Metric {
    let (min, max) = unit.valid_range();
    Metric {
        key: key.to_owned(),
        name: name.to_owned(),
        definition: definition.to_owned(),
        unit,
        direction,
        min,
        max,
        precision: unit.precision(),
        csf_function: csf.0,
        csf_category: csf.1.to_owned(),
        references: references.iter().map(|&text| text.to_owned()).collect(),
    }
}

use CsfFunction::{Detect, Govern, Identify, Protect, Recover, Respond};
use Direction::{Context, HigherIsBetter as Up, LowerIsBetter as Down};
use Unit::{Boolean, Count, Days, Hours, Per10kCalls, Per100Assets, Percent};

/// The catalogue, version [`CATALOGUE_VERSION`], in the order forms and reports list it.
pub static CATALOGUE: LazyLock<Vec<Metric>> = LazyLock::new(|| {
    vec![
        // Govern
        metric(
            "vendors_assessed",
            "Critical vendors assessed",
            "Critical vendors (sub-processors, telephony, CRM, workforce tools) with a security assessment in the last 12 months ÷ all critical vendors.",
            Percent,
            Up,
            (Govern, "GV.SC"),
            &[
                "PCI DSS v4.0 12.8.4",
                "Verizon DBIR 2025: a third party was involved in 30% of breaches",
            ],
        ),
        metric(
            "contracts_with_raci",
            "Client contracts with a security responsibility matrix",
            "Active client contracts that include a security responsibility (RACI) matrix ÷ all active client contracts.",
            Percent,
            Up,
            (Govern, "GV.SC"),
            &["PCI DSS v4.0 12.8.5"],
        ),
        metric(
            "pci_attestation_current",
            "PCI DSS attestation current",
            "Yes when the organisation holds a PCI DSS attestation of compliance issued within the last 12 months with its scope confirmed this year.",
            Boolean,
            Up,
            (Govern, "GV.OC"),
            &[
                "PCI DSS v4.0 12.5.2",
                "Verizon Payment Security Report 2022: 43.3% passed interim validation",
            ],
        ),
        metric(
            "dsr_on_time",
            "Data-subject requests closed on time",
            "Data-subject and consumer requests closed within the legal deadline ÷ all such requests due in the quarter.",
            Percent,
            Up,
            (Govern, "GV.OC"),
            &["GDPR art. 12(3): one month", "CCPA §1798.130: 45 days"],
        ),
        metric(
            "security_budget_share",
            "Security share of IT budget",
            "Annual information-security budget ÷ annual IT budget.",
            Percent,
            Context,
            (Govern, "GV.RR"),
            &["IANS 2024: 13.2% on average", "Gartner: 5.6% (range 1–13%)"],
        ),
        metric(
            "wfh_share",
            "Seats working from home",
            "Agent seats staffed from home at quarter end ÷ all agent seats.",
            Percent,
            Context,
            (Govern, "GV.OC"),
            &[
                "Call Centre Helper: 81.6% of contact centres have home workers, 23.1% are fully remote",
            ],
        ),
        // Identify
        metric(
            "asset_inventory_coverage",
            "Asset inventory coverage",
            "Assets recorded in the inventory, including home-agent endpoints ÷ all assets found by discovery scans.",
            Percent,
            Up,
            (Identify, "ID.AM"),
            &["PCI DSS v4.0 12.5.1"],
        ),
        metric(
            "vulns_past_sla",
            "Vulnerabilities past remediation SLA",
            "Open critical and high vulnerabilities older than their remediation SLA at quarter end, per 100 assets.",
            Per100Assets,
            Down,
            (Identify, "ID.RA"),
            &["PCI DSS v4.0 11.3.1"],
        ),
        // Protect
        metric(
            "mfa_coverage",
            "MFA coverage",
            "Agent and staff accounts with multi-factor authentication enforced ÷ all active agent and staff accounts.",
            Percent,
            Up,
            (Protect, "PR.AA"),
            &[
                "PCI DSS v4.0 8.4",
                "Okta Secure Sign-in Trends 2025: 70% of workforce users",
            ],
        ),
        metric(
            "phishing_resistant_mfa",
            "Phishing-resistant MFA",
            "Users enrolled on phishing-resistant MFA (FIDO2 security keys or passkeys) ÷ all users.",
            Percent,
            Up,
            (Protect, "PR.AA"),
            &["Okta Secure Sign-in Trends 2025: 8.6% → 14.0% in 12 months"],
        ),
        metric(
            "cde_mfa",
            "MFA into the cardholder data environment",
            "Non-console access paths into the cardholder data environment that require MFA ÷ all such access paths.",
            Percent,
            Up,
            (Protect, "PR.AA"),
            &["PCI DSS v4.0 8.4.2"],
        ),
        metric(
            "pam_coverage",
            "Privileged access management coverage",
            "Privileged accounts managed by a privileged-access management tool ÷ all privileged accounts.",
            Percent,
            Up,
            (Protect, "PR.AA"),
            &["PCI DSS v4.0 7.2.5"],
        ),
        metric(
            "leaver_revocation_24h",
            "Leavers revoked within 24 hours",
            "Leavers whose access to every system was revoked within 24 hours of their last shift ÷ all leavers in the quarter.",
            Percent,
            Up,
            (Protect, "PR.AA"),
            &["PCI DSS v4.0 8.2.5"],
        ),
        metric(
            "dormant_accounts_disabled",
            "Dormant accounts disabled",
            "Accounts inactive for 90 days that were disabled ÷ all accounts inactive for 90 days.",
            Percent,
            Up,
            (Protect, "PR.AA"),
            &["PCI DSS v4.0 8.2.6"],
        ),
        metric(
            "access_reviews_on_time",
            "Access reviews on schedule",
            "User access reviews completed on schedule (at least every six months) ÷ reviews due.",
            Percent,
            Up,
            (Protect, "PR.AA"),
            &["PCI DSS v4.0 7.2.4"],
        ),
        metric(
            "training_completion",
            "Security awareness training completion",
            "Staff who completed security awareness training on hire and within the last 12 months ÷ all staff.",
            Percent,
            Up,
            (Protect, "PR.AT"),
            &["PCI DSS v4.0 12.6.3"],
        ),
        metric(
            "phish_prone",
            "Phish-prone percentage",
            "Recipients who clicked or entered credentials in simulated phishing this quarter ÷ all recipients.",
            Percent,
            Down,
            (Protect, "PR.AT"),
            &["KnowBe4 2024: 34.3% untrained, 18.9% after 90 days, 4.6% after 12 months"],
        ),
        metric(
            "critical_patch_days",
            "Critical patch latency",
            "Median days from the release of a critical patch to its deployment on all affected systems.",
            Days,
            Down,
            (Protect, "PR.PS"),
            &[
                "PCI DSS v4.0 6.3.3: within one month",
                "Verizon DBIR 2024: about 55 days to remediate half of critical KEVs",
            ],
        ),
        metric(
            "remote_device_compliance",
            "Remote agent device compliance",
            "Remote agents on managed, locked-down devices (ZTNA or VPN, no USB, printing, screen capture or local storage) ÷ all remote agents.",
            Percent,
            Up,
            (Protect, "PR.PS"),
            &["PCI DSS v4.0 1.5.1"],
        ),
        metric(
            "encryption_at_rest",
            "Encryption at rest",
            "Sensitive data stores (CRM, call recordings, transcripts) encrypted at rest ÷ all sensitive data stores.",
            Percent,
            Up,
            (Protect, "PR.DS"),
            &[
                "PCI DSS v4.0 3.5.1",
                "Thales Data Threat Report 2024: 8% encrypt at least 80% of cloud data",
            ],
        ),
        metric(
            "payment_descoping",
            "Card payments taken out of PCI scope",
            "Card-payment calls handled with DTMF masking, IVR hand-off or pay-by-link ÷ all card-payment calls.",
            Percent,
            Up,
            (Protect, "PR.DS"),
            &["PCI SSC Protecting Telephone-Based Payment Card Data, v3.0"],
        ),
        metric(
            "sad_in_recordings",
            "Sensitive authentication data in recordings",
            "Recordings or transcripts found to contain sensitive authentication data (CVV, PIN, full track) in the quarter's sample.",
            Count,
            Down,
            (Protect, "PR.DS"),
            &["PCI DSS v4.0 3.3.1"],
        ),
        metric(
            "dlp_coverage",
            "DLP coverage",
            "Agent desktops covered by data-loss prevention ÷ all agent desktops.",
            Percent,
            Up,
            (Protect, "PR.DS"),
            &["ISO/IEC 27001:2022 A.8.12"],
        ),
        // Detect
        metric(
            "phish_report_rate",
            "Phishing report rate",
            "Simulated phishing emails reported by their recipients ÷ simulated phishing emails delivered.",
            Percent,
            Up,
            (Detect, "DE.AE"),
            &["Verizon DBIR 2024: more than 20% of users report"],
        ),
        metric(
            "edr_coverage",
            "EDR coverage",
            "Endpoints, including home-agent devices, running endpoint detection and response ÷ all endpoints.",
            Percent,
            Up,
            (Detect, "DE.CM"),
            &["PCI DSS v4.0 5.2.1"],
        ),
        metric(
            "log_review_coverage",
            "Central logging and daily review",
            "Critical systems sending logs to central monitoring with daily review ÷ all critical systems.",
            Percent,
            Up,
            (Detect, "DE.CM"),
            &["PCI DSS v4.0 10.4.1"],
        ),
        metric(
            "mttd_hours",
            "Mean time to detect",
            "Mean hours from the start of an incident to its detection, over incidents closed in the quarter.",
            Hours,
            Down,
            (Detect, "DE.AE"),
            &["Mandiant M-Trends 2024: median dwell time 10 days"],
        ),
        metric(
            "fraud_calls_detected",
            "Fraud calls detected",
            "Social-engineering and fraud calls detected per 10,000 inbound calls.",
            Per10kCalls,
            Context,
            (Detect, "DE.AE"),
            &["Pindrop: about 1 in 599 calls is fraudulent"],
        ),
        // Respond
        metric(
            "mttr_hours",
            "Mean time to respond",
            "Mean hours from detection of an incident to its containment, over incidents closed in the quarter.",
            Hours,
            Down,
            (Respond, "RS.MI"),
            &["IBM Cost of a Data Breach 2024: 258 days to identify and contain"],
        ),
        metric(
            "ir_plan_tested",
            "Incident response plan tested",
            "Yes when the incident response plan, including a client-notification drill, was tested in the last 12 months.",
            Boolean,
            Up,
            (Respond, "RS.MA"),
            &["PCI DSS v4.0 12.10.2"],
        ),
        metric(
            "breach_notice_72h",
            "Breaches notified within 72 hours",
            "Personal-data breaches notified to the authority and clients within 72 hours ÷ all notifiable breaches (100 when there were none).",
            Percent,
            Up,
            (Respond, "RS.CO"),
            &["GDPR art. 33"],
        ),
        // Recover
        metric(
            "backup_restore_tested",
            "Backups restore-tested",
            "Critical systems with immutable backups and a successful restore test this quarter ÷ all critical systems.",
            Percent,
            Up,
            (Recover, "RC.RP"),
            &["NIST CSF 2.0 PR.DS-11"],
        ),
        metric(
            "dr_rto_met",
            "Disaster recovery within RTO",
            "Services that met their recovery time objective in the last DR test (site loss → work-from-home failover) ÷ services tested.",
            Percent,
            Up,
            (Recover, "RC.RP"),
            &["ISO/IEC 27001:2022 A.5.30"],
        ),
    ]
});

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn catalogue_keys_are_unique_snake_case_identifiers() {
        let mut seen = HashSet::new();
        for metric in CATALOGUE.iter() {
            assert!(
                seen.insert(metric.key.as_str()),
                "duplicate key {}",
                metric.key
            );
            assert!(
                metric
                    .key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                "key {} is not snake_case",
                metric.key
            );
        }
        assert_eq!(seen.len(), 33);
    }

    #[test]
    fn catalogue_ranges_and_texts_are_sane() {
        for metric in CATALOGUE.iter() {
            assert!(metric.min < metric.max, "{}: empty range", metric.key);
            assert!(metric.min >= 0.0, "{}: negative minimum", metric.key);
            if metric.unit == Unit::Percent {
                assert_eq!((metric.min, metric.max), (0.0, 100.0), "{}", metric.key);
            }
            assert!(!metric.name.is_empty() && !metric.definition.is_empty());
            assert!(
                !metric.references.is_empty(),
                "{}: no reference",
                metric.key
            );
        }
    }

    #[test]
    fn every_csf_function_is_covered_and_categories_match_their_function() {
        for function in CsfFunction::ALL {
            assert!(
                CATALOGUE.iter().any(|m| m.csf_function == function),
                "no metric for {function:?}"
            );
        }
        for metric in CATALOGUE.iter() {
            let prefix = format!("{}.", metric.csf_function.code());
            assert!(metric.csf_category.starts_with(&prefix), "{}", metric.key);
        }
    }

    #[test]
    fn catalogue_survives_a_json_round_trip() {
        let json = serde_json::to_string(&*CATALOGUE).unwrap();
        let back: Vec<Metric> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, *CATALOGUE);
        assert!(json.contains(r#""unit":"per_10k_calls""#));
        assert!(json.contains(r#""csf_function":"PR""#));
    }

    #[test]
    fn percent_value_outside_range_is_refused_with_the_range() {
        let mfa = find("mfa_coverage").unwrap();
        assert_eq!(mfa.validate(MetricValue::Number(97.5)), Ok(97.5));
        assert_eq!(mfa.validate(MetricValue::Number(0.0)), Ok(0.0));
        assert_eq!(mfa.validate(MetricValue::Number(100.0)), Ok(100.0));
        let err = mfa.validate(MetricValue::Number(100.1)).unwrap_err();
        assert_eq!(err.to_string(), "must be between 0 and 100 %");
        assert!(mfa.validate(MetricValue::Number(-1.0)).is_err());
        assert!(mfa.validate(MetricValue::Number(f64::NAN)).is_err());
        assert!(mfa.validate(MetricValue::Bool(true)).is_err());
    }

    #[test]
    fn boolean_metric_takes_only_yes_or_no() {
        let pci = find("pci_attestation_current").unwrap();
        assert_eq!(pci.validate(MetricValue::Bool(true)), Ok(1.0));
        assert_eq!(pci.validate(MetricValue::Bool(false)), Ok(0.0));
        assert!(pci.validate(MetricValue::Number(1.0)).is_err());
    }

    #[test]
    fn count_metric_takes_only_whole_numbers() {
        let sad = find("sad_in_recordings").unwrap();
        assert_eq!(sad.validate(MetricValue::Number(3.0)), Ok(3.0));
        assert_eq!(
            sad.validate(MetricValue::Number(2.5))
                .unwrap_err()
                .to_string(),
            "must be a whole number"
        );
    }

    #[test]
    fn values_deserialize_from_json_numbers_and_booleans() {
        let values: Vec<MetricValue> = serde_json::from_str("[1, 2.5, true]").unwrap();
        assert_eq!(
            values,
            [
                MetricValue::Number(1.0),
                MetricValue::Number(2.5),
                MetricValue::Bool(true)
            ]
        );
        assert!(serde_json::from_str::<MetricValue>(r#""12""#).is_err());
    }

    #[test]
    fn rounding_uses_the_metric_precision() {
        assert_eq!(find("mfa_coverage").unwrap().round(87.649), 87.6);
        assert_eq!(find("sad_in_recordings").unwrap().round(2.5), 3.0);
    }

    #[test]
    fn unknown_key_is_not_found() {
        assert!(find("mfa").is_none());
    }
}
