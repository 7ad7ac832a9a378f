-- The store's SQL is written once for both backends. Login failures get the `id` column the
-- PostgreSQL table has (their SQLite rowids, kept), and accounts are found by `lower(email)`
-- through an index, as in PostgreSQL.
CREATE TABLE login_failures_with_id (
    id      INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,  -- 'email:…' or 'ip:…'
    at      INTEGER NOT NULL  -- Unix seconds
) STRICT;
INSERT INTO login_failures_with_id (id, subject, at) SELECT rowid, subject, at FROM login_failures;
DROP TABLE login_failures;
ALTER TABLE login_failures_with_id RENAME TO login_failures;
CREATE INDEX login_failures_by_subject ON login_failures (subject, at);

CREATE INDEX users_by_lower_email ON users (lower(email));
