-- COPY source: the stored statuses by profile and patch, to compare with a
-- fresh resolution (the deferral date in unix seconds).
COPY (SELECT profile_id, patch_id, status, extract(epoch FROM until)::bigint, source_kind,
             source_policy, source_rule
        FROM profile_status) TO STDOUT
