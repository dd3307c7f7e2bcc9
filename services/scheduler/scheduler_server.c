/*  scheduler_server - the scheduler service's calls, events and timers.

    `schedule_apply` validates a setup file and writes the scheduler's
    sections (cycle, windows, window groups, blackouts, dependencies) when
    they changed; `plan` returns a tenant's plan for a cycle, computing and
    storing it when it is missing or stale. A SUB socket on the policy
    service's PUB marks tenants whose settings or inventory changed, and a
    timer re-plans them, at most once per tenant per debounce interval.
    Planning itself is sched_build (pure); rows are sched_store, which is
    handed what this process last stored of each tenant's plan, so that a
    re-plan writes only what changed.
*/
#include "scheduler_server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "pw_log.h"
#include "pw_metrics.h"
#include "pw_setup.h"
#include "pw_util.h"
#include "sched_build.h"
#include "sched_store.h"

static const pw_config_key_t s_keys [] = {
    {"policy_pub", PW_CFG_STRING, "tcp://127.0.0.1:7102",
     "policy service PUB endpoint: settings changes trigger re-planning (empty: none)"},
    {"replan_debounce_ms", PW_CFG_INT, "200", "at most one re-plan per tenant this often"},
    {"zoneinfo", PW_CFG_STRING, "/usr/share/zoneinfo", "time zone database directory"},
    {"agents_cache_tenants", PW_CFG_INT, "4",
     "tenants whose agents and effective settings are kept between plans while unchanged (0: "
     "none)"},
    {NULL, 0, NULL, NULL}};

//  A tenant whose plan must be recomputed.
typedef struct {
    bool pending;
    int64_t due_ms;  //  monotonic: not before
    int64_t last_ms; //  monotonic: last re-plan
} s_tenant_t;

typedef struct {
    pw_service_t *service;
    pw_tz_cache_t *zones;
    char *zoneinfo;
    zsock_t *sub;
    zhashx_t *tenants; //  tenant -> s_tenant_t
    zhashx_t *stored;  //  tenant -> sched_stored_t: its plan as last committed
    char **served;     //  tenants this instance serves; NULL = all
    size_t served_count;
    int debounce_ms;
    sched_store_cache_t *cache; //  NULL: agents_cache_tenants 0
    uint64_t cache_reads;       //  as last added to m_agents_reads
    pw_metric_t *m_agents_reads;
    pw_metric_t *m_plans;
    pw_metric_t *m_plan_errors;
    pw_metric_t *m_events;
    pw_metric_t *m_event_errors;
    pw_metric_t *m_replans;
    pw_metric_t *m_applies;
} s_state_t;

const pw_config_key_t *
scheduler_server_config_keys (void)
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

//  --- planning -------------------------------------------------------------

//  The tenants row every tenant table refers to. 0 or -1.
static int
s_tenant_ensure (pw_db_t *db, const char *tenant)
{
    const char *params [] = {tenant};
    PGresult *res = pw_db_exec (db, "tenant_ensure", 1, params);
    PQclear (res);
    return res ? 0 : -1;
}

//  What one planning pass produced, for a reply.
typedef struct {
    int status;    //  a pw_wire status: OK, or why not
    char *message; //  when not OK
    sched_plan_t *plan;
    sched_inputs_t *inputs;
    char *document; //  the unfiltered plan document, when it was rendered
    bool stored;    //  the plan was (re)written
    int64_t load_us;
    int64_t compute_us;
    int64_t persist_us;
} s_outcome_t;

static void
s_outcome_free (s_outcome_t *outcome)
{
    sched_plan_destroy (&outcome->plan);
    sched_store_inputs_destroy (&outcome->inputs);
    free (outcome->document);
    free (outcome->message);
}

static void
s_db_failed (s_state_t *self, s_outcome_t *outcome, const char *what)
{
    pw_db_t *db = pw_service_db (self->service);
    bool up = pw_db_is_up (db);
    outcome->status =
        up ? PATCHWARDEN__V1__STATUS__STATUS_INTERNAL : PATCHWARDEN__V1__STATUS__STATUS_UNAVAILABLE;
    outcome->message = up ? pw_sprintf ("%s: %s", what, pw_db_last_error (db))
                          : pw_sprintf ("%s: database unavailable, nothing was changed (%s)", what,
                                        pw_db_last_error (db));
}

//  Loads TENANT's inputs, builds the plan of CYCLE (NULL: the current one)
//  and stores it when it is missing or stale, or when FORCE. The plan stays
//  in OUTCOME for the caller to render.
static void
s_plan (s_state_t *self, const char *tenant, const char *cycle, bool force, const char *actor,
        s_outcome_t *outcome)
{
    memset (outcome, 0, sizeof *outcome);
    pw_service_t *service = self->service;
    pw_db_t *db = pw_service_db (service);
    if (pw_db_begin (db, tenant)) {
        s_db_failed (self, outcome, "plan");
        return;
    }
    char digest [SCHED_DIGEST_HEX], stored [SCHED_DIGEST_HEX], version [SCHED_VERSION_SIZE];
    int64_t started = zclock_usecs ();
    outcome->inputs = sched_store_load (db, tenant, self->cache);
    uint64_t reads = sched_store_cache_reads (self->cache);
    pw_metric_add (self->m_agents_reads, (int64_t)(reads - self->cache_reads));
    self->cache_reads = reads;
    if (!outcome->inputs) {
        s_db_failed (self, outcome, "plan: loading inputs");
        goto rollback;
    }
    outcome->load_us = zclock_usecs () - started;
    started = zclock_usecs ();
    bool invalid = false;
    char *error = NULL;
    outcome->plan =
        sched_plan_build (outcome->inputs, cycle, s_now (), self->zones, &invalid, &error);
    outcome->compute_us = zclock_usecs () - started;
    if (!outcome->plan) {
        outcome->status = invalid ? PATCHWARDEN__V1__STATUS__STATUS_INVALID
                                  : PATCHWARDEN__V1__STATUS__STATUS_INTERNAL;
        outcome->message = pw_sprintf ("plan: %s", error ? error : "cannot build the plan");
        free (error);
        goto rollback;
    }
    const char *id = sched_plan_cycle (outcome->plan);
    sched_inputs_digest (outcome->inputs, id, digest);
    if (sched_store_plan_digest (db, id, stored, version)) {
        s_db_failed (self, outcome, "plan: reading the stored plan");
        goto rollback;
    }
    if (!force && strcmp (digest, stored) == 0) {
        pw_db_rollback (db); //  nothing written
        return;
    }
    started = zclock_usecs ();
    char *ready = sched_plan_ready_payload (outcome->plan);
    outcome->document = sched_plan_document (outcome->plan, NULL, NULL);
    sched_stored_t *written = NULL;
    int rc = s_tenant_ensure (db, tenant);
    if (rc == 0)
        rc = sched_store_plan_put (db, outcome->plan, outcome->document, digest, actor,
                                   outcome->compute_us, zhashx_lookup (self->stored, tenant),
                                   version, &written);
    if (rc == 0)
        rc = pw_service_emit (service, tenant, "plan.ready", id, actor, ready);
    if (rc == 0 && sched_plan_violations (outcome->plan)) {
        char *payload = sched_plan_violations_payload (outcome->plan);
        rc = pw_service_emit (service, tenant, "plan.violations", id, actor, payload);
        free (payload);
    }
    free (ready);
    //  Until this commits, what the store holds is not known for sure.
    zhashx_delete (self->stored, tenant);
    if (rc) {
        sched_stored_destroy (&written);
        s_db_failed (self, outcome, "plan: storing the plan");
        goto rollback;
    }
    if (pw_service_commit (service)) {
        sched_stored_destroy (&written);
        s_db_failed (self, outcome, "plan: commit");
        return;
    }
    zhashx_update (self->stored, tenant, written);
    outcome->persist_us = zclock_usecs () - started;
    outcome->stored = true;
    pw_metric_add (self->m_plans, 1);
    pw_log_info ("plan stored",
                 "tenant=%s cycle=%s agents=%zu planned=%zu violations=%zu load_us=%lld "
                 "compute_us=%lld persist_us=%lld",
                 tenant, id, sched_plan_agents (outcome->plan), sched_plan_planned (outcome->plan),
                 sched_plan_violations (outcome->plan), (long long)outcome->load_us,
                 (long long)outcome->compute_us, (long long)outcome->persist_us);
    return;

rollback:
    pw_metric_add (self->m_plan_errors, 1);
    pw_service_rollback (service);
}

static void
s_handle_plan (pw_service_t *service, pw_call_t *call, void *state)
{
    (void)service;
    s_state_t *self = state;
    const Patchwarden__V1__PlanRequest *request = call->request->plan;
    s_outcome_t outcome;
    s_plan (self, call->tenant, request->cycle, request->recompute, call->actor, &outcome);
    if (outcome.status != PATCHWARDEN__V1__STATUS__STATUS_OK)
        pw_call_fail (call, outcome.status, "%s", outcome.message);
    else {
        Patchwarden__V1__PlanReply *reply = pw_call_keep (call, pw_calloc (1, sizeof *reply), free);
        patchwarden__v1__plan_reply__init (reply);
        reply->cycle = pw_call_keep (call, pw_strdup (sched_plan_cycle (outcome.plan)), free);
        //  The stored document is the unfiltered one: reuse it when it was
        //  just rendered and the request filters nothing.
        bool whole = (!request->org || !*request->org) && (!request->window || !*request->window);
        char *json = NULL;
        if (whole && outcome.document) {
            json = outcome.document;
            outcome.document = NULL;
        } else
            json = sched_plan_document (outcome.plan, request->org, request->window);
        reply->json = pw_call_keep (call, json, free);
        reply->planned = (uint32_t)sched_plan_planned (outcome.plan);
        reply->unscheduled = (uint32_t)sched_plan_unscheduled (outcome.plan);
        reply->violations = (uint32_t)sched_plan_violations (outcome.plan);
        reply->load_us = outcome.load_us;
        reply->compute_us = outcome.compute_us;
        reply->persist_us = outcome.persist_us;
        call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_PLAN;
        call->reply->plan = reply;
    }
    s_outcome_free (&outcome);
}

//  --- apply ----------------------------------------------------------------

static void
s_reply_errors (pw_call_t *call, Patchwarden__V1__ApplyReply *reply,
                const pw_setup_errors_t *errors)
{
    reply->n_errors = errors->count;
    reply->errors = pw_call_keep (call, pw_calloc (errors->count + 1, sizeof (void *)), free);
    for (size_t i = 0; i < errors->count; i++) {
        Patchwarden__V1__SetupError *e = pw_call_keep (call, pw_calloc (1, sizeof *e), free);
        patchwarden__v1__setup_error__init (e);
        e->path = pw_call_keep (call, pw_strdup (errors->items [i].path), free);
        e->message = pw_call_keep (call, pw_strdup (errors->items [i].message), free);
        e->line = errors->items [i].line;
        e->column = errors->items [i].column;
        reply->errors [i] = e;
    }
}

static void
s_error_add (pw_setup_errors_t *errors, char *path, int line, char *message)
{
    errors->items = pw_realloc (errors->items, (errors->count + 1) * sizeof (pw_setup_error_t));
    errors->items [errors->count++] = (pw_setup_error_t){path, line, 0, message};
}

//  Dependencies may name only agents of the tenant: one error per place an
//  unknown hostname is written. 0 (ERRORS may have grown) or -1 (store).
static int
s_check_hostnames (pw_db_t *db, const char *tenant, const pw_setup_t *setup,
                   pw_setup_errors_t *errors)
{
    if (setup->dependency_count == 0)
        return 0;
    pw_strbuf_t json;
    pw_strbuf_init (&json);
    pw_strbuf_append (&json, "[");
    for (size_t i = 0; i < setup->dependency_count; i++) {
        const pw_setup_dependency_t *d = &setup->dependencies [i];
        pw_strbuf_append (&json, i ? "," : "");
        pw_strbuf_append_json (&json, d->agent);
        for (size_t j = 0; j < d->after_count; j++) {
            pw_strbuf_append (&json, ",");
            pw_strbuf_append_json (&json, d->after [j]);
        }
    }
    pw_strbuf_append (&json, "]");
    char **unknown = NULL;
    size_t count = 0;
    int rc = sched_store_unknown_hostnames (db, json.data, &unknown, &count);
    pw_strbuf_free (&json);
    if (rc)
        return -1;
    zhashx_t *set = zhashx_new ();
    for (size_t i = 0; i < count; i++)
        zhashx_update (set, unknown [i], (void *)1);
    for (size_t i = 0; i < setup->dependency_count && count; i++) {
        const pw_setup_dependency_t *d = &setup->dependencies [i];
        if (zhashx_lookup (set, d->agent))
            s_error_add (errors, pw_sprintf ("dependencies[%zu].agent", i), d->line,
                         pw_sprintf ("unknown agent \"%s\": no agent of tenant %s has this "
                                     "hostname",
                                     d->agent, tenant));
        for (size_t j = 0; j < d->after_count; j++)
            if (zhashx_lookup (set, d->after [j]))
                s_error_add (errors, pw_sprintf ("dependencies[%zu].after[%zu]", i, j), d->line,
                             pw_sprintf ("unknown agent \"%s\": no agent of tenant %s has this "
                                         "hostname",
                                         d->after [j], tenant));
    }
    zhashx_destroy (&set);
    sched_store_names_free (&unknown, count);
    return 0;
}

static void s_mark (s_state_t *self, const char *tenant, int64_t delay_ms);

static void
s_handle_apply (pw_service_t *service, pw_call_t *call, void *state)
{
    s_state_t *self = state;
    pw_db_t *db = pw_service_db (service);
    const Patchwarden__V1__ApplyRequest *request = call->request->schedule_apply;
    const char *filename = *request->filename ? request->filename : "setup file";
    Patchwarden__V1__ApplyReply *reply = pw_call_keep (call, pw_calloc (1, sizeof *reply), free);
    patchwarden__v1__apply_reply__init (reply);
    reply->dry_run = request->dry_run;
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_SCHEDULE_APPLY;
    call->reply->schedule_apply = reply;
    pw_metric_add (self->m_applies, 1);

    pw_setup_options_t options = {.zoneinfo_root = self->zoneinfo, .tenant = call->tenant};
    pw_setup_errors_t *errors = NULL;
    pw_setup_t *setup = pw_setup_parse (request->yaml, strlen (request->yaml), &options, &errors);
    if (!setup) {
        s_reply_errors (call, reply, errors);
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "%s: %zu error%s, nothing applied", filename, errors->count,
                      errors->count == 1 ? "" : "s");
        pw_setup_errors_destroy (&errors);
        return;
    }
    errors = pw_calloc (1, sizeof *errors);
    char applied [SCHED_SECTION_COUNT][65];
    const char **changed =
        pw_call_keep (call, pw_calloc (SCHED_SECTION_COUNT + 1, sizeof (char *)), free);
    size_t changed_count = 0;
    if (pw_db_begin (db, call->tenant) || s_check_hostnames (db, call->tenant, setup, errors) ||
        sched_store_section_digests (db, applied)) {
        pw_call_fail_db (service, call, "schedule_apply");
        pw_service_rollback (service);
        goto cleanup;
    }
    if (errors->count) {
        pw_service_rollback (service);
        s_reply_errors (call, reply, errors);
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "%s: %zu error%s, nothing applied", filename, errors->count,
                      errors->count == 1 ? "" : "s");
        goto cleanup;
    }
    for (size_t i = 0; i < SCHED_SECTION_COUNT; i++) {
        char digest [PW_SETUP_DIGEST_HEX];
        pw_setup_digest (setup, sched_sections [i], digest);
        if (strcmp (digest, applied [i]) != 0)
            changed [changed_count++] = pw_setup_section_name (sched_sections [i]);
    }
    reply->changed_sections = (char **)changed;
    reply->n_changed_sections = changed_count;
    pw_strbuf_t list;
    pw_strbuf_init (&list);
    for (size_t i = 0; i < changed_count; i++)
        pw_strbuf_appendf (&list, "%s%s", i ? ", " : "", changed [i]);
    if (request->dry_run || changed_count == 0) {
        pw_service_rollback (service);
        reply->summary = pw_call_keep (
            call,
            changed_count == 0 ? pw_sprintf ("scheduler: nothing to change")
                               : pw_sprintf ("scheduler: would change %s (dry run)", list.data),
            free);
        pw_strbuf_free (&list);
        goto cleanup;
    }
    int rc = s_tenant_ensure (db, call->tenant);
    pw_strbuf_t payload;
    pw_strbuf_init (&payload);
    pw_strbuf_append (&payload, "{\"sections\":[");
    for (size_t i = 0; i < SCHED_SECTION_COUNT && rc == 0; i++) {
        char digest [PW_SETUP_DIGEST_HEX];
        pw_setup_digest (setup, sched_sections [i], digest);
        if (strcmp (digest, applied [i]) == 0)
            continue;
        rc = sched_store_write_section (db, setup, sched_sections [i], call->actor);
    }
    for (size_t i = 0; i < changed_count; i++) {
        pw_strbuf_append (&payload, i ? "," : "");
        pw_strbuf_append_json (&payload, changed [i]);
    }
    pw_strbuf_append (&payload, "],\"filename\":");
    pw_strbuf_append_json (&payload, filename);
    pw_strbuf_append (&payload, "}");
    if (rc == 0)
        rc = pw_service_emit (service, call->tenant, "setup.applied", "scheduler", call->actor,
                              payload.data);
    pw_strbuf_free (&payload);
    if (rc || pw_service_commit (service)) {
        pw_call_fail_db (service, call, "schedule_apply");
        pw_service_rollback (service);
        pw_strbuf_free (&list);
        goto cleanup;
    }
    pw_log_info ("setup applied", "tenant=%s actor=%s sections=\"%s\"", call->tenant, call->actor,
                 list.data);
    //  The sections are in; the plan of the current cycle follows them.
    s_outcome_t outcome;
    s_plan (self, call->tenant, NULL, false, call->actor, &outcome);
    if (outcome.status == PATCHWARDEN__V1__STATUS__STATUS_OK) {
        reply->agents_affected = (uint32_t)sched_plan_agents (outcome.plan);
        reply->summary = pw_call_keep (
            call,
            pw_sprintf ("scheduler: applied %s; plan %s: %zu planned, %zu unscheduled, %zu "
                        "violation%s",
                        list.data, sched_plan_cycle (outcome.plan),
                        sched_plan_planned (outcome.plan), sched_plan_unscheduled (outcome.plan),
                        sched_plan_violations (outcome.plan),
                        sched_plan_violations (outcome.plan) == 1 ? "" : "s"),
            free);
    } else {
        //  Applied, but planning failed: say so and retry from the timer.
        s_mark (self, call->tenant, 1000);
        reply->summary =
            pw_call_keep (call,
                          pw_sprintf ("scheduler: applied %s; the plan will follow (%s)", list.data,
                                      outcome.message),
                          free);
    }
    s_outcome_free (&outcome);
    pw_strbuf_free (&list);

cleanup:
    pw_setup_errors_destroy (&errors);
    pw_setup_destroy (&setup);
}

//  --- incremental re-planning ---------------------------------------------

static void
s_tenant_free (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

static void
s_stored_free (void **item_p)
{
    sched_stored_destroy ((sched_stored_t **)item_p);
}

static bool
s_serves (s_state_t *self, const char *tenant)
{
    if (self->served_count == 0)
        return true;
    for (size_t i = 0; i < self->served_count; i++)
        if (strcmp (self->served [i], tenant) == 0)
            return true;
    return false;
}

//  Asks for TENANT's plan to be recomputed, not before DELAY_MS from now
//  and not before the debounce interval since its last re-plan.
static void
s_mark (s_state_t *self, const char *tenant, int64_t delay_ms)
{
    s_tenant_t *entry = zhashx_lookup (self->tenants, tenant);
    if (!entry) {
        entry = pw_calloc (1, sizeof *entry);
        entry->last_ms = -self->debounce_ms;
        zhashx_insert (self->tenants, tenant, entry);
    }
    int64_t due = zclock_mono () + delay_ms;
    if (due < entry->last_ms + self->debounce_ms)
        due = entry->last_ms + self->debounce_ms;
    if (!entry->pending || due > entry->due_ms)
        entry->due_ms = due;
    entry->pending = true;
}

static void
s_on_event (pw_service_t *service, zsock_t *socket, void *state)
{
    (void)service;
    s_state_t *self = state;
    bool malformed = false;
    pw_event_t *event = pw_wire_recv_event (socket, 1 << 20, &malformed);
    if (!event) {
        if (malformed) {
            pw_metric_add (self->m_event_errors, 1);
            pw_log_warn ("malformed event", "from=policy_pub");
        }
        return;
    }
    pw_metric_add (self->m_events, 1);
    static const char *kinds [] = {"settings.changed", "setup.applied", "import.agents"};
    bool wanted = false;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds [0]; i++)
        wanted = wanted || strcmp (event->kind, kinds [i]) == 0;
    if (wanted && *event->tenant && s_serves (self, event->tenant)) {
        pw_log_debug ("re-plan requested", "tenant=%s kind=%s seq=%llu", event->tenant, event->kind,
                      (unsigned long long)event->seq);
        s_mark (self, event->tenant, 0);
    }
    pw_event_free (&event);
}

static void
s_replan_timer (pw_service_t *service, void *state)
{
    (void)service;
    s_state_t *self = state;
    int64_t now = zclock_mono ();
    for (s_tenant_t *entry = zhashx_first (self->tenants); entry;
         entry = zhashx_next (self->tenants)) {
        if (!entry->pending || entry->due_ms > now)
            continue;
        const char *tenant = zhashx_cursor (self->tenants);
        entry->pending = false;
        entry->last_ms = now;
        pw_metric_add (self->m_replans, 1);
        s_outcome_t outcome;
        s_plan (self, tenant, NULL, false, "scheduler", &outcome);
        if (outcome.status != PATCHWARDEN__V1__STATUS__STATUS_OK) {
            pw_log_warn ("re-plan failed", "tenant=%s reason=\"%s\"", tenant, outcome.message);
            entry->pending = true;
            entry->due_ms = now + 1000;
        }
        s_outcome_free (&outcome);
    }
}

//  --- registration --------------------------------------------------------

void *
scheduler_server_register (pw_service_t *service)
{
    s_state_t *self = pw_calloc (1, sizeof *self);
    self->service = service;
    pw_config_t *config = pw_service_config (service);
    self->zoneinfo = pw_strdup (pw_config_str (config, "zoneinfo"));
    self->zones = pw_tz_cache_new (self->zoneinfo);
    self->tenants = zhashx_new ();
    zhashx_set_destructor (self->tenants, s_tenant_free);
    self->stored = zhashx_new ();
    zhashx_set_destructor (self->stored, s_stored_free);
    self->debounce_ms = (int)pw_config_int (config, "replan_debounce_ms");
    self->cache = sched_store_cache_new (
        (size_t)pw_config_int_within (config, "agents_cache_tenants", 0, 1024));
    if (self->debounce_ms < 0)
        self->debounce_ms = 0;
    char *list = pw_strdup (pw_config_str (config, "tenants"));
    char *save = NULL;
    for (char *token = strtok_r (list, ", ", &save); token; token = strtok_r (NULL, ", ", &save)) {
        self->served = pw_realloc (self->served, sizeof (char *) * (self->served_count + 1));
        self->served [self->served_count++] = pw_strdup (token);
    }
    free (list);
    self->m_plans = pw_metrics_counter ("pw_plans_stored_total", "Plans computed and stored", NULL);
    self->m_agents_reads =
        pw_metrics_counter ("pw_scheduler_agents_reads_total",
                            "Reads of a tenant's agents and settings from the store (the others "
                            "were kept from the last plan)",
                            NULL);
    self->m_plan_errors = pw_metrics_counter ("pw_plan_errors_total",
                                              "Plans that could not be built or stored", NULL);
    self->m_events = pw_metrics_counter ("pw_policy_events_total", "Policy events received", NULL);
    self->m_event_errors = pw_metrics_counter ("pw_policy_event_errors_total",
                                               "Malformed policy events received", NULL);
    self->m_replans =
        pw_metrics_counter ("pw_replans_total", "Re-plans triggered by policy events", NULL);
    self->m_applies =
        pw_metrics_counter ("pw_schedule_applies_total", "schedule_apply calls", NULL);

    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_SCHEDULE_APPLY, "schedule_apply",
                   s_handle_apply, self, true);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_PLAN, "plan", s_handle_plan, self, true);
    const char *endpoint = pw_config_str (config, "policy_pub");
    if (*endpoint) {
        self->sub = zsock_new (ZMQ_SUB);
        zsock_set_linger (self->sub, 0);
        zsock_set_subscribe (self->sub, "");
        if (zsock_connect (self->sub, "%s", endpoint) == 0)
            pw_service_read (service, self->sub, s_on_event, self);
        else {
            pw_log_error ("cannot connect to the policy PUB", "endpoint=%s", endpoint);
            zsock_destroy (&self->sub);
        }
    }
    int tick = self->debounce_ms / 4 < 10 ? 10 : self->debounce_ms / 4;
    pw_service_every (service, tick > 50 ? 50 : tick, s_replan_timer, self);
    return self;
}

void
scheduler_server_destroy (void **state_p)
{
    if (!state_p || !*state_p)
        return;
    s_state_t *self = *state_p;
    zsock_destroy (&self->sub);
    zhashx_destroy (&self->tenants);
    zhashx_destroy (&self->stored);
    sched_store_cache_destroy (&self->cache);
    pw_tz_cache_destroy (&self->zones);
    for (size_t i = 0; i < self->served_count; i++)
        free (self->served [i]);
    free (self->served);
    free (self->zoneinfo);
    free (self);
    *state_p = NULL;
}
