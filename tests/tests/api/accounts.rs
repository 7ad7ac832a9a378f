//! Logins, sessions, invitations, roles, API tokens, request hygiene and the audit log.

use peerposture_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Fetch, TestApp, USER_PASSWORD};
use reqwest::StatusCode;
use reqwest::header::{RETRY_AFTER, SET_COOKIE};
use serde_json::{Value, json};
use shared::account::{ApiTokenInfo, AuditEntry, Role, User};
use shared::{ErrorBody, ErrorCode};

async fn error_of(response: reqwest::Response) -> ErrorBody {
    response.json().await.expect("a JSON error body")
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = TestApp::spawn().await;
    for (email, password) in [
        (ADMIN_EMAIL, "wrong-password-1"),
        ("nobody@test.local", "whatever-123"),
    ] {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": password }))
            .sent()
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(response.headers().get(SET_COOKIE).is_none());
        let body = error_of(response).await;
        assert_eq!(body.error.code, ErrorCode::InvalidCredentials);
        assert_eq!(body.error.message, "wrong email or password");
    }
    app.stop().await;
}

#[tokio::test]
async fn login_sets_a_strict_http_only_cookie_and_me_returns_the_user() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "Admin@Test.Local", "password": ADMIN_PASSWORD }))
        .sent()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("pp_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain-http localhost gets no Secure flag: {cookie}"
    );

    let session = TestApp::session_from(response).await;
    let me: User = session.client.get(app.url("/api/v1/auth/me")).fetch().await;
    assert_eq!(me.email, ADMIN_EMAIL);
    assert_eq!(me.role, Role::Admin);

    let anonymous = app.client.get(app.url("/api/v1/auth/me")).sent().await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        error_of(anonymous).await.error.code,
        ErrorCode::Unauthorized
    );
    app.stop().await;
}

#[tokio::test]
async fn login_rotates_the_session_and_logout_ends_it() {
    let app = TestApp::spawn().await;
    let first = app.admin().await;
    // Logging in again while sending the old cookie replaces that session.
    let response = first
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
        .sent()
        .await;
    let second = TestApp::session_from(response).await;
    assert_ne!(first.cookie, second.cookie);
    let old = first.client.get(app.url("/api/v1/auth/me")).sent().await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);

    let logout = second
        .client
        .post(app.url("/api/v1/auth/logout"))
        .sent()
        .await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    assert!(
        logout.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    let after = second.client.get(app.url("/api/v1/auth/me")).sent().await;
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn repeated_failures_lock_the_account_with_retry_after() {
    let app = TestApp::spawn().await;
    let attempt = |password: &'static str| {
        app.client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": ADMIN_EMAIL, "password": password }))
            .sent()
    };
    for _ in 0..5 {
        assert_eq!(
            attempt("wrong-password-1").await.status(),
            StatusCode::UNAUTHORIZED
        );
    }
    // Even the right password is refused while the account is locked.
    let locked = attempt(ADMIN_PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: i64 = locked.headers()[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry_after), "{retry_after}");
    assert_eq!(error_of(locked).await.error.code, ErrorCode::RateLimited);
    app.stop().await;
}

#[tokio::test]
async fn a_stranger_cannot_lock_the_owner_out_of_a_browser_they_logged_in_from() {
    let app = TestApp::spawn().await;
    let attempt = |password: &'static str, device: Option<&str>| {
        let mut request = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": ADMIN_EMAIL, "password": password }));
        if let Some(device) = device {
            request = request.header("cookie", device.to_owned());
        }
        request.sent()
    };
    // The owner's browser logs in once and is remembered, for the login route only.
    let first = attempt(ADMIN_PASSWORD, None).await;
    assert_eq!(first.status(), StatusCode::OK);
    let set_device = first
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|cookie| cookie.starts_with("pp_device="))
        .expect("a device cookie");
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/api/v1/auth/login"] {
        assert!(set_device.contains(attribute), "{set_device}");
    }
    let device = set_device.split(';').next().unwrap().to_owned();

    // A stranger's five wrong passwords lock the account for every other browser.
    for _ in 0..5 {
        let status = attempt("wrong-password-1", None).await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let stranger = attempt(ADMIN_PASSWORD, None).await.status();
    assert_eq!(stranger, StatusCode::TOO_MANY_REQUESTS);
    let forged = attempt(ADMIN_PASSWORD, Some("pp_device=made-up")).await;
    assert_eq!(forged.status(), StatusCode::TOO_MANY_REQUESTS);

    // The owner's browser still gets in, and is not issued another device cookie.
    let owner = attempt(ADMIN_PASSWORD, Some(&device)).await;
    assert_eq!(owner.status(), StatusCode::OK);
    let cookies: Vec<_> = owner.headers().get_all(SET_COOKIE).iter().collect();
    assert!(
        cookies
            .iter()
            .all(|c| !c.to_str().unwrap().starts_with("pp_device="))
    );

    // Wrong passwords from the owner's browser count against that browser.
    for _ in 0..5 {
        let status = attempt("wrong-password-2", Some(&device)).await.status();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let locked = attempt(ADMIN_PASSWORD, Some(&device)).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

#[tokio::test]
async fn repeated_failures_from_one_address_are_limited_across_accounts() {
    let app = TestApp::spawn().await;
    for n in 0..20 {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": format!("guess{n}@test.local"), "password": "guess-password" }))
            .sent()
            .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "another@test.local", "password": "guess-password" }))
        .sent()
        .await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

/// A failed login from `forwarded_for` (sent as `X-Forwarded-For`); returns the status.
async fn guess(app: &TestApp, n: usize, forwarded_for: &str) -> StatusCode {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "email": format!("guess{n}@test.local"), "password": "guess-password" }))
        .sent()
        .await
        .status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_addresses_come_from_x_forwarded_for_and_ipv6_counts_per_64() {
    // The proxy (this test's loopback client) appends the client's address to what it got.
    let app = TestApp::spawn_configured(|config| {
        config.trusted_proxies = vec!["127.0.0.1".to_owned(), "::1".to_owned()]
            .try_into()
            .unwrap();
    })
    .await;
    for n in 0..20 {
        let forwarded = format!("198.51.100.{n}, 203.0.113.7");
        assert_eq!(guess(&app, n, &forwarded).await, StatusCode::UNAUTHORIZED);
    }
    // 203.0.113.7 reached its limit, whatever it claims to forward for.
    assert_eq!(
        guess(&app, 20, "192.0.2.1, 203.0.113.7").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another client behind the same proxy is not held back by it.
    assert_eq!(
        guess(&app, 21, "203.0.113.8").await,
        StatusCode::UNAUTHORIZED
    );
    // One IPv6 subscriber's /64 is one address: changing the low bits does not reset the limit.
    for n in 0..20 {
        let forwarded = format!("2001:db8:1:2::{:x}", n + 1);
        assert_eq!(
            guess(&app, 100 + n, &forwarded).await,
            StatusCode::UNAUTHORIZED
        );
    }
    assert_eq!(
        guess(&app, 200, "2001:db8:1:2:ffff::1").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        guess(&app, 201, "2001:db8:1:3::1").await,
        StatusCode::UNAUTHORIZED
    );
    app.stop().await;
}

#[tokio::test]
async fn without_a_trusted_proxy_x_forwarded_for_is_ignored() {
    let app = TestApp::spawn().await;
    for n in 0..20 {
        let spoofed = format!("198.51.100.{n}");
        assert_eq!(guess(&app, n, &spoofed).await, StatusCode::UNAUTHORIZED);
    }
    // A new address in the header does not make a new client: the TCP peer is at its limit.
    assert_eq!(
        guess(&app, 20, "203.0.113.99").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    app.stop().await;
}

#[tokio::test]
async fn changing_the_password_ends_every_other_session() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let other_device = app.admin().await;
    let response = admin
        .client
        .put(app.url("/api/v1/auth/password"))
        .json(
            &json!({ "current_password": ADMIN_PASSWORD, "new_password": "a-brand-new-password" }),
        )
        .sent()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let renewed = TestApp::session_from(response).await;
    for (session, expected) in [(&admin, 401), (&other_device, 401), (&renewed, 200)] {
        let me = session.client.get(app.url("/api/v1/auth/me")).sent().await;
        assert_eq!(me.status().as_u16(), expected);
    }
    app.login(ADMIN_EMAIL, "a-brand-new-password").await;

    let wrong = renewed
        .client
        .put(app.url("/api/v1/auth/password"))
        .json(
            &json!({ "current_password": "not-it-at-all", "new_password": "another-new-password" }),
        )
        .sent()
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_of(wrong)
            .await
            .error
            .fields
            .unwrap()
            .contains_key("current_password")
    );
    app.stop().await;
}

#[tokio::test]
async fn an_invitation_link_works_exactly_once() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Org A", true).await;
    let created: Value = admin
        .client
        .post(app.url("/api/v1/invitations"))
        .json(&json!({ "email": "exec@a.example", "role": "member_viewer", "org_id": org.id }))
        .fetch()
        .await;
    let token = created["token"].as_str().unwrap();
    assert_eq!(created["url"], format!("/invite/{token}"));

    let info: Value = app
        .client
        .get(app.url(&format!("/api/v1/invitations/{token}")))
        .fetch()
        .await;
    assert_eq!(info["email"], "exec@a.example");
    assert_eq!(info["org"]["name"], "Org A");

    let accept = |password: &'static str| {
        app.client
            .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
            .json(&json!({ "name": "Exec A", "password": password }))
            .sent()
    };
    let short = accept("short").await;
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        error_of(short)
            .await
            .error
            .fields
            .unwrap()
            .contains_key("password")
    );

    let accepted = accept(USER_PASSWORD).await;
    assert_eq!(accepted.status(), StatusCode::OK);
    let session = TestApp::session_from(accepted).await;
    assert_eq!(session.user.role, Role::MemberViewer);
    assert_eq!(session.user.org.as_ref().unwrap().name, "Org A");

    assert_eq!(accept(USER_PASSWORD).await.status(), StatusCode::NOT_FOUND);
    app.login("exec@a.example", USER_PASSWORD).await;
    app.stop().await;
}

#[tokio::test]
async fn member_admins_invite_only_members_of_their_own_organisation() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org_a = app.create_org(&admin, "Org A", true).await;
    let org_b = app.create_org(&admin, "Org B", true).await;
    let manager = app
        .invite(
            &admin,
            "manager@a.example",
            Role::MemberAdmin,
            Some(org_a.id),
        )
        .await;

    let invite = |role: &str, org_id: i64| {
        manager
            .client
            .post(app.url("/api/v1/invitations"))
            .json(&json!({ "email": "new@a.example", "role": role, "org_id": org_id }))
            .sent()
    };
    assert_eq!(
        invite("member_viewer", org_b.id).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        invite("admin", org_a.id).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        invite("member_viewer", org_a.id).await.status(),
        StatusCode::CREATED
    );

    let existing = admin
        .client
        .post(app.url("/api/v1/invitations"))
        .json(&json!({ "email": "MANAGER@a.example", "role": "member_viewer", "org_id": org_a.id }))
        .sent()
        .await;
    assert_eq!(existing.status(), StatusCode::CONFLICT);
    let publisher_with_org = admin
        .client
        .post(app.url("/api/v1/invitations"))
        .json(&json!({ "email": "pub@x.example", "role": "publisher", "org_id": org_a.id }))
        .sent()
        .await;
    assert_eq!(
        publisher_with_org.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app.stop().await;
}

#[tokio::test]
async fn organisations_are_validated_unique_and_verified_by_admins() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Org A", false).await;
    assert!(!org.verified);

    let duplicate = admin
        .client
        .post(app.url("/api/v1/orgs"))
        .json(
            &json!({ "name": "org a", "seat_band": "lt250", "region": "europe",
                       "verticals": ["travel"], "delivery": "onshore", "wfh_band": "0" }),
        )
        .sent()
        .await;
    assert_eq!(duplicate.status(), StatusCode::CONFLICT);

    for body in [
        json!({ "name": "X", "seat_band": "lt250", "region": "europe", "verticals": ["travel"], "delivery": "onshore", "wfh_band": "0" }),
        json!({ "name": "Org C", "seat_band": "huge", "region": "europe", "verticals": ["travel"], "delivery": "onshore", "wfh_band": "0" }),
        json!({ "name": "Org C", "seat_band": "lt250", "region": "europe", "verticals": [], "delivery": "onshore", "wfh_band": "0" }),
        json!({ "name": "Org C", "seat_band": "lt250", "region": "europe", "verticals": ["travel"], "delivery": "onshore", "wfh_band": "0", "verified": true }),
    ] {
        let response = admin
            .client
            .post(app.url("/api/v1/orgs"))
            .json(&body)
            .sent()
            .await;
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        assert_eq!(
            error_of(response).await.error.code,
            ErrorCode::ValidationFailed
        );
    }

    // Verifying takes two people: the admin who proposes cannot confirm alone.
    let proposed: Value = admin
        .client
        .post(app.url(&format!("/api/v1/orgs/{}/verify", org.id)))
        .fetch()
        .await;
    assert_eq!(proposed["verified"], false);
    assert_eq!(proposed["proposed_by"], admin.user.id);
    let again = admin
        .client
        .post(app.url(&format!("/api/v1/orgs/{}/verify", org.id)))
        .sent()
        .await;
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let confirmed: Value = app
        .confirmer()
        .await
        .client
        .post(app.url(&format!("/api/v1/orgs/{}/verify", org.id)))
        .fetch()
        .await;
    assert_eq!(confirmed["verified"], true);
    let missing = admin
        .client
        .post(app.url("/api/v1/orgs/999/verify"))
        .sent()
        .await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let not_a_number = admin
        .client
        .post(app.url("/api/v1/orgs/abc/verify"))
        .sent()
        .await;
    assert_eq!(not_a_number.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        error_of(not_a_number).await.error.code,
        ErrorCode::BadRequest
    );
    app.stop().await;
}

#[tokio::test]
async fn admins_change_roles_but_not_their_own() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Org A", true).await;
    let viewer = app
        .invite(&admin, "viewer@a.example", Role::MemberViewer, Some(org.id))
        .await;
    let response = admin
        .client
        .put(app.url(&format!("/api/v1/users/{}/role", viewer.user.id)))
        .json(&json!({ "role": "member_admin" }))
        .sent()
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let me: User = viewer.client.get(app.url("/api/v1/auth/me")).fetch().await;
    assert_eq!(me.role, Role::MemberAdmin);

    let own = admin
        .client
        .put(app.url(&format!("/api/v1/users/{}/role", admin.user.id)))
        .json(&json!({ "role": "publisher" }))
        .sent()
        .await;
    assert_eq!(own.status(), StatusCode::CONFLICT);
    app.stop().await;
}

#[tokio::test]
async fn cross_site_state_changes_are_refused() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let forged = [
        ("origin", "http://evil.example".to_owned()),
        ("sec-fetch-site", "cross-site".to_owned()),
    ];
    for (name, value) in forged {
        let response = admin
            .client
            .post(app.url("/api/v1/auth/logout"))
            .header(name, value)
            .sent()
            .await;
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{name}");
        assert_eq!(
            error_of(response).await.error.code,
            ErrorCode::CrossSiteRequest
        );
    }
    // The same request from the app's own origin goes through.
    let response = admin
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("origin", format!("http://{}", app.address))
        .header("sec-fetch-site", "same-origin")
        .sent()
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    app.stop().await;
}

#[tokio::test]
async fn oversized_and_malformed_bodies_get_json_errors() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let huge = format!("{{\"name\":\"{}\"}}", "x".repeat(100 * 1024));
    let too_large = admin
        .client
        .post(app.url("/api/v1/tokens"))
        .header("content-type", "application/json")
        .body(huge)
        .sent()
        .await;
    // Admins may not create tokens: authorization is decided before the body is read.
    assert_eq!(too_large.status(), StatusCode::FORBIDDEN);

    let huge = format!(
        "{{\"email\":\"{}\",\"password\":\"x\"}}",
        "x".repeat(100 * 1024)
    );
    let too_large = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body(huge)
        .sent()
        .await;
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(
        error_of(too_large).await.error.code,
        ErrorCode::PayloadTooLarge
    );

    let syntax = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{\"email\":")
        .sent()
        .await;
    assert_eq!(syntax.status(), StatusCode::BAD_REQUEST);
    let no_type = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .body("{}")
        .sent()
        .await;
    assert_eq!(no_type.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    app.stop().await;
}

#[tokio::test]
async fn api_tokens_are_shown_once_listed_without_secret_and_revocable() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Org A", true).await;
    let manager = app
        .invite(&admin, "manager@a.example", Role::MemberAdmin, Some(org.id))
        .await;
    let created: Value = manager
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "GRC export" }))
        .fetch()
        .await;
    let token = created["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("ppt_") && token.len() > 40);

    let listed = manager
        .client
        .get(app.url("/api/v1/tokens"))
        .sent()
        .await
        .text()
        .await
        .unwrap();
    assert!(listed.contains("GRC export") && !listed.contains(&token));

    let period = backend::http::current_period();
    let put = |token: String| {
        app.client
            .put(app.url(&format!("/api/v1/submissions/{period}")))
            .bearer_auth(token)
            .json(&json!({ "values": { "mfa_coverage": 90 } }))
            .sent()
    };
    assert_eq!(put(token.clone()).await.status(), StatusCode::OK);
    let id = created["id"].as_i64().unwrap();
    let revoke = manager
        .client
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .sent()
        .await;
    assert_eq!(revoke.status(), StatusCode::NO_CONTENT);
    assert_eq!(put(token).await.status(), StatusCode::UNAUTHORIZED);
    let again = manager
        .client
        .delete(app.url(&format!("/api/v1/tokens/{id}")))
        .sent()
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn api_tokens_have_scopes_an_expiry_and_end_with_their_creators_rights() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Org A", true).await;
    let manager = app
        .invite(&admin, "manager@a.example", Role::MemberAdmin, Some(org.id))
        .await;
    let create = |body: Value| {
        manager
            .client
            .post(app.url("/api/v1/tokens"))
            .json(&body)
            .sent()
    };
    for (body, field) in [
        (json!({ "name": "x", "scopes": [] }), "scopes"),
        (
            json!({ "name": "x", "expires_in_days": 0 }),
            "expires_in_days",
        ),
        (
            json!({ "name": "x", "expires_in_days": 366 }),
            "expires_in_days",
        ),
    ] {
        let refused = create(body.clone()).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let fields = error_of(refused).await.error.fields.unwrap();
        assert!(fields.contains_key(field), "{body}: {fields:?}");
    }
    let unknown = create(json!({ "name": "x", "scopes": ["admin"] })).await;
    assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let reader: Value = create(json!({ "name": "BI read", "scopes": ["read"] }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reader["scopes"], json!(["read"]));
    let submitter: Value =
        create(json!({ "name": "GRC", "scopes": ["submit"], "expires_in_days": 30 }))
            .await
            .json()
            .await
            .unwrap();
    let url = app.url(&format!(
        "/api/v1/submissions/{}",
        backend::http::current_period()
    ));
    let put = |token: &Value| {
        app.client
            .put(&url)
            .bearer_auth(token["token"].as_str().unwrap())
            .json(&json!({ "values": { "mfa_coverage": 90 } }))
            .sent()
    };
    let read = |token: &Value| {
        app.client
            .get(&url)
            .bearer_auth(token["token"].as_str().unwrap())
            .sent()
    };
    assert_eq!(put(&reader).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(read(&reader).await.status(), StatusCode::OK);
    assert_eq!(put(&submitter).await.status(), StatusCode::OK);
    assert_eq!(read(&submitter).await.status(), StatusCode::FORBIDDEN);

    // Expired: refused, and listed as no longer active.
    let pool = app.database().await;
    sqlx::query("UPDATE api_tokens SET expires_at = expires_at - 31 * 86400 WHERE id = $1")
        .bind(submitter["id"].as_i64().unwrap())
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(put(&submitter).await.status(), StatusCode::UNAUTHORIZED);
    let listed: Vec<ApiTokenInfo> = manager.client.get(app.url("/api/v1/tokens")).fetch().await;
    let active: Vec<(&str, bool)> = listed.iter().map(|t| (t.name.as_str(), t.active)).collect();
    assert_eq!(active, [("GRC", false), ("BI read", true)]);

    // The creator is demoted: their tokens end with their rights.
    let demoted = admin
        .client
        .put(app.url(&format!("/api/v1/users/{}/role", manager.user.id)))
        .json(&json!({ "role": "member_viewer" }))
        .sent()
        .await;
    assert_eq!(demoted.status(), StatusCode::OK);
    assert_eq!(read(&reader).await.status(), StatusCode::UNAUTHORIZED);
    // For good: promoted again, the creator's old tokens stay revoked.
    let promoted = admin
        .client
        .put(app.url(&format!("/api/v1/users/{}/role", manager.user.id)))
        .json(&json!({ "role": "member_admin" }))
        .sent()
        .await;
    assert_eq!(promoted.status(), StatusCode::OK);
    assert_eq!(read(&reader).await.status(), StatusCode::UNAUTHORIZED);
    let listed: Vec<ApiTokenInfo> = manager.client.get(app.url("/api/v1/tokens")).fetch().await;
    assert!(
        listed.iter().all(|t| t.revoked_at.is_some() && !t.active),
        "{listed:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn accepting_an_invitation_checks_the_link_first_and_guessing_is_throttled() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let guess = |token: String, password: &'static str| {
        app.client
            .post(app.url(&format!("/api/v1/invitations/{token}/accept")))
            .json(&json!({ "name": "Guesser", "password": password }))
            .sent()
    };
    // The link is judged before anything else: an unknown one is 404 even when the password
    // would be refused, so no password is ever hashed for it.
    let unknown = guess("a".repeat(43), "short").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    // 30 guesses at once from one address: 9 more are looked up, the rest refused unheard.
    let mut guesses = tokio::task::JoinSet::new();
    for n in 0..30 {
        let request = app
            .client
            .post(app.url(&format!("/api/v1/invitations/{n:0>43}/accept")))
            .json(&json!({ "name": "Guesser", "password": "long-enough-password" }));
        guesses.spawn(async move { request.sent().await.status() });
    }
    let statuses: Vec<StatusCode> = guesses.join_all().await;
    let looked_up = statuses
        .iter()
        .filter(|s| **s == StatusCode::NOT_FOUND)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((looked_up, refused), (9, 21), "{statuses:?}");

    // A real link from that address waits too; its holder elsewhere is not affected.
    let invited: Value = admin
        .client
        .post(app.url("/api/v1/invitations"))
        .json(&json!({ "email": "pub@example.org", "role": "publisher" }))
        .fetch()
        .await;
    let token = invited["token"].as_str().unwrap().to_owned();
    let blocked = guess(token, "long-enough-password").await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.headers().contains_key("retry-after"));
    app.stop().await;
}

#[tokio::test]
async fn an_action_is_stored_with_its_audit_entry_or_not_at_all() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Org A", true).await;
    let manager = app
        .invite(&admin, "manager@a.example", Role::MemberAdmin, Some(org.id))
        .await;
    let url = app.url(&format!(
        "/api/v1/submissions/{}",
        backend::http::current_period()
    ));
    let save = || {
        manager
            .client
            .put(&url)
            .json(&json!({ "values": { "mfa_coverage": 93 } }))
            .sent()
    };
    // The audit log cannot be written: PostgreSQL's is locked by another session past the
    // server's lock timeout; SQLite's refuses inserts.
    let pool = app.database().await;
    let mut other = pool.acquire().await.unwrap();
    if app.on_postgres() {
        sqlx::query("BEGIN").execute(&mut *other).await.unwrap();
        sqlx::query("LOCK TABLE audit_log IN EXCLUSIVE MODE")
            .execute(&mut *other)
            .await
            .unwrap();
    } else {
        sqlx::query(
            "CREATE TRIGGER audit_unavailable BEFORE INSERT ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'the audit log is unavailable'); END",
        )
        .execute(&mut *other)
        .await
        .unwrap();
    }
    let refused = save().await;
    assert!(refused.status().is_server_error(), "{}", refused.status());
    let token = manager
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "unaudited" }))
        .sent()
        .await;
    assert!(token.status().is_server_error(), "{}", token.status());
    if app.on_postgres() {
        sqlx::query("ROLLBACK").execute(&mut *other).await.unwrap();
    } else {
        sqlx::query("DROP TRIGGER audit_unavailable")
            .execute(&mut *other)
            .await
            .unwrap();
    }
    // Neither happened.
    let read: Value = manager.client.get(&url).fetch().await;
    assert_eq!(
        read["revision"], 0,
        "a save without its audit entry was kept"
    );
    let tokens: Vec<ApiTokenInfo> = manager.client.get(app.url("/api/v1/tokens")).fetch().await;
    assert!(
        tokens.is_empty(),
        "a token without its audit entry was kept"
    );

    // Once the log can be written, both are stored together.
    assert_eq!(save().await.status(), StatusCode::OK);
    let log: Vec<AuditEntry> = admin.client.get(app.url("/api/v1/audit")).fetch().await;
    assert_eq!(
        log.iter()
            .filter(|e| e.action == "submission_saved")
            .count(),
        1
    );
    app.stop().await;
}

#[tokio::test]
async fn a_failed_login_is_audited_with_a_bounded_copy_of_what_was_sent() {
    let app = TestApp::spawn().await;
    let sent = format!("{}@example.org\u{7}\n", "x".repeat(60_000));
    let failed = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": sent, "password": "wrong-password" }))
        .sent()
        .await;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    let admin = app.admin().await;
    let log: Vec<AuditEntry> = admin.client.get(app.url("/api/v1/audit")).fetch().await;
    let entry = log.iter().find(|e| e.action == "login_failed").unwrap();
    assert_eq!(entry.target.chars().count(), 200, "{}", entry.target.len());
    assert!(entry.target.ends_with('…') && !entry.target.contains('\n'));
    app.stop().await;
}

#[tokio::test]
async fn the_audit_log_records_who_did_what() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    let org = app.create_org(&admin, "Org A", true).await;
    let manager = app
        .invite(&admin, "manager@a.example", Role::MemberAdmin, Some(org.id))
        .await;
    let period = backend::http::current_period();
    manager
        .client
        .put(app.url(&format!("/api/v1/submissions/{period}")))
        .json(&json!({ "values": { "mfa_coverage": 97.5 } }))
        .sent()
        .await;
    manager
        .client
        .post(app.url("/api/v1/tokens"))
        .json(&json!({ "name": "t" }))
        .sent()
        .await;
    app.client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({ "email": "manager@a.example", "password": "wrong-password!" }))
        .sent()
        .await;
    admin
        .client
        .put(app.url(&format!("/api/v1/users/{}/role", manager.user.id)))
        .json(&json!({ "role": "member_viewer" }))
        .sent()
        .await;

    let log: Vec<AuditEntry> = admin.client.get(app.url("/api/v1/audit")).fetch().await;
    let actions: Vec<(&str, &str, &str)> = log
        .iter()
        .rev()
        .map(|e| (e.actor.as_str(), e.action.as_str(), e.target.as_str()))
        .collect();
    for expected in [
        (ADMIN_EMAIL, "login", ADMIN_EMAIL),
        (
            ADMIN_EMAIL,
            "organisation_created",
            "organisation #1 (Org A)",
        ),
        (
            ADMIN_EMAIL,
            "organisation_verification_proposed",
            "organisation #1 (Org A)",
        ),
        (
            "confirmer@test.local",
            "organisation_verified",
            "organisation #1 (Org A)",
        ),
        (ADMIN_EMAIL, "invitation_created", "manager@a.example"),
        (
            "manager@a.example",
            "invitation_accepted",
            "manager@a.example",
        ),
        (
            "manager@a.example",
            "submission_saved",
            &format!("organisation #1, {period}"),
        ),
        ("manager@a.example", "token_created", "API token #1 (t)"),
        ("anonymous", "login_failed", "manager@a.example"),
        (ADMIN_EMAIL, "role_changed", "manager@a.example"),
    ] {
        assert!(
            actions.contains(&expected),
            "missing {expected:?} in {actions:#?}"
        );
    }
    // The log says that values were saved, never what they were.
    assert!(!serde_json::to_string(&log).unwrap().contains("97.5"));

    let forbidden = manager.client.get(app.url("/api/v1/audit")).sent().await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    app.stop().await;
}
