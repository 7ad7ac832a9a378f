-- Targets: the value an organisation aims for on a metric, who owns it and when it is due.
-- `baseline` is the organisation's value in `baseline_period`, the latest released quarter
-- when the target was saved. Times are Unix seconds.

CREATE TABLE targets (
    org_id          INTEGER NOT NULL REFERENCES organisations (id),
    metric          TEXT NOT NULL,
    value           REAL NOT NULL,
    owner           TEXT NOT NULL,
    due             TEXT NOT NULL,
    baseline_period TEXT,
    baseline        REAL,
    set_by          TEXT NOT NULL,
    updated_at      INTEGER NOT NULL,
    PRIMARY KEY (org_id, metric)
);
