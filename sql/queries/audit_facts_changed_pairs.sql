-- The distinct (agent, patch) pairs the writes of the tenant's patch facts
-- after version $2 up to $3 name, when all name pairs
-- (audit_facts_changes): agents and patches as two arrays of one length.
-- $1: the transaction's tenant.
SELECT array_agg(u.a), array_agg(u.p)
  FROM (SELECT DISTINCT x.a, x.p
          FROM facts_changes c, unnest(c.agents, c.patches) AS x(a, p)
         WHERE c.tenant_id = $1 AND c.version > $2::bigint AND c.version <= $3::bigint) u
