//! Client accounts: a platform admin creates a client organisation (a bank that outsources to
//! BPOs) and invites its reviewers; a reviewer logs in as a member of that client organisation
//! and of no member organisation, and reaches nothing of the consortium beyond what anyone may
//! read. The role is checked by the database as well as the routes.

use peerposture_tests::{Fetch, TwoOrganisations};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::account::{Role, User};
use shared::attestation::{AttestationInfo, AttestationIssued};
use shared::client::{AttestationState, ClientOrg, Portfolio, SupplierStatus};

#[tokio::test]
async fn an_admin_creates_a_client_organisation_and_its_reviewers_see_only_what_anyone_may() {
    let TwoOrganisations {
        app,
        admin,
        manager_a,
        ..
    } = TwoOrganisations::spawn().await;

    // Hostile and repeated input: one message per field, and a conflict for a taken name or
    // address (in any case).
    let invalid = admin
        .client
        .post(app.url("/api/v1/clients"))
        .json(&json!({ "name": " ", "address": "not an address" }))
        .sent()
        .await;
    assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = invalid.json().await.unwrap();
    assert!(
        body["error"]["fields"]["name"].is_string()
            && body["error"]["fields"]["address"].is_string()
    );
    let created: ClientOrg = admin
        .client
        .post(app.url("/api/v1/clients"))
        .json(&json!({ "name": " Acme Bank ", "address": "Vendor-Risk@AcmeBank.example" }))
        .fetch()
        .await;
    assert_eq!(created.name, "Acme Bank");
    assert_eq!(created.address, "vendor-risk@acmebank.example");
    assert_eq!(created.reviewers, 0);
    for taken in [
        json!({ "name": "ACME BANK", "address": "other@acmebank.example" }),
        json!({ "name": "Acme Bank II", "address": "VENDOR-RISK@acmebank.example" }),
    ] {
        let conflict = admin
            .client
            .post(app.url("/api/v1/clients"))
            .json(&taken)
            .sent()
            .await;
        assert_eq!(conflict.status(), StatusCode::CONFLICT, "{taken}");
    }

    // Invitations: a reviewer needs a client organisation and nothing else; only the
    // platform admin invites one.
    for (body, field) in [
        (
            json!({ "email": "r@acme.example", "role": "client_reviewer" }),
            "client_id",
        ),
        (
            json!({ "email": "r@acme.example", "role": "client_reviewer", "client_id": 999 }),
            "client_id",
        ),
        (
            json!({ "email": "r@acme.example", "role": "client_reviewer", "client_id": created.id, "org_id": 1 }),
            "org_id",
        ),
        (
            json!({ "email": "r@acme.example", "role": "publisher", "client_id": created.id }),
            "client_id",
        ),
    ] {
        let refused = admin
            .client
            .post(app.url("/api/v1/invitations"))
            .json(&body)
            .sent()
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let answer: Value = refused.json().await.unwrap();
        assert!(
            answer["error"]["fields"][field].is_string(),
            "{body}: {answer}"
        );
    }
    let by_member = manager_a
        .client
        .post(app.url("/api/v1/invitations"))
        .json(&json!({ "email": "r@acme.example", "role": "client_reviewer", "client_id": created.id }))
        .sent()
        .await;
    assert_eq!(by_member.status(), StatusCode::FORBIDDEN);

    let (reviewer, client_id) = app
        .client_reviewer(&admin, "Globex Insurance", "reviewer@globex.example")
        .await;
    let me: User = reviewer
        .client
        .get(app.url("/api/v1/auth/me"))
        .fetch()
        .await;
    assert_eq!(me.role, Role::ClientReviewer);
    assert_eq!(me.org, None);
    assert_eq!(me.client.as_ref().map(|c| c.id), Some(client_id));
    assert_eq!(
        me.client.map(|c| c.name).as_deref(),
        Some("Globex Insurance")
    );
    let listed: Vec<ClientOrg> = admin.client.get(app.url("/api/v1/clients")).fetch().await;
    let names: Vec<&str> = listed.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Acme Bank", "Globex Insurance"]);
    assert_eq!(listed[1].reviewers, 1);

    // A reviewer reads what anyone may (the public benchmark), and nothing of the consortium:
    // no other cohort, no trend, no practice, no member's data.
    let period = backend::http::current_period();
    let public = reviewer
        .client
        .get(app.url(&format!("/api/v1/benchmarks/{period}")))
        .sent()
        .await;
    assert_ne!(public.status(), StatusCode::FORBIDDEN);
    for path in [
        format!("/api/v1/benchmarks/{period}?cohort=region:europe"),
        "/api/v1/trends?metric=mfa_coverage".to_owned(),
        "/api/v1/practices".to_owned(),
        "/api/v1/practices/1".to_owned(),
        "/api/v1/submissions".to_owned(),
        "/api/v1/org/team".to_owned(),
        "/api/v1/orgs".to_owned(),
        "/api/v1/clients".to_owned(),
    ] {
        let refused = reviewer.client.get(app.url(&path)).sent().await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }

    // The role stays with the client organisation: an admin can neither turn a reviewer into
    // a member or publisher nor a member into a reviewer (409, as the database refuses it).
    let users: Vec<User> = admin.client.get(app.url("/api/v1/users")).fetch().await;
    let reviewer_id = users
        .iter()
        .find(|u| u.role == Role::ClientReviewer)
        .unwrap()
        .id;
    let member_id = users
        .iter()
        .find(|u| u.email == "manager@a.example")
        .unwrap()
        .id;
    for (id, role) in [
        (reviewer_id, "publisher"),
        (reviewer_id, "member_viewer"),
        (member_id, "client_reviewer"),
    ] {
        let refused = admin
            .client
            .put(app.url(&format!("/api/v1/users/{id}/role")))
            .json(&json!({ "role": role }))
            .sent()
            .await;
        assert_eq!(refused.status(), StatusCode::CONFLICT, "#{id} to {role}");
    }
    let me: User = reviewer
        .client
        .get(app.url("/api/v1/auth/me"))
        .fetch()
        .await;
    assert_eq!(me.role, Role::ClientReviewer);
    app.stop().await;
}

fn released() -> shared::Period {
    backend::http::current_period().previous()
}

/// A member admin shares with a client organisation by its address; the client's reviewers see
/// the supplier waiting, with nothing of its content, until they accept it; then every
/// attestation it addresses to them, with its state. Another client sees none of it, and a
/// revoked attestation shows no content there either.
#[tokio::test]
async fn a_supplier_shares_by_address_and_the_clients_reviewers_accept_it_once() {
    let app = peerposture_tests::TestApp::spawn_demo().await;
    let admin = app
        .login("admin@demo.local", backend::demo::DEMO_PASSWORD)
        .await;
    let member = app
        .login("member-admin@demo.local", backend::demo::DEMO_PASSWORD)
        .await;
    let (reviewer, _) = app
        .client_reviewer(&admin, "Acme Bank", "reviewer@acmebank.example")
        .await;
    let (stranger, _) = app
        .client_reviewer(&admin, "Globex Insurance", "reviewer@globex.example")
        .await;
    let empty: Portfolio = reviewer
        .client
        .get(app.url("/api/v1/portfolio"))
        .fetch()
        .await;
    assert_eq!(empty.address, "vendor-risk@acmebank.example");
    assert!(empty.suppliers.is_empty());

    // An address no client organisation has: refused, nothing issued.
    let share = |address: &str, expires: u32| {
        json!({
            "period": released(), "cohort": "all", "disclosure": "bands",
            "audience": "Acme Bank vendor risk", "expires_in_days": expires,
            "client_address": address,
        })
    };
    let unknown = member
        .client
        .post(app.url("/api/v1/attestations"))
        .json(&share("nobody@nowhere.example", 90))
        .sent()
        .await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = unknown.json().await.unwrap();
    assert!(
        body["error"]["fields"]["client_address"].is_string(),
        "{body}"
    );
    let listed: Vec<AttestationInfo> = member
        .client
        .get(app.url("/api/v1/attestations"))
        .fetch()
        .await;
    assert!(listed.is_empty());

    // Shared twice (the address in another case): one supplier, waiting, no content.
    let first: AttestationIssued = member
        .client
        .post(app.url("/api/v1/attestations"))
        .json(&share("Vendor-Risk@AcmeBank.example", 90))
        .fetch()
        .await;
    assert_eq!(first.attestation.shared_with.as_deref(), Some("Acme Bank"));
    let second: AttestationIssued = member
        .client
        .post(app.url("/api/v1/attestations"))
        .json(&share("vendor-risk@acmebank.example", 20))
        .fetch()
        .await;
    let waiting: Portfolio = reviewer
        .client
        .get(app.url("/api/v1/portfolio"))
        .fetch()
        .await;
    assert_eq!(waiting.suppliers.len(), 1);
    let supplier = &waiting.suppliers[0];
    assert_eq!(supplier.org.name, backend::demo::org_name(1));
    assert_eq!(supplier.status, SupplierStatus::Pending);
    assert_eq!(supplier.shared, 2);
    assert!(supplier.attestations.is_empty());
    let org_id = supplier.org.id;

    // Another client sees nothing, and cannot decide for this one.
    let theirs: Portfolio = stranger
        .client
        .get(app.url("/api/v1/portfolio"))
        .fetch()
        .await;
    assert!(theirs.suppliers.is_empty());
    let decision = |accept: bool| json!({ "accept": accept });
    let not_theirs = stranger
        .client
        .put(app.url(&format!("/api/v1/portfolio/suppliers/{org_id}")))
        .json(&decision(true))
        .sent()
        .await;
    assert_eq!(not_theirs.status(), StatusCode::NOT_FOUND);

    // Accepted: both attestations, newest first, with their state and content.
    let accepted: Portfolio = reviewer
        .client
        .put(app.url(&format!("/api/v1/portfolio/suppliers/{org_id}")))
        .json(&decision(true))
        .fetch()
        .await;
    let supplier = &accepted.suppliers[0];
    assert_eq!(supplier.status, SupplierStatus::Accepted);
    let jtis: Vec<&str> = supplier
        .attestations
        .iter()
        .map(|a| a.jti.as_str())
        .collect();
    assert_eq!(
        jtis,
        [
            second.attestation.jti.as_str(),
            first.attestation.jti.as_str()
        ]
    );
    assert_eq!(supplier.attestations[0].state, AttestationState::Expiring);
    assert_eq!(supplier.attestations[1].state, AttestationState::Valid);
    let claims = supplier.attestations[1].claims.as_ref().unwrap();
    assert_eq!(claims.sub, backend::demo::org_name(1));
    assert_eq!(
        supplier.attestations[1].jws.as_deref(),
        Some(first.jws.as_str())
    );

    // The same as CSV and as an Excel workbook (read by ExcelJS, which the project does not
    // otherwise use): one row per metric of the latest attestation, the state beside each.
    let csv = reviewer
        .client
        .get(app.url("/api/v1/portfolio/export?format=csv"))
        .sent()
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"peerposture-portfolio-")
    );
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("Supplier,Quarter,Peer group,Status,"),
        "{csv}"
    );
    let latest_metrics = supplier.attestations[0]
        .claims
        .as_ref()
        .unwrap()
        .metrics
        .len();
    assert_eq!(lines.len(), 1 + latest_metrics, "{csv}");
    assert!(lines[1..].iter().all(|l| l.contains(",expiring,")), "{csv}");
    let xlsx = reviewer
        .client
        .get(app.url("/api/v1/portfolio/export?format=xlsx"))
        .sent()
        .await
        .bytes()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("portfolio.xlsx");
    std::fs::write(&file, &xlsx).unwrap();
    let (rows, frozen) = peerposture_tests::read_workbook(&file).await;
    assert!(frozen);
    assert_eq!(rows[0][0], "Supplier portfolio of Acme Bank");
    let header = rows
        .iter()
        .position(|r| r.first() == Some(&json!("Supplier")))
        .unwrap();
    assert_eq!(rows.len() - header - 1, latest_metrics);
    assert_eq!(rows[header + 1][0], json!(backend::demo::org_name(1)));
    for (query, status) in [("format=pdf", 422), ("format=csv&x=1", 400)] {
        let refused = reviewer
            .client
            .get(app.url(&format!("/api/v1/portfolio/export?{query}")))
            .sent()
            .await;
        assert!(
            matches!(refused.status().as_u16(), 400 | 422),
            "{query}: {} (expected about {status})",
            refused.status()
        );
    }

    // Revoked: the state says so and the content is gone, as from its share link.
    let revoked = member
        .client
        .delete(app.url(&format!("/api/v1/attestations/{}", first.attestation.id)))
        .sent()
        .await;
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let after: Portfolio = reviewer
        .client
        .get(app.url("/api/v1/portfolio"))
        .fetch()
        .await;
    let withdrawn = &after.suppliers[0].attestations[1];
    assert_eq!(withdrawn.state, AttestationState::Revoked);
    assert!(withdrawn.claims.is_none() && withdrawn.jws.is_none());

    // Declined: nothing of it shows, and a reviewer may still accept it later.
    let declined: Portfolio = reviewer
        .client
        .put(app.url(&format!("/api/v1/portfolio/suppliers/{org_id}")))
        .json(&decision(false))
        .fetch()
        .await;
    assert_eq!(declined.suppliers[0].status, SupplierStatus::Declined);
    assert!(declined.suppliers[0].attestations.is_empty());
    let unknown_org = reviewer
        .client
        .put(app.url("/api/v1/portfolio/suppliers/999999"))
        .json(&decision(true))
        .sent()
        .await;
    assert_eq!(unknown_org.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}
