//! Industry standards: draft, publish, immutability, new versions, visibility.

use peerposture_tests::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::ErrorBody;
use shared::account::Role;
use shared::standard::{Standard, StandardStatus};

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
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let draft: Standard = created.json().await.unwrap();
    assert_eq!((draft.status, draft.version), (StandardStatus::Draft, 1));

    // Drafts are invisible to everyone but publishers and admins.
    let anonymous = app
        .client
        .get(app.url(&format!("/api/v1/standards/{}", draft.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::NOT_FOUND);
    let listed = app
        .client
        .get(app.url("/api/v1/standards"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(listed, "[]");

    // A draft can be revised.
    let revised = publisher
        .client
        .put(app.url(&format!("/api/v1/standards/{}", draft.id)))
        .json(&baseline("BPO Security Baseline 2027", 96.0))
        .send()
        .await
        .unwrap();
    assert_eq!(revised.status(), StatusCode::OK);

    let published: Standard = publisher
        .client
        .post(app.url(&format!("/api/v1/standards/{}/publish", draft.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(published.status, StandardStatus::Published);
    assert!(published.published_at.is_some());
    assert_eq!(
        published.requirements[0].threshold,
        shared::MetricValue::Number(96.0)
    );

    // Published means frozen: no edit, no second publish.
    let edit = publisher
        .client
        .put(app.url(&format!("/api/v1/standards/{}", draft.id)))
        .json(&baseline("Changed", 50.0))
        .send()
        .await
        .unwrap();
    assert_eq!(edit.status(), StatusCode::CONFLICT);
    let again = publisher
        .client
        .post(app.url(&format!("/api/v1/standards/{}/publish", draft.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);

    // Anyone reads it now.
    let public: Standard = app
        .client
        .get(app.url(&format!("/api/v1/standards/{}", draft.id)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Only a published version can be superseded.
    let mut early = baseline("Baseline", 95.0);
    early["supersedes"] = json!(first.id);
    let refused = admin
        .client
        .post(app.url("/api/v1/standards"))
        .json(&early)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::CONFLICT);

    admin
        .client
        .post(app.url(&format!("/api/v1/standards/{}/publish", first.id)))
        .send()
        .await
        .unwrap();
    let mut next = baseline("Baseline", 95.0);
    next["supersedes"] = json!(first.id);
    next["change_log"] = json!("MFA coverage raised from 90 % to 95 %.");
    let second: Standard = admin
        .client
        .post(app.url("/api/v1/standards"))
        .json(&next)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!((second.version, second.supersedes), (2, Some(first.id)));
    admin
        .client
        .post(app.url(&format!("/api/v1/standards/{}/publish", second.id)))
        .send()
        .await
        .unwrap();

    let all: Vec<Standard> = app
        .client
        .get(app.url("/api/v1/standards"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
        shared::MetricValue::Number(90.0),
        "the old version is kept as it was"
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
        .send()
        .await
        .unwrap();
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
    let standard: Standard = admin
        .client
        .post(app.url("/api/v1/standards"))
        .json(&baseline("Baseline", 90.0))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    admin
        .client
        .post(app.url(&format!("/api/v1/standards/{}/publish", standard.id)))
        .send()
        .await
        .unwrap();
    let url = format!("sqlite://{}", app.database_path.display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let tampered = sqlx::query("UPDATE standards SET requirements = '[]' WHERE id = ?")
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
