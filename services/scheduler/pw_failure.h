/*  pw_failure - which planned agents may still start, given what happened.

    While a plan runs, the scheduler service collects each agent's outcome
    (succeeded, failed, unhealthy, running, not started) and asks this class,
    for every agent that has not started yet, whether it may still start and
    if not, why: a dependency failed (directly or through agents that are
    held themselves), its window group was stopped by the `stop` policy, or
    the group's error budget is exceeded. The failure policy of the failed
    agent's window group decides how far a failure reaches; an agent with a
    fixed window fails under `hold_dependents`. docs/scheduling.md has the
    rules and a worked example.

    Pure: a result is computed once by pw_failure_new and is read-only
    afterwards. It copies what it needs, so the plan may be destroyed first.
*/
#ifndef PW_FAILURE_H_INCLUDED
#define PW_FAILURE_H_INCLUDED

#include "pw_plan.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

//  What the scheduler knows of one agent's run.
typedef enum {
    PW_OUTCOME_NOT_STARTED = 0,
    PW_OUTCOME_RUNNING,
    PW_OUTCOME_SUCCEEDED,
    PW_OUTCOME_FAILED,   //  the install failed
    PW_OUTCOME_UNHEALTHY //  not back within its health-check timeout
} pw_outcome_t;

//  The answer for one agent.
typedef enum {
    PW_GATE_MAY_START = 0,   //  not started, nothing holds it
    PW_GATE_HELD_DEPENDENCY, //  a dependency failed, or is held itself
    PW_GATE_HELD_STOPPED,    //  its group stopped: policy `stop` after a failure
    PW_GATE_HELD_BUDGET,     //  its group stopped: error budget exceeded
    PW_GATE_STARTED,         //  running or finished: nothing to decide
    PW_GATE_UNSCHEDULED      //  not in the plan
} pw_gate_t;

typedef struct _pw_failure_t pw_failure_t;

//  Decides for every agent of PLAN. OUTCOMES has one entry per agent of the
//  plan (OUTCOME_COUNT must equal pw_plan_agent_count). Returns NULL when it
//  does not, or an outcome is not one of pw_outcome_t, and then sets
//  *ERROR_P (when not NULL) to a message the caller frees. Outcomes of
//  unscheduled agents are ignored. Caller owns the result.
pw_failure_t *pw_failure_new (const pw_plan_t *plan, const pw_outcome_t *outcomes,
                              size_t outcome_count, char **error_p);

//  Destroys the result and nulls the caller's pointer. NULL-safe.
void pw_failure_destroy (pw_failure_t **self_p);

//  The gate of agent AGENT; PW_GATE_UNSCHEDULED for an unknown index.
pw_gate_t pw_failure_gate (const pw_failure_t *self, int agent);

//  True when the gate is PW_GATE_MAY_START.
bool pw_failure_may_start (const pw_failure_t *self, int agent);

//  For PW_GATE_HELD_DEPENDENCY: the dependency that holds AGENT (failed, or
//  held itself). Otherwise -1.
int pw_failure_blocker (const pw_failure_t *self, int agent);

//  For a held agent: the failed agent the hold comes from (for a stopped
//  group, the group's first failed agent by name). Otherwise -1.
int pw_failure_origin (const pw_failure_t *self, int agent);

//  Why AGENT may not start, one line for people; "" when it may start.
//  Owned by the result.
const char *pw_failure_reason (const pw_failure_t *self, int agent);

//  True when window group GROUP is stopped (by policy or budget).
bool pw_failure_group_stopped (const pw_failure_t *self, int group);

//  Failed or unhealthy planned agents of GROUP.
size_t pw_failure_group_failures (const pw_failure_t *self, int group);

//  How many failures GROUP's budget allows before it stops: the count, or
//  floor (percent x planned agents / 100). -1 when the group has no budget.
int pw_failure_group_allowed (const pw_failure_t *self, int group);

//  "may_start", "held_dependency", "held_stopped", "held_budget", "started",
//  "unscheduled".
const char *pw_failure_gate_name (pw_gate_t gate);

#ifdef __cplusplus
}
#endif

#endif
