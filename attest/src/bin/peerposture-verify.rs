//! `peerposture-verify FILE.jws --jwks JWKS.json [--proof PROOF.json] [--now UNIX_SECONDS]`:
//! checks a PeerPosture attestation offline, with the issuer's public keys saved from
//! `/.well-known/jwks.json` and, with `--proof`, its inclusion in the transparency log from a
//! saved `GET /api/v1/transparency/inclusion/{sha256 of the .jws}` answer (the tree head in it
//! must be signed by one of the keys). Exit status 0 when valid, 1 when not, 2 when the
//! command is used wrongly. Revocation needs the issuer: `GET /api/v1/attestation-status/{jti}`.

use std::process::ExitCode;

use attest::log::{leaf, verify_inclusion};
use attest::{Jwks, verify_attestation, verify_tree_head};
use serde::de::DeserializeOwned;
use shared::MetricValue;
use shared::attestation::{Disclosure, InclusionProof};
use shared::format::hex;
use shared::period::rfc3339;

const USAGE: &str = "usage: peerposture-verify FILE.jws --jwks JWKS.json [--proof PROOF.json] \
                     [--now UNIX_SECONDS]";

fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("{message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Vec<String>) -> Result<bool, String> {
    let mut file = None;
    let mut jwks = None;
    let mut proof = None;
    let mut now = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--jwks" => jwks = Some(args.next().ok_or("--jwks needs a file")?),
            "--proof" => proof = Some(args.next().ok_or("--proof needs a file")?),
            "--now" => {
                let value = args.next().ok_or("--now needs Unix seconds")?;
                now = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| "--now takes Unix seconds")?,
                );
            }
            "-h" | "--help" => return Err("checks a PeerPosture attestation".to_owned()),
            _ if file.is_none() && !arg.starts_with("--") => file = Some(arg),
            _ => return Err(format!("unexpected argument `{arg}`")),
        }
    }
    let file = file.ok_or("name the attestation file")?;
    let jwks = jwks.ok_or("name the issuer's key set with --jwks")?;
    let jws = std::fs::read_to_string(&file).map_err(|e| format!("cannot read {file}: {e}"))?;
    let keys: Jwks = read_json(&jwks, "a JWK set")?;
    let proof: Option<InclusionProof> = match &proof {
        Some(file) => Some(read_json(file, "an inclusion proof")?),
        None => None,
    };
    let now = match now {
        Some(now) => now,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|e| e.to_string())?
            .as_secs() as i64,
    };
    let checked = verify_attestation(&jws, &keys, now);
    match (&checked.problem, &checked.claims) {
        (None, Some(claims)) => println!(
            "VALID: issued by {} (key {}) for {}, expires {}",
            claims.iss,
            checked.kid.as_deref().unwrap_or("?"),
            claims.aud,
            rfc3339(claims.exp)
        ),
        (Some(problem), _) => println!("INVALID: {problem}"),
        (None, None) => println!("INVALID"),
    }
    if let Some(claims) = &checked.claims {
        println!("subject:   {}", claims.sub);
        println!("id:        {}", claims.jti);
        println!("issued:    {}", rfc3339(claims.iat));
        println!(
            "quarter:   {}, peers: {} (anonymity policy {}, k = {})",
            claims.period,
            claims.cohort.label(),
            claims.policy.version,
            claims.policy.k
        );
        println!("benchmark: {}", claims.benchmark_digest);
        let shows_values = claims.disclosure == Disclosure::Values;
        for metric in &claims.metrics {
            let value = match (&metric.value, shows_values) {
                (Some(MetricValue::Number(number)), true) => number.to_string(),
                (Some(MetricValue::Bool(yes)), true) => if *yes { "yes" } else { "no" }.to_owned(),
                _ => "-".to_owned(),
            };
            println!(
                "  {:<32} value {:<14} band {:<12} peers P25/P50/P75 {}/{}/{}",
                metric.metric,
                value,
                metric.band.as_deref().unwrap_or("-"),
                shown(metric.p25),
                shown(metric.p50),
                shown(metric.p75)
            );
        }
        if let Some(standard) = &claims.standard {
            println!("standard:  {} v{}", standard.name, standard.version);
            for requirement in &standard.requirements {
                let status = match requirement.met {
                    Some(true) => "met",
                    Some(false) => "missed",
                    None => "not submitted",
                };
                println!("  {:<48} {status}", requirement.text);
            }
        }
    }
    let logged = match proof {
        Some(proof) => {
            let logged = logged(&jws, &proof, &keys);
            match &logged {
                Ok(line) => println!("log:       {line}"),
                Err(problem) => println!("INVALID: {problem}"),
            }
            logged.is_ok()
        }
        None => {
            println!(
                "log:       not checked (save GET /api/v1/transparency/inclusion/{} and pass --proof)",
                hex(&leaf(&jws))
            );
            true
        }
    };
    Ok(checked.is_valid() && logged)
}

fn read_json<T: DeserializeOwned>(file: &str, what: &str) -> Result<T, String> {
    let text = std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{file} is not {what}: {e}"))
}

/// Whether the proof puts this attestation in a log whose head the issuer signed.
fn logged(jws: &str, proof: &InclusionProof, keys: &Jwks) -> Result<String, String> {
    let head = verify_tree_head(&proof.head.jws, keys)
        .map_err(|problem| format!("the proof's tree head: {problem}"))?;
    if !verify_inclusion(&head, &leaf(jws), proof.leaf_index, &proof.path) {
        return Err("the proof does not put this attestation in the transparency log".to_owned());
    }
    Ok(format!(
        "entry {} of {}, under a tree head signed at {}",
        proof.leaf_index,
        head.tree_size,
        rfc3339(head.timestamp)
    ))
}

fn shown(value: Option<f64>) -> String {
    value.map_or("-".to_owned(), |v| v.to_string())
}
