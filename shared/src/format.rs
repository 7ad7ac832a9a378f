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
