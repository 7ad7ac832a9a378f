-- A revocation is signed and appended to the transparency log (its leaf is the SHA-256 of
-- `revocation_jws`), so a client can prove the withdrawal happened and when. A member may keep
-- an attestation readable through its share link after it expires.
ALTER TABLE attestations ADD COLUMN readable_after_expiry INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attestations ADD COLUMN revocation_jws TEXT;
ALTER TABLE attestations ADD COLUMN revocation_index INTEGER REFERENCES transparency_log (idx);
CREATE UNIQUE INDEX attestations_by_revocation ON attestations (revocation_index);
