-- Rules are rewritten whole on apply.
DELETE FROM patch_policy_rules
