//! Reporting periods: calendar quarters written `2026-Q3`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar quarter. Orders chronologically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    year: u16,
    quarter: u8,
}

/// The text was not a quarter such as `2026-Q3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeriodParseError;

impl fmt::Display for PeriodParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("expected a quarter such as 2026-Q3")
    }
}

impl std::error::Error for PeriodParseError {}

impl Period {
    /// Returns `None` unless `quarter` is 1 to 4 and `year` has four digits.
    pub fn new(year: u16, quarter: u8) -> Option<Self> {
        ((1000..=9999).contains(&year) && (1..=4).contains(&quarter))
            .then_some(Self { year, quarter })
    }

    pub fn year(self) -> u16 {
        self.year
    }

    pub fn quarter(self) -> u8 {
        self.quarter
    }

    /// The quarter after this one.
    pub fn next(self) -> Self {
        if self.quarter == 4 {
            Self {
                year: self.year + 1,
                quarter: 1,
            }
        } else {
            Self {
                quarter: self.quarter + 1,
                ..self
            }
        }
    }

    /// The quarter before this one.
    pub fn previous(self) -> Self {
        if self.quarter == 1 {
            Self {
                year: self.year - 1,
                quarter: 4,
            }
        } else {
            Self {
                quarter: self.quarter - 1,
                ..self
            }
        }
    }

    /// The quarter containing the given instant (seconds since the Unix epoch, UTC).
    pub fn containing_unix_seconds(seconds: i64) -> Self {
        let (year, month, _) = civil_date(seconds.div_euclid(86_400));
        Self {
            year: year as u16,
            quarter: (month as u8 - 1) / 3 + 1,
        }
    }
}

/// Formats an instant (seconds since the Unix epoch) as an RFC 3339 UTC timestamp.
pub fn rfc3339(seconds: i64) -> String {
    let (year, month, day) = civil_date(seconds.div_euclid(86_400));
    let second_of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        second_of_day / 3600,
        second_of_day / 60 % 60,
        second_of_day % 60
    )
}

/// The Unix time of an RFC 3339 UTC timestamp in the form [`rfc3339`] writes
/// (`2026-12-01T08:00:00Z`); `None` for anything else.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let (date, time) = text.strip_suffix('Z')?.split_once('T')?;
    let bytes = time.as_bytes();
    if bytes.len() != 8 || bytes[2] != b':' || bytes[5] != b':' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = time.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (hour, minute, second) = (number(0..2)?, number(3..5)?, number(6..8)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let day_start = crate::participation::end_of_day(date)? - 86_399;
    Some(day_start + hour * 3600 + minute * 60 + second)
}

/// RFC 3339 UTC text of a Unix time in milliseconds, to the millisecond
/// (`2026-12-07T19:45:21.123Z`).
pub fn rfc3339_ms(milliseconds: i64) -> String {
    let seconds = rfc3339(milliseconds.div_euclid(1000));
    let fraction = milliseconds.rem_euclid(1000);
    format!("{}.{fraction:03}Z", &seconds[..seconds.len() - 1])
}

/// Converts days since 1970-01-01 to a proleptic Gregorian (year, month, day); the algorithm
/// is Howard Hinnant's `civil_from_days`.
fn civil_date(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.quarter)
    }
}

impl FromStr for Period {
    type Err = PeriodParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (year, quarter) = text.split_once("-Q").ok_or(PeriodParseError)?;
        if year.len() != 4 || quarter.len() != 1 || !year.bytes().all(|b| b.is_ascii_digit()) {
            return Err(PeriodParseError);
        }
        let year = year.parse().map_err(|_| PeriodParseError)?;
        let quarter = quarter.parse().map_err(|_| PeriodParseError)?;
        Self::new(year, quarter).ok_or(PeriodParseError)
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Period {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_rfc_3339_time_reads_back_as_written() {
        for seconds in [0, 1_767_225_600, 1_796_083_199, 951_782_400] {
            assert_eq!(parse_rfc3339(&rfc3339(seconds)), Some(seconds));
        }
        for text in [
            "",
            "2026-12-01",
            "2026-12-01T08:00:00",
            "2026-12-01T24:00:00Z",
            "2026-02-30T08:00:00Z",
            "2026-12-01T8:00:00Z",
            "2026-12-01T08:00:00.5Z",
            "2026-12-01T08:00:00+01:00",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }

    #[test]
    fn parses_and_prints_a_quarter() {
        let period: Period = "2026-Q3".parse().unwrap();
        assert_eq!((period.year(), period.quarter()), (2026, 3));
        assert_eq!(period.to_string(), "2026-Q3");
    }

    #[test]
    fn rejects_malformed_quarters() {
        for text in [
            "", "2026", "2026-Q0", "2026-Q5", "2026-q3", "26-Q3", "+026-Q3", "2026-Q3 ", "2026-Q03",
        ] {
            assert_eq!(text.parse::<Period>(), Err(PeriodParseError), "{text:?}");
        }
    }

    #[test]
    fn orders_chronologically_and_steps_across_years() {
        let q4: Period = "2025-Q4".parse().unwrap();
        let q1: Period = "2026-Q1".parse().unwrap();
        assert!(q4 < q1);
        assert_eq!(q4.next(), q1);
        assert_eq!(q1.previous(), q4);
    }

    #[test]
    fn finds_the_quarter_of_an_instant() {
        // 2026-11-25T20:00:00Z
        assert_eq!(
            Period::containing_unix_seconds(1_795_636_800).to_string(),
            "2026-Q4"
        );
        // 1970-01-01, 2000-03-31T23:59:59Z, 2000-04-01T00:00:00Z
        assert_eq!(Period::containing_unix_seconds(0).to_string(), "1970-Q1");
        assert_eq!(
            Period::containing_unix_seconds(954_547_199).to_string(),
            "2000-Q1"
        );
        assert_eq!(
            Period::containing_unix_seconds(954_547_200).to_string(),
            "2000-Q2"
        );
    }

    #[test]
    fn formats_instants_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_636_800), "2026-11-25T20:00:00Z");
        assert_eq!(rfc3339(954_547_199), "2000-03-31T23:59:59Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_ms(1_795_636_800_007), "2026-11-25T20:00:00.007Z");
        assert_eq!(rfc3339_ms(999), "1970-01-01T00:00:00.999Z");
        assert_eq!(rfc3339_ms(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn serializes_as_a_string() {
        let period: Period = serde_json::from_str(r#""2024-Q2""#).unwrap();
        assert_eq!(serde_json::to_string(&period).unwrap(), r#""2024-Q2""#);
        assert!(serde_json::from_str::<Period>(r#""2024-Q9""#).is_err());
    }
}
