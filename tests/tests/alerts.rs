//! Browser test of notifications against the real server with the demo data, a real SMTP server
//! (aiosmtpd) and a webhook receiver: the bell shows the unread count, the settings page
//! changes what is sent, webhooks are added and tested from their page, and an email's
//! unsubscribe link works without a login. Run by `cargo xtask test`, which builds dist/ and
//! installs Chromium.

use std::time::Duration;

use backend::config::Secret;
use peerposture_tests::webdriver::ChromeDriver;
use peerposture_tests::{
    Fetch, HookReceiver, LOAD_TIMEOUT, SmtpSink, TestApp, built_dist, check_as, check_page,
    open_logged_in,
};
use shared::notify::{NotificationList, NotificationSettings};

const PASSWORD: &str = backend::demo::DEMO_PASSWORD;

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn the_bell_counts_the_settings_decide_and_webhooks_are_tested_from_the_page() {
    let sink = SmtpSink::start().await;
    let receiver = HookReceiver::start().await;
    let smtp = sink.url();
    let dist = built_dist();
    let app = TestApp::spawn_with_dist_configured(&dist, move |config| {
        config.smtp_url = Some(Secret::new(smtp));
        config.webhook_allow_loopback = true;
        config.notify_poll_ms = 100;
    })
    .await;
    let admin = app.login("member-admin@demo.local", PASSWORD).await;
    let viewer = app.login("member-viewer@demo.local", PASSWORD).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let unread = || async {
        admin
            .client
            .get(app.url("/api/v1/notifications"))
            .fetch::<NotificationList>()
            .await
            .unread
    };
    // The demo announces its latest release.
    for _ in 0..100 {
        if unread().await > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let before = unread().await;
    assert!(before > 0);

    // The bell on the overview shows the count.
    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 1000).await;
    open_logged_in(&app, &browser, &admin, "/dashboard").await;
    let bell = format!(
        "const b = document.querySelector('[data-testid=unread-count]'); \
         return !!b && b.innerText.trim() === '{before}';"
    );
    browser
        .wait_until("the bell's count", &bell, LOAD_TIMEOUT)
        .await;
    browser.save_screenshot("bell.png").await;

    // The notifications page at both widths.
    let ready = "!!document.querySelector('[data-testid=inbox]') \
         && !!document.querySelector('[data-testid=notification-settings] tbody tr')";
    check_page(
        &app,
        &driver,
        &admin,
        "/notifications",
        ready,
        "notifications",
    )
    .await;

    // Email of releases off, through the page.
    browser.goto(&app.url("/notifications")).await;
    browser
        .wait_until("the settings", &format!("return {ready};"), LOAD_TIMEOUT)
        .await;
    browser.click("input[name=email-released]").await;
    browser
        .click(
            "[data-testid=notification-settings] ~ * button[type=submit], form button[type=submit]",
        )
        .await;
    browser
        .wait_until(
            "the settings saved",
            "return !!document.querySelector('[data-testid=settings-saved]');",
            LOAD_TIMEOUT,
        )
        .await;
    let settings: NotificationSettings = admin
        .client
        .get(app.url("/api/v1/notifications/settings"))
        .fetch()
        .await;
    let released = settings
        .settings
        .iter()
        .find(|s| s.kind.key() == "released")
        .unwrap();
    assert!(released.in_app && !released.email);

    // A release: the viewer gets the email, the admin only the notification, and the bell
    // counts it.
    let current = backend::http::current_period();
    let response = publisher
        .client
        .post(app.url(&format!("/api/v1/periods/{current}/release")))
        .sent()
        .await;
    assert_eq!(response.status(), 200);
    let subject = format!("PeerPosture: {current} benchmarks are out");
    sink.wait_for("to the viewer", |e| {
        e.subject == subject && e.to == ["member-viewer@demo.local"]
    })
    .await;
    let _ = viewer;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        !sink
            .received()
            .iter()
            .any(|e| e.subject == subject && e.to == ["member-admin@demo.local"]),
        "the admin turned release emails off"
    );
    let after = unread().await;
    // The release, and a requirement now missed if the member's values say so.
    assert!(
        after > before,
        "{after} unread after the release, {before} before"
    );
    browser.goto(&app.url("/dashboard")).await;
    let bell = format!(
        "const b = document.querySelector('[data-testid=unread-count]'); \
         return !!b && b.innerText.trim() === '{after}';"
    );
    browser
        .wait_until("the bell counting the release", &bell, LOAD_TIMEOUT)
        .await;

    // Mark all as read: the bell empties.
    browser.goto(&app.url("/notifications")).await;
    browser
        .wait_until(
            "the inbox",
            "return [...document.querySelectorAll('button')].some(b => b.innerText === 'Mark all as read');",
            LOAD_TIMEOUT,
        )
        .await;
    browser
        .execute::<serde_json::Value>(
            "[...document.querySelectorAll('button')].find(b => b.innerText === 'Mark all as read').click(); return null;",
            vec![],
        )
        .await;
    browser
        .wait_until(
            "the bell emptied",
            "return !document.querySelector('[data-testid=unread-count]') \
             && document.querySelector('[data-testid=inbox-summary]').innerText.startsWith('All read');",
            LOAD_TIMEOUT,
        )
        .await;
    browser.save_screenshot("notifications-read.png").await;
    assert_eq!(unread().await, 0);

    // Webhooks: added and tested from the page.
    let ready = "!!document.querySelector('input[name=webhook-url]') \
         && document.body.innerText.includes('No webhooks yet.')";
    browser.goto(&app.url("/webhooks")).await;
    browser
        .wait_until(
            "the webhooks page",
            &format!("return {ready};"),
            LOAD_TIMEOUT,
        )
        .await;
    browser
        .type_into("input[name=webhook-url]", &receiver.url)
        .await;
    browser.click("form.form button[type=submit]").await;
    browser
        .wait_until(
            "the secret",
            "const n = document.querySelector('[data-testid=webhook-secret]'); \
             return !!n && n.innerText.includes('whsec_');",
            LOAD_TIMEOUT,
        )
        .await;
    browser
        .wait_until(
            "the webhook listed",
            "return document.querySelectorAll('[data-testid=webhooks] tbody tr').length === 1;",
            LOAD_TIMEOUT,
        )
        .await;
    browser
        .execute::<serde_json::Value>(
            "[...document.querySelectorAll('button')].find(b => b.innerText === 'Send test').click(); return null;",
            vec![],
        )
        .await;
    browser
        .wait_until(
            "the test's answer in the log",
            "const t = document.querySelector('[data-testid=webhook-attempts]'); \
             return !!t && t.innerText.includes('HTTP 200') && t.innerText.includes('ping');",
            LOAD_TIMEOUT,
        )
        .await;
    browser.save_screenshot("webhooks-tested.png").await;
    let hooks = receiver.wait_for(1).await;
    assert_eq!(hooks[0].headers["peerposture-event"], "ping");
    browser.close().await;
    let ready = "!!document.querySelector('[data-testid=webhooks] tbody tr')";
    check_page(&app, &driver, &admin, "/webhooks", ready, "webhooks").await;

    // An email's unsubscribe link, opened without a session.
    let email = sink
        .wait_for("with an unsubscribe link", |e| {
            e.to == ["member-viewer@demo.local"] && e.subject == subject
        })
        .await
        .remove(0);
    let link = email
        .body
        .lines()
        .find_map(|line| line.split("Unsubscribe from them: ").nth(1))
        .expect("an unsubscribe link in the text")
        .trim()
        .to_owned();
    let path = link
        .split_once("/unsubscribe")
        .map(|(_, rest)| format!("/unsubscribe{rest}"))
        .unwrap();
    check_as(
        &app,
        &driver,
        None,
        &path,
        "[...document.querySelectorAll('button')].some(b => b.innerText === 'Stop these emails')",
        "unsubscribe",
    )
    .await;
    let browser = driver.session(390, 900).await;
    browser.goto(&app.url(&path)).await;
    browser
        .wait_until(
            "the button",
            "return [...document.querySelectorAll('button')].some(b => b.innerText === 'Stop these emails');",
            LOAD_TIMEOUT,
        )
        .await;
    browser
        .execute::<serde_json::Value>(
            "[...document.querySelectorAll('button')].find(b => b.innerText === 'Stop these emails').click(); return null;",
            vec![],
        )
        .await;
    browser
        .wait_until(
            "the confirmation",
            "const n = document.querySelector('[data-testid=unsubscribed]'); \
             return !!n && n.innerText.includes('member-viewer@demo.local');",
            LOAD_TIMEOUT,
        )
        .await;
    browser.save_screenshot("unsubscribed-390px.png").await;
    browser.close().await;
    let settings: NotificationSettings = viewer_settings(&app).await;
    assert!(
        !settings
            .settings
            .iter()
            .find(|s| s.kind.key() == "released")
            .unwrap()
            .email
    );
    app.stop().await;
}

async fn viewer_settings(app: &TestApp) -> NotificationSettings {
    let viewer = app.login("member-viewer@demo.local", PASSWORD).await;
    viewer
        .client
        .get(app.url("/api/v1/notifications/settings"))
        .fetch()
        .await
}
