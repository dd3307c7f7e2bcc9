-- COPY source: the stored effective settings by agent, to compare with a
-- fresh resolution; every list as its length and its items joined with
-- U+001F (a NULL list has a NULL length).
COPY (SELECT agent_id, subscribed,
             cardinality(patch_policies), array_to_string(patch_policies, E'\x1f'),
             scan, update_window, reboot,
             cardinality(pre_tasks), array_to_string(pre_tasks, E'\x1f'),
             cardinality(post_tasks), array_to_string(post_tasks, E'\x1f'),
             health_check, manual_patching,
             cardinality(overridden), array_to_string(overridden, E'\x1f')
        FROM agent_settings ORDER BY agent_id) TO STDOUT
