/*  test_month - one month of the reference MSP, end to end, through the
    three running services and pwctl: a generated fleet of 2,000 agents
    (two planted dependency cycles, scans dated this week), the reference
    setup of examples/reference-msp, the real Windows update catalogue.

    After apply, import and resolve, the invariants are checked from the
    store with SQL as the superuser, each re-derived from what was stored
    rather than read from the service's own verdict: no approved patch is
    denied by a member policy (the rules are evaluated again in SQL), every
    subscribed agent without a window has NO_UPDATE_SCHEDULE, no dependent
    is planned before its dependency unless a violation names the pair, the
    cycles (found again with a transitive closure) are reported and only
    their members left out. Then the monthly review is approved in bulk and
    the agents without a window get one; a SUB on the audit's PUB watches
    the decisions, the settings, the plan and the findings react. Last, the
    trail verifies.
*/
#include <time.h>
#include <unistd.h>

#include "pw_gen.h"
#include "pw_import.h"
#include "pw_itest.h"
#include "pw_json.h"
#include "pw_util.h"
#include "../pw_test.h"

#define S_TENANT  "reference-msp"
#define S_SETUP   "examples/reference-msp/setup.yaml"
#define S_CATALOG "examples/data/windows-updates.csv"
#define S_AGENTS  2000
#define S_CYCLES  2

static char *s_db_url;
static PGconn *s_admin;
static pw_itest_service_t s_policy, s_scheduler, s_audit;
static char s_dir [64];
static int s_planted;    //  cycles the generator planted
static char *s_last_err; //  stderr of the last pwctl

//  --- helpers --------------------------------------------------------------

//  The first column of every row, one per line (caller frees).
static char *
s_lines (const char *sql)
{
    PGresult *res = PQexec (s_admin, sql);
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, "");
    if (PQresultStatus (res) != PGRES_TUPLES_OK)
        PW_FAIL_AT ("%s: %s", sql, PQresultErrorMessage (res));
    else
        for (int i = 0; i < PQntuples (res); i++)
            pw_strbuf_appendf (&out, "%s\n", PQgetvalue (res, i, 0));
    PQclear (res);
    return pw_strbuf_take (&out);
}

static void
s_exec (const char *sql)
{
    PGresult *res = PQexec (s_admin, sql);
    if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK)
        PW_FAIL_AT ("%s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
}

//  pwctl against the three services as the tenant; ARGS after the
//  endpoints. Returns the exit code; *OUT_P gets stdout (caller frees).
static int
s_pwctl (char **out_p, const char *const *args)
{
    char policy [96], scheduler [96], audit [96];
    snprintf (policy, sizeof policy, "--policy-endpoint=%s", s_policy.router);
    snprintf (scheduler, sizeof scheduler, "--scheduler-endpoint=%s", s_scheduler.router);
    snprintf (audit, sizeof audit, "--audit-endpoint=%s",
              *s_audit.router ? s_audit.router : "tcp://127.0.0.1:1");
    const char *argv [32] = {
        policy, scheduler, audit, "--tenant=" S_TENANT, "--actor=month@msp", "--timeout-ms=60000"};
    int argc = 6;
    for (int i = 0; args [i] && argc < 31; i++)
        argv [argc++] = args [i];
    argv [argc] = NULL;
    char *out = NULL, *err = NULL;
    int rc = pw_itest_pwctl (argv, &out, &err);
    if (rc != 0)
        fprintf (stderr, "    pwctl %s %s: exit %d: %.300s\n", args [0], args [1] ? args [1] : "",
                 rc, err ? err : "");
    free (s_last_err);
    s_last_err = err;
    if (out_p)
        *out_p = out;
    else
        free (out);
    return rc;
}

//  Bulk loads leave the planner statistics of empty tables behind, which
//  the services' prepared statements would be planned with.
static void
s_analyze (void)
{
    s_exec ("ANALYZE");
}

static char *
s_path (const char *name)
{
    return pw_sprintf ("%s/%s", s_dir, name);
}

//  The audit starts once the fleet is loaded and analysed: statements it
//  prepares on empty tables would keep plans made for empty tables, and its
//  first full audit of 2,000 agents would take minutes instead of a second.
static int
s_start_audit (void)
{
    char policy_pub [96], scheduler_pub [96];
    snprintf (policy_pub, sizeof policy_pub, "--policy-pub=%s", s_policy.pub);
    snprintf (scheduler_pub, sizeof scheduler_pub, "--scheduler-pub=%s", s_scheduler.pub);
    const char *extra [] = {policy_pub, scheduler_pub, "--audit-debounce-ms=100",
                            "--catch-up-interval-ms=300", NULL};
    int rc = pw_itest_service_start (&s_audit, "audit", s_db_url, extra);
    usleep (300 * 1000); //  its SUBs connect
    return rc;
}

//  --- the fleet --------------------------------------------------------------

static int
s_generate (void)
{
    pw_import_t *catalogue = pw_import_load (PW_IMPORT_PATCHES, S_CATALOG, NULL);
    if (!pw_import_ok (catalogue)) {
        pw_import_destroy (&catalogue);
        return -1;
    }
    pw_gen_options_t options = {.seed = 42,
                                .agents = S_AGENTS,
                                .catalogue = catalogue,
                                .cycles = S_CYCLES,
                                .now = (int64_t)time (NULL)};
    char *error = NULL;
    pw_gen_t *fleet = pw_gen_new (&options, &error);
    int rc = fleet ? pw_gen_write (fleet, s_dir, &error) : -1;
    if (rc != 0)
        fprintf (stderr, "    gen: %s\n", error ? error : "?");
    s_planted = pw_gen_cycles (fleet);
    free (error);
    pw_gen_destroy (&fleet);
    pw_import_destroy (&catalogue);
    return rc;
}

//  --- apply, import, resolve ----------------------------------------------

static void
s_test_setup (void)
{
    PW_CHECK_INT (s_planted, S_CYCLES);
    char *orgs = s_path ("orgs.yaml"), *agents = s_path ("agents.csv");
    char *scans = s_path ("scans.csv"), *deps = s_path ("dependencies.yaml");
    int64_t started = zclock_usecs ();
    //  The dependencies name agents: refused before the import, ...
    const char *early [] = {"apply", "-f", S_SETUP, orgs, deps, NULL};
    PW_CHECK (s_pwctl (NULL, early) != 0);
    PW_CHECK (s_last_err && strstr (s_last_err, "unknown agent"));
    const char *apply [] = {"apply", "-f", S_SETUP, orgs, NULL};
    PW_CHECK_INT (s_pwctl (NULL, apply), 0);
    const char *import_agents [] = {"import", "agents", agents, NULL};
    PW_CHECK_INT (s_pwctl (NULL, import_agents), 0);
    s_analyze ();
    const char *import_patches [] = {"import", "patches", S_CATALOG, NULL};
    PW_CHECK_INT (s_pwctl (NULL, import_patches), 0);
    s_analyze ();
    const char *import_scans [] = {"import", "scans", scans, NULL};
    PW_CHECK_INT (s_pwctl (NULL, import_scans), 0);
    s_analyze ();
    //  ... and accepted after it.
    PW_CHECK_INT (s_pwctl (NULL, early), 0);
    PW_CHECK_INT (s_start_audit (), 0);
    fprintf (stderr, "    month: %d agents applied and imported in %.0f ms\n", S_AGENTS,
             (zclock_usecs () - started) / 1000.0);
    //  Everything known: every agent resolved, 14 policies, 48 windows
    PW_CHECK_INT (pw_itest_scalar (s_admin, "SELECT count(*) FROM agent_settings"), S_AGENTS);
    PW_CHECK_INT (pw_itest_scalar (s_admin, "SELECT count(*) FROM patch_policies"), 14);
    PW_CHECK_INT (pw_itest_scalar (s_admin, "SELECT count(*) FROM windows"), 48);
    PW_CHECK_INT (
        pw_itest_scalar (s_admin, "SELECT count(*) FROM windows WHERE window_group = 'SAT-NIGHT'"),
        6);
    PW_CHECK_INT (pw_itest_scalar (s_admin, "SELECT count(*) FROM patches"), 5437);
    PW_CHECK (pw_itest_scalar (s_admin, "SELECT count(*) FROM dependencies") > 100);
    //  The layering: every subscribed agent is in Baseline and in exactly
    //  one of Servers / Workstations, matching its class.
    PW_CHECK_INT (
        pw_itest_scalar (s_admin,
                         "SELECT count(*) FROM agent_settings s JOIN agents a USING (agent_id) "
                         " WHERE s.subscribed AND NOT ('Baseline' = ANY (s.patch_policies) AND "
                         "  (CASE a.class WHEN 'server' THEN 'Servers' ELSE 'Workstations' END)"
                         "   = ANY (s.patch_policies))"),
        0);
    //  Unsubscribed customers are out: no scan, no window, not subscribed
    PW_CHECK_INT (
        pw_itest_scalar (s_admin,
                         "SELECT count(*) FROM agent_settings s JOIN agents a USING (agent_id) "
                         "  JOIN orgs o ON o.tenant_id = a.tenant_id AND o.name = a.org "
                         " WHERE o.patching = 'unsubscribed' "
                         "   AND (s.subscribed OR s.scan IS NOT NULL "
                         "        OR s.update_window IS NOT NULL)"),
        0);
    PW_CHECK (pw_itest_scalar (s_admin,
                               "SELECT count(*) FROM orgs WHERE patching = 'unsubscribed'") >= 2);
    free (orgs);
    free (agents);
    free (scans);
    free (deps);
}

//  Each (policy, patch) status re-derived from the stored rules, in the
//  documented order: override, decision, superseded, first product rule,
//  classification rule, default.
static const char *s_rederive =
    "CREATE TEMP TABLE superseded AS SELECT DISTINCT upper (s) AS kb "
    "  FROM patches q, unnest (q.supersedes) s WHERE upper (s) <> upper (q.kb);"
    "CREATE OR REPLACE FUNCTION pg_temp.glob (g text) RETURNS text LANGUAGE sql IMMUTABLE AS $$"
    "  SELECT '^' || replace (replace (regexp_replace (g, '([.+^$(){}|\\\\])', '\\\\\\1', 'g'),"
    "                                  '*', '.*'), '?', '.') || '$' $$;"
    "CREATE OR REPLACE FUNCTION pg_temp.st (action text, released timestamptz, days int) "
    "RETURNS text LANGUAGE sql STABLE AS $$"
    "  SELECT CASE WHEN action = 'approve' AND released + days * interval '1 day' > now () "
    "              THEN 'deferred' WHEN action = 'approve' THEN 'approved' "
    "              WHEN action = 'review' THEN 'review' ELSE 'denied' END $$;"
    "CREATE OR REPLACE FUNCTION pg_temp.derived (pol text, p patches) RETURNS text "
    "LANGUAGE sql STABLE AS $$"
    "  SELECT coalesce ("
    "    (SELECT CASE action WHEN 'approve' THEN 'approved' ELSE 'denied' END FROM kb_overrides o"
    "      WHERE o.tenant_id = p.tenant_id AND upper (o.kb) = upper (p.kb)),"
    "    (SELECT CASE action WHEN 'approve' THEN 'approved' ELSE 'denied' END FROM decisions d"
    "      WHERE d.tenant_id = p.tenant_id AND d.policy = pol AND upper (d.kb) = upper (p.kb)),"
    "    (SELECT 'denied' FROM patch_policies pp WHERE pp.tenant_id = p.tenant_id"
    "        AND pp.name = pol AND pp.deny_superseded"
    "        AND upper (p.kb) IN (SELECT kb FROM pg_temp.superseded)),"
    "    (SELECT pg_temp.st (r.action, p.released_at, r.after_days) FROM patch_policy_rules r"
    "      WHERE r.tenant_id = p.tenant_id AND r.policy = pol AND r.kind = 'product'"
    "        AND EXISTS (SELECT 1 FROM unnest (p.products) pr WHERE pr ~* pg_temp.glob (r.match))"
    "      ORDER BY r.ordinal LIMIT 1),"
    "    (SELECT pg_temp.st (r.action, p.released_at, r.after_days) FROM patch_policy_rules r"
    "      WHERE r.tenant_id = p.tenant_id AND r.policy = pol AND r.kind = 'classification'"
    "        AND r.match = p.classification),"
    "    (SELECT pg_temp.st (pp.default_action, p.released_at, 0) FROM patch_policies pp"
    "      WHERE pp.tenant_id = p.tenant_id AND pp.name = pol)) $$;"
    //  Every policy's status of every catalogue row, once
    "CREATE TEMP TABLE derived AS SELECT pp.name AS policy, p.patch_id, "
    "  pg_temp.derived (pp.name, p) AS status FROM patch_policies pp, patches p;"
    "CREATE INDEX ON derived (patch_id, policy); ANALYZE derived;";

#define S_APPROVED_BUT                                                                             \
    "SELECT count(*) FROM patch_status ps JOIN patches p USING (tenant_id, patch_id) "             \
    "  JOIN agent_settings s USING (tenant_id, agent_id) JOIN agents a USING (tenant_id, "         \
    "agent_id) "                                                                                   \
    " WHERE ps.status = 'approved' AND (NOT s.subscribed "                                         \
    "   OR upper (p.kb) IN (SELECT upper (k) FROM unnest (a.ignored_kbs) k) "                      \
    "   OR EXISTS (SELECT 1 FROM unnest (s.patch_policies) m "                                     \
    "               JOIN derived d ON d.policy = m AND d.patch_id = p.patch_id "                   \
    "               WHERE d.status IN %s))"

static void
s_test_approvals (void)
{
    s_exec (s_rederive);
    //  The re-derivation is not vacuous: the catalogue has rows each rule
    //  kind decides (superseded rows in Baseline, upgrades in Servers and
    //  Block Feature Upgrades, Office in Block Office), and feature packs
    //  wait for review in Workstations.
    PW_CHECK (pw_itest_scalar (s_admin,
                               "SELECT count(*) FROM patches p "
                               " WHERE pg_temp.derived ('Baseline', p) = 'denied'") > 1000);
    PW_CHECK (pw_itest_scalar (
                  s_admin, "SELECT count(*) FROM patches WHERE classification = 'upgrade'") > 10);
    PW_CHECK_INT (
        pw_itest_scalar (s_admin,
                         "SELECT count(*) FROM patches p WHERE p.classification = 'upgrade' "
                         "   AND (pg_temp.derived ('Servers', p) <> 'denied' "
                         "     OR pg_temp.derived ('Block Feature Upgrades', p) <> 'denied')"),
        0);
    PW_CHECK (pw_itest_scalar (
                  s_admin, "SELECT count(*) FROM patches p WHERE 'Office 2016' = ANY (p.products) "
                           "   AND pg_temp.derived ('Block Office', p) = 'denied'") > 100);
    PW_CHECK (pw_itest_scalar (
                  s_admin, "SELECT count(*) FROM patches p WHERE p.classification = 'feature_pack' "
                           "   AND pg_temp.derived ('Workstations', p) = 'review'") > 0);
    //  Many approved, none that a member policy denies, reviews or defers
    long approved =
        pw_itest_scalar (s_admin, "SELECT count(*) FROM patch_status WHERE status = 'approved'");
    PW_CHECK (approved > 10000);
    char *sql = pw_sprintf (S_APPROVED_BUT, "('denied', 'review', 'deferred')");
    PW_CHECK_INT (pw_itest_scalar (s_admin, sql), 0);
    free (sql);
    //  And the converse on what the services withheld: a patch denied on an
    //  agent has a member policy (or the ignore list) that denies it.
    PW_CHECK_INT (
        pw_itest_scalar (
            s_admin,
            "SELECT count(*) FROM patch_status ps "
            "  JOIN patches p USING (tenant_id, patch_id) "
            "  JOIN agent_settings s USING (tenant_id, agent_id) "
            "  JOIN agents a USING (tenant_id, agent_id) "
            " WHERE ps.status = 'denied' AND s.subscribed "
            "   AND upper (p.kb) NOT IN (SELECT upper (k) FROM unnest "
            "(a.ignored_kbs) k) AND NOT EXISTS (SELECT 1 FROM unnest "
            "(s.patch_policies) m JOIN derived d ON d.policy = m AND d.patch_id = p.patch_id "
            "WHERE d.status = 'denied')"),
        0);
    //  A blocking policy holds back its customer only: the LOB policy's
    //  agents are all at pinecrest.
    PW_CHECK_INT (
        pw_itest_scalar (s_admin,
                         "SELECT count(*) FROM agent_settings s JOIN agents a USING (agent_id) "
                         " WHERE 'LOB - Pinecrest ERP' = ANY (s.patch_policies) "
                         "   AND a.org <> 'pinecrest'"),
        0);
    PW_CHECK (pw_itest_scalar (s_admin, "SELECT count(*) FROM agent_settings "
                                        " WHERE 'LOB - Pinecrest ERP' = ANY (patch_policies)") > 0);
}

//  The current cycle of the stored plan, from the plan the scheduler keeps
//  fresh (pwctl plan computes it when needed).
static char s_cycle [16];

#define S_NO_WINDOW                                                                                \
    "SELECT a.hostname FROM agent_settings s JOIN agents a USING (tenant_id, agent_id) "           \
    " WHERE s.subscribed AND s.update_window IS NULL AND s.manual_patching IS NULL "               \
    "   AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.tenant_id = a.tenant_id AND f.open "      \
    "                     AND f.code = 'NO_UPDATE_SCHEDULE' AND f.subject = a.hostname) "          \
    " ORDER BY 1"

static void
s_test_plan (void)
{
    char *out = NULL;
    const char *plan [] = {"--json", "plan", NULL};
    PW_CHECK_INT (s_pwctl (&out, plan), 0);
    const char *cycle = out ? strstr (out, "\"cycle\":\"") : NULL;
    if (cycle)
        snprintf (s_cycle, sizeof s_cycle, "%.7s", cycle + 9);
    free (out);
    PW_CHECK (strlen (s_cycle) == 7);
    char *sql;
    //  Every subscribed agent is in the plan
    //  Every subscribed agent is in the plan, and the unsubscribed ones a
    //  dependency names (so their dependents can be told)
    sql = pw_sprintf ("SELECT count(*) FROM plan_agents WHERE cycle = '%s'", s_cycle);
    PW_CHECK_INT (
        pw_itest_scalar (s_admin, sql),
        pw_itest_scalar (s_admin,
                         "SELECT count(*) FROM agent_settings s JOIN agents a USING (agent_id) "
                         " WHERE s.subscribed OR a.hostname IN (SELECT hostname FROM "
                         "   dependencies UNION SELECT depends_on FROM dependencies)"));
    free (sql);

    //  No dependent starts before a planned dependency is back, unless a
    //  violation names the pair.
    sql = pw_sprintf (
        "SELECT count(*) FROM dependencies d "
        "  JOIN plan_agents x ON x.hostname = d.hostname AND x.cycle = '%1$s' "
        "  JOIN plan_agents y ON y.hostname = d.depends_on AND y.cycle = '%1$s' "
        " WHERE x.status = 'planned' AND y.status = 'planned' AND x.start_utc < y.end_utc "
        "   AND NOT EXISTS (SELECT 1 FROM plan_violations v WHERE v.cycle = '%1$s' "
        "         AND v.code = 'DEPENDENCY_ORDER' AND v.agent_id = x.agent_id "
        "         AND v.other_agent_id = y.agent_id)",
        s_cycle);
    PW_CHECK_INT (pw_itest_scalar (s_admin, sql), 0);
    free (sql);
    //  Not vacuous: most dependency pairs are planned, in order
    sql = pw_sprintf ("SELECT count(*) FROM dependencies d "
                      "  JOIN plan_agents x ON x.hostname = d.hostname AND x.cycle = '%1$s' "
                      "  JOIN plan_agents y ON y.hostname = d.depends_on AND y.cycle = '%1$s' "
                      " WHERE x.status = 'planned' AND y.status = 'planned' "
                      "   AND x.start_utc >= y.end_utc",
                      s_cycle);
    PW_CHECK (pw_itest_scalar (s_admin, sql) > 100);
    free (sql);

    //  The cycles, found again: agents that reach themselves
    const char *closure =
        "WITH RECURSIVE reach (a, b) AS (SELECT hostname, depends_on FROM dependencies "
        "  UNION SELECT r.a, d.depends_on FROM reach r JOIN dependencies d ON d.hostname = r.b) ";
    sql = pw_sprintf ("%s SELECT a FROM reach WHERE a = b ORDER BY 1", closure);
    char *members = s_lines (sql);
    free (sql);
    sql = pw_sprintf ("SELECT hostname FROM plan_agents WHERE cycle = '%s' "
                      "   AND reason = 'dependency cycle' ORDER BY 1",
                      s_cycle);
    char *unscheduled = s_lines (sql);
    free (sql);
    PW_CHECK (strlen (members) > 0);
    PW_CHECK_STR (unscheduled, members);
    sql = pw_sprintf ("SELECT count(*) FROM plan_violations WHERE cycle = '%s' "
                      "   AND code = 'DEPENDENCY_CYCLE'",
                      s_cycle);
    PW_CHECK_INT (pw_itest_scalar (s_admin, sql), S_CYCLES);
    free (sql);
    PW_CHECK_INT (pw_itest_wait_for (s_admin,
                                     "SELECT count(*) FROM findings WHERE open "
                                     "   AND code = 'DEPENDENCY_CYCLE'",
                                     S_CYCLES, 10000),
                  S_CYCLES);
    //  A dependent of a cycle member is still planned, and told why
    sql = pw_sprintf (
        "SELECT count(*) FROM dependencies d JOIN plan_agents x ON x.hostname = d.hostname "
        "  AND x.cycle = '%1$s' JOIN plan_agents y ON y.hostname = d.depends_on "
        "  AND y.cycle = '%1$s' WHERE y.reason = 'dependency cycle' "
        "  AND x.reason <> 'dependency cycle' AND (x.status <> 'planned' OR NOT EXISTS ("
        "    SELECT 1 FROM plan_violations v WHERE v.cycle = '%1$s' "
        "       AND v.code = 'DEPENDENCY_ORDER' AND v.agent_id = x.agent_id))",
        s_cycle);
    PW_CHECK_INT (pw_itest_scalar (s_admin, sql), 0);
    free (sql);
    free (members);
    free (unscheduled);
    //  Everything else with an existing window is planned
    sql = pw_sprintf ("SELECT count(*) FROM plan_agents p JOIN agent_settings s USING (agent_id) "
                      " WHERE p.cycle = '%s' AND p.status = 'unscheduled' AND s.subscribed "
                      "   AND s.manual_patching IS NULL AND p.reason <> 'dependency cycle' "
                      "   AND s.update_window IN (SELECT name FROM windows)",
                      s_cycle);
    PW_CHECK_INT (pw_itest_scalar (s_admin, sql), 0);
    free (sql);

    //  Every subscribed agent without a window is a finding (the audit
    //  catches up with the last apply within a few seconds).
    PW_CHECK (pw_itest_scalar (s_admin, "SELECT count(*) FROM agent_settings "
                                        " WHERE subscribed AND update_window IS NULL "
                                        "   AND manual_patching IS NULL") > 10);
    char *missing = NULL;
    for (int waited = 0; waited < 15000; waited += 200) {
        free (missing);
        missing = s_lines (S_NO_WINDOW);
        if (!*missing)
            break;
        usleep (200 * 1000);
    }
    PW_CHECK_STR (missing, "");
    free (missing);
    //  ... and a documented exception is not
    PW_CHECK (pw_itest_scalar (
                  s_admin, "SELECT count(*) FROM agent_settings WHERE manual_patching <> ''") > 10);
    PW_CHECK_INT (pw_itest_scalar (s_admin,
                                   "SELECT count(*) FROM findings f JOIN agents a "
                                   "    ON a.tenant_id = f.tenant_id AND a.hostname = f.subject "
                                   "  JOIN agent_settings s USING (agent_id) "
                                   " WHERE f.open AND f.code = 'NO_UPDATE_SCHEDULE' "
                                   "   AND s.manual_patching IS NOT NULL"),
                  0);
}

//  Reads what a SUB receives until every NEEDLE has been seen or WAIT_MS
//  have passed; returns the topics, one per line (caller frees).
static char *
s_topics (zsock_t *sub, int wait_ms, const char *const *needles)
{
    pw_strbuf_t topics;
    pw_strbuf_init (&topics);
    pw_strbuf_append (&topics, "");
    zpoller_t *poller = zpoller_new (sub, NULL);
    int64_t deadline = zclock_mono () + wait_ms;
    bool all = false;
    while (!all && zclock_mono () < deadline) {
        if (!zpoller_wait (poller, 200))
            continue;
        zmsg_t *msg = zmsg_recv (sub);
        char *topic = zmsg_popstr (msg);
        pw_strbuf_appendf (&topics, "%s\n", topic ? topic : "");
        free (topic);
        zmsg_destroy (&msg);
        all = true;
        for (int i = 0; needles [i] && all; i++)
            all = strstr (topics.data, needles [i]) != NULL;
    }
    zpoller_destroy (&poller);
    return pw_strbuf_take (&topics);
}

//  A full audit of the tenant through the audit service; its reply (NULL
//  when it failed).
static pw_reply_t *
s_audit_run (void)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__AuditRunRequest call = PATCHWARDEN__V1__AUDIT_RUN_REQUEST__INIT;
    request.tenant = S_TENANT;
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_AUDIT_RUN;
    request.audit_run = &call;
    pw_reply_t *reply = pw_itest_call (s_audit.router, &request, 60000);
    if (reply && reply->result_case != PATCHWARDEN__V1__REPLY__RESULT_AUDIT_RUN)
        pw_reply_free (&reply);
    return reply;
}

//  What the audit says of the tenant now: the open findings and the
//  compliance figures (pwctl audit --json, from "totals" on).
static char *
s_audit_state (void)
{
    char *findings = s_lines ("SELECT code || ' ' || subject || ' ' || severity || ' ' || detail "
                              "  FROM findings WHERE open ORDER BY 1");
    char *summary = NULL;
    const char *audit [] = {"--json", "audit", NULL};
    PW_CHECK_INT (s_pwctl (&summary, audit), 0);
    const char *totals = summary ? strstr (summary, "\"totals\"") : NULL;
    char *state = pw_sprintf ("%s\n%s", findings, totals ? totals : "(no summary)");
    free (findings);
    free (summary);
    return state;
}

//  The audits after the review's decisions read again only the statuses
//  they rewrote, as the policy service declared them (009_facts_changes):
//  an audit that then reads every fact finds the same findings and figures.
static void
s_check_kept_facts (long updates_before)
{
    pw_reply_t *reply = s_audit_run ();
    PW_CHECK (reply != NULL);
    pw_reply_free (&reply);
    PW_CHECK (pw_itest_metric (s_audit.http_port, "pw_audit_facts_cache_updates_total") >
              updates_before);
    char *kept = s_audit_state ();
    long misses = pw_itest_metric (s_audit.http_port, "pw_audit_facts_cache_misses_total");
    PGresult *res = PQexec (s_admin, "UPDATE facts_epoch SET epoch = epoch + 1");
    PW_CHECK_INT (PQresultStatus (res), PGRES_COMMAND_OK);
    PQclear (res);
    reply = s_audit_run ();
    PW_CHECK (reply != NULL);
    pw_reply_free (&reply);
    PW_CHECK (pw_itest_metric (s_audit.http_port, "pw_audit_facts_cache_misses_total") > misses);
    char *whole = s_audit_state ();
    PW_CHECK_STR (kept, whole);
    free (kept);
    free (whole);
}

static void
s_test_review_and_react (void)
{
    zsock_t *sub = zsock_new (ZMQ_SUB);
    zsock_set_subscribe (sub, S_TENANT "/");
    zsock_set_rcvhwm (sub, 1000000);
    PW_CHECK (zsock_connect (sub, "%s", s_audit.pub) == 0);
    usleep (300 * 1000);

    //  The monthly review: each policy's queue approved in bulk
    long updates = pw_itest_metric (s_audit.http_port, "pw_audit_facts_cache_updates_total");
    char *queue = NULL;
    const char *list [] = {"--json", "review", "list", NULL};
    PW_CHECK_INT (s_pwctl (&queue, list), 0);
    pw_json_t *reader = queue ? pw_json_new (queue, strlen (queue)) : NULL;
    const pw_json_value_t *policies = pw_json_get (pw_json_parse (reader), "policies");
    PW_CHECK_INT (pw_json_size (policies), 14);
    int approved_policies = 0;
    for (size_t i = 0; i < pw_json_size (policies); i++) {
        const pw_json_value_t *entry = pw_json_at (policies, i);
        //  A policy with an empty queue has nothing to approve
        if (pw_json_size (pw_json_get (entry, "items")) == 0)
            continue;
        char *policy = pw_sprintf ("--policy=%s", pw_json_string (pw_json_get (entry, "policy")));
        const char *approve [] = {"review", "approve", policy, "--all", "--reason=monthly review",
                                  NULL};
        if (s_pwctl (NULL, approve) == 0)
            approved_policies++;
        free (policy);
    }
    pw_json_destroy (&reader);
    free (queue);
    PW_CHECK (approved_policies >= 3);
    char *out = NULL;
    PW_CHECK_INT (s_pwctl (&out, list), 0);
    PW_CHECK (out && strstr (out, "\"kb\"") == NULL);
    free (out);
    PW_CHECK (pw_itest_scalar (s_admin, "SELECT count(*) FROM decisions WHERE action = 'approve' "
                                        "   AND reason = 'monthly review'") >= 20);
    s_check_kept_facts (updates);

    //  The machines without a window get one in the RMM: agents.csv again,
    //  with WED-1200 where cf.PatchWindow and cf.ManualPatchReason are empty.
    char *path = s_path ("agents.csv"), *fixed_path = s_path ("agents-fixed.csv");
    char *text = NULL;
    size_t len = 0;
    FILE *file = fopen (path, "rb");
    if (file) {
        text = pw_malloc (8 << 20);
        len = fread (text, 1, (8 << 20) - 1, file);
        text [len] = '\0';
        fclose (file);
    }
    PW_CHECK (text && len > 0);
    pw_strbuf_t fixed;
    pw_strbuf_init (&fixed);
    int changed = 0;
    for (char *line = text ? strtok (text, "\n") : NULL; line; line = strtok (NULL, "\n")) {
        size_t n = strlen (line);
        if (n > 2 && strcmp (line + n - 2, ",,") == 0) {
            pw_strbuf_append_len (&fixed, line, n - 1);
            pw_strbuf_append (&fixed, "WED-1200,\n");
            changed++;
        } else
            pw_strbuf_appendf (&fixed, "%s\n", line);
    }
    file = fopen (fixed_path, "wb");
    if (file) {
        fwrite (fixed.data, 1, fixed.len, file);
        fclose (file);
    }
    PW_CHECK (changed > 10);
    const char *reimport [] = {"import", "agents", fixed_path, NULL};
    PW_CHECK_INT (s_pwctl (NULL, reimport), 0);

    //  The stream shows the decisions and the settings change, republished
    //  by the audit, the re-plan, and the findings that cleared.
    const char *needles [] = {S_TENANT "/policy/decision.approve\n",
                              S_TENANT "/policy/settings.changed\n",
                              S_TENANT "/scheduler/plan.ready\n",
                              S_TENANT "/finding/resolved/REVIEW_BACKLOG\n",
                              S_TENANT "/finding/resolved/NO_UPDATE_SCHEDULE\n",
                              NULL};
    char *topics = s_topics (sub, 20000, needles);
    for (int i = 0; needles [i]; i++)
        if (!strstr (topics, needles [i]))
            PW_FAIL_AT ("the event stream has no %.*s", (int)strlen (needles [i]) - 1, needles [i]);
    free (topics);
    //  In the store: no backlog; every formerly windowless agent planned
    //  (but the cycle members); NO_UPDATE_SCHEDULE left exactly on the
    //  subscribed agents with a real window that the plan found no slot
    //  for, and on no documented exception.
    PW_CHECK_INT (pw_itest_wait_for (s_admin,
                                     "SELECT count(*) FROM findings WHERE open "
                                     "   AND code = 'REVIEW_BACKLOG'",
                                     0, 15000),
                  0);
    char *sql = pw_sprintf ("SELECT count(*) FROM plan_agents p JOIN agent_settings s "
                            "  USING (agent_id) WHERE p.cycle = '%s' AND s.subscribed "
                            "   AND s.update_window = 'WED-1200' AND p.status <> 'planned' "
                            "   AND s.manual_patching IS NULL"
                            "   AND p.reason <> 'dependency cycle'",
                            s_cycle);
    PW_CHECK_INT (pw_itest_wait_for (s_admin, sql, 0, 10000), 0);
    free (sql);
    sql = pw_sprintf ("SELECT p.hostname FROM plan_agents p JOIN agent_settings s "
                      "  USING (agent_id) WHERE p.cycle = '%s' AND s.subscribed "
                      "   AND p.status = 'unscheduled' AND s.manual_patching IS NULL "
                      "   AND (s.update_window IS NULL OR s.update_window IN "
                      "        (SELECT name FROM windows)) ORDER BY 1",
                      s_cycle);
    char *expected = s_lines (sql);
    free (sql);
    char *open = NULL;
    for (int waited = 0; waited < 10000; waited += 200) {
        free (open);
        open = s_lines ("SELECT subject FROM findings WHERE open "
                        "   AND code = 'NO_UPDATE_SCHEDULE' ORDER BY 1");
        if (strcmp (open, expected) == 0)
            break;
        usleep (200 * 1000);
    }
    PW_CHECK_STR (open, expected);
    free (open);
    free (expected);
    pw_strbuf_free (&fixed);
    free (text);
    free (path);
    free (fixed_path);
    zsock_destroy (&sub);
}

//  The scans again, with two states changed (one failed install now
//  installed, one missing patch now failed): the import names the pairs
//  whose scan facts changed, so the audit reads again only those (and the
//  statuses the re-resolution rewrote), not every fact; and what it keeps
//  is what a whole read gives.
static void
s_test_scan_reimport (void)
{
    char *path = s_path ("scans.csv"), *changed_path = s_path ("scans-changed.csv");
    FILE *file = fopen (path, "rb");
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    int failed_fixed = 0, newly_failed = 0;
    char line [1024];
    while (file && fgets (line, sizeof line, file)) {
        char *at;
        if (!failed_fixed && (at = strstr (line, ",failed,"))) {
            *at = '\0';
            pw_strbuf_appendf (&out, "%s,installed,%s", line, at + 8);
            failed_fixed = 1;
        } else if (!newly_failed && (at = strstr (line, ",missing,"))) {
            *at = '\0';
            pw_strbuf_appendf (&out, "%s,failed,%s", line, at + 9);
            newly_failed = 1;
        } else
            pw_strbuf_append (&out, line);
    }
    if (file)
        fclose (file);
    PW_CHECK (failed_fixed && newly_failed);
    file = fopen (changed_path, "wb");
    if (file) {
        fwrite (out.data, 1, out.len, file);
        fclose (file);
    }
    pw_strbuf_free (&out);
    long updates = pw_itest_metric (s_audit.http_port, "pw_audit_facts_cache_updates_total");
    pw_reply_t *reply = s_audit_run ();
    pw_reply_free (&reply);
    long misses = pw_itest_metric (s_audit.http_port, "pw_audit_facts_cache_misses_total");
    const char *reimport [] = {"import", "scans", changed_path, NULL};
    PW_CHECK_INT (s_pwctl (NULL, reimport), 0);
    //  The changed pairs were declared, and nothing else of the scans
    PW_CHECK_INT (pw_itest_scalar (s_admin,
                                   "SELECT count(*) FROM facts_changes c "
                                   " WHERE c.paired AND c.scans AND cardinality(c.agents) = 2 "
                                   "   AND c.version = (SELECT max(version) FROM facts_changes "
                                   "                     WHERE scans)"),
                  1);
    reply = s_audit_run ();
    PW_CHECK (reply != NULL);
    pw_reply_free (&reply);
    PW_CHECK_INT (pw_itest_metric (s_audit.http_port, "pw_audit_facts_cache_misses_total"), misses);
    s_check_kept_facts (updates);
    free (path);
    free (changed_path);
}

static void
s_test_trail (void)
{
    //  Every change of the month is in the trail, and the chain holds
    PW_CHECK_INT (pw_itest_wait_for (s_admin,
                                     "SELECT count(*) FROM events e WHERE e.producer <> 'audit' "
                                     "   AND NOT EXISTS (SELECT 1 FROM audit_events r "
                                     "     WHERE r.tenant_id = e.tenant_id "
                                     "       AND r.producer = e.producer AND r.seq = e.seq)",
                                     0, 10000),
                  0);
    PW_CHECK (pw_itest_scalar (
                  s_admin, "SELECT count(*) FROM trail WHERE action = 'decision.approve'") >= 20);
    char *out = NULL;
    const char *verify [] = {"trail", "verify", NULL};
    PW_CHECK_INT (s_pwctl (&out, verify), 0);
    free (out);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    if (!pw_itest_available ())
        return PW_TEST_END ();
    zsys_init ();
    zsys_set_logstream (NULL);
    snprintf (s_dir, sizeof s_dir, "/tmp/pw-month-XXXXXX");
    bool ready = mkdtemp (s_dir) != NULL && s_generate () == 0;
    s_db_url = ready ? pw_itest_db_create ("pw_test_month") : NULL;
    char *admin_url = pw_itest_admin_url ("pw_test_month");
    s_admin = s_db_url ? pw_itest_connect (admin_url) : NULL;
    free (admin_url);
    ready = ready && s_admin && pw_itest_service_start (&s_policy, "policy", s_db_url, NULL) == 0;
    char policy_pub [96];
    snprintf (policy_pub, sizeof policy_pub, "--policy-pub=%s", s_policy.pub);
    const char *sched_extra [] = {policy_pub, NULL};
    ready = ready && pw_itest_service_start (&s_scheduler, "scheduler", s_db_url, sched_extra) == 0;
    if (!ready)
        PW_FAIL_AT ("the fleet, the database or a service did not start");
    else {
        usleep (300 * 1000); //  the SUBs connect
        int64_t started = zclock_usecs ();
        PW_RUN (s_test_setup);
        PW_RUN (s_test_approvals);
        PW_RUN (s_test_plan);
        PW_RUN (s_test_review_and_react);
        PW_RUN (s_test_scan_reimport);
        PW_RUN (s_test_trail);
        fprintf (stderr, "    month: the whole month in %.1f s\n",
                 (zclock_usecs () - started) / 1e6);
    }
    pw_itest_service_t *services [] = {&s_audit, &s_scheduler, &s_policy};
    for (int i = 0; i < 3; i++)
        if (services [i]->pid > 0 && pw_itest_service_stop (services [i]) != 0)
            fprintf (stderr, "    %s did not stop cleanly\n", services [i]->name);
    if (s_admin)
        PQfinish (s_admin);
    free (s_db_url);
    free (s_last_err);
    //  Leave nothing behind
    for (int f = 0; f < PW_GEN_FILE_COUNT; f++) {
        char *path = s_path (pw_gen_file_name ((pw_gen_file_t)f));
        unlink (path);
        free (path);
    }
    char *fixed = s_path ("agents-fixed.csv");
    unlink (fixed);
    free (fixed);
    rmdir (s_dir);
    return PW_TEST_END ();
}
