//! From benchmark to plan: targets, the roadmap, the what-if against the server's position,
//! and the exports, read back with ExcelJS (npm, run by node), a reader no one here wrote.

use std::collections::BTreeMap;

use peerposture_tests::{Fetch, Session, TestApp, read_workbook};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::Period;
use shared::benchmark::{Benchmark, Position};
use shared::catalogue::MetricValue;
use shared::cohort::CohortKey;
use shared::plan::{GoalSource, Roadmap, Target, own_values, what_if};
use shared::submission::Submission;

const PASSWORD: &str = backend::demo::DEMO_PASSWORD;

fn released() -> Period {
    backend::http::current_period().previous()
}

fn current() -> Period {
    backend::http::current_period()
}

async fn put_target(
    app: &TestApp,
    session: &Session,
    metric: &str,
    body: Value,
) -> reqwest::Response {
    session
        .client
        .put(app.url(&format!("/api/v1/targets/{metric}")))
        .json(&body)
        .sent()
        .await
}

async fn field_of(response: reqwest::Response) -> Vec<String> {
    let body: Value = response.json().await.unwrap();
    body["error"]["fields"]
        .as_object()
        .map(|fields| fields.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn member_admins_set_targets_and_the_roadmap_ranks_gaps_with_practices() {
    let app = TestApp::spawn_demo().await;
    let admin = app.login("member-admin@demo.local", PASSWORD).await;
    let viewer = app.login("member-viewer@demo.local", PASSWORD).await;
    let other = app.login("member-admin-2@demo.local", PASSWORD).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let due = current().next().to_string();
    let body = json!({ "value": 99.04, "owner": "Head of IT security", "due": due });

    // Who may not.
    let anonymous = app
        .client
        .put(app.url("/api/v1/targets/mfa_coverage"))
        .json(&body)
        .sent()
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.client
            .get(app.url("/api/v1/targets"))
            .sent()
            .await
            .status(),
        401
    );
    for session in [&viewer, &publisher] {
        assert_eq!(
            put_target(&app, session, "mfa_coverage", body.clone())
                .await
                .status(),
            403
        );
    }
    assert_eq!(
        publisher
            .client
            .get(app.url("/api/v1/targets"))
            .sent()
            .await
            .status(),
        403
    );
    assert_eq!(
        publisher
            .client
            .get(app.url("/api/v1/roadmap"))
            .sent()
            .await
            .status(),
        403
    );

    // What is refused, on the right field.
    for (metric, bad, field) in [
        (
            "mfa_coverage",
            json!({ "value": 101, "owner": "A", "due": due }),
            "value",
        ),
        (
            "mfa_coverage",
            json!({ "value": true, "owner": "A", "due": due }),
            "value",
        ),
        (
            "mfa_coverage",
            json!({ "value": 90, "owner": "  ", "due": due }),
            "owner",
        ),
        (
            "mfa_coverage",
            json!({ "value": 90, "owner": "A\u{0}B", "due": due }),
            "owner",
        ),
        (
            "mfa_coverage",
            json!({ "value": 90, "owner": "A", "due": released().to_string() }),
            "due",
        ),
        (
            "wfh_share",
            json!({ "value": 50, "owner": "A", "due": due }),
            "metric",
        ),
        (
            "no_such_metric",
            json!({ "value": 50, "owner": "A", "due": due }),
            "metric",
        ),
    ] {
        let response = put_target(&app, &admin, metric, bad.clone()).await;
        assert_eq!(response.status(), 422, "{metric} {bad}");
        assert_eq!(field_of(response).await, [field], "{metric} {bad}");
    }
    let unknown_field = put_target(
        &app,
        &admin,
        "mfa_coverage",
        json!({ "value": 90, "owner": "A", "due": due, "org_id": 2 }),
    )
    .await;
    assert_eq!(unknown_field.status(), 422);

    // Saved, rounded to the metric's precision, with the value of the latest released quarter
    // as its baseline.
    let response = put_target(&app, &admin, "mfa_coverage", body.clone()).await;
    assert_eq!(response.status(), 200);
    let saved: Target = response.json().await.unwrap();
    let own: Submission = admin
        .client
        .get(app.url(&format!("/api/v1/submissions/{}", released())))
        .fetch()
        .await;
    assert_eq!(saved.value, MetricValue::Number(99.0));
    assert_eq!(saved.owner, "Head of IT security");
    assert_eq!(saved.baseline_period, Some(released()));
    assert_eq!(saved.baseline, own.values.get("mfa_coverage").copied());
    let again = put_target(
        &app,
        &admin,
        "mfa_coverage",
        json!({ "value": 98, "owner": "CISO", "due": due }),
    )
    .await;
    assert_eq!(again.status(), 200);

    // Members of the organisation see it; another organisation does not.
    let seen: Vec<Target> = viewer.client.get(app.url("/api/v1/targets")).fetch().await;
    assert_eq!(seen.len(), 1);
    assert_eq!(
        (seen[0].value, seen[0].owner.as_str()),
        (MetricValue::Number(98.0), "CISO")
    );
    let theirs: Vec<Target> = other.client.get(app.url("/api/v1/targets")).fetch().await;
    assert!(theirs.is_empty());
    let roadmap: Roadmap = other.client.get(app.url("/api/v1/roadmap")).fetch().await;
    assert!(
        roadmap
            .gaps
            .iter()
            .chain(&roadmap.met)
            .all(|g| g.target.is_none())
    );

    // The roadmap: the target's gap, with the published practice for MFA and its adoptions.
    let roadmap: Roadmap = viewer
        .client
        .get(app.url("/api/v1/roadmap?cohort=all"))
        .fetch()
        .await;
    assert_eq!(
        (roadmap.period, roadmap.cohort),
        (released(), CohortKey::All)
    );
    let mfa = roadmap
        .gaps
        .iter()
        .chain(&roadmap.met)
        .find(|g| g.metric == "mfa_coverage")
        .expect("the target puts MFA on the roadmap");
    assert_eq!(
        (mfa.goal, mfa.goal_source),
        (Some(98.0), GoalSource::Target)
    );
    assert_eq!(mfa.target.as_ref().map(|t| t.owner.as_str()), Some("CISO"));
    let published: Vec<Value> = viewer
        .client
        .get(app.url("/api/v1/practices?metric=mfa_coverage"))
        .fetch()
        .await;
    assert!(!published.is_empty());
    assert!(!mfa.practices.is_empty());
    for practice in &mfa.practices {
        let listed = published
            .iter()
            .find(|p| p["id"] == practice.id)
            .expect("a published practice");
        assert_eq!(listed["title"], practice.title.as_str());
        assert_eq!(listed["adoptions"], practice.adoptions);
    }
    // Every figure is the published one: standings as the position endpoint, medians as the
    // benchmark, and the ranking in the documented order.
    let position: Position = viewer
        .client
        .get(app.url(&format!(
            "/api/v1/benchmarks/{}/position?cohort=all",
            released()
        )))
        .fetch()
        .await;
    let benchmark: Benchmark = viewer
        .client
        .get(app.url(&format!("/api/v1/benchmarks/{}?cohort=all", released())))
        .fetch()
        .await;
    for item in roadmap.gaps.iter().chain(&roadmap.met) {
        let placed = position.metric(&item.metric).unwrap();
        assert_eq!(item.standing, placed.standing, "{}", item.metric);
        assert_eq!(item.value, placed.value, "{}", item.metric);
        assert_eq!(
            item.median,
            benchmark.cell(&item.metric).and_then(|c| c.p50)
        );
    }
    assert!(!roadmap.gaps.is_empty());
    for pair in roadmap.gaps.windows(2) {
        assert!(
            pair[0].newly_met >= pair[1].newly_met,
            "ranked by requirements met"
        );
        if pair[0].newly_met == pair[1].newly_met {
            assert!(pair[0].standing.unwrap_or(-1.0) <= pair[1].standing.unwrap_or(-1.0));
        }
    }

    // Deleted once; a second time there is nothing to delete.
    let deleted = admin
        .client
        .delete(app.url("/api/v1/targets/mfa_coverage"))
        .sent()
        .await;
    assert_eq!(deleted.status(), 204);
    let gone = admin
        .client
        .delete(app.url("/api/v1/targets/mfa_coverage"))
        .sent()
        .await;
    assert_eq!(gone.status(), 404);
    assert_eq!(
        other
            .client
            .delete(app.url("/api/v1/targets/mfa_coverage"))
            .sent()
            .await
            .status(),
        404
    );
    app.stop().await;
}

#[tokio::test]
async fn the_what_if_position_equals_the_servers_for_every_published_cell() {
    let app = TestApp::spawn_demo().await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    // The catalogue as the browser gets it.
    let catalogue = member
        .client
        .get(app.url("/api/v1/metrics"))
        .fetch::<shared::api::Catalogue>()
        .await
        .metrics;
    let mut compared = 0;
    for cohort in CohortKey::lattice() {
        let query = format!("?cohort={}", cohort.to_string().replace('+', "%2B"));
        let benchmark: Benchmark = member
            .client
            .get(app.url(&format!("/api/v1/benchmarks/{}{query}", released())))
            .fetch()
            .await;
        let position: Position = member
            .client
            .get(app.url(&format!(
                "/api/v1/benchmarks/{}/position{query}",
                released()
            )))
            .fetch()
            .await;
        let own = own_values(&position.metrics);
        for cell in benchmark.cells.iter().filter(|c| !c.suppressed) {
            let Some(value) = own.get(&cell.metric) else {
                continue;
            };
            let moved = what_if(&benchmark, &own, &[], &catalogue, (&cell.metric, *value)).unwrap();
            assert_eq!(
                Some(&moved.after),
                position.metric(&cell.metric),
                "{cohort} {}",
                cell.metric
            );
            let function = position
                .functions
                .iter()
                .find(|f| f.function == moved.function)
                .unwrap();
            assert_eq!(
                moved.function_after, function.standing,
                "{cohort} {}",
                cell.metric
            );
            compared += 1;
        }
    }
    assert!(compared > 100, "only {compared} published cells compared");
    app.stop().await;
}

/// Reads a downloaded workbook or CSV with ExcelJS: the first sheet's rows.
async fn read_with_exceljs(bytes: &[u8], extension: &str) -> (Vec<Vec<Value>>, bool) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("export.{extension}"));
    std::fs::write(&file, bytes).unwrap();
    read_workbook(&file).await
}

async fn download(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
) -> (StatusCode, String, Vec<u8>) {
    let response = client.get(app.url(path)).sent().await;
    let status = response.status();
    let disposition = response
        .headers()
        .get("content-disposition")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (
        status,
        disposition,
        response.bytes().await.unwrap().to_vec(),
    )
}

/// The table under its header row (the row starting with "Period"), by the value of `key`.
fn table(
    rows: &[Vec<Value>],
    key: &str,
) -> (Vec<String>, BTreeMap<String, BTreeMap<String, Value>>) {
    let start = rows
        .iter()
        .position(|r| r.first() == Some(&json!("Period")))
        .expect("a header row");
    let headers: Vec<String> = rows[start]
        .iter()
        .map(|h| h.as_str().unwrap_or("").to_owned())
        .collect();
    let column = headers
        .iter()
        .position(|h| h == key)
        .expect("the key column");
    let body = rows[start + 1..]
        .iter()
        .filter(|r| r.get(column).is_some_and(Value::is_string))
        .map(|r| {
            let cells = headers.iter().cloned().zip(r.iter().cloned()).collect();
            (r[column].as_str().unwrap().to_owned(), cells)
        })
        .collect();
    (
        rows[..start]
            .iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        body,
    )
}

#[tokio::test]
async fn exports_hold_what_the_json_api_answers_for_every_table() {
    let app = TestApp::spawn_demo().await;
    let admin = app.login("member-admin@demo.local", PASSWORD).await;
    let publisher = app.login("publisher@demo.local", PASSWORD).await;
    let period = released();
    let cohort = "region:north-america";

    // The industry table, as a workbook: notes with the period and the policy, a frozen header,
    // numbers as numbers, held-back cells empty, every figure the JSON's.
    let benchmark: Benchmark = admin
        .client
        .get(app.url(&format!("/api/v1/benchmarks/{period}?cohort={cohort}")))
        .fetch()
        .await;
    let (status, disposition, bytes) = download(
        &app,
        &admin.client,
        &format!("/api/v1/exports/industry?format=xlsx&period={period}&cohort={cohort}"),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        disposition,
        format!("attachment; filename=\"peerposture-industry-{period}-region_north-america.xlsx\"")
    );
    let (rows, frozen) = read_with_exceljs(&bytes, "xlsx").await;
    assert!(frozen, "the header row is frozen");
    let (notes, industry) = table(&rows, "Key");
    let notes = notes.join("\n");
    assert!(notes.contains(&format!("Period: {period}")), "{notes}");
    assert!(
        notes.contains("Anonymity policy v3") && notes.contains("at least 10 organisations"),
        "{notes}"
    );
    assert_eq!(industry.len(), benchmark.cells.len());
    let mut held_back = 0;
    for cell in &benchmark.cells {
        let row = &industry[&cell.metric];
        assert_eq!(row["P10 (unit)"].as_f64(), cell.p10, "{}", cell.metric);
        assert_eq!(row["P25 (unit)"].as_f64(), cell.p25, "{}", cell.metric);
        assert_eq!(row["Median (unit)"].as_f64(), cell.p50, "{}", cell.metric);
        assert_eq!(row["P75 (unit)"].as_f64(), cell.p75, "{}", cell.metric);
        assert_eq!(row["P90 (unit)"].as_f64(), cell.p90, "{}", cell.metric);
        assert_eq!(row["Mean (unit)"].as_f64(), cell.mean, "{}", cell.metric);
        assert_eq!(
            row["Organisations (band)"],
            cell.n_band.as_ref().map_or(Value::Null, |b| json!(b))
        );
        held_back += usize::from(cell.suppressed);
    }
    assert!(held_back < benchmark.cells.len());

    // The same table as CSV, read by the same outside reader.
    let (status, _, bytes) = download(
        &app,
        &admin.client,
        &format!("/api/v1/exports/industry?period={period}&cohort={cohort}"),
    )
    .await;
    assert_eq!(status, 200);
    let (rows, _) = read_with_exceljs(&bytes, "csv").await;
    let (_, csv) = table(&rows, "Key");
    for cell in &benchmark.cells {
        assert_eq!(
            csv[&cell.metric]["Median (unit)"].as_f64(),
            cell.p50,
            "{}",
            cell.metric
        );
    }

    // The position, through the API with a read token.
    let created: Value = admin
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "Board deck", "scopes": ["read"] }))
        .fetch()
        .await;
    let token = created["token"].as_str().unwrap();
    let bearer = reqwest::Client::builder()
        .default_headers(
            [(
                reqwest::header::AUTHORIZATION,
                format!("Bearer {token}").parse().unwrap(),
            )]
            .into_iter()
            .collect(),
        )
        .build()
        .unwrap();
    let position: Position = bearer
        .get(app.url(&format!(
            "/api/v1/benchmarks/{period}/position?cohort={cohort}"
        )))
        .fetch()
        .await;
    let (status, _, bytes) = download(
        &app,
        &bearer,
        &format!("/api/v1/exports/position?format=xlsx&cohort={cohort}"),
    )
    .await;
    assert_eq!(status, 200);
    let (rows, _) = read_with_exceljs(&bytes, "xlsx").await;
    let (_, exported) = table(&rows, "Key");
    for p in &position.metrics {
        let row = &exported[&p.metric];
        match p.value {
            Some(MetricValue::Number(n)) => assert_eq!(row["Your value (unit)"].as_f64(), Some(n)),
            Some(MetricValue::Bool(yes)) => assert_eq!(
                row["Your value (unit)"],
                json!(if yes { "yes" } else { "no" })
            ),
            None => assert_eq!(row["Your value (unit)"], Value::Null),
        }
        assert_eq!(
            row["Band"],
            p.band.as_ref().map_or(Value::Null, |b| json!(b))
        );
        assert_eq!(row["Approximate percentile (0-100)"].as_f64(), p.percentile);
        assert_eq!(
            row["Standing (0-100, higher is better)"].as_f64(),
            p.standing
        );
    }

    // Compliance with the followed standard.
    let compliance = app.followed_compliance(&admin, period, cohort).await;
    let (status, _, bytes) = download(
        &app,
        &admin.client,
        &format!("/api/v1/exports/compliance?format=xlsx&cohort={cohort}"),
    )
    .await;
    assert_eq!(status, 200);
    let (rows, _) = read_with_exceljs(&bytes, "xlsx").await;
    let start = rows
        .iter()
        .position(|r| r.first() == Some(&json!("Period")))
        .unwrap();
    let exported = &rows[start + 1..];
    assert_eq!(exported.len(), compliance.requirements.len());
    for (row, requirement) in exported.iter().zip(&compliance.requirements) {
        let status = match requirement.met {
            Some(true) => "Met",
            Some(false) => "Missed",
            None => "No value",
        };
        assert_eq!(row[5], json!(requirement.requirement.metric));
        assert_eq!(row[11], json!(status));
        assert_eq!(row[12].as_f64(), requirement.gap);
    }

    // The roadmap: the same order as the JSON, and an owner written as a formula stays text.
    let due = current().next().to_string();
    let hostile =
        json!({ "value": 99, "owner": "=HYPERLINK(\"http://evil.example\")", "due": due });
    assert_eq!(
        put_target(&app, &admin, "mfa_coverage", hostile)
            .await
            .status(),
        200
    );
    let roadmap: Roadmap = admin.client.get(app.url("/api/v1/roadmap")).fetch().await;
    let (status, _, bytes) =
        download(&app, &admin.client, "/api/v1/exports/roadmap?format=csv").await;
    assert_eq!(status, 200);
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "{text}"
    );
    let (rows, _) = read_with_exceljs(&bytes, "csv").await;
    let keys: Vec<&str> = rows[1..].iter().filter_map(|r| r[4].as_str()).collect();
    let expected: Vec<&str> = roadmap
        .gaps
        .iter()
        .chain(&roadmap.met)
        .map(|g| g.metric.as_str())
        .collect();
    assert_eq!(keys, expected);

    // Who may export what.
    let (status, _, _) = download(&app, &app.client, "/api/v1/exports/industry").await;
    assert_eq!(status, 401);
    let (status, _, _) = download(
        &app,
        &publisher.client,
        "/api/v1/exports/industry?format=xlsx",
    )
    .await;
    assert_eq!(status, 200);
    for table in ["position", "compliance", "roadmap"] {
        let (status, _, _) =
            download(&app, &publisher.client, &format!("/api/v1/exports/{table}")).await;
        assert_eq!(status, 403, "{table}");
    }
    let submit_only: Value = admin
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "Uploader", "scopes": ["submit"] }))
        .fetch()
        .await;
    let uploader = reqwest::Client::new();
    for table in ["industry", "position"] {
        let response = uploader
            .get(app.url(&format!("/api/v1/exports/{table}")))
            .bearer_auth(submit_only["token"].as_str().unwrap())
            .sent()
            .await;
        assert_eq!(response.status(), 403, "{table}");
    }

    // Hostile requests.
    for (path, expected) in [
        ("/api/v1/exports/everything", 404),
        ("/api/v1/exports/industry?format=pdf", 422),
        ("/api/v1/exports/industry?period=2026-Q9", 422),
        ("/api/v1/exports/industry?cohort=size:huge", 422),
        ("/api/v1/exports/industry?standard=1", 422),
        ("/api/v1/exports/roadmap?period=2020-Q1", 422),
        ("/api/v1/exports/compliance?standard=999999", 404),
        ("/api/v1/exports/industry?unknown=1", 400),
    ] {
        let (status, _, _) = download(&app, &admin.client, path).await;
        assert_eq!(status.as_u16(), expected, "{path}");
    }
    let (status, _, _) = download(
        &app,
        &admin.client,
        &format!("/api/v1/exports/industry?period={}", current()),
    )
    .await;
    assert_eq!(status, 404, "the open quarter is not released");
    app.stop().await;
}
