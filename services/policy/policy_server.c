/*  policy_server - the policy service's calls: apply, import, explain,
    review, resolve.

    Each tenant's policy world is cached in memory (policy_tenant_t) with the
    store version it reflects; every call first checks the version (one
    round trip) and reloads when another instance changed the tenant. A
    change is written, re-resolved and its results written back in one
    transaction, with its events in the outbox, so the store never holds a
    change without its consequences.
*/
#include "policy_server.h"

#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "policy_store.h"
#include "pw_log.h"
#include "pw_metrics.h"

struct _policy_server_t {
    pw_service_t *service;
    zhashx_t *tenants; //  tenant id -> policy_tenant_t
    policy_imports_t *imports;
    pw_metric_t *m_loads;
    pw_metric_t *m_resolves;
    pw_metric_t *m_agents;
};

static const pw_config_key_t s_keys [] = {
    {"resolve_interval_ms", PW_CFG_INT, "300000",
     "how often cached tenants are re-resolved (deferrals that came due)"},
    {"import_idle_timeout_ms", PW_CFG_INT, "600000",
     "an import uploaded in parts is dropped, with its staged rows, after this long without "
     "a part"},
    {NULL, 0, NULL, NULL}};

const pw_config_key_t *
policy_server_config_keys (void)
{
    return s_keys;
}

static int64_t
s_now (void)
{
    struct timeval tv;
    gettimeofday (&tv, NULL);
    return tv.tv_sec;
}

static int64_t
s_now_us (void)
{
    struct timeval tv;
    gettimeofday (&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

static void
s_tenant_free (void **item)
{
    policy_tenant_destroy ((policy_tenant_t **)item);
}

void
policy_server_forget (policy_server_t *self, const char *tenant)
{
    if (!zhashx_lookup (self->tenants, tenant))
        return;
    zhashx_delete (self->tenants, tenant);
}

//  Resolves FRESH while the store's results of the tenant are read for the
//  comparison that follows (*READING_P, the caller's), and, when there are
//  none, every agent's settings are staged for the write: the store does
//  its part on its own core as the resolution computes. 0, or -1 on a store
//  error (*READING_P NULL then).
static int
s_resolve_reading (pw_db_t *db, policy_tenant_t *fresh, policy_reading_t **reading_p)
{
    *reading_p = policy_store_reading_begin (db, fresh);
    if (!*reading_p)
        return -1;
    policy_tenant_resolve_polling (fresh, s_now (), policy_store_reading_poll, *reading_p);
    if (policy_store_reading_end (*reading_p)) {
        policy_store_reading_destroy (reading_p);
        return -1;
    }
    return 0;
}

policy_tenant_t *
policy_server_load (policy_server_t *self, const char *tenant, char **error_p,
                    policy_reading_t **reading_p)
{
    pw_db_t *db = pw_service_db (self->service);
    //  The cached state goes first: a tenant is never held twice.
    policy_server_forget (self, tenant);
    policy_inventory_t *inventory = NULL;
    policy_config_t *config = NULL;
    int64_t version = 0;
    if (policy_store_load (db, &inventory, &config, &version)) {
        *error_p = pw_sprintf ("loading tenant %s: %s", tenant, pw_db_last_error (db));
        return NULL;
    }
    policy_tenant_t *fresh = policy_tenant_new (tenant, &inventory, &config, error_p);
    if (!fresh)
        return NULL;
    policy_tenant_set_version (fresh, version);
    if (reading_p && s_resolve_reading (db, fresh, reading_p)) {
        *error_p = pw_sprintf ("reading tenant %s's results: %s", tenant, pw_db_last_error (db));
        policy_tenant_destroy (&fresh);
        return NULL;
    }
    if (!reading_p)
        policy_tenant_resolve (fresh, s_now ());
    pw_metric_add (self->m_loads, 1);
    return fresh;
}

policy_tenant_t *
policy_server_tenant (policy_server_t *self, pw_call_t *call)
{
    pw_db_t *db = pw_service_db (self->service);
    int64_t version = policy_store_version (db);
    if (version < 0) {
        pw_call_fail_db (self->service, call, "reading the policy version");
        return NULL;
    }
    policy_tenant_t *cached = zhashx_lookup (self->tenants, call->tenant);
    if (cached && policy_tenant_version (cached) == version)
        return cached;
    char *error = NULL;
    policy_tenant_t *fresh = policy_server_load (self, call->tenant, &error, NULL);
    if (!fresh) {
        if (!pw_db_is_up (db))
            pw_call_fail_db (self->service, call, "loading the tenant");
        else
            pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INTERNAL, "%s", error);
        free (error);
        return NULL;
    }
    policy_tenant_clear_changes (fresh);
    zhashx_update (self->tenants, call->tenant, fresh);
    return fresh;
}

policy_tenant_t *
policy_server_replace (policy_server_t *self, const char *tenant, policy_tenant_t **fresh_p,
                       policy_reading_t **reading_p)
{
    policy_tenant_t *fresh = *fresh_p;
    *fresh_p = NULL;
    policy_tenant_clear_changes (fresh);
    long diffed = policy_store_diff_results (pw_service_db (self->service), fresh,
                                             reading_p ? *reading_p : NULL);
    if (reading_p)
        policy_store_reading_destroy (reading_p);
    if (diffed < 0) {
        policy_tenant_destroy (&fresh);
        policy_server_forget (self, tenant);
        return NULL;
    }
    zhashx_update (self->tenants, tenant, fresh);
    return fresh;
}

//  JSON list of hostnames of agents marked in MARKS (at most LIMIT).
static size_t
s_changed_json (policy_tenant_t *tenant, const bool *marks, size_t limit, pw_strbuf_t *out)
{
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    size_t count = 0;
    pw_strbuf_append (out, "[");
    for (size_t a = 0; a < inv->agent_count; a++) {
        if (!marks [a])
            continue;
        if (count < limit) {
            pw_strbuf_append (out, count ? "," : "");
            pw_strbuf_append_json (out, inv->agents [a].hostname);
        }
        count++;
    }
    pw_strbuf_append (out, "]");
    return count;
}

long
policy_server_publish_results (policy_server_t *self, pw_call_t *call, policy_tenant_t *tenant,
                               policy_write_t mode)
{
    pw_db_t *db = pw_service_db (self->service);
    long written = mode == POLICY_WRITE_ENTRIES ? policy_store_write_statuses (db, tenant)
                                                : policy_store_write_results (db, tenant);
    if (written < 0) {
        pw_call_fail_db (self->service, call, "writing resolved results");
        return -1;
    }
    int64_t version = policy_store_bump (db);
    if (version < 0) {
        pw_call_fail_db (self->service, call, "bumping the policy version");
        return -1;
    }
    policy_tenant_set_version (tenant, version);
    pw_strbuf_t payload;
    pw_strbuf_init (&payload);
    pw_strbuf_append (&payload, "{\"agents\":");
    size_t changed =
        s_changed_json (tenant, policy_tenant_settings_changed (tenant), 1000, &payload);
    pw_strbuf_appendf (&payload, ",\"count\":%zu,\"statuses_changed\":", changed);
    pw_strbuf_t statuses;
    pw_strbuf_init (&statuses);
    size_t status_count =
        s_changed_json (tenant, policy_tenant_statuses_changed (tenant), 0, &statuses);
    pw_strbuf_free (&statuses);
    pw_strbuf_appendf (&payload, "%zu}", status_count);
    int rc = 0;
    if (changed > 0)
        rc = pw_service_emit (self->service, call->tenant, "settings.changed", "", call->actor,
                              payload.data);
    if (rc == 0 && status_count > 0) {
        pw_strbuf_reset (&payload);
        pw_strbuf_appendf (&payload, "{\"agents\":");
        s_changed_json (tenant, policy_tenant_statuses_changed (tenant), 1000, &payload);
        pw_strbuf_appendf (&payload, ",\"count\":%zu}", status_count);
        rc = pw_service_emit (self->service, call->tenant, "approvals.changed", "", call->actor,
                              payload.data);
    }
    pw_strbuf_free (&payload);
    if (rc) {
        pw_call_fail_db (self->service, call, "writing events");
        return -1;
    }
    pw_metric_add (self->m_agents, (int64_t)written);
    const policy_inventory_t *inv = policy_tenant_inventory (tenant);
    size_t affected = 0;
    for (size_t a = 0; a < inv->agent_count; a++)
        affected += policy_tenant_settings_changed (tenant) [a] ||
                    policy_tenant_statuses_changed (tenant) [a];
    return (long)affected;
}

//  --- apply ----------------------------------------------------------------

static const pw_setup_section_t s_policy_sections [] = {
    PW_SETUP_SECTION_SETTINGS,     PW_SETUP_SECTION_ORGS,
    PW_SETUP_SECTION_VIEWS,        PW_SETUP_SECTION_PATCH_POLICIES,
    PW_SETUP_SECTION_KB_OVERRIDES, PW_SETUP_SECTION_SYSTEM_POLICIES,
    PW_SETUP_SECTION_ASSIGNMENTS};
#define S_POLICY_SECTIONS (sizeof s_policy_sections / sizeof s_policy_sections [0])

static void
s_free_apply_reply (void *ptr)
{
    Patchwarden__V1__ApplyReply *reply = ptr;
    for (size_t i = 0; i < reply->n_errors; i++) {
        free (reply->errors [i]->path);
        free (reply->errors [i]->message);
        free (reply->errors [i]);
    }
    free (reply->errors);
    free (reply->changed_sections);
    //  Unset proto3 strings point at protobuf-c's static empty string.
    if (reply->summary != protobuf_c_empty_string)
        free (reply->summary);
    free (reply);
}

static Patchwarden__V1__ApplyReply *
s_apply_reply (pw_call_t *call)
{
    Patchwarden__V1__ApplyReply *reply = pw_calloc (1, sizeof *reply);
    patchwarden__v1__apply_reply__init (reply);
    pw_call_keep (call, reply, s_free_apply_reply);
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_APPLY;
    call->reply->apply = reply;
    return reply;
}

static void
s_apply (pw_service_t *service, pw_call_t *call, void *state)
{
    policy_server_t *self = state;
    const Patchwarden__V1__ApplyRequest *request = call->request->apply;
    Patchwarden__V1__ApplyReply *reply = s_apply_reply (call);
    reply->dry_run = request->dry_run;
    pw_setup_options_t options = {.tenant = call->tenant};
    pw_setup_errors_t *errors = NULL;
    pw_setup_t *setup = pw_setup_parse (request->yaml, strlen (request->yaml), &options, &errors);
    if (!setup) {
        reply->n_errors = errors->count;
        reply->errors = pw_calloc (errors->count + 1, sizeof (void *));
        for (size_t i = 0; i < errors->count; i++) {
            Patchwarden__V1__SetupError *e = pw_calloc (1, sizeof *e);
            patchwarden__v1__setup_error__init (e);
            e->path = pw_strdup (errors->items [i].path);
            e->line = errors->items [i].line;
            e->column = errors->items [i].column;
            e->message = pw_strdup (errors->items [i].message);
            reply->errors [i] = e;
        }
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "%s: %zu error%s in the setup file; nothing was applied",
                      *request->filename ? request->filename : "setup", errors->count,
                      errors->count == 1 ? "" : "s");
        pw_setup_errors_destroy (&errors);
        return;
    }
    pw_db_t *db = pw_service_db (service);
    policy_config_t *config = policy_config_from_setup (setup);
    bool changed [PW_SETUP_SECTION_COUNT] = {false};
    char digests [PW_SETUP_SECTION_COUNT][PW_SETUP_DIGEST_HEX];
    char *conflict = NULL;
    policy_tenant_t *fresh = NULL;
    reply->changed_sections = pw_calloc (S_POLICY_SECTIONS + 1, sizeof (char *));
    const char *tenant_params [] = {call->tenant};
    PGresult *res = NULL;
    if (pw_db_begin (db, call->tenant) ||
        !(res = pw_db_exec (db, "tenant_ensure", 1, tenant_params))) {
        pw_call_fail_db (service, call, "apply");
        goto done;
    }
    PQclear (res);
    if (policy_store_lock (db) || policy_store_section_digests (db, digests)) {
        pw_call_fail_db (service, call, "apply");
        goto done;
    }
    for (size_t i = 0; i < S_POLICY_SECTIONS; i++) {
        pw_setup_section_t section = s_policy_sections [i];
        char digest [PW_SETUP_DIGEST_HEX];
        pw_setup_digest (setup, section, digest);
        if (strcmp (digest, digests [section]) != 0) {
            changed [section] = true;
            reply->changed_sections [reply->n_changed_sections++] =
                (char *)pw_setup_section_name (section);
        }
    }
    if (request->dry_run || reply->n_changed_sections == 0) {
        pw_service_rollback (service);
        reply->summary = pw_sprintf ("%s: %s", request->dry_run ? "dry run" : "applied",
                                     reply->n_changed_sections ? "policy sections would change"
                                                               : "nothing changed");
        goto done;
    }
    if (policy_store_write_setup (db, setup, config, changed, call->actor, &conflict)) {
        if (conflict)
            pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_CONFLICT, "%s", conflict);
        else
            pw_call_fail_db (service, call, "apply");
        goto done;
    }
    //  Re-resolve from what is now in the store (inside this transaction).
    char *error = NULL;
    policy_reading_t *reading = NULL;
    fresh = policy_server_load (self, call->tenant, &error, &reading);
    if (!fresh) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INTERNAL, "%s", error);
        free (error);
        goto done;
    }
    pw_metric_add (self->m_resolves, 1);
    policy_tenant_t *tenant = policy_server_replace (self, call->tenant, &fresh, &reading);
    if (!tenant) {
        pw_call_fail_db (service, call, "apply");
        goto done;
    }
    long affected = policy_server_publish_results (self, call, tenant, POLICY_WRITE_AGENTS);
    if (affected < 0)
        goto done;
    pw_strbuf_t payload;
    pw_strbuf_init (&payload);
    pw_strbuf_append (&payload, "{\"sections\":[");
    for (size_t i = 0; i < reply->n_changed_sections; i++) {
        pw_strbuf_append (&payload, i ? "," : "");
        pw_strbuf_append_json (&payload, reply->changed_sections [i]);
    }
    pw_strbuf_appendf (&payload, "],\"agents_affected\":%ld,\"file\":", affected);
    pw_strbuf_append_json (&payload, request->filename);
    pw_strbuf_append (&payload, "}");
    int rc = pw_service_emit (service, call->tenant, "setup.applied", "policy", call->actor,
                              payload.data);
    pw_strbuf_free (&payload);
    if (rc || pw_service_commit (service)) {
        pw_call_fail_db (service, call, "apply");
        goto done;
    }
    reply->agents_affected = (uint32_t)affected;
    reply->summary = pw_sprintf (
        "applied %zu policy section%s; %ld agent%s re-resolved", reply->n_changed_sections,
        reply->n_changed_sections == 1 ? "" : "s", affected, affected == 1 ? "" : "s");
    pw_log_info ("setup applied", "tenant=%s actor=%s sections=%zu agents=%ld", call->tenant,
                 call->actor, reply->n_changed_sections, affected);
done:
    if (call->reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK) {
        pw_service_rollback (service);
        //  The cache may hold state that was never committed.
        policy_server_forget (self, call->tenant);
    }
    free (conflict);
    policy_tenant_destroy (&fresh);
    policy_config_destroy (&config);
    pw_setup_destroy (&setup);
}

//  --- explain --------------------------------------------------------------

static void
s_free_explain (void *ptr)
{
    Patchwarden__V1__ExplainReply *reply = ptr;
    free (reply->json);
    free (reply);
}

static void
s_explain (pw_service_t *service, pw_call_t *call, void *state)
{
    policy_server_t *self = state;
    const char *hostname = call->request->explain->agent;
    if (!*hostname) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "explain: an agent is required");
        return;
    }
    pw_db_t *db = pw_service_db (service);
    if (pw_db_begin (db, call->tenant)) {
        pw_call_fail_db (service, call, "explain");
        return;
    }
    policy_tenant_t *tenant = policy_server_tenant (self, call);
    pw_service_rollback (service);
    if (!tenant)
        return;
    long agent = policy_tenant_find_agent (tenant, hostname);
    if (agent < 0) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_NOT_FOUND,
                      "explain: no agent \"%s\" in tenant %s", hostname, call->tenant);
        return;
    }
    pw_strbuf_t json;
    pw_strbuf_init (&json);
    policy_tenant_explain (tenant, (size_t)agent, s_now (), &json);
    Patchwarden__V1__ExplainReply *reply = pw_calloc (1, sizeof *reply);
    patchwarden__v1__explain_reply__init (reply);
    reply->json = pw_strbuf_take (&json);
    pw_call_keep (call, reply, s_free_explain);
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_EXPLAIN;
    call->reply->explain = reply;
}

//  --- review ---------------------------------------------------------------

static void
s_free_review_list (void *ptr)
{
    Patchwarden__V1__ReviewListReply *reply = ptr;
    for (size_t p = 0; p < reply->n_policies; p++) {
        for (size_t i = 0; i < reply->policies [p]->n_items; i++)
            free (reply->policies [p]->items [i]);
        free (reply->policies [p]->items);
        free (reply->policies [p]);
    }
    free (reply->policies);
    free (reply);
}

static void
s_free_queue (void *ptr)
{
    pw_review_queue_t *queue = ptr;
    pw_review_queue_destroy (&queue);
}

static void
s_review_list (pw_service_t *service, pw_call_t *call, void *state)
{
    policy_server_t *self = state;
    const char *only = call->request->review_list->policy;
    pw_db_t *db = pw_service_db (service);
    if (pw_db_begin (db, call->tenant)) {
        pw_call_fail_db (service, call, "review list");
        return;
    }
    policy_tenant_t *tenant = policy_server_tenant (self, call);
    pw_service_rollback (service);
    if (!tenant)
        return;
    if (*only && pw_approval_policy_index (policy_tenant_approval (tenant), only) < 0) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_NOT_FOUND,
                      "review list: no patch policy \"%s\"", only);
        return;
    }
    pw_review_queue_t *queue = policy_tenant_review_queue (tenant, s_now ());
    pw_call_keep (call, queue, s_free_queue);
    Patchwarden__V1__ReviewListReply *reply = pw_calloc (1, sizeof *reply);
    patchwarden__v1__review_list_reply__init (reply);
    pw_call_keep (call, reply, s_free_review_list);
    reply->policies = pw_calloc (queue->count + 1, sizeof (void *));
    for (size_t p = 0; p < queue->count; p++) {
        const pw_review_policy_t *in = &queue->policies [p];
        if (*only && strcmp (in->policy, only) != 0)
            continue;
        Patchwarden__V1__ReviewPolicy *out = pw_calloc (1, sizeof *out);
        patchwarden__v1__review_policy__init (out);
        out->policy = (char *)in->policy;
        out->items = pw_calloc (in->count + 1, sizeof (void *));
        for (size_t i = 0; i < in->count; i++) {
            Patchwarden__V1__ReviewItem *item = pw_calloc (1, sizeof *item);
            patchwarden__v1__review_item__init (item);
            item->kb = (char *)in->items [i].kb;
            item->title = (char *)(in->items [i].title ? in->items [i].title : "");
            item->classification = (char *)pw_classification_name (in->items [i].classification);
            item->released_us = in->items [i].released * 1000000;
            item->age_days = in->items [i].age / 86400;
            item->agents = (uint32_t)in->items [i].agents;
            out->items [out->n_items++] = item;
        }
        reply->policies [reply->n_policies++] = out;
    }
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_REVIEW_LIST;
    call->reply->review_list = reply;
}

static void
s_free_decide (void *ptr)
{
    Patchwarden__V1__ReviewDecideReply *reply = ptr;
    free (reply->kbs);
    free (reply);
}

static void
s_review_decide (pw_service_t *service, pw_call_t *call, void *state)
{
    policy_server_t *self = state;
    const Patchwarden__V1__ReviewDecideRequest *request = call->request->review_decide;
    pw_action_t action = PW_ACTION_NONE;
    if (pw_action_parse (request->action, &action) || action == PW_ACTION_REVIEW) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "review: action \"%s\" is not one of approve, deny", request->action);
        return;
    }
    pw_classification_t classification = PW_CLASSIFICATION_UPDATE;
    if (*request->classification &&
        pw_classification_parse (request->classification, &classification)) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "review: \"%s\" is not a classification", request->classification);
        return;
    }
    if (request->n_kbs == 0 && !request->all && !*request->classification && !*request->product &&
        request->released_before_us == 0) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "review: name KBs, or select in bulk (--all, --classification, "
                      "--product, --released-before)");
        return;
    }
    pw_db_t *db = pw_service_db (service);
    int64_t started = s_now_us ();
    if (pw_db_begin (db, call->tenant) || policy_store_lock (db)) {
        pw_call_fail_db (service, call, "review");
        pw_service_rollback (service);
        return;
    }
    policy_tenant_t *tenant = policy_server_tenant (self, call);
    const char **kbs = NULL;
    long count = 0;
    pw_approval_changes_t changes = {0};
    if (!tenant)
        goto done;
    pw_approval_t *approval = policy_tenant_approval (tenant);
    int policy = pw_approval_policy_index (approval, request->policy);
    if (policy < 0) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_NOT_FOUND,
                      "review: no patch policy \"%s\"", request->policy);
        goto done;
    }
    if (request->n_kbs > 0) {
        kbs = pw_calloc (request->n_kbs + 1, sizeof (char *));
        for (size_t i = 0; i < request->n_kbs; i++)
            kbs [count++] = request->kbs [i];
    } else {
        pw_review_filter_t filter = {.by_classification = *request->classification != '\0',
                                     .classification = classification,
                                     .product = *request->product ? request->product : NULL,
                                     .released_before = request->released_before_us / 1000000};
        count = pw_approval_select (approval, (size_t)policy, &filter, &kbs);
    }
    for (long i = 0; i < count; i++) {
        char *error = NULL;
        if (pw_approval_set_decision (approval, request->policy, kbs [i], action, &changes,
                                      &error)) {
            pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID, "review: %s", error);
            free (error);
            goto done;
        }
        if (policy_store_decision (db, request->policy, kbs [i], pw_action_name (action),
                                   request->reason, call->actor)) {
            pw_call_fail_db (service, call, "review");
            goto done;
        }
        pw_strbuf_t payload;
        pw_strbuf_init (&payload);
        pw_strbuf_append (&payload, "{\"policy\":");
        pw_strbuf_append_json (&payload, request->policy);
        pw_strbuf_append (&payload, ",\"kb\":");
        pw_strbuf_append_json (&payload, kbs [i]);
        pw_strbuf_append (&payload, ",\"reason\":");
        pw_strbuf_append_json (&payload, request->reason);
        pw_strbuf_append (&payload, "}");
        char *subject = pw_sprintf ("%s/%s", request->policy, kbs [i]);
        char *kind = pw_sprintf ("decision.%s", pw_action_name (action));
        int rc = pw_service_emit (service, call->tenant, kind, subject, call->actor, payload.data);
        free (kind);
        free (subject);
        pw_strbuf_free (&payload);
        if (rc) {
            pw_call_fail_db (service, call, "review");
            goto done;
        }
    }
    int64_t evaluated = s_now_us ();
    policy_tenant_clear_changes (tenant);
    policy_tenant_reevaluate (tenant, &changes, s_now ());
    int64_t written = s_now_us ();
    long affected =
        count ? policy_server_publish_results (self, call, tenant, POLICY_WRITE_ENTRIES) : 0;
    if (affected < 0)
        goto done;
    int64_t committing = s_now_us ();
    if (pw_service_commit (service)) {
        pw_call_fail_db (service, call, "review");
        goto done;
    }
    Patchwarden__V1__ReviewDecideReply *reply = pw_calloc (1, sizeof *reply);
    patchwarden__v1__review_decide_reply__init (reply);
    pw_call_keep (call, reply, s_free_decide);
    //  The KB strings stay valid: the cached tenant lives on.
    reply->kbs = pw_calloc ((size_t)count + 1, sizeof (char *));
    for (long i = 0; i < count; i++)
        reply->kbs [reply->n_kbs++] = (char *)kbs [i];
    reply->agents_affected = (uint32_t)affected;
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_REVIEW_DECIDE;
    call->reply->review_decide = reply;
    //  Where the time went: the decisions' rows and events, the
    //  re-evaluation, the status writes and events, the commit
    int64_t done_us = s_now_us ();
    pw_log_info ("review decided",
                 "tenant=%s actor=%s policy=%s action=%s kbs=%ld agents=%ld decide_ms=%.1f "
                 "evaluate_ms=%.1f write_ms=%.1f commit_ms=%.1f",
                 call->tenant, call->actor, request->policy, pw_action_name (action), count,
                 affected, (double)(evaluated - started) / 1000.0,
                 (double)(written - evaluated) / 1000.0, (double)(committing - written) / 1000.0,
                 (double)(done_us - committing) / 1000.0);
done:
    if (call->reply->status != PATCHWARDEN__V1__STATUS__STATUS_OK) {
        pw_service_rollback (service);
        policy_server_forget (self, call->tenant);
    }
    pw_approval_changes_free (&changes);
    free (kbs);
}

//  --- resolve --------------------------------------------------------------

static void
s_resolve (pw_service_t *service, pw_call_t *call, void *state)
{
    policy_server_t *self = state;
    pw_db_t *db = pw_service_db (service);
    int64_t started = s_now_us ();
    if (pw_db_begin (db, call->tenant) || policy_store_lock (db)) {
        pw_call_fail_db (service, call, "resolve");
        pw_service_rollback (service);
        return;
    }
    policy_server_forget (self, call->tenant); //  never held twice
    policy_inventory_t *inventory = NULL;
    policy_config_t *config = NULL;
    int64_t version = 0;
    if (policy_store_load (db, &inventory, &config, &version)) {
        pw_call_fail_db (service, call, "resolve");
        pw_service_rollback (service);
        return;
    }
    int64_t loaded = s_now_us ();
    char *error = NULL;
    policy_tenant_t *fresh = policy_tenant_new (call->tenant, &inventory, &config, &error);
    if (!fresh) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INTERNAL, "resolve: %s", error);
        free (error);
        pw_service_rollback (service);
        return;
    }
    policy_reading_t *reading = NULL;
    if (s_resolve_reading (db, fresh, &reading)) {
        policy_tenant_destroy (&fresh);
        pw_call_fail_db (service, call, "resolve");
        pw_service_rollback (service);
        return;
    }
    int64_t computed = s_now_us ();
    const policy_inventory_t *inv = policy_tenant_inventory (fresh);
    size_t agents = inv->agent_count, statuses = 0;
    for (size_t e = 0; e < inv->scan_count; e++)
        statuses +=
            inv->scan_state [e] == POLICY_SCAN_MISSING || inv->scan_state [e] == POLICY_SCAN_FAILED;
    //  Compared with what the store holds, not with the previous
    //  resolution: a full resolve is the repair path too, and rewrites every
    //  agent whose stored results differ in any way.
    policy_tenant_t *tenant = policy_server_replace (self, call->tenant, &fresh, &reading);
    if (!tenant || policy_server_publish_results (self, call, tenant, POLICY_WRITE_AGENTS) < 0 ||
        pw_service_commit (service)) {
        if (call->reply->status == PATCHWARDEN__V1__STATUS__STATUS_OK)
            pw_call_fail_db (service, call, "resolve");
        pw_service_rollback (service);
        policy_server_forget (self, call->tenant);
        return;
    }
    pw_metric_add (self->m_resolves, 1);
    Patchwarden__V1__ResolveReply *reply = pw_calloc (1, sizeof *reply);
    patchwarden__v1__resolve_reply__init (reply);
    pw_call_keep (call, reply, free);
    reply->agents = (uint32_t)agents;
    reply->statuses = statuses;
    reply->load_us = loaded - started;
    reply->compute_us = computed - loaded;
    reply->persist_us = s_now_us () - computed;
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_RESOLVE;
    call->reply->resolve = reply;
}

//  --- timer ----------------------------------------------------------------

//  Deferrals come due with time alone: re-resolve cached tenants now and
//  then, and write what changed.
static void
s_timer (pw_service_t *service, void *state)
{
    policy_server_t *self = state;
    zlistx_t *names = zhashx_keys (self->tenants);
    for (const char *name = zlistx_first (names); name; name = zlistx_next (names)) {
        pw_db_t *db = pw_service_db (service);
        if (pw_db_begin (db, name) || policy_store_lock (db)) {
            pw_service_rollback (service);
            break;
        }
        policy_tenant_t *tenant = zhashx_lookup (self->tenants, name);
        int64_t version = policy_store_version (db);
        if (!tenant || version != policy_tenant_version (tenant)) {
            //  Changed elsewhere: the next call reloads it.
            pw_service_rollback (service);
            policy_server_forget (self, name);
            continue;
        }
        policy_tenant_clear_changes (tenant);
        //  Resolve compares with the previous results itself.
        policy_tenant_resolve (tenant, s_now ());
        long written = policy_store_write_statuses (db, tenant);
        if (written > 0) {
            char payload [96];
            snprintf (payload, sizeof payload, "{\"count\":%ld,\"reason\":\"timer\"}", written);
            int64_t bumped = policy_store_bump (db);
            if (bumped < 0 ||
                pw_service_emit (service, name, "approvals.changed", "", "patchwarden", payload) ||
                pw_service_commit (service)) {
                pw_service_rollback (service);
                policy_server_forget (self, name);
                continue;
            }
            policy_tenant_set_version (tenant, bumped);
            pw_log_info ("deferrals re-resolved", "tenant=%s agents=%ld", name, written);
        } else
            pw_service_rollback (service);
    }
    zlistx_destroy (&names);
}

//  --- registration ---------------------------------------------------------

void *
policy_server_register (pw_service_t *service)
{
    policy_server_t *self = pw_calloc (1, sizeof *self);
    self->service = service;
    self->tenants = zhashx_new ();
    zhashx_set_destructor (self->tenants, s_tenant_free);
    self->m_loads = pw_metrics_counter ("pw_policy_tenant_loads_total",
                                        "Tenants loaded from the store into memory", NULL);
    self->m_resolves =
        pw_metrics_counter ("pw_policy_resolves_total", "Full resolutions of a tenant", NULL);
    self->m_agents = pw_metrics_counter ("pw_policy_agents_written_total",
                                         "Agents whose resolved results were written", NULL);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_APPLY, "apply", s_apply, self, true);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_IMPORT, "import", policy_import_handle,
                   self, true);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_EXPLAIN, "explain", s_explain, self,
                   true);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_REVIEW_LIST, "review_list",
                   s_review_list, self, true);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_REVIEW_DECIDE, "review_decide",
                   s_review_decide, self, true);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_RESOLVE, "resolve", s_resolve, self,
                   true);
    pw_service_every (service,
                      (int)pw_config_int (pw_service_config (service), "resolve_interval_ms"),
                      s_timer, self);
    self->imports = policy_imports_new (
        service, pw_config_int (pw_service_config (service), "import_idle_timeout_ms"));
    pw_service_every (service, policy_imports_interval_ms (self->imports), policy_imports_expire,
                      self->imports);
    return self;
}

policy_imports_t *
policy_server_imports (policy_server_t *self)
{
    return self->imports;
}

void
policy_server_destroy (void **state_p)
{
    if (!state_p || !*state_p)
        return;
    policy_server_t *self = *state_p;
    zhashx_destroy (&self->tenants);
    policy_imports_destroy (&self->imports);
    free (self);
    *state_p = NULL;
}
