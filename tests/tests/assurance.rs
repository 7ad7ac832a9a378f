//! Browser test of client assurance against the real server with the demo data: the demo member
//! admin issues an attestation in the back office; a fresh anonymous browser opens the share
//! link and sees it verified (in WebAssembly, by the same code as the server's); a tampered copy
//! is refused, and so are copies signed with a stolen key, under an id never issued or under a
//! real one; after revocation the link says "Revoked" and shows only its status, dates and the
//! signed revocation. Screenshots and the printed page go to
//! target/test-output/. Run by `cargo xtask test`, which builds dist/ and installs Chromium.

use peerposture_tests::webdriver::{ChromeDriver, Session};
use peerposture_tests::{
    Fetch, LOAD_TIMEOUT, TestApp, built_dist, check_as, check_page, first_load, jws_payload,
    open_logged_in, tampered, test_output_dir,
};
use shared::attestation::AttestationInfo;

const PASSWORD: &str = backend::demo::DEMO_PASSWORD;
const VERDICT: &str = "document.querySelector('[data-testid=verdict]')";

#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn a_member_admin_shares_an_attestation_that_a_client_checks_without_an_account() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let driver = ChromeDriver::start().await;

    // The back office page, at both widths, with no accessibility violation.
    let form_ready =
        "!!document.querySelector('[data-testid=share-form] select[name=period] option')";
    check_page(&app, &driver, &member, "/share", form_ready, "share").await;

    // The member admin issues one for a client, showing values, for the default 90 days.
    let browser = driver.session(1280, 1100).await;
    open_logged_in(&app, &browser, &member, "/share").await;
    browser
        .wait_until(
            "the share form",
            &format!("return {form_ready};"),
            LOAD_TIMEOUT,
        )
        .await;
    browser
        .type_into("input[name=audience]", "Acme Bank vendor risk")
        .await;
    browser.click("[data-testid=issue-attestation]").await;
    browser
        .wait_until(
            "the share link",
            "return !!document.querySelector('[data-testid=share-link]') \
             && document.querySelectorAll('[data-testid=attestation-row]').length === 1;",
            LOAD_TIMEOUT,
        )
        .await;
    let link: String = browser
        .execute(
            "return document.querySelector('[data-testid=share-link]').value;",
            vec![],
        )
        .await;
    let path = link
        .strip_prefix(&app.url(""))
        .expect("the link points at this deployment")
        .to_owned();
    assert!(path.starts_with("/a/"), "{link}");
    browser.save_screenshot("share-issued.png").await;
    browser.close().await;

    // A fresh anonymous browser opens the link: verified in the page, valid, not revoked; the
    // page passes axe and fits a phone.
    let valid = format!(
        "!!({VERDICT} && {VERDICT}.innerText.startsWith('Valid') \
         && document.querySelector('[data-testid=attested-metrics] tbody tr'))"
    );
    check_as(&app, &driver, None, &path, &valid, "attestation-valid").await;
    let client = driver.session(1280, 1400).await;
    client.goto(&link).await;
    client
        .wait_until("the verdict", &format!("return {valid};"), LOAD_TIMEOUT)
        .await;
    // The client's first load (a cold cache): bytes over the wire and the time the signature
    // check took in the page.
    let load = first_load(&client, "pp-verified", "share-link-first-load.json").await;
    let verify_ms: String = client
        .execute("return document.documentElement.dataset.verifyMs;", vec![])
        .await;
    println!("signature checked in the page in {verify_ms} ms");
    assert!(load["mark_ms"].as_f64().is_some(), "{load}");
    let verdict = client.text("[data-testid=verdict]").await;
    assert!(
        verdict.contains(&format!(
            "Valid — issued by {} for Acme Bank vendor risk",
            app.url("")
        )) && verdict.contains("not revoked"),
        "{verdict}"
    );
    // Its peer figures compared with the benchmark the deployment serves now.
    let served = client.text("[data-testid=served]").await;
    assert!(
        served.starts_with(
            "Its peer figures and benchmark digest match what this deployment publishes for"
        ),
        "{served}"
    );
    // Its log entry, proven in the page against a signed tree head.
    let logged = client.text("[data-testid=log-entry]").await;
    assert!(
        logged.starts_with("In the transparency log: entry ")
            && logged.ends_with("proven against a signed tree head."),
        "{logged}"
    );
    let page = client.text("main").await;
    assert!(
        page.contains(&backend::demo::org_name(1)) && page.to_lowercase().contains("median"),
        "{page}"
    );
    let pdf = client
        .print_pdf(&test_output_dir().join("attestation.pdf"))
        .await;
    assert!(pdf.starts_with(b"%PDF"), "a PDF");

    // A tampered copy pasted into the check: the client's name changed after signing.
    let listed: Vec<AttestationInfo> = member
        .client
        .get(app.url("/api/v1/attestations"))
        .fetch()
        .await;
    let jws = member
        .client
        .get(app.url(&format!("/api/v1/attestations/{}/jws", listed[0].id)))
        .sent()
        .await
        .text()
        .await
        .unwrap();
    let tampered = tampered(&jws, "Acme Bank vendor risk", "Evil Corp procurement");
    let copy = check_copy(&client, &tampered, "changed after signing").await;
    assert!(
        copy.starts_with("Invalid") && copy.contains("changed after signing"),
        "{copy}"
    );
    client
        .execute::<()>(
            "document.querySelector('[data-testid=checked-copy]').scrollIntoView();",
            vec![],
        )
        .await;
    client.save_screenshot("attestation-tampered.png").await;

    // A copy signed with the key read from a stolen database, under a jti never issued here:
    // the signature checks, the deployment has no record of it.
    let forged = forged_by_a_database_thief(&app, &jws, "forged-0000000000000000").await;
    let copy = check_copy(&client, &forged, "not issued").await;
    assert!(
        copy.starts_with("Invalid — not issued by this deployment"),
        "{copy}"
    );
    client.save_screenshot("attestation-forged.png").await;
    // The same thief, re-signing under the real id for another client: the status names the
    // hash of the copy issued under it, and this one differs.
    let forged = forged_by_a_database_thief(&app, &jws, &listed[0].jti).await;
    let copy = check_copy(&client, &forged, "issued under this id").await;
    assert!(
        copy.starts_with("Invalid — not the attestation this deployment issued under this id"),
        "{copy}"
    );

    // Revoked: the same link says so at once.
    let revoked = member
        .client
        .delete(app.url(&format!("/api/v1/attestations/{}", listed[0].id)))
        .sent()
        .await;
    assert_eq!(revoked.status(), 204);
    // The link shows its status and dates, and the signed revocation checked in the page, never
    // the content.
    let withheld = format!(
        "!!({VERDICT} && {VERDICT}.innerText.startsWith('Revoked') \
         && document.querySelector('[data-testid=withheld]'))"
    );
    client.goto(&link).await;
    client
        .wait_until(
            "the revoked verdict",
            &format!("return {withheld};"),
            LOAD_TIMEOUT,
        )
        .await;
    let facts = client.text("[data-testid=withheld]").await;
    assert!(
        facts.contains("signed by the deployment; entry ") && facts.contains(&listed[0].jti),
        "{facts}"
    );
    let shown: bool = client
        .execute(
            "return !!document.querySelector('[data-testid=attested-metrics]');",
            vec![],
        )
        .await;
    assert!(
        !shown,
        "a revoked link still shows the attestation's content"
    );
    client.save_screenshot("attestation-revoked.png").await;
    client.close().await;
    check_as(&app, &driver, None, &path, &withheld, "attestation-revoked").await;

    // The member admin sees the openings and the revocation.
    let listed: Vec<AttestationInfo> = member
        .client
        .get(app.url("/api/v1/attestations"))
        .fetch()
        .await;
    assert!(listed[0].open_count >= 4, "{:?}", listed[0]);
    assert!(listed[0].revoked_at.is_some());
    let rows =
        "!!document.querySelector('[data-testid=attestation-row]')?.innerText.includes('revoked')";
    check_page(&app, &driver, &member, "/share", rows, "share-revoked").await;
    app.stop().await;
}

/// Pastes `jws` into "Check a copy you received" and returns the copy's verdict once it says
/// `expected`.
async fn check_copy(client: &Session, jws: &str, expected: &str) -> String {
    const CHECKED: &str =
        "document.querySelector('[data-testid=checked-copy] [data-testid=verdict]')";
    client.type_into("[data-testid=jws-input]", jws).await;
    client.click("form button[type=submit]").await;
    client
        .wait_until(
            "the copy's verdict",
            &format!("return !!({CHECKED} && {CHECKED}.innerText.includes({expected:?}));"),
            LOAD_TIMEOUT,
        )
        .await;
    client
        .text("[data-testid=checked-copy] [data-testid=verdict]")
        .await
}

/// `jws` signed again under `jti`, for another client, by whoever holds a copy of the
/// deployment's database: the signing seed is in `signing_keys`.
async fn forged_by_a_database_thief(app: &TestApp, jws: &str, jti: &str) -> String {
    let mut claims: serde_json::Value = serde_json::from_str(&jws_payload(jws)).unwrap();
    claims["jti"] = jti.into();
    claims["aud"] = "Victim Bank".into();
    app.stolen_signing_key()
        .await
        .sign(attest::ATTESTATION_TYP, &claims)
        .unwrap()
}

/// A client reviewer's portfolio in the browser: three suppliers share with the client's
/// address (one for 20 days); the reviewer accepts each from the page and sees them side by
/// side, the short one flagged as expiring. The page passes axe and fits a phone.
#[tokio::test]
#[ignore = "needs the trunk build and Chromium: run through `cargo xtask test`"]
async fn a_client_reviewer_accepts_suppliers_and_sees_their_attestations_side_by_side() {
    let app = TestApp::spawn_with(Some(&built_dist()), true).await;
    let admin = app.login("admin@demo.local", PASSWORD).await;
    let (reviewer, _) = app
        .client_reviewer(&admin, "Acme Bank", "reviewer@acmebank.example")
        .await;
    // Three suppliers share with the client's address: the demo member for 90 days, then the
    // first two other demo organisations that submitted for the quarter (a member admin
    // invited for each), one for 20 days and one for 90.
    let period = backend::http::current_period().previous();
    let share = |days: u32| {
        serde_json::json!({
            "period": period, "cohort": "all", "disclosure": "bands",
            "audience": "Acme Bank vendor risk", "expires_in_days": days,
            "client_address": "vendor-risk@acmebank.example",
        })
    };
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let issued = member
        .client
        .post(app.url("/api/v1/attestations"))
        .json(&share(90))
        .sent()
        .await;
    assert_eq!(issued.status(), 201);
    let orgs: Vec<shared::account::Organisation> =
        admin.client.get(app.url("/api/v1/orgs")).fetch().await;
    let mut terms = vec![20, 90];
    for org in orgs.iter().filter(|o| o.name != backend::demo::org_name(1)) {
        let Some(&days) = terms.first() else { break };
        let email = format!("supplier-{}@demo.local", org.id);
        let supplier = app
            .invite(
                &admin,
                &email,
                shared::account::Role::MemberAdmin,
                Some(org.id),
            )
            .await;
        let issued = supplier
            .client
            .post(app.url("/api/v1/attestations"))
            .json(&share(days))
            .sent()
            .await;
        // 422 for an organisation that submitted nothing that quarter.
        if issued.status() == 201 {
            terms.remove(0);
        }
    }
    assert!(
        terms.is_empty(),
        "two more demo organisations submitted for {period}"
    );

    let driver = ChromeDriver::start().await;
    let browser = driver.session(1280, 1100).await;
    open_logged_in(&app, &browser, &reviewer, "/portfolio").await;
    browser
        .wait_until(
            "three suppliers waiting",
            "return document.querySelectorAll('[data-testid=supplier-decision]').length === 3;",
            LOAD_TIMEOUT,
        )
        .await;
    browser.save_screenshot("portfolio-waiting.png").await;
    for left in [2, 1, 0] {
        browser
            .click("[data-testid=pending-suppliers] [data-testid=supplier-decision] button.button--primary")
            .await;
        browser
            .wait_until(
                "the supplier accepted",
                &format!(
                    "return document.querySelectorAll('[data-testid=pending-suppliers] \
                     [data-testid=supplier-decision]').length === {left};"
                ),
                LOAD_TIMEOUT,
            )
            .await;
    }
    let ready = "document.querySelectorAll('[data-testid=supplier-row]').length === 3 \
         && !!document.querySelector('[data-testid=positions] tbody tr')";
    browser
        .wait_until("the portfolio", &format!("return {ready};"), LOAD_TIMEOUT)
        .await;
    let states: Vec<String> = browser
        .execute(
            "return [...document.querySelectorAll('[data-testid=attestation-state]')].map(e => e.innerText);",
            vec![],
        )
        .await;
    let mut sorted = states.clone();
    sorted.sort();
    assert_eq!(sorted, ["expiring", "valid", "valid"], "{states:?}");
    let table = browser.text("[data-testid=portfolio]").await;
    assert!(table.contains(&backend::demo::org_name(1)), "{table}");
    browser.save_screenshot("portfolio.png").await;
    browser.close().await;
    check_page(&app, &driver, &reviewer, "/portfolio", ready, "portfolio").await;
    // The platform admin's page with its client organisations and the reviewer's invitation.
    let clients = "!!document.querySelector('[data-testid=client-orgs] tbody tr')";
    check_page(&app, &driver, &admin, "/admin", clients, "admin-clients").await;
    app.stop().await;
}
