//! Signing and checking an attestation of all 33 metrics, and the transparency log's proofs
//! at 100,000 entries: `cargo bench -p attest`.

use attest::log::{Log, leaf, verify_inclusion};
use attest::{ATTESTATION_TYP, Jwks, PublishedKey, SigningKey, public_jwk, verify_attestation};
use criterion::{Criterion, criterion_group, criterion_main};
use shared::attestation::{AttestationClaims, AttestedMetric, Disclosure, PolicyRef};
use shared::{CATALOGUE, CohortKey, MetricValue, Period};

fn claims() -> AttestationClaims {
    AttestationClaims {
        iss: "https://benchmark.example.org".to_owned(),
        sub: "Example Contact Center".to_owned(),
        aud: "Acme Bank vendor risk".to_owned(),
        iat: 1_767_225_600,
        exp: 1_774_992_000,
        jti: "00112233445566778899aabbccddeeff".to_owned(),
        period: Period::new(2025, 4).unwrap(),
        cohort: CohortKey::All,
        benchmark_digest: format!("sha256:{}", "ab".repeat(32)),
        disclosure: Disclosure::Values,
        metrics: CATALOGUE
            .iter()
            .map(|metric| AttestedMetric {
                metric: metric.key.clone(),
                value: Some(MetricValue::Number(61.5)),
                band: Some("P50–P75".to_owned()),
                suppressed: false,
                n_band: Some("100-249".to_owned()),
                p10: Some(12.5),
                p25: Some(31.0),
                p50: Some(55.2),
                p75: Some(70.8),
                p90: Some(88.1),
                share_band: None,
            })
            .collect(),
        standard: None,
        policy: PolicyRef {
            version: "v2".to_owned(),
            k: 10,
        },
    }
}

fn attestations(c: &mut Criterion) {
    let key = SigningKey::from_seed([7; 32]);
    let keys = Jwks {
        keys: vec![PublishedKey::new(public_jwk(key.kid(), &key.public_x()))],
    };
    let claims = claims();
    let jws = key.sign(ATTESTATION_TYP, &claims).unwrap();
    println!("attestation of 33 metrics: {} bytes", jws.len());
    c.bench_function("sign an attestation of 33 metrics", |b| {
        b.iter(|| key.sign(ATTESTATION_TYP, &claims).unwrap())
    });
    c.bench_function("verify an attestation of 33 metrics", |b| {
        b.iter(|| assert!(verify_attestation(&jws, &keys, 1_770_000_000).is_valid()))
    });
    let mut log = Log::new();
    for i in 0..100_000u32 {
        log.push(leaf(&i.to_string()));
    }
    let head = log.head(0);
    c.bench_function("inclusion proof at 100,000 entries", |b| {
        b.iter(|| log.inclusion(54_321).unwrap())
    });
    let path = log.inclusion(54_321).unwrap();
    c.bench_function("verify an inclusion proof at 100,000 entries", |b| {
        b.iter(|| assert!(verify_inclusion(&head, &leaf("54321"), 54_321, &path)))
    });
    c.bench_function("consistency proof 60,000 → 100,000 entries", |b| {
        b.iter(|| log.consistency(60_000, 100_000).unwrap())
    });
}

criterion_group!(benches, attestations);
criterion_main!(benches);
