-- Appends the audit's own events in bulk, gap-free like pw_event_append:
-- $1 a JSON array of {i (1..$2, the order), kind, subject, payload}; $2 how
-- many. Returns each event's seq and time.
WITH s AS (
    INSERT INTO event_seq (tenant_id, producer, last_seq) VALUES (pw_tenant(), 'audit', $2)
    ON CONFLICT (tenant_id, producer) DO UPDATE SET last_seq = event_seq.last_seq + $2
    RETURNING last_seq
)
INSERT INTO events (tenant_id, producer, seq, time, kind, subject, actor, payload)
SELECT pw_tenant(), 'audit', s.last_seq - $2::bigint + x.i, clock_timestamp(), x.kind, x.subject,
       'audit', x.payload
  FROM s, json_to_recordset($1::json) AS x(i bigint, kind text, subject text, payload jsonb)
RETURNING seq, (extract(epoch FROM time) * 1000000)::bigint AS time_us
