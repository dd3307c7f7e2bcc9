-- The day's compliance snapshot of org $2 ('' = the tenant) on day $1; the
-- first one of a day stays.
INSERT INTO compliance_snapshots (tenant_id, day, org, figures)
VALUES (pw_tenant(), $1::date, $2, $3::jsonb)
ON CONFLICT (tenant_id, day, org) DO NOTHING
