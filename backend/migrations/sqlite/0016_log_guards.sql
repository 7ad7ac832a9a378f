-- The transparency log is append-only: updates and deletes were refused (0009), but
-- `INSERT OR REPLACE` (and `REPLACE INTO`) deletes the row it replaces without firing delete
-- triggers, so it could rewrite a leaf. An insert at an index the log already holds is refused
-- before any conflict is resolved.
CREATE TRIGGER transparency_log_append_only_replace BEFORE INSERT ON transparency_log
WHEN EXISTS (SELECT 1 FROM transparency_log WHERE idx = NEW.idx)
BEGIN SELECT RAISE(ABORT, 'the transparency log is append-only'); END;
