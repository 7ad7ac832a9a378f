//! Industry standards: draft, publish, immutability, new versions, visibility.

use peerposture_tests::{Fetch, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::ErrorBody;
use shared::MetricValue;
use shared::account::Role;
use shared::standard::{Compliance, Standard, StandardStatus};
use shared::submission::Submission;

fn baseline(name: &str, mfa: f64) -> Value {
    json!({
        "name": name,
        "requirements": [
            { "metric": "mfa_coverage", "comparison": "gte", "threshold": mfa, "tier": "baseline",
              "rationale": "Agents log in from home; passwords alone are phished daily.",
              "references": ["PCI DSS v4.0 8.4", "NIST CSF 2.0 PR.AA"] },
            { "metric": "critical_patch_days", "comparison": "lte", "threshold": 14, "tier": "baseline",
              "rationale": "Known exploited vulnerabilities are weaponised within weeks." },
            { "metric": "pci_attestation_current", "comparison": "eq", "threshold": true, "tier": "advanced",
              "rationale": "Card data demands a current attestation." }
        ]
    })
}

#[tokio::test]
async fn a_standard_goes_from_draft_to_published_and_then_never_changes() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let publisher = app
        .invite(&admin, "pub@industry.example", Role::Publisher, None)
        .await;

    let created = publisher
        .client
        .post(app.url("/api/v1/standards"))
        .json(&baseline("BPO Security Baseline 2027", 95.0))
        .sent()
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let draft: Standard = created.json().await.unwrap();
    assert_eq!((draft.status, draft.version), (StandardStatus::Draft, 1));

    // Drafts are invisible to everyone but publishers and admins.
    let anonymous = app
        .client
        .get(app.url(&format!("/api/v1/standards/{}", draft.id)))
        .sent()
        .await;
    assert_eq!(anonymous.status(), StatusCode::NOT_FOUND);
    let listed = app
        .client
        .get(app.url("/api/v1/standards"))
        .sent()
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(listed, "[]");

    // A draft can be revised.
    let revised = publisher
        .client
        .put(app.url(&format!("/api/v1/standards/{}", draft.id)))
        .json(&baseline("BPO Security Baseline 2027", 96.0))
        .sent()
        .await;
    assert_eq!(revised.status(), StatusCode::OK);

    let published: Standard = publisher
        .client
        .post(app.url(&format!("/api/v1/standards/{}/publish", draft.id)))
        .fetch()
        .await;
    assert_eq!(published.status, StandardStatus::Published);
    assert!(published.published_at.is_some());
    assert_eq!(
        published.requirements[0].threshold,
        MetricValue::Number(96.0)
    );

    // Published means frozen: no edit, no second publish.
    let edit = publisher
        .client
        .put(app.url(&format!("/api/v1/standards/{}", draft.id)))
        .json(&baseline("Changed", 50.0))
        .sent()
        .await;
    assert_eq!(edit.status(), StatusCode::CONFLICT);
    let again = publisher
        .client
        .post(app.url(&format!("/api/v1/standards/{}/publish", draft.id)))
        .sent()
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // Anyone reads it now.
    let public: Standard = app
        .client
        .get(app.url(&format!("/api/v1/standards/{}", draft.id)))
        .fetch()
        .await;
    assert_eq!(public, published);
    app.stop().await;
}

#[tokio::test]
async fn a_new_version_supersedes_the_published_one_with_a_change_log() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let first: Standard = admin
        .client
        .post(app.url("/api/v1/standards"))
        .json(&baseline("Baseline", 90.0))
        .fetch()
        .await;
    // Only a published version can be superseded.
    let mut early = baseline("Baseline", 95.0);
    early["supersedes"] = json!(first.id);
    let refused = admin
        .client
        .post(app.url("/api/v1/standards"))
        .json(&early)
        .sent()
        .await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);

    admin
        .client
        .post(app.url(&format!("/api/v1/standards/{}/publish", first.id)))
        .sent()
        .await;
    let mut next = baseline("Baseline", 95.0);
    next["supersedes"] = json!(first.id);
    next["change_log"] = json!("MFA coverage raised from 90 % to 95 %.");
    let second: Standard = admin
        .client
        .post(app.url("/api/v1/standards"))
        .json(&next)
        .fetch()
        .await;
    assert_eq!((second.version, second.supersedes), (2, Some(first.id)));
    admin
        .client
        .post(app.url(&format!("/api/v1/standards/{}/publish", second.id)))
        .sent()
        .await;

    let all: Vec<Standard> = app.client.get(app.url("/api/v1/standards")).fetch().await;
    let statuses: Vec<(i64, StandardStatus)> = all.iter().map(|s| (s.version, s.status)).collect();
    assert_eq!(
        statuses,
        [
            (2, StandardStatus::Published),
            (1, StandardStatus::Superseded)
        ]
    );
    assert_eq!(all[0].change_log, "MFA coverage raised from 90 % to 95 %.");
    assert_eq!(
        all[1].requirements[0].threshold,
        MetricValue::Number(90.0),
        "the old version is kept as it was"
    );
    app.stop().await;
}

#[tokio::test]
async fn two_drafts_of_the_same_next_version_cannot_both_be_published() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let first = app
        .publish_standard(&admin, &baseline("Baseline", 90.0))
        .await;
    let mut next = baseline("Baseline", 95.0);
    next["supersedes"] = json!(first.id);
    let mut drafts = Vec::new();
    for _ in 0..2 {
        let draft: Standard = admin
            .client
            .post(app.url("/api/v1/standards"))
            .json(&next)
            .fetch()
            .await;
        assert_eq!(draft.version, 2);
        drafts.push(draft.id);
    }
    // Both publications at once, in either order: exactly one wins.
    let publish = |id: i64| {
        admin
            .client
            .post(app.url(&format!("/api/v1/standards/{id}/publish")))
            .sent()
    };
    let (a, b) = tokio::join!(publish(drafts[0]), publish(drafts[1]));
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);

    let all: Vec<Standard> = app.client.get(app.url("/api/v1/standards")).fetch().await;
    let versions: Vec<(i64, StandardStatus)> = all.iter().map(|s| (s.version, s.status)).collect();
    assert_eq!(
        versions,
        [
            (2, StandardStatus::Published),
            (1, StandardStatus::Superseded)
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn invalid_requirements_get_one_message_each() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let body = json!({
        "name": "X",
        "requirements": [
            { "metric": "mfa_coverage", "comparison": "gte", "threshold": 120, "tier": "baseline", "rationale": "r" },
            { "metric": "ir_plan_tested", "comparison": "gte", "threshold": true, "tier": "baseline", "rationale": "r" }
        ]
    });
    let response = admin
        .client
        .post(app.url("/api/v1/standards"))
        .json(&body)
        .sent()
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let fields = response
        .json::<ErrorBody>()
        .await
        .unwrap()
        .error
        .fields
        .unwrap();
    assert_eq!(fields["name"], "must be 3 to 120 characters");
    assert_eq!(
        fields["requirements[0].threshold"],
        "must be between 0 and 100 %"
    );
    assert_eq!(
        fields["requirements[1].comparison"],
        "yes/no metrics take `eq`"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_database_itself_refuses_to_change_a_published_standard() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let standard = app
        .publish_standard(&admin, &baseline("Baseline", 90.0))
        .await;
    let pool = app.database().await;
    let tampered = sqlx::query("UPDATE standards SET requirements = '[]' WHERE id = $1")
        .bind(standard.id)
        .execute(&pool)
        .await;
    assert!(
        tampered
            .unwrap_err()
            .to_string()
            .contains("published standards are immutable")
    );
    app.stop().await;
}

#[tokio::test]
async fn members_see_their_compliance_and_the_shares_meeting_each_requirement() {
    let app = TestApp::spawn_demo().await;
    let password = backend::demo::DEMO_PASSWORD;
    let publisher = app.login("publisher@demo.local", password).await;
    let member = app.login("member-admin@demo.local", password).await;
    // Published after seven quarters were released: their shares are computed now.
    let standard = app
        .publish_standard(&publisher, &baseline("Baseline", 95.0))
        .await;

    let period = backend::http::current_period().previous();
    let url = |cohort: &str| {
        app.url(&format!(
            "/api/v1/standards/{}/compliance?period={period}&cohort={}",
            standard.id,
            cohort.replace('+', "%2B")
        ))
    };
    let compliance: Compliance = member
        .client
        .get(url("region:southeast-asia"))
        .fetch()
        .await;
    let own: Submission = member
        .client
        .get(app.url(&format!("/api/v1/submissions/{period}")))
        .fetch()
        .await;
    let mfa = &compliance.requirements[0];
    let MetricValue::Number(value) = own.values["mfa_coverage"] else {
        panic!("a number")
    };
    assert_eq!(mfa.value, Some(MetricValue::Number(value)));
    assert_eq!(mfa.met, Some(value >= 95.0));
    if value < 95.0 {
        assert!((mfa.gap.unwrap() - (95.0 - value)).abs() < 1e-9);
    }

    // The industry share equals a count over the organisations that count in the quarter: the
    // verified members' latest values, with the roster's carried values and waiting joiners
    // (policy v3), as the engine derives them from what each release froze.
    let store = backend::store::open(&app.database_url).await.unwrap();
    let mut snapshot = store.begin_snapshot().await.unwrap();
    let mut history = Vec::new();
    let mut counted = Vec::new();
    for release in snapshot.releases().await.unwrap() {
        let frozen = snapshot.frozen_inputs(release.period).await.unwrap();
        if release.period == period {
            counted = backend::engine::counted(&frozen, 10, &history);
            break;
        }
        let published = snapshot.published_cells(release.period).await.unwrap();
        history.push(backend::engine::PastRelease {
            orgs: frozen,
            published,
        });
    }
    let index = shared::CATALOGUE
        .iter()
        .position(|m| m.key == "mfa_coverage")
        .unwrap();
    let values: Vec<f64> = counted.iter().filter_map(|o| o.values[index]).collect();
    let (meeting, total) = (values.iter().filter(|&&v| v >= 95.0).count(), values.len());
    assert!(total > 100, "{total} organisations count");
    // Published as a band when at least k = 10 meet and 10 miss; held back otherwise.
    if meeting >= 10 && total - meeting >= 10 {
        let expected = shared::benchmark::share_band(meeting, total);
        assert_eq!(mfa.industry.share_band.as_deref(), Some(expected));
        assert!(!mfa.industry.suppressed && mfa.industry.n_band.is_some());
    } else {
        assert_eq!(
            mfa.industry.reason,
            Some(shared::benchmark::SuppressionReason::Dominance),
            "{meeting} of {total} meet"
        );
    }
    // The demo's patch latency limit is met by enough and missed by enough: a band.
    let patch = &compliance.requirements[1];
    assert!(patch.industry.share_band.is_some(), "{:?}", patch.industry);

    // A share is held back wherever the metric's benchmark cell is, in every cohort (the demo's
    // cohorts are all large enough; benchmarks.rs and anonymity.rs hold back shares in small
    // consortia).
    for cohort in shared::cohort::CohortKey::lattice().map(|key| key.to_string()) {
        let cohort = cohort.as_str();
        let compliance: Compliance = member.client.get(url(cohort)).fetch().await;
        let cell: Value = member
            .client
            .get(app.url(&format!(
                "/api/v1/benchmarks/{period}?cohort={}",
                cohort.replace('+', "%2B")
            )))
            .fetch()
            .await;
        let cell = cell["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["metric"] == "mfa_coverage")
            .unwrap()
            .clone();
        // Held back wherever the cell is; beyond that, where fewer than k meet or miss.
        let share = &compliance.requirements[0].cohort;
        if cell["suppressed"] == true {
            assert!(share.suppressed, "{cohort}");
            assert_eq!(
                share.reason,
                serde_json::from_value(cell["reason"].clone()).unwrap()
            );
        } else if share.suppressed {
            assert_eq!(
                share.reason,
                Some(shared::benchmark::SuppressionReason::Dominance),
                "{cohort}"
            );
        } else {
            assert_eq!(share.n_band, cell["n_band"].as_str().map(str::to_owned));
        }
    }

    // Without a cohort, the peer column is the member's own size band.
    let admin = app.login("admin@demo.local", password).await;
    let orgs: Vec<shared::account::Organisation> =
        admin.client.get(app.url("/api/v1/orgs")).fetch().await;
    let own_org = orgs
        .iter()
        .find(|o| Some(o.id) == member.user.org.as_ref().map(|org| org.id))
        .unwrap();
    let default: Compliance = member
        .client
        .get(app.url(&format!(
            "/api/v1/standards/{}/compliance?period={period}",
            standard.id
        )))
        .fetch()
        .await;
    assert_eq!(
        default.cohort,
        shared::cohort::CohortKey::Size(own_org.seat_band)
    );

    // A quarter released after the standard was published gets its shares at release.
    let current = backend::http::current_period();
    let released = publisher
        .client
        .post(app.url(&format!("/api/v1/periods/{current}/release")))
        .sent()
        .await;
    assert_eq!(released.status(), StatusCode::OK);
    let now: Compliance = member
        .client
        .get(app.url(&format!(
            "/api/v1/standards/{}/compliance?period={current}",
            standard.id
        )))
        .fetch()
        .await;
    assert!(
        now.requirements.iter().any(|r| !r.industry.suppressed),
        "{now:?}"
    );
    assert_eq!(now.newer_version, None);
    // Once a newer version is published, compliance with the old one points to it.
    let mut next = baseline("Baseline", 96.0);
    next["supersedes"] = json!(standard.id);
    next["change_log"] = json!("MFA threshold raised to 96 %.");
    let v2: Standard = publisher
        .client
        .post(app.url("/api/v1/standards"))
        .json(&next)
        .fetch()
        .await;
    publisher
        .client
        .post(app.url(&format!("/api/v1/standards/{}/publish", v2.id)))
        .sent()
        .await;
    let old: Compliance = member.client.get(url("all")).fetch().await;
    assert_eq!(old.newer_version, Some(v2.id));
    // Publishers and admins never see a member's compliance.
    let refused = publisher.client.get(url("all")).sent().await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}
