//! Webhook requests: signed JSON over HTTPS to public addresses only.
//!
//! Each request carries `PeerPosture-Signature: t=<unix seconds>,v1=<hex>`, where the hex is
//! HMAC-SHA256 with the webhook's secret over `<t>.<body>` (the scheme of Stripe's webhooks). A
//! receiver recomputes it over the raw body, compares in constant time and refuses a `t` more
//! than five minutes away from its clock. `PeerPosture-Delivery` is the same for every attempt
//! at one event, so a receiver can drop repeats.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use sha2::Sha256;

use super::Worker;
use crate::store::notify::{AttemptRecord, DeliveryRow, WebhookRow};

/// Characters of an answer's body kept in the delivery log.
const RESPONSE_KEPT: usize = 1_000;

/// The hex HMAC-SHA256 of `<timestamp>.<body>` under `secret`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    shared::format::hex(&mac.finalize().into_bytes())
}

/// The `PeerPosture-Signature` header's value.
pub fn signature_header(secret: &str, timestamp: i64, body: &str) -> String {
    format!("t={timestamp},v1={}", signature(secret, timestamp, body))
}

/// Whether a webhook may be sent to `ip`: public addresses only (loopback too when allowed),
/// so that no member can make the server call into its own network.
pub fn permitted(ip: IpAddr, allow_loopback: bool) -> bool {
    match crate::config::canonical(ip) {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                return allow_loopback;
            }
            !(v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if v6.is_loopback() {
                return allow_loopback;
            }
            let first = v6.segments()[0];
            !(v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8)
        }
    }
}

/// Resolves host names to the addresses [`permitted`] admits, or fails.
struct PublicOnly {
    allow_loopback: bool,
}

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        let allow_loopback = self.allow_loopback;
        Box::pin(async move {
            let addresses: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0))
                .await?
                .filter(|a| permitted(a.ip(), allow_loopback))
                .collect();
            if addresses.is_empty() {
                return Err(format!("{} has no public address", name.as_str()).into());
            }
            Ok(Box::new(addresses.into_iter()) as Addrs)
        })
    }
}

/// The HTTP client of webhooks: 10 s per request, no redirects, no proxy, public addresses
/// only.
pub fn client(allow_loopback: bool) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .connect_timeout(Duration::from_secs(5))
        .redirect(reqwest::redirect::Policy::none())
        // A proxy from the environment would resolve the host itself, past the checks.
        .no_proxy()
        .user_agent(concat!("PeerPosture-Webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(std::sync::Arc::new(PublicOnly { allow_loopback }))
        .build()
        .expect("the webhook client's settings are valid")
}

/// Sends one delivery and describes what came back.
pub async fn send(worker: &Worker, hook: &WebhookRow, delivery: &DeliveryRow) -> AttemptRecord {
    let started = Instant::now();
    let mut attempt = AttemptRecord {
        webhook_id: hook.id,
        status: None,
        response: String::new(),
        error: None,
        duration_ms: 0,
    };
    let allow_loopback = worker.config.webhook_allow_loopback;
    // An address written as an IP is not resolved: it is checked here.
    let literal = reqwest::Url::parse(&hook.url).ok().and_then(|url| {
        url.host_str()?
            .trim_matches(['[', ']'])
            .parse::<IpAddr>()
            .ok()
    });
    if literal.is_some_and(|ip| !permitted(ip, allow_loopback)) {
        attempt.error = Some("the address is not public".to_owned());
        return attempt;
    }
    let timestamp = crate::auth::now_unix();
    let result = worker
        .hub
        .http
        .post(&hook.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("PeerPosture-Event", &delivery.subject)
        .header("PeerPosture-Delivery", format!("evt_{}", delivery.event_id))
        .header(
            "PeerPosture-Signature",
            signature_header(&hook.secret, timestamp, &delivery.body),
        )
        .body(delivery.body.clone())
        .send()
        .await;
    match result {
        Ok(mut response) => {
            attempt.status = Some(i64::from(response.status().as_u16()));
            let mut body = Vec::new();
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) if body.len() < RESPONSE_KEPT * 4 => {
                        body.extend_from_slice(&chunk);
                    }
                    Ok(_) => break,
                    Err(error) => {
                        attempt.error = Some(describe(&error));
                        break;
                    }
                }
            }
            attempt.response = String::from_utf8_lossy(&body)
                .chars()
                .filter(|c| !c.is_control() || *c == '\n')
                .take(RESPONSE_KEPT)
                .collect();
        }
        Err(error) => attempt.error = Some(describe(&error)),
    }
    attempt.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    attempt
}

/// A request error with its causes, without the URL (which may carry a token).
fn describe(error: &reqwest::Error) -> String {
    let mut text = if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_follow_the_documented_scheme() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            signature("whsec_test", 1_700_000_000, r#"{"a":1}"#),
            "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }

    #[test]
    fn only_public_addresses_are_permitted() {
        for blocked in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!permitted(blocked.parse().unwrap(), true), "{blocked}");
        }
        assert!(!permitted("127.0.0.1".parse().unwrap(), false));
        assert!(permitted("127.0.0.1".parse().unwrap(), true));
        assert!(!permitted("::1".parse().unwrap(), false));
        assert!(permitted("93.184.216.34".parse().unwrap(), false));
        assert!(permitted("2606:2800:220:1::1".parse().unwrap(), false));
    }
}
