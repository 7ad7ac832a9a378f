-- The transparency log is append-only: updates and deletes were refused row by row (0003), but
-- `TRUNCATE` fires no row trigger and emptied the log. It is refused too.
CREATE TRIGGER transparency_log_no_truncate BEFORE TRUNCATE ON transparency_log
FOR EACH STATEMENT EXECUTE FUNCTION transparency_log_append_only();
