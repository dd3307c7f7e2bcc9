-- Under the recording lock: the head of the session's tenant's trail (seq
-- and hash, NULL before the first record) and how far producer $1's stream
-- is recorded (0 before the first event). The rest of the recording
-- transaction runs on cached plans, which the session otherwise does not
-- use (audit_session.sql): its statements read one range of one stream by
-- key, the same plan for every tenant, and planning them anew took about a
-- millisecond per batch, a tenth of the write of a thousand events.
SELECT (SELECT seq FROM trail_head WHERE tenant_id = pw_tenant()),
       (SELECT hash FROM trail_head WHERE tenant_id = pw_tenant()),
       coalesce((SELECT last_seq FROM audit_cursor
                  WHERE tenant_id = pw_tenant() AND producer = $1), 0),
       set_config('plan_cache_mode', 'force_generic_plan', true)
