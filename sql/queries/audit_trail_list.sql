-- Trail records of the session's tenant after seq $1, at or after unix
-- microsecond $2, in seq order, at most $3.
SELECT seq, (extract(epoch FROM time) * 1000000)::bigint AS time_us, actor, action, subject,
       reason, details::text, prev_hash, hash
  FROM trail
 WHERE tenant_id = pw_tenant() AND seq > $1
   AND time >= timestamptz 'epoch' + $2::bigint * interval '1 microsecond'
 ORDER BY seq
 LIMIT $3
