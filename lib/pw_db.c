/*  pw_db - libpq connection with reconnect, backoff and prepared statements.

    The state shared with the HTTP thread (up flag, error text, down-since) is
    guarded by a mutex; the connection itself belongs to the owning thread.
*/
#include "pw_db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "pw_log.h"
#include "pw_metrics.h"
#include "pw_sql.h"
#include "pw_util.h"

#define S_BACKOFF_MIN_MS 100
#define S_BACKOFF_MAX_MS 5000

struct _pw_db_t {
    char *conninfo;
    char *password;
    char *prefix; //  this service's query prefix, or NULL
    PGconn *conn;
    int64_t next_attempt_ms;
    int backoff_ms;
    uint64_t generation; //  successful connects so far
    char last_error [512];
    char sqlstate [8];
    pthread_mutex_t lock; //  guards up, error, down_since
    bool up;
    char error [512];
    int64_t down_since_us;
    pw_metric_t *m_connects;
    pw_metric_t *m_failures;
    pw_metric_t *m_errors;
};

static int64_t
s_now_us (void)
{
    struct timeval tv;
    gettimeofday (&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void
s_set_state (pw_db_t *self, bool up, const char *error)
{
    pthread_mutex_lock (&self->lock);
    if (up) {
        self->down_since_us = 0;
        self->error [0] = '\0';
    } else {
        if (self->up || self->down_since_us == 0)
            self->down_since_us = s_now_us ();
        snprintf (self->error, sizeof self->error, "%s", error ? error : "");
        //  libpq errors end in a newline; logs and replies want one line.
        self->error [strcspn (self->error, "\n")] = '\0';
    }
    self->up = up;
    pthread_mutex_unlock (&self->lock);
}

pw_db_t *
pw_db_new (const char *conninfo)
{
    pw_db_t *self = pw_calloc (1, sizeof *self);
    self->conninfo = pw_strdup (conninfo);
    self->backoff_ms = S_BACKOFF_MIN_MS;
    pthread_mutex_init (&self->lock, NULL);
    snprintf (self->error, sizeof self->error, "not connected yet");
    self->m_connects =
        pw_metrics_counter ("pw_db_connects_total", "Successful connections to PostgreSQL", NULL);
    self->m_failures = pw_metrics_counter ("pw_db_connect_failures_total",
                                           "Failed connection attempts to PostgreSQL", NULL);
    self->m_errors =
        pw_metrics_counter ("pw_db_errors_total", "Statements that failed in PostgreSQL", NULL);
    return self;
}

void
pw_db_destroy (pw_db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_db_t *self = *self_p;
    if (self->conn)
        PQfinish (self->conn);
    pthread_mutex_destroy (&self->lock);
    free (self->conninfo);
    free (self->password);
    free (self->prefix);
    free (self);
    *self_p = NULL;
}

static void
s_lost (pw_db_t *self, const char *why)
{
    if (self->conn) {
        PQfinish (self->conn);
        self->conn = NULL;
    }
    if (pw_db_is_up (self))
        pw_log_warn ("database connection lost", "reason=\"%.*s\"", (int)strcspn (why, "\n"), why);
    s_set_state (self, false, why);
    self->next_attempt_ms = s_now_us () / 1000 + self->backoff_ms;
    self->backoff_ms =
        self->backoff_ms * 2 > S_BACKOFF_MAX_MS ? S_BACKOFF_MAX_MS : self->backoff_ms * 2;
}

//  Queries of another service are not ours to prepare: a service only
//  depends on its own statements and the shared ones (no service prefix).
static bool
s_foreign (pw_db_t *self, const char *stem)
{
    static const char *prefixes [] = {"policy_", "sched_", "audit_", NULL};
    if (!self->prefix)
        return false;
    for (int i = 0; prefixes [i]; i++)
        if (strncmp (stem, prefixes [i], strlen (prefixes [i])) == 0)
            return strcmp (prefixes [i], self->prefix) != 0;
    return false;
}

//  Notices ("no transaction in progress" and the like) are not errors and
//  must not reach stderr as unstructured lines.
static void
s_no_notice (void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static int
s_prepare_all (pw_db_t *self)
{
    for (const pw_sql_file_t *file = pw_sql_files; file->path; file++) {
        if (strncmp (file->path, "queries/", 8) != 0 || s_foreign (self, file->path + 8))
            continue;
        char name [128];
        const char *stem = file->path + 8;
        size_t len = strcspn (stem, ".");
        snprintf (name, sizeof name, "%.*s", (int)len, stem);
        PGresult *res = PQprepare (self->conn, name, file->text, 0, NULL);
        bool ok = PQresultStatus (res) == PGRES_COMMAND_OK;
        if (!ok) {
            char *why = pw_sprintf ("prepare %s: %s", name, PQresultErrorMessage (res));
            PQclear (res);
            //  A statement that does not prepare is a schema mismatch (not
            //  migrated yet): stay down and say which.
            s_lost (self, why);
            free (why);
            return -1;
        }
        PQclear (res);
    }
    return 0;
}

bool
pw_db_ensure (pw_db_t *self)
{
    if (self->conn && PQstatus (self->conn) == CONNECTION_OK)
        return true;
    if (self->conn)
        s_lost (self, PQerrorMessage (self->conn));
    if (s_now_us () / 1000 < self->next_attempt_ms)
        return false;
    //  The password comes from a secret file, never from the URL in the
    //  config; libpq lets a later keyword override the expanded dbname.
    const char *keys [] = {"dbname", "password", "connect_timeout", NULL};
    const char *values [] = {self->conninfo, self->password, "5", NULL};
    if (!self->password)
        keys [1] = "connect_timeout", values [1] = "5", keys [2] = NULL;
    self->conn = PQconnectdbParams (keys, values, 1);
    if (PQstatus (self->conn) != CONNECTION_OK) {
        pw_metric_add (self->m_failures, 1);
        char why [512];
        snprintf (why, sizeof why, "%s", PQerrorMessage (self->conn));
        s_lost (self, why);
        return false;
    }
    PQsetNoticeProcessor (self->conn, s_no_notice, NULL);
    //  A service's session script (temp tables its statements use) runs
    //  before its statements are prepared.
    if (self->prefix) {
        char path [96];
        snprintf (path, sizeof path, "scripts/%ssession.sql", self->prefix);
        const char *script = pw_sql_text (path);
        if (script) {
            PGresult *res = PQexec (self->conn, script);
            bool ok = PQresultStatus (res) == PGRES_COMMAND_OK;
            char *why = ok ? NULL : pw_sprintf ("%s: %s", path, PQresultErrorMessage (res));
            PQclear (res);
            if (!ok) {
                s_lost (self, why);
                free (why);
                return false;
            }
        }
    }
    if (s_prepare_all (self))
        return false;
    pw_metric_add (self->m_connects, 1);
    self->generation++;
    self->backoff_ms = S_BACKOFF_MIN_MS;
    if (!pw_db_is_up (self))
        pw_log_info ("database connected", "server_version=%d", PQserverVersion (self->conn));
    s_set_state (self, true, NULL);
    return true;
}

//  Decides whether a failed result means the connection is gone.
static void
s_failed (pw_db_t *self, PGresult *res)
{
    const char *state = res ? PQresultErrorField (res, PG_DIAG_SQLSTATE) : NULL;
    snprintf (self->sqlstate, sizeof self->sqlstate, "%s", state ? state : "");
    snprintf (self->last_error, sizeof self->last_error, "%s",
              res && *PQresultErrorMessage (res) ? PQresultErrorMessage (res)
                                                 : PQerrorMessage (self->conn));
    self->last_error [strcspn (self->last_error, "\n")] = '\0';
    pw_metric_add (self->m_errors, 1);
    //  Class 08 is connection exception; 57P0x is admin shutdown / crash.
    if (PQstatus (self->conn) != CONNECTION_OK || strncmp (self->sqlstate, "08", 2) == 0 ||
        strncmp (self->sqlstate, "57P", 3) == 0)
        s_lost (self, self->last_error);
}

static PGresult *
s_checked (pw_db_t *self, PGresult *res)
{
    ExecStatusType status = PQresultStatus (res);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_COPY_IN ||
        status == PGRES_COPY_OUT)
        return res;
    s_failed (self, res);
    PQclear (res);
    return NULL;
}

PGresult *
pw_db_exec (pw_db_t *self, const char *name, int nparams, const char *const *values)
{
    if (!pw_db_ensure (self)) {
        snprintf (self->last_error, sizeof self->last_error, "database unavailable");
        self->sqlstate [0] = '\0';
        return NULL;
    }
    return s_checked (self, PQexecPrepared (self->conn, name, nparams, values, NULL, NULL, 0));
}

PGresult *
pw_db_exec_sql (pw_db_t *self, const char *sql)
{
    if (!pw_db_ensure (self)) {
        snprintf (self->last_error, sizeof self->last_error, "database unavailable");
        self->sqlstate [0] = '\0';
        return NULL;
    }
    return s_checked (self, PQexec (self->conn, sql));
}

void
pw_db_set_prefix (pw_db_t *self, const char *prefix)
{
    free (self->prefix);
    self->prefix = prefix ? pw_strdup (prefix) : NULL;
}

void
pw_db_set_password (pw_db_t *self, const char *password)
{
    free (self->password);
    self->password = password && *password ? pw_strdup (password) : NULL;
}

PGresult *
pw_db_exec_script (pw_db_t *self, const char *name)
{
    char path [160];
    snprintf (path, sizeof path, "scripts/%s.sql", name);
    const char *text = pw_sql_text (path);
    //  A missing script is a programming error, caught by any test.
    if (!text) {
        fprintf (stderr, "pw_db: no embedded %s\n", path);
        abort ();
    }
    return pw_db_exec_sql (self, text);
}

//  Unescapes one COPY text field in place; returns NULL for \N.
static char *
s_unescape (char *field)
{
    if (field [0] == '\\' && field [1] == 'N' && field [2] == '\0')
        return NULL;
    //  Most fields hold no escape: nothing to move before the first one
    char *out = strchr (field, '\\');
    if (!out)
        return field;
    for (char *in = out; *in; in++) {
        if (*in != '\\' || !in [1]) {
            *out++ = *in;
            continue;
        }
        in++;
        switch (*in) {
            case 'b': *out++ = '\b'; break;
            case 'f': *out++ = '\f'; break;
            case 'n': *out++ = '\n'; break;
            case 'r': *out++ = '\r'; break;
            case 't': *out++ = '\t'; break;
            case 'v': *out++ = '\v'; break;
            default: *out++ = *in; break;
        }
    }
    *out = '\0';
    return field;
}

//  Splits one COPY text row (LEN bytes at BUF, its newline included or
//  not) into fields in place, unescaped; *FIELDS_P grows as needed.
//  Returns the field count.
static int
s_copy_fields (char *buf, int len, char ***fields_p, int *cap_p)
{
    if (len > 0 && buf [len - 1] == '\n')
        buf [len - 1] = '\0';
    int count = 0;
    for (char *p = buf;;) {
        if (count == *cap_p) {
            *cap_p = *cap_p ? *cap_p * 2 : 16;
            *fields_p = pw_realloc (*fields_p, sizeof (char *) * (size_t)*cap_p);
        }
        char *tab = strchr (p, '\t');
        if (tab)
            *tab = '\0';
        (*fields_p) [count++] = s_unescape (p);
        if (!tab)
            break;
        p = tab + 1;
    }
    return count;
}

//  Ends a COPY whose data is read or sent: its result. True when it
//  succeeded.
static bool
s_copy_end (pw_db_t *self)
{
    PGresult *res = PQgetResult (self->conn);
    bool ok = PQresultStatus (res) == PGRES_COMMAND_OK;
    if (!ok)
        s_failed (self, res);
    PQclear (res);
    while ((res = PQgetResult (self->conn)))
        PQclear (res);
    return ok;
}

long
pw_db_copy_out (pw_db_t *self, const char *name, pw_db_row_fn *fn, void *arg)
{
    PGresult *res = pw_db_exec_script (self, name);
    if (!res)
        return -1;
    PQclear (res);
    long rows = 0;
    bool failed = false;
    char **fields = NULL;
    int cap = 0;
    char *buf = NULL;
    int len;
    while ((len = PQgetCopyData (self->conn, &buf, 0)) > 0) {
        if (!failed) {
            int count = s_copy_fields (buf, len, &fields, &cap);
            if (fn (arg, fields, count))
                failed = true;
            rows++;
        }
        PQfreemem (buf);
    }
    free (fields);
    bool ok = s_copy_end (self);
    if (failed && ok)
        snprintf (self->last_error, sizeof self->last_error, "%s: a row was refused", name);
    return ok && !failed ? rows : -1;
}

//  --- COPY OUT while the caller works ----------------------------------------

struct _pw_db_prefetch_t {
    pw_db_t *db;
    const char *const *names;
    size_t count;
    size_t current; //  the script running or next to run
    bool running;   //  its COPY has begun
    bool failed;
    pw_strbuf_t *rows; //  per script: its rows as received, each ending in a newline
};

pw_db_prefetch_t *
pw_db_prefetch_new (pw_db_t *db, const char *const *names, size_t count)
{
    pw_db_prefetch_t *self = pw_calloc (1, sizeof *self);
    self->db = db;
    self->names = names;
    self->count = count;
    self->rows = pw_calloc (count + 1, sizeof (pw_strbuf_t));
    for (size_t i = 0; i < count; i++)
        pw_strbuf_init (&self->rows [i]);
    if (pw_db_prefetch_poll (self, false)) {
        pw_db_prefetch_destroy (&self);
        return NULL;
    }
    return self;
}

int
pw_db_prefetch_poll (pw_db_prefetch_t *self, bool wait)
{
    pw_db_t *db = self->db;
    while (!self->failed && self->current < self->count) {
        if (!self->running) {
            PGresult *res = pw_db_exec_script (db, self->names [self->current]);
            bool copying = res && PQresultStatus (res) == PGRES_COPY_OUT;
            PQclear (res);
            if (!copying) {
                self->failed = true;
                break;
            }
            self->running = true;
        }
        if (!wait && !PQconsumeInput (db->conn)) {
            s_failed (db, NULL);
            self->failed = true;
            break;
        }
        pw_strbuf_t *rows = &self->rows [self->current];
        char *buf;
        int len;
        while ((len = PQgetCopyData (db->conn, &buf, wait ? 0 : 1)) > 0) {
            pw_strbuf_append_len (rows, buf, (size_t)len);
            if (buf [len - 1] != '\n')
                pw_strbuf_append_len (rows, "\n", 1);
            PQfreemem (buf);
        }
        if (len == 0)
            return 0; //  nothing more has arrived yet
        self->running = false;
        self->current++;
        if (!s_copy_end (db))
            self->failed = true;
    }
    return self->failed ? -1 : 0;
}

bool
pw_db_prefetch_empty (const pw_db_prefetch_t *self)
{
    if (self->failed || self->current < self->count)
        return false;
    for (size_t i = 0; i < self->count; i++)
        if (self->rows [i].len)
            return false;
    return true;
}

long
pw_db_prefetch_rows (pw_db_prefetch_t *self, size_t index, pw_db_row_fn *fn, void *arg)
{
    if (!self || self->failed || index >= self->current)
        return -1;
    //  Each row is split in a copy, so the rows can be given again
    const pw_strbuf_t *rows = &self->rows [index];
    pw_strbuf_t scratch;
    pw_strbuf_init (&scratch);
    char **fields = NULL;
    int cap = 0;
    long count = 0;
    const char *line = rows->data;
    const char *end = rows->data ? rows->data + rows->len : NULL;
    while (line && line < end) {
        const char *newline = memchr (line, '\n', (size_t)(end - line));
        size_t len = (size_t)(newline - line);
        pw_strbuf_reset (&scratch);
        pw_strbuf_append_len (&scratch, line, len);
        int n = s_copy_fields (scratch.data, (int)len, &fields, &cap);
        if (fn (arg, fields, n)) {
            snprintf (self->db->last_error, sizeof self->db->last_error, "%s: a row was refused",
                      self->names [index]);
            count = -1;
            break;
        }
        count++;
        line = newline + 1;
    }
    free (fields);
    pw_strbuf_free (&scratch);
    return count;
}

void
pw_db_prefetch_destroy (pw_db_prefetch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_db_prefetch_t *self = *self_p;
    //  A COPY under way is read to its end, so the connection can go on
    if (self->running && !self->failed) {
        char *buf;
        while (PQgetCopyData (self->db->conn, &buf, 0) > 0)
            PQfreemem (buf);
        s_copy_end (self->db);
    }
    for (size_t i = 0; i < self->count; i++)
        pw_strbuf_free (&self->rows [i]);
    free (self->rows);
    free (self);
    *self_p = NULL;
}

int
pw_db_copy_in_begin (pw_db_t *self, const char *name)
{
    PGresult *res = pw_db_exec_script (self, name);
    if (!res)
        return -1;
    bool ok = PQresultStatus (res) == PGRES_COPY_IN;
    PQclear (res);
    return ok ? 0 : -1;
}

int
pw_db_copy_in_send (pw_db_t *self, const char *data, size_t len)
{
    if (PQputCopyData (self->conn, data, (int)len) != 1) {
        snprintf (self->last_error, sizeof self->last_error, "%s", PQerrorMessage (self->conn));
        return -1;
    }
    return 0;
}

int
pw_db_copy_in_end (pw_db_t *self)
{
    if (PQputCopyEnd (self->conn, NULL) != 1) {
        snprintf (self->last_error, sizeof self->last_error, "%s", PQerrorMessage (self->conn));
        return -1;
    }
    return s_copy_end (self) ? 0 : -1;
}

void
pw_db_copy_text (pw_strbuf_t *out, const char *text, bool first)
{
    if (!first)
        pw_strbuf_append_len (out, "\t", 1);
    if (!text) {
        pw_strbuf_append_len (out, "\\N", 2);
        return;
    }
    const char *run = text;
    for (const char *p = text; *p; p++) {
        const char *escape = NULL;
        switch (*p) {
            case '\\': escape = "\\\\"; break;
            case '\t': escape = "\\t"; break;
            case '\n': escape = "\\n"; break;
            case '\r': escape = "\\r"; break;
        }
        if (escape) {
            pw_strbuf_append_len (out, run, (size_t)(p - run));
            pw_strbuf_append (out, escape);
            run = p + 1;
        }
    }
    pw_strbuf_append (out, run);
}

void
pw_db_copy_array (pw_strbuf_t *out, const char *const *values, size_t count, bool present)
{
    pw_strbuf_append_len (out, "\t", 1);
    if (!present) {
        pw_strbuf_append_len (out, "\\N", 2);
        return;
    }
    //  An array literal: every element double-quoted, with " and \ escaped
    //  for the literal, then the whole escaped again for COPY.
    pw_strbuf_t literal;
    pw_strbuf_init (&literal);
    pw_strbuf_append (&literal, "{");
    for (size_t i = 0; i < count; i++) {
        pw_strbuf_append (&literal, i ? ",\"" : "\"");
        for (const char *p = values [i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                pw_strbuf_append_len (&literal, "\\", 1);
            pw_strbuf_append_len (&literal, p, 1);
        }
        pw_strbuf_append (&literal, "\"");
    }
    pw_strbuf_append (&literal, "}");
    //  pw_db_copy_text adds a tab when not first: we already added it.
    pw_db_copy_text (out, literal.data, true);
    pw_strbuf_free (&literal);
}

//  --- COPY binary format ---------------------------------------------------

static void
s_bin_u32 (pw_strbuf_t *out, uint32_t v)
{
    unsigned char b [4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                           (unsigned char)(v >> 8), (unsigned char)v};
    pw_strbuf_append_len (out, (const char *)b, 4);
}

static void
s_bin_u64 (pw_strbuf_t *out, uint64_t v)
{
    s_bin_u32 (out, (uint32_t)(v >> 32));
    s_bin_u32 (out, (uint32_t)v);
}

void
pw_db_bin_header (pw_strbuf_t *out)
{
    //  Signature, flags (no OIDs), header extension length
    pw_strbuf_append_len (out, "PGCOPY\n\377\r\n\0", 11);
    s_bin_u32 (out, 0);
    s_bin_u32 (out, 0);
}

void
pw_db_bin_row (pw_strbuf_t *out, int fields)
{
    unsigned char b [2] = {(unsigned char)((unsigned)fields >> 8), (unsigned char)fields};
    pw_strbuf_append_len (out, (const char *)b, 2);
}

void
pw_db_bin_null (pw_strbuf_t *out)
{
    s_bin_u32 (out, UINT32_MAX); //  length -1
}

void
pw_db_bin_int8 (pw_strbuf_t *out, int64_t value)
{
    s_bin_u32 (out, 8);
    s_bin_u64 (out, (uint64_t)value);
}

void
pw_db_bin_bool (pw_strbuf_t *out, bool value)
{
    s_bin_u32 (out, 1);
    pw_strbuf_append_len (out, value ? "\1" : "\0", 1);
}

void
pw_db_bin_text (pw_strbuf_t *out, const char *text)
{
    if (!text) {
        pw_db_bin_null (out);
        return;
    }
    size_t len = strlen (text);
    s_bin_u32 (out, (uint32_t)len);
    pw_strbuf_append_len (out, text, len);
}

void
pw_db_bin_text_array (pw_strbuf_t *out, const char *const *values, size_t count, bool present)
{
    if (!present) {
        pw_db_bin_null (out);
        return;
    }
    //  Dimensions, has-nulls flag, element type (text, OID 25); then the
    //  length and lower bound of the one dimension, and the elements
    size_t bytes = 12 + (count ? 8 : 0);
    for (size_t i = 0; i < count; i++)
        bytes += 4 + strlen (values [i]);
    s_bin_u32 (out, (uint32_t)bytes);
    s_bin_u32 (out, count ? 1 : 0);
    s_bin_u32 (out, 0);
    s_bin_u32 (out, 25);
    if (count) {
        s_bin_u32 (out, (uint32_t)count);
        s_bin_u32 (out, 1);
    }
    for (size_t i = 0; i < count; i++)
        pw_db_bin_text (out, values [i]);
}

void
pw_db_bin_timestamptz (pw_strbuf_t *out, int64_t unix_seconds)
{
    //  Microseconds since 2000-01-01 00:00:00 UTC
    s_bin_u32 (out, 8);
    s_bin_u64 (out, (uint64_t)((unix_seconds - INT64_C (946684800)) * 1000000));
}

void
pw_db_bin_trailer (pw_strbuf_t *out)
{
    pw_strbuf_append_len (out, "\377\377", 2);
}

bool
pw_db_check (pw_db_t *self)
{
    if (!pw_db_ensure (self))
        return false;
    PGresult *res = pw_db_exec_sql (self, "SELECT 1");
    if (!res)
        return false;
    PQclear (res);
    return true;
}

int
pw_db_begin (pw_db_t *self, const char *tenant)
{
    PGresult *res = pw_db_exec_sql (self, "BEGIN");
    if (!res)
        return -1;
    PQclear (res);
    const char *params [] = {tenant};
    res = s_checked (self, PQexecParams (self->conn, "SELECT set_config('pw.tenant', $1, true)", 1,
                                         NULL, params, NULL, NULL, 0));
    if (!res) {
        pw_db_rollback (self);
        return -1;
    }
    PQclear (res);
    return 0;
}

int
pw_db_commit (pw_db_t *self)
{
    PGresult *res = pw_db_exec_sql (self, "COMMIT");
    if (!res)
        return -1;
    PQclear (res);
    return 0;
}

void
pw_db_rollback (pw_db_t *self)
{
    if (!self->conn || PQstatus (self->conn) != CONNECTION_OK)
        return;
    PGresult *res = PQexec (self->conn, "ROLLBACK");
    PQclear (res);
}

uint64_t
pw_db_generation (pw_db_t *self)
{
    return self->generation;
}

bool
pw_db_is_up (pw_db_t *self)
{
    pthread_mutex_lock (&self->lock);
    bool up = self->up;
    pthread_mutex_unlock (&self->lock);
    return up;
}

void
pw_db_error (pw_db_t *self, char *buf, size_t size)
{
    pthread_mutex_lock (&self->lock);
    snprintf (buf, size, "%s", self->up ? "" : self->error);
    pthread_mutex_unlock (&self->lock);
}

int64_t
pw_db_down_since (pw_db_t *self)
{
    pthread_mutex_lock (&self->lock);
    int64_t since = self->up ? 0 : self->down_since_us;
    pthread_mutex_unlock (&self->lock);
    return since;
}

const char *
pw_db_last_error (pw_db_t *self)
{
    return self->last_error;
}

const char *
pw_db_last_sqlstate (pw_db_t *self)
{
    return self->sqlstate;
}

PGconn *
pw_db_conn (pw_db_t *self)
{
    return self->conn && PQstatus (self->conn) == CONNECTION_OK ? self->conn : NULL;
}
