/*  sched_build - one tenant's plan for one cycle, from what the store holds.

    The scheduler server loads a sched_inputs_t from the store (sched_store)
    and asks this class for the plan of a cycle: it turns the tenant's
    windows into UTC instances per time zone (and per org where blackouts
    apply), maps every agent to its window group or fixed window instance,
    runs the planner (pw_plan), checks every planned agent's scan against
    its window (pw_scan_check) and reports names that match no window.
    The result renders as the plan document of `pwctl plan --json`, and as
    the rows of plan_agents and plan_violations. docs/scheduling.md has the
    rules.

    Pure: no sockets, no SQL. A sched_plan_t borrows from its inputs, which
    must outlive it.
*/
#ifndef SCHED_BUILD_H_INCLUDED
#define SCHED_BUILD_H_INCLUDED

#include "pw_cycle.h"
#include "pw_plan.h"
#include "pw_window.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  One agent as planning sees it. Strings are borrowed.
typedef struct {
    int64_t id;
    const char *hostname;
    const char *org;
    bool subscribed;             //  org, agent and effective setting together
    int expected_minutes;        //  install + reboot + health wait; 0 = unknown
    const char *update_window;   //  effective settings; NULL when not set
    const char *scan;            //  "mon 04:00"
    const char *manual_patching; //  the exception's reason
    const char *health_check;    //  "agent_checkin timeout=900"
} sched_agent_t;

typedef struct {
    const char *name;
    const char *timezone;
    bool subscribed;
} sched_org_t;

typedef struct {
    const char *name;
    pw_failure_policy_t policy;
    pw_budget_kind_t budget_kind;
    int budget;
} sched_group_t;

typedef struct {
    const char *org;
    pw_blackout_t blackout;
} sched_blackout_t;

typedef struct {
    const char *hostname;
    const char *depends_on;
} sched_dependency_t;

//  Everything a tenant's plan depends on. Agents sorted by hostname.
typedef struct {
    pw_cycle_t cycle;
    const char *timezone; //  the tenant's default, for orgs without one
    pw_scan_rules_t scan_rules;
    sched_agent_t *agents;
    size_t agent_count;
    sched_org_t *orgs;
    size_t org_count;
    pw_window_t *windows;
    size_t window_count;
    sched_group_t *groups;
    size_t group_count;
    sched_blackout_t *blackouts;
    size_t blackout_count;
    sched_dependency_t *dependencies;
    size_t dependency_count;
} sched_inputs_t;

#define SCHED_DIGEST_HEX 65

//  SHA-256 (hex) of INPUTS and CYCLE: equal digests mean the plan of that
//  cycle would come out the same.
void sched_inputs_digest (const sched_inputs_t *inputs, const char *cycle,
                          char hex [SCHED_DIGEST_HEX]);

typedef struct _sched_plan_t sched_plan_t;

//  Builds the plan of cycle CYCLE ("YYYY-MM", or a date for a weekly
//  cycle), or, when CYCLE is NULL or empty, of the cycle that contains NOW
//  (unix seconds), or the next one once NOW is past its last window.
//  Returns NULL with *ERROR_P set (caller frees) and *INVALID_P true when
//  CYCLE is malformed; *INVALID_P false means an internal error.
sched_plan_t *sched_plan_build (const sched_inputs_t *inputs, const char *cycle, int64_t now,
                                pw_tz_cache_t *zones, bool *invalid_p, char **error_p);

//  Destroys the plan and nulls the caller's pointer. NULL-safe.
void sched_plan_destroy (sched_plan_t **self_p);

//  The cycle's id, and its anchor as "YYYY-MM-DD".
const char *sched_plan_cycle (const sched_plan_t *self);
const char *sched_plan_anchor (const sched_plan_t *self);

size_t sched_plan_agents (const sched_plan_t *self);
size_t sched_plan_planned (const sched_plan_t *self);
size_t sched_plan_unscheduled (const sched_plan_t *self);
size_t sched_plan_violations (const sched_plan_t *self);

//  The plan document (docs/scheduling.md), keeping only what concerns org
//  ORG and window or window group WINDOW when they are not NULL or empty.
//  Caller frees.
char *sched_plan_document (const sched_plan_t *self, const char *org, const char *window);

//  JSON arrays of plan_agents and plan_violations rows (the columns of
//  sql/queries/sched_plan_agents_patch.sql and
//  sched_plan_violations_patch.sql). Caller frees.
char *sched_plan_agent_rows (const sched_plan_t *self);
char *sched_plan_violation_rows (const sched_plan_t *self);

//  The same for the agents (0 .. sched_plan_agents - 1) or violations
//  (0 .. sched_plan_violations - 1) listed in INDEXES, in that order; all
//  of them when INDEXES is NULL. Caller frees.
char *sched_plan_agent_rows_of (const sched_plan_t *self, const size_t *indexes, size_t count);
char *sched_plan_violation_rows_of (const sched_plan_t *self, const size_t *indexes, size_t count);

//  One plan_agents row, as the plan writes it or as it is read back.
//  Strings are borrowed; a has_ flag false stands for NULL.
typedef struct {
    int64_t agent_id;
    const char *hostname;
    const char *org;
    bool planned; //  status "planned", else "unscheduled"
    const char *reason;
    const char *window;
    const char *window_group;
    bool has_position;
    int position;
    bool has_wave;
    int wave;
    bool has_start, has_end, has_wave_end;
    int64_t start_utc, end_utc, wave_end_utc;
    const char *timezone;
    bool has_scan;
    int64_t scan_utc;
    bool has_health_timeout;
    int health_timeout;
} sched_agent_row_t;

//  One plan_violations row, the same way.
typedef struct {
    int64_t ordinal;
    const char *code;
    bool has_agent;
    int64_t agent_id;
    bool has_other;
    int64_t other_agent_id;
    const char *window;
    const char *const *members;
    size_t member_count;
    const char *detail;
} sched_violation_row_t;

//  The row of plan agent AGENT, and its agent_id.
void sched_plan_agent_row (const sched_plan_t *self, size_t agent, sched_agent_row_t *row);
int64_t sched_plan_agent_id (const sched_plan_t *self, size_t agent);

//  A 64-bit hash of a row: rows with equal values hash alike, so a row
//  whose hash is that of the stored one need not be written again.
uint64_t sched_agent_row_hash (const sched_agent_row_t *row);
uint64_t sched_violation_row_hash (const sched_violation_row_t *row);

//  The hash of the row of plan agent AGENT, or of violation INDEX.
uint64_t sched_plan_agent_hash (const sched_plan_t *self, size_t agent);
uint64_t sched_plan_violation_hash (const sched_plan_t *self, size_t index);

//  A 64-bit hash of LEN bytes of TEXT (a rendered document), in the same
//  family.
uint64_t sched_text_hash (const char *text, size_t len);

//  Payloads of the plan.ready and plan.violations events. Caller frees.
char *sched_plan_ready_payload (const sched_plan_t *self);
char *sched_plan_violations_payload (const sched_plan_t *self);

//  The underlying planner result (for tests and the failure policy).
const pw_plan_t *sched_plan_pw (const sched_plan_t *self);

#ifdef __cplusplus
}
#endif

#endif
