//! Browser tests of the executive dashboard against the real server with the demo data:
//! overview, cohort switch, metric detail, report, industry view and empty states. Each saves
//! a screenshot under target/test-output/ and checks rendered numbers against the API.
//! Run by `cargo xtask test`, which builds dist/ and installs Chromium first.

use peerposture_tests::webdriver::{ChromeDriver, Session as Browser};
use peerposture_tests::{
    Fetch, LOAD_TIMEOUT, Session, TestApp, built_dist, first_load, open_logged_in, test_output_dir,
};
use shared::benchmark::{Benchmark, Position};
use shared::catalogue::find;
use shared::format::metric_value;

/// Waits until the canvas `selector` holds a drawn Chart.js chart of non-zero size.
async fn wait_for_chart(browser: &Browser, selector: &str) {
    let script = format!(
        "const c = document.querySelector('{selector}'); \
         return !!c && !!window.Chart && !!Chart.getChart(c) && c.width > 0 && c.height > 0;"
    );
    browser
        .wait_until(&format!("a chart in {selector}"), &script, LOAD_TIMEOUT)
        .await;
}

async fn api_json<T: serde::de::DeserializeOwned>(
    app: &TestApp,
    session: &Session,
    path: &str,
) -> T {
    session.client.get(app.url(path)).fetch().await
}

/// The posture table's standings as the page should show them, from the API.
async fn expected_posture(
    app: &TestApp,
    member: &Session,
    period: shared::Period,
    cohort: &str,
) -> Vec<String> {
    let position: Position = api_json(
        app,
        member,
        &format!("/api/v1/benchmarks/{period}/position?cohort={cohort}"),
    )
    .await;
    position
        .functions
        .iter()
        .map(|f| {
            f.standing
                .map_or_else(|| "—".to_owned(), |s| format!("{s:.0}"))
        })
        .collect()
}

async fn posture_table(browser: &Browser) -> Vec<String> {
    browser
        .execute(
            "return [...document.querySelectorAll('[data-testid=posture-table] tbody tr')].map(r => r.cells[1].textContent.trim());",
            vec![],
        )
        .await
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn the_overview_draws_the_posture_and_matches_the_api() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let member = app
        .login("member-viewer@demo.local", backend::demo::DEMO_PASSWORD)
        .await;
    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 1600).await;

    open_logged_in(&app, &browser, &member, "/dashboard").await;
    wait_for_chart(&browser, "canvas[id^=posture]").await;
    browser
        .wait_until(
            "the leading and trailing lists",
            "return document.querySelectorAll('[data-testid=trailing] li').length === 5 && document.querySelectorAll('[data-testid=leading] li').length === 5;",
            LOAD_TIMEOUT,
        )
        .await;

    // First load: bytes over the wire (compressed) and time to the first drawn chart.
    let load = first_load(&browser, "pp-chart-drawn", "overview-first-load.json").await;
    assert!(
        load["mark_ms"].as_f64().is_some(),
        "the chart marked its drawing"
    );

    let period = backend::http::current_period().previous();
    let expected = expected_posture(&app, &member, period, "all").await;
    assert_eq!(posture_table(&browser).await, expected);
    let progress = browser.text("[data-testid=open-progress]").await;
    assert!(
        progress.contains("is open:") && progress.contains("of 33 metrics submitted"),
        "{progress}"
    );
    browser.save_screenshot("dashboard-overview.png").await;

    // Switch the peer group: the URL, the chart and the numbers follow.
    browser
        .click("[data-testid=cohort-picker] option[value='region:southeast-asia']")
        .await;
    browser
        .wait_until(
            "the Southeast Asia overview",
            "return location.search.includes('region:southeast-asia') && !!document.querySelector('canvas[id=\"posture-region:southeast-asia\"]');",
            LOAD_TIMEOUT,
        )
        .await;
    wait_for_chart(&browser, "canvas[id=\"posture-region:southeast-asia\"]").await;
    let expected = expected_posture(&app, &member, period, "region:southeast-asia").await;
    browser
        .wait_until(
            "the Southeast Asia table",
            &format!(
                "return JSON.stringify([...document.querySelectorAll('[data-testid=posture-table] tbody tr')].map(r => r.cells[1].textContent.trim())) === '{}';",
                serde_json::to_string(&expected).unwrap()
            ),
            LOAD_TIMEOUT,
        )
        .await;
    browser
        .save_screenshot("dashboard-southeast-asia.png")
        .await;

    // Open the weakest metric.
    let href: String = browser
        .execute(
            "return document.querySelector('[data-testid=trailing] li a').getAttribute('href');",
            vec![],
        )
        .await;
    browser.click("[data-testid=trailing] li a").await;
    wait_for_chart(&browser, "canvas[id^=trend]").await;
    let key = href
        .trim_start_matches("/dashboard/metric/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let benchmark: Benchmark = api_json(
        &app,
        &member,
        &format!("/api/v1/benchmarks/{period}?cohort=region:southeast-asia"),
    )
    .await;
    let cell = benchmark.cells.iter().find(|c| c.metric == key).unwrap();
    let metric = find(&key).unwrap();
    if cell.suppressed {
        assert!(
            browser
                .text("[data-testid=suppressed]")
                .await
                .starts_with("Not enough peers")
        );
    } else {
        wait_for_chart(&browser, "canvas[id^=distribution]").await;
        let cells: Vec<String> = browser
            .execute("return [...document.querySelectorAll('[data-testid=distribution-table] td')].map(c => c.textContent.trim());", vec![])
            .await;
        assert_eq!(
            cells[2],
            metric_value(metric, cell.p50.unwrap()),
            "median of {key}"
        );
        assert_eq!(cells[1], metric_value(metric, cell.p25.unwrap()));
    }
    assert_eq!(browser.text("[data-testid=metric-name]").await, metric.name);
    browser.save_screenshot("dashboard-metric-detail.png").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn the_report_prints_every_metric_and_the_phone_layout_holds() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let member = app
        .login("member-admin@demo.local", backend::demo::DEMO_PASSWORD)
        .await;
    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 1800).await;

    open_logged_in(&app, &browser, &member, "/report").await;
    wait_for_chart(&browser, "#report-posture").await;
    let rows: u64 = browser
        .execute(
            "return document.querySelectorAll('[data-testid=report-table] tbody tr').length;",
            vec![],
        )
        .await;
    assert_eq!(rows, 33);
    assert_eq!(
        browser.text("[data-testid=report-title]").await,
        "Demo Contact Center 001"
    );
    browser.save_screenshot("report.png").await;
    let pdf = browser
        .print_pdf(&test_output_dir().join("report.pdf"))
        .await;
    assert!(pdf.starts_with(b"%PDF"));
    let pages = pdf
        .windows(b"/Type /Page\n".len())
        .filter(|w| w.starts_with(b"/Type /Page") && !w.starts_with(b"/Type /Pages"))
        .count();
    println!("report.pdf: {} bytes, about {pages} A4 pages", pdf.len());
    browser.close().await;

    let phone = driver.session(390, 844).await;
    open_logged_in(&app, &phone, &member, "/dashboard").await;
    wait_for_chart(&phone, "canvas[id^=posture]").await;
    let overflow: bool = phone
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await;
    assert!(!overflow, "the overview scrolls sideways on a phone");
    phone.save_screenshot("dashboard-390px.png").await;
    phone.close().await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn the_industry_view_shows_the_published_cells_to_anyone() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 1400).await;
    browser.goto(&app.url("/industry")).await;
    browser
        .wait_until(
            "the industry table",
            "return document.querySelectorAll('[data-testid=industry-table] tbody tr').length === 33;",
            LOAD_TIMEOUT,
        )
        .await;
    let disabled: bool = browser
        .execute(
            "return document.querySelector('[data-testid=cohort-picker]').disabled;",
            vec![],
        )
        .await;
    assert!(disabled, "anonymous visitors see the whole industry only");

    let period = backend::http::current_period().previous();
    let benchmark: Benchmark = app
        .client
        .get(app.url(&format!("/api/v1/benchmarks/{period}?cohort=all")))
        .fetch()
        .await;
    for cell in &benchmark.cells {
        let shown = browser
            .text(&format!(
                "tr[data-metric={}] [data-testid=median]",
                cell.metric
            ))
            .await;
        // Held-back rows have no median column; yes/no rows publish no median ("—").
        let expected = match (cell.p50, cell.suppressed) {
            (Some(v), _) => metric_value(find(&cell.metric).unwrap(), v),
            (None, true) => String::new(),
            (None, false) => "—".to_owned(),
        };
        assert_eq!(shown, expected, "median of {}", cell.metric);
    }
    // Sorting by median reorders the rows.
    browser.click("th:nth-child(6) .sort").await;
    let first: String = browser.execute("return document.querySelector('[data-testid=industry-table] tbody tr').dataset.metric;", vec![]).await;
    let lowest = benchmark
        .cells
        .iter()
        .filter(|c| c.p50.is_some())
        .min_by(|a, b| a.p50.unwrap().total_cmp(&b.p50.unwrap()))
        .unwrap();
    assert_eq!(first, lowest.metric);
    browser.save_screenshot("industry.png").await;
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn without_a_released_period_the_dashboard_says_so() {
    let app = TestApp::spawn_with(Some(&built_dist()), false).await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Fresh Center", true).await;
    let member = app
        .invite(
            &admin,
            "exec@fresh.example",
            shared::account::Role::MemberViewer,
            Some(org.id),
        )
        .await;
    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 900).await;
    open_logged_in(&app, &browser, &member, "/dashboard").await;
    browser
        .wait_until(
            "the empty state",
            "return !!document.querySelector('[data-testid=no-release]');",
            LOAD_TIMEOUT,
        )
        .await;
    assert!(
        browser
            .text("[data-testid=no-release]")
            .await
            .contains("No benchmark yet")
    );
    browser.save_screenshot("dashboard-empty.png").await;
    browser.close().await;
    app.stop().await;
}
