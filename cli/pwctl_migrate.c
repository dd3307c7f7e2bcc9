/*  pwctl migrate - applies pending store migrations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_migrate.h"
#include "pw_util.h"
#include "pwctl.h"

static const pw_config_key_t s_keys [] = {
    {"db_url", PW_CFG_STRING, "", "migrate: PostgreSQL URL of a role that owns the schema"},
    {"db_password", PW_CFG_SECRET, "", "migrate: PostgreSQL password"},
    {"service_password", PW_CFG_SECRET, "",
     "migrate: set this password on the services' role pw_service"},
    {NULL, 0, NULL, NULL}};

static int
s_migrate (pwctl_t *self)
{
    const char *url = pw_config_str (self->config, "db_url");
    if (!*url) {
        pwctl_error ("migrate: --db-url is required (a role that owns the schema)");
        return PWCTL_USAGE;
    }
    const char *password = pw_config_str (self->config, "db_password");
    const char *keys [] = {"dbname", "password", NULL};
    const char *values [] = {url, password, NULL};
    if (!*password)
        keys [1] = NULL;
    PGconn *conn = PQconnectdbParams (keys, values, 1);
    if (PQstatus (conn) != CONNECTION_OK) {
        char *message = PQerrorMessage (conn);
        message [strcspn (message, "\n")] = '\0';
        pwctl_error ("migrate: cannot connect: %s", message);
        PQfinish (conn);
        return PWCTL_DOWN;
    }
    PQsetNoticeProcessor (conn, NULL, NULL);
    pw_strbuf_t log;
    pw_strbuf_init (&log);
    char *error = NULL;
    int applied = pw_migrate_run (conn, &log, &error);
    int version = applied >= 0 ? pw_migrate_version (conn) : -1;
    const char *service_password = pw_config_str (self->config, "service_password");
    if (applied >= 0 && *service_password) {
        //  ALTER ROLE takes no parameters: quote the literal with libpq.
        char *literal = PQescapeLiteral (conn, service_password, strlen (service_password));
        char *sql = pw_sprintf ("ALTER ROLE pw_service WITH PASSWORD %s", literal);
        PGresult *res = PQexec (conn, sql);
        if (PQresultStatus (res) != PGRES_COMMAND_OK) {
            error = pw_sprintf ("setting the pw_service password: %s", PQresultErrorMessage (res));
            applied = -1;
        }
        PQclear (res);
        free (sql);
        PQfreemem (literal);
    }
    PQfinish (conn);
    int rc = PWCTL_OK;
    if (applied < 0) {
        pwctl_error ("migrate: %s", error);
        rc = PWCTL_FAILED;
    } else if (self->json)
        printf ("{\"applied\":%d,\"version\":%d}\n", applied, version);
    else
        printf ("%sschema at version %d (%d applied)\n", log.data, version, applied);
    free (error);
    pw_strbuf_free (&log);
    return rc;
}

PWCTL_COMMAND (migrate, "migrate", s_migrate, "migrate --db-url URL",
               "apply pending store migrations (as the schema owner)", s_keys);
