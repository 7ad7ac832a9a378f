//! Browser test of deadlines and participation against the real server with the demo data: a
//! publisher's deadline shows on the releases page with who has submitted, and on the member's
//! overview and submission form. Run by `cargo xtask test`, which builds dist/ and installs
//! Chromium.

use peerposture_tests::webdriver::ChromeDriver;
use peerposture_tests::{Fetch, LOAD_TIMEOUT, TestApp, built_dist, check_page, open_logged_in};
use serde_json::json;
use shared::participation::Deadline;

const PASSWORD: &str = backend::demo::DEMO_PASSWORD;

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn a_deadline_reaches_publishers_and_members() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let driver = ChromeDriver::start().await;
    let current = backend::http::current_period();
    let due = shared::period::rfc3339(backend::auth::now_unix() + 14 * 86_400)[..10].to_owned();
    let set: Deadline = publisher
        .client
        .put(app.url(&format!("/api/v1/periods/{current}/deadline")))
        .json(&json!({ "due": due }))
        .fetch()
        .await;
    assert!(set.due_at.starts_with(&due));

    // The publisher's page: the deadline, the counts and the members to chase.
    let releases = "!!document.querySelector('[data-testid=participation-summary]') \
         && document.querySelector('[data-testid=deadline-status]').innerText.includes('are due by') \
         && document.querySelectorAll('[data-testid=to-chase] tbody tr').length > 0 \
         && document.querySelectorAll('[data-testid=pending-verifications] tbody tr').length > 0";
    check_page(
        &app,
        &driver,
        &publisher,
        "/releases",
        releases,
        "releases-participation",
    )
    .await;

    // The member sees it on the overview and on the submission form.
    let browser = driver.session(1280, 1000).await;
    open_logged_in(&app, &browser, &member, "/dashboard").await;
    browser
        .wait_until(
            "the deadline on the overview",
            "const n = document.querySelector('[data-testid=open-progress]'); \
             const v = document.querySelector('[data-testid=verification-line]'); \
             return !!n && n.innerText.includes('Due by') \
                 && !!v && v.innerText.includes('Newly verified for');",
            LOAD_TIMEOUT,
        )
        .await;
    browser.close().await;
    let form = "!!document.querySelector('[data-testid=deadline]') \
         && document.querySelector('[data-testid=deadline]').innerText.startsWith('Due by')";
    check_page(&app, &driver, &member, "/submit", form, "submit-deadline").await;
    app.stop().await;
}
