-- COPY source, the second of the three of a whole read of the patch facts
-- (audit_load_patches.sql): the status profile of every agent of the
-- session's tenant that has one (agent, profile), in no order.
COPY (SELECT agent_id, profile_id FROM agent_profiles WHERE tenant_id = pw_tenant()) TO STDOUT
