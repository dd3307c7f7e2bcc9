/*  pw_plan - dependency-ordered placement, waves and plan violations.

    The steps, each linear in agents + edges apart from the sorts:
    1. status: unsubscribed, windowless and cycle agents are unscheduled;
    2. fixed-window agents take their instance;
    3. each window group is layered by longest path, then walked position by
       position: a window over capacity pushes its agents with slack one
       window later (their dependents follow), and layers past the last
       window stay in the last window;
    4. each instance is cut into waves: dependency levels among the
       instance's own agents, split into runs of at most `capacity`;
    5. every edge is checked against the resulting times.
    Sorting by name (ties by index) is what keeps the output stable.
*/
#include "pw_plan.h"
#include "pw_util.h"

#include <assert.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

//  A growable list of agent indices.
typedef struct {
    int *items;
    size_t count;
    size_t cap;
} s_list_t;

typedef struct {
    int instance;
    size_t first; //  into wave_agents
    size_t count;
    int64_t start;
    int64_t end;
} s_wave_t;

struct _pw_plan_t {
    size_t agent_count;
    pw_plan_agent_t *agents;
    size_t instance_count;
    pw_plan_instance_t *instances;
    size_t group_count;
    pw_plan_group_t *groups;
    size_t *group_size;
    int default_duration_min;

    char *names; //  every agent's name and org, one block
    int *rank;   //  agent -> place in name order (ties by index)
    pw_graph_t *graph;
    pw_plan_slot_t *slots;

    int *wave_agents; //  planned agents by instance, wave, name
    s_wave_t *waves;
    size_t wave_count;
    size_t *first_wave; //  per instance
    size_t *wave_total; //  per instance

    pw_plan_violation_t *violations;
    size_t violation_count;
    size_t violation_cap;

    //  Scratch for building, freed before pw_plan_new returns.
    int *earliest;
    int *latest;
    int *pending;
    int *ready;
    size_t *held; //  agents per instance
};

static const char *const s_reason_unsubscribed = "not subscribed";
static const char *const s_reason_no_window = "no window";
static const char *const s_reason_no_instance = "no window instance this cycle";
static const char *const s_reason_cycle = "dependency cycle";

static void
s_list_push (s_list_t *list, int item)
{
    if (list->count == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 16;
        list->items = pw_realloc (list->items, list->cap * sizeof (int));
    }
    list->items [list->count++] = item;
}

//  ----------------------------------------------------------------------
//  Input checks and copies

static char *
s_check_input (const pw_plan_input_t *in)
{
    if (!in)
        return pw_strdup ("plan input is missing");
    if ((in->agent_count && !in->agents) || (in->instance_count && !in->instances) ||
        (in->group_count && !in->groups) || (in->edge_count && !in->edges))
        return pw_strdup ("plan input has a count without its array");
    if (in->agent_count > INT_MAX || in->instance_count > INT_MAX || in->group_count > INT_MAX)
        return pw_strdup ("plan input is too large");

    for (size_t i = 0; i < in->instance_count; i++) {
        const pw_plan_instance_t *inst = &in->instances [i];
        if (!inst->window)
            return pw_sprintf ("window instance %zu has no window name", i);
        if (inst->end_utc < inst->start_utc)
            return pw_sprintf ("window instance %zu (%s) ends before it starts", i, inst->window);
    }
    for (size_t g = 0; g < in->group_count; g++) {
        const pw_plan_group_t *group = &in->groups [g];
        if (!group->name)
            return pw_sprintf ("window group %zu has no name", g);
        if (group->instance_count && !group->instances)
            return pw_sprintf ("window group %s has a count without its instances", group->name);
        for (size_t k = 0; k < group->instance_count; k++)
            if (group->instances [k] < 0 || (size_t)group->instances [k] >= in->instance_count)
                return pw_sprintf ("window group %s position %zu names instance %d, but there "
                                   "are %zu",
                                   group->name, k + 1, group->instances [k], in->instance_count);
        if (group->policy != PW_FAILURE_HOLD_DEPENDENTS && group->policy != PW_FAILURE_STOP &&
            group->policy != PW_FAILURE_CONTINUE)
            return pw_sprintf ("window group %s has an unknown failure policy %d", group->name,
                               (int)group->policy);
        if (group->budget_kind == PW_BUDGET_COUNT && group->budget < 0)
            return pw_sprintf ("window group %s has a negative error budget", group->name);
        if (group->budget_kind == PW_BUDGET_PERCENT && (group->budget < 0 || group->budget > 100))
            return pw_sprintf ("window group %s has an error budget of %d%%, not 0..100",
                               group->name, group->budget);
        if (group->budget_kind != PW_BUDGET_NONE && group->budget_kind != PW_BUDGET_COUNT &&
            group->budget_kind != PW_BUDGET_PERCENT)
            return pw_sprintf ("window group %s has an unknown budget kind %d", group->name,
                               (int)group->budget_kind);
    }
    for (size_t i = 0; i < in->agent_count; i++) {
        const pw_plan_agent_t *agent = &in->agents [i];
        if (!agent->name)
            return pw_sprintf ("agent %zu has no name", i);
        if (agent->group < -1 || (agent->group >= 0 && (size_t)agent->group >= in->group_count))
            return pw_sprintf ("agent %s names window group %d, but there are %zu", agent->name,
                               agent->group, in->group_count);
        if (agent->instance < -1 ||
            (agent->instance >= 0 && (size_t)agent->instance >= in->instance_count))
            return pw_sprintf ("agent %s names window instance %d, but there are %zu", agent->name,
                               agent->instance, in->instance_count);
        if (agent->group >= 0 && agent->instance >= 0)
            return pw_sprintf ("agent %s names both a window group and a fixed window",
                               agent->name);
    }
    for (size_t e = 0; e < in->edge_count; e++) {
        const pw_plan_edge_t *edge = &in->edges [e];
        if (edge->agent < 0 || (size_t)edge->agent >= in->agent_count || edge->depends_on < 0 ||
            (size_t)edge->depends_on >= in->agent_count)
            return pw_sprintf ("dependency %zu (%d on %d) names an unknown agent; there are %zu", e,
                               edge->agent, edge->depends_on, in->agent_count);
    }
    return NULL;
}

//  Copies TEXT to *AT and moves *AT past it; NULL stays NULL.
static const char *
s_copy_text (char **at, const char *text)
{
    if (!text)
        return NULL;
    size_t len = strlen (text) + 1;
    char *copy = memcpy (*at, text, len);
    *at += len;
    return copy;
}

static void
s_copy_input (pw_plan_t *self, const pw_plan_input_t *in)
{
    self->agent_count = in->agent_count;
    self->agents = pw_calloc (in->agent_count + 1, sizeof (pw_plan_agent_t));
    //  The names and orgs of every agent in one block, the orgs shared.
    size_t size = 1;
    for (size_t i = 0; i < in->agent_count; i++) {
        size += strlen (in->agents [i].name) + 1;
        if (in->agents [i].org && (i == 0 || !in->agents [i - 1].org ||
                                   strcmp (in->agents [i].org, in->agents [i - 1].org) != 0))
            size += strlen (in->agents [i].org) + 1;
    }
    self->names = pw_malloc (size);
    char *at = self->names;
    for (size_t i = 0; i < in->agent_count; i++) {
        self->agents [i] = in->agents [i];
        self->agents [i].name = s_copy_text (&at, in->agents [i].name);
        if (i > 0 && in->agents [i].org && in->agents [i - 1].org &&
            strcmp (in->agents [i].org, in->agents [i - 1].org) == 0)
            self->agents [i].org = self->agents [i - 1].org;
        else
            self->agents [i].org = s_copy_text (&at, in->agents [i].org);
    }
    self->instance_count = in->instance_count;
    self->instances = pw_calloc (in->instance_count, sizeof (pw_plan_instance_t));
    for (size_t i = 0; i < in->instance_count; i++) {
        self->instances [i] = in->instances [i];
        self->instances [i].window = pw_strdup (in->instances [i].window);
    }
    self->group_count = in->group_count;
    self->groups = pw_calloc (in->group_count, sizeof (pw_plan_group_t));
    self->group_size = pw_calloc (in->group_count, sizeof (size_t));
    for (size_t g = 0; g < in->group_count; g++) {
        self->groups [g] = in->groups [g];
        self->groups [g].name = pw_strdup (in->groups [g].name);
        int *instances = pw_calloc (in->groups [g].instance_count, sizeof (int));
        if (in->groups [g].instance_count)
            memcpy (instances, in->groups [g].instances,
                    in->groups [g].instance_count * sizeof (int));
        self->groups [g].instances = instances;
    }
    self->default_duration_min = in->default_duration_min > 0 ? in->default_duration_min : 60;
}

//  ----------------------------------------------------------------------
//  Small helpers

static int64_t
s_duration (const pw_plan_t *self, int agent)
{
    int minutes = self->agents [agent].duration_min;
    return (int64_t)(minutes > 0 ? minutes : self->default_duration_min) * 60;
}

static bool
s_planned (const pw_plan_t *self, int agent)
{
    return self->slots [agent].status == PW_SLOT_PLANNED;
}

//  Name order, ties (which a tenant should not have) by index.
static int
s_name_cmp (const pw_plan_t *self, int a, int b)
{
    return (self->rank [a] > self->rank [b]) - (self->rank [a] < self->rank [b]);
}

static int
s_by_name (const void *a, const void *b, void *arg)
{
    return s_name_cmp (arg, *(const int *)a, *(const int *)b);
}

static int
s_by_name_text (const void *a, const void *b, void *arg)
{
    const pw_plan_t *self = arg;
    int x = *(const int *)a, y = *(const int *)b;
    int cmp = strcmp (self->agents [x].name, self->agents [y].name);
    return cmp ? cmp : (x > y) - (x < y);
}

//  Every agent's place in name order, so that name comparisons are integer
//  ones. Agents usually come sorted by name already: then it is the index.
static void
s_rank_names (pw_plan_t *self)
{
    size_t n = self->agent_count;
    self->rank = pw_malloc ((n ? n : 1) * sizeof (int));
    bool sorted = true;
    for (size_t i = 1; i < n && sorted; i++)
        sorted = strcmp (self->agents [i - 1].name, self->agents [i].name) <= 0;
    if (sorted) {
        for (size_t i = 0; i < n; i++)
            self->rank [i] = (int)i;
        return;
    }
    int *order = pw_malloc (n * sizeof (int));
    for (size_t i = 0; i < n; i++)
        order [i] = (int)i;
    qsort_r (order, n, sizeof (int), s_by_name_text, self);
    for (size_t i = 0; i < n; i++)
        self->rank [order [i]] = (int)i;
    free (order);
}

static char *
s_digits (char *at, int value, int width)
{
    for (int i = width - 1; i >= 0; i--, value /= 10)
        at [i] = (char)('0' + value % 10);
    return at + width;
}

//  "2024-06-15 20:00Z" into BUF (at least 32 bytes); by hand for years
//  1000 to 9999, by strftime for the others.
static void
s_format_time (int64_t when, char *buf, size_t size)
{
    int64_t days = when >= 0 ? when / 86400 : (when - 86399) / 86400;
    int secs = (int)(when - days * 86400);
    //  Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int day = (int)(doy - (153 * mp + 2) / 5 + 1);
    int month = (int)(mp < 10 ? mp + 3 : mp - 9);
    int64_t year = yoe + era * 400 + (month <= 2);
    if (year < 1000 || year > 9999 || size < 18) {
        time_t t = (time_t)when;
        struct tm tm;
        if (!gmtime_r (&t, &tm) || strftime (buf, size, "%Y-%m-%d %H:%MZ", &tm) == 0)
            snprintf (buf, size, "@%lld", (long long)when);
        return;
    }
    char *at = s_digits (buf, (int)year, 4);
    *at++ = '-';
    at = s_digits (at, month, 2);
    *at++ = '-';
    at = s_digits (at, day, 2);
    *at++ = ' ';
    at = s_digits (at, secs / 3600, 2);
    *at++ = ':';
    at = s_digits (at, secs / 60 % 60, 2);
    *at++ = 'Z';
    *at = '\0';
}

static pw_plan_violation_t *
s_violation_add (pw_plan_t *self, pw_plan_code_t code, int agent, int other, char *detail)
{
    if (self->violation_count == self->violation_cap) {
        self->violation_cap = self->violation_cap ? self->violation_cap * 2 : 16;
        self->violations =
            pw_realloc (self->violations, self->violation_cap * sizeof (pw_plan_violation_t));
    }
    pw_plan_violation_t *v = &self->violations [self->violation_count++];
    memset (v, 0, sizeof *v);
    v->code = code;
    v->agent = agent;
    v->other = other;
    v->instance = -1;
    v->group = -1;
    v->detail = detail;
    return v;
}

//  Appends the names of LIST to BUF, at most LIMIT of them.
static void
s_append_names (const pw_plan_t *self, pw_strbuf_t *buf, const int *list, size_t count,
                const char *separator, size_t limit)
{
    for (size_t i = 0; i < count && i < limit; i++) {
        if (i)
            pw_strbuf_append (buf, separator);
        pw_strbuf_append (buf, self->agents [list [i]].name);
    }
    if (count > limit)
        pw_strbuf_appendf (buf, "%s... (%zu more)", separator, count - limit);
}

//  ----------------------------------------------------------------------
//  1. Status and cycles

static void
s_set_status (pw_plan_t *self)
{
    for (size_t i = 0; i < self->agent_count; i++) {
        const pw_plan_agent_t *agent = &self->agents [i];
        pw_plan_slot_t *slot = &self->slots [i];
        slot->instance = -1;
        slot->status = PW_SLOT_UNSCHEDULED;
        if (!agent->subscribed)
            slot->reason = s_reason_unsubscribed;
        else if (agent->group < 0 && agent->instance < 0)
            slot->reason = s_reason_no_window;
        else if (agent->group >= 0 && self->groups [agent->group].instance_count == 0)
            slot->reason = s_reason_no_instance;
        else if (pw_graph_on_cycle (self->graph, (int)i))
            slot->reason = s_reason_cycle;
        else {
            slot->status = PW_SLOT_PLANNED;
            slot->reason = "";
        }
    }
}

//  Shortest cycle through START inside its component, as a list that starts
//  and ends with START, written into PATH (capacity: component size + 1).
//  Breadth-first over dependencies; PARENT and SEEN are scratch of size N.
static size_t
s_cycle_path (const pw_plan_t *self, int start, int *path, int *parent, bool *seen, int *queue)
{
    const pw_graph_t *graph = self->graph;
    if (pw_graph_has_self_loop (graph, start)) {
        path [0] = path [1] = start;
        return 2;
    }
    size_t comp = pw_graph_component (graph, start);
    size_t head = 0, tail = 0;
    int last = -1;
    queue [tail++] = start;
    seen [start] = true;
    while (head < tail && last < 0) {
        int u = queue [head++];
        size_t count;
        const int *deps = pw_graph_depends_on (graph, u, &count);
        for (size_t i = 0; i < count; i++) {
            int w = deps [i];
            if (pw_graph_component (graph, w) != comp)
                continue;
            if (w == start) {
                last = u;
                break;
            }
            if (!seen [w]) {
                seen [w] = true;
                parent [w] = u;
                queue [tail++] = w;
            }
        }
    }
    for (size_t i = 0; i < tail; i++)
        seen [queue [i]] = false;
    assert (last >= 0); //  a component of two or more always closes
    //  Walk back from LAST to START, then reverse into PATH.
    size_t len = 0;
    path [len++] = start;
    for (int v = last; v != start; v = parent [v])
        path [len++] = v;
    path [len++] = start;
    for (size_t i = 1, j = len - 2; i < j; i++, j--) {
        int t = path [i];
        path [i] = path [j];
        path [j] = t;
    }
    return len;
}

static void
s_report_cycles (pw_plan_t *self)
{
    size_t cycles = pw_graph_cycle_count (self->graph);
    if (!cycles)
        return;
    size_t n = self->agent_count;
    int *parent = pw_malloc (n * sizeof (int));
    int *queue = pw_malloc (n * sizeof (int));
    bool *seen = pw_calloc (n, sizeof (bool));
    int *path = pw_malloc ((n + 1) * sizeof (int));
    for (size_t k = 0; k < cycles; k++) {
        size_t count;
        const int *members = pw_graph_cycle (self->graph, k, &count);
        int *sorted = pw_malloc (count * sizeof (int));
        memcpy (sorted, members, count * sizeof (int));
        qsort_r (sorted, count, sizeof (int), s_by_name, self);
        size_t len = s_cycle_path (self, sorted [0], path, parent, seen, queue);

        pw_strbuf_t buf;
        pw_strbuf_init (&buf);
        pw_strbuf_appendf (&buf, "dependency cycle of %zu agent%s: ", count, count == 1 ? "" : "s");
        s_append_names (self, &buf, path, len, " -> ", 24);
        pw_strbuf_append (&buf, " (-> means waits for); none of them is scheduled");
        pw_plan_violation_t *v =
            s_violation_add (self, PW_PLAN_DEPENDENCY_CYCLE, sorted [0], -1, pw_strbuf_take (&buf));
        v->members = sorted;
        v->member_count = count;
        v->amount = (int64_t)count;
    }
    free (parent);
    free (queue);
    free (seen);
    free (path);
}

//  ----------------------------------------------------------------------
//  3. Window groups

static bool
s_in_group (const pw_plan_t *self, int agent, int group)
{
    return s_planned (self, agent) && self->agents [agent].group == group;
}

typedef struct {
    const pw_plan_t *plan;
    int position;
} s_slack_ctx_t;

//  Least slack first, so the agents that may move are at the tail.
static int
s_by_slack (const void *a, const void *b, void *arg)
{
    const s_slack_ctx_t *ctx = arg;
    int x = *(const int *)a, y = *(const int *)b;
    int sx = ctx->plan->latest [x] - ctx->position;
    int sy = ctx->plan->latest [y] - ctx->position;
    if (sx != sy)
        return sx < sy ? -1 : 1;
    return s_name_cmp (ctx->plan, x, y);
}

static void
s_report_chain (pw_plan_t *self, int g, const s_list_t *members, int depth)
{
    const pw_plan_group_t *group = &self->groups [g];
    int windows = (int)group->instance_count;
    s_list_t beyond = {0};
    int deepest = -1;
    for (size_t i = 0; i < members->count; i++) {
        int a = members->items [i];
        if (self->slots [a].position > windows)
            s_list_push (&beyond, a);
        if (self->slots [a].position == depth && (deepest < 0 || s_name_cmp (self, a, deepest) < 0))
            deepest = a;
    }
    qsort_r (beyond.items, beyond.count, sizeof (int), s_by_name, self);

    //  The chain that ends in DEEPEST: at each step the dependency placed
    //  last (ties by name), which is the one that set the position.
    s_list_t chain = {0};
    for (int a = deepest; a >= 0;) {
        s_list_push (&chain, a);
        int best = -1;
        size_t count;
        const int *deps = pw_graph_depends_on (self->graph, a, &count);
        for (size_t i = 0; i < count; i++) {
            int d = deps [i];
            if (!s_in_group (self, d, g))
                continue;
            if (best < 0 || self->slots [d].position > self->slots [best].position ||
                (self->slots [d].position == self->slots [best].position &&
                 s_name_cmp (self, d, best) < 0))
                best = d;
        }
        a = best;
    }
    for (size_t i = 0, j = chain.count - 1; i < j; i++, j--) {
        int t = chain.items [i];
        chain.items [i] = chain.items [j];
        chain.items [j] = t;
    }
    int last = group->instances [windows - 1];
    pw_strbuf_t buf;
    pw_strbuf_init (&buf);
    pw_strbuf_appendf (
        &buf, "dependency chain of depth %d in window group %s, which has %d window%s: ", depth,
        group->name, windows, windows == 1 ? "" : "s");
    s_append_names (self, &buf, chain.items, chain.count, " then ", 24);
    pw_strbuf_appendf (&buf, "; positions %d..%d run as extra waves in %s: ", windows + 1, depth,
                       self->instances [last].window);
    s_append_names (self, &buf, beyond.items, beyond.count, ", ", 24);
    pw_plan_violation_t *v =
        s_violation_add (self, PW_PLAN_CHAIN_TOO_DEEP, deepest, -1, pw_strbuf_take (&buf));
    v->group = g;
    v->instance = last;
    v->members = beyond.items;
    v->member_count = beyond.count;
    v->amount = depth;
    v->limit = windows;
    free (chain.items);
}

//  Longest-path layering, then a walk over positions that moves agents with
//  slack one window later while a window is over capacity. An agent's slack
//  is LATEST - position: LATEST is the last position it can take so that
//  every dependent still fits by the group's last position (or by the
//  chain's depth when that is deeper). Pushing an agent within its slack
//  never pushes a dependent past the dependent's own LATEST.
static void
s_place_group (pw_plan_t *self, int g)
{
    const pw_plan_group_t *group = &self->groups [g];
    const pw_graph_t *graph = self->graph;
    const int *order = pw_graph_order (graph);
    int windows = (int)group->instance_count;
    if (windows == 0)
        return; //  its agents are unscheduled ("no window instance this cycle")

    s_list_t members = {0};
    for (size_t i = 0; i < self->agent_count; i++)
        if (s_in_group (self, order [i], g))
            s_list_push (&members, order [i]);
    if (members.count == 0) {
        free (members.items);
        return;
    }

    int depth = 0;
    for (size_t i = 0; i < members.count; i++) {
        int a = members.items [i], e = 1, in_deps = 0;
        size_t count;
        const int *deps = pw_graph_depends_on (graph, a, &count);
        for (size_t k = 0; k < count; k++)
            if (s_in_group (self, deps [k], g)) {
                in_deps++;
                if (self->earliest [deps [k]] + 1 > e)
                    e = self->earliest [deps [k]] + 1;
            }
        self->earliest [a] = e;
        self->pending [a] = in_deps;
        self->ready [a] = 1;
        if (e > depth)
            depth = e;
    }
    int last_position = depth > windows ? depth : windows;
    for (size_t i = members.count; i-- > 0;) {
        int a = members.items [i], l = last_position;
        size_t count;
        const int *dependents = pw_graph_dependents (graph, a, &count);
        for (size_t k = 0; k < count; k++)
            if (s_in_group (self, dependents [k], g) && self->latest [dependents [k]] - 1 < l)
                l = self->latest [dependents [k]] - 1;
        self->latest [a] = l;
    }

    s_list_t *buckets = pw_calloc ((size_t)last_position + 2, sizeof (s_list_t));
    for (size_t i = 0; i < members.count; i++)
        if (self->pending [members.items [i]] == 0)
            s_list_push (&buckets [1], members.items [i]);

    for (int p = 1; p <= last_position; p++) {
        s_list_t *bucket = &buckets [p];
        int inst = group->instances [(p < windows ? p : windows) - 1];
        int capacity = self->instances [inst].capacity;
        size_t stay = bucket->count;
        if (p < windows && capacity > 0 && self->held [inst] + bucket->count > (size_t)capacity) {
            s_slack_ctx_t ctx = {self, p};
            qsort_r (bucket->items, bucket->count, sizeof (int), s_by_slack, &ctx);
            size_t room =
                self->held [inst] < (size_t)capacity ? (size_t)capacity - self->held [inst] : 0;
            stay = 0;
            for (size_t i = 0; i < bucket->count; i++) {
                int a = bucket->items [i];
                if (i < room || self->latest [a] == p)
                    bucket->items [stay++] = a; //  stays (no slack, or fits)
                else
                    s_list_push (&buckets [p + 1], a);
            }
        }
        for (size_t i = 0; i < stay; i++) {
            int a = bucket->items [i];
            self->slots [a].position = p;
            self->slots [a].instance = inst;
            self->held [inst]++;
            size_t count;
            const int *dependents = pw_graph_dependents (graph, a, &count);
            for (size_t k = 0; k < count; k++) {
                int c = dependents [k];
                if (!s_in_group (self, c, g))
                    continue;
                if (self->ready [c] < p + 1)
                    self->ready [c] = p + 1;
                if (--self->pending [c] == 0)
                    s_list_push (&buckets [self->ready [c]], c);
            }
        }
    }
    int deepest = 0;
    for (size_t i = 0; i < members.count; i++) {
        assert (self->slots [members.items [i]].position > 0);
        if (self->slots [members.items [i]].position > deepest)
            deepest = self->slots [members.items [i]].position;
    }
    if (deepest > windows)
        s_report_chain (self, g, &members, deepest);

    for (int p = 0; p <= last_position + 1; p++)
        free (buckets [p].items);
    free (buckets);
    free (members.items);
}

//  ----------------------------------------------------------------------
//  4. Waves

static void
s_build_waves (pw_plan_t *self)
{
    const pw_graph_t *graph = self->graph;
    const int *order = pw_graph_order (graph);
    size_t planned = 0;
    //  Level inside the instance: 1 + the deepest dependency in the same
    //  instance. ORDER puts dependencies first, so one pass does it.
    for (size_t i = 0; i < self->agent_count; i++) {
        int a = order [i];
        if (!s_planned (self, a))
            continue;
        planned++;
        int level = 1;
        size_t count;
        const int *deps = pw_graph_depends_on (graph, a, &count);
        for (size_t k = 0; k < count; k++) {
            int d = deps [k];
            if (s_planned (self, d) && self->slots [d].instance == self->slots [a].instance &&
                self->slots [d].wave + 1 > level)
                level = self->slots [d].wave + 1;
        }
        self->slots [a].wave = level;
    }
    //  Planned agents by instance, level and name: the agents in name order,
    //  then two stable counting sorts, by level and then by instance.
    int *by_name = pw_malloc ((self->agent_count + 1) * sizeof (int));
    for (size_t i = 0; i < self->agent_count; i++)
        by_name [self->rank [i]] = (int)i;
    int *named = pw_malloc ((planned ? planned : 1) * sizeof (int));
    size_t fill = 0;
    int levels = 0;
    for (size_t i = 0; i < self->agent_count; i++)
        if (s_planned (self, by_name [i])) {
            named [fill++] = by_name [i];
            if (self->slots [by_name [i]].wave > levels)
                levels = self->slots [by_name [i]].wave;
        }
    size_t *first = pw_calloc ((size_t)levels + 2, sizeof (size_t));
    for (size_t i = 0; i < planned; i++)
        first [self->slots [named [i]].wave + 1]++;
    for (int l = 1; l <= levels; l++)
        first [l + 1] += first [l];
    int *by_level = pw_malloc ((planned ? planned : 1) * sizeof (int));
    for (size_t i = 0; i < planned; i++)
        by_level [first [self->slots [named [i]].wave]++] = named [i];
    free (first);
    first = pw_calloc (self->instance_count + 1, sizeof (size_t));
    for (size_t i = 0; i < planned; i++)
        first [self->slots [by_level [i]].instance + 1]++;
    for (size_t k = 1; k < self->instance_count; k++)
        first [k + 1] += first [k];
    self->wave_agents = pw_malloc ((planned ? planned : 1) * sizeof (int));
    for (size_t i = 0; i < planned; i++)
        self->wave_agents [first [self->slots [by_level [i]].instance]++] = by_level [i];
    free (first);
    free (by_level);
    free (named);
    free (by_name);

    self->first_wave = pw_calloc (self->instance_count, sizeof (size_t));
    self->wave_total = pw_calloc (self->instance_count, sizeof (size_t));
    self->waves = pw_malloc ((planned ? planned : 1) * sizeof (s_wave_t));
    size_t i = 0;
    while (i < planned) {
        int inst = self->slots [self->wave_agents [i]].instance;
        const pw_plan_instance_t *instance = &self->instances [inst];
        size_t per_wave = instance->capacity > 0 ? (size_t)instance->capacity : SIZE_MAX;
        int64_t clock = instance->start_utc;
        self->first_wave [inst] = self->wave_count;
        while (i < planned && self->slots [self->wave_agents [i]].instance == inst) {
            int level = self->slots [self->wave_agents [i]].wave;
            size_t level_end = i;
            while (level_end < planned &&
                   self->slots [self->wave_agents [level_end]].instance == inst &&
                   self->slots [self->wave_agents [level_end]].wave == level)
                level_end++;
            //  One dependency level, cut into waves of at most `capacity`.
            while (i < level_end) {
                size_t count = level_end - i < per_wave ? level_end - i : per_wave;
                s_wave_t *wave = &self->waves [self->wave_count++];
                wave->instance = inst;
                wave->first = i;
                wave->count = count;
                wave->start = clock;
                int64_t longest = 0;
                for (size_t k = i; k < i + count; k++)
                    if (s_duration (self, self->wave_agents [k]) > longest)
                        longest = s_duration (self, self->wave_agents [k]);
                wave->end = clock + longest;
                int number = (int)(self->wave_count - self->first_wave [inst]);
                for (size_t k = i; k < i + count; k++) {
                    int a = self->wave_agents [k];
                    self->slots [a].wave = number;
                    self->slots [a].start_utc = clock;
                    self->slots [a].end_utc = clock + s_duration (self, a);
                    self->slots [a].wave_end_utc = wave->end;
                }
                clock = wave->end;
                i += count;
            }
        }
        self->wave_total [inst] = self->wave_count - self->first_wave [inst];
        if (clock > instance->end_utc) {
            int64_t minutes = (clock - instance->end_utc + 59) / 60;
            char at [32], ends [32];
            s_format_time (instance->start_utc, at, sizeof at);
            s_format_time (instance->end_utc, ends, sizeof ends);
            pw_plan_violation_t *v = s_violation_add (
                self, PW_PLAN_WINDOW_OVERRUN, -1, -1,
                pw_sprintf ("window %s at %s: %zu wave%s expected to run %lld minute%s past its "
                            "end at %s",
                            instance->window, at, self->wave_total [inst],
                            self->wave_total [inst] == 1 ? "" : "s", (long long)minutes,
                            minutes == 1 ? "" : "s", ends));
            v->instance = inst;
            v->amount = minutes;
        }
    }
}

//  ----------------------------------------------------------------------
//  5. Capacity and order checks

static void
s_check_capacity (pw_plan_t *self)
{
    for (size_t i = 0; i < self->instance_count; i++) {
        const pw_plan_instance_t *instance = &self->instances [i];
        if (instance->capacity <= 0 || self->held [i] <= (size_t)instance->capacity)
            continue;
        char at [32];
        s_format_time (instance->start_utc, at, sizeof at);
        pw_plan_violation_t *v =
            s_violation_add (self, PW_PLAN_WINDOW_OVER_CAPACITY, -1, -1,
                             pw_sprintf ("window %s at %s holds %zu agents, capacity %d",
                                         instance->window, at, self->held [i], instance->capacity));
        v->instance = (int)i;
        v->amount = (int64_t)self->held [i];
        v->limit = instance->capacity;
    }
}

//  An agent in a window group needs its outside dependencies back before
//  the group's first window; any other agent needs each dependency back
//  before its instance starts, or, inside one instance or one group, before
//  its own wave starts (the waves and positions already wait for it).
static void
s_check_order (pw_plan_t *self)
{
    for (size_t i = 0; i < self->agent_count; i++) {
        int a = (int)i;
        if (!s_planned (self, a))
            continue;
        const pw_plan_agent_t *agent = &self->agents [a];
        const pw_plan_slot_t *slot = &self->slots [a];
        size_t count;
        const int *deps = pw_graph_depends_on (self->graph, a, &count);
        for (size_t k = 0; k < count; k++) {
            int d = deps [k];
            const pw_plan_slot_t *dep = &self->slots [d];
            const char *dep_name = self->agents [d].name;
            if (!s_planned (self, d)) {
                s_violation_add (self, PW_PLAN_DEPENDENCY_ORDER, a, d,
                                 pw_concat (agent->name, " depends on an unscheduled agent: ",
                                            dep_name, " (", dep->reason, ")", NULL));
                continue;
            }
            char back [32], need [32];
            const char *dep_window = self->instances [dep->instance].window;
            if (agent->group >= 0 && self->agents [d].group != agent->group) {
                const pw_plan_group_t *group = &self->groups [agent->group];
                int64_t first = self->instances [group->instances [0]].start_utc;
                if (dep->wave_end_utc > first) {
                    s_format_time (dep->wave_end_utc, back, sizeof back);
                    s_format_time (first, need, sizeof need);
                    s_violation_add (self, PW_PLAN_DEPENDENCY_ORDER, a, d,
                                     pw_concat (agent->name, " (window group ", group->name,
                                                ", first window at ", need, ") depends on ",
                                                dep_name, ", expected back at ", back, " from ",
                                                dep_window, NULL));
                }
                continue;
            }
            bool shared = dep->instance == slot->instance || agent->group >= 0;
            int64_t needed = shared ? slot->start_utc : self->instances [slot->instance].start_utc;
            if (dep->wave_end_utc > needed) {
                s_format_time (dep->wave_end_utc, back, sizeof back);
                s_format_time (needed, need, sizeof need);
                s_violation_add (self, PW_PLAN_DEPENDENCY_ORDER, a, d,
                                 pw_concat (agent->name, " starts at ", need, " in ",
                                            self->instances [slot->instance].window,
                                            ", before its dependency ", dep_name,
                                            " is expected back at ", back, " from ", dep_window,
                                            NULL));
            }
        }
    }
}

//  Code, then agent name, then other name; instance-level ones by instance
//  start. KEYS holds the original position so the sort is stable.
static int
s_by_violation (const void *a, const void *b, void *arg)
{
    const pw_plan_t *self = arg;
    size_t ia = *(const size_t *)a, ib = *(const size_t *)b;
    const pw_plan_violation_t *x = &self->violations [ia], *y = &self->violations [ib];
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    if (x->agent != y->agent) {
        if (x->agent < 0 || y->agent < 0)
            return x->agent < 0 ? -1 : 1;
        return s_name_cmp (self, x->agent, y->agent);
    }
    if (x->other != y->other) {
        if (x->other < 0 || y->other < 0)
            return x->other < 0 ? -1 : 1;
        return s_name_cmp (self, x->other, y->other);
    }
    if (x->instance != y->instance && x->instance >= 0 && y->instance >= 0) {
        int64_t sx = self->instances [x->instance].start_utc;
        int64_t sy = self->instances [y->instance].start_utc;
        if (sx != sy)
            return sx < sy ? -1 : 1;
    }
    return (ia > ib) - (ia < ib);
}

static void
s_sort_violations (pw_plan_t *self)
{
    size_t n = self->violation_count;
    if (n < 2)
        return;
    size_t *keys = pw_malloc (n * sizeof (size_t));
    for (size_t i = 0; i < n; i++)
        keys [i] = i;
    qsort_r (keys, n, sizeof (size_t), s_by_violation, self);
    pw_plan_violation_t *sorted = pw_malloc (self->violation_cap * sizeof (pw_plan_violation_t));
    for (size_t i = 0; i < n; i++)
        sorted [i] = self->violations [keys [i]];
    free (self->violations);
    self->violations = sorted;
    free (keys);
}

//  ----------------------------------------------------------------------
//  Public API

pw_plan_t *
pw_plan_new (const pw_plan_input_t *input, char **error_p)
{
    char *error = s_check_input (input);
    if (error) {
        if (error_p)
            *error_p = error;
        else
            free (error);
        return NULL;
    }
    pw_plan_t *self = pw_calloc (1, sizeof (pw_plan_t));
    s_copy_input (self, input);
    s_rank_names (self);
    size_t n = self->agent_count;

    self->graph = pw_graph_new (n);
    for (size_t e = 0; e < input->edge_count; e++) {
        int rc =
            pw_graph_add_edge (self->graph, input->edges [e].agent, input->edges [e].depends_on);
        assert (rc == 0); //  indices were checked above
        (void)rc;
    }
    pw_graph_analyze (self->graph);

    self->slots = pw_calloc (n, sizeof (pw_plan_slot_t));
    self->earliest = pw_calloc (n, sizeof (int));
    self->latest = pw_calloc (n, sizeof (int));
    self->pending = pw_calloc (n, sizeof (int));
    self->ready = pw_calloc (n, sizeof (int));
    self->held = pw_calloc (self->instance_count, sizeof (size_t));

    s_set_status (self);
    s_report_cycles (self);
    for (size_t i = 0; i < n; i++)
        if (s_planned (self, (int)i) && self->agents [i].instance >= 0) {
            self->slots [i].instance = self->agents [i].instance;
            self->held [self->agents [i].instance]++;
        }
    for (size_t g = 0; g < self->group_count; g++)
        s_place_group (self, (int)g);
    for (size_t i = 0; i < n; i++)
        if (s_planned (self, (int)i) && self->agents [i].group >= 0)
            self->group_size [self->agents [i].group]++;
    s_check_capacity (self);
    s_build_waves (self);
    s_check_order (self);
    s_sort_violations (self);

    free (self->earliest);
    free (self->latest);
    free (self->pending);
    free (self->ready);
    free (self->held);
    self->earliest = self->latest = self->pending = self->ready = NULL;
    self->held = NULL;
    return self;
}

void
pw_plan_destroy (pw_plan_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_plan_t *self = *self_p;
    free (self->names);
    free (self->rank);
    free (self->agents);
    for (size_t i = 0; i < self->instance_count; i++)
        free ((char *)self->instances [i].window);
    free (self->instances);
    for (size_t g = 0; g < self->group_count; g++) {
        free ((char *)self->groups [g].name);
        free ((int *)self->groups [g].instances);
    }
    free (self->groups);
    free (self->group_size);
    pw_graph_destroy (&self->graph);
    free (self->slots);
    free (self->wave_agents);
    free (self->waves);
    free (self->first_wave);
    free (self->wave_total);
    for (size_t i = 0; i < self->violation_count; i++) {
        free ((int *)self->violations [i].members);
        free ((char *)self->violations [i].detail);
    }
    free (self->violations);
    free (self);
    *self_p = NULL;
}

size_t
pw_plan_agent_count (const pw_plan_t *self)
{
    assert (self);
    return self->agent_count;
}

const pw_plan_agent_t *
pw_plan_agent (const pw_plan_t *self, int agent)
{
    assert (self);
    if (agent < 0 || (size_t)agent >= self->agent_count)
        return NULL;
    return &self->agents [agent];
}

const pw_plan_slot_t *
pw_plan_slot (const pw_plan_t *self, int agent)
{
    assert (self);
    if (agent < 0 || (size_t)agent >= self->agent_count)
        return NULL;
    return &self->slots [agent];
}

size_t
pw_plan_instance_count (const pw_plan_t *self)
{
    assert (self);
    return self->instance_count;
}

const pw_plan_instance_t *
pw_plan_instance (const pw_plan_t *self, int instance)
{
    assert (self);
    if (instance < 0 || (size_t)instance >= self->instance_count)
        return NULL;
    return &self->instances [instance];
}

size_t
pw_plan_group_count (const pw_plan_t *self)
{
    assert (self);
    return self->group_count;
}

const pw_plan_group_t *
pw_plan_group (const pw_plan_t *self, int group)
{
    assert (self);
    if (group < 0 || (size_t)group >= self->group_count)
        return NULL;
    return &self->groups [group];
}

size_t
pw_plan_group_size (const pw_plan_t *self, int group)
{
    assert (self);
    if (group < 0 || (size_t)group >= self->group_count)
        return 0;
    return self->group_size [group];
}

size_t
pw_plan_wave_count (const pw_plan_t *self, int instance)
{
    assert (self);
    if (instance < 0 || (size_t)instance >= self->instance_count)
        return 0;
    return self->wave_total [instance];
}

const int *
pw_plan_wave (const pw_plan_t *self, int instance, int wave, size_t *count_p, int64_t *start_p,
              int64_t *end_p)
{
    assert (self && count_p);
    *count_p = 0;
    if (instance < 0 || (size_t)instance >= self->instance_count || wave < 1 ||
        (size_t)wave > self->wave_total [instance])
        return NULL;
    const s_wave_t *w = &self->waves [self->first_wave [instance] + (size_t)wave - 1];
    *count_p = w->count;
    if (start_p)
        *start_p = w->start;
    if (end_p)
        *end_p = w->end;
    return self->wave_agents + w->first;
}

size_t
pw_plan_violation_count (const pw_plan_t *self)
{
    assert (self);
    return self->violation_count;
}

const pw_plan_violation_t *
pw_plan_violation (const pw_plan_t *self, size_t index)
{
    assert (self);
    if (index >= self->violation_count)
        return NULL;
    return &self->violations [index];
}

const pw_graph_t *
pw_plan_graph (const pw_plan_t *self)
{
    assert (self);
    return self->graph;
}

const char *
pw_plan_code_name (pw_plan_code_t code)
{
    switch (code) {
        case PW_PLAN_DEPENDENCY_CYCLE: return "DEPENDENCY_CYCLE";
        case PW_PLAN_DEPENDENCY_ORDER: return "DEPENDENCY_ORDER";
        case PW_PLAN_CHAIN_TOO_DEEP: return "CHAIN_TOO_DEEP";
        case PW_PLAN_WINDOW_OVER_CAPACITY: return "WINDOW_OVER_CAPACITY";
        case PW_PLAN_WINDOW_OVERRUN: return "WINDOW_OVERRUN";
    }
    return "UNKNOWN";
}
