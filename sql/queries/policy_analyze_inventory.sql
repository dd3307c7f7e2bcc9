-- After an import changed many rows: fresh statistics for every service's
-- plans over the inventory and the results.
SELECT pw_analyze(ARRAY['agents', 'patches', 'scan_states', 'agent_settings', 'agent_profiles',
                        'profile_status'])
