use std::collections::HashSet;
use std::time::{Duration, Instant};

use peerposture_tests::{
    Fetch, TEST_BACK_OFFICE_HTML, TEST_INDEX_HTML, TEST_INSIGHTS_HTML, TestApp,
};
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};
use serde_json::Value;
use shared::api::{Catalogue, CohortInfo, Health, PeriodInfo, PeriodStatus};
use shared::{CohortKey, ErrorBody, ErrorCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn health_reports_ok_and_the_server_version() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/v1/health")).sent().await;
    assert_eq!(response.status(), StatusCode::OK);
    let health: Health = response.json().await.unwrap();
    assert_eq!(health.status, "ok");
    assert_eq!(health.version, env!("CARGO_PKG_VERSION"));
    app.stop().await;
}

#[tokio::test]
async fn metrics_returns_the_catalogue_of_33_metrics() {
    let app = TestApp::spawn().await;
    let response = app.client.get(app.url("/api/v1/metrics")).sent().await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    let catalogue: Catalogue = response.json().await.unwrap();
    assert_eq!(catalogue.version, shared::CATALOGUE_VERSION);
    assert_eq!(catalogue.metrics.len(), 33);
    assert_eq!(catalogue.metrics, *shared::CATALOGUE);
    let keys: HashSet<&str> = catalogue.metrics.iter().map(|m| m.key.as_str()).collect();
    assert!(keys.contains("mfa_coverage") && keys.contains("phish_prone"));
    app.stop().await;
}

#[tokio::test]
async fn cohorts_lists_the_fixed_lattice_with_labels() {
    let app = TestApp::spawn().await;
    let cohorts: Vec<CohortInfo> = app.client.get(app.url("/api/v1/cohorts")).fetch().await;
    assert_eq!(cohorts.len(), CohortKey::lattice().count());
    assert_eq!(cohorts[0].key, CohortKey::All);
    let raw: Value = app.client.get(app.url("/api/v1/cohorts")).fetch().await;
    let latam = raw
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "region:latam")
        .expect("region:latam in the lattice");
    assert_eq!(latam["label"], "Latin America");
    assert_eq!(latam["dimension"], "region");
    app.stop().await;
}

#[tokio::test]
async fn periods_list_the_current_quarter_as_open() {
    let app = TestApp::spawn().await;
    let periods: Vec<PeriodInfo> = app.client.get(app.url("/api/v1/periods")).fetch().await;
    let current = backend::http::current_period();
    assert_eq!(
        periods,
        vec![PeriodInfo {
            period: current,
            status: PeriodStatus::Open,
            released_at: None,
            deadline: None,
            newly_verified: 0,
        }]
    );
    app.stop().await;
}

#[tokio::test]
async fn unknown_api_paths_return_a_json_404() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/nope", "/api/nope", "/api", "/api/v2/metrics"] {
        let response = app.client.get(app.url(path)).sent().await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(
            response.headers()[CONTENT_TYPE],
            "application/json",
            "{path}"
        );
        let body: ErrorBody = response.json().await.unwrap();
        assert_eq!(body.error.code, ErrorCode::NotFound, "{path}");
        assert_eq!(body.error.message, format!("no API route {path}"));
    }
    app.stop().await;
}

#[tokio::test]
async fn wrong_method_on_an_api_route_returns_a_json_405() {
    let app = TestApp::spawn().await;
    let response = app.client.delete(app.url("/api/v1/metrics")).sent().await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    let body: ErrorBody = response.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::MethodNotAllowed);
    app.stop().await;
}

#[tokio::test]
async fn app_routes_are_answered_with_index_html_that_is_revalidated() {
    let app = TestApp::spawn().await;
    for path in ["/", "/dashboard", "/metrics", "/some/deep/link"] {
        let response = app.client.get(app.url(path)).sent().await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-cache", "{path}");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(response.text().await.unwrap(), TEST_INDEX_HTML, "{path}");
    }
    // The back office and insights bundles own their routes; look-alikes stay with the main
    // bundle.
    for (path, shell) in [
        ("/submit", TEST_BACK_OFFICE_HTML),
        ("/admin", TEST_BACK_OFFICE_HTML),
        ("/releases", TEST_BACK_OFFICE_HTML),
        ("/invite/abc", TEST_BACK_OFFICE_HTML),
        ("/roadmap", TEST_BACK_OFFICE_HTML),
        ("/submitted", TEST_INDEX_HTML),
        ("/dashboard/metric/mfa_coverage", TEST_INSIGHTS_HTML),
        ("/industry", TEST_INSIGHTS_HTML),
        ("/report?cohort=all", TEST_INSIGHTS_HTML),
        ("/dashboard/metrics", TEST_INDEX_HTML),
        ("/reports", TEST_INDEX_HTML),
    ] {
        let response = app.client.get(app.url(path)).sent().await;
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        assert_eq!(response.headers()[CACHE_CONTROL], "no-cache", "{path}");
        assert_eq!(response.text().await.unwrap(), shell, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn hashed_assets_are_cached_for_good_and_served_compressed_when_accepted() {
    let app = TestApp::spawn().await;
    let script = "console.log('PeerPosture');";
    std::fs::write(app.dist_dir.join("app-0123abcd.js"), script).unwrap();
    // The server passes pre-compressed files through untouched, so any bytes will do.
    let compressed = b"\x1f\x8b stand-in for the gzip of app-0123abcd.js";
    std::fs::write(app.dist_dir.join("app-0123abcd.js.gz"), compressed).unwrap();

    let plain = app.client.get(app.url("/app-0123abcd.js")).sent().await;
    assert_eq!(plain.status(), StatusCode::OK);
    assert_eq!(
        plain.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );
    assert!(plain.headers().get(CONTENT_ENCODING).is_none());
    assert_eq!(plain.text().await.unwrap(), script);

    let zipped = app
        .client
        .get(app.url("/app-0123abcd.js"))
        .header(ACCEPT_ENCODING, "gzip")
        .sent()
        .await;
    assert_eq!(zipped.headers()[CONTENT_ENCODING], "gzip");
    assert_eq!(zipped.bytes().await.unwrap().as_ref(), compressed);

    let brotli = b"stand-in for the brotli of app-0123abcd.js";
    std::fs::write(app.dist_dir.join("app-0123abcd.js.br"), brotli).unwrap();
    let preferred = app
        .client
        .get(app.url("/app-0123abcd.js"))
        .header(ACCEPT_ENCODING, "gzip, deflate, br, zstd")
        .sent()
        .await;
    assert_eq!(preferred.headers()[CONTENT_ENCODING], "br");
    assert_eq!(preferred.bytes().await.unwrap().as_ref(), brotli);
    app.stop().await;
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = TestApp::spawn().await;
    for path in ["/api/v1/health", "/metrics"] {
        let response = app.client.get(app.url(path)).sent().await;
        assert_eq!(
            response.headers()["x-content-type-options"],
            "nosniff",
            "{path}"
        );
        assert_eq!(response.headers()["x-frame-options"], "DENY", "{path}");
        assert_eq!(
            response.headers()["referrer-policy"],
            "no-referrer",
            "{path}"
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_store_is_created_and_migrated_and_a_sqlite_file_uses_wal() {
    let app = TestApp::spawn().await;
    if app.on_postgres() {
        let pool = app.database().await;
        let (tables,): (i64,) = sqlx::query_as(
            "SELECT count(*) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'periods'",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(tables, 1);
        let (applied,): (i64,) =
            sqlx::query_as("SELECT count(*) FROM _sqlx_migrations WHERE success")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert!(applied >= 1);
        app.stop().await;
        return;
    }
    assert!(
        app.database_path.is_file(),
        "database created in a new nested directory"
    );
    let url = format!("sqlite://{}", app.database_path.display());
    let mut connection = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let (tables,): (i64,) = sqlx::query_as(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'periods'",
    )
    .fetch_one(&mut connection)
    .await
    .unwrap();
    assert_eq!(tables, 1);
    app.stop().await;
}

#[tokio::test]
async fn the_policy_states_k_and_the_count_bands() {
    let app = TestApp::spawn().await;
    let policy: Value = app.client.get(app.url("/api/v1/policy")).fetch().await;
    assert_eq!(policy["version"], "v3");
    assert_eq!(policy["k"], 10);
    assert_eq!(policy["k_tails"], 20);
    assert_eq!(policy["k_mean"], 20);
    assert_eq!(policy["probation_releases"], 1);
    // Every v3 rule is stated with the attack it stops.
    let rules = policy["rules"].as_array().unwrap();
    let keys: Vec<&str> = rules.iter().map(|r| r["key"].as_str().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "two_person_verification",
            "probation",
            "quarters",
            "cohorts",
            "counts",
            "grid",
            "extremes"
        ]
    );
    assert!(rules.iter().all(
        |r| !r["rule"].as_str().unwrap().is_empty() && !r["stops"].as_str().unwrap().is_empty()
    ));
    assert_eq!(policy["bands"][0], "10-19");
    assert_eq!(policy["k_each_side"], 10);
    assert_eq!(policy["share_bands"][4], "40-60");
    app.stop().await;
}

#[tokio::test]
async fn the_app_is_served_with_a_csp_that_allows_only_its_own_inline_script() {
    let dist = tempfile::tempdir().unwrap();
    let index = "<!DOCTYPE html><script src=\"/chart.js\"></script>\
                 <script type=\"module\">import init from '/app.js'; await init();</script>";
    std::fs::write(dist.path().join("index.html"), index).unwrap();
    let app = TestApp::spawn_with(Some(dist.path()), false).await;
    let response = app.client.get(app.url("/dashboard")).sent().await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    // The SHA-256 of exactly the inline module script, so nothing injected can run.
    assert!(
        csp.contains(
            "script-src 'self' 'wasm-unsafe-eval' 'sha256-KlG4CKAhEwOaotkp3rUpdbFezrNrqW7nWrxT35mBelw='"
        ),
        "{csp}"
    );
    assert!(
        !csp.contains(" 'unsafe-eval'") && !csp.contains("'unsafe-inline'"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"));
    // A rebuilt frontend is allowed at once, without restarting the server.
    std::fs::write(
        dist.path().join("index.html"),
        "<script>console.log(1)</script>",
    )
    .unwrap();
    let rebuilt = app.client.get(app.url("/")).sent().await;
    let csp = rebuilt.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(!csp.contains("KlG4CKAh"), "{csp}");
    let json = app.client.get(app.url("/api/v1/health")).sent().await;
    assert!(
        json.headers().get("content-security-policy").is_none(),
        "API answers need none"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_is_served() {
    let app = TestApp::spawn().await;
    let document: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .fetch()
        .await;
    assert_eq!(document["openapi"], "3.1.0");
    let put = &document["paths"]["/api/v1/submissions/{period}"]["put"];
    assert_eq!(put["parameters"][0]["name"], "period");
    assert_eq!(put["security"][1]["token"], serde_json::json!([]));
    app.stop().await;
}

#[tokio::test]
async fn a_store_held_by_another_writer_answers_503_with_retry_after_and_then_works() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    // Another process (a backup, a migration, a long release) holds the lock for longer than
    // the server waits for it (SQLite's busy timeout, PostgreSQL's lock_timeout: 5 seconds).
    let pool = app.database().await;
    let mut other = pool.acquire().await.unwrap();
    if app.on_postgres() {
        sqlx::query("BEGIN").execute(&mut *other).await.unwrap();
        sqlx::query("LOCK TABLE organisations IN EXCLUSIVE MODE")
            .execute(&mut *other)
            .await
            .unwrap();
    } else {
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *other)
            .await
            .unwrap();
    }
    let org = serde_json::json!({ "name": "Busy Center", "seat_band": "lt250", "region": "europe",
                                  "verticals": ["travel"], "delivery": "onshore", "wfh_band": "0" });
    let busy = admin
        .client
        .post(app.url("/api/v1/orgs"))
        .json(&org)
        .sent()
        .await;
    assert_eq!(busy.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(busy.headers()["retry-after"], "2");
    let body: ErrorBody = busy.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::Unavailable);
    sqlx::query("ROLLBACK").execute(&mut *other).await.unwrap();
    let retried = admin
        .client
        .post(app.url("/api/v1/orgs"))
        .json(&org)
        .sent()
        .await;
    assert_eq!(
        retried.status(),
        StatusCode::CREATED,
        "nothing was half-written"
    );
    app.stop().await;
}

#[tokio::test]
async fn the_store_is_backed_up_while_it_serves() {
    let app = TestApp::spawn().await;
    let admin = app.admin().await;
    app.create_org(&admin, "Backed Up Center", true).await;
    let backups = tempfile::tempdir().unwrap();
    let target = backups.path().join("backup.db");
    if app.on_postgres() {
        let refused = backend::store::backup(&app.database_url, &target).await;
        assert!(refused.unwrap_err().to_string().contains("pg_dump"));
        app.stop().await;
        return;
    }
    let url = format!("sqlite://{}", app.database_path.display());
    // A write in flight while the copy is taken neither blocks it nor tears it.
    let writing = admin
        .client
        .post(app.url("/api/v1/orgs"))
        .json(
            &serde_json::json!({ "name": "Concurrent Center", "seat_band": "lt250",
            "region": "europe", "verticals": ["travel"], "delivery": "onshore", "wfh_band": "0" }),
        )
        .sent();
    let (written, backed_up) = tokio::join!(writing, backend::store::backup(&url, &target));
    assert_eq!(written.status(), StatusCode::CREATED);
    backed_up.unwrap();
    let copy = sqlx::SqlitePool::connect(&format!("sqlite://{}", target.display()))
        .await
        .unwrap();
    let (check,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&copy)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    let (names,): (String,) = sqlx::query_as("SELECT group_concat(name) FROM organisations")
        .fetch_one(&copy)
        .await
        .unwrap();
    assert!(names.contains("Backed Up Center"), "{names}");
    // The copy never overwrites: a second backup into the same file is refused.
    assert!(backend::store::backup(&url, &target).await.is_err());
    let health = app.client.get(app.url("/api/v1/health")).sent().await;
    assert_eq!(health.status(), StatusCode::OK);
    app.stop().await;
}

/// Sends `head` (and nothing more) on a raw connection and reads what the server answers
/// until it closes the connection, for at most `patience`.
async fn trickle(app: &TestApp, head: &str, patience: Duration) -> Option<String> {
    let mut stream = TcpStream::connect(app.address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(patience, stream.read_to_end(&mut answer))
        .await
        .ok()
        .map(|_| String::from_utf8_lossy(&answer).into_owned())
}

#[tokio::test]
async fn a_slow_client_is_cut_off_at_the_request_timeout() {
    let app = TestApp::spawn_configured(|config| config.request_timeout_seconds = 1).await;
    // A body that never arrives: 408 with the JSON error body.
    let started = Instant::now();
    let answer = trickle(
        &app,
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{\"email\":",
        Duration::from_secs(20),
    )
    .await
    .expect("the server answers and closes");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"request_timeout\""), "{answer}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // A request head that never ends: the connection is closed.
    let answer = trickle(
        &app,
        "GET /api/v1/health HTTP/1.1\r\nHost: x\r\n",
        Duration::from_secs(20),
    )
    .await
    .expect("the server closes the connection");
    assert!(!answer.contains("200 OK"), "{answer}");

    // The server still serves everyone else.
    let health = app.client.get(app.url("/api/v1/health")).sent().await;
    assert_eq!(health.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn shutdown_waits_for_requests_in_flight_only_until_its_deadline() {
    let app = TestApp::spawn_configured(|config| {
        config.request_timeout_seconds = 300;
        config.shutdown_deadline_seconds = 1;
    })
    .await;
    let mut stream = TcpStream::connect(app.address).await.unwrap();
    stream
        .write_all(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
              Content-Length: 100\r\n\r\n{\"email\":",
        )
        .await
        .unwrap();
    // The request is in its handler, reading a body that will not come for 300 s.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let stopped = tokio::time::timeout(Duration::from_secs(15), app.stop()).await;
    assert!(
        stopped.is_ok(),
        "the server still waits for the slow request"
    );
    drop(stream);
}
