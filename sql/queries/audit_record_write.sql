-- Records producer $1's outbox events with $2 < seq <= $3 in one statement:
-- copies them into the recorded stream (an event recorded before is left
-- as it is), appends the trail records staged in pw_tmp_trail, moves the
-- trail head to seq $4, hash $5, and the producer's cursor to $3. Returns
-- the counts of events and trail records written.
WITH recorded AS (
    INSERT INTO audit_events (tenant_id, producer, seq, time, kind, subject, actor, payload)
    SELECT tenant_id, producer, seq, time, kind, subject, actor, payload
      FROM events
     WHERE tenant_id = pw_tenant() AND producer = $1 AND seq > $2 AND seq <= $3
    ON CONFLICT (tenant_id, producer, seq) DO NOTHING
    RETURNING 1
), appended AS (
    INSERT INTO trail (tenant_id, seq, time, actor, action, subject, reason, details, prev_hash,
                       hash)
    SELECT pw_tenant(), x.seq, timestamptz 'epoch' + x.t * interval '1 microsecond', x.actor,
           x.action, x.subject, x.reason, x.details::jsonb, x.prev_hash, x.hash
      FROM pw_tmp_trail x
    RETURNING 1
), head AS (
    INSERT INTO trail_head (tenant_id, seq, hash) VALUES (pw_tenant(), $4, $5)
    ON CONFLICT (tenant_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash
), moved AS (
    INSERT INTO audit_cursor (tenant_id, producer, last_seq) VALUES (pw_tenant(), $1, $3)
    ON CONFLICT (tenant_id, producer)
    DO UPDATE SET last_seq = EXCLUDED.last_seq, updated_at = now()
)
SELECT (SELECT count(*) FROM recorded), (SELECT count(*) FROM appended)
