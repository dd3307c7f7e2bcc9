/*  policy_import - the import call: agents, patches and scans from the
    files an RMM exports (CSV or JSON, parsed by pw_import).

    All or nothing: the file is parsed and every row checked (by pw_import,
    then against the tenant: orgs for agents, agents and catalogue rows for
    scans) before anything is written; then the rows are staged with COPY
    and upserted in one statement, so re-importing the same file changes
    nothing. The tenant is re-resolved and what changed is written back in
    the same transaction.
*/
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <strings.h>
#include <time.h>

#include "policy_server.h"
#include "policy_store.h"
#include "pw_import.h"
#include "pw_log.h"

typedef struct {
    Patchwarden__V1__ImportReply reply;
    Patchwarden__V1__ImportError **errors;
    size_t error_cap;
    char **warnings;
} s_reply_t;

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

static int
s_stage_agents (pw_db_t *db, const pw_import_t *import)
{
    size_t count;
    const pw_import_agent_t *agents = pw_import_agents (import, &count);
    if (pw_db_copy_in_begin (db, "policy_import_agents_copy"))
        return -1;
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        const pw_import_agent_t *a = &agents [i];
        pw_db_copy_text (&buf, a->hostname, true);
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
    if (rc == 0)
        rc = s_flush (db, &buf, true);
    pw_strbuf_free (&buf);
    return pw_db_copy_in_end (db) || rc ? -1 : 0;
}

static int
s_stage_patches (pw_db_t *db, const pw_import_t *import)
{
    size_t count;
    const pw_import_patch_t *patches = pw_import_patches (import, &count);
    if (pw_db_copy_in_begin (db, "policy_import_patches_copy"))
        return -1;
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        const pw_import_patch_t *p = &patches [i];
        pw_db_copy_text (&buf, p->ident, true);
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
    if (rc == 0)
        rc = s_flush (db, &buf, true);
    pw_strbuf_free (&buf);
    return pw_db_copy_in_end (db) || rc ? -1 : 0;
}

//  Checks scans against the tenant and stages them with resolved idents.
static int
s_stage_scans (pw_db_t *db, const pw_import_t *import, policy_tenant_t *tenant, s_reply_t *out,
               const char *filename)
{
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    zhashx_t *hosts = zhashx_new ();
    zhashx_t *idents = zhashx_new ();
    zhashx_t *kbs = zhashx_new ();
    //  Hostnames compare case-insensitively: key them in lower case.
    char key [512];
    for (size_t a = 0; a < inv->agent_count; a++) {
        snprintf (key, sizeof key, "%s", inv->agents [a].hostname);
        for (char *c = key; *c; c++)
            *c = (char)tolower ((unsigned char)*c);
        zhashx_insert (hosts, key, (void *)inv->agents [a].hostname);
    }
    for (size_t p = 0; p < inv->patch_count; p++) {
        zhashx_insert (idents, inv->patches [p].id, (void *)inv->patches [p].id);
        //  A KB with several rows maps to a marker, so a scan naming it is
        //  refused as ambiguous.
        if (zhashx_lookup (kbs, inv->patches [p].kb))
            zhashx_update (kbs, inv->patches [p].kb, (void *)"");
        else
            zhashx_insert (kbs, inv->patches [p].kb, (void *)inv->patches [p].id);
    }
    size_t count;
    const pw_import_scan_t *scans = pw_import_scans (import, &count);
    const char **resolved_host = pw_calloc (count + 1, sizeof (char *));
    const char **resolved_ident = pw_calloc (count + 1, sizeof (char *));
    for (size_t i = 0; i < count; i++) {
        snprintf (key, sizeof key, "%s", scans [i].hostname);
        for (char *c = key; *c; c++)
            *c = (char)tolower ((unsigned char)*c);
        resolved_host [i] = zhashx_lookup (hosts, key);
        if (!resolved_host [i]) {
            char *message = pw_sprintf ("%s:%d: hostname: \"%s\" is not an agent of this tenant "
                                        "(import agents first)",
                                        filename, scans [i].line, scans [i].hostname);
            s_error (out, scans [i].line, "hostname", message);
            free (message);
        }
        resolved_ident [i] = zhashx_lookup (idents, scans [i].patch);
        if (!resolved_ident [i]) {
            const char *by_kb = zhashx_lookup (kbs, scans [i].patch);
            if (by_kb && *by_kb)
                resolved_ident [i] = by_kb;
            else {
                char *message =
                    by_kb ? pw_sprintf ("%s:%d: patch: KB \"%s\" has several catalogue rows; "
                                        "name the row by its ident",
                                        filename, scans [i].line, scans [i].patch)
                          : pw_sprintf ("%s:%d: patch: \"%s\" is not in the catalogue (import "
                                        "patches first)",
                                        filename, scans [i].line, scans [i].patch);
                s_error (out, scans [i].line, "patch", message);
                free (message);
            }
        }
        if (out->reply.n_errors >= 1000)
            break;
    }
    int rc = 0;
    if (out->reply.n_errors == 0) {
        rc = pw_db_copy_in_begin (db, "policy_import_scans_copy");
        pw_strbuf_t buf;
        pw_strbuf_init (&buf);
        for (size_t i = 0; i < count && rc == 0; i++) {
            pw_db_copy_text (&buf, resolved_host [i], true);
            pw_db_copy_text (&buf, resolved_ident [i], false);
            pw_db_copy_text (&buf, pw_import_state_name (scans [i].state), false);
            s_time (&buf, scans [i].scanned_at);
            pw_strbuf_append_len (&buf, "\n", 1);
            rc = s_flush (db, &buf, false);
        }
        if (rc == 0)
            rc = s_flush (db, &buf, true);
        pw_strbuf_free (&buf);
        if (pw_db_copy_in_end (db))
            rc = -1;
    }
    free (resolved_host);
    free (resolved_ident);
    zhashx_destroy (&hosts);
    zhashx_destroy (&idents);
    zhashx_destroy (&kbs);
    return rc;
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
    if (strcmp (request->kind, "agents") == 0)
        kind = PW_IMPORT_AGENTS;
    else if (strcmp (request->kind, "patches") == 0)
        kind = PW_IMPORT_PATCHES;
    else if (strcmp (request->kind, "scans") == 0)
        kind = PW_IMPORT_SCANS;
    else {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "import: kind \"%s\" is not one of agents, patches, scans", request->kind);
        return;
    }
    pw_import_options_t options = {.format = PW_IMPORT_AUTO};
    if (strcmp (request->format, "csv") == 0)
        options.format = PW_IMPORT_CSV;
    else if (strcmp (request->format, "json") == 0)
        options.format = PW_IMPORT_JSON;
    pw_import_t *import = pw_import_parse (kind, filename, (const char *)request->content.data,
                                           request->content.len, &options);
    pw_db_t *db = pw_service_db (service);
    policy_tenant_t *fresh = NULL;
    out->reply.rows = (uint32_t)pw_import_rows (import);
    out->warnings = pw_calloc (pw_import_warning_count (import) + 1, sizeof (char *));
    for (size_t i = 0; i < pw_import_warning_count (import); i++) {
        const pw_import_issue_t *w = pw_import_warning (import, i);
        if (!w)
            break;
        out->warnings [out->reply.n_warnings++] =
            pw_sprintf ("%s:%d: %s%s%s", filename, w->line, w->field ? w->field : "",
                        w->field ? ": " : "", w->message);
    }
    out->reply.warnings = out->warnings;
    if (!pw_import_ok (import)) {
        for (size_t i = 0; i < pw_import_error_count (import); i++) {
            const pw_import_issue_t *e = pw_import_error (import, i);
            if (!e)
                break; //  past the errors kept (the count goes on)
            char *message =
                e->line ? pw_sprintf ("%s:%d: %s%s%s", filename, e->line, e->field ? e->field : "",
                                      e->field ? ": " : "", e->message)
                        : pw_sprintf ("%s: %s%s%s", filename, e->field ? e->field : "",
                                      e->field ? ": " : "", e->message);
            s_error (out, e->line, e->field, message);
            free (message);
        }
        goto invalid;
    }
    const char *tenant_params [] = {call->tenant};
    PGresult *res = NULL;
    if (pw_db_begin (db, call->tenant) ||
        !(res = pw_db_exec (db, "tenant_ensure", 1, tenant_params))) {
        pw_call_fail_db (service, call, "import");
        goto done;
    }
    PQclear (res);
    if (policy_store_lock (db)) {
        pw_call_fail_db (service, call, "import");
        goto done;
    }
    policy_tenant_t *tenant = policy_server_tenant (server, call);
    if (!tenant)
        goto done;
    int staged = 0;
    const char *move = NULL;
    if (kind == PW_IMPORT_AGENTS) {
        //  Every agent's org must exist: orgs come from the setup file.
        const policy_inventory_t *inv = policy_tenant_inventory (tenant);
        size_t count;
        const pw_import_agent_t *agents = pw_import_agents (import, &count);
        for (size_t i = 0; i < count && out->reply.n_errors < 1000; i++) {
            bool known = false;
            for (size_t o = 0; o < inv->org_count && !known; o++)
                known = strcmp (inv->orgs [o].name, agents [i].org) == 0;
            if (!known) {
                char *message = pw_sprintf ("%s:%d: org: \"%s\" is not an org of this tenant "
                                            "(declare it in the setup file)",
                                            filename, agents [i].line, agents [i].org);
                s_error (out, agents [i].line, "org", message);
                free (message);
            }
        }
        if (out->reply.n_errors)
            goto invalid;
        staged = s_stage_agents (db, import);
        move = "policy_import_agents_move";
    } else if (kind == PW_IMPORT_PATCHES) {
        staged = s_stage_patches (db, import);
        move = "policy_import_patches_move";
    } else {
        staged = s_stage_scans (db, import, tenant, out, filename);
        if (out->reply.n_errors)
            goto invalid;
        static const char *const steps [] = {"policy_analyze_scans", "policy_import_scans_resolve",
                                             "policy_analyze_scan_ids", "policy_import_scans_prune",
                                             NULL};
        if (staged == 0)
            staged = s_steps (db, steps);
        move = "policy_import_scans_move";
    }
    if (staged || s_move (db, move, &out->reply.inserted, &out->reply.updated)) {
        pw_call_fail_db (service, call, "import");
        goto done;
    }
    if (kind == PW_IMPORT_SCANS) {
        res = pw_db_exec (db, "policy_import_scans_last", 0, NULL);
        if (!res) {
            pw_call_fail_db (service, call, "import");
            goto done;
        }
        PQclear (res);
    }
    uint32_t changed_rows = out->reply.inserted + out->reply.updated;
    out->reply.unchanged = out->reply.rows > changed_rows ? out->reply.rows - changed_rows : 0;
    char *error = NULL;
    fresh = policy_server_load (server, call->tenant, &error);
    if (!fresh) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INTERNAL, "import: %s", error);
        free (error);
        goto done;
    }
    tenant = policy_server_replace (server, call->tenant, &fresh);
    long affected = policy_server_publish_results (server, call, tenant, POLICY_WRITE_AGENTS);
    if (affected < 0)
        goto done;
    char payload [256];
    snprintf (
        payload, sizeof payload,
        "{\"rows\":%u,\"inserted\":%u,\"updated\":%u,\"unchanged\":%u,\"agents_affected\":%ld}",
        out->reply.rows, out->reply.inserted, out->reply.updated, out->reply.unchanged, affected);
    char kind_name [32];
    snprintf (kind_name, sizeof kind_name, "import.%s", request->kind);
    if (pw_service_emit (service, call->tenant, kind_name, filename, call->actor, payload) ||
        pw_service_commit (service)) {
        pw_call_fail_db (service, call, "import");
        goto done;
    }
    out->reply.agents_affected = (uint32_t)affected;
    //  A bulk load leaves the planner's statistics behind; refresh them now
    //  rather than when autovacuum comes by (outside the transaction, so the
    //  sample sees the committed rows).
    if (changed_rows >= 1000) {
        PGresult *analyzed = pw_db_exec (db, "policy_analyze_inventory", 0, NULL);
        if (analyzed)
            PQclear (analyzed);
        else
            pw_log_warn ("statistics not refreshed", "tenant=%s reason=\"%s\"", call->tenant,
                         pw_db_last_error (db));
    }
    pw_log_info ("import done", "tenant=%s kind=%s rows=%u inserted=%u updated=%u agents=%ld",
                 call->tenant, request->kind, out->reply.rows, out->reply.inserted,
                 out->reply.updated, affected);
    goto done;
invalid:
    pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                  "%s: %zu bad row%s; nothing was imported", filename, out->reply.n_errors,
                  out->reply.n_errors == 1 ? "" : "s");
done:
    if (call->reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK) {
        pw_service_rollback (service);
        policy_server_forget (server, call->tenant);
    }
    policy_tenant_destroy (&fresh);
    pw_import_destroy (&import);
}
