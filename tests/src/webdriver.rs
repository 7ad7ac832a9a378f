//! A small W3C WebDriver client: enough to drive headless Chromium through chromedriver
//! (open pages, run scripts, wait for conditions, take screenshots).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use base64::Engine;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use tokio::process::{Child, Command};

/// A chromedriver process, killed when dropped.
#[derive(Debug)]
pub struct ChromeDriver {
    url: String,
    http: reqwest::Client,
    _process: Child,
}

impl ChromeDriver {
    /// Starts chromedriver (path from `PEERPOSTURE_TEST_CHROMEDRIVER`, else `chromedriver`)
    /// on a free loopback port and waits until it is ready.
    pub async fn start() -> Self {
        let binary = std::env::var("PEERPOSTURE_TEST_CHROMEDRIVER")
            .unwrap_or_else(|_| "chromedriver".to_owned());
        let port = free_port();
        let process = Command::new(&binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {binary}: {error}"));
        let driver = Self {
            url: format!("http://127.0.0.1:{port}"),
            http: reqwest::Client::new(),
            _process: process,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let ready = driver
                .http
                .get(format!("{}/status", driver.url))
                .send()
                .await;
            if let Ok(response) = ready
                && let Ok(status) = response.json::<Value>().await
                && status["value"]["ready"] == true
            {
                return driver;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Opens a headless Chromium session with a fresh profile and the given window size.
    pub async fn session(&self, width: u32, height: u32) -> Session {
        self.open(width, height, None).await
    }

    /// As [`ChromeDriver::session`], saving downloads into `downloads` without asking.
    pub async fn session_downloading(&self, width: u32, height: u32, downloads: &Path) -> Session {
        self.open(width, height, Some(downloads)).await
    }

    async fn open(&self, width: u32, height: u32, downloads: Option<&Path>) -> Session {
        let profile = tempfile::tempdir().expect("profile directory");
        let mut options = json!({
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                format!("--window-size={width},{height}"),
                format!("--user-data-dir={}", profile.path().display()),
            ]
        });
        if let Ok(binary) = std::env::var("PEERPOSTURE_TEST_CHROMIUM") {
            options["binary"] = json!(binary);
        }
        if let Some(dir) = downloads {
            options["prefs"] = json!({
                "download.default_directory": dir.display().to_string(),
                "download.prompt_for_download": false,
            });
        }
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": options,
            }}
        });
        let response: Value = self
            .http
            .post(format!("{}/session", self.url))
            .json(&capabilities)
            .send()
            .await
            .expect("create session")
            .json()
            .await
            .expect("session response");
        let id = response["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {response}"))
            .to_owned();
        Session {
            url: format!("{}/session/{id}", self.url),
            http: self.http.clone(),
            _profile: profile,
        }
    }
}

/// One browser window.
#[derive(Debug)]
pub struct Session {
    url: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

impl Session {
    async fn command(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut request = self.http.request(method, format!("{}{path}", self.url));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response: Value = request
            .send()
            .await
            .expect("webdriver request")
            .json()
            .await
            .expect("webdriver json");
        if let Some(error) = response["value"]["error"].as_str() {
            panic!(
                "webdriver {path}: {error}: {}",
                response["value"]["message"]
            );
        }
        response["value"].clone()
    }

    /// Navigates and waits for the document to load.
    pub async fn goto(&self, url: &str) {
        self.command(reqwest::Method::POST, "/url", Some(json!({ "url": url })))
            .await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub async fn execute<T: DeserializeOwned>(&self, script: &str, args: Vec<Value>) -> T {
        let value = self
            .command(
                reqwest::Method::POST,
                "/execute/sync",
                Some(json!({ "script": script, "args": args })),
            )
            .await;
        serde_json::from_value(value.clone())
            .unwrap_or_else(|error| panic!("script result {value} has an unexpected type: {error}"))
    }

    /// Polls `script` until it returns `true`; panics with `what` after `timeout`.
    pub async fn wait_until(&self, what: &str, script: &str, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.execute::<bool>(script, vec![]).await {
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The visible text of the first element matching `selector` (empty when none).
    pub async fn text(&self, selector: &str) -> String {
        self.execute(
            "const el = document.querySelector(arguments[0]); return el ? el.innerText : '';",
            vec![json!(selector)],
        )
        .await
    }

    /// The WebDriver id of the first element matching `selector`.
    async fn element(&self, selector: &str) -> String {
        let found = self
            .command(
                reqwest::Method::POST,
                "/element",
                Some(json!({ "using": "css selector", "value": selector })),
            )
            .await;
        found
            .as_object()
            .and_then(|object| object.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no element id for {selector}: {found}"))
            .to_owned()
    }

    /// Clears the input matching `selector` and types `text` into it, key by key.
    pub async fn type_into(&self, selector: &str, text: &str) {
        let id = self.element(selector).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/clear"),
            Some(json!({})),
        )
        .await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    /// Clicks the element matching `selector`.
    pub async fn click(&self, selector: &str) {
        let id = self.element(selector).await;
        self.command(
            reqwest::Method::POST,
            &format!("/element/{id}/click"),
            Some(json!({})),
        )
        .await;
    }

    /// Sets a cookie for the current page's origin (open a page of the origin first).
    pub async fn add_cookie(&self, name: &str, value: &str) {
        let cookie = json!({ "cookie": { "name": name, "value": value, "path": "/" } });
        self.command(reqwest::Method::POST, "/cookie", Some(cookie))
            .await;
    }

    /// Accepts the page's open `confirm`/`alert` dialog.
    pub async fn accept_alert(&self) {
        self.command(reqwest::Method::POST, "/alert/accept", Some(json!({})))
            .await;
    }

    /// Prints the page to PDF (A4, as the browser's print dialog would) and saves it.
    pub async fn print_pdf(&self, path: &Path) -> Vec<u8> {
        let options = json!({ "page": { "width": 21.0, "height": 29.7 }, "background": true });
        let value = self
            .command(reqwest::Method::POST, "/print", Some(options))
            .await;
        let pdf = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().expect("base64 PDF"))
            .expect("valid base64");
        std::fs::write(path, &pdf).expect("write PDF");
        pdf
    }

    /// Saves a PNG of the viewport as `name` under target/test-output/ and says where.
    pub async fn save_screenshot(&self, name: &str) {
        let path = self.screenshot(&crate::test_output_dir().join(name)).await;
        println!("screenshot: {}", path.display());
    }

    /// Saves a PNG of the viewport to `path`.
    pub async fn screenshot(&self, path: &Path) -> PathBuf {
        let value = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(value.as_str().expect("base64 screenshot"))
            .expect("valid base64");
        std::fs::write(path, png).expect("write screenshot");
        path.to_owned()
    }

    /// Closes the window and ends the session.
    /// Runs axe-core (the pinned npm package) on the page and returns the WCAG 2 A and AA
    /// violations, one line each: rule, number of elements, help text and the first element.
    pub async fn accessibility_violations(&self) -> Vec<String> {
        let axe = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../node_modules/axe-core/axe.min.js"),
        )
        .expect("axe-core is installed by `cargo xtask test` (npm)");
        let _: Value = self.execute(&format!("{axe}\nreturn null;"), vec![]).await;
        self.execute(
            "return axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } })\
               .then(r => r.violations.map(v => `${v.id} (${v.nodes.length}): ${v.help} — ${v.nodes[0].html}`));",
            vec![],
        )
        .await
    }

    pub async fn close(self) {
        self.command(reqwest::Method::DELETE, "", None).await;
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .expect("free loopback port")
}
