-- Removes patch policies not in $1 (text[]); their rules and decisions go
-- with them.
DELETE FROM patch_policies WHERE NOT (name = ANY ($1::text[]))
