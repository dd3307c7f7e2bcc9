-- Orgs of the session's tenant.
SELECT name, timezone, patching = 'subscribed' FROM orgs ORDER BY name
