-- Released periods and their stored benchmark cells. Written once, in the release's
-- transaction, and never changed: reads only ever serve these rows.
CREATE TABLE releases (
    period      TEXT PRIMARY KEY NOT NULL REFERENCES periods (period),
    policy      TEXT NOT NULL,
    k           INTEGER NOT NULL,
    released_at TEXT NOT NULL
) STRICT;

-- Organisations of a cohort with any value in the period, as a band (NULL below k).
CREATE TABLE benchmark_cohorts (
    period TEXT NOT NULL REFERENCES releases (period),
    cohort TEXT NOT NULL,
    n_band TEXT,
    PRIMARY KEY (period, cohort)
) STRICT, WITHOUT ROWID;

CREATE TABLE benchmark_cells (
    period   TEXT NOT NULL REFERENCES releases (period),
    cohort   TEXT NOT NULL,
    metric   TEXT NOT NULL,
    position INTEGER NOT NULL,  -- catalogue order
    n_band   TEXT,
    reason   TEXT,              -- NULL when published
    p10 REAL, p25 REAL, p50 REAL, p75 REAL, p90 REAL, mean REAL,
    PRIMARY KEY (period, cohort, metric)
) STRICT, WITHOUT ROWID;
CREATE INDEX benchmark_cells_by_metric ON benchmark_cells (metric, cohort, period);
