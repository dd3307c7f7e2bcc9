-- Events of one producer for the session's tenant, from seq $2 on, at most $3.
SELECT producer, seq, (extract(epoch FROM time) * 1000000)::bigint AS time_us,
       kind, subject, actor, payload::text
  FROM events
 WHERE tenant_id = pw_tenant() AND producer = $1 AND seq >= $2
 ORDER BY seq
 LIMIT $3
