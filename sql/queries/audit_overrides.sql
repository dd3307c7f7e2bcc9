-- Per agent: each scalar setting whose value from one system policy lost to
-- another (agent_settings.overridden holds "setting:policy" per loser). $1:
-- the transaction's tenant (see audit_facts_plan.sql).
SELECT s.agent_id, split_part(o, ':', 1) AS setting, substr(o, strpos(o, ':') + 1) AS loser,
       'a more specific or stronger assignment' AS winner
  FROM agent_settings s
 CROSS JOIN LATERAL unnest(s.overridden) o
 WHERE s.tenant_id = $1 AND cardinality(s.overridden) > 0
 ORDER BY s.agent_id, o
