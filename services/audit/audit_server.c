/*  audit_server - wires the audit's domain (pw_checks, pw_findings,
    pw_compliance, pw_trail) to its calls, its event streams and the store.

    Sockets: two SUBs (policy and scheduler events) read by the pipeline;
    the service's PUB carries what the audit records and its finding
    changes. Timers, all on the service thread: a short tick records what
    is pending and runs the audits that events made due (debounced per
    tenant); a catch-up tick reads the tenant list and every stream's head,
    so nothing published while the audit was away is missed; a slow tick
    audits every tenant fully and takes the day's compliance snapshot.
*/
#include "audit_server.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit_pipeline.h"
#include "audit_run.h"
#include "pw_log.h"
#include "pw_metrics.h"
#include "pw_trail.h"
#include "pw_util.h"

#define S_TICK_MS      50
#define S_PAGE         20000 //  trail records verified per page
#define S_LIST_DEFAULT 1000
#define S_LIST_MAX     10000

static const pw_config_key_t s_keys [] = {
    {"policy_pub", PW_CFG_STRING, "tcp://127.0.0.1:7102", "policy service PUB endpoint (events)"},
    {"scheduler_pub", PW_CFG_STRING, "tcp://127.0.0.1:7202",
     "scheduler service PUB endpoint (events)"},
    {"audit_interval_ms", PW_CFG_INT, "60000", "how often every tenant is audited fully"},
    {"audit_debounce_ms", PW_CFG_INT, "500",
     "delay from a recorded event to the audit it triggers (events in between share it)"},
    {"catch_up_interval_ms", PW_CFG_INT, "1000",
     "how often every event stream's head is compared with what was recorded"},
    {"record_batch", PW_CFG_INT, "20000", "most events recorded in one transaction"},
    {"facts_cache_tenants", PW_CFG_INT, "4",
     "tenants whose patch facts are kept between audits while unchanged (0: none)"},
    {"scan_max_age_h", PW_CFG_INT, "168",
     "a last scan older than this is stale (tenant settings override it)"},
    {"scan_gap_h", PW_CFG_INT, "24",
     "least time from a scan's end to the update window (tenant settings override it)"},
    {"review_max_age_d", PW_CFG_INT, "14",
     "longest a patch may wait for review (tenant settings override it)"},
    {"grace_critical_d", PW_CFG_INT, "3", "install grace after the window, Critical patches"},
    {"grace_important_d", PW_CFG_INT, "7", "install grace after the window, Important patches"},
    {"grace_moderate_d", PW_CFG_INT, "14", "install grace after the window, Moderate patches"},
    {"grace_low_d", PW_CFG_INT, "30", "install grace after the window, Low and unspecified"},
    {NULL, 0, NULL, NULL}};

const pw_config_key_t *
audit_server_config_keys (void)
{
    return s_keys;
}

typedef struct {
    char *name;
    int64_t audit_due_ms;   //  0: no audit pending
    char snapshot_day [16]; //  the day of the last snapshot taken
    size_t open_by [PW_CODE_COUNT][PW_FINDING_SEV_COUNT];
} s_tenant_t;

typedef struct {
    pw_service_t *service;
    zsock_t *policy_sub;
    zsock_t *scheduler_sub;
    audit_pipeline_t *pipeline;
    pw_checks_config_t defaults;
    audit_facts_cache_t *cache;                       //  NULL: facts_cache_tenants 0
    uint64_t cache_hits, cache_misses, cache_updates; //  as last added to the metrics
    uint64_t findings_loads;
    zhashx_t *tenants; //  name -> s_tenant_t
    char **served;     //  NULL: every tenant
    size_t served_count;
    int debounce_ms;
    pw_metric_t *m_runs;
    pw_metric_t *m_run_failures;
    pw_metric_t *m_run_ms;
    pw_metric_t *m_opened;
    pw_metric_t *m_resolved;
    pw_metric_t *m_cache_hits;
    pw_metric_t *m_cache_misses;
    pw_metric_t *m_cache_updates;
    pw_metric_t *m_findings_loads;
    pw_metric_t *m_open [PW_CODE_COUNT][PW_FINDING_SEV_COUNT];
    size_t open_sum [PW_CODE_COUNT][PW_FINDING_SEV_COUNT];
} s_server_t;

//  Adds the facts cache's hits, misses and updates since the last call to
//  the metrics.
static void
s_cache_metrics (s_server_t *self)
{
    uint64_t hits, misses, updates;
    audit_facts_cache_stats (self->cache, &hits, &misses, &updates);
    pw_metric_add (self->m_cache_hits, (int64_t)(hits - self->cache_hits));
    pw_metric_add (self->m_cache_misses, (int64_t)(misses - self->cache_misses));
    pw_metric_add (self->m_cache_updates, (int64_t)(updates - self->cache_updates));
    self->cache_hits = hits;
    self->cache_misses = misses;
    self->cache_updates = updates;
    uint64_t loads = audit_findings_cache_loads (self->cache);
    pw_metric_add (self->m_findings_loads, (int64_t)(loads - self->findings_loads));
    self->findings_loads = loads;
}

static void
s_tenant_destroy (void **item_p)
{
    s_tenant_t *t = *item_p;
    if (t) {
        free (t->name);
        free (t);
        *item_p = NULL;
    }
}

static bool
s_serves (void *arg, const char *tenant)
{
    s_server_t *self = arg;
    if (!self->served)
        return true;
    for (size_t i = 0; i < self->served_count; i++)
        if (strcmp (self->served [i], tenant) == 0)
            return true;
    return false;
}

static s_tenant_t *
s_tenant (s_server_t *self, const char *name)
{
    s_tenant_t *t = zhashx_lookup (self->tenants, name);
    if (!t) {
        t = pw_calloc (1, sizeof *t);
        t->name = pw_strdup (name);
        //  A tenant seen for the first time is audited soon
        t->audit_due_ms = zclock_mono () + self->debounce_ms;
        zhashx_insert (self->tenants, name, t);
    }
    return t;
}

static void
s_on_recorded (void *arg, const char *tenant, size_t count)
{
    (void)count;
    s_server_t *self = arg;
    s_tenant_t *t = s_tenant (self, tenant);
    if (t->audit_due_ms == 0)
        t->audit_due_ms = zclock_mono () + self->debounce_ms;
}

//  Open findings by code and severity, over every tenant, for /metrics:
//  the tenant's previous counts are replaced by its new ones.
static void
s_update_open_metrics (s_server_t *self, s_tenant_t *t, const audit_run_result_t *result)
{
    for (int c = 0; c < PW_CODE_COUNT; c++)
        for (int s = 0; s < PW_FINDING_SEV_COUNT; s++) {
            self->open_sum [c][s] += result->open_by [c][s] - t->open_by [c][s];
            t->open_by [c][s] = result->open_by [c][s];
            if (!self->m_open [c][s] && self->open_sum [c][s] == 0)
                continue;
            if (!self->m_open [c][s]) {
                char labels [96];
                snprintf (labels, sizeof labels, "code=\"%s\",severity=\"%s\"",
                          pw_finding_code_name ((pw_finding_code_t)c),
                          pw_finding_sev_name ((pw_finding_sev_t)s));
                self->m_open [c][s] = pw_metrics_gauge (
                    "pw_audit_findings_open", "Open findings by code and severity", labels);
            }
            pw_metric_set (self->m_open [c][s], (int64_t)self->open_sum [c][s]);
        }
}

//  Audits tenant T now; on failure it is due again in a second.
static int
s_audit (s_server_t *self, s_tenant_t *t, audit_run_result_t *result)
{
    audit_run_result_t local;
    if (!result)
        result = &local;
    t->audit_due_ms = 0;
    pw_db_t *db = pw_service_db (self->service);
    if (!pw_db_ensure (db)) {
        t->audit_due_ms = zclock_mono () + 1000;
        return -1;
    }
    uint64_t hits = self->cache_hits, updates = self->cache_updates;
    int rc = audit_run_tenant (db, self->cache, pw_service_pub (self->service), t->name,
                               &self->defaults, result);
    s_cache_metrics (self);
    //  How the patch facts were had: kept as they were, brought up to date
    //  with what writes declared, or read whole (or no cache)
    const char *facts = self->cache_hits != hits         ? "kept"
                        : self->cache_updates != updates ? "updated"
                                                         : "read";
    if (rc) {
        pw_metric_add (self->m_run_failures, 1);
        pw_log_warn ("audit failed, will retry", "tenant=%s reason=\"%s\"", t->name,
                     pw_db_last_error (db));
        t->audit_due_ms = zclock_mono () + 1000;
        return -1;
    }
    pw_metric_add (self->m_runs, 1);
    pw_metric_add (self->m_opened, (int64_t)result->opened);
    pw_metric_add (self->m_resolved, (int64_t)result->resolved);
    pw_metric_set (self->m_run_ms, result->total_us / 1000);
    s_update_open_metrics (self, t, result);
    //  Every audit that changed something; the others at debug level
    pw_log (result->opened || result->resolved ? PW_LOG_INFO : PW_LOG_DEBUG, "audit",
            "tenant=%s agents=%zu opened=%zu resolved=%zu open=%zu facts=%s load_ms=%lld "
            "compute_ms=%lld total_ms=%lld",
            t->name, result->agents, result->opened, result->resolved, result->open, facts,
            (long long)result->load_us / 1000, (long long)result->compute_us / 1000,
            (long long)result->total_us / 1000);
    return 0;
}

static void
s_tick (pw_service_t *service, void *state)
{
    (void)service;
    s_server_t *self = state;
    audit_pipeline_flush (self->pipeline, 100000);
    //  Due tenants first (recording may add tenants to the table)
    int64_t now = zclock_mono ();
    size_t count = 0, cap = zhashx_size (self->tenants);
    s_tenant_t **due = pw_calloc (cap + 1, sizeof *due);
    for (s_tenant_t *t = zhashx_first (self->tenants); t && count < cap;
         t = zhashx_next (self->tenants))
        if (t->audit_due_ms && t->audit_due_ms <= now)
            due [count++] = t;
    for (size_t i = 0; i < count; i++)
        s_audit (self, due [i], NULL);
    free (due);
}

static void
s_catch_up (pw_service_t *service, void *state)
{
    s_server_t *self = state;
    pw_db_t *db = pw_service_db (service);
    if (!pw_db_ensure (db))
        return;
    PGresult *res = pw_db_exec (db, "audit_tenants", 0, NULL);
    if (res) {
        for (int row = 0; row < PQntuples (res); row++)
            if (s_serves (self, PQgetvalue (res, row, 0)))
                s_tenant (self, PQgetvalue (res, row, 0));
        PQclear (res);
    }
    audit_pipeline_catch_up (self->pipeline);
    audit_pipeline_flush (self->pipeline, 100000);
}

static void
s_full (pw_service_t *service, void *state)
{
    s_server_t *self = state;
    pw_db_t *db = pw_service_db (service);
    char today [16];
    time_t seconds = (time_t)(audit_now_us () / 1000000);
    struct tm tm;
    gmtime_r (&seconds, &tm);
    strftime (today, sizeof today, "%Y-%m-%d", &tm);
    size_t count = 0, cap = zhashx_size (self->tenants);
    s_tenant_t **all = pw_calloc (cap + 1, sizeof *all);
    for (s_tenant_t *t = zhashx_first (self->tenants); t && count < cap;
         t = zhashx_next (self->tenants))
        all [count++] = t;
    for (size_t i = 0; i < count; i++) {
        s_tenant_t *t = all [i];
        if (s_audit (self, t, NULL))
            continue;
        if (strcmp (t->snapshot_day, today) != 0 &&
            audit_snapshot (db, self->cache, t->name, &self->defaults) == 0)
            snprintf (t->snapshot_day, sizeof t->snapshot_day, "%s", today);
    }
    s_cache_metrics (self);
    free (all);
}

static void
s_read_sub (pw_service_t *service, zsock_t *socket, void *state)
{
    (void)service;
    s_server_t *self = state;
    audit_pipeline_read (self->pipeline, socket);
}

//  --- calls --------------------------------------------------------------

static void
s_audit_summary (pw_service_t *service, pw_call_t *call, void *state)
{
    s_server_t *self = state;
    const char *org = call->request->audit_summary->org;
    bool found = true;
    char *json = audit_summary_json (pw_service_db (service), self->cache, call->tenant, org,
                                     &self->defaults, &found);
    s_cache_metrics (self);
    if (!json) {
        pw_call_fail_db (service, call, "audit_summary");
        return;
    }
    pw_call_keep (call, json, free);
    if (!found) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_NOT_FOUND,
                      "audit_summary: org \"%.80s\" has no agents in tenant %s", org, call->tenant);
        return;
    }
    Patchwarden__V1__AuditSummaryReply *reply =
        pw_call_keep (call, pw_malloc (sizeof *reply), free);
    patchwarden__v1__audit_summary_reply__init (reply);
    reply->json = json;
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_AUDIT_SUMMARY;
    call->reply->audit_summary = reply;
}

static void
s_audit_report (pw_service_t *service, pw_call_t *call, void *state)
{
    s_server_t *self = state;
    const Patchwarden__V1__AuditReportRequest *req = call->request->audit_report;
    bool html;
    if (!*req->format || strcmp (req->format, "markdown") == 0)
        html = false;
    else if (strcmp (req->format, "html") == 0)
        html = true;
    else {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "audit_report: format \"%.40s\" is not markdown or html", req->format);
        return;
    }
    const char *error = NULL;
    char *content = audit_report (pw_service_db (service), self->cache, call->tenant, req->org,
                                  req->month, html, &self->defaults, &error);
    s_cache_metrics (self);
    if (!content) {
        if (strcmp (error, "store") == 0)
            pw_call_fail_db (service, call, "audit_report");
        else if (strncmp (error, "month", 5) == 0)
            pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                          "audit_report: month \"%.40s\": %s", req->month, error);
        else
            pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_NOT_FOUND,
                          "audit_report: org \"%.80s\": %s", req->org, error);
        return;
    }
    pw_call_keep (call, content, free);
    Patchwarden__V1__AuditReportReply *reply = pw_call_keep (call, pw_malloc (sizeof *reply), free);
    patchwarden__v1__audit_report_reply__init (reply);
    reply->content = content;
    reply->content_type = html ? "text/html; charset=utf-8" : "text/markdown; charset=utf-8";
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_AUDIT_REPORT;
    call->reply->audit_report = reply;
}

static void
s_audit_run (pw_service_t *service, pw_call_t *call, void *state)
{
    s_server_t *self = state;
    //  Record what is pending first, so the audit sees every recorded change
    audit_pipeline_flush (self->pipeline, 1000000);
    audit_run_result_t result;
    if (s_audit (self, s_tenant (self, call->tenant), &result)) {
        pw_call_fail_db (service, call, "audit_run");
        return;
    }
    Patchwarden__V1__AuditRunReply *reply = pw_call_keep (call, pw_malloc (sizeof *reply), free);
    patchwarden__v1__audit_run_reply__init (reply);
    reply->agents = (uint32_t)result.agents;
    reply->opened = (uint32_t)result.opened;
    reply->resolved = (uint32_t)result.resolved;
    reply->open = (uint32_t)result.open;
    reply->load_us = result.load_us;
    reply->compute_us = result.compute_us;
    reply->total_us = result.total_us;
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_AUDIT_RUN;
    call->reply->audit_run = reply;
}

//  Frees a TrailListReply built here: records and their array.
static void
s_free_records (void *ptr)
{
    Patchwarden__V1__TrailListReply *reply = ptr;
    for (size_t i = 0; i < reply->n_records; i++)
        free (reply->records [i]);
    free (reply->records);
    free (reply);
}

static void
s_trail_list (pw_service_t *service, pw_call_t *call, void *state)
{
    (void)state;
    const Patchwarden__V1__TrailListRequest *req = call->request->trail_list;
    pw_db_t *db = pw_service_db (service);
    uint32_t limit = req->limit == 0 ? S_LIST_DEFAULT : req->limit;
    if (limit > S_LIST_MAX)
        limit = S_LIST_MAX;
    char after [32], since [32], limit_text [16];
    snprintf (after, sizeof after, "%llu", (unsigned long long)req->after_seq);
    snprintf (since, sizeof since, "%lld", (long long)(req->since_us > 0 ? req->since_us : 0));
    snprintf (limit_text, sizeof limit_text, "%u", limit);
    const char *params [] = {after, since, limit_text};
    if (pw_db_begin (db, call->tenant)) {
        pw_call_fail_db (service, call, "trail_list");
        return;
    }
    PGresult *res = pw_db_exec (db, "audit_trail_list", 3, params);
    if (!res) {
        pw_call_fail_db (service, call, "trail_list");
        pw_db_rollback (db);
        return;
    }
    pw_db_rollback (db);
    pw_call_keep (call, res, (void (*) (void *))PQclear);
    Patchwarden__V1__TrailListReply *reply = pw_calloc (1, sizeof *reply);
    patchwarden__v1__trail_list_reply__init (reply);
    pw_call_keep (call, reply, s_free_records);
    reply->n_records = (size_t)PQntuples (res);
    reply->records = pw_calloc (reply->n_records + 1, sizeof *reply->records);
    for (size_t i = 0; i < reply->n_records; i++) {
        int row = (int)i;
        Patchwarden__V1__TrailRecord *r = pw_malloc (sizeof *r);
        patchwarden__v1__trail_record__init (r);
        r->seq = strtoull (PQgetvalue (res, row, 0), NULL, 10);
        r->time_us = strtoll (PQgetvalue (res, row, 1), NULL, 10);
        r->actor = PQgetvalue (res, row, 2);
        r->action = PQgetvalue (res, row, 3);
        r->subject = PQgetvalue (res, row, 4);
        r->reason = PQgetvalue (res, row, 5);
        r->details_json = PQgetvalue (res, row, 6);
        r->prev_hash = PQgetvalue (res, row, 7);
        r->hash = PQgetvalue (res, row, 8);
        reply->records [i] = r;
    }
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_TRAIL_LIST;
    call->reply->trail_list = reply;
}

//  A record whose hash matches its content once its seq is put back to
//  another value was moved there: report it as reordered, not edited.
static void
s_refine_edited (pw_trail_record_t *r, pw_trail_verdict_t *verdict)
{
    pw_trail_record_t copy = *r;
    char hash [PW_SHA256_HEX];
    for (int64_t delta = 1; delta <= 1000; delta++)
        for (int sign = -1; sign <= 1; sign += 2) {
            copy.seq = r->seq + sign * delta;
            if (copy.seq < 1 || pw_trail_hash (&copy, hash) || strcmp (hash, r->hash) != 0)
                continue;
            verdict->fault = PW_TRAIL_REORDERED;
            snprintf (verdict->message, sizeof verdict->message,
                      "seq %lld: holds the record written as seq %lld (out of order)",
                      (long long)r->seq, (long long)copy.seq);
            return;
        }
}

static void
s_trail_verify (pw_service_t *service, pw_call_t *call, void *state)
{
    (void)state;
    pw_db_t *db = pw_service_db (service);
    Patchwarden__V1__TrailVerifyReply *reply = pw_call_keep (call, pw_malloc (sizeof *reply), free);
    patchwarden__v1__trail_verify_reply__init (reply);
    char *message = pw_call_keep (call, pw_strdup ("ok"), free);
    char *head_hash = pw_call_keep (call, pw_malloc (PW_SHA256_HEX), free);
    head_hash [0] = '\0';
    if (pw_db_begin (db, call->tenant)) {
        pw_call_fail_db (service, call, "trail_verify");
        return;
    }
    //  No instance appends while the head and the pages are read
    const char *what [] = {"record"};
    PGresult *res = pw_db_exec (db, "audit_lock", 1, what);
    PQclear (res);
    res = res ? pw_db_exec (db, "audit_head_get", 0, NULL) : NULL;
    if (!res) {
        pw_call_fail_db (service, call, "trail_verify");
        pw_db_rollback (db);
        return;
    }
    pw_trail_anchor_t head = {0}, after = {0};
    bool have_head = PQntuples (res) == 1;
    if (have_head) {
        head.seq = strtoll (PQgetvalue (res, 0, 0), NULL, 10);
        snprintf (head.hash, sizeof head.hash, "%s", PQgetvalue (res, 0, 1));
        snprintf (head_hash, PW_SHA256_HEX, "%s", head.hash);
    }
    PQclear (res);
    bool have_after = false, ok = true, done = false, failed = false;
    uint64_t total = 0;
    pw_trail_verdict_t verdict = {0};
    while (!done && ok) {
        char after_text [32], page [16];
        snprintf (after_text, sizeof after_text, "%lld", (long long)(have_after ? after.seq : 0));
        snprintf (page, sizeof page, "%d", S_PAGE);
        const char *params [] = {after_text, "0", page};
        PGresult *rows = pw_db_exec (db, "audit_trail_list", 3, params);
        if (!rows) {
            failed = true;
            break;
        }
        size_t count = (size_t)PQntuples (rows);
        done = count < S_PAGE;
        pw_trail_record_t *records = pw_calloc (count + 1, sizeof *records);
        for (size_t i = 0; i < count; i++) {
            int row = (int)i;
            pw_trail_record_t *r = &records [i];
            r->tenant = call->tenant;
            r->seq = strtoll (PQgetvalue (rows, row, 0), NULL, 10);
            r->time_us = strtoll (PQgetvalue (rows, row, 1), NULL, 10);
            r->actor = PQgetvalue (rows, row, 2);
            r->action = PQgetvalue (rows, row, 3);
            r->subject = PQgetvalue (rows, row, 4);
            r->reason = PQgetvalue (rows, row, 5);
            r->details = PQgetvalue (rows, row, 6);
            snprintf (r->prev_hash, sizeof r->prev_hash, "%s", PQgetvalue (rows, row, 7));
            snprintf (r->hash, sizeof r->hash, "%s", PQgetvalue (rows, row, 8));
        }
        //  The head is checked with the last page only
        if (pw_trail_verify (records, count, have_after ? &after : NULL,
                             done && have_head ? &head : NULL, &verdict)) {
            ok = false;
            if (verdict.fault == PW_TRAIL_EDITED && verdict.index < count)
                s_refine_edited (&records [verdict.index], &verdict);
        } else if (count > 0) {
            after.seq = records [count - 1].seq;
            memcpy (after.hash, records [count - 1].hash, PW_SHA256_HEX);
            have_after = true;
        }
        total += count;
        free (records);
        PQclear (rows);
    }
    pw_db_rollback (db);
    if (failed) {
        pw_call_fail_db (service, call, "trail_verify");
        return;
    }
    //  A trail without a head but with records was not written here
    if (ok && !have_head && total > 0) {
        ok = false;
        verdict.fault = PW_TRAIL_PAST_HEAD;
        verdict.seq = 1;
        snprintf (verdict.message, sizeof verdict.message,
                  "seq 1: the trail has records but no recorded head (not appended through "
                  "the trail)");
    }
    reply->ok = ok;
    reply->records = total;
    reply->head_hash = head_hash;
    if (!ok) {
        reply->first_bad_seq = verdict.seq > 0 ? (uint64_t)verdict.seq : 0;
        reply->kind = (char *)pw_trail_fault_name (verdict.fault);
        message = pw_call_keep (call, pw_strdup (verdict.message), free);
        pw_log_warn ("trail verification failed", "tenant=%s kind=%s seq=%lld reason=\"%s\"",
                     call->tenant, reply->kind, (long long)verdict.seq, verdict.message);
    } else
        reply->kind = "";
    reply->message = message;
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_TRAIL_VERIFY;
    call->reply->trail_verify = reply;
}

static void
s_free_events (void *ptr)
{
    Patchwarden__V1__EventsSinceReply *reply = ptr;
    for (size_t i = 0; i < reply->n_events; i++)
        free (reply->events [i]);
    free (reply->events);
    free (reply);
}

static void
s_events_since (pw_service_t *service, pw_call_t *call, void *state)
{
    (void)state;
    const Patchwarden__V1__EventsSinceRequest *req = call->request->events_since;
    const char *producer = req->producer;
    bool own = strcmp (producer, "audit") == 0;
    if (!own && strcmp (producer, "policy") != 0 && strcmp (producer, "scheduler") != 0) {
        pw_call_fail (call, PATCHWARDEN__V1__STATUS__STATUS_INVALID,
                      "events_since: producer \"%.40s\" is not policy, scheduler or audit",
                      producer);
        return;
    }
    pw_db_t *db = pw_service_db (service);
    uint32_t limit = req->limit == 0 ? S_LIST_DEFAULT : req->limit;
    if (limit > S_LIST_MAX)
        limit = S_LIST_MAX;
    char after [32], limit_text [16];
    snprintf (after, sizeof after, "%llu", (unsigned long long)req->after_seq);
    snprintf (limit_text, sizeof limit_text, "%u", limit);
    if (pw_db_begin (db, call->tenant)) {
        pw_call_fail_db (service, call, "events_since");
        return;
    }
    const char *params [] = {producer, after, limit_text};
    PGresult *res = own ? pw_db_exec (db, "audit_events_since_own", 2, params + 1)
                        : pw_db_exec (db, "audit_events_since", 3, params);
    const char *last_params [] = {producer};
    PGresult *last = res ? pw_db_exec (db, "audit_event_last", 1, last_params) : NULL;
    if (!last) {
        pw_call_fail_db (service, call, "events_since");
        PQclear (res);
        pw_db_rollback (db);
        return;
    }
    pw_db_rollback (db);
    pw_call_keep (call, res, (void (*) (void *))PQclear);
    pw_call_keep (call, last, (void (*) (void *))PQclear);
    Patchwarden__V1__EventsSinceReply *reply = pw_calloc (1, sizeof *reply);
    patchwarden__v1__events_since_reply__init (reply);
    pw_call_keep (call, reply, s_free_events);
    reply->n_events = (size_t)PQntuples (res);
    reply->events = pw_calloc (reply->n_events + 1, sizeof *reply->events);
    for (size_t i = 0; i < reply->n_events; i++) {
        int row = (int)i;
        pw_event_t *e = pw_malloc (sizeof *e);
        patchwarden__v1__event__init (e);
        e->tenant = (char *)call->tenant;
        e->producer = (char *)producer;
        e->seq = strtoull (PQgetvalue (res, row, 0), NULL, 10);
        e->time_us = strtoll (PQgetvalue (res, row, 1), NULL, 10);
        e->kind = PQgetvalue (res, row, 2);
        e->subject = PQgetvalue (res, row, 3);
        e->actor = PQgetvalue (res, row, 4);
        e->payload_json = PQgetvalue (res, row, 5);
        reply->events [i] = e;
    }
    reply->last_seq = strtoull (PQgetvalue (last, 0, 0), NULL, 10);
    call->reply->result_case = PATCHWARDEN__V1__REPLY__RESULT_EVENTS_SINCE;
    call->reply->events_since = reply;
}

//  --- set-up -------------------------------------------------------------

static zsock_t *
s_sub (const char *endpoint)
{
    zsock_t *sub = zsock_new (ZMQ_SUB);
    zsock_set_rcvhwm (sub, 1000000);
    zsock_set_linger (sub, 0);
    zsock_set_subscribe (sub, "");
    if (zsock_connect (sub, "%s", endpoint) < 0) {
        pw_log_error ("cannot connect SUB", "endpoint=%s", endpoint);
        zsock_destroy (&sub);
    }
    return sub;
}

void *
audit_server_register (pw_service_t *service)
{
    s_server_t *self = pw_calloc (1, sizeof *self);
    self->service = service;
    pw_config_t *config = pw_service_config (service);
    pw_checks_config_defaults (&self->defaults);
    self->defaults.scan_max_age_us = pw_config_int (config, "scan_max_age_h") * PW_CHECKS_HOUR_US;
    self->defaults.scan_gap_us = pw_config_int (config, "scan_gap_h") * PW_CHECKS_HOUR_US;
    self->defaults.review_max_age_us =
        pw_config_int (config, "review_max_age_d") * PW_CHECKS_DAY_US;
    self->defaults.install_grace_us [PW_PATCH_SEVERITY_CRITICAL] =
        pw_config_int (config, "grace_critical_d") * PW_CHECKS_DAY_US;
    self->defaults.install_grace_us [PW_PATCH_SEVERITY_IMPORTANT] =
        pw_config_int (config, "grace_important_d") * PW_CHECKS_DAY_US;
    self->defaults.install_grace_us [PW_PATCH_SEVERITY_MODERATE] =
        pw_config_int (config, "grace_moderate_d") * PW_CHECKS_DAY_US;
    self->defaults.install_grace_us [PW_PATCH_SEVERITY_LOW] =
        pw_config_int (config, "grace_low_d") * PW_CHECKS_DAY_US;
    self->defaults.install_grace_us [PW_PATCH_SEVERITY_UNSPECIFIED] =
        self->defaults.install_grace_us [PW_PATCH_SEVERITY_LOW];
    self->debounce_ms = (int)pw_config_int (config, "audit_debounce_ms");
    if (self->debounce_ms < 0)
        self->debounce_ms = 0;
    char *list = pw_strdup (pw_config_str (config, "tenants"));
    char *save = NULL;
    for (char *token = strtok_r (list, ", ", &save); token; token = strtok_r (NULL, ", ", &save)) {
        self->served = pw_realloc (self->served, sizeof (char *) * (self->served_count + 1));
        self->served [self->served_count++] = pw_strdup (token);
    }
    free (list);
    self->tenants = zhashx_new ();
    zhashx_set_destructor (self->tenants, s_tenant_destroy);
    self->pipeline = audit_pipeline_new (service, (int)pw_config_int (config, "record_batch"),
                                         s_serves, s_on_recorded, self);
    self->m_runs = pw_metrics_counter ("pw_audit_runs_total", "Full audits of a tenant", NULL);
    self->m_run_failures =
        pw_metrics_counter ("pw_audit_run_failures_total", "Audits that failed (retried)", NULL);
    self->m_run_ms = pw_metrics_gauge ("pw_audit_last_run_ms", "Duration of the last audit", NULL);
    self->m_opened = pw_metrics_counter ("pw_audit_findings_opened_total", "Findings opened", NULL);
    self->m_resolved =
        pw_metrics_counter ("pw_audit_findings_resolved_total", "Findings resolved", NULL);
    int64_t cached = pw_config_int_within (config, "facts_cache_tenants", 0, 1024);
    self->cache = cached > 0 ? audit_facts_cache_new ((size_t)cached) : NULL;
    self->m_cache_hits = pw_metrics_counter ("pw_audit_facts_cache_hits_total",
                                             "Audits that found the patch facts unchanged", NULL);
    self->m_cache_misses = pw_metrics_counter ("pw_audit_facts_cache_misses_total",
                                               "Audits that read the patch facts whole", NULL);
    self->m_cache_updates =
        pw_metrics_counter ("pw_audit_facts_cache_updates_total",
                            "Audits that read again only the patch facts writes changed", NULL);
    self->m_findings_loads =
        pw_metrics_counter ("pw_audit_findings_loads_total",
                            "Reads of a tenant's open findings from the store (not kept as the "
                            "audit's own writes left them)",
                            NULL);

    self->policy_sub = s_sub (pw_config_str (config, "policy_pub"));
    self->scheduler_sub = s_sub (pw_config_str (config, "scheduler_pub"));
    if (self->policy_sub)
        pw_service_read (service, self->policy_sub, s_read_sub, self);
    if (self->scheduler_sub)
        pw_service_read (service, self->scheduler_sub, s_read_sub, self);
    pw_service_every (service, S_TICK_MS, s_tick, self);
    int catch_up = (int)pw_config_int (config, "catch_up_interval_ms");
    pw_service_every (service, catch_up > 0 ? catch_up : 1000, s_catch_up, self);
    int interval = (int)pw_config_int (config, "audit_interval_ms");
    pw_service_every (service, interval > 0 ? interval : 60000, s_full, self);

    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_AUDIT_SUMMARY, "audit_summary",
                   s_audit_summary, self, true);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_AUDIT_REPORT, "audit_report",
                   s_audit_report, self, true);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_AUDIT_RUN, "audit_run", s_audit_run,
                   self, true);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_TRAIL_LIST, "trail_list", s_trail_list,
                   self, true);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_TRAIL_VERIFY, "trail_verify",
                   s_trail_verify, self, true);
    pw_service_on (service, PATCHWARDEN__V1__REQUEST__CALL_EVENTS_SINCE, "events_since",
                   s_events_since, self, true);
    return self;
}

void
audit_server_destroy (void **state_p)
{
    if (!state_p || !*state_p)
        return;
    s_server_t *self = *state_p;
    audit_pipeline_destroy (&self->pipeline);
    zsock_destroy (&self->policy_sub);
    zsock_destroy (&self->scheduler_sub);
    zhashx_destroy (&self->tenants);
    audit_facts_cache_destroy (&self->cache);
    for (size_t i = 0; i < self->served_count; i++)
        free (self->served [i]);
    free (self->served);
    free (self);
    *state_p = NULL;
}
