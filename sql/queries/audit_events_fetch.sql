-- Outbox events of producer $1 with $2 < seq <= $3, at most $4, in order:
-- the event as published, then what its trail record holds besides the
-- event's time, subject and payload (action, actor, reason; migration 006).
SELECT seq, (extract(epoch FROM time) * 1000000)::bigint AS time_us, kind, subject, actor,
       payload::text, pw_trail_action(kind), pw_trail_actor(actor, producer),
       pw_trail_reason(payload)
  FROM events
 WHERE tenant_id = pw_tenant() AND producer = $1 AND seq > $2 AND seq <= $3
 ORDER BY seq
 LIMIT $4
