/*  pw_migrate - applies the ordered migrations of sql/migrations/.

    Used by `pwctl migrate` (and the one-shot migrate container). Each file
    NNN_name.sql runs once, in its own transaction, in version order, and is
    recorded in schema_migrations with its md5; a recorded migration whose
    text has changed since is refused by name. An advisory lock makes
    concurrent migrators wait for each other, so running it twice, or from
    two containers at once, is a no-op the second time.
*/
#ifndef PW_MIGRATE_H_INCLUDED
#define PW_MIGRATE_H_INCLUDED

#include <libpq-fe.h>

#include "pw_util.h"

//  Applies pending migrations on CONN (a superuser or the schema owner).
//  Appends one line per migration applied to LOG. Returns how many were
//  applied, or -1 with *ERROR_P (caller frees).
int pw_migrate_run (PGconn *conn, pw_strbuf_t *log, char **error_p);

//  As pw_migrate_run, applying only the migrations up to version UNTIL
//  (0: all): a store as an earlier release left it, to test an upgrade.
int pw_migrate_run_to (PGconn *conn, int until, pw_strbuf_t *log, char **error_p);

//  Highest version applied, 0 for an empty store, -1 on error.
int pw_migrate_version (PGconn *conn);

#endif
