/*  pw_plan - places agents into window instances and waves by dependency.

    The scheduler service fills a pw_plan_input_t from the store (agents with
    their window or window group, window instances already turned into UTC,
    window groups, dependency edges) and calls pw_plan_new. The result says,
    for every agent, whether it is planned and where (instance, position in
    its group, wave, expected start and end), lists every instance's waves,
    and lists what is wrong (cycles, order violations, chains deeper than the
    group, windows over capacity or overrunning), which the audit turns into
    findings. The failure policy (pw_failure) reads a plan to decide which
    agents may still start. docs/scheduling.md states the rules.

    Pure and deterministic: no I/O, no global state; the same input gives the
    same plan. A plan is immutable once built and may be read from several
    threads. pw_plan_new copies everything it keeps, so the input may be
    freed as soon as it returns.
*/
#ifndef PW_PLAN_H_INCLUDED
#define PW_PLAN_H_INCLUDED

#include "pw_graph.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  What a window group does when one of its agents fails (pw_failure).
typedef enum {
    PW_FAILURE_HOLD_DEPENDENTS = 0, //  the failed agent's dependents wait (default)
    PW_FAILURE_STOP,                //  no further agent of the group starts
    PW_FAILURE_CONTINUE             //  the failure changes nothing
} pw_failure_policy_t;

typedef enum {
    PW_BUDGET_NONE = 0, //  no error budget
    PW_BUDGET_COUNT,    //  at most `budget` failed agents
    PW_BUDGET_PERCENT   //  at most `budget` percent of the group's planned agents
} pw_budget_kind_t;

//  One agent. Its index is its position in pw_plan_input_t.agents. It names
//  a window group, or a fixed window instance, or neither (not scheduled).
typedef struct {
    const char *name; //  hostname, unique inside the tenant
    const char *org;  //  the customer it belongs to (informational)
    bool subscribed;  //  effective `subscribed`: false takes it out of the plan
    int duration_min; //  install + reboot + health wait; <= 0: the input's default
    int group;        //  window group index, or -1
    int instance;     //  fixed window instance index, or -1
} pw_plan_agent_t;

//  One window instance in UTC. CAPACITY is how many agents the instance
//  holds, and so also how many run at once; <= 0 means no limit.
typedef struct {
    const char *window; //  window name, e.g. "SAT-3"
    int64_t start_utc;  //  unix seconds
    int64_t end_utc;    //  unix seconds, >= start_utc
    int capacity;
} pw_plan_instance_t;

//  One window group: its instances in position order (position 1 first).
typedef struct {
    const char *name;
    const int *instances;
    size_t instance_count; //  0 when every window of the group is blacked out
    pw_failure_policy_t policy;
    pw_budget_kind_t budget_kind;
    int budget; //  count (>= 0), or percent (0..100)
} pw_plan_group_t;

//  "AGENT is patched only after DEPENDS_ON is patched, rebooted and healthy".
typedef struct {
    int agent;
    int depends_on;
} pw_plan_edge_t;

//  Everything the planner reads. All of it is borrowed for the duration of
//  pw_plan_new only.
typedef struct {
    const pw_plan_agent_t *agents;
    size_t agent_count;
    const pw_plan_instance_t *instances;
    size_t instance_count;
    const pw_plan_group_t *groups;
    size_t group_count;
    const pw_plan_edge_t *edges;
    size_t edge_count;
    int default_duration_min; //  for agents without an estimate; <= 0: 60
} pw_plan_input_t;

typedef enum { PW_SLOT_PLANNED = 0, PW_SLOT_UNSCHEDULED } pw_slot_status_t;

//  Where one agent lands.
typedef struct {
    pw_slot_status_t status;
    const char *reason;   //  unscheduled: "not subscribed", "no window",
                          //  "no window instance this cycle", "dependency cycle";
                          //  planned: ""
    int instance;         //  -1 when unscheduled
    int position;         //  1.. inside its window group (beyond the group's size
                          //  when the chain is too deep); 0 for a fixed window
    int wave;             //  1.. inside the instance; 0 when unscheduled
    int64_t start_utc;    //  expected start (the wave's start)
    int64_t end_utc;      //  start + the agent's own expected duration
    int64_t wave_end_utc; //  when its wave is expected back; dependents wait for this
} pw_plan_slot_t;

//  Violation codes, with the audit's finding names (pw_plan_code_name).
typedef enum {
    PW_PLAN_DEPENDENCY_CYCLE = 0,
    PW_PLAN_DEPENDENCY_ORDER,
    PW_PLAN_CHAIN_TOO_DEEP,
    PW_PLAN_WINDOW_OVER_CAPACITY,
    PW_PLAN_WINDOW_OVERRUN
} pw_plan_code_t;

//  One thing wrong with the plan.
//  DEPENDENCY_CYCLE: AGENT = the first member by name; MEMBERS = all of them.
//  DEPENDENCY_ORDER: AGENT depends on OTHER and cannot wait for it.
//  CHAIN_TOO_DEEP:   GROUP, INSTANCE = its last one, AGENT = the deepest agent,
//                    MEMBERS = the agents placed past the last position,
//                    AMOUNT = depth, LIMIT = number of windows.
//  WINDOW_OVER_CAPACITY: INSTANCE, AMOUNT = agents, LIMIT = capacity.
//  WINDOW_OVERRUN:   INSTANCE, AMOUNT = minutes past the window's end.
//  Fields that do not apply are -1 (indices) or 0 (counts).
typedef struct {
    pw_plan_code_t code;
    int agent;
    int other;
    int instance;
    int group;
    const int *members; //  sorted by name
    size_t member_count;
    int64_t amount;
    int64_t limit;
    const char *detail; //  one line for people
} pw_plan_violation_t;

typedef struct _pw_plan_t pw_plan_t;

//  Builds the plan. Returns NULL when the input is malformed (an index out of
//  range, an agent with both a group and a fixed window, an instance ending
//  before it starts, a budget out of range) and, when ERROR_P is not NULL,
//  sets *ERROR_P to a message the caller frees. Caller owns the plan.
pw_plan_t *pw_plan_new (const pw_plan_input_t *input, char **error_p);

//  Destroys the plan and nulls the caller's pointer. NULL-safe.
void pw_plan_destroy (pw_plan_t **self_p);

size_t pw_plan_agent_count (const pw_plan_t *self);

//  The plan's copy of agent AGENT's input. Owned by the plan.
const pw_plan_agent_t *pw_plan_agent (const pw_plan_t *self, int agent);

//  Where agent AGENT lands. Owned by the plan.
const pw_plan_slot_t *pw_plan_slot (const pw_plan_t *self, int agent);

size_t pw_plan_instance_count (const pw_plan_t *self);

const pw_plan_instance_t *pw_plan_instance (const pw_plan_t *self, int instance);

size_t pw_plan_group_count (const pw_plan_t *self);

const pw_plan_group_t *pw_plan_group (const pw_plan_t *self, int group);

//  Number of planned agents in group GROUP.
size_t pw_plan_group_size (const pw_plan_t *self, int group);

//  Number of waves of instance INSTANCE (0 when nothing runs in it).
size_t pw_plan_wave_count (const pw_plan_t *self, int instance);

//  Agents of wave WAVE (1-based) of INSTANCE, sorted by name; sets *COUNT_P
//  and, when not NULL, the wave's expected start and end. Owned by the plan.
const int *pw_plan_wave (const pw_plan_t *self, int instance, int wave, size_t *count_p,
                         int64_t *start_p, int64_t *end_p);

//  Violations, ordered by code, then agent name, then other agent's name.
size_t pw_plan_violation_count (const pw_plan_t *self);

const pw_plan_violation_t *pw_plan_violation (const pw_plan_t *self, size_t index);

//  The dependency graph (analyzed). Owned by the plan.
const pw_graph_t *pw_plan_graph (const pw_plan_t *self);

//  "DEPENDENCY_CYCLE", "DEPENDENCY_ORDER", ...
const char *pw_plan_code_name (pw_plan_code_t code);

#ifdef __cplusplus
}
#endif

#endif
