-- Under the recording lock: the head of the session's tenant's trail (seq
-- and hash, NULL before the first record) and how far producer $1's stream
-- is recorded (0 before the first event).
SELECT (SELECT seq FROM trail_head WHERE tenant_id = pw_tenant()),
       (SELECT hash FROM trail_head WHERE tenant_id = pw_tenant()),
       coalesce((SELECT last_seq FROM audit_cursor
                  WHERE tenant_id = pw_tenant() AND producer = $1), 0)
