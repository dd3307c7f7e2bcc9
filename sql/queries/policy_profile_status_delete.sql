-- Removes the statuses of patch $2[i] in profile $1[i] (bigint[] both, one
-- length): keys no agent of the profile needs any more.
DELETE FROM profile_status p
 USING unnest($1::bigint[], $2::bigint[]) AS k(profile_id, patch_id)
 WHERE p.tenant_id = pw_tenant() AND p.profile_id = k.profile_id AND p.patch_id = k.patch_id
