/*  audit_facts - loads a tenant's facts with few queries and joins them in C.

    Every per-agent result comes sorted by agent id, so the joins are merges
    or binary searches over the agents array; no query runs per agent. The
    plan comes from the scheduler's tables through two store functions that
    return nothing until those tables exist, so the audit works before the
    first plan (and raises no plan finding then).
*/
#include "audit_facts.h"

#include <stdlib.h>
#include <string.h>

#include "pw_util.h"

#define S_PLAN_CYCLES "3" //  cycles of planned windows kept for install grace

typedef struct {
    int64_t id;
    pw_check_agent_t check;
    char *policies_buf; //  the joined policy names, split in place
    const char **policies;
    pw_check_violation_t *violations;
    const char **scan_gap; //  SCAN_GAP details from the plan
    size_t scan_gap_count;
    const int64_t *slot_end; //  planned window ends (unix us), ascending
    size_t slot_count;
    size_t installed;
} s_agent_t;

struct _audit_facts_t {
    int64_t now_us;
    pw_checks_config_t config;
    PGresult *res_agents, *res_patches, *res_overrides, *res_review, *res_settings;
    PGresult *res_slots, *res_violations, *res_installed;
    s_agent_t *agents;
    size_t agent_count;
    pw_check_patch_t *patches;
    pw_check_override_t *overrides;
    int64_t *slot_ends;
    pw_check_policy_t *policies;
    size_t policy_count;
    //  plan-scoped
    pw_check_cycle_t *cycles;
    size_t cycle_count;
    char **cycle_bufs;
    const char ***cycle_members;
    size_t *plan_rows; //  violation rows of WINDOW_* and CHAIN_TOO_DEEP
    size_t plan_row_count;
};

static int64_t
s_i64 (const PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? 0 : strtoll (PQgetvalue (res, row, col), NULL, 10);
}

static const char *
s_str (const PGresult *res, int row, int col)
{
    return PQgetisnull (res, row, col) ? NULL : PQgetvalue (res, row, col);
}

static bool
s_bool (const PGresult *res, int row, int col)
{
    return !PQgetisnull (res, row, col) && PQgetvalue (res, row, col) [0] == 't';
}

static s_agent_t *
s_agent (const audit_facts_t *self, int64_t id)
{
    size_t lo = 0, hi = self->agent_count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (self->agents [mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < self->agent_count && self->agents [lo].id == id ? &self->agents [lo] : NULL;
}

//  Splits BUF on the unit separator into a new array of pointers into it.
static const char **
s_split (char *buf, size_t *count_p)
{
    *count_p = 0;
    if (!buf || !*buf)
        return NULL;
    size_t count = 1;
    for (const char *p = buf; *p; p++)
        count += *p == '\x1f';
    const char **items = pw_malloc (count * sizeof *items);
    size_t n = 0;
    for (char *p = buf, *start = buf;; p++)
        if (*p == '\x1f' || *p == '\0') {
            bool end = *p == '\0';
            *p = '\0';
            if (*start)
                items [n++] = start;
            start = p + 1;
            if (end)
                break;
        }
    *count_p = n;
    return items;
}

static void
s_load_agents (audit_facts_t *self)
{
    PGresult *res = self->res_agents;
    self->agent_count = (size_t)PQntuples (res);
    self->agents = pw_calloc (self->agent_count + 1, sizeof *self->agents);
    for (size_t i = 0; i < self->agent_count; i++) {
        int row = (int)i;
        s_agent_t *a = &self->agents [i];
        a->id = s_i64 (res, row, 0);
        a->check.hostname = s_str (res, row, 1);
        a->check.org = s_str (res, row, 2);
        a->check.subscribed = s_bool (res, row, 3);
        a->policies_buf = pw_strdup (s_str (res, row, 4));
        a->policies = s_split (a->policies_buf, &a->check.patch_policy_count);
        a->check.patch_policies = a->policies;
        a->check.has_scan_schedule = s_bool (res, row, 5);
        a->check.update_window = s_str (res, row, 6);
        a->check.update_window_exists = true;
        a->check.manual_patching = s_str (res, row, 7);
        a->check.last_scan_us = s_i64 (res, row, 8);
    }
}

static int
s_state (const char *state)
{
    return strcmp (state, "missing") == 0 ? 0 : strcmp (state, "failed") == 0 ? 1 : 2;
}

//  Rows come in any order: count each agent's rows per state, give each
//  list its slice of one array, then fill the slices.
static void
s_load_patches (audit_facts_t *self)
{
    PGresult *res = self->res_patches;
    size_t rows = (size_t)PQntuples (res);
    self->patches = pw_calloc (rows + 1, sizeof *self->patches);
    s_agent_t **owner = pw_calloc (rows + 1, sizeof *owner);
    for (size_t i = 0; i < rows; i++) {
        s_agent_t *a = owner [i] = s_agent (self, s_i64 (res, (int)i, 0));
        if (!a)
            continue;
        int state = s_state (s_str (res, (int)i, 1));
        if (state == 0)
            a->check.missing_count++;
        else if (state == 1)
            a->check.failed_count++;
        else
            a->check.pending_reboot_count++;
    }
    size_t offset = 0;
    for (size_t i = 0; i < self->agent_count; i++) {
        pw_check_agent_t *c = &self->agents [i].check;
        c->missing = &self->patches [offset];
        c->failed = &self->patches [offset + c->missing_count];
        c->pending_reboot = &self->patches [offset + c->missing_count + c->failed_count];
        offset += c->missing_count + c->failed_count + c->pending_reboot_count;
        c->missing_count = c->failed_count = c->pending_reboot_count = 0;
    }
    for (size_t i = 0; i < rows; i++) {
        int row = (int)i;
        s_agent_t *a = owner [i];
        if (!a)
            continue;
        int state = s_state (s_str (res, row, 1));
        pw_check_patch_t *p;
        if (state == 0)
            p = (pw_check_patch_t *)&a->check.missing [a->check.missing_count++];
        else if (state == 1)
            p = (pw_check_patch_t *)&a->check.failed [a->check.failed_count++];
        else
            p = (pw_check_patch_t *)&a->check.pending_reboot [a->check.pending_reboot_count++];
        p->kb = s_str (res, row, 2);
        if (pw_patch_severity_parse (s_str (res, row, 3), &p->severity))
            p->severity = PW_PATCH_SEVERITY_UNSPECIFIED;
        if (state != 0)
            continue;
        //  The window that should have installed it: the first planned one
        //  ending after the approval; under a manual exception, the approval
        //  itself. 0 while that window has not ended.
        int64_t approved = s_i64 (res, row, 4);
        if (a->check.manual_patching)
            p->window_end_us = approved;
        else
            for (size_t s = 0; s < a->slot_count; s++)
                if (a->slot_end [s] > approved) {
                    p->window_end_us = a->slot_end [s] <= self->now_us ? a->slot_end [s] : 0;
                    break;
                }
    }
    free (owner);
}

static void
s_load_overrides (audit_facts_t *self)
{
    PGresult *res = self->res_overrides;
    size_t rows = (size_t)PQntuples (res);
    self->overrides = pw_calloc (rows + 1, sizeof *self->overrides);
    for (size_t i = 0; i < rows; i++) {
        int row = (int)i;
        s_agent_t *a = s_agent (self, s_i64 (res, row, 0));
        if (!a)
            continue;
        pw_check_override_t *o = &self->overrides [i];
        o->setting = s_str (res, row, 1);
        o->policy = s_str (res, row, 2);
        o->winner = s_str (res, row, 3);
        if (a->check.override_count == 0)
            a->check.overrides = o;
        a->check.override_count++;
    }
}

static void
s_load_slots (audit_facts_t *self)
{
    PGresult *res = self->res_slots;
    size_t rows = (size_t)PQntuples (res);
    bool have_plan = false;
    for (size_t i = 0; i < rows && !have_plan; i++)
        have_plan = s_bool (res, (int)i, 2);
    self->slot_ends = pw_calloc (rows + 1, sizeof *self->slot_ends);
    //  With a current plan, an agent it does not list has no slot yet
    if (have_plan)
        for (size_t i = 0; i < self->agent_count; i++)
            self->agents [i].check.unscheduled_reason = "not in the current plan yet";
    for (size_t i = 0; i < rows; i++) {
        int row = (int)i;
        s_agent_t *a = s_agent (self, s_i64 (res, row, 0));
        if (!a)
            continue;
        bool planned = strcmp (s_str (res, row, 3), "planned") == 0;
        if (s_bool (res, row, 2))
            a->check.unscheduled_reason =
                planned ? NULL : (*s_str (res, row, 4) ? s_str (res, row, 4) : "unscheduled");
        int64_t end = s_i64 (res, row, 7);
        if (planned && end > 0) {
            self->slot_ends [i] = end;
            if (a->slot_count == 0)
                a->slot_end = &self->slot_ends [i];
            a->slot_count++;
        }
    }
}

static void
s_load_violations (audit_facts_t *self)
{
    PGresult *res = self->res_violations;
    size_t rows = (size_t)PQntuples (res);
    self->plan_rows = pw_calloc (rows + 1, sizeof *self->plan_rows);
    self->cycles = pw_calloc (rows + 1, sizeof *self->cycles);
    self->cycle_bufs = pw_calloc (rows + 1, sizeof *self->cycle_bufs);
    self->cycle_members = pw_calloc (rows + 1, sizeof *self->cycle_members);
    for (size_t i = 0; i < rows; i++) {
        int row = (int)i;
        const char *code = s_str (res, row, 0);
        s_agent_t *a = s_agent (self, s_i64 (res, row, 1));
        if (strcmp (code, "DEPENDENCY_CYCLE") == 0) {
            size_t c = self->cycle_count++;
            self->cycle_bufs [c] = pw_strdup (s_str (res, row, 5));
            size_t count = 0;
            self->cycle_members [c] = s_split (self->cycle_bufs [c], &count);
            if (count == 0 && *s_str (res, row, 2)) {
                free (self->cycle_members [c]);
                self->cycle_members [c] = pw_malloc (sizeof (char *));
                self->cycle_members [c][0] = s_str (res, row, 2);
                count = 1;
            }
            self->cycles [c].members = self->cycle_members [c];
            self->cycles [c].member_count = count;
        } else if (strcmp (code, "DEPENDENCY_ORDER") == 0 && a) {
            a->violations =
                pw_realloc (a->violations, (a->check.violation_count + 1) * sizeof *a->violations);
            a->violations [a->check.violation_count++] = (pw_check_violation_t){
                .dependency = s_str (res, row, 3), .reason = s_str (res, row, 6)};
            a->check.violations = a->violations;
        } else if (strcmp (code, "UNKNOWN_WINDOW") == 0 && a)
            a->check.update_window_exists = false;
        else if (strcmp (code, "SCAN_GAP") == 0 && a) {
            a->scan_gap = pw_realloc (a->scan_gap, (a->scan_gap_count + 1) * sizeof (char *));
            a->scan_gap [a->scan_gap_count++] = s_str (res, row, 6);
        } else if (strcmp (code, "WINDOW_OVER_CAPACITY") == 0 ||
                   strcmp (code, "WINDOW_OVERRUN") == 0 || strcmp (code, "CHAIN_TOO_DEEP") == 0)
            self->plan_rows [self->plan_row_count++] = i;
    }
}

static void
s_load_review (audit_facts_t *self)
{
    PGresult *res = self->res_review;
    self->policy_count = (size_t)PQntuples (res);
    self->policies = pw_calloc (self->policy_count + 1, sizeof *self->policies);
    for (size_t i = 0; i < self->policy_count; i++) {
        self->policies [i].name = s_str (res, (int)i, 0);
        self->policies [i].review_waiting = (size_t)s_i64 (res, (int)i, 1);
        self->policies [i].oldest_waiting_since_us = s_i64 (res, (int)i, 2);
    }
}

static void
s_load_installed (audit_facts_t *self)
{
    PGresult *res = self->res_installed;
    for (int row = 0; row < PQntuples (res); row++) {
        s_agent_t *a = s_agent (self, s_i64 (res, row, 0));
        if (a)
            a->installed = (size_t)s_i64 (res, row, 1);
    }
}

audit_facts_t *
audit_facts_load (pw_db_t *db, const pw_checks_config_t *defaults, int64_t now_us,
                  int64_t installed_from_us, int64_t installed_to_us)
{
    audit_facts_t *self = pw_calloc (1, sizeof *self);
    self->now_us = now_us;
    self->config = *defaults;
    char from [32], to [32];
    snprintf (from, sizeof from, "%lld", (long long)installed_from_us);
    snprintf (to, sizeof to, "%lld", (long long)installed_to_us);
    const char *period [] = {from, to};
    const char *cycles [] = {S_PLAN_CYCLES};
    if (!(self->res_settings = pw_db_exec (db, "audit_settings", 0, NULL)) ||
        !(self->res_agents = pw_db_exec (db, "audit_agents", 0, NULL)) ||
        !(self->res_slots = pw_db_exec (db, "audit_plan_slots", 1, cycles)) ||
        !(self->res_violations = pw_db_exec (db, "audit_plan_violations", 0, NULL)) ||
        !(self->res_patches = pw_db_exec (db, "audit_patches", 0, NULL)) ||
        !(self->res_overrides = pw_db_exec (db, "audit_overrides", 0, NULL)) ||
        !(self->res_review = pw_db_exec (db, "audit_review", 0, NULL)) ||
        !(self->res_installed = pw_db_exec (db, "audit_installed", 2, period))) {
        audit_facts_destroy (&self);
        return NULL;
    }
    PGresult *s = self->res_settings;
    if (PQntuples (s) == 1) {
        if (!PQgetisnull (s, 0, 0))
            self->config.scan_gap_us = s_i64 (s, 0, 0) * 1000000;
        if (!PQgetisnull (s, 0, 1))
            self->config.scan_max_age_us = s_i64 (s, 0, 1) * 1000000;
        if (!PQgetisnull (s, 0, 2))
            self->config.review_max_age_us = s_i64 (s, 0, 2) * 1000000;
        self->config.baseline_policy = s_str (s, 0, 3);
    }
    s_load_agents (self);
    s_load_slots (self);
    s_load_violations (self);
    s_load_patches (self);
    s_load_overrides (self);
    s_load_review (self);
    s_load_installed (self);
    return self;
}

void
audit_facts_destroy (audit_facts_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    audit_facts_t *self = *self_p;
    for (size_t i = 0; i < self->agent_count; i++) {
        free (self->agents [i].policies_buf);
        free (self->agents [i].policies);
        free (self->agents [i].violations);
        free (self->agents [i].scan_gap);
    }
    for (size_t i = 0; i < self->cycle_count; i++) {
        free (self->cycle_bufs [i]);
        free (self->cycle_members [i]);
    }
    free (self->cycle_bufs);
    free (self->cycle_members);
    free (self->cycles);
    free (self->plan_rows);
    free (self->agents);
    free (self->patches);
    free (self->overrides);
    free (self->slot_ends);
    free (self->policies);
    PQclear (self->res_agents);
    PQclear (self->res_patches);
    PQclear (self->res_overrides);
    PQclear (self->res_review);
    PQclear (self->res_settings);
    PQclear (self->res_slots);
    PQclear (self->res_violations);
    PQclear (self->res_installed);
    free (self);
    *self_p = NULL;
}

size_t
audit_facts_agent_count (const audit_facts_t *self)
{
    return self->agent_count;
}

const pw_checks_config_t *
audit_facts_config (const audit_facts_t *self)
{
    return &self->config;
}

void
audit_facts_evaluate (const audit_facts_t *self, pw_findings_t *out)
{
    for (size_t i = 0; i < self->agent_count; i++) {
        const s_agent_t *a = &self->agents [i];
        pw_checks_agent (&self->config, &a->check, self->now_us, out);
        //  The scheduler judges the scan before each window instance (it
        //  knows the scan's duration): its SCAN_GAP is the finding.
        if (a->check.subscribed)
            for (size_t g = 0; g < a->scan_gap_count; g++)
                pw_findings_addf (out, PW_CODE_SCAN_GAP, PW_FINDING_SEV_MEDIUM, a->check.hostname,
                                  a->check.hostname, "%s", a->scan_gap [g]);
    }
    for (size_t i = 0; i < self->policy_count; i++)
        pw_checks_policy (&self->config, &self->policies [i], self->now_us, out);
    pw_check_plan_t plan = {.cycles = self->cycles, .cycle_count = self->cycle_count};
    pw_checks_plan (&self->config, &plan, out);
    //  Window load and chain depth: the plan has the numbers; one finding
    //  per window (or group), naming the first instance the plan reported.
    PGresult *res = self->res_violations;
    for (size_t i = 0; i < self->plan_row_count; i++) {
        int row = (int)self->plan_rows [i];
        pw_finding_code_t code;
        if (pw_finding_code_parse (s_str (res, row, 0), &code))
            continue;
        const char *subject = *s_str (res, row, 4) ? s_str (res, row, 4) : s_str (res, row, 6);
        if (!*subject || pw_findings_find (out, code, subject))
            continue;
        pw_findings_addf (out, code, PW_FINDING_SEV_MEDIUM, "", subject, "%s", s_str (res, row, 6));
    }
}

pw_compliance_t *
audit_facts_compliance (const audit_facts_t *self, const pw_findings_t *open)
{
    pw_compliance_t *compliance = pw_compliance_new (&self->config, self->now_us);
    for (size_t i = 0; i < self->agent_count; i++)
        pw_compliance_add_agent (compliance, &self->agents [i].check, self->agents [i].installed);
    if (open)
        pw_compliance_add_findings (compliance, open);
    for (size_t i = 0; i < self->policy_count; i++)
        pw_compliance_add_policy (compliance, &self->policies [i]);
    return compliance;
}

pw_findings_t *
audit_findings_load_open (pw_db_t *db)
{
    PGresult *res = pw_db_exec (db, "audit_findings_open", 0, NULL);
    if (!res)
        return NULL;
    pw_findings_t *set = pw_findings_new ();
    for (int row = 0; row < PQntuples (res); row++) {
        pw_finding_t f = {0};
        const char *scope = s_str (res, row, 3);
        if (pw_finding_code_parse (s_str (res, row, 1), &f.code) ||
            pw_finding_sev_parse (s_str (res, row, 2), &f.severity))
            continue;
        f.scope = strcmp (scope, "agent") == 0    ? PW_SCOPE_AGENT
                  : strcmp (scope, "policy") == 0 ? PW_SCOPE_POLICY
                                                  : PW_SCOPE_PLAN;
        f.id = s_i64 (res, row, 0);
        f.owner = s_str (res, row, 4);
        f.subject = s_str (res, row, 5);
        f.detail = s_str (res, row, 6);
        f.first_seen_us = s_i64 (res, row, 7);
        f.last_seen_us = s_i64 (res, row, 8);
        pw_findings_add (set, &f);
    }
    PQclear (res);
    return set;
}
