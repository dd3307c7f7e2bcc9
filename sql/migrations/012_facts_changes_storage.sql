-- 012_facts_changes_storage: a declaration is stored as it is.
--
-- A review decision on a KB that 12,000 agents of 50,000 miss declares
-- 12,000 (agent, patch) pairs (009_facts_changes): two bigint arrays of
-- about 96 kB each. Stored compressed (pglz, the default), writing that row
-- took 37 ms, most of the decision's write; stored as it is, 3 ms. The rows live
-- only until the counter moves 1,024 past them, and the audit reads each
-- once or twice, so the space saved by compressing them is not worth the
-- time the decision waits for it.
ALTER TABLE facts_changes ALTER COLUMN agents SET STORAGE EXTERNAL,
                          ALTER COLUMN patches SET STORAGE EXTERNAL;
