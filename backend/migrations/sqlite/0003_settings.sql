-- Facts about the store itself, e.g. that it holds the synthetic demo consortium.
CREATE TABLE store_settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;
