INSERT INTO agent_settings (tenant_id, agent_id, subscribed, patch_policies, scan, update_window,
                            reboot, pre_tasks, post_tasks, health_check, manual_patching,
                            overridden, profile_id)
SELECT pw_tenant(), agent_id, subscribed, patch_policies, scan, update_window, reboot, pre_tasks,
       post_tasks, health_check, manual_patching, overridden, profile_id
  FROM pw_tmp_agent_settings
