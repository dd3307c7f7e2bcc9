-- Records producer $1's outbox events with $2 < seq <= $3 in one statement,
-- reading them once: copies them into the recorded stream, appends the
-- trail records staged in pw_tmp_trail (with the time, subject and payload
-- of their events), moves the trail head to seq $4, hash $5, and the
-- producer's cursor to $3. Each stream is recorded in order without gaps,
-- so an event at or below its highest recorded seq was recorded before and
-- is left as it is (one index probe instead of a conflict check per row).
-- Returns the counts of events and trail records written.
WITH ev AS MATERIALIZED (
    SELECT tenant_id, producer, seq, time, kind, subject, actor, payload
      FROM events
     WHERE tenant_id = pw_tenant() AND producer = $1 AND seq > $2 AND seq <= $3
), recorded AS (
    INSERT INTO audit_events (tenant_id, producer, seq, time, kind, subject, actor, payload)
    SELECT tenant_id, producer, seq, time, kind, subject, actor, payload
      FROM ev
     WHERE seq > (SELECT coalesce(max(r.seq), 0) FROM audit_events r
                   WHERE r.tenant_id = pw_tenant() AND r.producer = $1)
    RETURNING 1
), appended AS (
    INSERT INTO trail (tenant_id, seq, time, actor, action, subject, reason, details, prev_hash,
                       hash)
    SELECT pw_tenant(), x.seq, ev.time, x.actor, x.action, ev.subject, x.reason, ev.payload,
           x.prev_hash, x.hash
      FROM pw_tmp_trail x
      JOIN ev ON ev.seq = x.event_seq
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
