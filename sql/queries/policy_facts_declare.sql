-- Declares, for the rest of the transaction, the agents ($1) and patches
-- ($2) the next writes of scan_states and patch_status may touch, as
-- bigint[] literals; '' for any (009_facts_changes). Each of those writes
-- records the declaration in facts_changes for the readers that keep the
-- patch facts.
SELECT set_config('pw.facts_agents', $1, true), set_config('pw.facts_patches', $2, true)
