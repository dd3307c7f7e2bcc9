-- How far each producer's stream of the session's tenant is recorded.
SELECT producer, last_seq FROM audit_cursor WHERE tenant_id = pw_tenant()
