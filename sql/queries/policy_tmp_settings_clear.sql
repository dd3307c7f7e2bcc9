-- Drops the settings staged during a resolution when the write that
-- follows takes other rows (session table; emptied at commit anyway).
DELETE FROM pw_tmp_agent_settings
