/*  pw_sql - the SQL files of sql/, embedded at build time.

    Migrations (`migrations/NNN_name.sql`), queries (`queries/name.sql`, one
    statement each, prepared under the name of the file on every connect) and
    scripts (`scripts/name.sql`: COPY and other statements that cannot be
    prepared, run as they are with pw_db_exec_script) are compiled into the
    binaries by tools/embed-sql, so a service runs exactly the SQL it was built
    and tested with.
*/
#ifndef PW_SQL_H_INCLUDED
#define PW_SQL_H_INCLUDED

#include <stddef.h>

typedef struct {
    const char *path; //  relative to sql/, e.g. "queries/agent_get.sql"
    const char *text;
} pw_sql_file_t;

//  Every embedded file, sorted by path, ended by {NULL, NULL}.
extern const pw_sql_file_t pw_sql_files [];

//  Text of the file at PATH, or NULL.
const char *pw_sql_text (const char *path);

#endif
