//! Number formatting shared by the app and reports.

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
