-- COPY source, the last of the three of a whole read of the patch facts
-- (services/audit/audit_facts.c): every agent of the session's tenant that
-- has a scan state that is missing, failed or pending_reboot, one row per
-- agent with the three sets of patch ids (scan_open, kept by the store from
-- scan_states: 014_scan_open), in no order.
--
-- A status is stored once per status profile (010_status_profiles), and
-- patch_status is the view that joins it with each agent's profile and
-- scan states. The audit does that join itself: it reads first the
-- approved and in-review statuses of every profile
-- (audit_load_profiles.sql) and every agent's profile
-- (audit_load_agent_profiles.sql), some tens of thousands of rows at
-- 50,000 agents, into hash tables, then streams these rows and keeps, as
-- patch_status has them, the statuses of the patches an agent's scan
-- reports missing or failed whose status in the agent's profile is
-- approved or review (where the approval time comes from: source_kind,
-- source_policy, `until`), and the failed installs and the installs
-- waiting for a reboot. An approved patch whose install failed is reported
-- as failed, not as missing. 50,000 rows of arrays cost PostgreSQL a
-- fraction of the 2 million narrow rows of scan_states they stand for
-- (0.17-0.2 s against 0.7-1.1 s at 50,000 agents).
--
-- The three statements each see the store as it is when they start: the
-- audit reads the facts version before and after them, and reads again
-- when a write of the facts committed in between.
COPY (SELECT agent_id, missing, failed, pending_reboot
        FROM scan_open
       WHERE tenant_id = pw_tenant())
  TO STDOUT
