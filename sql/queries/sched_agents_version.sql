-- The version of the session's tenant's 'agents' counter (moved by every
-- write of agents, agent_settings and orgs: 009_facts_changes) and the
-- epoch every write without a tenant moves. The scheduler keeps the
-- agents' rows it read while both stay the same; read before the rows.
SELECT coalesce((SELECT version FROM facts_version
                  WHERE tenant_id = pw_tenant() AND counter = 'agents'), 0),
       (SELECT epoch FROM facts_epoch)
