//! Anonymity policy v2, attacked through the running API. Each test is an attack that worked
//! against policy v1 and must fail now:
//!
//! - a publisher sweeps standards' thresholds to read the maximum, the minimum or one member's
//!   value off the shares meeting them;
//! - an organisation verified between two identical standards changes past quarters' shares;
//! - a yes/no metric's published share tells the lone "no" apart;
//! - a platform admin joins a member organisation and reads its values unseen.
//!
//! The strongest form of "cannot recover" is used where it applies: two stores that differ
//! only in the value under attack publish byte-identical answers to every request the attacker
//! can make.

use peerposture_tests::{Fetch, Session, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::Period;
use shared::account::{Role, Team};
use shared::benchmark::{SHARE_BANDS, SuppressionReason};
use shared::cohort::CohortKey;
use shared::standard::Compliance;

/// One member organisation of a crafted consortium.
struct Member {
    region: &'static str,
    vertical: &'static str,
    verified: bool,
    values: Value,
}

/// Creates the organisations (all `lt250`, onshore, no seats at home), has each one's member
/// admin submit its values for `period`, and returns their sessions in order.
async fn consortium(
    app: &TestApp,
    admin: &Session,
    period: Period,
    members: &[Member],
) -> Vec<Session> {
    let mut sessions = Vec::new();
    for (index, member) in members.iter().enumerate() {
        let org: Value = admin
            .client
            .post(app.url("/api/v1/orgs"))
            .json(
                &json!({ "name": format!("Center {index}"), "seat_band": "lt250",
                           "region": member.region, "verticals": [member.vertical],
                           "delivery": "onshore", "wfh_band": "0" }),
            )
            .fetch()
            .await;
        let id = org["id"].as_i64().unwrap();
        if member.verified {
            app.verify(admin, id).await;
        }
        let session = app
            .invite(
                admin,
                &format!("admin@center{index}.example"),
                Role::MemberAdmin,
                Some(id),
            )
            .await;
        let saved = session
            .client
            .put(app.url(&format!("/api/v1/submissions/{period}")))
            .json(&json!({ "values": member.values }))
            .sent()
            .await;
        assert_eq!(saved.status(), StatusCode::OK, "center {index}");
        sessions.push(session);
    }
    sessions
}

/// Publishes a one-requirement standard on `metric` and returns its id.
async fn publish(
    app: &TestApp,
    publisher: &Session,
    metric: &str,
    comparison: &str,
    threshold: Value,
) -> i64 {
    let draft = json!({
        "name": format!("Sweep {metric} {comparison} {threshold}"),
        "requirements": [{ "metric": metric, "comparison": comparison, "threshold": threshold,
                           "tier": "baseline", "rationale": "Probing." }]
    });
    app.publish_standard(publisher, &draft).await.id
}

/// Releases `period` as `session` (a publisher or an admin).
pub(super) async fn release(app: &TestApp, session: &Session, period: Period) {
    let released = session
        .client
        .post(app.url(&format!("/api/v1/periods/{period}/release")))
        .sent()
        .await;
    assert_eq!(released.status(), StatusCode::OK);
}

/// The bodies of every compliance answer for `standard` in every cohort of the lattice.
async fn compliance_bodies(
    app: &TestApp,
    member: &Session,
    standard: i64,
    period: Period,
) -> Vec<String> {
    let mut bodies = Vec::new();
    for cohort in CohortKey::lattice() {
        let url = app.url(&format!(
            "/api/v1/standards/{standard}/compliance?period={period}&cohort={}",
            cohort.to_string().replace('+', "%2B")
        ));
        let response = member.client.get(url).sent().await;
        assert_eq!(response.status(), StatusCode::OK, "{cohort}");
        bodies.push(response.text().await.unwrap());
    }
    bodies
}

/// MFA coverage of center `index` of the sweep consortium in the first store: 40, 41.5, …, 83.5.
fn sweep_value(index: usize) -> f64 {
    40.0 + 1.5 * index as f64
}

/// The sweep consortium: 30 centers, 20 in North America and 10 in Latin America (every third),
/// with `values[i]` as MFA coverage.
fn sweep_members(values: &[f64]) -> Vec<Member> {
    values
        .iter()
        .enumerate()
        .map(|(index, &mfa)| Member {
            region: if index % 3 == 2 {
                "latam"
            } else {
                "north-america"
            },
            vertical: "travel",
            verified: true,
            values: json!({ "mfa_coverage": mfa }),
        })
        .collect()
}

/// The standards a publisher would publish to read values off the shares: thresholds walking
/// past the top and the bottom, and pairs of close thresholds in the middle around center 12's
/// 58.0 %. Half are published before the release, half after (computed from the frozen set).
const SWEEP: &[(&str, f64)] = &[
    ("gte", 99.9),
    ("gte", 95.0),
    ("gte", 90.0),
    ("gte", 85.0),
    ("gte", 83.6),
    ("gte", 83.5),
    ("gte", 83.0),
    ("gte", 82.0),
    ("lte", 39.9),
    ("lte", 40.0),
    ("lte", 40.1),
    ("lte", 41.5),
    ("lte", 45.0),
    ("gte", 57.9),
    ("gte", 58.0),
    ("gte", 58.1),
    ("gte", 58.5),
    ("gte", 58.6),
    ("gte", 59.0),
    ("gte", 59.1),
    ("lte", 57.9),
    ("lte", 58.0),
    ("lte", 58.1),
    ("lte", 58.9),
    ("lte", 59.0),
    ("gte", 50.0),
    ("gte", 62.0),
    ("gte", 70.0),
];

/// Runs the sweep against a fresh store holding `values` and returns every answer the attacker
/// (a member of the consortium) can read about the standards.
async fn sweep(values: &[f64]) -> Vec<String> {
    let period = backend::http::current_period();
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let members = consortium(&app, &admin, period, &sweep_members(values)).await;
    let publisher = app
        .invite(&admin, "pub@industry.example", Role::Publisher, None)
        .await;
    let mut standards = Vec::new();
    for (index, &(comparison, threshold)) in SWEEP.iter().enumerate() {
        if index == SWEEP.len() / 2 {
            release(&app, &publisher, period).await;
        }
        let threshold = json!(threshold);
        standards.push(publish(&app, &publisher, "mfa_coverage", comparison, threshold).await);
    }
    // The attacker is center 20, whose own value is the same in every store.
    let attacker = &members[20];
    let mut answers = Vec::new();
    for &standard in &standards {
        answers.extend(compliance_bodies(&app, attacker, standard, period).await);
    }
    app.stop().await;
    answers
}

#[tokio::test]
async fn threshold_sweeps_reveal_neither_the_extremes_nor_a_single_members_value() {
    let first: Vec<f64> = (0..30).map(sweep_value).collect();
    // The second store differs in three members only: the highest (83.5 → 99.9), the lowest
    // (40.0 → 0.5), and center 12 in the middle (58.0 → 59.0, still between its neighbours at
    // 56.5 and 59.5). Under policy v1 the sweep told all three apart: "≥ 83.6" was 0 % in one
    // store and 3 % in the other, and the pair 58.0/58.1 counted the one center between them.
    let mut second = first.clone();
    second[29] = 99.9;
    second[0] = 0.5;
    second[12] = 59.0;
    let (seen_first, seen_second) = (sweep(&first).await, sweep(&second).await);
    assert_eq!(seen_first.len(), SWEEP.len() * CohortKey::lattice().count());
    for (index, (a, b)) in seen_first.iter().zip(&seen_second).enumerate() {
        assert_eq!(a, b, "answer {index} tells the stores apart");
    }

    // What the attacker does see: bands of at least ten points, and nothing at the extremes.
    let mut published = 0;
    for body in &seen_first {
        let compliance: Compliance = serde_json::from_str(body).unwrap();
        let requirement = &compliance.requirements[0];
        for share in [&requirement.industry, &requirement.cohort] {
            match &share.share_band {
                Some(band) => {
                    published += 1;
                    assert!(SHARE_BANDS.contains(&band.as_str()), "{band}");
                    assert!(!body.contains("\"share\":"), "no exact share: {body}");
                }
                None => assert!(share.suppressed),
            }
        }
        let threshold = requirement.requirement.threshold;
        let shared::MetricValue::Number(threshold) = threshold else {
            panic!("numeric")
        };
        // Above the 10th highest value (70.0) or below the 10th lowest (53.5), fewer than k
        // meet or fewer than k miss: every share is held back.
        if !(53.5..=70.0).contains(&threshold) {
            assert!(requirement.industry.suppressed, "{body}");
            assert_eq!(
                requirement.industry.reason,
                Some(SuppressionReason::Dominance)
            );
        }
    }
    assert!(
        published > 0,
        "the sweep is not vacuous: mid-range shares are published"
    );
}

#[tokio::test]
async fn an_exact_value_requirement_on_a_numeric_metric_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let refused = admin
        .client
        .post(app.url("/api/v1/standards"))
        .json(&json!({
            "name": "Exact probe",
            "requirements": [{ "metric": "mfa_coverage", "comparison": "eq", "threshold": 87.3,
                               "tier": "baseline", "rationale": "Probing." }]
        }))
        .sent()
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: shared::ErrorBody = refused.json().await.unwrap();
    assert!(body.error.fields.unwrap()["requirements[0].comparison"].contains("yes/no"));
    // Finer thresholds than the display precision snap to it.
    let snapped: Value = admin
        .client
        .post(app.url("/api/v1/standards"))
        .json(&json!({
            "name": "Fine probe",
            "requirements": [{ "metric": "mfa_coverage", "comparison": "gte", "threshold": 87.34,
                               "tier": "baseline", "rationale": "Probing." }]
        }))
        .fetch()
        .await;
    assert_eq!(snapped["requirements"][0]["threshold"], 87.3);
    app.stop().await;
}

#[tokio::test]
async fn verifying_an_organisation_between_two_identical_standards_changes_no_past_share() {
    let period = backend::http::current_period().previous();
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // 20 verified centers in North America, 9 of them at 90 % (fewer than k meet "≥ 90"), 9
    // verified in Europe, and one unverified European at 95 % that joins after the release.
    let mut members: Vec<Member> = (0..20)
        .map(|i| Member {
            region: "north-america",
            vertical: "travel",
            verified: true,
            values: json!({ "mfa_coverage": if i < 9 { 90.0 } else { 60.0 + i as f64 } }),
        })
        .collect();
    members.extend((0..9).map(|i| Member {
        region: "europe",
        vertical: "travel",
        verified: true,
        values: json!({ "mfa_coverage": 50.0 + i as f64 }),
    }));
    members.push(Member {
        region: "europe",
        vertical: "travel",
        verified: false,
        values: json!({ "mfa_coverage": 95.0 }),
    });
    let sessions = consortium(&app, &admin, period, &members).await;
    release(&app, &admin, period).await;

    let first = publish(&app, &admin, "mfa_coverage", "gte", json!(90.0)).await;
    let orgs: Vec<Value> = admin.client.get(app.url("/api/v1/orgs")).fetch().await;
    let late = orgs.iter().find(|o| o["verified"] == false).unwrap()["id"]
        .as_i64()
        .unwrap();
    assert!(app.verify(&admin, late).await.verified);
    let second = publish(&app, &admin, "mfa_coverage", "gte", json!(90.0)).await;

    // Under v1 the second standard counted the late center: 10 of 30 would meet, and Europe
    // (now 10 centers) would get a share although its stored cell is held back.
    let member = &sessions[0];
    let shares = |bodies: Vec<String>| -> Vec<Value> {
        bodies
            .iter()
            .map(|body| {
                let compliance: Value = serde_json::from_str(body).unwrap();
                compliance["requirements"][0].clone()
            })
            .collect()
    };
    let (a, b) = (
        shares(compliance_bodies(&app, member, first, period).await),
        shares(compliance_bodies(&app, member, second, period).await),
    );
    assert_eq!(a, b);
    let europe = CohortKey::lattice()
        .position(|c| c.to_string() == "region:europe")
        .unwrap();
    assert_eq!(a[europe]["cohort"]["reason"], "too_few");
    assert_eq!(a[0]["industry"]["reason"], "dominance", "9 of 29 meet ≥ 90");
    app.stop().await;
}

/// Every benchmark of the period (all cohorts), the trend of `metric` in every cohort, and the
/// compliance answers of `standard`, as `member` reads them.
async fn everything_published(
    app: &TestApp,
    member: &Session,
    period: Period,
    metric: &str,
    standard: i64,
) -> Vec<String> {
    let mut bodies = Vec::new();
    for cohort in CohortKey::lattice() {
        let cohort = cohort.to_string().replace('+', "%2B");
        for path in [
            format!("/api/v1/benchmarks/{period}?cohort={cohort}"),
            format!("/api/v1/trends?metric={metric}&cohort={cohort}"),
        ] {
            let response = member.client.get(app.url(&path)).sent().await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            bodies.push(response.text().await.unwrap());
        }
    }
    bodies.extend(compliance_bodies(app, member, standard, period).await);
    bodies
}

#[tokio::test]
async fn forty_yes_and_one_no_publish_nothing_that_tells_the_no_apart() {
    let period = backend::http::current_period();
    let mut seen = Vec::new();
    for lone_no in [None, Some(7)] {
        let app = TestApp::spawn().await;
        let admin = app.admin().await;
        // 20 in North America, 20 in Latin America; in the second store center 7 says no.
        let members: Vec<Member> = (0..40)
            .map(|i| Member {
                region: if i < 20 { "north-america" } else { "latam" },
                vertical: if i % 2 == 0 { "travel" } else { "banking" },
                verified: true,
                values: json!({ "pci_attestation_current": Some(i) != lone_no,
                                "mfa_coverage": 50.0 + i as f64 }),
            })
            .collect();
        let sessions = consortium(&app, &admin, period, &members).await;
        let standard = publish(&app, &admin, "pci_attestation_current", "eq", json!(true)).await;
        release(&app, &admin, period).await;
        // The reader is center 30, whose own answer is yes in both stores.
        let bodies = everything_published(
            &app,
            &sessions[30],
            period,
            "pci_attestation_current",
            standard,
        )
        .await;
        let all: Value = serde_json::from_str(&bodies[0]).unwrap();
        let cell = all["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["metric"] == "pci_attestation_current")
            .unwrap()
            .clone();
        assert_eq!(cell["reason"], "dominance", "fewer than k answer no");
        assert_eq!(cell["mean"], Value::Null);
        seen.push(bodies);
        app.stop().await;
    }
    assert_eq!(seen[0].len(), seen[1].len());
    for (a, b) in seen[0].iter().zip(&seen[1]) {
        assert_eq!(a, b, "a published answer tells the lone no apart");
    }
}

#[tokio::test]
async fn a_member_admin_cannot_tell_whether_an_address_has_an_account() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let ours = app.create_org(&admin, "Our Center", true).await;
    let theirs = app.create_org(&admin, "Competitor Center", true).await;
    let manager = app
        .invite(
            &admin,
            "ciso@ours.example",
            Role::MemberAdmin,
            Some(ours.id),
        )
        .await;
    app.invite(
        &admin,
        "ciso@competitor.example",
        Role::MemberAdmin,
        Some(theirs.id),
    )
    .await;
    let mut answers = Vec::new();
    for email in ["ciso@competitor.example", "nobody@competitor.example"] {
        let response = manager
            .client
            .post(app.url("/api/v1/invitations"))
            .json(&json!({ "email": email, "role": "member_viewer", "org_id": ours.id }))
            .sent()
            .await;
        assert_eq!(response.status(), StatusCode::CREATED, "{email}");
        let created: Value = response.json().await.unwrap();
        answers.push(created);
    }
    // The invitation of an existing account cannot be used: the address keeps its account.
    let token = answers[0]["token"].as_str().unwrap();
    let accepted = app
        .client
        .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
        .json(&json!({ "name": "Impostor", "password": peerposture_tests::USER_PASSWORD }))
        .sent()
        .await;
    assert_eq!(accepted.status(), StatusCode::CONFLICT);
    app.stop().await;
}

#[tokio::test]
async fn an_admin_joining_a_member_organisation_is_visible_and_its_reads_are_audited() {
    let period = backend::http::current_period();
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Target Contact Center", true).await;
    let owner = app
        .invite(
            &admin,
            "ciso@target.example",
            Role::MemberAdmin,
            Some(org.id),
        )
        .await;
    owner
        .client
        .put(app.url(&format!("/api/v1/submissions/{period}")))
        .json(&json!({ "values": { "mfa_coverage": 87.3 } }))
        .sent()
        .await;
    // The platform admin invites an address it controls into the organisation…
    let intruder = app
        .invite(
            &admin,
            "ops@platform.example",
            Role::MemberViewer,
            Some(org.id),
        )
        .await;
    // … and reads the raw values: it can (it is a member now), but not unseen.
    let read = intruder
        .client
        .get(app.url(&format!("/api/v1/submissions/{period}")))
        .sent()
        .await;
    assert_eq!(read.status(), StatusCode::OK);

    let team: Team = owner.client.get(app.url("/api/v1/org/team")).fetch().await;
    let joined = team
        .accounts
        .iter()
        .find(|a| a.email == "ops@platform.example")
        .expect("the admin's account is on the team page");
    assert_eq!(
        joined.invited_by.as_deref(),
        Some(peerposture_tests::ADMIN_EMAIL)
    );
    assert!(joined.invited_from_outside);
    let own = team
        .accounts
        .iter()
        .find(|a| a.email == "ciso@target.example")
        .unwrap();
    assert!(
        own.invited_from_outside,
        "the first member admin was invited by the platform too"
    );
    assert!(
        team.invitations
            .iter()
            .any(|i| i.email == "ops@platform.example"
                && i.invited_from_outside
                && i.accepted_at.is_some())
    );
    let reads: Vec<_> = team
        .value_reads
        .iter()
        .filter(|entry| entry.actor == "ops@platform.example")
        .collect();
    assert_eq!(reads.len(), 1, "{:?}", team.value_reads);
    assert!(reads[0].target.contains(&period.to_string()));

    // Other organisations' admins never see this team; the admin's own log has the read too.
    let audit: Vec<shared::account::AuditEntry> =
        admin.client.get(app.url("/api/v1/audit")).fetch().await;
    assert!(
        audit
            .iter()
            .any(|e| e.action == "values_read" && e.actor == "ops@platform.example")
    );
    let viewer_refused = intruder
        .client
        .get(app.url("/api/v1/org/team"))
        .sent()
        .await;
    assert_eq!(viewer_refused.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}
