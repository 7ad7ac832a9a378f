-- Submission deadlines: one per quarter, set (and moved) by publishers. `due_at` is RFC 3339
-- UTC text like every stored timestamp, so it compares with `submissions.saved_at`.

CREATE TABLE deadlines (
    period TEXT PRIMARY KEY,
    due_at TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);
