-- The agents staged by upload $1 whose org is not (or no longer) an org of
-- the tenant: at most 1000, in file order.
SELECT u.line, u.org
  FROM pw_upload_agents u
 WHERE u.upload = $1::integer
   AND NOT EXISTS (SELECT 1 FROM orgs o WHERE o.tenant_id = pw_tenant() AND o.name = u.org)
 ORDER BY u.line
 LIMIT 1000
