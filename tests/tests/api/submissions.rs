//! Submissions: validation, durability of what is acknowledged, idempotency, CSV, isolation
//! between organisations, and released periods.

use peerposture_tests::{Fetch, Session, TestApp, TwoOrganisations};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::account::Role;
use shared::submission::{RevisionInfo, Submission};
use shared::{ErrorBody, ErrorCode, MetricValue};

fn period() -> String {
    backend::http::current_period().to_string()
}

async fn put(app: &TestApp, session: &Session, body: Value) -> reqwest::Response {
    session
        .client
        .put(app.url(&format!("/api/v1/submissions/{}", period())))
        .json(&body)
        .sent()
        .await
}

async fn get(app: &TestApp, session: &Session) -> reqwest::Response {
    session
        .client
        .get(app.url(&format!("/api/v1/submissions/{}", period())))
        .sent()
        .await
}

#[tokio::test]
async fn a_member_admin_saves_values_and_members_read_them_back() {
    let TwoOrganisations {
        app,
        manager_a,
        viewer_a,
        ..
    } = TwoOrganisations::spawn().await;
    let response = put(
        &app,
        &manager_a,
        json!({ "values": { "mfa_coverage": 92.5, "ir_plan_tested": true } }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let saved: Submission = response.json().await.unwrap();
    assert_eq!(saved.revision, 1);
    assert_eq!(saved.saved_by.as_deref(), Some("User manager@a.example"));

    let read: Submission = get(&app, &viewer_a).await.json().await.unwrap();
    assert_eq!(read.values["mfa_coverage"], MetricValue::Number(92.5));
    assert_eq!(read.values["ir_plan_tested"], MetricValue::Bool(true));
    assert_eq!(read.revision, 1);

    // A revision replaces the whole set.
    put(
        &app,
        &manager_a,
        json!({ "values": { "mfa_coverage": 95 } }),
    )
    .await;
    let read: Submission = get(&app, &viewer_a).await.json().await.unwrap();
    assert_eq!((read.revision, read.values.len()), (2, 1));

    let history: Vec<RevisionInfo> = viewer_a
        .client
        .get(app.url("/api/v1/submissions"))
        .fetch()
        .await;
    assert_eq!(
        history
            .iter()
            .map(|r| (r.revision, r.value_count))
            .collect::<Vec<_>>(),
        [(2, 1), (1, 2)]
    );

    let periods: Value = app.client.get(app.url("/api/v1/periods")).fetch().await;
    assert_eq!(periods.as_array().unwrap().len(), 1, "{periods}");
    app.stop().await;
}

#[tokio::test]
async fn invalid_values_get_one_message_per_metric_and_nothing_is_saved() {
    let TwoOrganisations { app, manager_a, .. } = TwoOrganisations::spawn().await;
    let response = put(
        &app,
        &manager_a,
        json!({ "values": {
            "mfa_coverage": 140, "phish_prone": "12", "made_up": 1,
            "pci_attestation_current": 1, "sad_in_recordings": 2.5, "edr_coverage": 90
        } }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::ValidationFailed);
    let fields = body.error.fields.unwrap();
    assert_eq!(fields["mfa_coverage"], "must be between 0 and 100 %");
    assert_eq!(fields["phish_prone"], "must be a number, not text");
    assert_eq!(fields["made_up"], "unknown metric");
    assert_eq!(
        fields["pci_attestation_current"],
        "must be yes or no (true or false)"
    );
    assert_eq!(fields["sad_in_recordings"], "must be a whole number");
    assert_eq!(fields.len(), 5);

    let read: Submission = get(&app, &manager_a).await.json().await.unwrap();
    assert_eq!(read.revision, 0, "nothing was saved");

    let unknown_field = put(&app, &manager_a, json!({ "values": {}, "org_id": 2 })).await;
    assert_eq!(unknown_field.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

#[tokio::test]
async fn malformed_and_future_periods_are_refused_with_422() {
    let TwoOrganisations { app, manager_a, .. } = TwoOrganisations::spawn().await;
    let next = backend::http::current_period().next();
    for period in ["2026-Q5", "26-Q1", "latest", &next.to_string()] {
        let response = manager_a
            .client
            .put(app.url(&format!("/api/v1/submissions/{period}")))
            .json(&json!({ "values": { "mfa_coverage": 90 } }))
            .sent()
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{period}"
        );
        let body: ErrorBody = response.json().await.unwrap();
        assert!(
            body.error.fields.unwrap().contains_key("period"),
            "{period}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn closed_periods_take_no_submissions_and_no_release() {
    let TwoOrganisations {
        app,
        admin,
        manager_a,
        ..
    } = TwoOrganisations::spawn().await;
    let current = backend::http::current_period();
    let oldest_open = (0..4).fold(current, |period, _| period.previous());
    let closed = [
        "1000-Q1".to_owned(),
        "2000-Q4".to_owned(),
        oldest_open.previous().to_string(),
    ];
    for period in &closed {
        let url = app.url(&format!("/api/v1/submissions/{period}"));
        let put = manager_a
            .client
            .put(&url)
            .json(&json!({ "values": { "mfa_coverage": 90 } }))
            .sent()
            .await;
        assert_eq!(put.status(), StatusCode::UNPROCESSABLE_ENTITY, "{period}");
        let body: ErrorBody = put.json().await.unwrap();
        let reason = &body.error.fields.unwrap()["period"];
        assert!(reason.contains("is closed"), "{reason}");
        let csv = manager_a
            .client
            .post(format!("{url}/csv"))
            .header("content-type", "text/csv")
            .body("metric,value\nmfa_coverage,91\n")
            .sent()
            .await;
        assert_eq!(csv.status(), StatusCode::UNPROCESSABLE_ENTITY, "{period}");
        let release = admin
            .client
            .post(app.url(&format!("/api/v1/periods/{period}/release")))
            .sent()
            .await;
        assert_eq!(
            release.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{period}"
        );
    }
    // The oldest quarter still open takes a late submission.
    let late = manager_a
        .client
        .put(app.url(&format!("/api/v1/submissions/{oldest_open}")))
        .json(&json!({ "values": { "mfa_coverage": 90 } }))
        .sent()
        .await;
    assert_eq!(late.status(), StatusCode::OK);

    let periods: Value = app.client.get(app.url("/api/v1/periods")).fetch().await;
    let listed: Vec<&str> = periods
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["period"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [oldest_open.to_string(), current.to_string()]);
    app.stop().await;
}

#[tokio::test]
async fn a_released_period_refuses_submissions_with_409() {
    let TwoOrganisations { app, manager_a, .. } = TwoOrganisations::spawn().await;
    let previous = backend::http::current_period().previous().to_string();
    let url = app.url(&format!("/api/v1/submissions/{previous}"));
    let first = manager_a
        .client
        .put(&url)
        .json(&json!({ "values": { "mfa_coverage": 90 } }))
        .sent()
        .await;
    assert_eq!(first.status(), StatusCode::OK);

    // Release the period the way the engine will: by stamping the period row.
    let pool = app.database().await;
    sqlx::query("UPDATE periods SET released_at = 1768435200 WHERE period = $1")
        .bind(&previous)
        .execute(&pool)
        .await
        .unwrap();

    let late = manager_a
        .client
        .put(&url)
        .json(&json!({ "values": { "mfa_coverage": 91 } }))
        .sent()
        .await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    let body: ErrorBody = late.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::PeriodReleased);
    let csv = manager_a
        .client
        .post(format!("{url}/csv"))
        .header("content-type", "text/csv")
        .body("metric,value\nmfa_coverage,91\n")
        .sent()
        .await;
    assert_eq!(csv.status(), StatusCode::CONFLICT);
    let read: Submission = manager_a.client.get(&url).fetch().await;
    assert_eq!(read.values["mfa_coverage"], MetricValue::Number(90.0));
    app.stop().await;
}

#[tokio::test]
async fn a_retried_idempotent_put_writes_once() {
    let TwoOrganisations { app, manager_a, .. } = TwoOrganisations::spawn().await;
    let url = app.url(&format!("/api/v1/submissions/{}", period()));
    let send = |value: f64| {
        manager_a
            .client
            .put(&url)
            .header("idempotency-key", "upload-2026-11-25-001")
            .json(&json!({ "values": { "mfa_coverage": value } }))
            .sent()
    };
    let first: Submission = send(88.0).await.json().await.unwrap();
    let retry: Submission = send(88.0).await.json().await.unwrap();
    assert_eq!(first, retry);
    let history: Vec<RevisionInfo> = manager_a
        .client
        .get(app.url("/api/v1/submissions"))
        .fetch()
        .await;
    assert_eq!(history.len(), 1, "the retry wrote nothing");

    let reused = send(89.0).await;
    assert_eq!(reused.status(), StatusCode::CONFLICT);
    app.stop().await;
}

#[tokio::test]
async fn an_idempotent_retry_after_the_release_gets_its_result_and_keys_expire_after_a_day() {
    let TwoOrganisations {
        app,
        admin,
        manager_a,
        ..
    } = TwoOrganisations::spawn().await;
    let previous = backend::http::current_period().previous();
    let url = app.url(&format!("/api/v1/submissions/{previous}"));
    let send = |key: &'static str, value: f64| {
        manager_a
            .client
            .put(&url)
            .header("idempotency-key", key)
            .json(&json!({ "values": { "mfa_coverage": value } }))
            .sent()
    };
    let first = send("nightly-001", 88.0).await;
    assert_eq!(first.status(), StatusCode::OK);
    let first: Submission = first.json().await.unwrap();
    let released = admin
        .client
        .post(app.url(&format!("/api/v1/periods/{previous}/release")))
        .sent()
        .await;
    assert_eq!(released.status(), StatusCode::OK);

    // The answer to the first request was lost; its retry gets it, not a 409.
    let retry = send("nightly-001", 88.0).await;
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(retry.json::<Submission>().await.unwrap(), first);
    // A new save is refused as before.
    let late = send("nightly-002", 89.0).await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    assert_eq!(
        late.json::<ErrorBody>().await.unwrap().error.code,
        ErrorCode::PeriodReleased
    );

    // A day later the key is forgotten: in the open quarter it saves again.
    let url = app.url(&format!("/api/v1/submissions/{}", period()));
    let save = |value: f64| {
        manager_a
            .client
            .put(&url)
            .header("idempotency-key", "nightly-003")
            .json(&json!({ "values": { "mfa_coverage": value } }))
            .sent()
    };
    let saved: Submission = save(70.0).await.json().await.unwrap();
    assert_eq!(saved.revision, 1);
    let pool = app.database().await;
    sqlx::query("UPDATE idempotency_keys SET created_at = created_at - 86401")
        .execute(&pool)
        .await
        .unwrap();
    let again = save(71.0).await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "an expired key is free again"
    );
    assert_eq!(again.json::<Submission>().await.unwrap().revision, 2);
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM idempotency_keys")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(keys, 1, "expired keys are swept");
    app.stop().await;
}

#[tokio::test]
async fn a_csv_upload_saves_all_rows_or_none() {
    let TwoOrganisations { app, manager_a, .. } = TwoOrganisations::spawn().await;
    let url = app.url(&format!("/api/v1/submissions/{}/csv", period()));
    let upload = |body: &'static str, content_type: &'static str| {
        manager_a
            .client
            .post(&url)
            .header("content-type", content_type)
            .body(body)
            .sent()
    };
    let bad = upload(
        "metric,value\nmfa_coverage,95\nphish_prone,250\nnope,1\n",
        "text/csv",
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = bad.json::<ErrorBody>().await.unwrap().error.fields.unwrap();
    assert_eq!(fields["row 3"], "phish_prone: must be between 0 and 100 %");
    assert_eq!(fields["row 4"], "unknown metric `nope`");
    let read: Submission = get(&app, &manager_a).await.json().await.unwrap();
    assert_eq!(read.revision, 0, "a bad file saves nothing");

    let good = upload(
        "metric,value\nmfa_coverage,95\nir_plan_tested,yes\nedr_coverage,\n",
        "text/csv",
    )
    .await;
    assert_eq!(good.status(), StatusCode::OK);
    let saved: Value = good.json().await.unwrap();
    assert_eq!(saved["saved"], 2);
    assert_eq!(saved["submission"]["values"]["ir_plan_tested"], true);

    let wrong_type = upload("metric,value\nmfa_coverage,95\n", "application/json").await;
    assert_eq!(wrong_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let template = app
        .client
        .get(app.url("/api/v1/metrics/template.csv"))
        .sent()
        .await;
    assert!(
        template.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let text = template.text().await.unwrap();
    assert!(text.starts_with("metric,value\n") && text.contains("\nmfa_coverage,\n"));
    assert_eq!(text.lines().count(), 34);
    app.stop().await;
}

#[tokio::test]
async fn no_other_organisation_or_role_can_read_a_members_values() {
    let TwoOrganisations {
        app,
        admin,
        manager_a,
        viewer_a,
        manager_b,
    } = TwoOrganisations::spawn().await;
    put(
        &app,
        &manager_a,
        json!({ "values": { "mfa_coverage": 61.3 } }),
    )
    .await;

    // Org B sees only its own (empty) submission, by every route.
    let b: Submission = get(&app, &manager_b).await.json().await.unwrap();
    assert!(b.values.is_empty());
    let history = manager_b
        .client
        .get(app.url("/api/v1/submissions"))
        .sent()
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(history, "[]");

    // Publishers and admins never read raw submissions through the API.
    let publisher = app
        .invite(&admin, "pub@industry.example", Role::Publisher, None)
        .await;
    for session in [&admin, &publisher] {
        assert_eq!(get(&app, session).await.status(), StatusCode::FORBIDDEN);
        let history = session
            .client
            .get(app.url("/api/v1/submissions"))
            .sent()
            .await;
        assert_eq!(history.status(), StatusCode::FORBIDDEN);
    }
    // A viewer reads but cannot write.
    assert_eq!(get(&app, &viewer_a).await.status(), StatusCode::OK);
    let write = put(&app, &viewer_a, json!({ "values": { "mfa_coverage": 1 } })).await;
    assert_eq!(write.status(), StatusCode::FORBIDDEN);

    // Nothing an admin can list carries the value.
    for path in [
        "/api/v1/orgs",
        "/api/v1/users",
        "/api/v1/audit",
        "/api/v1/periods",
    ] {
        let text = admin
            .client
            .get(app.url(path))
            .sent()
            .await
            .text()
            .await
            .unwrap();
        assert!(!text.contains("61.3"), "{path} leaks a value: {text}");
    }
    app.stop().await;
}
