/*  pw_settings - system policies and their effective settings per agent.

    A system policy sets some of the patch settings of DESIGN section 3; an
    assignment puts it on the tenant, an org, a machine group or one agent,
    optionally restricted by a view. The policy service builds one
    pw_settings_t per tenant from the setup and resolves every agent with
    it: set-valued settings are the union of the applying assignments minus
    removals, a scalar comes from the most specific level, then the lower
    priority number, then the earlier assignment. Each effective value
    carries its provenance and the candidates it overrode, which is what
    `pwctl explain` shows and what the audit reports as POLICY_OVERRIDDEN.
    The scheduler and the audit read the result, never the assignments.

    A scalar, list element or set member may contain `{cf.NAME}`: it is
    replaced by the agent's custom field NAME; when that field is missing or
    empty the value does not apply to the agent and the next candidate wins.

    Thread safety: a pw_settings_t holds no global state; resolving only
    reads it, so threads may resolve at once, each into its own
    pw_effective_t. Adding policies or assignments needs exclusive access.
*/
#ifndef PW_SETTINGS_H_INCLUDED
#define PW_SETTINGS_H_INCLUDED

#include "pw_model.h"
#include "pw_util.h"
#include "pw_view.h"

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    PW_SETTING_KIND_SET = 0,     //  union over assignments
    PW_SETTING_KIND_SET_REMOVAL, //  members taken out of another set
    PW_SETTING_KIND_BOOL,        //  "true" / "false"
    PW_SETTING_KIND_SCALAR,      //  one string
    PW_SETTING_KIND_SCALAR_LIST  //  a list that replaces a list as one value
} pw_setting_kind_t;

typedef enum {
    PW_SETTING_PATCH_POLICIES = 0,
    PW_SETTING_PATCH_POLICIES_REMOVE,
    PW_SETTING_SUBSCRIBED,
    PW_SETTING_SCAN,
    PW_SETTING_UPDATE_WINDOW,
    PW_SETTING_REBOOT,
    PW_SETTING_PRE_TASKS,
    PW_SETTING_POST_TASKS,
    PW_SETTING_HEALTH_CHECK,
    PW_SETTING_MANUAL_PATCHING,
    PW_SETTING_COUNT
} pw_setting_t;

//  One row of the settings table, declared once in pw_settings.c; setup
//  parsing, explain output and docs read it.
typedef struct {
    const char *name; //  "update_window"
    pw_setting_kind_t kind;
    pw_setting_t removes; //  SET_REMOVAL: the set it removes from
    const char *doc;      //  one line
} pw_setting_info_t;

//  The table row of SETTING (borrowed, static).
const pw_setting_info_t *pw_setting_info (pw_setting_t setting);

//  Parses a setting name (exact, lower case). Returns 0, or -1 when NAME is
//  not a setting.
int pw_setting_parse (const char *name, pw_setting_t *setting_p);

//  Levels from the most general to the most specific.
typedef enum { PW_LEVEL_TENANT = 0, PW_LEVEL_ORG, PW_LEVEL_GROUP, PW_LEVEL_AGENT } pw_level_t;

//  "tenant", "org", "group", "agent".
const char *pw_level_name (pw_level_t level);

//  Parses a level name; also accepts "organization". Returns -1 on anything
//  else.
int pw_level_parse (const char *text, pw_level_t *level_p);

//  An assignment as the setup file states it; strings are copied, VIEW is
//  borrowed and must outlive the pw_settings_t.
typedef struct {
    const char *policy; //  system policy name
    pw_level_t level;
    const char *org;       //  org and group levels
    const char *group;     //  group level: dotted path, e.g. "servers.sql"
    const char *hostname;  //  agent level (matched case-insensitively)
    const pw_view_t *view; //  NULL: every agent inside the target
    int priority;          //  lower number wins at the same level
} pw_assignment_t;

//  Where an effective value, an overridden candidate or a set member came
//  from, and its value. Strings are borrowed from the pw_settings_t and the
//  pw_effective_t, valid until the next resolve into that pw_effective_t.
typedef struct {
    const char *policy;
    pw_level_t level;
    const char *target; //  NULL at tenant level; "contoso", "contoso/servers.sql", "SQL01"
    const char *view;   //  view text, NULL without a view
    int priority;
    size_t order;              //  sequence of the assignment, from 0
    const char *value;         //  scalars, bools and set members; NULL for lists
    const char *const *values; //  scalar lists
    size_t value_count;
} pw_setting_source_t;

//  A member of a set-valued setting.
typedef struct {
    const char *name;
    pw_setting_source_t source; //  the most specific assignment that added it
    bool removed;
    pw_setting_source_t removed_by; //  when removed: the strongest removal
} pw_setting_member_t;

typedef struct _pw_settings_t pw_settings_t;
typedef struct _pw_effective_t pw_effective_t;

//  --------------------------------------------------------------------------
//  Definitions

//  Creates an empty set of system policies and assignments; caller owns.
pw_settings_t *pw_settings_new (void);

//  Destroys it and nulls the caller's pointer. NULL-safe.
void pw_settings_destroy (pw_settings_t **self_p);

//  Defines system policy NAME (setting nothing yet). Returns 0, or -1 with
//  *ERROR_P set (caller frees; ERROR_P may be NULL) when NAME is empty or
//  already defined.
int pw_settings_add_policy (pw_settings_t *self, const char *name, char **error_p);

//  Sets scalar or bool SETTING of POLICY to VALUE (copied; bools take
//  "true" or "false"); replaces an earlier value. Returns 0, or -1 with
//  *ERROR_P set naming the policy and setting when the policy or setting is
//  unknown, the setting is a set or list, or the value is empty or not a
//  bool where one is needed.
int pw_settings_set (pw_settings_t *self, const char *policy, const char *setting,
                     const char *value, char **error_p);

//  Sets a set, set-removal or list SETTING of POLICY to COUNT VALUES
//  (copied; a list may be empty, meaning "no tasks"). Returns 0, or -1 with
//  *ERROR_P set as for pw_settings_set, or when a value is empty.
int pw_settings_set_list (pw_settings_t *self, const char *policy, const char *setting,
                          const char *const *values, size_t count, char **error_p);

//  Adds an assignment; its order is the number of assignments before it.
//  Returns that order, or -1 with *ERROR_P set when the policy is unknown,
//  the level is out of range, the target does not fit the level (tenant: no
//  target; org: org only; group: org and a group path without empty parts;
//  agent: hostname only).
long pw_settings_assign (pw_settings_t *self, const pw_assignment_t *assignment, char **error_p);

size_t pw_settings_policy_count (const pw_settings_t *self);

size_t pw_settings_assignment_count (const pw_settings_t *self);

//  --------------------------------------------------------------------------
//  Resolution

//  Creates a result holder; reuse one per thread across agents, since
//  resolving into it recycles its memory. Caller owns.
pw_effective_t *pw_effective_new (void);

void pw_effective_destroy (pw_effective_t **self_p);

//  Resolves the effective settings of AGENT (borrowed; it must outlive the
//  use of EFFECTIVE) into EFFECTIVE, replacing what it held.
void pw_settings_resolve (const pw_settings_t *self, const pw_agent_t *agent,
                          pw_effective_t *effective);

//  True when some applying assignment gives SETTING a value.
bool pw_effective_is_set (const pw_effective_t *self, pw_setting_t setting);

//  Scalar or bool value ("true" / "false"), or NULL when unset or not a
//  scalar.
const char *pw_effective_value (const pw_effective_t *self, pw_setting_t setting);

//  Scalar lists: the winning list; sets: the effective members (removed
//  ones left out), most general first. Sets *VALUES_P (borrowed) and returns
//  the count; 0 when unset.
size_t pw_effective_list (const pw_effective_t *self, pw_setting_t setting,
                          const char *const **values_p);

//  Provenance of a scalar, bool or list value; NULL when unset or a set.
const pw_setting_source_t *pw_effective_source (const pw_effective_t *self, pw_setting_t setting);

//  Candidates that lost to the effective value, strongest first. Sets
//  *LIST_P (borrowed) and returns the count.
size_t pw_effective_overridden (const pw_effective_t *self, pw_setting_t setting,
                                const pw_setting_source_t **list_p);

//  Set members, effective and removed, most general first. Sets *MEMBERS_P
//  (borrowed) and returns the count.
size_t pw_effective_members (const pw_effective_t *self, pw_setting_t setting,
                             const pw_setting_member_t **members_p);

//  The agent's effective subscription: inventory (its own flag and its
//  org's) and the setting `subscribed` (true when unset).
bool pw_effective_subscribed (const pw_effective_t *self);

//  Appends the `settings` object of `pwctl explain --json` to OUT: every
//  setting, in table order, as {"value": ..., "source": {...} | null,
//  "overridden": [...]}; sets add "members" with each member's source and
//  "removed_by", and have "source": null.
void pw_effective_json (const pw_effective_t *self, pw_strbuf_t *out);

#ifdef __cplusplus
}
#endif

#endif
