//! Every route of the app at 390 px and at 1280 px, as every kind of user: nothing may scroll
//! the page sideways (wide tables scroll inside their own container). Run by
//! `cargo xtask test`, which builds dist/ and installs Chromium.

use peerposture_tests::webdriver::{ChromeDriver, Session as Browser};
use peerposture_tests::{LOAD_TIMEOUT, TestApp, built_dist, open_logged_in};

const PASSWORD: &str = backend::demo::DEMO_PASSWORD;

/// Every app route (the demo has standard #1 and practice #1).
const ROUTES: &[&str] = &[
    "/",
    "/metrics",
    "/login",
    "/dashboard",
    "/dashboard/metric/mfa_coverage",
    "/dashboard/metric/pci_attestation_current",
    "/industry",
    "/report",
    "/roadmap",
    "/methodology",
    "/submit",
    "/team",
    "/share",
    "/admin",
    "/releases",
    "/standards",
    "/standards/new",
    "/standards/1",
    "/practices",
    "/practices/new",
    "/practices/mine",
    "/practices/review",
    "/practices/1",
    "/verify",
    "/notifications",
    "/webhooks",
    "/unsubscribe?token=x",
    "/no-such-page",
];

/// The page has rendered: a heading in the main content and nothing still loading.
const SETTLED: &str = "return !!document.querySelector('main h1, main h2') \
     && !document.querySelector('main .loading') && document.readyState === 'complete';";

async fn sideways(browser: &Browser) -> Option<String> {
    browser
        .execute(
            "const over = document.documentElement.scrollWidth - window.innerWidth; \
             if (over <= 0) { return null; } \
             const wide = [...document.querySelectorAll('main *')] \
               .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1) \
               .filter(e => !e.closest('.table-scroll')) \
               .slice(0, 3).map(e => e.tagName.toLowerCase() + '.' + [...e.classList].join('.')); \
             return `${over} px too wide: ${wide.join(', ')}`;",
            vec![],
        )
        .await
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn no_page_scrolls_sideways_at_phone_or_desktop_width_for_any_role() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let driver = ChromeDriver::start().await;
    let mut problems = Vec::new();
    for email in [
        None,
        Some("member-viewer@demo.local"),
        Some("member-admin@demo.local"),
        Some("publisher@demo.local"),
        Some("admin@demo.local"),
    ] {
        let session = match email {
            Some(email) => Some(app.login(email, PASSWORD).await),
            None => None,
        };
        for width in [390, 1280] {
            let browser = driver.session(width, 900).await;
            for (i, route) in ROUTES.iter().enumerate() {
                match &session {
                    // The cookie is set once; the browser keeps it.
                    Some(session) if i == 0 => open_logged_in(&app, &browser, session, route).await,
                    _ => browser.goto(&app.url(route)).await,
                }
                browser
                    .wait_until(&format!("{route} to settle"), SETTLED, LOAD_TIMEOUT)
                    .await;
                if let Some(problem) = sideways(&browser).await {
                    let who = email.unwrap_or("anonymous");
                    problems.push(format!("{route} at {width} px as {who}: {problem}"));
                }
            }
            browser.close().await;
        }
    }
    assert!(
        problems.is_empty(),
        "pages scroll sideways:\n{}",
        problems.join("\n")
    );
    app.stop().await;
}
