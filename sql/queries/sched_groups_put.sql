-- Writes the `window_groups` section. $1: a JSON array of {name,
-- description, failure_policy, budget_kind, budget_value}.
INSERT INTO window_groups (tenant_id, name, description, failure_policy, budget_kind,
                           budget_value)
SELECT pw_tenant(), r.name, r.description, r.failure_policy, r.budget_kind, r.budget_value
  FROM jsonb_to_recordset($1::jsonb)
       AS r(name text, description text, failure_policy text, budget_kind text,
            budget_value integer)
