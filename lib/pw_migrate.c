/*  pw_migrate - ordered, recorded, checksummed schema migrations. */
#include "pw_migrate.h"

#include <stdlib.h>
#include <string.h>

#include "pw_sql.h"

#define S_LOCK_KEY "7072617463680001" //  advisory lock id for migrations

static int
s_exec (PGconn *conn, const char *sql, char **error_p, const char *what)
{
    PGresult *res = PQexec (conn, sql);
    ExecStatusType status = PQresultStatus (res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
        *error_p = pw_sprintf ("%s: %s", what, PQresultErrorMessage (res));
        (*error_p) [strcspn (*error_p, "\n")] = '\0';
        PQclear (res);
        return -1;
    }
    PQclear (res);
    return 0;
}

int
pw_migrate_version (PGconn *conn)
{
    PGresult *res = PQexec (conn, "SELECT coalesce(max(version), 0) FROM schema_migrations");
    int version = -1;
    if (PQresultStatus (res) == PGRES_TUPLES_OK)
        version = atoi (PQgetvalue (res, 0, 0));
    else if (strcmp (PQresultErrorField (res, PG_DIAG_SQLSTATE)
                         ? PQresultErrorField (res, PG_DIAG_SQLSTATE)
                         : "",
                     "42P01") == 0)
        version = 0;
    PQclear (res);
    return version;
}

int
pw_migrate_run (PGconn *conn, pw_strbuf_t *log, char **error_p)
{
    return pw_migrate_run_to (conn, 0, log, error_p);
}

int
pw_migrate_run_to (PGconn *conn, int until, pw_strbuf_t *log, char **error_p)
{
    *error_p = NULL;
    int applied = 0;
    if (s_exec (conn, "SELECT pg_advisory_lock(x'" S_LOCK_KEY "'::bigint)", error_p, "lock"))
        return -1;
    if (s_exec (conn,
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version integer PRIMARY KEY, name text NOT NULL, md5 text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())",
                error_p, "schema_migrations"))
        goto fail;
    for (const pw_sql_file_t *file = pw_sql_files; file->path; file++) {
        if (strncmp (file->path, "migrations/", 11) != 0)
            continue;
        const char *name = file->path + 11;
        int version = atoi (name);
        if (version <= 0) {
            *error_p =
                pw_sprintf ("migration %s: the name must start with its version number", name);
            goto fail;
        }
        if (until > 0 && version > until)
            break;
        char number [16];
        snprintf (number, sizeof number, "%d", version);
        const char *params [] = {number, file->text};
        PGresult *res =
            PQexecParams (conn, "SELECT md5, md5($2) FROM schema_migrations WHERE version = $1", 2,
                          NULL, params, NULL, NULL, 0);
        if (PQresultStatus (res) != PGRES_TUPLES_OK) {
            *error_p = pw_sprintf ("migration %s: %s", name, PQresultErrorMessage (res));
            PQclear (res);
            goto fail;
        }
        if (PQntuples (res) == 1) {
            bool same = strcmp (PQgetvalue (res, 0, 0), PQgetvalue (res, 0, 1)) == 0;
            PQclear (res);
            if (!same) {
                *error_p = pw_sprintf ("migration %s was changed after it was applied; add a "
                                       "new migration instead",
                                       name);
                goto fail;
            }
            continue;
        }
        PQclear (res);
        if (s_exec (conn, "BEGIN", error_p, name))
            goto fail;
        if (s_exec (conn, file->text, error_p, name)) {
            PQclear (PQexec (conn, "ROLLBACK"));
            goto fail;
        }
        const char *record [] = {number, name, file->text};
        res = PQexecParams (
            conn, "INSERT INTO schema_migrations (version, name, md5) VALUES ($1, $2, md5($3))", 3,
            NULL, record, NULL, NULL, 0);
        bool ok = PQresultStatus (res) == PGRES_COMMAND_OK;
        if (!ok)
            *error_p = pw_sprintf ("migration %s: %s", name, PQresultErrorMessage (res));
        PQclear (res);
        if (!ok) {
            PQclear (PQexec (conn, "ROLLBACK"));
            goto fail;
        }
        if (s_exec (conn, "COMMIT", error_p, name))
            goto fail;
        pw_strbuf_appendf (log, "applied %s\n", name);
        applied++;
    }
    PQclear (PQexec (conn, "SELECT pg_advisory_unlock(x'" S_LOCK_KEY "'::bigint)"));
    return applied;
fail:
    PQclear (PQexec (conn, "SELECT pg_advisory_unlock(x'" S_LOCK_KEY "'::bigint)"));
    return -1;
}
