// An outside verifier for PeerPosture attestations, written from RFC 7515/8037 (through the
// `jose` package, pinned in package-lock.json) and RFC 9162 §2.1.3.2, sharing no code with the
// server. Usage: node tests/js/verify-attestation.mjs BASE_URL FILE.jws [revocation]
// Prints one JSON line; exits 0 when the attestation (or, with `revocation`, the signed
// revocation) verifies and its inclusion proof holds.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { compactVerify, createRemoteJWKSet, jwtVerify } from "jose";

const [base, file, kind = "attestation"] = process.argv.slice(2);
const jws = readFileSync(file, "utf8").trim();
const keys = createRemoteJWKSet(new URL("/.well-known/jwks.json", base));
const sha256 = (...parts) => {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest();
};

// RFC 9162 §2.1.3.2: the root implied by a leaf's audit path.
function rootFromInclusion(index, size, leafHash, path) {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = sha256(Buffer.from([1]), p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = sha256(Buffer.from([1]), r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

const result = { valid: false };
try {
  const { payload, protectedHeader } = await jwtVerify(jws, keys, {
    algorithms: ["EdDSA"],
    typ: `peerposture-${kind}+jwt`,
  });
  Object.assign(result, {
    valid: true,
    kid: protectedHeader.kid,
    iss: payload.iss,
    sub: payload.sub,
    aud: payload.aud,
    jti: payload.jti,
    metrics: payload.metrics?.length,
    leaf: payload.leaf,
    revoked_at: payload.revoked_at,
  });
} catch (error) {
  result.problem = error.code ?? String(error);
}

// The transparency log: the leaf is the SHA-256 of the compact JWS, hashed as 0x00 ‖ leaf.
const leaf = sha256(jws);
const response = await fetch(new URL(`/api/v1/transparency/inclusion/${leaf.toString("hex")}`, base));
if (response.ok) {
  const proof = await response.json();
  const head = await compactVerify(proof.head.jws, keys);
  const signed = JSON.parse(new TextDecoder().decode(head.payload));
  const root = rootFromInclusion(
    proof.leaf_index,
    signed.tree_size,
    sha256(Buffer.from([0]), leaf),
    proof.path.map((hex) => Buffer.from(hex, "hex")),
  );
  result.head_signed = head.protectedHeader.typ === "peerposture-tree-head+jwt";
  result.inclusion = root !== null && root.toString("hex") === signed.root_hash;
  result.leaf_index = proof.leaf_index;
  result.tree_size = signed.tree_size;
} else {
  result.inclusion = false;
  result.log_status = response.status;
}
console.log(JSON.stringify(result));
process.exit(result.valid && result.inclusion && result.head_signed ? 0 : 1);
