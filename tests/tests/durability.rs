//! Durability under SIGKILL: the release server takes submissions from concurrent clients and
//! is killed at random moments, 20 times. After each restart every acknowledged submission
//! must be there exactly once and SQLite's integrity check must pass.
//! Run by `cargo xtask test`, which builds the release server first.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use peerposture_tests::{ADMIN_EMAIL, ADMIN_PASSWORD, Fetch, TestApp};
use serde_json::{Value, json};
use shared::account::Role;
use shared::submission::{RevisionInfo, Submission};
use tokio::sync::Mutex;

const ROUNDS: usize = 20;
const CLIENTS: usize = 6;

fn server_binary() -> PathBuf {
    let binary = std::env::var_os("PEERPOSTURE_TEST_SERVER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/release/peerposture"
            ))
        });
    assert!(
        binary.is_file(),
        "no release server at {}: run `cargo xtask test`",
        binary.display()
    );
    binary
}

fn start(binary: &Path, port: u16, database: &Path) -> Child {
    Command::new(binary)
        .env("PEERPOSTURE_BIND", format!("127.0.0.1:{port}"))
        .env(
            "PEERPOSTURE_DATABASE_URL",
            format!("sqlite://{}", database.display()),
        )
        .env("PEERPOSTURE_DIST_DIR", "/nonexistent")
        .env("PEERPOSTURE_ADMIN_EMAIL", ADMIN_EMAIL)
        .env("PEERPOSTURE_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the release server")
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
#[ignore = "needs the release server: run through `cargo xtask test`"]
async fn acknowledged_submissions_survive_sigkill() {
    let binary = server_binary();
    let dir = tempfile::tempdir().unwrap();
    let database = dir.path().join("durability.db");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let period = backend::http::current_period().to_string();

    // One organisation and API token per client.
    let mut server = start(&binary, port, &database);
    wait_healthy(&client, &base).await;
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
        // Clients submit as fast as they can until the server dies under them.
        let mut workers = Vec::new();
        for (n, token) in tokens.iter().enumerate() {
            let (client, base, period, token, acks) = (
                client.clone(),
                base.clone(),
                period.clone(),
                token.clone(),
                acks.clone(),
            );
            workers.push(tokio::spawn(async move {
                for seq in 0.. {
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
        let delay_ms = 50 + (seed >> 33) % 400;
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        server.kill().expect("SIGKILL the server");
        server.wait().unwrap();
        for worker in workers {
            worker.await.unwrap();
        }

        server = start(&binary, port, &database);
        wait_healthy(&client, &base).await;
        let acks = acks.lock().await;
        for (n, token) in tokens.iter().enumerate() {
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
    server.kill().unwrap();
    server.wait().unwrap();
    println!(
        "{ROUNDS} SIGKILL rounds, {CLIENTS} clients, {total_acks} acknowledged submissions, none lost"
    );
    assert!(
        total_acks > ROUNDS,
        "the clients got too few submissions through to prove anything"
    );
}
