/*  pw_checks - the audit's checks: which findings are true right now.

    The audit service gathers, for one agent, one patch policy or the
    tenant's current plan, the plain facts below (effective settings from the
    policy service, scan results, the plan from the scheduler) and calls the
    matching pw_checks_* function, which appends every finding whose
    condition holds to a pw_findings_t. The checks read nothing else: no
    clock (the caller passes "now"), no store, no global state, so they are
    safe to run from any number of threads. docs/audit.md lists every code
    with its condition, severity, subject and fix.
*/
#ifndef PW_CHECKS_H_INCLUDED
#define PW_CHECKS_H_INCLUDED

#include "pw_findings.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PW_CHECKS_MINUTE_US (60LL * 1000000LL)
#define PW_CHECKS_HOUR_US   (60LL * PW_CHECKS_MINUTE_US)
#define PW_CHECKS_DAY_US    (24LL * PW_CHECKS_HOUR_US)

//  A patch's vendor severity (the catalogue's "Critical", "Important", ...).
typedef enum {
    PW_PATCH_SEVERITY_UNSPECIFIED = 0,
    PW_PATCH_SEVERITY_LOW,
    PW_PATCH_SEVERITY_MODERATE,
    PW_PATCH_SEVERITY_IMPORTANT,
    PW_PATCH_SEVERITY_CRITICAL,
    PW_PATCH_SEVERITY_COUNT
} pw_patch_severity_t;

//  "Unspecified", "Low", "Moderate", "Important", "Critical"; "Unknown" out
//  of range.
const char *pw_patch_severity_name (pw_patch_severity_t severity);

//  Parses a catalogue severity, ASCII case-insensitive. NULL, "" and
//  "unspecified" give UNSPECIFIED. Returns 0, or -1 for any other text.
int pw_patch_severity_parse (const char *text, pw_patch_severity_t *severity_p);

//  The thresholds. Fill with pw_checks_config_defaults, then override from
//  the service's configuration. Durations are microseconds.
typedef struct {
    int64_t scan_max_age_us;   //  7 days
    int64_t scan_gap_us;       //  24 hours
    int64_t review_max_age_us; //  14 days
    //  Time after the window an approved patch may still be missing:
    //  Critical 3 days, Important 7, Moderate 14, Low and unspecified 30
    int64_t install_grace_us [PW_PATCH_SEVERITY_COUNT];
    //  The tenant's policy marked `baseline: true`; NULL when it has none
    //  (then NO_BASELINE is never raised). Borrowed.
    const char *baseline_policy;
} pw_checks_config_t;

void pw_checks_config_defaults (pw_checks_config_t *config);

//  One patch in a scan result list.
typedef struct {
    const char *kb; //  KB or package/version
    pw_patch_severity_t severity;
    //  For a missing approved patch: the end of the update window instance
    //  that should have installed it (for a manual_patching agent, the time
    //  it was approved); 0 while no such window has ended. Unused elsewhere.
    int64_t window_end_us;
} pw_check_patch_t;

//  A scalar setting whose value from one system policy lost to another.
typedef struct {
    const char *setting; //  "update_window"
    const char *policy;  //  the system policy that lost
    const char *winner;  //  the system policy whose value applies
} pw_check_override_t;

//  A dependency the plan could not honour for this (dependent) agent.
typedef struct {
    const char *dependency; //  hostname of the agent depended on
    const char *reason;     //  the plan's explanation; may be NULL
} pw_check_violation_t;

//  Everything the agent checks look at. All borrowed.
typedef struct {
    const char *hostname; //  required
    const char *org;
    bool subscribed;                   //  effective: org subscription and setting
    const char *const *patch_policies; //  member patch policy names
    size_t patch_policy_count;
    bool has_scan_schedule;          //  an effective `scan` setting
    const char *update_window;       //  effective window or group name; NULL = none
    bool update_window_exists;       //  it names an existing window or group
    const char *manual_patching;     //  the exception's reason; NULL = none
    int64_t last_scan_us;            //  0 = never scanned
    const pw_check_patch_t *missing; //  missing patches whose status is approved
    size_t missing_count;
    const pw_check_patch_t *failed; //  failed installs
    size_t failed_count;
    const pw_check_patch_t *pending_reboot; //  installed, waiting for a reboot
    size_t pending_reboot_count;
    //  From the current plan:
    int64_t window_start_us;        //  its next update window instance; 0 = none
    int64_t scan_end_us;            //  end of the last scan planned before it; 0 = none
    const char *unscheduled_reason; //  why the plan left it out; NULL = it did not
    const pw_check_violation_t *violations;
    size_t violation_count;
    //  From settings resolution:
    const pw_check_override_t *overrides;
    size_t override_count;
} pw_check_agent_t;

//  One patch policy's review queue.
typedef struct {
    const char *name;                //  required
    size_t review_waiting;           //  patches waiting for a decision
    int64_t oldest_waiting_since_us; //  when the oldest entered review; 0 = none
} pw_check_policy_t;

//  A strongly connected component of the dependency graph.
typedef struct {
    const char *const *members; //  hostnames, any order
    size_t member_count;
} pw_check_cycle_t;

//  One planned window instance.
typedef struct {
    const char *window; //  window name
    int64_t start_us;
    size_t agents;            //  agents placed in it
    size_t capacity;          //  agents at once; 0 = no limit
    int64_t expected_minutes; //  expected install + reboot + health time, all waves
    int64_t duration_minutes;
} pw_check_window_t;

//  One window group's layering.
typedef struct {
    const char *group;
    size_t depth;         //  layers the dependency chains need
    size_t windows;       //  windows the group has
    size_t excess_agents; //  agents sequenced in waves in the last window
} pw_check_chain_t;

typedef struct {
    const pw_check_cycle_t *cycles;
    size_t cycle_count;
    const pw_check_window_t *windows;
    size_t window_count;
    const pw_check_chain_t *chains;
    size_t chain_count;
} pw_check_plan_t;

//  Appends AGENT's current findings to OUT (scope agent, owner hostname).
//  Returns how many were added, or -1 (nothing added) when an argument is
//  NULL or the hostname is missing.
int pw_checks_agent (const pw_checks_config_t *config, const pw_check_agent_t *agent,
                     int64_t now_us, pw_findings_t *out);

//  Appends POLICY's REVIEW_BACKLOG finding when due. Returns 0 or 1, or -1.
int pw_checks_policy (const pw_checks_config_t *config, const pw_check_policy_t *policy,
                      int64_t now_us, pw_findings_t *out);

//  Appends the plan findings: one DEPENDENCY_CYCLE per cycle (subject: the
//  members sorted and joined with ", "), one WINDOW_OVER_CAPACITY and one
//  WINDOW_OVERRUN per window name over all its instances, one CHAIN_TOO_DEEP
//  per window group. Returns how many were added, or -1.
int pw_checks_plan (const pw_checks_config_t *config, const pw_check_plan_t *plan,
                    pw_findings_t *out);

//  True when PATCH (missing and approved) is past its window + grace at NOW.
bool pw_checks_overdue (const pw_checks_config_t *config, const pw_check_patch_t *patch,
                        int64_t now_us);

//  True when AGENT has a scan schedule and an existing update window that
//  the plan gave a slot.
bool pw_checks_scheduled (const pw_check_agent_t *agent);

//  The finding severity of a patch severity: Critical critical, Important
//  high, Moderate medium, Low and unspecified low.
pw_finding_sev_t pw_checks_patch_finding_sev (pw_patch_severity_t severity);

#ifdef __cplusplus
}
#endif

#endif
