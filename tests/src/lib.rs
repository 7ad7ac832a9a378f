//! Helpers for the end-to-end tests: start the real server on a loopback port with a fresh
//! store, and drive headless Chromium through chromedriver.
//!
//! The store is a fresh SQLite file, or, when `PEERPOSTURE_TEST_POSTGRES` names a PostgreSQL
//! database (`cargo xtask test` runs the API tests both ways), a fresh schema in it.

pub mod contract;
pub mod webdriver;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use backend::Config;
use backend::config::Secret;
use reqwest::header::{COOKIE, HeaderMap, HeaderValue, SET_COOKIE};
use serde_json::{Value, json};
use shared::account::{Organisation, Role, User};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running server with its own temporary directory (database and, unless given, a dist
/// directory holding a minimal index.html).
#[derive(Debug)]
pub struct TestApp {
    pub address: SocketAddr,
    pub client: reqwest::Client,
    /// The SQLite file (which does not exist when the store is PostgreSQL).
    pub database_path: PathBuf,
    pub database_url: String,
    pub dist_dir: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<()>>,
    /// The publisher who confirms the verifications the admin proposes (invited on first use).
    confirmer: tokio::sync::OnceCell<Session>,
    _dir: TempDir,
}

/// The index.html of the stand-in dist directory used by API tests.
pub const TEST_INDEX_HTML: &str = "<!DOCTYPE html><title>PeerPosture test shell</title>";

/// The back office bundle's index.html in the stand-in dist directory.
pub const TEST_BACK_OFFICE_HTML: &str = "<!DOCTYPE html><title>PeerPosture back office</title>";

/// The stand-in index.html of the insights bundle (`dist/insights/`).
pub const TEST_INSIGHTS_HTML: &str = "<!DOCTYPE html><title>PeerPosture insights</title>";

/// The first admin every test server starts with.
pub const ADMIN_EMAIL: &str = "admin@test.local";
pub const ADMIN_PASSWORD: &str = "admin-password-123";
/// The publisher who confirms the verifications the first admin proposes.
pub const CONFIRMER_EMAIL: &str = "confirmer@test.local";
/// The password test users set when accepting invitations.
pub const USER_PASSWORD: &str = "member-password-123";

/// Shorthands for the requests tests make, which either answer or fail the test.
pub trait Fetch {
    /// Sends the request and returns the response.
    fn sent(self) -> impl std::future::Future<Output = reqwest::Response>;
    /// Sends the request and decodes the JSON answer.
    fn fetch<T: serde::de::DeserializeOwned>(self) -> impl std::future::Future<Output = T>;
}

impl Fetch for reqwest::RequestBuilder {
    async fn sent(self) -> reqwest::Response {
        let (client, request) = self.build_split();
        let request = request.expect("a well-formed request");
        let method = request.method().to_string();
        let response = client.execute(request).await.expect("the server answers");
        checked(&method, response).await
    }

    async fn fetch<T: serde::de::DeserializeOwned>(self) -> T {
        self.sent()
            .await
            .json()
            .await
            .expect("a JSON answer of the expected shape")
    }
}

/// Reads the response, fails the test when it breaks the OpenAPI document (see [`contract`]),
/// and hands back an identical response.
async fn checked(method: &str, response: reqwest::Response) -> reqwest::Response {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    let path = response.url().path().to_owned();
    let body = response.bytes().await.expect("the response body arrives");
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok());
    if let Err(breach) = contract::check(method, &path, status.as_u16(), content_type, &body) {
        panic!("the API broke its OpenAPI contract: {breach}");
    }
    let mut rebuilt = http::Response::builder().status(status).version(version);
    for (name, value) in &headers {
        rebuilt = rebuilt.header(name, value);
    }
    reqwest::Response::from(rebuilt.body(body).expect("the same response"))
}

/// A logged-in browser session: every request carries its cookie.
#[derive(Debug, Clone)]
pub struct Session {
    pub client: reqwest::Client,
    pub user: User,
    pub cookie: String,
}

impl TestApp {
    /// Starts a server whose dist directory holds only a stand-in index.html.
    pub async fn spawn() -> Self {
        Self::spawn_with(None, false).await
    }

    /// Starts a server seeded with the demo consortium.
    pub async fn spawn_demo() -> Self {
        Self::spawn_with(None, true).await
    }

    /// Starts a server on 127.0.0.1:0 serving `dist_dir` (or a stand-in) with a fresh database,
    /// seeded with the demo consortium when `demo`.
    pub async fn spawn_with(dist_dir: Option<&Path>, demo: bool) -> Self {
        Self::spawn_with_k(dist_dir, demo, shared::benchmark::DEFAULT_K).await
    }

    /// As `spawn_with`, with anonymity threshold `k`.
    pub async fn spawn_with_k(dist_dir: Option<&Path>, demo: bool, k: u32) -> Self {
        Self::spawn_full(dist_dir, demo, k, None, |_| {}).await
    }

    /// Starts a server with a fresh store and the configuration `configure` leaves.
    pub async fn spawn_configured(configure: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_full(None, false, shared::benchmark::DEFAULT_K, None, configure).await
    }

    /// Starts a demo server on the built frontend `dist_dir`, configured by `configure`.
    pub async fn spawn_with_dist_configured(
        dist_dir: &Path,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        Self::spawn_full(
            Some(dist_dir),
            true,
            shared::benchmark::DEFAULT_K,
            None,
            configure,
        )
        .await
    }

    /// Starts a server seeded with the demo consortium, configured by `configure`.
    pub async fn spawn_demo_configured(configure: impl FnOnce(&mut Config)) -> Self {
        Self::spawn_full(None, true, shared::benchmark::DEFAULT_K, None, configure).await
    }

    /// Starts a server on the store at `database_url` (seeded with the demo when `demo` and
    /// empty), whatever `PEERPOSTURE_TEST_POSTGRES` says.
    pub async fn spawn_on(database_url: String, demo: bool) -> Self {
        Self::spawn_full(
            None,
            demo,
            shared::benchmark::DEFAULT_K,
            Some(database_url),
            |_| {},
        )
        .await
    }

    async fn spawn_full(
        dist_dir: Option<&Path>,
        demo: bool,
        k: u32,
        database_url: Option<String>,
        configure: impl FnOnce(&mut Config),
    ) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let dist_dir = match dist_dir {
            Some(dist) => dist.to_owned(),
            None => {
                let dist = dir.path().join("dist");
                std::fs::create_dir(&dist).expect("create dist");
                std::fs::write(dist.join("index.html"), TEST_INDEX_HTML).expect("write index");
                std::fs::create_dir(dist.join("backoffice")).expect("create dist/backoffice");
                std::fs::write(dist.join("backoffice/index.html"), TEST_BACK_OFFICE_HTML)
                    .expect("write back office index");
                std::fs::create_dir(dist.join("insights")).expect("create dist/insights");
                std::fs::write(dist.join("insights/index.html"), TEST_INSIGHTS_HTML)
                    .expect("write insights index");
                dist
            }
        };
        // A nested path: the server must create missing directories itself.
        let database_path = dir.path().join("data/nested/peerposture.db");
        let database_url = match (database_url, postgres_under_test()) {
            (Some(url), _) => url,
            (None, Some(base)) => fresh_postgres_schema(&base).await,
            (None, None) => format!("sqlite://{}", database_path.display()),
        };
        let database_path = match database_url.strip_prefix("sqlite://") {
            Some(path) => PathBuf::from(path),
            None => database_path,
        };
        let mut config = Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            database_url: database_url.clone(),
            dist_dir: dist_dir.clone(),
            admin_email: Some(ADMIN_EMAIL.to_owned()),
            admin_password: Some(Secret::new(ADMIN_PASSWORD)),
            demo,
            k,
            ..Config::default()
        };
        configure(&mut config);
        let listener = TcpListener::bind(config.bind)
            .await
            .expect("bind loopback port");
        let address = listener.local_addr().expect("local address");
        let (shutdown, stop) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            let stopped = async {
                let _ = stop.await;
            };
            backend::serve(config, listener, stopped)
                .await
                .expect("server runs");
        });
        let app = Self {
            address,
            client: reqwest::Client::new(),
            database_path,
            database_url,
            dist_dir,
            shutdown: Some(shutdown),
            server: Some(server),
            confirmer: tokio::sync::OnceCell::new(),
            _dir: dir,
        };
        app.wait_until_healthy().await;
        app
    }

    /// A connection pool on this server's database, whichever backend it is (queries number
    /// their parameters `$1`, which both take).
    pub async fn database(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::AnyPool::connect(&self.database_url)
            .await
            .expect("connect to the test server's database")
    }

    /// The key that signs now, as whoever holds a copy of the database reads it: the private
    /// seed is in `signing_keys`.
    pub async fn stolen_signing_key(&self) -> attest::SigningKey {
        let seed: Vec<u8> =
            sqlx::query_scalar("SELECT private_seed FROM signing_keys WHERE retired_at IS NULL")
                .fetch_one(&self.database().await)
                .await
                .expect("the signing key's seed");
        attest::SigningKey::from_seed(seed.try_into().expect("a 32-byte seed"))
    }

    /// Whether this server's store is PostgreSQL.
    pub fn on_postgres(&self) -> bool {
        self.database_url.starts_with("postgres")
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// Logs in; panics unless the login succeeds.
    pub async fn login(&self, email: &str, password: &str) -> Session {
        let response = self
            .client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "email": email, "password": password }))
            .sent()
            .await;
        assert_eq!(response.status(), 200, "login of {email}");
        Self::session_from(response).await
    }

    /// A session from a response that set the session cookie.
    pub async fn session_from(response: reqwest::Response) -> Session {
        let cookie = response
            .headers()
            .get(SET_COOKIE)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .expect("a session cookie")
            .to_owned();
        let user: User = response.json().await.unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(COOKIE, HeaderValue::from_str(&cookie).unwrap());
        let client = reqwest::Client::builder()
            .default_headers(headers)
            .build()
            .unwrap();
        Session {
            client,
            user,
            cookie,
        }
    }

    /// The member's compliance with the standard its organisation follows, in `period`
    /// against `cohort`.
    pub async fn followed_compliance(
        &self,
        member: &Session,
        period: shared::Period,
        cohort: &str,
    ) -> shared::standard::Compliance {
        let followed: shared::standard::FollowedStandard = member
            .client
            .get(self.url("/api/v1/org/standard"))
            .fetch()
            .await;
        let id = followed
            .standard_id
            .expect("the member's organisation follows a standard");
        member
            .client
            .get(self.url(&format!(
                "/api/v1/standards/{id}/compliance?period={period}&cohort={cohort}"
            )))
            .fetch()
            .await
    }

    pub async fn admin(&self) -> Session {
        self.login(ADMIN_EMAIL, ADMIN_PASSWORD).await
    }

    /// The value of the session cookie (`pp_session=…`), for handing the session to a browser.
    pub fn cookie_value(session: &Session) -> &str {
        session
            .cookie
            .split_once('=')
            .map_or("", |(_, value)| value)
    }

    /// Creates (and, when asked, verifies) an organisation as `admin`. Verifying takes two
    /// people: `admin` proposes, and a publisher of the test server confirms.
    pub async fn create_org(&self, admin: &Session, name: &str, verified: bool) -> Organisation {
        let body = json!({
            "name": name, "seat_band": "1k-4.9k", "region": "southeast-asia",
            "verticals": ["banking", "telecom"], "delivery": "offshore", "wfh_band": "26-75"
        });
        let response = admin
            .client
            .post(self.url("/api/v1/orgs"))
            .json(&body)
            .sent()
            .await;
        assert_eq!(response.status(), 201, "create organisation {name}");
        let org: Organisation = response.json().await.unwrap();
        if !verified {
            return org;
        }
        self.verify(admin, org.id).await
    }

    /// Verifies organisation `id`: `proposer` (an admin) proposes, the test server's confirming
    /// publisher confirms.
    pub async fn verify(&self, proposer: &Session, id: i64) -> Organisation {
        let url = self.url(&format!("/api/v1/orgs/{id}/verify"));
        let proposed = proposer.client.post(&url).sent().await;
        assert_eq!(proposed.status(), 200, "propose verifying #{id}");
        let confirmer = self.confirmer().await;
        let confirmed = confirmer.client.post(&url).sent().await;
        assert_eq!(confirmed.status(), 200, "confirm verifying #{id}");
        let org: Organisation = confirmed.json().await.unwrap();
        assert!(org.verified);
        org
    }

    /// The publisher who confirms verifications, invited by the first admin on first use.
    pub async fn confirmer(&self) -> &Session {
        self.confirmer
            .get_or_init(|| async {
                let admin = self.admin().await;
                // Another server on the same store may have invited it already.
                let users: Vec<User> = admin.client.get(self.url("/api/v1/users")).fetch().await;
                if users.iter().any(|user| user.email == CONFIRMER_EMAIL) {
                    return self.login(CONFIRMER_EMAIL, USER_PASSWORD).await;
                }
                self.invite(&admin, CONFIRMER_EMAIL, Role::Publisher, None)
                    .await
            })
            .await
    }

    /// Creates the standard `draft` (JSON as the API takes it) as `publisher` and publishes it.
    pub async fn publish_standard(
        &self,
        publisher: &Session,
        draft: &Value,
    ) -> shared::standard::Standard {
        let created = publisher
            .client
            .post(self.url("/api/v1/standards"))
            .json(draft)
            .sent()
            .await;
        assert_eq!(created.status(), 201, "create standard {draft}");
        let id = created.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap();
        let published = publisher
            .client
            .post(self.url(&format!("/api/v1/standards/{id}/publish")))
            .sent()
            .await;
        assert_eq!(published.status(), 200, "publish standard #{id}");
        published.json().await.unwrap()
    }

    /// Invites `email` as `inviter` and accepts the invitation; returns the new user's session.
    pub async fn invite(
        &self,
        inviter: &Session,
        email: &str,
        role: Role,
        org_id: Option<i64>,
    ) -> Session {
        self.accept_invitation(
            inviter,
            email,
            json!({ "email": email, "role": role, "org_id": org_id }),
        )
        .await
    }

    /// Creates a client organisation as the platform admin `admin` and invites `email` as its
    /// reviewer; returns the reviewer's session and the client organisation's id.
    pub async fn client_reviewer(
        &self,
        admin: &Session,
        client: &str,
        email: &str,
    ) -> (Session, i64) {
        let domain = client.to_lowercase().replace(' ', "");
        let created: Value = admin
            .client
            .post(self.url("/api/v1/clients"))
            .json(&json!({ "name": client, "address": format!("vendor-risk@{domain}.example") }))
            .fetch()
            .await;
        let id = created["id"].as_i64().expect("a client organisation");
        let body = json!({ "email": email, "role": "client_reviewer", "client_id": id });
        (self.accept_invitation(admin, email, body).await, id)
    }

    async fn accept_invitation(&self, inviter: &Session, email: &str, body: Value) -> Session {
        let response = inviter
            .client
            .post(self.url("/api/v1/invitations"))
            .json(&body)
            .sent()
            .await;
        assert_eq!(response.status(), 201, "invite {email}");
        let created: Value = response.json().await.unwrap();
        let token = created["token"].as_str().unwrap();
        let response = self
            .client
            .post(self.url(&format!("/api/v1/invitations/{token}/accept")))
            .json(&json!({ "name": format!("User {email}"), "password": USER_PASSWORD }))
            .sent()
            .await;
        assert_eq!(response.status(), 200, "accept invitation of {email}");
        Self::session_from(response).await
    }

    async fn wait_until_healthy(&self) {
        for _ in 0..200 {
            if let Ok(response) = self.client.get(self.url("/api/v1/health")).send().await
                && response.status().is_success()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("server did not become healthy");
    }

    /// Stops the server gracefully and waits for it to finish.
    pub async fn stop(mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task finished cleanly");
        }
    }
}

/// Directory for artefacts tests leave for people to look at (screenshots):
/// `target/test-output/`.
/// Runs one of the outside checkers in `tests/js/` with node and the npm packages pinned in
/// `package-lock.json` (both installed by `cargo xtask test`).
pub async fn node(script: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    tokio::process::Command::new("node")
        .arg(root.join("tests/js").join(script))
        .args(args)
        .current_dir(&root)
        .output()
        .await
        .expect("node runs (installed by cargo xtask test)")
}

/// A workbook or CSV file as ExcelJS reads it (`tests/js/read-workbook.mjs`, sharing no code
/// with the server's writer): the first sheet's rows, and whether its header row is frozen.
pub async fn read_workbook(file: &Path) -> (Vec<Vec<Value>>, bool) {
    let output = node("read-workbook.mjs", &[file.as_os_str()]).await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let read: Value = serde_json::from_slice(&output.stdout).expect("the reader's JSON");
    let sheet = &read["sheets"][0];
    let rows = sheet["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row.as_array().expect("a row").clone())
        .collect();
    (rows, sheet["frozen"] == true)
}

pub fn test_output_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/test-output");
    std::fs::create_dir_all(&dir).expect("create test output directory");
    dir
}

/// How long browser tests wait for a page to show what they expect.
pub const LOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);

/// The trunk build the browser tests serve: `PEERPOSTURE_TEST_DIST`, else the workspace's dist/.
pub fn built_dist() -> PathBuf {
    let dist = std::env::var_os("PEERPOSTURE_TEST_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist"));
    assert!(
        dist.join("index.html").is_file(),
        "no frontend build in {}: run `cargo xtask test`",
        dist.display()
    );
    dist
}

/// Logs in through the app's login form, as a person would.
pub async fn log_in_through_the_form(
    app: &TestApp,
    browser: &webdriver::Session,
    email: &str,
    password: &str,
) {
    browser.goto(&app.url("/login")).await;
    browser
        .wait_until(
            "the login form",
            "return !!document.querySelector('input[name=email]');",
            LOAD_TIMEOUT,
        )
        .await;
    browser.type_into("input[name=email]", email).await;
    browser.type_into("input[name=password]", password).await;
    browser.click("form button[type=submit]").await;
}

/// Opens `path` in `browser` already logged in as `session` (the browser's cache stays cold:
/// the cookie is set on a page of the origin that loads none of the app).
pub async fn open_logged_in(
    app: &TestApp,
    browser: &webdriver::Session,
    session: &Session,
    path: &str,
) {
    browser.goto(&app.url("/api/v1/health")).await;
    browser
        .add_cookie("pp_session", TestApp::cookie_value(session))
        .await;
    browser.goto(&app.url(path)).await;
}

/// Checks `path` at 1280 px and at 390 px: no WCAG 2 A/AA violation (axe-core), nothing
/// scrolling sideways at phone width; saves `{name}.png` and `{name}-390px.png`.
pub async fn check_page(
    app: &TestApp,
    driver: &webdriver::ChromeDriver,
    session: &Session,
    path: &str,
    ready: &str,
    name: &str,
) {
    check_as(app, driver, Some(session), path, ready, name).await;
}

/// As [`check_page`], logged in as `session` or, without one, as an anonymous visitor.
pub async fn check_as(
    app: &TestApp,
    driver: &webdriver::ChromeDriver,
    session: Option<&Session>,
    path: &str,
    ready: &str,
    name: &str,
) {
    for (width, suffix) in [(1280, ""), (390, "-390px")] {
        let browser = driver.session(width, 1000).await;
        match session {
            Some(session) => open_logged_in(app, &browser, session, path).await,
            None => browser.goto(&app.url(path)).await,
        }
        browser
            .wait_until(name, &format!("return {ready};"), LOAD_TIMEOUT)
            .await;
        let violations = browser.accessibility_violations().await;
        assert!(
            violations.is_empty(),
            "{path} at {width} px: {violations:#?}"
        );
        let fits: bool = browser
            .execute(
                "return document.documentElement.scrollWidth <= window.innerWidth;",
                vec![],
            )
            .await;
        assert!(fits, "{path} scrolls sideways at {width} px");
        browser
            .save_screenshot(&format!("{name}{suffix}.png"))
            .await;
        browser.close().await;
    }
}

/// The payload of a compact JWS, as text (the claims' JSON).
pub fn jws_payload(jws: &str) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = jws.split('.').collect();
    assert_eq!(parts.len(), 3, "a compact JWS");
    String::from_utf8(engine.decode(parts[1]).expect("base64url payload")).expect("a UTF-8 payload")
}

/// A compact JWS with `from` replaced by `to` in its payload, header and signature kept: what
/// a forger would hand over.
pub fn tampered(jws: &str, from: &str, to: &str) -> String {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = jws.split('.').collect();
    let payload = jws_payload(jws);
    assert!(payload.contains(from), "{from} is in the payload");
    let payload = payload.replace(from, to);
    format!("{}.{}.{}", parts[0], engine.encode(payload), parts[2])
}

/// What the page open in `browser` loaded, by the Performance API: the document's and every
/// resource's bytes over the wire (`total`), and the start of the performance mark `mark`
/// (`mark_ms`, null when the page did not set it). Also written to `target/test-output/{file}`.
pub async fn first_load(browser: &webdriver::Session, mark: &str, file: &str) -> serde_json::Value {
    let load: serde_json::Value = browser
        .execute(
            "const nav = performance.getEntriesByType('navigation')[0]; \
             const res = performance.getEntriesByType('resource'); \
             const mark = performance.getEntriesByName(arguments[0])[0]; \
             return { document: nav.transferSize, \
                      files: res.map(r => [r.name.replace(location.origin, ''), r.transferSize, r.initiatorType]), \
                      total: nav.transferSize + res.reduce((s, r) => s + r.transferSize, 0), \
                      mark_ms: mark ? mark.startTime : null };",
            vec![serde_json::Value::from(mark)],
        )
        .await;
    println!(
        "first load ({file}): {}",
        serde_json::to_string_pretty(&load).unwrap()
    );
    std::fs::write(
        test_output_dir().join(file),
        serde_json::to_vec_pretty(&load).unwrap(),
    )
    .expect("write the first-load figures");
    load
}

/// A server with two verified organisations: A with a member admin and a viewer, B with a
/// member admin.
#[derive(Debug)]
pub struct TwoOrganisations {
    pub app: TestApp,
    pub admin: Session,
    pub manager_a: Session,
    pub viewer_a: Session,
    pub manager_b: Session,
}

impl TwoOrganisations {
    pub async fn spawn() -> Self {
        let app = TestApp::spawn().await;
        let admin = app.admin().await;
        let org_a = app.create_org(&admin, "Org A", true).await;
        let org_b = app.create_org(&admin, "Org B", true).await;
        let manager_a = app
            .invite(
                &admin,
                "manager@a.example",
                Role::MemberAdmin,
                Some(org_a.id),
            )
            .await;
        let viewer_a = app
            .invite(
                &admin,
                "viewer@a.example",
                Role::MemberViewer,
                Some(org_a.id),
            )
            .await;
        let manager_b = app
            .invite(
                &admin,
                "manager@b.example",
                Role::MemberAdmin,
                Some(org_b.id),
            )
            .await;
        Self {
            app,
            admin,
            manager_a,
            viewer_a,
            manager_b,
        }
    }
}

/// The PostgreSQL database the tests run against (`PEERPOSTURE_TEST_POSTGRES`), if any.
pub fn postgres_under_test() -> Option<String> {
    std::env::var("PEERPOSTURE_TEST_POSTGRES")
        .ok()
        .filter(|url| !url.is_empty())
}

/// Creates an empty schema in the PostgreSQL database `base` and returns a URL whose
/// connections use it. Schemas left by test processes that have ended are dropped first.
pub async fn fresh_postgres_schema(base: &str) -> String {
    use sqlx::Connection;
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    let mut connection = sqlx::PgConnection::connect(base)
        .await
        .unwrap_or_else(|e| panic!("PEERPOSTURE_TEST_POSTGRES={base} does not answer: {e}"));
    SWEPT
        .get_or_init(|| async {
            let schemas: Vec<String> = sqlx::query_scalar(
                "SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'pp\\_test\\_%'",
            )
            .fetch_all(&mut connection)
            .await
            .expect("list test schemas");
            for schema in schemas {
                let pid = schema.split('_').nth(2).unwrap_or_default();
                if !Path::new("/proc").join(pid).exists() {
                    sqlx::query(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                        .execute(&mut connection)
                        .await
                        .expect("drop a stale test schema");
                }
            }
        })
        .await;
    let schema = format!(
        "pp_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut connection)
        .await
        .expect("create a test schema");
    backend::store::schema_url(base, &schema)
}

/// The Python with aiosmtpd: `PEERPOSTURE_TEST_PYTHON`, else the venv `cargo xtask test`
/// prepares under `target/contract-venv`.
pub fn test_python() -> PathBuf {
    let python = std::env::var_os("PEERPOSTURE_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/contract-venv/bin/python"
            ))
        });
    assert!(
        python.is_file(),
        "no Python with aiosmtpd at {}: run `cargo xtask test` once (it makes the venv), or \
         set PEERPOSTURE_TEST_PYTHON",
        python.display()
    );
    python
}

/// A loopback port free now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// An email as the SMTP server received it (decoded by Python's `email` package).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Email {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub headers: std::collections::HashMap<String, String>,
    pub body: String,
    /// Arrival, Unix seconds.
    pub at: f64,
}

/// A real SMTP server on loopback: aiosmtpd (tests/py/smtp_sink.py) writing what it receives
/// to a file.
#[derive(Debug)]
pub struct SmtpSink {
    pub port: u16,
    file: PathBuf,
    _child: tokio::process::Child,
    _dir: TempDir,
}

impl SmtpSink {
    pub async fn start() -> Self {
        use tokio::io::AsyncBufReadExt;
        let dir = tempfile::tempdir().expect("temporary directory");
        let file = dir.path().join("mail.jsonl");
        let port = free_port();
        let mut child = tokio::process::Command::new(test_python())
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/py/smtp_sink.py"))
            .arg(port.to_string())
            .arg(&file)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("start aiosmtpd");
        let stdout = child.stdout.take().expect("piped stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(std::time::Duration::from_secs(20), lines.next_line())
            .await
            .expect("aiosmtpd starts within 20 s")
            .expect("aiosmtpd's output");
        assert_eq!(ready.as_deref(), Some("ready"), "aiosmtpd did not start");
        Self {
            port,
            file,
            _child: child,
            _dir: dir,
        }
    }

    /// The `PEERPOSTURE_SMTP_URL` of this server (plain SMTP on loopback).
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    pub fn received(&self) -> Vec<Email> {
        std::fs::read_to_string(&self.file)
            .unwrap_or_default()
            .lines()
            .map(|line| serde_json::from_str(line).expect("a message record"))
            .collect()
    }

    /// Waits (up to 30 s) until some received email matches, and returns the matching ones.
    pub async fn wait_for(&self, what: &str, matches: impl Fn(&Email) -> bool) -> Vec<Email> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let found: Vec<Email> = self.received().into_iter().filter(&matches).collect();
            if !found.is_empty() {
                return found;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no email {what} within 30 s; received: {:#?}",
                self.received()
                    .iter()
                    .map(|e| (&e.to, &e.subject))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}

/// A request a webhook receiver got.
#[derive(Debug, Clone)]
pub struct Hook {
    pub headers: std::collections::HashMap<String, String>,
    pub body: String,
}

/// A real HTTP server on loopback receiving webhooks: it records each request and answers
/// with the statuses queued by `answer_next`, then 200.
#[derive(Debug, Clone)]
pub struct HookReceiver {
    pub url: String,
    hooks: std::sync::Arc<std::sync::Mutex<Vec<Hook>>>,
    statuses: std::sync::Arc<std::sync::Mutex<std::collections::VecDeque<u16>>>,
}

impl HookReceiver {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!(
            "http://{}/hooks/peerposture",
            listener.local_addr().unwrap()
        );
        let receiver = Self {
            url,
            hooks: Default::default(),
            statuses: Default::default(),
        };
        let state = receiver.clone();
        let app = axum::Router::new().route(
            "/hooks/peerposture",
            axum::routing::post(
                move |headers: axum::http::HeaderMap, body: String| async move {
                    let headers = headers
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                        .collect();
                    state.hooks.lock().unwrap().push(Hook { headers, body });
                    let status = state.statuses.lock().unwrap().pop_front().unwrap_or(200);
                    (
                        axum::http::StatusCode::from_u16(status).unwrap(),
                        format!("receiver answered {status}"),
                    )
                },
            ),
        );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        receiver
    }

    /// The next requests are answered with these statuses.
    pub fn answer_next(&self, statuses: &[u16]) {
        self.statuses.lock().unwrap().extend(statuses);
    }

    pub fn received(&self) -> Vec<Hook> {
        self.hooks.lock().unwrap().clone()
    }

    /// Waits (up to 30 s) until `count` requests have come, and returns them all.
    pub async fn wait_for(&self, count: usize) -> Vec<Hook> {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        loop {
            let hooks = self.received();
            if hooks.len() >= count {
                return hooks;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{} of {count} webhook requests within 30 s",
                hooks.len()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// A clock the test moves: a file the server's notification worker reads its time from.
#[derive(Debug)]
pub struct TestClock {
    pub path: PathBuf,
    _dir: TempDir,
}

impl TestClock {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let clock = Self {
            path: dir.path().join("clock"),
            _dir: dir,
        };
        clock.set(backend::auth::now_unix());
        clock
    }

    pub fn set(&self, unix: i64) {
        std::fs::write(&self.path, unix.to_string()).expect("write the clock file");
    }

    pub fn now(&self) -> i64 {
        std::fs::read_to_string(&self.path)
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }
}

impl Default for TestClock {
    fn default() -> Self {
        Self::new()
    }
}

/// The server binary the SIGKILL tests start as a process of its own:
/// `PEERPOSTURE_TEST_SERVER_BIN`, else `target/debug/peerposture` (which `cargo xtask test`
/// builds first; the release build behaves the same, only faster).
pub fn server_binary() -> PathBuf {
    let binary = std::env::var_os("PEERPOSTURE_TEST_SERVER_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../target/debug/peerposture"
            ))
        });
    assert!(
        binary.is_file(),
        "no server binary at {}: run `cargo xtask test`",
        binary.display()
    );
    binary
}
