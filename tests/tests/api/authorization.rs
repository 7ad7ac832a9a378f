//! Deny by default: every route under /api/v1, called by every kind of caller, against the
//! expected outcome. The routes are read from the backend's source, so a new route without an
//! entry in the table below fails this test.

use std::collections::BTreeSet;

use peerposture_tests::{Fetch, Session, TwoOrganisations};
use reqwest::{Method, StatusCode};
use serde_json::json;
use shared::account::Role;

/// What a caller gets: through authorization (any status but 401/403), or stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Authorized: the handler ran (its answer may still be 4xx for the test's dummy input).
    Pass,
    /// 401: not logged in (or an API token where only a browser session will do).
    Login,
    /// 403: logged in, but the role or organisation may not.
    Deny,
}
use Outcome::{Deny, Login, Pass};

/// Columns: anonymous, member_viewer A, member_admin A, member_admin B, publisher, admin,
/// client reviewer, API token of A.
#[rustfmt::skip]
const TABLE: &[(&str, &str, [Outcome; 8])] = &[
    ("GET", "/api/v1/health", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/metrics", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/metrics/template.csv", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/cohorts", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/periods", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("POST", "/api/v1/auth/login", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/auth/me", [Login, Pass, Pass, Pass, Pass, Pass, Pass, Login]),
    ("PUT", "/api/v1/auth/password", [Login, Pass, Pass, Pass, Pass, Pass, Pass, Login]),
    ("GET", "/api/v1/orgs", [Login, Deny, Deny, Deny, Pass, Pass, Deny, Login]),
    ("POST", "/api/v1/orgs", [Login, Deny, Deny, Deny, Deny, Pass, Deny, Login]),
    ("GET", "/api/v1/clients", [Login, Deny, Deny, Deny, Deny, Pass, Deny, Login]),
    ("GET", "/api/v1/portfolio", [Login, Deny, Deny, Deny, Deny, Deny, Pass, Login]),
    ("GET", "/api/v1/portfolio/export", [Login, Deny, Deny, Deny, Deny, Deny, Pass, Login]),
    ("PUT", "/api/v1/portfolio/suppliers/{org_id}", [Login, Deny, Deny, Deny, Deny, Deny, Pass, Login]),
    ("POST", "/api/v1/clients", [Login, Deny, Deny, Deny, Deny, Pass, Deny, Login]),
    ("POST", "/api/v1/orgs/{id}/verify", [Login, Deny, Deny, Deny, Pass, Pass, Deny, Login]),
    ("GET", "/api/v1/users", [Login, Deny, Deny, Deny, Deny, Pass, Deny, Login]),
    ("PUT", "/api/v1/users/{id}/role", [Login, Deny, Deny, Deny, Deny, Pass, Deny, Login]),
    ("POST", "/api/v1/invitations", [Login, Deny, Pass, Pass, Deny, Pass, Deny, Login]),
    ("GET", "/api/v1/invitations/{token}", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("POST", "/api/v1/invitations/{token}/accept", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/tokens", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("POST", "/api/v1/tokens", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("DELETE", "/api/v1/tokens/{id}", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("GET", "/api/v1/org/team", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("GET", "/api/v1/submissions", [Login, Pass, Pass, Pass, Deny, Deny, Deny, Pass]),
    ("GET", "/api/v1/submissions/{period}", [Login, Pass, Pass, Pass, Deny, Deny, Deny, Pass]),
    ("PUT", "/api/v1/submissions/{period}", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Pass]),
    ("POST", "/api/v1/submissions/{period}/csv", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Pass]),
    ("GET", "/api/v1/audit", [Login, Deny, Deny, Deny, Deny, Pass, Deny, Login]),
    ("POST", "/api/v1/periods/{period}/release", [Login, Deny, Deny, Deny, Pass, Pass, Deny, Login]),
    // Cohort `all` (what this test asks for) is public; other cohorts need a session.
    ("GET", "/api/v1/benchmarks/{period}", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/benchmarks/{period}/position", [Login, Pass, Pass, Pass, Deny, Deny, Deny, Pass]),
    ("GET", "/api/v1/trends", [Login, Pass, Pass, Pass, Pass, Pass, Deny, Login]),
    ("GET", "/api/v1/policy", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/openapi.json", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/standards", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("POST", "/api/v1/standards", [Login, Deny, Deny, Deny, Pass, Pass, Deny, Login]),
    ("GET", "/api/v1/standards/{id}", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("PUT", "/api/v1/standards/{id}", [Login, Deny, Deny, Deny, Pass, Pass, Deny, Login]),
    ("POST", "/api/v1/standards/{id}/publish", [Login, Deny, Deny, Deny, Pass, Pass, Deny, Login]),
    ("GET", "/api/v1/standards/{id}/compliance", [Login, Pass, Pass, Pass, Deny, Deny, Deny, Pass]),
    ("GET", "/api/v1/org/standard", [Login, Pass, Pass, Pass, Deny, Deny, Deny, Pass]),
    ("PUT", "/api/v1/org/standard", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("GET", "/api/v1/practices", [Login, Pass, Pass, Pass, Pass, Pass, Deny, Login]),
    ("POST", "/api/v1/practices", [Login, Deny, Pass, Pass, Pass, Deny, Deny, Login]),
    ("GET", "/api/v1/practices/mine", [Login, Pass, Pass, Pass, Pass, Deny, Deny, Login]),
    ("GET", "/api/v1/practices/queue", [Login, Deny, Deny, Deny, Pass, Pass, Deny, Login]),
    ("GET", "/api/v1/practices/{id}", [Login, Pass, Pass, Pass, Pass, Pass, Deny, Login]),
    ("PUT", "/api/v1/practices/{id}", [Login, Deny, Pass, Pass, Pass, Deny, Deny, Login]),
    ("POST", "/api/v1/practices/{id}/moderation", [Login, Deny, Deny, Deny, Pass, Pass, Deny, Login]),
    ("PUT", "/api/v1/practices/{id}/adoption", [Login, Pass, Pass, Pass, Deny, Deny, Deny, Login]),
    ("DELETE", "/api/v1/practices/{id}/adoption", [Login, Pass, Pass, Pass, Deny, Deny, Deny, Login]),
    ("GET", "/api/v1/attestations", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("POST", "/api/v1/attestations", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("GET", "/api/v1/attestations/peer-groups", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("DELETE", "/api/v1/attestations/{id}", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("GET", "/api/v1/attestations/{id}/jws", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    // Capability links and what anyone holding an attestation may check.
    ("GET", "/api/v1/shared/{token}", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/attestation-status/{jti}", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("POST", "/api/v1/signing-keys/rotate", [Login, Deny, Deny, Deny, Deny, Pass, Deny, Login]),
    ("POST", "/api/v1/signing-keys/{kid}/compromised", [Login, Deny, Deny, Deny, Deny, Pass, Deny, Login]),
    ("GET", "/api/v1/transparency/head", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/transparency/inclusion/{leaf}", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/transparency/consistency", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("PUT", "/api/v1/periods/{period}/deadline", [Login, Deny, Deny, Deny, Pass, Pass, Deny, Login]),
    ("GET", "/api/v1/periods/{period}/participation", [Login, Deny, Deny, Deny, Pass, Pass, Deny, Login]),
    ("GET", "/api/v1/targets", [Login, Pass, Pass, Pass, Deny, Deny, Deny, Pass]),
    ("PUT", "/api/v1/targets/{metric}", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("DELETE", "/api/v1/targets/{metric}", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("GET", "/api/v1/roadmap", [Login, Pass, Pass, Pass, Deny, Deny, Deny, Pass]),
    // Asked for the position export; the industry export is open to every logged-in user.
    ("GET", "/api/v1/exports/{table}", [Login, Pass, Pass, Pass, Deny, Deny, Deny, Pass]),
    ("GET", "/api/v1/notifications", [Login, Pass, Pass, Pass, Pass, Pass, Pass, Login]),
    ("GET", "/api/v1/notifications/unread", [Login, Pass, Pass, Pass, Pass, Pass, Pass, Login]),
    ("POST", "/api/v1/notifications/read", [Login, Pass, Pass, Pass, Pass, Pass, Pass, Login]),
    ("GET", "/api/v1/notifications/settings", [Login, Pass, Pass, Pass, Pass, Pass, Pass, Login]),
    ("PUT", "/api/v1/notifications/settings", [Login, Pass, Pass, Pass, Pass, Pass, Pass, Login]),
    // The link alone is the credential (an invalid one gets 404).
    ("POST", "/api/v1/unsubscribe", [Pass, Pass, Pass, Pass, Pass, Pass, Pass, Pass]),
    ("GET", "/api/v1/webhooks", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("POST", "/api/v1/webhooks", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("DELETE", "/api/v1/webhooks/{id}", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("POST", "/api/v1/webhooks/{id}/test", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("POST", "/api/v1/webhooks/{id}/resume", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    ("GET", "/api/v1/webhooks/{id}/attempts", [Login, Deny, Pass, Pass, Deny, Deny, Deny, Login]),
    // Last: it ends the sessions it is called with.
    ("POST", "/api/v1/auth/logout", [Login, Pass, Pass, Pass, Pass, Pass, Pass, Login]),
];

/// `(METHOD, /api/path)` of every route the backend serves: its route table, which the router
/// is built from and the OpenAPI document describes.
fn served_routes() -> BTreeSet<(String, String)> {
    backend::http::described_routes()
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect()
}

#[test]
fn every_route_has_an_entry_in_the_authorization_table() {
    let in_table: BTreeSet<(String, String)> = TABLE
        .iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(in_table.len(), TABLE.len(), "a route is listed twice");
    assert_eq!(
        served_routes(),
        in_table,
        "routes served vs. the authorization table"
    );
}

/// Who each route declares may call it (what the OpenAPI document tells clients) agrees with
/// what the table expects: open routes let anonymous callers through, the others send them to
/// log in, and browser-only routes send API tokens to log in too.
#[test]
fn every_route_declares_the_callers_the_table_expects() {
    for (method, path, access) in backend::http::described_routes() {
        let (_, _, [anonymous, .., token]) = TABLE
            .iter()
            .find(|(m, p, _)| *m == method && *p == path)
            .unwrap_or_else(|| panic!("{method} {path} is not in the table"));
        let (open, tokens) = match access {
            "anyone" | "anyone, more when logged in" => (true, true),
            "session" => (false, false),
            "session or token" => (false, true),
            other => panic!("{method} {path}: unknown access `{other}`"),
        };
        assert_eq!(
            *anonymous == Pass,
            open,
            "{method} {path} declares `{access}` but anonymous callers get {anonymous:?}"
        );
        assert_eq!(
            *token != Login,
            tokens,
            "{method} {path} declares `{access}` but API tokens get {token:?}"
        );
    }
}

#[tokio::test]
async fn every_route_allows_exactly_the_callers_in_the_table() {
    let TwoOrganisations {
        app,
        admin,
        manager_a,
        viewer_a,
        manager_b,
    } = TwoOrganisations::spawn().await;
    let publisher = app
        .invite(&admin, "pub@industry.example", Role::Publisher, None)
        .await;
    let token: serde_json::Value = manager_a
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "authz" }))
        .fetch()
        .await;
    let token = token["token"].as_str().unwrap().to_owned();
    let (reviewer, _) = app
        .client_reviewer(&admin, "Acme Bank", "reviewer@acmebank.example")
        .await;

    let callers: [(&str, Option<&Session>); 7] = [
        ("anonymous", None),
        ("member_viewer A", Some(&viewer_a)),
        ("member_admin A", Some(&manager_a)),
        ("member_admin B", Some(&manager_b)),
        ("publisher", Some(&publisher)),
        ("admin", Some(&admin)),
        ("client reviewer", Some(&reviewer)),
    ];
    let period = backend::http::current_period();
    for (method, template, expected) in TABLE {
        let path = template
            .replace("{id}", "999")
            .replace("{token}", "not-a-real-invitation-token")
            .replace("{metric}", "mfa_coverage")
            .replace("{table}", "position")
            .replace("{period}", &period.to_string());
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        for (column, caller) in callers.iter().enumerate() {
            let client = caller.1.map_or(&app.client, |session| &session.client);
            let request = client
                .request(method.clone(), app.url(&path))
                .json(&json!({}));
            let status = request.sent().await.status();
            check(status, expected[column], &method, &path, caller.0);
        }
        let with_token = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(&token)
            .json(&json!({}))
            .sent()
            .await
            .status();
        check(with_token, expected[7], &method, &path, "API token A");
    }
    app.stop().await;
}

fn check(status: StatusCode, expected: Outcome, method: &Method, path: &str, caller: &str) {
    let outcome = match status {
        StatusCode::UNAUTHORIZED => Login,
        StatusCode::FORBIDDEN => Deny,
        _ => Pass,
    };
    assert_eq!(
        outcome, expected,
        "{method} {path} as {caller} answered {status}"
    );
}
