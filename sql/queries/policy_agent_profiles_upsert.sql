-- Sets the status profile of agents $1[i] to $2[i] (bigint[] both, one
-- length), leaving rows that already hold it untouched.
INSERT INTO agent_profiles AS ap (tenant_id, agent_id, profile_id)
SELECT pw_tenant(), u.agent_id, u.profile_id
  FROM unnest($1::bigint[], $2::bigint[]) AS u(agent_id, profile_id)
    ON CONFLICT (tenant_id, agent_id) DO UPDATE SET profile_id = EXCLUDED.profile_id
 WHERE ap.profile_id <> EXCLUDED.profile_id
