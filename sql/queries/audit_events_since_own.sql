-- The audit's own events (finding changes) after seq $1, at most $2, in order.
SELECT seq, (extract(epoch FROM time) * 1000000)::bigint AS time_us, kind, subject, actor,
       payload::text
  FROM events
 WHERE tenant_id = pw_tenant() AND producer = 'audit' AND seq > $1
 ORDER BY seq
 LIMIT $2
