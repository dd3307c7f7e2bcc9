-- Each scanned agent's last scan time.
UPDATE agents a SET last_scan = m.at
  FROM (SELECT hostname, max(scanned_at) AS at FROM pw_tmp_scans GROUP BY hostname) m
 WHERE a.hostname = m.hostname AND (a.last_scan IS NULL OR a.last_scan < m.at)
