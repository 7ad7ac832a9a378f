-- Submission deadlines: the same table as SQLite's 0011.

CREATE TABLE deadlines (
    period TEXT PRIMARY KEY,
    due_at TEXT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL
);
