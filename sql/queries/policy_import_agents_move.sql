-- Upserts the staged agents; a row equal to the stored one is left alone.
-- Returns one row per inserted (true) or updated (false) agent.
-- Returns how many rows were inserted and how many updated.
WITH up AS (
    INSERT INTO agents AS a (tenant_id, hostname, org, group_path, class, os, os_version,
                             custom_fields, tags, ignored_kbs, subscribed, expected_minutes,
                             last_checkin, last_scan, updated_at)
    SELECT pw_tenant(), hostname, org, group_path, class, os, os_version, custom_fields, tags,
           ignored_kbs, subscribed, expected_minutes, last_checkin, last_scan, now()
      FROM pw_tmp_agents
    ON CONFLICT (tenant_id, hostname) DO UPDATE
       SET org = excluded.org, group_path = excluded.group_path, class = excluded.class,
           os = excluded.os, os_version = excluded.os_version,
           custom_fields = excluded.custom_fields, tags = excluded.tags,
           ignored_kbs = excluded.ignored_kbs, subscribed = excluded.subscribed,
           expected_minutes = excluded.expected_minutes,
           last_checkin = coalesce(excluded.last_checkin, a.last_checkin),
           last_scan = coalesce(excluded.last_scan, a.last_scan), updated_at = now()
     WHERE (a.org, a.group_path, a.class, a.os, a.os_version, a.custom_fields, a.tags,
            a.ignored_kbs, a.subscribed, a.expected_minutes)
           IS DISTINCT FROM
           (excluded.org, excluded.group_path, excluded.class, excluded.os, excluded.os_version,
            excluded.custom_fields, excluded.tags, excluded.ignored_kbs, excluded.subscribed,
            excluded.expected_minutes)
        OR excluded.last_checkin > a.last_checkin OR excluded.last_scan > a.last_scan
        OR (a.last_checkin IS NULL AND excluded.last_checkin IS NOT NULL)
        OR (a.last_scan IS NULL AND excluded.last_scan IS NOT NULL)
    RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
