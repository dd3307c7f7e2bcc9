/*  audit_facts - loads a tenant's facts with few queries and joins them in C.

    Every per-agent result comes sorted by agent id, so the joins are merges
    or binary searches over the agents array; no query runs per agent. The
    plan comes from the scheduler's tables through two store functions that
    return nothing until those tables exist, so the audit works before the
    first plan (and raises no plan finding then).

    The missing approved patches are the bulk (some 30 per agent). Their
    statuses are stored once per status profile: a whole read streams the
    approved and in-review statuses of every profile and each agent's
    profile into hash tables, then the scan states as plain narrow rows,
    and joins each with its agent's profile here; a read of what writes
    changed gets each agent's patch ids from the store in a few arrays, by
    where the approval time comes from. The catalogue (KB, severity,
    release, decisions and overrides) is read once and joined here, which
    costs far less than joining it in the store row by row.
*/
#include "audit_facts.h"

#include <stdlib.h>
#include <string.h>

#include "pw_util.h"

#define S_PLAN_CYCLES "3" //  cycles of planned windows kept for install grace
//  Changed agents whose facts are read again alone, however few agents
//  the tenant has; past this and half the agents, all facts are read.
#define S_CHANGED_AGENTS_READ_ALWAYS 100
//  (agent, patch) keys of a change read again one by one, at most
#define S_KEYS_MAX (4 << 20)
//  Whole reads of the patch facts made in a row while writes commit
//  between their statements, at most (s_read_pfacts)
#define S_WHOLE_READS 3

//  A patch of the catalogue, as the audit names and times it.
typedef struct {
    int64_t id;
    const char *kb;
    pw_patch_severity_t severity;
    int64_t released_us;
    bool overridden; //  the tenant overrides its KB
    int64_t override_us;
    size_t decision;       //  its review decisions: decisions [decision ...]
    size_t decision_count; //  one per patch policy that decided on its KB
} s_patch_t;

typedef struct {
    const char *policy;
    int64_t decided_us;
} s_decision_t;

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

//  One patch fact of one agent: a status (approved, in review) or a state
//  of its last scan (failed, waiting for a reboot) of one patch.
typedef struct {
    int64_t agent;
    int64_t patch;
    int64_t until;   //  the status's `until` (unix us) when has_until
    uint32_t policy; //  source_policy: policies [policy - 1]; 0: none
    uint8_t list;    //  s_list_t
    uint8_t source;  //  s_source_t
    bool has_until;
} s_fact_t;

//  A tenant's patch facts, by agent id (in no order within an agent).
typedef struct {
    s_fact_t *facts;
    size_t count;
    char **policies; //  the source policies named, each once
    size_t policy_count;
} s_pfacts_t;

struct _audit_facts_t {
    int64_t now_us;
    pw_checks_config_t config;
    PGresult *res_agents, *res_overrides, *res_settings;
    bool agents_borrowed;     //  res_agents and res_overrides belong to the cache
    const s_pfacts_t *pfacts; //  the patch facts: the cache's, or own_pfacts
    s_pfacts_t own_pfacts;
    bool plan_borrowed; //  res_slots and res_violations belong to the cache
    PGresult *res_slots, *res_violations, *res_installed, *res_catalog;
    s_agent_t *agents;
    size_t agent_count;
    s_patch_t *catalog; //  by patch id
    size_t catalog_count;
    size_t *catalog_index; //  open addressing on the patch id: catalogue index + 1
    size_t catalog_slots;
    s_decision_t *decisions;
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
s_by_kb (const void *a, const void *b)
{
    const pw_check_patch_t *x = a, *y = b;
    return strcmp (x->kb ? x->kb : "", y->kb ? y->kb : "");
}

//  The worst severity first, then the longest past its window, then by KB
static int
s_by_urgency (const void *a, const void *b)
{
    const pw_check_patch_t *x = a, *y = b;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->window_end_us != y->window_end_us)
        return x->window_end_us < y->window_end_us ? -1 : 1;
    return s_by_kb (a, b);
}

//  The order findings name patches in, whatever order the store returned
//  them: missing patches past window + grace most urgent first (ahead of
//  the others, whose order nothing shows), failed and waiting ones by KB.
static void
s_order_patches (const audit_facts_t *self, pw_check_agent_t *c)
{
    pw_check_patch_t *missing = (pw_check_patch_t *)c->missing;
    size_t overdue = 0;
    for (size_t i = 0; i < c->missing_count; i++)
        if (pw_checks_overdue (&self->config, &missing [i], self->now_us)) {
            pw_check_patch_t p = missing [overdue];
            missing [overdue++] = missing [i];
            missing [i] = p;
        }
    if (overdue > 1)
        qsort (missing, overdue, sizeof *missing, s_by_urgency);
    if (c->failed_count > 1)
        qsort ((pw_check_patch_t *)c->failed, c->failed_count, sizeof *c->failed, s_by_kb);
    if (c->pending_reboot_count > 1)
        qsort ((pw_check_patch_t *)c->pending_reboot, c->pending_reboot_count,
               sizeof *c->pending_reboot, s_by_kb);
}

static size_t
s_id_slot (int64_t id, size_t slots)
{
    return (size_t)(((uint64_t)id * 0x9E3779B97F4A7C15ULL) >> 32) & (slots - 1);
}

//  Rows come by patch id, one per review decision on the patch's KB.
static void
s_load_catalog (audit_facts_t *self)
{
    PGresult *res = self->res_catalog;
    size_t rows = (size_t)PQntuples (res);
    self->catalog = pw_calloc (rows + 1, sizeof *self->catalog);
    self->decisions = pw_calloc (rows + 1, sizeof *self->decisions);
    size_t decisions = 0;
    for (size_t i = 0; i < rows; i++) {
        int row = (int)i;
        int64_t id = s_i64 (res, row, 0);
        s_patch_t *p = self->catalog_count ? &self->catalog [self->catalog_count - 1] : NULL;
        if (!p || p->id != id) {
            p = &self->catalog [self->catalog_count++];
            p->id = id;
            p->kb = s_str (res, row, 1);
            if (pw_patch_severity_parse (s_str (res, row, 2), &p->severity))
                p->severity = PW_PATCH_SEVERITY_UNSPECIFIED;
            p->released_us = s_i64 (res, row, 3);
            p->overridden = !PQgetisnull (res, row, 4);
            p->override_us = s_i64 (res, row, 4);
            p->decision = decisions;
        }
        if (!PQgetisnull (res, row, 5)) {
            self->decisions [decisions++] =
                (s_decision_t){.policy = s_str (res, row, 5), .decided_us = s_i64 (res, row, 6)};
            p->decision_count++;
        }
    }
    self->catalog_slots = 16;
    while (self->catalog_slots < 2 * self->catalog_count)
        self->catalog_slots *= 2;
    self->catalog_index = pw_calloc (self->catalog_slots, sizeof *self->catalog_index);
    for (size_t i = 0; i < self->catalog_count; i++) {
        size_t slot = s_id_slot (self->catalog [i].id, self->catalog_slots);
        while (self->catalog_index [slot])
            slot = (slot + 1) & (self->catalog_slots - 1);
        self->catalog_index [slot] = i + 1;
    }
}

static const s_patch_t *
s_patch (const audit_facts_t *self, int64_t id)
{
    for (size_t slot = s_id_slot (id, self->catalog_slots); self->catalog_index [slot];
         slot = (slot + 1) & (self->catalog_slots - 1)) {
        const s_patch_t *p = &self->catalog [self->catalog_index [slot] - 1];
        if (p->id == id)
            return p;
    }
    return NULL;
}

//  Where a status's approval time comes from when it has no `until` of
//  its own (source_kind): a review decision, the tenant's override of the
//  KB, or else the patch's release.
typedef enum { S_RELEASE, S_DECISION, S_OVERRIDE } s_source_t;

static s_source_t
s_source (const char *kind)
{
    return !kind                            ? S_RELEASE
           : strcmp (kind, "decision") == 0 ? S_DECISION
           : strcmp (kind, "override") == 0 ? S_OVERRIDE
                                            : S_RELEASE;
}

//  When PATCH became approved: the end of its deferral (UNTIL_P, NULL when
//  none), else the time of the decision of patch policy POLICY or of the
//  override, as SOURCE says (when there is one), else the release.
static int64_t
s_approved_us (const audit_facts_t *self, const s_patch_t *patch, s_source_t source,
               const char *policy, const int64_t *until_p)
{
    if (until_p)
        return *until_p;
    if (source == S_DECISION && policy) {
        for (size_t i = 0; i < patch->decision_count; i++)
            if (strcmp (self->decisions [patch->decision + i].policy, policy) == 0)
                return self->decisions [patch->decision + i].decided_us;
    } else if (source == S_OVERRIDE && patch->overridden)
        return patch->override_us;
    return patch->released_us;
}

//  The end of the update window that should have installed a patch
//  approved at APPROVED_US: the first planned one that ended after it, 0
//  while that has not ended; under a manual exception, the approval itself.
static int64_t
s_window_end_us (const audit_facts_t *self, const s_agent_t *a, int64_t approved_us)
{
    if (a->check.manual_patching)
        return approved_us;
    for (size_t s = 0; s < a->slot_count; s++)
        if (a->slot_end [s] > approved_us)
            return a->slot_end [s] <= self->now_us ? a->slot_end [s] : 0;
    return 0;
}

//  How many ids an array literal ("{1,2,3}") holds.
static size_t
s_id_count (const char *array)
{
    if (!array || !array [0] || array [1] == '}')
        return 0;
    size_t count = 1;
    for (const char *p = array; *p; p++)
        count += *p == ',';
    return count;
}

//  What a patch fact lists: approved patches (missing, unless
//  the agent's install of them failed), patches in review, failed
//  installs, installs waiting for a reboot.
typedef enum { S_MISSING, S_FAILED, S_PENDING_REBOOT, S_REVIEW } s_list_t;

static s_list_t
s_list (const char *state)
{
    return strcmp (state, "approved") == 0 ? S_MISSING
           : strcmp (state, "failed") == 0 ? S_FAILED
           : strcmp (state, "review") == 0 ? S_REVIEW
                                           : S_PENDING_REBOOT;
}

static size_t *
s_list_count (pw_check_agent_t *c, s_list_t list)
{
    return list == S_MISSING  ? &c->missing_count
           : list == S_FAILED ? &c->failed_count
                              : &c->pending_reboot_count;
}

//  A patch waiting for review in a patch policy (as the statuses say).
typedef struct {
    const char *policy;
    const s_patch_t *patch;
} s_waiting_t;

static int
s_by_policy_patch (const void *a, const void *b)
{
    const s_waiting_t *x = a, *y = b;
    int c = strcmp (x->policy, y->policy);
    return c ? c : x->patch->id < y->patch->id ? -1 : x->patch->id > y->patch->id;
}

//  True when patch policy POLICY has decided on PATCH's KB.
static bool
s_decided (const audit_facts_t *self, const s_patch_t *patch, const char *policy)
{
    for (size_t i = 0; i < patch->decision_count; i++)
        if (strcmp (self->decisions [patch->decision + i].policy, policy) == 0)
            return true;
    return false;
}

//  The review queue of every patch policy with patches in review there and
//  no decision yet on their KB: how many distinct patches, and the release
//  of the oldest. WAITING (COUNT pairs, duplicates across agents) is sorted
//  in place.
static void
s_review_queues (audit_facts_t *self, s_waiting_t *waiting, size_t count)
{
    qsort (waiting, count, sizeof *waiting, s_by_policy_patch);
    self->policies = pw_calloc (count + 1, sizeof *self->policies);
    self->policy_count = 0;
    for (size_t i = 0; i < count; i++) {
        const s_waiting_t *w = &waiting [i];
        if ((i > 0 && s_by_policy_patch (w, &waiting [i - 1]) == 0) ||
            s_decided (self, w->patch, w->policy))
            continue;
        pw_check_policy_t *q = self->policy_count ? &self->policies [self->policy_count - 1] : NULL;
        if (!q || strcmp (q->name, w->policy) != 0) {
            q = &self->policies [self->policy_count++];
            q->name = w->policy;
        }
        q->review_waiting++;
        int64_t released = w->patch->released_us;
        if (released && (!q->oldest_waiting_since_us || released < q->oldest_waiting_since_us))
            q->oldest_waiting_since_us = released;
    }
}

//  An approved patch whose install failed is reported as failed, not as
//  missing: drops it from the agent's missing list.
static void
s_drop_failed (pw_check_agent_t *c)
{
    if (!c->failed_count)
        return;
    pw_check_patch_t *missing = (pw_check_patch_t *)c->missing;
    size_t kept = 0;
    for (size_t i = 0; i < c->missing_count; i++) {
        bool failed = false;
        for (size_t f = 0; f < c->failed_count && !failed; f++)
            failed = c->failed [f].kb == missing [i].kb;
        if (!failed)
            missing [kept++] = missing [i];
    }
    c->missing_count = kept;
}

//  The facts come by agent: count each agent's patches per list, give each
//  list its slice of one array, then fill the slices. Patches in review go
//  to the review queues instead.
static void
s_load_patches (audit_facts_t *self)
{
    const s_pfacts_t *pf = self->pfacts;
    size_t total = 0, review = 0;
    s_agent_t *a = NULL;
    for (size_t i = 0; i < pf->count; i++) {
        const s_fact_t *f = &pf->facts [i];
        if (i == 0 || f->agent != pf->facts [i - 1].agent)
            a = s_agent (self, f->agent);
        if (f->list == S_REVIEW)
            review++;
        else if (a) {
            (*s_list_count (&a->check, (s_list_t)f->list))++;
            total++;
        }
    }
    self->patches = pw_calloc (total + 1, sizeof *self->patches);
    s_waiting_t *waiting = pw_calloc (review + 1, sizeof *waiting);
    size_t waiting_count = 0;
    size_t offset = 0;
    for (size_t i = 0; i < self->agent_count; i++) {
        pw_check_agent_t *c = &self->agents [i].check;
        c->missing = &self->patches [offset];
        c->failed = &self->patches [offset + c->missing_count];
        c->pending_reboot = &self->patches [offset + c->missing_count + c->failed_count];
        offset += c->missing_count + c->failed_count + c->pending_reboot_count;
        c->missing_count = c->failed_count = c->pending_reboot_count = 0;
    }
    for (size_t i = 0; i < pf->count; i++) {
        const s_fact_t *f = &pf->facts [i];
        if (i == 0 || f->agent != pf->facts [i - 1].agent)
            a = s_agent (self, f->agent);
        const s_patch_t *patch = s_patch (self, f->patch);
        const char *policy = f->policy ? pf->policies [f->policy - 1] : NULL;
        if (!patch)
            continue;
        if (f->list == S_REVIEW) {
            //  Queues are per policy, whichever agents the patches are on
            if (policy)
                waiting [waiting_count++] = (s_waiting_t){policy, patch};
            continue;
        }
        if (!a)
            continue;
        s_list_t list = (s_list_t)f->list;
        pw_check_patch_t *slice =
            (pw_check_patch_t *)(list == S_MISSING  ? a->check.missing
                                 : list == S_FAILED ? a->check.failed
                                                    : a->check.pending_reboot);
        pw_check_patch_t *x = &slice [(*s_list_count (&a->check, list))++];
        x->kb = patch->kb;
        x->severity = patch->severity;
        if (list == S_MISSING)
            x->window_end_us =
                s_window_end_us (self, a,
                                 s_approved_us (self, patch, (s_source_t)f->source, policy,
                                                f->has_until ? &f->until : NULL));
    }
    s_review_queues (self, waiting, waiting_count);
    free (waiting);
    for (size_t i = 0; i < self->agent_count; i++) {
        s_drop_failed (&self->agents [i].check);
        s_order_patches (self, &self->agents [i].check);
    }
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
s_load_installed (audit_facts_t *self)
{
    PGresult *res = self->res_installed;
    for (int row = 0; row < PQntuples (res); row++) {
        s_agent_t *a = s_agent (self, s_i64 (res, row, 0));
        if (a)
            a->installed = (size_t)s_i64 (res, row, 1);
    }
}

//  --- patch facts ---------------------------------------------------------

static void
s_pfacts_free (s_pfacts_t *pf)
{
    free (pf->facts);
    for (size_t i = 0; i < pf->policy_count; i++)
        free (pf->policies [i]);
    free (pf->policies);
    memset (pf, 0, sizeof *pf);
}

//  NAME's number among PF's policies (added when new), 0 for none.
static uint32_t
s_pfacts_policy (s_pfacts_t *pf, const char *name)
{
    if (!name || !*name)
        return 0;
    for (size_t i = 0; i < pf->policy_count; i++)
        if (strcmp (pf->policies [i], name) == 0)
            return (uint32_t)i + 1;
    pf->policies = pw_realloc (pf->policies, (pf->policy_count + 1) * sizeof *pf->policies);
    pf->policies [pf->policy_count++] = pw_strdup (name);
    return (uint32_t)pf->policy_count;
}

static int
s_cmp_i64 (const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

//  A row of audit_patches_pairs (or _agents, _entries) and its agent, to
//  sort rows by agent.
typedef struct {
    int64_t agent;
    int row;
} s_row_t;

//  The facts of RES (rows of audit_patches_pairs: an agent, a list, where its
//  approval time comes from, an array of patch ids), by agent, into a new
//  array (*COUNT_P facts; policies named in PF).
static s_fact_t *
s_pfacts_read (s_pfacts_t *pf, const PGresult *res, size_t *count_p)
{
    int rows = PQntuples (res);
    s_row_t *order = pw_calloc ((size_t)rows + 1, sizeof *order);
    size_t total = 0;
    for (int row = 0; row < rows; row++) {
        order [row] = (s_row_t){s_i64 (res, row, 0), row};
        total += s_id_count (s_str (res, row, 5));
    }
    //  The agent id is the first member: sorts as one
    qsort (order, (size_t)rows, sizeof *order, s_cmp_i64);
    s_fact_t *facts = pw_calloc (total + 1, sizeof *facts);
    size_t count = 0;
    for (int i = 0; i < rows; i++) {
        int row = order [i].row;
        s_fact_t f = {.agent = order [i].agent,
                      .list = (uint8_t)s_list (s_str (res, row, 1)),
                      .source = (uint8_t)s_source (s_str (res, row, 2)),
                      .policy = s_pfacts_policy (pf, s_str (res, row, 3)),
                      .has_until = !PQgetisnull (res, row, 4),
                      .until = s_i64 (res, row, 4)};
        const char *ids = s_str (res, row, 5);
        for (const char *p = ids && *ids == '{' ? ids + 1 : "";
             count < total && pw_array_next_id (&p, &f.patch);)
            facts [count++] = f;
    }
    free (order);
    *count_p = count;
    return facts;
}

//  Ids of an array literal, ascending when SORT (else as listed), into a
//  new array.
static int64_t *
s_ids_sorted (const char *array, size_t *count_p, bool sort)
{
    size_t total = s_id_count (array), count = 0;
    int64_t *ids = pw_calloc (total + 1, sizeof *ids);
    for (const char *p = array && *array == '{' ? array + 1 : "";
         count < total && pw_array_next_id (&p, &ids [count]);)
        count++;
    if (sort)
        qsort (ids, count, sizeof *ids, s_cmp_i64);
    *count_p = count;
    return ids;
}

//  An (agent, patch) key of the patch facts.
typedef struct {
    int64_t agent, patch;
} s_key_t;

static int
s_by_key (const void *a, const void *b)
{
    const s_key_t *x = a, *y = b;
    if (x->agent != y->agent)
        return x->agent < y->agent ? -1 : 1;
    return x->patch < y->patch ? -1 : x->patch > y->patch;
}

//  The keys to read again: every pair AGENTS[i], PATCHES[i] (array
//  literals) when PAIRED, else every (agent, patch) of AGENTS x PATCHES,
//  with PATCHES NULL for any patch (patch INT64_MIN). Sorted, into a new
//  array of *COUNT_P keys.
static s_key_t *
s_keys (const char *agents, const char *patches, bool paired, size_t *count_p)
{
    size_t agent_count, patch_count = 0, count = 0;
    int64_t *agent_ids = s_ids_sorted (agents, &agent_count, !paired);
    int64_t *patch_ids = patches ? s_ids_sorted (patches, &patch_count, !paired) : NULL;
    size_t total = paired      ? (agent_count < patch_count ? agent_count : patch_count)
                   : patch_ids ? agent_count * patch_count
                               : agent_count;
    s_key_t *keys = pw_calloc (total + 1, sizeof *keys);
    for (size_t a = 0; a < agent_count && count < total; a++)
        if (paired)
            keys [count++] = (s_key_t){agent_ids [a], patch_ids [a]};
        else if (!patch_ids)
            keys [count++] = (s_key_t){agent_ids [a], INT64_MIN};
        else
            for (size_t p = 0; p < patch_count; p++)
                keys [count++] = (s_key_t){agent_ids [a], patch_ids [p]};
    qsort (keys, count, sizeof *keys, s_by_key);
    free (agent_ids);
    free (patch_ids);
    *count_p = count;
    return keys;
}

//  True when KEYS (COUNT, sorted) hold FACT's key, or its agent with any
//  patch.
static bool
s_keys_have (const s_key_t *keys, size_t count, const s_fact_t *fact)
{
    s_key_t any = {fact->agent, INT64_MIN}, key = {fact->agent, fact->patch};
    size_t lo = 0, hi = count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s_by_key (&keys [mid], &any) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (; lo < count && keys [lo].agent == fact->agent; lo++)
        if (keys [lo].patch == INT64_MIN || keys [lo].patch == key.patch)
            return true;
        else if (keys [lo].patch > key.patch)
            break;
    return false;
}

//  Replaces PF's facts of the keys KEYS (COUNT, sorted) with the rows of
//  RES, which the store returned for those keys: the facts from statuses,
//  and those from scan states when SCANS (else they are kept).
static void
s_pfacts_update (s_pfacts_t *pf, const s_key_t *keys, size_t count, bool scans, const PGresult *res)
{
    size_t fresh_count, kept = 0, next = 0;
    s_fact_t *fresh = s_pfacts_read (pf, res, &fresh_count);
    s_fact_t *merged = pw_calloc (pf->count + fresh_count + 1, sizeof *merged);
    for (size_t i = 0; i < pf->count; i++) {
        const s_fact_t *f = &pf->facts [i];
        while (next < fresh_count && fresh [next].agent < f->agent)
            merged [kept++] = fresh [next++];
        bool from_scan = f->list == S_FAILED || f->list == S_PENDING_REBOOT;
        if ((from_scan && !scans) || !s_keys_have (keys, count, f))
            merged [kept++] = *f;
    }
    while (next < fresh_count)
        merged [kept++] = fresh [next++];
    free (pf->facts);
    pf->facts = merged;
    pf->count = kept;
    free (fresh);
}

//  --- the patch facts cache ---------------------------------------------

//  The store's version of what an entry keeps (a counter of facts_version
//  and the epoch) when it was read; `have` false: nothing kept.
typedef struct {
    bool have;
    int64_t version, epoch;
} s_stamp_t;

//  True when what STAMP vouches for is still the store's
static bool
s_stamp_current (const s_stamp_t *stamp, int64_t version, int64_t epoch)
{
    return stamp->have && stamp->version == version && stamp->epoch == epoch;
}

typedef struct {
    pw_tenant_slot_t slot; //  first: see pw_tenant_slot_find
    s_stamp_t facts_stamp;
    s_pfacts_t pfacts;
    s_stamp_t plan_stamp;
    PGresult *slots, *violations;
    s_stamp_t agents_stamp;
    PGresult *agents, *overrides;
    s_stamp_t findings_stamp;
    pw_findings_t *findings; //  the open findings
} s_cached_t;

struct _audit_facts_cache_t {
    s_cached_t *entries;
    size_t size;
    uint64_t clock, hits, misses, updates;
    uint64_t findings_loads;
};

audit_facts_cache_t *
audit_facts_cache_new (size_t tenants)
{
    audit_facts_cache_t *self = pw_calloc (1, sizeof *self);
    self->size = tenants ? tenants : 1;
    self->entries = pw_calloc (self->size, sizeof *self->entries);
    return self;
}

static void
s_cached_clear (s_cached_t *entry)
{
    free (entry->slot.tenant);
    s_pfacts_free (&entry->pfacts);
    PQclear (entry->slots);
    PQclear (entry->violations);
    PQclear (entry->agents);
    PQclear (entry->overrides);
    pw_findings_destroy (&entry->findings);
    memset (entry, 0, sizeof *entry);
}

void
audit_facts_cache_destroy (audit_facts_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    audit_facts_cache_t *self = *self_p;
    for (size_t i = 0; i < self->size; i++)
        s_cached_clear (&self->entries [i]);
    free (self->entries);
    free (self);
    *self_p = NULL;
}

void
audit_facts_cache_stats (const audit_facts_cache_t *self, uint64_t *hits_p, uint64_t *misses_p,
                         uint64_t *updates_p)
{
    *hits_p = self ? self->hits : 0;
    *misses_p = self ? self->misses : 0;
    *updates_p = self ? self->updates : 0;
}

uint64_t
audit_findings_cache_loads (const audit_facts_cache_t *self)
{
    return self ? self->findings_loads : 0;
}

//  The plan's rows: the planned slots of the last cycles and the current
//  plan's violations. 0, or -1 on a store error (nothing kept).
static int
s_read_plan (pw_db_t *db, PGresult **slots_p, PGresult **violations_p)
{
    const char *cycles [] = {S_PLAN_CYCLES};
    *slots_p = pw_db_exec (db, "audit_plan_slots", 1, cycles);
    *violations_p = *slots_p ? pw_db_exec (db, "audit_plan_violations", 0, NULL) : NULL;
    if (*violations_p)
        return 0;
    PQclear (*slots_p);
    *slots_p = NULL;
    return -1;
}

//  --- the whole read of the patch facts ----------------------------------

//  A status profile's status of a patch, approved or in review: the fact
//  it makes for each agent of the profile whose last scan reports the
//  patch missing or failed (the fact's agent is set then).
typedef struct {
    int64_t profile;
    s_fact_t fact;
} s_pstatus_t;

//  An agent's status profile
typedef struct {
    int64_t agent, profile;
} s_aprofile_t;

//  The tables a whole read joins the scan states with, each hashed on its
//  key (open addressing: entry index + 1, 0 for an empty slot).
typedef struct {
    s_pfacts_t *pf; //  where the facts go
    size_t size;    //  room in pf->facts
    s_pstatus_t *statuses;
    size_t status_count, status_size;
    uint32_t *status_slots;
    s_aprofile_t *agents;
    size_t agent_count, agent_size;
    uint32_t *agent_slots;
    size_t slots; //  of each table: a power of two
} s_join_t;

static size_t
s_key_slot (int64_t a, int64_t b, size_t slots)
{
    uint64_t h = (uint64_t)a * 0x9E3779B97F4A7C15ULL ^ (uint64_t)b * 0xC2B2AE3D27D4EB4FULL;
    return (size_t)(h ^ (h >> 31)) & (slots - 1);
}

static void
s_join_free (s_join_t *join)
{
    free (join->statuses);
    free (join->status_slots);
    free (join->agents);
    free (join->agent_slots);
}

//  Parses a whole decimal id (an optional '-', digits): false for anything
//  else.
static bool
s_parse_id (const char *text, int64_t *id_p)
{
    if (!text)
        return false;
    const char *p = text;
    return pw_array_next_id (&p, id_p) && *p == '\0';
}

//  A row of audit_load_profiles: a profile, a patch, its status (approved
//  or review), where the approval time comes from, until (unix us).
static int
s_join_status_row (void *arg, char **fields, int count)
{
    s_join_t *join = arg;
    int64_t profile, patch;
    if (count != 6 || !s_parse_id (fields [0], &profile) || !s_parse_id (fields [1], &patch) ||
        !fields [2] ||
        (strcmp (fields [2], "approved") != 0 && strcmp (fields [2], "review") != 0) ||
        join->status_count >= UINT32_MAX)
        return -1;
    int64_t until = 0;
    if (fields [5] && !s_parse_id (fields [5], &until))
        return -1;
    if (join->status_count == join->status_size) {
        join->status_size = join->status_size ? join->status_size * 2 : 1024;
        join->statuses = pw_realloc (join->statuses, join->status_size * sizeof *join->statuses);
    }
    join->statuses [join->status_count++] =
        (s_pstatus_t){.profile = profile,
                      .fact = {.patch = patch,
                               .list = (uint8_t)s_list (fields [2]),
                               .source = (uint8_t)s_source (fields [3]),
                               .policy = s_pfacts_policy (join->pf, fields [4]),
                               .has_until = fields [5] != NULL,
                               .until = until}};
    return 0;
}

//  A row of audit_load_agent_profiles: an agent and its profile.
static int
s_join_agent_row (void *arg, char **fields, int count)
{
    s_join_t *join = arg;
    int64_t agent, profile;
    if (count != 2 || !s_parse_id (fields [0], &agent) || !s_parse_id (fields [1], &profile) ||
        join->agent_count >= UINT32_MAX)
        return -1;
    if (join->agent_count == join->agent_size) {
        join->agent_size = join->agent_size ? join->agent_size * 2 : 1024;
        join->agents = pw_realloc (join->agents, join->agent_size * sizeof *join->agents);
    }
    join->agents [join->agent_count++] = (s_aprofile_t){agent, profile};
    return 0;
}

//  Hashes the statuses and the agents' profiles read (a later row of the
//  same key wins; the store has one).
static void
s_join_index (s_join_t *join)
{
    size_t most = join->status_count > join->agent_count ? join->status_count : join->agent_count;
    join->slots = 16;
    while (join->slots < 2 * most)
        join->slots *= 2;
    join->status_slots = pw_calloc (join->slots, sizeof *join->status_slots);
    join->agent_slots = pw_calloc (join->slots, sizeof *join->agent_slots);
    size_t mask = join->slots - 1;
    for (size_t i = 0; i < join->status_count; i++) {
        const s_pstatus_t *s = &join->statuses [i];
        size_t slot = s_key_slot (s->profile, s->fact.patch, join->slots);
        while (join->status_slots [slot] &&
               (join->statuses [join->status_slots [slot] - 1].profile != s->profile ||
                join->statuses [join->status_slots [slot] - 1].fact.patch != s->fact.patch))
            slot = (slot + 1) & mask;
        join->status_slots [slot] = (uint32_t)i + 1;
    }
    for (size_t i = 0; i < join->agent_count; i++) {
        size_t slot = s_key_slot (join->agents [i].agent, 0, join->slots);
        while (join->agent_slots [slot] &&
               join->agents [join->agent_slots [slot] - 1].agent != join->agents [i].agent)
            slot = (slot + 1) & mask;
        join->agent_slots [slot] = (uint32_t)i + 1;
    }
}

//  AGENT's profile; NULL when it has none.
static const s_aprofile_t *
s_join_profile (const s_join_t *join, int64_t agent)
{
    size_t mask = join->slots - 1;
    for (size_t slot = s_key_slot (agent, 0, join->slots); join->agent_slots [slot];
         slot = (slot + 1) & mask)
        if (join->agents [join->agent_slots [slot] - 1].agent == agent)
            return &join->agents [join->agent_slots [slot] - 1];
    return NULL;
}

//  The status of PATCH in PROFILE (may be NULL), approved or in review;
//  NULL when the profile has no such status of the patch.
static const s_pstatus_t *
s_join_status (const s_join_t *join, const s_aprofile_t *profile, int64_t patch)
{
    if (!profile)
        return NULL;
    size_t mask = join->slots - 1;
    for (size_t slot = s_key_slot (profile->profile, patch, join->slots); join->status_slots [slot];
         slot = (slot + 1) & mask) {
        const s_pstatus_t *s = &join->statuses [join->status_slots [slot] - 1];
        if (s->profile == profile->profile && s->fact.patch == patch)
            return s;
    }
    return NULL;
}

static void
s_join_add (s_join_t *join, s_fact_t fact)
{
    s_pfacts_t *pf = join->pf;
    if (pf->count == join->size) {
        join->size = join->size ? join->size * 2 : 1 << 16;
        pf->facts = pw_realloc (pf->facts, join->size * sizeof *pf->facts);
    }
    pf->facts [pf->count++] = fact;
}

//  A row of audit_load_patches: an agent and the patches its last scan
//  reports missing, failed and waiting for a reboot, as three bigint[]
//  literals. A missing or failed patch is a fact when the agent's profile
//  has it approved or in review; a failed or waiting install is one by
//  itself.
static int
s_join_scan_row (void *arg, char **fields, int count)
{
    s_join_t *join = arg;
    int64_t agent;
    if (count != 4 || !s_parse_id (fields [0], &agent))
        return -1;
    const s_aprofile_t *profile = s_join_profile (join, agent);
    static const s_list_t lists [] = {S_MISSING, S_FAILED, S_PENDING_REBOOT};
    for (int l = 0; l < 3; l++) {
        const char *p = fields [1 + l];
        if (!p || *p++ != '{')
            return -1;
        int64_t patch;
        while (pw_array_next_id (&p, &patch)) {
            if (lists [l] != S_PENDING_REBOOT) {
                const s_pstatus_t *status = s_join_status (join, profile, patch);
                if (status) {
                    s_fact_t fact = status->fact;
                    fact.agent = agent;
                    s_join_add (join, fact);
                }
            }
            if (lists [l] != S_MISSING)
                s_join_add (join,
                            (s_fact_t){.agent = agent, .patch = patch, .list = (uint8_t)lists [l]});
        }
        if (p [0] != '}' || p [1] != '\0')
            return -1;
    }
    return 0;
}

//  The columns of audit_facts_version: a counter's version, or the epoch
enum { S_FACTS, S_PLAN, S_AGENTS, S_FINDINGS, S_EPOCH };

//  The store's version of TENANT's counter COLUMN (of audit_facts_version)
//  and the epoch, now, into *STAMP_P. 0, or -1 on a store error.
static int
s_read_stamp (pw_db_t *db, const char *tenant, int column, s_stamp_t *stamp_p)
{
    const char *tenant_p [] = {tenant};
    PGresult *res = pw_db_exec (db, "audit_facts_version", 1, tenant_p);
    if (!res)
        return -1;
    *stamp_p = (s_stamp_t){true, s_i64 (res, 0, column), s_i64 (res, 0, S_EPOCH)};
    PQclear (res);
    return 0;
}

//  One whole read into PF (emptied first): the approved and in-review
//  statuses of every profile and every agent's profile, hashed, then the
//  agents' open scan states (scan_open) streamed and joined with them. 0,
//  or -1 on a store error.
static int
s_read_pfacts_once (pw_db_t *db, s_pfacts_t *pf)
{
    s_pfacts_free (pf);
    s_join_t join = {.pf = pf};
    int rc = -1;
    if (pw_db_copy_out (db, "audit_load_profiles", s_join_status_row, &join) < 0 ||
        pw_db_copy_out (db, "audit_load_agent_profiles", s_join_agent_row, &join) < 0)
        goto done;
    s_join_index (&join);
    if (pw_db_copy_out (db, "audit_load_patches", s_join_scan_row, &join) < 0)
        goto done;
    //  Kept between audits: no room to spare
    pf->facts = pw_realloc (pf->facts, (pf->count + 1) * sizeof *pf->facts);
    //  By agent (the id is the struct's first member)
    pw_sort_by_i64 (pf->facts, pf->count, sizeof *pf->facts);
    rc = 0;
done:
    if (rc)
        s_pfacts_free (pf);
    s_join_free (&join);
    return rc;
}

//  Every patch fact of TENANT, the transaction's tenant, into PF, and in
//  *STAMP_P the version they are at least as new as. The three statements
//  of a read each see the store as it is when they start: when a write of
//  the facts commits in between (the version moved), the read is made
//  again, so the statuses, the profiles and the scan states joined are
//  those of one moment. After S_WHOLE_READS reads that all saw writes,
//  the last is kept: what the writes after the stamp declared is read
//  again by the next audit. 0, or -1 on a store error.
static int
s_read_pfacts (pw_db_t *db, const char *tenant, s_pfacts_t *pf, s_stamp_t *stamp_p)
{
    s_stamp_t before, after;
    if (s_read_stamp (db, tenant, S_FACTS, &before))
        return -1;
    for (int read = 1;; read++) {
        if (s_read_pfacts_once (db, pf) || s_read_stamp (db, tenant, S_FACTS, &after)) {
            s_pfacts_free (pf);
            return -1;
        }
        if ((after.version == before.version && after.epoch == before.epoch) ||
            read == S_WHOLE_READS) {
            *stamp_p = before;
            return 0;
        }
        before = after;
    }
}

//  Brings ENTRY's patch facts from their stamp's version to VERSION by
//  reading again what the writes in between changed (facts_changes), when
//  they say, and that is at most half of AGENT_COUNT agents (or a few). 1 when
//  done, 0 when the facts must be read whole, -1 on a store error.
static int
s_update_pfacts (pw_db_t *db, const char *tenant, s_cached_t *entry, int64_t version,
                 size_t agent_count)
{
    char from [32], to [32];
    snprintf (from, sizeof from, "%lld", (long long)entry->facts_stamp.version);
    snprintf (to, sizeof to, "%lld", (long long)version);
    const char *params [] = {tenant, from, to};
    PGresult *changes = pw_db_exec (db, "audit_facts_changes", 3, params);
    if (!changes)
        return -1;
    bool whole =
        s_i64 (changes, 0, 0) != version - entry->facts_stamp.version || s_i64 (changes, 0, 1) != 0;
    bool any_patch = s_i64 (changes, 0, 2) != 0, paired = s_i64 (changes, 0, 3) == 0;
    bool scans = s_i64 (changes, 0, 4) != 0;
    PQclear (changes);
    if (whole)
        return 0;
    //  What they name: pairs when every write named pairs, else agents x
    //  patches (or every patch of the agents)
    PGresult *named = pw_db_exec (
        db, paired ? "audit_facts_changed_pairs" : "audit_facts_changed_sets", 3, params);
    if (!named)
        return -1;
    const char *agents = s_str (named, 0, 0), *patches = s_str (named, 0, 1);
    size_t changed = s_id_count (agents);
    int rc = 0;
    if (!paired && changed > agent_count / 2 && changed > S_CHANGED_AGENTS_READ_ALWAYS)
        goto done;
    //  agents x patches past a bound: every patch of those agents
    if (!paired && !any_patch && changed * s_id_count (patches) > S_KEYS_MAX)
        any_patch = true;
    if (changed > 0 && (any_patch || s_id_count (patches) > 0)) {
        const char *read [] = {tenant, agents, any_patch ? (scans ? "t" : "f") : patches,
                               scans ? "t" : "f"};
        PGresult *res = paired      ? pw_db_exec (db, "audit_patches_pairs", 4, read)
                        : any_patch ? pw_db_exec (db, "audit_patches_agents", 3, read)
                                    : pw_db_exec (db, "audit_patches_entries", 4, read);
        if (!res) {
            rc = -1;
            goto done;
        }
        size_t key_count;
        s_key_t *keys = s_keys (agents, any_patch ? NULL : patches, paired, &key_count);
        s_pfacts_update (&entry->pfacts, keys, key_count, scans, res);
        free (keys);
        PQclear (res);
    }
    rc = 1; //  (no agent or no patch named: nothing was written)
done:
    PQclear (named);
    return rc;
}

//  The agents with their effective settings (audit_agents) and their
//  overridden settings (audit_overrides). 0, or -1 on a store error
//  (nothing kept).
static int
s_read_agents (pw_db_t *db, const char *tenant, PGresult **agents_p, PGresult **overrides_p)
{
    const char *tenant_p [] = {tenant};
    *agents_p = pw_db_exec (db, "audit_agents", 1, tenant_p);
    *overrides_p = *agents_p ? pw_db_exec (db, "audit_overrides", 1, tenant_p) : NULL;
    if (*overrides_p)
        return 0;
    PQclear (*agents_p);
    *agents_p = NULL;
    return -1;
}

//  TENANT's entry of CACHE, made its own (emptied) when it was another's,
//  and marked used.
static s_cached_t *
s_cached_entry (audit_facts_cache_t *cache, const char *tenant)
{
    s_cached_t *entry = pw_tenant_slot_find (cache->entries, cache->size, sizeof *entry, tenant);
    if (!pw_tenant_slot_holds (&entry->slot, tenant)) {
        s_cached_clear (entry);
        entry->slot.tenant = pw_strdup (tenant);
    }
    entry->slot.used = ++cache->clock;
    return entry;
}

//  Reads the agents' rows, the patch facts and the plan's rows, or takes
//  each from CACHE when the tenant's version of it is the one they were
//  read at; patch facts a
//  few versions behind are brought up to date with what changed. The
//  versions are read first: a write committed between the two reads leaves
//  the rows newer than their version, which costs one needless reload (or
//  re-read of what it changed), never a stale hit. 0, or -1 on a store
//  error.
static int
s_load_cached (audit_facts_t *self, pw_db_t *db, audit_facts_cache_t *cache, const char *tenant)
{
    const char *tenant_p [] = {tenant};
    if (!cache) {
        self->pfacts = &self->own_pfacts;
        s_stamp_t unused;
        return s_read_agents (db, tenant, &self->res_agents, &self->res_overrides) == 0 &&
                       s_read_pfacts (db, tenant, &self->own_pfacts, &unused) == 0 &&
                       s_read_plan (db, &self->res_slots, &self->res_violations) == 0
                   ? 0
                   : -1;
    }
    PGresult *res = pw_db_exec (db, "audit_facts_version", 1, tenant_p);
    if (!res)
        return -1;
    int64_t version = s_i64 (res, 0, S_FACTS), plan_version = s_i64 (res, 0, S_PLAN),
            agents_version = s_i64 (res, 0, S_AGENTS), epoch = s_i64 (res, 0, S_EPOCH);
    PQclear (res);
    s_cached_t *entry = s_cached_entry (cache, tenant);
    int rc = 0;
    if (!s_stamp_current (&entry->agents_stamp, agents_version, epoch)) {
        PGresult *agents, *overrides;
        if (s_read_agents (db, tenant, &agents, &overrides))
            return -1;
        PQclear (entry->agents);
        PQclear (entry->overrides);
        entry->agents = agents;
        entry->overrides = overrides;
        entry->agents_stamp = (s_stamp_t){true, agents_version, epoch};
    }
    self->res_agents = entry->agents;
    self->res_overrides = entry->overrides;
    self->agents_borrowed = true;
    const s_stamp_t *facts = &entry->facts_stamp;
    if (s_stamp_current (facts, version, epoch))
        cache->hits++;
    else {
        int updated =
            facts->have && facts->epoch == epoch && facts->version < version
                ? s_update_pfacts (db, tenant, entry, version, (size_t)PQntuples (self->res_agents))
                : 0;
        //  What a whole read vouches for: a version at least as new
        s_stamp_t read = {true, version, epoch};
        if (updated == 1)
            cache->updates++;
        else if (updated == 0 && s_read_pfacts (db, tenant, &entry->pfacts, &read) == 0)
            cache->misses++;
        else
            rc = -1;
        //  A failed read leaves the facts of no known version
        entry->facts_stamp = (s_stamp_t){rc == 0, read.version, read.epoch};
    }
    if (rc == 0 && !s_stamp_current (&entry->plan_stamp, plan_version, epoch)) {
        PGresult *slots, *violations;
        if (s_read_plan (db, &slots, &violations) == 0) {
            PQclear (entry->slots);
            PQclear (entry->violations);
            entry->slots = slots;
            entry->violations = violations;
            entry->plan_stamp = (s_stamp_t){true, plan_version, epoch};
        } else
            rc = -1;
    }
    if (rc == 0) {
        self->pfacts = &entry->pfacts;
        self->res_slots = entry->slots;
        self->res_violations = entry->violations;
        self->plan_borrowed = true;
    }
    return rc;
}

audit_facts_t *
audit_facts_load (pw_db_t *db, audit_facts_cache_t *cache, const char *tenant,
                  const pw_checks_config_t *defaults, int64_t now_us, int64_t installed_from_us,
                  int64_t installed_to_us)
{
    audit_facts_t *self = pw_calloc (1, sizeof *self);
    self->now_us = now_us;
    self->config = *defaults;
    char from [32], to [32];
    snprintf (from, sizeof from, "%lld", (long long)installed_from_us);
    snprintf (to, sizeof to, "%lld", (long long)installed_to_us);
    const char *period [] = {from, to};
    const char *tenant_p [] = {tenant};
    PGresult *plan = pw_db_exec (db, "audit_facts_plan", 0, NULL);
    bool planned = plan != NULL;
    PQclear (plan);
    if (!planned || !(self->res_settings = pw_db_exec (db, "audit_settings", 0, NULL)) ||
        !(self->res_catalog = pw_db_exec (db, "audit_catalog", 1, tenant_p)) ||
        s_load_cached (self, db, cache, tenant) ||
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
    s_load_catalog (self);
    s_load_patches (self);
    s_load_overrides (self);
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
    free (self->catalog);
    free (self->catalog_index);
    free (self->decisions);
    free (self->patches);
    free (self->overrides);
    free (self->slot_ends);
    free (self->policies);
    if (!self->agents_borrowed) {
        PQclear (self->res_agents);
        PQclear (self->res_overrides);
    }
    s_pfacts_free (&self->own_pfacts);
    PQclear (self->res_settings);
    if (!self->plan_borrowed) {
        PQclear (self->res_slots);
        PQclear (self->res_violations);
    }
    PQclear (self->res_installed);
    PQclear (self->res_catalog);
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

//  True when OUT has a finding CODE on SUBJECT at or after index FROM.
static bool
s_found_since (const pw_findings_t *out, size_t from, pw_finding_code_t code, const char *subject)
{
    for (size_t i = from; i < pw_findings_size (out); i++) {
        const pw_finding_t *f = pw_findings_get (out, i);
        if (f->code == code && strcmp (f->subject, subject) == 0)
            return true;
    }
    return false;
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
    //  Agent findings have codes of their own: the window and group
    //  findings below are looked for among those of the plan only
    size_t plan_findings = pw_findings_size (out);
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
        if (!*subject || s_found_since (out, plan_findings, code, subject))
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
audit_findings_load_open (pw_db_t *db, const char *tenant)
{
    const char *params [] = {tenant};
    PGresult *res = pw_db_exec (db, "audit_findings_open", 1, params);
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

pw_findings_t *
audit_findings_open (pw_db_t *db, audit_facts_cache_t *cache, const char *tenant, bool *borrowed_p)
{
    *borrowed_p = false;
    if (!cache)
        return audit_findings_load_open (db, tenant);
    s_stamp_t stamp;
    if (s_read_stamp (db, tenant, S_FINDINGS, &stamp))
        return NULL;
    s_cached_t *entry = s_cached_entry (cache, tenant);
    if (!s_stamp_current (&entry->findings_stamp, stamp.version, stamp.epoch)) {
        pw_findings_t *open = audit_findings_load_open (db, tenant);
        if (!open)
            return NULL;
        cache->findings_loads++;
        pw_findings_destroy (&entry->findings);
        entry->findings = open;
        entry->findings_stamp = stamp;
    }
    *borrowed_p = true;
    return entry->findings;
}

void
audit_findings_forget (audit_facts_cache_t *cache, const char *tenant)
{
    for (size_t i = 0; cache && i < cache->size; i++) {
        s_cached_t *entry = &cache->entries [i];
        if (pw_tenant_slot_holds (&entry->slot, tenant)) {
            pw_findings_destroy (&entry->findings);
            entry->findings_stamp.have = false;
        }
    }
}

int
audit_findings_stamp (pw_db_t *db, const char *tenant, audit_stamp_t *stamp_p)
{
    s_stamp_t stamp;
    if (s_read_stamp (db, tenant, S_FINDINGS, &stamp))
        return -1;
    *stamp_p = (audit_stamp_t){stamp.version, stamp.epoch};
    return 0;
}

void
audit_findings_keep (audit_facts_cache_t *cache, const char *tenant, pw_findings_t **open_p,
                     audit_stamp_t stamp)
{
    if (!cache) {
        pw_findings_destroy (open_p);
        return;
    }
    s_cached_t *entry = s_cached_entry (cache, tenant);
    pw_findings_destroy (&entry->findings);
    entry->findings = *open_p;
    *open_p = NULL;
    entry->findings_stamp = (s_stamp_t){true, stamp.version, stamp.epoch};
}
