-- Sets the status profile of agents $1[i] to $2[i] (bigint[] both, one
-- length) in their settings rows (015_profiles_in_settings), leaving rows
-- that already hold it untouched. For agents whose settings are not
-- rewritten in the same transaction (a rewritten row carries its profile).
UPDATE agent_settings s SET profile_id = u.profile_id
  FROM unnest($1::bigint[], $2::bigint[]) AS u(agent_id, profile_id)
 WHERE s.agent_id = u.agent_id AND s.profile_id IS DISTINCT FROM u.profile_id
