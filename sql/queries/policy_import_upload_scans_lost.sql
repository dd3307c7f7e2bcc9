-- The scans staged by upload $1 whose agent or catalogue row no longer
-- exists (removed while the file was uploaded): line, hostname, ident,
-- whether the agent is there, whether the catalogue row is. At most 1000,
-- in file order.
SELECT t.line, t.hostname, t.ident, a.agent_id IS NOT NULL, p.patch_id IS NOT NULL
  FROM pw_upload_scans t
  LEFT JOIN agents a ON a.tenant_id = pw_tenant() AND a.hostname = t.hostname
  LEFT JOIN patches p ON p.tenant_id = pw_tenant() AND p.ident = t.ident
 WHERE t.upload = $1::integer AND (a.agent_id IS NULL OR p.patch_id IS NULL)
 ORDER BY t.line
 LIMIT 1000
