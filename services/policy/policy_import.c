/*  policy_import - the import call: agents, patches and scans from the
    files an RMM exports (CSV or JSON, parsed by pw_import).

    All or nothing: the file is parsed and every row checked (by pw_import,
    then against the tenant: orgs for agents, agents and catalogue rows for
    scans) before anything is written; then the rows are staged with COPY
    and upserted in one statement, so re-importing the same file changes
    nothing. The tenant is re-resolved and what changed is written back in
    the same transaction.

    A CSV file too large for one request comes as an upload in parts (see
    docs/import.md): each part is the file's header row and a run of its
    records, with the line its records begin on. A part is parsed, checked
    (also against the parts before it: a hostname, catalogue row or agent
    and patch pair seen in an earlier part is a repeat, as within one file),
    staged into the session's upload tables and freed; only the last part
    moves the staged rows of every part into the tenant's tables, in one
    transaction, as a file sent whole would be. The upload tables keep rows
    across transactions but not across connections, so an upload whose
    rows were staged on an earlier connection of the store is refused. Any
    error drops the upload; so does a timer when no part came for
    `import_idle_timeout_ms`. A tenant has one upload open at a time.
*/
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#include <time.h>

#include "policy_server.h"
#include "policy_store.h"
#include "pw_csv.h"
#include "pw_import.h"
#include "pw_log.h"

#define S_MAX_ERRORS 1000      //  errors listed in a reply
#define S_ENDED_KEPT 32        //  ended uploads remembered, to say why a part is refused
#define S_UPLOAD_ID  64        //  longest upload id
#define S_MAX_LINE   (1 << 30) //  line numbers stay far from overflowing an int
//  A part is parsed, checked and staged this much at a time.
#define S_SLICE_BYTES ((size_t)4 << 20)

typedef struct {
    Patchwarden__V1__ImportReply reply;
    Patchwarden__V1__ImportError **errors;
    size_t error_cap;
    char **warnings;
} s_reply_t;

//  Where a patches upload first saw an ident.
typedef struct {
    int line;
    char *kb;
} s_seen_t;

//  One upload in parts, between its first and its last part.
typedef struct {
    char *id; //  the client's
    char *tenant;
    pw_import_kind_t kind;
    int number;          //  `upload` in the staging tables
    uint64_t generation; //  the store connection its rows are staged on
    uint32_t next_part;
    int64_t last_ms; //  when the last part was handled (monotonic)
    uint32_t rows;   //  rows read so far
    uint32_t staged; //  rows staged so far
    pw_import_catalogue_t catalogue;
    //  Agents: hostname in lower case -> first line. Patches: ident ->
    //  s_seen_t. Scans: a key per staged row (agent and patch ids), sorted.
    zhashx_t *seen;
    uint64_t *pairs;
    size_t pair_count;
    char **warnings; //  of the whole file so far, the first PW_IMPORT_MAX_ISSUES
    size_t warning_count;
} s_upload_t;

typedef struct {
    char id [S_UPLOAD_ID + 1];
    char why [160];
} s_ended_t;

struct _policy_imports_t {
    pw_service_t *service;
    zhashx_t *uploads; //  id -> s_upload_t
    int64_t idle_ms;
    int numbers; //  upload numbers given so far
    s_ended_t ended [S_ENDED_KEPT];
    size_t ended_next;
};

//  --- replies ----------------------------------------------------------------

static void
s_reply_free (void *ptr)
{
    s_reply_t *self = ptr;
    for (size_t i = 0; i < self->reply.n_errors; i++) {
        free (self->errors [i]->field);
        free (self->errors [i]->message);
        free (self->errors [i]);
    }
    free (self->errors);
    for (size_t i = 0; i < self->reply.n_warnings; i++)
        free (self->warnings [i]);
    free (self->warnings);
    free (self);
}

static void
s_error (s_reply_t *self, int line, const char *field, const char *message)
{
    if (self->reply.n_errors == self->error_cap) {
        self->error_cap = self->error_cap ? self->error_cap * 2 : 16;
        self->errors = pw_realloc (self->errors, sizeof (void *) * self->error_cap);
    }
    Patchwarden__V1__ImportError *e = pw_calloc (1, sizeof *e);
    patchwarden__v1__import_error__init (e);
    e->line = line;
    e->field = pw_strdup (field ? field : "");
    e->message = pw_strdup (message);
    self->errors [self->reply.n_errors++] = e;
    self->reply.errors = self->errors;
}

static void s_errorf (s_reply_t *self, int line, const char *field, const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

static void
s_errorf (s_reply_t *self, int line, const char *field, const char *format, ...)
{
    va_list args;
    va_start (args, format);
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    pw_strbuf_vappendf (&buf, format, args);
    va_end (args);
    s_error (self, line, field, buf.data);
    pw_strbuf_free (&buf);
}

//  One issue of pw_import as a line of the reply: `FILE:LINE: FIELD: MESSAGE`.
static char *
s_issue_text (const char *filename, const pw_import_issue_t *issue)
{
    return issue->line ? pw_sprintf ("%s:%d: %s%s%s", filename, issue->line,
                                     issue->field ? issue->field : "", issue->field ? ": " : "",
                                     issue->message)
                       : pw_sprintf ("%s: %s%s%s", filename, issue->field ? issue->field : "",
                                     issue->field ? ": " : "", issue->message);
}

//  The errors of a parse into the reply. Returns how many there were.
static size_t
s_parse_errors (s_reply_t *out, const pw_import_t *import, const char *filename)
{
    for (size_t i = 0; i < pw_import_error_count (import) && out->reply.n_errors < S_MAX_ERRORS;
         i++) {
        const pw_import_issue_t *e = pw_import_error (import, i);
        if (!e)
            break; //  past the errors kept (the count goes on)
        char *message = s_issue_text (filename, e);
        s_error (out, e->line, e->field, message);
        free (message);
    }
    return pw_import_error_count (import);
}

static void
s_fail_invalid (pw_call_t *call, s_reply_t *out, const char *filename)
{
    pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                  "%s: %zu bad row%s; nothing was imported", filename, out->reply.n_errors,
                  out->reply.n_errors == 1 ? "" : "s");
}

//  --- staging ----------------------------------------------------------------

static void
s_time (pw_strbuf_t *buf, int64_t when)
{
    if (!when) {
        pw_db_copy_text (buf, NULL, false);
        return;
    }
    char text [40];
    time_t t = (time_t)when;
    struct tm tm;
    gmtime_r (&t, &tm);
    strftime (text, sizeof text, "%Y-%m-%d %H:%M:%S+00", &tm);
    pw_db_copy_text (buf, text, false);
}

static int
s_flush (pw_db_t *db, pw_strbuf_t *buf, bool force)
{
    if (buf->len && (force || buf->len > (1 << 20))) {
        if (pw_db_copy_in_send (db, buf->data, buf->len))
            return -1;
        pw_strbuf_reset (buf);
    }
    return 0;
}

//  Sends what BUF still holds (unless a row already failed, RC), frees BUF
//  and ends the COPY: 0, or -1 when any of it failed.
static int
s_copy_end (pw_db_t *db, pw_strbuf_t *buf, int rc)
{
    if (rc == 0)
        rc = s_flush (db, buf, true);
    pw_strbuf_free (buf);
    return pw_db_copy_in_end (db) || rc ? -1 : 0;
}

//  The first fields of a row: for an upload, its number and the row's line
//  (then the row's own fields follow); nothing for a file sent whole.
static bool
s_row_begin (pw_strbuf_t *buf, const s_upload_t *upload, int line)
{
    if (!upload)
        return true;
    char number [16], at [16];
    snprintf (number, sizeof number, "%d", upload->number);
    snprintf (at, sizeof at, "%d", line);
    pw_db_copy_text (buf, number, true);
    pw_db_copy_text (buf, at, false);
    return false;
}

static int
s_stage_agents (pw_db_t *db, const pw_import_t *import, const s_upload_t *upload)
{
    size_t count;
    const pw_import_agent_t *agents = pw_import_agents (import, &count);
    if (pw_db_copy_in_begin (db, upload ? "policy_import_upload_agents_copy"
                                        : "policy_import_agents_copy"))
        return -1;
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        const pw_import_agent_t *a = &agents [i];
        pw_db_copy_text (&buf, a->hostname, s_row_begin (&buf, upload, a->line));
        pw_db_copy_text (&buf, a->org, false);
        pw_db_copy_text (&buf, a->group ? a->group : "", false);
        pw_db_copy_text (&buf, pw_class_name (a->klass), false);
        pw_db_copy_text (&buf, a->os ? a->os : "", false);
        pw_db_copy_text (&buf, a->os_version ? a->os_version : "", false);
        pw_strbuf_t json;
        pw_strbuf_init (&json);
        pw_strbuf_append (&json, "{");
        for (size_t f = 0; f < a->cf_count; f++) {
            pw_strbuf_append (&json, f ? "," : "");
            pw_strbuf_append_json (&json, a->cf [f].name);
            pw_strbuf_append (&json, ":");
            pw_strbuf_append_json (&json, a->cf [f].value);
        }
        pw_strbuf_append (&json, "}");
        pw_db_copy_text (&buf, json.data, false);
        pw_strbuf_free (&json);
        pw_db_copy_array (&buf, a->tags, a->tag_count, true);
        pw_db_copy_array (&buf, a->ignored_kbs, a->ignored_kb_count, true);
        pw_db_copy_text (&buf, a->subscribed ? "t" : "f", false);
        char minutes [16];
        snprintf (minutes, sizeof minutes, "%d", a->expected_minutes);
        pw_db_copy_text (&buf, a->expected_minutes > 0 ? minutes : NULL, false);
        s_time (&buf, a->last_checkin);
        s_time (&buf, a->last_scan);
        pw_strbuf_append_len (&buf, "\n", 1);
        rc = s_flush (db, &buf, false);
    }
    return s_copy_end (db, &buf, rc);
}

//  Stages the catalogue rows, but those SKIP marks (merged into a row an
//  earlier slice of the upload staged).
static int
s_stage_patches (pw_db_t *db, const pw_import_t *import, const s_upload_t *upload, const bool *skip)
{
    size_t count;
    const pw_import_patch_t *patches = pw_import_patches (import, &count);
    if (pw_db_copy_in_begin (db, upload ? "policy_import_upload_patches_copy"
                                        : "policy_import_patches_copy"))
        return -1;
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        if (skip && skip [i])
            continue;
        const pw_import_patch_t *p = &patches [i];
        pw_db_copy_text (&buf, p->ident, s_row_begin (&buf, upload, p->line));
        pw_db_copy_text (&buf, p->kb, false);
        pw_db_copy_text (&buf, p->title ? p->title : "", false);
        pw_db_copy_text (&buf, pw_classification_name ((pw_classification_t)p->classification),
                         false);
        pw_db_copy_array (&buf, p->products, p->product_count, true);
        pw_db_copy_text (&buf, p->severity ? p->severity : "", false);
        s_time (&buf, p->released);
        pw_db_copy_array (&buf, p->supersedes, p->supersedes_count, true);
        pw_db_copy_text (&buf, p->reboot_required ? "t" : "f", false);
        pw_db_copy_array (&buf, p->cves, p->cve_count, true);
        pw_strbuf_append_len (&buf, "\n", 1);
        rc = s_flush (db, &buf, false);
    }
    return s_copy_end (db, &buf, rc);
}

//  VALUES as an array literal for a text[] parameter: {"a","b"}.
static void
s_array_literal (pw_strbuf_t *out, const char *const *values, size_t count)
{
    pw_strbuf_append (out, "{");
    for (size_t i = 0; i < count; i++) {
        pw_strbuf_append (out, i ? ",\"" : "\"");
        for (const char *p = values [i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                pw_strbuf_append_len (out, "\\", 1);
            pw_strbuf_append_len (out, p, 1);
        }
        pw_strbuf_append (out, "\"");
    }
    pw_strbuf_append (out, "}");
}

//  Lower-cases TEXT into KEY (hostnames compare without regard to case).
static void
s_lower (const char *text, char *key, size_t size)
{
    snprintf (key, size, "%s", text);
    for (char *c = key; *c; c++)
        *c = (char)tolower ((unsigned char)*c);
}

//  Checks scans against the tenant: each hostname an agent, each patch a
//  catalogue row (by ident, or by a KB that has one row). Sets AGENT_OF
//  and PATCH_OF, the inventory index of each row's agent and patch.
static void
s_check_scans (const pw_import_scan_t *scans, size_t count, const policy_inventory_t *inv,
               s_reply_t *out, const char *filename, size_t *agent_of, size_t *patch_of)
{
    zhashx_t *hosts = zhashx_new ();
    zhashx_t *idents = zhashx_new ();
    zhashx_t *kbs = zhashx_new ();
    //  Values are indices + 1; a KB with several rows maps to AMBIGUOUS, so
    //  a scan naming it is refused as ambiguous.
    const uintptr_t ambiguous = UINTPTR_MAX;
    char key [512];
    for (size_t a = 0; a < inv->agent_count; a++) {
        s_lower (inv->agents [a].hostname, key, sizeof key);
        zhashx_insert (hosts, key, (void *)(uintptr_t)(a + 1));
    }
    for (size_t p = 0; p < inv->patch_count; p++) {
        zhashx_insert (idents, inv->patches [p].id, (void *)(uintptr_t)(p + 1));
        if (zhashx_lookup (kbs, inv->patches [p].kb))
            zhashx_update (kbs, inv->patches [p].kb, (void *)ambiguous);
        else
            zhashx_insert (kbs, inv->patches [p].kb, (void *)(uintptr_t)(p + 1));
    }
    for (size_t i = 0; i < count && out->reply.n_errors < S_MAX_ERRORS; i++) {
        s_lower (scans [i].hostname, key, sizeof key);
        uintptr_t host = (uintptr_t)zhashx_lookup (hosts, key);
        agent_of [i] = host ? host - 1 : 0;
        if (!host)
            s_errorf (out, scans [i].line, "hostname",
                      "%s:%d: hostname: \"%s\" is not an agent of this tenant (import agents "
                      "first)",
                      filename, scans [i].line, scans [i].hostname);
        uintptr_t patch = (uintptr_t)zhashx_lookup (idents, scans [i].patch);
        if (!patch) {
            uintptr_t by_kb = (uintptr_t)zhashx_lookup (kbs, scans [i].patch);
            if (by_kb && by_kb != ambiguous)
                patch = by_kb;
            else if (by_kb)
                s_errorf (out, scans [i].line, "patch",
                          "%s:%d: patch: KB \"%s\" has several catalogue rows; name the row by "
                          "its ident",
                          filename, scans [i].line, scans [i].patch);
            else
                s_errorf (out, scans [i].line, "patch",
                          "%s:%d: patch: \"%s\" is not in the catalogue (import patches first)",
                          filename, scans [i].line, scans [i].patch);
        }
        patch_of [i] = patch ? patch - 1 : 0;
    }
    zhashx_destroy (&hosts);
    zhashx_destroy (&idents);
    zhashx_destroy (&kbs);
}

//  Stages checked scans with their resolved names.
static int
s_stage_scans (pw_db_t *db, const pw_import_scan_t *scans, size_t count,
               const policy_inventory_t *inv, const size_t *agent_of, const size_t *patch_of,
               const s_upload_t *upload)
{
    if (pw_db_copy_in_begin (db, upload ? "policy_import_upload_scans_copy"
                                        : "policy_import_scans_copy"))
        return -1;
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        pw_db_copy_text (&buf, inv->agents [agent_of [i]].hostname,
                         s_row_begin (&buf, upload, scans [i].line));
        pw_db_copy_text (&buf, inv->patches [patch_of [i]].id, false);
        pw_db_copy_text (&buf, pw_import_state_name (scans [i].state), false);
        s_time (&buf, scans [i].scanned_at);
        pw_strbuf_append_len (&buf, "\n", 1);
        rc = s_flush (db, &buf, false);
    }
    return s_copy_end (db, &buf, rc);
}

//  Every agent's org must exist: orgs come from the setup file.
static void
s_check_agents (const pw_import_t *import, const policy_inventory_t *inv, s_reply_t *out,
                const char *filename)
{
    size_t count;
    const pw_import_agent_t *agents = pw_import_agents (import, &count);
    for (size_t i = 0; i < count && out->reply.n_errors < S_MAX_ERRORS; i++) {
        bool known = false;
        for (size_t o = 0; o < inv->org_count && !known; o++)
            known = strcmp (inv->orgs [o].name, agents [i].org) == 0;
        if (!known)
            s_errorf (out, agents [i].line, "org",
                      "%s:%d: org: \"%s\" is not an org of this tenant (declare it in the "
                      "setup file)",
                      filename, agents [i].line, agents [i].org);
    }
}

//  Runs a move statement, which returns (inserted, updated).
static int
s_move (pw_db_t *db, const char *name, uint32_t *inserted_p, uint32_t *updated_p)
{
    PGresult *res = pw_db_exec (db, name, 0, NULL);
    if (!res)
        return -1;
    *inserted_p = (uint32_t)strtoul (PQgetvalue (res, 0, 0), NULL, 10);
    *updated_p = (uint32_t)strtoul (PQgetvalue (res, 0, 1), NULL, 10);
    PQclear (res);
    return 0;
}

//  Runs the steps NAMES in order: scripts (ANALYZE) or prepared queries.
static int
s_steps (pw_db_t *db, const char *const *names)
{
    for (size_t i = 0; names [i]; i++) {
        bool script = strncmp (names [i], "policy_analyze", 14) == 0;
        PGresult *res =
            script ? pw_db_exec_script (db, names [i]) : pw_db_exec (db, names [i], 0, NULL);
        if (!res)
            return -1;
        PQclear (res);
    }
    return 0;
}

//  The staged rows are in the move's staging tables: upserts them, then
//  re-resolves the tenant, writes what changed, emits `import.KIND` and
//  commits. Returns 0, or -1 with CALL failed.
static int
s_import (policy_server_t *server, pw_service_t *service, pw_call_t *call, s_reply_t *out,
          pw_import_kind_t kind, const char *filename)
{
    pw_db_t *db = pw_service_db (service);
    const char *move = kind == PW_IMPORT_AGENTS    ? "policy_import_agents_move"
                       : kind == PW_IMPORT_PATCHES ? "policy_import_patches_move"
                                                   : "policy_import_scans_move";
    if (s_move (db, move, &out->reply.inserted, &out->reply.updated)) {
        pw_call_fail_db (service, call, "import");
        return -1;
    }
    if (kind == PW_IMPORT_SCANS) {
        //  The scan writes declared what they change (policy_import_scans_declare);
        //  later writes declare their own
        const char *any [] = {"", "", ""};
        PGresult *res = pw_db_exec (db, "policy_facts_declare", 3, any);
        bool undeclared = res != NULL;
        PQclear (res);
        res = undeclared ? pw_db_exec (db, "policy_import_scans_last", 0, NULL) : NULL;
        if (!res) {
            pw_call_fail_db (service, call, "import");
            return -1;
        }
        PQclear (res);
    }
    uint32_t changed_rows = out->reply.inserted + out->reply.updated;
    out->reply.unchanged = out->reply.rows > changed_rows ? out->reply.rows - changed_rows : 0;
    char *error = NULL;
    policy_reading_t *reading = NULL;
    //  The parsed file is held while the tenant is rebuilt: the old
    //  state's pages go back first, so the rebuild does not stack on top of
    //  holes it cannot reuse around the file's blocks (a scan import's
    //  rebuild peaked at 281 MB at L without, 242 MB with)
    policy_server_forget (server, call->tenant);
    pw_memory_release ();
    policy_tenant_t *fresh = policy_server_load (server, call->tenant, &error, &reading);
    if (!fresh) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INTERNAL, "import: %s", error);
        free (error);
        return -1;
    }
    policy_tenant_t *tenant = policy_server_replace (server, call->tenant, &fresh, &reading);
    long affected = policy_server_publish_results (server, call, tenant, POLICY_WRITE_AGENTS);
    if (affected < 0)
        return -1;
    char payload [256];
    snprintf (
        payload, sizeof payload,
        "{\"rows\":%u,\"inserted\":%u,\"updated\":%u,\"unchanged\":%u,\"agents_affected\":%ld}",
        out->reply.rows, out->reply.inserted, out->reply.updated, out->reply.unchanged, affected);
    char kind_name [32];
    snprintf (kind_name, sizeof kind_name, "import.%s", pw_import_kind_name (kind));
    if (pw_service_emit (service, call->tenant, kind_name, filename, call->actor, payload) ||
        pw_service_commit (service)) {
        pw_call_fail_db (service, call, "import");
        return -1;
    }
    out->reply.agents_affected = (uint32_t)affected;
    //  A bulk load leaves the planner's statistics behind; refresh them now
    //  rather than when autovacuum comes by (outside the transaction, so the
    //  sample sees the committed rows), on the tables whose statistics the
    //  import moved: where its changed rows are a tenth of the table or more
    //  (a daily import of one customer moves none).
    if (changed_rows >= 1000) {
        const char *tables = kind == PW_IMPORT_AGENTS    ? "{agents,agent_settings}"
                             : kind == PW_IMPORT_PATCHES ? "{patches,profile_status}"
                                                         : "{scan_states,profile_status}";
        char changed_text [16];
        snprintf (changed_text, sizeof changed_text, "%u", changed_rows);
        const char *params [] = {tables, changed_text};
        PGresult *analyzed = pw_db_exec (db, "policy_analyze_import", 2, params);
        if (analyzed) {
            if (*PQgetvalue (analyzed, 0, 0))
                pw_log_info ("statistics refreshed", "tenant=%s tables=%s", call->tenant,
                             PQgetvalue (analyzed, 0, 0));
            PQclear (analyzed);
        } else
            pw_log_warn ("statistics not refreshed", "tenant=%s reason=\"%s\"", call->tenant,
                         pw_db_last_error (db));
    }
    pw_log_info ("import done", "tenant=%s kind=%s rows=%u inserted=%u updated=%u agents=%ld",
                 call->tenant, pw_import_kind_name (kind), out->reply.rows, out->reply.inserted,
                 out->reply.updated, affected);
    return 0;
}

//  Begins the transaction of a write: the tenant exists, and its policy
//  lock is held. Returns 0, or -1 with CALL failed.
static int
s_begin_write (pw_service_t *service, pw_call_t *call)
{
    pw_db_t *db = pw_service_db (service);
    const char *tenant_params [] = {call->tenant};
    PGresult *res = NULL;
    if (pw_db_begin (db, call->tenant) ||
        !(res = pw_db_exec (db, "tenant_ensure", 1, tenant_params)) || policy_store_lock (db)) {
        if (res)
            PQclear (res);
        pw_call_fail_db (service, call, "import");
        return -1;
    }
    PQclear (res);
    return 0;
}

//  --- a file sent whole -------------------------------------------------------

static void
s_whole (policy_server_t *server, pw_service_t *service, pw_call_t *call, s_reply_t *out,
         pw_import_kind_t kind, const char *filename)
{
    const Patchwarden__V1__ImportRequest *request = call->request->import;
    pw_import_options_t options = {.format = PW_IMPORT_AUTO};
    if (strcmp (request->format, "csv") == 0)
        options.format = PW_IMPORT_CSV;
    else if (strcmp (request->format, "json") == 0)
        options.format = PW_IMPORT_JSON;
    pw_import_t *import = pw_import_parse (kind, filename, (const char *)request->content.data,
                                           request->content.len, &options);
    pw_db_t *db = pw_service_db (service);
    out->reply.rows = (uint32_t)pw_import_rows (import);
    out->warnings = pw_calloc (pw_import_warning_count (import) + 1, sizeof (char *));
    for (size_t i = 0; i < pw_import_warning_count (import); i++) {
        const pw_import_issue_t *w = pw_import_warning (import, i);
        if (!w)
            break;
        out->warnings [out->reply.n_warnings++] = s_issue_text (filename, w);
    }
    out->reply.warnings = out->warnings;
    size_t *agent_of = NULL, *patch_of = NULL;
    if (s_parse_errors (out, import, filename)) {
        s_fail_invalid (call, out, filename);
        goto done;
    }
    if (s_begin_write (service, call))
        goto done;
    policy_tenant_t *tenant = policy_server_tenant (server, call);
    if (!tenant)
        goto done;
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    int staged = 0;
    if (kind == PW_IMPORT_AGENTS) {
        s_check_agents (import, inv, out, filename);
        if (out->reply.n_errors == 0)
            staged = s_stage_agents (db, import, NULL);
    } else if (kind == PW_IMPORT_PATCHES)
        staged = s_stage_patches (db, import, NULL, NULL);
    else {
        size_t count;
        const pw_import_scan_t *scans = pw_import_scans (import, &count);
        agent_of = pw_calloc (count + 1, sizeof (size_t));
        patch_of = pw_calloc (count + 1, sizeof (size_t));
        s_check_scans (scans, count, inv, out, filename, agent_of, patch_of);
        static const char *const steps [] = {
            "policy_analyze_scans",        "policy_import_scans_resolve", "policy_analyze_scan_ids",
            "policy_import_scans_declare", "policy_import_scans_prune",   NULL};
        if (out->reply.n_errors == 0)
            staged = s_stage_scans (db, scans, count, inv, agent_of, patch_of, NULL) ||
                     s_steps (db, steps);
    }
    if (out->reply.n_errors)
        s_fail_invalid (call, out, filename);
    else if (staged)
        pw_call_fail_db (service, call, "import");
    else
        s_import (server, service, call, out, kind, filename);
done:
    if (call->reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK) {
        pw_service_rollback (service);
        policy_server_forget (server, call->tenant);
    }
    free (agent_of);
    free (patch_of);
    pw_import_destroy (&import);
}

//  --- uploads in parts ------------------------------------------------------

static void
s_seen_free (void **item)
{
    s_seen_t *seen = *item;
    if (seen) {
        free (seen->kb);
        free (seen);
        *item = NULL;
    }
}

static void
s_upload_free (void **item)
{
    s_upload_t *upload = *item;
    if (!upload)
        return;
    free (upload->id);
    free (upload->tenant);
    zhashx_destroy (&upload->seen);
    free (upload->pairs);
    for (size_t i = 0; i < upload->warning_count; i++)
        free (upload->warnings [i]);
    free (upload->warnings);
    free (upload);
    *item = NULL;
}

policy_imports_t *
policy_imports_new (pw_service_t *service, int64_t idle_timeout_ms)
{
    policy_imports_t *self = pw_calloc (1, sizeof *self);
    self->service = service;
    self->uploads = zhashx_new ();
    zhashx_set_destructor (self->uploads, s_upload_free);
    self->idle_ms = idle_timeout_ms > 0 ? idle_timeout_ms : 600000;
    return self;
}

void
policy_imports_destroy (policy_imports_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    zhashx_destroy (&(*self_p)->uploads);
    free (*self_p);
    *self_p = NULL;
}

int
policy_imports_interval_ms (policy_imports_t *self)
{
    int64_t interval = self->idle_ms / 10;
    return (int)(interval < 100 ? 100 : interval > 5000 ? 5000 : interval);
}

//  Ends UPLOAD: frees its staged rows (when they still exist: the store
//  connection they were staged on is the current one) and remembers WHY for
//  a part that comes after. Never inside a transaction.
static void
s_drop (policy_imports_t *self, s_upload_t *upload, const char *why)
{
    pw_db_t *db = pw_service_db (self->service);
    if (upload->generation == pw_db_generation (db) && pw_db_conn (db)) {
        PGresult *res = NULL;
        if (zhashx_size (self->uploads) == 1)
            res = pw_db_exec_script (db, "policy_import_upload_clear");
        else {
            char number [16];
            snprintf (number, sizeof number, "%d", upload->number);
            const char *params [] = {number};
            res = pw_db_exec (db, "policy_import_upload_drop", 1, params);
        }
        if (res)
            PQclear (res);
        else
            pw_log_warn ("import upload not cleared", "upload=%s reason=\"%s\"", upload->id,
                         pw_db_last_error (db));
    }
    s_ended_t *ended = &self->ended [self->ended_next++ % S_ENDED_KEPT];
    snprintf (ended->id, sizeof ended->id, "%s", upload->id);
    snprintf (ended->why, sizeof ended->why, "%s", why);
    pw_log_info ("import upload ended", "tenant=%s upload=%s parts=%u rows=%u why=\"%s\"",
                 upload->tenant, upload->id, upload->next_part, upload->rows, why);
    zhashx_delete (self->uploads, upload->id);
}

void
policy_imports_expire (pw_service_t *service, void *state)
{
    (void)service;
    policy_imports_t *self = state;
    if (zhashx_size (self->uploads) == 0)
        return;
    int64_t now = zclock_mono ();
    zlistx_t *ids = zhashx_keys (self->uploads);
    for (const char *id = zlistx_first (ids); id; id = zlistx_next (ids)) {
        s_upload_t *upload = zhashx_lookup (self->uploads, id);
        if (upload && now - upload->last_ms >= self->idle_ms) {
            char why [96];
            snprintf (why, sizeof why, "dropped after %lld s without a part",
                      (long long)(self->idle_ms / 1000));
            s_drop (self, upload, why);
        }
    }
    zlistx_destroy (&ids);
}

static bool
s_id_ok (const char *id)
{
    size_t len = strlen (id);
    if (len == 0 || len > S_UPLOAD_ID)
        return false;
    for (const char *c = id; *c; c++)
        if (!isalnum ((unsigned char)*c) && *c != '-' && *c != '_' && *c != '.')
            return false;
    return true;
}

//  Keeps the warnings of a slice whose records begin on FIRST_LINE. Those
//  of the header only with HEADER_TOO: every part and slice has it.
static void
s_keep_warnings (s_upload_t *upload, const pw_import_t *import, const char *filename,
                 int first_line, bool header_too)
{
    for (size_t i = 0; i < pw_import_warning_count (import); i++) {
        const pw_import_issue_t *w = pw_import_warning (import, i);
        if (!w || upload->warning_count >= PW_IMPORT_MAX_ISSUES)
            break;
        if (!header_too && w->line < first_line)
            continue;
        upload->warnings =
            pw_realloc (upload->warnings, (upload->warning_count + 1) * sizeof (char *));
        upload->warnings [upload->warning_count++] = s_issue_text (filename, w);
    }
}

//  Agents of a slice whose hostname came earlier in the upload.
static void
s_repeats_agents (s_upload_t *upload, const pw_import_t *import, s_reply_t *out,
                  const char *filename)
{
    size_t count;
    const pw_import_agent_t *agents = pw_import_agents (import, &count);
    char key [512];
    for (size_t i = 0; i < count && out->reply.n_errors < S_MAX_ERRORS; i++) {
        s_lower (agents [i].hostname, key, sizeof key);
        uintptr_t first = (uintptr_t)zhashx_lookup (upload->seen, key);
        if (first)
            s_errorf (out, agents [i].line, "hostname",
                      "%s:%d: hostname: \"%s\" appears again (first on line %d)", filename,
                      agents [i].line, agents [i].hostname, (int)first);
    }
    for (size_t i = 0; i < count && out->reply.n_errors == 0; i++) {
        s_lower (agents [i].hostname, key, sizeof key);
        zhashx_insert (upload->seen, key, (void *)(uintptr_t)agents [i].line);
    }
}

//  Catalogue rows of a slice whose ident came earlier in the upload: an error,
//  or in the Debian form a merge into the row staged first (its advisory
//  stays, it gains the CVEs it does not list). SKIP marks the merged rows.
static int
s_repeats_patches (pw_db_t *db, s_upload_t *upload, const pw_import_t *import, s_reply_t *out,
                   const char *filename, bool *skip)
{
    size_t count;
    const pw_import_patch_t *patches = pw_import_patches (import, &count);
    bool debian = upload->catalogue == PW_IMPORT_CATALOGUE_DEBIAN;
    char number [16];
    snprintf (number, sizeof number, "%d", upload->number);
    for (size_t i = 0; i < count && out->reply.n_errors < S_MAX_ERRORS; i++) {
        const pw_import_patch_t *p = &patches [i];
        s_seen_t *first = zhashx_lookup (upload->seen, p->ident);
        if (!first)
            continue;
        if (upload->catalogue == PW_IMPORT_CATALOGUE_WINDOWS)
            s_errorf (out, p->line, "title",
                      "%s:%d: title: the same kb and title appear again (first on line %d)",
                      filename, p->line, first->line);
        else if (!debian)
            s_errorf (out, p->line, "ident",
                      "%s:%d: ident: \"%s\" appears again (first on line %d)", filename, p->line,
                      p->ident, first->line);
        else {
            skip [i] = true;
            if (upload->warning_count < PW_IMPORT_MAX_ISSUES) {
                upload->warnings =
                    pw_realloc (upload->warnings, (upload->warning_count + 1) * sizeof (char *));
                upload->warnings [upload->warning_count++] = pw_sprintf (
                    "%s:%d: advisory: %s fixes the same version as %s (line %d); merged into "
                    "that row",
                    filename, p->line, p->kb, first->kb, first->line);
            }
            pw_strbuf_t cves;
            pw_strbuf_init (&cves);
            s_array_literal (&cves, p->cves, p->cve_count);
            const char *params [] = {number, p->ident, cves.data};
            PGresult *res = pw_db_exec (db, "policy_import_upload_patches_merge", 3, params);
            pw_strbuf_free (&cves);
            if (!res)
                return -1;
            PQclear (res);
        }
    }
    for (size_t i = 0; i < count && out->reply.n_errors == 0; i++) {
        if (skip [i])
            continue;
        s_seen_t *seen = pw_calloc (1, sizeof *seen);
        seen->line = patches [i].line;
        seen->kb = pw_strdup (patches [i].kb);
        zhashx_insert (upload->seen, patches [i].ident, seen);
    }
    return 0;
}

typedef struct {
    uint64_t key;
    uint32_t row;
} s_pair_t;

static int
s_pair_compare (const void *a, const void *b)
{
    const s_pair_t *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

//  The key of an (agent, patch) pair of ids: exact while both ids are
//  below 2^32; a repeat it finds is checked against the rows themselves.
static uint64_t
s_pair_key (int64_t agent_id, int64_t patch_id)
{
    return ((uint64_t)agent_id << 32) ^ (uint64_t)patch_id;
}

//  Scans of a slice that name the same agent and patch as a row before
//  them: in the slice (named two ways, by KB and by ident), or earlier in
//  the upload. The slice's keys then join the upload's, which stay sorted.
static int
s_repeats_scans (pw_db_t *db, s_upload_t *upload, const pw_import_scan_t *scans, size_t count,
                 const policy_inventory_t *inv, const size_t *agent_of, const size_t *patch_of,
                 s_reply_t *out, const char *filename)
{
    s_pair_t *pairs = pw_calloc (count + 1, sizeof (s_pair_t));
    for (size_t i = 0; i < count; i++) {
        pairs [i].key = s_pair_key (inv->agent_ids [agent_of [i]], inv->patch_ids [patch_of [i]]);
        pairs [i].row = (uint32_t)i;
    }
    qsort (pairs, count, sizeof (s_pair_t), s_pair_compare);
    //  Rows whose key came earlier in the upload: candidates, checked in the
    //  store (as many as there can be errors).
    size_t *candidates = NULL;
    size_t candidate_count = 0;
    size_t at = 0, group = 0;
    for (size_t i = 0; i < count; i++) {
        const s_pair_t *pair = &pairs [i];
        if (i == 0 || pairs [i - 1].key != pair->key)
            group = i;
        //  Within the part: one key's rows are in file order, so the first
        //  with the same ids is where the pair first appears.
        for (size_t j = group; j < i; j++) {
            size_t a = pairs [j].row, b = pair->row;
            if (agent_of [a] == agent_of [b] && patch_of [a] == patch_of [b]) {
                if (out->reply.n_errors < S_MAX_ERRORS)
                    s_errorf (out, scans [b].line, "patch",
                              "%s:%d: patch: \"%s\" on %s appears again (first on line %d)",
                              filename, scans [b].line, scans [b].patch, scans [b].hostname,
                              scans [a].line);
                break;
            }
        }
        while (at < upload->pair_count && upload->pairs [at] < pair->key)
            at++;
        if (at < upload->pair_count && upload->pairs [at] == pair->key && group == i &&
            candidate_count < S_MAX_ERRORS) {
            candidates = pw_realloc (candidates, (candidate_count + 1) * sizeof (size_t));
            candidates [candidate_count++] = pair->row;
        }
    }
    int rc = 0;
    if (candidate_count && out->reply.n_errors < S_MAX_ERRORS) {
        //  One array of hostnames and one of idents, as array literals.
        pw_strbuf_t hosts, idents;
        pw_strbuf_init (&hosts);
        pw_strbuf_init (&idents);
        const char **names = pw_calloc (candidate_count + 1, sizeof (char *));
        for (size_t c = 0; c < candidate_count; c++)
            names [c] = inv->agents [agent_of [candidates [c]]].hostname;
        s_array_literal (&hosts, names, candidate_count);
        for (size_t c = 0; c < candidate_count; c++)
            names [c] = inv->patches [patch_of [candidates [c]]].id;
        s_array_literal (&idents, names, candidate_count);
        free (names);
        char number [16];
        snprintf (number, sizeof number, "%d", upload->number);
        const char *params [] = {number, hosts.data, idents.data};
        PGresult *res = pw_db_exec (db, "policy_import_upload_scans_earlier", 3, params);
        pw_strbuf_free (&hosts);
        pw_strbuf_free (&idents);
        if (!res)
            rc = -1;
        else {
            zhashx_t *earlier = zhashx_new ();
            char key [1024];
            for (int r = 0; r < PQntuples (res); r++) {
                snprintf (key, sizeof key, "%s\t%s", PQgetvalue (res, r, 0),
                          PQgetvalue (res, r, 1));
                zhashx_insert (earlier, key, (void *)(uintptr_t)atol (PQgetvalue (res, r, 2)));
            }
            PQclear (res);
            //  Reported in file order, like every other error.
            for (size_t c = 1; c < candidate_count; c++)
                for (size_t d = c; d > 0 && candidates [d - 1] > candidates [d]; d--) {
                    size_t swap = candidates [d];
                    candidates [d] = candidates [d - 1];
                    candidates [d - 1] = swap;
                }
            for (size_t c = 0; c < candidate_count && out->reply.n_errors < S_MAX_ERRORS; c++) {
                size_t i = candidates [c];
                snprintf (key, sizeof key, "%s\t%s", inv->agents [agent_of [i]].hostname,
                          inv->patches [patch_of [i]].id);
                uintptr_t first = (uintptr_t)zhashx_lookup (earlier, key);
                if (first)
                    s_errorf (out, scans [i].line, "patch",
                              "%s:%d: patch: \"%s\" on %s appears again (first on line %d)",
                              filename, scans [i].line, scans [i].patch, scans [i].hostname,
                              (int)first);
            }
            zhashx_destroy (&earlier);
        }
    }
    free (candidates);
    if (rc == 0 && out->reply.n_errors == 0 && count) {
        //  Merged from the back, in place: the upload's keys stay sorted.
        size_t total = upload->pair_count + count;
        upload->pairs = pw_realloc (upload->pairs, total * sizeof (uint64_t));
        size_t a = upload->pair_count, b = count, to = total;
        while (b > 0) {
            if (a > 0 && upload->pairs [a - 1] > pairs [b - 1].key)
                upload->pairs [--to] = upload->pairs [--a];
            else
                upload->pairs [--to] = pairs [--b].key;
        }
        upload->pair_count = total;
    }
    free (pairs);
    return rc;
}

//  Scans staged by UPLOAD whose agent or catalogue row is gone since their
//  part was checked.
static int
s_lost_scans (pw_db_t *db, const s_upload_t *upload, s_reply_t *out, const char *filename)
{
    char number [16];
    snprintf (number, sizeof number, "%d", upload->number);
    const char *params [] = {number};
    PGresult *res = pw_db_exec (db, "policy_import_upload_scans_lost", 1, params);
    if (!res)
        return -1;
    for (int r = 0; r < PQntuples (res); r++) {
        int line = atoi (PQgetvalue (res, r, 0));
        bool agent = strcmp (PQgetvalue (res, r, 3), "t") == 0;
        if (!agent)
            s_errorf (out, line, "hostname",
                      "%s:%d: hostname: \"%s\" is no longer an agent of this tenant (removed "
                      "while the file was uploaded)",
                      filename, line, PQgetvalue (res, r, 1));
        else
            s_errorf (out, line, "patch",
                      "%s:%d: patch: \"%s\" is no longer in the catalogue (removed while the "
                      "file was uploaded)",
                      filename, line, PQgetvalue (res, r, 2));
    }
    PQclear (res);
    return 0;
}

//  The last part is staged: moves every part's rows into the staging
//  tables of the move, checking again what may have changed since the
//  first parts were checked. Returns 0 (errors in OUT when rows are bad),
//  or -1 on a store error.
static int
s_unstage (pw_db_t *db, s_upload_t *upload, s_reply_t *out, const char *filename)
{
    char number [16];
    snprintf (number, sizeof number, "%d", upload->number);
    const char *params [] = {number};
    PGresult *res = NULL;
    if (upload->kind == PW_IMPORT_AGENTS) {
        if (!(res = pw_db_exec (db, "policy_import_upload_agents_orgs", 1, params)))
            return -1;
        for (int r = 0; r < PQntuples (res); r++) {
            int line = atoi (PQgetvalue (res, r, 0));
            s_errorf (out, line, "org",
                      "%s:%d: org: \"%s\" is not an org of this tenant (declare it in the setup "
                      "file)",
                      filename, line, PQgetvalue (res, r, 1));
        }
        PQclear (res);
        if (out->reply.n_errors)
            return 0;
        res = pw_db_exec (db, "policy_import_upload_agents_unstage", 1, params);
    } else if (upload->kind == PW_IMPORT_PATCHES)
        res = pw_db_exec (db, "policy_import_upload_patches_unstage", 1, params);
    else {
        if (s_steps (db, (const char *const []){"policy_analyze_upload_scans", NULL}))
            return -1;
        if (!(res = pw_db_exec (db, "policy_import_upload_scans_resolve", 1, params)))
            return -1;
        uint32_t resolved = (uint32_t)strtoul (PQcmdTuples (res), NULL, 10);
        PQclear (res);
        if (resolved != upload->staged)
            return s_lost_scans (db, upload, out, filename);
        static const char *const steps [] = {"policy_analyze_scan_ids",
                                             "policy_import_scans_declare",
                                             "policy_import_scans_prune", NULL};
        return s_steps (db, steps);
    }
    if (!res)
        return -1;
    PQclear (res);
    return 0;
}

//  One slice of a part: the header row and a run of the part's records,
//  beginning on FIRST_LINE of the file. Parsed, then, while the upload has
//  no error, checked against the tenant and the slices before it and
//  staged; after an error, only parsed, so that every bad row of the part
//  is reported. Returns 0 (bad rows in OUT), or -1 on a store error.
static int
s_slice (pw_db_t *db, s_upload_t *upload, const policy_inventory_t *inv, const char *text,
         size_t len, int first_line, bool first_slice, s_reply_t *out, const char *filename)
{
    pw_import_options_t options = {.format = PW_IMPORT_CSV, .first_line = first_line};
    pw_import_t *import = pw_import_parse (upload->kind, filename, text, len, &options);
    size_t *agent_of = NULL, *patch_of = NULL;
    bool *skip = NULL;
    int rc = 0;
    upload->rows += (uint32_t)pw_import_rows (import);
    s_keep_warnings (upload, import, filename, first_line, first_slice && upload->next_part == 0);
    if (upload->kind == PW_IMPORT_PATCHES && pw_import_ok (import)) {
        if (upload->catalogue == PW_IMPORT_CATALOGUE_NONE)
            upload->catalogue = pw_import_catalogue (import);
        else if (pw_import_catalogue (import) != upload->catalogue)
            s_errorf (out, 0, NULL,
                      "%s: part %u is a %s catalogue, the parts before it a %s catalogue", filename,
                      upload->next_part, pw_import_catalogue_name (pw_import_catalogue (import)),
                      pw_import_catalogue_name (upload->catalogue));
    }
    bool clean = out->reply.n_errors == 0;
    if (s_parse_errors (out, import, filename) || !clean || out->reply.n_errors)
        goto done;
    uint32_t staged = 0;
    if (upload->kind == PW_IMPORT_AGENTS) {
        s_check_agents (import, inv, out, filename);
        if (out->reply.n_errors == 0)
            s_repeats_agents (upload, import, out, filename);
        if (out->reply.n_errors == 0)
            rc = s_stage_agents (db, import, upload);
        size_t count;
        pw_import_agents (import, &count);
        staged = (uint32_t)count;
    } else if (upload->kind == PW_IMPORT_PATCHES) {
        size_t count;
        pw_import_patches (import, &count);
        skip = pw_calloc (count + 1, sizeof (bool));
        rc = s_repeats_patches (db, upload, import, out, filename, skip);
        if (rc == 0 && out->reply.n_errors == 0)
            rc = s_stage_patches (db, import, upload, skip);
        for (size_t i = 0; i < count; i++)
            staged += !skip [i];
    } else {
        size_t count;
        const pw_import_scan_t *scans = pw_import_scans (import, &count);
        agent_of = pw_calloc (count + 1, sizeof (size_t));
        patch_of = pw_calloc (count + 1, sizeof (size_t));
        s_check_scans (scans, count, inv, out, filename, agent_of, patch_of);
        if (out->reply.n_errors == 0)
            rc = s_repeats_scans (db, upload, scans, count, inv, agent_of, patch_of, out, filename);
        if (rc == 0 && out->reply.n_errors == 0)
            rc = s_stage_scans (db, scans, count, inv, agent_of, patch_of, upload);
        staged = (uint32_t)count;
    }
    if (rc == 0 && out->reply.n_errors == 0)
        upload->staged += staged;
done:
    free (agent_of);
    free (patch_of);
    free (skip);
    pw_import_destroy (&import);
    return rc;
}

//  A part of an upload; see the top of the file.
static void
s_part (policy_server_t *server, pw_service_t *service, pw_call_t *call, s_reply_t *out,
        pw_import_kind_t kind, const char *filename)
{
    policy_imports_t *self = policy_server_imports (server);
    const Patchwarden__V1__ImportRequest *request = call->request->import;
    pw_db_t *db = pw_service_db (service);
    if (!s_id_ok (request->upload_id)) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "import: upload id \"%.80s\" is not 1 to %d letters, digits, '-', '_' or "
                      "'.'",
                      request->upload_id, S_UPLOAD_ID);
        return;
    }
    if (strcmp (request->format, "json") == 0) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "import: %s: only CSV files are uploaded in parts", filename);
        return;
    }
    if (request->first_line < 0 || request->first_line > S_MAX_LINE) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "import: upload %s: first line %d is out of range (0 to %d)",
                      request->upload_id, request->first_line, S_MAX_LINE);
        return;
    }
    s_upload_t *upload = zhashx_lookup (self->uploads, request->upload_id);
    if (upload && strcmp (upload->tenant, call->tenant) != 0) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "import: upload %s was started for another tenant", request->upload_id);
        return;
    }
    if (!upload && request->part > 0) {
        const char *why = "no upload has that id: it never started here, or the service "
                          "restarted";
        //  The latest end of an upload of that id.
        for (size_t i = 0; i < S_ENDED_KEPT; i++) {
            const s_ended_t *ended = &self->ended [(self->ended_next + i) % S_ENDED_KEPT];
            if (strcmp (ended->id, request->upload_id) == 0)
                why = ended->why;
        }
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_NOT_FOUND,
                      "import: upload %s is not open (%s); nothing was imported; run the import "
                      "again",
                      request->upload_id, why);
        return;
    }
    if (upload && (upload->kind != kind || request->part != upload->next_part)) {
        char why [160];
        if (upload->kind != kind)
            snprintf (why, sizeof why, "a part of an import of %s came for an import of %s",
                      pw_import_kind_name (kind), pw_import_kind_name (upload->kind));
        else
            snprintf (why, sizeof why, "part %u came when part %u was expected", request->part,
                      upload->next_part);
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "import: upload %s: %s; the upload is dropped, nothing was imported; run "
                      "the import again",
                      request->upload_id, why);
        s_drop (self, upload, why);
        return;
    }
    if (!upload) {
        //  One upload per tenant: a new one replaces one still open.
        zlistx_t *ids = zhashx_keys (self->uploads);
        for (const char *id = zlistx_first (ids); id; id = zlistx_next (ids)) {
            s_upload_t *open = zhashx_lookup (self->uploads, id);
            if (open && strcmp (open->tenant, call->tenant) == 0) {
                char why [160];
                snprintf (why, sizeof why, "replaced by upload %s of the same tenant",
                          request->upload_id);
                s_drop (self, open, why);
            }
        }
        zlistx_destroy (&ids);
        upload = pw_calloc (1, sizeof *upload);
        upload->id = pw_strdup (request->upload_id);
        upload->tenant = pw_strdup (call->tenant);
        upload->kind = kind;
        upload->number = ++self->numbers;
        upload->seen = zhashx_new ();
        if (kind == PW_IMPORT_PATCHES)
            zhashx_set_destructor (upload->seen, s_seen_free);
        zhashx_insert (self->uploads, upload->id, upload);
        pw_log_info ("import upload started", "tenant=%s upload=%s kind=%s file=%s", call->tenant,
                     upload->id, pw_import_kind_name (kind), filename);
    }
    upload->last_ms = zclock_mono ();
    char why [200] = "";
    size_t slice_count = 0;
    pw_csv_part_t *slices = NULL;
    //  The last part writes; the others only read the tenant.
    if (request->last) {
        if (s_begin_write (service, call))
            goto done;
    } else if (pw_db_begin (db, call->tenant)) {
        pw_call_fail_db (service, call, "import");
        goto done;
    }
    //  The staged rows live in the session they were staged in.
    if (upload->next_part == 0)
        upload->generation = pw_db_generation (db);
    else if (upload->generation != pw_db_generation (db)) {
        snprintf (why, sizeof why,
                  "the connection to the store was re-established after part %u, and the rows "
                  "staged before went with it",
                  upload->next_part - 1);
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_UNAVAILABLE,
                      "import: upload %s: %s; nothing was imported; run the import again",
                      upload->id, why);
        goto done;
    }
    policy_tenant_t *tenant = policy_server_tenant (server, call);
    if (!tenant)
        goto done;
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    //  The part is read in slices, each parsed, checked, staged and freed
    //  before the next, so that a part costs little more than its text.
    const char *content = (const char *)request->content.data;
    size_t header_len = 0;
    slices = pw_csv_split (content, request->content.len, S_SLICE_BYTES, &header_len, &slice_count);
    int rc = 0;
    pw_strbuf_t text;
    pw_strbuf_init (&text);
    for (size_t k = 0; k < slice_count && rc == 0 && out->reply.n_errors < S_MAX_ERRORS; k++) {
        pw_strbuf_reset (&text);
        pw_strbuf_append_len (&text, content, header_len);
        pw_strbuf_append_len (&text, content + slices [k].offset, slices [k].len);
        int first_line =
            (request->first_line > 0 ? request->first_line - slices [0].line : 0) + slices [k].line;
        rc = s_slice (db, upload, inv, text.data, text.len, first_line, k == 0, out, filename);
    }
    pw_strbuf_free (&text);
    free (slices);
    slices = NULL;
    if (rc == 0 && out->reply.n_errors == 0 && request->last) {
        free (upload->pairs);
        upload->pairs = NULL;
        upload->pair_count = 0;
        rc = s_unstage (db, upload, out, filename);
    }
    if (out->reply.n_errors) {
        s_fail_invalid (call, out, filename);
        goto done;
    }
    if (rc) {
        pw_call_fail_db (service, call, "import");
        goto done;
    }
    out->reply.rows = upload->rows;
    pw_log_debug ("import part staged", "tenant=%s upload=%s part=%u rows=%u", call->tenant,
                  upload->id, request->part, upload->rows);
    if (!request->last) {
        if (pw_service_commit (service)) {
            pw_call_fail_db (service, call, "import");
            goto done;
        }
        upload->next_part++;
        upload->last_ms = zclock_mono ();
        return;
    }
    //  The reply lists the warnings of the whole file.
    out->warnings = upload->warnings;
    out->reply.warnings = out->warnings;
    out->reply.n_warnings = upload->warning_count;
    upload->warnings = NULL;
    upload->warning_count = 0;
    upload->next_part++;
    if (s_import (server, service, call, out, kind, filename) == 0) {
        s_drop (self, upload, "imported");
        return;
    }
done:
    free (slices);
    pw_service_rollback (service);
    if (request->last)
        policy_server_forget (server, call->tenant);
    if (!out->warnings && upload->warning_count) {
        out->warnings = upload->warnings;
        out->reply.warnings = out->warnings;
        out->reply.n_warnings = upload->warning_count;
        upload->warnings = NULL;
        upload->warning_count = 0;
    }
    if (!*why)
        snprintf (why, sizeof why, "part %u failed: %s", request->part,
                  call->reply->message ? call->reply->message : "");
    s_drop (self, upload, why);
}

//  --- the call ---------------------------------------------------------------

void
policy_import_handle (pw_service_t *service, pw_call_t *call, void *state)
{
    policy_server_t *server = state;
    const Patchwarden__V1__ImportRequest *request = call->request->import;
    s_reply_t *out = pw_calloc (1, sizeof *out);
    patchwarden__v1__import_reply__init (&out->reply);
    pw_call_keep (call, out, s_reply_free);
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_IMPORT;
    call->reply->import = &out->reply;
    const char *filename = *request->filename ? request->filename : "import";

    pw_import_kind_t kind;
    if (pw_import_kind_parse (request->kind, &kind) != 0 ||
        strcmp (request->kind, pw_import_kind_name (kind)) != 0) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "import: kind \"%s\" is not one of agents, patches, scans", request->kind);
        return;
    }
    if (*request->upload_id)
        s_part (server, service, call, out, kind, filename);
    else
        s_whole (server, service, call, out, kind, filename);
    //  The file's rows are freed; their memory is not kept for later
    pw_memory_release ();
}
