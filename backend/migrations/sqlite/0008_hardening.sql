-- Hardening after a security review of the API.

-- Idempotency keys are honoured for a day (Unix seconds); keys from before this migration
-- count as expired.
ALTER TABLE idempotency_keys ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0;

-- API tokens carry scopes ('read', 'submit', comma-separated) and an expiry (Unix seconds).
-- Tokens made before this migration keep both scopes and expire 90 days after creation.
ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,submit';
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER;
UPDATE api_tokens SET expires_at = unixepoch(created_at) + 90 * 86400;

-- Browsers that have logged in to an account: their failed logins count against themselves,
-- not against the account, so a stranger's wrong passwords cannot keep the owner out.
CREATE TABLE known_devices (
    token_hash BLOB PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL  -- Unix seconds
) STRICT;
CREATE INDEX known_devices_by_user ON known_devices (user_id);

-- A standard version has at most one published successor.
CREATE UNIQUE INDEX standards_one_successor ON standards (supersedes) WHERE status <> 'draft';
