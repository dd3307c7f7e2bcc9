-- Records producer $1's outbox events with $2 < seq <= $3 in one statement:
-- appends one trail record per event (seq $4 + 1 on, with the event's time,
-- subject and payload, and the action, actor and reason audit_events_fetch
-- read), moves the producer's cursor from $2 to $3 and the trail head from
-- seq $4 to the last record. $5 is the hash of record $4 (the genesis value
-- before the first record); $6 the records' SHA-256 digests in seq order,
-- 32 bytes each, as one bytea (computed in C over the values read). The cursor
-- and the head move only from the values the transaction read, or nothing
-- is written: a range is recorded once. Returns the cursor and head rows
-- moved (1 each) and the trail records appended.
WITH moved AS (
    INSERT INTO audit_cursor AS c (tenant_id, producer, last_seq)
    VALUES (pw_tenant(), $1, $3::bigint)
    ON CONFLICT (tenant_id, producer)
    DO UPDATE SET last_seq = EXCLUDED.last_seq, updated_at = now() WHERE c.last_seq = $2::bigint
    RETURNING 1
), head AS (
    INSERT INTO trail_head AS h (tenant_id, seq, hash)
    VALUES (pw_tenant(), $4::bigint + $3::bigint - $2::bigint,
            encode(substring($6::bytea FROM (($3::bigint - $2::bigint) * 32 - 31)::int FOR 32),
                   'hex'))
    ON CONFLICT (tenant_id)
    DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash WHERE h.seq = $4::bigint
    RETURNING 1
), appended AS (
    INSERT INTO trail (tenant_id, seq, time, actor, action, subject, reason, details, prev_hash,
                       hash)
    SELECT pw_tenant(), $4::bigint + e.seq - $2::bigint, e.time, pw_trail_actor(e.actor, e.producer),
           pw_trail_action(e.kind), e.subject, pw_trail_reason(e.payload), e.payload,
           CASE e.seq
               WHEN $2::bigint + 1 THEN $5::text
               ELSE encode(substring($6::bytea FROM ((e.seq - $2::bigint) * 32 - 63)::int FOR 32),
                           'hex')
           END,
           encode(substring($6::bytea FROM ((e.seq - $2::bigint) * 32 - 31)::int FOR 32), 'hex')
      FROM events e
     WHERE e.tenant_id = pw_tenant() AND e.producer = $1 AND e.seq > $2::bigint
       AND e.seq <= $3::bigint AND EXISTS (SELECT 1 FROM moved) AND EXISTS (SELECT 1 FROM head)
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved), (SELECT count(*) FROM head), (SELECT count(*) FROM appended)
