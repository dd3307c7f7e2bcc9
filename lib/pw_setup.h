/*  pw_setup - the setup file: parse, validate and fingerprint a tenant's
    declarative configuration.

    `pwctl apply -f setup.yaml` sends one YAML file that is the whole desired
    state of a tenant: orgs and their groups, views, patch policies, KB
    overrides, system policies and assignments (the policy service's part),
    the cycle, windows, window groups, blackouts and dependencies (the
    scheduler's part). Both services parse the same file with this module and
    apply their sections. The whole file is validated before anything is
    returned: every error is collected with its path and line, so one run
    shows everything that is wrong. Each section also has a canonical text
    form and a SHA-256 digest of it, so a service can tell whether an apply changes
    anything. Every key is declared once, in tables inside pw_setup.c that
    drive the parser and the reference (docs/setup-file.md).
*/
#ifndef PW_SETUP_H_INCLUDED
#define PW_SETUP_H_INCLUDED

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

//  Files larger than this, or nested deeper than this, are refused.
#define PW_SETUP_MAX_BYTES (8u * 1024u * 1024u)
#define PW_SETUP_MAX_DEPTH 32
//  Past this many errors the list ends with one "too many errors" entry.
#define PW_SETUP_MAX_ERRORS 200

//  The 11 classifications, in the order of DESIGN section 1 (the same order
//  as pw_classification_t): index into pw_setup_patch_policy_t.classifications.
#define PW_SETUP_CLASSIFICATION_COUNT 11

typedef enum { PW_SETUP_APPROVE = 0, PW_SETUP_REVIEW, PW_SETUP_DENY } pw_setup_action_t;

//  ISO 8601 weekday numbers: Monday is 1, Sunday is 7 (not struct tm's 0).
typedef enum {
    PW_SETUP_MON = 1,
    PW_SETUP_TUE,
    PW_SETUP_WED,
    PW_SETUP_THU,
    PW_SETUP_FRI,
    PW_SETUP_SAT,
    PW_SETUP_SUN
} pw_setup_weekday_t;

typedef enum {
    PW_SETUP_REBOOT_NEVER = 0,
    PW_SETUP_REBOOT_WHEN_REQUIRED,
    PW_SETUP_REBOOT_ALWAYS
} pw_setup_reboot_t;

typedef enum {
    PW_SETUP_TASK_DISABLE_MONITORS = 0,
    PW_SETUP_TASK_ENABLE_MONITORS,
    PW_SETUP_TASK_REBOOT_BEFORE,
    PW_SETUP_TASK_RUN //  runs `script`
} pw_setup_task_kind_t;

typedef enum { PW_SETUP_CHECK_AGENT_CHECKIN = 0, PW_SETUP_CHECK_TCP } pw_setup_check_kind_t;

//  Assignment levels, from the most general.
typedef enum {
    PW_SETUP_LEVEL_TENANT = 0,
    PW_SETUP_LEVEL_ORG,
    PW_SETUP_LEVEL_GROUP,
    PW_SETUP_LEVEL_AGENT
} pw_setup_level_t;

typedef enum { PW_SETUP_CYCLE_MONTHLY = 0, PW_SETUP_CYCLE_WEEKLY } pw_setup_cycle_kind_t;

//  The day a monthly cycle is anchored on: the second Tuesday of the month.
typedef enum { PW_SETUP_ANCHOR_PATCH_TUESDAY = 0 } pw_setup_anchor_t;

typedef enum {
    PW_SETUP_FAILURE_HOLD_DEPENDENTS = 0,
    PW_SETUP_FAILURE_STOP,
    PW_SETUP_FAILURE_CONTINUE
} pw_setup_failure_t;

typedef enum {
    PW_SETUP_BUDGET_NONE = 0, //  no error budget: only the failure policy applies
    PW_SETUP_BUDGET_COUNT,    //  more than `value` failed agents stops the group
    PW_SETUP_BUDGET_PERCENT   //  more than `value` % of the group's agents failed
} pw_setup_budget_kind_t;

//  Durations are in seconds; times of day in minutes after local midnight.

//  `settings`: tenant thresholds.
typedef struct {
    int64_t scan_gap;       //  default 24h
    int64_t scan_max_age;   //  default 7d
    int64_t review_max_age; //  default 14d
    const char *timezone;   //  default for orgs without one; default "UTC"
} pw_setup_tenant_settings_t;

typedef struct {
    const char *name;
    const char *timezone;      //  the org's, or settings.timezone
    bool subscribed;           //  patching: subscribed (default) / unsubscribed
    const char *const *groups; //  every declared path and its implied
    size_t group_count;        //  parents, sorted (strcmp), no duplicates
    int line;
} pw_setup_org_t;

typedef struct {
    const char *name;
    const char *filter;      //  checked with pw_view_compile
    const char *description; //  NULL when absent
    int line;
} pw_setup_view_t;

//  A classification rule. `set` is false when the policy has no rule for
//  that classification (its `default` applies).
typedef struct {
    bool set;
    pw_setup_action_t action;
    int after_days; //  only with approve: deferred until release + N days
} pw_setup_rule_t;

typedef struct {
    const char *match; //  glob on the product name
    pw_setup_action_t action;
    int after_days;
    int line;
} pw_setup_product_rule_t;

typedef struct {
    const char *name;
    const char *description;
    bool baseline;
    bool deny_superseded;
    pw_setup_action_t default_action; //  `default`, review when unset
    pw_setup_rule_t classifications [PW_SETUP_CLASSIFICATION_COUNT];
    pw_setup_product_rule_t *products; //  in listed order: first match wins
    size_t product_count;
    int line;
} pw_setup_patch_policy_t;

typedef struct {
    const char *kb;
    pw_setup_action_t action; //  approve or deny
    const char *note;
    int line;
} pw_setup_kb_override_t;

typedef struct {
    pw_setup_task_kind_t kind;
    const char *script; //  PW_SETUP_TASK_RUN only, else NULL
} pw_setup_task_t;

typedef struct {
    pw_setup_weekday_t day; //  default Monday
    int minute;             //  local time
} pw_setup_scan_t;

typedef struct {
    pw_setup_check_kind_t kind;
    int port;        //  PW_SETUP_CHECK_TCP only
    int64_t timeout; //  default 15m
} pw_setup_health_check_t;

//  Which settings a system policy sets: bits of pw_setup_policy_settings_t.set.
//  A setting whose bit is clear is left alone by the policy.
typedef enum {
    PW_SETUP_HAS_PATCH_POLICIES = 1u << 0,
    PW_SETUP_HAS_PATCH_POLICIES_REMOVE = 1u << 1,
    PW_SETUP_HAS_SUBSCRIBED = 1u << 2,
    PW_SETUP_HAS_SCAN = 1u << 3,
    PW_SETUP_HAS_UPDATE_WINDOW = 1u << 4,
    PW_SETUP_HAS_REBOOT = 1u << 5,
    PW_SETUP_HAS_PRE_TASKS = 1u << 6,
    PW_SETUP_HAS_POST_TASKS = 1u << 7,
    PW_SETUP_HAS_HEALTH_CHECK = 1u << 8,
    PW_SETUP_HAS_MANUAL_PATCHING = 1u << 9
} pw_setup_setting_bit_t;

typedef struct {
    unsigned set; //  pw_setup_setting_bit_t bits
    const char *const *patch_policies;
    size_t patch_policy_count;
    const char *const *patch_policies_remove;
    size_t patch_policy_remove_count;
    bool subscribed;
    pw_setup_scan_t scan;
    const char *update_window;   //  window or window group name, or template
    bool update_window_template; //  contains `{cf.NAME}`: resolved per agent
    pw_setup_reboot_t reboot;
    pw_setup_task_t *pre_tasks;
    size_t pre_task_count;
    pw_setup_task_t *post_tasks;
    size_t post_task_count;
    pw_setup_health_check_t health_check;
    const char *manual_patching_reason;
} pw_setup_policy_settings_t;

typedef struct {
    const char *name;
    const char *description;
    pw_setup_policy_settings_t settings;
    int line;
} pw_setup_system_policy_t;

typedef struct {
    const char *policy; //  a system policy name
    pw_setup_level_t level;
    const char *target; //  as written; NULL at tenant level
    const char *org;    //  org and group levels: the org name
    const char *group;  //  group level: the dotted path inside `org`
    const char *view;   //  NULL: every agent inside the target
    int priority;       //  lower wins at the same level; default 100
    int line;           //  file order breaks the remaining ties
} pw_setup_assignment_t;

typedef struct {
    pw_setup_cycle_kind_t kind; //  default monthly
    pw_setup_anchor_t anchor;   //  monthly: patch_tuesday
    pw_setup_weekday_t weekday; //  weekly: the anchor day; 0 when monthly
} pw_setup_cycle_t;

typedef struct {
    const char *name;
    int offset_days;      //  days after the cycle's anchor
    int start;            //  minutes after local midnight
    int64_t duration;     //  seconds, whole minutes
    int capacity;         //  agents at once
    const char *timezone; //  NULL: the agent's org
    const char *group;    //  NULL when not in a window group
    int position;         //  1..N inside `group`; 0 without a group
    int line;
} pw_setup_window_t;

typedef struct {
    const char *name;
    const char *description;
    pw_setup_failure_t failure_policy; //  default hold_dependents
    pw_setup_budget_kind_t budget_kind;
    int budget_value;
    const pw_setup_window_t *const *windows; //  by position, borrowed from
    size_t window_count;                     //  the setup's windows array
    int line;
} pw_setup_window_group_t;

typedef struct {
    int year, month, day;
} pw_setup_date_t;

typedef struct {
    const char *org;
    pw_setup_date_t from, to; //  inclusive, in the org's time zone
    const char *reason;
    int line;
} pw_setup_blackout_t;

typedef struct {
    const char *agent;        //  hostname
    const char *const *after; //  hostnames patched, rebooted and healthy first
    size_t after_count;
    int line;
} pw_setup_dependency_t;

//  A parsed, valid setup file. Read-only for callers; every string and array
//  is owned by the setup and lives until pw_setup_destroy. Arrays are in
//  file order.
typedef struct {
    const char *tenant; //  NULL when the file names none
    pw_setup_tenant_settings_t settings;
    pw_setup_org_t *orgs;
    size_t org_count;
    pw_setup_view_t *views;
    size_t view_count;
    pw_setup_patch_policy_t *patch_policies;
    size_t patch_policy_count;
    pw_setup_kb_override_t *kb_overrides;
    size_t kb_override_count;
    pw_setup_system_policy_t *system_policies;
    size_t system_policy_count;
    pw_setup_assignment_t *assignments;
    size_t assignment_count;
    pw_setup_cycle_t cycle;
    pw_setup_window_t *windows;
    size_t window_count;
    pw_setup_window_group_t *window_groups;
    size_t window_group_count;
    pw_setup_blackout_t *blackouts;
    size_t blackout_count;
    pw_setup_dependency_t *dependencies;
    size_t dependency_count;
    struct _pw_setup_arena_t *arena_; //  private
} pw_setup_t;

//  One problem found in a file. `path` is where it is, like
//  `system_policies[3].settings.reboot` (list indexes count from 0), or ""
//  for the file as a whole. `line` and `column` count from 1; 0 = unknown.
typedef struct {
    char *path;
    int line;
    int column;
    char *message;
} pw_setup_error_t;

//  The errors of one parse, sorted by line. Caller owns.
typedef struct {
    pw_setup_error_t *items;
    size_t count;
    size_t cap_;
} pw_setup_errors_t;

typedef struct {
    //  Where IANA zone files live; NULL means /usr/share/zoneinfo.
    const char *zoneinfo_root;
    //  When set, a file whose `tenant:` names another tenant is refused.
    const char *tenant;
} pw_setup_options_t;

//  Parses and validates LEN bytes of YAML. Returns a new setup (caller owns)
//  when the file is valid; else NULL and, when ERRORS_P is not NULL,
//  *ERRORS_P set to a new error list (caller owns; never empty). On success
//  *ERRORS_P is set to NULL. OPTIONS may be NULL.
pw_setup_t *pw_setup_parse (const char *text, size_t len, const pw_setup_options_t *options,
                            pw_setup_errors_t **errors_p);

//  Reads FILENAME and parses it as pw_setup_parse does. A file that cannot
//  be read is one error naming the file and the reason.
pw_setup_t *pw_setup_load (const char *filename, const pw_setup_options_t *options,
                           pw_setup_errors_t **errors_p);

//  Destroys the setup and nulls the caller's pointer. NULL-safe.
void pw_setup_destroy (pw_setup_t **self_p);

//  Lookups by exact name; NULL when absent. The result is borrowed.
const pw_setup_org_t *pw_setup_org (const pw_setup_t *self, const char *name);
const pw_setup_view_t *pw_setup_view (const pw_setup_t *self, const char *name);
const pw_setup_patch_policy_t *pw_setup_patch_policy (const pw_setup_t *self, const char *name);
const pw_setup_system_policy_t *pw_setup_system_policy (const pw_setup_t *self, const char *name);
const pw_setup_window_t *pw_setup_window (const pw_setup_t *self, const char *name);
const pw_setup_window_group_t *pw_setup_window_group (const pw_setup_t *self, const char *name);

//  The sections a service applies; each has a canonical form.
typedef enum {
    PW_SETUP_SECTION_SETTINGS = 0,
    PW_SETUP_SECTION_ORGS,
    PW_SETUP_SECTION_VIEWS,
    PW_SETUP_SECTION_PATCH_POLICIES,
    PW_SETUP_SECTION_KB_OVERRIDES,
    PW_SETUP_SECTION_SYSTEM_POLICIES,
    PW_SETUP_SECTION_ASSIGNMENTS,
    PW_SETUP_SECTION_CYCLE,
    PW_SETUP_SECTION_WINDOWS,
    PW_SETUP_SECTION_WINDOW_GROUPS,
    PW_SETUP_SECTION_BLACKOUTS,
    PW_SETUP_SECTION_DEPENDENCIES,
    PW_SETUP_SECTION_COUNT //  as an argument: every section
} pw_setup_section_t;

//  The section's key in the file ("orgs"), or "all" for PW_SETUP_SECTION_COUNT.
const char *pw_setup_section_name (pw_setup_section_t section);

//  The canonical text of SECTION (or of every section, for
//  PW_SETUP_SECTION_COUNT): one line per item, defaults filled in, named
//  items sorted by name, order kept where order means something
//  (assignments, product rules, window order). Two files that mean the same
//  give the same text, whatever their layout, comments or key order. Caller
//  frees.
char *pw_setup_canonical (const pw_setup_t *self, pw_setup_section_t section);

//  Writes the SHA-256 of SECTION's canonical text into HEX (64 lowercase
//  hex digits and a NUL). Equal digests mean "nothing to apply" for that
//  section; a service keeps the digest of what it applied last.
#define PW_SETUP_DIGEST_HEX 65
void pw_setup_digest (const pw_setup_t *self, pw_setup_section_t section,
                      char hex [PW_SETUP_DIGEST_HEX]);

//  The errors one per line, `PATH: MESSAGE (line N)`, or `line N, column C:
//  MESSAGE` for syntax errors, each ending in a newline. Caller frees.
char *pw_setup_errors_render (const pw_setup_errors_t *self);

//  Destroys an error list and nulls the caller's pointer. NULL-safe.
void pw_setup_errors_destroy (pw_setup_errors_t **self_p);

//  The key reference, rendered from the key tables as Markdown: one
//  `#### section` heading and one table per mapping. docs/setup-file.md
//  embeds each of these tables verbatim. Caller frees.
char *pw_setup_reference (void);

//  Name of classification INDEX (0..10), e.g. "update_rollup"; NULL when out
//  of range.
const char *pw_setup_classification_name (int index);

#ifdef __cplusplus
}
#endif

#endif
