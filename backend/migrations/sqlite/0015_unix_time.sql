-- One timestamp convention: every time the store keeps is an integer of Unix time, in seconds
-- unless its name ends in `_ms`. The older tables held RFC 3339 UTC text made by the database;
-- the API still answers with RFC 3339 text, formatted from these integers. The audit log keeps
-- its milliseconds, as `at_ms`. Every insert now states its times (none is a column default).

ALTER TABLE periods ADD COLUMN created_at_unix INTEGER NOT NULL DEFAULT 0;
UPDATE periods SET created_at_unix = CAST(strftime('%s', created_at) AS INTEGER);
ALTER TABLE periods DROP COLUMN created_at;
ALTER TABLE periods RENAME COLUMN created_at_unix TO created_at;

ALTER TABLE periods ADD COLUMN released_at_unix INTEGER;
UPDATE periods SET released_at_unix = CAST(strftime('%s', released_at) AS INTEGER) WHERE released_at IS NOT NULL;
ALTER TABLE periods DROP COLUMN released_at;
ALTER TABLE periods RENAME COLUMN released_at_unix TO released_at;

ALTER TABLE organisations ADD COLUMN verified_at_unix INTEGER;
UPDATE organisations SET verified_at_unix = CAST(strftime('%s', verified_at) AS INTEGER) WHERE verified_at IS NOT NULL;
ALTER TABLE organisations DROP COLUMN verified_at;
ALTER TABLE organisations RENAME COLUMN verified_at_unix TO verified_at;

ALTER TABLE organisations ADD COLUMN created_at_unix INTEGER NOT NULL DEFAULT 0;
UPDATE organisations SET created_at_unix = CAST(strftime('%s', created_at) AS INTEGER);
ALTER TABLE organisations DROP COLUMN created_at;
ALTER TABLE organisations RENAME COLUMN created_at_unix TO created_at;

ALTER TABLE organisations ADD COLUMN verification_proposed_at_unix INTEGER;
UPDATE organisations SET verification_proposed_at_unix = CAST(strftime('%s', verification_proposed_at) AS INTEGER) WHERE verification_proposed_at IS NOT NULL;
ALTER TABLE organisations DROP COLUMN verification_proposed_at;
ALTER TABLE organisations RENAME COLUMN verification_proposed_at_unix TO verification_proposed_at;

ALTER TABLE users ADD COLUMN created_at_unix INTEGER NOT NULL DEFAULT 0;
UPDATE users SET created_at_unix = CAST(strftime('%s', created_at) AS INTEGER);
ALTER TABLE users DROP COLUMN created_at;
ALTER TABLE users RENAME COLUMN created_at_unix TO created_at;

ALTER TABLE invitations ADD COLUMN accepted_at_unix INTEGER;
UPDATE invitations SET accepted_at_unix = CAST(strftime('%s', accepted_at) AS INTEGER) WHERE accepted_at IS NOT NULL;
ALTER TABLE invitations DROP COLUMN accepted_at;
ALTER TABLE invitations RENAME COLUMN accepted_at_unix TO accepted_at;

ALTER TABLE api_tokens ADD COLUMN created_at_unix INTEGER NOT NULL DEFAULT 0;
UPDATE api_tokens SET created_at_unix = CAST(strftime('%s', created_at) AS INTEGER);
ALTER TABLE api_tokens DROP COLUMN created_at;
ALTER TABLE api_tokens RENAME COLUMN created_at_unix TO created_at;

ALTER TABLE api_tokens ADD COLUMN last_used_at_unix INTEGER;
UPDATE api_tokens SET last_used_at_unix = CAST(strftime('%s', last_used_at) AS INTEGER) WHERE last_used_at IS NOT NULL;
ALTER TABLE api_tokens DROP COLUMN last_used_at;
ALTER TABLE api_tokens RENAME COLUMN last_used_at_unix TO last_used_at;

ALTER TABLE api_tokens ADD COLUMN revoked_at_unix INTEGER;
UPDATE api_tokens SET revoked_at_unix = CAST(strftime('%s', revoked_at) AS INTEGER) WHERE revoked_at IS NOT NULL;
ALTER TABLE api_tokens DROP COLUMN revoked_at;
ALTER TABLE api_tokens RENAME COLUMN revoked_at_unix TO revoked_at;

ALTER TABLE submissions ADD COLUMN saved_at_unix INTEGER NOT NULL DEFAULT 0;
UPDATE submissions SET saved_at_unix = CAST(strftime('%s', saved_at) AS INTEGER);
ALTER TABLE submissions DROP COLUMN saved_at;
ALTER TABLE submissions RENAME COLUMN saved_at_unix TO saved_at;

ALTER TABLE releases ADD COLUMN released_at_unix INTEGER NOT NULL DEFAULT 0;
UPDATE releases SET released_at_unix = CAST(strftime('%s', released_at) AS INTEGER);
ALTER TABLE releases DROP COLUMN released_at;
ALTER TABLE releases RENAME COLUMN released_at_unix TO released_at;

ALTER TABLE standards ADD COLUMN published_at_unix INTEGER;
UPDATE standards SET published_at_unix = CAST(strftime('%s', published_at) AS INTEGER) WHERE published_at IS NOT NULL;
ALTER TABLE standards DROP COLUMN published_at;
ALTER TABLE standards RENAME COLUMN published_at_unix TO published_at;

ALTER TABLE practices ADD COLUMN updated_at_unix INTEGER NOT NULL DEFAULT 0;
UPDATE practices SET updated_at_unix = CAST(strftime('%s', updated_at) AS INTEGER);
ALTER TABLE practices DROP COLUMN updated_at;
ALTER TABLE practices RENAME COLUMN updated_at_unix TO updated_at;

ALTER TABLE practices ADD COLUMN published_at_unix INTEGER;
UPDATE practices SET published_at_unix = CAST(strftime('%s', published_at) AS INTEGER) WHERE published_at IS NOT NULL;
ALTER TABLE practices DROP COLUMN published_at;
ALTER TABLE practices RENAME COLUMN published_at_unix TO published_at;

ALTER TABLE practice_adoptions ADD COLUMN adopted_at_unix INTEGER NOT NULL DEFAULT 0;
UPDATE practice_adoptions SET adopted_at_unix = CAST(strftime('%s', adopted_at) AS INTEGER);
ALTER TABLE practice_adoptions DROP COLUMN adopted_at;
ALTER TABLE practice_adoptions RENAME COLUMN adopted_at_unix TO adopted_at;

ALTER TABLE deadlines ADD COLUMN due_at_unix INTEGER NOT NULL DEFAULT 0;
UPDATE deadlines SET due_at_unix = CAST(strftime('%s', due_at) AS INTEGER);
ALTER TABLE deadlines DROP COLUMN due_at;
ALTER TABLE deadlines RENAME COLUMN due_at_unix TO due_at;

ALTER TABLE deadlines ADD COLUMN set_at_unix INTEGER NOT NULL DEFAULT 0;
UPDATE deadlines SET set_at_unix = CAST(strftime('%s', set_at) AS INTEGER);
ALTER TABLE deadlines DROP COLUMN set_at;
ALTER TABLE deadlines RENAME COLUMN set_at_unix TO set_at;

ALTER TABLE audit_log ADD COLUMN at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE audit_log SET at_ms = CAST(strftime('%s', at) AS INTEGER) * 1000 + CAST(substr(at, 21, 3) AS INTEGER);
ALTER TABLE audit_log DROP COLUMN at;
