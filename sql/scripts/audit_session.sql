-- Run on every connect of the audit service, before its statements are
-- prepared.
--
-- The reads of the patch facts that writes changed join agents' scan
-- states with their status profiles' statuses and group the rows by agent
-- (after a decision at 50,000 agents, tens of thousands of rows and the
-- tenant's profiles and statuses hashed): hash tables and groups stay in
-- memory (in batches on disk the audit took several times as long), and
-- no query is compiled by JIT (the compile costs more than it saves on
-- queries of a few hundred milliseconds).
SET work_mem = '128MB';
SET jit = off;
