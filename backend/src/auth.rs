//! Secrets: random tokens (sessions, invitations, API tokens) stored only as SHA-256 hashes,
//! passwords stored only as Argon2id hashes, and the session cookie.

use std::time::{SystemTime, UNIX_EPOCH};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "pp_session";
/// A session ends this long after login.
pub const SESSION_TTL_SECONDS: i64 = 12 * 60 * 60;
/// The cookie that marks a browser as one an account has logged in from, and how long it does.
pub const DEVICE_COOKIE: &str = "pp_device";
pub const DEVICE_TTL_SECONDS: i64 = 180 * 24 * 60 * 60;
/// An invitation link works this long.
pub const INVITATION_TTL_SECONDS: i64 = 7 * 24 * 60 * 60;
/// Prefix of API tokens, so that leaked tokens are recognisable by secret scanners.
pub const API_TOKEN_PREFIX: &str = "ppt_";

/// Seconds since the Unix epoch.
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// 256 random bits, URL-safe base64 (43 characters).
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source works");
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What the database keeps of a token: a leaked database does not reveal live tokens.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Hashes a password with Argon2id (the crate's defaults follow OWASP's recommendation).
/// CPU-heavy: call from `spawn_blocking`.
pub fn hash_password(password: &str) -> String {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system's random source works");
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2id with default parameters accepts any password")
        .to_string()
}

/// Checks a password against a stored hash. CPU-heavy: call from `spawn_blocking`.
pub fn verify_password(password: &str, stored_hash: &str) -> bool {
    PasswordHash::new(stored_hash).is_ok_and(|hash| {
        Argon2::default()
            .verify_password(password.as_bytes(), &hash)
            .is_ok()
    })
}

/// A hash of a password nobody has, checked when the account does not exist so that unknown
/// emails take as long as wrong passwords.
pub fn dummy_password_hash() -> &'static str {
    static HASH: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| hash_password("no account has this password"));
    &HASH
}

/// The session token from the request's cookies.
pub fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, SESSION_COOKIE)
}

/// The known-device token from the request's cookies.
pub fn device_cookie(headers: &HeaderMap) -> Option<&str> {
    cookie(headers, DEVICE_COOKIE)
}

fn cookie<'a>(headers: &'a HeaderMap, wanted: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|cookies| cookies.split(';'))
        .filter_map(|cookie| cookie.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value)
}

/// The bearer token from the `Authorization` header.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// `Set-Cookie` for a browser's known-device token: sent only to the login route.
pub fn device_set_cookie(headers: &HeaderMap, token: &str) -> HeaderValue {
    let cookie = format!(
        "{DEVICE_COOKIE}={token}; Path=/api/v1/auth/login; HttpOnly; SameSite=Strict; \
         Max-Age={DEVICE_TTL_SECONDS}{}",
        secure_attribute(headers)
    );
    HeaderValue::from_str(&cookie).expect("cookie is ASCII")
}

/// `; Secure`, left out only for plain-http requests to localhost, where browsers would drop
/// a secure cookie.
fn secure_attribute(headers: &HeaderMap) -> &'static str {
    if is_plain_http_localhost(headers) {
        ""
    } else {
        "; Secure"
    }
}

/// `Set-Cookie` for a new session, or (with `None`) for removing it.
pub fn session_set_cookie(headers: &HeaderMap, token: Option<&str>) -> HeaderValue {
    let secure = secure_attribute(headers);
    let cookie = match token {
        Some(token) => format!(
            "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={SESSION_TTL_SECONDS}{secure}"
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&cookie).expect("cookie is ASCII")
}

fn is_plain_http_localhost(headers: &HeaderMap) -> bool {
    let forwarded_https = headers
        .get("x-forwarded-proto")
        .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"));
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let hostname = host.rsplit_once(':').map_or(host, |(name, _)| name);
    !forwarded_https && matches!(hostname, "localhost" | "127.0.0.1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse battery staple");
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery staple", &hash));
        assert!(!verify_password("correct horse battery stapler", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert_ne!(token_hash(&a), token_hash(&b));
    }

    #[test]
    fn session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; pp_session=abc; b=2"),
        );
        assert_eq!(session_cookie(&headers), Some("abc"));
    }

    #[test]
    fn cookies_are_secure_except_on_plain_http_localhost() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        let local = session_set_cookie(&headers, Some("t"));
        assert!(!local.to_str().unwrap().contains("Secure"));
        assert!(
            local
                .to_str()
                .unwrap()
                .contains("HttpOnly; SameSite=Strict")
        );
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert!(
            session_set_cookie(&headers, Some("t"))
                .to_str()
                .unwrap()
                .ends_with("; Secure")
        );
        headers.insert(
            header::HOST,
            HeaderValue::from_static("peerposture.example"),
        );
        headers.remove("x-forwarded-proto");
        assert!(
            session_set_cookie(&headers, None)
                .to_str()
                .unwrap()
                .contains("Max-Age=0; Secure")
        );
    }
}
