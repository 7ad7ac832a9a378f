-- Client organisations (the banks, insurers and retailers that outsource to BPOs) and their
-- reviewers. A client organisation submits nothing and is in no cohort: it is a table of its
-- own, never a row of `organisations`.
--
-- A new role needs a new CHECK on `users`, and SQLite changes a constraint only by rebuilding
-- the table, here inside the migration's transaction with the foreign keys on: they are
-- deferred to the commit, the accounts are copied aside, the table is dropped and created
-- anew under its own name (the tables that reference `users` do so by name), and the accounts
-- come back with their ids, which settles every reference before the commit checks them.
-- Dropping the table deletes its rows first, and with them, by their ON DELETE CASCADE, the
-- sessions and known devices: those are copied aside too and put back.
PRAGMA defer_foreign_keys = ON;
CREATE TABLE client_orgs (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- The address BPOs name to share attestations with this client.
    address    TEXT NOT NULL UNIQUE COLLATE NOCASE,
    -- Who created it is in the audit log (a reference to users would make the two tables
    -- each other's parent).
    created_at INTEGER NOT NULL
) STRICT;
CREATE TEMP TABLE users_kept AS SELECT * FROM users;
CREATE TEMP TABLE sessions_kept AS SELECT * FROM sessions;
CREATE TEMP TABLE known_devices_kept AS SELECT * FROM known_devices;
DROP TABLE users;
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN
                  ('member_viewer', 'member_admin', 'publisher', 'admin', 'client_reviewer')),
    org_id        INTEGER REFERENCES organisations (id),
    client_id     INTEGER REFERENCES client_orgs (id),
    password_hash TEXT NOT NULL,
    invited_by    INTEGER REFERENCES users (id),
    created_at    INTEGER NOT NULL DEFAULT 0,
    CHECK (role NOT IN ('member_viewer', 'member_admin') OR org_id IS NOT NULL),
    -- A client reviewer belongs to a client organisation and to no member organisation.
    CHECK ((role = 'client_reviewer') = (client_id IS NOT NULL)),
    CHECK (role <> 'client_reviewer' OR org_id IS NULL)
) STRICT;
INSERT INTO users (id, email, name, role, org_id, password_hash, invited_by, created_at)
SELECT id, email, name, role, org_id, password_hash, invited_by, created_at FROM users_kept;
CREATE INDEX users_by_lower_email ON users (lower(email));
INSERT INTO sessions SELECT * FROM sessions_kept;
INSERT INTO known_devices SELECT * FROM known_devices_kept;
DROP TABLE users_kept;
DROP TABLE sessions_kept;
DROP TABLE known_devices_kept;
ALTER TABLE invitations ADD COLUMN client_id INTEGER REFERENCES client_orgs (id);
-- An attestation a member shares with a client organisation (by its address), and each
-- supplier a client organisation has heard from: its reviewers accept a supplier once, and
-- from then on see every attestation it addresses to them.
ALTER TABLE attestations ADD COLUMN client_id INTEGER REFERENCES client_orgs (id);
CREATE INDEX attestations_by_client ON attestations (client_id, org_id, id);
CREATE TABLE client_suppliers (
    client_id       INTEGER NOT NULL REFERENCES client_orgs (id),
    org_id          INTEGER NOT NULL REFERENCES organisations (id),
    status          TEXT NOT NULL CHECK (status IN ('pending', 'accepted', 'declined')),
    first_shared_at INTEGER NOT NULL,
    decided_at      INTEGER,
    decided_by      INTEGER REFERENCES users (id),
    PRIMARY KEY (client_id, org_id)
) STRICT;
