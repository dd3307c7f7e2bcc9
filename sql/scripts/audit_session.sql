-- Run on every connect of the audit service, before its statements are
-- prepared.
--
-- A full audit joins a tenant's scan states with its statuses (hundreds of
-- thousands of rows at 10,000 agents): the join's hash table stays in
-- memory (in batches on disk the audit took several times as long), and no
-- query is compiled by JIT (the compile costs more than it saves on
-- queries of a few hundred milliseconds).
SET work_mem = '128MB';
SET jit = off;
