-- Run on every connect of the audit service, before its statements are
-- prepared: the session staging table of the recording transaction. COPY
-- FROM does not run under row-level security, so the trail records of a
-- batch are copied here and moved with INSERT ... SELECT, which the
-- policies check. Only what C computed is staged (seq, actor, action,
-- reason, the hashes); time, subject and details come from the outbox rows
-- the hashes were computed over.
CREATE TEMP TABLE IF NOT EXISTS pw_tmp_trail (
    seq bigint, event_seq bigint, actor text, action text, reason text, prev_hash text,
    hash text
) ON COMMIT DELETE ROWS
