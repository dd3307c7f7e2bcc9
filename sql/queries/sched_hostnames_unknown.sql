-- Of the hostnames in $1 (a JSON array of strings), those that are no agent
-- of the session's tenant.
SELECT DISTINCT h.name
  FROM jsonb_array_elements_text($1::jsonb) AS h(name)
 WHERE NOT EXISTS (SELECT 1 FROM agents a
                    WHERE a.tenant_id = pw_tenant() AND a.hostname = h.name)
