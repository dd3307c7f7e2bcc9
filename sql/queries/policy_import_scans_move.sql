-- Upserts the staged scan states; returns how many rows were inserted and
-- how many updated (equal rows are left alone).
WITH up AS (
    INSERT INTO scan_states AS s (tenant_id, agent_id, patch_id, state, scanned_at)
    SELECT pw_tenant(), agent_id, patch_id, state, scanned_at FROM pw_tmp_scan_ids
    ON CONFLICT (tenant_id, agent_id, patch_id) DO UPDATE
       SET state = excluded.state, scanned_at = excluded.scanned_at
     WHERE (s.state, s.scanned_at) IS DISTINCT FROM (excluded.state, excluded.scanned_at)
    RETURNING (xmax = 0) AS inserted)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up
