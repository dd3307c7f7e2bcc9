-- Every tenant (row-level security hides them from a session without one).
SELECT t FROM pw_tenants() AS t ORDER BY 1
