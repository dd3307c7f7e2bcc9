-- Removes the stored patch statuses of agents $1 (bigint[]) before they are rewritten.
DELETE FROM patch_status WHERE agent_id = ANY ($1::bigint[])
