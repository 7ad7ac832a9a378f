-- Anonymity policy v2.
--
-- A release freezes who contributed: the submission revision of every verified organisation
-- that counted, with the cohort attributes it had then. Everything computed for the period
-- later (the shares of a standard published after the release) reads exactly this set, never
-- today's verified organisations or attributes.
CREATE TABLE release_contributors (
    period        TEXT NOT NULL REFERENCES releases (period),
    org_id        INTEGER NOT NULL REFERENCES organisations (id),
    submission_id INTEGER NOT NULL REFERENCES submissions (id),
    seat_band     TEXT NOT NULL,
    region        TEXT NOT NULL,
    verticals     TEXT NOT NULL,
    delivery      TEXT NOT NULL,
    wfh_band      TEXT NOT NULL,
    PRIMARY KEY (period, org_id)
) STRICT, WITHOUT ROWID;

-- Releases made before this migration: the organisations verified by the time of the release
-- with their last revision (no revision can follow a release), as the release itself read them.
INSERT INTO release_contributors
    (period, org_id, submission_id, seat_band, region, verticals, delivery, wfh_band)
SELECT r.period, o.id, s.id, o.seat_band, o.region, o.verticals, o.delivery, o.wfh_band
FROM releases r
JOIN organisations o ON o.verified_at IS NOT NULL AND o.verified_at <= r.released_at
JOIN submissions s ON s.org_id = o.id AND s.period = r.period AND s.revision =
     (SELECT MAX(revision) FROM submissions WHERE org_id = o.id AND period = r.period);

-- Shares are published as bands ("60-70"), never as exact percents: yes/no cells carry the
-- band of "yes", standards' shares the band meeting the requirement. The old exact columns
-- stay for releases not yet recomputed (the server recomputes them under v2 at start).
ALTER TABLE benchmark_cells ADD COLUMN share_band TEXT;
ALTER TABLE standard_shares ADD COLUMN share_band TEXT;

-- Who brought each account in (the inviter), so that an organisation's member admins see
-- every account of their organisation and who created it.
ALTER TABLE users ADD COLUMN invited_by INTEGER REFERENCES users (id);
UPDATE users SET invited_by = (
    SELECT i.invited_by FROM invitations i
    WHERE i.email = users.email COLLATE NOCASE AND i.accepted_at IS NOT NULL
    ORDER BY i.accepted_at DESC LIMIT 1
);

-- The organisation an audit entry concerns, so that its member admins can read the entries
-- about it (every read of its raw values).
ALTER TABLE audit_log ADD COLUMN org_id INTEGER REFERENCES organisations (id);
CREATE INDEX audit_log_by_org ON audit_log (org_id, id) WHERE org_id IS NOT NULL;
