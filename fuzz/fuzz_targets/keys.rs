//! Period and cohort keys from paths and queries: parsing never panics, and whatever parses
//! prints back as the same key (so cached cells and URLs agree).
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::{CohortKey, Period};

fuzz_target!(|text: &str| {
    if let Ok(period) = text.parse::<Period>() {
        let printed = period.to_string();
        assert_eq!(printed.parse::<Period>().ok(), Some(period), "{text:?}");
        assert_eq!(period.next().previous(), period);
    }
    if let Ok(cohort) = text.parse::<CohortKey>() {
        assert_eq!(cohort.to_string(), text, "cohort keys are canonical");
        assert!(CohortKey::lattice().any(|known| known == cohort));
    }
});
