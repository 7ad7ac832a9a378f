-- Industry standards. A row is a version; its requirements are stored as JSON. Published and
-- superseded versions never change (the trigger refuses it even if the code forgot).
CREATE TABLE standards (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'published', 'superseded')),
    requirements TEXT NOT NULL,
    change_log   TEXT NOT NULL DEFAULT '',
    supersedes   INTEGER REFERENCES standards (id),
    created_by   INTEGER NOT NULL REFERENCES users (id),
    published_at TEXT
) STRICT;

CREATE TRIGGER standards_published_are_immutable
BEFORE UPDATE OF name, version, requirements, change_log, supersedes ON standards
WHEN OLD.status != 'draft'
BEGIN
    SELECT RAISE(ABORT, 'published standards are immutable');
END;

-- Share of organisations meeting each requirement of a published standard, per released period
-- and cohort, computed once under the anonymity policy (at release, or when a standard is
-- published after the period's release: the period's data are frozen, so the result is the same).
CREATE TABLE standard_shares (
    period      TEXT NOT NULL REFERENCES releases (period),
    standard_id INTEGER NOT NULL REFERENCES standards (id),
    requirement INTEGER NOT NULL,
    cohort      TEXT NOT NULL,
    n_band      TEXT,
    reason      TEXT,
    share       REAL,
    PRIMARY KEY (period, standard_id, requirement, cohort)
) STRICT, WITHOUT ROWID;
