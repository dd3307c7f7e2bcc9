-- COPY source: scan states by agent.
COPY (SELECT agent_id, patch_id, state FROM scan_states ORDER BY agent_id, patch_id) TO STDOUT
