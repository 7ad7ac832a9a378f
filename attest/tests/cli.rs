//! `peerposture-verify` on the published test vectors, as a client would run it.

use std::path::Path;
use std::process::Command;

fn verify(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_peerposture-verify"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors"))
        .output()
        .expect("the verifier runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr),
    )
}

#[test]
fn the_offline_verifier_says_valid_expired_tampered_or_how_to_use_it() {
    let (code, out) = verify(&[
        "attestation.jws",
        "--jwks",
        "jwks.json",
        "--now",
        "1770000000",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.starts_with("VALID: issued by https://peerposture.example"),
        "{out}"
    );
    assert!(
        out.contains("for Acme Bank") && out.contains("MFA coverage ≥ 95 %"),
        "{out}"
    );

    let (code, out) = verify(&[
        "attestation.jws",
        "--jwks",
        "jwks.json",
        "--now",
        "1774992000",
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("INVALID: expired on 2026-03-31"), "{out}");

    let dir = tempfile_dir();
    let jws = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/attestation.jws"),
    )
    .unwrap();
    let forged = dir.join("forged.jws");
    // Drop the last character of the signature.
    std::fs::write(&forged, &jws.trim()[..jws.trim().len() - 1]).unwrap();
    let forged = forged.to_str().unwrap();
    let (code, out) = verify(&[forged, "--jwks", "jwks.json", "--now", "1770000000"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.starts_with("INVALID"), "{out}");

    // With the saved inclusion proof: in the log, under a head the key signed.
    let (code, out) = verify(&[
        "attestation.jws",
        "--jwks",
        "jwks.json",
        "--proof",
        "inclusion.json",
        "--now",
        "1770000000",
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("log:       entry 1 of 3, under a tree head signed at 2026-02-02"),
        "{out}"
    );
    // Without one, the log is named as not checked.
    let (_, out) = verify(&["attestation.jws", "--jwks", "jwks.json"]);
    assert!(out.contains("log:       not checked"), "{out}");
    // A proof whose audit path was altered, or one for another entry, fails.
    let proof: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("vectors/inclusion.json"),
        )
        .unwrap(),
    )
    .unwrap();
    let mut altered = proof.clone();
    altered["path"][0] = serde_json::json!("00".repeat(32));
    let mut elsewhere = proof.clone();
    elsewhere["leaf_index"] = serde_json::json!(2);
    for (name, bad) in [("altered", altered), ("elsewhere", elsewhere)] {
        let file = dir.join(format!("{name}.json"));
        std::fs::write(&file, bad.to_string()).unwrap();
        let (code, out) = verify(&[
            "attestation.jws",
            "--jwks",
            "jwks.json",
            "--proof",
            file.to_str().unwrap(),
            "--now",
            "1770000000",
        ]);
        assert_eq!(code, 1, "{name}: {out}");
        assert!(
            out.contains(
                "INVALID: the proof does not put this attestation in the transparency log"
            ),
            "{name}: {out}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();

    for args in [
        &[][..],
        &["attestation.jws"][..],
        &["--jwks"][..],
        &["a", "b"][..],
    ] {
        let (code, out) = verify(args);
        assert_eq!(code, 2, "{args:?}: {out}");
        assert!(out.contains("usage: peerposture-verify"), "{out}");
    }
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("peerposture-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
