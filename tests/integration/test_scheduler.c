/*  test_scheduler - the scheduler service over the wire against a real
    PostgreSQL: schedule_apply (valid, invalid, twice, unknown agents),
    the Saturday-night plan through the `plan` call and `pwctl plan`,
    chains deeper than the group, dependency cycles, the stored plan rows
    the audit reads, re-planning on a policy event, and 5,000 agents.

    Agents, orgs and effective settings are seeded with SQL as the
    superuser, the way the policy service would leave them.
*/
#include <unistd.h>

#include "pw_itest.h"
#include "pw_util.h"
#include "../pw_test.h"

static char *s_db_url;
static PGconn *s_admin;
static pw_itest_service_t s_scheduler;
static zsock_t *s_policy_pub;
static char s_policy_ep [64];
static char s_scheduler_ep [96];

//  --- helpers --------------------------------------------------------------

static void
s_sql (const char *sql)
{
    PGresult *res = PQexec (s_admin, sql);
    if (PQresultStatus (res) != PGRES_COMMAND_OK && PQresultStatus (res) != PGRES_TUPLES_OK)
        PW_FAIL_AT ("seed failed: %s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
}

//  The first column of the first row of SQL (caller frees), "" when none.
static char *
s_value (const char *sql)
{
    PGresult *res = PQexec (s_admin, sql);
    char *value = pw_strdup (
        PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) ? PQgetvalue (res, 0, 0) : "");
    if (PQresultStatus (res) != PGRES_TUPLES_OK)
        PW_FAIL_AT ("query failed: %s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
    return value;
}

static void
s_check_value (const char *sql, const char *expected, int line)
{
    char *value = s_value (sql);
    if (strcmp (value, expected) != 0)
        PW_FAIL_AT ("line %d: %s gave \"%s\", expected \"%s\"", line, sql, value, expected);
    free (value);
}
#define CHECK_SQL(sql, expected) s_check_value (sql, expected, __LINE__)

static pw_reply_t *
s_apply (const char *tenant, const char *yaml, bool dry_run)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__ApplyRequest apply = PATCHWARDEN__V1__APPLY_REQUEST__INIT;
    apply.yaml = (char *)yaml;
    apply.filename = "setup.yaml";
    apply.dry_run = dry_run;
    request.tenant = (char *)tenant;
    request.actor = "itest@msp";
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_SCHEDULE_APPLY;
    request.schedule_apply = &apply;
    pw_reply_t *reply = pw_itest_call (s_scheduler.router, &request, 10000);
    if (!reply)
        PW_FAIL_AT ("schedule_apply: no reply");
    return reply;
}

static pw_reply_t *
s_plan (const char *tenant, const char *cycle, const char *org, const char *window, bool recompute)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__PlanRequest plan = PATCHWARDEN__V1__PLAN_REQUEST__INIT;
    plan.cycle = (char *)cycle;
    plan.org = (char *)(org ? org : "");
    plan.window = (char *)(window ? window : "");
    plan.recompute = recompute;
    request.tenant = (char *)tenant;
    request.actor = "itest@msp";
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_PLAN;
    request.plan = &plan;
    pw_reply_t *reply = pw_itest_call (s_scheduler.router, &request, 20000);
    if (!reply)
        PW_FAIL_AT ("plan: no reply");
    else if (reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK)
        PW_FAIL_AT ("plan: %s: %s", pw_wire_status_name (reply->status), reply->message);
    return reply;
}

//  Frees a reply that was only asked for its side effects.
static void
s_done (pw_reply_t *reply)
{
    pw_reply_free (&reply);
}

static const char *
s_json (const pw_reply_t *reply)
{
    return reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PLAN ? reply->plan->json
                                                                              : "";
}

#define CHECK_HAS(text, needle)                                                                    \
    do {                                                                                           \
        if (!strstr ((text), (needle)))                                                            \
            PW_FAIL_AT ("missing %s in %s", (needle), (text));                                     \
    } while (0)

//  --- the Saturday night of docs/scheduling.md -----------------------------

static const char *s_saturday =
    "tenant: acme\n"
    "orgs:\n"
    "  - {name: contoso, timezone: Europe/Berlin}\n"
    "cycle: {kind: monthly, anchor: patch_tuesday}\n"
    "windows:\n"
    "  - {name: SAT-1, offset_days: 4, start: \"22:00\", duration: 50m, capacity: 2, group: "
    "SAT-NIGHT, position: 1}\n"
    "  - {name: SAT-2, offset_days: 4, start: \"22:50\", duration: 50m, capacity: 2, group: "
    "SAT-NIGHT, position: 2}\n"
    "  - {name: SAT-3, offset_days: 4, start: \"23:40\", duration: 50m, capacity: 2, group: "
    "SAT-NIGHT, position: 3}\n"
    "  - {name: SAT-4, offset_days: 5, start: \"00:30\", duration: 50m, capacity: 2, group: "
    "SAT-NIGHT, position: 4}\n"
    "  - {name: SAT-5, offset_days: 5, start: \"01:20\", duration: 50m, capacity: 2, group: "
    "SAT-NIGHT, position: 5}\n"
    "  - {name: SAT-6, offset_days: 5, start: \"02:10\", duration: 50m, capacity: 2, group: "
    "SAT-NIGHT, position: 6}\n"
    "window_groups:\n"
    "  - {name: SAT-NIGHT, failure_policy: hold_dependents, error_budget: \"10%\"}\n"
    "blackouts:\n"
    "  - {org: contoso, from: 2024-12-23, to: 2025-01-02, reason: year-end freeze}\n"
    "dependencies:\n"
    "  - {agent: SQL01, after: [DC01, DC02]}\n"
    "  - {agent: APP01, after: [SQL01]}\n"
    "  - {agent: APP02, after: [SQL01]}\n"
    "  - {agent: WEB01, after: [APP01, APP02]}\n";

static void
s_seed (void)
{
    s_sql ("INSERT INTO tenants VALUES ('acme'), ('chain'), ('cyc'), ('big')");
    s_sql ("INSERT INTO orgs (tenant_id, name, timezone) VALUES ('acme', 'contoso', "
           "'Europe/Berlin'), ('acme', 'fabrikam', 'America/New_York'), ('chain', 'contoso', "
           "'Europe/Berlin'), ('cyc', 'contoso', 'Europe/Berlin'), ('big', 'contoso', "
           "'Europe/Berlin')");
    s_sql (
        "INSERT INTO agents (tenant_id, hostname, org, class, expected_minutes) VALUES "
        "('acme', 'DC01', 'contoso', 'server', 20), ('acme', 'DC02', 'contoso', 'server', 20),"
        "('acme', 'SQL01', 'contoso', 'server', 45), ('acme', 'APP01', 'contoso', 'server', 30),"
        "('acme', 'APP02', 'contoso', 'server', 30), ('acme', 'WEB01', 'contoso', 'server', 20),"
        "('acme', 'FILE01', 'contoso', 'server', 25), ('acme', 'LOB01', 'fabrikam', 'server', 30)");
    s_sql ("INSERT INTO agents (tenant_id, hostname, org, class, expected_minutes) "
           "SELECT 'chain', 'C' || i, 'contoso', 'server', 15 FROM generate_series (1, 9) i");
    s_sql ("INSERT INTO agents (tenant_id, hostname, org, class, expected_minutes) VALUES "
           "('cyc', 'A1', 'contoso', 'server', 20), ('cyc', 'A2', 'contoso', 'server', 20),"
           "('cyc', 'B1', 'contoso', 'server', 20), ('cyc', 'B2', 'contoso', 'server', 20),"
           "('cyc', 'B3', 'contoso', 'server', 20)");
    s_sql ("INSERT INTO agents (tenant_id, hostname, org, class, expected_minutes) "
           "SELECT 'big', 'SRV' || lpad (i::text, 5, '0'), 'contoso', 'server', 10 + i % 50 "
           "FROM generate_series (1, 5000) i");
    s_sql ("INSERT INTO agent_settings (tenant_id, agent_id, subscribed, scan, update_window, "
           "health_check) SELECT tenant_id, agent_id, true, 'mon 04:00', 'SAT-NIGHT', "
           "'agent_checkin timeout=900' FROM agents");
    //  LOB01 is patched by hand; it still has a window.
    s_sql ("UPDATE agent_settings SET manual_patching = 'the LOB vendor patches it' "
           "WHERE agent_id = (SELECT agent_id FROM agents WHERE hostname = 'LOB01')");
}

static void
s_test_saturday_night (void)
{
    pw_reply_t *reply = s_apply ("acme", s_saturday, true);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_SCHEDULE_APPLY) {
        PW_CHECK (reply->schedule_apply->dry_run);
        PW_CHECK_INT (reply->schedule_apply->n_changed_sections, 5);
    }
    pw_reply_free (&reply);
    CHECK_SQL ("SELECT count(*) FROM windows WHERE tenant_id = 'acme'", "0");

    reply = s_apply ("acme", s_saturday, false);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_SCHEDULE_APPLY) {
        PW_CHECK_INT (reply->schedule_apply->n_changed_sections, 5);
        PW_CHECK_INT (reply->schedule_apply->n_errors, 0);
        CHECK_HAS (reply->schedule_apply->summary, "applied cycle, windows, window_groups");
    }
    pw_reply_free (&reply);
    CHECK_SQL ("SELECT count(*) FROM windows WHERE tenant_id = 'acme'", "6");
    CHECK_SQL ("SELECT count(*) FROM dependencies WHERE tenant_id = 'acme'", "6");
    CHECK_SQL ("SELECT budget_kind || ' ' || budget_value FROM window_groups", "percent 10");
    CHECK_SQL ("SELECT payload->>'sections' FROM events WHERE tenant_id = 'acme' AND producer = "
               "'scheduler' AND kind = 'setup.applied'",
               "[\"cycle\", \"windows\", \"window_groups\", \"blackouts\", \"dependencies\"]");

    //  June 2024: Patch Tuesday on the 11th, Saturday the 15th; Berlin is
    //  on CEST (UTC+2).
    reply = s_plan ("acme", "2024-06", NULL, NULL, false);
    const char *json = s_json (reply);
    CHECK_HAS (json,
               "{\"cycle\":\"2024-06\",\"instances\":[{\"window\":\"SAT-1\","
               "\"group\":\"SAT-NIGHT\",\"position\":1,\"start_utc\":\"2024-06-15T20:00:00Z\","
               "\"end_utc\":\"2024-06-15T20:50:00Z\",\"start_local\":\"2024-06-15 22:00 CEST\","
               "\"tz\":\"Europe/Berlin\",\"waves\":[[\"DC01\",\"DC02\"]]}");
    CHECK_HAS (json, "\"window\":\"SAT-2\",\"group\":\"SAT-NIGHT\",\"position\":2,"
                     "\"start_utc\":\"2024-06-15T20:50:00Z\"");
    CHECK_HAS (json, "\"waves\":[[\"FILE01\",\"SQL01\"]]");
    CHECK_HAS (json, "\"window\":\"SAT-3\"");
    CHECK_HAS (json, "\"waves\":[[\"APP01\",\"APP02\"]]");
    CHECK_HAS (json, "\"start_local\":\"2024-06-16 00:30 CEST\",\"tz\":\"Europe/Berlin\","
                     "\"waves\":[[\"WEB01\"]]");
    CHECK_HAS (json, "\"unscheduled\":[{\"agent\":\"LOB01\",\"reason\":\"manual patching: the "
                     "LOB vendor patches it\"}],\"violations\":[]");
    CHECK_HAS (json, "{\"agent\":\"SQL01\",\"at_utc\":\"2024-06-10T02:00:00Z\"}");
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PLAN) {
        PW_CHECK_INT (reply->plan->planned, 7);
        PW_CHECK_INT (reply->plan->unscheduled, 1);
        PW_CHECK_INT (reply->plan->violations, 0);
        PW_CHECK (reply->plan->persist_us > 0);
    }
    pw_reply_free (&reply);

    //  What the audit reads.
    CHECK_SQL ("SELECT planned || '/' || unscheduled || '/' || violations FROM plans WHERE "
               "tenant_id = 'acme' AND cycle = '2024-06'",
               "7/1/0");
    CHECK_SQL (
        "SELECT string_agg (hostname || ':' || \"window\" || ':' || position || ':' || wave, "
        "' ' ORDER BY start_utc, hostname) FROM plan_agents WHERE tenant_id = 'acme' AND "
        "cycle = '2024-06' AND status = 'planned'",
        "DC01:SAT-1:1:1 DC02:SAT-1:1:1 FILE01:SAT-2:2:1 SQL01:SAT-2:2:1 APP01:SAT-3:3:1 "
        "APP02:SAT-3:3:1 WEB01:SAT-4:4:1");
    CHECK_SQL ("SELECT to_char (end_utc AT TIME ZONE 'UTC', 'HH24:MI') FROM plan_agents WHERE "
               "hostname = 'SQL01' AND cycle = '2024-06'",
               "21:35");
    CHECK_SQL ("SELECT health_timeout_s FROM plan_agents WHERE hostname = 'WEB01' AND cycle = "
               "'2024-06'",
               "900");
    CHECK_SQL ("SELECT payload->>'planned' FROM events WHERE tenant_id = 'acme' AND kind = "
               "'plan.ready' AND subject = '2024-06'",
               "7");

    //  A fresh plan is not stored again; recompute forces it.
    reply = s_plan ("acme", "2024-06", NULL, NULL, false);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PLAN)
        PW_CHECK_INT (reply->plan->persist_us, 0);
    pw_reply_free (&reply);
    reply = s_plan ("acme", "2024-06", NULL, NULL, true);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PLAN)
        PW_CHECK (reply->plan->persist_us > 0);
    pw_reply_free (&reply);

    //  Filters change the output only.
    reply = s_plan ("acme", "2024-06", NULL, "SAT-3", false);
    json = s_json (reply);
    CHECK_HAS (json, "\"instances\":[{\"window\":\"SAT-3\"");
    PW_CHECK (strstr (json, "SAT-1") == NULL);
    PW_CHECK (strstr (json, "DC01") == NULL);
    pw_reply_free (&reply);
    reply = s_plan ("acme", "2024-06", "fabrikam", NULL, false);
    CHECK_HAS (s_json (reply), "\"instances\":[],\"unscheduled\":[{\"agent\":\"LOB01\"");
    pw_reply_free (&reply);
}

static void
s_test_bad_cycle (void)
{
    pw_request_t request = PATCHWARDEN__V1__REQUEST__INIT;
    Patchwarden__V1__PlanRequest plan = PATCHWARDEN__V1__PLAN_REQUEST__INIT;
    plan.cycle = "2024-13";
    request.tenant = "acme";
    request.call_case = PATCHWARDEN__V1__REQUEST__CALL_PLAN;
    request.plan = &plan;
    pw_reply_t *reply = pw_itest_call (s_scheduler.router, &request, 5000);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_INVALID);
    if (reply)
        CHECK_HAS (reply->message, "2024-13");
    pw_reply_free (&reply);
}

static void
s_test_pwctl_plan (void)
{
    const char *args [] = {s_scheduler_ep, "--tenant=acme", "plan", "--cycle=2024-06", NULL};
    char *out = NULL, *err = NULL;
    PW_CHECK_INT (pw_itest_pwctl (args, &out, &err), 0);
    CHECK_HAS (out, "plan 2024-06: 7 planned, 1 unscheduled, 0 violations");
    CHECK_HAS (out, "SAT-1  SAT-NIGHT/1  2024-06-15 22:00 CEST  2024-06-15T20:00:00Z");
    CHECK_HAS (out, "  wave 1: DC01, DC02\n");
    CHECK_HAS (out, "  wave 1: WEB01\n");
    CHECK_HAS (out, "SAT-6  SAT-NIGHT/6");
    CHECK_HAS (out, "UNSCHEDULED\n  LOB01");
    //  In time order.
    PW_CHECK (strstr (out, "SAT-1") < strstr (out, "SAT-2"));
    PW_CHECK (strstr (out, "SAT-4") < strstr (out, "SAT-5"));
    PW_CHECK_STR (err, "");
    free (out);
    free (err);

    const char *json_args [] = {s_scheduler_ep,    "--tenant=acme",      "--json", "plan",
                                "--cycle=2024-06", "--window=SAT-NIGHT", NULL};
    PW_CHECK_INT (pw_itest_pwctl (json_args, &out, &err), 0);
    PW_CHECK (strncmp (out, "{\"cycle\":\"2024-06\",\"instances\":[{\"window\":\"SAT-1\"", 48) ==
              0);
    free (out);
    free (err);

    const char *bad_args [] = {s_scheduler_ep, "--tenant=acme", "plan", "--cycle=June", NULL};
    PW_CHECK_INT (pw_itest_pwctl (bad_args, &out, &err), 1);
    CHECK_HAS (err, "pwctl: plan: ");
    PW_CHECK (strchr (err, '\n') == err + strlen (err) - 1);
    PW_CHECK_STR (out, "");
    free (out);
    free (err);
}

static void
s_test_apply_twice (void)
{
    pw_reply_t *reply = s_apply ("acme", s_saturday, false);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_SCHEDULE_APPLY) {
        PW_CHECK_INT (reply->schedule_apply->n_changed_sections, 0);
        PW_CHECK_STR (reply->schedule_apply->summary, "scheduler: nothing to change");
    }
    pw_reply_free (&reply);
    CHECK_SQL ("SELECT count(*) FROM events WHERE tenant_id = 'acme' AND kind = 'setup.applied'",
               "1");
}

static void
s_test_bad_setup (void)
{
    const char *bad = "tenant: acme\n"
                      "windows:\n"
                      "  - {name: SAT-1, offset_days: 4, start: \"25:00\", duration: 1h, "
                      "capacity: 2}\n"
                      "  - {name: SAT-2, offset_days: 4, start: \"23:00\", duration: 1h, "
                      "capacity: 2, colour: red}\n";
    pw_reply_t *reply = s_apply ("acme", bad, false);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_INVALID);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_SCHEDULE_APPLY) {
        Patchwarden__V1__ApplyReply *apply = reply->schedule_apply;
        PW_CHECK_INT (apply->n_errors, 2);
        if (apply->n_errors == 2) {
            PW_CHECK_STR (apply->errors [0]->path, "windows[0].start");
            PW_CHECK_INT (apply->errors [0]->line, 3);
            PW_CHECK_STR (apply->errors [1]->path, "windows[1].colour");
            PW_CHECK_INT (apply->errors [1]->line, 4);
        }
        CHECK_HAS (reply->message, "setup.yaml: 2 errors, nothing applied");
    }
    pw_reply_free (&reply);
    //  A file for another tenant, and a YAML syntax error.
    reply = s_apply ("acme", "tenant: other\nwindows: []\n", false);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_INVALID);
    pw_reply_free (&reply);
    reply = s_apply ("acme", "windows: [\n  {name: : :\n", false);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_INVALID);
    pw_reply_free (&reply);
    CHECK_SQL ("SELECT count(*) FROM windows WHERE tenant_id = 'acme'", "6");
    CHECK_SQL ("SELECT count(*) FROM events WHERE tenant_id = 'acme' AND kind = 'setup.applied'",
               "1");
    PW_CHECK (pw_itest_service_alive (&s_scheduler));
}

static void
s_test_unknown_agents (void)
{
    const char *yaml =
        "tenant: acme\n"
        "windows:\n"
        "  - {name: W1, offset_days: 1, start: \"10:00\", duration: 2h, capacity: 5}\n"
        "dependencies:\n"
        "  - {agent: APP01, after: [GHOST01]}\n"
        "  - {agent: GHOST02, after: [SQL01, chain-C1]}\n";
    pw_reply_t *reply = s_apply ("acme", yaml, true);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_INVALID);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_SCHEDULE_APPLY) {
        Patchwarden__V1__ApplyReply *apply = reply->schedule_apply;
        PW_CHECK_INT (apply->n_errors, 3);
        if (apply->n_errors == 3) {
            PW_CHECK_STR (apply->errors [0]->path, "dependencies[0].after[0]");
            CHECK_HAS (apply->errors [0]->message, "unknown agent \"GHOST01\"");
            PW_CHECK_INT (apply->errors [0]->line, 5);
            PW_CHECK_STR (apply->errors [1]->path, "dependencies[1].agent");
            PW_CHECK_STR (apply->errors [2]->path, "dependencies[1].after[1]");
        }
    }
    pw_reply_free (&reply);
    //  Agents of another tenant are unknown here too.
    reply =
        s_apply ("acme", "tenant: acme\ndependencies:\n  - {agent: APP01, after: [C1]}\n", false);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_INVALID);
    pw_reply_free (&reply);
    CHECK_SQL ("SELECT count(*) FROM windows WHERE tenant_id = 'acme'", "6");
    CHECK_SQL ("SELECT count(*) FROM dependencies WHERE tenant_id = 'acme'", "6");
}

static const char *s_six_windows =
    "windows:\n"
    "  - {name: N1, offset_days: 4, start: \"22:00\", duration: 1h, capacity: 10, group: NIGHT, "
    "position: 1}\n"
    "  - {name: N2, offset_days: 4, start: \"23:00\", duration: 1h, capacity: 10, group: NIGHT, "
    "position: 2}\n"
    "  - {name: N3, offset_days: 5, start: \"00:00\", duration: 1h, capacity: 10, group: NIGHT, "
    "position: 3}\n"
    "  - {name: N4, offset_days: 5, start: \"01:00\", duration: 1h, capacity: 10, group: NIGHT, "
    "position: 4}\n"
    "  - {name: N5, offset_days: 5, start: \"04:00\", duration: 1h, capacity: 10, group: NIGHT, "
    "position: 5}\n"
    "  - {name: N6, offset_days: 5, start: \"05:00\", duration: 1h, capacity: 10, group: NIGHT, "
    "position: 6}\n"
    "window_groups:\n"
    "  - {name: NIGHT}\n";

static void
s_test_chain_too_deep (void)
{
    s_sql ("UPDATE agent_settings SET update_window = 'NIGHT' WHERE tenant_id = 'chain'");
    char *yaml = pw_sprintf ("tenant: chain\n%sdependencies:\n"
                             "  - {agent: C2, after: [C1]}\n  - {agent: C3, after: [C2]}\n"
                             "  - {agent: C4, after: [C3]}\n  - {agent: C5, after: [C4]}\n"
                             "  - {agent: C6, after: [C5]}\n  - {agent: C7, after: [C6]}\n"
                             "  - {agent: C8, after: [C7]}\n  - {agent: C9, after: [C8]}\n",
                             s_six_windows);
    pw_reply_t *reply = s_apply ("chain", yaml, false);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    pw_reply_free (&reply);
    free (yaml);
    reply = s_plan ("chain", "2024-06", NULL, NULL, false);
    const char *json = s_json (reply);
    CHECK_HAS (json, "{\"code\":\"CHAIN_TOO_DEEP\",\"agent\":\"C9\",\"other\":null,");
    CHECK_HAS (json, "\"window\":\"N6\"");
    CHECK_HAS (json, "\"waves\":[[\"C6\"],[\"C7\"],[\"C8\"],[\"C9\"]]");
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PLAN)
        PW_CHECK_INT (reply->plan->planned, 9);
    pw_reply_free (&reply);
    CHECK_SQL ("SELECT code || ' ' || \"window\" || ' ' || array_to_string (members, ',') FROM "
               "plan_violations WHERE tenant_id = 'chain' AND cycle = '2024-06' AND code = "
               "'CHAIN_TOO_DEEP'",
               "CHAIN_TOO_DEEP N6 C7,C8,C9");
    CHECK_SQL ("SELECT payload->'counts'->>'CHAIN_TOO_DEEP' FROM events WHERE tenant_id = 'chain' "
               "AND kind = 'plan.violations' AND subject = '2024-06'",
               "1");
}

static void
s_test_cycle_of_two (void)
{
    s_sql ("UPDATE agent_settings SET update_window = 'NIGHT' WHERE tenant_id = 'cyc'");
    //  B3 names a window that does not exist.
    s_sql ("UPDATE agent_settings SET update_window = 'SAT-NIHGT' WHERE agent_id = (SELECT "
           "agent_id FROM agents WHERE tenant_id = 'cyc' AND hostname = 'B3')");
    char *yaml = pw_sprintf ("tenant: cyc\n%sdependencies:\n"
                             "  - {agent: A1, after: [A2]}\n  - {agent: A2, after: [A1]}\n"
                             "  - {agent: B2, after: [B1, A1]}\n",
                             s_six_windows);
    pw_reply_t *reply = s_apply ("cyc", yaml, false);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    pw_reply_free (&reply);
    free (yaml);
    reply = s_plan ("cyc", "2024-06", NULL, NULL, false);
    const char *json = s_json (reply);
    CHECK_HAS (json, "{\"agent\":\"A1\",\"reason\":\"dependency cycle\"},{\"agent\":\"A2\","
                     "\"reason\":\"dependency cycle\"}");
    CHECK_HAS (json, "{\"code\":\"DEPENDENCY_CYCLE\",\"agent\":\"A1\",\"other\":null,");
    CHECK_HAS (json, "{\"code\":\"DEPENDENCY_ORDER\",\"agent\":\"B2\",\"other\":\"A1\",");
    CHECK_HAS (json, "{\"code\":\"UNKNOWN_WINDOW\",\"agent\":\"B3\",\"other\":null,");
    CHECK_HAS (json, "\"waves\":[[\"B1\"]]");
    CHECK_HAS (json, "\"waves\":[[\"B2\"]]");
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PLAN) {
        PW_CHECK_INT (reply->plan->planned, 2);
        PW_CHECK_INT (reply->plan->unscheduled, 3);
    }
    pw_reply_free (&reply);
    CHECK_SQL ("SELECT string_agg (code, ',' ORDER BY ordinal) FROM plan_violations WHERE "
               "tenant_id = 'cyc' AND cycle = '2024-06'",
               "DEPENDENCY_CYCLE,DEPENDENCY_ORDER,UNKNOWN_WINDOW");
    CHECK_SQL ("SELECT \"window\" || ' ' || (other_agent_id IS NULL) FROM plan_violations WHERE "
               "tenant_id = 'cyc' AND code = 'UNKNOWN_WINDOW'",
               "SAT-NIHGT true");
    CHECK_SQL ("SELECT reason FROM plan_agents WHERE tenant_id = 'cyc' AND hostname = 'B3' AND "
               "cycle = '2024-06'",
               "unknown window \"SAT-NIHGT\"");
}

//  The current cycle's window of FILE01, as stored.
static char *
s_file01_window (void)
{
    return s_value ("SELECT coalesce (pa.\"window\", '-') FROM plan_agents pa JOIN plans p USING "
                    "(tenant_id, cycle) WHERE pa.tenant_id = 'acme' AND pa.hostname = 'FILE01' "
                    "AND p.cycle <> '2024-06' ORDER BY p.computed_at DESC LIMIT 1");
}

static void
s_test_policy_event (void)
{
    char *before = s_file01_window ();
    PW_CHECK_STR (before, "SAT-2");
    free (before);
    s_sql ("UPDATE agent_settings SET update_window = 'SAT-6' WHERE agent_id = (SELECT agent_id "
           "FROM agents WHERE tenant_id = 'acme' AND hostname = 'FILE01')");
    //  Published until seen: the SUB may still be joining.
    pw_event_t event = PATCHWARDEN__V1__EVENT__INIT;
    event.tenant = "acme";
    event.producer = "policy";
    event.seq = 7;
    event.kind = "settings.changed";
    event.subject = "FILE01";
    event.payload_json = "{}";
    char *after = NULL;
    for (int attempt = 0; attempt < 40; attempt++) {
        pw_wire_publish (s_policy_pub, &event);
        usleep (100 * 1000);
        free (after);
        after = s_file01_window ();
        if (strcmp (after, "SAT-6") == 0)
            break;
    }
    PW_CHECK_STR (after, "SAT-6");
    free (after);
    //  An event for another tenant, or of another kind, changes nothing.
    CHECK_SQL ("SELECT count(*) FROM plans WHERE tenant_id = 'acme'", "2");
}

static void
s_test_five_thousand (void)
{
    //  5,000 servers in a six-window group: six layers, each server after
    //  two of the layer before (about 7,500 edges).
    pw_strbuf_t yaml;
    pw_strbuf_init (&yaml);
    pw_strbuf_append (&yaml, "tenant: big\nwindows:\n");
    for (int w = 1; w <= 6; w++)
        pw_strbuf_appendf (&yaml,
                           "  - {name: B%d, offset_days: 4, start: \"%02d:00\", duration: 1h, "
                           "capacity: 1000, group: BIG, position: %d}\n",
                           w, 17 + w, w);
    pw_strbuf_append (&yaml, "window_groups:\n  - {name: BIG}\ndependencies:\n");
    for (int i = 2; i <= 5000; i++) {
        if (i % 6 == 1)
            continue;
        if (i > 7)
            pw_strbuf_appendf (&yaml, "  - {agent: SRV%05d, after: [SRV%05d, SRV%05d]}\n", i, i - 1,
                               i - 7);
        else
            pw_strbuf_appendf (&yaml, "  - {agent: SRV%05d, after: [SRV%05d]}\n", i, i - 1);
    }
    s_sql ("UPDATE agent_settings SET update_window = 'BIG' WHERE tenant_id = 'big'");
    pw_reply_t *reply = s_apply ("big", yaml.data, false);
    PW_CHECK (reply && reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK);
    if (reply && reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK)
        PW_FAIL_AT ("apply: %s", reply->message);
    pw_reply_free (&reply);
    pw_strbuf_free (&yaml);
    reply = s_plan ("big", "2024-06", NULL, NULL, true);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PLAN) {
        PW_CHECK_INT (reply->plan->planned + reply->plan->unscheduled, 5000);
        if (getenv ("PW_TEST_VERBOSE"))
            fprintf (stderr, "    5000 agents: compute %lld us, persist %lld us, %zu bytes\n",
                     (long long)reply->plan->compute_us, (long long)reply->plan->persist_us,
                     strlen (reply->plan->json));
        //  Generous, so sanitizer builds pass too; the log has the numbers.
        PW_CHECK (reply->plan->persist_us < 2000000);
    }
    pw_reply_free (&reply);
    CHECK_SQL ("SELECT count(*) FROM plan_agents WHERE tenant_id = 'big' AND cycle = '2024-06'",
               "5000");
}

//  A stored plan is replaced by writing only the rows that changed; rows
//  written by someone else are read back and repaired.
static void
s_test_stored_rows (void)
{
    const char *versions = "SELECT string_agg (xmin::text, ',' ORDER BY agent_id) FROM plan_agents "
                           "WHERE tenant_id = 'acme' AND cycle = '2024-06'";
    //  The rows the last plan wrote: those of its own transaction.
    const char *written = "SELECT coalesce (string_agg (a.hostname, ',' ORDER BY a.hostname), '-') "
                          "FROM plan_agents a JOIN plans p USING (tenant_id, cycle) "
                          "WHERE a.tenant_id = 'acme' AND a.cycle = '2024-06' AND a.xmin = p.xmin";
    s_done (s_plan ("acme", "2024-06", NULL, NULL, true));
    char *before = s_value (versions);
    pw_reply_t *reply = s_plan ("acme", "2024-06", NULL, NULL, true);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PLAN)
        PW_CHECK (reply->plan->persist_us > 0);
    pw_reply_free (&reply);
    char *after = s_value (versions);
    PW_CHECK_STR (after, before);
    CHECK_SQL (written, "-");
    free (before);
    free (after);

    //  One agent changed: its row alone is written.
    s_sql ("UPDATE agents SET expected_minutes = 40 WHERE tenant_id = 'acme' AND hostname = "
           "'WEB01'");
    s_done (s_plan ("acme", "2024-06", NULL, NULL, false));
    CHECK_SQL (written, "WEB01");
    CHECK_SQL ("SELECT to_char (end_utc AT TIME ZONE 'UTC', 'HH24:MI') FROM plan_agents WHERE "
               "tenant_id = 'acme' AND hostname = 'WEB01' AND cycle = '2024-06'",
               "23:10");

    //  An agent that joins, then leaves.
    s_sql ("INSERT INTO agents (tenant_id, hostname, org, class, expected_minutes) VALUES "
           "('acme', 'TMP01', 'contoso', 'server', 20)");
    s_sql ("INSERT INTO agent_settings (tenant_id, agent_id, subscribed, update_window) SELECT "
           "tenant_id, agent_id, true, 'SAT-NIGHT' FROM agents WHERE hostname = 'TMP01'");
    s_done (s_plan ("acme", "2024-06", NULL, NULL, false));
    CHECK_SQL (written, "TMP01");
    s_sql ("DELETE FROM agents WHERE tenant_id = 'acme' AND hostname = 'TMP01'");
    s_done (s_plan ("acme", "2024-06", NULL, NULL, false));
    CHECK_SQL ("SELECT count(*) FROM plan_agents WHERE tenant_id = 'acme' AND cycle = '2024-06' "
               "AND hostname = 'TMP01'",
               "0");
    CHECK_SQL (written, "-");

    //  Someone else wrote the plan: its rows are read back, and the one
    //  that does not match the plan is written again.
    s_sql ("UPDATE agents SET expected_minutes = 20 WHERE tenant_id = 'acme' AND hostname = "
           "'WEB01'");
    s_sql ("UPDATE plan_agents SET wave = 7 WHERE tenant_id = 'acme' AND cycle = '2024-06' AND "
           "hostname = 'DC01'");
    s_sql (
        "UPDATE plans SET computed_by = 'someone' WHERE tenant_id = 'acme' AND cycle = '2024-06'");
    s_done (s_plan ("acme", "2024-06", NULL, NULL, false));
    CHECK_SQL (written, "DC01,WEB01");
    CHECK_SQL ("SELECT wave || ' ' || to_char (end_utc AT TIME ZONE 'UTC', 'HH24:MI') FROM "
               "plan_agents WHERE tenant_id = 'acme' AND cycle = '2024-06' AND hostname = 'DC01'",
               "1 20:20");
    CHECK_SQL ("SELECT planned || '/' || unscheduled || '/' || violations FROM plans WHERE "
               "tenant_id = 'acme' AND cycle = '2024-06'",
               "7/1/0");
    //  The same for violations, and for a violation that is not there.
    s_sql ("UPDATE plan_violations SET detail = 'x' WHERE tenant_id = 'cyc' AND cycle = '2024-06' "
           "AND ordinal = 2");
    s_sql ("DELETE FROM plan_violations WHERE tenant_id = 'cyc' AND cycle = '2024-06' AND "
           "ordinal = 3");
    s_sql (
        "UPDATE plans SET computed_by = 'someone' WHERE tenant_id = 'cyc' AND cycle = '2024-06'");
    s_done (s_plan ("cyc", "2024-06", NULL, NULL, true));
    CHECK_SQL ("SELECT string_agg (code || ':' || (v.xmin = p.xmin), ',' ORDER BY ordinal) FROM "
               "plan_violations v JOIN plans p USING (tenant_id, cycle) WHERE v.tenant_id = 'cyc' "
               "AND v.cycle = '2024-06'",
               "DEPENDENCY_CYCLE:false,DEPENDENCY_ORDER:true,UNKNOWN_WINDOW:true");
    CHECK_SQL ("SELECT detail FROM plan_violations WHERE tenant_id = 'cyc' AND cycle = '2024-06' "
               "AND ordinal = 2",
               "B2 depends on an unscheduled agent: A1 (dependency cycle)");
}

//  The agents and their settings are kept between plans while the tenant's
//  'agents' counter and the epoch stay the same: a write under the tenant
//  (as the policy service's) moves the counter, an administrator's the
//  epoch, another tenant's write neither. The service keeps two tenants:
//  a third evicts the least recently planned.
static long
s_agents_reads (void)
{
    return pw_itest_metric (s_scheduler.http_port, "pw_scheduler_agents_reads_total");
}

static const char *s_file01_june = "SELECT \"window\" FROM plan_agents WHERE tenant_id = 'acme' "
                                   "AND cycle = '2024-06' AND hostname = 'FILE01'";

static void
s_test_agents_kept (void)
{
    s_done (s_plan ("acme", "2024-06", NULL, NULL, true));
    long reads = s_agents_reads ();
    PW_CHECK (reads > 0);

    //  Nothing changed: planned from the agents kept, not read.
    pw_reply_t *reply = s_plan ("acme", "2024-06", NULL, NULL, true);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PLAN)
        PW_CHECK_INT (reply->plan->planned, 7);
    pw_reply_free (&reply);
    PW_CHECK_INT (s_agents_reads (), reads);

    //  Another tenant's write moves its own counter, not acme's.
    s_sql ("BEGIN; SELECT set_config ('pw.tenant', 'chain', true); UPDATE agents SET "
           "expected_minutes = 16 WHERE tenant_id = 'chain' AND hostname = 'C1'; COMMIT");
    s_done (s_plan ("acme", "2024-06", NULL, NULL, true));
    PW_CHECK_INT (s_agents_reads (), reads);

    //  A write under the tenant: read again, and the plan follows it.
    s_sql ("BEGIN; SELECT set_config ('pw.tenant', 'acme', true); UPDATE agent_settings SET "
           "update_window = 'SAT-5' WHERE agent_id = (SELECT agent_id FROM agents WHERE "
           "tenant_id = 'acme' AND hostname = 'FILE01'); COMMIT");
    s_done (s_plan ("acme", "2024-06", NULL, NULL, true));
    CHECK_SQL (s_file01_june, "SAT-5");
    PW_CHECK_INT (s_agents_reads (), reads + 1);

    //  An administrator's write (no tenant) moves the epoch.
    s_sql (
        "UPDATE orgs SET patching = 'unsubscribed' WHERE tenant_id = 'acme' AND name = 'contoso'");
    reply = s_plan ("acme", "2024-06", NULL, NULL, true);
    if (reply && reply->result_case == PATCHWARDEN__V1__REPLY__RESULT_PLAN)
        PW_CHECK_INT (reply->plan->planned, 0);
    pw_reply_free (&reply);
    PW_CHECK_INT (s_agents_reads (), reads + 2);
    s_sql ("UPDATE orgs SET patching = 'subscribed' WHERE tenant_id = 'acme' AND name = 'contoso'");
    s_sql ("UPDATE agent_settings SET update_window = 'SAT-6' WHERE agent_id = (SELECT agent_id "
           "FROM agents WHERE tenant_id = 'acme' AND hostname = 'FILE01')");
    s_done (s_plan ("acme", "2024-06", NULL, NULL, true));
    CHECK_SQL (s_file01_june, "SAT-6");
    PW_CHECK_INT (s_agents_reads (), reads + 3);

    //  Two tenants kept: planning acme, chain, cyc in turn evicts acme.
    s_done (s_plan ("chain", "2024-06", NULL, NULL, true));
    s_done (s_plan ("acme", "2024-06", NULL, NULL, true));
    PW_CHECK_INT (s_agents_reads (), reads + 4);
    s_done (s_plan ("cyc", "2024-06", NULL, NULL, true));
    s_done (s_plan ("acme", "2024-06", NULL, NULL, true));
    PW_CHECK_INT (s_agents_reads (), reads + 5);
    s_done (s_plan ("chain", "2024-06", NULL, NULL, true));
    PW_CHECK_INT (s_agents_reads (), reads + 6);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    if (!pw_itest_available ())
        return PW_TEST_END ();
    zsys_init ();
    zsys_set_logstream (NULL);
    s_db_url = pw_itest_db_create ("pw_test_scheduler");
    char *admin_url = pw_itest_admin_url ("pw_test_scheduler");
    s_admin = s_db_url ? pw_itest_connect (admin_url) : NULL;
    free (admin_url);
    s_policy_pub = zsock_new (ZMQ_PUB);
    int port = zsock_bind (s_policy_pub, "tcp://127.0.0.1:*");
    snprintf (s_policy_ep, sizeof s_policy_ep, "--policy-pub=tcp://127.0.0.1:%d", port);
    if (!s_admin ||
        pw_itest_service_start (&s_scheduler, "scheduler", s_db_url,
                                (const char *[]){s_policy_ep, "--agents-cache-tenants=2", NULL})) {
        PW_FAIL_AT ("cannot start the scheduler against a fresh database");
        PW_RUN (s_test_saturday_night);
        free (s_db_url);
        zsock_destroy (&s_policy_pub);
        if (s_admin)
            PQfinish (s_admin);
        return PW_TEST_END ();
    }
    snprintf (s_scheduler_ep, sizeof s_scheduler_ep, "--scheduler-endpoint=%s", s_scheduler.router);
    PW_RUN (s_seed);
    PW_RUN (s_test_saturday_night);
    PW_RUN (s_test_bad_cycle);
    PW_RUN (s_test_pwctl_plan);
    PW_RUN (s_test_apply_twice);
    PW_RUN (s_test_bad_setup);
    PW_RUN (s_test_unknown_agents);
    PW_RUN (s_test_chain_too_deep);
    PW_RUN (s_test_cycle_of_two);
    PW_RUN (s_test_policy_event);
    PW_RUN (s_test_five_thousand);
    PW_RUN (s_test_stored_rows);
    PW_RUN (s_test_agents_kept);
    PW_CHECK (pw_itest_service_alive (&s_scheduler));
    PW_CHECK_INT (pw_itest_service_stop (&s_scheduler), 0);
    zsock_destroy (&s_policy_pub);
    PQfinish (s_admin);
    free (s_db_url);
    return PW_TEST_END ();
}
