//! Anonymity policy v3, attacked through the running API: each test runs one of the channels
//! that composed figures across quarters, cohorts or the operator under policy v2 (issue #23),
//! as the role that would run it, on a crafted consortium, and shows that it now recovers
//! nothing better than the published percentile grid allows.

use super::anonymity::release;
use peerposture_tests::{Fetch, Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::Period;
use shared::account::{Organisation, Role};
use shared::api::PeriodInfo;
use shared::benchmark::{Benchmark, BenchmarkCell, SuppressionReason};
use shared::submission::Submission;

/// A crafted member: its attributes, and its member admin's session once created.
struct Center {
    region: &'static str,
    seat_band: &'static str,
    delivery: &'static str,
    vertical: &'static str,
}

impl Center {
    fn new(region: &'static str) -> Self {
        Center {
            region,
            seat_band: "lt250",
            delivery: "onshore",
            vertical: "banking",
        }
    }
}

/// Creates and verifies (an admin proposes, the confirming publisher confirms) one
/// organisation per center, and returns each one's member admin.
async fn create(app: &TestApp, admin: &Session, prefix: &str, centers: &[Center]) -> Vec<Session> {
    let mut sessions = Vec::new();
    for (index, center) in centers.iter().enumerate() {
        let org: Organisation = admin
            .client
            .post(app.url("/api/v1/orgs"))
            .json(
                &json!({ "name": format!("{prefix} {index}"), "seat_band": center.seat_band,
                           "region": center.region, "verticals": [center.vertical],
                           "delivery": center.delivery, "wfh_band": "0" }),
            )
            .fetch()
            .await;
        app.verify(admin, org.id).await;
        let email = format!(
            "admin{index}@{}.example",
            prefix.to_lowercase().replace(' ', "-")
        );
        sessions.push(
            app.invite(admin, &email, Role::MemberAdmin, Some(org.id))
                .await,
        );
    }
    sessions
}

async fn submit(app: &TestApp, member: &Session, period: Period, values: Value) -> Submission {
    member
        .client
        .put(app.url(&format!("/api/v1/submissions/{period}")))
        .json(&json!({ "values": values }))
        .fetch()
        .await
}

async fn cell(app: &TestApp, session: &Session, period: Period, cohort: &str) -> BenchmarkCell {
    let benchmark: Benchmark = session
        .client
        .get(app.url(&format!("/api/v1/benchmarks/{period}")))
        .query(&[("cohort", cohort)])
        .fetch()
        .await;
    benchmark.cell("mfa_coverage").unwrap().clone()
}

/// Channel 1, as a platform admin: organisations of its own at the extremes of a cohort where
/// one real member stands alone. It cannot verify them alone, and those verified for a quarter
/// do not count in its release, where every member sees how many were verified.
#[tokio::test]
async fn one_admin_cannot_manufacture_contributors() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let (current, previous) = {
        let current = backend::http::current_period();
        (current, current.previous())
    };
    let real = create(
        &app,
        &admin,
        "Real",
        &(0..12).map(|_| Center::new("europe")).collect::<Vec<_>>(),
    )
    .await;
    for (index, member) in real.iter().enumerate() {
        let value = json!({ "mfa_coverage": 40.0 + index as f64 * 3.0 });
        submit(&app, member, previous, value.clone()).await;
        submit(&app, member, current, value).await;
    }
    release(&app, &admin, previous).await;

    // Alone, the admin only proposes; its second call is refused, and a publisher cannot
    // propose. A member of the organisation could not confirm either.
    let fake: Organisation = admin
        .client
        .post(app.url("/api/v1/orgs"))
        .json(
            &json!({ "name": "Lone fake", "seat_band": "lt250", "region": "europe",
                       "verticals": ["banking"], "delivery": "onshore", "wfh_band": "0" }),
        )
        .fetch()
        .await;
    let verify = app.url(&format!("/api/v1/orgs/{}/verify", fake.id));
    let publisher = app.confirmer().await;
    assert_eq!(
        publisher.client.post(&verify).sent().await.status(),
        StatusCode::CONFLICT
    );
    let proposed: Organisation = admin.client.post(&verify).fetch().await;
    assert!(!proposed.verified && proposed.proposed_by == Some(admin.user.id));
    assert_eq!(
        admin.client.post(&verify).sent().await.status(),
        StatusCode::CONFLICT
    );

    // With a second person, ten fakes at the top of the range are verified after the release
    // of `previous`, and submit for `current`.
    let fakes = create(
        &app,
        &admin,
        "Fake",
        &(0..10).map(|_| Center::new("europe")).collect::<Vec<_>>(),
    )
    .await;
    for member in &fakes {
        submit(&app, member, current, json!({ "mfa_coverage": 100.0 })).await;
    }
    release(&app, &admin, current).await;
    let before = cell(&app, &admin, previous, "all").await;
    let after = cell(&app, &admin, current, "all").await;
    assert!(before.p50.is_some());
    assert_eq!(
        (after.p25, after.p50, after.p75),
        (before.p25, before.p50, before.p75),
        "the ten fakes verified for {current} do not count in its release"
    );
    // Every member sees the burst on the periods every page reads.
    let periods: Vec<PeriodInfo> = real[0].client.get(app.url("/api/v1/periods")).fetch().await;
    let info = |p: Period| {
        periods
            .iter()
            .find(|i| i.period == p)
            .unwrap()
            .newly_verified
    };
    assert_eq!((info(previous), info(current)), (0, 10));
    app.stop().await;
}

/// Channel 2 and 3, as a member who watches two quarters: eleven (and twenty-one) stable
/// members, one more joining the next quarter. Nothing published moves by the newcomer's value,
/// and participation, even for a publisher, carries no exact count.
#[tokio::test]
async fn a_member_joining_between_two_quarters_moves_no_published_figure() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let current = backend::http::current_period();
    let previous = current.previous();
    let centers: Vec<Center> = (0..22)
        .map(|index| Center {
            vertical: if index < 12 {
                "public-sector"
            } else {
                "telecom"
            },
            ..Center::new("latam")
        })
        .collect();
    let members = create(&app, &admin, "Stable", &centers).await;
    // The newcomer (index 0, public sector) reports only from `current`.
    for (index, member) in members.iter().enumerate().skip(1) {
        let value = json!({ "mfa_coverage": 50.0 + index as f64 * 1.3 });
        submit(&app, member, previous, value.clone()).await;
        submit(&app, member, current, value).await;
    }
    submit(&app, &members[0], current, json!({ "mfa_coverage": 63.9 })).await;
    release(&app, &admin, previous).await;
    release(&app, &admin, current).await;
    for cohort in ["vertical:public-sector", "all"] {
        let (q1, q2) = (
            cell(&app, &members[1], previous, cohort).await,
            cell(&app, &members[1], current, cohort).await,
        );
        assert!(q1.p50.is_some(), "{cohort} is published");
        if !q2.suppressed {
            assert_eq!(
                (q2.p25, q2.p50, q2.p75, q2.mean),
                (q1.p25, q1.p50, q1.p75, q1.mean),
                "{cohort}"
            );
        }
        if let (Some(m1), Some(m2)) = (q1.p50, q2.p50) {
            assert!(
                (2.0 * m2 - m1 - 63.9).abs() > 0.05,
                "{cohort}: the median difference gives the value"
            );
        }
    }
    // Counts for a released quarter are bands, and nobody is listed.
    let publisher = app.confirmer().await;
    let view: Value = publisher
        .client
        .get(app.url(&format!("/api/v1/periods/{previous}/participation")))
        .fetch()
        .await;
    assert_eq!(view["organisations"], json!([]));
    for count in view["counts"].as_array().unwrap() {
        assert!(
            count["submitted"].is_string() && count["verified"].is_string(),
            "{count}"
        );
    }
    app.stop().await;
}

/// Channel 4, as one of two members standing alone in their seat bands: the industry minus the
/// published bands would give the sum of the two. Another band is held back with them.
#[tokio::test]
async fn two_held_back_cells_of_a_partition_never_stand_alone() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let period = backend::http::current_period();
    let mut centers: Vec<Center> = Vec::new();
    for (band, count) in [
        ("lt250", 25),
        ("250-999", 25),
        ("1k-4.9k", 1),
        ("5k-19.9k", 1),
    ] {
        centers.extend((0..count).map(|_| Center {
            seat_band: band,
            ..Center::new("europe")
        }));
    }
    let members = create(&app, &admin, "Band", &centers).await;
    for (index, member) in members.iter().enumerate() {
        submit(
            &app,
            member,
            period,
            json!({ "mfa_coverage": 30.0 + index as f64 }),
        )
        .await;
    }
    release(&app, &admin, period).await;
    let mut published = 0;
    for band in ["lt250", "250-999"] {
        let cell = cell(&app, &members[0], period, &format!("size:{band}")).await;
        match cell.reason {
            None => published += 25,
            Some(reason) => assert_eq!(reason, SuppressionReason::Secondary),
        }
    }
    // "All minus the published bands" holds the two and at least 25 others.
    assert!(
        52 - published >= 27,
        "only {} organisations are hidden",
        52 - published
    );
    app.stop().await;
}

/// Channel 5, as anyone reading means: a delivery cohort equal to two regions plus one
/// organisation. The sums no longer combine to that organisation's value.
#[tokio::test]
async fn a_union_of_cohorts_plus_one_does_not_isolate_it() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let period = backend::http::current_period();
    let mut centers: Vec<Center> = Vec::new();
    centers.extend((0..20).map(|_| Center {
        delivery: "nearshore",
        ..Center::new("latam")
    }));
    centers.extend((0..20).map(|_| Center {
        delivery: "nearshore",
        ..Center::new("europe")
    }));
    centers.extend((0..20).map(|_| Center {
        delivery: "offshore",
        ..Center::new("africa-me")
    }));
    // The lone one: in Africa & Middle East, delivering nearshore.
    centers.push(Center {
        delivery: "nearshore",
        ..Center::new("africa-me")
    });
    let members = create(&app, &admin, "Union", &centers).await;
    for (index, member) in members.iter().enumerate() {
        let value = if index == 60 {
            97.3
        } else {
            40.0 + (index % 20) as f64
        };
        submit(&app, member, period, json!({ "mfa_coverage": value })).await;
    }
    release(&app, &admin, period).await;
    let reader = &members[0];
    let mean = |c: &BenchmarkCell| c.mean;
    let (near, latam, europe) = (
        cell(&app, reader, period, "delivery:nearshore").await,
        cell(&app, reader, period, "region:latam").await,
        cell(&app, reader, period, "region:europe").await,
    );
    if let (Some(n), Some(l), Some(e)) = (mean(&near), mean(&latam), mean(&europe)) {
        let recovered = 41.0 * n - 20.0 * l - 20.0 * e;
        panic!("41·{n} − 20·{l} − 20·{e} = {recovered} recovers the lone center's 97.3");
    }
    // The regions' percentiles stay: only a mean that would close the system is left out.
    // (Nearshore is held back beside offshore, which differs from Africa by one: a partition
    // never leaves one cell held back alone.)
    assert!(latam.p50.is_some() && europe.p50.is_some());
    let africa = cell(&app, reader, period, "region:africa-me").await;
    if let (Some(n), Some(a), Some(all)) = (
        mean(&near),
        mean(&africa),
        mean(&cell(&app, reader, period, "all").await),
    ) {
        panic!("61·{all} − 41·{n} − 21·{a} recovers the lone center");
    }
    app.stop().await;
}

/// Channels 6 and 7: values live on the grid, and with k = 5 a cell of five publishes its
/// quartiles but no mean (which would give the sum of the extremes) and no tails.
#[tokio::test]
async fn values_are_rounded_to_the_grid_and_a_small_cell_has_no_mean() {
    let app = TestApp::spawn_with_k(None, false, 5).await;
    let admin = app.admin().await;
    let period = backend::http::current_period();
    let members = create(
        &app,
        &admin,
        "Small",
        &(0..5)
            .map(|_| Center::new("south-asia"))
            .collect::<Vec<_>>(),
    )
    .await;
    let saved = submit(
        &app,
        &members[0],
        period,
        json!({ "mfa_coverage": 87.34, "phish_prone": 4.0 }),
    )
    .await;
    assert_eq!(
        saved.values["mfa_coverage"],
        shared::MetricValue::Number(87.3)
    );
    assert_eq!(saved.rounded, ["mfa_coverage"]);
    let stored: Submission = members[0]
        .client
        .get(app.url(&format!("/api/v1/submissions/{period}")))
        .fetch()
        .await;
    assert_eq!(
        stored.values["mfa_coverage"],
        shared::MetricValue::Number(87.3)
    );
    for (index, member) in members.iter().enumerate().skip(1) {
        submit(
            &app,
            member,
            period,
            json!({ "mfa_coverage": 10.0 + index as f64 * 7.0 }),
        )
        .await;
    }
    release(&app, &admin, period).await;
    let all = cell(&app, &members[0], period, "all").await;
    assert!(all.p25.is_some() && all.p50.is_some() && all.p75.is_some());
    assert_eq!((all.mean, all.p10, all.p90), (None, None, None));
    app.stop().await;
}

/// Releases made under v2 are recomputed under v3 when a server starts on their store, from the
/// contributors they froze, in the order they were made; each recomputation is audited.
#[tokio::test]
async fn releases_made_under_v2_are_recomputed_under_v3_at_start() {
    let app = TestApp::spawn_demo().await;
    let released = backend::http::current_period().previous();
    // What a v2 store held: means of cells of 10 to 19 organisations.
    let pool = app.database().await;
    sqlx::query("UPDATE releases SET policy = 'v2'")
        .execute(&pool)
        .await
        .unwrap();
    let forged = sqlx::query(
        "UPDATE benchmark_cells SET mean = 12.3 \
         WHERE mean IS NULL AND reason IS NULL AND p50 IS NOT NULL",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert!(forged.rows_affected() > 0);
    pool.close().await;

    let restarted = TestApp::spawn_on(app.database_url.clone(), false).await;
    let admin = restarted
        .login("admin@demo.local", backend::demo::DEMO_PASSWORD)
        .await;
    for cohort in ["all", "region:latam", "size:20k+"] {
        let benchmark: Benchmark = admin
            .client
            .get(restarted.url(&format!("/api/v1/benchmarks/{released}")))
            .query(&[("cohort", cohort)])
            .fetch()
            .await;
        assert_eq!(benchmark.policy, "v3");
        assert!(
            benchmark
                .cells
                .iter()
                .all(|c| c.mean.is_none() || c.p10.is_some()),
            "{cohort}: a mean without the tails survived"
        );
    }
    let log: Vec<Value> = admin
        .client
        .get(restarted.url("/api/v1/audit"))
        .fetch()
        .await;
    let recomputed = log
        .iter()
        .filter(|e| e["action"] == "release_recomputed")
        .count();
    assert_eq!(recomputed, 7, "the seven released demo quarters");
    restarted.stop().await;
    app.stop().await;
}
