-- Copies producer $1's outbox events with $2 < seq <= $3 into the recorded
-- stream; an event recorded before is left as it is.
INSERT INTO audit_events (tenant_id, producer, seq, time, kind, subject, actor, payload)
SELECT tenant_id, producer, seq, time, kind, subject, actor, payload
  FROM events
 WHERE tenant_id = pw_tenant() AND producer = $1 AND seq > $2 AND seq <= $3
ON CONFLICT (tenant_id, producer, seq) DO NOTHING
