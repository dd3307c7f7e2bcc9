-- Serializes the policy writes of one tenant across instances for the rest
-- of the transaction: two full resolves must not interleave their delete and
-- insert (READ COMMITTED would let both insert the same rows).
SELECT pg_advisory_xact_lock(hashtextextended('patchwarden/policy/' || pw_tenant(), 0))
