-- The open findings of the session's tenant, in no order (the audit sorts
-- and matches them in C). $1: the transaction's tenant (see
-- audit_facts_plan.sql).
SELECT id, code, severity, scope, owner, subject, detail,
       (extract(epoch FROM first_seen) * 1000000)::bigint,
       (extract(epoch FROM last_seen) * 1000000)::bigint
  FROM findings
 WHERE tenant_id = $1 AND open
