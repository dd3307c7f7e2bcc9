-- Every org of the session's tenant with its time zone and subscription.
SELECT name, timezone, patching = 'subscribed' AS subscribed
  FROM orgs
 WHERE tenant_id = pw_tenant()
 ORDER BY name
