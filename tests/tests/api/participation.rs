//! Submission deadlines and the publishers' participation view.

use backend::engine::Attributes;
use peerposture_tests::{Fetch, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::account::Organisation;
use shared::api::PeriodInfo;
use shared::benchmark::count_band;
use shared::cohort::CohortKey;
use shared::participation::{Deadline, Participation, ParticipationStatus};
use shared::period::rfc3339;
use shared::submission::Submission;

const PASSWORD: &str = backend::demo::DEMO_PASSWORD;

/// The date `days` from today (UTC), `YYYY-MM-DD`.
fn day(days: i64) -> String {
    rfc3339(backend::auth::now_unix() + days * 86_400)[..10].to_owned()
}

#[tokio::test]
async fn publishers_set_and_move_the_deadline_that_every_caller_reads() {
    let app = TestApp::spawn_demo().await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let current = backend::http::current_period();
    let path = app.url(&format!("/api/v1/periods/{current}/deadline"));

    // Who may not.
    let body = json!({ "due": day(10) });
    assert_eq!(app.client.put(&path).json(&body).sent().await.status(), 401);
    assert_eq!(
        member.client.put(&path).json(&body).sent().await.status(),
        403
    );

    // What is refused.
    for (due, why) in [
        ("2027-02-30".to_owned(), "not a date"),
        ("31/12/2026".to_owned(), "not ISO"),
        (day(-1), "yesterday"),
        (day(400), "more than a year ahead"),
    ] {
        let response = publisher
            .client
            .put(&path)
            .json(&json!({ "due": due }))
            .sent()
            .await;
        assert_eq!(response.status(), 422, "{why}");
        let error: Value = response.json().await.unwrap();
        assert!(
            error["error"]["fields"]["due"].is_string(),
            "{why}: {error}"
        );
    }
    let released = current.previous();
    let closed = publisher
        .client
        .put(app.url(&format!("/api/v1/periods/{released}/deadline")))
        .json(&body)
        .sent()
        .await;
    assert_eq!(closed.status(), StatusCode::CONFLICT, "a released quarter");

    // Set, then moved later; everyone reads it with the periods.
    let set: Deadline = publisher.client.put(&path).json(&body).fetch().await;
    assert_eq!(set.due_at, format!("{}T23:59:59Z", day(10)));
    assert_eq!(set.set_by, "publisher@demo.local");
    let moved: Deadline = publisher
        .client
        .put(&path)
        .json(&json!({ "due": day(20) }))
        .fetch()
        .await;
    for client in [&app.client, &member.client] {
        let periods: Vec<PeriodInfo> = client.get(app.url("/api/v1/periods")).fetch().await;
        let open = periods.iter().find(|p| p.period == current).unwrap();
        assert_eq!(open.deadline.as_deref(), Some(moved.due_at.as_str()));
        let old = periods.iter().find(|p| p.period == released).unwrap();
        assert_eq!(old.deadline, None);
    }
    app.stop().await;
}

#[tokio::test]
async fn publishers_see_who_has_submitted_and_who_is_late_and_members_do_not() {
    let app = TestApp::spawn_demo().await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let admin = app.login("admin@demo.local", PASSWORD).await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let viewer = app.login("member-viewer@demo.local", PASSWORD).await;
    let current = backend::http::current_period();
    let path = app.url(&format!("/api/v1/periods/{current}/participation"));
    assert_eq!(app.client.get(&path).sent().await.status(), 401);
    for session in [&member, &viewer] {
        assert_eq!(session.client.get(&path).sent().await.status(), 403);
    }

    let orgs: Vec<Organisation> = admin.client.get(app.url("/api/v1/orgs")).fetch().await;
    let verified: Vec<&Organisation> = orgs.iter().filter(|o| o.verified).collect();
    let view: Participation = publisher.client.get(&path).fetch().await;
    assert_eq!(view.period, current);
    assert_eq!(view.organisations.len(), verified.len());
    // Every cohort's counts are the bands of its verified members and of those who submitted:
    // never exact (policy v3).
    for count in &view.counts {
        let members: Vec<&&Organisation> = verified
            .iter()
            .filter(|o| Attributes::from(**o).in_cohort(count.cohort))
            .collect();
        let submitted = members
            .iter()
            .filter(|o| {
                view.organisations
                    .iter()
                    .any(|row| row.org_id == o.id && row.status != ParticipationStatus::NotStarted)
            })
            .count();
        assert_eq!(
            count.verified,
            count_band(members.len(), 10),
            "{}",
            count.cohort
        );
        assert_eq!(
            count.submitted,
            count_band(submitted, 10),
            "{}",
            count.cohort
        );
    }
    // A released quarter has nobody to chase, and its list would be the contributors exactly.
    let released = current.previous();
    let old: Participation = publisher
        .client
        .get(app.url(&format!("/api/v1/periods/{released}/participation")))
        .fetch()
        .await;
    assert!(old.organisations.is_empty());
    assert!(
        old.counts
            .iter()
            .all(|c| c.verified.contains('-') || c.verified.ends_with('+') || c.verified == "0")
    );
    assert_eq!(view.counts[0].cohort, CohortKey::All);
    // The demo member's own row matches its submission.
    let own: Submission = member
        .client
        .get(app.url(&format!("/api/v1/submissions/{current}")))
        .fetch()
        .await;
    let name = &member.user.org.as_ref().unwrap().name;
    let row = view.organisations.iter().find(|o| &o.name == name).unwrap();
    assert_eq!(row.metrics, own.values.len());
    let expected = match own.values.len() {
        0 => ParticipationStatus::NotStarted,
        n if n == shared::CATALOGUE.len() => ParticipationStatus::Complete,
        _ => ParticipationStatus::Partial,
    };
    assert_eq!(row.status, expected);
    assert!(!row.late, "no deadline, nothing late");
    // Not started first, then partly submitted, then submitted.
    let order: Vec<u8> = view
        .organisations
        .iter()
        .map(|o| match o.status {
            ParticipationStatus::NotStarted => 0,
            ParticipationStatus::Partial => 1,
            ParticipationStatus::Complete => 2,
        })
        .collect();
    assert!(order.windows(2).all(|w| w[0] <= w[1]));

    // A deadline in the past (written to the store: the API refuses one) makes every save late.
    let set: Deadline = publisher
        .client
        .put(app.url(&format!("/api/v1/periods/{current}/deadline")))
        .json(&json!({ "due": day(5) }))
        .fetch()
        .await;
    let db = app.database().await;
    sqlx::query("UPDATE deadlines SET due_at = 946684800 WHERE period = $1")
        .bind(current.to_string())
        .execute(&db)
        .await
        .unwrap();
    let late: Participation = publisher.client.get(&path).fetch().await;
    assert_eq!(late.deadline.as_deref(), Some("2000-01-01T00:00:00Z"));
    assert_ne!(late.deadline.as_deref(), Some(set.due_at.as_str()));
    for org in &late.organisations {
        assert_eq!(org.late, org.last_saved_at.is_some(), "{}", org.name);
    }
    assert!(late.organisations.iter().any(|o| o.late));
    // Admins see it too.
    assert_eq!(admin.client.get(&path).sent().await.status(), 200);
    app.stop().await;
}
