//! Submissions: an organisation's values for one period, their validation, and the CSV format
//! (`metric,value`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::api::PeriodStatus;
use crate::catalogue::{self, MetricValue, Unit};
use crate::period::Period;

/// `PUT /api/v1/submissions/{period}`: the complete set of values for the period. Metrics left
/// out are not reported (a partial submission is fine until the period is released).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubmissionRequest {
    pub values: BTreeMap<String, SubmittedValue>,
}

/// A value as submitted. Anything that is neither a number nor a boolean is kept as
/// `Invalid` so that validation can name the metric instead of failing the whole body.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SubmittedValue {
    Value(MetricValue),
    /// What was sent instead ("text", "null", "a list", "an object").
    Invalid(&'static str),
}

impl From<MetricValue> for SubmittedValue {
    fn from(value: MetricValue) -> Self {
        SubmittedValue::Value(value)
    }
}

impl Serialize for SubmittedValue {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            SubmittedValue::Value(value) => value.serialize(serializer),
            SubmittedValue::Invalid(_) => serializer.serialize_unit(),
        }
    }
}

impl<'de> Deserialize<'de> for SubmittedValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SubmittedValueVisitor)
    }
}

struct SubmittedValueVisitor;

impl<'de> serde::de::Visitor<'de> for SubmittedValueVisitor {
    type Value = SubmittedValue;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number or a boolean")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(MetricValue::Bool(v).into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(MetricValue::Number(v as f64).into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(MetricValue::Number(v as f64).into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        Ok(MetricValue::Number(v).into())
    }

    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(SubmittedValue::Invalid("text"))
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(SubmittedValue::Invalid("null"))
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(SubmittedValue::Invalid("null"))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(SubmittedValue::Invalid("a list"))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(SubmittedValue::Invalid("an object"))
    }
}

/// An organisation's stored submission for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Submission {
    pub period: Period,
    pub status: PeriodStatus,
    /// 0 while nothing has been saved; each save adds one.
    pub revision: i64,
    pub saved_at: Option<String>,
    /// Who saved the latest revision: a user's name or "API token …".
    pub saved_by: Option<String>,
    pub values: BTreeMap<String, MetricValue>,
    /// In the answer to a save: the metrics whose value was rounded to the metric's display
    /// precision before it was stored (values live on that grid; anonymity policy v3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rounded: Vec<String>,
}

/// One saved revision in `GET /api/v1/submissions` (the history; values are not repeated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionInfo {
    pub period: Period,
    pub revision: i64,
    pub saved_at: String,
    pub saved_by: String,
    pub value_count: i64,
}

/// The answer to a CSV upload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CsvSaved {
    /// Number of values saved.
    pub saved: usize,
    pub submission: Submission,
}

/// Validates every value and rounds each to its metric's display precision (values are stored
/// on that grid); on failure returns a message per offending metric key.
pub fn validate_values(
    values: &BTreeMap<String, SubmittedValue>,
) -> Result<BTreeMap<String, f64>, BTreeMap<String, String>> {
    let mut valid = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for (key, &value) in values {
        match (catalogue::find(key), value) {
            (None, _) => {
                errors.insert(key.clone(), "unknown metric".to_owned());
            }
            (Some(metric), SubmittedValue::Invalid(sent)) => {
                let expected = if metric.unit == Unit::Boolean {
                    "true or false"
                } else {
                    "a number"
                };
                errors.insert(key.clone(), format!("must be {expected}, not {sent}"));
            }
            (Some(metric), SubmittedValue::Value(value)) => match metric.validate(value) {
                Ok(number) => {
                    valid.insert(key.clone(), metric.round(number));
                }
                Err(error) => {
                    errors.insert(key.clone(), error.to_string());
                }
            },
        }
    }
    if errors.is_empty() {
        Ok(valid)
    } else {
        Err(errors)
    }
}

/// The metrics of `submitted` whose number `validate_values` rounded into `stored`.
pub fn rounded_keys(
    submitted: &BTreeMap<String, SubmittedValue>,
    stored: &BTreeMap<String, f64>,
) -> Vec<String> {
    submitted
        .iter()
        .filter_map(|(key, value)| match (value, stored.get(key)) {
            (SubmittedValue::Value(MetricValue::Number(sent)), Some(&kept)) if *sent != kept => {
                Some(key.clone())
            }
            _ => None,
        })
        .collect()
}

/// Turns a stored number back into what the API shows (yes/no for boolean metrics).
pub fn stored_value(key: &str, number: f64) -> MetricValue {
    match catalogue::find(key) {
        Some(metric) if metric.unit == Unit::Boolean => MetricValue::Bool(number != 0.0),
        _ => MetricValue::Number(number),
    }
}

/// A CSV with every metric key and an empty value column, for members to fill in.
pub fn csv_template() -> String {
    let mut csv = String::from("metric,value\n");
    for metric in catalogue::CATALOGUE.iter() {
        csv.push_str(&metric.key);
        csv.push_str(",\n");
    }
    csv
}

/// Parses a `metric,value` CSV. All-or-nothing: any bad row fails the whole file, with one
/// message per row (keyed `row N`, counting the header as row 1). Rows with an empty value are
/// skipped, so the filled-in template can be uploaded as it is.
pub fn parse_csv(text: &str) -> Result<BTreeMap<String, MetricValue>, BTreeMap<String, String>> {
    let mut errors = BTreeMap::new();
    let mut values = BTreeMap::new();
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty());
    match lines.next() {
        Some((_, header))
            if split_row(header)
                .map(|f| f == ["metric", "value"])
                .unwrap_or(false) => {}
        _ => {
            errors.insert(
                "row 1".to_owned(),
                "the first row must be the header `metric,value`".to_owned(),
            );
            return Err(errors);
        }
    }
    for (index, line) in lines {
        let row = format!("row {}", index + 1);
        let fields = match split_row(line) {
            Ok(fields) if fields.len() == 2 => fields,
            Ok(fields) => {
                errors.insert(
                    row,
                    format!("expected 2 columns (metric,value), found {}", fields.len()),
                );
                continue;
            }
            Err(message) => {
                errors.insert(row, message);
                continue;
            }
        };
        let (key, raw) = (fields[0].as_str(), fields[1].as_str());
        let Some(metric) = catalogue::find(key) else {
            errors.insert(row, format!("unknown metric `{key}`"));
            continue;
        };
        if raw.is_empty() {
            continue;
        }
        let value = if metric.unit == Unit::Boolean {
            match raw.to_ascii_lowercase().as_str() {
                "yes" | "true" | "1" => MetricValue::Bool(true),
                "no" | "false" | "0" => MetricValue::Bool(false),
                _ => {
                    errors.insert(row, format!("{key}: `{raw}` must be yes or no"));
                    continue;
                }
            }
        } else {
            match raw.parse::<f64>() {
                Ok(number) => MetricValue::Number(number),
                Err(_) => {
                    errors.insert(row, format!("{key}: `{raw}` is not a number"));
                    continue;
                }
            }
        };
        if let Err(error) = metric.validate(value) {
            errors.insert(row, format!("{key}: {error}"));
        } else if values.insert(key.to_owned(), value).is_some() {
            errors.insert(row, format!("{key} appears more than once"));
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// Splits one CSV row into trimmed fields; fields may be wrapped in double quotes.
fn split_row(line: &str) -> Result<Vec<String>, String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', false) if field.trim().is_empty() => {
                field.clear();
                quoted = true;
            }
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            (',', false) => fields.push(std::mem::take(&mut field).trim().to_owned()),
            (c, _) => field.push(c),
        }
    }
    if quoted {
        return Err("a quoted field is not closed".to_owned());
    }
    fields.push(field.trim().to_owned());
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, MetricValue)]) -> BTreeMap<String, SubmittedValue> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), (*v).into()))
            .collect()
    }

    #[test]
    fn wrong_json_types_are_named_per_metric() {
        let body = r#"{"values":{"mfa_coverage":"90","ir_plan_tested":null,"edr_coverage":[1],"dlp_coverage":88}}"#;
        let request: SubmissionRequest = serde_json::from_str(body).unwrap();
        let errors = validate_values(&request.values).unwrap_err();
        assert_eq!(errors["mfa_coverage"], "must be a number, not text");
        assert_eq!(errors["ir_plan_tested"], "must be true or false, not null");
        assert_eq!(errors["edr_coverage"], "must be a number, not a list");
        assert!(!errors.contains_key("dlp_coverage"));
        assert!(serde_json::from_str::<SubmissionRequest>(r#"{"values":{},"org":1}"#).is_err());
    }

    #[test]
    fn valid_values_pass_and_booleans_become_numbers() {
        let input = values(&[
            ("mfa_coverage", MetricValue::Number(92.5)),
            ("ir_plan_tested", MetricValue::Bool(true)),
        ]);
        let valid = validate_values(&input).unwrap();
        assert_eq!(valid["mfa_coverage"], 92.5);
        assert_eq!(valid["ir_plan_tested"], 1.0);
        assert_eq!(stored_value("ir_plan_tested", 1.0), MetricValue::Bool(true));
        assert_eq!(
            stored_value("mfa_coverage", 92.5),
            MetricValue::Number(92.5)
        );
    }

    #[test]
    fn every_bad_value_gets_its_own_message() {
        let input = values(&[
            ("mfa_coverage", MetricValue::Number(140.0)),
            ("nonsense", MetricValue::Number(1.0)),
            ("ir_plan_tested", MetricValue::Number(1.0)),
            ("phish_prone", MetricValue::Number(12.0)),
        ]);
        let errors = validate_values(&input).unwrap_err();
        assert_eq!(errors.len(), 3);
        assert_eq!(errors["mfa_coverage"], "must be between 0 and 100 %");
        assert_eq!(errors["nonsense"], "unknown metric");
        assert!(errors.contains_key("ir_plan_tested"));
    }

    #[test]
    fn the_template_lists_every_metric_and_parses_as_empty() {
        let template = csv_template();
        assert_eq!(template.lines().count(), 34);
        assert_eq!(parse_csv(&template).unwrap(), BTreeMap::new());
    }

    #[test]
    fn csv_rows_parse_with_quotes_booleans_and_crlf() {
        let csv = "metric,value\r\nmfa_coverage,91.5\r\n\"phish_prone\",\" 7 \"\r\nir_plan_tested,Yes\r\n";
        let parsed = parse_csv(csv).unwrap();
        assert_eq!(parsed["mfa_coverage"], MetricValue::Number(91.5));
        assert_eq!(parsed["phish_prone"], MetricValue::Number(7.0));
        assert_eq!(parsed["ir_plan_tested"], MetricValue::Bool(true));
    }

    #[test]
    fn bad_csv_reports_each_row_and_keeps_nothing() {
        let csv = "metric,value\nmfa_coverage,101\nfoo,1\nphish_prone,abc\nedr_coverage,90\nedr_coverage,91\nx\n";
        let errors = parse_csv(csv).unwrap_err();
        assert_eq!(errors["row 2"], "mfa_coverage: must be between 0 and 100 %");
        assert_eq!(errors["row 3"], "unknown metric `foo`");
        assert_eq!(errors["row 4"], "phish_prone: `abc` is not a number");
        assert_eq!(errors["row 6"], "edr_coverage appears more than once");
        assert_eq!(
            errors["row 7"],
            "expected 2 columns (metric,value), found 1"
        );
        assert_eq!(errors.len(), 5);
    }

    #[test]
    fn csv_without_the_header_is_refused() {
        assert!(
            parse_csv("mfa_coverage,90\n")
                .unwrap_err()
                .contains_key("row 1")
        );
        assert!(parse_csv("").is_err());
        assert!(
            parse_csv("metric,value\n\"mfa_coverage,90\n")
                .unwrap_err()
                .contains_key("row 2")
        );
    }
}
