-- The best-practice library. Who wrote a practice is kept (the authoring organisation sees its
-- own submissions and their status) but the API shows it to others only when `attribution` is
-- 'named'.
CREATE TABLE practices (
    id                 INTEGER PRIMARY KEY,
    title              TEXT NOT NULL,
    problem            TEXT NOT NULL,
    solution           TEXT NOT NULL,
    result             TEXT NOT NULL,
    metrics            TEXT NOT NULL,                -- JSON array of metric keys
    csf_categories     TEXT NOT NULL,                -- JSON array of CSF 2.0 categories
    tier               TEXT NOT NULL CHECK (tier IN ('baseline', 'advanced')),
    attribution        TEXT NOT NULL CHECK (attribution IN ('named', 'anonymous')),
    status             TEXT NOT NULL CHECK (status IN ('submitted', 'published', 'returned')),
    author_org_id      INTEGER REFERENCES organisations (id),
    author_user_id     INTEGER NOT NULL REFERENCES users (id),
    moderation_comment TEXT,
    updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    published_at       TEXT
) STRICT;

CREATE INDEX practices_by_status ON practices (status, id);

-- "We adopted this": one mark per organisation and practice.
CREATE TABLE practice_adoptions (
    practice_id INTEGER NOT NULL REFERENCES practices (id),
    org_id      INTEGER NOT NULL REFERENCES organisations (id),
    adopted_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (practice_id, org_id)
) STRICT, WITHOUT ROWID;

-- The standard an organisation follows, shown on its dashboard.
ALTER TABLE organisations ADD COLUMN standard_id INTEGER REFERENCES standards (id);
