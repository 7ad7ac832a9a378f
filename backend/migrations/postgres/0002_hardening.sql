-- Hardening after a security review of the API: the same changes as SQLite's 0008.

ALTER TABLE idempotency_keys ADD COLUMN created_at BIGINT NOT NULL DEFAULT 0;

ALTER TABLE api_tokens ADD COLUMN scopes TEXT NOT NULL DEFAULT 'read,submit';
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
UPDATE api_tokens
SET expires_at = extract(epoch FROM created_at::timestamptz)::bigint + 90 * 86400;

CREATE TABLE known_devices (
    token_hash BYTEA PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL  -- Unix seconds
);
CREATE INDEX known_devices_by_user ON known_devices (user_id);

CREATE UNIQUE INDEX standards_one_successor ON standards (supersedes) WHERE status <> 'draft';
