-- The tenant's policy version (0 when nothing was ever applied).
SELECT coalesce((SELECT version FROM policy_state), 0)
