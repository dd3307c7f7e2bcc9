-- The highest seq producer $1 has written for the session's tenant.
SELECT coalesce(max(last_seq), 0) FROM event_seq WHERE tenant_id = pw_tenant() AND producer = $1
