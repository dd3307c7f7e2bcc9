/*  test_store - the schema on a real PostgreSQL: migrations are ordered,
    recorded and idempotent; row-level security keeps tenants apart for the
    service role; events get gap-free per-tenant sequence numbers; the
    statistics after an import are refreshed only where it moved them.
*/
#include "pw_db.h"
#include "pw_itest.h"
#include "pw_migrate.h"
#include "pw_util.h"
#include "../pw_test.h"

static char *s_service_url;

static PGresult *
s_exec (PGconn *conn, const char *sql, int n, const char *const *params)
{
    return PQexecParams (conn, sql, n, NULL, params, NULL, NULL, 0);
}

static void
s_test_migrations_twice (void)
{
    char *url = pw_itest_admin_url ("pw_test_store");
    PGconn *conn = pw_itest_connect (url);
    free (url);
    PW_CHECK (conn != NULL);
    if (!conn)
        return;
    int before = pw_migrate_version (conn);
    PW_CHECK (before >= 1);
    pw_strbuf_t log;
    pw_strbuf_init (&log);
    char *error = NULL;
    PW_CHECK_INT (pw_migrate_run (conn, &log, &error), 0);
    PW_CHECK (error == NULL);
    PW_CHECK_STR (log.data, "");
    PW_CHECK_INT (pw_migrate_version (conn), before);
    PGresult *res = PQexec (conn, "SELECT count(*) FROM schema_migrations");
    PW_CHECK_INT (atoi (PQgetvalue (res, 0, 0)), before);
    PQclear (res);
    //  A recorded migration that changed is refused by name.
    PQclear (PQexec (conn, "UPDATE schema_migrations SET md5 = 'x' WHERE version = 1"));
    PW_CHECK_INT (pw_migrate_run (conn, &log, &error), -1);
    PW_CHECK (error && strstr (error, "001_init.sql was changed after it was applied"));
    free (error);
    PQclear (PQexec (conn, "UPDATE schema_migrations SET md5 = md5('') WHERE false"));
    pw_strbuf_free (&log);
    PQfinish (conn);
}

//  The statuses of a store at version 9 (one row per agent and patch) are
//  the same, row for row, through the view of version 10 (one per status
//  profile): upgrading loses nothing.
#define S_STATUS_DIGEST                                                                            \
    "SELECT md5(string_agg(concat_ws(':', tenant_id, agent_id, patch_id, status, until,"           \
    " source_kind, source_policy, source_rule), ',' ORDER BY tenant_id, agent_id, patch_id))"      \
    " || ' ' || count(*) FROM patch_status"

//  scan_open as scan_states gives it: each agent with an open state, its
//  missing, failed and waiting patches (the rows that differ, as one text;
//  "" when it agrees).
#define S_SCAN_OPEN_DIFF                                                                           \
    "WITH derived AS (SELECT tenant_id, agent_id,"                                                 \
    "  coalesce(array_agg(patch_id ORDER BY patch_id) FILTER (WHERE state = 'missing'), '{}') m,"  \
    "  coalesce(array_agg(patch_id ORDER BY patch_id) FILTER (WHERE state = 'failed'), '{}') f,"   \
    "  coalesce(array_agg(patch_id ORDER BY patch_id) FILTER (WHERE state = 'pending_reboot'),"    \
    "           '{}') p"                                                                           \
    "  FROM scan_states WHERE state IN ('missing', 'failed', 'pending_reboot')"                    \
    "  GROUP BY tenant_id, agent_id),"                                                             \
    " kept AS (SELECT tenant_id, agent_id, missing m, failed f, pending_reboot p FROM scan_open)"  \
    " SELECT coalesce(string_agg(d::text, ' '), '') FROM ((TABLE derived EXCEPT TABLE kept)"       \
    " UNION ALL (TABLE kept EXCEPT TABLE derived)) d"

static char *
s_scalar (PGconn *conn, const char *sql)
{
    PGresult *res = PQexec (conn, sql);
    char *value = PQresultStatus (res) == PGRES_TUPLES_OK && PQntuples (res) == 1
                      ? pw_strdup (PQgetvalue (res, 0, 0))
                      : NULL;
    if (!value)
        fprintf (stderr, "    %s: %s", sql, PQresultErrorMessage (res));
    PQclear (res);
    return value;
}

static void
s_test_upgrade_to_profiles (void)
{
    PGconn *admin = pw_itest_connect (getenv ("PW_TEST_ADMIN_URL"));
    PW_CHECK (admin != NULL);
    if (!admin)
        return;
    PQclear (PQexec (admin, "DROP DATABASE IF EXISTS pw_test_upgrade WITH (FORCE)"));
    PQclear (PQexec (admin, "CREATE DATABASE pw_test_upgrade"));
    PQfinish (admin);
    char *url = pw_itest_admin_url ("pw_test_upgrade");
    PGconn *conn = pw_itest_connect (url);
    free (url);
    PW_CHECK (conn != NULL);
    if (!conn)
        return;
    pw_strbuf_t log;
    pw_strbuf_init (&log);
    char *error = NULL;
    PW_CHECK_INT (pw_migrate_run_to (conn, 9, &log, &error), 9);
    free (error);
    error = NULL;
    //  Two tenants; agents with policies {A,B}, {B,A,gone} (the same
    //  profile: a policy that does not exist does not count), {A,B} with
    //  an ignore list, {A}, and one unsubscribed
    const char *fill =
        "INSERT INTO tenants VALUES ('t1'), ('t2');"
        "INSERT INTO orgs (tenant_id, name) VALUES ('t1', 'o'), ('t2', 'o');"
        "INSERT INTO agents (tenant_id, hostname, org, class, ignored_kbs)"
        " SELECT t, 'h' || i, 'o', 'server', CASE WHEN i = 3 THEN '{KB9}'::text[] ELSE '{}' END"
        " FROM generate_series(1, 6) i, (VALUES ('t1'), ('t2')) v(t);"
        "INSERT INTO patches (tenant_id, ident, kb, classification, released_at)"
        " SELECT t, 'p' || i, 'KB' || i, 'security', now()"
        " FROM generate_series(1, 4) i, (VALUES ('t1'), ('t2')) v(t);"
        "INSERT INTO patch_policies (tenant_id, name)"
        " SELECT t, n FROM (VALUES ('t1'), ('t2')) v(t), (VALUES ('A'), ('B')) w(n);"
        "INSERT INTO agent_settings (tenant_id, agent_id, subscribed, patch_policies)"
        " SELECT tenant_id, agent_id, hostname <> 'h6', CASE"
        " WHEN hostname IN ('h1', 'h2', 'h3') THEN '{A,B}'::text[]"
        " WHEN hostname = 'h4' THEN '{B,A,gone}' ELSE '{A}' END FROM agents;"
        "INSERT INTO scan_states SELECT a.tenant_id, a.agent_id, p.patch_id,"
        " CASE WHEN p.kb = 'KB4' THEN 'installed' ELSE 'missing' END, now()"
        " FROM agents a JOIN patches p USING (tenant_id);"
        "INSERT INTO patch_status SELECT s.tenant_id, s.agent_id, s.patch_id,"
        " CASE WHEN NOT g.subscribed THEN 'unmanaged' WHEN s.patch_id % 2 = 0 THEN 'approved'"
        " ELSE 'deferred' END, CASE WHEN g.subscribed AND s.patch_id % 2 = 1"
        " THEN '2026-12-01'::timestamptz END, 'rule', 'A', 'default'"
        " FROM scan_states s JOIN agent_settings g USING (tenant_id, agent_id)"
        " WHERE s.state = 'missing'";
    PGresult *res = PQexec (conn, fill);
    PW_CHECK (PQresultStatus (res) == PGRES_COMMAND_OK);
    if (PQresultStatus (res) != PGRES_COMMAND_OK)
        fprintf (stderr, "    %s", PQresultErrorMessage (res));
    PQclear (res);
    char *before = s_scalar (conn, S_STATUS_DIGEST);
    PW_CHECK (before && strstr (before, " 36"));
    PW_CHECK_INT (pw_migrate_run_to (conn, 10, &log, &error), 1);
    PW_CHECK (error == NULL);
    free (error);
    char *after = s_scalar (conn, S_STATUS_DIGEST);
    PW_CHECK_STR (after, before);
    //  Four profiles, each patch stored once per profile and tenant
    char *profiles = s_scalar (conn, "SELECT count(DISTINCT profile_id) FROM agent_profiles");
    PW_CHECK_STR (profiles, "4");
    char *rows = s_scalar (conn, "SELECT count(*) FROM profile_status");
    PW_CHECK_STR (rows, "24");
    char *secured = s_scalar (conn, "SELECT count(*) FROM pg_class WHERE relname IN"
                                    " ('agents', 'agent_settings', 'patch_policies',"
                                    " 'agent_profiles', 'profile_status')"
                                    " AND relrowsecurity AND relforcerowsecurity");
    PW_CHECK_STR (secured, "5");
    //  An agent removed takes its profile row with it
    PQclear (
        PQexec (conn, "DELETE FROM agents WHERE tenant_id = 't1' AND hostname IN ('h1', 'h2')"));
    char *left = s_scalar (conn, "SELECT count(*) FROM agent_profiles");
    PW_CHECK_STR (left, "10");
    //  The open scan states of what the store holds (014_scan_open)
    PW_CHECK_INT (pw_migrate_run_to (conn, 14, &log, &error), 4);
    PW_CHECK (error == NULL);
    free (error);
    char *open_diff = s_scalar (conn, S_SCAN_OPEN_DIFF);
    PW_CHECK_STR (open_diff, "");
    char *open_rows = s_scalar (conn, "SELECT count(*) || ' ' || sum(cardinality(missing)) FROM "
                                      "scan_open");
    PW_CHECK_STR (open_rows, "10 30");
    free (open_diff), free (open_rows);
    //  Profiles move into the settings rows (015_profiles_in_settings):
    //  every agent keeps its profile, every agent its statuses
    char *unmoved = s_scalar (conn, S_STATUS_DIGEST);
    PW_CHECK (unmoved && strstr (unmoved, " 30"));
    PW_CHECK_INT (pw_migrate_run_to (conn, 15, &log, &error), 1);
    PW_CHECK (error == NULL);
    free (error);
    error = NULL;
    char *moved = s_scalar (conn, S_STATUS_DIGEST);
    PW_CHECK_STR (moved, unmoved);
    char *kept = s_scalar (conn, "SELECT count(*) || ' ' || count(profile_id) || ' '"
                                 " || count(DISTINCT profile_id) FROM agent_settings");
    PW_CHECK_STR (kept, "10 10 4");
    char *viewed =
        s_scalar (conn, "SELECT relkind::text || ' ' || (SELECT count(*) FROM agent_profiles)"
                        " FROM pg_class WHERE relname = 'agent_profiles'");
    PW_CHECK_STR (viewed, "v 10");
    char *still = s_scalar (conn, "SELECT count(*) FROM pg_class WHERE relname IN"
                                  " ('agent_settings', 'profile_status')"
                                  " AND relrowsecurity AND relforcerowsecurity");
    PW_CHECK_STR (still, "2");
    free (unmoved), free (moved), free (kept), free (viewed), free (still);
    free (before), free (after), free (profiles), free (rows), free (secured), free (left);
    pw_strbuf_free (&log);
    PQfinish (conn);
}

//  Runs SQL as the service role inside a transaction for TENANT.
static PGresult *
s_as_tenant (PGconn *conn, const char *tenant, const char *sql, int n, const char *const *params)
{
    PQclear (PQexec (conn, "BEGIN"));
    const char *t [] = {tenant};
    PQclear (s_exec (conn, "SELECT set_config('pw.tenant', $1, true)", 1, t));
    PGresult *res = s_exec (conn, sql, n, params);
    PQclear (PQexec (conn, PQresultStatus (res) == PGRES_FATAL_ERROR ? "ROLLBACK" : "COMMIT"));
    return res;
}

static void
s_test_tenant_isolation (void)
{
    PGconn *conn = pw_itest_connect (s_service_url);
    PW_CHECK (conn != NULL);
    if (!conn)
        return;
    //  The service role is not a superuser and cannot bypass RLS.
    PGresult *res =
        PQexec (conn, "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user");
    PW_CHECK_STR (PQgetvalue (res, 0, 0), "f");
    PQclear (res);

    const char *a [] = {"tenant-a"}, *b [] = {"tenant-b"};
    PQclear (s_as_tenant (conn, "tenant-a", "INSERT INTO tenants VALUES ($1)", 1, a));
    PQclear (s_as_tenant (conn, "tenant-b", "INSERT INTO tenants VALUES ($1)", 1, b));
    res = s_as_tenant (conn, "tenant-a",
                       "INSERT INTO orgs (tenant_id, name, timezone) VALUES ('tenant-a', "
                       "'contoso', 'Europe/Berlin')",
                       0, NULL);
    PW_CHECK_INT (PQresultStatus (res), PGRES_COMMAND_OK);
    PQclear (res);

    //  B reads nothing of A's, by any path.
    res = s_as_tenant (conn, "tenant-b", "SELECT count(*) FROM orgs", 0, NULL);
    PW_CHECK_STR (PQgetvalue (res, 0, 0), "0");
    PQclear (res);
    res = s_as_tenant (conn, "tenant-b", "SELECT count(*) FROM orgs WHERE tenant_id = 'tenant-a'",
                       0, NULL);
    PW_CHECK_STR (PQgetvalue (res, 0, 0), "0");
    PQclear (res);
    res = s_as_tenant (conn, "tenant-b", "SELECT count(*) FROM tenants", 0, NULL);
    PW_CHECK_STR (PQgetvalue (res, 0, 0), "1");
    PQclear (res);
    //  B cannot change or delete A's rows...
    res = s_as_tenant (conn, "tenant-b", "UPDATE orgs SET timezone = 'UTC'", 0, NULL);
    PW_CHECK_STR (PQcmdTuples (res), "0");
    PQclear (res);
    res = s_as_tenant (conn, "tenant-b", "DELETE FROM orgs", 0, NULL);
    PW_CHECK_STR (PQcmdTuples (res), "0");
    PQclear (res);
    //  ...nor write rows in A's name.
    res = s_as_tenant (conn, "tenant-b",
                       "INSERT INTO orgs (tenant_id, name) VALUES ('tenant-a', 'evil')", 0, NULL);
    PW_CHECK_INT (PQresultStatus (res), PGRES_FATAL_ERROR);
    PW_CHECK_STR (PQresultErrorField (res, PG_DIAG_SQLSTATE), "42501");
    PQclear (res);
    //  Without a tenant set, nothing is visible at all.
    res = s_exec (conn, "SELECT count(*) FROM orgs", 0, NULL);
    PW_CHECK_STR (PQgetvalue (res, 0, 0), "0");
    PQclear (res);
    //  A still sees its own row, unchanged.
    res =
        s_as_tenant (conn, "tenant-a", "SELECT timezone FROM orgs WHERE name = 'contoso'", 0, NULL);
    PW_CHECK_INT (PQntuples (res), 1);
    if (PQntuples (res) == 1)
        PW_CHECK_STR (PQgetvalue (res, 0, 0), "Europe/Berlin");
    PQclear (res);
    PQfinish (conn);
}

static void
s_test_event_sequence (void)
{
    PGconn *conn = pw_itest_connect (s_service_url);
    if (!conn) {
        PW_CHECK (conn != NULL);
        return;
    }
    const char *sql = "SELECT seq FROM pw_event_append('policy', 'test.kind', 's', 'me', '{}')";
    for (int i = 1; i <= 3; i++) {
        PGresult *res = s_as_tenant (conn, "tenant-a", sql, 0, NULL);
        PW_CHECK_INT (atoi (PQgetvalue (res, 0, 0)), i);
        PQclear (res);
    }
    //  Another tenant and another producer count on their own.
    PGresult *res = s_as_tenant (conn, "tenant-b", sql, 0, NULL);
    PW_CHECK_STR (PQgetvalue (res, 0, 0), "1");
    PQclear (res);
    res = s_as_tenant (conn, "tenant-a",
                       "SELECT seq FROM pw_event_append('scheduler', 'k', '', '', '{}')", 0, NULL);
    PW_CHECK_STR (PQgetvalue (res, 0, 0), "1");
    PQclear (res);
    //  A rolled-back append leaves no gap.
    PQclear (PQexec (conn, "BEGIN"));
    PQclear (PQexec (conn, "SELECT set_config('pw.tenant', 'tenant-a', true)"));
    PQclear (PQexec (conn, sql));
    PQclear (PQexec (conn, "ROLLBACK"));
    res = s_as_tenant (conn, "tenant-a", sql, 0, NULL);
    PW_CHECK_STR (PQgetvalue (res, 0, 0), "4");
    PQclear (res);
    PQfinish (conn);
}

//  Connects as the administrator and as the service role, into *ADMIN_P
//  and *CONN_P; false (a failed check, neither kept) when one fails.
static bool
s_connect_both (PGconn **admin_p, PGconn **conn_p)
{
    char *url = pw_itest_admin_url ("pw_test_store");
    *admin_p = pw_itest_connect (url);
    free (url);
    *conn_p = pw_itest_connect (s_service_url);
    PW_CHECK (*admin_p && *conn_p);
    if (*admin_p && *conn_p)
        return true;
    PQfinish (*admin_p);
    PQfinish (*conn_p);
    return false;
}

//  After an import, pw_analyze(tables, changed) refreshes the statistics of
//  a listed table only where the changed rows are a thousand or more and a
//  tenth or more of what the table held at its last analysis, and says
//  which it analyzed; tables not on its list are never analyzed. The
//  service role may call it. (The row count it goes by is set here as
//  50,000, as a superuser can, for an empty table.)
static void
s_test_analyze_changed (void)
{
    PGconn *admin, *conn;
    if (!s_connect_both (&admin, &conn))
        return;
    struct {
        const char *tables, *changed, *analyzed;
    } cases [] = {
        {"{scan_states,patches}", "999", ""},         //  under a thousand: none
        {"{scan_states,patches}", "4999", "patches"}, //  a tenth of patches' 0, not of 50,000
        {"{scan_states,patches}", "5000", "scan_states,patches"}, //  a tenth of 50,000
        {"{pg_class,scan_states}", "100000", "scan_states"},      //  not on its list
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases [0]; i++) {
        PQclear (PQexec (admin, "UPDATE pg_class SET reltuples = 50000 "
                                " WHERE oid = 'scan_states'::regclass"));
        const char *params [] = {cases [i].tables, cases [i].changed};
        PGresult *res =
            s_exec (conn, "SELECT array_to_string(pw_analyze($1::text[], $2), ',')", 2, params);
        PW_CHECK_INT (PQresultStatus (res), PGRES_TUPLES_OK);
        if (PQresultStatus (res) == PGRES_TUPLES_OK)
            PW_CHECK_STR (PQgetvalue (res, 0, 0), cases [i].analyzed);
        PQclear (res);
    }
    PQfinish (conn);
    PQfinish (admin);
}

//  Removing agents removes their effective settings and status profiles
//  (statement triggers, not references), whoever removes them: the service
//  role for its tenant, or an administrator; other agents keep theirs.
static void
s_test_agent_rows_forgotten (void)
{
    PGconn *admin, *conn;
    if (!s_connect_both (&admin, &conn))
        return;
    PGresult *res =
        PQexec (admin, "INSERT INTO tenants VALUES ('forget');"
                       "INSERT INTO orgs (tenant_id, name) VALUES ('forget', 'o');"
                       "INSERT INTO agents (tenant_id, hostname, org, class)"
                       "  SELECT 'forget', 'f' || i, 'o', 'server' FROM generate_series(1, 4) i;"
                       "INSERT INTO agent_settings (tenant_id, agent_id, subscribed, profile_id)"
                       "  SELECT tenant_id, agent_id, true, 7 FROM agents"
                       "   WHERE tenant_id = 'forget'");
    PW_CHECK_INT (PQresultStatus (res), PGRES_COMMAND_OK);
    PQclear (res);
    res =
        s_as_tenant (conn, "forget", "DELETE FROM agents WHERE hostname IN ('f1', 'f2')", 0, NULL);
    PW_CHECK_STR (PQcmdTuples (res), "2");
    PQclear (res);
    PQclear (PQexec (admin, "DELETE FROM agents WHERE tenant_id = 'forget' AND hostname = 'f3'"));
    char *left = s_scalar (admin, "SELECT (SELECT string_agg(a.hostname, ',') FROM agent_settings"
                                  "          s JOIN agents a USING (tenant_id, agent_id)"
                                  "         WHERE tenant_id = 'forget') || ' '"
                                  "    || (SELECT count(*) FROM agent_settings"
                                  "         WHERE tenant_id = 'forget') || ' '"
                                  "    || (SELECT count(*) FROM agent_profiles"
                                  "         WHERE tenant_id = 'forget')");
    PW_CHECK_STR (left, "f4 1 1");
    free (left);
    PQfinish (conn);
    PQfinish (admin);
}

//  Each agent's open scan states (scan_open) follow every write of
//  scan_states: inserts, a state that opens or closes, a removed row, a
//  removed agent, by the service role for its tenant or by an
//  administrator, and a TRUNCATE. A re-scan that only moves scanned_at,
//  or moves a state between installed and not_applicable, leaves the row
//  as it was.
static void
s_test_scan_open (void)
{
    PGconn *admin, *conn;
    if (!s_connect_both (&admin, &conn))
        return;
    PGresult *res = PQexec (
        admin, "INSERT INTO tenants VALUES ('open1'), ('open2');"
               "INSERT INTO orgs (tenant_id, name) VALUES ('open1', 'o'), ('open2', 'o');"
               "INSERT INTO agents (tenant_id, hostname, org, class)"
               "  SELECT t, 'a' || i, 'o', 'server' FROM generate_series(1, 3) i,"
               "  (VALUES ('open1'), ('open2')) v(t);"
               "INSERT INTO patches (tenant_id, ident, kb, classification, released_at)"
               "  SELECT t, 'p' || i, 'KB' || i, 'security', now() FROM generate_series(1, 5) i,"
               "  (VALUES ('open1'), ('open2')) v(t)");
    PW_CHECK_INT (PQresultStatus (res), PGRES_COMMAND_OK);
    PQclear (res);
    //  The service role for its tenant: every state of every patch
    res = s_as_tenant (conn, "open1",
                       "INSERT INTO scan_states SELECT a.tenant_id, a.agent_id, p.patch_id,"
                       " (ARRAY['missing','installed','failed','pending_reboot','not_applicable'])"
                       "   [1 + (p.patch_id + a.agent_id) % 5], now()"
                       " FROM agents a JOIN patches p USING (tenant_id)",
                       0, NULL);
    PW_CHECK_STR (PQcmdTuples (res), "15");
    PQclear (res);
    //  An administrator, no tenant
    PQclear (PQexec (admin, "INSERT INTO scan_states SELECT a.tenant_id, a.agent_id, p.patch_id,"
                            " 'missing', now() FROM agents a JOIN patches p USING (tenant_id)"
                            " WHERE a.tenant_id = 'open2'"));
    char *diff = s_scalar (admin, S_SCAN_OPEN_DIFF);
    PW_CHECK_STR (diff, "");
    free (diff);
    char *rows = s_scalar (admin, "SELECT count(*) || ' ' || sum(cardinality(missing)) FROM "
                                  "scan_open WHERE tenant_id = 'open2'");
    PW_CHECK_STR (rows, "3 15");
    free (rows);

    //  Only scanned_at, or installed <-> not_applicable: no row rebuilt
    const char *versions = "SELECT string_agg(xmin::text, ',' ORDER BY tenant_id, agent_id) "
                           "FROM scan_open";
    char *before = s_scalar (admin, versions);
    res = s_as_tenant (conn, "open1",
                       "UPDATE scan_states SET scanned_at = now() + interval '1 day',"
                       " state = CASE state WHEN 'installed' THEN 'not_applicable'"
                       " WHEN 'not_applicable' THEN 'installed' ELSE state END",
                       0, NULL);
    PW_CHECK_STR (PQcmdTuples (res), "15");
    PQclear (res);
    char *after = s_scalar (admin, versions);
    PW_CHECK_STR (after, before);
    free (before);
    free (after);

    //  States that open and close, a row removed, an agent removed (its
    //  scan states go by cascade), then all of a tenant's by an
    //  administrator
    const char *const writes [] = {
        "UPDATE scan_states SET state = 'failed' WHERE (agent_id, patch_id) = (SELECT agent_id,"
        " patch_id FROM scan_states WHERE state = 'installed' ORDER BY 1, 2 LIMIT 1)",
        "UPDATE scan_states SET state = 'installed' WHERE (agent_id, patch_id) = (SELECT"
        " agent_id, patch_id FROM scan_states WHERE state = 'pending_reboot' ORDER BY 1, 2"
        " LIMIT 1)",
        "UPDATE scan_states SET state = CASE state WHEN 'missing' THEN 'installed'"
        " WHEN 'installed' THEN 'failed' WHEN 'failed' THEN 'pending_reboot' ELSE 'missing' END",
        "DELETE FROM scan_states WHERE patch_id = (SELECT min(patch_id) FROM patches)",
        "DELETE FROM agents WHERE hostname = 'a2'",
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes [0]; i++) {
        res = s_as_tenant (conn, "open1", writes [i], 0, NULL);
        PW_CHECK_INT (PQresultStatus (res), PGRES_COMMAND_OK);
        PQclear (res);
        diff = s_scalar (admin, S_SCAN_OPEN_DIFF);
        PW_CHECK_STR (diff, "");
        free (diff);
    }
    PQclear (PQexec (admin, "UPDATE scan_states SET state = 'installed' WHERE tenant_id = 'open2'"
                            " AND agent_id = (SELECT min(agent_id) FROM agents"
                            "                  WHERE tenant_id = 'open2')"));
    diff = s_scalar (admin, S_SCAN_OPEN_DIFF);
    PW_CHECK_STR (diff, "");
    free (diff);
    rows = s_scalar (admin, "SELECT count(*) FROM scan_open WHERE tenant_id = 'open2'");
    PW_CHECK_STR (rows, "2");
    free (rows);
    //  Another tenant's rows are not the service role's to see
    res = s_as_tenant (conn, "open1", "SELECT count(*) FROM scan_open WHERE tenant_id = 'open2'", 0,
                       NULL);
    PW_CHECK (PQresultStatus (res) == PGRES_TUPLES_OK && strcmp (PQgetvalue (res, 0, 0), "0") == 0);
    PQclear (res);
    PQclear (PQexec (admin, "TRUNCATE scan_states"));
    rows = s_scalar (admin, "SELECT count(*) FROM scan_open");
    PW_CHECK_STR (rows, "0");
    free (rows);
    PQfinish (conn);
    PQfinish (admin);
}

//  Rows in COPY binary format as pw_db_bin_* build them are read by the
//  server as the values they were built from: text with the characters the
//  text format escapes, non-ASCII text, NULLs, empty and absent arrays, the
//  ends of bigint, timestamps before and after 2000.
static void
s_test_copy_binary (void)
{
    PGconn *conn = pw_itest_connect (s_service_url);
    if (!conn)
        return;
    PQclear (PQexec (conn, "CREATE TEMP TABLE bin (id bigint, flag boolean, name text,"
                           " list text[], at timestamptz)"));
    const char *list [] = {"a\tb", "c\"d\\e", "\xc3\x9cn\xc3\xaf,{}", ""};
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    pw_db_bin_header (&buf);
    pw_db_bin_row (&buf, 5);
    pw_db_bin_int8 (&buf, -42);
    pw_db_bin_bool (&buf, true);
    pw_db_bin_text (&buf, "x\ny\\z\t");
    pw_db_bin_text_array (&buf, list, 4, true);
    pw_db_bin_timestamptz (&buf, 1700000000);
    pw_db_bin_row (&buf, 5);
    pw_db_bin_int8 (&buf, INT64_MAX);
    pw_db_bin_bool (&buf, false);
    pw_db_bin_text (&buf, NULL);
    pw_db_bin_text_array (&buf, NULL, 0, true);
    pw_db_bin_null (&buf);
    pw_db_bin_row (&buf, 5);
    pw_db_bin_int8 (&buf, INT64_MIN);
    pw_db_bin_bool (&buf, true);
    pw_db_bin_text (&buf, "");
    pw_db_bin_text_array (&buf, list, 4, false);
    pw_db_bin_timestamptz (&buf, 86400);
    pw_db_bin_trailer (&buf);
    PGresult *res = PQexec (conn, "COPY bin FROM STDIN (FORMAT binary)");
    PW_CHECK_INT (PQresultStatus (res), PGRES_COPY_IN);
    PQclear (res);
    PW_CHECK_INT (PQputCopyData (conn, buf.data, (int)buf.len), 1);
    PW_CHECK_INT (PQputCopyEnd (conn, NULL), 1);
    res = PQgetResult (conn);
    PW_CHECK_INT (PQresultStatus (res), PGRES_COMMAND_OK);
    if (PQresultStatus (res) != PGRES_COMMAND_OK)
        fprintf (stderr, "    COPY: %s", PQerrorMessage (conn));
    PQclear (res);
    while ((res = PQgetResult (conn)))
        PQclear (res);
    PW_CHECK_INT (pw_itest_scalar (
                      conn, "SELECT count(*) FROM bin WHERE (id = -42 AND flag"
                            "   AND name = E'x\\ny\\\\z\\t'"
                            "   AND list = ARRAY[E'a\\tb', E'c\"d\\\\e', U&'\\00DCn\\00EF,{}', '']"
                            "   AND at = to_timestamp (1700000000))"
                            " OR (id = 9223372036854775807 AND NOT flag AND name IS NULL"
                            "   AND list = '{}' AND cardinality (list) = 0 AND at IS NULL)"
                            " OR (id = -9223372036854775808 AND flag AND name = ''"
                            "   AND list IS NULL AND at = to_timestamp (86400))"),
                  3);
    pw_strbuf_free (&buf);
    PQfinish (conn);
}

static int
s_sum_row (void *arg, char **fields, int count)
{
    int64_t *sum = arg;
    if (count < 2 || !fields [0] || !fields [1])
        return -1;
    sum [0]++;
    sum [1] += strtoll (fields [0], NULL, 10) + strtoll (fields [1], NULL, 10);
    return 0;
}

//  Finds the status row of patch 0 (whose rule names hold what COPY's text
//  format escapes) and keeps its source policy and rule.
static int
s_escaped_row (void *arg, char **fields, int count)
{
    char **kept = arg;
    if (count != 7)
        return -1;
    if (fields [1] && strcmp (fields [1], "0") == 0) {
        kept [0] = strdup (fields [5] ? fields [5] : "(null)");
        kept [1] = strdup (fields [6] ? fields [6] : "(null)");
    }
    return 0;
}

static int
s_refuse_row (void *arg, char **fields, int count)
{
    (void)arg, (void)fields, (void)count;
    return -1;
}

//  COPY scripts read while the caller works (pw_db_prefetch) give the rows
//  a plain read gives, however the polls fall, as often as asked; one the
//  caller refuses is an error naming the script; a prefetch destroyed half
//  way leaves the connection usable.
static void
s_test_prefetch (void)
{
    PGconn *admin, *conn;
    if (!s_connect_both (&admin, &conn))
        return;
    PQfinish (conn);
    PQclear (PQexec (admin, "INSERT INTO agent_settings (tenant_id, agent_id, subscribed,"
                            " profile_id) SELECT 'pf', g, true, g * 7"
                            " FROM generate_series (1, 20000) g"));
    PQclear (PQexec (admin, "INSERT INTO profile_status (tenant_id, profile_id, patch_id,"
                            " status, source_kind) SELECT 'pf', g % 50, g, 'approved',"
                            " 'default' FROM generate_series (1, 3000) g"));
    PQclear (PQexec (admin, "INSERT INTO profile_status (tenant_id, profile_id, patch_id,"
                            " status, source_kind, source_policy, source_rule) VALUES ('pf', 0,"
                            " 0, 'denied', 'rule', NULL, E'tab\\there\\\\back\\nline \\\\N')"));
    pw_db_t *db = pw_db_new (s_service_url);
    pw_db_set_prefix (db, "policy_"); //  its statements and session tables
    PW_CHECK_INT (pw_db_begin (db, "pf"), 0);
    const char *names [] = {"policy_load_stored_profiles", "policy_load_stored_statuses",
                            "policy_load_stored_profiles"};
    pw_db_prefetch_t *prefetch = pw_db_prefetch_new (db, names, 3);
    PW_CHECK (prefetch != NULL);
    if (!prefetch) {
        char why [512];
        pw_db_error (db, why, sizeof why);
        fprintf (stderr, "    prefetch: %s (%s)\n", pw_db_last_error (db), why);
        pw_db_destroy (&db);
        PQfinish (admin);
        return;
    }
    for (int i = 0; i < 20; i++)
        PW_CHECK_INT (pw_db_prefetch_poll (prefetch, false), 0);
    PW_CHECK_INT (pw_db_prefetch_poll (prefetch, true), 0);
    int64_t profiles [2] = {0, 0}, statuses [2] = {0, 0}, again [2] = {0, 0};
    PW_CHECK_INT (pw_db_prefetch_rows (prefetch, 0, s_sum_row, profiles), 20000);
    PW_CHECK_INT (pw_db_prefetch_rows (prefetch, 1, s_sum_row, statuses), 3001);
    char *escaped [2] = {NULL, NULL};
    PW_CHECK_INT (pw_db_prefetch_rows (prefetch, 1, s_escaped_row, escaped), 3001);
    PW_CHECK_STR (escaped [0] ? escaped [0] : "", "(null)");
    PW_CHECK_STR (escaped [1] ? escaped [1] : "", "tab\there\\back\nline \\N");
    free (escaped [0]);
    free (escaped [1]);
    PW_CHECK_INT (pw_db_prefetch_rows (prefetch, 2, s_sum_row, again), 20000);
    PW_CHECK (profiles [1] == 8LL * 20000 * 20001 / 2);
    PW_CHECK (again [1] == profiles [1]);
    PW_CHECK (statuses [1] == pw_itest_scalar (admin, "SELECT sum (g % 50 + g)"
                                                      " FROM generate_series (1, 3000) g"));
    PW_CHECK_INT (pw_db_prefetch_rows (prefetch, 0, s_refuse_row, NULL), -1);
    PW_CHECK (strstr (pw_db_last_error (db), "policy_load_stored_profiles"));
    pw_db_prefetch_destroy (&prefetch);
    //  Destroyed with the first script's rows under way
    prefetch = pw_db_prefetch_new (db, names, 3);
    PW_CHECK (prefetch != NULL);
    pw_db_prefetch_destroy (&prefetch);
    PW_CHECK (pw_db_check (db));
    pw_db_rollback (db);
    pw_db_destroy (&db);
    PQclear (PQexec (admin, "DELETE FROM agent_settings WHERE tenant_id = 'pf';"
                            "DELETE FROM profile_status WHERE tenant_id = 'pf'"));
    PQfinish (admin);
}

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    if (!pw_itest_available ())
        return PW_TEST_END ();
    s_service_url = pw_itest_db_create ("pw_test_store");
    PW_RUN (s_test_migrations_twice);
    PW_RUN (s_test_upgrade_to_profiles);
    PW_RUN (s_test_tenant_isolation);
    PW_RUN (s_test_event_sequence);
    PW_RUN (s_test_analyze_changed);
    PW_RUN (s_test_agent_rows_forgotten);
    PW_RUN (s_test_scan_open);
    PW_RUN (s_test_copy_binary);
    PW_RUN (s_test_prefetch);
    free (s_service_url);
    return PW_TEST_END ();
}
