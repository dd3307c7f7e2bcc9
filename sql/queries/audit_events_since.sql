-- Recorded events of producer $1 after seq $2, at most $3, in order: the
-- outbox up to the stream's audit cursor (what the view audit_events holds),
-- read as one bounded range.
SELECT seq, (extract(epoch FROM time) * 1000000)::bigint AS time_us, kind, subject, actor,
       payload::text
  FROM events
 WHERE tenant_id = pw_tenant() AND producer = $1 AND seq > $2
   AND seq <= (SELECT coalesce(max(last_seq), 0) FROM audit_cursor
                WHERE tenant_id = pw_tenant() AND producer = $1)
 ORDER BY seq
 LIMIT $3
