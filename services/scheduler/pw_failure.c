/*  pw_failure - the failure policy as one breadth-first pass.

    First every window group's state is settled: its failures are counted,
    and it stops when its policy is `stop` and something failed, or when its
    error budget is exceeded. Then holds spread over the dependency graph,
    from each failed agent whose group policy is not `continue` and from each
    not-started agent of a stopped group, to every not-started dependent.
    Holds pass through held agents (they will not run, so neither can what
    waits for them) but not through agents that are running or done.
*/
#include "pw_failure.h"
#include "pw_util.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

struct _pw_failure_t {
    size_t agent_count;
    pw_gate_t *gate;
    int *blocker;
    int *origin;
    char **reason; //  NULL means ""
    size_t group_count;
    bool *stopped;
    size_t *failures;
    int *allowed;
};

static bool
s_failed (pw_outcome_t outcome)
{
    return outcome == PW_OUTCOME_FAILED || outcome == PW_OUTCOME_UNHEALTHY;
}

static const char *
s_failure_word (pw_outcome_t outcome)
{
    return outcome == PW_OUTCOME_UNHEALTHY ? "was not healthy in time" : "failed";
}

pw_failure_t *
pw_failure_new (const pw_plan_t *plan, const pw_outcome_t *outcomes, size_t outcome_count,
                char **error_p)
{
    assert (plan);
    size_t n = pw_plan_agent_count (plan);
    char *error = NULL;
    if (outcome_count != n)
        error = pw_sprintf ("%zu outcomes for a plan of %zu agents", outcome_count, n);
    else if (n && !outcomes)
        error = pw_strdup ("outcomes are missing");
    for (size_t i = 0; !error && i < n; i++)
        if ((int)outcomes [i] < PW_OUTCOME_NOT_STARTED || (int)outcomes [i] > PW_OUTCOME_UNHEALTHY)
            error = pw_sprintf ("agent %s has an unknown outcome %d",
                                pw_plan_agent (plan, (int)i)->name, (int)outcomes [i]);
    if (error) {
        if (error_p)
            *error_p = error;
        else
            free (error);
        return NULL;
    }

    pw_failure_t *self = pw_calloc (1, sizeof (pw_failure_t));
    self->agent_count = n;
    self->gate = pw_calloc (n, sizeof (pw_gate_t));
    self->blocker = pw_malloc ((n ? n : 1) * sizeof (int));
    self->origin = pw_malloc ((n ? n : 1) * sizeof (int));
    self->reason = pw_calloc (n, sizeof (char *));
    size_t groups = pw_plan_group_count (plan);
    self->group_count = groups;
    self->stopped = pw_calloc (groups, sizeof (bool));
    self->failures = pw_calloc (groups, sizeof (size_t));
    self->allowed = pw_calloc (groups, sizeof (int));
    int *first_failed = pw_malloc ((groups ? groups : 1) * sizeof (int));

    //  Gates before any hold; failures per group, first failed by name.
    for (size_t i = 0; i < n; i++) {
        int a = (int)i;
        self->blocker [a] = self->origin [a] = -1;
        if (pw_plan_slot (plan, a)->status != PW_SLOT_PLANNED)
            self->gate [a] = PW_GATE_UNSCHEDULED;
        else
            self->gate [a] =
                outcomes [a] == PW_OUTCOME_NOT_STARTED ? PW_GATE_MAY_START : PW_GATE_STARTED;
    }
    for (size_t g = 0; g < groups; g++)
        first_failed [g] = -1;
    for (size_t i = 0; i < n; i++) {
        int a = (int)i, g = pw_plan_agent (plan, a)->group;
        if (g < 0 || self->gate [a] == PW_GATE_UNSCHEDULED || !s_failed (outcomes [a]))
            continue;
        self->failures [g]++;
        if (first_failed [g] < 0 || strcmp (pw_plan_agent (plan, a)->name,
                                            pw_plan_agent (plan, first_failed [g])->name) < 0)
            first_failed [g] = a;
    }

    //  Group state. A percent budget allows floor (percent x size / 100)
    //  failures: 10% of 25 agents allows 2, and the 3rd stops the group.
    bool *by_budget = pw_calloc (groups, sizeof (bool));
    for (size_t g = 0; g < groups; g++) {
        const pw_plan_group_t *group = pw_plan_group (plan, (int)g);
        size_t size = pw_plan_group_size (plan, (int)g);
        if (group->budget_kind == PW_BUDGET_COUNT)
            self->allowed [g] = group->budget;
        else if (group->budget_kind == PW_BUDGET_PERCENT)
            self->allowed [g] = (int)((size_t)group->budget * size / 100);
        else
            self->allowed [g] = -1;
        if (self->allowed [g] >= 0 && self->failures [g] > (size_t)self->allowed [g])
            self->stopped [g] = by_budget [g] = true;
        else if (group->policy == PW_FAILURE_STOP && self->failures [g] > 0)
            self->stopped [g] = true;
    }

    //  Seeds: not-started agents of stopped groups, and failed agents whose
    //  group policy holds dependents (fixed-window agents count as
    //  `hold_dependents`).
    int *queue = pw_malloc ((n ? n : 1) * sizeof (int));
    size_t head = 0, tail = 0;
    for (size_t i = 0; i < n; i++) {
        int a = (int)i, g = pw_plan_agent (plan, a)->group;
        if (self->gate [a] == PW_GATE_UNSCHEDULED)
            continue;
        if (s_failed (outcomes [a])) {
            if (g < 0 || pw_plan_group (plan, g)->policy != PW_FAILURE_CONTINUE ||
                self->stopped [g])
                queue [tail++] = a;
            continue;
        }
        if (self->gate [a] == PW_GATE_MAY_START && g >= 0 && self->stopped [g]) {
            const pw_plan_group_t *group = pw_plan_group (plan, g);
            int origin = first_failed [g];
            self->origin [a] = origin;
            const char *who = pw_plan_agent (plan, origin)->name;
            if (by_budget [g]) {
                self->gate [a] = PW_GATE_HELD_BUDGET;
                self->reason [a] = pw_sprintf (
                    "window group %s stopped: %zu failed agents exceed its error budget of %d "
                    "(first: %s)",
                    group->name, self->failures [g], self->allowed [g], who);
            } else {
                self->gate [a] = PW_GATE_HELD_STOPPED;
                self->reason [a] =
                    pw_sprintf ("window group %s stopped by its policy after %s %s", group->name,
                                who, s_failure_word (outcomes [origin]));
            }
            queue [tail++] = a;
        }
    }

    const pw_graph_t *graph = pw_plan_graph (plan);
    while (head < tail) {
        int u = queue [head++];
        int origin = s_failed (outcomes [u]) ? u : self->origin [u];
        size_t count;
        const int *dependents = pw_graph_dependents (graph, u, &count);
        for (size_t k = 0; k < count; k++) {
            int c = dependents [k];
            if (self->gate [c] != PW_GATE_MAY_START)
                continue;
            self->gate [c] = PW_GATE_HELD_DEPENDENCY;
            self->blocker [c] = u;
            self->origin [c] = origin;
            const char *u_name = pw_plan_agent (plan, u)->name;
            if (u == origin)
                self->reason [c] =
                    pw_sprintf ("dependency %s %s", u_name, s_failure_word (outcomes [u]));
            else
                self->reason [c] = pw_sprintf ("dependency %s is held (%s %s)", u_name,
                                               pw_plan_agent (plan, origin)->name,
                                               s_failure_word (outcomes [origin]));
            queue [tail++] = c;
        }
    }
    free (queue);
    free (by_budget);
    free (first_failed);
    return self;
}

void
pw_failure_destroy (pw_failure_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    pw_failure_t *self = *self_p;
    for (size_t i = 0; i < self->agent_count; i++)
        free (self->reason [i]);
    free (self->reason);
    free (self->gate);
    free (self->blocker);
    free (self->origin);
    free (self->stopped);
    free (self->failures);
    free (self->allowed);
    free (self);
    *self_p = NULL;
}

static bool
s_valid_agent (const pw_failure_t *self, int agent)
{
    return agent >= 0 && (size_t)agent < self->agent_count;
}

pw_gate_t
pw_failure_gate (const pw_failure_t *self, int agent)
{
    assert (self);
    return s_valid_agent (self, agent) ? self->gate [agent] : PW_GATE_UNSCHEDULED;
}

bool
pw_failure_may_start (const pw_failure_t *self, int agent)
{
    return pw_failure_gate (self, agent) == PW_GATE_MAY_START;
}

int
pw_failure_blocker (const pw_failure_t *self, int agent)
{
    assert (self);
    return s_valid_agent (self, agent) ? self->blocker [agent] : -1;
}

int
pw_failure_origin (const pw_failure_t *self, int agent)
{
    assert (self);
    return s_valid_agent (self, agent) ? self->origin [agent] : -1;
}

const char *
pw_failure_reason (const pw_failure_t *self, int agent)
{
    assert (self);
    if (!s_valid_agent (self, agent) || !self->reason [agent])
        return "";
    return self->reason [agent];
}

bool
pw_failure_group_stopped (const pw_failure_t *self, int group)
{
    assert (self);
    return group >= 0 && (size_t)group < self->group_count && self->stopped [group];
}

size_t
pw_failure_group_failures (const pw_failure_t *self, int group)
{
    assert (self);
    if (group < 0 || (size_t)group >= self->group_count)
        return 0;
    return self->failures [group];
}

int
pw_failure_group_allowed (const pw_failure_t *self, int group)
{
    assert (self);
    if (group < 0 || (size_t)group >= self->group_count)
        return -1;
    return self->allowed [group];
}

const char *
pw_failure_gate_name (pw_gate_t gate)
{
    switch (gate) {
        case PW_GATE_MAY_START: return "may_start";
        case PW_GATE_HELD_DEPENDENCY: return "held_dependency";
        case PW_GATE_HELD_STOPPED: return "held_stopped";
        case PW_GATE_HELD_BUDGET: return "held_budget";
        case PW_GATE_STARTED: return "started";
        case PW_GATE_UNSCHEDULED: return "unscheduled";
    }
    return "unknown";
}
