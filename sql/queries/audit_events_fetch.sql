-- Outbox events of producer $1 with $2 < seq <= $3, at most $4, in order,
-- with the payload's "reason" for the trail.
SELECT seq, (extract(epoch FROM time) * 1000000)::bigint AS time_us, kind, subject, actor,
       payload::text, coalesce(payload ->> 'reason', '') AS reason
  FROM events
 WHERE tenant_id = pw_tenant() AND producer = $1 AND seq > $2 AND seq <= $3
 ORDER BY seq
 LIMIT $4
