-- Serializes audit writers of the session's tenant until the transaction
-- ends (several audit instances may run side by side). $1: what ("record",
-- "findings").
SELECT pg_advisory_xact_lock(hashtext('pw-audit/' || $1 || '/' || pw_tenant()))
