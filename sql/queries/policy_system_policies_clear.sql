-- System policies are rewritten whole on apply; assignments go with them.
DELETE FROM system_policies
