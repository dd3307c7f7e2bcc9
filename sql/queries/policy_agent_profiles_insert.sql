-- Sets the status profile of agents $1[i] to $2[i] (bigint[] both, one
-- length) in a tenant whose agents have none yet.
INSERT INTO agent_profiles (tenant_id, agent_id, profile_id)
SELECT pw_tenant(), u.agent_id, u.profile_id
  FROM unnest($1::bigint[], $2::bigint[]) AS u(agent_id, profile_id)
