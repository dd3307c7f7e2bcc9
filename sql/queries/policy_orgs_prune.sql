-- Removes orgs not in $1 (text[]); their groups go with them.
DELETE FROM orgs WHERE NOT (name = ANY ($1::text[]))
