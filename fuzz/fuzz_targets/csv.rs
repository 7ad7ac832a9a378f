//! A member's CSV upload: `parse_csv` then `validate_values`, as `POST …/csv` runs them. Never
//! panics; a file it accepts names only catalogue metrics, and every value it accepts is finite.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::catalogue;
use shared::submission::{parse_csv, validate_values};

fuzz_target!(|text: &str| {
    let Ok(parsed) = parse_csv(text) else {
        return;
    };
    for key in parsed.keys() {
        assert!(
            catalogue::find(key).is_some(),
            "accepted unknown metric {key:?}"
        );
    }
    let submitted = parsed.into_iter().map(|(k, v)| (k, v.into())).collect();
    if let Ok(valid) = validate_values(&submitted) {
        assert!(valid.values().all(|v| v.is_finite()), "{valid:?}");
    }
});
