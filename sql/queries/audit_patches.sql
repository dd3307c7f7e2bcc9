-- Per agent, from the last scans: failed installs, installed patches
-- waiting for a reboot, and missing patches whose effective status is
-- approved, with when they became approved (unix us). Unordered: the
-- audit groups them by agent in C.
SELECT st.agent_id, st.state, p.kb, p.severity,
       coalesce((extract(epoch FROM coalesce(
                    ps.until,
                    CASE ps.source_kind WHEN 'decision' THEN d.decided_at
                                        WHEN 'override' THEN k.updated_at END,
                    p.released_at)) * 1000000)::bigint, 0) AS approved_us
  FROM scan_states st
  JOIN patches p ON p.tenant_id = st.tenant_id AND p.patch_id = st.patch_id
  LEFT JOIN patch_status ps
         ON ps.tenant_id = st.tenant_id AND ps.agent_id = st.agent_id AND ps.patch_id = st.patch_id
  LEFT JOIN decisions d
         ON d.tenant_id = st.tenant_id AND d.policy = ps.source_policy AND d.kb = p.kb
  LEFT JOIN kb_overrides k ON k.tenant_id = st.tenant_id AND k.kb = p.kb
 WHERE st.tenant_id = pw_tenant()
   AND (st.state IN ('failed', 'pending_reboot')
        OR (st.state = 'missing' AND ps.status = 'approved'))
