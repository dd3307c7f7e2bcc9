-- Replaces every agent of a plan in one statement. $1 cycle, $2 a JSON
-- array of plan_agents rows (times as unix seconds). Only what changed is
-- written: agents no longer in the plan are deleted, new ones inserted,
-- and a row that differs is updated; an unchanged row is not touched (a
-- re-plan mostly reproduces the stored rows). The stored rows are read
-- once and compared with the new ones by agent_id; the three writes touch
-- disjoint rows, each only the rows it changes.
WITH r AS (
    SELECT r.agent_id, r.hostname, r.org, r.status, r.reason, r."window", r.window_group,
           r.position, r.wave, to_timestamp(r.start_utc) AS start_utc,
           to_timestamp(r.end_utc) AS end_utc, to_timestamp(r.wave_end_utc) AS wave_end_utc,
           r.timezone, to_timestamp(r.scan_utc) AS scan_utc, r.health_timeout_s
      FROM json_to_recordset($2::json)
           AS r(agent_id bigint, hostname text, org text, status text, reason text,
                "window" text, window_group text, position integer, wave integer,
                start_utc bigint, end_utc bigint, wave_end_utc bigint, timezone text,
                scan_utc bigint, health_timeout_s integer)
), cur AS MATERIALIZED (
    SELECT p.agent_id, p.hostname, p.org, p.status, p.reason, p."window", p.window_group,
           p.position, p.wave, p.start_utc, p.end_utc, p.wave_end_utc, p.timezone, p.scan_utc,
           p.health_timeout_s
      FROM plan_agents p
     WHERE p.tenant_id = pw_tenant() AND p.cycle = $1
), d AS MATERIALIZED (
    SELECT r.*, c.agent_id IS NOT NULL AS present,
           (c.hostname, c.org, c.status, c.reason, c."window", c.window_group, c.position,
            c.wave, c.start_utc, c.end_utc, c.wave_end_utc, c.timezone, c.scan_utc,
            c.health_timeout_s)
           IS DISTINCT FROM
           (r.hostname, r.org, r.status, r.reason, r."window", r.window_group, r.position,
            r.wave, r.start_utc, r.end_utc, r.wave_end_utc, r.timezone, r.scan_utc,
            r.health_timeout_s) AS differs
      FROM r LEFT JOIN cur c ON c.agent_id = r.agent_id
), gone AS (
    DELETE FROM plan_agents p
     USING (SELECT agent_id FROM cur EXCEPT SELECT agent_id FROM r) AS x
     WHERE p.tenant_id = pw_tenant() AND p.cycle = $1 AND p.agent_id = x.agent_id
), changed AS (
    UPDATE plan_agents p
       SET hostname = d.hostname, org = d.org, status = d.status, reason = d.reason,
           "window" = d."window", window_group = d.window_group, position = d.position,
           wave = d.wave, start_utc = d.start_utc, end_utc = d.end_utc,
           wave_end_utc = d.wave_end_utc, timezone = d.timezone, scan_utc = d.scan_utc,
           health_timeout_s = d.health_timeout_s
      FROM d
     WHERE d.present AND d.differs
       AND p.tenant_id = pw_tenant() AND p.cycle = $1 AND p.agent_id = d.agent_id
)
INSERT INTO plan_agents (tenant_id, cycle, agent_id, hostname, org, status, reason, "window",
                         window_group, position, wave, start_utc, end_utc, wave_end_utc,
                         timezone, scan_utc, health_timeout_s)
SELECT pw_tenant(), $1, d.agent_id, d.hostname, d.org, d.status, d.reason, d."window",
       d.window_group, d.position, d.wave, d.start_utc, d.end_utc, d.wave_end_utc, d.timezone,
       d.scan_utc, d.health_timeout_s
  FROM d
 WHERE NOT d.present
