//! The demo consortium seeded into an empty store.

use peerposture_tests::{Fetch, TestApp};
use serde_json::Value;
use shared::account::{Organisation, Role};
use shared::api::{Health, PeriodInfo};
use shared::submission::Submission;

#[tokio::test]
async fn the_demo_store_has_organisations_logins_and_eight_quarters() {
    let app = TestApp::spawn_demo().await;
    let health: Health = app.client.get(app.url("/api/v1/health")).fetch().await;
    assert!(health.demo, "the app must be able to label demo data");

    let password = backend::demo::DEMO_PASSWORD;
    let admin = app.login("admin@demo.local", password).await;
    assert_eq!(admin.user.role, Role::Admin);
    let orgs: Vec<Organisation> = admin.client.get(app.url("/api/v1/orgs")).fetch().await;
    assert_eq!(orgs.len(), 150);
    assert!(
        orgs.iter()
            .all(|org| org.name.starts_with("Demo Contact Center "))
    );
    assert!(orgs.iter().filter(|org| org.verified).count() > 130);

    for (email, role) in [
        ("publisher@demo.local", Role::Publisher),
        ("member-viewer@demo.local", Role::MemberViewer),
        ("member-admin-2@demo.local", Role::MemberAdmin),
    ] {
        assert_eq!(app.login(email, password).await.user.role, role);
    }
    let member = app.login("member-admin@demo.local", password).await;
    assert_eq!(
        member.user.org.as_ref().unwrap().name,
        "Demo Contact Center 001"
    );

    let periods: Vec<PeriodInfo> = app.client.get(app.url("/api/v1/periods")).fetch().await;
    assert_eq!(periods.len(), 8);
    let current = backend::http::current_period();
    assert_eq!(periods.last().unwrap().period, current);

    // A full past quarter, and the open quarter part-way through.
    let past: Submission = member
        .client
        .get(app.url(&format!("/api/v1/submissions/{}", current.previous())))
        .fetch()
        .await;
    assert_eq!(past.values.len(), 33);
    let open: Submission = member
        .client
        .get(app.url(&format!("/api/v1/submissions/{current}")))
        .fetch()
        .await;
    assert!(
        (1..33).contains(&open.values.len()),
        "{}",
        open.values.len()
    );

    // One published standard, followed by the demo member, with shares for every released
    // quarter; a dozen published practices, one waiting for review, one returned.
    let standards: Vec<shared::standard::Standard> =
        app.client.get(app.url("/api/v1/standards")).fetch().await;
    assert_eq!(standards.len(), 1);
    let followed: shared::standard::FollowedStandard = member
        .client
        .get(app.url("/api/v1/org/standard"))
        .fetch()
        .await;
    assert_eq!(followed.standard_id, Some(standards[0].id));
    let compliance: shared::standard::Compliance = member
        .client
        .get(app.url(&format!(
            "/api/v1/standards/{}/compliance?period={}",
            standards[0].id,
            current.previous()
        )))
        .fetch()
        .await;
    assert!(compliance.requirements.iter().all(|r| r.met.is_some()));
    assert!(
        compliance
            .requirements
            .iter()
            .all(|r| r.industry.share_band.is_some())
    );
    let library: Vec<shared::practice::PracticeSummary> = member
        .client
        .get(app.url("/api/v1/practices"))
        .fetch()
        .await;
    assert_eq!(library.len(), 12);
    assert!(library.iter().any(|p| p.author.is_none()));
    let publisher = app.login("publisher@demo.local", password).await;
    let queue: Vec<shared::practice::PracticeSummary> = publisher
        .client
        .get(app.url("/api/v1/practices/queue"))
        .fetch()
        .await;
    assert_eq!(queue.len(), 1);
    let own: Vec<shared::practice::PracticeSummary> = member
        .client
        .get(app.url("/api/v1/practices/mine"))
        .fetch()
        .await;
    assert!(
        own.iter()
            .any(|p| p.status == shared::practice::PracticeStatus::Returned)
    );
    app.stop().await;
}

#[tokio::test]
async fn the_demo_seed_is_deterministic() {
    let mut seen: Vec<Value> = Vec::new();
    for _ in 0..2 {
        let app = TestApp::spawn_demo().await;
        let member = app
            .login("member-admin-2@demo.local", backend::demo::DEMO_PASSWORD)
            .await;
        let previous = backend::http::current_period().previous();
        let values: Value = member
            .client
            .get(app.url(&format!("/api/v1/submissions/{previous}")))
            .fetch()
            .await;
        seen.push(values["values"].clone());
        app.stop().await;
    }
    assert_eq!(seen[0], seen[1]);
}
