-- COPY source: the stored patch statuses by agent and patch, to compare
-- with a fresh resolution (the deferral date in unix seconds).
COPY (SELECT agent_id, patch_id, status, extract(epoch FROM until)::bigint, source_kind,
             source_policy, source_rule
        FROM patch_status ORDER BY agent_id, patch_id) TO STDOUT
