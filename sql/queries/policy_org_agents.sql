-- Orgs not in $1 (text[]) that still have agents, with their agent count.
SELECT org, count(*) FROM agents WHERE NOT (org = ANY ($1::text[])) GROUP BY org ORDER BY org
