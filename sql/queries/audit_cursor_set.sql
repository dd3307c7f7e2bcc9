-- Records that producer $1's stream is recorded up to seq $2.
INSERT INTO audit_cursor (tenant_id, producer, last_seq) VALUES (pw_tenant(), $1, $2)
ON CONFLICT (tenant_id, producer)
DO UPDATE SET last_seq = EXCLUDED.last_seq, updated_at = now()
