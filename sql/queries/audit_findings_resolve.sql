-- Resolves the open findings with the ids in $1 (an array) at $2 (unix us);
-- last_seen becomes the last audit that still saw them.
UPDATE findings
   SET open = false,
       resolved_at = timestamptz 'epoch' + $2::bigint * interval '1 microsecond',
       last_seen = greatest(last_seen, coalesce((SELECT s.last_run_at FROM audit_state s
                                                  WHERE s.tenant_id = pw_tenant()), last_seen))
 WHERE tenant_id = pw_tenant() AND open AND id = ANY ($1::bigint[])
