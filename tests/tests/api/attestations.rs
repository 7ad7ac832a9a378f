//! Client assurance: signed attestations, share links, revocation, key rotation and the
//! transparency log, checked with this project's verifier and with one no one here wrote (the
//! npm `jose` package, run by node).

use attest::log::{verify_consistency, verify_inclusion};
use attest::{Jwks, Problem, verify_attestation, verify_tree_head};
use peerposture_tests::{Fetch, Session, TestApp, TestClock, node, tampered};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use shared::Period;
use shared::account::Organisation;
use shared::attestation::{
    AttestationInfo, AttestationIssued, AttestationStatus, ConsistencyProof, InclusionProof,
    SharedAttestation, SignedTreeHead,
};
use shared::benchmark::Position;
use shared::format::hex;
use shared::submission::Submission;

const PASSWORD: &str = backend::demo::DEMO_PASSWORD;

fn released() -> Period {
    backend::http::current_period().previous()
}

/// The served key set, which any web page may read.
async fn jwks(app: &TestApp) -> Jwks {
    let response = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    response.json().await.unwrap()
}

async fn issue(app: &TestApp, session: &Session, body: Value) -> reqwest::Response {
    session
        .client
        .post(app.url("/api/v1/attestations"))
        .json(&body)
        .sent()
        .await
}

async fn issued(app: &TestApp, session: &Session, body: Value) -> AttestationIssued {
    let response = issue(app, session, body).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, 201, "{text}");
    serde_json::from_str(&text).unwrap()
}

fn now() -> i64 {
    backend::auth::now_unix()
}

#[tokio::test]
async fn only_member_admins_issue_and_only_for_their_own_organisation_and_released_quarters() {
    let app = TestApp::spawn_demo().await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let other = app.login("member-admin-2@demo.local", PASSWORD).await;
    let period = released();
    let body = json!({
        "period": period, "cohort": "all", "disclosure": "values", "audience": "Acme Bank",
    });

    // Who may not: anonymous, a member viewer, a publisher, the platform admin.
    let anonymous = app
        .client
        .post(app.url("/api/v1/attestations"))
        .json(&body)
        .sent()
        .await;
    assert_eq!(anonymous.status(), 401);
    for email in [
        "member-viewer@demo.local",
        "publisher@demo.local",
        "admin@demo.local",
    ] {
        let session = app.login(email, PASSWORD).await;
        assert_eq!(
            issue(&app, &session, body.clone()).await.status(),
            403,
            "{email}"
        );
    }

    // What may not be attested: an open quarter, a peer group the organisation is not in,
    // no client, too long a term, an unknown metric.
    let org_id = member.user.org.clone().unwrap().id;
    let orgs: Vec<Organisation> = app
        .login("admin@demo.local", PASSWORD)
        .await
        .client
        .get(app.url("/api/v1/orgs"))
        .fetch()
        .await;
    let org = orgs.into_iter().find(|o| o.id == org_id).unwrap();
    let foreign_region = ["region:north-america", "region:latam", "region:europe"]
        .into_iter()
        .find(|key| *key != format!("region:{}", org.region.key()))
        .unwrap();
    for (change, field) in [
        (
            json!({ "period": backend::http::current_period() }),
            "period",
        ),
        (json!({ "cohort": foreign_region }), "cohort"),
        (json!({ "audience": "  " }), "audience"),
        (json!({ "audience": "a\u{7}b" }), "audience"),
        (json!({ "expires_in_days": 181 }), "expires_in_days"),
        (json!({ "expires_in_days": 0 }), "expires_in_days"),
        (json!({ "metrics": ["no_such_metric"] }), "metrics"),
        (json!({ "metrics": [] }), "metrics"),
    ] {
        let mut wrong = body.clone();
        wrong
            .as_object_mut()
            .unwrap()
            .extend(change.as_object().unwrap().clone());
        let response = issue(&app, &member, wrong).await;
        assert_eq!(response.status(), 422, "{change}");
        let error: Value = response.json().await.unwrap();
        assert!(
            error["error"]["fields"][field].is_string(),
            "{change}: {error}"
        );
    }

    // Issued: signed by this deployment for the organisation and the client.
    let issued = issued(&app, &member, body.clone()).await;
    let keys = jwks(&app).await;
    let checked = verify_attestation(&issued.jws, &keys, now());
    assert!(checked.is_valid(), "{checked:?}");
    let claims = checked.claims.unwrap();
    assert_eq!(claims.sub, org.name);
    assert_eq!(claims.aud, "Acme Bank");
    assert_eq!(claims.iss, format!("http://{}", app.address));
    assert_eq!(claims.period, period);
    assert_eq!(claims.exp - claims.iat, 90 * 86_400);
    assert_eq!(claims.policy.version, "v3");
    assert_eq!(claims.jti, issued.attestation.jti);

    // Nothing in it beyond the member's own values and published statistics: every peer
    // figure is the published cell's, every value the member's own, every band the one the
    // position endpoint gives, and the digest is that of the published benchmark.
    let benchmark_bytes = app
        .client
        .get(app.url(&format!("/api/v1/benchmarks/{period}?cohort=all")))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        claims.benchmark_digest,
        format!("sha256:{}", hex(&Sha256::digest(&benchmark_bytes)))
    );
    let benchmark: Value = serde_json::from_slice(&benchmark_bytes).unwrap();
    let own: Submission = member
        .client
        .get(app.url(&format!("/api/v1/submissions/{period}")))
        .fetch()
        .await;
    let position: Position = member
        .client
        .get(app.url(&format!("/api/v1/benchmarks/{period}/position?cohort=all")))
        .fetch()
        .await;
    assert!(!claims.metrics.is_empty());
    for metric in &claims.metrics {
        let cell = benchmark["cells"]
            .as_array()
            .unwrap()
            .iter()
            .find(|cell| cell["metric"] == metric.metric.as_str())
            .unwrap();
        for (name, figure) in [
            ("p10", metric.p10),
            ("p25", metric.p25),
            ("p50", metric.p50),
            ("p75", metric.p75),
            ("p90", metric.p90),
        ] {
            assert_eq!(cell[name].as_f64(), figure, "{} {name}", metric.metric);
        }
        assert_eq!(cell["suppressed"].as_bool(), Some(metric.suppressed));
        assert_eq!(metric.value, own.values.get(&metric.metric).copied());
        let placed = position
            .metrics
            .iter()
            .find(|p| p.metric == metric.metric)
            .unwrap();
        assert_eq!(metric.band, placed.band, "{}", metric.metric);
    }

    // Bands only: no value at all.
    let bands = issued_claims(
        &app,
        &member,
        json!({ "period": period, "cohort": format!("size:{}", org.seat_band.key()),
                "disclosure": "bands", "audience": "Globex Insurance",
                "metrics": ["mfa_coverage", "phish_prone"] }),
    )
    .await;
    assert_eq!(bands.metrics.len(), 2);
    assert!(bands.metrics.iter().all(|m| m.value.is_none()));

    // Only the issuing organisation's admins see, download and revoke it.
    let id = issued.attestation.id;
    let mine: Vec<AttestationInfo> = member
        .client
        .get(app.url("/api/v1/attestations"))
        .fetch()
        .await;
    assert_eq!(mine.len(), 2);
    let theirs: Vec<AttestationInfo> = other
        .client
        .get(app.url("/api/v1/attestations"))
        .fetch()
        .await;
    assert!(theirs.is_empty());
    for (method, path) in [
        ("GET", format!("/api/v1/attestations/{id}/jws")),
        ("DELETE", format!("/api/v1/attestations/{id}")),
    ] {
        let response = other
            .client
            .request(method.parse().unwrap(), app.url(&path))
            .sent()
            .await;
        assert_eq!(response.status(), 404, "{method} {path}");
        let anonymous = app
            .client
            .request(method.parse().unwrap(), app.url(&path))
            .sent()
            .await;
        assert_eq!(anonymous.status(), 401, "{method} {path}");
    }
    let download = member
        .client
        .get(app.url(&format!("/api/v1/attestations/{id}/jws")))
        .sent()
        .await;
    assert_eq!(download.status(), 200);
    assert!(
        download.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".jws")
    );
    assert_eq!(download.text().await.unwrap(), issued.jws);

    // The capability link works without logging in, and counts its openings; a guessed or
    // malformed link does not.
    for _ in 0..2 {
        let shared: SharedAttestation = app
            .client
            .get(app.url(&format!("/api/v1/shared/{}", link_token(&issued))))
            .fetch()
            .await;
        assert_eq!(shared.jws, Some(issued.jws.clone()));
        assert!(!shared.status.revoked);
    }
    // Its status carries the benchmark as served now, for the client to compare: the same
    // digest, and the same peer figures for each metric it names (no member value).
    let status: AttestationStatus = app
        .client
        .get(app.url(&format!(
            "/api/v1/attestation-status/{}",
            issued.attestation.jti
        )))
        .fetch()
        .await;
    let served = status.served.unwrap();
    let claims = verify_attestation(&issued.jws, &jwks(&app).await, now())
        .claims
        .unwrap();
    assert_eq!(served.digest, claims.benchmark_digest);
    assert_eq!(served.metrics.len(), claims.metrics.len());
    for (attested, now_served) in claims.metrics.iter().zip(&served.metrics) {
        assert!(
            attested.same_peer_figures(now_served),
            "{attested:?} {now_served:?}"
        );
        assert!(now_served.value.is_none() && now_served.band.is_none());
    }
    for token in [
        backend::auth::random_token(),
        "short".to_owned(),
        "x".repeat(43),
    ] {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/shared/{token}")))
            .sent()
            .await;
        assert_eq!(response.status(), 404, "{token}");
    }
    let listed: Vec<AttestationInfo> = member
        .client
        .get(app.url("/api/v1/attestations"))
        .fetch()
        .await;
    let opened = listed.iter().find(|a| a.id == id).unwrap();
    assert_eq!(opened.open_count, 2);
    assert_eq!(opened.opened_at.len(), 2);
    app.stop().await;
}

fn link_token(issued: &AttestationIssued) -> &str {
    issued.share_path.strip_prefix("/a/").unwrap()
}

async fn issued_claims(
    app: &TestApp,
    session: &Session,
    body: Value,
) -> shared::attestation::AttestationClaims {
    let issued = issued(app, session, body).await;
    verify_attestation(&issued.jws, &jwks(app).await, now())
        .claims
        .unwrap()
}

async fn open_link(app: &TestApp, issued: &AttestationIssued) -> SharedAttestation {
    app.client
        .get(app.url(&format!("/api/v1/shared/{}", link_token(issued))))
        .fetch()
        .await
}

async fn log_inclusion(app: &TestApp, jws: &str) -> InclusionProof {
    app.client
        .get(app.url(&format!(
            "/api/v1/transparency/inclusion/{}",
            hex(&attest::log::leaf(jws))
        )))
        .fetch()
        .await
}

#[tokio::test]
async fn expiry_revocation_tampering_and_a_wrong_key_fail_with_their_reason_and_rotation_keeps_old_ones_valid()
 {
    let clock = TestClock::new();
    let clock_file = clock.path.clone();
    let app =
        TestApp::spawn_demo_configured(move |config| config.clock_file = Some(clock_file)).await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let body = json!({
        "period": released(), "cohort": "all", "disclosure": "bands", "audience": "Acme Bank",
        "expires_in_days": 1,
    });
    let first = issued(&app, &member, body.clone()).await;
    let mut kept_body = body.clone();
    kept_body["readable_after_expiry"] = json!(true);
    let kept = issued(&app, &member, kept_body).await;
    assert!(kept.attestation.readable_after_expiry && !first.attestation.readable_after_expiry);
    let keys = jwks(&app).await;
    assert_eq!(keys.keys.len(), 1);
    assert!(verify_attestation(&first.jws, &keys, now()).is_valid());

    // Expired a day later, still readable.
    let late = verify_attestation(&first.jws, &keys, now() + 86_401);
    assert!(matches!(late.problem, Some(Problem::Expired(_))));
    assert!(late.claims.is_some());

    // Tampered: the client's name changed in the payload.
    let forged = tampered(&first.jws, "Acme Bank", "Evil Corp");
    assert_eq!(
        verify_attestation(&forged, &keys, now()).problem,
        Some(Problem::Tampered)
    );

    // Another deployment's keys: unknown key.
    let elsewhere = TestApp::spawn().await;
    let kid = verify_attestation(&first.jws, &keys, now()).kid.unwrap();
    assert_eq!(
        verify_attestation(&first.jws, &jwks(&elsewhere).await, now()).problem,
        Some(Problem::UnknownKey(kid.clone()))
    );
    elsewhere.stop().await;

    // Revoked: the share link and the status endpoint say so at once, for anyone, and the link
    // no longer opens the attestation itself: its status and dates only.
    let id = first.attestation.id;
    let revoke = member
        .client
        .delete(app.url(&format!("/api/v1/attestations/{id}")))
        .sent()
        .await;
    assert_eq!(revoke.status(), 204);
    let shared = open_link(&app, &first).await;
    assert!(shared.status.revoked && shared.status.revoked_at.is_some());
    assert_eq!(shared.jws, None);
    assert_eq!(shared.status.issued_at, first.attestation.issued_at);
    let status: AttestationStatus = app
        .client
        .get(app.url(&format!(
            "/api/v1/attestation-status/{}",
            first.attestation.jti
        )))
        .fetch()
        .await;
    assert!(status.revoked);
    assert!(status.served.is_none());
    assert_eq!(status.leaf, hex(&attest::log::leaf(&first.jws)));

    // The revocation is signed, names the attestation by id and leaf, and is in the log after
    // it: the withdrawal can be proven, and when.
    let revocation = status.revocation.clone().expect("a signed revocation");
    let withdrawn = attest::verify_revocation(&revocation, &keys).unwrap();
    assert_eq!(withdrawn.jti, first.attestation.jti);
    assert_eq!(withdrawn.leaf, status.leaf);
    assert_eq!(
        Some(shared::period::rfc3339(withdrawn.revoked_at)),
        status.revoked_at
    );
    let proof = log_inclusion(&app, &revocation).await;
    assert_eq!(Some(proof.leaf_index as i64), status.revocation_log_index);
    assert!(proof.leaf_index as i64 > first.attestation.log_index);
    let head = verify_tree_head(&proof.head.jws, &keys).unwrap();
    assert!(verify_inclusion(
        &head,
        &attest::log::leaf(&revocation),
        proof.leaf_index,
        &proof.path
    ));
    // So does the outside verifier (npm `jose` and its own RFC 9162 check).
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("revocation.jws");
    std::fs::write(&file, &revocation).unwrap();
    let (ok, out) = node_verify_kind(&app, &file, "revocation").await;
    assert!(ok, "{out}");
    let outside: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(outside["jti"], first.attestation.jti);
    assert_eq!(outside["inclusion"], true);
    // An attestation is not a revocation there either.
    std::fs::write(&file, &kept.jws).unwrap();
    let (ok, out) = node_verify_kind(&app, &file, "revocation").await;
    assert!(!ok, "{out}");
    let again = member
        .client
        .delete(app.url(&format!("/api/v1/attestations/{id}")))
        .sent()
        .await;
    assert_eq!(again.status(), 404);

    // Rotation: only the platform admin rotates; the old key stays published, so the first
    // attestation still verifies beside one signed with the new key.
    let rotate = member
        .client
        .post(app.url("/api/v1/signing-keys/rotate"))
        .sent()
        .await;
    assert_eq!(rotate.status(), 403);
    let admin = app.login("admin@demo.local", PASSWORD).await;
    let rotate = admin
        .client
        .post(app.url("/api/v1/signing-keys/rotate"))
        .sent()
        .await;
    assert_eq!(rotate.status(), 201);
    let second = issued(&app, &member, body).await;
    let keys = jwks(&app).await;
    assert_eq!(keys.keys.len(), 2);
    let old = verify_attestation(&first.jws, &keys, now());
    let new = verify_attestation(&second.jws, &keys, now());
    assert!(old.is_valid() && new.is_valid());
    assert_ne!(old.kid, new.kid);
    assert_eq!(old.kid.as_deref(), Some(kid.as_str()));

    // A day later both unrevoked ones have expired: the link opens the one its member kept
    // readable, and of the other only its status and dates.
    clock.set(now() + 86_401);
    let expired = open_link(&app, &second).await;
    assert_eq!(expired.jws, None);
    assert!(!expired.status.revoked);
    assert_eq!(open_link(&app, &kept).await.jws, Some(kept.jws.clone()));
    app.stop().await;
}

#[tokio::test]
async fn the_transparency_log_proves_inclusion_and_consistency_and_an_outside_verifier_agrees() {
    let app = TestApp::spawn_demo().await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let head = |app: &TestApp| {
        let request = app.client.get(app.url("/api/v1/transparency/head"));
        async move { request.fetch::<SignedTreeHead>().await }
    };
    let empty = head(&app).await;
    assert_eq!(empty.head.tree_size, 0);
    let mut issued_jws = Vec::new();
    for client in ["Acme Bank", "Globex Insurance", "Initech Retail"] {
        let body = json!({
            "period": released(), "cohort": "all", "disclosure": "values", "audience": client,
        });
        issued_jws.push(issued(&app, &member, body).await.jws);
        if issued_jws.len() == 1 {
            let first = head(&app).await;
            assert_eq!(first.head.tree_size, 1);
        }
    }
    let keys = jwks(&app).await;
    let at_three = head(&app).await;
    assert_eq!(
        verify_tree_head(&at_three.jws, &keys).unwrap(),
        at_three.head
    );
    assert_eq!(at_three.head.tree_size, 3);

    // Eight at once: appends take turns, so the log stays dense and every one is in it.
    let mut burst = Vec::new();
    for n in 0..8 {
        let request = member
            .client
            .post(app.url("/api/v1/attestations"))
            .json(&json!({
                "period": released(), "cohort": "all", "disclosure": "bands",
                "audience": format!("Parallel client {n}"),
            }));
        burst.push(tokio::spawn(async move {
            let response = request.sent().await;
            assert_eq!(response.status(), 201);
            response.json::<AttestationIssued>().await.unwrap()
        }));
    }
    let mut indexes = Vec::new();
    for task in burst {
        let issued = task.await.unwrap();
        indexes.push(issued.attestation.log_index);
        issued_jws.push(issued.jws);
    }
    indexes.sort_unstable();
    assert_eq!(indexes, (3..11).collect::<Vec<i64>>());
    let now_head = head(&app).await;
    assert_eq!(now_head.head.tree_size, 11);
    let grown: ConsistencyProof = app
        .client
        .get(app.url("/api/v1/transparency/consistency?from=3&to=11"))
        .fetch()
        .await;
    assert!(verify_consistency(
        &at_three.head,
        &now_head.head,
        &grown.path
    ));
    for (index, jws) in issued_jws.iter().enumerate() {
        let leaf = attest::log::leaf(jws);
        let proof: InclusionProof = app
            .client
            .get(app.url(&format!("/api/v1/transparency/inclusion/{}", hex(&leaf))))
            .fetch()
            .await;
        if index < 3 {
            assert_eq!(proof.leaf_index, index as u64);
        }
        let signed = verify_tree_head(&proof.head.jws, &keys).unwrap();
        assert!(verify_inclusion(
            &signed,
            &leaf,
            proof.leaf_index,
            &proof.path
        ));
    }
    let proof: ConsistencyProof = app
        .client
        .get(app.url("/api/v1/transparency/consistency?from=1&to=11"))
        .fetch()
        .await;
    let mut at_one = now_head.head.clone();
    at_one.tree_size = 1;
    at_one.root_hash = hex(&Sha256::digest(
        [&[0u8][..], &attest::log::leaf(&issued_jws[0])].concat(),
    ));
    assert!(verify_consistency(&at_one, &now_head.head, &proof.path));
    for query in ["from=0&to=3", "from=3&to=2", "from=1&to=99", "from=x"] {
        let response = app
            .client
            .get(app.url(&format!("/api/v1/transparency/consistency?{query}")))
            .sent()
            .await;
        assert!(matches!(response.status().as_u16(), 400 | 422), "{query}");
    }
    let unknown = app
        .client
        .get(app.url(&format!(
            "/api/v1/transparency/inclusion/{}",
            "ab".repeat(32)
        )))
        .sent()
        .await;
    assert_eq!(unknown.status(), 404);

    // The npm `jose` package verifies the attestation against the served key set, and the
    // script's own RFC 9162 code checks its inclusion proof against the signed head.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("attestation.jws");
    std::fs::write(&file, &issued_jws[1]).unwrap();
    let (ok, out) = node_verify(&app, &file).await;
    assert!(ok, "{out}");
    let result: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(result["aud"], "Globex Insurance");
    assert_eq!(result["inclusion"], true);
    assert_eq!(result["leaf_index"], 1);
    // A tampered copy fails there too.
    let tampered = issued_jws[1].replacen('.', ".e", 1);
    std::fs::write(&file, tampered).unwrap();
    let (ok, out) = node_verify(&app, &file).await;
    assert!(!ok, "{out}");
    app.stop().await;
}

async fn node_verify(app: &TestApp, file: &std::path::Path) -> (bool, String) {
    node_verify_kind(app, file, "attestation").await
}

/// The outside verifier on an attestation or (`kind` "revocation") a signed revocation.
async fn node_verify_kind(app: &TestApp, file: &std::path::Path, kind: &str) -> (bool, String) {
    let base = app.url("");
    let output = node(
        "verify-attestation.mjs",
        &[base.as_ref(), file.as_os_str(), kind.as_ref()],
    )
    .await;
    (
        output.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

/// Whoever writes to the database with plain SQL cannot rewrite or empty the transparency log:
/// besides updates and deletes, SQLite's `INSERT OR REPLACE` and PostgreSQL's `TRUNCATE` (and an
/// upsert on either) are refused, and the leaf stays as it was appended.
#[tokio::test]
async fn the_transparency_log_refuses_replacing_and_emptying_as_well_as_updates_and_deletes() {
    let app = TestApp::spawn().await;
    let db = app.database().await;
    let leaf = vec![7_u8; 32];
    sqlx::query("INSERT INTO transparency_log (idx, leaf, logged_at) VALUES (0, $1, 0)")
        .bind(leaf.clone())
        .execute(&db)
        .await
        .unwrap();
    let mut attempts = vec![
        "UPDATE transparency_log SET leaf = $1 WHERE idx = 0",
        "DELETE FROM transparency_log WHERE idx = 0",
        "INSERT INTO transparency_log (idx, leaf, logged_at) VALUES (0, $1, 1) \
         ON CONFLICT (idx) DO UPDATE SET leaf = excluded.leaf",
    ];
    attempts.extend(if app.on_postgres() {
        [
            "TRUNCATE transparency_log CASCADE",
            "TRUNCATE transparency_log, attestations, attestation_opens",
        ]
    } else {
        [
            "INSERT OR REPLACE INTO transparency_log (idx, leaf, logged_at) VALUES (0, $1, 1)",
            "REPLACE INTO transparency_log (idx, leaf, logged_at) VALUES (0, $1, 1)",
        ]
    });
    for statement in attempts {
        let query = sqlx::query(statement);
        let query = if statement.contains("$1") {
            query.bind(vec![9_u8; 32])
        } else {
            query
        };
        let refused = query.execute(&db).await.unwrap_err().to_string();
        assert!(refused.contains("append-only"), "{statement}: {refused}");
    }
    let kept: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT idx, leaf FROM transparency_log")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(kept, vec![(0, leaf)]);
    // Appending goes on.
    sqlx::query("INSERT INTO transparency_log (idx, leaf, logged_at) VALUES (1, $1, 0)")
        .bind(vec![8_u8; 32])
        .execute(&db)
        .await
        .unwrap();
    app.stop().await;
}

/// Every attestation is a leaf of the log for good, so an organisation issues at most
/// `ATTESTATIONS_PER_DAY` in any 24 hours, also when the requests race: the next is refused
/// with 429 and a Retry-After, and another organisation is not affected.
#[tokio::test]
async fn an_organisation_issues_at_most_its_daily_quota_and_then_hears_when_it_may_again() {
    let app = TestApp::spawn_demo().await;
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let body = |n: usize| {
        json!({
            "period": released(), "cohort": "all", "disclosure": "bands",
            "audience": format!("Client {n}"),
        })
    };
    // Five more than the quota at once, each on its own task so that they race.
    let quota = shared::attestation::ATTESTATIONS_PER_DAY;
    let racing: Vec<_> = (0..quota + 5)
        .map(|n| {
            let request = member
                .client
                .post(app.url("/api/v1/attestations"))
                .json(&body(n));
            tokio::spawn(request.sent())
        })
        .collect();
    let mut statuses = Vec::new();
    for request in racing {
        statuses.push(request.await.unwrap().status().as_u16());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        quota,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        5,
        "{statuses:?}"
    );
    let refused = issue(&app, &member, body(0)).await;
    assert_eq!(refused.status(), 429);
    let retry_after: i64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((86_000..=86_400).contains(&retry_after), "{retry_after}");
    let error: Value = refused.json().await.unwrap();
    assert_eq!(error["error"]["code"], "rate_limited");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("50 attestations in the last 24 hours"),
        "{error}"
    );
    let listed: Vec<AttestationInfo> = member
        .client
        .get(app.url("/api/v1/attestations"))
        .fetch()
        .await;
    assert_eq!(listed.len(), shared::attestation::ATTESTATIONS_PER_DAY);
    let other = app.login("member-admin-2@demo.local", PASSWORD).await;
    issued(&app, &other, body(0)).await;
    app.stop().await;
}

fn problem(jws: &str, keys: &Jwks) -> String {
    match verify_attestation(jws, keys, now()).problem {
        Some(Problem::OutsideKeySpan { why, .. }) => why,
        other => panic!("expected a refusal for the key's span, got {other:?}"),
    }
}

/// Rotation and a reported compromise both end a key's span in the published set: whatever a
/// thief signs with its seed afterwards is refused, what it signed before still verifies, and
/// a compromised key that still signed is replaced at once. Only the platform admin reports.
#[tokio::test]
async fn a_retired_or_compromised_key_vouches_for_nothing_signed_after_its_span() {
    let clock = TestClock::new();
    let clock_file = clock.path.clone();
    let app =
        TestApp::spawn_demo_configured(move |config| config.clock_file = Some(clock_file)).await;
    let started = clock.now();
    // Issued a minute after the key was created.
    clock.set(started + 60);
    let member = app.login("member-admin@demo.local", PASSWORD).await;
    let admin = app.login("admin@demo.local", PASSWORD).await;
    let body = json!({
        "period": released(), "cohort": "all", "disclosure": "bands", "audience": "Acme Bank",
    });
    let genuine = issued(&app, &member, body.clone()).await;
    let claims = verify_attestation(&genuine.jws, &jwks(&app).await, now())
        .claims
        .unwrap();
    let thief = app.stolen_signing_key().await;
    let mut forged_claims = claims.clone();
    forged_claims.aud = "Victim Bank".to_owned();
    // Before anything is reported, a forgery verifies on its signature alone (the log and the
    // status endpoint are what refuse it online).
    forged_claims.iat = clock.now() + 5;
    let forged = thief.sign(attest::ATTESTATION_TYP, &forged_claims).unwrap();
    assert!(verify_attestation(&forged, &jwks(&app).await, now()).is_valid());
    let keys = jwks(&app).await;
    assert_eq!(keys.keys[0].signs_from, Some(started));
    assert_eq!(keys.keys[0].signs_until, None);

    // Hostile reports: not the admin, an unknown key, a malformed or impossible time.
    let kid = thief.kid().to_owned();
    let report = |from: &str| json!({ "from": from });
    let path = format!("/api/v1/signing-keys/{kid}/compromised");
    let refused = member
        .client
        .post(app.url(&path))
        .json(&report(&shared::period::rfc3339(now())))
        .sent()
        .await;
    assert_eq!(refused.status(), 403);
    let unknown = admin
        .client
        .post(app.url("/api/v1/signing-keys/no-such-key/compromised"))
        .json(&report(&shared::period::rfc3339(now())))
        .sent()
        .await;
    assert_eq!(unknown.status(), 404);
    for from in [
        "yesterday".to_owned(),
        "2026-12-01".to_owned(),
        shared::period::rfc3339(now() + 86_400),
        shared::period::rfc3339(keys.keys[0].signs_from.unwrap() - 1),
    ] {
        let response = admin
            .client
            .post(app.url(&path))
            .json(&report(&from))
            .sent()
            .await;
        assert_eq!(response.status(), 422, "{from}");
    }

    // Reported compromised from just after the genuine one was issued.
    let from = claims.iat;
    let marked: Value = admin
        .client
        .post(app.url(&path))
        .json(&report(&shared::period::rfc3339(from)))
        .fetch()
        .await;
    assert_eq!(marked["kid"], kid);
    assert_eq!(marked["signs_until"], from);
    assert_eq!(marked["compromised"], true);
    let keys = jwks(&app).await;
    assert_eq!(keys.keys.len(), 2, "a new key took over");
    assert!(verify_attestation(&genuine.jws, &keys, now()).is_valid());
    let why = problem(&forged, &keys);
    assert!(
        why.starts_with("after the key was reported compromised"),
        "{why}"
    );
    // The new key signs what is issued now, and a JOSE library that knows nothing of spans
    // (npm `jose`) reads the set as plain JWKS and verifies it too.
    let fresh = issued(&app, &member, body).await;
    let checked = verify_attestation(&fresh.jws, &keys, now());
    assert!(checked.is_valid());
    assert_ne!(checked.kid.as_deref(), Some(kid.as_str()));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("fresh.jws");
    std::fs::write(&file, &fresh.jws).unwrap();
    let (ok, out) = node_verify(&app, &file).await;
    assert!(ok, "{out}");

    // A later report never moves the span's end forward; an earlier one moves it back (and
    // then the genuine one, signed after it, is refused as well).
    clock.set(started + 120);
    for (reported, until) in [(from + 30, from), (from - 30, from - 30)] {
        let marked: Value = admin
            .client
            .post(app.url(&path))
            .json(&report(&shared::period::rfc3339(reported)))
            .fetch()
            .await;
        assert_eq!(marked["signs_until"], until);
    }
    assert!(!verify_attestation(&genuine.jws, &jwks(&app).await, now()).is_valid());

    // Rotation ends the new key's span too: the next thief's forgery is refused offline.
    let second_thief = app.stolen_signing_key().await;
    let rotated = admin
        .client
        .post(app.url("/api/v1/signing-keys/rotate"))
        .sent()
        .await;
    assert_eq!(rotated.status(), 201);
    let mut later = claims;
    later.iat = clock.now() + 5;
    let forged = second_thief.sign(attest::ATTESTATION_TYP, &later).unwrap();
    let why = problem(&forged, &jwks(&app).await);
    assert!(why.starts_with("after the key was retired"), "{why}");
    assert!(verify_attestation(&fresh.jws, &jwks(&app).await, now()).is_valid());
    app.stop().await;
}
