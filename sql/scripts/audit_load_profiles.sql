-- COPY source, the first of the three of a whole read of the patch facts
-- (audit_load_patches.sql): the statuses approved or in review of every
-- status profile of the session's tenant (profile, patch, status, where
-- the approval time comes from when there is no `until`: source_kind,
-- source_policy; `until` in unix us), in no order.
COPY (SELECT profile_id, patch_id, status, source_kind, source_policy,
             (extract(epoch FROM until) * 1000000)::bigint
        FROM profile_status
       WHERE tenant_id = pw_tenant() AND status IN ('approved', 'review')) TO STDOUT
