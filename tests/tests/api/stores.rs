//! Several instances on one store behave as one service, and a SQLite store moved to
//! PostgreSQL with `migrate-store` answers exactly as before. The instances here are two
//! servers on the same SQLite file or PostgreSQL schema (whichever the run tests).

use peerposture_tests::{ADMIN_EMAIL, Fetch, Session, TestApp, postgres_under_test};
use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::account::Role;

/// A second server on the first one's store.
async fn second_instance(app: &TestApp) -> TestApp {
    TestApp::spawn_on(app.database_url.clone(), false).await
}

#[tokio::test]
async fn forty_parallel_wrong_passwords_over_two_instances_are_evaluated_at_most_five_times() {
    let a = TestApp::spawn().await;
    let b = second_instance(&a).await;
    // Each attempt on its own task, so that they race.
    let attempts: Vec<_> = (0..40)
        .map(|n| {
            let app = if n % 2 == 0 { &a } else { &b };
            let request = app
                .client
                .post(app.url("/api/v1/auth/login"))
                .json(&json!({ "email": ADMIN_EMAIL, "password": format!("wrong password {n}") }));
            tokio::spawn(request.sent())
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap().status());
    }
    let evaluated = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert!(
        (1..=5).contains(&evaluated),
        "{evaluated} wrong passwords were checked: {statuses:?}"
    );
    assert_eq!(evaluated + refused, 40, "{statuses:?}");
    // The account stays locked on both instances, even for the right password.
    for app in [&a, &b] {
        let locked = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .json(&json!({ "email": ADMIN_EMAIL, "password": peerposture_tests::ADMIN_PASSWORD }))
            .sent()
            .await;
        assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    b.stop().await;
    a.stop().await;
}

#[tokio::test]
async fn two_instances_share_sessions_releases_standards_and_benchmarks() {
    let a = TestApp::spawn().await;
    let b = second_instance(&a).await;
    let admin = a.admin().await;
    let period = backend::http::current_period().previous();

    // A session made on one instance is valid on the other, and so is its logout.
    let me: Value = admin.client.get(b.url("/api/v1/auth/me")).fetch().await;
    assert_eq!(me["email"], ADMIN_EMAIL);

    // Twelve verified organisations with values, submitted through both instances.
    for n in 0..12 {
        let app = if n % 2 == 0 { &a } else { &b };
        let org = app.create_org(&admin, &format!("Shared {n}"), true).await;
        let member = app
            .invite(
                &admin,
                &format!("m{n}@shared.example"),
                Role::MemberAdmin,
                Some(org.id),
            )
            .await;
        let saved = member
            .client
            .put(app.url(&format!("/api/v1/submissions/{period}")))
            .json(&json!({ "values": { "mfa_coverage": 60.0 + n as f64 } }))
            .sent()
            .await;
        assert_eq!(saved.status(), StatusCode::OK);
    }

    // Before the release neither instance serves the benchmark (and none caches its absence).
    let benchmark = |app: &TestApp| app.url(&format!("/api/v1/benchmarks/{period}"));
    for app in [&a, &b] {
        let missing = app.client.get(benchmark(app)).sent().await;
        assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    }

    // Two releases of the period at the same moment: one succeeds, the other is a 409.
    let release = |app: &TestApp, session: &Session| {
        session
            .client
            .post(app.url(&format!("/api/v1/periods/{period}/release")))
            .sent()
    };
    let (first, second) = tokio::join!(release(&a, &admin), release(&b, &admin));
    let mut statuses = [first.status(), second.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);

    // Both instances serve the same bytes for it at once.
    let from_a = a.client.get(benchmark(&a)).sent().await;
    let from_b = b.client.get(benchmark(&b)).sent().await;
    assert_eq!(from_a.status(), StatusCode::OK);
    assert_eq!(from_b.status(), StatusCode::OK);
    assert_eq!(from_a.bytes().await.unwrap(), from_b.bytes().await.unwrap());

    // A standard published on one instance is visible on the other at once, with its shares.
    let standard = a
        .publish_standard(
            &admin,
            &json!({ "name": "Shared baseline", "requirements": [
                { "metric": "mfa_coverage", "comparison": "gte", "threshold": 65.0,
                  "tier": "baseline", "rationale": "Agents log in from home." }] }),
        )
        .await;
    let seen: Value = b
        .client
        .get(b.url(&format!("/api/v1/standards/{}", standard.id)))
        .fetch()
        .await;
    assert_eq!(seen["status"], "published");

    // Logging out on one instance ends the session on both.
    let logout = admin.client.post(a.url("/api/v1/auth/logout")).sent().await;
    assert_eq!(logout.status(), StatusCode::NO_CONTENT);
    let gone = admin.client.get(b.url("/api/v1/auth/me")).sent().await;
    assert_eq!(gone.status(), StatusCode::UNAUTHORIZED);
    b.stop().await;
    a.stop().await;
}

/// Every read a user of the demo can make, as (who, path).
async fn demo_reads(app: &TestApp, member: &Session) -> Vec<(&'static str, String)> {
    let periods: Vec<Value> = app.client.get(app.url("/api/v1/periods")).fetch().await;
    let released: Vec<String> = periods
        .iter()
        .filter(|p| !p["released_at"].is_null())
        .map(|p| p["period"].as_str().unwrap().to_owned())
        .collect();
    let cohorts: Vec<Value> = app.client.get(app.url("/api/v1/cohorts")).fetch().await;
    let cohorts: Vec<String> = cohorts
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect();
    let metrics: Vec<&str> = shared::catalogue::CATALOGUE
        .iter()
        .map(|m| m.key.as_ref())
        .collect();
    let viewer = "member-admin@demo.local";
    let mut reads: Vec<(&'static str, String)> = [
        "/api/v1/periods",
        "/api/v1/policy",
        "/api/v1/standards",
        "/api/v1/practices",
        "/api/v1/practices/mine",
        "/api/v1/org/standard",
        "/api/v1/submissions",
        "/api/v1/tokens",
    ]
    .into_iter()
    .map(|path| (viewer, path.to_owned()))
    .collect();
    reads.push(("admin@demo.local", "/api/v1/orgs".to_owned()));
    reads.push(("admin@demo.local", "/api/v1/users".to_owned()));
    reads.push(("publisher@demo.local", "/api/v1/practices/queue".to_owned()));
    let standards: Vec<Value> = member
        .client
        .get(app.url("/api/v1/standards"))
        .fetch()
        .await;
    let practices: Vec<Value> = member
        .client
        .get(app.url("/api/v1/practices"))
        .fetch()
        .await;
    for practice in &practices {
        reads.push((viewer, format!("/api/v1/practices/{}", practice["id"])));
    }
    for period in &released {
        reads.push((viewer, format!("/api/v1/submissions/{period}")));
        for cohort in &cohorts {
            reads.push((
                viewer,
                format!("/api/v1/benchmarks/{period}?cohort={cohort}"),
            ));
            reads.push((
                viewer,
                format!("/api/v1/benchmarks/{period}/position?cohort={cohort}"),
            ));
            for standard in &standards {
                reads.push((
                    viewer,
                    format!(
                        "/api/v1/standards/{}/compliance?period={period}&cohort={cohort}",
                        standard["id"]
                    ),
                ));
            }
        }
    }
    for cohort in &cohorts {
        for metric in &metrics {
            reads.push((
                viewer,
                format!("/api/v1/trends?metric={metric}&cohort={cohort}"),
            ));
        }
    }
    reads
}

#[tokio::test]
async fn a_demo_store_moved_to_postgresql_answers_every_read_with_the_same_bytes() {
    let Some(base) = postgres_under_test() else {
        println!("skipped: PEERPOSTURE_TEST_POSTGRES names no PostgreSQL database");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sqlite_url = format!("sqlite://{}", dir.path().join("demo.db").display());
    let sqlite = TestApp::spawn_on(sqlite_url.clone(), true).await;
    // Activity to copy: logins and an audited read of the member's own values.
    let password = backend::demo::DEMO_PASSWORD;
    let member = sqlite.login("member-admin@demo.local", password).await;
    let own = member
        .client
        .get(sqlite.url(&format!(
            "/api/v1/submissions/{}",
            backend::http::current_period().previous()
        )))
        .sent()
        .await;
    assert_eq!(own.status(), StatusCode::OK);
    let postgres_url = peerposture_tests::fresh_postgres_schema(&base).await;
    // Copied while the SQLite server runs: the copy reads one snapshot.
    let copied = backend::store::migrate_store(&sqlite_url, &postgres_url)
        .await
        .expect("migrate-store");
    let rows: u64 = copied.iter().map(|(_, rows)| rows).sum();
    assert!(rows > 10_000, "{copied:?}");
    let postgres = TestApp::spawn_on(postgres_url.clone(), true).await;
    // Audit entries up to here were copied; logins and reads below add their own.
    let copied_audit: i64 = sqlx::query_scalar("SELECT MAX(id) FROM audit_log")
        .fetch_one(&postgres.database().await)
        .await
        .unwrap();

    let mut sessions = std::collections::HashMap::new();
    for who in [
        "member-admin@demo.local",
        "admin@demo.local",
        "publisher@demo.local",
    ] {
        sessions.insert(
            who,
            (
                sqlite.login(who, password).await,
                postgres.login(who, password).await,
            ),
        );
    }
    let reads = demo_reads(&sqlite, &sessions["member-admin@demo.local"].0).await;
    let mut compared = 0;
    for (who, path) in &reads {
        let (on_sqlite, on_postgres) = &sessions[who];
        let left = on_sqlite.client.get(sqlite.url(path)).sent().await;
        let right = on_postgres.client.get(postgres.url(path)).sent().await;
        assert_eq!(left.status(), right.status(), "{who} GET {path}");
        let (left, right) = (left.bytes().await.unwrap(), right.bytes().await.unwrap());
        assert!(left == right, "{who} GET {path}:\n{left:?}\n{right:?}");
        compared += 1;
    }
    // The audit log as it was copied.
    let (admin_sqlite, admin_postgres) = &sessions["admin@demo.local"];
    let path = format!("/api/v1/audit?limit=200&before={}", copied_audit + 1);
    let left = admin_sqlite.client.get(sqlite.url(&path)).sent().await;
    let right = admin_postgres.client.get(postgres.url(&path)).sent().await;
    assert_eq!(left.status(), StatusCode::OK);
    let (left, right) = (left.bytes().await.unwrap(), right.bytes().await.unwrap());
    assert!(
        left.len() > 100,
        "the copied audit log holds the logins and the read"
    );
    assert_eq!(left, right);
    println!(
        "{compared} reads answered with the same bytes on SQLite and on PostgreSQL ({rows} rows copied)"
    );
    postgres.stop().await;
    sqlite.stop().await;
}

/// A fresh store (a SQLite file in `dir`, or a PostgreSQL schema under test) migrated as an
/// older release left it: every migration but the one described `skipped`, which the server
/// applies when it starts on it. Returns its URL and a pool on it.
async fn store_without(dir: &std::path::Path, skipped: &str) -> (String, sqlx::AnyPool) {
    let (database_url, dialect) = match postgres_under_test() {
        Some(base) => (
            peerposture_tests::fresh_postgres_schema(&base).await,
            "postgres",
        ),
        None => (
            format!("sqlite://{}?mode=rwc", dir.join("old.db").display()),
            "sqlite",
        ),
    };
    let mut migrator = sqlx::migrate::Migrator::new(std::path::Path::new(&format!(
        "{}/../backend/migrations/{dialect}",
        env!("CARGO_MANIFEST_DIR")
    )))
    .await
    .unwrap();
    let older: Vec<_> = migrator
        .migrations
        .iter()
        .filter(|m| m.description != skipped)
        .cloned()
        .collect();
    assert_eq!(
        older.len() + 1,
        migrator.migrations.len(),
        "no migration `{skipped}`"
    );
    migrator.migrations = older.into();
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&database_url).await.unwrap();
    migrator.run(&pool).await.unwrap();
    (database_url, pool)
}

/// A store written before every time was a Unix integer (RFC 3339 text then, to the second, and
/// to the millisecond in the audit log) is converted by the migration: each time reads exactly
/// as it was written.
#[tokio::test]
async fn times_written_as_text_by_an_older_release_read_the_same_after_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    // The schema as the release before the conversion left it.
    let (database_url, pool) = store_without(dir.path(), "unix time").await;
    for statement in [
        "INSERT INTO organisations (name, seat_band, region, verticals, delivery, wfh_band, \
             verified_at, created_at) \
         VALUES ('Old Center', 'lt250', 'europe', 'banking', 'onshore', '0', \
             '2025-03-04T05:06:07Z', '2025-01-02T03:04:05Z')",
        "INSERT INTO periods (period, created_at, released_at) \
         VALUES ('2025-Q1', '2025-01-02T03:04:05Z', '2025-04-10T11:12:13Z')",
        "INSERT INTO deadlines (period, due_at, set_by, set_at) \
         VALUES ('2025-Q1', '2025-03-31T23:59:59Z', 'publisher@old.test', '2025-01-05T00:00:00Z')",
        "INSERT INTO audit_log (at, actor, action, target, detail) \
         VALUES ('2025-01-02T03:04:05.678Z', 'admin@old.test', 'organisation_created', \
             'Old Center', '')",
    ] {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    pool.close().await;

    let app = TestApp::spawn_on(database_url, false).await;
    let admin = app.admin().await;
    // The item of the list at `path` whose `field` is `value`.
    let item = async |path: &str, field: &str, value: &str| -> Value {
        let list: Vec<Value> = admin.client.get(app.url(path)).fetch().await;
        list.into_iter().find(|item| item[field] == value).unwrap()
    };
    let old = item("/api/v1/orgs", "name", "Old Center").await;
    assert_eq!(old["verified_at"], "2025-03-04T05:06:07Z");
    assert_eq!(old["created_at"], "2025-01-02T03:04:05Z");
    let q1 = item("/api/v1/periods", "period", "2025-Q1").await;
    assert_eq!(q1["released_at"], "2025-04-10T11:12:13Z");
    assert_eq!(q1["deadline"], "2025-03-31T23:59:59Z");
    let created = item("/api/v1/audit", "actor", "admin@old.test").await;
    assert_eq!(created["at"], "2025-01-02T03:04:05.678Z");
    let log: Vec<Value> = admin.client.get(app.url("/api/v1/audit")).fetch().await;
    // What the new release writes reads the same way: the admin's login just now.
    let login = &log[0];
    assert_eq!(login["action"], "login");
    let at = login["at"].as_str().unwrap();
    assert_eq!(at.len(), "2025-01-02T03:04:05.678Z".len(), "{at}");
    app.stop().await;
}

/// The client organisations' migration rebuilds SQLite's `users` table (a new role needs a new
/// CHECK). Accounts made before it keep their ids, passwords, sessions' references and
/// invitations, and the database's foreign keys all hold afterwards.
#[tokio::test]
async fn accounts_made_before_the_client_organisations_keep_working_after_them() {
    let dir = tempfile::tempdir().unwrap();
    let (database_url, pool) = store_without(dir.path(), "client orgs").await;
    let hash = backend::auth::hash_password("an old password 123");
    sqlx::query(
        "INSERT INTO organisations (id, name, seat_band, region, verticals, delivery, wfh_band, \
             created_at) VALUES (7, 'Old Center', 'lt250', 'europe', 'banking', 'onshore', '0', 1)",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO users (id, email, name, role, org_id, password_hash, created_at) \
         VALUES (41, 'old@center.example', 'Old Admin', 'member_admin', 7, $1, 1735700000)",
    )
    .bind(&hash)
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO invitations (token_hash, email, role, org_id, invited_by, expires_at) \
         VALUES ($1, 'new@center.example', 'member_viewer', 7, 41, 4102444800)",
    )
    .bind(vec![9_u8; 32])
    .execute(&pool)
    .await
    .unwrap();
    // A session and a known device (SQLite's rebuild deletes them by cascade and puts them back).
    for table in ["sessions", "known_devices"] {
        sqlx::query(&format!(
            "INSERT INTO {table} (token_hash, user_id, expires_at) VALUES ($1, 41, 4102444800)"
        ))
        .bind(vec![7_u8; 32])
        .execute(&pool)
        .await
        .unwrap();
    }
    pool.close().await;

    let app = TestApp::spawn_on(database_url, false).await;
    let old = app.login("old@center.example", "an old password 123").await;
    let me: shared::account::User = old.client.get(app.url("/api/v1/auth/me")).fetch().await;
    assert_eq!(me.id, 41);
    assert_eq!(me.org.map(|o| o.name).as_deref(), Some("Old Center"));
    assert_eq!(me.client, None);
    let db = app.database().await;
    let invited_by: i64 = sqlx::query_scalar("SELECT invited_by FROM invitations")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(invited_by, 41);
    for table in ["sessions", "known_devices"] {
        let kept: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM {table} WHERE user_id = 41 AND expires_at = 4102444800"
        ))
        .fetch_one(&db)
        .await
        .unwrap();
        assert_eq!(kept, 1, "{table}");
    }
    if !app.on_postgres() {
        let broken: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(&db)
                .await
                .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
        let enforced: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&db)
            .await
            .unwrap();
        assert_eq!(enforced, 1);
    }
    // The rebuilt table still refuses a member without an organisation.
    let refused = sqlx::query(
        "INSERT INTO users (email, name, role, password_hash, created_at) \
         VALUES ('x@y.example', 'X', 'member_viewer', 'x', 0)",
    )
    .execute(&db)
    .await;
    assert!(refused.is_err());
    app.stop().await;
}
