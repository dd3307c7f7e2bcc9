/*  test_policy - the policy service end to end through pwctl: apply a setup
    file (all or nothing, idempotent), import agents, a catalogue and scans
    (every bad row named, re-import changes nothing), explain an agent with
    provenance, review and approve, and the results and events in the store.
    Real PostgreSQL, real services on 127.0.0.1, real pwctl.
*/
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pw_itest.h"
#include "pw_json.h"
#include "pw_util.h"
#include "../pw_test.h"

static char *s_db_url;
static pw_itest_service_t s_policy, s_scheduler;
static char s_policy_ep [96], s_scheduler_ep [96];

//  Runs pwctl with the endpoints and tenant set; returns the exit code.
static int
s_pwctl (char **out_p, char **err_p, const char *a1, const char *a2, const char *a3, const char *a4,
         const char *a5)
{
    const char *args [12] = {s_policy_ep, s_scheduler_ep, "--tenant=acme-it", "--actor=alice@msp",
                             "--timeout-ms=20000"};
    int n = 5;
    const char *more [] = {a1, a2, a3, a4, a5};
    for (int i = 0; i < 5 && more [i]; i++)
        args [n++] = more [i];
    args [n] = NULL;
    return pw_itest_pwctl (args, out_p, err_p);
}

static long
s_count (const char *sql)
{
    char *url = pw_itest_admin_url ("pw_test_policy");
    PGconn *conn = pw_itest_connect (url);
    free (url);
    if (!conn)
        return -1;
    PGresult *res = PQexec (conn, sql);
    long value = PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1
                     ? atol (PQgetvalue (res, 0, 0))
                     : -1;
    if (value < 0)
        fprintf (stderr, "    %s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
    PQfinish (conn);
    return value;
}

static char *
s_text (const char *sql)
{
    char *url = pw_itest_admin_url ("pw_test_policy");
    PGconn *conn = pw_itest_connect (url);
    free (url);
    if (!conn)
        return NULL;
    PGresult *res = PQexec (conn, sql);
    char *value = NULL;
    if (PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1)
        value = strdup (PQgetisnull (res, 0, 0) ? "" : PQgetvalue (res, 0, 0));
    else if (PQresultStatus (res) == PGRES_COMMAND_OK)
        value = strdup (PQcmdTuples (res));
    else
        fprintf (stderr, "    %s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
    PQfinish (conn);
    return value;
}

static void
s_test_bad_setup (void)
{
    char *out = NULL, *err = NULL;
    FILE *file = fopen ("build/bad-setup.yaml", "w");
    fputs ("tenant: acme-it\norgs:\n  - {name: contoso, timezone: Mars/Olympus}\n"
           "system_policies:\n  - name: X\n    settings: {reboot: sometimes}\n",
           file);
    fclose (file);
    PW_CHECK_INT (s_pwctl (&out, &err, "apply", "-f", "build/bad-setup.yaml", NULL, NULL), 1);
    PW_CHECK (strstr (err, "system_policies[0].settings.reboot: \"sometimes\" is not one of never, "
                           "when_required, always"));
    PW_CHECK (strstr (err, "orgs[0].timezone"));
    PW_CHECK_INT (s_count ("SELECT count(*) FROM orgs"), 0);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM setup_sections"), 0);
    free (out);
    free (err);
}

static void
s_test_apply (void)
{
    char *out = NULL, *err = NULL;
    PW_CHECK_INT (s_pwctl (&out, &err, "apply", "-f", "tests/data/policy/setup.yaml", NULL, NULL),
                  0);
    PW_CHECK (strstr (out, "policy:    applied"));
    if (*err)
        fprintf (stderr, "    %s", err);
    free (out);
    free (err);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM orgs"), 2);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM machine_groups WHERE org = 'contoso'"), 4);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM patch_policies"), 4);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM assignments"), 7);
    PW_CHECK_INT (
        s_count (
            "SELECT count(*) FROM events WHERE producer = 'policy' AND kind = 'setup.applied'"),
        1);
    //  The same file again changes nothing and says so.
    PW_CHECK_INT (s_pwctl (&out, &err, "apply", "-f", "tests/data/policy/setup.yaml", NULL, NULL),
                  0);
    PW_CHECK (strstr (out, "nothing changed"));
    PW_CHECK_INT (
        s_count (
            "SELECT count(*) FROM events WHERE producer = 'policy' AND kind = 'setup.applied'"),
        1);
    free (out);
    free (err);
}

static void
s_test_import (void)
{
    char *out = NULL, *err = NULL;
    PW_CHECK_INT (
        s_pwctl (&out, &err, "import", "agents", "tests/data/policy/bad-agents.csv", NULL, NULL),
        1);
    PW_CHECK (strstr (err, "bad-agents.csv:3: class"));
    PW_CHECK (strstr (err, "laptop"));
    PW_CHECK (strstr (err, "bad-agents.csv:4: hostname"));
    PW_CHECK_INT (s_count ("SELECT count(*) FROM agents"), 0);
    free (out);
    free (err);

    PW_CHECK_INT (
        s_pwctl (&out, &err, "import", "agents", "tests/data/policy/agents.csv", NULL, NULL), 0);
    PW_CHECK (strstr (out, "agents: 6 rows: 6 inserted, 0 updated, 0 unchanged"));
    free (out);
    free (err);
    PW_CHECK_INT (
        s_pwctl (&out, &err, "import", "patches", "tests/data/policy/patches.csv", NULL, NULL), 0);
    PW_CHECK (strstr (out, "patches: 6 rows: 6 inserted"));
    free (out);
    free (err);
    PW_CHECK_INT (
        s_pwctl (&out, &err, "import", "scans", "tests/data/policy/scans.csv", NULL, NULL), 0);
    PW_CHECK (strstr (out, "scans: 10 rows: 10 inserted"));
    free (out);
    free (err);
    //  Re-importing the same files changes nothing.
    PW_CHECK_INT (
        s_pwctl (&out, &err, "import", "agents", "tests/data/policy/agents.csv", NULL, NULL), 0);
    PW_CHECK (strstr (out, "0 inserted, 0 updated, 6 unchanged"));
    free (out);
    free (err);
    PW_CHECK_INT (
        s_pwctl (&out, &err, "import", "scans", "tests/data/policy/scans.csv", NULL, NULL), 0);
    PW_CHECK (strstr (out, "0 inserted, 0 updated, 10 unchanged"));
    free (out);
    free (err);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM agent_settings"), 6);
    //  Missing and failed entries get a status; installed ones do not.
    PW_CHECK_INT (s_count ("SELECT count(*) FROM patch_status"), 9);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM events WHERE kind LIKE 'import.%'"), 5);
}

//  Finds the patch entry of KB in an explain document.
static const pw_json_value_t *
s_patch (const pw_json_value_t *doc, const char *kb)
{
    const pw_json_value_t *patches = pw_json_get (doc, "patches");
    for (size_t i = 0; patches && i < pw_json_size (patches); i++)
        if (strcmp (pw_json_string (pw_json_get (pw_json_at (patches, i), "kb")), kb) == 0)
            return pw_json_at (patches, i);
    return NULL;
}

static const char *
s_field (const pw_json_value_t *object, const char *a, const char *b)
{
    const pw_json_value_t *value = pw_json_get (object, a);
    if (value && b)
        value = pw_json_get (value, b);
    return value && pw_json_type (value) == PW_JSON_STRING ? pw_json_string (value) : NULL;
}

//  Runs explain --json for HOST and checks each (KB, status, source kind).
static void
s_expect (const char *host, const char *const (*rows) [3], size_t count, const char *window,
          const char *window_policy)
{
    char *out = NULL, *err = NULL;
    int rc = s_pwctl (&out, &err, "--json", "explain", host, NULL, NULL);
    if (rc != 0) {
        PW_FAIL_AT ("explain %s: exit %d: %s", host, rc, err);
        free (out);
        free (err);
        return;
    }
    pw_json_t *json = pw_json_new (out, strlen (out));
    const pw_json_value_t *doc = pw_json_parse (json);
    PW_CHECK (doc != NULL);
    if (doc) {
        const char *agent = s_field (doc, "agent", NULL);
        PW_CHECK (agent && strcasecmp (agent, host) == 0);
        for (size_t i = 0; i < count; i++) {
            const pw_json_value_t *patch = s_patch (doc, rows [i][0]);
            if (!patch) {
                PW_FAIL_AT ("%s: %s not in explain", host, rows [i][0]);
                continue;
            }
            if (strcmp (s_field (patch, "status", NULL), rows [i][1]) ||
                strcmp (s_field (patch, "source", "kind"), rows [i][2]))
                PW_FAIL_AT ("%s %s: %s by %s, expected %s by %s", host, rows [i][0],
                            s_field (patch, "status", NULL), s_field (patch, "source", "kind"),
                            rows [i][1], rows [i][2]);
        }
        const pw_json_value_t *settings = pw_json_get (doc, "settings");
        const pw_json_value_t *update = pw_json_get (settings, "update_window");
        if (window) {
            PW_CHECK_STR (s_field (update, "value", NULL), window);
            PW_CHECK_STR (s_field (update, "source", "policy"), window_policy);
        }
    }
    pw_json_destroy (&json);
    free (out);
    free (err);
}

static void
s_test_explain (void)
{
    static const char *const sql [][3] = {{"KB5030216", "denied", "superseded"},
                                          {"KB5031364", "approved", "rule"},
                                          {"KB5034441", "denied", "override"},
                                          {"KB4535680", "review", "rule"}};
    s_expect ("CONTOSO-SQL01", sql, 4, "SAT-NIGHT", "Patch - SQL first");
    static const char *const app [][3] = {{"KB5031005", "denied", "rule"},
                                          {"KB4535680", "review", "rule"}};
    //  The window comes from the custom field through the template.
    s_expect ("contoso-app01", app, 2, "SAT-2", "Patch - Servers");
    static const char *const ws [][3] = {{"KB5005463", "approved", "rule"}};
    s_expect ("CONTOSO-WS042", ws, 1, NULL, NULL);
    static const char *const fab [][3] = {{"KB5031364", "unmanaged", "none"}};
    s_expect ("FABRIKAM-SRV1", fab, 1, NULL, NULL);

    //  The SQL server's window overrode the template, and says so.
    char *out = NULL, *err = NULL;
    PW_CHECK_INT (s_pwctl (&out, &err, "explain", "CONTOSO-SQL01", NULL, NULL, NULL), 0);
    PW_CHECK (strstr (out, "update_window") && strstr (out, "SAT-NIGHT"));
    PW_CHECK (strstr (out, "overridden: SAT-1"));
    free (out);
    free (err);
    PW_CHECK_INT (s_pwctl (&out, &err, "explain", "NOPE-01", NULL, NULL, NULL), 1);
    PW_CHECK (strstr (err, "no agent \"NOPE-01\""));
    free (out);
    free (err);
    //  The stored results agree with explain.
    PW_CHECK_INT (
        s_count ("SELECT count(*) FROM agent_settings s JOIN agents a USING (tenant_id, agent_id) "
                 "WHERE a.hostname = 'CONTOSO-SQL01' AND s.update_window = 'SAT-NIGHT' "
                 "AND s.patch_policies = '{Baseline,Servers}'"),
        1);
    PW_CHECK_INT (
        s_count ("SELECT count(*) FROM agent_settings s JOIN agents a USING (tenant_id, agent_id) "
                 "WHERE a.hostname = 'CONTOSO-WS042' AND s.manual_patching IS NOT NULL "
                 "AND s.patch_policies = '{Baseline}'"),
        1);
    PW_CHECK_INT (
        s_count ("SELECT count(*) FROM agent_settings s JOIN agents a USING (tenant_id, agent_id) "
                 "WHERE a.hostname = 'FABRIKAM-SRV1' AND NOT s.subscribed"),
        1);
}

static bool s_resolve_ok (void);

//  Sets CONTOSO-APP01's custom fields to the jsonb JSON, as an
//  administrator can, and resolves from the store.
static bool
s_app01_fields (const char *json)
{
    char *sql = pw_sprintf ("WITH u AS (UPDATE agents SET custom_fields = '%s' "
                            "  WHERE tenant_id = 'acme-it' AND hostname = 'CONTOSO-APP01' "
                            "  RETURNING 1) SELECT count(*) FROM u",
                            json);
    bool ok = s_count (sql) == 1 && s_resolve_ok ();
    free (sql);
    return ok;
}

//  Custom fields read as jsonb_each_text gives them: a string decoded
//  (quotes, backslashes), a number as printed; the window template takes
//  them alike. A null or nested value is no field; a value that is not an
//  object, no fields.
static void
s_test_custom_field_values (void)
{
    static const char *const app [][3] = {{"KB5031005", "denied", "rule"},
                                          {"KB4535680", "review", "rule"}};
    PW_CHECK (s_app01_fields ("{\"PatchWindow\": 3, \"Flag\": true, \"Gone\": null, "
                              "\"Nested\": {\"a\": 1}}"));
    s_expect ("contoso-app01", app, 2, "3", "Patch - Servers");
    PW_CHECK (s_app01_fields ("{\"PatchWindow\": \"SAT-\\\"2\\\" \\\\ late\"}"));
    s_expect ("contoso-app01", app, 2, "SAT-\"2\" \\ late", "Patch - Servers");
    //  A null window field is none: the agent leaves the servers' view
    PW_CHECK (s_app01_fields ("{\"PatchWindow\": null}"));
    PW_CHECK_INT (s_count ("SELECT count(*) FROM agent_settings s JOIN agents a "
                           " USING (tenant_id, agent_id) WHERE a.hostname = 'CONTOSO-APP01' "
                           "   AND s.update_window IS NULL"),
                  1);
    //  Not an object at all: the agent has no custom fields, and the tenant
    //  still resolves
    PW_CHECK (s_app01_fields ("[\"SAT-2\"]"));
    PW_CHECK_INT (s_count ("SELECT count(*) FROM agent_settings s JOIN agents a "
                           " USING (tenant_id, agent_id) WHERE a.hostname = 'CONTOSO-APP01' "
                           "   AND s.update_window IS NULL"),
                  1);
    PW_CHECK (s_app01_fields ("{\"PatchWindow\": \"SAT-2\"}"));
    s_expect ("contoso-app01", app, 2, "SAT-2", "Patch - Servers");
}

static void
s_test_review (void)
{
    char *out = NULL, *err = NULL;
    PW_CHECK_INT (s_pwctl (&out, &err, "--json", "review", "list", NULL, NULL), 0);
    PW_CHECK (strstr (out, "\"policy\":\"Servers\",\"items\":[{\"kb\":\"KB4535680\""));
    free (out);
    free (err);
    PW_CHECK_INT (s_pwctl (&out, &err, "review", "approve", "--policy=Nope", "KB4535680", NULL), 1);
    PW_CHECK (strstr (err, "no patch policy \"Nope\""));
    free (out);
    free (err);
    PW_CHECK_INT (s_pwctl (&out, &err, "review", "approve", "--policy=Servers", "--all",
                           "--reason=tested in the lab"),
                  0);
    if (!strstr (out, "Servers: approved 2 KBs; 2 agents affected"))
        PW_FAIL_AT ("review approve said: %s%s", out, err);
    free (out);
    free (err);
    static const char *const sql [][3] = {{"KB4535680", "approved", "rule"}};
    s_expect ("CONTOSO-SQL01", sql, 1, NULL, NULL);
    PW_CHECK_INT (
        s_count ("SELECT count(*) FROM decisions WHERE policy = 'Servers' AND kb = 'KB4535680' "
                 "AND decided_by = 'alice@msp' AND reason = 'tested in the lab'"),
        1);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM patch_status WHERE status = 'review'"), 0);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM events WHERE kind = 'decision.approve' "
                           "AND subject = 'Servers/KB4535680' AND actor = 'alice@msp'"),
                  1);
    //  Events have gap-free sequence numbers per producer.
    PW_CHECK_INT (s_count ("SELECT max(seq) - count(*) FROM events WHERE producer = 'policy'"), 0);
    PW_CHECK_INT (s_pwctl (&out, &err, "review", "list", NULL, NULL, NULL), 0);
    PW_CHECK (strstr (out, "Servers: 0 waiting for review"));
    free (out);
    free (err);
}

static void
s_test_dependencies_file (void)
{
    //  Dependencies in a file of their own, applied with the setup.
    char *out = NULL, *err = NULL;
    PW_CHECK_INT (s_pwctl (&out, &err, "apply", "-f", "tests/data/policy/setup.yaml",
                           "tests/data/policy/dependencies.yaml", NULL),
                  0);
    PW_CHECK (strstr (out, "policy:    applied: nothing changed"));
    if (*err)
        fprintf (stderr, "    %s", err);
    free (out);
    free (err);
}

//  Two instances side by side resolving the same tenant at once: their
//  writes are serialized per tenant, so both succeed and the store holds
//  one row per agent.
static void
s_test_instances_side_by_side (void)
{
    pw_itest_service_t second;
    if (pw_itest_service_start (&second, "policy", s_db_url, NULL)) {
        PW_FAIL_AT ("second policy instance did not start");
        return;
    }
    for (int round = 0; round < 5; round++) {
        pid_t child = fork ();
        if (child == 0) {
            pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
            Patchwarden__V1__ResolveRequest resolve = PATCHWARDEN__V1__RESOLVE_REQUEST__INIT;
            request.tenant = "acme-it";
            request.call_case = PATCHWARDEN__V1__REQUEST__CALL_RESOLVE;
            request.resolve = &resolve;
            pw_reply_t *reply = pw_itest_call (second.router, &request, 20000);
            int ok = reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK;
            if (reply && !ok)
                fprintf (stderr, "    second instance: %s\n", reply->message);
            pw_reply_free (&reply);
            _exit (ok ? 0 : 1);
        }
        pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
        Patchwarden__V1__ResolveRequest resolve = PATCHWARDEN__V1__RESOLVE_REQUEST__INIT;
        request.tenant = "acme-it";
        request.call_case = PATCHWARDEN__V1__REQUEST__CALL_RESOLVE;
        request.resolve = &resolve;
        pw_reply_t *reply = pw_itest_call (s_policy.router, &request, 20000);
        if (!reply || reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK)
            PW_FAIL_AT ("round %d: first instance: %s", round, reply ? reply->message : "no reply");
        pw_reply_free (&reply);
        int status = 0;
        waitpid (child, &status, 0);
        if (!WIFEXITED (status) || WEXITSTATUS (status) != 0)
            PW_FAIL_AT ("round %d: second instance failed", round);
    }
    PW_CHECK_INT (s_count ("SELECT count(*) FROM agent_settings"), 6);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM patch_status"), 9);
    PW_CHECK_INT (pw_itest_service_stop (&second), 0);
}

static bool
s_resolve_ok (void)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__ResolveRequest resolve = PATCHWARDEN__V1__RESOLVE_REQUEST__INIT;
    request.tenant = "acme-it";
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_RESOLVE;
    request.resolve = &resolve;
    pw_reply_t *reply = pw_itest_call (s_policy.router, &request, 20000);
    bool ok = reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK;
    pw_reply_free (&reply);
    return ok;
}

#define S_STATUS_DIGEST                                                                            \
    "SELECT md5(string_agg(concat_ws(':', agent_id, patch_id, status, until, source_kind,"         \
    " source_policy, source_rule), ',' ORDER BY agent_id, patch_id)) FROM patch_status"
#define S_SETTINGS_DIGEST                                                                          \
    "SELECT md5(string_agg(concat_ws(':', agent_id, subscribed, patch_policies, scan,"             \
    " update_window, reboot, pre_tasks, post_tasks, health_check, manual_patching, overridden),"   \
    " ',' ORDER BY agent_id)) FROM agent_settings"

//  A full resolve compares with the store: with current results it writes
//  nothing; after results were edited, removed or added behind its back it
//  rewrites exactly the rows concerned (settings or statuses, per agent) and
//  the store matches again.
static void
s_test_resolve_repairs (void)
{
    PW_CHECK (s_resolve_ok ());
    char *statuses = s_text (S_STATUS_DIGEST), *settings = s_text (S_SETTINGS_DIGEST);
    char *mark = s_text ("SELECT max(resolved_at) FROM agent_settings");
    PW_CHECK (statuses && settings && mark && *mark);
    if (!statuses || !settings || !mark) {
        free (statuses), free (settings), free (mark);
        return;
    }
    //  Every agent has the profile the store's own functions give it
    PW_CHECK_INT (s_count ("SELECT count(*) FROM agents a LEFT JOIN agent_profiles ap"
                           " USING (tenant_id, agent_id) JOIN agent_settings s"
                           " USING (tenant_id, agent_id)"
                           " WHERE ap.profile_id IS DISTINCT FROM pw_profile_id(pw_profile_key("
                           " s.subscribed, ARRAY(SELECT p FROM unnest(s.patch_policies) p"
                           " WHERE EXISTS (SELECT 1 FROM patch_policies pp"
                           " WHERE pp.tenant_id = s.tenant_id AND pp.name = p)),"
                           " a.ignored_kbs))"),
                  0);
    PW_CHECK (s_count ("SELECT count(DISTINCT profile_id) FROM agent_profiles") >= 2);
    //  Some (profile, patch) keys stand for several agents' statuses
    PW_CHECK (s_count ("SELECT count(*) FROM (SELECT 1 FROM patch_status s"
                       " JOIN agent_profiles ap USING (tenant_id, agent_id)"
                       " GROUP BY ap.profile_id, s.patch_id HAVING count(*) >= 2) k") > 0);
    zclock_sleep (20);
    const char *facts = "SELECT coalesce(max(version), 0) FROM facts_version"
                        " WHERE counter = 'facts'";
    long facts_before = s_count (facts);
    PW_CHECK (s_resolve_ok ());
    char sql [512];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM agent_settings WHERE resolved_at > '%s'",
              mark);
    PW_CHECK_INT (s_count (sql), 0);
    //  No status was written either
    PW_CHECK_INT (s_count (facts), facts_before);
    //  Edited behind the service's back: the status of one patch in one
    //  profile changed and another removed (on every agent of the profile
    //  that misses it), one agent moved to a profile of its own, one
    //  agent's settings, and a status no agent needs added
    const char *keys = "(SELECT profile_id, patch_id FROM profile_status"
                       " ORDER BY profile_id, patch_id LIMIT 1)"
                       " UNION ALL (SELECT profile_id, patch_id FROM profile_status"
                       " ORDER BY profile_id DESC, patch_id DESC LIMIT 1)";
    char expected_sql [1024];
    snprintf (expected_sql, sizeof expected_sql,
              "SELECT count(DISTINCT agent_id) FROM (SELECT s.agent_id FROM patch_status s"
              " JOIN agent_profiles ap USING (tenant_id, agent_id)"
              " WHERE (ap.profile_id, s.patch_id) IN (%s)"
              " UNION SELECT max(agent_id) FROM patch_status) x",
              keys);
    long expected = s_count (expected_sql);
    PW_CHECK (expected >= 2);
    char *done = s_text ("UPDATE profile_status p SET status = 'denied', source_kind = 'manual'"
                         " FROM (SELECT profile_id, patch_id FROM profile_status"
                         " ORDER BY profile_id, patch_id LIMIT 1) k"
                         " WHERE (p.profile_id, p.patch_id) = (k.profile_id, k.patch_id)");
    PW_CHECK_STR (done, "1");
    free (done);
    done =
        s_text ("DELETE FROM profile_status WHERE (profile_id, patch_id) = (SELECT profile_id,"
                " patch_id FROM profile_status ORDER BY profile_id DESC, patch_id DESC LIMIT 1)");
    PW_CHECK_STR (done, "1");
    free (done);
    done = s_text ("UPDATE agent_profiles SET profile_id = 12345"
                   " WHERE agent_id = (SELECT max(agent_id) FROM patch_status)");
    PW_CHECK_STR (done, "1");
    free (done);
    done = s_text ("UPDATE agent_settings SET scan = 'tampered' WHERE agent_id ="
                   " (SELECT min(agent_id) FROM agent_settings WHERE agent_id NOT IN"
                   " (SELECT agent_id FROM patch_status))");
    PW_CHECK_STR (done, "1");
    free (done);
    done =
        s_text ("INSERT INTO profile_status (tenant_id, profile_id, patch_id, status, source_kind)"
                " SELECT tenant_id, 67890, min(patch_id), 'approved', 'default' FROM patches"
                " GROUP BY tenant_id");
    PW_CHECK_STR (done, "1");
    free (done);
    char *edited = s_text (S_STATUS_DIGEST);
    PW_CHECK (edited && strcmp (edited, statuses) != 0);
    free (edited);
    PW_CHECK (s_resolve_ok ());
    char *after = s_text (S_STATUS_DIGEST);
    PW_CHECK_STR (after, statuses);
    free (after);
    after = s_text (S_SETTINGS_DIGEST);
    PW_CHECK_STR (after, settings);
    free (after);
    //  Settings are rewritten for the one agent whose settings were
    //  edited; statuses for the agents whose statuses were (those of the
    //  two profiles that miss the two patches, and the moved one), and the
    //  status writes named exactly those agents for the audit; the status
    //  no agent needs is gone
    PW_CHECK_INT (s_count (sql), 1);
    long declared = s_count ("SELECT cardinality(agents) FROM facts_changes WHERE tenant_id ="
                             " (SELECT tenant_id FROM agent_settings LIMIT 1)"
                             " ORDER BY version DESC LIMIT 1");
    PW_CHECK_INT (declared, expected);
    PW_CHECK_INT (
        s_count ("SELECT count(*) FROM profile_status WHERE profile_id IN (12345, 67890)"), 0);
    PW_CHECK_INT (
        s_count ("SELECT count(*) FROM agent_profiles WHERE profile_id IN (12345, 67890)"), 0);
    free (statuses);
    free (settings);
    free (mark);
}

//  A first resolution (the store holds none of the tenant's results, so
//  every agent's settings are staged as they are resolved) stores what a
//  comparing resolution stores: the same settings and statuses, and a
//  resolve right after it finds nothing to write.
static void
s_test_first_resolution (void)
{
    char *statuses = s_text (S_STATUS_DIGEST), *settings = s_text (S_SETTINGS_DIGEST);
    PW_CHECK (statuses && settings && *settings);
    char *done = s_text ("DELETE FROM agent_settings WHERE tenant_id = 'acme-it'");
    PW_CHECK (done && atol (done) >= 6);
    free (done);
    free (s_text ("DELETE FROM agent_profiles WHERE tenant_id = 'acme-it'"));
    free (s_text ("DELETE FROM profile_status WHERE tenant_id = 'acme-it'"));
    PW_CHECK (s_resolve_ok ());
    char *after = s_text (S_SETTINGS_DIGEST);
    PW_CHECK_STR (after ? after : "", settings ? settings : "-");
    free (after);
    after = s_text (S_STATUS_DIGEST);
    PW_CHECK_STR (after ? after : "", statuses ? statuses : "-");
    free (after);
    char *mark = s_text ("SELECT max(resolved_at) FROM agent_settings");
    const char *facts = "SELECT coalesce(max(version), 0) FROM facts_version"
                        " WHERE counter = 'facts'";
    long facts_before = s_count (facts);
    zclock_sleep (20);
    PW_CHECK (s_resolve_ok ());
    char sql [256];
    snprintf (sql, sizeof sql, "SELECT count(*) FROM agent_settings WHERE resolved_at > '%s'",
              mark ? mark : "infinity");
    PW_CHECK_INT (s_count (sql), 0);
    PW_CHECK_INT (s_count (facts), facts_before);
    free (mark);
    free (statuses);
    free (settings);
}

//  Patches a rule approves 7 days after their release (Baseline's update
//  rollups), released two days ago: deferred until its release plus 7 days, to the second, as stored
//  (the until of a deferral is written with the status).
static void
s_test_deferred_until (void)
{
    char *done = s_text ("WITH moved AS (UPDATE patches SET classification = 'update_rollup',"
                         " released_at = date_trunc ('second', now ()) - interval '2 days'"
                         " WHERE patch_id IN (SELECT patch_id FROM patch_status"
                         " WHERE status = 'approved') RETURNING 1)"
                         " SELECT count(*) FROM moved");
    PW_CHECK (done && atol (done) > 0);
    free (done);
    PW_CHECK (s_resolve_ok ());
    PW_CHECK (s_count ("SELECT count(*) FROM patch_status ps JOIN patches p"
                       " USING (tenant_id, patch_id) WHERE ps.status = 'deferred'"
                       " AND ps.until = p.released_at + interval '7 days'") > 0);
    PW_CHECK_INT (s_count ("SELECT count(*) FROM patch_status ps JOIN patches p"
                           " USING (tenant_id, patch_id) WHERE (ps.status = 'deferred')"
                           " <> (ps.until IS NOT NULL) OR ps.until <= now ()"
                           " OR extract (epoch FROM ps.until - p.released_at)::bigint"
                           " NOT IN (7 * 86400, 14 * 86400)"),
                  0);
}

//  An agent's failed patches on both sides of its missing one (the store
//  lists each kind in id order): its patches are read in id order all the
//  same, each with its status.
static void
s_test_scan_order (void)
{
    char *done = s_text ("INSERT INTO scan_states (tenant_id, agent_id, patch_id, state,"
                         " scanned_at) SELECT a.tenant_id, a.agent_id, min (p.patch_id),"
                         " 'failed', now () FROM agents a JOIN patches p USING (tenant_id)"
                         " WHERE a.hostname = 'CONTOSO-APP01' GROUP BY 1, 2"
                         " ON CONFLICT (tenant_id, agent_id, patch_id)"
                         " DO UPDATE SET state = 'failed'");
    PW_CHECK_STR (done, "1");
    free (done);
    char *expected = s_text ("SELECT string_agg (p.kb || ':' || s.state, ',' ORDER BY p.patch_id)"
                             "  FROM scan_states s JOIN patches p USING (tenant_id, patch_id)"
                             "  JOIN agents a USING (tenant_id, agent_id)"
                             " WHERE a.hostname = 'CONTOSO-APP01'"
                             "   AND s.state IN ('missing', 'failed')");
    PW_CHECK (expected && strstr (expected, ":missing,") && strstr (expected, ":failed,"));
    PW_CHECK (s_resolve_ok ());
    char *out = NULL, *err = NULL;
    PW_CHECK_INT (s_pwctl (&out, &err, "--json", "explain", "CONTOSO-APP01", NULL, NULL), 0);
    pw_json_t *json = pw_json_new (out ? out : "", out ? strlen (out) : 0);
    const pw_json_value_t *doc = pw_json_parse (json);
    const pw_json_value_t *patches = doc ? pw_json_get (doc, "patches") : NULL;
    pw_strbuf_t seen;
    pw_strbuf_init (&seen);
    for (size_t i = 0; patches && i < pw_json_size (patches); i++) {
        const pw_json_value_t *patch = pw_json_at (patches, i);
        pw_strbuf_appendf (&seen, "%s%s:%s", i ? "," : "", s_field (patch, "kb", NULL),
                           s_field (patch, "scan_state", NULL));
        const char *status = s_field (patch, "status", NULL);
        PW_CHECK (status && strcmp (status, "unmanaged") != 0);
    }
    PW_CHECK_STR (seen.data ? seen.data : "", expected ? expected : "-");
    pw_strbuf_free (&seen);
    pw_json_destroy (&json);
    free (expected);
    free (out);
    free (err);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    if (!pw_itest_available ())
        return PW_TEST_END ();
    zsys_init ();
    zsys_set_logstream (NULL);
    s_db_url = pw_itest_db_create ("pw_test_policy");
    if (!s_db_url || pw_itest_service_start (&s_policy, "policy", s_db_url, NULL) ||
        pw_itest_service_start (&s_scheduler, "scheduler", s_db_url, NULL)) {
        PW_RUN (s_test_apply);
        return PW_TEST_END ();
    }
    snprintf (s_policy_ep, sizeof s_policy_ep, "--policy-endpoint=%s", s_policy.router);
    snprintf (s_scheduler_ep, sizeof s_scheduler_ep, "--scheduler-endpoint=%s", s_scheduler.router);
    PW_RUN (s_test_bad_setup);
    PW_RUN (s_test_apply);
    PW_RUN (s_test_import);
    PW_RUN (s_test_explain);
    PW_RUN (s_test_custom_field_values);
    PW_RUN (s_test_review);
    PW_RUN (s_test_dependencies_file);
    PW_RUN (s_test_instances_side_by_side);
    PW_RUN (s_test_resolve_repairs);
    PW_RUN (s_test_first_resolution);
    PW_RUN (s_test_deferred_until);
    PW_RUN (s_test_scan_order);
    PW_CHECK (pw_itest_service_alive (&s_policy));
    pw_itest_service_stop (&s_policy);
    pw_itest_service_stop (&s_scheduler);
    free (s_db_url);
    return PW_TEST_END ();
}
