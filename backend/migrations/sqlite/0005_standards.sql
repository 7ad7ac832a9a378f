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
