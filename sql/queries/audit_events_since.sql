-- Recorded events of producer $1 after seq $2, at most $3, in order.
SELECT seq, (extract(epoch FROM time) * 1000000)::bigint AS time_us, kind, subject, actor,
       payload::text
  FROM audit_events
 WHERE tenant_id = pw_tenant() AND producer = $1 AND seq > $2
 ORDER BY seq
 LIMIT $3
