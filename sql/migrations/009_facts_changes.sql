-- 009_facts_changes: what each move of a tenant's 'facts' counter changed,
-- so a reader that keeps the patch facts (the audit) reads again only the
-- rows a write touched: after one review decision on 12,000 agents of
-- 50,000, those agents' statuses of that KB, not all 2 million statuses.
--
-- Every statement on scan_states or patch_status moves the counter by one
-- (008) and, from now on, leaves one row here under the counter's new
-- value: the agents and patches the statement may have written, as its
-- writer declared them in the transaction's settings pw.facts_agents and
-- pw.facts_patches (bigint[] literals, set with set_config(..., true)).
-- A NULL array means any: a writer that declares nothing (an import, an
-- administrator, a future writer) marks every row of the tenant changed,
-- so a reader can only ever read more than it needs, never less. The
-- declared set may be larger than what the statement wrote (a reader reads
-- again every (agent, patch) of agents x patches), never smaller. With
-- pw.facts_paired 'on' the two arrays are pairs instead, of one length:
-- agents[i] with patches[i] (a decision rewrites one KB's status on some
-- agents, not every patch of the KB on each of them). `scans` says the
-- write was of scan_states (else of patch_status only).
--
-- A reader that kept the facts at counter V reads the rows after V; with
-- one row per value up to the counter it reads again what they name, else
-- (rows pruned, a NULL) all. Rows 1,024 and more values behind the counter
-- are pruned as it moves (a decision's row holds its pairs: some hundreds
-- of kilobytes at 50,000 agents; an audit runs within a minute of a
-- change, long before a thousand more).
--
-- Two more counters per tenant, moved the same way (008): 'agents' by
-- every write of agents, agent_settings and orgs (the audit keeps each
-- agent's effective settings as read), 'findings' by every write of
-- findings (the audit keeps the open findings it diffs against).

CREATE TABLE facts_changes (
    tenant_id     text NOT NULL,
    version       bigint NOT NULL,
    agents        bigint[],
    patches       bigint[],
    paired        boolean NOT NULL DEFAULT false,
    scans         boolean NOT NULL DEFAULT true,   -- a write of scan_states
    PRIMARY KEY (tenant_id, version),
    -- A declaration the readers cannot take is refused with the write
    -- that made it, by name: pairs come as two arrays of one length, and
    -- no array names a NULL agent or patch.
    CONSTRAINT facts_changes_pairs
        CHECK (NOT paired OR cardinality(agents) = cardinality(patches)),
    CONSTRAINT facts_changes_no_null_ids
        CHECK (array_position(agents, NULL) IS NULL AND array_position(patches, NULL) IS NULL)
);

ALTER TABLE facts_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE facts_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON facts_changes USING (tenant_id = pw_tenant())
    WITH CHECK (tenant_id = pw_tenant());

ALTER TABLE facts_version DROP CONSTRAINT facts_version_counter_check;
ALTER TABLE facts_version ADD CONSTRAINT facts_version_counter_check
    CHECK (counter IN ('facts', 'plan', 'agents', 'findings'));

-- TG_ARGV[0]: the counter the table moves.
CREATE OR REPLACE FUNCTION pw_facts_bump() RETURNS trigger
    LANGUAGE plpgsql AS $$
DECLARE
    moved bigint;
BEGIN
    IF TG_OP = 'TRUNCATE' OR pw_tenant() IS NULL THEN
        UPDATE facts_epoch SET epoch = epoch + 1;
        RETURN NULL;
    END IF;
    INSERT INTO facts_version AS f (tenant_id, counter, version)
         VALUES (pw_tenant(), TG_ARGV[0], 1)
    ON CONFLICT (tenant_id, counter) DO UPDATE SET version = f.version + 1
    RETURNING version INTO moved;
    IF TG_ARGV[0] = 'facts' THEN
        INSERT INTO facts_changes (tenant_id, version, agents, patches, paired, scans)
             VALUES (pw_tenant(), moved,
                     nullif(current_setting('pw.facts_agents', true), '')::bigint[],
                     nullif(current_setting('pw.facts_patches', true), '')::bigint[],
                     coalesce(current_setting('pw.facts_paired', true), '') = 'on',
                     TG_TABLE_NAME = 'scan_states');
        IF moved % 64 = 0 THEN
            DELETE FROM facts_changes
             WHERE tenant_id = pw_tenant() AND version <= moved - 1024;
        END IF;
    END IF;
    RETURN NULL;
END
$$;

DO $$
DECLARE
    t text;
    counter text;
BEGIN
    FOR t, counter IN VALUES ('agents', 'agents'), ('agent_settings', 'agents'),
                             ('orgs', 'agents'), ('findings', 'findings') LOOP
        EXECUTE format('CREATE TRIGGER facts_bump AFTER INSERT OR UPDATE OR DELETE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump(%L)', t, counter);
        EXECUTE format('CREATE TRIGGER facts_bump_truncate AFTER TRUNCATE ON %I '
                       'FOR EACH STATEMENT EXECUTE FUNCTION pw_facts_bump(%L)', t, counter);
    END LOOP;
END
$$;

GRANT SELECT, INSERT, DELETE ON facts_changes TO pw_service;
