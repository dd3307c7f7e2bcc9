-- Moves the trail head. $1 seq, $2 hash.
INSERT INTO trail_head (tenant_id, seq, hash) VALUES (pw_tenant(), $1, $2)
ON CONFLICT (tenant_id) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash
