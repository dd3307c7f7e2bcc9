-- COPY source: scan states, in no order (the service sorts them by agent).
COPY (SELECT agent_id, patch_id, state FROM scan_states) TO STDOUT
