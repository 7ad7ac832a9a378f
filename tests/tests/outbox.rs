//! The notification outbox against the server binary, killed with SIGKILL, and a real SMTP
//! server (aiosmtpd): a release to the demo consortium with 150 more members.
//!
//! - killed between the release's commit and any delivery, a restarted server delivers each
//!   member's email exactly once;
//! - killed in the middle of the burst, every member still gets it; only emails in flight at
//!   the kill may come twice, and then with the same Message-ID, so mail systems drop them;
//! - the delivery latency of the burst, from the release's answer to each email's arrival,
//!   written to `target/test-output/notification-burst.json`.
//!
//! On PostgreSQL when `PEERPOSTURE_TEST_POSTGRES` is set. Run by `cargo xtask test`, which
//! builds the server binary first (the debug build: the latencies it writes are of that build).

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use peerposture_tests::{Email, Fetch, SmtpSink, TestClock, free_port, postgres_under_test};
use serde_json::{Value, json};
use tempfile::TempDir;

/// Members added to the demo consortium for the burst.
const EXTRA_MEMBERS: usize = 150;

/// A demo store, a mail server and a clock, shared by the servers a test starts.
struct Stand {
    database_url: String,
    sink: SmtpSink,
    clock: TestClock,
    port: u16,
    client: reqwest::Client,
    _dir: TempDir,
}

impl Stand {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database_url = match postgres_under_test() {
            Some(base) => peerposture_tests::fresh_postgres_schema(&base).await,
            None => format!("sqlite://{}", dir.path().join("outbox.db").display()),
        };
        Self {
            database_url,
            sink: SmtpSink::start().await,
            clock: TestClock::new(),
            port: free_port(),
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Starts the server; `deliver` false keeps emails queued.
    async fn start(&self, deliver: bool) -> Child {
        let mut child = Command::new(peerposture_tests::server_binary())
            .env("PEERPOSTURE_BIND", format!("127.0.0.1:{}", self.port))
            .env("PEERPOSTURE_DATABASE_URL", &self.database_url)
            .env("PEERPOSTURE_DIST_DIR", "/nonexistent")
            .env("PEERPOSTURE_DEMO", "true")
            .env("PEERPOSTURE_SMTP_URL", self.sink.url())
            .env(
                "PEERPOSTURE_SMTP_FROM",
                "PeerPosture <notifications@peerposture.test>",
            )
            .env("PEERPOSTURE_DELIVER_NOTIFICATIONS", deliver.to_string())
            .env("PEERPOSTURE_CLOCK_FILE", &self.clock.path)
            .env("PEERPOSTURE_NOTIFY_POLL_MS", "100")
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the server");
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(response) = self
                .client
                .get(format!("{}/api/v1/health", self.base()))
                .send()
                .await
                && response.status().is_success()
            {
                return child;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the server did not start");
    }

    async fn database(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.database_url).await.unwrap()
    }

    /// Adds viewers to the verified demo organisations, round robin (they never log in).
    async fn add_members(&self) {
        let db = self.database().await;
        let orgs: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM organisations WHERE verified_at IS NOT NULL ORDER BY id",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        for n in 0..EXTRA_MEMBERS {
            sqlx::query(
                "INSERT INTO users (email, name, role, org_id, password_hash, created_at) \
                 VALUES ($1, $2, 'member_viewer', $3, 'never-logs-in', 0)",
            )
            .bind(format!("viewer-{n}@burst.test"))
            .bind(format!("Burst viewer {n}"))
            .bind(orgs[n % orgs.len()])
            .execute(&db)
            .await
            .unwrap();
        }
    }

    /// Every member of a verified organisation: who a release emails.
    async fn members(&self) -> BTreeSet<String> {
        let db = self.database().await;
        sqlx::query_scalar(
            "SELECT u.email FROM users u JOIN organisations o ON o.id = u.org_id \
             WHERE o.verified_at IS NOT NULL AND u.role IN ('member_viewer', 'member_admin')",
        )
        .fetch_all(&db)
        .await
        .unwrap()
        .into_iter()
        .collect()
    }

    /// Logs in as the demo publisher and releases the open quarter; the subject its emails carry.
    async fn release(&self) -> String {
        let login = self
            .client
            .post(format!("{}/api/v1/auth/login", self.base()))
            .json(&json!({ "email": "publisher@demo.local", "password": backend::demo::DEMO_PASSWORD }))
            .sent()
            .await;
        assert_eq!(login.status(), 200);
        let cookie = login
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
            .collect::<Vec<_>>()
            .join("; ");
        let current = backend::http::current_period();
        let released: Value = self
            .client
            .post(format!("{}/api/v1/periods/{current}/release", self.base()))
            .header(reqwest::header::COOKIE, cookie)
            .header(reqwest::header::ORIGIN, self.base())
            .fetch()
            .await;
        assert_eq!(released["period"], current.to_string());
        format!("PeerPosture: {current} benchmarks are out")
    }

    fn released_emails(&self, subject: &str) -> Vec<Email> {
        self.sink
            .received()
            .into_iter()
            .filter(|e| e.subject == subject)
            .collect()
    }

    /// Waits (up to 120 s) until every member has the release's email.
    async fn wait_all(&self, subject: &str, members: &BTreeSet<String>) -> Vec<Email> {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let emails = self.released_emails(subject);
            let reached: BTreeSet<String> = emails.iter().flat_map(|e| e.to.clone()).collect();
            if members.is_subset(&reached) {
                return emails;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {} members reached within 120 s",
                members.intersection(&reached).count(),
                members.len()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn sigkill(mut child: Child) {
    // SIGKILL: no shutdown code runs.
    child.kill().unwrap();
    child.wait().unwrap();
}

fn per_address(emails: &[Email]) -> BTreeMap<String, Vec<&Email>> {
    let mut map: BTreeMap<String, Vec<&Email>> = BTreeMap::new();
    for email in emails {
        for to in &email.to {
            map.entry(to.clone()).or_default().push(email);
        }
    }
    map
}

#[tokio::test]
#[ignore = "needs the server binary: run through `cargo xtask test`"]
async fn killed_between_the_release_and_delivery_each_member_gets_its_email_once() {
    let stand = Stand::new().await;
    let server = stand.start(false).await;
    stand.add_members().await;
    let members = stand.members().await;
    assert!(members.len() > EXTRA_MEMBERS);
    let subject = stand.release().await;
    // Committed, nothing sent: killed now.
    sigkill(server);
    assert!(stand.released_emails(&subject).is_empty());

    let server = stand.start(true).await;
    stand.wait_all(&subject, &members).await;
    // A few more worker rounds: nothing is sent again.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let emails = stand.released_emails(&subject);
    for (address, copies) in per_address(&emails) {
        assert_eq!(copies.len(), 1, "{address} got {} copies", copies.len());
    }
    assert_eq!(emails.len(), members.len());
    sigkill(server);
}

#[tokio::test]
#[ignore = "needs the server binary: run through `cargo xtask test`"]
async fn killed_during_the_burst_every_member_still_gets_its_email() {
    let stand = Stand::new().await;
    let server = stand.start(true).await;
    stand.add_members().await;
    let members = stand.members().await;
    let subject = stand.release().await;
    // Killed once a few emails are out.
    let deadline = Instant::now() + Duration::from_secs(60);
    while stand.released_emails(&subject).len() < 10 {
        assert!(Instant::now() < deadline, "no emails within 60 s");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    sigkill(server);
    let before = stand.released_emails(&subject).len();
    assert!(before < members.len(), "the burst ended before the kill");

    // Deliveries leased by the killed server wait for their lease (2 minutes) to end.
    stand.clock.set(stand.clock.now() + 121);
    let server = stand.start(true).await;
    let emails = stand.wait_all(&subject, &members).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let emails = if emails.len() == stand.released_emails(&subject).len() {
        emails
    } else {
        stand.released_emails(&subject)
    };
    let mut repeated = 0;
    for (address, copies) in per_address(&emails) {
        if copies.len() > 1 {
            repeated += 1;
            let ids: BTreeSet<&String> = copies.iter().map(|e| &e.headers["Message-ID"]).collect();
            assert_eq!(ids.len(), 1, "{address}: copies with different Message-IDs");
        }
    }
    // Only what was in flight at the kill (at most 16 at a time) can come twice.
    assert!(
        repeated <= backend::notify::IN_FLIGHT,
        "{repeated} addresses got a repeat"
    );
    println!(
        "killed after {before} of {} emails; {repeated} sent again after the restart",
        members.len()
    );
    sigkill(server);
}

#[tokio::test]
#[ignore = "needs the server binary: run through `cargo xtask test`"]
async fn release_burst_latency() {
    let stand = Stand::new().await;
    let server = stand.start(true).await;
    stand.add_members().await;
    let members = stand.members().await;
    let subject = stand.release().await;
    let released_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let emails = stand.wait_all(&subject, &members).await;
    let mut latencies: Vec<f64> = emails
        .iter()
        .map(|e| (e.at - released_at) * 1000.0)
        .collect();
    latencies.sort_by(f64::total_cmp);
    let at = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    let figures = json!({
        "store": if postgres_under_test().is_some() { "postgres" } else { "sqlite" },
        "emails": latencies.len(),
        "first_ms": at(0.0).round(),
        "p50_ms": at(0.5).round(),
        "p95_ms": at(0.95).round(),
        "last_ms": at(1.0).round(),
    });
    println!("release to {} members: {figures}", latencies.len());
    let dir = peerposture_tests::test_output_dir();
    let name = format!(
        "notification-burst-{}.json",
        figures["store"].as_str().unwrap()
    );
    std::fs::write(dir.join(name), figures.to_string()).unwrap();
    sigkill(server);
}
