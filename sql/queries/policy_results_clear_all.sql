DELETE FROM agent_settings
