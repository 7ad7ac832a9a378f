-- Anonymity policy v3: verifying an organisation takes two people. One platform admin proposes
-- (verification_proposed_by, _at); another admin or a publisher confirms (verified_by, and
-- verified_at as before). Organisations verified before this migration keep their verification.
ALTER TABLE organisations ADD COLUMN verification_proposed_by BIGINT REFERENCES users (id);
ALTER TABLE organisations ADD COLUMN verification_proposed_at TEXT;
ALTER TABLE organisations ADD COLUMN verified_by BIGINT REFERENCES users (id);
-- How many releases existed when the verification was confirmed: the organisation is on
-- probation until one more release has been made (it counts from the release after the one it
-- was verified for). Null for organisations verified before this migration: they count.
ALTER TABLE organisations ADD COLUMN verified_after_releases BIGINT;
