//! The best-practice library: what members did about a problem and what it changed, written in
//! Markdown, moderated by publishers, published under the organisation's name or anonymously.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::catalogue::{self, CsfFunction};
use crate::cohort::keyed_enum;
use crate::standard::Tier;

/// The categories of NIST CSF 2.0, in the framework's order.
pub const CSF_CATEGORIES: [(&str, &str); 22] = [
    ("GV.OC", "Organizational Context"),
    ("GV.RM", "Risk Management Strategy"),
    ("GV.RR", "Roles, Responsibilities, and Authorities"),
    ("GV.PO", "Policy"),
    ("GV.OV", "Oversight"),
    ("GV.SC", "Cybersecurity Supply Chain Risk Management"),
    ("ID.AM", "Asset Management"),
    ("ID.RA", "Risk Assessment"),
    ("ID.IM", "Improvement"),
    (
        "PR.AA",
        "Identity Management, Authentication, and Access Control",
    ),
    ("PR.AT", "Awareness and Training"),
    ("PR.DS", "Data Security"),
    ("PR.PS", "Platform Security"),
    ("PR.IR", "Technology Infrastructure Resilience"),
    ("DE.CM", "Continuous Monitoring"),
    ("DE.AE", "Adverse Event Analysis"),
    ("RS.MA", "Incident Management"),
    ("RS.AN", "Incident Analysis"),
    ("RS.CO", "Incident Response Reporting and Communication"),
    ("RS.MI", "Incident Mitigation"),
    ("RC.RP", "Incident Recovery Plan Execution"),
    ("RC.CO", "Incident Recovery Communication"),
];

keyed_enum! {
    /// Whether other readers see who wrote a practice: under the organisation's name, or
    /// anonymously (no reader but the authoring organisation learns who wrote it).
    Attribution {
        Named => ("named", "Under our organisation's name"),
        Anonymous => ("anonymous", "Anonymously"),
    }
}

keyed_enum! {
    /// Submitted (waiting for a publisher), published (in the library), or returned to the
    /// author with a comment.
    PracticeStatus {
        Submitted => ("submitted", "Waiting for review"),
        Published => ("published", "Published"),
        Returned => ("returned", "Returned to you"),
    }
}

/// `POST /api/v1/practices` and `PUT /api/v1/practices/{id}`. The three sections are Markdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PracticeDraft {
    pub title: String,
    pub problem: String,
    /// What we did.
    pub solution: String,
    pub result: String,
    /// Metric keys the practice moves.
    pub metrics: Vec<String>,
    /// CSF 2.0 categories ("PR.AA").
    #[serde(default)]
    pub csf_categories: Vec<String>,
    pub tier: Tier,
    pub attribution: Attribution,
}

/// The rendered, sanitised HTML of a practice's three sections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticeHtml {
    pub problem: String,
    pub solution: String,
    pub result: String,
}

/// A practice in a list, as the API shows it to one caller. Who wrote it (`author`) is present
/// only when it is published under a name; `moderation_comment` only for its authors and
/// publishers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PracticeSummary {
    pub id: i64,
    pub title: String,
    /// The start of the problem as plain text.
    pub excerpt: String,
    pub metrics: Vec<String>,
    pub csf_categories: Vec<String>,
    /// The CSF functions of its categories and metrics.
    pub functions: Vec<CsfFunction>,
    pub tier: Tier,
    pub attribution: Attribution,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<String>,
    /// Written by the caller's organisation (or, for a publisher, by the caller).
    pub mine: bool,
    pub status: PracticeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub moderation_comment: Option<String>,
    /// Organisations that marked it "we adopted this".
    pub adoptions: i64,
    pub adopted_by_us: bool,
    pub updated_at: String,
    pub published_at: Option<String>,
}

/// One practice, whole: its summary, the Markdown as written and the sanitised HTML.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Practice {
    #[serde(flatten)]
    pub summary: PracticeSummary,
    pub problem: String,
    pub solution: String,
    pub result: String,
    pub html: PracticeHtml,
}

/// `POST /api/v1/practices/{id}/moderation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Moderation {
    pub decision: ModerationDecision,
    /// Required when returning: what the author should change.
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ModerationDecision {
    Publish,
    Return,
}

/// `GET /api/v1/practices?metric=&function=&tier=&q=`: every filter is optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PracticeFilter {
    pub metric: Option<String>,
    pub function: Option<CsfFunction>,
    pub tier: Option<Tier>,
    /// Words that must all appear in the title or a section (case-insensitive).
    pub q: Option<String>,
}

impl PracticeFilter {
    /// Whether a practice passes every filter; `q` is matched against its title and sections.
    pub fn matches(&self, draft: &PracticeDraft) -> bool {
        let metric = self
            .metric
            .as_ref()
            .is_none_or(|key| draft.metrics.contains(key));
        let function = self
            .function
            .is_none_or(|f| functions_of(&draft.metrics, &draft.csf_categories).contains(&f));
        let tier = self.tier.is_none_or(|t| draft.tier == t);
        let text = self.q.as_deref().is_none_or(|q| {
            let haystack = [&draft.title, &draft.problem, &draft.solution, &draft.result]
                .map(|s| s.to_lowercase())
                .join("\n");
            q.split_whitespace()
                .all(|word| haystack.contains(&word.to_lowercase()))
        });
        metric && function && tier && text
    }
}

/// The CSF functions a practice touches: those of its categories and of its metrics.
pub fn functions_of(metrics: &[String], categories: &[String]) -> Vec<CsfFunction> {
    let mut functions: Vec<CsfFunction> = metrics
        .iter()
        .filter_map(|key| catalogue::find(key).map(|m| m.csf_function))
        .chain(categories.iter().filter_map(|category| {
            CsfFunction::ALL
                .into_iter()
                .find(|f| category.starts_with(f.code()))
        }))
        .collect();
    functions.sort();
    functions.dedup();
    functions
}

const SECTION_LIMIT: usize = 20_000;

/// Checks a draft; the messages are keyed by field.
pub fn validate_practice(draft: &PracticeDraft) -> Result<(), BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    if !(5..=140).contains(&draft.title.trim().chars().count()) {
        errors.insert("title".to_owned(), "must be 5 to 140 characters".to_owned());
    }
    for (field, text) in [
        ("problem", &draft.problem),
        ("solution", &draft.solution),
        ("result", &draft.result),
    ] {
        let length = text.trim().chars().count();
        if length < 20 {
            errors.insert(
                field.to_owned(),
                "say a little more (20 characters at least)".to_owned(),
            );
        } else if length > SECTION_LIMIT {
            errors.insert(
                field.to_owned(),
                "must be at most 20,000 characters".to_owned(),
            );
        }
    }
    if draft.metrics.is_empty() {
        errors.insert("metrics".to_owned(), "link at least one metric".to_owned());
    }
    for (index, key) in draft.metrics.iter().enumerate() {
        if catalogue::find(key).is_none() {
            errors.insert(format!("metrics[{index}]"), "unknown metric".to_owned());
        } else if draft.metrics[..index].contains(key) {
            errors.insert(format!("metrics[{index}]"), "listed twice".to_owned());
        }
    }
    for (index, category) in draft.csf_categories.iter().enumerate() {
        if !CSF_CATEGORIES.iter().any(|(code, _)| code == category) {
            errors.insert(
                format!("csf_categories[{index}]"),
                "not a CSF 2.0 category (such as PR.AA)".to_owned(),
            );
        } else if draft.csf_categories[..index].contains(category) {
            errors.insert(
                format!("csf_categories[{index}]"),
                "listed twice".to_owned(),
            );
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> PracticeDraft {
        PracticeDraft {
            title: "Phishing simulations every two weeks".to_owned(),
            problem: "Agents clicked one phishing lure in five.".to_owned(),
            solution: "Short simulations every two weeks, with a 3-minute lesson on a click."
                .to_owned(),
            result: "The phish-prone rate fell from 21 % to 6 % in two quarters.".to_owned(),
            metrics: vec!["phish_prone".to_owned()],
            csf_categories: vec!["PR.AT".to_owned()],
            tier: Tier::Baseline,
            attribution: Attribution::Anonymous,
        }
    }

    #[test]
    fn a_complete_draft_passes_and_bad_fields_are_named() {
        assert_eq!(validate_practice(&draft()), Ok(()));
        let bad = PracticeDraft {
            title: "Hi".to_owned(),
            result: "short".to_owned(),
            metrics: vec!["phish_prone".to_owned(), "phish_prone".to_owned()],
            csf_categories: vec!["XX.YY".to_owned()],
            ..draft()
        };
        let errors = validate_practice(&bad).unwrap_err();
        assert!(errors.contains_key("title"));
        assert!(errors.contains_key("result"));
        assert_eq!(errors["metrics[1]"], "listed twice");
        assert!(errors["csf_categories[0]"].contains("CSF 2.0"));
    }

    #[test]
    fn functions_come_from_metrics_and_categories() {
        assert_eq!(
            functions_of(
                &["phish_prone".to_owned()],
                &["RS.MA".to_owned(), "PR.AT".to_owned()]
            ),
            vec![CsfFunction::Protect, CsfFunction::Respond]
        );
    }
}
