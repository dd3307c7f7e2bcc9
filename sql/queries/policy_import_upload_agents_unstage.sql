-- The agents staged by upload $1, into the staging table of the move
-- (policy_import_agents_move), in file order.
INSERT INTO pw_tmp_agents (hostname, org, group_path, class, os, os_version, custom_fields, tags,
                           ignored_kbs, subscribed, expected_minutes, last_checkin, last_scan)
SELECT hostname, org, group_path, class, os, os_version, custom_fields, tags, ignored_kbs,
       subscribed, expected_minutes, last_checkin, last_scan
  FROM pw_upload_agents
 WHERE upload = $1::integer
 ORDER BY line
