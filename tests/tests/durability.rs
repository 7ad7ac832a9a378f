//! Durability under SIGKILL: the server binary takes submissions from concurrent clients and
//! is killed at random moments, 20 times. After each restart every acknowledged submission
//! must be there exactly once and SQLite's integrity check must pass.
//!
//! With `PEERPOSTURE_TEST_POSTGRES`, two server processes share one fresh PostgreSQL schema
//! (started at the same moment, so both run the migrations), the clients spread over both, and
//! each round kills one of them; at the end both release the period at once (one 200, one 409)
//! and serve the same bytes for it.
//! Run by `cargo xtask test`, which builds the server binary first.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use std::sync::atomic::{AtomicBool, Ordering};

use peerposture_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Fetch, TestApp, postgres_under_test};
use serde_json::{Value, json};
use shared::account::Role;
use shared::submission::{RevisionInfo, Submission};
use tokio::sync::Mutex;

const ROUNDS: usize = 20;
const CLIENTS: usize = 6;

fn start(binary: &Path, port: u16, database_url: &str) -> Child {
    Command::new(binary)
        .env("PEERPOSTURE_BIND", format!("127.0.0.1:{port}"))
        .env("PEERPOSTURE_DATABASE_URL", database_url)
        .env("PEERPOSTURE_DIST_DIR", "/nonexistent")
        .env("PEERPOSTURE_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("PEERPOSTURE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the server")
}

async fn wait_healthy(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(response) = client.get(format!("{base}/api/v1/health")).send().await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the server did not come back");
}

/// An acknowledged save: the request's key and body, and the revision the server reported.
#[derive(Debug, Clone)]
struct Ack {
    key: String,
    value: f64,
    revision: i64,
}

#[tokio::test]
#[ignore = "needs the server binary: run through `cargo xtask test`"]
async fn acknowledged_submissions_survive_sigkill() {
    let binary = peerposture_tests::server_binary();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("durability.db");
    let (database_url, instances) = match postgres_under_test() {
        Some(base) => (peerposture_tests::fresh_postgres_schema(&base).await, 2),
        None => (format!("sqlite://{}", database.display()), 1),
    };
    let ports: Vec<u16> = (0..instances)
        .map(|_| {
            std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port()
        })
        .collect();
    let bases: Vec<String> = ports
        .iter()
        .map(|port| format!("http://127.0.0.1:{port}"))
        .collect();
    let base = bases[0].clone();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let period = backend::http::current_period().to_string();

    // One organisation and API token per client.
    let mut servers: Vec<Child> = ports
        .iter()
        .map(|&port| start(&binary, port, &database_url))
        .collect();
    for base in &bases {
        wait_healthy(&client, base).await;
    }
    let login = client
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
        .sent()
        .await;
    let admin = TestApp::session_from(login).await;
    let mut tokens = Vec::new();
    for n in 0..CLIENTS {
        let org: Value = admin
            .client
            .post(format!("{base}/api/v1/orgs"))
            .json(
                &json!({ "name": format!("Durable {n}"), "seat_band": "lt250", "region": "europe",
                           "verticals": ["travel"], "delivery": "onshore", "wfh_band": "0" }),
            )
            .fetch()
            .await;
        let invitation: Value = admin
            .client
            .post(format!("{base}/api/v1/invitations"))
            .json(&json!({ "email": format!("m{n}@durable.example"), "role": Role::MemberAdmin, "org_id": org["id"] }))
            .fetch().await;
        let accepted = client
            .post(format!(
                "{base}/api/v1/invitations/{}/accept",
                invitation["token"].as_str().unwrap()
            ))
            .json(&json!({ "name": "Durable", "password": "durable-password-1" }))
            .sent()
            .await;
        let member = TestApp::session_from(accepted).await;
        let token: Value = member
            .client
            .post(format!("{base}/api/v1/tokens"))
            .json(&json!({ "name": "load" }))
            .fetch()
            .await;
        tokens.push(token["token"].as_str().unwrap().to_owned());
    }

    let acks: Arc<Mutex<Vec<Vec<Ack>>>> = Arc::new(Mutex::new(vec![Vec::new(); CLIENTS]));
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut total_acks = 0;
    for round in 0..ROUNDS {
        // Clients submit as fast as they can until the server dies under them (or, for the
        // surviving instance's clients, until told to stop).
        let stop = Arc::new(AtomicBool::new(false));
        let mut workers = Vec::new();
        for (n, token) in tokens.iter().enumerate() {
            let (client, base, period, token, acks, stop) = (
                client.clone(),
                bases[n % instances].clone(),
                period.clone(),
                token.clone(),
                acks.clone(),
                stop.clone(),
            );
            workers.push(tokio::spawn(async move {
                for seq in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let key = format!("r{round}-c{n}-s{seq}");
                    let value = f64::from((round * 1000 + seq) as u32 % 1000) / 10.0;
                    let sent = client
                        .put(format!("{base}/api/v1/submissions/{period}"))
                        .bearer_auth(&token)
                        .header("idempotency-key", &key)
                        .json(&json!({ "values": { "mfa_coverage": value } }))
                        .send()
                        .await;
                    let Ok(response) = sent else { break };
                    if !response.status().is_success() {
                        break;
                    }
                    let Ok(saved) = response.json::<Submission>().await else {
                        break;
                    };
                    acks.lock().await[n].push(Ack {
                        key,
                        value,
                        revision: saved.revision,
                    });
                }
            }));
        }
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        // 0.15 to 1.35 s of load before the kill: the debug build of the server acknowledges
        // about a third as many submissions per second as the release build, for which this
        // was 0.05 to 0.45 s; so each round still ends with as many acknowledged writes at
        // risk.
        let delay_ms = 150 + (seed >> 33) % 1_200;
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        let victim = round % instances;
        servers[victim].kill().expect("SIGKILL the server");
        servers[victim].wait().unwrap();
        stop.store(true, Ordering::Relaxed);
        for worker in workers {
            worker.await.unwrap();
        }

        servers[victim] = start(&binary, ports[victim], &database_url);
        wait_healthy(&client, &bases[victim]).await;
        let acks = acks.lock().await;
        for (n, token) in tokens.iter().enumerate() {
            // Checked through the other instance than the one the client wrote to, if any.
            let base = &bases[(n + 1) % instances];
            let history: Vec<RevisionInfo> = client
                .get(format!("{base}/api/v1/submissions"))
                .bearer_auth(token)
                .fetch()
                .await;
            let mut revisions: Vec<i64> = history.iter().map(|r| r.revision).collect();
            revisions.sort_unstable();
            revisions.dedup();
            assert_eq!(
                revisions.len(),
                history.len(),
                "round {round}: a revision is stored twice"
            );
            for ack in &acks[n] {
                assert!(
                    revisions.binary_search(&ack.revision).is_ok(),
                    "round {round}: lost {ack:?}"
                );
            }
            // Retrying the last acknowledged request returns its revision and writes nothing.
            if let Some(last) = acks[n].last() {
                let retried: Submission = client
                    .put(format!("{base}/api/v1/submissions/{period}"))
                    .bearer_auth(token)
                    .header("idempotency-key", &last.key)
                    .json(&json!({ "values": { "mfa_coverage": last.value } }))
                    .fetch()
                    .await;
                assert_eq!(retried.revision, last.revision, "round {round}: {last:?}");
                let after: Vec<RevisionInfo> = client
                    .get(format!("{base}/api/v1/submissions"))
                    .bearer_auth(token)
                    .fetch()
                    .await;
                assert_eq!(
                    after.len(),
                    history.len(),
                    "round {round}: the retry wrote again"
                );
            }
        }
        total_acks = acks.iter().map(Vec::len).sum::<usize>();
        if instances > 1 {
            continue;
        }

        let url = format!("sqlite://{}", database.display());
        let mut connection = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        let (integrity,): (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(&mut connection)
            .await
            .unwrap();
        assert_eq!(integrity, "ok", "round {round}");
        sqlx::Connection::close(connection).await.unwrap();
    }
    if instances > 1 {
        releases_and_logins_agree(&client, &bases, &period).await;
    }
    for mut server in servers {
        server.kill().unwrap();
        server.wait().unwrap();
    }
    println!(
        "{ROUNDS} SIGKILL rounds, {instances} instance(s), {CLIENTS} clients, \
         {total_acks} acknowledged submissions, none lost"
    );
    assert!(
        total_acks > ROUNDS,
        "the clients got too few submissions through to prove anything"
    );
}

/// After the kills: logins work on every instance, two releases of the period at the same
/// moment give one success and one conflict, and every instance serves the same benchmark.
async fn releases_and_logins_agree(client: &reqwest::Client, bases: &[String], period: &str) {
    let mut admins = Vec::new();
    for base in bases {
        let login = client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({ "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD }))
            .sent()
            .await;
        assert_eq!(login.status(), 200, "login on {base}");
        admins.push(TestApp::session_from(login).await);
    }
    let release = |n: usize| {
        admins[n]
            .client
            .post(format!("{}/api/v1/periods/{period}/release", bases[n]))
            .sent()
    };
    let (first, second) = tokio::join!(release(0), release(1));
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 409]);
    let mut bodies = Vec::new();
    for base in bases {
        let read = client
            .get(format!("{base}/api/v1/benchmarks/{period}"))
            .sent()
            .await;
        assert_eq!(read.status(), 200);
        bodies.push(read.bytes().await.unwrap());
    }
    assert_eq!(bodies[0], bodies[1]);
}
