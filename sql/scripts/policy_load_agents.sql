-- COPY source: every agent, lists joined with U+001F, custom fields as
-- NAME U+001F VALUE pairs joined with U+001E (sorted by name).
COPY (SELECT agent_id, hostname, org, group_path, class, os, os_version, subscribed,
             array_to_string(tags, E'\x1f'), array_to_string(ignored_kbs, E'\x1f'),
             coalesce((SELECT string_agg(key || E'\x1f' || value, E'\x1e' ORDER BY key)
                         FROM jsonb_each_text(custom_fields)), '')
        FROM agents ORDER BY agent_id) TO STDOUT
