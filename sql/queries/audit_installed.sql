-- Per agent: patches its scans report installed with a scan time in
-- [$1, $2) (unix us): the reporting period's installs.
SELECT agent_id, count(*)
  FROM scan_states
 WHERE tenant_id = pw_tenant() AND state = 'installed'
   AND scanned_at >= timestamptz 'epoch' + $1::bigint * interval '1 microsecond'
   AND scanned_at < timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
 GROUP BY agent_id
 ORDER BY agent_id
