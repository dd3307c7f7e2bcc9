-- Rules of every policy in evaluation order.
SELECT policy, kind, match, action, after_days FROM patch_policy_rules ORDER BY policy, ordinal
