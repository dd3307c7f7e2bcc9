/*  pw_sql - lookup over the embedded sql/ files. */
#include "pw_sql.h"

#include <string.h>

const char *
pw_sql_text (const char *path)
{
    for (const pw_sql_file_t *file = pw_sql_files; file->path; file++)
        if (strcmp (file->path, path) == 0)
            return file->text;
    return NULL;
}
