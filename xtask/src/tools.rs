//! Finds the tools the build and the tests need and installs the missing ones: the wasm32
//! target (rustup), trunk and wasm-bindgen-cli (cargo install), Chart.js and binaryen (npm, from
//! package-lock.json), Chromium and chromedriver (apt-get). Nothing is downloaded by trunk.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::{Result, status, step};

/// trunk 0.22 needs a newer rustc than this project's toolchain.
pub const TRUNK_VERSION: &str = "0.21.14";
const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Paths of the installed build tools.
#[derive(Debug)]
pub struct Tools {
    pub trunk: PathBuf,
    /// `PATH` for trunk: node_modules/.bin (wasm-opt) and cargo's bin (wasm-bindgen) first.
    pub path: OsString,
}

/// Paths of the browser used by the end-to-end tests.
#[derive(Debug)]
pub struct Browser {
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

impl Tools {
    /// Installs what is missing. wasm-bindgen-cli compiles in the background while trunk
    /// compiles and npm installs in the foreground: on 2 cores each install leaves a core idle
    /// for much of its time (build scripts, the last crates, linking).
    pub fn ensure_build_tools(root: &Path) -> Result<Self> {
        ensure_wasm_target()?;
        let bin = cargo_bin_dir();
        let wasm_bindgen_version = locked_version(root, "wasm-bindgen")?;
        // `--locked` fails for wasm-bindgen-cli: a locked dependency is missing from the registry.
        let wasm_bindgen = CargoTool {
            tool: "wasm-bindgen",
            package: "wasm-bindgen-cli",
            version: &wasm_bindgen_version,
            locked: false,
            features: None,
        };
        let background = wasm_bindgen.install_in_background(root, &bin)?;
        // Without its check for newer versions on crates.io (it never downloads here anyway).
        let trunk = CargoTool {
            tool: "trunk",
            package: "trunk",
            version: TRUNK_VERSION,
            locked: true,
            features: Some("rustls"),
        }
        .ensure(&bin)?;
        ensure_npm_packages(root)?;
        if let Some(background) = background {
            background.finish()?;
        }
        wasm_bindgen.check(&bin)?;

        let mut dirs = vec![root.join("node_modules/.bin"), bin];
        dirs.extend(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        ));
        let path = std::env::join_paths(dirs).map_err(|e| format!("cannot build PATH: {e}"))?;
        Ok(Self { trunk, path })
    }
}

/// Installs Debian's chromium and chromium-driver when either is missing.
pub fn ensure_browser() -> Result<Browser> {
    if let (Some(chromium), Some(chromedriver)) = (which("chromium"), which("chromedriver")) {
        println!("chromium and chromedriver: found");
        return Ok(Browser {
            chromium,
            chromedriver,
        });
    }
    step("Installing Chromium and chromedriver (apt-get: chromium chromium-driver)");
    apt_install(&["chromium", "chromium-driver"])?;
    match (which("chromium"), which("chromedriver")) {
        (Some(chromium), Some(chromedriver)) => Ok(Browser {
            chromium,
            chromedriver,
        }),
        _ => Err("chromium or chromedriver still missing after apt-get install".to_owned()),
    }
}

/// Finds `command` on PATH, installing Debian's `package` when it is missing.
pub fn ensure_apt_tool(command: &str, package: &str) -> Result<PathBuf> {
    if let Some(path) = which(command) {
        return Ok(path);
    }
    step(&format!("Installing {package} (apt-get)"));
    apt_install(&[package])?;
    which(command).ok_or_else(|| format!("{command} still missing after apt-get install {package}"))
}

/// The active toolchain's directory (`rustc --print sysroot`).
pub fn sysroot() -> Result<PathBuf> {
    let output = Command::new("rustc")
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc: {e}"))?;
    Ok(PathBuf::from(
        String::from_utf8_lossy(&output.stdout).trim(),
    ))
}

fn ensure_wasm_target() -> Result {
    if sysroot()?.join("lib/rustlib").join(WASM_TARGET).is_dir() {
        println!("{WASM_TARGET} target: installed");
        return Ok(());
    }
    step(&format!("Installing the {WASM_TARGET} target (rustup)"));
    status(Command::new("rustup").args(["target", "add", WASM_TARGET]))
}

/// Where `cargo install` puts binaries.
fn cargo_bin_dir() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cargo")
        });
    home.join("bin")
}

/// The release profile the build tools are compiled with: not optimised. trunk's own (fat LTO,
/// one codegen unit) made its install take about 13 of a fresh machine's first 25 minutes on 2
/// cores, for a tool that spends its run time waiting on cargo; wasm-bindgen unoptimised adds
/// seconds to a frontend build and saves minutes of its install. Same pinned versions and lock
/// file; only the optimiser's effort changes.
const LIGHT_INSTALL_PROFILE: [(&str, &str); 5] = [
    ("CARGO_PROFILE_RELEASE_LTO", "off"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
    ("CARGO_PROFILE_RELEASE_DEBUG_ASSERTIONS", "false"),
];

/// A tool installed with `cargo install` at a pinned version.
struct CargoTool<'a> {
    tool: &'a str,
    package: &'a str,
    version: &'a str,
    locked: bool,
    /// Instead of the default features, when set.
    features: Option<&'a str>,
}

impl CargoTool<'_> {
    fn install_command(&self) -> Command {
        let mut install =
            Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned()));
        install.args([
            "install",
            self.package,
            "--version",
            self.version,
            "--force",
        ]);
        install.envs(LIGHT_INSTALL_PROFILE);
        if let Some(features) = self.features {
            install.args(["--no-default-features", "--features", features]);
        }
        if self.locked {
            install.arg("--locked");
        }
        install
    }

    /// Returns the tool's path, running `cargo install` first unless it reports the version.
    fn ensure(&self, bin: &Path) -> Result<PathBuf> {
        let path = bin.join(self.tool);
        if reports_version(&path, self.version) {
            println!("{} {}: installed", self.tool, self.version);
            return Ok(path);
        }
        step(&format!(
            "Installing {} {} (cargo install; a few minutes on 2 cores)",
            self.package, self.version
        ));
        status(&mut self.install_command())?;
        self.check(bin)
    }

    /// Starts `cargo install` in the background unless the tool is there already.
    fn install_in_background(&self, root: &Path, bin: &Path) -> Result<Option<Background>> {
        if reports_version(&bin.join(self.tool), self.version) {
            println!("{} {}: installed", self.tool, self.version);
            return Ok(None);
        }
        Background::start(
            root,
            &format!("installing {} {}", self.package, self.version),
            self.package,
            self.install_command(),
        )
        .map(Some)
    }

    fn check(&self, bin: &Path) -> Result<PathBuf> {
        let path = bin.join(self.tool);
        if reports_version(&path, self.version) {
            Ok(path)
        } else {
            Err(format!(
                "{} does not report version {} after installing",
                path.display(),
                self.version
            ))
        }
    }
}

/// A step running in the background, its output in `target/xtask-logs/NAME.log`.
pub struct Background {
    what: String,
    log: PathBuf,
    /// Waits for the child and says when it ended.
    waiter: std::thread::JoinHandle<std::io::Result<(std::process::ExitStatus, Duration)>>,
}

impl Background {
    pub fn start(root: &Path, what: &str, name: &str, mut command: Command) -> Result<Self> {
        let logs = root.join("target/xtask-logs");
        std::fs::create_dir_all(&logs)
            .map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
        let log = logs.join(format!("{name}.log"));
        let file = std::fs::File::create(&log)
            .map_err(|e| format!("cannot create {}: {e}", log.display()))?;
        let stderr = file
            .try_clone()
            .map_err(|e| format!("cannot share {}: {e}", log.display()))?;
        step(&format!(
            "In the background: {what} (output in {})",
            log.display()
        ));
        let started = Instant::now();
        let mut child = command
            .stdout(file)
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("cannot start {what}: {e}"))?;
        let waiter = std::thread::spawn(move || {
            let status = child.wait()?;
            Ok((status, started.elapsed()))
        });
        Ok(Self {
            what: what.to_owned(),
            log,
            waiter,
        })
    }

    /// Waits for the step and says how long it ran; on failure, the error carries the end of
    /// its output.
    pub fn finish(self) -> Result<Duration> {
        step(&format!("Waiting for the background step: {}", self.what));
        let (status, took) = self
            .waiter
            .join()
            .map_err(|_| format!("{}: the waiting thread panicked", self.what))?
            .map_err(|e| format!("{}: {e}", self.what))?;
        if status.success() {
            println!("{}: done", self.what);
            return Ok(took);
        }
        let output = std::fs::read_to_string(&self.log).unwrap_or_default();
        let tail: Vec<&str> = output.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(format!(
            "{} failed ({status}):\n{}",
            self.what,
            tail.join("\n")
        ))
    }
}

fn reports_version(path: &Path, version: &str) -> bool {
    Command::new(path)
        .arg("--version")
        .output()
        .is_ok_and(|output| {
            output.status.success()
                && String::from_utf8_lossy(&output.stdout)
                    .split_whitespace()
                    .any(|word| word == version)
        })
}

/// The version of `package` recorded in Cargo.lock.
fn locked_version(root: &Path, package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == name_line
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// Runs `npm ci` unless every devDependency of package.json is installed at its pinned version.
fn ensure_npm_packages(root: &Path) -> Result {
    let manifest = read_json(&root.join("package.json"))?;
    let pinned = manifest["devDependencies"]
        .as_object()
        .ok_or("package.json has no devDependencies")?;
    let missing: Vec<&String> = pinned
        .iter()
        .filter(|(name, version)| {
            let installed = read_json(&root.join("node_modules").join(name).join("package.json"));
            installed
                .ok()
                .and_then(|json| json["version"].as_str().map(str::to_owned))
                != version.as_str().map(str::to_owned)
        })
        .map(|(name, _)| name)
        .collect();
    if missing.is_empty() {
        println!("npm packages (chart.js, binaryen): installed");
        return Ok(());
    }
    if which("npm").is_none() {
        step("Installing Node.js and npm (apt-get: nodejs npm)");
        apt_install(&["nodejs", "npm"])?;
    }
    step(&format!(
        "Installing npm packages from package-lock.json ({missing:?})"
    ));
    status(
        Command::new("npm")
            .current_dir(root)
            .args(["ci", "--no-audit", "--no-fund"]),
    )
}

fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))
}

/// One apt-get at a time: installs run beside each other (Chromium while trunk compiles).
static APT: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn apt_install(packages: &[&str]) -> Result {
    let _one_at_a_time = APT
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0");
    if !is_root || which("apt-get").is_none() {
        return Err(format!(
            "please install {} with your package manager (automatic install needs root and apt-get)",
            packages.join(" ")
        ));
    }
    status(Command::new("apt-get").args(["update", "-qq"]))?;
    status(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-qq"])
            .args(packages),
    )
}

/// Finds an executable on `PATH`.
fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}
