-- Appends trail records: $1 a JSON array of {seq, t (unix us), actor,
-- action, subject, reason, details (JSON text), prev_hash, hash}.
INSERT INTO trail (tenant_id, seq, time, actor, action, subject, reason, details, prev_hash, hash)
SELECT pw_tenant(), x.seq, timestamptz 'epoch' + x.t * interval '1 microsecond', x.actor,
       x.action, x.subject, x.reason, x.details::jsonb, x.prev_hash, x.hash
  FROM json_to_recordset($1::json)
       AS x(seq bigint, t bigint, actor text, action text, subject text, reason text,
            details text, prev_hash text, hash text)
