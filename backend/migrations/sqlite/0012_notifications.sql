-- Notifications, email and webhooks (an outbox).
--
-- An event is written in the transaction of the action that causes it (a release, a
-- moderation, a published standard, an invitation, an opened attestation link) or by the
-- worker (a deadline drawing near, a paused webhook). The worker expands each event, once, into
-- in-app notifications and deliveries, in one transaction; the unique keys make a repeated
-- expansion write nothing. A delivery is claimed with a lease before it is sent, so that a
-- second server, or the same one after a crash, does not take it while it is in flight.
-- Times are Unix seconds.

CREATE TABLE events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL UNIQUE,
    payload     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expanded_at INTEGER
);
CREATE INDEX events_pending ON events (id) WHERE expanded_at IS NULL;

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    INTEGER NOT NULL REFERENCES users (id),
    event_id   INTEGER NOT NULL REFERENCES events (id),
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    link       TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    read_at    INTEGER,
    -- One event may tell a user two things (a release and a requirement now missed).
    UNIQUE (user_id, event_id, kind)
);
CREATE INDEX notifications_by_user ON notifications (user_id, id);

-- Absent rows: the kind shows in the app and is emailed.
CREATE TABLE notification_settings (
    user_id INTEGER NOT NULL REFERENCES users (id),
    kind    TEXT NOT NULL,
    in_app  INTEGER NOT NULL,
    email   INTEGER NOT NULL,
    PRIMARY KEY (user_id, kind)
);

-- Addresses that followed an unsubscribe link, per kind.
CREATE TABLE email_optouts (
    address TEXT NOT NULL,
    kind    TEXT NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (address, kind)
);

CREATE TABLE webhooks (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id     INTEGER NOT NULL REFERENCES organisations (id),
    url        TEXT NOT NULL,
    secret     TEXT NOT NULL,
    events     TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0,
    paused_at  INTEGER,
    deleted_at INTEGER
);
CREATE INDEX webhooks_by_org ON webhooks (org_id);

CREATE TABLE deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id    INTEGER NOT NULL REFERENCES events (id),
    -- `email` (target: the address) or `webhook` (target: the webhook's id).
    channel     TEXT NOT NULL,
    target      TEXT NOT NULL,
    webhook_id  INTEGER REFERENCES webhooks (id),
    kind        TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'pending',
    attempts    INTEGER NOT NULL DEFAULT 0,
    next_at     INTEGER NOT NULL,
    lease_until INTEGER,
    last_error  TEXT,
    created_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    UNIQUE (channel, target, event_id, kind)
);
CREATE INDEX deliveries_due ON deliveries (next_at) WHERE status = 'pending';

CREATE TABLE webhook_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id  INTEGER NOT NULL REFERENCES webhooks (id),
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
    event_id    INTEGER NOT NULL,
    event_kind  TEXT NOT NULL,
    at          INTEGER NOT NULL,
    status      INTEGER,
    response    TEXT NOT NULL,
    error       TEXT,
    duration_ms INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_by_webhook ON webhook_attempts (webhook_id, id);
