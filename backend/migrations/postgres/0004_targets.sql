-- Targets: the same table as SQLite's 0010. Times are Unix seconds.

CREATE TABLE targets (
    org_id          BIGINT NOT NULL REFERENCES organisations (id),
    metric          TEXT NOT NULL,
    value           DOUBLE PRECISION NOT NULL,
    owner           TEXT NOT NULL,
    due             TEXT NOT NULL,
    baseline_period TEXT,
    baseline        DOUBLE PRECISION,
    set_by          TEXT NOT NULL,
    updated_at      BIGINT NOT NULL,
    PRIMARY KEY (org_id, metric)
);
