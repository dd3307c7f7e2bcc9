-- Replaces the groups of org $1 with $2 (text[]).
WITH gone AS (DELETE FROM machine_groups WHERE org = $1 AND NOT (path = ANY ($2::text[])))
INSERT INTO machine_groups (tenant_id, org, path)
SELECT pw_tenant(), $1, p FROM unnest($2::text[]) AS p
ON CONFLICT DO NOTHING
