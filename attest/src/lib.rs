//! Attestations: the claims of [`shared::attestation::AttestationClaims`] signed by the server
//! with Ed25519 as a compact JWS (RFC 7515, `alg` `EdDSA`, RFC 8037), and checked with the same
//! code on the server, in the browser (WebAssembly) and by `peerposture-verify`.
//!
//! The JOSE work is done by the `jsonwebtoken` crate. It takes its cryptography from a
//! process-wide provider; [`PROVIDER`] offers Ed25519 only (ed25519-dalek), so that nothing
//! else (RSA, ECDSA, HMAC) is linked into the bundle or can be chosen by a forged header.
//!
//! Every issued attestation's hash, and every signed revocation's, is a leaf of an append-only
//! RFC 6962 Merkle tree ([`log`]).

pub mod log;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::Signature;
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{Jwk, ThumbprintHash};
use jsonwebtoken::signature;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::Digest;
use shared::attestation::{AttestationClaims, RevocationClaims, TreeHead};

/// A published key set (`/.well-known/jwks.json`, RFC 7517): each key with the span of time it
/// signs in. RFC 7517 lets a JWK carry members its reader does not understand, so a JOSE library
/// reads the set as it is; this crate refuses anything signed outside a key's span.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Jwks {
    pub keys: Vec<PublishedKey>,
}

/// One key of the set: the JWK and when it signs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishedKey {
    #[serde(flatten)]
    pub jwk: Jwk,
    /// From when it signs (Unix seconds): its creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signs_from: Option<i64>,
    /// Until when it signed (Unix seconds, inclusive): its retirement, or the stated start of
    /// its compromise, whichever is earlier. Anything signed later is refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signs_until: Option<i64>,
    /// Reported compromised: whoever holds its private seed may have signed with it since
    /// `signs_until`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub compromised: bool,
}

impl PublishedKey {
    /// A key that signs from now on, with no span stated.
    pub fn new(jwk: Jwk) -> Self {
        Self {
            jwk,
            signs_from: None,
            signs_until: None,
            compromised: false,
        }
    }

    /// Why something signed at `at` must not be trusted, if it must not.
    fn refuses(&self, at: i64) -> Option<String> {
        let date = shared::period::rfc3339;
        match (self.signs_from, self.signs_until) {
            (Some(from), _) if at < from => Some(format!(
                "before the key existed (it signs from {})",
                date(from)
            )),
            (_, Some(until)) if at > until && self.compromised => Some(format!(
                "after the key was reported compromised (from {})",
                date(until)
            )),
            (_, Some(until)) if at > until => {
                Some(format!("after the key was retired on {}", date(until)))
            }
            _ => None,
        }
    }
}

impl Jwks {
    /// The key with id `kid`, if the set holds it.
    pub fn find(&self, kid: &str) -> Option<&PublishedKey> {
        self.keys
            .iter()
            .find(|key| key.jwk.common.key_id.as_deref() == Some(kid))
    }
}

/// What a signed document says of when it was signed.
trait SignedAt {
    fn signed_at(&self) -> i64;
}

impl SignedAt for AttestationClaims {
    fn signed_at(&self) -> i64 {
        self.iat
    }
}

impl SignedAt for RevocationClaims {
    fn signed_at(&self) -> i64 {
        self.revoked_at
    }
}

impl SignedAt for TreeHead {
    fn signed_at(&self) -> i64 {
        self.timestamp
    }
}

/// The `typ` header of an attestation.
pub const ATTESTATION_TYP: &str = "peerposture-attestation+jwt";
/// The `typ` header of a signed tree head: a signature over a tree head is never an attestation.
pub const TREE_HEAD_TYP: &str = "peerposture-tree-head+jwt";
/// The `typ` header of a signed revocation.
pub const REVOCATION_TYP: &str = "peerposture-revocation+jwt";

/// The only cryptography jsonwebtoken may use here: Ed25519. An [`EncodingKey`] holds the
/// 32-byte private seed; a [`DecodingKey`] the 32-byte public key.
pub static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: |algorithm, key| match algorithm {
        Algorithm::EdDSA => Ok(Box::new(Ed25519Signer(signing_key(key.as_bytes())?))),
        _ => Err(ErrorKind::UnsupportedAlgorithm.into()),
    },
    verifier_factory: |algorithm, key| match algorithm {
        Algorithm::EdDSA => {
            let bytes: [u8; 32] = key
                .try_get_as_bytes()?
                .try_into()
                .map_err(|_| ErrorKind::InvalidEddsaKey)?;
            let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes)
                .map_err(|_| ErrorKind::InvalidEddsaKey)?;
            Ok(Box::new(Ed25519Verifier(key)))
        }
        _ => Err(ErrorKind::UnsupportedAlgorithm.into()),
    },
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: |_| Err(ErrorKind::UnsupportedAlgorithm.into()),
        rsa_pub_components_from_public_key: |_| Err(ErrorKind::UnsupportedAlgorithm.into()),
        ec_pub_components_from_private_key: |_, _| Err(ErrorKind::UnsupportedAlgorithm.into()),
        ed_pub_components_from_private_key: |seed, _| {
            Ok(signing_key(seed)?.verifying_key().to_bytes().to_vec())
        },
        compute_digest: |data, hash| match hash {
            ThumbprintHash::SHA256 => Ok(sha2::Sha256::digest(data).to_vec()),
            ThumbprintHash::SHA384 => Ok(sha2::Sha384::digest(data).to_vec()),
            ThumbprintHash::SHA512 => Ok(sha2::Sha512::digest(data).to_vec()),
            _ => Err(ErrorKind::UnsupportedAlgorithm.into()),
        },
    },
};

/// Makes [`PROVIDER`] jsonwebtoken's provider for this process (once; later calls do nothing).
pub fn install_provider() {
    let _ = PROVIDER.install_default();
}

fn signing_key(seed: &[u8]) -> jsonwebtoken::errors::Result<ed25519_dalek::SigningKey> {
    let seed: [u8; 32] = seed.try_into().map_err(|_| ErrorKind::InvalidEddsaKey)?;
    Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
}

struct Ed25519Signer(ed25519_dalek::SigningKey);

impl signature::Signer<Vec<u8>> for Ed25519Signer {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        Ok(self.0.sign(message).to_bytes().to_vec())
    }
}

impl JwtSigner for Ed25519Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

struct Ed25519Verifier(ed25519_dalek::VerifyingKey);

impl signature::Verifier<Vec<u8>> for Ed25519Verifier {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        let signature = Signature::from_slice(signature)?;
        self.0.verify_strict(message, &signature)
    }
}

impl JwtVerifier for Ed25519Verifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::EdDSA
    }
}

/// A server's signing key: the Ed25519 private seed and its key id (the RFC 7638 thumbprint
/// of its public JWK).
pub struct SigningKey {
    seed: [u8; 32],
    kid: String,
    public: [u8; 32],
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the seed.
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish()
    }
}

impl SigningKey {
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let public = ed25519_dalek::SigningKey::from_bytes(&seed)
            .verifying_key()
            .to_bytes();
        Self {
            seed,
            kid: key_id(&public),
            public,
        }
    }

    pub fn seed(&self) -> &[u8; 32] {
        &self.seed
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The public key, base64url (the JWK's `x`).
    pub fn public_x(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.public)
    }

    /// Signs `claims` as a compact JWS with `typ` and this key's `kid` in the header.
    pub fn sign(&self, typ: &str, claims: &impl Serialize) -> Result<String, String> {
        install_provider();
        let mut header = Header::new(Algorithm::EdDSA);
        header.typ = Some(typ.to_owned());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ed_der(&self.seed))
            .map_err(|e| format!("signing failed: {e}"))
    }
}

/// The RFC 7638 thumbprint (SHA-256, base64url) of the Ed25519 public key's JWK.
pub fn key_id(public: &[u8; 32]) -> String {
    let canonical = format!(
        r#"{{"crv":"Ed25519","kty":"OKP","x":"{}"}}"#,
        URL_SAFE_NO_PAD.encode(public)
    );
    URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(canonical.as_bytes()))
}

/// The public JWK of an Ed25519 key given by its key id and base64url public key.
pub fn public_jwk(kid: &str, x: &str) -> Jwk {
    serde_json::from_value(serde_json::json!({
        "kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": "EdDSA", "use": "sig",
    }))
    .expect("an OKP JWK deserializes")
}

/// Why an attestation (or a tree head) does not verify.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not a compact JWS, or its content is not an attestation.
    Malformed(String),
    /// Signed with a key the key set does not hold: another issuer, or a forged key id.
    UnknownKey(String),
    /// The signature does not match the content: it was changed after signing.
    Tampered,
    /// A valid signature over something else (another `typ` or algorithm).
    WrongKind,
    /// Authentic but past its expiry (Unix seconds).
    Expired(i64),
    /// Signed at a time its key did not sign: retired, compromised or not yet created. Whoever
    /// holds a retired or stolen key can sign, so such a signature proves nothing.
    OutsideKeySpan { kid: String, why: String },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Malformed(why) => write!(f, "not a well-formed attestation ({why})"),
            Problem::UnknownKey(kid) => write!(
                f,
                "signed with a key this issuer never published (key id {kid})"
            ),
            Problem::Tampered => f.write_str(
                "the content does not match its signature: it was changed after signing",
            ),
            Problem::WrongKind => f.write_str("this is not an attestation"),
            Problem::Expired(at) => write!(f, "expired on {}", shared::period::rfc3339(*at)),
            Problem::OutsideKeySpan { kid, why } => {
                write!(
                    f,
                    "signed with key {kid} {why}, so its signature proves nothing"
                )
            }
        }
    }
}

/// The outcome of checking an attestation: its claims are present whenever the signature
/// holds (so an expired one can still be read), with the problem if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub kid: Option<String>,
    pub claims: Option<AttestationClaims>,
    pub problem: Option<Problem>,
}

impl Checked {
    pub fn is_valid(&self) -> bool {
        self.problem.is_none() && self.claims.is_some()
    }
}

/// Checks a compact JWS attestation against a key set at `now` (Unix seconds). Revocation is
/// not in the JWS: ask the issuer's status endpoint.
pub fn verify_attestation(jws: &str, keys: &Jwks, now: i64) -> Checked {
    match verify_typed::<AttestationClaims>(jws.trim(), keys, ATTESTATION_TYP) {
        Ok((kid, claims)) => {
            let problem = (claims.exp <= now).then_some(Problem::Expired(claims.exp));
            Checked {
                kid: Some(kid),
                claims: Some(claims),
                problem,
            }
        }
        Err((kid, problem)) => Checked {
            kid,
            claims: None,
            problem: Some(problem),
        },
    }
}

/// Checks a signed tree head.
pub fn verify_tree_head(jws: &str, keys: &Jwks) -> Result<TreeHead, Problem> {
    verify_typed::<TreeHead>(jws.trim(), keys, TREE_HEAD_TYP)
        .map(|(_, head)| head)
        .map_err(|(_, problem)| problem)
}

/// Checks a signed revocation.
pub fn verify_revocation(jws: &str, keys: &Jwks) -> Result<RevocationClaims, Problem> {
    verify_typed::<RevocationClaims>(jws.trim(), keys, REVOCATION_TYP)
        .map(|(_, claims)| claims)
        .map_err(|(_, problem)| problem)
}

type Verified<T> = Result<(String, T), (Option<String>, Problem)>;

fn verify_typed<T: DeserializeOwned + SignedAt>(jws: &str, keys: &Jwks, typ: &str) -> Verified<T> {
    install_provider();
    let header =
        jsonwebtoken::decode_header(jws).map_err(|e| (None, Problem::Malformed(e.to_string())))?;
    let kid = header
        .kid
        .clone()
        .ok_or((None, Problem::Malformed("no key id".to_owned())))?;
    let fail = |problem| (Some(kid.clone()), problem);
    if header.alg != Algorithm::EdDSA || header.typ.as_deref() != Some(typ) {
        return Err(fail(Problem::WrongKind));
    }
    let published = keys
        .find(&kid)
        .ok_or_else(|| fail(Problem::UnknownKey(kid.clone())))?;
    let key = DecodingKey::from_jwk(&published.jwk)
        .map_err(|e| fail(Problem::Malformed(format!("key {kid}: {e}"))))?;
    let mut validation = Validation::new(Algorithm::EdDSA);
    // Expiry is judged by the caller's clock ([`verify_attestation`]), so that an expired
    // attestation can still be shown for what it was.
    validation.validate_exp = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    match jsonwebtoken::decode::<T>(jws, &key, &validation) {
        Ok(data) => match published.refuses(data.claims.signed_at()) {
            Some(why) => Err(fail(Problem::OutsideKeySpan {
                kid: kid.clone(),
                why,
            })),
            None => Ok((kid, data.claims)),
        },
        Err(error) => Err(fail(match error.kind() {
            ErrorKind::InvalidSignature => Problem::Tampered,
            ErrorKind::InvalidAlgorithm | ErrorKind::UnsupportedAlgorithm => Problem::WrongKind,
            ErrorKind::InvalidEddsaKey | ErrorKind::InvalidKeyFormat => {
                Problem::Malformed(format!("key {kid} is not an Ed25519 public key"))
            }
            // Base64 or JSON that does not decode: the token was cut or edited.
            ErrorKind::Base64(_) | ErrorKind::Json(_) | ErrorKind::Utf8(_) => Problem::Tampered,
            _ => Problem::Malformed(error.to_string()),
        })),
    }
}

#[cfg(test)]
mod tests;
