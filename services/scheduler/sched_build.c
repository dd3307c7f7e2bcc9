/*  sched_build - windows into instances, agents into the planner, the plan
    into a document and rows.

    Instances are computed once per window and calendar: the agent's org
    time zone, plus the org itself when it has blackouts (orgs without
    blackouts in one zone share their instances, so one Saturday night in
    Europe/Berlin is one set of instances whatever the number of orgs).
*/
#include "sched_build.h"

#include <czmq.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pw_sha256.h"
#include "pw_util.h"

//  One window instance in one calendar, skipped or not.
typedef struct {
    const pw_window_t *window;
    const char *tz;          //  the calendar's zone (borrowed)
    pw_window_instance_t wi; //  wi.window points into inputs->windows
    int plan_index;          //  index into the planner's instances; -1 when skipped
    bool broken;             //  the window's zone does not load
} s_inst_t;

//  One calendar: a zone, and the blackouts of one org (or none).
typedef struct {
    char *tz;
    pw_blackout_t *blackouts;
    size_t blackout_count;
} s_calendar_t;

typedef struct {
    int src;           //  index into inputs->agents
    const char *tz;    //  the org's zone name (borrowed)
    s_calendar_t *cal; //  NULL when the zone does not load
    char *reason;      //  overrides the planner's reason when set
    bool has_scan;
    int64_t scan_at;
    int health_timeout; //  seconds; -1 unknown
} s_agent_t;

typedef struct {
    const char *code;
    int agent; //  plan agent index or -1
    int other;
    int instance;       //  planner instance index or -1
    const char *window; //  borrowed
    const int *members; //  plan agent indices (borrowed from the plan)
    size_t member_count;
    char *detail; //  owned
} s_violation_t;

//  An org's calendar and zone name, found once per org.
typedef struct {
    s_calendar_t *cal;
    const char *tz;
} s_org_cal_t;

//  A scan check's outcome for one (scan setting, zone, planner instance).
typedef struct {
    bool failed;
    pw_scan_result_t result;
} s_scan_memo_t;

struct _sched_plan_t {
    const sched_inputs_t *inputs;
    pw_tz_cache_t *zones;
    char cycle [16];
    char anchor [16];
    pw_date_t anchor_date;

    pw_plan_agent_t *agents;
    s_agent_t *meta;
    size_t agent_count;

    s_inst_t *insts; //  every computed instance
    size_t inst_count, inst_cap;
    pw_plan_instance_t *instances; //  the planner's (not skipped)
    int *instance_inst;            //  planner instance -> insts index
    size_t instance_count, instance_cap;

    pw_plan_group_t *groups;
    int **group_instances;
    const sched_group_t **group_src;
    size_t group_count, group_cap;

    pw_plan_edge_t *edges;
    size_t edge_count;

    zhashx_t *inst_index;  //  "window\x1fcalendar" -> insts index + 1
    zhashx_t *group_index; //  "group\x1fcalendar" -> groups index + 1
    zhashx_t *calendars;   //  "zone\x1forg" -> s_calendar_t
    zhashx_t *org_index;   //  org name -> s_org_cal_t (its calendar, looked up once)

    pw_plan_t *plan;
    s_violation_t *violations;
    size_t violation_count, violation_cap;
    size_t planned;
};

//  --- digest -------------------------------------------------------------

static void
s_hash_str (pw_sha256_t *sha, const char *text)
{
    if (text)
        pw_sha256_update (sha, text, strlen (text));
    else
        pw_sha256_update (sha, "\x1e", 1);
    pw_sha256_update (sha, "\x1f", 1);
}

static void
s_hash_int (pw_sha256_t *sha, int64_t value)
{
    char buf [32];
    snprintf (buf, sizeof buf, "%" PRId64, value);
    s_hash_str (sha, buf);
}

void
sched_inputs_digest (const sched_inputs_t *inputs, const char *cycle, char hex [SCHED_DIGEST_HEX])
{
    pw_sha256_t sha;
    pw_sha256_init (&sha);
    s_hash_str (&sha, "plan/" PW_VERSION);
    s_hash_str (&sha, cycle);
    s_hash_int (&sha, inputs->cycle.kind);
    s_hash_int (&sha, inputs->cycle.weekday);
    s_hash_str (&sha, inputs->timezone);
    s_hash_int (&sha, inputs->scan_rules.gap);
    s_hash_int (&sha, inputs->scan_rules.max_age);
    for (size_t i = 0; i < inputs->agent_count; i++) {
        const sched_agent_t *a = &inputs->agents [i];
        s_hash_str (&sha, "A");
        s_hash_int (&sha, a->id);
        s_hash_str (&sha, a->hostname);
        s_hash_str (&sha, a->org);
        s_hash_int (&sha, a->subscribed);
        s_hash_int (&sha, a->expected_minutes);
        s_hash_str (&sha, a->update_window);
        s_hash_str (&sha, a->scan);
        s_hash_str (&sha, a->manual_patching);
        s_hash_str (&sha, a->health_check);
    }
    for (size_t i = 0; i < inputs->org_count; i++) {
        s_hash_str (&sha, "O");
        s_hash_str (&sha, inputs->orgs [i].name);
        s_hash_str (&sha, inputs->orgs [i].timezone);
        s_hash_int (&sha, inputs->orgs [i].subscribed);
    }
    for (size_t i = 0; i < inputs->window_count; i++) {
        const pw_window_t *w = &inputs->windows [i];
        s_hash_str (&sha, "W");
        s_hash_str (&sha, w->name);
        s_hash_int (&sha, w->offset_days);
        s_hash_int (&sha, w->start_minute);
        s_hash_int (&sha, w->duration_minutes);
        s_hash_int (&sha, w->capacity);
        s_hash_str (&sha, w->tz);
        s_hash_str (&sha, w->group);
        s_hash_int (&sha, w->position);
    }
    for (size_t i = 0; i < inputs->group_count; i++) {
        const sched_group_t *g = &inputs->groups [i];
        s_hash_str (&sha, "G");
        s_hash_str (&sha, g->name);
        s_hash_int (&sha, g->policy);
        s_hash_int (&sha, g->budget_kind);
        s_hash_int (&sha, g->budget);
    }
    for (size_t i = 0; i < inputs->blackout_count; i++) {
        const sched_blackout_t *b = &inputs->blackouts [i];
        s_hash_str (&sha, "B");
        s_hash_str (&sha, b->org);
        s_hash_int (&sha, pw_tz_days_from_civil (b->blackout.first));
        s_hash_int (&sha, pw_tz_days_from_civil (b->blackout.last));
        s_hash_str (&sha, b->blackout.reason);
    }
    for (size_t i = 0; i < inputs->dependency_count; i++) {
        s_hash_str (&sha, "D");
        s_hash_str (&sha, inputs->dependencies [i].hostname);
        s_hash_str (&sha, inputs->dependencies [i].depends_on);
    }
    uint8_t digest [PW_SHA256_SIZE];
    pw_sha256_final (&sha, digest);
    pw_sha256_hex (digest, hex);
}

//  --- building -----------------------------------------------------------

static void
s_calendar_destroy (void **item_p)
{
    s_calendar_t *cal = *item_p;
    if (cal) {
        free (cal->tz);
        free (cal->blackouts);
        free (cal);
        *item_p = NULL;
    }
}

static void
s_violation_add (sched_plan_t *self, const char *code, int agent, int other, int instance,
                 const char *window, char *detail)
{
    if (self->violation_count == self->violation_cap) {
        self->violation_cap = self->violation_cap ? self->violation_cap * 2 : 16;
        self->violations =
            pw_realloc (self->violations, self->violation_cap * sizeof (s_violation_t));
    }
    self->violations [self->violation_count++] = (s_violation_t){.code = code,
                                                                 .agent = agent,
                                                                 .other = other,
                                                                 .instance = instance,
                                                                 .window = window,
                                                                 .detail = detail};
}

static const sched_org_t *
s_org (const sched_inputs_t *inputs, const char *name)
{
    for (size_t i = 0; i < inputs->org_count; i++)
        if (strcmp (inputs->orgs [i].name, name) == 0)
            return &inputs->orgs [i];
    return NULL;
}

//  The calendar of ORG: its zone, and its blackouts when it has any.
static s_calendar_t *
s_calendar_find (sched_plan_t *self, const char *org_name, const char **tz_p)
{
    const sched_inputs_t *inputs = self->inputs;
    const sched_org_t *org = s_org (inputs, org_name);
    const char *tz = org && org->timezone && *org->timezone  ? org->timezone
                     : inputs->timezone && *inputs->timezone ? inputs->timezone
                                                             : "UTC";
    *tz_p = tz;
    if (!pw_tz_cache_get (self->zones, tz, NULL))
        return NULL;
    size_t count = 0;
    for (size_t i = 0; i < inputs->blackout_count; i++)
        if (strcmp (inputs->blackouts [i].org, org_name) == 0)
            count++;
    char *key = pw_sprintf ("%s\x1f%s", tz, count ? org_name : "");
    s_calendar_t *cal = zhashx_lookup (self->calendars, key);
    if (!cal) {
        cal = pw_calloc (1, sizeof *cal);
        cal->tz = pw_strdup (tz);
        if (count) {
            cal->blackouts = pw_calloc (count, sizeof (pw_blackout_t));
            for (size_t i = 0; i < inputs->blackout_count; i++)
                if (strcmp (inputs->blackouts [i].org, org_name) == 0)
                    cal->blackouts [cal->blackout_count++] = inputs->blackouts [i].blackout;
        }
        zhashx_insert (self->calendars, key, cal);
    }
    free (key);
    return cal;
}

//  s_calendar_find, once per org name: agents of one org share it.
static s_calendar_t *
s_calendar (sched_plan_t *self, const char *org_name, const char **tz_p)
{
    s_org_cal_t *found = zhashx_lookup (self->org_index, org_name);
    if (!found) {
        found = pw_calloc (1, sizeof *found);
        found->cal = s_calendar_find (self, org_name, &found->tz);
        zhashx_insert (self->org_index, org_name, found);
    }
    *tz_p = found->tz;
    return found->cal;
}

static void
s_free_item (void **item_p)
{
    free (*item_p);
    *item_p = NULL;
}

//  Index into insts of WINDOW's instance in calendar CAL, computed on
//  first use.
static int
s_instance (sched_plan_t *self, const pw_window_t *window, s_calendar_t *cal)
{
    char *key = pw_sprintf ("%s\x1f%s\x1f%p", window->name, cal->tz, (void *)cal);
    intptr_t found = (intptr_t)zhashx_lookup (self->inst_index, key);
    if (found) {
        free (key);
        return (int)found - 1;
    }
    if (self->inst_count == self->inst_cap) {
        self->inst_cap = self->inst_cap ? self->inst_cap * 2 : 32;
        self->insts = pw_realloc (self->insts, self->inst_cap * sizeof (s_inst_t));
    }
    int index = (int)self->inst_count++;
    s_inst_t *inst = &self->insts [index];
    memset (inst, 0, sizeof *inst);
    inst->window = window;
    inst->tz = cal->tz;
    inst->plan_index = -1;
    pw_org_calendar_t calendar = {.zones = self->zones,
                                  .tz = cal->tz,
                                  .blackouts = cal->blackouts,
                                  .blackout_count = cal->blackout_count};
    if (pw_window_instance (window, self->anchor_date, &calendar, &inst->wi, NULL))
        inst->broken = true;
    else if (!inst->wi.skipped) {
        if (self->instance_count == self->instance_cap) {
            self->instance_cap = self->instance_cap ? self->instance_cap * 2 : 32;
            self->instances =
                pw_realloc (self->instances, self->instance_cap * sizeof (pw_plan_instance_t));
            self->instance_inst =
                pw_realloc (self->instance_inst, self->instance_cap * sizeof (int));
        }
        inst->plan_index = (int)self->instance_count++;
        self->instances [inst->plan_index] =
            (pw_plan_instance_t){window->name, inst->wi.start, inst->wi.end, window->capacity};
        self->instance_inst [inst->plan_index] = index;
    }
    zhashx_insert (self->inst_index, key, (void *)(intptr_t)(index + 1));
    free (key);
    return index;
}

static int
s_by_position (const void *a, const void *b)
{
    const pw_window_t *const *x = a, *const *y = b;
    return (*x)->position - (*y)->position;
}

//  The planner's group for window group GROUP in calendar CAL.
static int
s_group (sched_plan_t *self, const sched_group_t *group, s_calendar_t *cal)
{
    char *key = pw_sprintf ("%s\x1f%p", group->name, (void *)cal);
    intptr_t found = (intptr_t)zhashx_lookup (self->group_index, key);
    if (found) {
        free (key);
        return (int)found - 1;
    }
    const sched_inputs_t *inputs = self->inputs;
    const pw_window_t **windows = pw_calloc (inputs->window_count + 1, sizeof *windows);
    size_t count = 0;
    for (size_t i = 0; i < inputs->window_count; i++)
        if (inputs->windows [i].group && strcmp (inputs->windows [i].group, group->name) == 0)
            windows [count++] = &inputs->windows [i];
    qsort (windows, count, sizeof *windows, s_by_position);
    int *instances = pw_calloc (count + 1, sizeof (int));
    size_t used = 0;
    for (size_t i = 0; i < count; i++) {
        int inst = s_instance (self, windows [i], cal);
        if (self->insts [inst].plan_index >= 0)
            instances [used++] = self->insts [inst].plan_index;
    }
    free (windows);
    if (self->group_count == self->group_cap) {
        self->group_cap = self->group_cap ? self->group_cap * 2 : 8;
        self->groups = pw_realloc (self->groups, self->group_cap * sizeof (pw_plan_group_t));
        self->group_instances =
            pw_realloc (self->group_instances, self->group_cap * sizeof (int *));
        self->group_src =
            pw_realloc (self->group_src, self->group_cap * sizeof (const sched_group_t *));
    }
    int index = (int)self->group_count++;
    self->group_instances [index] = instances;
    self->group_src [index] = group;
    self->groups [index] = (pw_plan_group_t){group->name,   instances,          used,
                                             group->policy, group->budget_kind, group->budget};
    zhashx_insert (self->group_index, key, (void *)(intptr_t)(index + 1));
    free (key);
    return index;
}

static int
s_health_timeout (const char *health_check)
{
    const char *at = health_check ? strstr (health_check, "timeout=") : NULL;
    return at ? atoi (at + 8) : -1;
}

static void
s_place_agent (sched_plan_t *self, int index, zhashx_t *groups, zhashx_t *windows)
{
    const sched_inputs_t *inputs = self->inputs;
    s_agent_t *meta = &self->meta [index];
    const sched_agent_t *src = &inputs->agents [meta->src];
    pw_plan_agent_t *agent = &self->agents [index];
    *agent =
        (pw_plan_agent_t){src->hostname, src->org, src->subscribed, src->expected_minutes, -1, -1};
    meta->health_timeout = s_health_timeout (src->health_check);
    meta->cal = s_calendar (self, src->org, &meta->tz);
    if (!src->subscribed)
        return;
    if (!meta->cal) {
        meta->reason = pw_sprintf ("unknown time zone \"%s\"", meta->tz);
        return;
    }
    if (src->manual_patching) {
        meta->reason = pw_sprintf ("manual patching: %s", src->manual_patching);
        return;
    }
    if (!src->update_window || !*src->update_window)
        return;
    const sched_group_t *group = zhashx_lookup (groups, src->update_window);
    const pw_window_t *window = zhashx_lookup (windows, src->update_window);
    if (group)
        agent->group = s_group (self, group, meta->cal);
    else if (window) {
        int at = s_instance (self, window, meta->cal);
        const s_inst_t *inst = &self->insts [at];
        if (inst->plan_index >= 0)
            agent->instance = inst->plan_index;
        else if (inst->broken)
            meta->reason = pw_sprintf ("window %s: unknown time zone \"%s\"", window->name,
                                       window->tz ? window->tz : meta->tz);
        else
            meta->reason = pw_sprintf ("no window instance this cycle (blackout: %s)",
                                       inst->wi.blackout && inst->wi.blackout->reason
                                           ? inst->wi.blackout->reason
                                           : "no reason given");
    } else {
        meta->reason = pw_sprintf ("unknown window \"%s\"", src->update_window);
        s_violation_add (self, "UNKNOWN_WINDOW", index, -1, -1, src->update_window,
                         pw_sprintf ("%s: update_window \"%s\" names no window or window group",
                                     src->hostname, src->update_window));
    }
}

static void
s_check_scans (sched_plan_t *self)
{
    //  Agents with the same scan setting, zone and instance get the same
    //  verdict: each combination is checked once.
    zhashx_t *memo = zhashx_new ();
    zhashx_set_destructor (memo, s_free_item);
    for (size_t i = 0; i < self->agent_count; i++) {
        const pw_plan_slot_t *slot = pw_plan_slot (self->plan, (int)i);
        s_agent_t *meta = &self->meta [i];
        const sched_agent_t *src = &self->inputs->agents [meta->src];
        if (slot->status != PW_SLOT_PLANNED || !src->scan || !meta->cal)
            continue;
        const pw_plan_instance_t *instance = &self->instances [slot->instance];
        char *key = pw_sprintf ("%s\x1f%s\x1f%d", src->scan, meta->cal->tz, slot->instance);
        s_scan_memo_t *seen = zhashx_lookup (memo, key);
        if (!seen) {
            seen = pw_calloc (1, sizeof *seen);
            pw_scan_schedule_t schedule;
            const pw_tz_t *zone = pw_tz_cache_get (self->zones, meta->cal->tz, NULL);
            seen->failed = pw_scan_schedule_parse (src->scan, &schedule, NULL) ||
                           pw_scan_check (&schedule, zone, &self->inputs->scan_rules,
                                          instance->start_utc, INT64_MIN, &seen->result, NULL);
            zhashx_insert (memo, key, seen);
        }
        free (key);
        if (seen->failed)
            continue;
        const pw_scan_result_t *result = &seen->result;
        meta->has_scan = result->has_scan;
        meta->scan_at = result->scan_start;
        const char *code = pw_scan_verdict_code (result->verdict);
        if (code)
            s_violation_add (self, code, (int)i, -1, slot->instance, instance->window,
                             pw_sprintf ("%s: %s", src->hostname, result->message));
    }
    zhashx_destroy (&memo);
}

static sched_plan_t *
s_build (const sched_inputs_t *inputs, pw_date_t anchor, pw_tz_cache_t *zones, char **error_p)
{
    sched_plan_t *self = pw_calloc (1, sizeof *self);
    self->inputs = inputs;
    self->zones = zones;
    self->anchor_date = anchor;
    pw_cycle_id_format (&inputs->cycle, anchor, self->cycle, sizeof self->cycle);
    pw_tz_date_format (anchor, self->anchor, sizeof self->anchor);
    self->inst_index = zhashx_new ();
    self->group_index = zhashx_new ();
    self->calendars = zhashx_new ();
    zhashx_set_destructor (self->calendars, s_calendar_destroy);
    self->org_index = zhashx_new ();
    zhashx_set_destructor (self->org_index, s_free_item);

    //  Agents in the plan: the subscribed ones, and any other a dependency
    //  names (so the plan can say a dependent waits for an unsubscribed one).
    zhashx_t *depended = zhashx_new ();
    for (size_t i = 0; i < inputs->dependency_count; i++) {
        zhashx_update (depended, inputs->dependencies [i].hostname, (void *)1);
        zhashx_update (depended, inputs->dependencies [i].depends_on, (void *)1);
    }
    zhashx_t *groups = zhashx_new ();
    for (size_t i = 0; i < inputs->group_count; i++)
        zhashx_update (groups, inputs->groups [i].name, (void *)&inputs->groups [i]);
    zhashx_t *windows = zhashx_new ();
    for (size_t i = 0; i < inputs->window_count; i++)
        zhashx_update (windows, inputs->windows [i].name, (void *)&inputs->windows [i]);

    self->agents = pw_calloc (inputs->agent_count + 1, sizeof (pw_plan_agent_t));
    self->meta = pw_calloc (inputs->agent_count + 1, sizeof (s_agent_t));
    zhashx_t *by_name = zhashx_new ();
    for (size_t i = 0; i < inputs->agent_count; i++) {
        const sched_agent_t *src = &inputs->agents [i];
        if (!src->subscribed && !zhashx_lookup (depended, src->hostname))
            continue;
        int index = (int)self->agent_count++;
        self->meta [index].src = (int)i;
        zhashx_update (by_name, src->hostname, (void *)(intptr_t)(index + 1));
        s_place_agent (self, index, groups, windows);
    }
    self->edges = pw_calloc (inputs->dependency_count + 1, sizeof (pw_plan_edge_t));
    for (size_t i = 0; i < inputs->dependency_count; i++) {
        intptr_t agent = (intptr_t)zhashx_lookup (by_name, inputs->dependencies [i].hostname);
        intptr_t on = (intptr_t)zhashx_lookup (by_name, inputs->dependencies [i].depends_on);
        //  An agent removed from the inventory since the apply: its edges go.
        if (agent && on)
            self->edges [self->edge_count++] = (pw_plan_edge_t){(int)agent - 1, (int)on - 1};
    }
    zhashx_destroy (&by_name);
    zhashx_destroy (&windows);
    zhashx_destroy (&groups);
    zhashx_destroy (&depended);

    pw_plan_input_t input = {.agents = self->agents,
                             .agent_count = self->agent_count,
                             .instances = self->instances,
                             .instance_count = self->instance_count,
                             .groups = self->groups,
                             .group_count = self->group_count,
                             .edges = self->edges,
                             .edge_count = self->edge_count,
                             .default_duration_min = 60};
    //  The planner's own violations come first, in its order.
    size_t extra_count = self->violation_count;
    s_violation_t *extra = self->violations;
    self->violations = NULL;
    self->violation_count = self->violation_cap = 0;
    self->plan = pw_plan_new (&input, error_p);
    if (!self->plan) {
        for (size_t i = 0; i < extra_count; i++)
            free (extra [i].detail);
        free (extra);
        sched_plan_destroy (&self);
        return NULL;
    }
    for (size_t i = 0; i < pw_plan_violation_count (self->plan); i++) {
        const pw_plan_violation_t *v = pw_plan_violation (self->plan, i);
        s_violation_add (self, pw_plan_code_name (v->code), v->agent, v->other, v->instance,
                         v->instance >= 0 ? self->instances [v->instance].window : NULL,
                         pw_strdup (v->detail));
        self->violations [self->violation_count - 1].members = v->members;
        self->violations [self->violation_count - 1].member_count = v->member_count;
    }
    s_check_scans (self);
    for (size_t i = 0; i < extra_count; i++) {
        s_violation_add (self, extra [i].code, extra [i].agent, extra [i].other, extra [i].instance,
                         extra [i].window, extra [i].detail);
    }
    free (extra);
    for (size_t i = 0; i < self->agent_count; i++)
        if (pw_plan_slot (self->plan, (int)i)->status == PW_SLOT_PLANNED)
            self->planned++;
    return self;
}

sched_plan_t *
sched_plan_build (const sched_inputs_t *inputs, const char *cycle, int64_t now,
                  pw_tz_cache_t *zones, bool *invalid_p, char **error_p)
{
    *invalid_p = false;
    pw_date_t anchor;
    if (cycle && *cycle) {
        if (pw_cycle_anchor (&inputs->cycle, cycle, &anchor, error_p)) {
            *invalid_p = true;
            return NULL;
        }
        return s_build (inputs, anchor, zones, error_p);
    }
    pw_date_t today = pw_tz_civil_from_days (now >= 0 ? now / 86400 : (now - 86399) / 86400);
    anchor = pw_cycle_anchor_on_or_before (&inputs->cycle, today);
    sched_plan_t *self = s_build (inputs, anchor, zones, error_p);
    if (!self)
        return NULL;
    //  Past the cycle's last window: the next cycle is the one to prepare.
    int64_t last_end = INT64_MIN;
    for (size_t i = 0; i < self->inst_count; i++)
        if (!self->insts [i].broken && self->insts [i].wi.end > last_end)
            last_end = self->insts [i].wi.end;
    if (self->inst_count && now > last_end) {
        sched_plan_destroy (&self);
        self = s_build (inputs, pw_cycle_next_anchor (&inputs->cycle, anchor), zones, error_p);
    }
    return self;
}

void
sched_plan_destroy (sched_plan_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    sched_plan_t *self = *self_p;
    pw_plan_destroy (&self->plan);
    for (size_t i = 0; i < self->agent_count; i++)
        free (self->meta [i].reason);
    free (self->meta);
    free (self->agents);
    free (self->insts);
    free (self->instances);
    free (self->instance_inst);
    for (size_t i = 0; i < self->group_count; i++)
        free (self->group_instances [i]);
    free (self->group_instances);
    free (self->group_src);
    free (self->groups);
    free (self->edges);
    for (size_t i = 0; i < self->violation_count; i++)
        free (self->violations [i].detail);
    free (self->violations);
    zhashx_destroy (&self->inst_index);
    zhashx_destroy (&self->group_index);
    zhashx_destroy (&self->org_index);
    zhashx_destroy (&self->calendars);
    free (self);
    *self_p = NULL;
}

const char *
sched_plan_cycle (const sched_plan_t *self)
{
    return self->cycle;
}

const char *
sched_plan_anchor (const sched_plan_t *self)
{
    return self->anchor;
}

size_t
sched_plan_agents (const sched_plan_t *self)
{
    return self->agent_count;
}

size_t
sched_plan_planned (const sched_plan_t *self)
{
    return self->planned;
}

size_t
sched_plan_unscheduled (const sched_plan_t *self)
{
    return self->agent_count - self->planned;
}

size_t
sched_plan_violations (const sched_plan_t *self)
{
    return self->violation_count;
}

const pw_plan_t *
sched_plan_pw (const sched_plan_t *self)
{
    return self->plan;
}

//  --- output -------------------------------------------------------------

//  "2026-10-24T20:00:00Z"
static void
s_time (pw_strbuf_t *out, int64_t t)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    pw_date_t date = pw_tz_civil_from_days (days);
    pw_strbuf_appendf (out, "\"%04d-%02d-%02dT%02d:%02d:%02dZ\"", date.year, date.month, date.day,
                       (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

static const char *
s_name (const sched_plan_t *self, int agent)
{
    return agent >= 0 ? self->agents [agent].name : NULL;
}

static const char *
s_reason (const sched_plan_t *self, int agent)
{
    return self->meta [agent].reason ? self->meta [agent].reason
                                     : pw_plan_slot (self->plan, agent)->reason;
}

typedef struct {
    const sched_plan_t *plan;
    const char *org;
    const char *window;
    bool *instance_ok; //  per planner instance
} s_filter_t;

static bool
s_org_ok (const s_filter_t *f, int agent)
{
    return !f->org || strcmp (f->plan->agents [agent].org, f->org) == 0;
}

static bool
s_instance_window_ok (const s_filter_t *f, int instance)
{
    if (!f->window)
        return true;
    const s_inst_t *inst = &f->plan->insts [f->plan->instance_inst [instance]];
    return strcmp (inst->window->name, f->window) == 0 ||
           (inst->window->group && strcmp (inst->window->group, f->window) == 0);
}

static bool
s_agent_window_ok (const s_filter_t *f, int agent)
{
    if (!f->window)
        return true;
    const pw_plan_slot_t *slot = pw_plan_slot (f->plan->plan, agent);
    if (slot->status == PW_SLOT_PLANNED)
        return s_instance_window_ok (f, slot->instance);
    const char *named = f->plan->inputs->agents [f->plan->meta [agent].src].update_window;
    return named && strcmp (named, f->window) == 0;
}

static bool
s_agent_ok (const s_filter_t *f, int agent)
{
    return agent >= 0 && s_org_ok (f, agent) && s_agent_window_ok (f, agent);
}

static int
s_instance_order (const void *a, const void *b, void *arg)
{
    const sched_plan_t *self = arg;
    const s_inst_t *x = &self->insts [self->instance_inst [*(const int *)a]];
    const s_inst_t *y = &self->insts [self->instance_inst [*(const int *)b]];
    if (x->wi.start != y->wi.start)
        return x->wi.start < y->wi.start ? -1 : 1;
    const char *gx = x->window->group ? x->window->group : "";
    const char *gy = y->window->group ? y->window->group : "";
    int c = strcmp (gx, gy);
    if (c)
        return c;
    if (x->window->position != y->window->position)
        return x->window->position - y->window->position;
    c = strcmp (x->window->name, y->window->name);
    return c ? c : strcmp (x->tz, y->tz);
}

char *
sched_plan_document (const sched_plan_t *self, const char *org, const char *window)
{
    s_filter_t f = {self, org && *org ? org : NULL, window && *window ? window : NULL, NULL};
    size_t count = self->instance_count;
    f.instance_ok = pw_calloc (count + 1, sizeof (bool));
    for (size_t i = 0; i < count; i++)
        f.instance_ok [i] = s_instance_window_ok (&f, (int)i) && !f.org;
    if (f.org)
        for (size_t a = 0; a < self->agent_count; a++) {
            const pw_plan_slot_t *slot = pw_plan_slot (self->plan, (int)a);
            if (slot->status == PW_SLOT_PLANNED && s_org_ok (&f, (int)a) &&
                s_instance_window_ok (&f, slot->instance))
                f.instance_ok [slot->instance] = true;
        }
    int *order = pw_calloc (count + 1, sizeof (int));
    for (size_t i = 0; i < count; i++)
        order [i] = (int)i;
    qsort_r (order, count, sizeof (int), s_instance_order, (void *)self);

    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, "{\"cycle\":");
    pw_strbuf_append_json (&out, self->cycle);
    pw_strbuf_append (&out, ",\"instances\":[");
    bool first = true;
    for (size_t k = 0; k < count; k++) {
        int i = order [k];
        if (!f.instance_ok [i])
            continue;
        const s_inst_t *inst = &self->insts [self->instance_inst [i]];
        pw_strbuf_append (&out, first ? "{\"window\":" : ",{\"window\":");
        first = false;
        pw_strbuf_append_json (&out, inst->window->name);
        pw_strbuf_append (&out, ",\"group\":");
        pw_strbuf_append_json (&out, inst->window->group);
        if (inst->window->group)
            pw_strbuf_appendf (&out, ",\"position\":%d", inst->window->position);
        else
            pw_strbuf_append (&out, ",\"position\":null");
        pw_strbuf_append (&out, ",\"start_utc\":");
        s_time (&out, inst->wi.start);
        pw_strbuf_append (&out, ",\"end_utc\":");
        s_time (&out, inst->wi.end);
        pw_strbuf_append (&out, ",\"start_local\":");
        pw_strbuf_append_json (&out, inst->wi.local_start);
        pw_strbuf_append (&out, ",\"tz\":");
        pw_strbuf_append_json (&out, inst->wi.tz);
        pw_strbuf_append (&out, ",\"waves\":[");
        size_t waves = pw_plan_wave_count (self->plan, i);
        for (size_t w = 1; w <= waves; w++) {
            size_t n = 0;
            const int *members = pw_plan_wave (self->plan, i, (int)w, &n, NULL, NULL);
            pw_strbuf_append (&out, w > 1 ? ",[" : "[");
            bool first_name = true;
            for (size_t m = 0; m < n; m++) {
                if (!s_org_ok (&f, members [m]))
                    continue;
                if (!first_name)
                    pw_strbuf_append (&out, ",");
                first_name = false;
                pw_strbuf_append_json (&out, self->agents [members [m]].name);
            }
            pw_strbuf_append (&out, "]");
        }
        pw_strbuf_append (&out, "]}");
    }
    pw_strbuf_append (&out, "],\"unscheduled\":[");
    first = true;
    for (size_t a = 0; a < self->agent_count; a++) {
        if (pw_plan_slot (self->plan, (int)a)->status != PW_SLOT_UNSCHEDULED ||
            !s_agent_ok (&f, (int)a))
            continue;
        pw_strbuf_append (&out, first ? "{\"agent\":" : ",{\"agent\":");
        first = false;
        pw_strbuf_append_json (&out, self->agents [a].name);
        pw_strbuf_append (&out, ",\"reason\":");
        pw_strbuf_append_json (&out, s_reason (self, (int)a));
        pw_strbuf_append (&out, "}");
    }
    pw_strbuf_append (&out, "],\"violations\":[");
    first = true;
    for (size_t i = 0; i < self->violation_count; i++) {
        const s_violation_t *v = &self->violations [i];
        bool org_ok =
            !f.org || (v->agent >= 0 && s_org_ok (&f, v->agent)) ||
            (v->other >= 0 && s_org_ok (&f, v->other)) ||
            (v->agent < 0 && v->other < 0 && v->instance >= 0 && f.instance_ok [v->instance]);
        bool window_ok = !f.window ||
                         (v->instance >= 0 && s_instance_window_ok (&f, v->instance)) ||
                         (v->agent >= 0 && s_agent_window_ok (&f, v->agent)) ||
                         (v->other >= 0 && s_agent_window_ok (&f, v->other)) ||
                         (v->window && strcmp (v->window, f.window) == 0);
        if (!org_ok || !window_ok)
            continue;
        pw_strbuf_append (&out, first ? "{\"code\":" : ",{\"code\":");
        first = false;
        pw_strbuf_append_json (&out, v->code);
        pw_strbuf_append (&out, ",\"agent\":");
        pw_strbuf_append_json (&out, s_name (self, v->agent));
        pw_strbuf_append (&out, ",\"other\":");
        pw_strbuf_append_json (&out, s_name (self, v->other));
        pw_strbuf_append (&out, ",\"detail\":");
        pw_strbuf_append_json (&out, v->detail);
        pw_strbuf_append (&out, "}");
    }
    pw_strbuf_append (&out, "],\"scans\":[");
    first = true;
    for (size_t a = 0; a < self->agent_count; a++) {
        if (!self->meta [a].has_scan || !s_agent_ok (&f, (int)a))
            continue;
        pw_strbuf_append (&out, first ? "{\"agent\":" : ",{\"agent\":");
        first = false;
        pw_strbuf_append_json (&out, self->agents [a].name);
        pw_strbuf_append (&out, ",\"at_utc\":");
        s_time (&out, self->meta [a].scan_at);
        pw_strbuf_append (&out, "}");
    }
    pw_strbuf_append (&out, "]}");
    free (order);
    free (f.instance_ok);
    return pw_strbuf_take (&out);
}

static void
s_opt_time (pw_strbuf_t *out, const char *key, bool set, int64_t t)
{
    if (set)
        pw_strbuf_appendf (out, ",\"%s\":%" PRId64, key, t);
    else
        pw_strbuf_appendf (out, ",\"%s\":null", key);
}

char *
sched_plan_agent_rows (const sched_plan_t *self)
{
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, "[");
    for (size_t a = 0; a < self->agent_count; a++) {
        const s_agent_t *meta = &self->meta [a];
        const sched_agent_t *src = &self->inputs->agents [meta->src];
        const pw_plan_slot_t *slot = pw_plan_slot (self->plan, (int)a);
        bool planned = slot->status == PW_SLOT_PLANNED;
        pw_strbuf_appendf (&out, "%s{\"agent_id\":%" PRId64 ",\"hostname\":", a ? "," : "",
                           src->id);
        pw_strbuf_append_json (&out, src->hostname);
        pw_strbuf_append (&out, ",\"org\":");
        pw_strbuf_append_json (&out, src->org);
        pw_strbuf_appendf (&out,
                           ",\"status\":\"%s\",\"reason\":", planned ? "planned" : "unscheduled");
        pw_strbuf_append_json (&out, s_reason (self, (int)a));
        const s_inst_t *inst = planned ? &self->insts [self->instance_inst [slot->instance]] : NULL;
        pw_strbuf_append (&out, ",\"window\":");
        pw_strbuf_append_json (&out, inst ? inst->window->name : NULL);
        pw_strbuf_append (&out, ",\"window_group\":");
        pw_strbuf_append_json (&out, inst ? inst->window->group : NULL);
        if (planned && slot->position > 0)
            pw_strbuf_appendf (&out, ",\"position\":%d", slot->position);
        else
            pw_strbuf_append (&out, ",\"position\":null");
        if (planned)
            pw_strbuf_appendf (&out, ",\"wave\":%d", slot->wave);
        else
            pw_strbuf_append (&out, ",\"wave\":null");
        s_opt_time (&out, "start_utc", planned, slot->start_utc);
        s_opt_time (&out, "end_utc", planned, slot->end_utc);
        s_opt_time (&out, "wave_end_utc", planned, slot->wave_end_utc);
        pw_strbuf_append (&out, ",\"timezone\":");
        pw_strbuf_append_json (&out, inst ? inst->wi.tz : meta->tz);
        s_opt_time (&out, "scan_utc", meta->has_scan, meta->scan_at);
        if (meta->health_timeout >= 0)
            pw_strbuf_appendf (&out, ",\"health_timeout_s\":%d}", meta->health_timeout);
        else
            pw_strbuf_append (&out, ",\"health_timeout_s\":null}");
    }
    pw_strbuf_append (&out, "]");
    return pw_strbuf_take (&out);
}

static void
s_opt_id (pw_strbuf_t *out, const sched_plan_t *self, const char *key, int agent)
{
    if (agent >= 0)
        pw_strbuf_appendf (out, ",\"%s\":%" PRId64, key,
                           self->inputs->agents [self->meta [agent].src].id);
    else
        pw_strbuf_appendf (out, ",\"%s\":null", key);
}

char *
sched_plan_violation_rows (const sched_plan_t *self)
{
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_append (&out, "[");
    for (size_t i = 0; i < self->violation_count; i++) {
        const s_violation_t *v = &self->violations [i];
        pw_strbuf_appendf (&out, "%s{\"ordinal\":%zu,\"code\":\"%s\"", i ? "," : "", i + 1,
                           v->code);
        s_opt_id (&out, self, "agent_id", v->agent);
        s_opt_id (&out, self, "other_agent_id", v->other);
        pw_strbuf_append (&out, ",\"window\":");
        pw_strbuf_append_json (&out, v->window);
        pw_strbuf_append (&out, ",\"members\":[");
        for (size_t m = 0; m < v->member_count; m++) {
            if (m)
                pw_strbuf_append (&out, ",");
            pw_strbuf_append_json (&out, self->agents [v->members [m]].name);
        }
        pw_strbuf_append (&out, "],\"detail\":");
        pw_strbuf_append_json (&out, v->detail);
        pw_strbuf_append (&out, "}");
    }
    pw_strbuf_append (&out, "]");
    return pw_strbuf_take (&out);
}

char *
sched_plan_ready_payload (const sched_plan_t *self)
{
    return pw_sprintf ("{\"cycle\":\"%s\",\"anchor\":\"%s\",\"agents\":%zu,\"planned\":%zu,"
                       "\"unscheduled\":%zu,\"violations\":%zu}",
                       self->cycle, self->anchor, self->agent_count, self->planned,
                       self->agent_count - self->planned, self->violation_count);
}

char *
sched_plan_violations_payload (const sched_plan_t *self)
{
    static const char *codes [] = {"DEPENDENCY_CYCLE",     "DEPENDENCY_ORDER", "CHAIN_TOO_DEEP",
                                   "WINDOW_OVER_CAPACITY", "WINDOW_OVERRUN",   "SCAN_GAP",
                                   "STALE_SCAN",           "UNKNOWN_WINDOW"};
    pw_strbuf_t out;
    pw_strbuf_init (&out);
    pw_strbuf_appendf (&out, "{\"cycle\":\"%s\",\"violations\":%zu,\"counts\":{", self->cycle,
                       self->violation_count);
    bool first = true;
    for (size_t c = 0; c < sizeof codes / sizeof codes [0]; c++) {
        size_t n = 0;
        for (size_t i = 0; i < self->violation_count; i++)
            if (strcmp (self->violations [i].code, codes [c]) == 0)
                n++;
        if (n) {
            pw_strbuf_appendf (&out, "%s\"%s\":%zu", first ? "" : ",", codes [c], n);
            first = false;
        }
    }
    pw_strbuf_append (&out, "}}");
    return pw_strbuf_take (&out);
}
