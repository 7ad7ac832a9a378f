-- Organisations, users, sessions, invitations, API tokens, submissions and the audit log.
-- Timestamps are RFC 3339 UTC text; secrets (sessions, invitations, tokens) are stored only as
-- SHA-256 hashes, passwords only as Argon2id hashes.

CREATE TABLE organisations (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE COLLATE NOCASE,
    seat_band   TEXT NOT NULL,
    region      TEXT NOT NULL,
    verticals   TEXT NOT NULL,  -- comma-separated vertical keys
    delivery    TEXT NOT NULL,
    wfh_band    TEXT NOT NULL,
    verified_at TEXT,
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
) STRICT;

CREATE TABLE users (
    id                  INTEGER PRIMARY KEY,
    email               TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name                TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('member_viewer', 'member_admin', 'publisher', 'admin')),
    org_id              INTEGER REFERENCES organisations (id),
    password_hash       TEXT NOT NULL,
    created_at          TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    CHECK (role NOT IN ('member_viewer', 'member_admin') OR org_id IS NOT NULL)
) STRICT;

CREATE TABLE sessions (
    token_hash  BLOB PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at  INTEGER NOT NULL  -- Unix seconds
) STRICT;
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE invitations (
    token_hash  BLOB PRIMARY KEY,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    org_id      INTEGER REFERENCES organisations (id),
    invited_by  INTEGER NOT NULL REFERENCES users (id),
    expires_at  INTEGER NOT NULL,  -- Unix seconds
    accepted_at TEXT
) STRICT;

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY,
    org_id       INTEGER NOT NULL REFERENCES organisations (id),
    created_by   INTEGER NOT NULL REFERENCES users (id),
    name         TEXT NOT NULL,
    token_hash   BLOB NOT NULL UNIQUE,
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    last_used_at TEXT,
    revoked_at   TEXT
) STRICT;

-- One row per save; the highest revision of an (organisation, period) is its current submission.
CREATE TABLE submissions (
    id          INTEGER PRIMARY KEY,
    org_id      INTEGER NOT NULL REFERENCES organisations (id),
    period      TEXT NOT NULL REFERENCES periods (period),
    revision    INTEGER NOT NULL,
    saved_by    TEXT NOT NULL,
    saved_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    UNIQUE (org_id, period, revision)
) STRICT;

CREATE TABLE submission_values (
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    metric        TEXT NOT NULL,
    value         REAL NOT NULL,
    PRIMARY KEY (submission_id, metric)
) STRICT, WITHOUT ROWID;

-- A retried PUT with the same Idempotency-Key returns the revision the first one created.
CREATE TABLE idempotency_keys (
    org_id        INTEGER NOT NULL REFERENCES organisations (id),
    key           TEXT NOT NULL,
    request_hash  BLOB NOT NULL,
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (org_id, key)
) STRICT, WITHOUT ROWID;

CREATE TABLE login_failures (
    subject TEXT NOT NULL,  -- 'email:…' or 'ip:…'
    at      INTEGER NOT NULL  -- Unix seconds
) STRICT;
CREATE INDEX login_failures_by_subject ON login_failures (subject, at);

CREATE TABLE audit_log (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    target  TEXT NOT NULL,
    detail  TEXT NOT NULL DEFAULT ''
) STRICT;
