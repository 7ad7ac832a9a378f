-- A signing key reported compromised: from this time on (Unix seconds) whoever holds its seed
-- may have signed with it, so the published key set refuses anything it signed later.
ALTER TABLE signing_keys ADD COLUMN compromised_from BIGINT;
