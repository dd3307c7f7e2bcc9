-- $1 name, $2 description, $3 baseline, $4 deny_superseded, $5 default_action
INSERT INTO patch_policies (tenant_id, name, description, baseline, deny_superseded, default_action)
VALUES (pw_tenant(), $1, $2, $3, $4, $5)
ON CONFLICT (tenant_id, name) DO UPDATE
   SET description = $2, baseline = $3, deny_superseded = $4, default_action = $5
