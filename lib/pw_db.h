/*  pw_db - one PostgreSQL connection that survives the server going away.

    A service holds one pw_db_t per thread. It connects lazily, reconnects
    with exponential backoff (100 ms doubling to 5 s) after a lost connection,
    and prepares every statement of sql/queries/ (embedded at build time)
    under the name of its file on each (re)connect. Every transaction sets its
    tenant first (`set_config('pw.tenant', ..., true)`), which is what the
    row-level security policies of the store check. The state (up/down, last
    error) is readable from any thread for /healthz.
*/
#ifndef PW_DB_H_INCLUDED
#define PW_DB_H_INCLUDED

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

#include "pw_util.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct _pw_db_t pw_db_t;

//  Creates a handle for CONNINFO (a libpq URL or key=value string); does not
//  connect yet.
pw_db_t *pw_db_new (const char *conninfo);
void pw_db_destroy (pw_db_t **self_p);

//  Prepares only the queries named PREFIX* ("policy_") and the shared ones
//  (no service prefix), so one service's statements never depend on another
//  service's tables. NULL (the default) prepares every query.
void pw_db_set_prefix (pw_db_t *self, const char *prefix);

//  Sets the password used on the next connect (from a secret file).
void pw_db_set_password (pw_db_t *self, const char *password);

//  Connects when down and the backoff has elapsed. Returns true when up.
bool pw_db_ensure (pw_db_t *self);

//  Checks the connection with a round trip (reconnecting when due). Used by
//  ping and the health timer, so the state is never stale by more than one
//  check interval.
bool pw_db_check (pw_db_t *self);

//  How many times the handle has connected: 0 before the first connect,
//  then one more on every reconnect. What lives in a session (temp tables
//  and their rows) belongs to one generation and is gone in the next.
uint64_t pw_db_generation (pw_db_t *self);

//  Last known state, safe from any thread.
bool pw_db_is_up (pw_db_t *self);
//  Copies the last error into BUF (empty when up).
void pw_db_error (pw_db_t *self, char *buf, size_t size);
//  Unix micros since when the store has been down (0 when up).
int64_t pw_db_down_since (pw_db_t *self);

//  Runs the prepared statement NAME (file stem of sql/queries/NAME.sql).
//  Returns the result (caller PQclear()s it) when it succeeded, NULL
//  otherwise with the error kept (pw_db_last_error). A lost connection marks
//  the handle down.
PGresult *pw_db_exec (pw_db_t *self, const char *name, int nparams, const char *const *values);

//  Runs SQL text without parameters (migrations, BEGIN/COMMIT). Same rules.
PGresult *pw_db_exec_sql (pw_db_t *self, const char *sql);

//  Runs sql/scripts/NAME.sql (statements that cannot be prepared). Same
//  rules as pw_db_exec; a COPY script returns the COPY_IN/COPY_OUT result.
PGresult *pw_db_exec_script (pw_db_t *self, const char *name);

//  Called for each row of a COPY OUT, with the row's fields unescaped in
//  place (NULL for \N). Return 0 to go on, -1 to stop with an error.
typedef int (pw_db_row_fn) (void *arg, char **fields, int count);

//  Runs the COPY ... TO STDOUT script NAME and calls FN for every row.
//  Returns the row count, or -1 (the error in pw_db_last_error).
long pw_db_copy_out (pw_db_t *self, const char *name, pw_db_row_fn *fn, void *arg);

//  COPY ... TO STDOUT scripts NAMES (COUNT of them, the array kept by the
//  caller) read while the caller works: they run one after another, and
//  pw_db_prefetch_poll, called between pieces of the work, keeps what has
//  arrived without waiting for more (so the server produces the rows on
//  its own core meanwhile); with WAIT it reads every script to its end.
//  Then pw_db_prefetch_rows gives script INDEX's rows to FN as
//  pw_db_copy_out would, as often as asked. Nothing else may run on the
//  connection until the rows are all read or the prefetch is destroyed
//  (which reads a COPY under way to its end). new: NULL when the first
//  script could not start; poll: 0, or -1 (the error in pw_db_last_error,
//  and every later poll fails); rows: the row count, or -1.
typedef struct _pw_db_prefetch_t pw_db_prefetch_t;
pw_db_prefetch_t *pw_db_prefetch_new (pw_db_t *db, const char *const *names, size_t count);
int pw_db_prefetch_poll (pw_db_prefetch_t *self, bool wait);
//  True once every script has been read to its end and none gave a row.
bool pw_db_prefetch_empty (const pw_db_prefetch_t *self);
long pw_db_prefetch_rows (pw_db_prefetch_t *self, size_t index, pw_db_row_fn *fn, void *arg);
void pw_db_prefetch_destroy (pw_db_prefetch_t **self_p);

//  COPY FROM STDIN: start with script NAME, send rows built with the
//  pw_db_copy_* field helpers (text format), then end. 0 or -1.
int pw_db_copy_in_begin (pw_db_t *self, const char *name);
int pw_db_copy_in_send (pw_db_t *self, const char *data, size_t len);
int pw_db_copy_in_end (pw_db_t *self);

//  Appends one field in COPY text format to OUT (tab before it unless
//  FIRST): text escaped, NULL as \N; arrays as a quoted array literal.
void pw_db_copy_text (pw_strbuf_t *out, const char *text, bool first);
void pw_db_copy_array (pw_strbuf_t *out, const char *const *values, size_t count, bool present);

//  The same in COPY binary format (COPY ... FROM STDIN (FORMAT binary)),
//  which the server reads without parsing text (a third of the time for
//  rows of text arrays): the header once, then per row its field count and
//  each field, then the trailer. Text is sent as it is (no escaping); a
//  NULL text or an absent array is a NULL field; arrays are text[] of one
//  dimension; timestamps are Unix seconds, sent as timestamptz.
void pw_db_bin_header (pw_strbuf_t *out);
void pw_db_bin_row (pw_strbuf_t *out, int fields);
void pw_db_bin_int8 (pw_strbuf_t *out, int64_t value);
void pw_db_bin_bool (pw_strbuf_t *out, bool value);
void pw_db_bin_text (pw_strbuf_t *out, const char *text);
void pw_db_bin_text_array (pw_strbuf_t *out, const char *const *values, size_t count, bool present);
void pw_db_bin_timestamptz (pw_strbuf_t *out, int64_t unix_seconds);
void pw_db_bin_null (pw_strbuf_t *out);
void pw_db_bin_trailer (pw_strbuf_t *out);

//  BEGIN and set the transaction's tenant. 0 or -1.
int pw_db_begin (pw_db_t *self, const char *tenant);
int pw_db_commit (pw_db_t *self);
void pw_db_rollback (pw_db_t *self);

//  The error text of the last failed call on this thread's handle.
const char *pw_db_last_error (pw_db_t *self);
//  SQLSTATE of the last failed statement ("" when none or connection lost).
const char *pw_db_last_sqlstate (pw_db_t *self);

//  The raw connection (NULL when down), for COPY and bulk work.
PGconn *pw_db_conn (pw_db_t *self);

#ifdef __cplusplus
}
#endif

#endif
