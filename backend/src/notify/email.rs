//! Email through the configured SMTP relay (lettre, with a connection pool).

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sha2::{Digest, Sha256};

use crate::store::notify::DeliveryRow;

/// The relay, the sender and where unsubscribe links point.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The relay's host and port, for the startup line (never its credentials).
    pub relay: String,
    /// Whether the connection to the relay is encrypted.
    pub encrypted: bool,
}

// By hand: the transport holds the relay's credentials.
impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("relay", &self.relay)
            .field("encrypted", &self.encrypted)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// A mailer for `url` (`smtp://…`, `smtps://…`) sending as `from`.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("PEERPOSTURE_SMTP_URL: {e}"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|e| format!("PEERPOSTURE_SMTP_FROM `{from}`: {e}"))?;
        let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
        let relay = after_scheme
            .rsplit_once('@')
            .map_or(after_scheme, |(_, host)| host)
            .split(['/', '?'])
            .next()
            .unwrap_or_default()
            .to_owned();
        Ok(Self {
            transport,
            from,
            relay,
            encrypted: url.starts_with("smtps://") || url.contains("tls=required"),
        })
    }

    /// Sends a delivery's email; `unsubscribe` is its one-click unsubscribe address.
    pub async fn send(&self, delivery: &DeliveryRow, unsubscribe: &str) -> Result<(), String> {
        let to: Mailbox = delivery
            .target
            .parse()
            .map_err(|e| format!("address: {e}"))?;
        // The same for every attempt at this email, so a mail system can drop a repeat.
        let digest = Sha256::digest(format!(
            "{}:{}:{}",
            delivery.event_id, delivery.kind, delivery.target
        ));
        let tag = shared::format::hex(&digest[..8]);
        let domain = self.from.email.domain().to_owned();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&delivery.subject)
            .message_id(Some(format!("<{}.{tag}@{domain}>", delivery.event_id)))
            .header(ContentType::TEXT_PLAIN)
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe"),
                format!("<{unsubscribe}>"),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click".to_owned(),
            ))
            .raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("PeerPosture-Kind"),
                delivery.kind.clone(),
            ))
            .body(delivery.body.clone())
            .map_err(|e| format!("message: {e}"))?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| format!("SMTP: {e}"))
    }
}
