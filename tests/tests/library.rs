//! Browser tests of standards and the best-practice library against the real server with the
//! demo data: a publisher publishes a standard, a member sees their compliance and the
//! industry share; a member submits a practice, a publisher publishes it, another member finds
//! it from a metric page. Screenshots go to target/test-output/.
//! Run by `cargo xtask test`, which builds dist/ and installs Chromium first.

use peerposture_tests::webdriver::{ChromeDriver, Session as Browser};
use peerposture_tests::{Fetch, LOAD_TIMEOUT, TestApp, built_dist, check_page, open_logged_in};
use serde_json::json;
use shared::practice::{Practice, PracticeStatus};
use shared::standard::{Compliance, Standard, StandardStatus};

const PASSWORD: &str = backend::demo::DEMO_PASSWORD;

/// The id in the page's path (`/standards/12` → 12).
async fn id_in_path(browser: &Browser) -> i64 {
    browser
        .execute::<String>("return location.pathname.split('/')[2];", vec![])
        .await
        .parse()
        .expect("a numeric id in the path")
}

async fn wait_for(browser: &Browser, what: &str, script: &str) {
    browser
        .wait_until(what, &format!("return {script};"), LOAD_TIMEOUT)
        .await;
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn a_publisher_publishes_a_standard_and_a_member_sees_compliance_and_industry_share() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 1400).await;

    // The publisher writes a draft with two requirements.
    open_logged_in(&app, &browser, &publisher, "/standards/new").await;
    wait_for(
        &browser,
        "the editor",
        "!!document.querySelector('input[name=name]')",
    )
    .await;
    browser
        .type_into("input[name=name]", "Remote Agent Standard 2027")
        .await;
    let first = "[data-testid=requirement-row]:nth-of-type(1)";
    browser
        .type_into(&format!("{first} input[name=threshold]"), "90")
        .await;
    browser
        .type_into(
            &format!("{first} textarea[name=rationale]"),
            "Agents sign in from home networks.",
        )
        .await;
    browser
        .type_into(
            &format!("{first} textarea[name=references]"),
            "PCI DSS v4.0 8.4.2\nNIST CSF 2.0 PR.AA-03",
        )
        .await;
    browser
        .click("form .form-actions button[type=button]")
        .await;
    let second = "[data-testid=requirement-row]:nth-of-type(2)";
    wait_for(
        &browser,
        "a second row",
        &format!("!!document.querySelector('{second}')"),
    )
    .await;
    browser
        .click(&format!(
            "{second} select[name=metric] option[value=critical_patch_days]"
        ))
        .await;
    browser
        .click(&format!(
            "{second} select[name=comparison] option[value=lte]"
        ))
        .await;
    browser
        .type_into(&format!("{second} input[name=threshold]"), "20")
        .await;
    browser
        .type_into(
            &format!("{second} textarea[name=rationale]"),
            "Exploits follow disclosure within weeks.",
        )
        .await;
    browser.save_screenshot("standard-editor.png").await;
    browser.click("[data-testid=save-standard]").await;
    wait_for(
        &browser,
        "the saved draft",
        "/^\\/standards\\/\\d+$/.test(location.pathname) && !!document.querySelector('[data-testid=publish-standard]')",
    )
    .await;
    let id = id_in_path(&browser).await;
    assert_eq!(browser.text("[data-testid=standard-status]").await, "Draft");

    // Publishing asks for confirmation, then the standard is public and final.
    browser.click("[data-testid=publish-standard]").await;
    browser.accept_alert().await;
    wait_for(
        &browser,
        "the published standard",
        "document.querySelector('[data-testid=standard-status]')?.innerText === 'Published'",
    )
    .await;
    browser.save_screenshot("standard-published.png").await;
    let standard: Standard = app
        .client
        .get(app.url(&format!("/api/v1/standards/{id}")))
        .fetch()
        .await;
    assert_eq!(standard.status, StandardStatus::Published);
    assert_eq!(standard.requirements.len(), 2);
    assert_eq!(standard.requirements[1].metric, "critical_patch_days");
    assert_eq!(
        standard.requirements[0].references,
        ["PCI DSS v4.0 8.4.2", "NIST CSF 2.0 PR.AA-03"]
    );

    // A member admin sees their compliance and the industry share, and follows the standard.
    open_logged_in(&app, &browser, &member, &format!("/standards/{id}")).await;
    wait_for(
        &browser,
        "the compliance table",
        "document.querySelectorAll('[data-testid=compliance-table] tbody tr').length === 2",
    )
    .await;
    let period = backend::http::current_period().previous();
    let compliance: Compliance = member
        .client
        .get(app.url(&format!(
            "/api/v1/standards/{id}/compliance?period={period}"
        )))
        .fetch()
        .await;
    let expected: Vec<String> = compliance
        .requirements
        .iter()
        .map(|r| match r.industry.share_band.as_deref() {
            Some(share) => format!(
                "{} of {}",
                shared::format::share_band(share),
                r.industry.n_band.as_deref().unwrap()
            ),
            None => "held back: too few on one side".to_owned(),
        })
        .collect();
    let shown: Vec<String> = browser
        .execute(
            "return [...document.querySelectorAll('[data-testid=industry-share]')].map(c => c.innerText.trim());",
            vec![],
        )
        .await;
    assert_eq!(shown, expected);
    let statuses = browser.text("[data-testid=compliance-table] tbody").await;
    for r in &compliance.requirements {
        let word = if r.met == Some(true) { "Met" } else { "Missed" };
        assert!(statuses.contains(word), "{statuses}");
    }
    browser.click("[data-testid=follow-standard]").await;
    wait_for(
        &browser,
        "the follow notice",
        "!!document.querySelector('[data-testid=following]')",
    )
    .await;
    browser.save_screenshot("standard-compliance.png").await;

    // The dashboard's overview now shows compliance with it.
    browser.goto(&app.url("/dashboard")).await;
    wait_for(
        &browser,
        "the compliance card",
        "(document.querySelector('[data-testid=followed-compliance]')?.innerText ?? '').includes('Remote Agent Standard 2027')",
    )
    .await;
    let met = compliance
        .requirements
        .iter()
        .filter(|r| r.met == Some(true))
        .count();
    assert_eq!(
        browser.text("[data-testid=compliance-summary]").await,
        format!("{met} of 2 requirements met in {period}")
    );
    browser.save_screenshot("dashboard-compliance.png").await;

    // The publisher starts the next version from the published one: the editor carries the
    // requirements over; a change log is written; publishing supersedes version 1.
    open_logged_in(&app, &browser, &publisher, &format!("/standards/{id}")).await;
    wait_for(
        &browser,
        "the published standard",
        "!!document.querySelector('[data-testid=new-version]')",
    )
    .await;
    browser.click("[data-testid=new-version]").await;
    wait_for(
        &browser,
        "the editor with version 1's requirements",
        "document.querySelectorAll('[data-testid=requirement-row]').length === 2 && \
         document.querySelector('input[name=name]').value === 'Remote Agent Standard 2027' && \
         !!document.querySelector('textarea[name=change_log]')",
    )
    .await;
    browser
        .type_into(
            "textarea[name=change_log]",
            "Patch latency limit tightened to 14 days.",
        )
        .await;
    browser
        .type_into(&format!("{second} input[name=threshold]"), "14")
        .await;
    browser.save_screenshot("standard-next-version.png").await;
    browser.click("[data-testid=save-standard]").await;
    wait_for(
        &browser,
        "the saved second version",
        &format!("location.pathname !== '/standards/{id}' && /^\\/standards\\/\\d+$/.test(location.pathname) && !!document.querySelector('[data-testid=publish-standard]')"),
    )
    .await;
    browser.click("[data-testid=publish-standard]").await;
    browser.accept_alert().await;
    wait_for(
        &browser,
        "the published second version",
        "document.querySelector('[data-testid=standard-status]')?.innerText === 'Published'",
    )
    .await;
    let v2_id = id_in_path(&browser).await;
    let v2: Standard = app
        .client
        .get(app.url(&format!("/api/v1/standards/{v2_id}")))
        .fetch()
        .await;
    assert_eq!((v2.version, v2.supersedes), (2, Some(id)));
    assert_eq!(v2.change_log, "Patch latency limit tightened to 14 days.");
    assert_eq!(
        v2.requirements[1].threshold,
        shared::MetricValue::Number(14.0)
    );
    assert_eq!(v2.requirements[0], standard.requirements[0], "carried over");
    let v1: Standard = app
        .client
        .get(app.url(&format!("/api/v1/standards/{id}")))
        .fetch()
        .await;
    assert_eq!(v1.status, StandardStatus::Superseded);

    // The member's dashboard points to it.
    open_logged_in(&app, &browser, &member, "/dashboard").await;
    let link = format!("[data-testid=newer-version] a[href='/standards/{}']", v2.id);
    wait_for(
        &browser,
        "the newer-version notice",
        &format!("!!document.querySelector({})", json!(link)),
    )
    .await;
    browser.close().await;

    // Anyone reads published standards, without logging in.
    let visitor = driver.session(1280, 900).await;
    visitor.goto(&app.url("/standards")).await;
    wait_for(
        &visitor,
        "the list of standards",
        "document.querySelectorAll('[data-testid=standard-card]').length === 3",
    )
    .await;
    let list = visitor.text("main").await;
    assert!(
        list.contains("Remote Agent Standard 2027 (v2)")
            && list.contains("Superseded")
            && list.contains("BPO Security Baseline 2027 (v1)"),
        "{list}"
    );
    assert!(!list.contains("New standard"), "{list}");
    visitor.save_screenshot("standards.png").await;
    visitor.close().await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn a_member_practice_is_moderated_and_another_member_finds_it_from_the_metric_page() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let author = app.login("member-admin-2@demo.local", PASSWORD).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let reader = app.login("member-viewer@demo.local", PASSWORD).await;
    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 1400).await;

    // Organisation 002 writes an anonymous practice, with a hostile line in it.
    open_logged_in(&app, &browser, &author, "/practices/new").await;
    wait_for(
        &browser,
        "the editor",
        "!!document.querySelector('input[name=title]')",
    )
    .await;
    let title = "DLP rules tuned with the quality team";
    browser.type_into("input[name=title]", title).await;
    browser
        .type_into(
            "textarea[name=problem]",
            "Agents pasted card numbers into **chat tools** while helping customers.",
        )
        .await;
    browser
        .type_into(
            "textarea[name=solution]",
            "We tuned DLP rules with the QA team.\n\n<img src=x onerror=\"window.__pwned=1\">\n\n[click me](javascript:window.__pwned=1)",
        )
        .await;
    browser
        .type_into(
            "textarea[name=result]",
            "DLP now covers every agent desktop and chat tool we run.",
        )
        .await;
    browser
        .click("input[name=metric][value=dlp_coverage]")
        .await;
    browser.click("input[name=category][value='PR.DS']").await;
    browser.click("input[name=anonymous]").await;
    browser.save_screenshot("practice-editor.png").await;
    browser.click("[data-testid=submit-practice]").await;
    wait_for(
        &browser,
        "the submitted practice",
        "(document.querySelector('[data-testid=practice-status]')?.innerText ?? '').includes('Waiting for review')",
    )
    .await;
    let id = id_in_path(&browser).await;

    // Until published, other members cannot find it.
    let hidden = reader
        .client
        .get(app.url(&format!("/api/v1/practices/{id}")))
        .sent()
        .await;
    assert_eq!(hidden.status(), 404);

    // The publisher finds it in the review queue and publishes it.
    open_logged_in(&app, &browser, &publisher, "/practices/review").await;
    wait_for(
        &browser,
        "the queue",
        &format!("(document.querySelector('[data-testid=practice-table]')?.innerText ?? '').includes({})", json!(title)),
    )
    .await;
    browser.save_screenshot("practice-review.png").await;
    browser
        .click(&format!(
            "[data-testid=practice-table] a[href='/practices/{id}']"
        ))
        .await;
    wait_for(
        &browser,
        "the review panel",
        "!!document.querySelector('[data-testid=publish-practice]')",
    )
    .await;
    assert_eq!(
        browser.text("[data-testid=practice-byline]").await,
        "An anonymous member"
    );
    browser.click("[data-testid=publish-practice]").await;
    wait_for(
        &browser,
        "the published practice",
        "!document.querySelector('[data-testid=moderation]') && !document.querySelector('[data-testid=practice-status]')",
    )
    .await;
    let published: Practice = publisher
        .client
        .get(app.url(&format!("/api/v1/practices/{id}")))
        .fetch()
        .await;
    assert_eq!(published.summary.status, PracticeStatus::Published);

    // Another member finds it from the metric page and marks it adopted.
    open_logged_in(&app, &browser, &reader, "/dashboard/metric/dlp_coverage").await;
    let link = format!("[data-testid=metric-practices] a[href='/practices/{id}']");
    wait_for(
        &browser,
        "the practice on the metric page",
        &format!("!!document.querySelector({})", json!(link)),
    )
    .await;
    let listed = browser.text("[data-testid=metric-practices]").await;
    assert!(
        listed.contains(title) && listed.contains("anonymous member"),
        "{listed}"
    );
    browser.save_screenshot("metric-practices.png").await;
    browser.click(&link).await;
    wait_for(
        &browser,
        "the practice page",
        &format!(
            "document.querySelector('[data-testid=practice-title]')?.innerText === {}",
            json!(title)
        ),
    )
    .await;
    let page = browser.text("main").await;
    assert!(
        !page.contains("Demo Contact Center 002"),
        "the author is named: {page}"
    );
    assert_eq!(
        browser.text("[data-testid=practice-byline]").await,
        "An anonymous member"
    );
    // The hostile lines are inert: no image element, no javascript: link, nothing ran.
    let inert: bool = browser
        .execute(
            "return !document.querySelector('.prose img') && \
             ![...document.querySelectorAll('.prose a')].some(a => a.href.startsWith('javascript')) && \
             window.__pwned === undefined && document.querySelector('.prose strong')?.innerText === 'chat tools';",
            vec![],
        )
        .await;
    assert!(inert, "the practice's Markdown rendered unsafely");
    browser.click("[data-testid=adopt]").await;
    wait_for(
        &browser,
        "the adoption",
        "!!document.querySelector('[data-testid=adopted]')",
    )
    .await;
    browser.save_screenshot("practice.png").await;
    let seen: Practice = reader
        .client
        .get(app.url(&format!("/api/v1/practices/{id}")))
        .fetch()
        .await;
    assert!(seen.summary.adopted_by_us && seen.summary.adoptions == 1);

    // The library lists it with the others, filtered by function.
    browser.goto(&app.url("/practices?function=PR")).await;
    wait_for(
        &browser,
        "the library",
        "document.querySelectorAll('[data-testid=practice-card]').length > 3",
    )
    .await;
    browser.save_screenshot("practices-library.png").await;

    // Authors follow their own submissions: the demo's returned practice carries its comment.
    browser.goto(&app.url("/practices/mine")).await;
    wait_for(
        &browser,
        "the author's list",
        "!!document.querySelector('[data-testid=practice-table]')",
    )
    .await;
    let own = browser.text("[data-testid=practice-table]").await;
    assert!(
        own.contains("Returned to you") && own.contains("Could you add how many laptops"),
        "{own}"
    );
    browser.save_screenshot("practices-mine.png").await;
    browser.close().await;

    // On a phone, the library and a practice fit the width.
    let phone = driver.session(390, 844).await;
    for (path, ready) in [
        ("/practices".to_owned(), "[data-testid=practice-card]"),
        (format!("/practices/{id}"), "[data-testid=practice-title]"),
        (format!("/standards/{}", 1), "[data-testid=standard-name]"),
    ] {
        open_logged_in(&app, &phone, &reader, &path).await;
        wait_for(
            &phone,
            &path,
            &format!("!!document.querySelector('{ready}')"),
        )
        .await;
        let fits: bool = phone
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth;",
                vec![],
            )
            .await;
        assert!(fits, "{path} scrolls sideways at 390 px");
    }
    phone.save_screenshot("standard-390px.png").await;
    phone.close().await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn an_author_edits_a_returned_practice_and_submits_it_again() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let author = app.login("member-admin@demo.local", PASSWORD).await;
    let own: Vec<shared::practice::PracticeSummary> = author
        .client
        .get(app.url("/api/v1/practices/mine"))
        .fetch()
        .await;
    let returned = own
        .iter()
        .find(|p| p.status == PracticeStatus::Returned)
        .expect("the demo's returned practice");
    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 1400).await;
    open_logged_in(
        &app,
        &browser,
        &author,
        &format!("/practices/{}", returned.id),
    )
    .await;
    wait_for(
        &browser,
        "the reviewer's comment",
        "(document.querySelector('[data-testid=practice-status]')?.innerText ?? '').includes('Could you add')",
    )
    .await;
    browser.click("[data-testid=practice-status] a").await;
    wait_for(
        &browser,
        "the editor with the practice",
        &format!(
            "document.querySelector('input[name=title]')?.value === {}",
            json!(returned.title)
        ),
    )
    .await;
    let result = "All 1,200 laptops shipped since March were encrypted before packing; \
                  the imaging step adds four minutes per laptop.";
    browser.type_into("textarea[name=result]", result).await;
    browser.click("[data-testid=submit-practice]").await;
    wait_for(
        &browser,
        "the resubmitted practice",
        "(document.querySelector('[data-testid=practice-status]')?.innerText ?? '').includes('Waiting for review')",
    )
    .await;
    let status = browser.text("[data-testid=practice-status]").await;
    assert!(
        !status.contains("Could you add"),
        "an answered comment still shows: {status}"
    );
    browser.save_screenshot("practice-resubmitted.png").await;
    let practice: Practice = author
        .client
        .get(app.url(&format!("/api/v1/practices/{}", returned.id)))
        .fetch()
        .await;
    assert_eq!(practice.summary.status, PracticeStatus::Submitted);
    assert_eq!(practice.result, result);
    assert_eq!(
        practice.summary.metrics, returned.metrics,
        "the rest of the practice is kept"
    );
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn held_back_shares_and_who_joined_and_read_an_organisation_are_shown() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let admin = app.login("admin@demo.local", PASSWORD).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let driver = ChromeDriver::start().await;

    // A standard with a requirement almost nobody meets: its shares are held back everywhere,
    // and the page says so instead of "0 %".
    let stretch = json!({
        "name": "Stretch Standard 2027",
        "requirements": [
            { "metric": "mfa_coverage", "comparison": "gte", "threshold": 99.9, "tier": "advanced",
              "rationale": "Every login, every agent." },
            { "metric": "critical_patch_days", "comparison": "lte", "threshold": 20, "tier": "baseline",
              "rationale": "Exploits follow disclosure within weeks." }
        ]
    });
    let standard = app.publish_standard(&publisher, &stretch).await;
    let path = format!("/standards/{}", standard.id);
    let table = "document.querySelectorAll('[data-testid=compliance-table] tbody tr').length === 2";
    check_page(&app, &driver, &member, &path, table, "standard-held-back").await;
    let browser = driver.session(1280, 1000).await;
    open_logged_in(&app, &browser, &member, &path).await;
    wait_for(&browser, "the compliance table", table).await;
    let shown: Vec<String> = browser
        .execute(
            "return [...document.querySelectorAll('[data-testid=industry-share]')].map(c => c.innerText.trim());",
            vec![],
        )
        .await;
    assert_eq!(shown[0], "held back: too few on one side");
    assert!(shown[1].contains(" % of "), "{shown:?}");
    assert!(!shown[1].contains('.'), "a band, not a percent: {shown:?}");

    // The platform admin joins Demo Contact Center 001 and reads its values: the organisation's
    // member admin sees both on the team page.
    let orgs: Vec<shared::account::Organisation> =
        admin.client.get(app.url("/api/v1/orgs")).fetch().await;
    let own = orgs
        .iter()
        .find(|o| o.name == backend::demo::org_name(1))
        .unwrap();
    let intruder = app
        .invite(
            &admin,
            "ops@platform.example",
            shared::account::Role::MemberViewer,
            Some(own.id),
        )
        .await;
    let period = backend::http::current_period().previous();
    intruder
        .client
        .get(app.url(&format!("/api/v1/submissions/{period}")))
        .sent()
        .await;
    // A token the demo member admin made for a BI tool: read-only, 30 days.
    let token = member
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "BI dashboard", "scopes": ["read"], "expires_in_days": 30 }))
        .sent()
        .await;
    assert_eq!(token.status(), 201);
    let ready = "!!document.querySelector('[data-testid=value-reads]') \
                 && !!document.querySelector('[data-testid=tokens] tbody tr')";
    check_page(&app, &driver, &member, "/team", ready, "team").await;
    open_logged_in(&app, &browser, &member, "/team").await;
    wait_for(&browser, "the team page", ready).await;
    let joined = browser
        .text("[data-testid=team-accounts] tr[data-email='ops@platform.example']")
        .await;
    assert!(
        joined.contains("admin@demo.local") && joined.contains("from outside your organisation"),
        "{joined}"
    );
    let reads = browser.text("[data-testid=value-reads]").await;
    assert!(reads.contains("ops@platform.example"), "{reads}");

    // A token for submitting only, for 180 days, made in the form: shown once, then listed
    // with what it may do and when it expires.
    browser
        .type_into("input[name=token-name]", "GRC export")
        .await;
    browser
        .click("select[name=token-scopes] option[value=submit]")
        .await;
    browser
        .click("select[name=token-days] option[value='180']")
        .await;
    browser.click("[data-testid=create-token]").await;
    wait_for(
        &browser,
        "the new token",
        "!!document.querySelector('[data-testid=new-token]') \
         && document.querySelectorAll('[data-testid=tokens] tbody tr').length === 2",
    )
    .await;
    let tokens = browser.text("[data-testid=tokens] tbody").await;
    let first = tokens.lines().next().unwrap_or_default().to_owned();
    assert!(
        first.contains("GRC export") && first.contains("submit") && !first.contains("read"),
        "{tokens}"
    );
    assert!(
        tokens.contains("BI dashboard") && tokens.contains("read"),
        "{tokens}"
    );
    let listed: Vec<shared::account::ApiTokenInfo> =
        member.client.get(app.url("/api/v1/tokens")).fetch().await;
    let made = &listed[0];
    assert_eq!(made.scopes, [shared::account::TokenScope::Submit]);
    let days = |at: &str| at[..10].to_owned();
    assert_ne!(days(&made.expires_at), days(&listed[1].expires_at));
    browser.save_screenshot("team-token-created.png").await;

    // A yes/no metric shows the band of "yes" and no quartiles; the industry table sorts.
    let yes_share = "!!document.querySelector('[data-testid=yes-share]')";
    check_page(
        &app,
        &driver,
        &member,
        "/dashboard/metric/pci_attestation_current",
        yes_share,
        "metric-yes-no",
    )
    .await;
    let industry = "!!document.querySelector('[data-testid=industry-table] tbody tr')";
    check_page(&app, &driver, &member, "/industry", industry, "industry").await;

    // The methodology page states policy v3, rule by rule.
    let methodology = "document.body.innerText.includes('anonymity policy v3') \
         && document.querySelectorAll('[data-testid=policy-rules] li').length === 7";
    check_page(
        &app,
        &driver,
        &member,
        "/methodology",
        methodology,
        "methodology",
    )
    .await;
    browser.close().await;
    app.stop().await;
}
