-- Writes the `blackouts` section. $1: a JSON array of {ordinal, org,
-- first_day, last_day, reason}.
INSERT INTO blackouts (tenant_id, ordinal, org, first_day, last_day, reason)
SELECT pw_tenant(), r.ordinal, r.org, r.first_day, r.last_day, r.reason
  FROM jsonb_to_recordset($1::jsonb)
       AS r(ordinal integer, org text, first_day date, last_day date, reason text)
