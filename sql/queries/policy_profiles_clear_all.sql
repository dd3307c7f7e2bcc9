DELETE FROM agent_profiles
