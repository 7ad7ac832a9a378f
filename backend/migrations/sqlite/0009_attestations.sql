-- Client assurance: signed attestations, their share links, and the transparency log.
-- Times are Unix seconds.

-- The server's Ed25519 signing keys. The newest key not retired signs; retired keys stay in
-- the published key set so that what they signed still verifies.
CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY,          -- RFC 7638 thumbprint
    private_seed BLOB NOT NULL,             -- 32 bytes; never leaves the server
    public_x     TEXT NOT NULL,             -- base64url public key
    created_at   INTEGER NOT NULL,
    retired_at   INTEGER
) STRICT;

-- Append-only: the SHA-256 of every issued attestation, in issue order (RFC 6962 leaves).
CREATE TABLE transparency_log (
    idx       INTEGER PRIMARY KEY,          -- 0, 1, 2, …
    leaf      BLOB NOT NULL UNIQUE,
    logged_at INTEGER NOT NULL
) STRICT;
CREATE TRIGGER transparency_log_append_only_update BEFORE UPDATE ON transparency_log
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
CREATE TRIGGER transparency_log_append_only_delete BEFORE DELETE ON transparency_log
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;

CREATE TABLE attestations (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organisations (id),
    jti         TEXT NOT NULL UNIQUE,
    share_hash  BLOB NOT NULL UNIQUE,       -- SHA-256 of the share link's token
    jws         TEXT NOT NULL,
    audience    TEXT NOT NULL,
    period      TEXT NOT NULL,
    cohort      TEXT NOT NULL,
    disclosure  TEXT NOT NULL,
    metrics     INTEGER NOT NULL,
    issued_by   TEXT NOT NULL,
    issued_at   INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    open_count  INTEGER NOT NULL DEFAULT 0,
    log_index   INTEGER NOT NULL UNIQUE REFERENCES transparency_log (idx)
) STRICT;
CREATE INDEX attestations_by_org ON attestations (org_id, id);

-- When a share link was opened (the first 100 openings are kept; `open_count` counts all).
CREATE TABLE attestation_opens (
    attestation_id INTEGER NOT NULL REFERENCES attestations (id),
    opened_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX attestation_opens_by_attestation ON attestation_opens (attestation_id, opened_at);
