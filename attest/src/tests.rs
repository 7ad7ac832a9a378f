use super::*;
use crate::log::{Log, leaf, verify_consistency, verify_inclusion};
use shared::attestation::{
    AttestationClaims, AttestedMetric, AttestedRequirement, AttestedStandard, Disclosure, PolicyRef,
};
use shared::{CohortKey, MetricValue, Period};

/// The key of the published test vectors: the seed 0x01, 0x02, …, 0x20.
fn vector_key() -> SigningKey {
    SigningKey::from_seed(std::array::from_fn(|i| i as u8 + 1))
}

fn vector_claims() -> AttestationClaims {
    AttestationClaims {
        iss: "https://peerposture.example".to_owned(),
        sub: "Example Contact Center".to_owned(),
        aud: "Acme Bank".to_owned(),
        iat: 1_767_225_600,
        exp: 1_774_992_000,
        jti: "00112233445566778899aabbccddeeff".to_owned(),
        period: Period::new(2025, 4).unwrap(),
        cohort: CohortKey::All,
        benchmark_digest: "sha256:0000000000000000000000000000000000000000000000000000000000000000"
            .to_owned(),
        disclosure: Disclosure::Values,
        metrics: vec![AttestedMetric {
            metric: "mfa_coverage".to_owned(),
            value: Some(MetricValue::Number(96.5)),
            band: Some("P75–P90".to_owned()),
            suppressed: false,
            n_band: Some("100-249".to_owned()),
            p10: Some(61.0),
            p25: Some(74.5),
            p50: Some(86.0),
            p75: Some(93.0),
            p90: Some(98.0),
            share_band: None,
        }],
        standard: Some(AttestedStandard {
            id: 1,
            name: "BPO Security Baseline".to_owned(),
            version: 1,
            requirements: vec![AttestedRequirement {
                metric: "mfa_coverage".to_owned(),
                text: "MFA coverage ≥ 95 %".to_owned(),
                met: Some(true),
            }],
        }),
        policy: PolicyRef {
            version: "v2".to_owned(),
            k: 10,
        },
    }
}

fn keys_of(keys: &[&SigningKey]) -> Jwks {
    Jwks {
        keys: keys
            .iter()
            .map(|key| PublishedKey::new(public_jwk(key.kid(), &key.public_x())))
            .collect(),
    }
}

const NOW: i64 = 1_770_000_000;

#[test]
fn the_published_test_vectors_are_what_this_code_signs_and_verifies() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let key = vector_key();
    let claims = vector_claims();
    let jws = key.sign(ATTESTATION_TYP, &claims).unwrap();
    let jwks = serde_json::to_string_pretty(&keys_of(&[&key])).unwrap() + "\n";
    let claims_json = serde_json::to_string_pretty(&claims).unwrap() + "\n";
    let inclusion = serde_json::to_string_pretty(&vector_inclusion(&key, &jws)).unwrap() + "\n";
    if std::env::var_os("UPDATE_VECTORS").is_some() {
        std::fs::write(dir.join("attestation.jws"), format!("{jws}\n")).unwrap();
        std::fs::write(dir.join("jwks.json"), &jwks).unwrap();
        std::fs::write(dir.join("claims.json"), &claims_json).unwrap();
        std::fs::write(dir.join("inclusion.json"), &inclusion).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(dir.join("inclusion.json")).unwrap(),
        inclusion
    );
    // Ed25519 signatures are deterministic: the same key and claims give the same bytes.
    let stored = std::fs::read_to_string(dir.join("attestation.jws")).unwrap();
    assert_eq!(stored.trim(), jws);
    assert_eq!(
        std::fs::read_to_string(dir.join("jwks.json")).unwrap(),
        jwks
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("claims.json")).unwrap(),
        claims_json
    );
    let stored_keys: Jwks = serde_json::from_str(&jwks).unwrap();
    let checked = verify_attestation(&stored, &stored_keys, NOW);
    assert!(checked.is_valid(), "{checked:?}");
    assert_eq!(checked.claims, Some(claims));
    assert_eq!(checked.kid.as_deref(), Some(key.kid()));
}

/// The vector attestation's inclusion proof, as `GET /api/v1/transparency/inclusion/{leaf}`
/// answers it: entry 1 of a log of three, under a head signed with the vector key.
fn vector_inclusion(key: &SigningKey, jws: &str) -> shared::attestation::InclusionProof {
    let mut log = Log::new();
    for entry in ["an earlier attestation", jws, "a later attestation"] {
        log.push(leaf(entry));
    }
    let head = log.head(NOW);
    shared::attestation::InclusionProof {
        leaf_index: 1,
        tree_size: log.len(),
        path: log.inclusion(1).unwrap(),
        head: shared::attestation::SignedTreeHead {
            jws: key.sign(TREE_HEAD_TYP, &head).unwrap(),
            head,
        },
    }
}

#[test]
fn the_key_id_is_the_rfc_7638_thumbprint() {
    let key = vector_key();
    let jwk = public_jwk(key.kid(), &key.public_x());
    install_provider();
    assert_eq!(jwk.thumbprint(ThumbprintHash::SHA256).unwrap(), key.kid());
    assert!(!format!("{key:?}").contains(&format!("{:?}", key.seed())));
}

#[test]
fn tampering_a_wrong_key_expiry_and_a_tree_head_each_fail_with_their_reason() {
    let key = vector_key();
    let keys = keys_of(&[&key]);
    let jws = key.sign(ATTESTATION_TYP, &vector_claims()).unwrap();

    // Change the audience in the payload, keeping header and signature.
    let parts: Vec<&str> = jws.split('.').collect();
    let payload = String::from_utf8(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[1])
            .unwrap(),
    )
    .unwrap()
    .replace("Acme Bank", "Evil Corp");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(payload),
        parts[2]
    );
    assert_eq!(
        verify_attestation(&forged, &keys, NOW).problem,
        Some(Problem::Tampered)
    );
    // One character of the signature.
    let mut flipped = jws.clone();
    let last = flipped.pop().unwrap();
    flipped.push(if last == 'A' { 'B' } else { 'A' });
    assert!(!verify_attestation(&flipped, &keys, NOW).is_valid());

    // Another issuer's key set: the key id is unknown.
    let other = SigningKey::from_seed([9; 32]);
    assert_eq!(
        verify_attestation(&jws, &keys_of(&[&other]), NOW).problem,
        Some(Problem::UnknownKey(key.kid().to_owned()))
    );
    // Another key published under this key's id.
    let mut impostor = keys_of(&[&other]);
    impostor.keys[0] = PublishedKey::new(public_jwk(key.kid(), &other.public_x()));
    assert_eq!(
        verify_attestation(&jws, &impostor, NOW).problem,
        Some(Problem::Tampered)
    );

    // Expired: authentic, and still readable.
    let late = verify_attestation(&jws, &keys, vector_claims().exp);
    assert_eq!(late.problem, Some(Problem::Expired(vector_claims().exp)));
    assert!(late.claims.is_some());

    // A signed tree head is not an attestation, and the other way round.
    let head = key.sign(TREE_HEAD_TYP, &Log::new().head(NOW)).unwrap();
    assert_eq!(
        verify_attestation(&head, &keys, NOW).problem,
        Some(Problem::WrongKind)
    );
    assert_eq!(verify_tree_head(&jws, &keys), Err(Problem::WrongKind));
    assert_eq!(verify_tree_head(&head, &keys).unwrap().tree_size, 0);

    // A revocation is neither, and neither of them is a revocation.
    let withdrawn = shared::attestation::RevocationClaims {
        iss: "https://peerposture.example".to_owned(),
        jti: vector_claims().jti,
        leaf: shared::format::hex(&leaf(&jws)),
        revoked_at: NOW,
    };
    let revocation = key.sign(REVOCATION_TYP, &withdrawn).unwrap();
    assert_eq!(verify_revocation(&revocation, &keys), Ok(withdrawn));
    assert_eq!(
        verify_attestation(&revocation, &keys, NOW).problem,
        Some(Problem::WrongKind)
    );
    assert_eq!(
        verify_tree_head(&revocation, &keys),
        Err(Problem::WrongKind)
    );
    for other in [&jws, &head] {
        assert_eq!(verify_revocation(other, &keys), Err(Problem::WrongKind));
    }

    // alg "none", and garbage.
    let none_header = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"alg":"none","typ":"{ATTESTATION_TYP}","kid":"{}"}}"#,
        key.kid()
    ));
    let unsigned = format!("{none_header}.{}.", parts[1]);
    assert!(!verify_attestation(&unsigned, &keys, NOW).is_valid());
    for garbage in ["", "a.b", "a.b.c", "....", "\u{0}"] {
        assert!(matches!(
            verify_attestation(garbage, &keys, NOW).problem,
            Some(Problem::Malformed(_))
        ));
    }
}

/// RFC 6962 §2.1, written out plainly: the tree hash of a list of leaves.
fn naive_root(leaves: &[[u8; 32]]) -> [u8; 32] {
    use sha2::Sha256;
    match leaves.len() {
        0 => Sha256::digest([]).into(),
        1 => Sha256::new()
            .chain_update([0u8])
            .chain_update(leaves[0])
            .finalize()
            .into(),
        n => {
            let k = n.next_power_of_two() / 2;
            Sha256::new()
                .chain_update([1u8])
                .chain_update(naive_root(&leaves[..k]))
                .chain_update(naive_root(&leaves[k..]))
                .finalize()
                .into()
        }
    }
}

#[test]
fn the_log_matches_rfc_6962_and_its_proofs_verify() {
    let leaves: Vec<[u8; 32]> = (0..21u32).map(|i| leaf(&format!("jws {i}"))).collect();
    let mut log = Log::new();
    assert_eq!(log.head(0).root_hash, shared::format::hex(&naive_root(&[])));
    let mut heads = vec![log.head(0)];
    for (i, item) in leaves.iter().enumerate() {
        log.push(*item);
        let head = log.head(i as i64);
        assert_eq!(
            head.root_hash,
            shared::format::hex(&naive_root(&leaves[..=i]))
        );
        heads.push(head);
    }
    let now = log.head(99);
    for (index, item) in leaves.iter().enumerate() {
        let path = log.inclusion(index as u64).unwrap();
        assert!(verify_inclusion(&now, item, index as u64, &path));
        assert!(!verify_inclusion(&now, &leaf("other"), index as u64, &path));
        assert_eq!(log.position(item), Some(index as u64));
    }
    assert_eq!(log.inclusion(21), None);
    for from in 1..=21u64 {
        for to in from..=21u64 {
            let path = log.consistency(from, to).unwrap();
            let (old, new) = (&heads[from as usize], &heads[to as usize]);
            assert!(verify_consistency(old, new, &path), "{from} → {to}");
            if from < to {
                let mut wrong = old.clone();
                wrong.root_hash = heads[from as usize - 1].root_hash.clone();
                assert!(!verify_consistency(&wrong, new, &path), "{from} → {to}");
            }
        }
    }
    assert_eq!(log.consistency(0, 3), None);
    assert_eq!(log.consistency(4, 3), None);
    assert_eq!(log.consistency(3, 22), None);
}

#[test]
fn a_signature_outside_its_keys_span_is_refused_and_the_set_reads_as_plain_jwks() {
    let key = vector_key();
    let claims = vector_claims();
    let jws = key.sign(ATTESTATION_TYP, &claims).unwrap();
    let span = |from: Option<i64>, until: Option<i64>, compromised: bool| Jwks {
        keys: vec![PublishedKey {
            signs_from: from,
            signs_until: until,
            compromised,
            ..keys_of(&[&key]).keys.remove(0)
        }],
    };
    let outside = |keys: &Jwks| match verify_attestation(&jws, keys, NOW).problem {
        Some(Problem::OutsideKeySpan { why, .. }) => why,
        other => panic!("expected a refusal, got {other:?}"),
    };

    // Inside its span, at either end: valid.
    for (from, until) in [(claims.iat, claims.iat), (claims.iat - 1, claims.iat + 1)] {
        assert!(verify_attestation(&jws, &span(Some(from), Some(until), false), NOW).is_valid());
    }
    // Signed after the key's retirement, after the stated start of its compromise, or before
    // the key existed.
    assert!(
        outside(&span(None, Some(claims.iat - 1), false)).starts_with("after the key was retired")
    );
    let stolen = outside(&span(None, Some(claims.iat - 1), true));
    assert!(
        stolen.starts_with("after the key was reported compromised"),
        "{stolen}"
    );
    assert!(
        outside(&span(Some(claims.iat + 1), None, false)).starts_with("before the key existed")
    );
    // What was signed before a compromise still verifies.
    assert!(verify_attestation(&jws, &span(None, Some(claims.iat), true), NOW).is_valid());
    // Tree heads and revocations are held to the same span.
    let head = key.sign(TREE_HEAD_TYP, &Log::new().head(NOW)).unwrap();
    assert!(matches!(
        verify_tree_head(&head, &span(None, Some(NOW - 1), true)),
        Err(Problem::OutsideKeySpan { .. })
    ));

    // The set's extra members are JWK members a JOSE library ignores; it reads back the same.
    let keys = span(Some(1), Some(2), true);
    let text = serde_json::to_string(&keys).unwrap();
    assert!(
        text.contains(r#""signs_until":2"#) && text.contains(r#""kty":"OKP""#),
        "{text}"
    );
    assert_eq!(serde_json::from_str::<Jwks>(&text).unwrap(), keys);
    let plain: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&text).unwrap();
    assert_eq!(plain.keys[0], keys.keys[0].jwk);
}
