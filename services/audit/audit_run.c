/*  audit_run - full audits, summaries, reports and snapshots over the store.

    Each function runs in its own transaction for one tenant. The checks and
    the diff run in C over facts loaded in a handful of queries; the writes
    are one statement per kind of change (JSON arrays of rows), so a tenant
    of 50,000 agents costs a few round trips, not one per finding.
*/
#include "audit_run.h"

#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "audit_facts.h"
#include "pw_log.h"
#include "pw_util.h"

int64_t
audit_now_us (void)
{
    struct timeval tv;
    gettimeofday (&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

int
audit_publish (zsock_t *pub, const char *topic, const pw_event_t *event)
{
    size_t size = patchwarden__v1__event__get_packed_size (event);
    zframe_t *body = zframe_new (NULL, size);
    patchwarden__v1__event__pack (event, zframe_data (body));
    zframe_t *head = zframe_new (topic, strlen (topic));
    int rc = zframe_send (&head, pub, ZFRAME_MORE | ZFRAME_DONTWAIT);
    if (rc == 0)
        rc = zframe_send (&body, pub, ZFRAME_DONTWAIT);
    zframe_destroy (&head);
    zframe_destroy (&body);
    return rc;
}

static const char *
s_scope_name (pw_finding_scope_t scope)
{
    return pw_finding_scope_name (scope);
}

static void
s_finding_json (pw_strbuf_t *out, const pw_finding_t *f)
{
    pw_strbuf_appendf (out, "{\"code\":\"%s\",\"severity\":\"%s\",\"scope\":\"%s\",\"owner\":",
                       pw_finding_code_name (f->code), pw_finding_sev_name (f->severity),
                       s_scope_name (f->scope));
    pw_strbuf_append_json (out, f->owner);
    pw_strbuf_append (out, ",\"subject\":");
    pw_strbuf_append_json (out, f->subject);
    pw_strbuf_append (out, ",\"detail\":");
    pw_strbuf_append_json (out, f->detail);
    pw_strbuf_append (out, "}");
}

//  One finding event as a row of audit_events_emit.
static void
s_event_json (pw_strbuf_t *out, size_t index, const char *kind, const pw_finding_t *f)
{
    pw_strbuf_appendf (out, "%s{\"i\":%zu,\"kind\":\"%s\",\"subject\":", index > 1 ? "," : "",
                       index, kind);
    pw_strbuf_append_json (out, f->subject);
    pw_strbuf_append (out, ",\"payload\":");
    s_finding_json (out, f);
    pw_strbuf_append (out, "}");
}

typedef struct {
    const pw_finding_t *finding;
    bool opened;
} s_change_t;

//  Adds to SET the findings DIFF opened, with the ids the store gave them:
//  ROWS (id, code, subject) as audit_findings_insert returns them, in any
//  order. 0, or -1 when a row is not one of them or one has none.
static int
s_add_opened (pw_findings_t *set, const pw_findings_diff_t *diff, const PGresult *rows)
{
    size_t count = pw_findings_diff_opened_size (diff);
    if ((size_t)PQntuples (rows) != count)
        return -1;
    zhashx_t *by_key = zhashx_new ();
    int rc = 0;
    for (size_t i = 0; i < count; i++) {
        const pw_finding_t *f = pw_findings_diff_opened (diff, i);
        char *key = pw_sprintf ("%s\x1f%s", pw_finding_code_name (f->code), f->subject);
        zhashx_insert (by_key, key, (void *)f);
        free (key);
    }
    for (int row = 0; row < PQntuples (rows) && rc == 0; row++) {
        char *key = pw_sprintf ("%s\x1f%s", PQgetvalue (rows, row, 1), PQgetvalue (rows, row, 2));
        const pw_finding_t *f = zhashx_lookup (by_key, key);
        if (f) {
            pw_finding_t stored = *f;
            stored.id = strtoll (PQgetvalue (rows, row, 0), NULL, 10);
            rc = pw_findings_add (set, &stored);
            zhashx_delete (by_key, key);
        } else
            rc = -1;
        free (key);
    }
    zhashx_destroy (&by_key);
    return rc;
}

static int
s_by_id (const void *a, const void *b)
{
    int64_t x = (*(const pw_finding_t *const *)a)->id, y = (*(const pw_finding_t *const *)b)->id;
    return x < y ? -1 : x > y;
}

int
audit_run_tenant (pw_db_t *db, audit_facts_cache_t *cache, zsock_t *pub, const char *tenant,
                  const pw_checks_config_t *defaults, audit_run_result_t *result)
{
    memset (result, 0, sizeof *result);
    int64_t started = audit_now_us ();
    int rc = -1;
    audit_facts_t *facts = NULL;
    pw_findings_t *fresh = pw_findings_new (), *open = NULL;
    bool open_borrowed = false; //  open belongs to the cache
    pw_findings_diff_t *diff = NULL;
    s_change_t *changes = NULL;
    const pw_finding_t **by_id = NULL;
    PGresult *emitted = NULL;
    //  The open findings after this audit's writes, for the cache: kept
    //  findings as the store holds them now, then the opened ones with the
    //  ids the store gave them; and the findings version those writes
    //  commit (the counter's row stays locked by them until the commit)
    pw_findings_t *next = NULL;
    audit_stamp_t next_stamp = {0};
    bool next_kept = false;
    pw_strbuf_t opened, updated, resolved, events;
    pw_strbuf_init (&opened);
    pw_strbuf_init (&updated);
    pw_strbuf_init (&resolved);
    pw_strbuf_init (&events);
    if (pw_db_begin (db, tenant))
        goto cleanup;
    facts = audit_facts_load (db, cache, tenant, defaults, started, 0, 0);
    if (!facts)
        goto rollback;
    int64_t compute_started = audit_now_us ();
    result->load_us = compute_started - started;
    audit_facts_evaluate (facts, fresh);
    int64_t compute_us = audit_now_us () - compute_started;

    //  Serialize with other audit instances, then diff against what is
    //  open now (read under the lock).
    const char *what [] = {"findings"};
    PGresult *res = pw_db_exec (db, "audit_lock", 1, what);
    if (!res)
        goto rollback;
    PQclear (res);
    open = audit_findings_open (db, cache, tenant, &open_borrowed);
    if (!open)
        goto rollback;
    int64_t now = audit_now_us ();
    compute_started = now;
    //  Severity and detail of the open findings before the diff refreshes them
    size_t open_count = pw_findings_size (open);
    by_id = pw_calloc (open_count + 1, sizeof *by_id);
    for (size_t i = 0; i < open_count; i++)
        by_id [i] = pw_findings_get (open, i);
    qsort (by_id, open_count, sizeof *by_id, s_by_id);
    diff = pw_findings_diff (open, fresh, PW_SCOPE_TENANT, NULL, now);
    compute_us += audit_now_us () - compute_started;

    size_t n_opened = pw_findings_diff_opened_size (diff);
    size_t n_kept = pw_findings_diff_kept_size (diff);
    size_t n_resolved = pw_findings_diff_resolved_size (diff);
    changes = pw_calloc (n_opened + n_resolved + 1, sizeof *changes);
    size_t n_changes = 0;

    pw_strbuf_append (&opened, "[");
    for (size_t i = 0; i < n_opened; i++) {
        const pw_finding_t *f = pw_findings_diff_opened (diff, i);
        if (i)
            pw_strbuf_append (&opened, ",");
        s_finding_json (&opened, f);
        changes [n_changes++] = (s_change_t){f, true};
    }
    pw_strbuf_append (&opened, "]");
    //  Kept findings whose severity or detail changed: find each kept one's
    //  stored version by id (sorted here, not by the store).
    size_t n_updated = 0;
    const pw_finding_t **was_of = pw_calloc (n_kept + 1, sizeof *was_of); //  NULL: unchanged
    pw_strbuf_append (&updated, "[");
    for (size_t i = 0; i < n_kept; i++) {
        const pw_finding_t *f = pw_findings_diff_kept (diff, i);
        size_t lo = 0, hi = open_count;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (by_id [mid]->id < f->id)
                lo = mid + 1;
            else
                hi = mid;
        }
        const pw_finding_t *was = lo < open_count ? by_id [lo] : NULL;
        if (was && was->id == f->id && was->severity == f->severity &&
            strcmp (was->detail, f->detail) == 0) {
            was_of [i] = was;
            continue;
        }
        pw_strbuf_appendf (&updated,
                           "%s{\"id\":%lld,\"severity\":\"%s\",\"detail\":", n_updated++ ? "," : "",
                           (long long)f->id, pw_finding_sev_name (f->severity));
        pw_strbuf_append_json (&updated, f->detail);
        pw_strbuf_append (&updated, "}");
    }
    //  The writes below move the findings version: the cache takes the
    //  open findings as they leave them (the opened ones join with their
    //  ids once inserted)
    if (cache && n_opened + n_updated + n_resolved > 0) {
        next = pw_findings_new ();
        for (size_t i = 0; i < n_kept; i++) {
            pw_finding_t stored = *pw_findings_diff_kept (diff, i);
            stored.last_seen_us = was_of [i] ? was_of [i]->last_seen_us : now;
            pw_findings_add (next, &stored);
        }
    }
    free (was_of);
    pw_strbuf_append (&updated, "]");
    pw_strbuf_append (&resolved, "{");
    for (size_t i = 0; i < n_resolved; i++) {
        const pw_finding_t *f = pw_findings_diff_resolved (diff, i);
        pw_strbuf_appendf (&resolved, "%s%lld", i ? "," : "", (long long)f->id);
        changes [n_changes++] = (s_change_t){f, false};
    }
    pw_strbuf_append (&resolved, "}");
    pw_strbuf_append (&events, "[");
    for (size_t i = 0; i < n_changes; i++)
        s_event_json (&events, i + 1, changes [i].opened ? "finding.opened" : "finding.resolved",
                      changes [i].finding);
    pw_strbuf_append (&events, "]");

    char now_text [32], count_text [32];
    snprintf (now_text, sizeof now_text, "%lld", (long long)now);
    snprintf (count_text, sizeof count_text, "%zu", n_changes);
    if (n_opened) {
        const char *params [] = {opened.data, now_text};
        if (!(res = pw_db_exec (db, "audit_findings_insert", 2, params)))
            goto rollback;
        if (next && s_add_opened (next, diff, res)) {
            //  Not the rows asked for: the cache reads them again
            pw_findings_destroy (&next);
        }
        PQclear (res);
    }
    if (n_updated) {
        const char *params [] = {updated.data, now_text};
        if (!(res = pw_db_exec (db, "audit_findings_update", 2, params)))
            goto rollback;
        PQclear (res);
    }
    if (n_resolved) {
        const char *params [] = {resolved.data, now_text};
        if (!(res = pw_db_exec (db, "audit_findings_resolve", 2, params)))
            goto rollback;
        PQclear (res);
    }
    if (n_changes) {
        const char *params [] = {events.data, count_text};
        if (!(emitted = pw_db_exec (db, "audit_events_emit", 2, params)))
            goto rollback;
    }
    if (next && audit_findings_stamp (db, tenant, &next_stamp))
        goto rollback;
    result->agents = audit_facts_agent_count (facts);
    result->opened = n_opened;
    result->kept = n_kept;
    result->resolved = n_resolved;
    result->open = n_opened + n_kept;
    for (size_t i = 0; i < n_opened + n_kept; i++) {
        const pw_finding_t *f = i < n_opened ? pw_findings_diff_opened (diff, i)
                                             : pw_findings_diff_kept (diff, i - n_opened);
        result->open_by [f->code][f->severity]++;
    }
    result->compute_us = compute_us;
    char agents_text [32], open_text [32], compute_text [32], total_text [32];
    snprintf (agents_text, sizeof agents_text, "%zu", result->agents);
    snprintf (open_text, sizeof open_text, "%zu", result->open);
    snprintf (compute_text, sizeof compute_text, "%lld", (long long)compute_us);
    snprintf (total_text, sizeof total_text, "%lld", (long long)(audit_now_us () - started));
    const char *state [] = {now_text, agents_text, open_text, compute_text, total_text};
    if (!(res = pw_db_exec (db, "audit_state_set", 5, state)))
        goto rollback;
    PQclear (res);
    if (pw_db_commit (db))
        goto cleanup;
    result->total_us = audit_now_us () - started;
    rc = 0;

    //  Published after the commit: a subscriber never sees a change that
    //  did not happen. Change i (from 0) got the seq first + i, whatever
    //  order RETURNING gives the rows in.
    uint64_t first = UINT64_MAX;
    for (int row = 0; emitted && row < PQntuples (emitted); row++) {
        uint64_t seq = strtoull (PQgetvalue (emitted, row, 0), NULL, 10);
        first = seq < first ? seq : first;
    }
    for (int row = 0; pub && emitted && row < PQntuples (emitted); row++) {
        uint64_t index = strtoull (PQgetvalue (emitted, row, 0), NULL, 10) - first;
        if (index >= n_changes)
            continue;
        const pw_finding_t *f = changes [index].finding;
        pw_strbuf_t payload;
        pw_strbuf_init (&payload);
        s_finding_json (&payload, f);
        pw_event_t event = PATCHWARDEN__V1__EVENT__INIT;
        event.tenant = (char *)tenant;
        event.producer = "audit";
        event.seq = strtoull (PQgetvalue (emitted, row, 0), NULL, 10);
        event.time_us = strtoll (PQgetvalue (emitted, row, 1), NULL, 10);
        event.kind = changes [index].opened ? "finding.opened" : "finding.resolved";
        event.subject = (char *)f->subject;
        event.actor = "audit";
        event.payload_json = payload.data;
        char *topic =
            pw_sprintf ("%s/finding/%s/%s", tenant, changes [index].opened ? "opened" : "resolved",
                        pw_finding_code_name (f->code));
        audit_publish (pub, topic, &event);
        free (topic);
        pw_strbuf_free (&payload);
    }
    //  The cache's open findings (OPEN, which the changes above pointed
    //  into) give way to those after the writes
    if (next) {
        audit_findings_keep (cache, tenant, &next, next_stamp);
        open = NULL;
        next_kept = true;
    }
    goto cleanup;
rollback:
    pw_db_rollback (db);
cleanup:
    PQclear (emitted);
    free (changes);
    free (by_id);
    //  The cache's open findings were changed in place when the diff
    //  resolved some; kept only while they are the store's
    if (open_borrowed && !next_kept && (rc || (diff && pw_findings_diff_resolved_size (diff))))
        audit_findings_forget (cache, tenant);
    pw_findings_destroy (&next);
    pw_findings_diff_destroy (&diff);
    if (!open_borrowed)
        pw_findings_destroy (&open);
    pw_findings_destroy (&fresh);
    audit_facts_destroy (&facts);
    pw_strbuf_free (&opened);
    pw_strbuf_free (&updated);
    pw_strbuf_free (&resolved);
    pw_strbuf_free (&events);
    return rc;
}

//  --- compliance ---------------------------------------------------------

static const char *s_sev_keys [PW_PATCH_SEVERITY_COUNT] = {"unspecified", "low", "moderate",
                                                           "important", "critical"};

static void
s_stats_json (pw_strbuf_t *out, const pw_compliance_stats_t *s, bool tenant)
{
    int permille = pw_compliance_permille (s);
    pw_strbuf_appendf (out,
                       "\"agents\":%zu,\"subscribed\":%zu,\"scheduled\":%zu,\"compliant\":%zu,"
                       "\"compliance_pct\":",
                       s->agents, s->subscribed, s->scheduled, s->compliant);
    if (permille < 0)
        pw_strbuf_append (out, "null");
    else
        pw_strbuf_appendf (out, "%d.%d", permille / 10, permille % 10);
    pw_strbuf_append (out, ",\"missing\":{");
    for (int sev = PW_PATCH_SEVERITY_CRITICAL; sev >= 0; sev--)
        pw_strbuf_appendf (out, "%s\"%s\":%zu", sev == PW_PATCH_SEVERITY_CRITICAL ? "" : ",",
                           s_sev_keys [sev], s->missing [sev]);
    pw_strbuf_append (out, "},\"overdue\":{");
    for (int sev = PW_PATCH_SEVERITY_CRITICAL; sev >= 0; sev--)
        pw_strbuf_appendf (out, "%s\"%s\":%zu", sev == PW_PATCH_SEVERITY_CRITICAL ? "" : ",",
                           s_sev_keys [sev], s->overdue [sev]);
    pw_strbuf_appendf (out,
                       "},\"failed\":%zu,\"pending_reboot\":%zu,\"installed\":%zu,"
                       "\"unscheduled\":%zu,\"exceptions\":%zu,\"findings\":{",
                       s->failed, s->pending_reboot, s->installed, s->unscheduled, s->exceptions);
    bool first = true;
    for (int code = 0; code < PW_CODE_COUNT; code++)
        if (s->findings [code]) {
            pw_strbuf_appendf (out, "%s\"%s\":%zu", first ? "" : ",",
                               pw_finding_code_name ((pw_finding_code_t)code), s->findings [code]);
            first = false;
        }
    pw_strbuf_appendf (out, "},\"findings_total\":%zu", s->findings_total);
    if (tenant)
        pw_strbuf_appendf (out, ",\"review\":{\"waiting\":%zu,\"policies_past_limit\":%zu}",
                           s->review_waiting, s->review_backlog);
}

static int64_t
s_month_start_us (int year, int month)
{
    struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = 1};
    return (int64_t)timegm (&tm) * 1000000;
}

//  [FROM, TO) of MONTH "YYYY-MM", or of the current month when MONTH is NULL.
static int
s_month_range (const char *month, int64_t now_us, int64_t *from_p, int64_t *to_p)
{
    int year, mon;
    if (month) {
        char extra;
        if (strlen (month) != 7 || sscanf (month, "%4d-%2d%c", &year, &mon, &extra) != 2 ||
            mon < 1 || mon > 12 || year < 1970 || year > 9999)
            return -1;
    } else {
        time_t seconds = (time_t)(now_us / 1000000);
        struct tm tm;
        gmtime_r (&seconds, &tm);
        year = tm.tm_year + 1900;
        mon = tm.tm_mon + 1;
    }
    *from_p = s_month_start_us (year, mon);
    *to_p = mon == 12 ? s_month_start_us (year + 1, 1) : s_month_start_us (year, mon + 1);
    return 0;
}

//  Loads facts and open findings and counts compliance, in one read-only
//  transaction.
static pw_compliance_t *
s_compliance (pw_db_t *db, audit_facts_cache_t *cache, const char *tenant,
              const pw_checks_config_t *defaults, int64_t from_us, int64_t to_us,
              int64_t *last_run_p)
{
    pw_compliance_t *compliance = NULL;
    if (pw_db_begin (db, tenant))
        return NULL;
    int64_t now = audit_now_us ();
    audit_facts_t *facts = audit_facts_load (db, cache, tenant, defaults, now, from_us, to_us);
    bool borrowed = false;
    pw_findings_t *open = facts ? audit_findings_open (db, cache, tenant, &borrowed) : NULL;
    PGresult *state = open ? pw_db_exec (db, "audit_state_get", 0, NULL) : NULL;
    if (state) {
        if (last_run_p)
            *last_run_p = PQntuples (state) ? strtoll (PQgetvalue (state, 0, 0), NULL, 10) : 0;
        compliance = audit_facts_compliance (facts, open);
        PQclear (state);
    }
    if (!borrowed)
        pw_findings_destroy (&open);
    audit_facts_destroy (&facts);
    pw_db_rollback (db);
    return compliance;
}

static void
s_time_json (pw_strbuf_t *out, int64_t us)
{
    if (us <= 0) {
        pw_strbuf_append (out, "null");
        return;
    }
    time_t seconds = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r (&seconds, &tm);
    char text [40];
    strftime (text, sizeof text, "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
    pw_strbuf_append (out, text);
}

char *
audit_summary_json (pw_db_t *db, audit_facts_cache_t *cache, const char *tenant, const char *org,
                    const pw_checks_config_t *defaults, bool *found_p)
{
    int64_t now = audit_now_us (), from, to, last_run = 0;
    s_month_range (NULL, now, &from, &to);
    pw_compliance_t *c = s_compliance (db, cache, tenant, defaults, from, to, &last_run);
    if (!c)
        return NULL;
    if (org && !*org)
        org = NULL;
    *found_p = !org || pw_compliance_org (c, org) != NULL;
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, "{\"tenant\":");
    pw_strbuf_append_json (&out, tenant);
    pw_strbuf_append (&out, ",\"generated_at\":");
    s_time_json (&out, now);
    pw_strbuf_append (&out, ",\"last_audit\":");
    s_time_json (&out, last_run);
    pw_strbuf_append (&out, ",\"period\":{\"from\":");
    s_time_json (&out, from);
    pw_strbuf_append (&out, ",\"to\":");
    s_time_json (&out, to);
    pw_strbuf_append (&out, "},\"totals\":{");
    s_stats_json (&out, pw_compliance_tenant (c), true);
    pw_strbuf_append (&out, "},\"orgs\":[");
    bool first = true;
    for (size_t i = 0; i < pw_compliance_org_count (c); i++) {
        const char *name = pw_compliance_org_name (c, i);
        if (org && strcmp (org, name) != 0)
            continue;
        pw_strbuf_append (&out, first ? "{\"org\":" : ",{\"org\":");
        first = false;
        pw_strbuf_append_json (&out, name);
        pw_strbuf_append (&out, ",");
        s_stats_json (&out, pw_compliance_org (c, name), false);
        pw_strbuf_append (&out, "}");
    }
    pw_strbuf_append (&out, "],\"unscheduled\":[");
    first = true;
    for (size_t i = 0; i < pw_compliance_unscheduled_count (c); i++) {
        const pw_compliance_unscheduled_t *u = pw_compliance_unscheduled (c, i);
        if (org && strcmp (org, u->org) != 0)
            continue;
        pw_strbuf_append (&out, first ? "{\"org\":" : ",{\"org\":");
        first = false;
        pw_strbuf_append_json (&out, u->org);
        pw_strbuf_append (&out, ",\"hostname\":");
        pw_strbuf_append_json (&out, u->hostname);
        pw_strbuf_appendf (&out, ",\"exception\":%s,\"reason\":", u->reason ? "true" : "false");
        pw_strbuf_append_json (&out, u->reason);
        pw_strbuf_append (&out, "}");
    }
    pw_strbuf_append (&out, "]}");
    pw_compliance_destroy (&c);
    return pw_strbuf_take (&out);
}

//  --- report -------------------------------------------------------------

static void
s_html_text (pw_strbuf_t *out, const char *text, size_t len)
{
    bool code = false;
    for (size_t i = 0; i < len; i++) {
        char ch = text [i];
        if (ch == '\\' && i + 1 < len) {
            ch = text [++i];
        } else if (ch == '`') {
            pw_strbuf_append (out, code ? "</code>" : "<code>");
            code = !code;
            continue;
        }
        switch (ch) {
            case '&': pw_strbuf_append (out, "&amp;"); break;
            case '<': pw_strbuf_append (out, "&lt;"); break;
            case '>': pw_strbuf_append (out, "&gt;"); break;
            case '"': pw_strbuf_append (out, "&quot;"); break;
            default: pw_strbuf_append_len (out, &ch, 1);
        }
    }
    if (code)
        pw_strbuf_append (out, "</code>");
}

//  One table row: cells split on the pipes Markdown does not escape.
static void
s_html_row (pw_strbuf_t *out, const char *line, size_t len, const char *tag)
{
    pw_strbuf_append (out, "<tr>");
    size_t start = 1;
    for (size_t i = 1; i < len; i++) {
        if (line [i] == '\\') {
            i++;
            continue;
        }
        if (line [i] != '|')
            continue;
        size_t a = start, b = i;
        while (a < b && line [a] == ' ')
            a++;
        while (b > a && line [b - 1] == ' ')
            b--;
        pw_strbuf_appendf (out, "<%s>", tag);
        s_html_text (out, line + a, b - a);
        pw_strbuf_appendf (out, "</%s>", tag);
        start = i + 1;
    }
    pw_strbuf_append (out, "</tr>\n");
}

//  The report's Markdown (headings, tables, paragraphs) as an HTML page.
static char *
s_markdown_to_html (const char *md, const char *title)
{
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>");
    s_html_text (&out, title, strlen (title));
    pw_strbuf_append (&out,
                      "</title>\n<style>body{font-family:sans-serif;max-width:60em;margin:2em "
                      "auto}table{border-collapse:collapse}td,th{border:1px solid "
                      "#ccc;padding:.2em .6em;text-align:left}</style></head><body>\n");
    int table_row = -1;
    for (const char *line = md; *line;) {
        const char *eol = strchr (line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen (line);
        if (len > 0 && line [0] == '|') {
            if (table_row < 0) {
                pw_strbuf_append (&out, "<table>\n");
                table_row = 0;
            }
            if (table_row != 1)
                s_html_row (&out, line, len, table_row == 0 ? "th" : "td");
            table_row++;
        } else {
            if (table_row >= 0)
                pw_strbuf_append (&out, "</table>\n");
            table_row = -1;
            if (len > 3 && strncmp (line, "## ", 3) == 0) {
                pw_strbuf_append (&out, "<h2>");
                s_html_text (&out, line + 3, len - 3);
                pw_strbuf_append (&out, "</h2>\n");
            } else if (len > 2 && strncmp (line, "# ", 2) == 0) {
                pw_strbuf_append (&out, "<h1>");
                s_html_text (&out, line + 2, len - 2);
                pw_strbuf_append (&out, "</h1>\n");
            } else if (len > 0) {
                pw_strbuf_append (&out, "<p>");
                s_html_text (&out, line, len);
                pw_strbuf_append (&out, "</p>\n");
            }
        }
        line += len + (eol ? 1 : 0);
    }
    if (table_row >= 0)
        pw_strbuf_append (&out, "</table>\n");
    pw_strbuf_append (&out, "</body></html>\n");
    return pw_strbuf_take (&out);
}

char *
audit_report (pw_db_t *db, audit_facts_cache_t *cache, const char *tenant, const char *org,
              const char *month, bool html, const pw_checks_config_t *defaults,
              const char **error_p)
{
    int64_t from, to;
    if (!month || s_month_range (month, audit_now_us (), &from, &to)) {
        *error_p = "month must be YYYY-MM";
        return NULL;
    }
    pw_compliance_t *c = s_compliance (db, cache, tenant, defaults, from, to, NULL);
    if (!c) {
        *error_p = "store";
        return NULL;
    }
    if (org && !*org)
        org = NULL;
    char *md = pw_compliance_report (c, org, month);
    pw_compliance_destroy (&c);
    if (!md) {
        *error_p = "unknown org (no agent of it)";
        return NULL;
    }
    if (!html)
        return md;
    char *title = pw_sprintf ("Patch compliance %s %s", org ? org : "all customers", month);
    char *page = s_markdown_to_html (md, title);
    free (title);
    free (md);
    return page;
}

//  --- snapshots ----------------------------------------------------------

int
audit_snapshot (pw_db_t *db, audit_facts_cache_t *cache, const char *tenant,
                const pw_checks_config_t *defaults)
{
    int64_t now = audit_now_us (), from, to;
    s_month_range (NULL, now, &from, &to);
    pw_compliance_t *c = s_compliance (db, cache, tenant, defaults, from, to, NULL);
    if (!c)
        return -1;
    time_t seconds = (time_t)(now / 1000000);
    struct tm tm;
    gmtime_r (&seconds, &tm);
    char day [16];
    strftime (day, sizeof day, "%Y-%m-%d", &tm);
    int rc = pw_db_begin (db, tenant);
    pw_strbuf_t figures;
    pw_strbuf_init (&figures);
    for (size_t i = 0; rc == 0 && i <= pw_compliance_org_count (c); i++) {
        //  The tenant's row ('') first, then one per org
        const char *org = i == 0 ? "" : pw_compliance_org_name (c, i - 1);
        const pw_compliance_stats_t *s =
            i == 0 ? pw_compliance_tenant (c) : pw_compliance_org (c, org);
        pw_strbuf_reset (&figures);
        pw_strbuf_append (&figures, "{");
        s_stats_json (&figures, s, i == 0);
        pw_strbuf_append (&figures, "}");
        const char *params [] = {day, org, figures.data};
        PGresult *res = pw_db_exec (db, "audit_snapshot_put", 3, params);
        if (!res)
            rc = -1;
        PQclear (res);
    }
    if (rc == 0)
        rc = pw_db_commit (db);
    else
        pw_db_rollback (db);
    pw_strbuf_free (&figures);
    pw_compliance_destroy (&c);
    return rc;
}
