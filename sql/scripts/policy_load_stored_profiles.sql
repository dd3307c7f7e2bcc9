-- COPY source: the stored status profile of every agent, to compare with a
-- fresh resolution.
COPY (SELECT agent_id, profile_id FROM agent_profiles) TO STDOUT
