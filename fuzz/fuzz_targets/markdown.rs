//! The best-practice Markdown renderer: whatever an author writes, the HTML holds only allowed
//! tags and harmless attributes (no script, handler, style or remote resource).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|source: &str| {
    let html = backend::markdown::render(source);
    if let Err(problem) = backend::markdown::only_safe_markup(&html) {
        panic!("unsafe markup {problem} in {html:?} from {source:?}");
    }
    let _ = backend::markdown::excerpt(source, 200);
});
