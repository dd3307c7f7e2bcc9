-- Removes the stored settings of agents $1 (bigint[]) before they are rewritten.
DELETE FROM agent_settings WHERE agent_id = ANY ($1::bigint[])
