//! Formatting shared by the app, reports and the server: numbers, standings, and hex.

use crate::catalogue::{Metric, MetricValue, Unit};

/// A value as people read it: rounded to the metric's precision, with its unit
/// ("92.5 %", "14.0 days", "yes").
pub fn metric_value(metric: &Metric, value: f64) -> String {
    let number = format!("{:.*}", usize::from(metric.precision), value);
    match metric.unit {
        Unit::Boolean => if value >= 0.5 { "yes" } else { "no" }.to_owned(),
        Unit::Percent => format!("{number} %"),
        Unit::Count => group_thousands(value.round()),
        unit => format!("{number} {}", unit.label()),
    }
}

/// A published share band as people read it: "60-70" → "60–70 %".
pub fn share_band(band: &str) -> String {
    format!("{} %", band.replacen('-', "–", 1))
}

/// A cell's "Mean" column: the mean of a numeric metric, the band of "yes" for a yes/no
/// metric ("90–100 % yes"), or "—".
pub fn cell_mean(metric: &Metric, mean: Option<f64>, yes_band: Option<&str>) -> String {
    match (metric.unit, mean, yes_band) {
        (Unit::Boolean, _, Some(band)) => format!("{} yes", share_band(band)),
        (_, Some(mean), _) => metric_value(metric, mean),
        _ => "—".to_owned(),
    }
}

/// Formats a whole number with thousands separators ("10,000"); other numbers as they are.
pub fn group_thousands(value: f64) -> String {
    if value.fract() != 0.0 || value.abs() >= 1e15 {
        return value.to_string();
    }
    let digits = format!("{}", value.abs());
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0.0 {
        grouped.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// A member's value as shown beside the benchmark: formatted, "yes"/"no", or "not submitted".
pub fn value_text(metric: &Metric, value: Option<MetricValue>) -> String {
    match value {
        Some(MetricValue::Number(number)) => metric_value(metric, number),
        Some(MetricValue::Bool(yes)) => if yes { "yes" } else { "no" }.to_owned(),
        None => "not submitted".to_owned(),
    }
}

/// A standing as an ordinal: "62nd", "1st", "13th".
pub fn ordinal(percentile: f64) -> String {
    let n = percentile.round() as i64;
    let suffix = match (n % 10, n % 100) {
        (1, r) if r != 11 => "st",
        (2, r) if r != 12 => "nd",
        (3, r) if r != 13 => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes of lower- or upper-case hex; `None` for anything else.
pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod hex_tests {
    use super::*;

    #[test]
    fn hex_round_trips_and_refuses_what_is_not_hex() {
        assert_eq!(hex(&[0, 15, 255]), "000fff");
        assert_eq!(unhex("000fFF"), Some(vec![0, 15, 255]));
        assert_eq!(unhex("0"), None);
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("é0"), None);
    }
}

#[cfg(test)]
mod standing_text_tests {
    use super::*;

    #[test]
    fn ordinals_take_their_english_suffix() {
        let cases = [
            (1.0, "1st"),
            (2.0, "2nd"),
            (3.0, "3rd"),
            (4.0, "4th"),
            (11.0, "11th"),
            (12.0, "12th"),
            (13.0, "13th"),
            (21.0, "21st"),
            (62.4, "62nd"),
            (99.6, "100th"),
            (111.0, "111th"),
        ];
        for (percentile, text) in cases {
            assert_eq!(ordinal(percentile), text, "{percentile}");
        }
    }

    #[test]
    fn values_read_as_people_say_them() {
        let mfa = crate::catalogue::find("mfa_coverage").unwrap();
        let pci = crate::catalogue::find("pci_attestation_current").unwrap();
        assert_eq!(value_text(mfa, Some(MetricValue::Number(92.54))), "92.5 %");
        assert_eq!(value_text(pci, Some(MetricValue::Bool(true))), "yes");
        assert_eq!(value_text(mfa, None), "not submitted");
    }
}

#[cfg(test)]
mod tests {
    use super::group_thousands;

    #[test]
    fn whole_numbers_get_thousands_separators() {
        assert_eq!(group_thousands(0.0), "0");
        assert_eq!(group_thousands(100.0), "100");
        assert_eq!(group_thousands(8760.0), "8,760");
        assert_eq!(group_thousands(100_000.0), "100,000");
        assert_eq!(group_thousands(1_234_567.0), "1,234,567");
        assert_eq!(group_thousands(-4200.0), "-4,200");
    }

    #[test]
    fn fractions_are_left_alone() {
        assert_eq!(group_thousands(12.5), "12.5");
    }
}

/// Shows an RFC 3339 UTC timestamp as "2026-11-25 20:40 UTC"; other text is returned as it is.
pub fn timestamp(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(date), Some(time)) if rfc3339.as_bytes().get(10) == Some(&b'T') => {
            format!("{date} {time} UTC")
        }
        _ => rfc3339.to_owned(),
    }
}

#[cfg(test)]
mod metric_value_tests {
    use super::metric_value;
    use crate::catalogue::find;

    #[test]
    fn values_read_with_precision_and_unit() {
        assert_eq!(
            metric_value(find("mfa_coverage").unwrap(), 92.456),
            "92.5 %"
        );
        assert_eq!(
            metric_value(find("critical_patch_days").unwrap(), 14.0),
            "14.0 days"
        );
        assert_eq!(metric_value(find("ir_plan_tested").unwrap(), 1.0), "yes");
        assert_eq!(
            metric_value(find("sad_in_recordings").unwrap(), 1200.0),
            "1,200"
        );
    }
}

#[cfg(test)]
mod timestamp_tests {
    use super::timestamp;

    #[test]
    fn timestamps_read_as_date_time_and_zone() {
        assert_eq!(timestamp("2026-11-25T20:40:12Z"), "2026-11-25 20:40 UTC");
        assert_eq!(
            timestamp("2026-11-25T20:40:12.123Z"),
            "2026-11-25 20:40 UTC"
        );
        assert_eq!(timestamp("yesterday"), "yesterday");
    }
}
