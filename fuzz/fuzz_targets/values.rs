//! A submission body (`PUT /api/v1/submissions/{period}`): JSON to `SubmissionRequest`, then
//! `validate_values`. Never panics; accepted values are finite numbers of catalogue metrics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared::catalogue;
use shared::submission::{SubmissionRequest, validate_values};

fuzz_target!(|body: &[u8]| {
    let Ok(request) = serde_json::from_slice::<SubmissionRequest>(body) else {
        return;
    };
    match validate_values(&request.values) {
        Ok(valid) => {
            for (key, value) in &valid {
                assert!(
                    catalogue::find(key).is_some(),
                    "accepted unknown metric {key:?}"
                );
                assert!(value.is_finite(), "{key} = {value}");
            }
        }
        Err(errors) => assert!(!errors.is_empty()),
    }
});
