-- COPY source, the last of the three of a whole read of the patch facts
-- (services/audit/audit_facts.c): every scan state of the session's
-- tenant that is missing, failed or pending_reboot, as plain narrow rows
-- (agent, patch, state) in no order.
--
-- A status is stored once per status profile (010_status_profiles), and
-- patch_status is the view that joins it with each agent's profile and
-- scan states. The audit does that join itself: it reads first the
-- approved and in-review statuses of every profile
-- (audit_load_profiles.sql) and every agent's profile
-- (audit_load_agent_profiles.sql), some tens of thousands of rows at
-- 50,000 agents, into hash tables, then streams these rows (some 2
-- million) and keeps, as patch_status has them, the statuses of the
-- patches an agent's scan reports missing or failed whose status in the
-- agent's profile is approved or review (where the approval time comes
-- from: source_kind, source_policy, `until`), and the failed installs and
-- the installs waiting for a reboot. An approved patch whose install
-- failed is reported as failed, not as missing. Streaming narrow rows and
-- joining them in memory costs less than the three-way join in the store
-- and streaming its wider rows.
--
-- The three statements each see the store as it is when they start: the
-- audit reads the facts version before and after them, and reads again
-- when a write of the facts committed in between.
COPY (SELECT agent_id, patch_id, state
        FROM scan_states
       WHERE tenant_id = pw_tenant() AND state IN ('missing', 'failed', 'pending_reboot'))
  TO STDOUT
