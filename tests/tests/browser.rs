//! Browser tests: the real server with the real trunk build, driven in headless Chromium.
//! Run by `cargo xtask test`, which builds dist/ and installs Chromium first.

use peerposture_tests::webdriver::ChromeDriver;
use peerposture_tests::{Fetch, LOAD_TIMEOUT, TestApp, built_dist, log_in_through_the_form};
use shared::MetricValue;
use shared::submission::Submission;

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn metrics_page_lists_the_catalogue_grouped_by_csf_function() {
    let app = TestApp::spawn_with(Some(&built_dist()), false).await;
    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 2000).await;

    browser.goto(&app.url("/metrics")).await;
    browser
        .wait_until(
            "33 metric cards",
            "return document.querySelectorAll('article.metric').length === 33;",
            LOAD_TIMEOUT,
        )
        .await;

    let headings: Vec<String> = browser
        .execute(
            "return [...document.querySelectorAll('.csf-group h2')].map(h => h.innerText);",
            vec![],
        )
        .await;
    let functions = [
        "Govern", "Identify", "Protect", "Detect", "Respond", "Recover",
    ];
    assert_eq!(headings.len(), functions.len(), "{headings:?}");
    for (heading, function) in headings.iter().zip(functions) {
        assert!(
            heading.contains(function),
            "{heading:?} should name {function}"
        );
    }
    let summary = browser.text("[data-testid=catalogue-summary]").await;
    assert!(summary.starts_with("33 metrics"), "{summary}");

    let mfa = browser.text("article[data-metric=mfa_coverage]").await;
    for expected in [
        "MFA coverage",
        "mfa_coverage",
        "higher is better",
        "0–100 %",
        "PR.AA",
    ] {
        assert!(mfa.contains(expected), "MFA card lacks {expected:?}: {mfa}");
    }
    let phish = browser.text("article[data-metric=phish_prone]").await;
    assert!(phish.contains("lower is better"), "{phish}");

    browser
        .wait_until(
            "the server version in the footer",
            "return document.querySelector('[data-testid=server-status]').innerText.includes('Server v');",
            LOAD_TIMEOUT,
        )
        .await;
    let footer = browser.text("[data-testid=server-status]").await;
    assert_eq!(footer, format!("Server v{}", env!("CARGO_PKG_VERSION")));

    browser.save_screenshot("metrics.png").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn overview_shows_the_open_period_and_unknown_pages_say_not_found() {
    let app = TestApp::spawn_with(Some(&built_dist()), false).await;
    let driver = ChromeDriver::start().await;
    let browser = driver.session(390, 844).await;

    browser.goto(&app.url("/")).await;
    browser
        .wait_until(
            "the open period",
            "const el = document.querySelector('[data-testid=open-period]'); return !!el && el.innerText.length > 0;",
            LOAD_TIMEOUT,
        )
        .await;
    let current = backend::http::current_period();
    let period = browser.text("[data-testid=open-period]").await;
    assert!(
        period.contains(&format!(
            "Reporting period {current} is open for submissions."
        )),
        "{period}"
    );
    assert!(
        browser
            .text("h1")
            .await
            .contains("Security benchmarks for BPO contact centers")
    );
    browser.save_screenshot("overview-390px.png").await;

    browser.goto(&app.url("/methodology")).await;
    browser
        .wait_until(
            "the methodology with this server's k",
            "const k = document.querySelector('[data-testid=policy-k]'); return !!k && k.innerText === 'k = 10';",
            LOAD_TIMEOUT,
        )
        .await;

    browser.goto(&app.url("/no/such/page")).await;
    browser
        .wait_until(
            "the not-found page",
            "const h = document.querySelector('h1'); return !!h && h.innerText === 'Page not found';",
            LOAD_TIMEOUT,
        )
        .await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn a_member_admin_fills_in_the_form_sees_a_field_error_and_saves() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 1800).await;

    log_in_through_the_form(
        &app,
        &browser,
        "member-admin@demo.local",
        backend::demo::DEMO_PASSWORD,
    )
    .await;
    // Members land on their dashboard; the form is one click away.
    browser
        .wait_until("the dashboard", "return location.pathname === '/dashboard' && !!document.querySelector('nav a[href=\"/submit\"]');", LOAD_TIMEOUT)
        .await;
    browser.click("nav a[href='/submit']").await;
    browser
        .wait_until(
            "the submission form",
            "return location.pathname === '/submit' && document.querySelectorAll('.metric-field').length === 33;",
            LOAD_TIMEOUT,
        )
        .await;
    let who = browser.text("[data-testid=session-user]").await;
    assert!(
        who.contains("Demo Member Admin") && who.contains("Demo Contact Center 001"),
        "{who}"
    );
    browser
        .wait_until(
            "the last save",
            "return document.querySelector('[data-testid=saved-line]').innerText.startsWith('Last saved');",
            LOAD_TIMEOUT,
        )
        .await;

    // An out-of-range value: the server refuses it and the form says so next to the field.
    browser.type_into("#metric-mfa_coverage", "150").await;
    browser.type_into("#metric-edr_coverage", "91.5").await;
    browser.click(".form-actions button[type=submit]").await;
    let error_selector = "[data-metric=mfa_coverage] .field-error";
    browser
        .wait_until(
            "the field error",
            &format!("const e = document.querySelector('{error_selector}'); return !!e && e.innerText.length > 0;"),
            LOAD_TIMEOUT,
        )
        .await;
    assert_eq!(
        browser.text(error_selector).await,
        "must be between 0 and 100 %"
    );
    assert!(
        browser
            .text("[data-testid=save-notice]")
            .await
            .starts_with("Not saved")
    );
    browser.save_screenshot("submit-field-error.png").await;

    // Corrected, it saves; the server has exactly what the form shows.
    browser.type_into("#metric-mfa_coverage", "96.5").await;
    browser.click(".form-actions button[type=submit]").await;
    browser
        .wait_until(
            "the saved notice",
            "const n = document.querySelector('[data-testid=save-notice]'); return !!n && n.innerText.startsWith('Saved');",
            LOAD_TIMEOUT,
        )
        .await;
    assert!(
        browser.text(error_selector).await.is_empty(),
        "the error is gone"
    );
    let member = app
        .login("member-viewer@demo.local", backend::demo::DEMO_PASSWORD)
        .await;
    let period = backend::http::current_period();
    let saved: Submission = member
        .client
        .get(app.url(&format!("/api/v1/submissions/{period}")))
        .fetch()
        .await;
    assert_eq!(saved.values["mfa_coverage"], MetricValue::Number(96.5));
    assert_eq!(saved.values["edr_coverage"], MetricValue::Number(91.5));
    browser.save_screenshot("submit-saved.png").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn a_publisher_releases_the_open_quarter() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 1000).await;
    log_in_through_the_form(
        &app,
        &browser,
        "publisher@demo.local",
        backend::demo::DEMO_PASSWORD,
    )
    .await;
    let current = backend::http::current_period();
    let button = format!("tr[data-period='{current}'] button");
    browser
        .wait_until(
            "the releases page",
            &format!("return location.pathname === '/releases' && !!document.querySelector(\"{button}\");"),
            LOAD_TIMEOUT,
        )
        .await;
    browser.click(&button).await;
    browser.accept_alert().await;
    browser
        .wait_until(
            "the release summary",
            "const s = document.querySelector('[data-testid=release-summary]'); return !!s && s.innerText.includes('released');",
            LOAD_TIMEOUT,
        )
        .await;
    let summary = browser.text("[data-testid=release-summary]").await;
    assert!(
        summary.starts_with(&format!("{current} released:")) && summary.contains("k = 10"),
        "{summary}"
    );
    browser.save_screenshot("releases.png").await;
    let periods: serde_json::Value = app.client.get(app.url("/api/v1/periods")).fetch().await;
    let released = periods
        .as_array()
        .unwrap()
        .iter()
        .all(|p| p["status"] == "released");
    assert!(released, "every quarter is released now: {periods}");
    browser.close().await;
    app.stop().await;
}
