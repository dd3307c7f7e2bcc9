-- COPY source: every patch fact of the session's tenant, one row per
-- (agent, patch, list), in no order: the statuses approved or in review
-- (status, where the approval time comes from when there is no `until`:
-- source_kind, source_policy; `until` in unix us), then from the last
-- scans the failed installs and the installs waiting for a reboot.
--
-- The policy service writes a status for exactly the missing and the
-- failed patches of the last scans, in the transaction that writes the
-- scans: an approved status is a missing approved patch unless its install
-- failed, which the audit sees in the failed rows. So the statuses are
-- read alone, without joining the scan states (twice as many rows). Plain
-- rows streamed cost half what rows grouped into arrays by the store do
-- (1.6 million statuses at 50,000 agents).
COPY (SELECT agent_id, patch_id, status, source_kind, source_policy,
             (extract(epoch FROM until) * 1000000)::bigint
        FROM patch_status
       WHERE tenant_id = pw_tenant() AND status IN ('approved', 'review')
       UNION ALL
      SELECT agent_id, patch_id, state, NULL, NULL, NULL
        FROM scan_states
       WHERE tenant_id = pw_tenant() AND state IN ('failed', 'pending_reboot')) TO STDOUT
