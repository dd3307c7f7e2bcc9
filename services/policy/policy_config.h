/*  policy_config - a tenant's policy configuration as plain data.

    The policy sections of a setup file (views, patch policies, KB overrides,
    system policies, assignments) plus the reviewers' decisions, in the form
    both the store and the resolver speak. It is filled from a parsed setup
    file (on apply) or from the store's rows (on load), written to the store
    by policy_store, and turned into a pw_approval_t and a pw_settings_t by
    policy_tenant. Settings are kept as canonical strings (see
    docs/system-policies.md): scan "mon 04:00", health_check
    "tcp:1433 timeout=900", tasks "disable_monitors" or "run:SCRIPT".
*/
#ifndef POLICY_CONFIG_H_INCLUDED
#define POLICY_CONFIG_H_INCLUDED

#include "pw_approval.h"
#include "pw_arena.h"
#include "pw_settings.h"
#include "pw_setup.h"

typedef struct {
    const char *name;
    const char *filter;
    const char *description;
} policy_view_t;

typedef struct {
    pw_patch_policy_t policy; //  strings and arrays in the config's arena
    const char *description;
} policy_patch_policy_t;

typedef struct {
    const char *kb;
    pw_action_t action;
    const char *note;
} policy_override_t;

typedef struct {
    const char *policy;
    const char *kb;
    pw_action_t action;
    const char *reason;
    const char *by;
} policy_decision_t;

//  One setting of a system policy: a scalar (count 1, list false) or a
//  list/set (list true, count >= 0).
typedef struct {
    pw_setting_t setting;
    const char *const *values;
    size_t count;
    bool list;
} policy_setting_value_t;

typedef struct {
    const char *name;
    const char *description;
    policy_setting_value_t *settings;
    size_t setting_count;
} policy_system_policy_t;

typedef struct {
    const char *policy;
    pw_level_t level;
    const char *org;
    const char *group;
    const char *hostname;
    const char *view; //  view name or NULL
    int priority;
} policy_assignment_t;

typedef struct {
    pw_arena_t *arena;
    int64_t scan_gap_s, scan_max_age_s, review_max_age_s;
    const char *timezone;
    policy_view_t *views;
    size_t view_count;
    policy_patch_policy_t *patch_policies;
    size_t patch_policy_count;
    policy_override_t *overrides;
    size_t override_count;
    policy_decision_t *decisions;
    size_t decision_count;
    policy_system_policy_t *system_policies;
    size_t system_policy_count;
    policy_assignment_t *assignments;
    size_t assignment_count;
} policy_config_t;

//  An empty config; caller owns.
policy_config_t *policy_config_new (void);
void policy_config_destroy (policy_config_t **self_p);

//  Fills a new config from the policy sections of SETUP (decisions stay
//  empty: they are not part of a setup file). Caller owns.
policy_config_t *policy_config_from_setup (const pw_setup_t *setup);

//  pw_action_t of a setup action.
pw_action_t policy_config_action (pw_setup_action_t action);

//  The JSON object stored in system_policies.settings for POLICY: setting
//  name -> string or array of strings. Appended to OUT.
void policy_config_settings_json (const policy_system_policy_t *policy, pw_strbuf_t *out);

#endif
