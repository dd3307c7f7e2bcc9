-- The head of the session's tenant's trail: last seq and its hash (no row
-- before the first record).
SELECT seq, hash FROM trail_head WHERE tenant_id = pw_tenant()
