-- Reporting periods that have had activity. A period without a row is open; a row with
-- released_at set is frozen: its benchmark cells are computed and submissions are refused.
CREATE TABLE periods (
    period      TEXT PRIMARY KEY NOT NULL CHECK (period GLOB '[0-9][0-9][0-9][0-9]-Q[1-4]'),
    created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    released_at TEXT
) STRICT;
