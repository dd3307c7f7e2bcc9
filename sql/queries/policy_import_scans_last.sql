-- Each scanned agent's last scan time.
UPDATE agents a SET last_scan = m.at
  FROM (SELECT agent_id, max(scanned_at) AS at FROM pw_tmp_scan_ids GROUP BY agent_id) m
 WHERE a.tenant_id = pw_tenant() AND a.agent_id = m.agent_id
   AND (a.last_scan IS NULL OR a.last_scan < m.at)
