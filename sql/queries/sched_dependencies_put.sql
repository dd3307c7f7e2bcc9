-- Writes the `dependencies` section. $1: a JSON array of {hostname,
-- depends_on}, one per edge.
INSERT INTO dependencies (tenant_id, hostname, depends_on)
SELECT DISTINCT pw_tenant(), r.hostname, r.depends_on
  FROM jsonb_to_recordset($1::jsonb) AS r(hostname text, depends_on text)
