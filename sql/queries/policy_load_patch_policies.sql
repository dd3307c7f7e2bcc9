SELECT name, description, baseline, deny_superseded, default_action
  FROM patch_policies ORDER BY name
