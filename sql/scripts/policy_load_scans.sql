-- COPY source: every agent's missing and failed patches, one row per agent
-- with an open scan state (scan_open, kept from scan_states by the store:
-- 014_scan_open), in no order (the service sorts them by agent). These are
-- the scan states a resolution reads: a patch is given a status on an
-- agent whose last scan reports it missing, or its install failed; an
-- installed, not applicable or reboot-pending patch is not. 50,000 rows of
-- arrays at 50,000 agents, against 4 million rows of scan_states.
COPY (SELECT agent_id, missing, failed FROM scan_open) TO STDOUT
