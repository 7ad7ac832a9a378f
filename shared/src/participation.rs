//! Submission deadlines and participation: the date a quarter's submissions are due, and how
//! many verified members have submitted, for the industry groups who chase them.

use serde::{Deserialize, Serialize};

use crate::cohort::{CohortKey, keyed_enum};
use crate::period::Period;

/// `PUT /api/v1/periods/{period}/deadline`: submissions are due by the end of `due` (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DeadlineInput {
    /// A date, `YYYY-MM-DD`.
    pub due: String,
}

/// The answer: the deadline as an RFC 3339 instant (the last second of the day, UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadline {
    pub period: Period,
    pub due_at: String,
    pub set_by: String,
}

/// The last second (Unix time) of a `YYYY-MM-DD` day in UTC; `None` unless it is a real date.
pub fn end_of_day(date: &str) -> Option<i64> {
    let bytes = date.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let text = date.get(range)?;
        text.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| text.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1000..=9999).contains(&year) || !(1..=days_in_month).contains(&day) {
        return None;
    }
    // Howard Hinnant's days_from_civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days = era * 146_097 + day_of_era - 719_468;
    Some(days * 86_400 + 86_399)
}

keyed_enum! {
    /// How far an organisation's submission for a quarter is: every metric, some, or none.
    ParticipationStatus {
        Complete => ("complete", "Submitted"),
        Partial => ("partial", "Partly submitted"),
        NotStarted => ("not_started", "Not started"),
    }
}

/// Verified members of one cohort and how many of them have submitted, as count bands
/// ([`crate::benchmark::count_band`]): never exact, for anyone (anonymity policy v3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParticipationCount {
    pub cohort: CohortKey,
    /// Verified members that saved at least one value.
    pub submitted: String,
    /// Verified members.
    pub verified: String,
}

/// One verified member's submission for the quarter (publishers and admins only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrgParticipation {
    pub org_id: i64,
    pub name: String,
    pub status: ParticipationStatus,
    /// Metrics in its latest save.
    pub metrics: usize,
    pub last_saved_at: Option<String>,
    /// Its latest save came after the deadline.
    pub late: bool,
}

/// `GET /api/v1/periods/{period}/participation` (publishers and admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Participation {
    pub period: Period,
    pub deadline: Option<String>,
    /// Every cohort of the lattice, `all` first.
    pub counts: Vec<ParticipationCount>,
    /// The open quarter's chase list: not started first, then partly submitted, then
    /// submitted; by name within each. Empty once the quarter is released.
    pub organisations: Vec<OrgParticipation>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::period::rfc3339;

    #[test]
    fn a_date_ends_at_its_last_second_in_utc() {
        assert_eq!(end_of_day("1970-01-01"), Some(86_399));
        assert_eq!(
            end_of_day("2026-12-31").map(rfc3339).as_deref(),
            Some("2026-12-31T23:59:59Z")
        );
        assert_eq!(
            end_of_day("2028-02-29").map(rfc3339).as_deref(),
            Some("2028-02-29T23:59:59Z")
        );
        for bad in [
            "2027-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "26-12-31",
            "2026-1-31",
            "2026-12-3x",
            "+026-12-31",
            "",
        ] {
            assert_eq!(end_of_day(bad), None, "{bad}");
        }
    }
}
