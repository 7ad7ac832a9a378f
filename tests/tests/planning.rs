//! Browser test of planning against the real server with the demo data: the demo member admin
//! moves MFA coverage in the overview's what-if and sees its standing and the requirements met
//! change; saves it as a target; finds it on the roadmap with a practice peers published; sees
//! it in the print report; and downloads the industry table as CSV and as an Excel workbook.
//! Screenshots go to target/test-output/. Run by `cargo xtask test`, which builds dist/ and
//! installs Chromium.

use std::time::Duration;

use peerposture_tests::webdriver::ChromeDriver;
use peerposture_tests::{
    LOAD_TIMEOUT, TestApp, built_dist, check_page, first_load, open_logged_in, read_workbook,
    test_output_dir,
};
use serde_json::Value;

const PASSWORD: &str = backend::demo::DEMO_PASSWORD;

fn text_of(testid: &str) -> String {
    format!("((document.querySelector('[data-testid={testid}]') || {{}}).innerText || '')")
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn a_member_admin_plans_from_the_what_if_to_the_roadmap_and_exports_the_industry_table() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let driver = ChromeDriver::start().await;
    let released = backend::http::current_period().previous();

    // Whether the member meets the followed standard's MFA requirement decides which way to
    // move the value so that the count changes.
    let compliance = app.followed_compliance(&member, released, "all").await;
    let mfa = compliance
        .requirements
        .iter()
        .find(|r| r.requirement.metric == "mfa_coverage")
        .expect("the demo standard has an MFA requirement");
    let moved_to = if mfa.met == Some(true) { "0" } else { "100" };

    // The overview with the what-if, at both widths, accessible and not scrolling sideways.
    let what_if_ready = "!!document.querySelector('[data-testid=what-if-position]')";
    check_page(
        &app,
        &driver,
        &member,
        "/dashboard",
        what_if_ready,
        "what-if",
    )
    .await;

    let browser = driver.session(1280, 1400).await;
    open_logged_in(&app, &browser, &member, "/dashboard").await;
    browser
        .wait_until(
            "the what-if",
            &format!("return {what_if_ready};"),
            LOAD_TIMEOUT,
        )
        .await;
    let selected: String = browser
        .execute(
            "return document.querySelector('#what-if-metric').value;",
            vec![],
        )
        .await;
    assert_eq!(selected, "mfa_coverage");
    let before_position: String = browser
        .execute(&format!("return {};", text_of("what-if-position")), vec![])
        .await;
    let before_requirements: String = browser
        .execute(
            &format!("return {};", text_of("what-if-requirements")),
            vec![],
        )
        .await;
    assert!(before_position.contains("(unchanged)"), "{before_position}");
    browser.type_into("#what-if-value", moved_to).await;
    browser
        .wait_until(
            "the what-if to move",
            &format!(
                "return {} !== arguments[0] && {}.includes('→');",
                text_of("what-if-position"),
                text_of("what-if-requirements")
            )
            .replace(
                "arguments[0]",
                &serde_json::to_string(&before_position).unwrap(),
            ),
            LOAD_TIMEOUT,
        )
        .await;
    let after_position: String = browser
        .execute(&format!("return {};", text_of("what-if-position")), vec![])
        .await;
    let after_requirements: String = browser
        .execute(
            &format!("return {};", text_of("what-if-requirements")),
            vec![],
        )
        .await;
    let posture: String = browser
        .execute(&format!("return {};", text_of("what-if-posture")), vec![])
        .await;
    println!(
        "what-if: {before_position} | {before_requirements} ⇒ {after_position} | {after_requirements} | Protect {posture}"
    );
    assert!(after_position.contains('→'), "{after_position}");
    assert_ne!(before_requirements, after_requirements);
    assert!(after_requirements.contains('→'), "{after_requirements}");
    let _: Value = browser
        .execute(
            "document.querySelector('[data-testid=what-if]').scrollIntoView(); return null;",
            vec![],
        )
        .await;
    browser.save_screenshot("what-if-moved.png").await;

    // Aim high and save it as a target: the roadmap opens with the form filled in.
    browser.type_into("#what-if-value", "99.5").await;
    browser
        .wait_until(
            "the save link to follow the value",
            "const a = [...document.querySelectorAll('[data-testid=what-if] a')].find(a => a.href.includes('value=99.5')); return !!a;",
            LOAD_TIMEOUT,
        )
        .await;
    browser.click("[data-testid=what-if] a.button").await;
    browser
        .wait_until(
            "the target form",
            "return !!document.querySelector('[data-testid=target-form]') \
             && document.querySelector('[data-testid=target-form] select[name=metric]').value === 'mfa_coverage' \
             && document.querySelector('[data-testid=target-form] input[name=value]').value === '99.5';",
            LOAD_TIMEOUT,
        )
        .await;
    browser
        .type_into(
            "[data-testid=target-form] input[name=owner]",
            "Head of IT security",
        )
        .await;
    browser
        .click("[data-testid=target-form] button[type=submit]")
        .await;
    browser
        .wait_until(
            "the target on the roadmap",
            "const item = document.querySelector('.roadmap__item[data-metric=mfa_coverage]'); \
             return !!document.querySelector('[data-testid=target-saved]') && !!item \
               && item.querySelector('[data-testid=roadmap-target]').innerText.includes('Head of IT security');",
            LOAD_TIMEOUT,
        )
        .await;
    let practice: String = browser
        .execute(
            "const a = document.querySelector('.roadmap__item[data-metric=mfa_coverage] .practice-links a'); \
             return a ? a.textContent : '';",
            vec![],
        )
        .await;
    browser.save_screenshot("roadmap.png").await;
    let item: String = browser
        .execute(
            "return document.querySelector('.roadmap__item[data-metric=mfa_coverage]').outerHTML;",
            vec![],
        )
        .await;
    assert!(
        !practice.is_empty(),
        "the MFA gap lists a practice peers published: {item}"
    );
    println!("roadmap: MFA target saved; practice “{practice}”");
    browser.save_screenshot("roadmap.png").await;
    browser.close().await;

    // The roadmap's first load on a cold cache, and the page at both widths.
    let fresh = driver.session(1280, 1400).await;
    open_logged_in(&app, &fresh, &member, "/roadmap").await;
    fresh
        .wait_until(
            "the roadmap",
            "return !!document.querySelector('[data-testid=roadmap-gaps]');",
            LOAD_TIMEOUT,
        )
        .await;
    first_load(&fresh, "pp-none", "roadmap-first-load.json").await;
    fresh.close().await;
    let roadmap_ready = "!!document.querySelector('.roadmap__item[data-metric=mfa_coverage]')";
    check_page(
        &app,
        &driver,
        &member,
        "/roadmap",
        roadmap_ready,
        "roadmap-check",
    )
    .await;

    // The metric page carries the what-if too, fixed on its metric; and the report.
    let metric_ready = "!!document.querySelector('[data-testid=what-if-position]') \
         && document.querySelector('#what-if-metric').disabled";
    check_page(
        &app,
        &driver,
        &member,
        "/dashboard/metric/mfa_coverage",
        metric_ready,
        "metric-what-if",
    )
    .await;
    let phone = driver.session(390, 900).await;
    open_logged_in(&app, &phone, &member, "/dashboard/metric/mfa_coverage").await;
    phone
        .wait_until(
            "the what-if",
            &format!("return {metric_ready};"),
            LOAD_TIMEOUT,
        )
        .await;
    phone.type_into("#what-if-value", "97").await;
    let _: Value = phone
        .execute(
            "document.querySelector('[data-testid=what-if]').scrollIntoView(); return null;",
            vec![],
        )
        .await;
    phone.save_screenshot("metric-what-if-card-390px.png").await;
    phone.close().await;
    let report_ready =
        "document.querySelectorAll('[data-testid=report-roadmap] tbody tr').length > 0";
    check_page(
        &app,
        &driver,
        &member,
        "/report",
        report_ready,
        "report-roadmap",
    )
    .await;

    // The print report ends with the roadmap on a page of its own.
    let report = driver.session(1280, 1400).await;
    open_logged_in(&app, &report, &member, "/report").await;
    report
        .wait_until(
            "the report's roadmap",
            "return document.querySelectorAll('[data-testid=report-roadmap] tbody tr').length > 0;",
            LOAD_TIMEOUT,
        )
        .await;
    let pdf = report
        .print_pdf(&test_output_dir().join("report-with-roadmap.pdf"))
        .await;
    assert!(pdf.starts_with(b"%PDF"));
    report.close().await;

    // The industry table downloads as CSV and as a workbook.
    let downloads = tempfile::tempdir().unwrap();
    let browser = driver
        .session_downloading(1280, 1200, downloads.path())
        .await;
    open_logged_in(
        &app,
        &browser,
        &member,
        &format!("/industry?period={released}&cohort=all"),
    )
    .await;
    browser
        .wait_until(
            "the download links",
            "return !!document.querySelector('[data-testid=downloads-industry] a') \
             && !!document.querySelector('[data-testid=industry-table] tbody tr');",
            LOAD_TIMEOUT,
        )
        .await;
    browser.save_screenshot("industry-downloads.png").await;
    browser
        .click("[data-testid=downloads-industry] a:nth-of-type(1)")
        .await;
    browser
        .click("[data-testid=downloads-industry] a:nth-of-type(2)")
        .await;
    let csv_name = format!("peerposture-industry-{released}-all.csv");
    let xlsx_name = format!("peerposture-industry-{released}-all.xlsx");
    let deadline = std::time::Instant::now() + LOAD_TIMEOUT;
    while !(downloads.path().join(&csv_name).is_file()
        && downloads.path().join(&xlsx_name).is_file())
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the downloads did not arrive: {:?}",
            std::fs::read_dir(downloads.path())
                .unwrap()
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.close().await;
    let csv = std::fs::read_to_string(downloads.path().join(&csv_name)).unwrap();
    assert!(csv.starts_with("Period,Peer group,Metric,Key,"), "{csv}");
    assert!(
        csv.contains(&format!("{released},all,MFA coverage,mfa_coverage,")),
        "{csv}"
    );
    let xlsx = std::fs::read(downloads.path().join(&xlsx_name)).unwrap();
    assert!(xlsx.starts_with(b"PK"), "a zip container");
    std::fs::copy(
        downloads.path().join(&csv_name),
        test_output_dir().join(&csv_name),
    )
    .unwrap();
    std::fs::copy(
        downloads.path().join(&xlsx_name),
        test_output_dir().join(&xlsx_name),
    )
    .unwrap();
    // Opened by ExcelJS, not by this project's code.
    let (rows, _) = read_workbook(&downloads.path().join(&xlsx_name)).await;
    assert!(
        rows.iter()
            .any(|r| r[3] == "mfa_coverage" && r[11].is_number()),
        "{rows:?}"
    );

    app.stop().await;
}
