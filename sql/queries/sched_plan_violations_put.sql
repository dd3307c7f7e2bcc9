-- Replaces every violation of a plan in one statement. $1 cycle, $2 a JSON
-- array of plan_violations rows. As for plan_agents, only what changed is
-- written: ordinals past the new list are deleted, new ones inserted and a
-- differing row updated; an unchanged row is not touched.
WITH r AS (
    SELECT r.ordinal, r.code, r.agent_id, r.other_agent_id, r."window",
           coalesce(r.members, '{}') AS members, r.detail
      FROM json_to_recordset($2::json)
           AS r(ordinal integer, code text, agent_id bigint, other_agent_id bigint,
                "window" text, members text[], detail text)
), cur AS MATERIALIZED (
    SELECT v.ordinal, v.code, v.agent_id, v.other_agent_id, v."window", v.members, v.detail
      FROM plan_violations v
     WHERE v.tenant_id = pw_tenant() AND v.cycle = $1
), d AS MATERIALIZED (
    SELECT r.*, c.ordinal IS NOT NULL AS present,
           (c.code, c.agent_id, c.other_agent_id, c."window", c.members, c.detail)
           IS DISTINCT FROM
           (r.code, r.agent_id, r.other_agent_id, r."window", r.members, r.detail) AS differs
      FROM r LEFT JOIN cur c ON c.ordinal = r.ordinal
), gone AS (
    DELETE FROM plan_violations v
     USING (SELECT ordinal FROM cur EXCEPT SELECT ordinal FROM r) AS x
     WHERE v.tenant_id = pw_tenant() AND v.cycle = $1 AND v.ordinal = x.ordinal
), changed AS (
    UPDATE plan_violations v
       SET code = d.code, agent_id = d.agent_id, other_agent_id = d.other_agent_id,
           "window" = d."window", members = d.members, detail = d.detail
      FROM d
     WHERE d.present AND d.differs
       AND v.tenant_id = pw_tenant() AND v.cycle = $1 AND v.ordinal = d.ordinal
)
INSERT INTO plan_violations (tenant_id, cycle, ordinal, code, agent_id, other_agent_id,
                             "window", members, detail)
SELECT pw_tenant(), $1, d.ordinal, d.code, d.agent_id, d.other_agent_id, d."window", d.members,
       d.detail
  FROM d
 WHERE NOT d.present
