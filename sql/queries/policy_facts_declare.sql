-- Declares, for the rest of the transaction, the agents ($1) and patches
-- ($2) whose facts the next writes of scan_states, agent_settings (which
-- holds each agent's profile: 015_profiles_in_settings) and profile_status
-- may change (a profile's status: on every agent of the profile that misses
-- the patch), as bigint[] literals, '' for any; $3 'on' when they are pairs (agent i with
-- patch i), else '' (every patch of $2 on every agent of $1). Each of those
-- writes records the declaration in facts_changes (009_facts_changes) for
-- the readers that keep the patch facts.
SELECT set_config('pw.facts_agents', $1, true), set_config('pw.facts_patches', $2, true),
       set_config('pw.facts_paired', $3, true)
