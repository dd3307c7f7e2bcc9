-- The agents and the patches the writes of the tenant's patch facts after
-- version $2 up to $3 name (audit_facts_changes), each set as one array.
-- $1: the transaction's tenant.
WITH c AS (
    SELECT agents, patches FROM facts_changes
     WHERE tenant_id = $1 AND version > $2::bigint AND version <= $3::bigint
)
SELECT (SELECT array_agg(DISTINCT a) FROM c, unnest(c.agents) a),
       (SELECT array_agg(DISTINCT p) FROM c, unnest(c.patches) p)
