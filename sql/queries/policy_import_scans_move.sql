-- Upserts the staged scan states (hostnames and idents were checked).
INSERT INTO scan_states AS s (tenant_id, agent_id, patch_id, state, scanned_at)
SELECT pw_tenant(), a.agent_id, p.patch_id, t.state, t.scanned_at
  FROM pw_tmp_scans t
  JOIN agents a ON a.hostname = t.hostname
  JOIN patches p ON p.ident = t.ident
ON CONFLICT (tenant_id, agent_id, patch_id) DO UPDATE
   SET state = excluded.state, scanned_at = excluded.scanned_at
 WHERE (s.state, s.scanned_at) IS DISTINCT FROM (excluded.state, excluded.scanned_at)
RETURNING (xmax = 0)
