//! Rendering a practice's Markdown: the allowlisted renderer the API uses, side by side with
//! pulldown-cmark's plain HTML output (which would pass raw HTML and any link through), so the
//! cost of the sanitising is visible. One practice is three sections of about this size.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};

const SECTION: &str = "We enrolled **platform passkeys** (Windows Hello, Touch ID) site by site over \
eight weeks, with hardware keys for shared workstations:\n\n\
- agents first, then team leads and the help desk;\n\
- help-desk resets require a *video call* with the team lead;\n\
- SMS codes were switched off per client once 95 % had enrolled.\n\n\
See [CISA's fact sheet](https://www.cisa.gov/resources-tools/resources/phishing-resistant-multi-factor-authentication-mfa-success-story-usdas-fast-identity-online-fido) \
and <https://fidoalliance.org/passkeys/>. Phishing-resistant MFA went from 8 % to 71 % of users; \
no credential-phishing incident since.\n";

fn plain(source: &str) -> String {
    let mut out = String::new();
    pulldown_cmark::html::push_html(&mut out, pulldown_cmark::Parser::new(source));
    out
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("practice section (~700 bytes of Markdown)");
    group.bench_function("allowlisted render (API)", |b| {
        b.iter(|| backend::markdown::render(black_box(SECTION)))
    });
    group.bench_function("pulldown-cmark push_html, unsanitised", |b| {
        b.iter(|| plain(black_box(SECTION)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
