/*  test_store - the schema on a real PostgreSQL: migrations are ordered,
    recorded and idempotent; row-level security keeps tenants apart for the
    service role; events get gap-free per-tenant sequence numbers.
*/
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

int
main (int argc, char **argv)
{
    PW_TEST_BEGIN (argc, argv);
    if (!pw_itest_available ())
        return PW_TEST_END ();
    s_service_url = pw_itest_db_create ("pw_test_store");
    PW_RUN (s_test_migrations_twice);
    PW_RUN (s_test_tenant_isolation);
    PW_RUN (s_test_event_sequence);
    free (s_service_url);
    return PW_TEST_END ();
}
