-- Every dependency edge of the session's tenant.
SELECT hostname, depends_on
  FROM dependencies
 WHERE tenant_id = pw_tenant()
 ORDER BY hostname, depends_on
