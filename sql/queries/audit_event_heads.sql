-- The highest outbox seq of every tenant's policy and scheduler streams.
SELECT tenant_id, producer, last_seq FROM pw_event_heads() WHERE producer <> 'audit'
