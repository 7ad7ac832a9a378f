//! Releases and the anonymity policy, attacked through the running API with a crafted
//! consortium: 12 organisations in North America, 9 in Latin America (k − 1) and one target
//! in Europe whose only distinguishing vertical is banking.

use peerposture_tests::{Fetch, Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::account::Role;
use shared::benchmark::{Benchmark, Position, ReleaseSummary, SuppressionReason, Trend};
use shared::{ErrorBody, MetricValue};

/// The target's distinctive MFA coverage; no response but its own position may contain it.
const TARGET_MFA: f64 = 99.9;

struct Consortium {
    app: TestApp,
    admin: Session,
    target: Session,
    other: Session,
}

async fn consortium(period: shared::Period) -> Consortium {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let mut sessions = Vec::new();
    let groups = [
        ("north-america", "travel", 12),
        ("latam", "travel", 9),
        ("europe", "banking", 1),
    ];
    for (region, vertical, count) in groups {
        for n in 0..count {
            let name = format!("{region} {n}");
            let org: Value = admin
                .client
                .post(app.url("/api/v1/orgs"))
                .json(
                    &json!({ "name": name, "seat_band": "lt250", "region": region,
                               "verticals": [vertical], "delivery": "onshore", "wfh_band": "0" }),
                )
                .fetch()
                .await;
            let id = org["id"].as_i64().unwrap();
            app.verify(&admin, id).await;
            let email = format!("admin{n}@{region}.example");
            let member = app
                .invite(&admin, &email, Role::MemberAdmin, Some(id))
                .await;
            let mfa = if region == "europe" {
                TARGET_MFA
            } else {
                50.0 + n as f64
            };
            let saved = member
                .client
                .put(app.url(&format!("/api/v1/submissions/{period}")))
                .json(&json!({ "values": { "mfa_coverage": mfa, "phish_prone": 10.0 + n as f64 } }))
                .sent()
                .await;
            assert_eq!(saved.status(), StatusCode::OK);
            sessions.push(member);
        }
    }
    let target = sessions.pop().unwrap();
    let other = sessions.swap_remove(0);
    Consortium {
        app,
        admin,
        target,
        other,
    }
}

async fn release(app: &TestApp, session: &Session, period: shared::Period) -> reqwest::Response {
    session
        .client
        .post(app.url(&format!("/api/v1/periods/{period}/release")))
        .sent()
        .await
}

async fn benchmark(
    app: &TestApp,
    client: &reqwest::Client,
    period: shared::Period,
    cohort: &str,
) -> (StatusCode, String) {
    let response = client
        .get(app.url(&format!("/api/v1/benchmarks/{period}?cohort={cohort}")))
        .sent()
        .await;
    (response.status(), response.text().await.unwrap())
}

fn cell<'a>(benchmark: &'a Benchmark, metric: &str) -> &'a shared::benchmark::BenchmarkCell {
    benchmark.cells.iter().find(|c| c.metric == metric).unwrap()
}

#[tokio::test]
async fn small_and_nearly_nested_cohorts_are_suppressed_and_reveal_nothing() {
    let period = backend::http::current_period();
    let Consortium {
        app, admin, target, ..
    } = consortium(period).await;
    let (status, _) = benchmark(&app, &app.client, period, "all").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "nothing is published before the release"
    );

    let summary: ReleaseSummary = release(&app, &admin, period).await.json().await.unwrap();
    assert_eq!((summary.k, summary.policy.as_str()), (10, "v3"));

    let (status, body) = benchmark(&app, &app.client, period, "all").await;
    assert_eq!(status, StatusCode::OK);
    let all: Benchmark = serde_json::from_str(&body).unwrap();
    let mfa = cell(&all, "mfa_coverage");
    assert!(!mfa.suppressed);
    assert_eq!(mfa.n_band.as_deref(), Some("20-49"), "counts are bands");
    assert!(
        mfa.p10.is_some() && mfa.p90.is_some(),
        "22 ≥ 2k contributors"
    );
    assert!(!body.contains("\"min\"") && !body.contains("\"max\"") && !body.contains("\"n\""));

    let (server, session) = (&app, &target.client);
    let cohort = |key: &'static str| async move {
        let (status, body) = benchmark(server, session, period, key).await;
        assert_eq!(status, StatusCode::OK, "{key}");
        (serde_json::from_str::<Benchmark>(&body).unwrap(), body)
    };
    // A cohort of k − 1 organisations publishes nothing.
    let (latam, _) = cohort("region:latam").await;
    assert_eq!(
        cell(&latam, "mfa_coverage").reason,
        Some(SuppressionReason::TooFew)
    );
    assert_eq!(latam.n_band, None);
    // vertical:travel holds everyone but the target: all − travel would be the target alone.
    let (travel, body) = cohort("vertical:travel").await;
    let travel_mfa = cell(&travel, "mfa_coverage");
    assert_eq!(travel_mfa.reason, Some(SuppressionReason::Complement));
    assert_eq!(
        (travel_mfa.n_band.as_ref(), travel_mfa.p50, travel_mfa.mean),
        (None, None, None),
        "a suppressed cell carries no count and no statistic"
    );
    assert!(!body.contains(&TARGET_MFA.to_string()));
    // The target's own cohorts are suppressed too.
    for key in ["region:europe", "vertical:banking"] {
        let (own, body) = cohort(key).await;
        assert!(cell(&own, "mfa_coverage").suppressed, "{key}");
        assert!(!body.contains(&TARGET_MFA.to_string()), "{key}");
    }
    // North America (12) differs from all (22) by 10 = k: publishable.
    let (north_america, _) = cohort("region:north-america").await;
    assert!(!cell(&north_america, "mfa_coverage").suppressed);
    assert!(
        cell(&north_america, "mfa_coverage").p10.is_none(),
        "P10 needs 2k contributors"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_cell_is_always_the_same_bytes_and_other_cohorts_need_a_login() {
    let period = backend::http::current_period();
    let Consortium {
        app, admin, target, ..
    } = consortium(period).await;
    release(&app, &admin, period).await;
    let (_, first) = benchmark(&app, &app.client, period, "all").await;
    let (_, second) = benchmark(&app, &app.client, period, "all").await;
    let (_, logged_in) = benchmark(&app, &target.client, period, "all").await;
    assert_eq!(first, second);
    assert_eq!(first, logged_in);

    let (status, _) = benchmark(&app, &app.client, period, "region:latam").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = benchmark(&app, &target.client, period, "region:mars").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = benchmark(&app, &target.client, period.previous(), "all").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "an unreleased period has no benchmark"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_released_period_is_frozen() {
    let period = backend::http::current_period();
    let Consortium {
        app, admin, target, ..
    } = consortium(period).await;
    assert_eq!(release(&app, &admin, period).await.status(), StatusCode::OK);
    let again = release(&app, &admin, period).await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    let late = target
        .client
        .put(app.url(&format!("/api/v1/submissions/{period}")))
        .json(&json!({ "values": { "mfa_coverage": 10 } }))
        .sent()
        .await;
    assert_eq!(late.status(), StatusCode::CONFLICT);
    let body: ErrorBody = late.json().await.unwrap();
    assert_eq!(body.error.code, shared::ErrorCode::PeriodReleased);

    let periods: Value = app.client.get(app.url("/api/v1/periods")).fetch().await;
    let current = periods
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["period"] == period.to_string())
        .unwrap();
    assert_eq!(current["status"], "released");
    assert!(current["released_at"].is_string());
    app.stop().await;
}

#[tokio::test]
async fn a_member_gets_only_their_own_position() {
    let period = backend::http::current_period();
    let Consortium {
        app,
        admin,
        target,
        other,
    } = consortium(period).await;
    release(&app, &admin, period).await;

    let mine: Position = target
        .client
        .get(app.url(&format!("/api/v1/benchmarks/{period}/position?cohort=all")))
        .fetch()
        .await;
    let mfa = mine
        .metrics
        .iter()
        .find(|m| m.metric == "mfa_coverage")
        .unwrap();
    assert_eq!(mfa.value, Some(MetricValue::Number(TARGET_MFA)));
    assert_eq!(mfa.band.as_deref(), Some("above P90"));
    assert_eq!(mfa.standing, Some(95.0));
    let phish = mine
        .metrics
        .iter()
        .find(|m| m.metric == "phish_prone")
        .unwrap();
    assert_eq!(phish.value, Some(MetricValue::Number(10.0)));
    assert!(
        phish.standing.unwrap() > 50.0,
        "a low phish-prone rate ranks well: {phish:?}"
    );
    let protect = mine
        .functions
        .iter()
        .find(|f| f.function == shared::CsfFunction::Protect)
        .unwrap();
    assert_eq!(protect.metrics, 2);

    // Another member sees its own value, never the target's, and cannot ask for anyone else.
    let theirs = other
        .client
        .get(app.url(&format!("/api/v1/benchmarks/{period}/position?cohort=all")))
        .sent()
        .await
        .text()
        .await
        .unwrap();
    assert!(!theirs.contains(&TARGET_MFA.to_string()), "{theirs}");
    let sneaky = other
        .client
        .get(app.url(&format!(
            "/api/v1/benchmarks/{period}/position?cohort=all&org_id=22"
        )))
        .sent()
        .await;
    assert_eq!(sneaky.status(), StatusCode::BAD_REQUEST);
    // In a suppressed cohort there is no position.
    let suppressed: Position = target
        .client
        .get(app.url(&format!(
            "/api/v1/benchmarks/{period}/position?cohort=region:europe"
        )))
        .fetch()
        .await;
    assert!(
        suppressed
            .metrics
            .iter()
            .all(|m| m.band.is_none() && m.standing.is_none())
    );
    app.stop().await;
}

#[tokio::test]
async fn trends_list_released_periods_in_order() {
    let current = backend::http::current_period();
    let previous = current.previous();
    let Consortium {
        app, admin, target, ..
    } = consortium(previous).await;
    // The same members report again this quarter.
    for period in [previous, current] {
        if period == current {
            target
                .client
                .put(app.url(&format!("/api/v1/submissions/{current}")))
                .json(&json!({ "values": { "mfa_coverage": 80 } }))
                .sent()
                .await;
        }
        let publisher = app
            .invite(
                &admin,
                &format!("pub-{period}@industry.example"),
                Role::Publisher,
                None,
            )
            .await;
        assert_eq!(
            release(&app, &publisher, period).await.status(),
            StatusCode::OK
        );
    }
    let trend: Trend = target
        .client
        .get(app.url("/api/v1/trends?metric=mfa_coverage&cohort=all"))
        .fetch()
        .await;
    let periods: Vec<_> = trend.points.iter().map(|p| p.period).collect();
    assert_eq!(periods, [previous, current]);
    assert!(!trend.points[0].suppressed && trend.points[0].p50.is_some());
    assert!(
        trend.points[1].suppressed,
        "one organisation this quarter: too few"
    );
    let unknown = target
        .client
        .get(app.url("/api/v1/trends?metric=nope"))
        .sent()
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

/// The shares meeting a standard's requirement follow the same policy as the cells: published
/// for the industry (as a band), held back where the metric's cell is (too few, or the
/// complement of the target alone), and held back where fewer than k meet or miss.
#[tokio::test]
async fn shares_meeting_a_standard_are_held_back_where_cells_are() {
    let period = backend::http::current_period();
    let Consortium {
        app, admin, target, ..
    } = consortium(period).await;
    let baseline = json!({
        "name": "Consortium baseline",
        "requirements": [{ "metric": "mfa_coverage", "comparison": "gte", "threshold": 55,
                           "tier": "baseline", "rationale": "Phished passwords." }]
    });
    let id = app.publish_standard(&admin, &baseline).await.id;
    assert_eq!(release(&app, &admin, period).await.status(), StatusCode::OK);

    let share = |cohort: &'static str| {
        let client = target.client.clone();
        let url = app.url(&format!(
            "/api/v1/standards/{id}/compliance?period={period}&cohort={cohort}"
        ));
        async move {
            let compliance: shared::standard::Compliance = client.get(url).fetch().await;
            let requirement = compliance.requirements[0].clone();
            assert_eq!(
                requirement.met,
                Some(true),
                "the target's 99.9 % meets ≥ 55 %"
            );
            (requirement.industry, requirement.cohort)
        }
    };
    // 7 of 12 in North America, 4 of 9 in Latin America and the target: 12 of 22 (55 %).
    let (industry, _) = share("all").await;
    assert_eq!(industry.share_band.as_deref(), Some("40-60"));
    assert_eq!(industry.n_band.as_deref(), Some("20-49"));
    for (cohort, reason) in [
        ("region:latam", SuppressionReason::TooFew),
        ("region:europe", SuppressionReason::TooFew),
        ("vertical:travel", SuppressionReason::Complement),
    ] {
        let (_, peers) = share(cohort).await;
        assert!(peers.suppressed, "{cohort}");
        assert_eq!(peers.reason, Some(reason), "{cohort}");
        assert_eq!((peers.share_band, peers.n_band), (None, None), "{cohort}");
    }
    // North America's cell is published, but 7 meet and 5 miss: fewer than k on one side.
    let (_, north_america) = share("region:north-america").await;
    assert_eq!(north_america.reason, Some(SuppressionReason::Dominance));
    assert_eq!(north_america.share_band, None);
    app.stop().await;
}
