-- The digests of the scheduler's setup sections as last applied.
SELECT section, digest
  FROM setup_sections
 WHERE tenant_id = pw_tenant()
   AND section IN ('cycle', 'windows', 'window_groups', 'blackouts', 'dependencies')
