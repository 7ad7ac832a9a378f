//! Server configuration in layers: built-in defaults, then an optional TOML file, then
//! `PEERPOSTURE_*` environment variables (the last one wins).

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

use crate::store::redact_url;

/// Environment variable naming the optional configuration file.
pub const CONFIG_FILE_VAR: &str = "PEERPOSTURE_CONFIG";
/// Read when present and `PEERPOSTURE_CONFIG` is not set.
pub const DEFAULT_CONFIG_FILE: &str = "peerposture.toml";

#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the HTTP server listens on.
    pub bind: SocketAddr,
    /// `sqlite://path/to/file.db`.
    pub database_url: String,
    /// Directory holding the built frontend (`index.html` and its assets).
    pub dist_dir: PathBuf,
    /// With `admin_password`: the first admin, created when the store has no users.
    pub admin_email: Option<String>,
    pub admin_password: Option<Secret>,
    /// Seed the synthetic demo consortium into an empty store.
    pub demo: bool,
    /// Anonymity threshold: the fewest organisations a published statistic may rest on.
    pub k: u32,
    /// Reverse proxies whose `X-Forwarded-For` is believed (addresses or CIDR ranges); empty:
    /// the TCP peer is the client.
    pub trusted_proxies: TrustedProxies,
    /// Seconds a client has to send its request head, and then its body: past them the
    /// connection is closed, or the request answered 408. A slow client holds nothing longer.
    pub request_timeout_seconds: u64,
    /// Seconds requests in flight get to finish after a shutdown signal.
    pub shutdown_deadline_seconds: u64,
    /// The address clients reach this deployment at (`https://benchmark.example.org`): the
    /// issuer named in attestations. Unset: `http://` and the bind address.
    pub public_url: Option<String>,
    /// The SMTP relay notifications are emailed through: `smtp://user:password@host:587?tls=required`
    /// (STARTTLS), `smtps://user:password@host:465` (TLS), or `smtp://127.0.0.1:25` (plain,
    /// for a relay on the same host). Unset: notifications stay in the app.
    pub smtp_url: Option<Secret>,
    /// The sender of notification emails, e.g. `PeerPosture <notifications@example.org>`.
    pub smtp_from: String,
    /// Whether this server sends queued emails and webhook requests. `false`: they wait in the
    /// store (in-app notifications still appear), for another instance or a later start.
    pub deliver_notifications: bool,
    /// Admits webhooks at `http://127.0.0.1` / `http://localhost` and loopback addresses, for
    /// development and tests. Otherwise webhooks must be HTTPS to public addresses.
    pub webhook_allow_loopback: bool,
    /// For tests only: the notification worker reads the time (Unix seconds) from this file,
    /// so that a test can move it (deadline reminders, retries).
    pub clock_file: Option<PathBuf>,
    /// How often the notification worker looks for work when nothing wakes it.
    pub notify_poll_ms: u64,
}

/// Addresses and ranges of trusted reverse proxies, e.g. `10.0.0.0/8`, `::1`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct TrustedProxies(Vec<(std::net::IpAddr, u8)>);

impl TrustedProxies {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|&(network, prefix)| match (network, ip) {
            (std::net::IpAddr::V4(n), std::net::IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (std::net::IpAddr::V6(n), std::net::IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// IPv4 addresses mapped into IPv6 (`::ffff:a.b.c.d`) as the IPv4 address they are.
pub fn canonical(ip: std::net::IpAddr) -> std::net::IpAddr {
    match ip {
        std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, std::net::IpAddr::V4),
        v4 => v4,
    }
}

impl TryFrom<Vec<String>> for TrustedProxies {
    type Error = String;

    fn try_from(entries: Vec<String>) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| {
                let entry = entry.trim();
                let (address, prefix) = entry.split_once('/').unwrap_or((entry, ""));
                let address: std::net::IpAddr = address.parse().map_err(|_| {
                    format!("`{entry}` is not an address or range such as 10.0.0.0/8")
                })?;
                let address = canonical(address);
                let bits = if address.is_ipv4() { 32 } else { 128 };
                let prefix = if prefix.is_empty() {
                    bits
                } else {
                    prefix
                        .parse::<u8>()
                        .ok()
                        .filter(|p| *p <= bits)
                        .ok_or_else(|| format!("`{entry}` has no prefix length 0-{bits}"))?
                };
                Ok((address, prefix))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

/// A secret setting: never printed.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://data/peerposture.db".to_owned(),
            dist_dir: PathBuf::from("dist"),
            admin_email: None,
            admin_password: None,
            demo: false,
            k: shared::benchmark::DEFAULT_K,
            trusted_proxies: TrustedProxies::default(),
            request_timeout_seconds: 30,
            shutdown_deadline_seconds: 10,
            public_url: None,
            smtp_url: None,
            smtp_from: "PeerPosture <notifications@localhost>".to_owned(),
            deliver_notifications: true,
            webhook_allow_loopback: false,
            clock_file: None,
            notify_poll_ms: 1000,
        }
    }
}

// Written by hand so that a database password never reaches a log line.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("bind", &self.bind)
            .field("database_url", &redact_url(&self.database_url))
            .field("dist_dir", &self.dist_dir)
            .field("admin_email", &self.admin_email)
            .field("admin_password", &self.admin_password)
            .field("demo", &self.demo)
            .field("k", &self.k)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("request_timeout_seconds", &self.request_timeout_seconds)
            .field("shutdown_deadline_seconds", &self.shutdown_deadline_seconds)
            .field("public_url", &self.public_url)
            .field(
                "smtp_url",
                &self.smtp_url.as_ref().map(|url| redact_url(url.expose())),
            )
            .field("smtp_from", &self.smtp_from)
            .field("deliver_notifications", &self.deliver_notifications)
            .field("webhook_allow_loopback", &self.webhook_allow_loopback)
            .field("clock_file", &self.clock_file)
            .field("notify_poll_ms", &self.notify_poll_ms)
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid configuration file {path}: {source}")]
    Parse {
        path: String,
        source: toml::de::Error,
    },
    #[error("invalid value for {name}: {message}")]
    Env { name: &'static str, message: String },
}

fn whole_number<T: std::str::FromStr>(name: &'static str, text: &str) -> Result<T, ConfigError> {
    text.parse().map_err(|_| ConfigError::Env {
        name,
        message: format!("`{text}` is not a whole number"),
    })
}

impl Config {
    /// The issuer named in attestations: `public_url` without a trailing slash.
    pub fn issuer(&self) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.bind),
        }
    }

    pub fn request_timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.request_timeout_seconds)
    }

    pub fn shutdown_deadline(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.shutdown_deadline_seconds)
    }

    /// Loads the configuration of this process from its file and environment.
    pub fn load() -> Result<Self, ConfigError> {
        let explicit = std::env::var(CONFIG_FILE_VAR).ok();
        let path = explicit
            .clone()
            .unwrap_or_else(|| DEFAULT_CONFIG_FILE.to_owned());
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => Some((path, text)),
            // Only the default file may be absent; a file named explicitly must exist.
            Err(error) if explicit.is_none() && error.kind() == std::io::ErrorKind::NotFound => {
                None
            }
            Err(source) => return Err(ConfigError::Read { path, source }),
        };
        Self::from_layers(
            file.as_ref().map(|(p, t)| (p.as_str(), t.as_str())),
            |name| std::env::var(name).ok(),
        )
    }

    /// Builds a configuration from an optional `(path, TOML text)` and an environment lookup.
    pub fn from_layers(
        file: Option<(&str, &str)>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let mut config = match file {
            Some((path, text)) => toml::from_str(text).map_err(|source| ConfigError::Parse {
                path: path.to_owned(),
                source,
            })?,
            None => Config::default(),
        };
        if let Some(bind) = env("PEERPOSTURE_BIND") {
            config.bind = bind.parse().map_err(|_| ConfigError::Env {
                name: "PEERPOSTURE_BIND",
                message: format!("`{bind}` is not an address such as 127.0.0.1:8080"),
            })?;
        }
        if let Some(url) = env("PEERPOSTURE_DATABASE_URL") {
            config.database_url = url;
        }
        if let Some(dir) = env("PEERPOSTURE_DIST_DIR") {
            config.dist_dir = PathBuf::from(dir);
        }
        if let Some(email) = env("PEERPOSTURE_ADMIN_EMAIL") {
            config.admin_email = Some(email);
        }
        if let Some(password) = env("PEERPOSTURE_ADMIN_PASSWORD") {
            config.admin_password = Some(Secret(password));
        }
        for (name, setting) in [
            ("PEERPOSTURE_DEMO", &mut config.demo),
            (
                "PEERPOSTURE_DELIVER_NOTIFICATIONS",
                &mut config.deliver_notifications,
            ),
            (
                "PEERPOSTURE_WEBHOOK_ALLOW_LOOPBACK",
                &mut config.webhook_allow_loopback,
            ),
        ] {
            if let Some(value) = env(name) {
                *setting = match value.to_ascii_lowercase().as_str() {
                    "true" | "1" | "yes" => true,
                    "false" | "0" | "no" => false,
                    _ => {
                        return Err(ConfigError::Env {
                            name,
                            message: format!("`{value}` is not true or false"),
                        });
                    }
                };
            }
        }
        if let Some(url) = env("PEERPOSTURE_SMTP_URL") {
            config.smtp_url = (!url.trim().is_empty()).then_some(Secret(url));
        }
        if let Some(from) = env("PEERPOSTURE_SMTP_FROM") {
            config.smtp_from = from;
        }
        if let Some(path) = env("PEERPOSTURE_CLOCK_FILE") {
            config.clock_file = Some(PathBuf::from(path));
        }
        if let Some(ms) = env("PEERPOSTURE_NOTIFY_POLL_MS") {
            config.notify_poll_ms = whole_number("PEERPOSTURE_NOTIFY_POLL_MS", &ms)?;
        }
        if config.notify_poll_ms == 0 {
            return Err(ConfigError::Env {
                name: "PEERPOSTURE_NOTIFY_POLL_MS",
                message: "the poll interval must be at least 1 ms".to_owned(),
            });
        }
        if let Some(url) = env("PEERPOSTURE_PUBLIC_URL") {
            config.public_url = Some(url);
        }
        if let Some(url) = &config.public_url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            return Err(ConfigError::Env {
                name: "PEERPOSTURE_PUBLIC_URL",
                message: format!("`{url}` is not an http:// or https:// address"),
            });
        }
        if let Some(k) = env("PEERPOSTURE_K") {
            config.k = whole_number("PEERPOSTURE_K", &k)?;
        }
        for (name, setting) in [
            (
                "PEERPOSTURE_REQUEST_TIMEOUT_SECONDS",
                &mut config.request_timeout_seconds,
            ),
            (
                "PEERPOSTURE_SHUTDOWN_DEADLINE_SECONDS",
                &mut config.shutdown_deadline_seconds,
            ),
        ] {
            if let Some(seconds) = env(name) {
                *setting = whole_number(name, &seconds)?;
            }
        }
        if config.request_timeout_seconds == 0 {
            return Err(ConfigError::Env {
                name: "PEERPOSTURE_REQUEST_TIMEOUT_SECONDS",
                message: "the request timeout must be at least 1 second".to_owned(),
            });
        }
        if let Some(proxies) = env("PEERPOSTURE_TRUSTED_PROXIES") {
            let entries = proxies
                .split(',')
                .filter(|entry| !entry.trim().is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>();
            config.trusted_proxies =
                TrustedProxies::try_from(entries).map_err(|message| ConfigError::Env {
                    name: "PEERPOSTURE_TRUSTED_PROXIES",
                    message,
                })?;
        }
        if config.k < shared::benchmark::MIN_K {
            return Err(ConfigError::Env {
                name: "PEERPOSTURE_K",
                message: format!(
                    "k = {} is below the policy's minimum of {}",
                    config.k,
                    shared::benchmark::MIN_K
                ),
            });
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn trusted_proxies_are_addresses_and_ranges() {
        let config = Config::from_layers(
            None,
            env(&[(
                "PEERPOSTURE_TRUSTED_PROXIES",
                "10.0.0.0/8, 192.168.1.5,fd00::/8",
            )]),
        )
        .unwrap();
        let proxies = &config.trusted_proxies;
        let ip = |text: &str| text.parse::<std::net::IpAddr>().unwrap();
        assert!(proxies.contains(ip("10.200.3.4")));
        assert!(proxies.contains(ip("::ffff:10.1.1.1")), "IPv4-mapped IPv6");
        assert!(proxies.contains(ip("192.168.1.5")));
        assert!(!proxies.contains(ip("192.168.1.6")));
        assert!(proxies.contains(ip("fd12::1")));
        assert!(!proxies.contains(ip("2001:db8::1")));
        assert!(!proxies.contains(ip("11.0.0.1")));
        for bad in ["10.0.0.0/33", "proxy.example", "::1/129"] {
            let error = Config::from_layers(None, env(&[("PEERPOSTURE_TRUSTED_PROXIES", bad)]))
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("PEERPOSTURE_TRUSTED_PROXIES"),
                "{bad}: {error}"
            );
        }
        let file = Config::from_layers(
            Some(("peerposture.toml", "trusted_proxies = [\"127.0.0.1\"]")),
            env(&[]),
        )
        .unwrap();
        assert!(file.trusted_proxies.contains(ip("127.0.0.1")));
        assert!(Config::default().trusted_proxies.is_empty());
    }

    #[test]
    fn defaults_apply_without_file_or_environment() {
        let config = Config::from_layers(None, env(&[])).unwrap();
        assert_eq!(config, Config::default());
        assert_eq!(config.bind.to_string(), "127.0.0.1:8080");
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        let file = "bind = \"0.0.0.0:9000\"\ndist_dir = \"/srv/dist\"\n";
        let config = Config::from_layers(
            Some(("peerposture.toml", file)),
            env(&[("PEERPOSTURE_BIND", "127.0.0.1:9100")]),
        )
        .unwrap();
        assert_eq!(config.bind.to_string(), "127.0.0.1:9100");
        assert_eq!(config.dist_dir, PathBuf::from("/srv/dist"));
        assert_eq!(config.database_url, Config::default().database_url);
    }

    #[test]
    fn unknown_file_keys_and_bad_addresses_are_errors() {
        let err = Config::from_layers(Some(("x.toml", "bnd = \"1\"")), env(&[])).unwrap_err();
        assert!(err.to_string().contains("x.toml"), "{err}");
        let err = Config::from_layers(None, env(&[("PEERPOSTURE_BIND", "localhost")])).unwrap_err();
        assert!(err.to_string().contains("PEERPOSTURE_BIND"), "{err}");
    }

    #[test]
    fn k_below_five_is_refused() {
        let err = Config::from_layers(None, env(&[("PEERPOSTURE_K", "4")])).unwrap_err();
        assert!(err.to_string().contains("minimum of 5"), "{err}");
        let config = Config::from_layers(None, env(&[("PEERPOSTURE_K", "12")])).unwrap();
        assert_eq!(config.k, 12);
    }

    #[test]
    fn debug_output_hides_passwords() {
        let config = Config {
            database_url: "postgres://app:s3cret@db/pp".to_owned(),
            admin_password: Some(Secret::new("hunter2hunter2")),
            ..Config::default()
        };
        let printed = format!("{config:?}");
        assert!(
            !printed.contains("s3cret") && !printed.contains("hunter2"),
            "{printed}"
        );
    }
}
