-- One timestamp convention: every time the store keeps is an integer of Unix time, in seconds
-- unless its name ends in `_ms`. The older tables held RFC 3339 UTC text made by the database;
-- the API still answers with RFC 3339 text, formatted from these integers. The audit log keeps
-- its milliseconds, as `at_ms`. Every insert now states its times (none is a column default).

ALTER TABLE periods ALTER COLUMN created_at DROP DEFAULT,
    ALTER COLUMN created_at TYPE BIGINT USING floor(extract(epoch FROM created_at::timestamptz))::bigint;
ALTER TABLE periods ALTER COLUMN released_at DROP DEFAULT,
    ALTER COLUMN released_at TYPE BIGINT USING floor(extract(epoch FROM released_at::timestamptz))::bigint;
ALTER TABLE organisations ALTER COLUMN verified_at DROP DEFAULT,
    ALTER COLUMN verified_at TYPE BIGINT USING floor(extract(epoch FROM verified_at::timestamptz))::bigint;
ALTER TABLE organisations ALTER COLUMN created_at DROP DEFAULT,
    ALTER COLUMN created_at TYPE BIGINT USING floor(extract(epoch FROM created_at::timestamptz))::bigint;
ALTER TABLE organisations ALTER COLUMN verification_proposed_at DROP DEFAULT,
    ALTER COLUMN verification_proposed_at TYPE BIGINT USING floor(extract(epoch FROM verification_proposed_at::timestamptz))::bigint;
ALTER TABLE users ALTER COLUMN created_at DROP DEFAULT,
    ALTER COLUMN created_at TYPE BIGINT USING floor(extract(epoch FROM created_at::timestamptz))::bigint;
ALTER TABLE invitations ALTER COLUMN accepted_at DROP DEFAULT,
    ALTER COLUMN accepted_at TYPE BIGINT USING floor(extract(epoch FROM accepted_at::timestamptz))::bigint;
ALTER TABLE api_tokens ALTER COLUMN created_at DROP DEFAULT,
    ALTER COLUMN created_at TYPE BIGINT USING floor(extract(epoch FROM created_at::timestamptz))::bigint;
ALTER TABLE api_tokens ALTER COLUMN last_used_at DROP DEFAULT,
    ALTER COLUMN last_used_at TYPE BIGINT USING floor(extract(epoch FROM last_used_at::timestamptz))::bigint;
ALTER TABLE api_tokens ALTER COLUMN revoked_at DROP DEFAULT,
    ALTER COLUMN revoked_at TYPE BIGINT USING floor(extract(epoch FROM revoked_at::timestamptz))::bigint;
ALTER TABLE submissions ALTER COLUMN saved_at DROP DEFAULT,
    ALTER COLUMN saved_at TYPE BIGINT USING floor(extract(epoch FROM saved_at::timestamptz))::bigint;
ALTER TABLE releases ALTER COLUMN released_at DROP DEFAULT,
    ALTER COLUMN released_at TYPE BIGINT USING floor(extract(epoch FROM released_at::timestamptz))::bigint;
ALTER TABLE standards ALTER COLUMN published_at DROP DEFAULT,
    ALTER COLUMN published_at TYPE BIGINT USING floor(extract(epoch FROM published_at::timestamptz))::bigint;
ALTER TABLE practices ALTER COLUMN updated_at DROP DEFAULT,
    ALTER COLUMN updated_at TYPE BIGINT USING floor(extract(epoch FROM updated_at::timestamptz))::bigint;
ALTER TABLE practices ALTER COLUMN published_at DROP DEFAULT,
    ALTER COLUMN published_at TYPE BIGINT USING floor(extract(epoch FROM published_at::timestamptz))::bigint;
ALTER TABLE practice_adoptions ALTER COLUMN adopted_at DROP DEFAULT,
    ALTER COLUMN adopted_at TYPE BIGINT USING floor(extract(epoch FROM adopted_at::timestamptz))::bigint;
ALTER TABLE deadlines ALTER COLUMN due_at DROP DEFAULT,
    ALTER COLUMN due_at TYPE BIGINT USING floor(extract(epoch FROM due_at::timestamptz))::bigint;
ALTER TABLE deadlines ALTER COLUMN set_at DROP DEFAULT,
    ALTER COLUMN set_at TYPE BIGINT USING floor(extract(epoch FROM set_at::timestamptz))::bigint;
ALTER TABLE audit_log ALTER COLUMN at DROP DEFAULT,
    ALTER COLUMN at TYPE BIGINT USING floor(extract(epoch FROM at::timestamptz) * 1000)::bigint;
ALTER TABLE audit_log RENAME COLUMN at TO at_ms;

DROP FUNCTION pp_now();
DROP FUNCTION pp_now_ms();
